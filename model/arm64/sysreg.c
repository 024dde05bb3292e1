/*
 * sysreg.c — the system registers of an arm64 vCPU: the VMM's view through
 * hv_vcpu_{get,set}_sys_reg, and the guest's MRS/MSR of the registers the
 * model owns.
 *
 * Every hv_sys_reg_t of the reference is in `sysregs` with how it is backed:
 *  - ENGINE: the engine implements it; get/set go to the engine's register, so
 *    a VMM write really drives the guest (SCTLR, TTBRx, TCR, MAIR, VBAR ...).
 *  - SHADOW: model storage, for registers the engine's CPU lacks or keeps no
 *    value for (debug banks beyond its 6 breakpoints and 4 watchpoints,
 *    MDCCINT, AFSR0/1, AMAIR, pointer-auth keys, SCXTNUM).
 *  - SP0/SP1: the stack pointer banks, live or banked depending on PSTATE.
 *  - model-owned: the virtual timer, MIDR/MPIDR and the ID registers (what a
 *    VMM sets is what the guest reads, as with VPIDR/VMPIDR and the ID traps
 *    of the real hardware), ACTLR_EL1 (only EnTSO, bit 1), pointer-auth keys.
 *  - refused (HV_BAD_ARGUMENT): EL2 registers (the model has no guest EL2),
 *    CNTP_* (need an in-framework GIC), SME state (the model has no SME).
 */
#include <string.h>

#include "arm64.h"
#include "gic.h"

#define E(op0, op1, crn, crm, op2)                                                                 \
    (uint16_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))

enum kind { K_ENGINE, K_SP0, K_SP1, K_CTL, K_CVAL, K_MIDR, K_MPIDR, K_ID, K_SHADOW, K_ACTLR, K_NO };

struct sysreg {
    uint16_t enc;
    uint8_t kind;
    uint8_t arg; /* K_ID: hv_feature_reg_t */
};

/* Debug register n: breakpoints (BVR, BCR) and watchpoints (WVR, WCR). The
 * engine has as many as its ID_AA64DFR0_EL1 says (A72: 6 and 4); the rest
 * live in model storage, decided here rather than by probing the engine,
 * which answers success for registers it does not have. */
#define DBG4(n)                                                                                    \
    {E(2, 0, 0, n, 4), (n) < 6 ? K_ENGINE : K_SHADOW, 0},                                          \
        {E(2, 0, 0, n, 5), (n) < 6 ? K_ENGINE : K_SHADOW, 0},                                      \
        {E(2, 0, 0, n, 6), (n) < 4 ? K_ENGINE : K_SHADOW, 0},                                      \
    {                                                                                              \
        E(2, 0, 0, n, 7), (n) < 4 ? K_ENGINE : K_SHADOW, 0                                         \
    }

/* clang-format off */
static const struct sysreg sysregs[] = {
    DBG4(0), DBG4(1), DBG4(2), DBG4(3), DBG4(4), DBG4(5), DBG4(6), DBG4(7),
    DBG4(8), DBG4(9), DBG4(10), DBG4(11), DBG4(12), DBG4(13), DBG4(14), DBG4(15),
    {E(2, 0, 0, 2, 0), K_SHADOW, 0}, /* MDCCINT_EL1: the engine has no storage for it */
    {E(2, 0, 0, 2, 2), K_ENGINE, 0}, /* MDSCR_EL1 */
    {E(3, 0, 0, 0, 0), K_MIDR, 0},
    {E(3, 0, 0, 0, 5), K_MPIDR, 0},
    {E(3, 0, 0, 4, 0), K_ID, HV_FEATURE_REG_ID_AA64PFR0_EL1},
    {E(3, 0, 0, 4, 1), K_ID, HV_FEATURE_REG_ID_AA64PFR1_EL1},
    {E(3, 0, 0, 4, 4), K_ID, HV_FEATURE_REG_ID_AA64ZFR0_EL1},
    {E(3, 0, 0, 4, 5), K_ID, HV_FEATURE_REG_ID_AA64SMFR0_EL1},
    {E(3, 0, 0, 5, 0), K_ID, HV_FEATURE_REG_ID_AA64DFR0_EL1},
    {E(3, 0, 0, 5, 1), K_ID, HV_FEATURE_REG_ID_AA64DFR1_EL1},
    {E(3, 0, 0, 6, 0), K_ID, HV_FEATURE_REG_ID_AA64ISAR0_EL1},
    {E(3, 0, 0, 6, 1), K_ID, HV_FEATURE_REG_ID_AA64ISAR1_EL1},
    {E(3, 0, 0, 7, 0), K_ID, HV_FEATURE_REG_ID_AA64MMFR0_EL1},
    {E(3, 0, 0, 7, 1), K_ID, HV_FEATURE_REG_ID_AA64MMFR1_EL1},
    {E(3, 0, 0, 7, 2), K_ID, HV_FEATURE_REG_ID_AA64MMFR2_EL1},
    {E(3, 0, 1, 0, 0), K_ENGINE, 0}, /* SCTLR_EL1 */
    {E(3, 0, 1, 0, 1), K_ACTLR, 0},
    {E(3, 0, 1, 0, 2), K_ENGINE, 0}, /* CPACR_EL1 */
    {E(3, 0, 1, 2, 4), K_NO, 0},     /* SMPRI_EL1 */
    {E(3, 0, 1, 2, 6), K_NO, 0},     /* SMCR_EL1 */
    {E(3, 0, 2, 0, 0), K_ENGINE, 0}, /* TTBR0_EL1 */
    {E(3, 0, 2, 0, 1), K_ENGINE, 0}, /* TTBR1_EL1 */
    {E(3, 0, 2, 0, 2), K_ENGINE, 0}, /* TCR_EL1 */
    {E(3, 0, 2, 1, 0), K_SHADOW, 0}, /* APIAKEYLO_EL1 .. APGAKEYHI_EL1 */
    {E(3, 0, 2, 1, 1), K_SHADOW, 0},
    {E(3, 0, 2, 1, 2), K_SHADOW, 0},
    {E(3, 0, 2, 1, 3), K_SHADOW, 0},
    {E(3, 0, 2, 2, 0), K_SHADOW, 0},
    {E(3, 0, 2, 2, 1), K_SHADOW, 0},
    {E(3, 0, 2, 2, 2), K_SHADOW, 0},
    {E(3, 0, 2, 2, 3), K_SHADOW, 0},
    {E(3, 0, 2, 3, 0), K_SHADOW, 0},
    {E(3, 0, 2, 3, 1), K_SHADOW, 0},
    {E(3, 0, 4, 0, 0), K_ENGINE, 0}, /* SPSR_EL1 */
    {E(3, 0, 4, 0, 1), K_ENGINE, 0}, /* ELR_EL1 */
    {E(3, 0, 4, 1, 0), K_SP0, 0},    /* SP_EL0 */
    {E(3, 0, 5, 1, 0), K_SHADOW, 0}, /* AFSR0_EL1: constant 0 in the engine */
    {E(3, 0, 5, 1, 1), K_SHADOW, 0}, /* AFSR1_EL1 */
    {E(3, 0, 5, 2, 0), K_ENGINE, 0}, /* ESR_EL1 */
    {E(3, 0, 6, 0, 0), K_ENGINE, 0}, /* FAR_EL1 */
    {E(3, 0, 7, 4, 0), K_ENGINE, 0}, /* PAR_EL1 */
    {E(3, 0, 10, 2, 0), K_ENGINE, 0}, /* MAIR_EL1 */
    {E(3, 0, 10, 3, 0), K_SHADOW, 0}, /* AMAIR_EL1: constant 0 in the engine */
    {E(3, 0, 12, 0, 0), K_ENGINE, 0}, /* VBAR_EL1 */
    {E(3, 0, 13, 0, 1), K_ENGINE, 0}, /* CONTEXTIDR_EL1 */
    {E(3, 0, 13, 0, 4), K_ENGINE, 0}, /* TPIDR_EL1 */
    {E(3, 0, 13, 0, 7), K_SHADOW, 0}, /* SCXTNUM_EL1 */
    {E(3, 0, 14, 1, 0), K_ENGINE, 0}, /* CNTKCTL_EL1 */
    {E(3, 2, 0, 0, 0), K_ENGINE, 0},  /* CSSELR_EL1 */
    {E(3, 3, 13, 0, 2), K_ENGINE, 0}, /* TPIDR_EL0 */
    {E(3, 3, 13, 0, 3), K_ENGINE, 0}, /* TPIDRRO_EL0 */
    {E(3, 3, 13, 0, 5), K_NO, 0},     /* TPIDR2_EL0 (SME) */
    {E(3, 3, 13, 0, 7), K_SHADOW, 0}, /* SCXTNUM_EL0 */
    {E(3, 3, 14, 3, 1), K_CTL, 0},    /* CNTV_CTL_EL0 */
    {E(3, 3, 14, 3, 2), K_CVAL, 0},   /* CNTV_CVAL_EL0 */
    {E(3, 4, 4, 1, 0), K_SP1, 0},     /* SP_EL1 */
    {E(3, 3, 14, 2, 1), K_NO, 0},     /* CNTP_CTL_EL0: GIC only */
    {E(3, 3, 14, 2, 2), K_NO, 0},     /* CNTP_CVAL_EL0 */
    {E(3, 3, 14, 2, 0), K_NO, 0},     /* CNTP_TVAL_EL0 */
    {E(3, 4, 14, 1, 0), K_NO, 0},     /* CNTHCTL_EL2 and the other EL2 registers */
    {E(3, 4, 14, 2, 1), K_NO, 0},     {E(3, 4, 14, 2, 2), K_NO, 0},
    {E(3, 4, 14, 2, 0), K_NO, 0},     {E(3, 4, 14, 0, 3), K_NO, 0},
    {E(3, 4, 1, 1, 2), K_NO, 0},      {E(3, 4, 4, 0, 1), K_NO, 0},
    {E(3, 4, 5, 2, 0), K_NO, 0},      {E(3, 4, 6, 0, 0), K_NO, 0},
    {E(3, 4, 1, 1, 0), K_NO, 0},      {E(3, 4, 6, 0, 4), K_NO, 0},
    {E(3, 4, 10, 2, 0), K_NO, 0},     {E(3, 4, 1, 1, 1), K_NO, 0},
    {E(3, 4, 1, 0, 0), K_NO, 0},      {E(3, 4, 4, 0, 0), K_NO, 0},
    {E(3, 6, 4, 1, 0), K_NO, 0},      {E(3, 4, 2, 0, 2), K_NO, 0},
    {E(3, 4, 13, 0, 2), K_NO, 0},     {E(3, 4, 2, 0, 0), K_NO, 0},
    {E(3, 4, 2, 0, 1), K_NO, 0},      {E(3, 4, 12, 0, 0), K_NO, 0},
    {E(3, 4, 0, 0, 5), K_NO, 0},      {E(3, 4, 0, 0, 0), K_NO, 0},
    {E(3, 4, 2, 1, 2), K_NO, 0},      {E(3, 4, 2, 1, 0), K_NO, 0},
};
/* clang-format on */

#define NSYSREGS (sizeof(sysregs) / sizeof(sysregs[0]))

/* Model storage, one slot per table entry (ENGINE entries the engine lacks
 * and SHADOW entries). Kept per vCPU in a64_vcpu.shadow. */
_Static_assert(sizeof(((struct a64_vcpu *)0)->shadow) / sizeof(uint64_t) >= NSYSREGS,
               "shadow storage covers the sysreg table");

static int sysreg_index(uint16_t enc)
{
    for (size_t i = 0; i < NSYSREGS; i++)
        if (sysregs[i].enc == enc)
            return (int)i;
    return -1;
}

/* ---- feature registers: the engine CPU's, adjusted to what a guest of the
 * model can use (AArch64-only EL0/EL1, no EL2/EL3, PARange of the VM). ---- */

static struct {
    pthread_once_t once;
    bool ok;
    uint64_t feat[HV_FEATURE_REG_ID_AA64ZFR0_EL1 + 1];
    uint64_t ccsidr[2][8];
} probe = {.once = PTHREAD_ONCE_INIT};

static const uint16_t feature_enc[] = {
    [HV_FEATURE_REG_ID_AA64DFR0_EL1] = E(3, 0, 0, 5, 0),
    [HV_FEATURE_REG_ID_AA64DFR1_EL1] = E(3, 0, 0, 5, 1),
    [HV_FEATURE_REG_ID_AA64ISAR0_EL1] = E(3, 0, 0, 6, 0),
    [HV_FEATURE_REG_ID_AA64ISAR1_EL1] = E(3, 0, 0, 6, 1),
    [HV_FEATURE_REG_ID_AA64MMFR0_EL1] = E(3, 0, 0, 7, 0),
    [HV_FEATURE_REG_ID_AA64MMFR1_EL1] = E(3, 0, 0, 7, 1),
    [HV_FEATURE_REG_ID_AA64MMFR2_EL1] = E(3, 0, 0, 7, 2),
    [HV_FEATURE_REG_ID_AA64PFR0_EL1] = E(3, 0, 0, 4, 0),
    [HV_FEATURE_REG_ID_AA64PFR1_EL1] = E(3, 0, 0, 4, 1),
    [HV_FEATURE_REG_CTR_EL0] = E(3, 3, 0, 0, 1),
    [HV_FEATURE_REG_CLIDR_EL1] = E(3, 1, 0, 0, 1),
    [HV_FEATURE_REG_DCZID_EL0] = E(3, 3, 0, 0, 7),
    [HV_FEATURE_REG_ID_AA64SMFR0_EL1] = E(3, 0, 0, 4, 5),
    [HV_FEATURE_REG_ID_AA64ZFR0_EL1] = E(3, 0, 0, 4, 4),
};

static bool engine_cp(uc_engine *uc, uint16_t enc, uint64_t *val, bool write)
{
    uc_arm64_cp_reg r = {.crn = (enc >> 7) & 15,
                         .crm = (enc >> 3) & 15,
                         .op0 = enc >> 14,
                         .op1 = (enc >> 11) & 7,
                         .op2 = enc & 7,
                         .val = write ? *val : 0};
    if (write)
        return uc_reg_write(uc, UC_ARM64_REG_CP_REG, &r) == UC_ERR_OK;
    if (uc_reg_read(uc, UC_ARM64_REG_CP_REG, &r) != UC_ERR_OK)
        return false;
    *val = r.val;
    return true;
}

/* PARange encoding for an IPA size (Arm ARM D17.2.64 ID_AA64MMFR0_EL1). */
static uint64_t parange_for(unsigned ipa_bits)
{
    static const unsigned bits[] = {32, 36, 40, 42, 44, 48, 52};
    for (unsigned i = 0; i < 7; i++)
        if (ipa_bits <= bits[i])
            return i;
    return 6;
}

static void probe_engine(void)
{
    uc_engine *uc;
    if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc) != UC_ERR_OK)
        return;
    uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_A72);
    for (unsigned i = 0; i <= HV_FEATURE_REG_ID_AA64ZFR0_EL1; i++)
        if (!engine_cp(uc, feature_enc[i], &probe.feat[i], false))
            probe.feat[i] = 0;
    /* Each cache level's geometry, selected through CSSELR_EL1. */
    for (unsigned type = 0; type < 2; type++) {
        for (unsigned level = 0; level < 7; level++) {
            uint64_t sel = (uint64_t)(level << 1 | type), val = 0;
            unsigned ctype = (probe.feat[HV_FEATURE_REG_CLIDR_EL1] >> (3 * level)) & 7;
            bool present = type == HV_CACHE_TYPE_DATA ? (ctype >= 2) : (ctype == 1 || ctype == 3);
            if (present && engine_cp(uc, E(3, 2, 0, 0, 0), &sel, true) &&
                engine_cp(uc, E(3, 1, 0, 0, 0), &val, false))
                probe.ccsidr[type][level] = val;
        }
    }
    uc_close(uc);
    /* AArch64-only EL0 and EL1, no EL2 or EL3, FP/AdvSIMD as the engine. */
    uint64_t *pfr0 = &probe.feat[HV_FEATURE_REG_ID_AA64PFR0_EL1];
    *pfr0 = (*pfr0 & ~0xffffull) | 0x11;
    uint64_t *mmfr0 = &probe.feat[HV_FEATURE_REG_ID_AA64MMFR0_EL1];
    *mmfr0 = (*mmfr0 & ~0xfull) | parange_for(36);
    probe.ok = true;
}

bool a64_feature_reg(hv_feature_reg_t reg, uint64_t *value)
{
    if (reg > HV_FEATURE_REG_ID_AA64ZFR0_EL1)
        return false;
    pthread_once(&probe.once, probe_engine);
    if (!probe.ok)
        return false;
    *value = probe.feat[reg];
    return true;
}

bool a64_ccsidr_values(hv_cache_type_t type, uint64_t values[8])
{
    if (type > HV_CACHE_TYPE_INSTRUCTION)
        return false;
    pthread_once(&probe.once, probe_engine);
    if (!probe.ok)
        return false;
    memcpy(values, probe.ccsidr[type], sizeof(probe.ccsidr[type]));
    return true;
}

void a64_sysreg_reset(struct a64_vcpu *v)
{
    for (unsigned i = 0; i <= HV_FEATURE_REG_ID_AA64ZFR0_EL1; i++)
        a64_feature_reg(i, &v->id[i]);
    uint64_t *mmfr0 = &v->id[HV_FEATURE_REG_ID_AA64MMFR0_EL1];
    *mmfr0 = (*mmfr0 & ~0xfull) | parange_for(v->base.vm->params.ipa_bits);
    /* MIDR as the engine's CPU; MPIDR: RES1 bit 31, Aff0 = vCPU id. */
    uint64_t midr = 0;
    a64_cp_read(v, E(3, 0, 0, 0, 0), &midr);
    v->midr = midr;
    v->mpidr = 0x80000000ull | v->base.id;
}

/* ---- VMM access ---- */

hv_return_t a64_get_sys_reg(struct a64_vcpu *v, hv_sys_reg_t reg, uint64_t *value)
{
    int i = sysreg_index(reg);
    if (i < 0 || !value)
        return HV_BAD_ARGUMENT;
    switch (sysregs[i].kind) {
    case K_ENGINE: return a64_cp_read(v, reg, value) ? HV_SUCCESS : HV_ERROR;
    case K_SP0: *value = a64_sp_bank(v, 0); return HV_SUCCESS;
    case K_SP1: *value = a64_sp_bank(v, 1); return HV_SUCCESS;
    case K_CTL: *value = v->cntv_ctl | (a64_vtimer_istatus(v) ? 4u : 0u); return HV_SUCCESS;
    case K_CVAL: *value = v->cntv_cval; return HV_SUCCESS;
    case K_MIDR: *value = v->midr; return HV_SUCCESS;
    case K_MPIDR: *value = v->mpidr; return HV_SUCCESS;
    case K_ID: *value = v->id[sysregs[i].arg]; return HV_SUCCESS;
    case K_SHADOW:
    case K_ACTLR: *value = v->shadow[i]; return HV_SUCCESS;
    default: return HV_BAD_ARGUMENT;
    }
}

hv_return_t a64_set_sys_reg(struct a64_vcpu *v, hv_sys_reg_t reg, uint64_t value)
{
    int i = sysreg_index(reg);
    if (i < 0)
        return HV_BAD_ARGUMENT;
    switch (sysregs[i].kind) {
    case K_ENGINE:
        if (reg == HV_SYS_REG_CPACR_EL1)
            v->cpacr = value; /* mirrored for the SIMD&FP trap (fp.c) */
        else if (reg == HV_SYS_REG_TTBR0_EL1)
            v->ttbr0 = value;
        return a64_cp_write(v, reg, value) ? HV_SUCCESS : HV_ERROR;
    case K_SP0: a64_set_sp_bank(v, 0, value); return HV_SUCCESS;
    case K_SP1: a64_set_sp_bank(v, 1, value); return HV_SUCCESS;
    case K_CTL:
        v->cntv_ctl = value & 3; /* ENABLE, IMASK; ISTATUS is read-only */
        a64_vtimer_update(v);
        return HV_SUCCESS;
    case K_CVAL:
        v->cntv_cval = value;
        a64_vtimer_update(v);
        return HV_SUCCESS;
    case K_MIDR: v->midr = value; return HV_SUCCESS;
    case K_MPIDR:
        v->mpidr = value;
        if (v->gic) /* the redistributor reports the affinity; SGIs and SPIs route by it */
            gic_set_mpidr(v->gic, v->base.id, value);
        return HV_SUCCESS;
    case K_ID: v->id[sysregs[i].arg] = value; return HV_SUCCESS;
    case K_SHADOW: v->shadow[i] = value; return HV_SUCCESS;
    case K_ACTLR: v->shadow[i] = value & 2; return HV_SUCCESS;
    default: return HV_BAD_ARGUMENT;
    }
}

/* ---- guest access ---- */

/* Allocated registers of the ID space (op0 3, op1 0, CRn 0, CRm 1..7) for the
 * architecture the model presents; every other encoding there traps to the
 * VMM as on the real framework (HCR_EL2.TID3). Bit n of row CRm = op2 n. */
static const uint8_t id_allocated[8] = {
    [1] = 0xff, /* ID_PFR0 .. ID_MMFR3 */
    [2] = 0x3f, /* ID_ISAR0 .. ID_ISAR5 */
    [3] = 0x07, /* MVFR0 .. MVFR2 */
    [4] = 0x33, /* ID_AA64PFR0/1, ZFR0, SMFR0 */
    [5] = 0x33, /* ID_AA64DFR0/1, AFR0/1 */
    [6] = 0x03, /* ID_AA64ISAR0/1 */
    [7] = 0x07, /* ID_AA64MMFR0/1/2 */
};

static bool guest_read(struct a64_vcpu *v, uint16_t enc, uint64_t *val)
{
    unsigned el = PSTATE_EL(a64_pstate(v));
    switch (enc) {
    case E(3, 3, 14, 0, 2): /* CNTVCT_EL0 */ *val = a64_cntvct(v); return true;
    case E(3, 3, 14, 0, 0): /* CNTFRQ_EL0 */ *val = HVM_CLOCK_HZ; return true;
    case E(3, 3, 0, 0, 7): /* DCZID_EL0: the engine would show DZP=1 under HCR_EL2.TDZ */
        *val = v->id[HV_FEATURE_REG_DCZID_EL0];
        return true;
    case E(3, 3, 14, 3, 1): /* CNTV_CTL_EL0 */
        *val = v->cntv_ctl | (a64_vtimer_istatus(v) ? 4u : 0u);
        return true;
    case E(3, 3, 14, 3, 2): /* CNTV_CVAL_EL0 */ *val = v->cntv_cval; return true;
    case E(3, 3, 14, 3, 0): /* CNTV_TVAL_EL0: CVAL - CNTVCT, 32-bit signed */
        *val = (uint32_t)(v->cntv_cval - a64_cntvct(v));
        return true;
    }
    if (el == 0)
        return false; /* EL0 access to EL1 state: the engine decides */
    if (enc == E(3, 0, 0, 0, 0)) {
        *val = v->midr;
        return true;
    }
    if (enc == E(3, 0, 0, 0, 5)) {
        *val = v->mpidr;
        return true;
    }
    if ((enc & 0xff80) == E(3, 0, 0, 0, 0)) { /* ID space: op0 3, op1 0, CRn 0 */
        unsigned crm = (enc >> 3) & 15, op2 = enc & 7;
        if (crm == 0 || crm > 7 || !(id_allocated[crm] & (1u << op2)))
            return false; /* unallocated: the engine traps it to the VMM */
        int i = sysreg_index(enc);
        if (i >= 0 && sysregs[i].kind == K_ID) {
            *val = v->id[sysregs[i].arg];
            return true;
        }
        if (!a64_cp_read(v, enc, val))
            *val = 0;
        return true;
    }
    return false;
}

static bool guest_write(struct a64_vcpu *v, uint16_t enc, uint64_t val)
{
    switch (enc) {
    case E(3, 3, 14, 3, 1): /* CNTV_CTL_EL0 */ v->cntv_ctl = val & 3; break;
    case E(3, 3, 14, 3, 2): /* CNTV_CVAL_EL0 */ v->cntv_cval = val; break;
    case E(3, 3, 14, 3, 0): /* CNTV_TVAL_EL0: CVAL = CNTVCT + SignExtend(TVAL) */
        v->cntv_cval = a64_cntvct(v) + (uint64_t)(int64_t)(int32_t)val;
        break;
    default: return false;
    }
    a64_vtimer_update(v);
    return true;
}

bool a64_sysreg_guest_access(struct a64_vcpu *v, uint16_t enc, bool read, unsigned rt)
{
    /* With a GIC its CPU interface (ICC_*_EL1) is served here at EL1; without
     * one, or from EL0, the engine traps or rejects them as before. */
    if (v->gic && PSTATE_EL(a64_pstate(v)) == 1) {
        uint64_t val = read || rt == 31 ? 0 : a64_xreg(v, rt);
        if (gic_cpuif_access(v, enc, read, &val)) {
            if (read)
                a64_set_xreg(v, rt, val);
            /* The engine's CPU has no ICC_* registers: for an encoding it
             * lacks, its skip path ends the block with PC still on the
             * instruction, so the model moves past it (the engine restarts
             * there; the block hook credits the instruction). */
            a64_set_pc(v, a64_pc(v) + 4);
            return true;
        }
    }
    /* EL0 may reach the virtual counter and timer only as CNTKCTL_EL1 allows
     * (EL0VCTEN bit 1, EL0VTEN bit 8); otherwise the engine raises the trap. */
    if ((enc >> 3) == (E(3, 3, 14, 0, 0) >> 3) || (enc >> 3) == (E(3, 3, 14, 3, 0) >> 3)) {
        if (PSTATE_EL(a64_pstate(v)) == 0) {
            uint64_t kctl = 0;
            a64_cp_read(v, E(3, 0, 14, 1, 0), &kctl);
            bool counter = (enc >> 3) == (E(3, 3, 14, 0, 0) >> 3);
            uint64_t need = !counter ? 0x100u : enc == E(3, 3, 14, 0, 0) ? 3u : 2u;
            if (!(kctl & need))
                return false;
        }
    }
    if (read) {
        uint64_t val;
        if (!guest_read(v, enc, &val))
            return false;
        a64_set_xreg(v, rt, val);
        return true;
    }
    return guest_write(v, enc, rt == 31 ? 0 : a64_xreg(v, rt));
}

void a64_update_debug_traps(struct a64_vcpu *v)
{
    /* MDCR_EL2: TPM (6) PMU, TDOSA (10) OS lock, TDA (9) debug registers. */
    uint64_t mdcr = (1u << 6) | (1u << 10) | (v->trap_debug_reg_accesses ? (1u << 9) : 0);
    a64_cp_write(v, E(3, 4, 1, 1, 1), mdcr);
}
