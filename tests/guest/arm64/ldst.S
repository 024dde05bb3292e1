/*
 * ldst.S — one load or store per label, for the data-abort (MMIO) exit tests.
 *
 * The host sets the registers, points the base at an IPA no mapping covers
 * and runs from the label; the access must exit before it completes. Each
 * case is followed by `hvc #0xbad`: reaching it means the access did not
 * fault, and the test sees an HVC exit instead of hanging in a loop.
 */
    .include "guest.inc"

    .equ MISSED, 0xbad

/* A global label (the test gets GUEST_LDST_<NAME>) on the next instruction. */
.macro CASE name
    .global \name
\name:
.endm

    .text
    .global _start
_start:
    b .

/* ---- the access after other instructions of its block (the shape of
 * Linux's MMIO accessors): the exit describes the load, not the block's
 * first instruction ---- */
CASE mid_block_ldr_w2_x3
    sub x3, x0, #0x20
    mov w4, #0
    add x3, x3, #0x20
    mov w6, #0
    ldr w2, [x3]
    hvc #MISSED

/* ---- single register, base only: ISV = 1 ---- */
CASE str_w1_x0
    str w1, [x0]
    hvc #MISSED
CASE ldr_x2_x0
    ldr x2, [x0]
    hvc #MISSED
CASE strb_wzr_x0
    strb wzr, [x0]
    hvc #MISSED
CASE ldrb_w3_x0
    ldrb w3, [x0]
    hvc #MISSED
CASE ldrh_w4_x0
    ldrh w4, [x0]
    hvc #MISSED
CASE ldr_w5_x0
    ldr w5, [x0]
    hvc #MISSED
CASE ldrsb_w6_x0
    ldrsb w6, [x0]
    hvc #MISSED
CASE ldrsb_x7_x0
    ldrsb x7, [x0]
    hvc #MISSED
CASE ldrsh_w8_x0
    ldrsh w8, [x0]
    hvc #MISSED
CASE ldrsh_x9_x0
    ldrsh x9, [x0]
    hvc #MISSED
CASE ldrsw_x10_x0
    ldrsw x10, [x0]
    hvc #MISSED
CASE strb_w11_x0
    strb w11, [x0]
    hvc #MISSED
CASE strh_w12_x0
    strh w12, [x0]
    hvc #MISSED
CASE str_x13_x0
    str x13, [x0]
    hvc #MISSED
CASE ldr_w30_x0
    ldr w30, [x0]
    hvc #MISSED

/* ---- offsets: unscaled, unsigned immediate, register ---- */
CASE ldur_w14_x0_m3
    ldur w14, [x0, #-3]
    hvc #MISSED
CASE stur_x15_x0_17
    stur x15, [x0, #17]
    hvc #MISSED
CASE ldr_x19_x0_7ff8
    ldr x19, [x0, #0x7ff8]
    hvc #MISSED
CASE strb_w20_x0_4095
    strb w20, [x0, #4095]
    hvc #MISSED
CASE ldr_x16_x0_x1_lsl3
    ldr x16, [x0, x1, lsl #3]
    hvc #MISSED
CASE ldr_w17_x0_w1_sxtw2
    ldr w17, [x0, w1, sxtw #2]
    hvc #MISSED
CASE strh_w18_x0_w1_uxtw1
    strh w18, [x0, w1, uxtw #1]
    hvc #MISSED

/* ---- writeback: ISV = 0 ---- */
CASE ldr_x21_x0_16_pre
    ldr x21, [x0, #16]!
    hvc #MISSED
CASE str_w22_x0_m8_post
    str w22, [x0], #-8
    hvc #MISSED

/* ---- pairs: ISV = 0 ---- */
CASE ldp_x23_x24_x0
    ldp x23, x24, [x0]
    hvc #MISSED
CASE stp_x25_x26_x0
    stp x25, x26, [x0]
    hvc #MISSED
CASE stp_w1_w2_x0_8_pre
    stp w1, w2, [x0, #8]!
    hvc #MISSED
CASE ldpsw_x27_x28_x0
    ldpsw x27, x28, [x0]
    hvc #MISSED

/* ---- SP as the base register ---- */
CASE ldr_x1_sp
    ldr x1, [sp]
    hvc #MISSED
CASE str_w2_sp_8
    str w2, [sp, #8]
    hvc #MISSED

/* ---- acquire/release: ISV = 1, AR = 1 ---- */
CASE ldar_w3_x0
    ldar w3, [x0]
    hvc #MISSED
CASE ldarh_w5_x0
    ldarh w5, [x0]
    hvc #MISSED
CASE stlr_x4_x0
    stlr x4, [x0]
    hvc #MISSED

/* ---- exclusives: ISV = 0 (so AR is not reported either) ---- */
CASE ldxr_x5_x0
    ldxr x5, [x0]
    hvc #MISSED
CASE ldaxr_w8_x0
    ldaxr w8, [x0]
    hvc #MISSED
CASE stxr_w6_x7_x0
    stxr w6, x7, [x0]
    hvc #MISSED

/* ---- SIMD&FP: ISV = 0 ---- */
CASE ldr_q0_x0
    ldr q0, [x0]
    hvc #MISSED
CASE str_d1_x0
    str d1, [x0]
    hvc #MISSED
CASE ld1_v2_16b_x0
    ld1 {v2.16b}, [x0]
    hvc #MISSED
CASE st1_v3_4s_x0_post
    st1 {v3.4s}, [x0], #16
    hvc #MISSED

/* ---- DC ZVA: a block store, not cache maintenance ---- */
CASE dc_zva_x0
    dc zva, x0
    hvc #MISSED

/*
 * A little MMIO device driver: x0 = the device's base. Stores of every size,
 * then loads back with and without sign extension into W and X registers,
 * a load into XZR and a load into W30, then HVC #0 (done).
 */
CASE mmio_seq
    mov x1, #0x80
    strb w1, [x0, #0]
    mov x2, #0x8001
    strh w2, [x0, #2]
    movz x3, #0x4321
    movk x3, #0x8765, lsl #16
    str w3, [x0, #4]
    movz x4, #0x3210
    movk x4, #0x7654, lsl #16
    movk x4, #0xba98, lsl #32
    movk x4, #0xfedc, lsl #48
    str x4, [x0, #8]
    strb wzr, [x0, #16]
    ldrsb x10, [x0]
    ldrsb w11, [x0]
    ldrb w12, [x0]
    ldrsh x13, [x0, #2]
    ldrsh w14, [x0, #2]
    ldrh w15, [x0, #2]
    ldrsw x16, [x0, #4]
    ldr w17, [x0, #4]
    ldr x19, [x0, #8]
    ldr x20, [x0, #16]
    ldr xzr, [x0, #8]
    ldr w21, [x0, #8]
    ldr w30, [x0, #12]
    hvc #0

    VECTOR_TABLE vectors
