/*
 * AArch64 EL1&0 stage-1 translation table walker (see mmu.h).
 *
 * References are to the Arm ARM (DDI 0487), chapter "The AArch64 Virtual
 * Memory System Architecture" (chapter D8 in issue J.a), and to its shared
 * pseudocode: AArch64.TranslateAddressS1Off / AArch64.S1DisabledOutput
 * (MMU off), AArch64.TranslationTableWalk / AArch64.S1Walk (the walk),
 * AArch64.CheckS1Permission / AArch64.S1CheckPermissions (permissions),
 * AddrTop (TBI).
 *
 * Choices where the architecture leaves freedom (CONSTRAINED UNPREDICTABLE or
 * IMPLEMENTATION DEFINED) are marked "Choice:".
 */
#include "arm64/mmu.h"

#include <stddef.h>

/* Highest output/input address size without FEAT_LPA/FEAT_LVA. */
#define MMU_MAX_BITS 48u
/* Smallest PARange encoding (ID_AA64MMFR0_EL1.PARange = 0 means 32 bits). */
#define MMU_MIN_PA_BITS 32u
/* TxSZ limits for Armv8.0 (no FEAT_LVA, no FEAT_TTST). */
#define MMU_MIN_TXSZ 16u
#define MMU_MAX_TXSZ 39u

/* Parameters of one walk, derived from TCR_EL1 and the selected TTBR. */
struct mmu_params {
    unsigned gshift;    /* log2(granule): 12, 14 or 16 */
    unsigned stride;    /* VA bits resolved per level: gshift - 3 */
    unsigned inputsize; /* 64 - TxSZ */
    unsigned level;     /* start level */
    unsigned outsize;   /* effective output address size in bits */
    uint64_t ttbr;
};

/* Bits [hi:lo] of x, right-aligned (hi < 64, lo <= hi). */
static uint64_t bits(uint64_t x, unsigned hi, unsigned lo)
{
    uint64_t mask = hi - lo == 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi - lo + 1)) - 1;
    return (x >> lo) & mask;
}

/* Mask selecting bits [hi:lo]. */
static uint64_t mask_range(unsigned hi, unsigned lo)
{
    return bits(~UINT64_C(0), hi - lo, 0) << lo;
}

static void set_fault(struct a64_walk *out, unsigned fsc_base, unsigned level)
{
    out->fsc = (uint8_t)(fsc_base + level);
    out->level = (uint8_t)level;
}

/* Effective PA size the walk checks output addresses against: the smaller of
 * TCR_EL1.IPS and the VM's IPA size (an IPS larger than the implemented
 * PARange behaves as PARange; Arm ARM TCR_EL1.IPS). Choice: the reserved IPS
 * encodings 6 and 7 (52 bits needs FEAT_LPA) behave as 48 bits, which the
 * clamp below turns into the VM's PA size. */
static unsigned mmu_pa_bits(const struct a64_mmu_ctx *c)
{
    unsigned pa = c->pa_bits;
    if (pa > MMU_MAX_BITS)
        pa = MMU_MAX_BITS;
    if (pa < MMU_MIN_PA_BITS)
        pa = MMU_MIN_PA_BITS;
    return pa;
}

static unsigned mmu_ips_bits(unsigned ips)
{
    static const unsigned sizes[8] = {32, 36, 40, 42, 44, 48, 48, 48};
    return sizes[ips & 7];
}

/* Whether the top byte is ignored (AddrTop). Bit 55 picks TBI0 or TBI1 for
 * the EL1&0 regime. Instruction fetches never ignore it: with TBI set a
 * branch already replaces the tag by the sign extension of bit 55
 * (AArch64.BranchAddr), so a fetch address with a non-canonical top byte can
 * only come from a TBI=0 range, and the behaviour matches TCR_EL1.TBIDx=1. */
static bool mmu_tbi(const struct a64_mmu_ctx *c, uint64_t va, enum a64_acc acc)
{
    if (acc == A64_ACC_FETCH)
        return false;
    return (c->tcr & (bits(va, 55, 55) ? A64_MMU_TCR_TBI1 : A64_MMU_TCR_TBI0)) != 0;
}

/* Granule size from TCR_EL1.TG0 or TG1, which use different encodings.
 * Choice: the reserved encodings (TG0 = 3, TG1 = 0) select 4K; the
 * architecture lets an implementation pick any implemented granule. */
static unsigned mmu_granule_shift(uint64_t tcr, bool upper)
{
    if (upper) {
        switch (bits(tcr, A64_MMU_TCR_TG1_SHIFT + 1, A64_MMU_TCR_TG1_SHIFT)) {
        case 1: return 14;
        case 3: return 16;
        default: return 12;
        }
    }
    switch (bits(tcr, A64_MMU_TCR_TG0_SHIFT + 1, A64_MMU_TCR_TG0_SHIFT)) {
    case 1: return 16;
    case 2: return 14;
    default: return 12;
    }
}

/* A block descriptor is allowed at level 1 and 2 with 4K, and only at level 2
 * with 16K and 64K (level-1 blocks for those need FEAT_LPA/LPA2). */
static bool mmu_block_allowed(unsigned gshift, unsigned level)
{
    if (gshift == 12)
        return level == 1 || level == 2;
    return level == 2;
}

/* Output address bits [47:lo] of a descriptor are outside the effective PA
 * size: an Address size fault. Bits [51:48] are RES0 in Armv8.0 and the walk
 * does not read them, as in AArch64.TranslationTableWalk. */
static bool mmu_oa_out_of_range(uint64_t addr, unsigned outsize)
{
    return outsize < MMU_MAX_BITS && bits(addr, MMU_MAX_BITS - 1, outsize) != 0;
}

/*
 * Leaf permission check (Armv8.0 with FEAT_PAN, two VA ranges):
 *   AP[2:1]  EL1   EL0         (AP[2] = read-only, AP[1] = EL0 access)
 *   00       RW    none
 *   01       RW    RW
 *   10       RO    none
 *   11       RO    RO
 * APTable[1] removes write access at every EL, APTable[0] removes EL0 access;
 * they were folded into ap_ro/ap_el0 along the walk. EL1 may not execute
 * from memory EL0 can write. WXN makes memory writable at an EL
 * non-executable at that EL. PAN removes EL1 data access to memory EL0 can
 * access, except for LDTR/STTR (which are checked as EL0) and fetches.
 */
static void mmu_permissions(const struct a64_mmu_ctx *c, bool ap_ro, bool ap_el0, bool uxn,
                            bool pxn, struct a64_walk *out)
{
    bool wxn = (c->sctlr & A64_MMU_SCTLR_WXN) != 0;
    bool pr = true, pw = !ap_ro;
    bool ur = ap_el0, uw = ap_el0 && !ap_ro;
    bool px = !pxn && !uw && !(wxn && pw);
    bool ux = !uxn && !(wxn && uw);
    bool data_el0 = c->el == 0 || c->unpriv;

    if (c->pan && !data_el0 && (ur || uw)) {
        pr = false;
        pw = false;
    }
    out->readable = data_el0 ? ur : pr;
    out->writable = data_el0 ? uw : pw;
    out->executable = c->el == 0 ? ux : px;
}

/* MMU off: VA = PA, every access permitted. VA bits above the PA size (below
 * the tag when TBI applies) give an Address size fault at level 0
 * (AArch64.TranslateAddressS1Off). */
static enum a64_walk_status mmu_flat(const struct a64_mmu_ctx *c, uint64_t va, enum a64_acc acc,
                                     struct a64_walk *out)
{
    unsigned top = mmu_tbi(c, va, acc) ? 55 : 63;
    unsigned pa_bits = mmu_pa_bits(c);

    if (bits(va, top, pa_bits) != 0) {
        set_fault(out, A64_MMU_FSC_ADDR_SIZE, 0);
        return A64_WALK_FAULT;
    }
    out->pa = bits(va, pa_bits - 1, 0);
    out->readable = out->writable = out->executable = true;
    out->page_size = UINT64_C(1) << 12;
    return A64_WALK_OK;
}

/* Select the VA range and derive the walk parameters. Returns false with a
 * Translation fault at level 0 when the VA is outside the selected range or
 * the range's walks are disabled by EPDx (AArch64.TranslationTableWalk and
 * AArch64.S1Translate report level 0 for both). */
static bool mmu_setup(const struct a64_mmu_ctx *c, uint64_t va, enum a64_acc acc,
                      struct mmu_params *p, struct a64_walk *out)
{
    unsigned top = mmu_tbi(c, va, acc) ? 55 : 63;
    bool upper = bits(va, 55, 55) != 0; /* AArch64.GetVARange */
    unsigned sz_shift = upper ? A64_MMU_TCR_T1SZ_SHIFT : A64_MMU_TCR_T0SZ_SHIFT;
    unsigned txsz = (unsigned)bits(c->tcr, sz_shift + 5, sz_shift);
    uint64_t range;
    unsigned levels;

    /* Choice: an out-of-range TxSZ behaves as the nearest limit rather than
     * faulting (both are permitted; Arm ARM TCR_EL1.T0SZ). */
    if (txsz < MMU_MIN_TXSZ)
        txsz = MMU_MIN_TXSZ;
    if (txsz > MMU_MAX_TXSZ)
        txsz = MMU_MAX_TXSZ;
    p->inputsize = 64 - txsz;

    /* Bits [top:inputsize] must all equal bit 55: zeros for TTBR0, ones for
     * TTBR1. */
    range = bits(va, top, p->inputsize);
    if (range != (upper ? bits(~UINT64_C(0), top - p->inputsize, 0) : 0) ||
        (c->tcr & (upper ? A64_MMU_TCR_EPD1 : A64_MMU_TCR_EPD0)) != 0) {
        set_fault(out, A64_MMU_FSC_TRANSLATION, 0);
        return false;
    }

    p->gshift = mmu_granule_shift(c->tcr, upper);
    p->stride = p->gshift - 3;
    /* Levels needed to resolve VA bits [inputsize-1:gshift], the last one
     * being level 3; the first lookup may resolve fewer than stride bits. */
    levels = (p->inputsize - p->gshift + p->stride - 1) / p->stride;
    p->level = 4 - levels;
    p->ttbr = upper ? c->ttbr1 : c->ttbr0;

    p->outsize =
        mmu_ips_bits((unsigned)bits(c->tcr, A64_MMU_TCR_IPS_SHIFT + 2, A64_MMU_TCR_IPS_SHIFT));
    if (p->outsize > mmu_pa_bits(c))
        p->outsize = mmu_pa_bits(c);
    return true;
}

enum a64_walk_status a64_mmu_translate(const struct a64_mmu_ctx *c, uint64_t va, enum a64_acc acc,
                                       struct a64_walk *out)
{
    struct mmu_params p;
    uint64_t table, desc = 0;
    unsigned level, lsb;
    bool ap_ro = false, ap_no_el0 = false, uxn_table = false, pxn_table = false;

    *out = (struct a64_walk){0};
    if ((c->sctlr & A64_MMU_SCTLR_M) == 0)
        return mmu_flat(c, va, acc, out);
    if (!mmu_setup(c, va, acc, &p, out))
        return A64_WALK_FAULT;

    /* TTBR BADDR holds bits [47:x] of the first table, x being the log2 of
     * its size: 3 + bits resolved at the start level. Bits [63:48] are the
     * ASID. A base address beyond the PA size is an Address size fault.
     * That fault is reported at level 0, not the start level: the pseudocode
     * (AArch64.S1Walk, "Address Size Fault by TTB") sets level 0 there.
     * Choice: misaligned BADDR bits below x are treated as zero, one of the
     * CONSTRAINED UNPREDICTABLE options. */
    lsb = 3 + p.inputsize - ((3 - p.level) * p.stride + p.gshift);
    table = p.ttbr & mask_range(MMU_MAX_BITS - 1, lsb);
    if (mmu_oa_out_of_range(table, p.outsize)) {
        set_fault(out, A64_MMU_FSC_ADDR_SIZE, 0);
        return A64_WALK_FAULT;
    }

    for (level = p.level;; level++) {
        unsigned shift = (3 - level) * p.stride + p.gshift; /* lowest VA bit this level resolves */
        unsigned hi = level == p.level ? p.inputsize - 1 : shift + p.stride - 1;
        uint64_t dpa = table | (bits(va, hi, shift) << 3);

        /* The descriptor address is an IPA; if it has no stage-2 mapping the
         * walk stops with a stage-2 fault (S1PTW = 1) at this lookup. */
        if (c->read_desc == NULL || !c->read_desc(c->opaque, dpa, &desc)) {
            out->ptw_ipa = dpa;
            out->level = (uint8_t)level;
            return A64_WALK_S2_PTW;
        }

        /* Invalid; the reserved "block" encoding at level 3; and a block at a
         * level that does not allow one: all Translation faults. */
        if ((desc & A64_MMU_DESC_VALID) == 0 ||
            ((desc & A64_MMU_DESC_TABLE) == 0 && !mmu_block_allowed(p.gshift, level))) {
            set_fault(out, A64_MMU_FSC_TRANSLATION, level);
            return A64_WALK_FAULT;
        }

        if ((desc & A64_MMU_DESC_TABLE) == 0 || level == 3) {
            /* Block or page: output address bits [47:shift]; RES0 bits below
             * a block's boundary are ignored. */
            uint64_t oa = desc & mask_range(MMU_MAX_BITS - 1, shift);
            if (mmu_oa_out_of_range(oa, p.outsize)) {
                set_fault(out, A64_MMU_FSC_ADDR_SIZE, level);
                return A64_WALK_FAULT;
            }
            /* The Access flag is checked before permissions: a page with
             * AF = 0 and no permission gives the Access flag fault. Without
             * FEAT_HAFDBS hardware never sets AF. */
            if ((desc & A64_MMU_DESC_AF) == 0) {
                set_fault(out, A64_MMU_FSC_ACCESS_FLAG, level);
                return A64_WALK_FAULT;
            }
            mmu_permissions(c, ap_ro || (desc & A64_MMU_DESC_AP_RO) != 0,
                            !ap_no_el0 && (desc & A64_MMU_DESC_AP_EL0) != 0,
                            uxn_table || (desc & A64_MMU_DESC_UXN) != 0,
                            pxn_table || (desc & A64_MMU_DESC_PXN) != 0, out);
            out->level = (uint8_t)level;
            if ((acc == A64_ACC_READ && !out->readable) ||
                (acc == A64_ACC_WRITE && !out->writable) ||
                (acc == A64_ACC_FETCH && !out->executable)) {
                set_fault(out, A64_MMU_FSC_PERMISSION, level);
                out->readable = out->writable = out->executable = false;
                return A64_WALK_FAULT;
            }
            out->pa = oa | bits(va, shift - 1, 0);
            out->page_size = UINT64_C(1) << shift;
            return A64_WALK_OK;
        }

        /* Table: next-level table address bits [47:gshift]; its Address size
         * fault is reported at the level of this descriptor. */
        table = desc & mask_range(MMU_MAX_BITS - 1, p.gshift);
        if (mmu_oa_out_of_range(table, p.outsize)) {
            set_fault(out, A64_MMU_FSC_ADDR_SIZE, level);
            return A64_WALK_FAULT;
        }
        /* Hierarchical controls only ever restrict what later levels grant. */
        ap_ro |= (desc & A64_MMU_DESC_AP_TABLE_RO) != 0;
        ap_no_el0 |= (desc & A64_MMU_DESC_AP_TABLE_NO_EL0) != 0;
        uxn_table |= (desc & A64_MMU_DESC_UXN_TABLE) != 0;
        pxn_table |= (desc & A64_MMU_DESC_PXN_TABLE) != 0;
    }
}
