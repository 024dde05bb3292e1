/* Guest for tests/x86/test_x86_seabios_fixes.c: port reads that start a
 * translated block right after an instruction the model completes inside
 * the engine (RDTSC), or after an exit (CPUID), as SeaBIOS's PIT
 * calibration loop does. Loaded at 0x7c00. */
.code16
.globl start
start:
  rdtsc                  /* completed by the model: no exit */
  mov %eax, %esi
  mov %edx, %edi
  in $0x61, %al          /* exit 1: at 0x7c08 */
  cpuid                  /* exit 2 */
  mov %eax, %ecx
  in $0x92, %al          /* exit 3: at 0x7c0f */
  hlt
