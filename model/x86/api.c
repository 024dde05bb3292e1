/*
 * api.c — the x86 flavour's public entry points. Each checks its arguments
 * first and answers with the framework's error code (hv.h, hv_vmx.h); the
 * work happens in the core and in this flavour's files.
 */
#include <stdlib.h>
#include <string.h>

#include "../record.h"
#include "../../trace/format.h"
#include "hvmodel.h"
#include "x86.h"

#define HVM_API __attribute__((visibility("default")))

#define OWNED(id)                                                                                  \
    hv_return_t err_;                                                                              \
    struct hvm_vcpu *b_ = vcpu_owned((id), &err_);                                                 \
    if (!b_)                                                                                       \
        return err_;                                                                               \
    struct x86_vcpu *v = x86(b_)

#define MEM_FLAGS (HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)

/* Records an input once the call has succeeded (trace/FORMAT.md). */
#define RECORDED(call, record)                                                                     \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ == HV_SUCCESS && rec_active())                                                      \
            record;                                                                                \
        return r_;                                                                                 \
    } while (0)

HVM_API hv_return_t hv_capability(hv_capability_t capability, uint64_t *value)
{
    if (!value)
        return HV_BAD_ARGUMENT;
    switch (capability) {
    case HV_CAP_VCPUMAX: *value = HVM_MAX_VCPUS; return HV_SUCCESS;
    case HV_CAP_ADDRSPACEMAX: *value = HVM_MAX_SPACES; return HV_SUCCESS;
    }
    return HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_vm_create(hv_vm_options_t flags)
{
    const hv_vm_options_t known = HV_VM_SPECIFY_MITIGATIONS | HV_VM_MITIGATION_A_ENABLE |
                                  HV_VM_MITIGATION_B_ENABLE | HV_VM_MITIGATION_C_ENABLE |
                                  HV_VM_MITIGATION_D_ENABLE | HV_VM_MITIGATION_E_ENABLE;
    if (flags & HV_VM_ACCEL_APIC)
        return HV_UNSUPPORTED;
    if (flags & ~known)
        return HV_BAD_ARGUMENT;
    struct hvm_vm_params p = {X86_GPA_BITS, 4096};
    return vm_create(&x86_ops, &p);
}

HVM_API hv_return_t hv_vm_destroy(void)
{
    return vm_destroy();
}

HVM_API hv_return_t hv_vm_map(hv_uvaddr_t uva, hv_gpaddr_t gpa, size_t size,
                              hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)MEM_FLAGS)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_map((void *)(uintptr_t)uva, gpa, size, (uint32_t)flags);
}

HVM_API hv_return_t hv_vm_unmap(hv_gpaddr_t gpa, size_t size)
{
    return vm_unmap(gpa, size);
}

HVM_API hv_return_t hv_vm_protect(hv_gpaddr_t gpa, size_t size, hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)MEM_FLAGS)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_protect(gpa, size, (uint32_t)flags);
}

/* Address spaces: HVM_MAX_SPACES of them, the default included, each its
 * own EPT (hvm.h, vm.c). Space 0 is the default space hv_vm_map works on. */
HVM_API hv_return_t hv_vm_space_create(hv_vm_space_t *asid)
{
    if (!asid)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    uint32_t id;
    hv_return_t ret = vm_space_create(&id);
    if (ret == HV_SUCCESS)
        *asid = id;
    return ret;
}

HVM_API hv_return_t hv_vm_space_destroy(hv_vm_space_t asid)
{
    return vm_space_destroy(asid);
}

HVM_API hv_return_t hv_vm_map_space(hv_vm_space_t asid, hv_uvaddr_t uva, hv_gpaddr_t gpa,
                                    size_t size, hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)MEM_FLAGS)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_map_space(asid, (void *)(uintptr_t)uva, gpa, size, (uint32_t)flags);
}

HVM_API hv_return_t hv_vm_unmap_space(hv_vm_space_t asid, hv_gpaddr_t gpa, size_t size)
{
    return vm_unmap_space(asid, gpa, size);
}

HVM_API hv_return_t hv_vm_protect_space(hv_vm_space_t asid, hv_gpaddr_t gpa, size_t size,
                                        hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)MEM_FLAGS)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_protect_space(asid, gpa, size, (uint32_t)flags);
}

HVM_API hv_return_t hv_vm_allocate(void **uvap, size_t size, hv_allocate_flags_t flags)
{
    if (flags != HV_ALLOCATE_DEFAULT)
        return HV_BAD_ARGUMENT;
    return vm_allocate(uvap, size, 4096u);
}

HVM_API hv_return_t hv_vm_deallocate(void *uva, size_t size)
{
    return vm_deallocate(uva, size);
}

HVM_API hv_return_t hv_vm_sync_tsc(uint64_t tsc)
{
    struct hvm_vm *vm = vm_current();
    if (!vm)
        return HV_NO_DEVICE;
    extern pthread_mutex_t vm_lock;
    pthread_mutex_lock(&vm_lock);
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++) {
        struct x86_vcpu *v = vm->vcpus[i] ? x86(vm->vcpus[i]) : NULL;
        if (v)
            v->tsc_offset_model += tsc - x86_tsc(v);
    }
    if (rec_active())
        rec_u64(HVT_SYNC_TSC, tsc); /* under vm_lock: in order with the vCPUs' runs */
    pthread_mutex_unlock(&vm_lock);
    return HV_SUCCESS;
}

HVM_API uint64_t hv_tsc_clock(void)
{
    return clock_now() * HVM_INSNS_PER_TICK_DEF;
}

HVM_API hv_return_t hv_vcpu_set_tsc_relative(hv_vcpuid_t vcpu, int64_t offset)
{
    OWNED(vcpu);
    if (!(v->options & HV_VCPU_TSC_RELATIVE))
        return HV_BAD_ARGUMENT;
    v->tsc_offset_model = (uint64_t)offset;
    if (rec_active())
        rec_vcpu_u64(HVT_SET_TSC_RELATIVE, (uint32_t)vcpu, (uint64_t)offset);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_add_pio_notifier(uint16_t addr, size_t size, uint32_t value,
                                           mach_port_t mach_port, hv_ion_flags_t flags)
{
    (void)addr, (void)size, (void)value, (void)mach_port, (void)flags;
    return vm_current() ? HV_UNSUPPORTED : HV_NO_DEVICE;
}

HVM_API hv_return_t hv_vm_remove_pio_notifier(uint16_t addr, size_t size, uint32_t value,
                                              mach_port_t mach_port, hv_ion_flags_t flags)
{
    (void)addr, (void)size, (void)value, (void)mach_port, (void)flags;
    return vm_current() ? HV_UNSUPPORTED : HV_NO_DEVICE;
}

/* ---- vCPUs ---- */

HVM_API hv_return_t hv_vcpu_create(hv_vcpuid_t *vcpu, hv_vcpu_options_t flags)
{
    if (!vcpu || (flags & ~(hv_vcpu_options_t)(HV_VCPU_ACCEL_RDPMC | HV_VCPU_TSC_RELATIVE)))
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    struct hvm_vcpu *b;
    hv_return_t ret = vcpu_create(&b);
    if (ret != HV_SUCCESS)
        return ret;
    x86(b)->options = flags;
    *vcpu = b->id;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_destroy(hv_vcpuid_t vcpu)
{
    return vcpu_destroy(vcpu);
}

HVM_API hv_return_t hv_vcpu_set_space(hv_vcpuid_t vcpu, hv_vm_space_t asid)
{
    OWNED(vcpu);
    return vcpu_set_space(&v->base, asid);
}

/* The EXIT_X86 digest: RIP, RFLAGS and the 16 general registers, in
 * hv_x86_reg_t order (HV_X86_RIP .. HV_X86_R15). */
static uint64_t state_digest(struct x86_vcpu *v, uint64_t *rip)
{
    uint64_t vals[18];
    for (uint32_t i = 0; i < 18; i++)
        if (regs_read(v, HV_X86_RIP + i, &vals[i]) != HV_SUCCESS)
            vals[i] = 0;
    *rip = vals[0];
    return hvt_digest(vals, 18);
}

static void record_exit(struct x86_vcpu *v, uint64_t deadline)
{
    uint64_t rip;
    uint64_t digest = state_digest(v, &rip);
    struct rec_x86_exit e = {
        .vcpu = v->base.id,
        .reason = (uint32_t)vmcs_get(v, VMCS_RO_EXIT_REASON),
        .qualification = vmcs_get(v, VMCS_RO_EXIT_QUALIFIC),
        .gla = vmcs_get(v, VMCS_RO_GUEST_LIN_ADDR),
        .gpa = vmcs_get(v, VMCS_GUEST_PHYSICAL_ADDRESS),
        .icount = v->base.icount,
        .rip = rip,
        .digest = digest,
        .deadline = deadline,
        .instr_len = (uint32_t)vmcs_get(v, VMCS_RO_VMEXIT_INSTR_LEN),
        .instr_info = (uint32_t)vmcs_get(v, VMCS_RO_VMX_INSTR_INFO),
        .intr_info = (uint32_t)vmcs_get(v, VMCS_RO_VMEXIT_IRQ_INFO),
        .intr_error = (uint32_t)vmcs_get(v, VMCS_RO_VMEXIT_IRQ_ERROR),
        .idt_info = (uint32_t)vmcs_get(v, VMCS_RO_IDT_VECTOR_INFO),
        .idt_error = (uint32_t)vmcs_get(v, VMCS_RO_IDT_VECTOR_ERROR),
    };
    rec_exit_x86(&e);
}

HVM_API hv_return_t hv_vcpu_run(hv_vcpuid_t vcpu)
{
    OWNED(vcpu);
    hv_return_t ret = x86_run(v, UINT64_MAX);
    if (ret == HV_SUCCESS && rec_active())
        record_exit(v, HV_DEADLINE_FOREVER);
    return ret;
}

HVM_API hv_return_t hv_vcpu_run_until(hv_vcpuid_t vcpu, uint64_t deadline)
{
    OWNED(vcpu);
    hv_return_t ret = x86_run(
        v, deadline == HV_DEADLINE_FOREVER ? UINT64_MAX : clock_icount_at(&v->base, deadline));
    if (ret == HV_SUCCESS && rec_active())
        record_exit(v, deadline);
    return ret;
}

HVM_API hv_return_t hv_vcpu_interrupt(hv_vcpuid_t *vcpus, unsigned int vcpu_count)
{
    if (!vcpus && vcpu_count)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    uint64_t ids[HVM_MAX_VCPUS];
    if (vcpu_count > HVM_MAX_VCPUS)
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    for (unsigned i = 0; i < vcpu_count; i++)
        ids[i] = vcpus[i];
    return vcpu_kick(ids, vcpu_count);
}

HVM_API hv_return_t hv_vcpu_get_exec_time(hv_vcpuid_t vcpu, uint64_t *time)
{
    OWNED(vcpu);
    if (!time)
        return HV_BAD_ARGUMENT;
    /* Nanoseconds of the 24 MHz virtual clock, without the time the vCPU
     * waited in the HLT activity state (hv_vcpu_get_idle_time). */
    const struct hvm_vm *vm = v->base.vm;
    uint64_t ticks = v->base.icount / vm->insns_per_tick +
                     __atomic_load_n(&vm->advanced_ticks, __ATOMIC_RELAXED);
    *time = ticks * 125u / 3u;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_idle_time(hv_vcpuid_t vcpu, uint64_t *time)
{
    OWNED(vcpu);
    if (!time)
        return HV_BAD_ARGUMENT;
    /* Nanoseconds the vCPU waited in the HLT activity state (halt.c). */
    *time = v->base.idle_icount / v->base.vm->insns_per_tick * 125u / 3u;
    return HV_SUCCESS;
}

/* Deprecated in macOS 11: "This API has no effect and always returns
 * HV_UNSUPPORTED" (hv.h) — whatever the vCPU, VM or thread. */
HVM_API hv_return_t hv_vcpu_flush(hv_vcpuid_t vcpu)
{
    (void)vcpu;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_invalidate_tlb(hv_vcpuid_t vcpu)
{
    OWNED(vcpu);
    uc_ctl_flush_tlb(v->base.uc);
    if (rec_active())
        rec_vcpu(HVT_INVALIDATE_TLB, (uint32_t)vcpu);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_vmx_status(hv_vcpuid_t vcpu, uint32_t *status)
{
    OWNED(vcpu);
    (void)v;
    if (!status)
        return HV_BAD_ARGUMENT;
    return HV_ERROR; /* no VM entry has failed */
}

HVM_API hv_return_t hv_vcpu_read_register(hv_vcpuid_t vcpu, hv_x86_reg_t reg, uint64_t *value)
{
    OWNED(vcpu);
    if (!value)
        return HV_BAD_ARGUMENT;
    return regs_read(v, (uint32_t)reg, value);
}

HVM_API hv_return_t hv_vcpu_write_register(hv_vcpuid_t vcpu, hv_x86_reg_t reg, uint64_t value)
{
    OWNED(vcpu);
    RECORDED(regs_write(v, (uint32_t)reg, value),
             rec_vcpu_u32_u64(HVT_SET_REG, (uint32_t)vcpu, (uint32_t)reg, value));
}

HVM_API hv_return_t hv_vcpu_read_fpstate(hv_vcpuid_t vcpu, void *buffer, size_t size)
{
    OWNED(vcpu);
    return fpstate_read(v, buffer, size);
}

HVM_API hv_return_t hv_vcpu_write_fpstate(hv_vcpuid_t vcpu, void *buffer, size_t size)
{
    OWNED(vcpu);
    RECORDED(fpstate_write(v, buffer, size),
             rec_vcpu_blob(HVT_SET_FPSTATE, (uint32_t)vcpu, buffer, (uint32_t)size));
}

HVM_API hv_return_t hv_vcpu_enable_native_msr(hv_vcpuid_t vcpu, uint32_t msr, bool enable)
{
    OWNED(vcpu);
    RECORDED(msr_enable_native(v, msr, enable),
             rec_vcpu_u32_u32(HVT_SET_NATIVE_MSR, (uint32_t)vcpu, msr, enable));
}

HVM_API hv_return_t hv_vcpu_enable_managed_msr(hv_vcpuid_t vcpu, uint32_t msr, bool enable)
{
    OWNED(vcpu);
    (void)v, (void)msr, (void)enable;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_set_msr_access(hv_vcpuid_t vcpu, uint32_t msr, hv_msr_flags_t flags)
{
    OWNED(vcpu);
    (void)v, (void)msr, (void)flags;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_read_msr(hv_vcpuid_t vcpu, uint32_t msr, uint64_t *value)
{
    OWNED(vcpu);
    if (!value)
        return HV_BAD_ARGUMENT;
    return msr_read(v, msr, value);
}

HVM_API hv_return_t hv_vcpu_write_msr(hv_vcpuid_t vcpu, uint32_t msr, uint64_t value)
{
    OWNED(vcpu);
    RECORDED(msr_write(v, msr, value), rec_vcpu_u32_u64(HVT_SET_MSR, (uint32_t)vcpu, msr, value));
}

/* ---- VMX ---- */

HVM_API hv_return_t hv_vmx_read_capability(hv_vmx_capability_t field, uint64_t *value)
{
    if (!value)
        return HV_BAD_ARGUMENT;
    return vmx_capability((uint32_t)field, value) ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_vmx_get_msr_info(hv_vmx_msr_info_t field, uint64_t *value)
{
    if (!value || field > HV_VMX_NEED_MSR_IA32_SPEC_CTRL)
        return HV_BAD_ARGUMENT;
    *value = 0; /* no architectural capabilities, no PMU or speculation MSRs */
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vmx_vcpu_read_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t *value)
{
    OWNED(vcpu);
    if (!value)
        return HV_BAD_ARGUMENT;
    enum vmcs_class c = vmcs_class_of(field);
    if (c == VMCS_NONE)
        return HV_BAD_ARGUMENT;
    if (c == VMCS_GUEST || c == VMCS_GUEST_COND)
        *value = state_read_field(v, field);
    else if (field == VMCS_CTRL_TSC_OFFSET)
        *value = v->tsc_offset_model;
    else
        *value = vmcs_get(v, field);
    return HV_SUCCESS;
}

static hv_return_t write_vmcs(struct x86_vcpu *v, uint32_t field, uint64_t value)
{
    enum vmcs_class c = vmcs_class_of(field);
    /* The controls checked against a capability refuse bits above 31; every
     * other field keeps the bits its width holds, as VMWRITE does. */
    if (c != VMCS_CTRL_CAP)
        value &= vmcs_width_mask(field);
    switch (c) {
    case VMCS_NONE:
    case VMCS_CTRL_RO:
    case VMCS_EXIT_RO:
    case VMCS_OWNED: return HV_BAD_ARGUMENT;
    case VMCS_GUEST_COND:
        if (field == VMCS_GUEST_CR0 && (value & 0x60000000u))
            return HV_BAD_ARGUMENT; /* CD and NW must be clear */
        if (field == VMCS_GUEST_ACTIVITY_STATE && value > 1)
            return HV_BAD_ARGUMENT; /* only ACTIVE and HLT */
        state_write_field(v, field, value);
        return HV_SUCCESS;
    case VMCS_GUEST: state_write_field(v, field, value); return HV_SUCCESS;
    case VMCS_CTRL_CAP: {
        uint64_t cap = vmcs_field_cap(field);
        uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
        if ((value >> 32) || (value & must) != must || (value & ~(uint64_t)may))
            return HV_BAD_ARGUMENT;
        vmcs_set(v, field, value);
        v->load_pending = true; /* the intercepts follow the controls */
        return HV_SUCCESS;
    }
    case VMCS_CTRL:
        vmcs_set(v, field, value);
        if (field == VMCS_CTRL_CR0_MASK || field == VMCS_CTRL_CR4_MASK)
            v->load_pending = true;
        return HV_SUCCESS;
    }
    return HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_vmx_vcpu_write_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t value)
{
    OWNED(vcpu);
    RECORDED(write_vmcs(v, field, value),
             rec_vcpu_u32_u64(HVT_SET_VMCS, (uint32_t)vcpu, field, value));
}

HVM_API hv_return_t hv_vmx_vcpu_get_cap_write_vmcs(hv_vcpuid_t vcpu, uint32_t field,
                                                   uint64_t *allowed_0, uint64_t *allowed_1)
{
    OWNED(vcpu);
    (void)v;
    if (!allowed_0 || !allowed_1)
        return HV_BAD_ARGUMENT;
    switch (vmcs_class_of(field)) {
    case VMCS_NONE:
    case VMCS_CTRL_RO:
    case VMCS_EXIT_RO:
    case VMCS_OWNED: return HV_BAD_ARGUMENT;
    case VMCS_CTRL_CAP: {
        uint64_t cap = vmcs_field_cap(field);
        *allowed_0 = (uint32_t)cap;
        *allowed_1 = cap >> 32;
        return HV_SUCCESS;
    }
    case VMCS_GUEST_COND:
        if (field == VMCS_GUEST_CR0) {
            *allowed_0 = 0x20; /* NE; PE and PG may be 0 (unrestricted guest) */
            *allowed_1 = ~(uint64_t)0x60000000u & 0xffffffffu;
            return HV_SUCCESS;
        }
        *allowed_0 = 0;
        *allowed_1 = 1;
        return HV_SUCCESS;
    default:
        *allowed_0 = 0;
        *allowed_1 = ~0ull;
        return HV_SUCCESS;
    }
}

HVM_API hv_return_t hv_vmx_vcpu_read_shadow_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t *value)
{
    OWNED(vcpu);
    (void)v, (void)field;
    return value ? HV_UNSUPPORTED : HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_vmx_vcpu_write_shadow_vmcs(hv_vcpuid_t vcpu, uint32_t field, uint64_t value)
{
    OWNED(vcpu);
    (void)v, (void)field, (void)value;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vmx_vcpu_set_shadow_access(hv_vcpuid_t vcpu, uint32_t field,
                                                  hv_shadow_flags_t flags)
{
    OWNED(vcpu);
    (void)v, (void)field, (void)flags;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vmx_vcpu_set_apic_address(hv_vcpuid_t vcpu, hv_gpaddr_t gpa)
{
    OWNED(vcpu);
    if (gpa & 0xfffu)
        return HV_BAD_ARGUMENT;
    vmcs_set(v, VMCS_CTRL_APIC_ACCESS, gpa);
    if (rec_active())
        rec_vcpu_u64(HVT_SET_APIC_ADDRESS, (uint32_t)vcpu, gpa);
    return HV_SUCCESS;
}

/* The APIC-access page of the default space only: another existing space
 * answers HV_UNSUPPORTED, one that does not exist HV_BAD_ARGUMENT. */
HVM_API hv_return_t hv_vmx_vcpu_set_apic_address_space(hv_vcpuid_t vcpu, hv_vm_space_t asid,
                                                       hv_gpaddr_t gpa)
{
    if (asid != HV_VM_SPACE_DEFAULT) {
        OWNED(vcpu);
        pthread_mutex_lock(&vm_lock);
        bool exists = asid < HVM_MAX_SPACES && v->base.vm->spaces[asid];
        pthread_mutex_unlock(&vm_lock);
        return exists ? HV_UNSUPPORTED : HV_BAD_ARGUMENT;
    }
    return hv_vmx_vcpu_set_apic_address(vcpu, gpa);
}

/* ---- hvmodel extensions ---- */

HVM_API hv_return_t hvm_vcpu_read_guest(hvm_vcpu_t vcpu, uint64_t va, void *buf, size_t len)
{
    OWNED(vcpu);
    if (!buf)
        return HV_BAD_ARGUMENT;
    return state_read_linear(v, va, buf, len) ? HV_SUCCESS : HV_BAD_ARGUMENT;
}
