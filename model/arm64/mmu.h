/*
 * AArch64 EL1&0 stage-1 translation table walker.
 *
 * The engine walks the guest's page tables itself but, when an access faults,
 * only says "data abort" or "prefetch abort". A real CPU reports much more in
 * ESR_EL1.{D,I}FSC: the kind of fault (address size, translation, access flag,
 * permission) and the lookup level, and the hypervisor must also tell a
 * stage-1 fault apart from a stage-2 fault taken while fetching a descriptor
 * (ESR_EL2.S1PTW). This walker redoes the translation of one access the way
 * the architecture specifies it and returns that information. It is pure: no
 * engine, no global state; guest memory is reached only through read_desc.
 *
 * Modelled: Armv8.0 VMSAv8-64 (Arm ARM DDI 0487, "The AArch64 Virtual Memory
 * System Architecture", D8 in issue J.a) for the EL1&0 regime, with two VA
 * ranges, 4K/16K/64K granules, 48-bit maximum VA and OA, hierarchical
 * permissions, PAN (FEAT_PAN, Armv8.1) and TBI. Not modelled: FEAT_HAFDBS
 * (AF=0 always faults), FEAT_LPA/LPA2/LVA (no 52-bit), FEAT_HPDS (TCR.HPDx
 * ignored), FEAT_TTST (TxSZ max 39), FEAT_E0PD, FEAT_PAN3 (EPAN), TBID,
 * big-endian walks (SCTLR.EE), memory attributes and alignment faults.
 */
#ifndef HVMODEL_ARM64_MMU_H
#define HVMODEL_ARM64_MMU_H

#include <stdbool.h>
#include <stdint.h>

enum a64_acc { A64_ACC_READ, A64_ACC_WRITE, A64_ACC_FETCH };

struct a64_mmu_ctx {
    uint64_t sctlr; /* SCTLR_EL1: M (bit 0), WXN (bit 19); SPAN, EE, I, C ignored */
    uint64_t tcr;   /* TCR_EL1 */
    uint64_t ttbr0, ttbr1;
    unsigned el;      /* exception level of the access: 0 or 1 (anything else: 1) */
    bool unpriv;      /* LDTR/STTR at EL1: permission checks as for EL0 (ignored for fetches) */
    bool pan;         /* PSTATE.PAN */
    unsigned pa_bits; /* physical (intermediate) address size of the VM, clamped to 32..48 */
    /* Reads the 64-bit little-endian descriptor at guest-physical address pa
     * (8-byte aligned). Returns false when pa is not backed by guest memory
     * (a stage-2 fault on the table walk). */
    bool (*read_desc)(void *opaque, uint64_t pa, uint64_t *val);
    void *opaque;
};

enum a64_walk_status {
    A64_WALK_OK,     /* out->pa valid */
    A64_WALK_FAULT,  /* stage-1 fault: out->fsc, out->level */
    A64_WALK_S2_PTW, /* descriptor fetch hit unbacked IPA: out->ptw_ipa, out->level */
};

struct a64_walk {
    uint64_t pa;
    uint8_t fsc;      /* DFSC/IFSC: 0x00+l address size, 0x04+l translation, 0x08+l access
                         flag, 0x0C+l permission */
    uint8_t level;    /* level of the fault or of the final descriptor (0 with the MMU off) */
    uint64_t ptw_ipa; /* for A64_WALK_S2_PTW: address of the descriptor being fetched */
    /* When OK: readable/writable say whether a load/store made with the same
     * ctx (el, unpriv, pan) would be permitted, executable whether an
     * instruction fetch at ctx->el would be. */
    bool readable, writable, executable;
    uint64_t page_size; /* when OK: bytes mapped by the final descriptor (4K with the MMU off) */
};

/* Fault status code bases; add the level (0..3). Arm ARM ESR_ELx.DFSC. */
#define A64_MMU_FSC_ADDR_SIZE   0x00u
#define A64_MMU_FSC_TRANSLATION 0x04u
#define A64_MMU_FSC_ACCESS_FLAG 0x08u
#define A64_MMU_FSC_PERMISSION  0x0cu

/* SCTLR_EL1 bits the walker reads. */
#define A64_MMU_SCTLR_M   (UINT64_C(1) << 0)
#define A64_MMU_SCTLR_WXN (UINT64_C(1) << 19)

/* TCR_EL1 fields (Armv8.0 layout). */
#define A64_MMU_TCR_T0SZ_SHIFT 0
#define A64_MMU_TCR_EPD0       (UINT64_C(1) << 7)
#define A64_MMU_TCR_TG0_SHIFT  14 /* 0 = 4K, 1 = 64K, 2 = 16K */
#define A64_MMU_TCR_T1SZ_SHIFT 16
#define A64_MMU_TCR_EPD1       (UINT64_C(1) << 23)
#define A64_MMU_TCR_TG1_SHIFT  30 /* 1 = 16K, 2 = 4K, 3 = 64K */
#define A64_MMU_TCR_IPS_SHIFT  32 /* 0..5 = 32, 36, 40, 42, 44, 48 bits */
#define A64_MMU_TCR_TBI0       (UINT64_C(1) << 37)
#define A64_MMU_TCR_TBI1       (UINT64_C(1) << 38)

/* Stage-1 descriptor bits (VMSAv8-64, 64-bit descriptors). */
#define A64_MMU_DESC_VALID           (UINT64_C(1) << 0)
#define A64_MMU_DESC_TABLE           (UINT64_C(1) << 1) /* table (level < 3) or page (level 3) */
#define A64_MMU_DESC_AP_EL0          (UINT64_C(1) << 6) /* AP[1]: EL0 access */
#define A64_MMU_DESC_AP_RO           (UINT64_C(1) << 7) /* AP[2]: read-only */
#define A64_MMU_DESC_AF              (UINT64_C(1) << 10)
#define A64_MMU_DESC_PXN             (UINT64_C(1) << 53)
#define A64_MMU_DESC_UXN             (UINT64_C(1) << 54)
#define A64_MMU_DESC_PXN_TABLE       (UINT64_C(1) << 59)
#define A64_MMU_DESC_UXN_TABLE       (UINT64_C(1) << 60)
#define A64_MMU_DESC_AP_TABLE_NO_EL0 (UINT64_C(1) << 61) /* APTable[0] */
#define A64_MMU_DESC_AP_TABLE_RO     (UINT64_C(1) << 62) /* APTable[1] */

/*
 * Translate va for one access of kind acc under the stage-1 state in c.
 *
 * c:   translation state. With SCTLR_EL1.M = 1 a NULL read_desc makes every
 *      descriptor fetch a stage-2 fault.
 * va:  the virtual address of the access (for loads and stores it may carry a
 *      tag in bits [63:56] when TBI applies).
 * acc: read, write or instruction fetch.
 * out: filled in completely on every return (fields that do not apply are 0).
 *
 * Returns A64_WALK_OK with out->pa and the permissions, A64_WALK_FAULT with
 * the stage-1 fault in out->fsc/out->level, or A64_WALK_S2_PTW when a
 * descriptor lies in IPA space read_desc does not back (out->ptw_ipa, and
 * out->level = the level of the lookup being made). Checks follow the
 * architectural order: VA range and EPD, TTBR and descriptor address size,
 * invalid descriptors, then access flag, then permissions.
 */
enum a64_walk_status a64_mmu_translate(const struct a64_mmu_ctx *c, uint64_t va, enum a64_acc acc,
                                       struct a64_walk *out);

#endif /* HVMODEL_ARM64_MMU_H */
