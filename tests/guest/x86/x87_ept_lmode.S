/* 64-bit long-mode guest for tests/x86/test_x86_x87_ept.c, loaded at
 * 0x10000 (identity-mapped): x87 stores with RIP-relative operands to the
 * page at 0x11000, which the VMM makes read-only. */
.code64
.globl start
start:
/* 0x000: FBSTP m80 */
  fildl src(%rip)
  fbstp dst(%rip)
  hlt

.org 0x40 /* FNSTENV with a 16-bit operand size: the 14-byte layout */
  data16 fnstenv env(%rip)
  hlt

.org 0x800
src:
  .long 1234567

.org 0x1040
dst:
  .fill 16, 1, 0
.org 0x1100
env:
  .fill 32, 1, 0
.org 0x1200
