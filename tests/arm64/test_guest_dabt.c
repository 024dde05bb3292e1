/*
 * test_guest_dabt.c — the data-abort exit a guest load or store to an IPA no
 * mapping covers (MMIO) produces, for every kind of A64 load/store, through
 * the whole engine path: exit reason, ESR (EC 0x24 | IL | ISS: ISV, SAS, SSE,
 * SRT, SF, AR, CM, WnR, DFSC), virtual_address (FAR), physical_address (IPA),
 * PC left on the faulting instruction, and the register file untouched by
 * the faulting instruction (no partial load, no base writeback).
 *
 * Also: a VMM-style MMIO completion loop (reference §10.3) driving a small
 * device, a page-crossing access, the Device-memory alignment rule with the
 * MMU off, and the determinism of the whole table across two fresh VMs.
 *
 * Expected syndromes are written by hand from the Arm ARM ESR_EL2 data-abort
 * ISS rules (reference §10.3), each next to its instruction with the field
 * breakdown. Fault levels with the default VM (16 KiB granule, 36-bit IPA):
 * the stage-2 walk starts at level 2, one level-2 entry covers 32 MiB. The
 * harness maps RAM at 0..4 MiB, so IPA 0x01000000 (same 32 MiB region as RAM)
 * faults at level 3 (DFSC 7) and 0x09000000 (an empty region) at level 2
 * (DFSC 6).
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <guest_ldst_syms.h>

extern const unsigned char guest_ldst[];
extern const unsigned int guest_ldst_len;

/* Unmapped IPAs: level-3 and level-2 translation faults (see above). */
#define IPA_L3 0x01000000ull
#define IPA_L2 GUEST_MMIO

/* With the MMU on (tables below), VA ALIAS + x maps to IPA x. */
#define ALIAS 0x40000000ull

/* ESR building blocks (Arm ARM ESR_EL2, EC 0x24 data abort from a lower EL). */
#define DABT   0x92000000ull /* EC 0x24 << 26 | IL (bit 25) */
#define ISV    (1ull << 24)
#define SAS(n) ((uint64_t)(n) << 22)
#define SSE    (1ull << 21)
#define SRT(n) ((uint64_t)(n) << 16)
#define SF     (1ull << 15)
#define AR     (1ull << 14)
#define WNR    (1ull << 6)

#define CPACR_FPEN_EL1_EL0 (3ull << 20)

/* Stage-1 set-up for the MMU-on cases: 4 KiB granule, T0SZ = 25 (39-bit VA,
 * walk starts at level 1), one level-1 table at TABLE_IPA whose entry 0 maps
 * VA 0..1 GiB to IPA 0 and entry 1 maps VA 1..2 GiB (ALIAS) to IPA 0, both as
 * Normal write-back blocks (MAIR attr 0 = 0xff). */
#define TABLE_IPA   0x200000ull
#define BLOCK_DESC  (1ull | 1ull << 10 | 3ull << 8) /* valid block, AF, inner shareable */
#define TCR_VALUE   (25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 23 | 1ull << 32)
#define MAIR_VALUE  0xffull
#define SCTLR_MMU   0x1005ull /* M, C, I */
#define SCTLR_RESET 0x0ull

struct dabt_case {
    const char *asm_text;
    uint64_t pc;
    uint64_t x0; /* base register (DC ZVA: the address operand) */
    bool set_x1;
    uint64_t x1; /* index register of the register-offset forms */
    uint64_t sp; /* SP_EL1 when non-zero (SP-based cases) */
    bool mmu;    /* stage 1 on, with the tables above */
    uint64_t esr;
    uint64_t far; /* virtual_address */
    uint64_t ipa; /* physical_address */
};

#define C(text, label) .asm_text = text, .pc = GUEST_LDST_##label

static const struct dabt_case cases[] = {
    /* ISV=1 SAS=2 SSE=0 SRT=1 SF=0 AR=0 WnR=1 DFSC=7 (reference §9) */
    {C("str w1, [x0]", STR_W1_X0), .x0 = IPA_L3, .esr = 0x93810047, .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=1 SAS=3 SRT=2 SF=1 WnR=0 DFSC=7 (reference §9) */
    {C("ldr x2, [x0]", LDR_X2_X0), .x0 = IPA_L3, .esr = 0x93c28007, .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=1 SAS=0 SRT=31 SF=0 WnR=1 DFSC=6 (reference §9) */
    {C("strb wzr, [x0]", STRB_WZR_X0), .x0 = IPA_L2, .esr = 0x931f0046, .far = IPA_L2,
     .ipa = IPA_L2},
    /* ISV=1 SAS=3 SRT=2 SF=1 WnR=0 DFSC=6: same load, empty 32 MiB region */
    {C("ldr x2, [x0] (level 2)", LDR_X2_X0), .x0 = IPA_L2 + 0x38, .esr = 0x93c28006,
     .far = IPA_L2 + 0x38, .ipa = IPA_L2 + 0x38},
    /* ISV=1 SAS=0 SSE=0 SRT=3 SF=0 WnR=0 DFSC=7 */
    {C("ldrb w3, [x0]", LDRB_W3_X0), .x0 = IPA_L3 + 1, .esr = 0x93030007, .far = IPA_L3 + 1,
     .ipa = IPA_L3 + 1},
    /* ISV=1 SAS=1 SRT=4 SF=0 WnR=0 DFSC=7 */
    {C("ldrh w4, [x0]", LDRH_W4_X0), .x0 = IPA_L3 + 2, .esr = 0x93440007, .far = IPA_L3 + 2,
     .ipa = IPA_L3 + 2},
    /* ISV=1 SAS=2 SRT=5 SF=0 WnR=0 DFSC=7 */
    {C("ldr w5, [x0]", LDR_W5_X0), .x0 = IPA_L3 + 4, .esr = 0x93850007, .far = IPA_L3 + 4,
     .ipa = IPA_L3 + 4},
    /* ISV=1 SAS=0 SSE=1 SRT=6 SF=0 WnR=0 DFSC=7 */
    {C("ldrsb w6, [x0]", LDRSB_W6_X0), .x0 = IPA_L3, .esr = 0x93260007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=0 SSE=1 SRT=7 SF=1 WnR=0 DFSC=7 */
    {C("ldrsb x7, [x0]", LDRSB_X7_X0), .x0 = IPA_L3, .esr = 0x93278007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=1 SSE=1 SRT=8 SF=0 WnR=0 DFSC=7 */
    {C("ldrsh w8, [x0]", LDRSH_W8_X0), .x0 = IPA_L3, .esr = 0x93680007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=1 SSE=1 SRT=9 SF=1 WnR=0 DFSC=7 */
    {C("ldrsh x9, [x0]", LDRSH_X9_X0), .x0 = IPA_L3, .esr = 0x93698007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=2 SSE=1 SRT=10 SF=1 WnR=0 DFSC=7 */
    {C("ldrsw x10, [x0]", LDRSW_X10_X0), .x0 = IPA_L3, .esr = 0x93aa8007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=0 SRT=11 SF=0 WnR=1 DFSC=7 */
    {C("strb w11, [x0]", STRB_W11_X0), .x0 = IPA_L3 + 3, .esr = 0x930b0047, .far = IPA_L3 + 3,
     .ipa = IPA_L3 + 3},
    /* ISV=1 SAS=1 SRT=12 SF=0 WnR=1 DFSC=7 */
    {C("strh w12, [x0]", STRH_W12_X0), .x0 = IPA_L3, .esr = 0x934c0047, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=3 SRT=13 SF=1 WnR=1 DFSC=7 */
    {C("str x13, [x0]", STR_X13_X0), .x0 = IPA_L3 + 0x10, .esr = 0x93cd8047, .far = IPA_L3 + 0x10,
     .ipa = IPA_L3 + 0x10},
    /* ISV=1 SAS=2 SRT=30 SF=0 WnR=0 DFSC=6 */
    {C("ldr w30, [x0]", LDR_W30_X0), .x0 = IPA_L2 + 0x20, .esr = 0x939e0006, .far = IPA_L2 + 0x20,
     .ipa = IPA_L2 + 0x20},

    /* Unscaled offset, x0 = A + 3: accesses A. ISV=1 SAS=2 SRT=14 SF=0 WnR=0 DFSC=7 */
    {C("ldur w14, [x0, #-3]", LDUR_W14_X0_M3), .x0 = IPA_L3 + 3, .esr = 0x938e0007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=1 SAS=3 SRT=15 SF=1 WnR=1 DFSC=7 */
    {C("stur x15, [x0, #17]", STUR_X15_X0_17), .x0 = IPA_L3 - 17, .esr = 0x93cf8047, .far = IPA_L3,
     .ipa = IPA_L3},
    /* Largest scaled unsigned offset (4095 * 8). ISV=1 SAS=3 SRT=19 SF=1 WnR=0 DFSC=7 */
    {C("ldr x19, [x0, #0x7ff8]", LDR_X19_X0_7FF8), .x0 = IPA_L3 - 0x7ff8, .esr = 0x93d38007,
     .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=1 SAS=0 SRT=20 SF=0 WnR=1 DFSC=6 */
    {C("strb w20, [x0, #4095]", STRB_W20_X0_4095), .x0 = IPA_L2 - 4095 + 0x40, .esr = 0x93140046,
     .far = IPA_L2 + 0x40, .ipa = IPA_L2 + 0x40},
    /* x1 = 5: A - 40 + 5 * 8. ISV=1 SAS=3 SRT=16 SF=1 WnR=0 DFSC=7 */
    {C("ldr x16, [x0, x1, lsl #3]", LDR_X16_X0_X1_LSL3), .x0 = IPA_L3 - 40, .set_x1 = true, .x1 = 5,
     .esr = 0x93d08007, .far = IPA_L3, .ipa = IPA_L3},
    /* W1 = -2, high half non-zero and ignored: A + 8 - 8. ISV=1 SAS=2 SRT=17 SF=0 WnR=0 DFSC=7 */
    {C("ldr w17, [x0, w1, sxtw #2]", LDR_W17_X0_W1_SXTW2), .x0 = IPA_L3 + 8, .set_x1 = true,
     .x1 = 0x12345678fffffffeull, .esr = 0x93910007, .far = IPA_L3, .ipa = IPA_L3},
    /* W1 = 0x10, high half all ones and ignored: A - 0x20 + 0x20.
     * ISV=1 SAS=1 SRT=18 SF=0 WnR=1 DFSC=7 */
    {C("strh w18, [x0, w1, uxtw #1]", STRH_W18_X0_W1_UXTW1), .x0 = IPA_L3 - 0x20, .set_x1 = true,
     .x1 = 0xffffffff00000010ull, .esr = 0x93520047, .far = IPA_L3, .ipa = IPA_L3},

    /* Writeback forms: ISV=0 (ISS[23:14] RES0), WnR, DFSC; FAR = the address
     * actually accessed; the base keeps its old value. */
    /* Pre-index, accesses x0 + 16. ISV=0 WnR=0 DFSC=7 */
    {C("ldr x21, [x0, #16]!", LDR_X21_X0_16_PRE), .x0 = IPA_L3 - 16, .esr = 0x92000007,
     .far = IPA_L3, .ipa = IPA_L3},
    /* Post-index, accesses x0. ISV=0 WnR=1 DFSC=7 */
    {C("str w22, [x0], #-8", STR_W22_X0_M8_POST), .x0 = IPA_L3 + 0x40, .esr = 0x92000047,
     .far = IPA_L3 + 0x40, .ipa = IPA_L3 + 0x40},

    /* Pairs: ISV=0. */
    /* ISV=0 WnR=0 DFSC=7 */
    {C("ldp x23, x24, [x0]", LDP_X23_X24_X0), .x0 = IPA_L3, .esr = 0x92000007, .far = IPA_L3,
     .ipa = IPA_L3},
    /* ISV=0 WnR=1 DFSC=6 */
    {C("stp x25, x26, [x0]", STP_X25_X26_X0), .x0 = IPA_L2, .esr = 0x92000046, .far = IPA_L2,
     .ipa = IPA_L2},
    /* Pre-index pair, accesses x0 + 8. ISV=0 WnR=1 DFSC=7 */
    {C("stp w1, w2, [x0, #8]!", STP_W1_W2_X0_8_PRE), .x0 = IPA_L3 - 8, .esr = 0x92000047,
     .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=0 WnR=0 DFSC=7 */
    {C("ldpsw x27, x28, [x0]", LDPSW_X27_X28_X0), .x0 = IPA_L3 + 0x80, .esr = 0x92000007,
     .far = IPA_L3 + 0x80, .ipa = IPA_L3 + 0x80},

    /* SP as the base (SP_EL1 in EL1h). ISV=1 SAS=3 SRT=1 SF=1 WnR=0 DFSC=6 */
    {C("ldr x1, [sp]", LDR_X1_SP), .x0 = IPA_L3, .sp = IPA_L2 + 0x100, .esr = 0x93c18006,
     .far = IPA_L2 + 0x100, .ipa = IPA_L2 + 0x100},
    /* ISV=1 SAS=2 SRT=2 SF=0 WnR=1 DFSC=7 */
    {C("str w2, [sp, #8]", STR_W2_SP_8), .x0 = IPA_L2, .sp = IPA_L3 - 8, .esr = 0x93820047,
     .far = IPA_L3, .ipa = IPA_L3},

    /* Acquire/release: ISV=1 with AR=1. */
    /* ISV=1 SAS=2 SRT=3 SF=0 AR=1 WnR=0 DFSC=7 */
    {C("ldar w3, [x0]", LDAR_W3_X0), .x0 = IPA_L3, .esr = 0x93834007, .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=1 SAS=1 SRT=5 SF=0 AR=1 WnR=0 DFSC=6 */
    {C("ldarh w5, [x0]", LDARH_W5_X0), .x0 = IPA_L2 + 2, .esr = 0x93454006, .far = IPA_L2 + 2,
     .ipa = IPA_L2 + 2},
    /* ISV=1 SAS=3 SRT=4 SF=1 AR=1 WnR=1 DFSC=7 */
    {C("stlr x4, [x0]", STLR_X4_X0), .x0 = IPA_L3, .esr = 0x93c4c047, .far = IPA_L3, .ipa = IPA_L3},

    /* Load-exclusive: ISV=0, so no AR either (ISS[23:14] RES0). ISV=0 WnR=0 DFSC=7 */
    {C("ldxr x5, [x0]", LDXR_X5_X0), .x0 = IPA_L3, .esr = 0x92000007, .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=0 WnR=0 DFSC=6 */
    {C("ldaxr w8, [x0]", LDAXR_W8_X0), .x0 = IPA_L2, .esr = 0x92000006, .far = IPA_L2,
     .ipa = IPA_L2},

    /* SIMD&FP: ISV=0. */
    /* ISV=0 WnR=0 DFSC=7 */
    {C("ldr q0, [x0]", LDR_Q0_X0), .x0 = IPA_L3, .esr = 0x92000007, .far = IPA_L3, .ipa = IPA_L3},
    /* ISV=0 WnR=1 DFSC=7 */
    {C("str d1, [x0]", STR_D1_X0), .x0 = IPA_L3 + 8, .esr = 0x92000047, .far = IPA_L3 + 8,
     .ipa = IPA_L3 + 8},
    /* ISV=0 WnR=0 DFSC=6 */
    {C("ld1 {v2.16b}, [x0]", LD1_V2_16B_X0), .x0 = IPA_L2, .esr = 0x92000006, .far = IPA_L2,
     .ipa = IPA_L2},
    /* Post-index structure store, x0 not written back. ISV=0 WnR=1 DFSC=7 */
    {C("st1 {v3.4s}, [x0], #16", ST1_V3_4S_X0_POST), .x0 = IPA_L3 + 0x30, .esr = 0x92000047,
     .far = IPA_L3 + 0x30, .ipa = IPA_L3 + 0x30},

    /* MMU on: FAR is the VA, physical_address the IPA it translates to. */
    /* ISV=1 SAS=3 SRT=2 SF=1 WnR=0 DFSC=7 */
    {C("ldr x2, [x0] (MMU on, VA alias)", LDR_X2_X0), .x0 = ALIAS + IPA_L3 + 8, .mmu = true,
     .esr = 0x93c28007, .far = ALIAS + IPA_L3 + 8, .ipa = IPA_L3 + 8},
    /* ISV=1 SAS=2 SRT=1 SF=0 WnR=1 DFSC=6 */
    {C("str w1, [x0] (MMU on, VA alias)", STR_W1_X0), .x0 = ALIAS + IPA_L2 + 4, .mmu = true,
     .esr = 0x93810046, .far = ALIAS + IPA_L2 + 4, .ipa = IPA_L2 + 4},
    /* DC ZVA on Normal memory. It is not a cache maintenance instruction
     * (Arm ARM, ESR_EL2.CM): ISV=0 CM=0 WnR=1 DFSC=7. The operand is block
     * aligned, so FAR is the same whether it reports Xt or the block start. */
    {C("dc zva, x0 (MMU on)", DC_ZVA_X0), .x0 = ALIAS + IPA_L3 + 0x40, .mmu = true,
     .esr = 0x92000047, .far = ALIAS + IPA_L3 + 0x40, .ipa = IPA_L3 + 0x40},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* What one case's exit looked like, for comparison and determinism. */
struct exit_rec {
    uint32_t reason;
    uint64_t esr, far, ipa, pc, cpsr, sp;
    uint64_t x[31];
    hv_simd_fp_uchar16_t q[4];
};

static uint64_t pattern(unsigned i)
{
    return 0xfeed000000c0de00ull | (uint64_t)i << 40 | i;
}

static hv_simd_fp_uchar16_t qpattern(unsigned i)
{
    hv_simd_fp_uchar16_t v;
    for (unsigned b = 0; b < 16; b++)
        v[b] = (uint8_t)(0x10 * i + b + 1);
    return v;
}

static int setup(void **state)
{
    static struct guest g;
    guest_create(&g, guest_ldst, guest_ldst_len);
    *state = &g;
    return 0;
}

static void write_desc(struct guest *g, uint64_t ipa, uint64_t desc)
{
    for (unsigned i = 0; i < 8; i++)
        g->ram[ipa + i] = (uint8_t)(desc >> (8 * i));
}

/* Stage-1 tables for the MMU-on cases (see TABLE_IPA). */
static void build_tables(struct guest *g)
{
    memset(g->ram + TABLE_IPA, 0, 4096);
    write_desc(g, TABLE_IPA + 0, 0x0ull | BLOCK_DESC);
    write_desc(g, TABLE_IPA + 8, 0x0ull | BLOCK_DESC);
    set_sysreg(g, HV_SYS_REG_MAIR_EL1, MAIR_VALUE);
    set_sysreg(g, HV_SYS_REG_TCR_EL1, TCR_VALUE);
    set_sysreg(g, HV_SYS_REG_TTBR0_EL1, TABLE_IPA);
}

static void set_q(struct guest *g, unsigned i, hv_simd_fp_uchar16_t v)
{
    assert_int_equal(hv_vcpu_set_simd_fp_reg(g->vcpu, HV_SIMD_FP_REG_Q0 + i, v), HV_SUCCESS);
}

static hv_simd_fp_uchar16_t get_q(struct guest *g, unsigned i)
{
    hv_simd_fp_uchar16_t v;
    assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, HV_SIMD_FP_REG_Q0 + i, &v), HV_SUCCESS);
    return v;
}

/* The register file a case starts with (and must still have at its exit). */
static void initial_state(const struct dabt_case *c, struct exit_rec *r)
{
    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < 31; i++)
        r->x[i] = pattern(i);
    r->x[0] = c->x0;
    if (c->set_x1)
        r->x[1] = c->x1;
    r->sp = c->sp ? c->sp : GUEST_STACK;
    r->pc = c->pc;
    r->cpsr = 0x3c5;
    for (unsigned i = 0; i < 4; i++)
        r->q[i] = qpattern(i);
}

static void load_state(struct guest *g, const struct dabt_case *c, const struct exit_rec *r)
{
    set_sysreg(g, HV_SYS_REG_SCTLR_EL1, c->mmu ? SCTLR_MMU : SCTLR_RESET);
    set_sysreg(g, HV_SYS_REG_CPACR_EL1, CPACR_FPEN_EL1_EL0);
    for (unsigned i = 0; i < 31; i++)
        set_reg(g, HV_REG_X0 + i, r->x[i]);
    set_sysreg(g, HV_SYS_REG_SP_EL1, r->sp);
    set_reg(g, HV_REG_CPSR, r->cpsr);
    set_reg(g, HV_REG_PC, r->pc);
    for (unsigned i = 0; i < 4; i++)
        set_q(g, i, r->q[i]);
}

static void record(struct guest *g, struct exit_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->reason = g->exit->reason;
    r->esr = g->exit->exception.syndrome;
    r->far = g->exit->exception.virtual_address;
    r->ipa = g->exit->exception.physical_address;
    r->pc = reg(g, HV_REG_PC);
    r->cpsr = reg(g, HV_REG_CPSR);
    r->sp = sysreg(g, HV_SYS_REG_SP_EL1);
    for (unsigned i = 0; i < 31; i++)
        r->x[i] = reg(g, HV_REG_X0 + i);
    for (unsigned i = 0; i < 4; i++)
        r->q[i] = get_q(g, i);
}

static void run_case(struct guest *g, const struct dabt_case *c, struct exit_rec *out)
{
    struct exit_rec init;
    initial_state(c, &init);
    load_state(g, c, &init);
    assert_int_equal(hv_vcpu_run(g->vcpu), HV_SUCCESS);
    record(g, out);
}

static unsigned check_u64(const struct dabt_case *c, const char *what, uint64_t got, uint64_t want)
{
    if (got == want)
        return 0;
    print_error("%s: %s = %#llx, expected %#llx\n", c->asm_text, what, (unsigned long long)got,
                (unsigned long long)want);
    return 1;
}

/* Every field of one case's exit against the hand-computed expectation.
 * Returns the number of mismatches (each printed). */
static unsigned check_case(const struct dabt_case *c, const struct exit_rec *got)
{
    struct exit_rec want;
    unsigned bad = 0;
    char name[16];
    initial_state(c, &want);
    bad += check_u64(c, "exit reason", got->reason, HV_EXIT_REASON_EXCEPTION);
    bad += check_u64(c, "syndrome", got->esr, c->esr);
    bad += check_u64(c, "virtual_address", got->far, c->far);
    bad += check_u64(c, "physical_address", got->ipa, c->ipa);
    /* A data abort's preferred return address is the faulting instruction. */
    bad += check_u64(c, "PC", got->pc, c->pc);
    bad += check_u64(c, "CPSR", got->cpsr, want.cpsr);
    bad += check_u64(c, "SP_EL1", got->sp, want.sp);
    for (unsigned i = 0; i < 31; i++) {
        snprintf(name, sizeof(name), "X%u", i);
        bad += check_u64(c, name, got->x[i], want.x[i]);
    }
    for (unsigned i = 0; i < 4; i++) {
        if (memcmp(&got->q[i], &want.q[i], 16) != 0) {
            print_error("%s: Q%u changed\n", c->asm_text, i);
            bad++;
        }
    }
    return bad;
}

/* Runs every case in order in one VM, recording each exit. */
static void run_table(struct guest *g, struct exit_rec *recs)
{
    build_tables(g);
    for (size_t i = 0; i < NCASES; i++)
        run_case(g, &cases[i], &recs[i]);
}

static void test_every_load_store_form_exits_with_its_architected_syndrome(void **state)
{
    struct guest *g = *state;
    static struct exit_rec recs[NCASES];
    unsigned bad = 0;
    run_table(g, recs);
    for (size_t i = 0; i < NCASES; i++)
        bad += check_case(&cases[i], &recs[i]);
    if (bad)
        fail_msg("%u mismatches in the data-abort table", bad);
}

/* The reference's three worked values (§9), each as its own check so a
 * failure names them directly. */
static void test_reference_worked_syndromes(void **state)
{
    struct guest *g = *state;
    struct exit_rec r;
    run_case(g, &cases[0], &r);
    assert_int_equal(r.esr, 0x93810047);
    run_case(g, &cases[1], &r);
    assert_int_equal(r.esr, 0x93c28007);
    run_case(g, &cases[2], &r);
    assert_int_equal(r.esr, 0x931f0046);
}

/*
 * Store-exclusive. Per the Arm ARM pseudocode (AArch64.ExclusiveMonitorsPass)
 * it is IMPLEMENTATION DEFINED whether a memory abort is detected before the
 * local monitor check. With the monitor open (no preceding LDXR can succeed
 * on an unmapped IPA), the STXR either exits with ISV=0 WnR=1 and leaves the
 * status register alone, or fails without touching memory: Ws = 1, no exit.
 * Both are checked exactly; which one the model picks is reported.
 */
static void test_stxr_to_unmapped_ipa_exits_with_isv0_or_fails_without_access(void **state)
{
    struct guest *g = *state;
    static const struct dabt_case c = {C("stxr w6, x7, [x0]", STXR_W6_X7_X0), .x0 = IPA_L3,
                                       .esr = 0x92000047, .far = IPA_L3, .ipa = IPA_L3};
    struct exit_rec r;
    run_case(g, &c, &r);
    assert_int_equal(r.reason, HV_EXIT_REASON_EXCEPTION);
    if (r.esr == ESR_HVC(0xbad)) {
        /* The store-exclusive failed: status 1, then the HVC after it. */
        print_message("stxr: store failed without an abort (status 1)\n");
        assert_int_equal(r.x[6], 1);
        assert_int_equal(r.x[7], pattern(7));
        assert_int_equal(r.x[0], IPA_L3);
        return;
    }
    print_message("stxr: data abort exit\n");
    assert_int_equal(check_case(&c, &r), 0);
}

/*
 * An 8-byte load whose first 4 bytes are the last 4 bytes of RAM and whose
 * last 4 are the first unmapped IPA (4 MiB), with the MMU on (Normal memory,
 * so the unaligned access is permitted; with the MMU off see the next test).
 * The first page translates, so the abort is on the second page: a level-3
 * translation fault (4 MiB shares its 32 MiB region with RAM) with the
 * load's ISV=1 syndrome. Choice: which byte of a split access FAR names is
 * not pinned down here, so FAR is only required to lie in the faulting part,
 * [4 MiB, 4 MiB + 3] (via the VA alias), and physical_address to be that
 * byte's IPA. Nothing is loaded: X2 keeps its value.
 */
static void test_load_crossing_from_ram_into_unmapped_ipa_faults_on_the_second_page(void **state)
{
    struct guest *g = *state;
    static const struct dabt_case c = {C("ldr x2, [x0] (crossing)", LDR_X2_X0),
                                       .x0 = ALIAS + GUEST_RAM_SIZE - 4, .mmu = true};
    struct exit_rec r, want;
    build_tables(g);
    run_case(g, &c, &r);
    initial_state(&c, &want);
    print_message("crossing: syndrome %#llx FAR %#llx IPA %#llx\n", (unsigned long long)r.esr,
                  (unsigned long long)r.far, (unsigned long long)r.ipa);
    assert_int_equal(r.reason, HV_EXIT_REASON_EXCEPTION);
    /* ISV=1 SAS=3 SRT=2 SF=1 WnR=0 DFSC=7 */
    assert_int_equal(r.esr, 0x93c28007);
    assert_in_range(r.far, ALIAS + GUEST_RAM_SIZE, ALIAS + GUEST_RAM_SIZE + 3);
    assert_int_equal(r.ipa, r.far - ALIAS);
    assert_int_equal(r.pc, GUEST_LDST_LDR_X2_X0);
    assert_memory_equal(r.x, want.x, sizeof(r.x));
}

/*
 * An MMIO load preceded in its block by four other instructions (the shape
 * of Linux's MMIO accessors), with the MMU on and off, run three times each,
 * the later runs resumed as a VMM resumes after an MMIO exit. Every exit
 * carries the load's own syndrome (ISV=1 SAS=2 SRT=2 SF=0 WnR=0 DFSC=7), its
 * FAR and IPA, PC on the load, and the registers the four instructions
 * wrote. (Under Linux the engine's fault hook was seen to report the PC of
 * the block's first instruction for such loads, giving ISV=0; the model now
 * finds the faulting load itself, see fault_pc() in model/arm64/exit.c. This
 * guest does not provoke that engine behaviour; the Linux boot does.) */
static void test_mmio_load_after_other_instructions_of_its_block_has_its_own_syndrome(void **state)
{
    struct guest *g = *state;
    for (int run = 0; run < 6; run++) {
        int mmu = run / 3;
        uint64_t va = (mmu ? ALIAS : 0) + IPA_L3 + 0x10;
        struct dabt_case c = {C("sub/mov/add/mov; ldr w2, [x3]", MID_BLOCK_LDR_W2_X3), .x0 = va,
                              .mmu = mmu != 0};
        struct exit_rec r, want;
        initial_state(&c, &want);
        if (run % 3 == 0) {
            build_tables(g);
            run_case(g, &c, &r);
        } else { /* as a VMM resumes after an MMIO exit: X0 and PC only */
            set_reg(g, HV_REG_X0, va);
            set_reg(g, HV_REG_PC, c.pc);
            assert_int_equal(hv_vcpu_run(g->vcpu), HV_SUCCESS);
            record(g, &r);
            memcpy(want.x, r.x, sizeof(want.x)); /* the other registers come from the last run */
        }
        want.x[0] = va;
        want.x[3] = va;
        want.x[4] = 0;
        want.x[6] = 0;
        assert_int_equal(r.reason, HV_EXIT_REASON_EXCEPTION);
        assert_int_equal(r.esr, 0x93820007);
        assert_int_equal(r.far, va);
        assert_int_equal(r.ipa, IPA_L3 + 0x10);
        assert_int_equal(r.pc, GUEST_LDST_MID_BLOCK_LDR_W2_X3 + 16);
        assert_memory_equal(r.x, want.x, sizeof(r.x));
    }
}

/* Checks the run ended in the vector table's UCALL_VECTOR report and returns
 * its vector offset, ESR_EL1, FAR_EL1 and ELR_EL1. */
static void expect_el1_vector(struct guest *g, uint64_t *off, uint64_t *esr, uint64_t *far,
                              uint64_t *elr)
{
    if (g->exit->reason != HV_EXIT_REASON_EXCEPTION || g->exit->exception.syndrome != ESR_HVC(0) ||
        reg(g, HV_REG_X0) != UCALL_VECTOR)
        print_message("no EL1 exception; exit: reason %u syndrome %#llx FAR %#llx IPA %#llx PC "
                      "%#llx\n",
                      g->exit->reason, (unsigned long long)g->exit->exception.syndrome,
                      (unsigned long long)g->exit->exception.virtual_address,
                      (unsigned long long)g->exit->exception.physical_address,
                      (unsigned long long)reg(g, HV_REG_PC));
    assert_int_equal(g->exit->reason, HV_EXIT_REASON_EXCEPTION);
    assert_int_equal(g->exit->exception.syndrome, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_VECTOR);
    *off = reg(g, HV_REG_X1);
    *esr = reg(g, HV_REG_X2);
    *far = reg(g, HV_REG_X3);
    *elr = reg(g, HV_REG_X4);
}

/*
 * With the MMU off, data accesses are Device-nGnRnE (Arm ARM, stage 1
 * disabled; HCR_EL2.DC is not set) and an unaligned access to Device memory
 * is an Alignment fault. That is a stage-1 fault, detected before the stage-2
 * walk, so it is taken by the guest at EL1 (EC 0x25, DFSC 0x21) and makes no
 * exit to the VMM. Same access as the crossing test, at 4 MiB - 4.
 * ISS[24:14] are not compared (their validity for EL1 aborts varies).
 */
static void test_unaligned_load_with_mmu_off_is_an_el1_alignment_fault_not_an_exit(void **state)
{
    struct guest *g = *state;
    static const struct dabt_case c = {C("ldr x2, [x0] (MMU off, unaligned)", LDR_X2_X0),
                                       .x0 = GUEST_RAM_SIZE - 4};
    uint64_t off, esr, far, elr;
    set_sysreg(g, HV_SYS_REG_VBAR_EL1, GUEST_LDST_VECTORS);
    struct exit_rec r;
    run_case(g, &c, &r);
    expect_el1_vector(g, &off, &esr, &far, &elr);
    assert_int_equal(off, 0x200); /* current EL with SP_ELx, synchronous */
    assert_int_equal(esr & ~0x01ffc000ull, 0x96000021);
    assert_int_equal(far, GUEST_RAM_SIZE - 4);
    assert_int_equal(elr, GUEST_LDST_LDR_X2_X0);
}

/* DC ZVA to Device memory (MMU off) is an Alignment fault (Arm ARM, DC ZVA),
 * again a stage-1 fault taken at EL1 with WnR=1, not a VMM exit. */
static void test_dc_zva_with_mmu_off_is_an_el1_alignment_fault_not_an_exit(void **state)
{
    struct guest *g = *state;
    static const struct dabt_case c = {C("dc zva, x0 (MMU off)", DC_ZVA_X0), .x0 = IPA_L3};
    uint64_t off, esr, far, elr;
    set_sysreg(g, HV_SYS_REG_VBAR_EL1, GUEST_LDST_VECTORS);
    struct exit_rec r;
    run_case(g, &c, &r);
    expect_el1_vector(g, &off, &esr, &far, &elr);
    assert_int_equal(off, 0x200);
    assert_int_equal(esr & ~0x01ffc000ull, 0x96000061);
    assert_int_equal(far, IPA_L3);
    assert_int_equal(elr, GUEST_LDST_DC_ZVA_X0);
}

/* ---- a VMM-style MMIO completion loop ---- */

#define DEV_SIZE 64

struct mmio_dev {
    uint8_t regs[DEV_SIZE];
    unsigned loads, stores, xzr_loads;
};

/* Completes one data-abort exit the way a VMM does (reference §10.3). */
static void mmio_complete(struct guest *g, struct mmio_dev *d)
{
    uint64_t esr = g->exit->exception.syndrome;
    uint64_t ipa = g->exit->exception.physical_address;
    assert_int_equal(esr >> 26, 0x24);
    assert_true(esr & ISV);
    unsigned size = 1u << ((esr >> 22) & 3), srt = (esr >> 16) & 31;
    bool sse = esr & SSE, sf = esr & SF, write = esr & WNR;
    assert_in_range(ipa, GUEST_MMIO, GUEST_MMIO + DEV_SIZE - size);
    unsigned off = (unsigned)(ipa - GUEST_MMIO);
    if (write) {
        uint64_t v = srt == 31 ? 0 : reg(g, HV_REG_X0 + srt);
        for (unsigned i = 0; i < size; i++)
            d->regs[off + i] = (uint8_t)(v >> (8 * i));
        d->stores++;
    } else {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)d->regs[off + i] << (8 * i);
        if (sse && size < 8) {
            uint64_t m = 1ull << (8 * size - 1);
            v = (v ^ m) - m;
        }
        if (!sf)
            v = (uint32_t)v;
        /* SRT = 31 is XZR: HV_REG_X0 + 31 would be PC. */
        if (srt != 31)
            set_reg(g, HV_REG_X0 + srt, v);
        else
            d->xzr_loads++;
        d->loads++;
    }
    set_reg(g, HV_REG_PC, reg(g, HV_REG_PC) + 4);
}

static void test_vmm_completes_mmio_loads_and_stores_of_every_size(void **state)
{
    struct guest *g = *state;
    struct mmio_dev d;
    memset(&d, 0, sizeof(d));
    memset(d.regs, 0xff, sizeof(d.regs));
    for (unsigned i = 0; i < 31; i++)
        set_reg(g, HV_REG_X0 + i, pattern(i));
    set_reg(g, HV_REG_X0, GUEST_MMIO);
    set_reg(g, HV_REG_PC, GUEST_LDST_MMIO_SEQ);
    for (unsigned n = 0;; n++) {
        assert_true(n < 64);
        assert_int_equal(run(g), HV_EXIT_REASON_EXCEPTION);
        if (g->exit->exception.syndrome == ESR_HVC(0))
            break;
        mmio_complete(g, &d);
    }
    assert_int_equal(d.stores, 5);
    assert_int_equal(d.loads, 13);
    assert_int_equal(d.xzr_loads, 1);

    static const uint8_t dev_want[24] = {0x80, 0xff, 0x01, 0x80, 0x21, 0x43, 0x65, 0x87,
                                         0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                         0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(d.regs, dev_want, sizeof(dev_want));

    assert_int_equal(reg(g, HV_REG_X0), GUEST_MMIO);
    assert_int_equal(reg(g, HV_REG_X10), 0xffffffffffffff80ull); /* ldrsb x */
    assert_int_equal(reg(g, HV_REG_X11), 0x00000000ffffff80ull); /* ldrsb w: high half 0 */
    assert_int_equal(reg(g, HV_REG_X12), 0x80);                  /* ldrb */
    assert_int_equal(reg(g, HV_REG_X13), 0xffffffffffff8001ull); /* ldrsh x */
    assert_int_equal(reg(g, HV_REG_X14), 0x00000000ffff8001ull); /* ldrsh w */
    assert_int_equal(reg(g, HV_REG_X15), 0x8001);                /* ldrh */
    assert_int_equal(reg(g, HV_REG_X16), 0xffffffff87654321ull); /* ldrsw */
    assert_int_equal(reg(g, HV_REG_X17), 0x87654321);            /* ldr w */
    assert_int_equal(reg(g, HV_REG_X19), 0xfedcba9876543210ull); /* ldr x */
    assert_int_equal(reg(g, HV_REG_X20), 0xffffffffffffff00ull); /* strb wzr stored 0 */
    assert_int_equal(reg(g, HV_REG_X21), 0x76543210);            /* ldr w of the X value */
    assert_int_equal(reg(g, HV_REG_X30), 0xfedcba98);            /* ldr w30 */
    /* Registers the routine never writes are intact. */
    assert_int_equal(reg(g, HV_REG_X18), pattern(18));
    assert_int_equal(reg(g, HV_REG_X22), pattern(22));
    assert_int_equal(reg(g, HV_REG_X29), pattern(29));
}

/* ---- determinism ---- */

static void test_table_exits_are_identical_in_two_fresh_vms(void **state)
{
    (void)state;
    static struct exit_rec a[NCASES], b[NCASES];
    struct guest g;
    guest_create(&g, guest_ldst, guest_ldst_len);
    run_table(&g, a);
    guest_destroy(&g);
    guest_create(&g, guest_ldst, guest_ldst_len);
    run_table(&g, b);
    guest_destroy(&g);
    for (size_t i = 0; i < NCASES; i++) {
        const struct dabt_case *c = &cases[i];
        unsigned bad = 0;
        bad += check_u64(c, "reason (2nd run)", b[i].reason, a[i].reason);
        bad += check_u64(c, "syndrome (2nd run)", b[i].esr, a[i].esr);
        bad += check_u64(c, "virtual_address (2nd run)", b[i].far, a[i].far);
        bad += check_u64(c, "physical_address (2nd run)", b[i].ipa, a[i].ipa);
        bad += check_u64(c, "PC (2nd run)", b[i].pc, a[i].pc);
        bad += check_u64(c, "CPSR (2nd run)", b[i].cpsr, a[i].cpsr);
        bad += check_u64(c, "SP_EL1 (2nd run)", b[i].sp, a[i].sp);
        for (unsigned r = 0; r < 31; r++)
            bad += check_u64(c, "X (2nd run)", b[i].x[r], a[i].x[r]);
        bad += memcmp(b[i].q, a[i].q, sizeof(a[i].q)) != 0;
        assert_int_equal(bad, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_every_load_store_form_exits_with_its_architected_syndrome, setup, guest_teardown),
        cmocka_unit_test_setup_teardown(test_reference_worked_syndromes, setup, guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_mmio_load_after_other_instructions_of_its_block_has_its_own_syndrome, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_stxr_to_unmapped_ipa_exits_with_isv0_or_fails_without_access, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_load_crossing_from_ram_into_unmapped_ipa_faults_on_the_second_page, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_unaligned_load_with_mmu_off_is_an_el1_alignment_fault_not_an_exit, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_dc_zva_with_mmu_off_is_an_el1_alignment_fault_not_an_exit, setup, guest_teardown),
        cmocka_unit_test_setup_teardown(test_vmm_completes_mmio_loads_and_stores_of_every_size,
                                        setup, guest_teardown),
        cmocka_unit_test(test_table_exits_are_identical_in_two_fresh_vms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
