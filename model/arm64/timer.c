/*
 * timer.c — the EL1 virtual timer (Arm ARM D11.2). The engine discards
 * CNTV_CTL/CVAL writes and reads host time for CNTVCT, so the model owns the
 * timer: CNTVCT_EL0 = the vCPU's virtual clock - vtimer_offset, and the timer
 * condition (ENABLE, CNTVCT >= CVAL) is turned into an instruction count at
 * which the run loop's block hook stops the guest.
 */
#include "arm64.h"
#include "gic.h"

uint64_t a64_cntvct(struct a64_vcpu *v)
{
    return clock_vcpu_ticks(&v->base) - v->vtimer_offset;
}

/* ISTATUS: enabled and the compare value reached (unsigned comparison). */
bool a64_vtimer_istatus(struct a64_vcpu *v)
{
    return (v->cntv_ctl & 1) && a64_cntvct(v) >= v->cntv_cval;
}

/* The timer's interrupt output: ISTATUS and not IMASK. */
bool a64_vtimer_line(struct a64_vcpu *v)
{
    return !(v->cntv_ctl & 2) && a64_vtimer_istatus(v);
}

void a64_vtimer_update(struct a64_vcpu *v)
{
    uint64_t deadline = UINT64_MAX;
    if (v->gic) {
        /* With a GIC the timer output is the level of PPI 27, kept inside
         * the model: no VTIMER_ACTIVATED exit and no use of the vtimer mask.
         * The line falls only through CTL/CVAL/offset writes, all of which
         * come here; while it is high no deadline is needed. */
        bool line = a64_vtimer_line(v);
        gic_set_ppi_line(v->gic, v->base.id, GIC_PPI_VTIMER, line);
        if (!line && (v->cntv_ctl & 3) == 1) {
            uint64_t ticks;
            if (!__builtin_add_overflow(v->cntv_cval, v->vtimer_offset, &ticks))
                deadline = clock_icount_at(&v->base, ticks);
        }
        v->vtimer_deadline = deadline;
        vcpu_arm_stop(&v->base, deadline);
        return;
    }
    if ((v->cntv_ctl & 3) == 1 && !v->vtimer_masked) {
        /* CNTVCT >= CVAL  <=>  vCPU ticks >= CVAL + offset (no wrap assumed;
         * a deadline past 2^64 ticks never comes). */
        uint64_t ticks;
        if (!__builtin_add_overflow(v->cntv_cval, v->vtimer_offset, &ticks))
            deadline = clock_icount_at(&v->base, ticks);
    }
    v->vtimer_deadline = deadline;
    vcpu_arm_stop(&v->base, deadline);
}
