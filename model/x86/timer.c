/*
 * timer.c — the VMX preemption timer on the virtual clock.
 *
 * Intel SDM vol. 3C, 26.5.1: the timer counts down by one each time bit X
 * of the TSC changes, X = IA32_VMX_MISC[4:0]; when it reaches zero the
 * guest exits (reason 52) at the next instruction boundary, and a value of
 * zero at VM entry exits before the first guest instruction (after an
 * injected event is delivered). The model's TSC is the virtual one (one
 * cycle per retired instruction at the default ratio, exit.c), so the exit
 * comes after an exact number of retired instructions: with a value V
 * loaded when the TSC reads T0, at the first instruction boundary where
 * TSC >> X reaches (T0 >> X) + V.
 *
 * The block hook stops at the start of the block in which the timer
 * expires; only that block then runs with the per-instruction hook
 * (deliver.c), which stops at the exact instruction. The timer counts the
 * un-offset TSC (the guest's TSC offset does not move it), like hardware.
 */
#include "x86.h"

uint64_t timer_tsc_at(const struct x86_vcpu *v, uint64_t icount)
{
    /* x86_tsc() without the guest's offset: floor(t * 40 / ipt), t the
     * instruction times (retired plus waited in HLT), plus the VMM's skipped
     * idle ticks, at 40 TSC cycles per 24 MHz tick. */
    const struct hvm_vm *vm = v->base.vm;
    uint64_t ipt = vm->insns_per_tick;
    uint64_t adv = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
    uint64_t t = icount + v->base.idle_icount;
    return (t / ipt) * HVM_INSNS_PER_TICK_DEF + (t % ipt) * HVM_INSNS_PER_TICK_DEF / ipt +
           adv * HVM_INSNS_PER_TICK_DEF;
}

/* The first icount at which the TSC reads >= tsc (with the vCPU's HLT
 * waits so far counted in). */
static uint64_t icount_at_tsc(const struct x86_vcpu *v, uint64_t tsc)
{
    const struct hvm_vm *vm = v->base.vm;
    uint64_t ipt = vm->insns_per_tick;
    uint64_t base = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED) * HVM_INSNS_PER_TICK_DEF;
    if (tsc <= base)
        return 0;
    uint64_t need = tsc - base; /* cycles of floor(t * 40 / ipt) */
    uint64_t q = need / HVM_INSNS_PER_TICK_DEF, r = need % HVM_INSNS_PER_TICK_DEF;
    uint64_t ic;
    if (__builtin_mul_overflow(q, ipt, &ic))
        return UINT64_MAX;
    /* ceil(r * ipt / 40) more instruction times for the remaining cycles,
     * of which the ones waited in HLT are behind the vCPU already */
    ic += (r * ipt + HVM_INSNS_PER_TICK_DEF - 1) / HVM_INSNS_PER_TICK_DEF;
    return ic > v->base.idle_icount ? ic - v->base.idle_icount : 0;
}

void timer_entry(struct x86_vcpu *v)
{
    v->timer_at = UINT64_MAX;
    if (!(vmcs_get(v, VMCS_CTRL_PIN_BASED) & PIN_BASED_PREEMPTION_TIMER))
        return;
    uint64_t value = (uint32_t)vmcs_get(v, VMCS_GUEST_VMX_TIMER_VALUE);
    uint64_t now = timer_tsc_at(v, v->base.icount) >> X86_TIMER_SHIFT;
    v->timer_end_period = now + value;
    v->timer_at = value ? icount_at_tsc(v, v->timer_end_period << X86_TIMER_SHIFT) : v->base.icount;
}

void timer_exit(struct x86_vcpu *v)
{
    if (v->timer_at == UINT64_MAX)
        return;
    if (vmcs_get(v, VMCS_CTRL_VMEXIT_CONTROLS) & VMEXIT_SAVE_VMX_TIMER) {
        uint64_t now = timer_tsc_at(v, v->base.icount) >> X86_TIMER_SHIFT;
        uint64_t left = now >= v->timer_end_period ? 0 : v->timer_end_period - now;
        vmcs_set(v, VMCS_GUEST_VMX_TIMER_VALUE, left);
    }
    v->timer_at = UINT64_MAX;
}
