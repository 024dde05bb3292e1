/* basics.S — one instruction per label, for the exit and exception tests. */
    .include "guest.inc"
    .text
    .global _start
_start:
    b .

    .global hvc_site
hvc_site:
    hvc #0x1234
    .global after_hvc
after_hvc:
    b after_hvc

    .global smc_site
smc_site:
    smc #0x42
    b .

    .global wfi_site
wfi_site:
    wfi
    b .

    .global mrs_cntpct
mrs_cntpct:
    mrs x3, cntpct_el0
    b .

    .global msr_pmcr
msr_pmcr:
    msr pmcr_el0, x0
    b .

    .global mrs_oslsr
mrs_oslsr:
    mrs x7, oslsr_el1
    b .

    .global mrs_unalloc_id
mrs_unalloc_id:
    mrs x4, s3_0_c0_c7_7
    b .

    .global mrs_icc_sre
mrs_icc_sre:
    mrs x6, s3_0_c12_c12_5
    b .

    .global mrs_midr
mrs_midr:
    mrs x1, midr_el1
    mrs x2, mpidr_el1
    mrs x3, id_aa64mmfr0_el1
    mrs x4, cntfrq_el0
    hvc #0

    .global brk_site
brk_site:
    brk #0x77
    b .

    .global svc_site
svc_site:
    svc #0x55
    .global after_svc
after_svc:
    hvc #0

    .global udf_site
udf_site:
    .inst 0x00000000
    hvc #0

    /* x0 iterations of a 4-instruction loop, then HVC. */
    .global count_loop
count_loop:
    add x1, x1, #1
    add x2, x2, #2
    subs x0, x0, #1
    b.ne count_loop
    hvc #0

    .global spin
spin:
    add x1, x1, #1
    b spin

    /* Unmask IRQs and spin: a pending IRQ is taken through the vectors. */
    .global irq_wait
irq_wait:
    msr daifclr, #3
    .global irq_spin
irq_spin:
    add x1, x1, #1
    b irq_spin

    .global cntvct_pair
cntvct_pair:
    mrs x1, cntvct_el0
    mov x9, #100
1:  subs x9, x9, #1
    b.ne 1b
    mrs x2, cntvct_el0
    hvc #0

    /* Program the vtimer CVAL = CNTVCT + x0, enable it, spin. */
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

    /* Store then load through x0 (MMIO round trip). */
    .global mmio_rw
mmio_rw:
    str w1, [x0]
    ldr x2, [x0, #8]
    hvc #0

    VECTOR_TABLE vectors
