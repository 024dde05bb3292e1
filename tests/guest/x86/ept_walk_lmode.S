/* 64-bit long-mode guest for tests/x86/test_x86_ept_walk.c, loaded at
 * 0x10000: a read at the linear address in RBX. */
.code64
.globl start
start:
  mov (%rbx), %rax
  hlt
