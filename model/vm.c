/*
 * vm.c — the process's single VM: creation and destruction, its address
 * spaces (space 0, the default, and the x86 flavour's extra ones, each its
 * own stage-2/EPT table), and the map/unmap/protect operations on them. One
 * lock (vm_lock)
 * serialises every change to the VM, its vCPU table and its table; vCPU
 * threads take it only at faults and memory resyncs, never per instruction.
 */
#include <stdlib.h>
#include <string.h>

#include "hvm.h"
#include "hvmodel.h"
#include "memtrack.h"
#include "record.h"
#include "../trace/format.h"

pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hvm_vm *_Atomic the_vm;
static uint32_t next_insns_per_tick = HVM_INSNS_PER_TICK_DEF;

struct hvm_vm *vm_current(void)
{
    return atomic_load_explicit(&the_vm, memory_order_acquire);
}

hv_return_t vm_create(const struct hvm_arch_ops *ops, const struct hvm_vm_params *p)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    if (vm_current()) {
        ret = HV_BUSY;
        goto out;
    }
    struct hvm_vm *vm = calloc(1, sizeof(*vm));
    if (!vm) {
        ret = HV_NO_RESOURCES;
        goto out;
    }
    vm->ops = ops;
    vm->params = *p;
    vm->insns_per_tick = next_insns_per_tick;
    stage2_init(&vm->s2, p->granule, p->ipa_bits);
    vm->spaces[0] = &vm->s2;
    pthread_mutex_init(&vm->sched_lock, NULL);
    pthread_cond_init(&vm->sched_cv, NULL);
    atomic_store_explicit(&the_vm, vm, memory_order_release);
    rec_vm_created(vm, ops->trace_flavour);
out:
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vm_destroy(void)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm)
        ret = HV_NO_DEVICE;
    else if (vm->nvcpus)
        ret = HV_BUSY;
    else {
        atomic_store_explicit(&the_vm, NULL, memory_order_release);
        rec_vm_destroyed();
        memtrack_reset();
        for (uint32_t i = 1; i < HVM_MAX_SPACES; i++) {
            if (vm->spaces[i]) {
                stage2_fini(vm->spaces[i]);
                free(vm->spaces[i]);
            }
        }
        if (vm->ops->vm_fini)
            vm->ops->vm_fini(vm);
        stage2_fini(&vm->s2);
        pthread_cond_destroy(&vm->sched_cv);
        pthread_mutex_destroy(&vm->sched_lock);
        free(vm);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

static hv_return_t s2_status(enum s2_err err)
{
    switch (err) {
    case S2_OK: return HV_SUCCESS;
    case S2_ENOMEM: return HV_NO_RESOURCES;
    default: return HV_BAD_ARGUMENT;
    }
}

/* Tells every vCPU in `space` its engine's memory map is stale; a running
 * one stops at its next block boundary, resyncs and goes on without an exit. */
static void mark_vcpus_stale(struct hvm_vm *vm, uint32_t space)
{
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        struct hvm_vcpu *v = vm->vcpus[i];
        if (!v || v->space != space)
            continue;
        atomic_store(&v->s2_dirty, true);
        if (atomic_load(&v->state) == HVM_VCPU_RUNNING)
            atomic_store(&v->stop_at, 0);
    }
}

/* The table of an existing space, or NULL (vm_lock held). */
static struct stage2 *space_of(struct hvm_vm *vm, uint32_t space)
{
    return space < HVM_MAX_SPACES ? vm->spaces[space] : NULL;
}

hv_return_t vm_map_space(uint32_t space, void *host, uint64_t gpa, uint64_t size, uint32_t prot)
{
    hv_return_t ret;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    struct stage2 *s = vm ? space_of(vm, space) : NULL;
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else if (!s) {
        ret = HV_BAD_ARGUMENT;
    } else if ((ret = s2_status(stage2_check_map(s, host, gpa, size, prot))) == HV_SUCCESS) {
        /* The engines get an alias of the VMM's memory so that the VMM's
         * writes can be tracked (memtrack.h); without one they use host. */
        uint8_t *engine = host, *base;
        uint32_t region = 0;
        uint64_t offset = 0;
        size_t region_size = 0;
        bool created = false,
             tracked = memtrack_add(host, size, &engine, &region, &offset, &created);
        if (!tracked) {
            engine = host;
            if (rec_active())
                rec_abandon("guest memory the model cannot track was mapped");
        }
        ret = s2_status(stage2_map(s, host, engine, gpa, size, prot));
        if (ret == HV_SUCCESS) {
            mark_vcpus_stale(vm, space);
            if (tracked && memtrack_region(region, &base, &region_size)) {
                if (space == 0)
                    rec_map(gpa, size, prot, region, offset, created, base, region_size);
                else
                    rec_space_memory(space, HVT_MAP, gpa, size, prot, region, offset, created, base,
                                     region_size);
            }
        }
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vm_map(void *host, uint64_t gpa, uint64_t size, uint32_t prot)
{
    return vm_map_space(0, host, gpa, size, prot);
}

static hv_return_t vm_change(uint32_t space, bool unmap, uint64_t gpa, uint64_t size, uint32_t prot)
{
    hv_return_t ret;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    struct stage2 *s = vm ? space_of(vm, space) : NULL;
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else if (!s) {
        ret = HV_BAD_ARGUMENT;
    } else {
        ret = s2_status(unmap ? stage2_unmap(s, gpa, size) : stage2_protect(s, gpa, size, prot));
        if (ret == HV_SUCCESS) {
            mark_vcpus_stale(vm, space);
            if (space != 0)
                rec_space_memory(space, unmap ? HVT_UNMAP : HVT_PROTECT, gpa, size,
                                 unmap ? 0 : prot, 0, 0, false, NULL, 0);
            else if (unmap)
                rec_unmap(gpa, size);
            else
                rec_protect(gpa, size, prot);
        }
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vm_unmap(uint64_t gpa, uint64_t size)
{
    return vm_change(0, true, gpa, size, 0);
}

hv_return_t vm_protect(uint64_t gpa, uint64_t size, uint32_t prot)
{
    return vm_change(0, false, gpa, size, prot);
}

hv_return_t vm_unmap_space(uint32_t space, uint64_t gpa, uint64_t size)
{
    return vm_change(space, true, gpa, size, 0);
}

hv_return_t vm_protect_space(uint32_t space, uint64_t gpa, uint64_t size, uint32_t prot)
{
    return vm_change(space, false, gpa, size, prot);
}

hv_return_t vm_space_create(uint32_t *space)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    uint32_t id = 1;
    while (vm && id < HVM_MAX_SPACES && vm->spaces[id])
        id++;
    struct stage2 *s = NULL;
    if (!vm)
        ret = HV_NO_DEVICE;
    else if (id == HVM_MAX_SPACES || !(s = calloc(1, sizeof(*s))))
        ret = HV_NO_RESOURCES;
    else if (stage2_init(s, vm->params.granule, vm->params.ipa_bits) != 0) {
        free(s);
        ret = HV_NO_RESOURCES;
    } else {
        vm->spaces[id] = s;
        *space = id;
        rec_u32(HVT_SPACE_CREATE, id);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vm_space_destroy(uint32_t space)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else if (space == 0 || !space_of(vm, space)) {
        ret = HV_BAD_ARGUMENT;
    } else {
        for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++)
            if (vm->vcpus[i] && vm->vcpus[i]->space == space)
                ret = HV_BUSY;
        if (ret == HV_SUCCESS) {
            stage2_fini(vm->spaces[space]);
            free(vm->spaces[space]);
            vm->spaces[space] = NULL;
            rec_u32(HVT_SPACE_DESTROY, space);
        }
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

/* A VMM-written host page: every guest-physical page mapping it loses its
 * translated code on every vCPU. */
static void queue_space_invalidation(struct hvm_vm *vm, uint32_t space, const uint8_t *data)
{
    const struct stage2 *s = vm->spaces[space];
    for (size_t i = 0; i < s->n; i++) {
        const struct s2_entry *e = &s->e[i];
        if (data < e->host || data >= e->host + e->size)
            continue;
        uint64_t gpa = e->gpa + (uint64_t)(data - e->host);
        for (uint32_t c = 0; c < HVM_MAX_VCPUS; c++) {
            struct hvm_vcpu *v = vm->vcpus[c];
            if (!v || v->space != space)
                continue;
            if (v->inval_n < HVM_INVAL_MAX)
                v->inval[v->inval_n++] = gpa;
            else
                v->inval_all = true;
            atomic_store(&v->code_dirty, true);
            if (atomic_load(&v->state) == HVM_VCPU_RUNNING)
                atomic_store(&v->stop_at, 0);
        }
    }
}

static void queue_code_invalidation_only(struct hvm_vm *vm, const uint8_t *data)
{
    for (uint32_t sp = 0; sp < HVM_MAX_SPACES; sp++)
        if (vm->spaces[sp])
            queue_space_invalidation(vm, sp, data);
}

static void queue_code_invalidation(void *opaque, uint32_t region, uint64_t offset,
                                    const uint8_t *data)
{
    rec_mem(region, offset, data, (uint32_t)memtrack_page_size());
    queue_code_invalidation_only(opaque, data);
}

void vm_note_vmm_write(const void *host, size_t len)
{
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (vm) {
        size_t pg = memtrack_page_size();
        const uint8_t *p = (const uint8_t *)((uintptr_t)host & ~(uintptr_t)(pg - 1));
        for (; p < (const uint8_t *)host + len; p += pg)
            queue_code_invalidation_only(vm, p);
    }
    pthread_mutex_unlock(&vm_lock);
}

void vm_sync_vmm_writes(struct hvm_vcpu *vcpu)
{
    struct hvm_vm *vm = vcpu->vm;
    if (!memtrack_any_dirty() && !atomic_load(&vcpu->code_dirty))
        return;
    pthread_mutex_lock(&vm_lock);
    memtrack_collect(queue_code_invalidation, vm);
    if (atomic_exchange(&vcpu->code_dirty, false)) {
        vm->ops->flush_code(vcpu, vcpu->inval, vcpu->inval_n, vcpu->inval_all);
        vcpu->inval_n = 0;
        vcpu->inval_all = false;
    }
    pthread_mutex_unlock(&vm_lock);
}

HVM_EXPORT hv_return_t hvm_set_insns_per_tick(uint32_t insns_per_tick)
{
    if (insns_per_tick == 0 || insns_per_tick > 1000000)
        return HV_BAD_ARGUMENT;
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    if (vm_current())
        ret = HV_BUSY;
    else
        next_insns_per_tick = insns_per_tick;
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

HVM_EXPORT hv_return_t hvm_clock_advance(uint64_t ticks)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else if (atomic_load(&vm->smp) && vcpu_self()) {
        /* Several vCPUs: the caller's vCPU idles (sched.c). */
        struct hvm_vcpu *v = vcpu_self();
        sched_idle(v, ticks);
        rec_vcpu_u64(HVT_CLOCK_IDLE, v->id, ticks);
    } else {
        uint64_t now = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
        if (now + ticks < now) {
            ret = HV_BAD_ARGUMENT;
        } else {
            __atomic_store_n(&vm->advanced_ticks, now + ticks, __ATOMIC_RELAXED);
            rec_u64(HVT_CLOCK_ADVANCE, ticks);
        }
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

HVM_EXPORT hv_return_t hvm_notify_vmm_write(const void *host, size_t len)
{
    if (!host && len)
        return HV_BAD_ARGUMENT;
    if (!vm_current())
        return HV_NO_DEVICE;
    vm_note_vmm_write(host, len);
    return HV_SUCCESS;
}
