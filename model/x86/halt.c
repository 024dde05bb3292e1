/*
 * halt.c — the HLT activity state (VMCS_GUEST_ACTIVITY_STATE = 1).
 *
 * A vCPU enters it through a VM entry with the activity state HLT, or by
 * executing HLT itself while "HLT exiting" is clear (the instruction
 * retires and the processor waits, SDM vol. 3C, 25.1.3). In it no guest
 * instruction runs. What ends the wait (SDM vol. 3C, 25.2, 26.7 and 28.1):
 *
 * - an event the VM entry injects (external interrupt, NMI, #DB, #MC):
 *   delivery wakes the vCPU, the activity state becomes active;
 * - the VM exits that are not blocked in HLT, taken in this order at the
 *   boundary: MTF (pending after the guest's own HLT retired, or injected as
 *   "other event" 0), the preemption timer, the NMI window (no virtual-NMI
 *   blocking), the interrupt window (RFLAGS.IF = 1). Such an exit happens
 *   from the HLT state, so the activity state is saved as HLT and RIP still
 *   points after the HLT;
 * - hv_vcpu_interrupt (VMX_REASON_IRQ) and the hv_vcpu_run_until deadline
 *   (VMX_REASON_VMX_TIMER_EXPIRED): the vCPU stays in HLT.
 *
 * Time in HLT: the virtual clock advances only with retired instructions
 * (hvm.h); a vCPU waiting for its preemption timer or its deadline jumps
 * its clock to the earlier of the two at once (idle_icount, the instruction
 * times it waited), so the wait costs no host time and is the same in a
 * replay. With neither, it waits for hv_vcpu_interrupt on the host.
 *
 * VM-entry checks on the HLT state (SDM vol. 3C, 27.3.1.5): SS.DPL must be
 * 0, no blocking by STI or MOV SS, and an injected event must be an
 * external interrupt, an NMI, #DB or #MC, or a pending MTF (other event 0).
 * A failed check is the VM-entry failure hv.h documents: exit reason 33
 * with bit 31 set, qualification 0, nothing of the guest state changed.
 */
#include <time.h>

#include "x86.h"

#define ACT_HLT              1u
#define IRQ_INFO_OTHER_EVENT (7u << 8) /* interruption type 7: pending MTF */

bool halt_entry_check(struct x86_vcpu *v)
{
    if (vmcs_get(v, VMCS_GUEST_ACTIVITY_STATE) != ACT_HLT)
        return true;
    uint32_t ib = (uint32_t)vmcs_get(v, VMCS_GUEST_INTERRUPTIBILITY);
    uint64_t ss_ar = state_read_field(v, VMCS_GUEST_SS_AR);
    uint32_t info = (uint32_t)vmcs_get(v, VMCS_CTRL_VMENTRY_IRQ_INFO);
    bool ok = ((ss_ar >> 5) & 3u) == 0 && (ib & 3u) == 0;
    if (info & IRQ_INFO_VALID) {
        uint32_t type = info & IRQ_INFO_TYPE_MASK, vec = info & 0xffu;
        ok = ok && (type == IRQ_INFO_EXT_IRQ || type == IRQ_INFO_NMI ||
                    (type == IRQ_INFO_HARD_EXC && (vec == 1 || vec == 18)) ||
                    (type == IRQ_INFO_OTHER_EVENT && vec == 0));
    }
    if (!ok) {
        x86_exit_clear(v);
        vmcs_set(v, VMCS_RO_EXIT_REASON, 0x80000000u | VMX_REASON_VMENTRY_GUEST);
    }
    return ok;
}

bool x86_take_kick(struct x86_vcpu *v)
{
    struct hvm_vcpu *b = &v->base;
    if ((atomic_load_explicit(&b->cancel, memory_order_relaxed) &&
         atomic_exchange(&b->cancel, false)) ||
        b->icount >= b->cancel_at) {
        b->cancel_at = UINT64_MAX;
        x86_exit_clear(v);
        vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_IRQ);
        return true;
    }
    return false;
}

/* The exit due at this boundary in HLT, in the order of SDM vol. 3C, 26.7
 * and 25.2 (UINT32_MAX: none). */
static uint32_t halt_exit_due(struct x86_vcpu *v)
{
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    if (v->mtf_injected ||
        ((cpu & CPU_BASED_MTF) && (v->base.icount > v->entry_icount || v->event_entered)))
        return VMX_REASON_MTF;
    if (v->base.icount >= v->timer_at)
        return VMX_REASON_VMX_TIMER_EXPIRED;
    if ((cpu & CPU_BASED_VIRTUAL_NMI_WND) && !v->nmi_blocked)
        return VMX_REASON_VIRTUAL_NMI_WND;
    if ((cpu & CPU_BASED_IRQ_WND) && (state_read_field(v, VMCS_GUEST_RFLAGS) & 0x200u))
        return VMX_REASON_IRQ_WND;
    return UINT32_MAX;
}

void halt_wait(struct x86_vcpu *v, uint64_t *deadline)
{
    struct hvm_vcpu *b = &v->base;
    for (;;) {
        if (x86_take_kick(v))
            return;
        if (b->icount >= *deadline) {
            x86_exit_clear(v);
            vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_VMX_TIMER_EXPIRED);
            return;
        }
        uint32_t reason = halt_exit_due(v);
        if (reason != UINT32_MAX) {
            v->mtf_injected = false;
            x86_exit_clear(v);
            vmcs_set(v, VMCS_RO_EXIT_REASON, reason);
            return;
        }
        uint64_t wake = v->timer_at < *deadline ? v->timer_at : *deadline;
        if (wake != UINT64_MAX) {
            /* Jump the clock to the wake-up: the instruction times until
             * then are waited, not retired. */
            uint64_t d = wake - b->icount;
            __atomic_store_n(&b->idle_icount, b->idle_icount + d, __ATOMIC_RELAXED);
            if (v->timer_at != UINT64_MAX)
                v->timer_at -= d;
            if (*deadline != UINT64_MAX)
                *deadline -= d;
            continue;
        }
        /* Nothing in the model can wake it: wait for hv_vcpu_interrupt. */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}
