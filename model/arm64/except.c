/*
 * except.c — exceptions the guest takes at its own EL1: synchronous
 * exceptions the model classified (SVC, BRK, undefined instructions, stage-1
 * aborts, PC alignment) and the IRQ/FIQ lines of hv_vcpu_set_pending_interrupt.
 *
 * The engine reports such events only as an interrupt number and never
 * enters the guest's vectors, so the model performs the entry itself, as
 * Arm ARM D1.10 ("Exception entry") describes: SPSR_EL1 <- PSTATE, ELR_EL1 <-
 * the preferred return address, ESR_EL1/FAR_EL1 for synchronous exceptions,
 * PSTATE <- EL1h with D, A, I and F set, PC <- VBAR_EL1 + vector offset.
 */
#include "arm64.h"

void a64_take_exception(struct a64_vcpu *v, enum a64_vector vec, uint64_t esr, bool far_valid,
                        uint64_t far, uint64_t elr)
{
    uc_engine *uc = v->base.uc;
    uint32_t pstate = a64_pstate(v);
    uint64_t vbar = 0, spsr = pstate;
    /* Vector group: current EL with SP_EL0, current EL with SP_ELx, or a
     * lower EL using AArch64 (Arm ARM D1.10.2, Table D1-7). */
    uint64_t base = PSTATE_EL(pstate) == 0 ? 0x400 : (pstate & PSTATE_SP) ? 0x200 : 0x000;

    uc_reg_read(uc, UC_ARM64_REG_VBAR_EL1, &vbar);
    a64_cp_write(v, HV_SYS_REG_SPSR_EL1, spsr);
    uc_reg_write(uc, UC_ARM64_REG_ELR_EL1, &elr);
    if (vec == A64_VEC_SYNC) {
        uc_reg_write(uc, UC_ARM64_REG_ESR_EL1, &esr);
        if (far_valid)
            uc_reg_write(uc, UC_ARM64_REG_FAR_EL1, &far);
    }
    /* NZCV are kept; SS and IL cleared; EL1 with SP_EL1; all of DAIF masked. */
    a64_set_pstate(v, (pstate & PSTATE_NZCV) | PSTATE_DAIF | 0x5);
    /* PC last: the engine resumes at the vector without running the rest of
     * the current block. */
    a64_set_pc(v, (vbar & ~0x7ffull) + base + 0x80 * (uint64_t)vec);
}

bool a64_try_interrupt(struct a64_vcpu *v)
{
    uint32_t pstate = a64_pstate(v);
    enum a64_vector vec;
    bool fiq = v->fiq_line || (v->gic && a64_gic_fiq(v));
    bool irq = v->irq_line || (v->gic && a64_gic_irq(v));
    if (fiq && !(pstate & PSTATE_F))
        vec = A64_VEC_FIQ;
    else if (irq && !(pstate & PSTATE_I))
        vec = A64_VEC_IRQ;
    else
        return false;
    a64_take_exception(v, vec, 0, false, 0, a64_pc(v));
    return true;
}
