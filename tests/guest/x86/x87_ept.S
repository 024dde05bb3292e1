/* 32-bit protected-mode guest (paging on) for tests/x86/test_x86_x87_ept.c,
 * loaded at 0x10000: x87 instructions whose memory operand causes an EPT
 * violation. Each test enters at its own offset. The page tables map linear
 * 0x400000 -> GPA 0x50000 (the source values), 0x401000 -> GPA 0x51000
 * (made read-only by the VMM) and 0x402000 -> GPA 0x200000 (no RAM until
 * the VMM maps it). */
.code32
.globl start
start:
/* 0x000: FSTP m64 to read-only memory */
  fld1
  fstpl 0x401010
  hlt

.org 0x100 /* FISTP m32 to read-only memory */
  fildl 0x400000
  fistpl 0x401020
  hlt

.org 0x200 /* FBSTP m80 to read-only memory */
  fildl 0x400004
  fbstp 0x401030
  hlt

.org 0x300 /* FLD m80 from a page with no RAM */
  fldt 0x402040
  hlt

.org 0x400 /* FST m64 with an ES override, FNSTENV, to read-only memory */
  fld1
  fstl %es:0x401050
  fnstenv 0x401100
  hlt

.org 0x500 /* FSTP m80 to read-only memory */
  fldz
  fld1
  fstpt 0x401200
  hlt

.org 0x600 /* FNSAVE to read-only memory, after a non-default control word */
  fldcw 0x400008
  fld1
  fnsave 0x401300
  hlt

.org 0x700 /* FBSTP that completes, then a plain store to read-only memory */
  fildl 0x400004
  fbstp 0x400100
  movl $1, 0x401400
  hlt

.org 0x800 /* FRSTOR and FBLD from a page with no RAM */
  fld1
  frstor 0x402100
  fbld 0x402200
  hlt

.org 0x900 /* FXSAVE to read-only memory */
  fxsave 0x401000
  hlt

.org 0xa00 /* FBSTP to read-only memory, then an instruction without memory */
  fildl 0x400004
  fbstp 0x401030
  cmp %ah, %dh
  hlt
