/*
 * A64 load/store decoder and data-abort syndrome.
 *
 * Proves that a64_decode_ldst() finds the right address, size and register
 * fields for every load/store class a guest is likely to run into an unmapped
 * IPA with, and that a64_ldst_iss() produces the ISS the hardware reports:
 * ISV only for single general-purpose register accesses without writeback,
 * SAS/SSE/SRT/SF/AR from the instruction, CM and WnR for cache maintenance.
 * The reference's worked ESR values are checked bit for bit.
 *
 * Instruction words come from aarch64-linux-gnu-as (-march=armv8.1-a for LSE,
 * armv8.4-a for RCpc) and aarch64-linux-gnu-objdump -d; the assembly text is
 * kept beside each word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arm64/decode.h"

/* EC 0x24 (data abort from a lower EL) in bits [31:26] and IL (bit 25). */
#define ESR_DABT_LOWER 0x92000000u

#define F_PAIR   (1u << 0)
#define F_WB     (1u << 1)
#define F_SIMD   (1u << 2)
#define F_EXCL   (1u << 3)
#define F_ATOMIC (1u << 4)
#define F_CM     (1u << 5)
#define F_UNPRIV (1u << 6)
#define F_LIT    (1u << 7)

struct ldst_case {
    const char *asm_text;
    uint32_t insn;
    uint64_t pc; /* only literal loads read it */
    uint64_t va;
    uint32_t size;
    uint8_t sas, rt, rt2, rs;
    bool wnr, isv, sse, sf, ar;
    uint32_t flags;
    uint64_t wb_value; /* checked when F_WB */
    uint32_t iss;      /* expected a64_ldst_iss() */
};

/* Register file used by every case. x2 = 0x1_FFFF_FFF0 makes UXTW, SXTW and
 * LSL give three different offsets; x0 is deliberately not 64-byte aligned. */
static void regs_init(struct a64_gprs *r, uint64_t pc)
{
    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < 31; i++)
        r->x[i] = 0x100000ull * (i + 1);
    r->x[0] = 0x100028;
    r->x[2] = 0x1FFFFFFF0ull;
    r->x[3] = 0x40;
    r->x[4] = 0x500000;
    r->sp = 0x7FFF00;
    r->pc = pc;
}

static uint32_t flags_of(const struct a64_ldst *d)
{
    return (d->pair ? F_PAIR : 0) | (d->writeback ? F_WB : 0) | (d->simd ? F_SIMD : 0) |
           (d->exclusive ? F_EXCL : 0) | (d->atomic ? F_ATOMIC : 0) | (d->cm ? F_CM : 0) |
           (d->unpriv ? F_UNPRIV : 0) | (d->literal ? F_LIT : 0);
}

#define CHECK_FIELD(c, got, want)                                                                  \
    do {                                                                                           \
        if ((uint64_t)(got) != (uint64_t)(want))                                                   \
            fail_msg("%s (0x%08x): %s = 0x%llx, want 0x%llx", (c)->asm_text, (c)->insn, #got,      \
                     (unsigned long long)(got), (unsigned long long)(want));                       \
    } while (0)

static void check_case(const struct ldst_case *c)
{
    struct a64_gprs r;
    struct a64_ldst d;

    regs_init(&r, c->pc);
    if (!a64_decode_ldst(c->insn, &r, &d))
        fail_msg("%s (0x%08x): not decoded", c->asm_text, c->insn);
    CHECK_FIELD(c, d.va, c->va);
    CHECK_FIELD(c, d.size, c->size);
    CHECK_FIELD(c, d.sas, c->sas);
    CHECK_FIELD(c, d.rt, c->rt);
    CHECK_FIELD(c, d.wnr, c->wnr);
    CHECK_FIELD(c, d.isv, c->isv);
    CHECK_FIELD(c, d.sse, c->sse);
    CHECK_FIELD(c, d.sf, c->sf);
    CHECK_FIELD(c, d.ar, c->ar);
    CHECK_FIELD(c, flags_of(&d), c->flags);
    if (c->flags & F_PAIR)
        CHECK_FIELD(c, d.rt2, c->rt2);
    if (c->flags & (F_ATOMIC | F_EXCL))
        CHECK_FIELD(c, d.rs, c->rs);
    if (c->flags & F_WB)
        CHECK_FIELD(c, d.wb_value, c->wb_value);
    CHECK_FIELD(c, a64_ldst_iss(&d), c->iss);
}

static void check_cases(const struct ldst_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_case(&cases[i]);
}

#define CHECK_TABLE(t) check_cases((t), sizeof(t) / sizeof((t)[0]))

/* Full ESR_EL2 for a stage-2 data abort on this instruction with the given DFSC. */
static uint32_t esr_for(uint32_t insn, uint32_t dfsc)
{
    struct a64_gprs r;
    struct a64_ldst d;

    regs_init(&r, 0);
    assert_true(a64_decode_ldst(insn, &r, &d));
    return ESR_DABT_LOWER | a64_ldst_iss(&d) | dfsc;
}

/* ---- Worked values from the reference (§9) ---- */

static void test_word_store_to_x0_gives_isv_sas2_srt1_wnr(void **state)
{
    (void)state;
    /* str w1, [x0]; level-3 translation fault */
    assert_int_equal(esr_for(0xb9000001, 0x07), 0x93810047u);
    assert_int_equal(esr_for(0xb9000001, 0x07),
                     0x92000000u | (1u << 24) | (2u << 22) | (1u << 16) | (1u << 6) | 0x07u);
}

static void test_doubleword_load_to_x2_gives_isv_sas3_srt2_sf(void **state)
{
    (void)state;
    /* ldr x2, [x0]; level-3 translation fault */
    assert_int_equal(esr_for(0xf9400002, 0x07), 0x93C28007u);
    assert_int_equal(esr_for(0xf9400002, 0x07),
                     0x92000000u | (1u << 24) | (3u << 22) | (2u << 16) | (1u << 15) | 0x07u);
}

static void test_byte_store_of_wzr_gives_srt31(void **state)
{
    (void)state;
    /* strb wzr, [x0]; level-2 translation fault */
    assert_int_equal(esr_for(0x3900001f, 0x06), 0x931F0046u);
    assert_int_equal(esr_for(0x3900001f, 0x06),
                     0x92000000u | (1u << 24) | (31u << 16) | (1u << 6) | 0x06u);
}

/* ---- Single general-purpose register, unsigned immediate: ISV = 1 ---- */

/* clang-format off */
static const struct ldst_case sized_cases[] = {
    {.asm_text = "ldrb w3, [x1, #5]", .insn = 0x39401423, .va = 0x200005, .size = 1, .sas = 0,
     .rt = 3, .isv = true, .iss = 0x01030000},
    {.asm_text = "ldrh w4, [x1, #6]", .insn = 0x79400c24, .va = 0x200006, .size = 2, .sas = 1,
     .rt = 4, .isv = true, .iss = 0x01440000},
    {.asm_text = "ldr w5, [x1, #8]", .insn = 0xb9400825, .va = 0x200008, .size = 4, .sas = 2,
     .rt = 5, .isv = true, .iss = 0x01850000},
    {.asm_text = "ldr x6, [x1, #16]", .insn = 0xf9400826, .va = 0x200010, .size = 8, .sas = 3,
     .rt = 6, .isv = true, .sf = true, .iss = 0x01C68000},
    {.asm_text = "strb w12, [x1, #3]", .insn = 0x39000c2c, .va = 0x200003, .size = 1, .sas = 0,
     .rt = 12, .wnr = true, .isv = true, .iss = 0x010C0040},
    {.asm_text = "strh w13, [x1, #2]", .insn = 0x7900042d, .va = 0x200002, .size = 2, .sas = 1,
     .rt = 13, .wnr = true, .isv = true, .iss = 0x014D0040},
    {.asm_text = "str w14, [x1, #4]", .insn = 0xb900042e, .va = 0x200004, .size = 4, .sas = 2,
     .rt = 14, .wnr = true, .isv = true, .iss = 0x018E0040},
    {.asm_text = "str x15, [x1, #8]", .insn = 0xf900042f, .va = 0x200008, .size = 8, .sas = 3,
     .rt = 15, .wnr = true, .isv = true, .sf = true, .iss = 0x01CF8040},
};
/* clang-format on */

static void test_loads_and_stores_of_every_size_give_isv_and_sas(void **state)
{
    (void)state;
    CHECK_TABLE(sized_cases);
}

/* SSE for sign-extending loads; SF follows the destination register width. */
/* clang-format off */
static const struct ldst_case sign_cases[] = {
    {.asm_text = "ldrsb w7, [x1, #1]", .insn = 0x39c00427, .va = 0x200001, .size = 1, .sas = 0,
     .rt = 7, .isv = true, .sse = true, .iss = 0x01270000},
    {.asm_text = "ldrsb x8, [x1, #1]", .insn = 0x39800428, .va = 0x200001, .size = 1, .sas = 0,
     .rt = 8, .isv = true, .sse = true, .sf = true, .iss = 0x01288000},
    {.asm_text = "ldrsh w9, [x1, #2]", .insn = 0x79c00429, .va = 0x200002, .size = 2, .sas = 1,
     .rt = 9, .isv = true, .sse = true, .iss = 0x01690000},
    {.asm_text = "ldrsh x10, [x1, #2]", .insn = 0x7980042a, .va = 0x200002, .size = 2, .sas = 1,
     .rt = 10, .isv = true, .sse = true, .sf = true, .iss = 0x016A8000},
    {.asm_text = "ldrsw x11, [x1, #4]", .insn = 0xb980042b, .va = 0x200004, .size = 4, .sas = 2,
     .rt = 11, .isv = true, .sse = true, .sf = true, .iss = 0x01AB8000},
};
/* clang-format on */

static void test_sign_extending_loads_set_sse_and_sf_by_destination_width(void **state)
{
    (void)state;
    CHECK_TABLE(sign_cases);
}

/* Unscaled and register-offset forms: the address applies the extend and shift. */
/* clang-format off */
static const struct ldst_case offset_cases[] = {
    {.asm_text = "ldur w16, [x1, #-3]", .insn = 0xb85fd030, .va = 0x1FFFFD, .size = 4, .sas = 2,
     .rt = 16, .isv = true, .iss = 0x01900000},
    {.asm_text = "stur x17, [x1, #-8]", .insn = 0xf81f8031, .va = 0x1FFFF8, .size = 8, .sas = 3,
     .rt = 17, .wnr = true, .isv = true, .sf = true, .iss = 0x01D18040},
    {.asm_text = "ldr w18, [x1, w2, uxtw #2]", .insn = 0xb8625832, .va = 0x4001FFFC0ull, .size = 4,
     .sas = 2, .rt = 18, .isv = true, .iss = 0x01920000},
    {.asm_text = "ldr x19, [x1, w2, sxtw #3]", .insn = 0xf862d833, .va = 0x1FFF80, .size = 8,
     .sas = 3, .rt = 19, .isv = true, .sf = true, .iss = 0x01D38000},
    {.asm_text = "ldrb w20, [x1, x2]", .insn = 0x38626834, .va = 0x2001FFFF0ull, .size = 1,
     .sas = 0, .rt = 20, .isv = true, .iss = 0x01140000},
    {.asm_text = "strh w21, [x1, x2, lsl #1]", .insn = 0x78227835, .va = 0x4001FFFE0ull, .size = 2,
     .sas = 1, .rt = 21, .wnr = true, .isv = true, .iss = 0x01550040},
    {.asm_text = "ldr x22, [x1, x2, sxtx]", .insn = 0xf862e836, .va = 0x2001FFFF0ull, .size = 8,
     .sas = 3, .rt = 22, .isv = true, .sf = true, .iss = 0x01D68000},
};
/* clang-format on */

static void test_unscaled_and_register_offset_forms_apply_extend_and_shift(void **state)
{
    (void)state;
    CHECK_TABLE(offset_cases);
}

/* ---- Writeback: ISV = 0, address per index mode, new base value ---- */

/* clang-format off */
static const struct ldst_case writeback_cases[] = {
    {.asm_text = "ldr w3, [x1, #16]!", .insn = 0xb8410c23, .va = 0x200010, .size = 4, .sas = 2,
     .rt = 3, .flags = F_WB, .wb_value = 0x200010, .iss = 0},
    {.asm_text = "str x4, [x1, #-32]!", .insn = 0xf81e0c24, .va = 0x1FFFE0, .size = 8, .sas = 3,
     .rt = 4, .wnr = true, .sf = true, .flags = F_WB, .wb_value = 0x1FFFE0, .iss = 0x40},
    {.asm_text = "ldr b4, [x0], #1", .insn = 0x3c401404, .va = 0x100028, .size = 1, .sas = 0,
     .rt = 4, .flags = F_WB | F_SIMD, .wb_value = 0x100029, .iss = 0},
};
/* clang-format on */

static void test_post_index_load_reports_base_address_and_isv_zero(void **state)
{
    static const struct ldst_case post = {.asm_text = "ldr w3, [x1], #16",
                                          .insn = 0xb8410423,
                                          .va = 0x200000,
                                          .size = 4,
                                          .sas = 2,
                                          .rt = 3,
                                          .flags = F_WB,
                                          .wb_value = 0x200010,
                                          .iss = 0};
    (void)state;
    check_case(&post);
    assert_int_equal(esr_for(post.insn, 0x07), 0x92000007u);
}

static void test_pre_index_forms_report_updated_address_and_isv_zero(void **state)
{
    (void)state;
    CHECK_TABLE(writeback_cases);
}

/* ---- Pairs: ISV = 0, size is two elements ---- */

/* clang-format off */
static const struct ldst_case pair_cases[] = {
    {.asm_text = "stp x1, x2, [x0]", .insn = 0xa9000801, .va = 0x100028, .size = 16, .sas = 3,
     .rt = 1, .rt2 = 2, .wnr = true, .sf = true, .flags = F_PAIR, .iss = 0x40},
    {.asm_text = "ldp w1, w2, [x0, #8]", .insn = 0x29410801, .va = 0x100030, .size = 8, .sas = 2,
     .rt = 1, .rt2 = 2, .flags = F_PAIR, .iss = 0},
    {.asm_text = "ldp x3, x4, [sp, #-16]!", .insn = 0xa9ff13e3, .va = 0x7FFEF0, .size = 16,
     .sas = 3, .rt = 3, .rt2 = 4, .sf = true, .flags = F_PAIR | F_WB, .wb_value = 0x7FFEF0,
     .iss = 0},
    {.asm_text = "stp x29, x30, [sp], #32", .insn = 0xa8827bfd, .va = 0x7FFF00, .size = 16,
     .sas = 3, .rt = 29, .rt2 = 30, .wnr = true, .sf = true, .flags = F_PAIR | F_WB,
     .wb_value = 0x7FFF20, .iss = 0x40},
    {.asm_text = "ldpsw x5, x6, [x0, #8]", .insn = 0x69411805, .va = 0x100030, .size = 8, .sas = 2,
     .rt = 5, .rt2 = 6, .sse = true, .sf = true, .flags = F_PAIR, .iss = 0},
    {.asm_text = "ldnp x7, x8, [x0, #16]", .insn = 0xa8412007, .va = 0x100038, .size = 16,
     .sas = 3, .rt = 7, .rt2 = 8, .sf = true, .flags = F_PAIR, .iss = 0},
    {.asm_text = "stnp w9, w10, [x0]", .insn = 0x28002809, .va = 0x100028, .size = 8, .sas = 2,
     .rt = 9, .rt2 = 10, .wnr = true, .flags = F_PAIR, .iss = 0x40},
    {.asm_text = "ldp q5, q6, [x0]", .insn = 0xad401805, .va = 0x100028, .size = 32, .sas = 4,
     .rt = 5, .rt2 = 6, .flags = F_PAIR | F_SIMD, .iss = 0},
};
/* clang-format on */

static void test_pair_store_has_isv_zero(void **state)
{
    (void)state;
    check_case(&pair_cases[0]);
    assert_int_equal(esr_for(pair_cases[0].insn, 0x07), 0x92000047u);
}

static void test_pairs_access_two_elements_with_isv_zero(void **state)
{
    (void)state;
    CHECK_TABLE(pair_cases);
}

/* ---- Register 31: SP as base, XZR as transfer register ---- */

/* clang-format off */
static const struct ldst_case reg31_cases[] = {
    {.asm_text = "ldr x0, [sp, #8]", .insn = 0xf94007e0, .va = 0x7FFF08, .size = 8, .sas = 3,
     .rt = 0, .isv = true, .sf = true, .iss = 0x01C08000},
    {.asm_text = "str wzr, [sp]", .insn = 0xb90003ff, .va = 0x7FFF00, .size = 4, .sas = 2,
     .rt = 31, .wnr = true, .isv = true, .iss = 0x019F0040},
};
/* clang-format on */

static void test_sp_base_and_xzr_transfer_register(void **state)
{
    struct a64_gprs r;
    struct a64_ldst d;

    (void)state;
    CHECK_TABLE(reg31_cases);
    regs_init(&r, 0);
    assert_true(a64_decode_ldst(0xf94007e0, &r, &d));
    assert_int_equal(d.rn, 31);
}

/* ---- Acquire/release: ISV = 1 with AR = 1 ---- */

/* clang-format off */
static const struct ldst_case acqrel_cases[] = {
    {.asm_text = "ldar x1, [x0]", .insn = 0xc8dffc01, .va = 0x100028, .size = 8, .sas = 3, .rt = 1,
     .isv = true, .sf = true, .ar = true, .iss = 0x01C1C000},
    {.asm_text = "stlr w2, [x0]", .insn = 0x889ffc02, .va = 0x100028, .size = 4, .sas = 2, .rt = 2,
     .wnr = true, .isv = true, .ar = true, .iss = 0x01824040},
    {.asm_text = "ldarb w3, [x0]", .insn = 0x08dffc03, .va = 0x100028, .size = 1, .sas = 0,
     .rt = 3, .isv = true, .ar = true, .iss = 0x01034000},
    {.asm_text = "stlrh w4, [x0]", .insn = 0x489ffc04, .va = 0x100028, .size = 2, .sas = 1,
     .rt = 4, .wnr = true, .isv = true, .ar = true, .iss = 0x01444040},
    {.asm_text = "ldapr w1, [x0]", .insn = 0xb8bfc001, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 1, .isv = true, .ar = true, .iss = 0x01814000},
    {.asm_text = "ldaprb w2, [x0]", .insn = 0x38bfc002, .va = 0x100028, .size = 1, .sas = 0,
     .rt = 2, .isv = true, .ar = true, .iss = 0x01024000},
    {.asm_text = "ldapur x3, [x0, #-8]", .insn = 0xd95f8003, .va = 0x100020, .size = 8, .sas = 3,
     .rt = 3, .isv = true, .sf = true, .ar = true, .iss = 0x01C3C000},
    {.asm_text = "stlur w4, [x0, #4]", .insn = 0x99004004, .va = 0x10002C, .size = 4, .sas = 2,
     .rt = 4, .wnr = true, .isv = true, .ar = true, .iss = 0x01844040},
    {.asm_text = "ldapursw x5, [x0, #-4]", .insn = 0x999fc005, .va = 0x100024, .size = 4, .sas = 2,
     .rt = 5, .isv = true, .sse = true, .sf = true, .ar = true, .iss = 0x01A5C000},
    {.asm_text = "ldlar x14, [x0]", .insn = 0xc8df7c0e, .va = 0x100028, .size = 8, .sas = 3,
     .rt = 14, .isv = true, .sf = true, .ar = true, .iss = 0x01CEC000},
};
/* clang-format on */

static void test_acquire_release_accesses_give_isv_and_ar(void **state)
{
    (void)state;
    CHECK_TABLE(acqrel_cases);
}

/* ---- Exclusives and LSE atomics: ISV = 0 ---- */

/* clang-format off */
static const struct ldst_case excl_cases[] = {
    {.asm_text = "ldxr x5, [x0]", .insn = 0xc85f7c05, .va = 0x100028, .size = 8, .sas = 3, .rt = 5,
     .rs = 31, .sf = true, .flags = F_EXCL, .iss = 0},
    {.asm_text = "stxr w6, x7, [x0]", .insn = 0xc8067c07, .va = 0x100028, .size = 8, .sas = 3,
     .rt = 7, .rs = 6, .wnr = true, .sf = true, .flags = F_EXCL, .iss = 0x40},
    {.asm_text = "ldaxr w8, [x0]", .insn = 0x885ffc08, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 8, .rs = 31, .ar = true, .flags = F_EXCL, .iss = 0},
    {.asm_text = "stlxr w9, w10, [x0]", .insn = 0x8809fc0a, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 10, .rs = 9, .wnr = true, .ar = true, .flags = F_EXCL, .iss = 0x40},
    {.asm_text = "ldxp x11, x12, [x0]", .insn = 0xc87f300b, .va = 0x100028, .size = 16, .sas = 3,
     .rt = 11, .rt2 = 12, .rs = 31, .sf = true, .flags = F_EXCL | F_PAIR, .iss = 0},
};
/* clang-format on */

static void test_exclusives_have_isv_zero(void **state)
{
    (void)state;
    CHECK_TABLE(excl_cases);
}

/* Read-modify-write: a translation fault is taken by the read, so WnR = 0. */
/* clang-format off */
static const struct ldst_case atomic_cases[] = {
    {.asm_text = "ldadd w1, w2, [x0]", .insn = 0xb8210002, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 2, .rs = 1, .flags = F_ATOMIC, .iss = 0},
    {.asm_text = "ldaddal x3, x4, [sp]", .insn = 0xf8e303e4, .va = 0x7FFF00, .size = 8, .sas = 3,
     .rt = 4, .rs = 3, .sf = true, .flags = F_ATOMIC, .iss = 0},
    {.asm_text = "stadd w5, [x0]", .insn = 0xb825001f, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 31, .rs = 5, .flags = F_ATOMIC, .iss = 0},
    {.asm_text = "swp x6, x7, [x0]", .insn = 0xf8268007, .va = 0x100028, .size = 8, .sas = 3,
     .rt = 7, .rs = 6, .sf = true, .flags = F_ATOMIC, .iss = 0},
    {.asm_text = "cas w8, w9, [x0]", .insn = 0x88a87c09, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 9, .rs = 8, .flags = F_ATOMIC, .iss = 0},
    {.asm_text = "casp x10, x11, x12, x13, [x0]", .insn = 0x482a7c0c, .va = 0x100028, .size = 16,
     .sas = 3, .rt = 12, .rt2 = 13, .rs = 10, .sf = true, .flags = F_ATOMIC | F_PAIR, .iss = 0},
};
/* clang-format on */

static void test_lse_atomics_have_isv_zero_and_read_wnr(void **state)
{
    (void)state;
    CHECK_TABLE(atomic_cases);
}

/* ---- SIMD&FP: ISV = 0; size and address still right ---- */

/* clang-format off */
static const struct ldst_case simd_cases[] = {
    {.asm_text = "ldr q0, [x0]", .insn = 0x3dc00000, .va = 0x100028, .size = 16, .sas = 4, .rt = 0,
     .flags = F_SIMD, .iss = 0},
    {.asm_text = "ldr q1, [x0, #32]", .insn = 0x3dc00801, .va = 0x100048, .size = 16, .sas = 4,
     .rt = 1, .flags = F_SIMD, .iss = 0},
    {.asm_text = "str d2, [x0, #8]", .insn = 0xfd000402, .va = 0x100030, .size = 8, .sas = 3,
     .rt = 2, .wnr = true, .flags = F_SIMD, .iss = 0x40},
    {.asm_text = "ldr s3, [x0, x1, lsl #2]", .insn = 0xbc617803, .va = 0x900028, .size = 4,
     .sas = 2, .rt = 3, .flags = F_SIMD, .iss = 0},
    {.asm_text = "st1 {v0.16b}, [x0]", .insn = 0x4c007000, .va = 0x100028, .size = 16, .sas = 0,
     .rt = 0, .wnr = true, .flags = F_SIMD, .iss = 0x40},
    {.asm_text = "ld1 {v0.4s, v1.4s}, [x0], #32", .insn = 0x4cdfa800, .va = 0x100028, .size = 32,
     .sas = 2, .rt = 0, .flags = F_SIMD | F_WB, .wb_value = 0x100048, .iss = 0},
    {.asm_text = "ld1 {v0.2d-v3.2d}, [x0], x2", .insn = 0x4cc22c00, .va = 0x100028, .size = 64,
     .sas = 3, .rt = 0, .flags = F_SIMD | F_WB, .wb_value = 0x200100018ull, .iss = 0},
    {.asm_text = "ld4 {v0.8b-v3.8b}, [x0]", .insn = 0x0c400000, .va = 0x100028, .size = 32,
     .sas = 0, .rt = 0, .flags = F_SIMD, .iss = 0},
    {.asm_text = "ld1 {v0.s}[1], [x0]", .insn = 0x0d409000, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 0, .flags = F_SIMD, .iss = 0},
    {.asm_text = "ld2 {v0.h, v1.h}[3], [x0], #4", .insn = 0x0dff5800, .va = 0x100028, .size = 4,
     .sas = 1, .rt = 0, .flags = F_SIMD | F_WB, .wb_value = 0x10002C, .iss = 0},
    {.asm_text = "ld1r {v0.4s}, [x0]", .insn = 0x4d40c800, .va = 0x100028, .size = 4, .sas = 2,
     .rt = 0, .flags = F_SIMD, .iss = 0},
    {.asm_text = "st3 {v0.d-v2.d}[1], [x0], x3", .insn = 0x4d83a400, .va = 0x100028, .size = 24,
     .sas = 3, .rt = 0, .wnr = true, .flags = F_SIMD | F_WB, .wb_value = 0x100068, .iss = 0x40},
};
/* clang-format on */

static void test_simd_fp_accesses_have_isv_zero_with_right_size_and_address(void **state)
{
    (void)state;
    CHECK_TABLE(simd_cases);
}

/* ---- DC by VA ---- */

/* clang-format off */
static const struct ldst_case dc_cases[] = {
    /* DC ZVA is a block store, not cache maintenance: CM = 0, WnR = 1. */
    {.asm_text = "dc zva, x0", .insn = 0xd50b7420, .va = 0x100000, .size = 64, .rt = 0,
     .wnr = true, .iss = 0x40},
    {.asm_text = "dc civac, x1", .insn = 0xd50b7e21, .va = 0x200000, .size = 64, .rt = 1,
     .wnr = true, .flags = F_CM, .iss = 0x140},
    {.asm_text = "dc cvac, x2", .insn = 0xd50b7a22, .va = 0x1FFFFFFC0ull, .size = 64, .rt = 2,
     .wnr = true, .flags = F_CM, .iss = 0x140},
    {.asm_text = "dc ivac, x3", .insn = 0xd5087623, .va = 0x40, .size = 64, .rt = 3, .wnr = true,
     .flags = F_CM, .iss = 0x140},
    {.asm_text = "ic ivau, x4", .insn = 0xd50b7524, .va = 0x500000, .size = 64, .rt = 4,
     .wnr = true, .flags = F_CM, .iss = 0x140},
};
/* clang-format on */

static void test_dc_zva_is_a_64_byte_aligned_store_without_cm(void **state)
{
    (void)state;
    check_case(&dc_cases[0]);
    assert_int_equal(esr_for(dc_cases[0].insn, 0x07), 0x92000047u);
}

static void test_cache_maintenance_by_va_sets_cm_and_wnr(void **state)
{
    (void)state;
    CHECK_TABLE(dc_cases);
    assert_int_equal(esr_for(dc_cases[1].insn, 0x06), 0x92000146u);
}

/* ---- Literal loads: PC-relative, single register, ISV = 1 ---- */

/* clang-format off */
static const struct ldst_case literal_cases[] = {
    {.asm_text = "ldr w1, lit (lit = .)", .insn = 0x18000001, .pc = 0x40128, .va = 0x40128,
     .size = 4, .sas = 2, .rt = 1, .isv = true, .flags = F_LIT, .iss = 0x01810000},
    {.asm_text = "ldr x2, lit (lit = . - 4)", .insn = 0x58ffffe2, .pc = 0x4012c, .va = 0x40128,
     .size = 8, .sas = 3, .rt = 2, .isv = true, .sf = true, .flags = F_LIT, .iss = 0x01C28000},
    {.asm_text = "ldrsw x3, lit (lit = . - 8)", .insn = 0x98ffffc3, .pc = 0x40130, .va = 0x40128,
     .size = 4, .sas = 2, .rt = 3, .isv = true, .sse = true, .sf = true, .flags = F_LIT,
     .iss = 0x01A38000},
    {.asm_text = "ldr q4, lit (lit = . - 12)", .insn = 0x9cffffa4, .pc = 0x40134, .va = 0x40128,
     .size = 16, .sas = 4, .rt = 4, .flags = F_LIT | F_SIMD, .iss = 0},
    {.asm_text = "ldr x5, . + 0x100", .insn = 0x58000805, .pc = 0x40138, .va = 0x40238, .size = 8,
     .sas = 3, .rt = 5, .isv = true, .sf = true, .flags = F_LIT, .iss = 0x01C58000},
    {.asm_text = "ldr x6, . - 0x100", .insn = 0x58fff806, .pc = 0x4013c, .va = 0x4003c, .size = 8,
     .sas = 3, .rt = 6, .isv = true, .sf = true, .flags = F_LIT, .iss = 0x01C68000},
};
/* clang-format on */

static void test_literal_loads_are_pc_relative_with_isv(void **state)
{
    (void)state;
    CHECK_TABLE(literal_cases);
}

/* ---- Unprivileged LDTR/STTR: single register, no writeback, ISV = 1 ---- */

/* clang-format off */
static const struct ldst_case unpriv_cases[] = {
    {.asm_text = "ldtr w1, [x0, #4]", .insn = 0xb8404801, .va = 0x10002C, .size = 4, .sas = 2,
     .rt = 1, .isv = true, .flags = F_UNPRIV, .iss = 0x01810000},
    {.asm_text = "sttr x2, [x0, #-8]", .insn = 0xf81f8802, .va = 0x100020, .size = 8, .sas = 3,
     .rt = 2, .wnr = true, .isv = true, .sf = true, .flags = F_UNPRIV, .iss = 0x01C28040},
    {.asm_text = "ldtrsb x3, [x0]", .insn = 0x38800803, .va = 0x100028, .size = 1, .sas = 0,
     .rt = 3, .isv = true, .sse = true, .sf = true, .flags = F_UNPRIV, .iss = 0x01238000},
    {.asm_text = "ldtrh w4, [x0, #2]", .insn = 0x78402804, .va = 0x10002A, .size = 2, .sas = 1,
     .rt = 4, .isv = true, .flags = F_UNPRIV, .iss = 0x01440000},
};
/* clang-format on */

static void test_unprivileged_loads_and_stores_have_isv(void **state)
{
    (void)state;
    CHECK_TABLE(unpriv_cases);
}

/* ---- Not decoded ---- */

static const struct {
    const char *asm_text;
    uint32_t insn;
} rejected[] = {
    {"add x0, x1, x2", 0x8b020020},
    {"nop", 0xd503201f},
    {"hvc #0", 0xd4000002},
    {"prfm pldl1keep, [x0]", 0xf9800000},
    {"prfum pldl1keep, [x0, #-1]", 0xf89ff000},
    {"prfm pldl1keep, lit", 0xd80000a0},
    {"dc cisw, x5", 0xd5087e45},
    {"ldraa x0, [x1]", 0xf8200420},
    {"stgp x0, x1, [x2]", 0x69000440},
    {"(unallocated: size 11, opc 11, unsigned offset)", 0xf9c00000},
};

static void test_non_memory_prefetch_and_unmodelled_return_false_with_zeroed_output(void **state)
{
    struct a64_gprs r;
    struct a64_ldst d, zero;

    (void)state;
    memset(&zero, 0, sizeof(zero));
    regs_init(&r, 0x40000);
    for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
        memset(&d, 0xA5, sizeof(d));
        if (a64_decode_ldst(rejected[i].insn, &r, &d))
            fail_msg("%s (0x%08x): decoded, want false", rejected[i].asm_text, rejected[i].insn);
        if (memcmp(&d, &zero, sizeof(d)) != 0)
            fail_msg("%s: output not zeroed", rejected[i].asm_text);
    }
}

static void test_null_arguments_return_false(void **state)
{
    struct a64_gprs r;
    struct a64_ldst d;

    (void)state;
    regs_init(&r, 0);
    assert_false(a64_decode_ldst(0xb9000001, NULL, &d));
    assert_false(a64_decode_ldst(0xb9000001, &r, NULL));
    assert_int_equal(a64_ldst_iss(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_store_to_x0_gives_isv_sas2_srt1_wnr),
        cmocka_unit_test(test_doubleword_load_to_x2_gives_isv_sas3_srt2_sf),
        cmocka_unit_test(test_byte_store_of_wzr_gives_srt31),
        cmocka_unit_test(test_loads_and_stores_of_every_size_give_isv_and_sas),
        cmocka_unit_test(test_sign_extending_loads_set_sse_and_sf_by_destination_width),
        cmocka_unit_test(test_unscaled_and_register_offset_forms_apply_extend_and_shift),
        cmocka_unit_test(test_post_index_load_reports_base_address_and_isv_zero),
        cmocka_unit_test(test_pre_index_forms_report_updated_address_and_isv_zero),
        cmocka_unit_test(test_pair_store_has_isv_zero),
        cmocka_unit_test(test_pairs_access_two_elements_with_isv_zero),
        cmocka_unit_test(test_sp_base_and_xzr_transfer_register),
        cmocka_unit_test(test_acquire_release_accesses_give_isv_and_ar),
        cmocka_unit_test(test_exclusives_have_isv_zero),
        cmocka_unit_test(test_lse_atomics_have_isv_zero_and_read_wnr),
        cmocka_unit_test(test_simd_fp_accesses_have_isv_zero_with_right_size_and_address),
        cmocka_unit_test(test_dc_zva_is_a_64_byte_aligned_store_without_cm),
        cmocka_unit_test(test_cache_maintenance_by_va_sets_cm_and_wnr),
        cmocka_unit_test(test_literal_loads_are_pc_relative_with_isv),
        cmocka_unit_test(test_unprivileged_loads_and_stores_have_isv),
        cmocka_unit_test(test_non_memory_prefetch_and_unmodelled_return_false_with_zeroed_output),
        cmocka_unit_test(test_null_arguments_return_false),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
