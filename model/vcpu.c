/*
 * vcpu.c — vCPU slots and thread ownership, the engine each vCPU owns, the
 * cross-thread kick (hv_vcpus_exit), the address space a vCPU runs in, and
 * the resync of an engine's memory map with that space's stage-2 table.
 *
 * Apple's rules: a vCPU belongs to the thread that created it, a thread owns
 * at most one vCPU, and only hv_vcpus_exit may be called from other threads.
 * The owner is found through a thread-local pointer, so the owner-only calls
 * on the exit path take no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "hvm.h"
#include "hvmodel.h"
#include "record.h"
#include "../trace/format.h"

extern pthread_mutex_t vm_lock;
static _Thread_local struct hvm_vcpu *this_thread_vcpu;

static hv_return_t map_all(struct hvm_vcpu *v)
{
    const struct stage2 *s = vcpu_s2(v);
    for (size_t i = 0; i < s->n; i++) {
        const struct s2_entry *e = &s->e[i];
        if (uc_mem_map_ptr(v->uc, e->gpa, e->size, e->prot, e->engine) != UC_ERR_OK)
            return HV_ERROR;
    }
    v->s2_gen = stage2_gen(s);
    return HV_SUCCESS;
}

hv_return_t vcpu_create(struct hvm_vcpu **out)
{
    hv_return_t ret = HV_SUCCESS;
    struct hvm_vcpu *v = NULL;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm) {
        ret = HV_NO_DEVICE;
        goto out;
    }
    if (this_thread_vcpu) {
        ret = HV_BUSY;
        goto out;
    }
    uint32_t slot = 0;
    while (slot < HVM_MAX_VCPUS && vm->vcpus[slot])
        slot++;
    if (slot == HVM_MAX_VCPUS) {
        ret = HV_NO_RESOURCES;
        goto out;
    }
    v = calloc(1, vm->ops->vcpu_size);
    if (!v) {
        ret = HV_NO_RESOURCES;
        goto out;
    }
    v->vm = vm;
    v->id = slot;
    v->owner = pthread_self();
    atomic_store(&v->stop_at, UINT64_MAX);
    v->cancel_at = UINT64_MAX;
    v->sched_stop = UINT64_MAX;
    if (uc_open(vm->ops->uc_arch, vm->ops->uc_mode, &v->uc) != UC_ERR_OK) {
        ret = HV_NO_RESOURCES;
        goto fail;
    }
    if ((ret = vm->ops->vcpu_init(v)) != HV_SUCCESS)
        goto fail;
    if ((ret = map_all(v)) != HV_SUCCESS) {
        vm->ops->vcpu_fini(v);
        goto fail;
    }
    vm->nvcpus++;
    sched_vcpu_added(v);
    this_thread_vcpu = v;
    *out = v;
    rec_vcpu(HVT_VCPU_CREATE, slot);
    goto out;
fail:
    if (v->uc)
        uc_close(v->uc);
    free(v);
out:
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

struct hvm_vcpu *vcpu_self(void)
{
    return this_thread_vcpu;
}

struct hvm_vcpu *vcpu_owned(uint64_t id, hv_return_t *err)
{
    struct hvm_vcpu *v = this_thread_vcpu;
    if (v && v->id == id)
        return v;
    *err = vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return NULL;
}

hv_return_t vcpu_destroy(uint64_t id)
{
    hv_return_t err;
    struct hvm_vcpu *v = vcpu_owned(id, &err);
    if (!v)
        return err;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = v->vm;
    /* In the trace before another vCPU can get the token. */
    sched_flush_deferred(v);
    rec_vcpu(HVT_VCPU_DESTROY, (uint32_t)id);
    sched_vcpu_removed(v);
    vm->nvcpus--;
    vm->ops->vcpu_fini(v);
    uc_close(v->uc);
    this_thread_vcpu = NULL;
    free(v);
    pthread_mutex_unlock(&vm_lock);
    return HV_SUCCESS;
}

void vcpu_arm_stop(struct hvm_vcpu *v, uint64_t deadline)
{
    /* A kicker stores cancel, then stop_at = 0. Storing our deadline and then
     * re-reading cancel means either we see the cancel or its 0 lands after. */
    if (v->cancel_at < deadline)
        deadline = v->cancel_at;
    if (v->sched_stop < deadline) /* the end of its quantum (sched.c) */
        deadline = v->sched_stop;
    atomic_store(&v->stop_at, deadline);
    if (atomic_load(&v->cancel) || atomic_load(&v->s2_dirty) || atomic_load(&v->code_dirty))
        atomic_store(&v->stop_at, 0);
}

hv_return_t vcpu_kick(const uint64_t *ids, uint32_t count)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm) {
        ret = HV_NO_DEVICE;
        goto out;
    }
    if (count && !ids) {
        ret = HV_BAD_ARGUMENT;
        goto out;
    }
    /* Validate every id before changing anything. */
    for (uint32_t i = 0; i < count; i++) {
        if (ids[i] >= HVM_MAX_VCPUS || !vm->vcpus[ids[i]]) {
            ret = HV_BAD_ARGUMENT;
            goto out;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        struct hvm_vcpu *v = vm->vcpus[ids[i]];
        atomic_store(&v->cancel, true);
        atomic_store(&v->stop_at, 0);
        rec_vcpu(HVT_KICK, (uint32_t)ids[i]);
    }
    if (atomic_load(&vm->smp)) { /* a kicked vCPU waiting for the token */
        pthread_mutex_lock(&vm->sched_lock);
        pthread_cond_broadcast(&vm->sched_cv);
        pthread_mutex_unlock(&vm->sched_lock);
    }
out:
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

static uc_err apply_op(uc_engine *uc, const struct s2_op *op)
{
    switch (op->kind) {
    case S2_OP_MAP: return uc_mem_map_ptr(uc, op->gpa, op->size, op->prot, op->engine);
    case S2_OP_UNMAP: return uc_mem_unmap(uc, op->gpa, op->size);
    case S2_OP_PROTECT: {
        /* The engine keeps read and execute rights in cached translations
         * that uc_mem_protect does not drop; re-mapping the range does. */
        uc_err err = uc_mem_unmap(uc, op->gpa, op->size);
        return err ? err : uc_mem_map_ptr(uc, op->gpa, op->size, op->prot, op->engine);
    }
    }
    return UC_ERR_ARG;
}

static hv_return_t remap_all(struct hvm_vcpu *v)
{
    uc_mem_region *regions = NULL;
    uint32_t count = 0;
    if (uc_mem_regions(v->uc, &regions, &count) != UC_ERR_OK)
        return HV_ERROR;
    /* Guest-physical memory only: a flavour's private pages sit above the
     * guest-physical width (x86.h) and stay. */
    uint64_t top = 1ull << v->vm->params.ipa_bits;
    for (uint32_t i = 0; i < count; i++)
        if (regions[i].begin < top)
            uc_mem_unmap(v->uc, regions[i].begin, regions[i].end - regions[i].begin + 1);
    uc_free(regions);
    return map_all(v);
}

hv_return_t vcpu_set_space(struct hvm_vcpu *v, uint32_t space)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    if (space >= HVM_MAX_SPACES || !v->vm->spaces[space]) {
        ret = HV_BAD_ARGUMENT;
    } else {
        if (space != v->space) {
            v->space = space;
            v->s2_remap = true;
            atomic_store(&v->s2_dirty, true);
        }
        rec_vcpu_u32(HVT_SET_SPACE, v->id, space);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vcpu_sync_memory(struct hvm_vcpu *v)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct stage2 *s = vcpu_s2(v);
    atomic_store(&v->s2_dirty, false);
    if (v->s2_remap) {
        /* Another space: its whole map, and no code translated from the
         * old one (translations are keyed by guest-physical address). */
        v->s2_remap = false;
        ret = remap_all(v);
        v->vm->ops->flush_code(v, NULL, 0, true);
        uc_ctl_flush_tlb(v->uc);
    } else if (v->s2_gen < s->log_base) {
        ret = remap_all(v);
    } else {
        for (uint64_t g = v->s2_gen; g < stage2_gen(s); g++) {
            if (apply_op(v->uc, &s->log[g - s->log_base]) != UC_ERR_OK) {
                ret = remap_all(v);
                break;
            }
        }
        v->s2_gen = stage2_gen(s);
    }
    /* Drop the log every engine in this space has seen. */
    uint64_t min_gen = stage2_gen(s);
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        const struct hvm_vcpu *o = v->vm->vcpus[i];
        if (o && o->space == v->space && !o->s2_remap && o->s2_gen < min_gen)
            min_gen = o->s2_gen;
    }
    stage2_log_trim(s, min_gen);
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

uint64_t clock_now(void)
{
    struct hvm_vcpu *v = this_thread_vcpu;
    if (v)
        return clock_vcpu_ticks(v);
    uint64_t now = 0;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (vm) {
        now = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
        for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++)
            if (vm->vcpus[i] && clock_vcpu_ticks(vm->vcpus[i]) > now)
                now = clock_vcpu_ticks(vm->vcpus[i]);
    }
    pthread_mutex_unlock(&vm_lock);
    return now;
}

HVM_EXPORT uint64_t hvm_clock_now(void)
{
    return clock_now();
}

HVM_EXPORT hv_return_t hvm_replay_cancel_at(hvm_vcpu_t vcpu, uint64_t icount)
{
    hv_return_t err;
    struct hvm_vcpu *v = vcpu_owned(vcpu, &err);
    if (!v)
        return err;
    v->cancel_at = icount;
    return HV_SUCCESS;
}

HVM_EXPORT hv_return_t hvm_vcpu_get_instruction_count(hvm_vcpu_t vcpu, uint64_t *count)
{
    hv_return_t err;
    struct hvm_vcpu *v = vcpu_owned(vcpu, &err);
    if (!v)
        return err;
    if (!count)
        return HV_BAD_ARGUMENT;
    *count = v->icount;
    return HV_SUCCESS;
}
