/*
 * darwin.c — the few Darwin calls small VMMs use next to Hypervisor.framework:
 * os_retain/os_release for the framework's objects, and mach_absolute_time /
 * mach_timebase_info, which read the model's virtual clock so that a VMM's
 * own timekeeping stays deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mach_time.h>
#include <os/object.h>

#include "hvm.h"
#include "hvmodel.h"
#include "object.h"

void *object_new(size_t size, uint32_t kind)
{
    struct hvm_object *o = calloc(1, size);
    if (!o)
        return NULL;
    o->magic = HVM_OBJECT_MAGIC;
    o->kind = kind;
    atomic_init(&o->refs, 1);
    return o;
}

void *object_cast(void *p, uint32_t kind)
{
    struct hvm_object *o = p;
    if (!o || o->magic != HVM_OBJECT_MAGIC || o->kind != kind)
        return NULL;
    return o;
}

HVM_EXPORT void *os_retain(void *object)
{
    struct hvm_object *o = object;
    if (o && o->magic == HVM_OBJECT_MAGIC)
        atomic_fetch_add(&o->refs, 1);
    return object;
}

HVM_EXPORT void os_release(void *object)
{
    struct hvm_object *o = object;
    if (!o || o->magic != HVM_OBJECT_MAGIC)
        return;
    if (atomic_fetch_sub(&o->refs, 1) == 1) {
        o->magic = 0;
        free(o);
    }
}

HVM_EXPORT uint64_t mach_absolute_time(void)
{
    return clock_now();
}

HVM_EXPORT kern_return_t mach_timebase_info(mach_timebase_info_t info)
{
    if (!info)
        return 4; /* KERN_INVALID_ARGUMENT */
    /* 24 MHz: one tick is 125/3 ns. */
    info->numer = 125;
    info->denom = 3;
    return KERN_SUCCESS;
}
