/* 64-bit long-mode guest for tests/x86/test_x86_segment_errors.c, loaded
 * at 0x10000. */
.code64
.globl start
start:
/* 0x000: far JMP through memory (m16:32) */
  ljmp *(%rbx)
  hlt

.org 0x100 /* IRETQ with the frame the test built */
  iretq
  hlt
