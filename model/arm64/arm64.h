/*
 * arm64.h — the arm64 flavour's vCPU and the functions its files share.
 *
 * Engine set-up (vcpu.c): one Unicorn AArch64 engine per vCPU, Cortex-A72
 * model, guest at EL1 non-secure with EL2 present. The model programs the
 * emulated CPU's own EL2 trap controls the way the real framework programs
 * the hardware (HCR_EL2.TSC/TWI/TID3, MDCR_EL2.TPM/TDOSA/TDA, CNTHCTL_EL2),
 * so the engine itself stops at exactly the instructions that exit to the VMM
 * and reports them through UC_HOOK_INTR with PC at the instruction.
 */
#ifndef HVMODEL_ARM64_H
#define HVMODEL_ARM64_H

#include "hvm.h"

/* What the hooks left for the run loop when the engine returned. */
enum a64_pending {
    A64_PEND_NONE,  /* the engine stopped on its own (WFI halt, error) */
    A64_PEND_EXIT,  /* an exit record is ready in v->exit */
    A64_PEND_CHECK, /* the block hook stopped: re-check cancel, timer, memory */
    A64_PEND_GUEST, /* a hook asked for a guest exception (v->gexc) the run loop takes */
    A64_PEND_FP,    /* plant a one-shot code hook at fp.addr (SIMD&FP access trap) */
    A64_PEND_MMIO,  /* a GIC register access at pc for the run loop to perform */
};

struct a64_vcpu {
    struct hvm_vcpu base; /* first: the core sees a struct hvm_vcpu */
    hv_vcpu_exit_t exit;  /* the record hv_vcpu_create hands to the VMM */

    /* Block accounting: the block whose hook ran last started at blk_pc and,
     * if it runs to its end, retires blk_len instructions. */
    uint64_t blk_pc;
    uint32_t blk_len;
    enum a64_pending pend;
    /* The PC of the access a memory hook stopped the engine at. The engine
     * can leave an older PC behind after such a stop (exit.c, fault_pc), so
     * the run loop puts this one back before it acts on `pend`. */
    uint64_t fault_pc;
    bool fault_pc_set;
    struct {
        uint64_t esr, far, elr;
        bool far_valid;
    } gexc;

    /* Interrupt lines set by hv_vcpu_set_pending_interrupt for one run. */
    bool irq_line, fiq_line;

    /* The VM's in-framework GIC (created before any vCPU), or NULL; the
     * access to one of its frames the run loop completes (A64_PEND_MMIO). */
    struct gic *gic;
    struct {
        uint64_t ipa, wb_value;
        uint8_t rt, rn, size;
        bool write, sse, sf, writeback;
    } mmio;

    /* Virtual timer (the engine drops CNTV_* writes, so the model owns it). */
    uint64_t cntv_ctl, cntv_cval, vtimer_offset;
    bool vtimer_masked;
    uint64_t vtimer_deadline; /* icount at which the timer condition holds */

    bool trap_debug_exceptions, trap_debug_reg_accesses;

    /* SIMD&FP access traps (CPACR_EL1.FPEN), which the engine never raises:
     * cpacr mirrors the engine's register; see fp.c. */
    uint64_t cpacr;
    uint64_t ttbr0; /* mirrors TTBR0_EL1 too: the scan cache's address-space key */
    struct {
        uc_hook hook;
        uint64_t addr, block, block_size;
        bool armed;
        /* Blocks already scanned and free of SIMD&FP instructions: start
         * address | 1 and the TTBR0_EL1 (address space) they were seen in,
         * direct-mapped; cleared when translations are dropped. */
        uint64_t clean[256], clean_ttbr0[256];
    } fp;

    /* Model-owned system registers (sysreg.c). */
    uint64_t midr, mpidr;
    uint64_t id[HV_FEATURE_REG_ID_AA64ZFR0_EL1 + 1]; /* by hv_feature_reg_t */
    uint64_t shadow[160];                            /* by sysreg table index */
};

static inline struct a64_vcpu *a64(struct hvm_vcpu *v)
{
    return (struct a64_vcpu *)v;
}

extern const struct hvm_arch_ops a64_ops;

/* PSTATE fields (Arm ARM C5.2.18, SPSR_EL1 layout). */
#define PSTATE_M_MASK 0xfu
#define PSTATE_SP     (1u << 0)
#define PSTATE_F      (1u << 6)
#define PSTATE_I      (1u << 7)
#define PSTATE_A      (1u << 8)
#define PSTATE_D      (1u << 9)
#define PSTATE_DAIF   (PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)
#define PSTATE_IL     (1u << 20)
#define PSTATE_SS     (1u << 21)
#define PSTATE_NZCV   0xf0000000u
#define PSTATE_EL(p)  (((p) >> 2) & 3u)

/* ESR exception classes (Arm ARM D17.2.37). */
#define EC_UNKNOWN   0x00u
#define EC_WFX       0x01u
#define EC_FP_ACCESS 0x07u
#define EC_SVC64     0x15u
#define EC_HVC64     0x16u
#define EC_SMC64     0x17u
#define EC_SYSREG    0x18u
#define EC_IABT_LOW  0x20u
#define EC_IABT_CUR  0x21u
#define EC_PC_ALIGN  0x22u
#define EC_DABT_LOW  0x24u
#define EC_DABT_CUR  0x25u
#define EC_BRK       0x3cu
#define ESR_IL       (1u << 25)
#define ESR(ec, iss) (((uint64_t)(ec) << 26) | ESR_IL | (uint64_t)(iss))

/* ---- regs.c: registers through the engine ---- */
uint64_t a64_pc(struct a64_vcpu *v);
void a64_set_pc(struct a64_vcpu *v, uint64_t pc);
uint32_t a64_pstate(struct a64_vcpu *v);
/* Writes PSTATE as the VMM or an exception entry would: the live SP moves to
 * the bank the new mode selects, and the engine's cached flags are rebuilt. */
void a64_set_pstate(struct a64_vcpu *v, uint32_t pstate);
uint64_t a64_xreg(struct a64_vcpu *v, unsigned n); /* n = 31: XZR */
void a64_set_xreg(struct a64_vcpu *v, unsigned n, uint64_t val);
bool a64_cp_read(struct a64_vcpu *v, uint16_t enc, uint64_t *val);
bool a64_cp_write(struct a64_vcpu *v, uint16_t enc, uint64_t val);
uint64_t a64_sp_bank(struct a64_vcpu *v, unsigned el);
void a64_set_sp_bank(struct a64_vcpu *v, unsigned el, uint64_t val);
/* Reads the instruction at the guest virtual address pc (false if unmapped). */
bool a64_fetch_insn(struct a64_vcpu *v, uint64_t pc, uint32_t *insn);
hv_return_t a64_get_reg(struct a64_vcpu *v, hv_reg_t reg, uint64_t *value);
hv_return_t a64_set_reg(struct a64_vcpu *v, hv_reg_t reg, uint64_t value);
hv_return_t a64_get_simd(struct a64_vcpu *v, hv_simd_fp_reg_t reg, hv_simd_fp_uchar16_t *value);
hv_return_t a64_set_simd(struct a64_vcpu *v, hv_simd_fp_reg_t reg, hv_simd_fp_uchar16_t value);

/* ---- sysreg.c: the system register model ---- */
hv_return_t a64_get_sys_reg(struct a64_vcpu *v, hv_sys_reg_t reg, uint64_t *value);
hv_return_t a64_set_sys_reg(struct a64_vcpu *v, hv_sys_reg_t reg, uint64_t value);
/* Serves a guest MRS/MSR the model owns. Returns true when handled (the
 * engine must skip the instruction), false to let the engine execute it. */
bool a64_sysreg_guest_access(struct a64_vcpu *v, uint16_t enc, bool read, unsigned rt);

/* Initial values of the model-owned registers for a vCPU. */
void a64_sysreg_reset(struct a64_vcpu *v);
/* Feature register value presented to guests (hv_vcpu_config_get_feature_reg). */
bool a64_feature_reg(hv_feature_reg_t reg, uint64_t *value);
bool a64_ccsidr_values(hv_cache_type_t type, uint64_t values[8]);
/* Re-programs MDCR_EL2 after the debug trap settings changed. */
void a64_update_debug_traps(struct a64_vcpu *v);

/* ---- timer.c: the virtual timer ---- */
uint64_t a64_cntvct(struct a64_vcpu *v);
bool a64_vtimer_istatus(struct a64_vcpu *v); /* CNTV_CTL.ISTATUS */
bool a64_vtimer_line(struct a64_vcpu *v);    /* ISTATUS and not IMASK */
/* Recomputes the icount deadline after CTL/CVAL/offset/mask changes. */
void a64_vtimer_update(struct a64_vcpu *v);

/* ---- except.c: exceptions taken inside the guest ---- */
enum a64_vector { A64_VEC_SYNC = 0, A64_VEC_IRQ = 1, A64_VEC_FIQ = 2, A64_VEC_SERROR = 3 };
/* Enters the guest's EL1 vector as the hardware would (Arm ARM D1.10). */
void a64_take_exception(struct a64_vcpu *v, enum a64_vector vec, uint64_t esr, bool far_valid,
                        uint64_t far, uint64_t elr);
/* Takes a pending IRQ/FIQ if PSTATE allows; returns true if one was taken. */
bool a64_try_interrupt(struct a64_vcpu *v);

/* ---- exit.c: exits to the VMM and guest-internal exception classification ---- */
void a64_intr_hook(uc_engine *uc, uint32_t intno, void *user);
bool a64_mem_fault_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                        void *user);
/* Fills the exit record and marks it ready. */
void a64_exit(struct a64_vcpu *v, hv_exit_reason_t reason, uint64_t syndrome, uint64_t va,
              uint64_t ipa);
/* Commits the instructions retired in the current block up to pc. */
static inline void a64_commit(struct a64_vcpu *v, uint64_t pc)
{
    /* pc inside the current block: the instructions before it retired. pc
     * elsewhere (a fault while translating the next block): all of it did. */
    uint64_t done = pc - v->blk_pc;
    uint64_t n = v->base.icount + (done <= (uint64_t)v->blk_len * 4 ? done >> 2 : v->blk_len);
    __atomic_store_n(&v->base.icount, n, __ATOMIC_RELAXED);
    v->blk_pc = pc;
    v->blk_len = 0;
}

/* ---- fp.c: SIMD&FP access traps ---- */
/* Block hook: if SIMD&FP is trapped at the current EL and the block holds a
 * SIMD&FP instruction, arrange the trap; true when the block must not run. */
bool a64_fp_block(struct a64_vcpu *v, uint64_t addr, uint32_t size);
/* Run loop: plant the one-shot code hook (A64_PEND_FP) / drop it. */
void a64_fp_arm(struct a64_vcpu *v);
void a64_fp_disarm(struct a64_vcpu *v);
/* Forgets which blocks were free of SIMD&FP instructions (code changed). */
void a64_fp_forget(struct a64_vcpu *v);
bool a64_is_fp_insn(uint32_t insn);
bool a64_fp_trapped(struct a64_vcpu *v, unsigned el);

/* ---- gic.c / gic_cpuif.c: the in-framework GIC ---- */
void a64_gic_vm_fini(struct hvm_vm *vm);
/* The GIC asserts this vCPU's IRQ / FIQ (block hook; no lock). */
bool a64_gic_irq(struct a64_vcpu *v);
bool a64_gic_fiq(struct a64_vcpu *v);
/* Mem fault hook: a single-register load/store to one of the GIC's frames
 * is left in v->mmio (A64_PEND_MMIO), true; anything else false. */
struct a64_ldst;
bool a64_gic_mmio_claim(struct a64_vcpu *v, uint64_t ipa, const struct a64_ldst *d);
/* Run loop: performs it, writes Rt and the base, moves PC past it. */
bool a64_gic_mmio_complete(struct a64_vcpu *v);

/* ---- vcpu.c ---- */
hv_return_t a64_run(struct a64_vcpu *v);
/* The register digest of an EXIT record (trace/FORMAT.md). */
uint64_t a64_state_digest(struct a64_vcpu *v);

#endif
