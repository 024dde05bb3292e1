/*
 * harness.c — see harness.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <hvmodel.h>

#include "x86/harness.h"

hv_vcpuid_t xt_vcpu;

uint64_t xt_vmcs(uint32_t field)
{
    uint64_t x = 0;
    assert_int_equal(hv_vmx_vcpu_read_vmcs(xt_vcpu, field, &x), HV_SUCCESS);
    return x;
}

void xt_set_vmcs(uint32_t field, uint64_t value)
{
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, field, value), HV_SUCCESS);
}

uint64_t xt_ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c;
    assert_int_equal(hv_vmx_read_capability(cap, &c), HV_SUCCESS);
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

uint64_t xt_reg(hv_x86_reg_t r)
{
    uint64_t x = 0;
    assert_int_equal(hv_vcpu_read_register(xt_vcpu, r, &x), HV_SUCCESS);
    return x;
}

void xt_set_reg(hv_x86_reg_t r, uint64_t value)
{
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, r, value), HV_SUCCESS);
}

uint64_t xt_retired(void)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(xt_vcpu, &n), HV_SUCCESS);
    return n;
}

void xt_expect_exit(uint64_t reason, uint64_t qual, uint64_t len)
{
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), reason);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), qual);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), len);
}

void xt_advance(void)
{
    xt_set_reg(HV_X86_RIP, xt_reg(HV_X86_RIP) + xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN));
}

void xt_realmode_setup(uint8_t *ram, size_t size, uint64_t load, const void *image, size_t len)
{
    assert_int_equal(hv_vm_create(HV_VM_DEFAULT), HV_SUCCESS);
    memset(ram, 0, size);
    memcpy(ram + load, image, len);
    assert_int_equal(hv_vm_map(ram, 0, size, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&xt_vcpu, HV_VCPU_DEFAULT), HV_SUCCESS);
    xt_set_vmcs(VMCS_CTRL_PIN_BASED, xt_ctrl(HV_VMX_CAP_PINBASED, 0));
    xt_set_vmcs(VMCS_CTRL_CPU_BASED, xt_ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT));
    xt_set_vmcs(VMCS_CTRL_CPU_BASED2, xt_ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    xt_set_vmcs(VMCS_CTRL_VMENTRY_CONTROLS, xt_ctrl(HV_VMX_CAP_ENTRY, 0));
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (int i = 0; i < 6; i++) {
        xt_set_vmcs(segs[i], 0);
        xt_set_vmcs(segs[i] + 0x4000, 0xffff);               /* limit */
        xt_set_vmcs(segs[i] + 0x4014, i == 0 ? 0x9b : 0x93); /* access rights */
        xt_set_vmcs(segs[i] + 0x6006, 0);                    /* base */
    }
    xt_set_vmcs(VMCS_GUEST_LDTR_AR, 0x10000);
    xt_set_vmcs(VMCS_GUEST_TR_AR, 0x83);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0);
    xt_set_vmcs(VMCS_GUEST_CR0, 0x20);
    xt_set_vmcs(VMCS_GUEST_CR4, 0x2000);
    xt_set_reg(HV_X86_RIP, load);
    xt_set_reg(HV_X86_RFLAGS, 2);
    xt_set_reg(HV_X86_RSP, 0x7000);
}

void xt_teardown(void)
{
    assert_int_equal(hv_vcpu_destroy(xt_vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}
