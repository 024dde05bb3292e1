/* Real-mode guest for tests/x86/test_x86_software_interrupts.c: INT n and
 * INT3 delivered through the IVT, each handler reading the virtual TSC. */
.code16
.globl start
start:
  nop
  int $0x30            /* IVT[0x30] -> handler30 */
  hlt
handler30:             /* at start + 4 */
  rdtsc
  hlt                  /* exit: the INT retired before the RDTSC */
  int3                 /* IVT[3] -> handler3 when #BP is not exiting */
  hlt
handler3:              /* at start + 9 */
  rdtsc
  hlt
