/*
 * hv_vm_allocate.h - memory meant to back guest RAM (arm64 flavour, macOS
 * 12.1+).
 *
 * On macOS these calls give the VMM anonymous memory whose use is accounted
 * to the process; in hvmodel they are plain page-aligned anonymous mappings.
 * They do not need a VM and may be called from any thread.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VM_ALLOCATE_H
#define HVMODEL_HYPERVISOR_HV_VM_ALLOCATE_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/*
 * hv_vm_allocate - allocate zeroed, readable and writable memory.
 *
 * @uvap:  receives the address of the new memory, aligned to 16 KiB (so it
 *         can be passed to hv_vm_map() at either granule).
 * @size:  bytes; a non-zero multiple of 16 KiB, the Apple silicon page size
 *         (hvmodel's reading of "page size"; Linux hosts may use smaller pages).
 * @flags: HV_ALLOCATE_DEFAULT.
 *
 * Returns HV_SUCCESS, or
 *   HV_BAD_ARGUMENT  uvap is NULL, size is 0 or not a multiple of 16 KiB, or
 *                    flags is not HV_ALLOCATE_DEFAULT;
 *   HV_NO_RESOURCES  the host cannot provide the memory.
 * Free the memory with hv_vm_deallocate().
 */
HV_API hv_return_t hv_vm_allocate(void **uvap, size_t size, hv_allocate_flags_t flags);

/*
 * hv_vm_deallocate - free memory from hv_vm_allocate().
 *
 * Unmap the memory from the VM first: the guest must not keep a mapping to
 * freed memory.
 *
 * @uva:  the address hv_vm_allocate() returned.
 * @size: the size that was passed to hv_vm_allocate().
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if uva and size do not describe a
 * block that hv_vm_allocate() returned (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_deallocate(void *uva, size_t size);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VM_ALLOCATE_H */
