/*
 * hv_vm.h - the VM: creation, destruction and guest physical memory (arm64
 * flavour).
 *
 * A process has at most one VM. Guest physical memory is host memory that the
 * VMM maps at an IPA (intermediate physical address) with hv_vm_map(); guest
 * accesses outside every mapping, or without the needed permission, make
 * hv_vcpu_run() return with a data or instruction abort for the VMM to handle.
 *
 * The functions here may be called from any thread.
 *
 * Where Apple's documentation names no error code, the code hvmodel returns is
 * its own choice, marked "hvmodel's choice" below; these are unconfirmed on
 * hardware. Error paths never change the VM's state.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VM_H
#define HVMODEL_HYPERVISOR_HV_VM_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/*
 * hv_vm_get_max_vcpu_count - how many vCPUs one VM can have at once.
 *
 * @max_vcpu_count: receives the limit; 64 in hvmodel (the value the real
 *                  framework is known to use, though Apple documents none).
 *
 * Does not need a VM. Returns HV_SUCCESS, or HV_BAD_ARGUMENT if
 * max_vcpu_count is NULL.
 */
HV_API hv_return_t hv_vm_get_max_vcpu_count(uint32_t *max_vcpu_count);

/*
 * hv_vm_create - create the process's VM.
 *
 * @config: settings made with the hv_vm_config_* functions, or NULL for the
 *          defaults (36-bit IPA, 16 KiB granule, no EL2). The VM copies them;
 *          the caller still owns config.
 *
 * Returns HV_SUCCESS, or
 *   HV_BUSY          a VM already exists; destroy it first (hvmodel's choice);
 *   HV_BAD_ARGUMENT  config holds settings the model cannot honour;
 *   HV_NO_RESOURCES  memory is exhausted.
 * The real framework returns HV_DENIED when the process lacks the
 * com.apple.security.hypervisor entitlement; hvmodel has no entitlements.
 */
HV_API hv_return_t hv_vm_create(hv_vm_config_t config);

/*
 * hv_vm_destroy - destroy the process's VM.
 *
 * Every vCPU must have been destroyed first. All mappings (and the GIC, if
 * one was created) go with the VM; the host memory behind the mappings stays
 * the caller's.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE  there is no VM (hvmodel's choice);
 *   HV_BUSY       vCPUs still exist (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_destroy(void);

/*
 * hv_vm_map - make host memory guest physical memory.
 *
 * Maps the host range [addr, addr + size) at the guest range [ipa, ipa + size)
 * with the given permissions. The model uses the host memory in place, as
 * macOS does: guest stores appear in it, and VMM stores are seen by the guest.
 * It must stay valid until unmapped; as on macOS, take it from mmap() or
 * hv_vm_allocate() rather than malloc().
 *
 * @addr:  host address; aligned to the host's page size (hvmodel needs no
 *         more: guest addresses and sizes follow the VM's granule, host
 *         pointers only the host page).
 * @ipa:   guest physical address; a multiple of the granule.
 * @size:  bytes; a non-zero multiple of the granule. [ipa, ipa + size) must
 *         lie below 2^(IPA width) and must not overlap an existing mapping.
 * @flags: any combination of HV_MEMORY_READ, HV_MEMORY_WRITE, HV_MEMORY_EXEC.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  addr is NULL; addr, ipa or size is misaligned; size is 0;
 *                    the range wraps, leaves the IPA space or overlaps a
 *                    mapping; flags has other bits (the overlap and range
 *                    codes are hvmodel's choice);
 *   HV_NO_RESOURCES  memory for the model's tables is exhausted.
 * Nothing is mapped on failure.
 */
HV_API hv_return_t hv_vm_map(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags);

/*
 * hv_vm_unmap - remove guest physical memory.
 *
 * The range may cover part of a mapping, a whole one or several adjacent
 * ones, but every granule in it must be mapped. Guest accesses to it then
 * exit as translation faults. The host memory is left untouched.
 *
 * @ipa:  guest physical address; a multiple of the VM's granule.
 * @size: bytes; a non-zero multiple of the granule.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  ipa or size is misaligned, size is 0, the range wraps or
 *                    leaves the IPA space, or part of it is not mapped
 *                    (hvmodel's choice);
 *   HV_NO_RESOURCES  memory for the model's tables is exhausted (splitting
 *                    a mapping).
 * Nothing is unmapped on failure.
 */
HV_API hv_return_t hv_vm_unmap(hv_ipa_t ipa, size_t size);

/*
 * hv_vm_protect - change the permissions of guest physical memory.
 *
 * Same range rules as hv_vm_unmap(): every granule must be mapped. A guest
 * access that the new permissions forbid exits as a permission fault; taking
 * away HV_MEMORY_WRITE is how a VMM tracks dirty pages.
 *
 * @ipa:   guest physical address; a multiple of the VM's granule.
 * @size:  bytes; a non-zero multiple of the granule.
 * @flags: the new permissions, any combination of HV_MEMORY_READ,
 *         HV_MEMORY_WRITE and HV_MEMORY_EXEC.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  misaligned or empty range, a range that wraps or leaves
 *                    the IPA space, part of the range not mapped (hvmodel's
 *                    choice), or unknown bits in flags;
 *   HV_NO_RESOURCES  memory for the model's tables is exhausted.
 * Nothing changes on failure.
 */
HV_API hv_return_t hv_vm_protect(hv_ipa_t ipa, size_t size, hv_memory_flags_t flags);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VM_H */
