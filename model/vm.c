/*
 * vm.c — the process's single VM: creation and destruction, and the
 * map/unmap/protect operations on its stage-2 table. One lock (vm_lock)
 * serialises every change to the VM, its vCPU table and its table; vCPU
 * threads take it only at faults and memory resyncs, never per instruction.
 */
#include <stdlib.h>
#include <string.h>

#include "hvm.h"
#include "hvmodel.h"

pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hvm_vm *_Atomic the_vm;
static uint32_t next_insns_per_tick = HVM_INSNS_PER_TICK_DEF;

struct hvm_vm *vm_current(void) { return atomic_load_explicit(&the_vm, memory_order_acquire); }

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
    atomic_store_explicit(&the_vm, vm, memory_order_release);
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
        stage2_fini(&vm->s2);
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

/* Tells every vCPU its engine's memory map is stale; a running one stops at
 * its next block boundary, resyncs and goes on without an exit. */
static void mark_vcpus_stale(struct hvm_vm *vm)
{
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        struct hvm_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        atomic_store(&v->s2_dirty, true);
        if (atomic_load(&v->state) == HVM_VCPU_RUNNING)
            atomic_store(&v->stop_at, 0);
    }
}

typedef enum s2_err (*s2_change_fn)(struct stage2 *, void *, uint64_t, uint64_t, uint32_t);

static enum s2_err do_map(struct stage2 *s, void *h, uint64_t g, uint64_t n, uint32_t p)
{
    return stage2_map(s, h, g, n, p);
}
static enum s2_err do_unmap(struct stage2 *s, void *h, uint64_t g, uint64_t n, uint32_t p)
{
    return stage2_unmap(s, g, n);
}
static enum s2_err do_protect(struct stage2 *s, void *h, uint64_t g, uint64_t n, uint32_t p)
{
    return stage2_protect(s, g, n, p);
}

static hv_return_t vm_change(s2_change_fn fn, void *host, uint64_t gpa, uint64_t size,
                             uint32_t prot)
{
    hv_return_t ret;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else {
        ret = s2_status(fn(&vm->s2, host, gpa, size, prot));
        if (ret == HV_SUCCESS)
            mark_vcpus_stale(vm);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

hv_return_t vm_map(void *host, uint64_t gpa, uint64_t size, uint32_t prot)
{
    return vm_change(do_map, host, gpa, size, prot);
}

hv_return_t vm_unmap(uint64_t gpa, uint64_t size)
{
    return vm_change(do_unmap, NULL, gpa, size, 0);
}

hv_return_t vm_protect(uint64_t gpa, uint64_t size, uint32_t prot)
{
    return vm_change(do_protect, NULL, gpa, size, prot);
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
    } else {
        uint64_t now = __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
        if (now + ticks < now)
            ret = HV_BAD_ARGUMENT;
        else
            __atomic_store_n(&vm->advanced_ticks, now + ticks, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}
