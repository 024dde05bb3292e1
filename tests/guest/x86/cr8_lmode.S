/* 64-bit long-mode guest for tests/x86/test_x86_cr8_tpr.c (CR8 exiting
 * and the TPR shadow), loaded at 0x10000; each test enters at an offset. */
.code64
.globl start
start:
/* 0x000: MOV to CR8 from R10 */
  mov %r10, %cr8
  hlt

.org 0x100 /* MOV from CR8 to R9 */
  mov %cr8, %r9
  hlt

.org 0x200 /* write, then read back */
  mov %rcx, %cr8
  mov %cr8, %rdx
  hlt
