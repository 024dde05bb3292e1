/* 32-bit protected-mode guest for tests/x86/test_x86_segment_errors.c,
 * loaded at 0x10000; each test enters at an offset with the operands
 * (far pointer at EBX, stack frame at ESP, descriptors) it set up. */
.code32
.globl start
start:
/* 0x000: far JMP through memory */
  ljmp *(%ebx)
  hlt

.org 0x100 /* far CALL through memory */
  lcall *(%ebx)
  hlt

.org 0x200 /* IRET with the frame the test built */
  iret
  hlt

.org 0x300 /* far RET */
  lret
  hlt

.org 0x400 /* direct far JMP beyond the GDT limit */
  ljmp $0x58, $0x10000
  hlt

.org 0x500 /* software interrupt through the gate the test wrote */
  int $0x30
  hlt
