/*
 * timer.S — guest code for test_guest_timer.c and test_guest_determinism.c:
 * reads of the virtual counter and timer, timer arming, an IRQ vector that
 * turns the timer off, and a scenario mixing every kind of exit for the
 * determinism test.
 */
    .include "guest.inc"

    .text
    .global _start
_start:
    b .

    .global read_cntvct
read_cntvct:
    mrs x1, cntvct_el0
    hvc #0

    .global read_cntfrq
read_cntfrq:
    mrs x1, cntfrq_el0
    hvc #0

    /* x1 = CNTVCT, x0 iterations of a 2-instruction loop, x2 = CNTVCT. */
    .global cntvct_loop
cntvct_loop:
    mrs x1, cntvct_el0
1:  subs x0, x0, #1
    b.ne 1b
    mrs x2, cntvct_el0
    hvc #0

    /* x1 = CNTVCT, 80 straight-line instructions, x2 = CNTVCT. */
    .global cntvct_straight
cntvct_straight:
    mrs x1, cntvct_el0
    .rept 80
    add x3, x3, #1
    .endr
    mrs x2, cntvct_el0
    hvc #0

    /* x0 iterations of a 4-instruction loop, then HVC. */
    .global count_loop
count_loop:
    add x1, x1, #1
    add x2, x2, #2
    subs x0, x0, #1
    b.ne count_loop
    hvc #0

    /* CVAL = CNTVCT + x0, CTL = ENABLE, then spin counting in x3. */
    .global timer_arm
timer_arm:
    mrs x1, cntvct_el0
    add x1, x1, x0
    msr cntv_cval_el0, x1
    mov x2, #1
    msr cntv_ctl_el0, x2
    .global timer_spin
timer_spin:
    add x3, x3, #1
    b timer_spin

    /* The timer as the guest sees it: x1 = CNTVCT, x2 = CTL, x3 = CVAL,
     * x4 = TVAL. */
    .global timer_read
timer_read:
    mrs x1, cntvct_el0
    mrs x2, cntv_ctl_el0
    mrs x3, cntv_cval_el0
    mrs x4, cntv_tval_el0
    hvc #0

    /* TVAL = x0; then x1 = CNTVCT, x2 = CVAL, x3 = TVAL, x4 = CTL. */
    .global tval_write
tval_write:
    msr cntv_tval_el0, x0
    mrs x1, cntvct_el0
    mrs x2, cntv_cval_el0
    mrs x3, cntv_tval_el0
    mrs x4, cntv_ctl_el0
    hvc #0

    /* CVAL = CNTVCT + x0, ENABLE, unmask IRQs, count x9 down to 0, then
     * HVC with x0 = UCALL_DONE. */
    .global timer_irq
timer_irq:
    mrs x1, cntvct_el0
    add x1, x1, x0
    msr cntv_cval_el0, x1
    mov x2, #1
    msr cntv_ctl_el0, x2
    msr daifclr, #2
    .global timer_irq_loop
timer_irq_loop:
    subs x9, x9, #1
    b.ne timer_irq_loop
    mov x0, #UCALL_DONE
    hvc #0

/*
 * The determinism scenario: x0 rounds of HVC, an MMIO store and load, a
 * trapped CNTPCT read, RAM stores and a busy loop, with a WFI every fourth
 * round, while the virtual timer interrupts every 120 ticks. x26 = RAM log,
 * x27 = MMIO, x28 = interrupts taken. Ends with HVC x0 = UCALL_DONE and
 * x1 = CNTVCT.
 */
    .equ SCENARIO_LOG, 0x200000
    .equ SCENARIO_EOI, 0x100 /* offset of the VMM's end-of-interrupt register */

    .global scenario
scenario:
    mov x19, x0
    mov x26, #SCENARIO_LOG
    mov x27, #MMIO_BASE
    mov x28, #0
    mrs x1, cntvct_el0
    add x1, x1, #300
    msr cntv_cval_el0, x1
    mov x1, #1
    msr cntv_ctl_el0, x1
    msr daifclr, #2
scenario_round:
    mov x0, #UCALL_SYNC
    mov x1, x19
    hvc #0
    str x19, [x27]
    ldr x21, [x27, #8]
    mrs x22, cntpct_el0
    add x23, x21, x22
    str x23, [x26, x19, lsl #3]
    mov x24, #500
1:  eor x25, x25, x24
    add x25, x25, x23
    subs x24, x24, #1
    b.ne 1b
    tst x19, #3
    b.ne 2f
    wfi
2:  subs x19, x19, #1
    b.ne scenario_round
    mrs x1, cntvct_el0
    mov x0, #UCALL_DONE
    hvc #0

/* Vectors: every entry reports like guest.inc's VECTOR_TABLE, except the
 * IRQ entry for the current EL with SP_ELx (0x280): when `timer_vectors` is
 * VBAR it first reads CNTV_CTL into x6 and CNTVCT into x7 and turns the
 * timer off; in `scenario_vectors` it is a real handler that saves what it
 * uses, logs CNTVCT, re-arms the timer 120 ticks on, acknowledges the
 * interrupt with a store to the VMM's EOI register and returns. */
.macro REPORT off
    mov x0, #UCALL_VECTOR
    mov x1, #\off
    mrs x2, esr_el1
    mrs x3, far_el1
    mrs x4, elr_el1
    mrs x5, spsr_el1
    hvc #0
    eret
.endm

    .balign 2048
    .global timer_vectors
timer_vectors:
    .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 128
    .if \off == 0x280
    mrs x6, cntv_ctl_el0
    mrs x7, cntvct_el0
    msr cntv_ctl_el0, xzr
    .endif
    REPORT \off
    .endr

    .balign 2048
    .global scenario_vectors
scenario_vectors:
    .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 128
    .if \off == 0x280
    stp x0, x1, [sp, #-16]!
    add x28, x28, #1
    mrs x0, cntvct_el0
    add x1, x26, #0x1000
    str x0, [x1, x28, lsl #3]
    add x0, x0, #120
    msr cntv_cval_el0, x0
    str w28, [x27, #SCENARIO_EOI]
    ldp x0, x1, [sp], #16
    eret
    .else
    REPORT \off
    .endif
    .endr
