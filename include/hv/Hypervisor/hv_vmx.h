/*
 * hv_vmx.h - VMX capabilities and VMCS access (x86 flavour).
 *
 * There is no exit record on x86: after hv_vcpu_run() returns, the VMM reads
 * why from the VMCS (VMCS_RO_EXIT_REASON, VMCS_RO_EXIT_QUALIFIC, ...) with
 * hv_vmx_vcpu_read_vmcs(), and sets up guest state and controls with
 * hv_vmx_vcpu_write_vmcs(). Field encodings and control bits are in
 * <Hypervisor/hv_arch_vmx.h>.
 *
 * Threads and errors follow hv.h: the functions taking a hv_vcpuid_t must be
 * called on the vCPU's owning thread, and share the common errors listed
 * there (HV_NO_DEVICE without a VM, HV_BAD_ARGUMENT on a thread that does not
 * own the vCPU, both hvmodel's choice). Codes marked "hvmodel's choice" are
 * unconfirmed on hardware. A failed call changes nothing.
 *
 * The x86 flavour's implementation is in progress; these declarations fix its
 * names, values and ABI.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VMX_H
#define HVMODEL_HYPERVISOR_HV_VMX_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_ARM64) && !defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: this header belongs to the x86 flavour (HVMODEL_FLAVOR_X86)"
#endif

#include <Hypervisor/hv_error.h>
#include <Hypervisor/hv_types.h>
#include <Hypervisor/hv_arch_vmx.h>

/* ------------------------------------------------------------------------- */
/* Types                                                                     */
/* ------------------------------------------------------------------------- */

/*
 * A VMX capability for hv_vmx_read_capability(). The control capabilities
 * hold the allowed-0 settings in bits 31:0 (a 1 there means the bit must be
 * 1) and the allowed-1 settings in bits 63:32 (a 0 there means the bit must
 * be 0), as the IA32_VMX_* MSRs do, but constrained by the framework. A VMM
 * computes a control value as (want | (cap & 0xffffffff)) & (cap >> 32).
 */
typedef enum {
    HV_VMX_CAP_PINBASED = 0,          /* pin-based controls */
    HV_VMX_CAP_PROCBASED = 1,         /* primary processor-based controls */
    HV_VMX_CAP_PROCBASED2 = 2,        /* secondary processor-based controls */
    HV_VMX_CAP_ENTRY = 3,             /* VM-entry controls */
    HV_VMX_CAP_EXIT = 4,              /* VM-exit controls */
    HV_VMX_CAP_BASIC = 5,             /* IA32_VMX_BASIC (macOS 11.0+) */
    HV_VMX_CAP_TRUE_PINBASED = 6,     /* IA32_VMX_TRUE_PINBASED_CTLS (macOS 11.0+) */
    HV_VMX_CAP_TRUE_PROCBASED = 7,    /* IA32_VMX_TRUE_PROCBASED_CTLS (macOS 11.0+) */
    HV_VMX_CAP_TRUE_ENTRY = 8,        /* IA32_VMX_TRUE_ENTRY_CTLS (macOS 11.0+) */
    HV_VMX_CAP_TRUE_EXIT = 9,         /* IA32_VMX_TRUE_EXIT_CTLS (macOS 11.0+) */
    HV_VMX_CAP_MISC = 10,             /* IA32_VMX_MISC (macOS 11.0+) */
    HV_VMX_CAP_CR0_FIXED0 = 11,       /* CR0 bits that must be 1 (macOS 11.0+) */
    HV_VMX_CAP_CR0_FIXED1 = 12,       /* CR0 bits that may be 1 (macOS 11.0+) */
    HV_VMX_CAP_CR4_FIXED0 = 13,       /* CR4 bits that must be 1 (macOS 11.0+) */
    HV_VMX_CAP_CR4_FIXED1 = 14,       /* CR4 bits that may be 1 (macOS 11.0+) */
    HV_VMX_CAP_VMCS_ENUM = 15,        /* IA32_VMX_VMCS_ENUM (macOS 11.0+) */
    HV_VMX_CAP_EPT_VPID_CAP = 16,     /* IA32_VMX_EPT_VPID_CAP (macOS 11.0+) */
    HV_VMX_CAP_PREEMPTION_TIMER = 32, /* VMX preemption timer frequency */
} hv_vmx_capability_t;

/* Guest MSR configuration that hv_vmx_get_msr_info() reports (macOS 11.0+). */
typedef uint64_t hv_vmx_msr_info_t;

enum {
    HV_VMX_INFO_MSR_IA32_ARCH_CAPABILITIES = 0,   /* the guest's IA32_ARCH_CAPABILITIES */
    HV_VMX_INFO_MSR_IA32_PERF_CAPABILITIES = 1,   /* the guest's IA32_PERF_CAPABILITIES */
    HV_VMX_VALID_MSR_IA32_PERFEVNTSEL = 2,        /* writable bits of IA32_PERFEVNTSELn */
    HV_VMX_VALID_MSR_IA32_FIXED_CTR_CTRL = 3,     /* writable bits of IA32_FIXED_CTR_CTRL */
    HV_VMX_VALID_MSR_IA32_PERF_GLOBAL_CTRL = 4,   /* writable bits of IA32_PERF_GLOBAL_CTRL */
    HV_VMX_VALID_MSR_IA32_PERF_GLOBAL_STATUS = 5, /* valid bits of IA32_PERF_GLOBAL_STATUS */
    HV_VMX_VALID_MSR_IA32_DEBUGCTL = 6,           /* writable bits of IA32_DEBUGCTL */
    HV_VMX_VALID_MSR_IA32_SPEC_CTRL = 7,          /* writable bits of IA32_SPEC_CTRL */
    HV_VMX_NEED_MSR_IA32_SPEC_CTRL = 8,           /* IA32_SPEC_CTRL bits the host needs set */
};

/* Guest VMREAD/VMWRITE access to a shadow-VMCS field (macOS 10.15+). */
typedef uint64_t hv_shadow_flags_t;

enum {
    HV_SHADOW_VMCS_NONE = 0,       /* VMREAD and VMWRITE of the field exit */
    HV_SHADOW_VMCS_READ = 1 << 0,  /* the guest's VMREAD reads the shadow VMCS */
    HV_SHADOW_VMCS_WRITE = 1 << 1, /* the guest's VMWRITE writes the shadow VMCS */
};

HV_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Capabilities                                                              */
/* ------------------------------------------------------------------------- */

/*
 * hv_vmx_read_capability - read a VMX capability as the framework constrains it.
 *
 * @field: an HV_VMX_CAP_* id.
 * @value: receives the capability; see hv_vmx_capability_t for the layout.
 *
 * The values are the model's own, fixed for every run, not the host's.
 * Needs neither a VM nor a vCPU and may be called from any thread (hvmodel's
 * choice; Apple's documentation mentions the owning thread although the call
 * names no vCPU).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if value is NULL or field is not an
 * HV_VMX_CAP_* id (hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_read_capability(hv_vmx_capability_t field, uint64_t *value);

/*
 * hv_vmx_get_msr_info - read guest MSR configuration (macOS 11.0+).
 *
 * @field: an hv_vmx_msr_info_t id.
 * @value: receives the value, for example the IA32_ARCH_CAPABILITIES value
 *         the guest reads.
 *
 * Needs no vCPU; any thread. Returns HV_SUCCESS, or HV_BAD_ARGUMENT if value
 * is NULL or field is unknown (hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_get_msr_info(hv_vmx_msr_info_t field, uint64_t *value);

/* ------------------------------------------------------------------------- */
/* VMCS                                                                      */
/* ------------------------------------------------------------------------- */

/*
 * hv_vmx_vcpu_read_vmcs - read a field of the vCPU's VMCS.
 *
 * @vcpu:  the vCPU.
 * @field: a VMCS_* encoding.
 * @value: receives the field, zero-extended from its width.
 *
 * After hv_vcpu_run() the exit-information fields describe the last exit.
 * Reading a field the framework owns (host state, EPTP, bitmaps, VPID)
 * returns the model's value (hvmodel's choice; whether the real framework
 * allows the read is unconfirmed).
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for a NULL value or an encoding that is not a
 * VMCS_* field, hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_read_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t *value);

/*
 * hv_vmx_vcpu_write_vmcs - write a field of the vCPU's VMCS.
 *
 * Only the fields Apple lets the VMM write are accepted (see
 * <Hypervisor/hv_arch_vmx.h>). For the pin-based, processor-based, secondary
 * processor-based and VM-entry controls, every bit must respect the
 * allowed-0 and allowed-1 settings that hv_vmx_vcpu_get_cap_write_vmcs()
 * reports; other fields take any value of their width.
 *
 * @vcpu:  the vCPU.
 * @field: a VMCS_* encoding.
 * @value: the new value; bits above the field's width are ignored.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors;
 * HV_BAD_ARGUMENT also for an unknown encoding, a read-only or
 * framework-owned field, a control value outside the allowed settings, CR0
 * with CD or NW set, or an activity state other than active or HLT (all
 * hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_write_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t value);

/*
 * hv_vmx_vcpu_get_cap_write_vmcs - the settings a VMCS field accepts (macOS
 * 11.0+).
 *
 * A bit may be 0 only if it is 0 in allowed_0, and may be 1 only if it is 1
 * in allowed_1: (0,0) means must be 0, (0,1) free, (1,1) must be 1.
 *
 * @vcpu:      the vCPU.
 * @field:     a VMCS_* encoding.
 * @allowed_0: receives the must-be-1 mask.
 * @allowed_1: receives the may-be-1 mask.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for NULL pointers or a field the VMM cannot write,
 * hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_get_cap_write_vmcs(hv_vcpuid_t vcpu, uint32_t field,
                                                  uint64_t *allowed_0, uint64_t *allowed_1);

/* ------------------------------------------------------------------------- */
/* Shadow VMCS (nested VMX, macOS 10.15+)                                    */
/* ------------------------------------------------------------------------- */

/*
 * hv_vmx_vcpu_read_shadow_vmcs - read a field of the vCPU's shadow VMCS, the
 * one the guest's own VMREAD instructions see.
 *
 * @vcpu:  the vCPU.
 * @field: a VMCS_* encoding.
 * @value: receives the field.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for a NULL value or an unknown encoding, hvmodel's
 * choice).
 */
HV_API hv_return_t hv_vmx_vcpu_read_shadow_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t *value);

/*
 * hv_vmx_vcpu_write_shadow_vmcs - write a field of the vCPU's shadow VMCS.
 *
 * @vcpu:  the vCPU.
 * @field: a VMCS_* encoding.
 * @value: the new value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an unknown encoding, hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_write_shadow_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t value);

/*
 * hv_vmx_vcpu_set_shadow_access - let the guest's VMREAD/VMWRITE of one field
 * use the shadow VMCS instead of exiting.
 *
 * @vcpu:  the vCPU.
 * @field: a VMCS_* encoding.
 * @flags: HV_SHADOW_VMCS_NONE, or HV_SHADOW_VMCS_READ and/or
 *         HV_SHADOW_VMCS_WRITE.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an unknown encoding or unknown flag bits,
 * hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_set_shadow_access(hv_vcpuid_t vcpu, uint32_t field,
                                                 hv_shadow_flags_t flags);

/* ------------------------------------------------------------------------- */
/* APIC access page                                                          */
/* ------------------------------------------------------------------------- */

/*
 * hv_vmx_vcpu_set_apic_address - set the guest physical page of the vCPU's
 * APIC, for APIC-access virtualization (CPU_BASED2_VIRTUAL_APIC).
 *
 * @vcpu: the vCPU.
 * @gpa:  guest physical address of the APIC page; a multiple of 4 KiB.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for a misaligned gpa, hvmodel's choice).
 */
HV_API hv_return_t hv_vmx_vcpu_set_apic_address(hv_vcpuid_t vcpu, hv_gpaddr_t gpa);

/*
 * hv_vmx_vcpu_set_apic_address_space - as hv_vmx_vcpu_set_apic_address(),
 * in a given address space (macOS 12.0+).
 *
 * @vcpu: the vCPU.
 * @asid: an address space from hv_vm_space_create(), or HV_VM_SPACE_DEFAULT.
 * @gpa:  guest physical address of the APIC page; a multiple of 4 KiB.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an unknown space or a misaligned gpa, hvmodel's
 * choice).
 */
HV_API hv_return_t hv_vmx_vcpu_set_apic_address_space(hv_vcpuid_t vcpu, hv_vm_space_t asid,
                                                      hv_gpaddr_t gpa);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VMX_H */
