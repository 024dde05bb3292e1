/*
 * A64 load/store decoder: which instruction faulted, where, and what ESR_EL2
 * instruction syndrome the hardware reports for it.
 *
 * Encodings follow the Arm ARM (DDI 0487) C4.1 "A64 instruction set encoding",
 * loads and stores group (op0 = x1x0). Syndrome rules follow D17.2.40 ESR_EL2,
 * "ISS encoding for an exception from a Data Abort" (cited below as D17.2.40 with
 * the field name).
 */
#include "decode.h"

#include <string.h>

/* Field extraction: bits [hi:lo] of v. */
static uint32_t fld(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1u)) - 1u);
}

/* Sign-extends the low `width` bits of v. Done in unsigned arithmetic so the
 * address computations below wrap modulo 2^64 like the hardware's. */
static uint64_t sext(uint64_t v, unsigned width)
{
    uint64_t m = 1ull << (width - 1u);
    v &= (m << 1) - 1u;
    return (v ^ m) - m;
}

/* Register 31 is SP as a base and XZR as a transfer or index register (Arm ARM C1.2,
 * "Register names"). */
static uint64_t base_reg(const struct a64_gprs *r, unsigned n)
{
    return n == 31 ? r->sp : r->x[n];
}

static uint64_t xzr_reg(const struct a64_gprs *r, unsigned n)
{
    return n == 31 ? 0 : r->x[n];
}

enum ldst_index { IDX_OFFSET, IDX_POST, IDX_PRE };

/* Post-index accesses use the old base; pre-index and offset forms the new one.
 * Without writeback the base register keeps its value. */
static void set_address(struct a64_ldst *d, uint64_t base, uint64_t off, enum ldst_index idx)
{
    uint64_t sum = base + off;

    d->va = idx == IDX_POST ? base : sum;
    d->writeback = idx != IDX_OFFSET;
    d->wb_value = d->writeback ? sum : base;
}

/* Transfer type of a general-purpose single-register load/store from size and opc
 * (Arm ARM C4.1, "Load/store register" encoding classes). Returns false for prefetch
 * (size 11, opc 10) and for unallocated combinations. */
static bool gpr_type(unsigned size, unsigned opc, struct a64_ldst *d)
{
    d->sas = (uint8_t)size;
    switch (opc) {
    case 0: /* STR{B,H}, STR Wt/Xt */
    case 1: /* LDR{B,H} zero-extending into Wt, LDR Wt/Xt */
        d->wnr = opc == 0;
        d->sf = size == 3;
        return true;
    case 2: /* LDRS{B,H,W} Xt; size 11 is PRFM */
        if (size == 3)
            return false;
        d->sse = true;
        d->sf = true;
        return true;
    default: /* LDRS{B,H} Wt; sizes 10 and 11 are unallocated */
        if (size >= 2)
            return false;
        d->sse = true;
        d->sf = false;
        return true;
    }
}

/* SIMD&FP single-register transfer: size:opc<1> selects B/H/S/D/Q. */
static bool simd_type(unsigned size, unsigned opc, struct a64_ldst *d)
{
    unsigned scale = size;

    if (opc & 2) {
        if (size != 0)
            return false;
        scale = 4; /* Q register */
    }
    d->simd = true;
    d->sas = (uint8_t)scale;
    d->wnr = (opc & 1) == 0;
    return true;
}

/*
 * Single register: unsigned immediate, 9-bit immediate (unscaled, pre, post,
 * unprivileged) and register offset.
 */
static bool decode_single(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned size = fld(insn, 31, 30), opc = fld(insn, 23, 22);
    bool v = fld(insn, 26, 26);
    uint64_t off;
    enum ldst_index idx = IDX_OFFSET;

    if (!(v ? simd_type(size, opc, d) : gpr_type(size, opc, d)))
        return false;

    if ((insn & 0x3B000000u) == 0x39000000u) {
        off = (uint64_t)fld(insn, 21, 10) << d->sas;
    } else if ((insn & 0x3B200000u) == 0x38000000u) {
        off = sext(fld(insn, 20, 12), 9);
        switch (fld(insn, 11, 10)) {
        case 0: break; /* LDUR/STUR */
        case 1: idx = IDX_POST; break;
        case 2:
            /* LDTR/STTR: no SIMD&FP form. */
            if (v)
                return false;
            d->unpriv = true;
            break;
        default: idx = IDX_PRE; break;
        }
    } else if ((insn & 0x3B200C00u) == 0x38200800u) {
        unsigned option = fld(insn, 15, 13);
        uint64_t rm = xzr_reg(r, fld(insn, 20, 16));

        /* option<1> == 0 (UXTB/UXTH/SXTB/SXTH) is unallocated here. */
        if ((option & 2) == 0)
            return false;
        if (option == 2)
            rm = (uint32_t)rm; /* UXTW */
        else if (option == 6)
            rm = sext(rm, 32); /* SXTW */
        /* option 3 (LSL/UXTX) and 7 (SXTX) use all 64 bits. */
        off = fld(insn, 12, 12) ? rm << d->sas : rm;
    } else {
        return false;
    }

    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rn = (uint8_t)fld(insn, 9, 5);
    d->size = 1u << d->sas;
    set_address(d, base_reg(r, d->rn), off, idx);
    /* D17.2.40, ISV: valid for a single general-purpose register load/store
     * without writeback. The unprivileged LDTR/STTR family is included: it is a
     * single-register access and never writes back (unlike A32 LDRT, which the
     * Arm ARM excludes only because it always writes back). */
    d->isv = !d->simd && !d->writeback;
    return true;
}

/* LDR (literal), LDRSW (literal), LDR St/Dt/Qt (literal). */
static bool decode_literal(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned opc = fld(insn, 31, 30);

    if (fld(insn, 26, 26)) {
        if (opc == 3)
            return false;
        d->simd = true;
        d->sas = (uint8_t)(opc + 2);
    } else if (opc == 3) {
        return false; /* PRFM (literal) */
    } else {
        d->sas = opc == 1 ? 3 : 2;
        d->sse = opc == 2;
        d->sf = opc != 0;
    }
    d->literal = true;
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->size = 1u << d->sas;
    d->va = r->pc + sext((uint64_t)fld(insn, 23, 5) << 2, 21);
    /* A single GPR load without writeback: the AArch64 rule has no PC exclusion
     * (the A32 rule does), so the syndrome is valid. */
    d->isv = !d->simd;
    return true;
}

/* LDP/STP/LDPSW/LDNP/STNP, general-purpose and SIMD&FP. Never ISV (D17.2.40). */
static bool decode_pair(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned opc = fld(insn, 31, 30), mode = fld(insn, 24, 23);
    bool load = fld(insn, 22, 22);
    static const enum ldst_index idx[4] = {IDX_OFFSET, IDX_POST, IDX_OFFSET, IDX_PRE};

    if (opc == 3)
        return false;
    if (fld(insn, 26, 26)) {
        d->simd = true;
        d->sas = (uint8_t)(opc + 2);
    } else if (opc == 1) {
        /* LDPSW; the store slot is STGP (MTE) and the no-allocate slot is unallocated. */
        if (!load || mode == 0)
            return false;
        d->sas = 2;
        d->sse = true;
        d->sf = true;
    } else {
        d->sas = opc == 2 ? 3 : 2;
        d->sf = opc == 2;
    }
    d->pair = true;
    d->wnr = !load;
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rt2 = (uint8_t)fld(insn, 14, 10);
    d->rn = (uint8_t)fld(insn, 9, 5);
    d->size = 2u << d->sas;
    set_address(d, base_reg(r, d->rn), sext(fld(insn, 21, 15), 7) << d->sas, idx[mode]);
    return true;
}

/*
 * Exclusives, load-acquire/store-release (incl. LOAcquire/LORelease) and the
 * LSE compare-and-swap forms, which share the size:001000 space. Rs and Rt2 are
 * should-be-one in several of these; other values are CONSTRAINED UNPREDICTABLE,
 * not UNDEFINED, and an engine may still perform the access, so they are accepted.
 */
static bool decode_excl(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned size = fld(insn, 31, 30);
    bool o2 = fld(insn, 23, 23), load = fld(insn, 22, 22), o1 = fld(insn, 21, 21);
    bool o0 = fld(insn, 15, 15);
    unsigned rt2 = fld(insn, 14, 10);

    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rn = (uint8_t)fld(insn, 9, 5);
    d->rs = (uint8_t)fld(insn, 20, 16);
    d->sas = (uint8_t)size;
    d->sf = size == 3;

    if (!o2 && o1 && size < 2) {
        /* CASP{A,L,AL}: pair of W (size 00) or X (size 01) registers. */
        if (rt2 != 31 || (d->rt & 1) || (d->rs & 1))
            return false;
        d->atomic = d->pair = true;
        d->sas = (uint8_t)(size + 2);
        d->sf = size == 1;
        d->rt2 = (uint8_t)(d->rt + 1);
        d->size = 2u << d->sas;
    } else if (!o2 && o1) {
        /* LDXP/LDAXP/STXP/STLXP: size<0> selects W or X elements. */
        d->exclusive = d->pair = true;
        d->sas = (uint8_t)(size & 1 ? 3 : 2);
        d->sf = size & 1;
        d->rt2 = (uint8_t)rt2;
        d->size = 2u << d->sas;
        d->wnr = !load;
    } else if (!o2) {
        d->exclusive = true; /* LDXR/LDAXR/STXR/STLXR */
        d->size = 1u << size;
        d->wnr = !load;
    } else if (!o1) {
        /* LDAR/STLR (o0 = 1) and LDLAR/STLLR (o0 = 0). A plain single-register access
         * with ordering semantics: ISV = 1 with AR = 1 (D17.2.40, ISV and AR). */
        d->size = 1u << size;
        d->wnr = !load;
        d->ar = true;
        d->isv = true;
    } else {
        if (rt2 != 31)
            return false;
        d->atomic = true; /* CAS{A,L,AL}{B,H} */
        d->size = 1u << size;
    }
    d->ar = d->ar || (o0 && !d->atomic);
    set_address(d, base_reg(r, d->rn), 0, IDX_OFFSET);
    return true;
}

/* LSE atomic memory operations and LDAPR (size:111000:A:R:1:Rs:o3:opc:00). */
static bool decode_atomic(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned size = fld(insn, 31, 30), opc = fld(insn, 14, 12);
    bool o3 = fld(insn, 15, 15), a = fld(insn, 23, 23), rel = fld(insn, 22, 22);

    if (fld(insn, 26, 26))
        return false;
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rn = (uint8_t)fld(insn, 9, 5);
    d->rs = (uint8_t)fld(insn, 20, 16);
    d->sas = (uint8_t)size;
    d->sf = size == 3;
    d->size = 1u << size;

    if (o3 && opc == 4 && a && !rel && d->rs == 31) {
        /* LDAPR (FEAT_LRCPC): a single-register load-acquire, so ISV = 1, AR = 1. */
        d->ar = d->isv = true;
    } else if (!o3 || opc == 0) {
        /* LD<op>/ST<op> and SWP. Read-modify-write: D17.2.40 WnR says WnR is 0
         * when a read of the location would take the reported fault, which is
         * the case for a translation fault on an unmapped IPA. A permission fault
         * that only the write takes must be reported with WnR = 1 by the caller. */
        d->atomic = true;
    } else {
        return false; /* FEAT_LS64 and unallocated */
    }
    set_address(d, base_reg(r, d->rn), 0, IDX_OFFSET);
    return true;
}

/* LDAPUR/STLUR and the sign-extending LDAPURS* (FEAT_LRCPC2): unscaled offset,
 * single register, acquire/release, no writeback: ISV = 1, AR = 1. */
static bool decode_rcpc_unscaled(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    if (!gpr_type(fld(insn, 31, 30), fld(insn, 23, 22), d))
        return false;
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rn = (uint8_t)fld(insn, 9, 5);
    d->size = 1u << d->sas;
    d->ar = d->isv = true;
    set_address(d, base_reg(r, d->rn), sext(fld(insn, 20, 12), 9), IDX_OFFSET);
    return true;
}

/*
 * SIMD&FP structure loads/stores (LD1-LD4, ST1-ST4, LD1R-LD4R), multiple and
 * single structure, with and without post-index. sas is the element size.
 */
static bool decode_simd_struct(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    bool q = fld(insn, 30, 30), load = fld(insn, 22, 22), post = fld(insn, 23, 23);
    bool single = fld(insn, 24, 24);
    unsigned size = fld(insn, 11, 10), rm = fld(insn, 20, 16);

    if (!single) {
        /* Register count per opcode; 0 = unallocated. */
        static const uint8_t nregs[16] = {4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2, 0, 0, 0, 0, 0};
        unsigned opcode = fld(insn, 15, 12), n = nregs[opcode];
        bool ld1 = opcode == 2 || opcode == 6 || opcode == 7 || opcode == 10;

        /* 64-bit elements need Q = 1 unless each register holds its own structure (LD1/ST1). */
        if (n == 0 || (size == 3 && !q && !ld1))
            return false;
        d->sas = (uint8_t)size;
        d->size = n * (q ? 16u : 8u);
    } else {
        unsigned opcode = fld(insn, 15, 13), scale = opcode >> 1;
        unsigned selem = (((opcode & 1) << 1) | fld(insn, 21, 21)) + 1;
        bool s = fld(insn, 12, 12);

        switch (scale) {
        case 0: break;
        case 1:
            if (size & 1)
                return false;
            break;
        case 2:
            if (size & 2 || (size & 1 && s))
                return false;
            if (size & 1)
                scale = 3;
            break;
        default: /* LDnR: load and replicate */
            if (!load || s)
                return false;
            scale = size;
            break;
        }
        d->sas = (uint8_t)scale;
        d->size = selem << scale;
    }
    d->simd = true;
    d->wnr = !load;
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->rn = (uint8_t)fld(insn, 9, 5);
    /* Post-index by the transfer size when Rm is 31, otherwise by Xm. */
    if (post)
        set_address(d, base_reg(r, d->rn), rm == 31 ? d->size : r->x[rm], IDX_POST);
    else
        set_address(d, base_reg(r, d->rn), 0, IDX_OFFSET);
    return true;
}

/*
 * Data-cache (and IC IVAU) maintenance by VA, and DC ZVA: SYS #op1, C7, Cm, #op2, Xt.
 * D17.2.40 CM: set for cache maintenance, and WnR then reads 1. DC ZVA is explicitly
 * not a cache maintenance instruction (CM = 0): it behaves as a store of a whole
 * block, so it reports WnR = 1, CM = 0. Both have ISV = 0.
 */
static bool decode_sys_va(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *d)
{
    unsigned op1 = fld(insn, 18, 16), crm = fld(insn, 11, 8), op2 = fld(insn, 7, 5);
    bool zva = false;

    if (op2 != 1)
        return false;
    if (op1 == 0 && crm == 6) {
        /* DC IVAC */
    } else if (op1 == 3 && crm == 4) {
        zva = true;
    } else if (op1 != 3 || (crm != 5 && (crm < 10 || crm > 14))) {
        return false; /* set/way, MTE tag forms, AT, unallocated */
    }
    /* IC IVAU, DC CVAC, CVAU, CVAP, CVADP, CIVAC fall through. */
    d->rt = (uint8_t)fld(insn, 4, 0);
    d->cm = !zva;
    d->wnr = true;
    /* DC ZVA zeroes the aligned block holding Xt. Maintenance operates on the
     * cache line holding Xt; Apple cores have 64-byte lines, like the ZVA block. */
    d->size = A64_DECODE_DCZVA_BYTES;
    d->va = xzr_reg(r, d->rt) & ~(uint64_t)(A64_DECODE_DCZVA_BYTES - 1u);
    d->wb_value = 0;
    return true;
}

bool a64_decode_ldst(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *out)
{
    struct a64_ldst d;
    bool ok = false;

    if (out == NULL)
        return false;
    memset(out, 0, sizeof(*out));
    if (r == NULL)
        return false;
    memset(&d, 0, sizeof(d));

    if ((insn & 0xFFF8F000u) == 0xD5087000u)
        ok = decode_sys_va(insn, r, &d);
    else if ((insn & 0x0A000000u) != 0x08000000u)
        ok = false; /* not in the loads and stores group */
    else if ((insn & 0xBFBF0000u) == 0x0C000000u || (insn & 0xBFA00000u) == 0x0C800000u ||
             (insn & 0xBF9F0000u) == 0x0D000000u || (insn & 0xBF800000u) == 0x0D800000u)
        ok = decode_simd_struct(insn, r, &d);
    else if ((insn & 0x3F000000u) == 0x08000000u)
        ok = decode_excl(insn, r, &d);
    else if ((insn & 0x3F200C00u) == 0x19000000u)
        ok = decode_rcpc_unscaled(insn, r, &d);
    else if ((insn & 0x3B000000u) == 0x18000000u)
        ok = decode_literal(insn, r, &d);
    else if ((insn & 0x3A000000u) == 0x28000000u)
        ok = decode_pair(insn, r, &d);
    else if ((insn & 0x3F200C00u) == 0x38200000u)
        ok = decode_atomic(insn, r, &d);
    else if ((insn & 0x3B200400u) == 0x38200400u)
        ok = false; /* LDRAA/LDRAB: pointer authentication is not modelled */
    else if ((insn & 0x3A000000u) == 0x38000000u)
        ok = decode_single(insn, r, &d);

    if (ok)
        *out = d;
    return ok;
}

uint32_t a64_ldst_iss(const struct a64_ldst *d)
{
    uint32_t iss = 0;

    if (d == NULL)
        return 0;
    /* D17.2.40: ISS[23:14] are RES0 when ISV is 0. */
    if (d->isv) {
        iss |= 1u << 24;
        iss |= (uint32_t)(d->sas & 3u) << 22;
        iss |= (uint32_t)d->sse << 21;
        iss |= (uint32_t)(d->rt & 31u) << 16;
        iss |= (uint32_t)d->sf << 15;
        iss |= (uint32_t)d->ar << 14;
    }
    if (d->cm)
        iss |= 1u << 8;
    /* WnR reads 1 for any fault on a cache maintenance instruction. */
    if (d->wnr || d->cm)
        iss |= 1u << 6;
    return iss;
}
