/* Real-mode guest for tests/x86/test_x86_trace.c: a loop whose every
 * iteration exits for port input, port output, CPUID and VMCALL, reads a
 * byte the VMM wrote between runs, writes guest memory itself, and spins
 * long enough for a deadline to expire inside it. */
.code16
.globl start
start:
  xor %bx, %bx
1:
  mov $0x3f8, %dx        /* again each time: RDTSC writes EDX */
  in %dx, %al            /* the VMM answers */
  add %al, %bl
  mov %bl, 0x600         /* the guest's own write */
  mov 0x500, %cl         /* a byte the VMM wrote between runs */
  add %cl, %bl
  mov %bl, %al
  out %al, %dx
  mov $200, %si
2:
  dec %si
  jnz 2b
  xor %eax, %eax
  cpuid
  rdtsc
  vmcall
  jmp 1b
