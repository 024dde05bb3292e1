/*
 * vcpu.c — the arm64 vCPU: engine set-up, its hooks, and the run loop behind
 * hv_vcpu_run.
 *
 * Counting without a per-instruction hook: the block hook runs before every
 * translated block (Unicorn emits it ahead of the block's exit check, so a
 * stop requested there takes effect before any of the block's instructions).
 * It credits the previous block in full and remembers the current one; a hook
 * that ends the run mid-block credits the instructions before the exiting one
 * (a64_commit). A64 instructions are 4 bytes and blocks are straight-line, so
 * the count is exact at every exit. The same hook compares the count with
 * stop_at — the vtimer deadline, or 0 after a kick or a stage-2 change — and
 * takes a pending IRQ/FIQ when PSTATE allows it.
 */
#include <string.h>

#include "arm64.h"
#include "gic.h"
#include "memtrack.h"
#include "../../trace/format.h"

/* EL2/EL3 configuration of the emulated CPU. The guest runs at EL1
 * non-secure; EL2 exists so that the controls below trap to it, and the
 * engine reports each trap to the model instead of entering EL2. */
#define SCR_EL3_VALUE ((1u << 0) | (1u << 8) | (1u << 10)) /* NS, HCE, RW */
#define HCR_EL2_RW    (1ull << 31)
#define HCR_EL2_TDZ   (1ull << 28)
#define HCR_EL2_TSC   (1ull << 19)
#define HCR_EL2_TID3  (1ull << 18)
#define HCR_EL2_TWE   (1ull << 14)
#define HCR_EL2_TWI   (1ull << 13)
#define HCR_EL2_VALUE                                                                              \
    (HCR_EL2_RW | HCR_EL2_TDZ | HCR_EL2_TSC | HCR_EL2_TID3 | HCR_EL2_TWE | HCR_EL2_TWI)
#define ENC(o0, o1, n, m, o2) (uint16_t)((o0) << 14 | (o1) << 11 | (n) << 7 | (m) << 3 | (o2))

static void block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    struct a64_vcpu *v = user;
    if (v->pend != A64_PEND_NONE)
        return; /* a hook already ended the run; the engine stops here */
    uint64_t n = v->base.icount + v->blk_len;
    __atomic_store_n(&v->base.icount, n, __ATOMIC_RELAXED);
    v->blk_pc = addr;
    v->blk_len = 0;
    if (n >= atomic_load_explicit(&v->base.stop_at, memory_order_relaxed)) {
        v->pend = A64_PEND_CHECK;
        uc_emu_stop(uc);
        return;
    }
    if ((v->irq_line || v->fiq_line || (v->gic && (a64_gic_irq(v) || a64_gic_fiq(v)))) &&
        a64_try_interrupt(v))
        return;
    if ((v->cpacr & (3u << 20)) != (3u << 20) && a64_fp_block(v, addr, size))
        return;
    v->blk_len = size >> 2;
}

/* The transfer register of a hooked MRS/MSR as a register number (31: XZR). */
static unsigned rt_number(uc_arm64_reg reg)
{
    if (reg >= UC_ARM64_REG_X0 && reg <= UC_ARM64_REG_X28)
        return (unsigned)(reg - UC_ARM64_REG_X0);
    if (reg == UC_ARM64_REG_X29 || reg == UC_ARM64_REG_X30)
        return 29u + (unsigned)(reg - UC_ARM64_REG_X29);
    return 31;
}

/* The engine sets PC before calling the MRS/MSR hooks: credit the block's
 * instructions before this one so that the clock the guest reads is exact. */
static void sync_icount(struct a64_vcpu *v)
{
    uint64_t pc = a64_pc(v), done = (pc - v->blk_pc) >> 2;
    if (done && done <= v->blk_len) {
        __atomic_store_n(&v->base.icount, v->base.icount + done, __ATOMIC_RELAXED);
        v->blk_pc = pc;
        v->blk_len -= (uint32_t)done;
    }
}

/* Returning 1 makes the engine skip the instruction (the model served it). */
static uint32_t mrs_hook(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user)
{
    uint16_t enc = ENC(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2);
    sync_icount(user);
    return a64_sysreg_guest_access(user, enc, true, rt_number(reg));
}

static uint32_t msr_hook(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user)
{
    struct a64_vcpu *v = user;
    uint16_t enc = ENC(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2);
    sync_icount(v);
    if (enc == HV_SYS_REG_CPACR_EL1)
        v->cpacr = cp->val; /* mirrored for the SIMD&FP trap; the engine writes it */
    else if (enc == HV_SYS_REG_TTBR0_EL1)
        v->ttbr0 = cp->val;
    return a64_sysreg_guest_access(v, enc, false, rt_number(reg));
}

/* For the scheduler (any thread): the pending-interrupt lines the VMM set,
 * or the GIC signalling an interrupt to the vCPU. */
static bool a64_irq_pending(struct hvm_vcpu *base)
{
    struct a64_vcpu *v = a64(base);
    return v->irq_line || v->fiq_line || (v->gic && (a64_gic_irq(v) || a64_gic_fiq(v)));
}

static hv_return_t a64_vcpu_init(struct hvm_vcpu *base)
{
    struct a64_vcpu *v = a64(base);
    uc_engine *uc = base->uc;
    uc_hook h;
    if (uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_A72) != UC_ERR_OK)
        return HV_ERROR;
    /* Never stop at an address: runs end only through the model's hooks. */
    uc_ctl_exits_enable(uc);
    uc_ctl_set_exits(uc, NULL, 0);

    bool ok = a64_cp_write(v, ENC(3, 6, 1, 1, 0), SCR_EL3_VALUE) &&
              a64_cp_write(v, ENC(3, 4, 1, 1, 0), HCR_EL2_VALUE) &&
              a64_cp_write(v, ENC(3, 4, 14, 1, 0), 0); /* CNTHCTL_EL2: CNTPCT/CNTP_* trap */
    if (!ok)
        return HV_ERROR;
    a64_update_debug_traps(v);

    ok =
        uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void *)block_hook, v, 1, 0) == UC_ERR_OK &&
        uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)a64_intr_hook, v, 1, 0) == UC_ERR_OK &&
        uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, (void *)a64_mem_fault_hook, v,
                    1, 0) == UC_ERR_OK &&
        uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)mrs_hook, v, 1, 0, UC_ARM64_INS_MRS) ==
            UC_ERR_OK &&
        uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)msr_hook, v, 1, 0, UC_ARM64_INS_MSR) == UC_ERR_OK;
    if (!ok)
        return HV_ERROR;

    /* Reset state: EL1h with DAIF masked (the reference's choice for an
     * undocumented reset value), everything else zero, as a fresh vCPU on the
     * real framework reads (SCTLR_EL1 = 0). */
    uint64_t zero = 0;
    a64_cp_write(v, HV_SYS_REG_SCTLR_EL1, 0);
    uc_reg_write(uc, UC_ARM64_REG_PC, &zero);
    a64_set_pstate(v, 0x3c5);
    a64_sysreg_reset(v);
    v->exit.reason = HV_EXIT_REASON_UNKNOWN;
    /* The GIC, if any, exists already (hv_gic_create precedes every vCPU). */
    v->gic = base->vm->gic;
    if (v->gic)
        gic_vcpu_attach(v->gic, base->id, v->mpidr);
    return HV_SUCCESS;
}

static void a64_vcpu_fini(struct hvm_vcpu *base)
{
    struct a64_vcpu *v = a64(base);
    if (v->gic)
        gic_vcpu_detach(v->gic, base->id);
}

/* Unicorn drops translations by guest *virtual* address, looked up through
 * the current stage 1. With the MMU briefly off, VA = IPA, so the engine's
 * own lookup finds exactly the guest-physical pages the VMM wrote. */
static void a64_flush_code(struct hvm_vcpu *base, const uint64_t *gpas, unsigned n, bool all)
{
    struct a64_vcpu *v = a64(base);
    a64_fp_forget(v);
    if (all) {
        uc_ctl_flush_tb(base->uc);
        return;
    }
    uint64_t sctlr = 0;
    a64_cp_read(v, HV_SYS_REG_SCTLR_EL1, &sctlr);
    if (sctlr & 1)
        a64_cp_write(v, HV_SYS_REG_SCTLR_EL1, sctlr & ~1ull);
    for (unsigned i = 0; i < n; i++)
        uc_ctl_remove_cache(base->uc, gpas[i], gpas[i] + memtrack_page_size());
    if (sctlr & 1)
        a64_cp_write(v, HV_SYS_REG_SCTLR_EL1, sctlr);
}

const struct hvm_arch_ops a64_ops = {
    .name = "arm64",
    .uc_arch = UC_ARCH_ARM64,
    .uc_mode = UC_MODE_ARM,
    .vcpu_size = sizeof(struct a64_vcpu),
    .trace_flavour = 1,
    .vcpu_init = a64_vcpu_init,
    .vcpu_fini = a64_vcpu_fini,
    .flush_code = a64_flush_code,
    .vm_fini = a64_gic_vm_fini,
    .irq_pending = a64_irq_pending,
};

hv_return_t a64_run(struct a64_vcpu *v)
{
    struct hvm_vcpu *b = &v->base;
    memset(&v->exit, 0, sizeof(v->exit));
    atomic_store(&b->state, HVM_VCPU_RUNNING);
    if (v->gic)
        atomic_fetch_add(&v->gic->running, 1u);
    if (v->gic && !__atomic_load_n(&v->gic->ran, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&v->gic->lock);
        __atomic_store_n(&v->gic->ran, true, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&v->gic->lock);
    }
    sched_enter(b);
    for (;;) {
        if (atomic_exchange(&b->cancel, false) || b->icount >= b->cancel_at) {
            b->cancel_at = UINT64_MAX;
            a64_exit(v, HV_EXIT_REASON_CANCELED, 0, 0, 0);
            break;
        }
        if (atomic_load(&b->s2_dirty)) {
            a64_fp_forget(v); /* other memory may now sit at the same addresses */
            if (vcpu_sync_memory(b) != HV_SUCCESS) {
                a64_exit(v, HV_EXIT_REASON_UNKNOWN, 0, 0, 0);
                break;
            }
        }
        vm_sync_vmm_writes(b);
        /* The vtimer asserted while unmasked: exit, and mask it (the
         * framework's auto-mask) until the VMM clears the mask. With a GIC
         * the timer drives PPI 27 instead (timer.c) and never exits. */
        if (!v->gic && !v->vtimer_masked && a64_vtimer_line(v)) {
            v->vtimer_masked = true;
            a64_exit(v, HV_EXIT_REASON_VTIMER_ACTIVATED, 0, 0, 0);
            break;
        }
        sched_point(b);       /* may pass the token on and wait for it */
        a64_vtimer_update(v); /* arms stop_at */
        v->pend = A64_PEND_NONE;
        v->blk_len = 0;
        uint64_t pc = a64_pc(v);
        v->blk_pc = pc;
        v->fault_pc_set = false;
        uc_err err = uc_emu_start(b->uc, pc, 0, 0, 0);
        if (v->fault_pc_set)
            a64_set_pc(v, v->fault_pc);
        if (v->pend == A64_PEND_EXIT)
            break;
        if (v->pend == A64_PEND_CHECK)
            continue;
        if (v->pend == A64_PEND_GUEST) {
            a64_fp_disarm(v);
            a64_take_exception(v, A64_VEC_SYNC, v->gexc.esr, v->gexc.far_valid, v->gexc.far,
                               v->gexc.elr);
            continue;
        }
        if (v->pend == A64_PEND_FP) {
            a64_fp_arm(v);
            continue;
        }
        if (v->pend == A64_PEND_MMIO) {
            if (a64_gic_mmio_complete(v))
                continue;
            break; /* not an access the model serves: the abort exit is ready */
        }
        /* The engine ended the run without a hook: nothing the model set up
         * does that, so report it as the framework's "should not happen". */
        a64_commit(v, a64_pc(v));
        (void)err;
        a64_exit(v, HV_EXIT_REASON_UNKNOWN, 0, 0, 0);
        break;
    }
    sched_leave(b);
    atomic_store(&b->stop_at, UINT64_MAX);
    if (v->gic)
        atomic_fetch_sub(&v->gic->running, 1u);
    atomic_store(&b->state, HVM_VCPU_IDLE);
    /* hv_vcpu_set_pending_interrupt holds for one run only. */
    v->irq_line = v->fiq_line = false;
    return HV_SUCCESS;
}

uint64_t a64_state_digest(struct a64_vcpu *v)
{
    /* FORMAT.md: X0..X30, PC, CPSR, SP_EL0, SP_EL1 — the GPRs and PC in one
     * batch read from the engine. */
    static const int ids[32] = {
        UC_ARM64_REG_X0,  UC_ARM64_REG_X1,  UC_ARM64_REG_X2,  UC_ARM64_REG_X3,  UC_ARM64_REG_X4,
        UC_ARM64_REG_X5,  UC_ARM64_REG_X6,  UC_ARM64_REG_X7,  UC_ARM64_REG_X8,  UC_ARM64_REG_X9,
        UC_ARM64_REG_X10, UC_ARM64_REG_X11, UC_ARM64_REG_X12, UC_ARM64_REG_X13, UC_ARM64_REG_X14,
        UC_ARM64_REG_X15, UC_ARM64_REG_X16, UC_ARM64_REG_X17, UC_ARM64_REG_X18, UC_ARM64_REG_X19,
        UC_ARM64_REG_X20, UC_ARM64_REG_X21, UC_ARM64_REG_X22, UC_ARM64_REG_X23, UC_ARM64_REG_X24,
        UC_ARM64_REG_X25, UC_ARM64_REG_X26, UC_ARM64_REG_X27, UC_ARM64_REG_X28, UC_ARM64_REG_X29,
        UC_ARM64_REG_X30, UC_ARM64_REG_PC,
    };
    uint64_t vals[35];
    void *ptrs[32];
    for (int i = 0; i < 32; i++)
        ptrs[i] = &vals[i];
    uc_reg_read_batch(v->base.uc, (int *)ids, ptrs, 32);
    vals[32] = a64_pstate(v);
    vals[33] = a64_sp_bank(v, 0);
    vals[34] = a64_sp_bank(v, 1);
    return hvt_digest(vals, 35);
}
