/* 32-bit protected-mode guest for tests/x86/test_x86_ept_walk.c (EPT
 * violations on the guest's own page walk), loaded at 0x10000; linear
 * 0x800000.. is translated by a page table the test puts in guest-physical
 * memory with no RAM. */
.code32
.globl start
start:
/* 0x000: a read through the missing page table */
  mov 0x800123, %eax
  hlt

.org 0x100 /* a write */
  movl $1, 0x800456
  hlt

.org 0x200 /* an instruction fetch */
  mov $0x800010, %eax
  jmp *%eax
