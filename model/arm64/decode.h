/*
 * A64 load/store decoder for data-abort syndrome synthesis.
 *
 * When a guest access hits an unmapped or protected IPA, the model reports a
 * data abort whose ESR_EL2 must match what the hardware would produce. The
 * hardware fills the instruction syndrome (ISS[23:14]) only for a small set of
 * instructions; this decoder tells which, computes the syndrome fields and the
 * address the access faults on. It is pure: no engine, no global state.
 */
#ifndef HVMODEL_ARM64_DECODE_H
#define HVMODEL_ARM64_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* The register file the decoder reads: x[0..30]; sp = the stack pointer in use
 * (selected by PSTATE.SP/EL); pc = address of the instruction being decoded
 * (literal loads are PC-relative). Register number 31 means SP as a base
 * register and XZR/WZR as a transfer or offset register. */
struct a64_gprs {
    uint64_t x[31];
    uint64_t sp;
    uint64_t pc;
};

struct a64_ldst {
    uint64_t va;       /* lowest byte accessed (pre-index and offset forms: base + offset;
                          post-index: the base; DC ZVA: base aligned down to the block) */
    uint64_t wb_value; /* value the base register would get with writeback */
    uint32_t size;     /* total bytes accessed (pairs: 2 * element) */
    uint8_t sas;       /* log2 of one register transfer's size (0..4; 4 = 128-bit Q);
                          SIMD&FP structures: the element size; DC: 0 */
    uint8_t rt, rt2, rn;
    uint8_t rs; /* status (STXR) or compare/operand (CAS, LD<op>) register */
    bool wnr;   /* write (store), or CM=1 cache maintenance */
    bool isv;   /* ISS[23:14] is valid for this instruction (Arm ARM rules) */
    bool sse, sf, ar;
    bool pair, writeback, simd, exclusive, atomic, cm, unpriv;
    bool literal; /* PC-relative: no base register, rn and wb_value are 0 */
};

/* Block size written by DC ZVA, in bytes. The model advertises DCZID_EL0.BS = 4
 * (4-byte words, log2), i.e. 64 bytes, and the decoder uses this constant rather
 * than a parameter. */
#define A64_DECODE_DCZVA_BYTES 64u

/* Decodes insn if it is an A64 load/store (any class: single register immediate/unscaled/
 * register-offset/literal, pair, exclusive, acquire/release, LSE atomics, SIMD&FP, DC by VA)
 * and computes the address from r. Returns false for anything else, leaving *out zeroed.
 *
 * Also false (nothing to report, or not modelled): prefetch hints (PRFM/PRFUM, which
 * never take a data abort), pointer-authenticated loads (LDRAA/LDRAB), FEAT_LS64,
 * FEAT_MOPS, SVE/SME and MTE tag-only instructions, DC by set/way, and any unallocated
 * encoding. r and out must not be NULL (false if they are). */
bool a64_decode_ldst(uint32_t insn, const struct a64_gprs *r, struct a64_ldst *out);

/* ISS bits [24:6] of a data abort for this access: ISV, SAS, SSE, SRT, SF, AR (only when isv),
 * CM, WnR. The caller ORs in the DFSC (bits 5:0), S1PTW and EC/IL. */
uint32_t a64_ldst_iss(const struct a64_ldst *d);

#endif /* HVMODEL_ARM64_DECODE_H */
