/*
 * hv_vm_types.h - VM-wide types (arm64 flavour).
 *
 * Guest physical addresses, the VM configuration object, the IPA translation
 * granule and the hv_vm_allocate flags.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VM_TYPES_H
#define HVMODEL_HYPERVISOR_HV_VM_TYPES_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>

/* An intermediate physical address: an address in the guest's physical space. */
typedef uint64_t hv_ipa_t;

/* VM configuration object (macOS 13.0+); create with hv_vm_config_create(). */
HV_OBJECT_DECL(hv_vm_config);

/* Stage-2 translation granule of a VM (macOS 26.0+). */
typedef uint32_t hv_ipa_granule_t;

enum {
    HV_IPA_GRANULE_4KB = 0,  /* 4 KiB pages */
    HV_IPA_GRANULE_16KB = 1, /* 16 KiB pages, the Apple silicon host page size */
};

/* Flags of hv_vm_allocate() (macOS 12.1+). */
typedef uint64_t hv_allocate_flags_t;

enum {
    HV_ALLOCATE_DEFAULT = 0, /* the only flag value: ordinary anonymous memory */
};

#endif /* HVMODEL_HYPERVISOR_HV_VM_TYPES_H */
