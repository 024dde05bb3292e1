/*
 * sched.c — the deterministic scheduler of multi-vCPU VMs (DESIGN §3).
 *
 * Guest code of different vCPUs never runs at the same moment, and neither
 * does VMM code of one vCPU with guest code of another: a vCPU holds the
 * VM's token from the moment it is chosen to run until its thread calls
 * hv_vcpu_run again, the VMM's handling of its exits included. Each vCPU
 * has a virtual time, vtime = its retired instructions + tbase (the time it
 * was created at, and the idle time it skipped). When the token is free,
 * the thread that finds it so chooses (decide): a kicked vCPU first (its run
 * returns CANCELED without guest code), else the waiting vCPU with the
 * smallest time (ties: the lowest id), which runs until its time passes
 * the smallest time of the others by a quantum (SCHED_QUANTUM instructions)
 * and then gives the token up at its next block. Every choice is made while
 * no vCPU runs and no VMM thread of the VM works, from times that are
 * instruction counts, so the interleaving of the vCPUs is the same on every
 * run however the host schedules the threads (tests/linux/boot.sh checks
 * it on a Linux SMP boot, trace bytes included).
 *
 * Threads that do not hold the token: a vCPU's own thread before its first
 * run (a new vCPU) may set its registers; the trace records it made about
 * its vCPU are kept back (sched_defer_record) and written when the vCPU gets
 * the token, so the trace's order is the scheduler's. Such a vCPU (in the
 * VMM, not holding the token) holds back every vCPU later than it: the
 * choice waits for its thread to call hv_vcpu_run, so it does not depend on
 * when that happens.
 *
 * A VMM thread that keeps the token longer than SCHED_OUT_WAIT_MS (2 s) of
 * host time while others wait (it blocks on another vCPU's thread, which
 * would otherwise wait for it forever) loses it: it and vCPUs in the VMM
 * that held the others back are no longer waited for until they run again.
 * That run no longer has the same interleaving every time; the VMMs of this
 * project never block so.
 *
 * Idle: hvm_clock_advance() on a vCPU's thread (the VMM's counterpart of
 * sleeping in WFI until the timer's deadline) makes the vCPU idle until that
 * time. An idle vCPU runs again when the others' time reaches its deadline,
 * or earlier, at the time the running vCPU had, when an interrupt becomes
 * pending for it (the running vCPU passes the token at its next block
 * whenever it makes an interrupt pending for another vCPU).
 *
 * A VM with one vCPU does none of this (vm->smp stays false): its runs take
 * no lock here and hvm_clock_advance() moves the VM's clock as before. The
 * second hv_vcpu_create switches it on for the VM's lifetime.
 *
 * Today only arm64 VMs with the in-framework GIC are scheduled: there the
 * vCPUs interact through interrupts the model delivers, which the scheduler
 * orders. Other multi-vCPU VMs run their vCPUs in parallel as before
 * (docs/design-departures.md): a VMM thread that changes the stage-2 table
 * without pause while vCPUs run (the stress tests do) would starve a
 * scheduled vCPU, which has to resynchronise its engine at every change
 * before it may run one more block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvm.h"
#include "record.h"
#include "../trace/format.h"

#define SCHED_QUANTUM     20000u /* instructions a vCPU may run ahead of the slowest */
#define SCHED_OUT_WAIT_MS 2000u  /* how long a vCPU in the VMM holds the others back */

static inline uint64_t vtime(const struct hvm_vcpu *v)
{
    return __atomic_load_n(&v->icount, __ATOMIC_RELAXED) + v->tbase;
}

/* The time a vCPU counts with for the others: an idle vCPU will do nothing
 * before its deadline. */
static uint64_t eff_time(const struct hvm_vcpu *v)
{
    if (v->sstate == SCHED_WANT && v->idle_until)
        return v->idle_until;
    return vtime(v);
}

/* The smallest time of the vCPUs other than `self` (UINT64_MAX: none): as
 * they count for the others (`eff`: an idle vCPU at its deadline), or where
 * they are. With `skip_out`, vCPUs in the VMM are not counted. */
static uint64_t others_min_of(const struct hvm_vm *vm, const struct hvm_vcpu *self, bool skip_out,
                              bool eff)
{
    uint64_t m = UINT64_MAX;
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        const struct hvm_vcpu *o = vm->vcpus[i];
        if (!o || o == self || o->detached || (skip_out && o->sstate == SCHED_OUT))
            continue;
        uint64_t t = eff ? eff_time(o) : vtime(o);
        if (t < m)
            m = t;
    }
    return m;
}

static uint64_t others_min(const struct hvm_vm *vm, const struct hvm_vcpu *self, bool skip_out)
{
    return others_min_of(vm, self, skip_out, true);
}

static bool irq_pending(struct hvm_vcpu *v)
{
    return v->vm->ops->irq_pending && v->vm->ops->irq_pending(v);
}

/* Idle vCPUs whose wait is over become plain waiting vCPUs at the time
 * their wait ended: an interrupt pending wakes one at the time of the
 * earliest other vCPU (where the interrupt came from), a deadline at the
 * deadline once every other vCPU has passed it. Done where the token is
 * free, so the times are those of vCPUs that are not running. */
static void end_idles(struct hvm_vm *vm, bool skip_out)
{
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        struct hvm_vcpu *v = vm->vcpus[i];
        if (!v || v->sstate != SCHED_WANT || !v->idle_until)
            continue;
        uint64_t now = vtime(v), wake;
        if (others_min(vm, v, skip_out) >= v->idle_until) {
            wake = v->idle_until;
        } else if (irq_pending(v)) {
            uint64_t others = others_min_of(vm, v, skip_out, false);
            wake = others != UINT64_MAX && others > now ? others : now;
        } else {
            continue;
        }
        if (wake > now)
            __atomic_store_n(&v->tbase, v->tbase + (wake - now), __ATOMIC_RELAXED);
        v->idle_until = 0;
    }
}

/* The waiting vCPU the token goes to, or NULL (caller holds vm->sched_lock;
 * nobody holds the token). */
static struct hvm_vcpu *pick(struct hvm_vm *vm, bool skip_out)
{
    struct hvm_vcpu *best = NULL;
    uint64_t best_t = UINT64_MAX;
    /* The earliest vCPU in the VMM: nothing later may be chosen before it
     * is back, or the choice would depend on when its thread returns. */
    uint64_t out_t = UINT64_MAX;
    uint32_t out_id = HVM_MAX_VCPUS;
    for (uint32_t i = 0; !skip_out && i < HVM_MAX_VCPUS; i++) {
        const struct hvm_vcpu *o = vm->vcpus[i];
        if (o && o->sstate == SCHED_OUT && !o->detached && vtime(o) < out_t) {
            out_t = vtime(o);
            out_id = i;
        }
    }
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        struct hvm_vcpu *v = vm->vcpus[i];
        if (!v || v->sstate != SCHED_WANT)
            continue;
        uint64_t others = others_min(vm, v, skip_out), t = vtime(v);
        if (v->idle_until)
            continue; /* still idle (end_idles) */
        if (others != UINT64_MAX && t >= others + SCHED_QUANTUM) {
            continue; /* it would run too far ahead of a vCPU that has to move first */
        }
        if (t > out_t || (t == out_t && i > out_id))
            continue;
        if (t < best_t) {
            best = v;
            best_t = t;
        }
    }
    return best;
}

/* Writes the trace records v kept back (caller holds vm->sched_lock). */
static void write_deferred(struct hvm_vcpu *v)
{
    if (v->defer_len) {
        rec_replay_deferred(v->defer, v->defer_len);
        v->defer_len = 0;
    }
}

/* Gives the token to p, a waiting vCPU (caller holds vm->sched_lock; nobody
 * holds the token). The choice is made here, by whichever thread found the
 * token free, so nothing between the choice and p's thread waking up can
 * change it. p's records made while it did not hold the token (deferred)
 * enter the trace now. */
static void grant(struct hvm_vm *vm, struct hvm_vcpu *p)
{
    uint64_t others = others_min(vm, p, false);
    p->sched_stop = others == UINT64_MAX || others + SCHED_QUANTUM < others ? UINT64_MAX
                    : others + SCHED_QUANTUM > p->tbase ? others + SCHED_QUANTUM - p->tbase
                                                        : 0;
    p->sstate = SCHED_RUN;
    vm->holder = p;
    write_deferred(p);
    pthread_cond_broadcast(&vm->sched_cv);
}

/* The token is free: chooses who gets it, if anyone can (caller holds
 * vm->sched_lock). A kicked vCPU comes first (its run returns CANCELED
 * without guest code); with skip_out, vCPUs in the VMM that held everybody
 * back are no longer waited for until they run again. */
static void decide(struct hvm_vm *vm, bool skip_out)
{
    end_idles(vm, skip_out);
    struct hvm_vcpu *p = NULL;
    for (uint32_t i = 0; i < HVM_MAX_VCPUS && !p; i++) {
        struct hvm_vcpu *o = vm->vcpus[i];
        if (o && o->sstate == SCHED_WANT && atomic_load(&o->cancel))
            p = o;
    }
    if (!p)
        p = pick(vm, skip_out);
    if (!p)
        return;
    if (skip_out)
        for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++)
            if (vm->vcpus[i] && vm->vcpus[i]->sstate == SCHED_OUT)
                vm->vcpus[i]->detached = true;
    grant(vm, p);
}

/* Waits until v holds the token (caller holds vm->sched_lock, v is
 * SCHED_WANT). */
static void wait_turn(struct hvm_vcpu *v)
{
    struct hvm_vm *vm = v->vm;
    unsigned waited_ms = 0;
    for (;;) {
        bool long_wait = waited_ms >= SCHED_OUT_WAIT_MS;
        if (!vm->holder)
            decide(vm, long_wait);
        if (vm->holder == v)
            return;
        if (long_wait && vm->holder && vm->holder->sstate == SCHED_OUT) {
            /* The holder's VMM thread has been away too long (it waits
             * for another thread of its own): run without it. */
            vm->holder->detached = true;
            vm->holder = NULL;
            waited_ms = 0;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&vm->sched_cv, &vm->sched_lock, &ts) == ETIMEDOUT)
            waited_ms += 10;
        else
            waited_ms = 0;
    }
}

void sched_vcpu_added(struct hvm_vcpu *v)
{
    struct hvm_vm *vm = v->vm;
    pthread_mutex_lock(&vm->sched_lock); /* v is SCHED_OUT, sched_stop UINT64_MAX (vcpu_create) */
    vm->vcpus[v->id] = v;
    if (!vm->ops->irq_pending || !vm->gic) {
        pthread_mutex_unlock(&vm->sched_lock);
        return; /* not scheduled (see the top of this file) */
    }
    /* A new vCPU starts at the time of the earliest of the others: the one
     * whose VMM thread is creating it (PSCI CPU_ON) when the VMM creates it
     * while that vCPU is in the VMM. */
    uint64_t others = others_min(vm, v, false);
    if (others != UINT64_MAX) {
        __atomic_store_n(&v->tbase, others, __ATOMIC_RELAXED);
        if (!atomic_load(&vm->smp)) {
            atomic_store(&vm->smp, true);
            /* vCPUs running unscheduled join at their next block. */
            for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
                struct hvm_vcpu *o = vm->vcpus[i];
                if (o && o != v && atomic_load(&o->state) == HVM_VCPU_RUNNING)
                    atomic_store(&o->stop_at, 0);
            }
        }
    }
    pthread_mutex_unlock(&vm->sched_lock);
}

/* v stops wanting the token or gives it up: SCHED_WANT waits until v holds
 * it again; SCHED_OUT (the vCPU goes away) gives it up for good. */
static void move_to(struct hvm_vcpu *v, enum hvm_sched_state state)
{
    struct hvm_vm *vm = v->vm;
    pthread_mutex_lock(&vm->sched_lock);
    v->sstate = state;
    if (state == SCHED_OUT)
        v->sched_stop = UINT64_MAX;
    else
        v->detached = false;
    if (vm->holder == v)
        vm->holder = NULL;
    pthread_cond_broadcast(&vm->sched_cv);
    if (state == SCHED_WANT)
        wait_turn(v);
    pthread_mutex_unlock(&vm->sched_lock);
}

void sched_flush_deferred(struct hvm_vcpu *v)
{
    struct hvm_vm *vm = v->vm;
    pthread_mutex_lock(&vm->sched_lock);
    write_deferred(v);
    pthread_mutex_unlock(&vm->sched_lock);
}

void sched_vcpu_removed(struct hvm_vcpu *v)
{
    struct hvm_vm *vm = v->vm;
    pthread_mutex_lock(&vm->sched_lock);
    v->sstate = SCHED_OUT;
    if (vm->holder == v)
        vm->holder = NULL;
    vm->vcpus[v->id] = NULL;
    pthread_cond_broadcast(&vm->sched_cv);
    pthread_mutex_unlock(&vm->sched_lock);
    free(v->defer);
    v->defer = NULL;
}

void sched_enter(struct hvm_vcpu *v)
{
    if (!atomic_load_explicit(&v->vm->smp, memory_order_relaxed) || v->sstate == SCHED_RUN)
        return;
    if (rec_active()) {
        /* What the VMM wrote while this vCPU held the token goes into the
         * trace before the run starts, and RUN says where that is: a
         * replay starts the run at this point of the trace. */
        vm_sync_vmm_writes(v);
        rec_vcpu(HVT_RUN, v->id);
    }
    move_to(v, SCHED_WANT);
}

void sched_point(struct hvm_vcpu *v)
{
    if (!atomic_load_explicit(&v->vm->smp, memory_order_relaxed))
        return;
    /* Not yet scheduled (the VM became multi-vCPU while it ran), or at the
     * end of its quantum, or after making an interrupt pending elsewhere. */
    if (v->sstate != SCHED_RUN || __atomic_load_n(&v->icount, __ATOMIC_RELAXED) >= v->sched_stop ||
        atomic_exchange(&v->yield_now, false))
        move_to(v, SCHED_WANT);
}

void sched_leave(struct hvm_vcpu *v)
{
    struct hvm_vm *vm = v->vm;
    if (!atomic_load_explicit(&vm->smp, memory_order_relaxed))
        return;
    /* Back to the VMM with the token: nobody runs guest code until this
     * thread calls hv_vcpu_run again, so what other vCPUs do never depends
     * on how far the VMM got. */
    pthread_mutex_lock(&vm->sched_lock);
    v->sstate = SCHED_OUT;
    v->sched_stop = UINT64_MAX;
    pthread_mutex_unlock(&vm->sched_lock);
}

bool sched_defer_record(uint16_t type, const uint8_t *p, uint32_t n)
{
    struct hvm_vcpu *v = vcpu_self();
    /* Only records about the caller's own vCPU: creation and destruction
     * change what the scheduler sees and go in at once, as do records about
     * others (KICK) and VM-wide ones. */
    if (!v || !atomic_load_explicit(&v->vm->smp, memory_order_relaxed) || !hvt_has_vcpu(type) ||
        type == HVT_VCPU_CREATE || type == HVT_VCPU_DESTROY || n < 4 || hvt_get32(p) != v->id)
        return false;
    struct hvm_vm *vm = v->vm;
    bool deferred = false;
    pthread_mutex_lock(&vm->sched_lock);
    if (vm->holder != v) {
        uint32_t need = v->defer_len + 6u + n;
        if (need > v->defer_cap) {
            uint32_t cap = need < 256u ? 256u : need * 2u;
            uint8_t *b = realloc(v->defer, cap);
            if (b) {
                v->defer = b;
                v->defer_cap = cap;
            }
        }
        if (need <= v->defer_cap) {
            uint8_t *d = v->defer + v->defer_len;
            hvt_put16(d, type);
            hvt_put32(d + 2, n);
            memcpy(d + 6, p, n);
            v->defer_len = need;
            deferred = true;
        }
    }
    pthread_mutex_unlock(&vm->sched_lock);
    return deferred;
}
void sched_idle(struct hvm_vcpu *v, uint64_t ticks)
{
    struct hvm_vm *vm = v->vm;
    uint64_t insns;
    if (__builtin_mul_overflow(ticks, (uint64_t)vm->insns_per_tick, &insns))
        insns = UINT64_MAX;
    pthread_mutex_lock(&vm->sched_lock);
    uint64_t now = vtime(v);
    v->idle_until = now + insns < now ? UINT64_MAX : now + insns;
    pthread_mutex_unlock(&vm->sched_lock);
}

void sched_irq_raised(struct hvm_vcpu *self, struct hvm_vcpu *target)
{
    if (!self || !target || self == target || !atomic_load(&self->vm->smp))
        return;
    /* Always, whatever the target is doing right now (that depends on its
     * host thread): the next choice is made at this point of self's
     * instruction stream, and it waits for vCPUs in the VMM (pick). */
    atomic_store(&self->yield_now, true);
    atomic_store(&self->stop_at, 0);
}
