/*
 * clock.c — virtual time. There is no host clock in a run: a vCPU's time is
 * its retired instruction count divided by the VM's instructions-per-tick
 * ratio, plus whatever idle time the VMM skipped with hvm_clock_advance(),
 * plus the instruction times the vCPU itself waited in an inactive state
 * (idle_icount: the x86 HLT activity state, which has no VMM to skip it),
 * plus (multi-vCPU arm64 VMs, sched.c) the time it was created at and idled
 * (tbase).
 */
#include "hvm.h"

/* Instruction times before icount 0 of this vCPU. */
static uint64_t base_insns(const struct hvm_vcpu *vcpu)
{
    return __atomic_load_n(&vcpu->idle_icount, __ATOMIC_RELAXED) +
           __atomic_load_n(&vcpu->tbase, __ATOMIC_RELAXED);
}

uint64_t clock_vcpu_ticks(const struct hvm_vcpu *vcpu)
{
    const struct hvm_vm *vm = vcpu->vm;
    uint64_t icount = __atomic_load_n(&vcpu->icount, __ATOMIC_RELAXED) + base_insns(vcpu);
    return icount / vm->insns_per_tick + __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
}

uint64_t clock_icount_at(const struct hvm_vcpu *vcpu, uint64_t ticks)
{
    const struct hvm_vm *vm = vcpu->vm;
    uint64_t adv = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
    if (ticks <= adv)
        return 0;
    uint64_t need = ticks - adv, icount;
    if (__builtin_mul_overflow(need, (uint64_t)vm->insns_per_tick, &icount))
        return UINT64_MAX;
    uint64_t base = base_insns(vcpu);
    return icount > base ? icount - base : 0;
}
