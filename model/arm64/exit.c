/*
 * exit.c — every exit an arm64 vCPU makes to the VMM is built here, and every
 * synchronous event the engine reports is classified here as either an exit
 * (as Hypervisor.framework reports it, ESR_EL2 layout) or an exception the
 * guest takes at its own EL1 (except.c).
 *
 * Events reach the model two ways:
 *  - UC_HOOK_INTR with the engine's exception number and PC: HVC (PC after
 *    it), SMC trapped by HCR_EL2.TSC (PC at it), SVC, BRK, and "undefined"
 *    instructions, which include every access the EL2 trap controls set up in
 *    vcpu.c stop (WFI, CNTPCT, PMU, OS lock, debug registers, unallocated ID
 *    registers, ICC_* without a GIC), and the guest's own stage-1 aborts.
 *  - UC_HOOK_MEM_*_UNMAPPED / *_PROT with the guest-physical address: a
 *    stage-2 fault, i.e. a data or instruction abort exit.
 * In both, the engine's PC is exact (Unicorn >= 2.1.4 restores it first).
 */
#include <string.h>

#include "arm64.h"
#include "decode.h"
#include "gic.h"
#include "mmu.h"

extern pthread_mutex_t vm_lock;

static bool is_dc_zva(uint32_t insn);
static bool dc_zva(struct a64_vcpu *v, uint64_t pc, uint32_t insn);

/* Engine exception numbers (the values UC_HOOK_INTR reports for AArch64). */
enum {
    EXCP_UDEF = 1,
    EXCP_SWI = 2,
    EXCP_PREFETCH_ABORT = 3,
    EXCP_DATA_ABORT = 4,
    EXCP_BKPT = 7,
    EXCP_HVC = 11,
    EXCP_HYP_TRAP = 12,
    EXCP_SMC = 13,
};

void a64_exit(struct a64_vcpu *v, hv_exit_reason_t reason, uint64_t syndrome, uint64_t va,
              uint64_t ipa)
{
    v->exit.reason = reason;
    v->exit.exception.syndrome = syndrome;
    v->exit.exception.virtual_address = va;
    v->exit.exception.physical_address = ipa;
    v->pend = A64_PEND_EXIT;
    uc_emu_stop(v->base.uc);
}

/* The registers a load/store's address can depend on: the base Rn [9:5]
 * (31 = SP), the offset register Rm [20:16] and Rt [4:0] (DC by VA). The
 * decoder reads no others, so only these leave the engine. */
static void read_gprs(struct a64_vcpu *v, struct a64_gprs *r, uint64_t pc, uint32_t insn)
{
    memset(r, 0, sizeof(*r));
    unsigned rn = (insn >> 5) & 31, rm = (insn >> 16) & 31, rt = insn & 31;
    if (rn == 31)
        uc_reg_read(v->base.uc, UC_ARM64_REG_SP, &r->sp);
    else
        r->x[rn] = a64_xreg(v, rn);
    if (rm != 31 && rm != rn)
        r->x[rm] = a64_xreg(v, rm);
    if (rt != 31 && rt != rn && rt != rm)
        r->x[rt] = a64_xreg(v, rt);
    r->pc = pc;
}

/* ---- stage-1 walks the model does itself (fault details) ---- */

static bool read_desc(void *opaque, uint64_t pa, uint64_t *val)
{
    struct a64_vcpu *v = opaque;
    const uint8_t *p = stage2_host(&v->base.vm->s2, pa, 8);
    if (!p)
        return false;
    uint64_t d = 0;
    for (int i = 7; i >= 0; i--)
        d = d << 8 | p[i];
    *val = d;
    return true;
}

static enum a64_walk_status walk(struct a64_vcpu *v, uint64_t va, enum a64_acc acc, bool unpriv,
                                 struct a64_walk *out)
{
    struct a64_mmu_ctx c = {.el = PSTATE_EL(a64_pstate(v)),
                            .unpriv = unpriv,
                            .pa_bits = v->base.vm->params.ipa_bits,
                            .read_desc = read_desc,
                            .opaque = v};
    a64_cp_read(v, HV_SYS_REG_SCTLR_EL1, &c.sctlr);
    a64_cp_read(v, HV_SYS_REG_TCR_EL1, &c.tcr);
    a64_cp_read(v, HV_SYS_REG_TTBR0_EL1, &c.ttbr0);
    a64_cp_read(v, HV_SYS_REG_TTBR1_EL1, &c.ttbr1);
    pthread_mutex_lock(&vm_lock);
    enum a64_walk_status st = a64_mmu_translate(&c, va, acc, out);
    pthread_mutex_unlock(&vm_lock);
    return st;
}

static bool mmu_on(struct a64_vcpu *v)
{
    uint64_t sctlr = 0;
    a64_cp_read(v, HV_SYS_REG_SCTLR_EL1, &sctlr);
    return sctlr & 1;
}

/* ---- the GIC's frames ---- */

bool a64_gic_mmio_claim(struct a64_vcpu *v, uint64_t ipa, const struct a64_ldst *d)
{
    /* One general-purpose register of 1, 2, 4 or 8 bytes, as a GIC's
     * registers are accessed; pairs, SIMD&FP, exclusives and atomics take
     * the ordinary data abort exit. */
    if (!gic_owns(v->gic, ipa) || d->pair || d->simd || d->exclusive || d->atomic || d->cm ||
        d->size > 8)
        return false;
    v->mmio.ipa = ipa;
    v->mmio.size = (uint8_t)d->size;
    v->mmio.rt = d->rt;
    v->mmio.rn = d->rn;
    v->mmio.write = d->wnr;
    v->mmio.sse = d->sse;
    v->mmio.sf = d->sf;
    v->mmio.writeback = d->writeback;
    v->mmio.wb_value = d->wb_value;
    v->pend = A64_PEND_MMIO;
    return true;
}

/* ---- stage-2 faults: data and instruction abort exits ---- */

/* Fault status for a guest-physical address under the stage-2 table:
 * permission fault at the leaf if mapped, else a translation fault at the
 * level where the walk stops. Caller holds vm_lock. */
static uint32_t s2_fsc(struct a64_vcpu *v, uint64_t ipa)
{
    const struct stage2 *s = &v->base.vm->s2;
    if (stage2_lookup(s, ipa))
        return 0x0c + 3;
    return 0x04 + stage2_fault_level(s, ipa);
}

/* Could the load/store d (decoded at its PC with the current registers) be
 * the access the engine reports: same direction, a transfer of `size`
 * bytes, the byte at guest-physical addr inside it, and for a store of one
 * register the value being stored? */
static bool access_is(struct a64_vcpu *v, const struct a64_ldst *d, bool write, uint64_t addr,
                      int size, int64_t value, bool mmu)
{
    if (d->wnr != write || (d->size != (uint32_t)size && !(d->pair && d->size == 2u * size)))
        return false;
    if (write && !d->pair && !d->simd && !d->atomic && !d->exclusive && size <= 8) {
        uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
        uint64_t rt = d->rt == 31 ? 0 : a64_xreg(v, d->rt);
        if ((rt & mask) != ((uint64_t)value & mask))
            return false;
    }
    uint64_t last = d->va + (d->size ? d->size - 1 : 0);
    if (!mmu)
        return addr >= d->va && addr <= last;
    uint64_t va[2] = {d->va, last & ~0xfffull};
    for (int i = 0; i < ((d->va >> 12) != (last >> 12) ? 2 : 1); i++) {
        struct a64_walk w;
        enum a64_walk_status st =
            walk(v, va[i], write ? A64_ACC_WRITE : A64_ACC_READ, d->unpriv, &w);
        uint64_t end = i ? w.pa + (last & 0xfffu) : w.pa + (last - d->va);
        if (i == 0 && (d->va >> 12) != (last >> 12))
            end = (w.pa | 0xfffu);
        if (st == A64_WALK_OK && addr >= w.pa && addr <= end)
            return true;
    }
    return false;
}

/* The load/store that faulted on addr, decoded (false: none the model
 * knows; *pc is then the engine's). Inside this hook the engine's PC can
 * still name an earlier instruction of the block (seen with the MMU on, in
 * Linux's MMIO accessors: the block's start, or the last instruction whose
 * PC the engine wrote back), and it keeps that PC after the stop; the
 * registers are current. The faulting access is the first load/store from
 * that PC to the end of the block that matches what the engine reports
 * (access_is), else the one at the engine's PC; the run loop puts a
 * corrected PC back into the engine (v->fault_pc). */
static bool fault_access(struct a64_vcpu *v, uint64_t *pc, bool mmu, bool write, uint64_t addr,
                         int size, int64_t value, struct a64_ldst *d)
{
    uint64_t end = v->blk_pc + 4u * v->blk_len;
    if (*pc < v->blk_pc || *pc >= end)
        end = *pc + 4; /* not in the block the model knows: trust the engine */
    for (uint64_t p = *pc; p < end; p += 4) {
        uint32_t insn;
        struct a64_gprs r;
        if (!a64_fetch_insn(v, p, &insn))
            break;
        read_gprs(v, &r, p, insn);
        if (a64_decode_ldst(insn, &r, d) && access_is(v, d, write, addr, size, value, mmu)) {
            *pc = p;
            return true;
        }
    }
    /* Nothing matched (an access the engine reports in pieces): the
     * instruction at the engine's PC, as far as it decodes. */
    uint32_t insn;
    struct a64_gprs r;
    if (!a64_fetch_insn(v, *pc, &insn))
        return false;
    read_gprs(v, &r, *pc, insn);
    return a64_decode_ldst(insn, &r, d);
}

bool a64_mem_fault_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                        void *user)
{
    struct a64_vcpu *v = user;
    uint64_t engine_pc = a64_pc(v), pc = engine_pc;
    bool fetch = type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT;
    bool write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
    bool mmu = mmu_on(v);
    struct a64_ldst d;
    bool decoded = !fetch && fault_access(v, &pc, mmu, write, addr, size, value, &d);
    a64_commit(v, pc);
    /* Only a corrected PC has to go back into the engine after the stop. */
    v->fault_pc = pc;
    v->fault_pc_set = pc != engine_pc;

    /* The VMM changed the table while we ran: resync and retry at pc. */
    if (atomic_load(&v->base.s2_dirty)) {
        v->pend = A64_PEND_CHECK;
        return false;
    }

    /* The GIC's frames are served by the model, without an exit. */
    if (v->gic && decoded && (type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED) &&
        a64_gic_mmio_claim(v, addr, &d))
        return false;

    pthread_mutex_lock(&vm_lock);
    uint32_t fsc = s2_fsc(v, addr);
    pthread_mutex_unlock(&vm_lock);

    if (fetch) {
        /* Instruction abort from a lower EL: FAR = the fetch's VA (the PC). */
        a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_IABT_LOW, fsc), pc, addr);
        return false;
    }

    uint64_t far = addr, ipa = addr;
    uint32_t iss = (write ? 1u << 6 : 0) | fsc;
    if (decoded) {
        iss = a64_ldst_iss(&d) | fsc;
        if (!mmu && (d.va & ((1u << d.sas) - 1))) {
            /* MMU off: Device memory, where an unaligned access is an
             * alignment fault taken in the guest before any stage-2 check
             * (Arm ARM B2.5.2). The engine does not check it itself; the
             * model does where the access reaches stage 2. */
            unsigned el = PSTATE_EL(a64_pstate(v));
            v->gexc.esr = ESR(el == 0 ? EC_DABT_LOW : EC_DABT_CUR, (d.wnr ? 1u << 6 : 0) | 0x21);
            v->gexc.far = d.va;
            v->gexc.far_valid = true;
            v->gexc.elr = pc;
            v->pend = A64_PEND_GUEST;
            return false;
        }
        if (mmu) {
            /* FAR is the VA of the faulting byte: the start of the access,
             * or of its second page if that is where the fault is. */
            far = d.va;
            uint64_t last = d.va + d.size - 1;
            if ((d.va >> 12) != (last >> 12) && (addr & 0xfff) != (d.va & 0xfff))
                far = (last & ~0xfffull) | (addr & 0xfff);
            /* A stage-2 fault on the stage-1 walk itself (S1PTW). */
            struct a64_walk w;
            if (walk(v, far, d.wnr ? A64_ACC_WRITE : A64_ACC_READ, d.unpriv, &w) ==
                A64_WALK_S2_PTW) {
                pthread_mutex_lock(&vm_lock);
                iss = (1u << 7) | s2_fsc(v, w.ptw_ipa);
                pthread_mutex_unlock(&vm_lock);
                ipa = w.ptw_ipa;
            }
        }
    }
    a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_DABT_LOW, iss), far, ipa);
    return false;
}

/* ---- synchronous exceptions the engine reports by number ---- */

/* An "undefined instruction" from the engine at pc: a trap to the VMM set up
 * by the EL2 controls, or an exception for the guest's own EL1. */
static void classify_undef(struct a64_vcpu *v, uint64_t pc)
{
    uint32_t pstate = a64_pstate(v), insn = 0;
    unsigned el = PSTATE_EL(pstate);
    if (pc & 3) {
        a64_take_exception(v, A64_VEC_SYNC, ESR(EC_PC_ALIGN, 0), true, pc, pc);
        return;
    }
    if (!a64_fetch_insn(v, pc, &insn)) {
        a64_take_exception(v, A64_VEC_SYNC, ESR(EC_UNKNOWN, 0), false, 0, pc);
        return;
    }
    if (el == 1 && (insn & ~0x20u) == 0xd503205fu) {
        /* WFI (0xd503207f) / WFE (0xd503205f), HCR_EL2.TWI/TWE: CV=1,
         * COND=0xE, TI = 0 for WFI, 1 for WFE (Arm ARM D17.2.37 ISS for EC 0x01). */
        uint32_t ti = (insn & 0x20u) ? 0 : 1;
        if (ti == 0 && v->gic && gic_wakeup(v->gic, v->base.id)) {
            /* WFI with an interrupt the GIC signals to this vCPU (whatever
             * PSTATE.I says) completes at once, without an exit. */
            __atomic_store_n(&v->base.icount, v->base.icount + 1, __ATOMIC_RELAXED);
            a64_set_pc(v, pc + 4);
            return;
        }
        a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_WFX, 0x01e00000u | ti), 0, 0);
        return;
    }
    if (is_dc_zva(insn) && dc_zva(v, pc, insn))
        return;
    if ((insn & 0xffc00000u) == 0xd5000000u && ((insn >> 19) & 3) != 0 && el == 1) {
        unsigned op0 = (insn >> 19) & 3, op1 = (insn >> 16) & 7, crn = (insn >> 12) & 15;
        unsigned crm = (insn >> 8) & 15, op2 = (insn >> 5) & 7, rt = insn & 31;
        bool read = insn & (1u << 21);
        if (op1 < 4) {
            /* MSR/MRS/SYS trapped to EL2: EC 0x18 with Op0[21:20] Op2[19:17]
             * Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] Direction[0] (D17.2.37). */
            uint32_t iss = op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 |
                           (read ? 1u : 0u);
            a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_SYSREG, iss), 0, 0);
            return;
        }
        /* EL2/EL3 registers from EL1: undefined at EL1 (no guest EL2). */
    }
    if (a64_is_fp_insn(insn) && a64_fp_trapped(v, el)) {
        /* SIMD&FP access trapped by CPACR_EL1.FPEN: EC 0x07, CV=1, COND=0xE. */
        a64_take_exception(v, A64_VEC_SYNC, ESR(EC_FP_ACCESS, 0x01e00000u), false, 0, pc);
        return;
    }
    a64_take_exception(v, A64_VEC_SYNC, ESR(EC_UNKNOWN, 0), false, 0, pc);
}

/* The guest's stage-1 walk read a descriptor at an IPA with nothing behind
 * it: that is a stage-2 fault on the walk (S1PTW), an exit to the VMM, not a
 * fault for the guest (Arm ARM D8.3: ISS.S1PTW; ISV 0, WnR 0). */
static void s1ptw_exit(struct a64_vcpu *v, bool fetch, uint64_t far, uint64_t ptw_ipa)
{
    pthread_mutex_lock(&vm_lock);
    uint32_t fsc = s2_fsc(v, ptw_ipa);
    pthread_mutex_unlock(&vm_lock);
    a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(fetch ? EC_IABT_LOW : EC_DABT_LOW, (1u << 7) | fsc),
             far, ptw_ipa);
}

static void guest_abort(struct a64_vcpu *v, uint64_t pc, bool fetch)
{
    unsigned el = PSTATE_EL(a64_pstate(v));
    struct a64_walk w;
    if (fetch) {
        enum a64_walk_status st = walk(v, pc, A64_ACC_FETCH, false, &w);
        if (st == A64_WALK_S2_PTW) {
            s1ptw_exit(v, true, pc, w.ptw_ipa);
            return;
        }
        uint32_t fsc = st == A64_WALK_OK ? 0x0f : w.fsc;
        a64_take_exception(v, A64_VEC_SYNC, ESR(el == 0 ? EC_IABT_LOW : EC_IABT_CUR, fsc), true, pc,
                           pc);
        return;
    }
    uint32_t insn = 0;
    struct a64_gprs r;
    struct a64_ldst d;
    if (!a64_fetch_insn(v, pc, &insn) ||
        (read_gprs(v, &r, pc, insn), !a64_decode_ldst(insn, &r, &d))) {
        /* Not a load/store the model knows: report a level-3 translation
         * fault without a valid FAR (FnV, bit 10). */
        a64_take_exception(v, A64_VEC_SYNC,
                           ESR(el == 0 ? EC_DABT_LOW : EC_DABT_CUR, (1u << 10) | 0x07), false, 0,
                           pc);
        return;
    }
    /* The first page of the access that faults decides FAR and the status;
     * if the walk finds none, the engine faulted on alignment (DFSC 0x21). */
    enum a64_acc acc = d.wnr ? A64_ACC_WRITE : A64_ACC_READ;
    uint64_t far = d.va, last = d.va + (d.size ? d.size - 1 : 0);
    enum a64_walk_status st = walk(v, d.va, acc, d.unpriv, &w);
    if (st == A64_WALK_OK && (last >> 12) != (d.va >> 12)) {
        far = last & ~0xfffull;
        st = walk(v, far, acc, d.unpriv, &w);
    }
    if (st == A64_WALK_S2_PTW) {
        s1ptw_exit(v, false, far, w.ptw_ipa);
        return;
    }
    uint32_t fsc = st == A64_WALK_OK ? 0x21 : st == A64_WALK_FAULT ? w.fsc : 0x07;
    if (st == A64_WALK_OK)
        far = d.va;
    uint32_t iss = (d.cm ? 1u << 8 : 0) | (d.wnr ? 1u << 6 : 0) | fsc;
    a64_take_exception(v, A64_VEC_SYNC, ESR(el == 0 ? EC_DABT_LOW : EC_DABT_CUR, iss), true, far,
                       pc);
}

static uint32_t insn_at(struct a64_vcpu *v, uint64_t pc)
{
    uint32_t insn = 0;
    a64_fetch_insn(v, pc, &insn);
    return insn;
}

/* After a hook made the guest take an exception at its own EL1: a guest
 * looping through exceptions (a vector that faults again) enters no new
 * block, so the block hook never sees a kick or a deadline; check here. */
static void check_stop(struct a64_vcpu *v)
{
    if (v->pend == A64_PEND_NONE &&
        v->base.icount >= atomic_load_explicit(&v->base.stop_at, memory_order_relaxed)) {
        v->pend = A64_PEND_CHECK;
        uc_emu_stop(v->base.uc);
    }
}

static void dispatch(struct a64_vcpu *v, uint32_t intno, uint64_t pc);

void a64_intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
    struct a64_vcpu *v = user;
    uint64_t pc = a64_pc(v);
    a64_commit(v, pc);
    dispatch(v, intno, pc);
    check_stop(v);
}

static void dispatch(struct a64_vcpu *v, uint32_t intno, uint64_t pc)
{
    switch (intno) {
    case EXCP_HVC: /* PC is the preferred return address: after the HVC. */
        a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_HVC64, insn_at(v, pc - 4) >> 5 & 0xffff), 0,
                 0);
        return;
    case EXCP_SMC: /* not trapped: PC after; report it at the SMC */
        pc -= 4;
        a64_set_pc(v, pc);
        /* fall through */
    case EXCP_HYP_TRAP: /* SMC trapped by HCR_EL2.TSC: PC at the SMC */
        a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_SMC64, insn_at(v, pc) >> 5 & 0xffff), 0, 0);
        return;
    case EXCP_SWI: /* SVC: taken at EL1, return address after it */
        a64_take_exception(v, A64_VEC_SYNC, ESR(EC_SVC64, insn_at(v, pc - 4) >> 5 & 0xffff), false,
                           0, pc);
        return;
    case EXCP_BKPT: {
        uint64_t esr = ESR(EC_BRK, insn_at(v, pc) >> 5 & 0xffff);
        if (v->trap_debug_exceptions)
            a64_exit(v, HV_EXIT_REASON_EXCEPTION, esr, 0, 0);
        else
            a64_take_exception(v, A64_VEC_SYNC, esr, false, 0, pc);
        return;
    }
    case EXCP_UDEF: classify_undef(v, pc); return;
    case EXCP_PREFETCH_ABORT: guest_abort(v, pc, true); return;
    case EXCP_DATA_ABORT: guest_abort(v, pc, false); return;
    default:
        /* Nothing else is expected from an AArch64 EL1 guest. */
        a64_exit(v, HV_EXIT_REASON_UNKNOWN, 0, 0, 0);
        return;
    }
}

/* ---- DC ZVA (Arm ARM C6.2.76). HCR_EL2.TDZ makes the engine trap it at the
 * instruction; the model performs it, checking stage 1 and stage 2 itself
 * because the engine's own zeroing ignores unmapped guest-physical memory. */

static bool is_dc_zva(uint32_t insn)
{
    return (insn & 0xffffffe0u) == 0xd50b7420u;
}

/* Returns true when the DC ZVA was handled (performed, a guest exception or
 * an exit); false when it must be treated as undefined. */
static bool dc_zva(struct a64_vcpu *v, uint64_t pc, uint32_t insn)
{
    unsigned el = PSTATE_EL(a64_pstate(v)), rt = insn & 31;
    uint64_t xt = a64_xreg(v, rt), sctlr = 0;
    uint64_t va = xt & ~(uint64_t)(A64_DECODE_DCZVA_BYTES - 1);
    uint32_t ec = el == 0 ? EC_DABT_LOW : EC_DABT_CUR;
    a64_cp_read(v, HV_SYS_REG_SCTLR_EL1, &sctlr);
    if (el == 0 && !(sctlr & (1u << 14))) {
        /* SCTLR_EL1.DZE = 0: trapped to EL1 as a system instruction. */
        uint32_t iss = 1u << 20 | 1u << 17 | 3u << 14 | 7u << 10 | rt << 5 | 4u << 1;
        a64_take_exception(v, A64_VEC_SYNC, ESR(EC_SYSREG, iss), false, 0, pc);
        return true;
    }
    if (!(sctlr & 1)) {
        /* MMU off: Device memory, where DC ZVA is an alignment fault. */
        a64_take_exception(v, A64_VEC_SYNC, ESR(ec, (1u << 6) | 0x21), true, xt, pc);
        return true;
    }
    struct a64_walk w;
    enum a64_walk_status st = walk(v, va, A64_ACC_WRITE, false, &w);
    if (st == A64_WALK_FAULT) {
        a64_take_exception(v, A64_VEC_SYNC, ESR(ec, (1u << 6) | w.fsc), true, xt, pc);
        return true;
    }
    uint64_t ipa = st == A64_WALK_OK ? w.pa : w.ptw_ipa;
    pthread_mutex_lock(&vm_lock);
    const struct s2_entry *e = stage2_lookup(&v->base.vm->s2, ipa);
    bool ok = st == A64_WALK_OK && e && (e->prot & S2_PROT_W) &&
              ipa + A64_DECODE_DCZVA_BYTES <= e->gpa + e->size;
    uint32_t fsc = ok ? 0 : s2_fsc(v, ipa);
    if (ok)
        memset(e->engine + (ipa - e->gpa), 0, A64_DECODE_DCZVA_BYTES);
    pthread_mutex_unlock(&vm_lock);
    if (!ok) {
        /* Stage-2 fault: a write of the whole block, ISV 0, CM 0 (DC ZVA is
         * not cache maintenance), WnR 1; S1PTW if the walk faulted. */
        uint32_t iss = st == A64_WALK_OK ? (1u << 6) | fsc : (1u << 7) | fsc;
        a64_exit(v, HV_EXIT_REASON_EXCEPTION, ESR(EC_DABT_LOW, iss), va, ipa);
        return true;
    }
    a64_commit(v, pc + 4);
    a64_set_pc(v, pc + 4);
    return true;
}
