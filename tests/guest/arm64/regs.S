/* regs.S — small guest routines that read or write registers the VMM set,
 * for the vCPU register API tests. Each ends with `hvc #0`. */
    .include "guest.inc"
    .text
    .global _start
_start:
    b .

    /* Store Q0..Q31 to [x0], 16 bytes each in register order. */
    .global store_q
store_q:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    str q\n, [x0, #(\n * 16)]
    .endr
    hvc #0

    /* Load Q0..Q31 from [x0], 16 bytes each in register order. */
    .global load_q
load_q:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ldr q\n, [x0, #(\n * 16)]
    .endr
    hvc #0

    /* The stack pointer CPSR.M selects. */
    .global read_sp
read_sp:
    mov x1, sp
    hvc #0

    /* Move the selected stack pointer by 16. */
    .global bump_sp
bump_sp:
    add sp, sp, #16
    hvc #0

    .global read_tpidr
read_tpidr:
    mrs x1, tpidr_el0
    mrs x2, tpidrro_el0
    mrs x3, tpidr_el1
    hvc #0

    .global write_tpidr_el1
write_tpidr_el1:
    msr tpidr_el1, x0
    hvc #0

    /* ERET to ELR_EL1 with PSTATE from SPSR_EL1, as the VMM set them. */
    .global eret_site
eret_site:
    eret
    .global eret_target
eret_target:
    mrs x1, nzcv
    mov x2, sp
    hvc #0
    .global after_eret_target
after_eret_target:
    b .

    /* The identification registers as the guest reads them. */
    .global read_ids
read_ids:
    mrs x1, midr_el1
    mrs x2, mpidr_el1
    mrs x3, id_aa64pfr0_el1
    mrs x4, id_aa64pfr1_el1
    mrs x5, s3_0_c0_c4_4 /* ID_AA64ZFR0_EL1 */
    mrs x6, s3_0_c0_c4_5 /* ID_AA64SMFR0_EL1 */
    mrs x7, id_aa64dfr0_el1
    mrs x8, id_aa64dfr1_el1
    mrs x9, id_aa64isar0_el1
    mrs x10, id_aa64isar1_el1
    mrs x11, id_aa64mmfr0_el1
    mrs x12, id_aa64mmfr1_el1
    mrs x13, s3_0_c0_c7_2 /* ID_AA64MMFR2_EL1 */
    hvc #0

    /* x1 = [x0]; [x0 + 8] = x2 (through whatever translation is on). */
    .global load_store
load_store:
    ldr x1, [x0]
    str x2, [x0, #8]
    hvc #0
