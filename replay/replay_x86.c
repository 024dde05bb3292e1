/*
 * replay_x86.c — the x86 flavour of the replayer (replay_flavour.h).
 */
#include <stdio.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "replay_flavour.h"

static const struct replay_field fields[] = {
    {"reason", 4, 4, false},
    {"qualification", 8, 8, false},
    {"guest_linear_addr", 16, 8, false},
    {"guest_physical_addr", 24, 8, false},
    {"rip", 32, 8, false},
    {"icount", 40, 8, false},
    {"register digest", 48, 8, false},
    {"deadline", 56, 8, true},
    {"instr_len", 64, 4, false},
    {"instr_info", 68, 4, false},
    {"intr_info", 72, 4, false},
    {"intr_error", 76, 4, false},
    {"idt_vectoring_info", 80, 4, false},
    {"idt_vectoring_error", 84, 4, false},
};

/* Same values, same order as the recorder's digest: RIP .. R15. */
static uint64_t digest_of(hv_vcpuid_t vcpu)
{
    uint64_t vals[18];
    for (uint32_t i = 0; i < 18; i++)
        if (hv_vcpu_read_register(vcpu, (hv_x86_reg_t)(HV_X86_RIP + i), &vals[i]) != HV_SUCCESS)
            vals[i] = 0;
    return hvt_digest(vals, 18);
}

static uint64_t vmcs(hv_vcpuid_t vcpu, uint32_t field)
{
    uint64_t v = 0;
    hv_vmx_vcpu_read_vmcs(vcpu, field, &v);
    return v;
}

static int create_vm(const struct hvt_header *h, char *err, size_t n)
{
    if (h->ipa_bits != 39 || h->granule != 4096) {
        snprintf(err, n, "x86 trace with a %u-bit, %u-byte-page guest-physical space", h->ipa_bits,
                 h->granule);
        return 2;
    }
    hvm_set_insns_per_tick(h->insns_per_tick);
    hv_return_t ret = hv_vm_create(HV_VM_DEFAULT);
    if (ret != HV_SUCCESS) {
        snprintf(err, n, "cannot create the VM: %s", hvm_strerror(ret));
        return 2;
    }
    return 0;
}

static int vcpu_job(struct replay_worker *w, const struct hvt_record *r)
{
    const uint8_t *p = r->payload;
    hv_vcpuid_t vcpu = (hv_vcpuid_t)w->vcpu;
    switch (r->type) {
    case HVT_VCPU_CREATE: {
        /* Created with TSC_RELATIVE: the only option that changes what a call
         * may do, and a recorded SET_TSC_RELATIVE proves it was given. */
        hv_return_t ret = hv_vcpu_create(&vcpu, HV_VCPU_TSC_RELATIVE);
        w->vcpu = vcpu;
        if (ret == HV_SUCCESS && vcpu != hvt_get32(p))
            return HV_ERROR; /* the model handed out another id than recorded */
        return ret;
    }
    case HVT_VCPU_DESTROY: return hv_vcpu_destroy(vcpu);
    case HVT_SET_REG:
        return hv_vcpu_write_register(vcpu, (hv_x86_reg_t)hvt_get32(p + 4), hvt_get64(p + 8));
    case HVT_SET_VMCS: return hv_vmx_vcpu_write_vmcs(vcpu, hvt_get32(p + 4), hvt_get64(p + 8));
    case HVT_SET_MSR: return hv_vcpu_write_msr(vcpu, hvt_get32(p + 4), hvt_get64(p + 8));
    case HVT_SET_NATIVE_MSR:
        return hv_vcpu_enable_native_msr(vcpu, hvt_get32(p + 4), hvt_get32(p + 8) != 0);
    case HVT_SET_FPSTATE: {
        uint8_t buf[HVT_FPSTATE_MAX];
        uint32_t len = hvt_get32(p + 4);
        for (uint32_t i = 0; i < len; i++)
            buf[i] = p[8 + i];
        return hv_vcpu_write_fpstate(vcpu, buf, len);
    }
    case HVT_SET_TSC_RELATIVE: return hv_vcpu_set_tsc_relative(vcpu, (int64_t)hvt_get64(p + 4));
    case HVT_INVALIDATE_TLB: return hv_vcpu_invalidate_tlb(vcpu);
    case HVT_SET_APIC_ADDRESS: return hv_vmx_vcpu_set_apic_address(vcpu, hvt_get64(p + 4));
    case HVT_SET_SPACE: return hv_vcpu_set_space(vcpu, hvt_get32(p + 4));
    case HVT_EXIT_X86: {
        /* hv_vcpu_interrupt takes effect where it did when recorded. */
        if (hvt_get32(p + 4) == VMX_REASON_IRQ)
            hvm_replay_cancel_at(vcpu, hvt_get64(p + 40));
        uint64_t deadline = hvt_get64(p + 56);
        hv_return_t ret =
            deadline == HV_DEADLINE_FOREVER ? hv_vcpu_run(vcpu) : hv_vcpu_run_until(vcpu, deadline);
        if (ret != HV_SUCCESS)
            return ret;
        uint64_t rip = 0, icount = 0;
        hv_vcpu_read_register(vcpu, HV_X86_RIP, &rip);
        hvm_vcpu_get_instruction_count(vcpu, &icount);
        uint8_t *g = w->got;
        hvt_put32(g, vcpu);
        hvt_put32(g + 4, (uint32_t)vmcs(vcpu, VMCS_RO_EXIT_REASON));
        hvt_put64(g + 8, vmcs(vcpu, VMCS_RO_EXIT_QUALIFIC));
        hvt_put64(g + 16, vmcs(vcpu, VMCS_RO_GUEST_LIN_ADDR));
        hvt_put64(g + 24, vmcs(vcpu, VMCS_GUEST_PHYSICAL_ADDRESS));
        hvt_put64(g + 32, rip);
        hvt_put64(g + 40, icount);
        hvt_put64(g + 48, digest_of(vcpu));
        hvt_put64(g + 56, deadline);
        hvt_put32(g + 64, (uint32_t)vmcs(vcpu, VMCS_RO_VMEXIT_INSTR_LEN));
        hvt_put32(g + 68, (uint32_t)vmcs(vcpu, VMCS_RO_VMX_INSTR_INFO));
        hvt_put32(g + 72, (uint32_t)vmcs(vcpu, VMCS_RO_VMEXIT_IRQ_INFO));
        hvt_put32(g + 76, (uint32_t)vmcs(vcpu, VMCS_RO_VMEXIT_IRQ_ERROR));
        hvt_put32(g + 80, (uint32_t)vmcs(vcpu, VMCS_RO_IDT_VECTOR_INFO));
        hvt_put32(g + 84, (uint32_t)vmcs(vcpu, VMCS_RO_IDT_VECTOR_ERROR));
        return HV_SUCCESS;
    }
    }
    return HV_BAD_ARGUMENT;
}

static int vm_job(const struct hvt_record *r)
{
    const uint8_t *p = r->payload;
    switch (r->type) {
    case HVT_SYNC_TSC: return hv_vm_sync_tsc(hvt_get64(p));
    case HVT_SPACE_CREATE: {
        hv_vm_space_t id = 0;
        hv_return_t ret = hv_vm_space_create(&id);
        if (ret == HV_SUCCESS && id != hvt_get32(p))
            return HV_ERROR; /* the model handed out another id than recorded */
        return ret;
    }
    case HVT_SPACE_DESTROY: return hv_vm_space_destroy(hvt_get32(p));
    }
    return -1;
}

static int space_memory(const struct hvt_record *r, void *host)
{
    const uint8_t *p = r->payload;
    hv_vm_space_t space = hvt_get32(p);
    uint64_t gpa = hvt_get64(p + 8), size = hvt_get64(p + 16);
    switch (hvt_get32(p + 4)) {
    case HVT_MAP: return hv_vm_map_space(space, host, gpa, size, hvt_get32(p + 24));
    case HVT_UNMAP: return hv_vm_unmap_space(space, gpa, size);
    case HVT_PROTECT: return hv_vm_protect_space(space, gpa, size, hvt_get32(p + 24));
    }
    return HV_BAD_ARGUMENT;
}

/* The code at CS:RIP, to be decoded in the guest's current code size. */
static size_t code_at(struct replay_worker *w, uint64_t rip, uint8_t *code, size_t max,
                      cs_arch *arch, cs_mode *mode)
{
    hv_vcpuid_t vcpu = (hv_vcpuid_t)w->vcpu;
    uint64_t cr0 = vmcs(vcpu, VMCS_GUEST_CR0), ar = vmcs(vcpu, VMCS_GUEST_CS_AR);
    *arch = CS_ARCH_X86;
    *mode = !(cr0 & 1)          ? CS_MODE_16
            : (ar & (1u << 13)) ? CS_MODE_64
            : (ar & (1u << 14)) ? CS_MODE_32
                                : CS_MODE_16;
    uint64_t la = *mode == CS_MODE_64 ? rip : vmcs(vcpu, VMCS_GUEST_CS_BASE) + rip;
    size_t len = max < 15 ? max : 15;
    while (len && hvm_vcpu_read_guest(vcpu, la, code, len) != HV_SUCCESS)
        len--; /* the instruction may end before an unreadable page */
    return len;
}

const struct replay_flavour replay_flavour = {
    .trace_flavour = HVT_FLAVOUR_X86,
    .exit_type = HVT_EXIT_X86,
    .fields = fields,
    .nfields = sizeof(fields) / sizeof(fields[0]),
    .create_vm = create_vm,
    .vcpu_job = vcpu_job,
    .vm_job = vm_job,
    .space_memory = space_memory,
    .code_at = code_at,
};
