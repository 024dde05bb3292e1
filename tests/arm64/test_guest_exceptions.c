/*
 * test_guest_exceptions.c — exceptions the guest takes at its own EL1, as
 * the hardware takes them (Arm ARM D1.10, "Exception entry"), none of which
 * exits to the VMM: SVC, UDF, BRK (debug exceptions not trapped) and HVC at
 * EL0 enter the vector table with the exact ESR_EL1, ELR_EL1 and SPSR_EL1;
 * the vector group follows the mode (EL1t, EL1h, EL0); the vector runs in
 * EL1h with DAIF masked on SP_EL1 and ERET returns to the saved state.
 * Stage-1 faults with the guest's MMU on report the DFSC/IFSC of the walk and
 * FAR = the VA; PC alignment and the CPACR_EL1.FPEN trap have their own
 * classes. IRQ and FIQ lines are taken through 0x280/0x300 (0x480 from EL0)
 * only while unmasked, leave ESR_EL1 and FAR_EL1 alone, and are dropped when
 * the run returns.
 *
 * The guest's vectors (exceptions.S) report with HVC: x0 = UCALL_VECTOR,
 * x1 = vector offset, x2..x5 = ESR_EL1, FAR_EL1, ELR_EL1, SPSR_EL1, x6 = SP.
 */
#include "harness.h"

#include <string.h>

#include <guest_exceptions_syms.h>

extern const unsigned char guest_exceptions[];
extern const unsigned int guest_exceptions_len;

/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2). */
#define VEC_CUR_SP0_SYNC 0x000
#define VEC_CUR_SPX_SYNC 0x200
#define VEC_CUR_SPX_IRQ  0x280
#define VEC_CUR_SPX_FIQ  0x300
#define VEC_LOW64_SYNC   0x400
#define VEC_LOW64_IRQ    0x480

/* PSTATE values in SPSR layout. */
#define CPSR_EL0T     0x0ull
#define CPSR_EL1T     0x4ull
#define CPSR_EL1H     0x5ull
#define CPSR_DAIF     0x3c0ull
#define CPSR_I        0x80ull
#define CPSR_Z_C      0x60000000ull
#define EL0_STACK     0x3e0000ull
#define ESR_SENTINEL  0x0badc0deull
#define FAR_SENTINEL  0xfeedf00dull
#define ELR_SENTINEL  0x5a5a5a58ull
#define SPSR_SENTINEL 0x3c4ull

/* ESR_EL1 values (EC << 26 | IL | ISS), Arm ARM D17.2.37 and reference §10. */
#define ESR_SVC_55    0x56000055ull /* EC 0x15, imm16 0x55 */
#define ESR_UNKNOWN   0x02000000ull /* EC 0x00: IL is 1 for this class */
#define ESR_BRK_77    0xf2000077ull /* EC 0x3c, comment 0x77 */
#define ESR_PC_ALIGN  0x8a000000ull /* EC 0x22, ISS 0 */
#define ESR_DABT_CUR  0x96000000ull /* EC 0x25, ISV = 0 in ESR_EL1 */
#define ESR_DABT_LOW  0x92000000ull /* EC 0x24 */
#define ESR_IABT_CUR  0x86000000ull /* EC 0x21 */
#define ISS_WNR       0x40ull
#define FSC_TRANS_L2  0x06ull
#define FSC_TRANS_L3  0x07ull
#define FSC_ACCESS_L3 0x0bull
#define FSC_PERM_L3   0x0full

static int setup(void **state)
{
    static struct guest g;
    guest_create(&g, guest_exceptions, guest_exceptions_len);
    set_sysreg(&g, HV_SYS_REG_VBAR_EL1, GUEST_EXCEPTIONS_VECTORS);
    *state = &g;
    return 0;
}

/* What a vector reported through its HVC. */
struct report {
    uint64_t offset, esr, far, elr, spsr, sp;
};

/* Runs until the vector's HVC (an exit with ESR_HVC(0) and x0 = UCALL_VECTOR;
 * anything else means the event exited to the VMM instead). */
static struct report run_to_vector(struct guest *g, uint64_t offset)
{
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_VECTOR);
    struct report r = {
        .offset = reg(g, HV_REG_X1),
        .esr = reg(g, HV_REG_X2),
        .far = reg(g, HV_REG_X3),
        .elr = reg(g, HV_REG_X4),
        .spsr = reg(g, HV_REG_X5),
        .sp = reg(g, HV_REG_X6),
    };
    assert_int_equal(r.offset, offset);
    /* The registers the vector read are the live ones. */
    assert_int_equal(sysreg(g, HV_SYS_REG_ESR_EL1), r.esr);
    assert_int_equal(sysreg(g, HV_SYS_REG_ELR_EL1), r.elr);
    assert_int_equal(sysreg(g, HV_SYS_REG_SPSR_EL1), r.spsr);
    return r;
}

/* Retired guest instructions so far (hvmodel's counter). An instruction
 * that completes counts (SVC, whose return address is the next
 * instruction); one that faults or traps and returns to itself does not. */
static uint64_t icount(struct guest *g)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &n), HV_SUCCESS);
    return n;
}

/* Instructions a vector of exceptions.S retires up to and including its HVC. */
#define VECTOR_INSNS 8

static void start_at(struct guest *g, uint64_t pc, uint64_t cpsr)
{
    set_reg(g, HV_REG_CPSR, cpsr);
    set_reg(g, HV_REG_PC, pc);
}

/* ---- exception entry and return ---- */

static void test_svc_at_el1h_enters_current_el_spx_vector_with_svc_syndrome(void **state)
{
    struct guest *g = *state;
    /* Z and C set, DAIF clear: SPSR must keep all of it. */
    start_at(g, GUEST_EXCEPTIONS_SVC_SITE, CPSR_Z_C | CPSR_EL1H);
    uint64_t c = icount(g);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    assert_int_equal(icount(g) - c, 1 + VECTOR_INSNS);
    assert_int_equal(r.esr, ESR_SVC_55);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_AFTER_SVC); /* preferred return: after the SVC */
    assert_int_equal(r.spsr, CPSR_Z_C | CPSR_EL1H);
    /* Inside the vector: EL1h, D, A, I and F set, NZCV unchanged. */
    assert_int_equal(reg(g, HV_REG_CPSR), CPSR_Z_C | CPSR_DAIF | CPSR_EL1H);
    assert_int_equal(r.sp, GUEST_STACK);

    /* ERET restores PSTATE from SPSR and resumes after the SVC. */
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_EXCEPTIONS_AFTER_SVC + 4);
    assert_int_equal(reg(g, HV_REG_CPSR), CPSR_Z_C | CPSR_EL1H);
}

static void test_svc_at_el1t_enters_current_el_sp0_vector_on_sp_el1(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_SP_EL0, EL0_STACK);
    start_at(g, GUEST_EXCEPTIONS_SVC_SITE, CPSR_DAIF | CPSR_EL1T);
    struct report r = run_to_vector(g, VEC_CUR_SP0_SYNC);
    assert_int_equal(r.esr, ESR_SVC_55);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_AFTER_SVC);
    assert_int_equal(r.spsr, CPSR_DAIF | CPSR_EL1T);
    assert_int_equal(reg(g, HV_REG_CPSR), CPSR_DAIF | CPSR_EL1H);
    /* The vector runs on SP_EL1; SP_EL0 keeps the interrupted stack. */
    assert_int_equal(r.sp, GUEST_STACK);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), EL0_STACK);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL1), GUEST_STACK);
}

static void test_svc_from_el0_enters_lower_el_vector_and_eret_returns_to_el0(void **state)
{
    struct guest *g = *state;
    /* With SCTLR_EL1.M = 0 every access is allowed at EL0 as well. */
    set_sysreg(g, HV_SYS_REG_SP_EL0, EL0_STACK);
    start_at(g, GUEST_EXCEPTIONS_SVC_SITE, CPSR_EL0T);
    struct report r = run_to_vector(g, VEC_LOW64_SYNC);
    assert_int_equal(r.esr, ESR_SVC_55);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_AFTER_SVC);
    assert_int_equal(r.spsr, CPSR_EL0T);
    assert_int_equal(reg(g, HV_REG_CPSR), CPSR_DAIF | CPSR_EL1H);
    assert_int_equal(r.sp, GUEST_STACK);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), EL0_STACK);

    /* ERET goes back to EL0 at after_svc, whose HVC is UNDEFINED at EL0:
     * the guest takes it through the lower-EL vector, not the VMM. */
    r = run_to_vector(g, VEC_LOW64_SYNC);
    assert_int_equal(r.esr, ESR_UNKNOWN);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_AFTER_SVC);
    assert_int_equal(r.spsr, CPSR_EL0T);
}

static void test_udf_enters_sync_vector_with_unknown_reason_syndrome(void **state)
{
    struct guest *g = *state;
    start_at(g, GUEST_EXCEPTIONS_UDF_SITE, CPSR_DAIF | CPSR_EL1H);
    uint64_t c = icount(g);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    assert_int_equal(icount(g) - c, VECTOR_INSNS); /* the UDF did not retire */
    assert_int_equal(r.esr, ESR_UNKNOWN);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_UDF_SITE); /* the UDF itself */
    assert_int_equal(r.spsr, CPSR_DAIF | CPSR_EL1H);
}

static void test_brk_without_debug_trap_enters_guest_vector_not_vmm(void **state)
{
    struct guest *g = *state;
    bool trap = true;
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(g->vcpu, &trap), HV_SUCCESS);
    assert_false(trap);
    start_at(g, GUEST_EXCEPTIONS_BRK_SITE, CPSR_DAIF | CPSR_EL1H);
    uint64_t c = icount(g);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    assert_int_equal(icount(g) - c, VECTOR_INSNS);
    assert_int_equal(r.esr, ESR_BRK_77);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_BRK_SITE); /* BRK returns to itself */
}

static void test_hvc_at_el0_is_undefined_and_taken_by_the_guest(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_SP_EL0, EL0_STACK);
    start_at(g, GUEST_EXCEPTIONS_HVC_SITE, CPSR_EL0T);
    struct report r = run_to_vector(g, VEC_LOW64_SYNC);
    assert_int_equal(r.esr, ESR_UNKNOWN);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_HVC_SITE);
    assert_int_equal(r.spsr, CPSR_EL0T);
}

static void test_branch_to_misaligned_pc_is_pc_alignment_fault_with_far(void **state)
{
    struct guest *g = *state;
    uint64_t target = GUEST_EXCEPTIONS_SPIN + 2;
    set_reg(g, HV_REG_X0, target);
    start_at(g, GUEST_EXCEPTIONS_BRANCH_X0, CPSR_DAIF | CPSR_EL1H);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    assert_int_equal(r.esr, ESR_PC_ALIGN);
    assert_int_equal(r.far, target);
    assert_int_equal(r.elr, target);
}

static void test_simd_with_fpen_zero_traps_to_guest_with_ec7(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CPACR_EL1, 0);
    start_at(g, GUEST_EXCEPTIONS_SIMD_SITE, CPSR_DAIF | CPSR_EL1H);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    /* EC 0x07, IL = 1. The Arm ARM's ISS for this class has CV (bit 24) and
     * COND (bits 23:20); for a trap taken from AArch64 state CV is 1 and COND
     * is 0b1110, giving 0x1FE00000. */
    assert_int_equal(r.esr, 0x1fe00000ull);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_SIMD_SITE);
}

static void test_simd_with_fpen_enabled_executes(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CPACR_EL1, 3ull << 20);
    set_reg(g, HV_REG_X1, 0x0123456789abcdefull);
    start_at(g, GUEST_EXCEPTIONS_SIMD_SITE, CPSR_DAIF | CPSR_EL1H);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_EXCEPTIONS_SIMD_SITE + 8);
    hv_simd_fp_uchar16_t q0;
    assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, HV_SIMD_FP_REG_Q0, &q0), HV_SUCCESS);
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 8; i++) {
        lo |= (uint64_t)q0[i] << (8 * i);
        hi |= (uint64_t)q0[i + 8] << (8 * i);
    }
    assert_int_equal(lo, 0x0123456789abcdefull);
    assert_int_equal(hi, 0);
}

/* ---- stage-1 faults with the guest's MMU on ----
 *
 * 4 KiB granule, T0SZ = 25 (39-bit VA, walks start at level 1), tables in
 * guest RAM:
 *   L1[0] -> L2;  L2[0] -> L3 identity [0, 2 MiB), AP = 0b11 (RO at EL1 and
 *   EL0, so both may execute the code);  L2[1] = 2 MiB block identity, EL1 RW;
 *   L2[2] -> L3T for VA [4 MiB, 6 MiB);  L2[3] invalid.
 *   L3T[0] invalid, [1] EL1 read-only, [2] access flag clear, [3] EL1-only RW,
 *   [4] EL1-only RW data page.
 */
#define PT_L1       0x100000ull
#define PT_L2       0x101000ull
#define PT_L3       0x102000ull
#define PT_L3T      0x103000ull
#define VA_NO_L3    0x400ab8ull
#define VA_RO       0x401ab8ull
#define VA_NO_AF    0x402ab8ull
#define VA_EL1_ONLY 0x403ab8ull
#define VA_RW       0x404ab8ull
#define VA_NO_L2    0x600ab8ull
#define PA_RO       0x120000ull
#define PA_NO_AF    0x121000ull
#define PA_EL1_ONLY 0x122000ull
#define PA_RW       0x123000ull

#define DESC_TABLE  0x3ull
#define DESC_PAGE   0x3ull
#define DESC_BLOCK  0x1ull
#define DESC_AF     (1ull << 10)
#define DESC_SH     (3ull << 8)
#define DESC_AP_EL0 (1ull << 6)
#define DESC_AP_RO  (1ull << 7)

static void put64(struct guest *g, uint64_t pa, uint64_t val)
{
    for (int i = 0; i < 8; i++)
        g->ram[pa + i] = (uint8_t)(val >> (8 * i));
}

static void enable_guest_mmu(struct guest *g)
{
    memset(g->ram + PT_L1, 0, 0x4000);
    put64(g, PT_L1, PT_L2 | DESC_TABLE);
    put64(g, PT_L2 + 0 * 8, PT_L3 | DESC_TABLE);
    put64(g, PT_L2 + 1 * 8, 0x200000 | DESC_BLOCK | DESC_AF | DESC_SH);
    put64(g, PT_L2 + 2 * 8, PT_L3T | DESC_TABLE);
    for (uint64_t i = 0; i < 512; i++)
        put64(g, PT_L3 + i * 8,
              (i << 12) | DESC_PAGE | DESC_AF | DESC_SH | DESC_AP_RO | DESC_AP_EL0);
    put64(g, PT_L3T + 1 * 8, PA_RO | DESC_PAGE | DESC_AF | DESC_SH | DESC_AP_RO);
    put64(g, PT_L3T + 2 * 8, PA_NO_AF | DESC_PAGE | DESC_SH);
    put64(g, PT_L3T + 3 * 8, PA_EL1_ONLY | DESC_PAGE | DESC_AF | DESC_SH);
    put64(g, PT_L3T + 4 * 8, PA_RW | DESC_PAGE | DESC_AF | DESC_SH);

    set_sysreg(g, HV_SYS_REG_MAIR_EL1, 0xff); /* Attr0: normal, write-back */
    /* T0SZ 25, IRGN0/ORGN0 write-back, SH0 inner, TG0 4 KiB, EPD1, IPS 32 bits. */
    set_sysreg(g, HV_SYS_REG_TCR_EL1, 25 | 1u << 8 | 1u << 10 | 3u << 12 | 1u << 23);
    set_sysreg(g, HV_SYS_REG_TTBR0_EL1, PT_L1);
    /* M, with the Armv8.0 RES1 bits of SCTLR_EL1. */
    set_sysreg(g, HV_SYS_REG_SCTLR_EL1, 0x30d00800 | 1);
}

static void test_stage1_mapped_pages_translate_through_the_guest_tables(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    put64(g, PA_RO + (VA_RO & 0xfff), 0x1122334455667788ull);
    put64(g, PA_RW + (VA_RW & 0xfff), 0x99aabbccddeeff00ull);
    set_reg(g, HV_REG_X0, VA_RO);
    start_at(g, GUEST_EXCEPTIONS_LOAD_X0, CPSR_DAIF | CPSR_EL1H);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_EXCEPTIONS_AFTER_LOAD + 4);
    assert_int_equal(reg(g, HV_REG_X1), 0x1122334455667788ull);

    set_reg(g, HV_REG_X0, VA_RW);
    set_reg(g, HV_REG_PC, GUEST_EXCEPTIONS_LOAD_X0);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0x99aabbccddeeff00ull);
}

static void expect_abort(struct guest *g, uint64_t pc, uint64_t cpsr, uint64_t va, uint64_t vec,
                         uint64_t esr)
{
    set_reg(g, HV_REG_X0, va);
    set_reg(g, HV_REG_X1, 0x77);
    start_at(g, pc, cpsr);
    uint64_t c = icount(g);
    struct report r = run_to_vector(g, vec);
    assert_int_equal(icount(g) - c, VECTOR_INSNS); /* the access did not retire */
    assert_int_equal(r.esr, esr);
    assert_int_equal(r.far, va);
    assert_int_equal(r.elr, pc);
    assert_int_equal(r.spsr, cpsr);
    assert_int_equal(sysreg(g, HV_SYS_REG_FAR_EL1), va);
}

static void test_load_without_level3_entry_is_level3_translation_fault(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    expect_abort(g, GUEST_EXCEPTIONS_LOAD_X0, CPSR_DAIF | CPSR_EL1H, VA_NO_L3, VEC_CUR_SPX_SYNC,
                 ESR_DABT_CUR | FSC_TRANS_L3); /* 0x96000007 */
}

static void test_load_without_level2_entry_is_level2_translation_fault(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    expect_abort(g, GUEST_EXCEPTIONS_LOAD_X0, CPSR_DAIF | CPSR_EL1H, VA_NO_L2, VEC_CUR_SPX_SYNC,
                 ESR_DABT_CUR | FSC_TRANS_L2); /* 0x96000006 */
}

static void test_store_to_read_only_page_is_level3_permission_fault_with_wnr(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    expect_abort(g, GUEST_EXCEPTIONS_STORE_X0, CPSR_DAIF | CPSR_EL1H, VA_RO, VEC_CUR_SPX_SYNC,
                 ESR_DABT_CUR | ISS_WNR | FSC_PERM_L3); /* 0x9600004F */
    /* The store did not happen. */
    assert_int_equal(g->ram[PA_RO + (VA_RO & 0xfff)], 0);
}

static void test_load_from_page_with_access_flag_clear_is_access_flag_fault(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    expect_abort(g, GUEST_EXCEPTIONS_LOAD_X0, CPSR_DAIF | CPSR_EL1H, VA_NO_AF, VEC_CUR_SPX_SYNC,
                 ESR_DABT_CUR | FSC_ACCESS_L3); /* 0x9600000B */
}

static void test_el0_access_to_el1_only_page_is_lower_el_permission_fault(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    set_sysreg(g, HV_SYS_REG_SP_EL0, EL0_STACK);
    expect_abort(g, GUEST_EXCEPTIONS_LOAD_X0, CPSR_EL0T, VA_EL1_ONLY, VEC_LOW64_SYNC,
                 ESR_DABT_LOW | FSC_PERM_L3); /* 0x9200000F */
    expect_abort(g, GUEST_EXCEPTIONS_STORE_X0, CPSR_EL0T, VA_EL1_ONLY, VEC_LOW64_SYNC,
                 ESR_DABT_LOW | ISS_WNR | FSC_PERM_L3); /* 0x9200004F */
}

static void test_fetch_from_unmapped_va_is_current_el_instruction_abort(void **state)
{
    struct guest *g = *state;
    enable_guest_mmu(g);
    uint64_t target = VA_NO_L3 & ~0xfffull;
    set_reg(g, HV_REG_X0, target);
    start_at(g, GUEST_EXCEPTIONS_BRANCH_X0, CPSR_DAIF | CPSR_EL1H);
    struct report r = run_to_vector(g, VEC_CUR_SPX_SYNC);
    assert_int_equal(r.esr, ESR_IABT_CUR | FSC_TRANS_L3); /* 0x86000007 */
    assert_int_equal(r.far, target);
    assert_int_equal(r.elr, target);
}

/* ---- IRQ and FIQ lines ---- */

static void plant_sentinels(struct guest *g)
{
    set_sysreg(g, HV_SYS_REG_ESR_EL1, ESR_SENTINEL);
    set_sysreg(g, HV_SYS_REG_FAR_EL1, FAR_SENTINEL);
    set_sysreg(g, HV_SYS_REG_ELR_EL1, ELR_SENTINEL);
    set_sysreg(g, HV_SYS_REG_SPSR_EL1, SPSR_SENTINEL);
}

static void assert_lines_clear(struct guest *g)
{
    bool irq = true, fiq = true;
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, &irq),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_FIQ, &fiq),
                     HV_SUCCESS);
    assert_false(irq);
    assert_false(fiq);
}

static void set_line(struct guest *g, hv_interrupt_type_t type)
{
    bool pending = false;
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, type, true), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, type, &pending), HV_SUCCESS);
    assert_true(pending);
}

/* The guest ran count_loop to its HVC with the line never taken. */
static void expect_count_loop_untouched(struct guest *g, uint64_t cpsr)
{
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_EXCEPTIONS_COUNT_LOOP + 20);
    assert_int_equal(reg(g, HV_REG_X1), 1000);
    assert_int_equal(reg(g, HV_REG_CPSR) & 0x3ff, cpsr);
    assert_int_equal(sysreg(g, HV_SYS_REG_ESR_EL1), ESR_SENTINEL);
    assert_int_equal(sysreg(g, HV_SYS_REG_ELR_EL1), ELR_SENTINEL);
    assert_int_equal(sysreg(g, HV_SYS_REG_SPSR_EL1), SPSR_SENTINEL);
}

static void test_irq_with_pstate_i_set_is_not_taken(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    set_reg(g, HV_REG_X0, 1000);
    start_at(g, GUEST_EXCEPTIONS_COUNT_LOOP, CPSR_DAIF | CPSR_EL1H);
    set_line(g, HV_INTERRUPT_TYPE_IRQ);
    expect_count_loop_untouched(g, CPSR_DAIF | CPSR_EL1H);
    assert_lines_clear(g);
}

static void test_fiq_with_pstate_f_set_is_not_taken_while_i_is_clear(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    set_reg(g, HV_REG_X0, 1000);
    start_at(g, GUEST_EXCEPTIONS_COUNT_LOOP, (CPSR_DAIF & ~CPSR_I) | CPSR_EL1H);
    set_line(g, HV_INTERRUPT_TYPE_FIQ);
    expect_count_loop_untouched(g, (CPSR_DAIF & ~CPSR_I) | CPSR_EL1H);
    assert_lines_clear(g);
}

static void test_irq_is_taken_at_vector_0x280_once_daifclr_unmasks_it(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    start_at(g, GUEST_EXCEPTIONS_IRQ_WAIT, CPSR_DAIF | CPSR_EL1H);
    set_line(g, HV_INTERRUPT_TYPE_IRQ);
    uint64_t c = icount(g);
    struct report r = run_to_vector(g, VEC_CUR_SPX_IRQ);
    assert_int_equal(icount(g) - c, 1 + VECTOR_INSNS); /* msr daifclr, then the vector */
    /* Taken at the first instruction boundary after the unmasking MSR. */
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_IRQ_SPIN);
    assert_int_equal(reg(g, HV_REG_X9), 0);
    /* SPSR: the state after `msr daifclr, #3` (D and A still set). */
    assert_int_equal(r.spsr, 0x300 | CPSR_EL1H);
    assert_int_equal(reg(g, HV_REG_CPSR), CPSR_DAIF | CPSR_EL1H);
    /* Interrupts are asynchronous: ESR_EL1 and FAR_EL1 are not written. */
    assert_int_equal(r.esr, ESR_SENTINEL);
    assert_int_equal(r.far, FAR_SENTINEL);
    assert_int_equal(r.sp, GUEST_STACK);
    assert_lines_clear(g);
}

static void test_fiq_is_taken_at_vector_0x300_once_f_is_clear(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    start_at(g, GUEST_EXCEPTIONS_IRQ_WAIT, CPSR_DAIF | CPSR_EL1H);
    set_line(g, HV_INTERRUPT_TYPE_FIQ);
    struct report r = run_to_vector(g, VEC_CUR_SPX_FIQ);
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_IRQ_SPIN);
    assert_int_equal(reg(g, HV_REG_X9), 0);
    assert_int_equal(r.spsr, 0x300 | CPSR_EL1H);
    assert_int_equal(r.esr, ESR_SENTINEL);
    assert_int_equal(r.far, FAR_SENTINEL);
    assert_lines_clear(g);
}

static void test_irq_at_el0_is_taken_at_lower_el_vector_0x480_before_any_insn(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    set_sysreg(g, HV_SYS_REG_SP_EL0, EL0_STACK);
    start_at(g, GUEST_EXCEPTIONS_SPIN, CPSR_EL0T);
    set_line(g, HV_INTERRUPT_TYPE_IRQ);
    struct report r = run_to_vector(g, VEC_LOW64_IRQ);
    /* Pending and unmasked on entry: taken before the first instruction. */
    assert_int_equal(r.elr, GUEST_EXCEPTIONS_SPIN);
    assert_int_equal(reg(g, HV_REG_X9), 0);
    assert_int_equal(r.spsr, CPSR_EL0T);
    assert_int_equal(r.esr, ESR_SENTINEL);
    assert_int_equal(r.sp, GUEST_STACK);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), EL0_STACK);
    assert_lines_clear(g);
}

static void test_pending_line_lasts_one_run_only(void **state)
{
    struct guest *g = *state;
    plant_sentinels(g);
    /* First run: line set but masked, the run ends at the HVC. */
    set_reg(g, HV_REG_X0, 1000);
    start_at(g, GUEST_EXCEPTIONS_COUNT_LOOP, CPSR_DAIF | CPSR_EL1H);
    set_line(g, HV_INTERRUPT_TYPE_IRQ);
    expect_count_loop_untouched(g, CPSR_DAIF | CPSR_EL1H);
    /* Second run unmasked without re-asserting: nothing is taken. */
    set_reg(g, HV_REG_X0, 1000);
    set_reg(g, HV_REG_X1, 0);
    start_at(g, GUEST_EXCEPTIONS_COUNT_LOOP, CPSR_EL1H);
    expect_count_loop_untouched(g, CPSR_EL1H);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, guest_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_svc_at_el1h_enters_current_el_spx_vector_with_svc_syndrome),
        T(test_svc_at_el1t_enters_current_el_sp0_vector_on_sp_el1),
        T(test_svc_from_el0_enters_lower_el_vector_and_eret_returns_to_el0),
        T(test_udf_enters_sync_vector_with_unknown_reason_syndrome),
        T(test_brk_without_debug_trap_enters_guest_vector_not_vmm),
        T(test_hvc_at_el0_is_undefined_and_taken_by_the_guest),
        T(test_branch_to_misaligned_pc_is_pc_alignment_fault_with_far),
        T(test_simd_with_fpen_zero_traps_to_guest_with_ec7),
        T(test_simd_with_fpen_enabled_executes),
        T(test_stage1_mapped_pages_translate_through_the_guest_tables),
        T(test_load_without_level3_entry_is_level3_translation_fault),
        T(test_load_without_level2_entry_is_level2_translation_fault),
        T(test_store_to_read_only_page_is_level3_permission_fault_with_wnr),
        T(test_load_from_page_with_access_flag_clear_is_access_flag_fault),
        T(test_el0_access_to_el1_only_page_is_lower_el_permission_fault),
        T(test_fetch_from_unmapped_va_is_current_el_instruction_abort),
        T(test_irq_with_pstate_i_set_is_not_taken),
        T(test_fiq_with_pstate_f_set_is_not_taken_while_i_is_clear),
        T(test_irq_is_taken_at_vector_0x280_once_daifclr_unmasks_it),
        T(test_fiq_is_taken_at_vector_0x300_once_f_is_clear),
        T(test_irq_at_el0_is_taken_at_lower_el_vector_0x480_before_any_insn),
        T(test_pending_line_lasts_one_run_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
