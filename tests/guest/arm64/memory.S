/* memory.S — single loads, stores and branches for the stage-2 tests. The
 * host points x0 at the address under test; each access is followed by
 * `hvc #0` so a completed access is told apart from a fault exit. */
    .include "guest.inc"
    .text
    .global _start
_start:
    b .

    /* STR W1,[X0]: ISV, SAS=2 (word), SRT=1, SF=0, WnR=1. */
    .global store_w1
store_w1:
    str w1, [x0]
    .global after_store
after_store:
    hvc #0

    /* LDR X2,[X0]: ISV, SAS=3 (doubleword), SRT=2, SF=1, WnR=0. */
    .global load_x2
load_x2:
    ldr x2, [x0]
    hvc #0

    /* Jump to x0 (an instruction fetch at that IPA). */
    .global branch_x0
branch_x0:
    br x0
