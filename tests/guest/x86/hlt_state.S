/* 32-bit protected-mode guest (paging on) for the HLT activity state
 * tests, loaded at 0x10000; each test enters at an offset. */
.code32
.globl start
start:
/* 0x000: the guest's own HLT */
  nop
  nop
  hlt
  nop
  hlt

.org 0x100 /* interrupt handler */
  hlt

.org 0x200 /* reads the TSC, then stops */
  rdtsc
  hlt

.org 0x300 /* HLT in the STI shadow */
  sti
  hlt
  hlt
