/*
 * object.h — reference-counted model objects (hv_vm_config_t, hv_vcpu_config_t,
 * ...) released with the Darwin os_release() a VMM already calls.
 */
#ifndef HVMODEL_OBJECT_H
#define HVMODEL_OBJECT_H

#include <stdatomic.h>
#include <stdint.h>

#define HVM_OBJECT_MAGIC 0x68766d6fu /* "hvmo" */

struct hvm_object {
    uint32_t magic;
    uint32_t kind;
    atomic_uint refs;
};

/* Allocates a zeroed object of `size` bytes (header included), one reference. */
void *object_new(size_t size, uint32_t kind);
/* The object if p is a live model object of that kind, else NULL. */
void *object_cast(void *p, uint32_t kind);

#endif
