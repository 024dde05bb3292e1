/*
 * exceptions.S — guest code for test_guest_exceptions.c: instructions that
 * make the guest take an exception at its own EL1 (SVC, UDF, BRK, HVC at EL0,
 * loads, stores and branches for the stage-1 fault and alignment cases, a
 * SIMD instruction for the FP trap), spin loops for interrupts, and a vector
 * table that reports like guest.inc's VECTOR_TABLE and also hands the stack
 * pointer the vector runs on to the host in x6.
 */
    .include "guest.inc"

/* Each vector: x6 = SP, then the UCALL_VECTOR report of guest.inc (x0, x1 =
 * offset, x2..x5 = ESR, FAR, ELR, SPSR), then ERET. */
.macro REPORTING_VECTORS name
    .balign 2048
    .global \name
\name:
    .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 128
    mov x6, sp
    mov x0, #UCALL_VECTOR
    mov x1, #\off
    mrs x2, esr_el1
    mrs x3, far_el1
    mrs x4, elr_el1
    mrs x5, spsr_el1
    hvc #0
    eret
    .endr
.endm

    .text
    .global _start
_start:
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

    .global brk_site
brk_site:
    brk #0x77
    hvc #0

    /* HVC is UNDEFINED at EL0. */
    .global hvc_site
hvc_site:
    hvc #0x9
    b .

    .global load_x0
load_x0:
    ldr x1, [x0]
    .global after_load
after_load:
    hvc #0

    .global store_x0
store_x0:
    str x1, [x0]
    hvc #0

    .global branch_x0
branch_x0:
    br x0

    /* A SIMD&FP instruction (trapped while CPACR_EL1.FPEN = 0). */
    .global simd_site
simd_site:
    fmov d0, x1
    hvc #0

    /* x0 iterations of a 4-instruction loop, then HVC. */
    .global count_loop
count_loop:
    add x1, x1, #1
    add x2, x2, #2
    subs x0, x0, #1
    b.ne count_loop
    hvc #0

    /* Spin counting in x9 (x0..x6 belong to the vector reports). */
    .global spin
spin:
    add x9, x9, #1
    b spin

    /* Unmask IRQ and FIQ, then spin counting in x9. */
    .global irq_wait
irq_wait:
    msr daifclr, #3
    .global irq_spin
irq_spin:
    add x9, x9, #1
    b irq_spin

    REPORTING_VECTORS vectors
