/*
 * gic.S — guest code for test_gic.c and test_guest_gic_trace.c: reads of the GIC's identification
 * registers through MMIO and the ICC system registers, programming of an SPI,
 * a PPI or an SGI the way Linux's GICv3 driver does, an IRQ handler that
 * acknowledges and ends the interrupt, and SGI generation.
 *
 * Reports: `hvc #0` done (values in registers), `hvc #1` from the IRQ
 * handler with x0 = the INTID ICC_IAR1_EL1 returned, x1/x2 = ICC_RPR_EL1
 * before/after the EOI, `hvc #2` after a wait in which no interrupt came.
 * The frames sit where test_gic.c places them (GICD, GICR below).
 */
    .include "guest.inc"

    .equ GICD, 0x08000000
    .equ GICR, 0x080a0000

    .text
    .global _start
_start:
    b .

    /* x1 GICD_TYPER, x2 GICD_PIDR2, x3 GICR_TYPER (vCPU 0, 64-bit),
     * x4 GICR_PIDR2, x5 GICD_CTLR, x6 GICD_IIDR, x7 GICR_WAKER,
     * x8 GICR_TYPER of redistributor 1, x9 GICR_ICFGR0, x16 ICC_SRE_EL1,
     * x17 ICC_CTLR_EL1, x18 ICC_IAR1_EL1 (nothing pending). */
    .global read_ids
read_ids:
    ldr x10, =GICD
    ldr w1, [x10, #4]
    add x11, x10, #0xf, lsl #12
    ldr w2, [x11, #0xfe8]
    ldr x12, =GICR
    ldr x3, [x12, #8]
    add x13, x12, #0xf, lsl #12
    ldr w4, [x13, #0xfe8]
    ldr w5, [x10]
    ldr w6, [x10, #8]
    ldr w7, [x12, #0x14]
    add x14, x12, #0x20, lsl #12
    ldr x8, [x14, #8]
    add x15, x12, #0x10, lsl #12
    ldr w9, [x15, #0xc00]
    mrs x16, icc_sre_el1
    mrs x17, icc_ctlr_el1
    mrs x18, icc_iar1_el1
    hvc #0

    /* IPRIORITYR40 by byte (x1), read back as byte (x2) and word (x3);
     * IROUTER40 written with x4 and read back (x5); a post-indexed load
     * (x6 = GICD_TYPER, x7 = base after writeback); a sign-extending byte
     * load of IPRIORITYR40 (x19). */
    .global prio_rw
prio_rw:
    ldr x10, =GICD
    add x11, x10, #0x400
    strb w1, [x11, #40]
    ldrb w2, [x11, #40]
    ldr w3, [x11, #40]
    add x12, x10, #0x6, lsl #12
    str x4, [x12, #8 * 40]
    ldr x5, [x12, #8 * 40]
    add x7, x10, #4
    ldr w6, [x7], #8
    ldrsb x19, [x11, #40]
    hvc #0

    /* The CPU interface and the redistributor at x0 (RD_base) ready for
     * group 1 at PMR x2; GICD_CTLR EnableGrp1; IRQs unmasked; then wait. */
cpu_on:
    ldr x10, =GICD
    mov w9, #2
    str w9, [x10]
    str wzr, [x0, #0x14]          /* GICR_WAKER.ProcessorSleep = 0 */
1:  ldr w9, [x0, #0x14]
    tbnz w9, #2, 1b               /* ChildrenAsleep */
    msr icc_pmr_el1, x2
    mov x9, #1
    msr icc_igrpen1_el1, x9
    msr daifclr, #2
    .global wait
wait:
    mov x5, #2000
2:  subs x5, x5, #1
    b.ne 2b
    mov x0, #0xd1e
    hvc #2
    b wait

    /* SPI x1 at priority x3, group 1, routed to Aff 0.0.0.0, enabled;
     * x0 = RD_base; x2 = PMR. x4 = 1: edge-triggered. */
    .global spi_setup
spi_setup:
    ldr x10, =GICD
    mov x9, #0x84                 /* IGROUPR1..7: every SPI group 1 */
    movn w8, #0
3:  str w8, [x10, x9]
    add x9, x9, #4
    cmp x9, #0xa0
    b.ne 3b
    add x11, x10, #0x400
    strb w3, [x11, x1]
    add x11, x10, #0x6, lsl #12
    str xzr, [x11, x1, lsl #3]
    lsr x12, x1, #4               /* ICFGR: 2 bits per INTID */
    and x13, x1, #15
    lsl x13, x13, #1
    add x13, x13, #1
    lsl x14, x4, x13
    add x11, x10, #0xc00
    str w14, [x11, x12, lsl #2]
    lsr x12, x1, #5
    and x13, x1, #31
    mov w14, #1
    lsl w14, w14, w13
    add x11, x10, #0x100
    str w14, [x11, x12, lsl #2]
    b cpu_on

    /* SGI or PPI x1 (< 32) at priority x3 in the redistributor at x0,
     * group 1, enabled; x2 = PMR. */
    .global private_setup
private_setup:
    add x11, x0, #0x10, lsl #12   /* SGI_base */
    movn w8, #0
    str w8, [x11, #0x80]          /* GICR_IGROUPR0 */
    add x12, x11, #0x400
    strb w3, [x12, x1]
    mov w14, #1
    lsl w14, w14, w1
    str w14, [x11, #0x100]        /* GICR_ISENABLER0 */
    b cpu_on

    /* Virtual timer: PPI 27 set up as above, then CVAL = CNTVCT + x4,
     * CTL = ENABLE, and wait. */
    .global vtimer_setup
vtimer_setup:
    mrs x9, cntvct_el0
    add x9, x9, x4
    msr cntv_cval_el0, x9
    mov x9, #1
    msr cntv_ctl_el0, x9
    b private_setup

    /* ICC_SGI1R_EL1 = x1, then report. */
    .global send_sgi
send_sgi:
    msr icc_sgi1r_el1, x1
    hvc #0

    /* WFI with IRQs masked: completes at once when the GIC signals an
     * interrupt; x0 = 0x3f1 afterwards. */
    .global wfi_masked
wfi_masked:
    msr daifset, #2
    wfi
    mov x0, #0x3f1
    hvc #0

    /* GICD_CTLR = EnableGrp1, then spin with IRQs as the VMM left them,
     * never exiting: a VMM thread that sees the write knows the vCPU is
     * inside hv_vcpu_run (test_guest_gic_trace.c). */
    .global ctlr_then_spin
ctlr_then_spin:
    ldr x10, =GICD
    mov w9, #2
    str w9, [x10]
5:  b 5b

irq_handler:
    mrs x0, icc_iar1_el1
    cmp x0, #27
    b.ne 4f
    msr cntv_ctl_el0, xzr         /* the timer's level falls */
4:  mrs x1, icc_rpr_el1
    msr icc_eoir1_el1, x0
    mrs x2, icc_rpr_el1
    hvc #1
    eret

    .balign 2048
    .global vectors
vectors:
    .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 128
    .if \off == 0x280
    b irq_handler
    .else
    mov x0, #UCALL_VECTOR
    mov x1, #\off
    mrs x2, esr_el1
    hvc #3
    b .
    .endif
    .endr

    .ltorg

    /* x2 times: log[idx++] = x1, with idx the u64 at x0 and log after it,
     * plain loads and stores (no atomics); then HVC #0. Two vCPUs writing
     * one log leave in it the order in which they took turns. */
    .global shared_log
shared_log:
6:  ldr x3, [x0]
    add x4, x0, #8
    str x1, [x4, x3, lsl #3]
    add x3, x3, #1
    str x3, [x0]
    subs x2, x2, #1
    b.ne 6b
    hvc #0
