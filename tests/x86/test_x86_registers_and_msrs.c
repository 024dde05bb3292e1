/*
 * test_x86_registers_and_msrs.c — the register file, the MSRs, the FP state
 * and the VMX capability values of an x86 vCPU as a VMM sees them, and the
 * in-kernel interrupt controllers the model does not have.
 *
 * Values: the capabilities are the ones vmcs.c advertises in Intel's
 * formats (hv-api-x86.md §7); the FP state is the XSAVE layout (legacy
 * region, then the header at 512); MSRs the VMCS also holds (SYSENTER,
 * EFER, FS/GS base) are one value seen two ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "x86/harness.h"

/* mov $0x174, %ecx; rdmsr; inc %eax; wrmsr; mov $0xc0000102, %ecx; rdmsr;
 * hlt (real mode, 32-bit operands through 0x66). */
static const uint8_t native_msr_guest[] = {
    0x66, 0xb9, 0x74, 0x01, 0x00, 0x00, /* mov $0x174, %ecx */
    0x0f, 0x32,                         /* rdmsr */
    0x66, 0x40,                         /* inc %eax */
    0x0f, 0x30,                         /* wrmsr */
    0x66, 0xb9, 0x02, 0x01, 0x00, 0xc0, /* mov $0xc0000102, %ecx */
    0x0f, 0x32,                         /* rdmsr: not native, exits */
    0xf4,                               /* hlt */
};

static uint64_t msr(uint32_t m)
{
    uint64_t x = 0;
    assert_int_equal(hv_vcpu_read_msr(xt_vcpu, m, &x), HV_SUCCESS);
    return x;
}

static void set_msr(uint32_t m, uint64_t x)
{
    assert_int_equal(hv_vcpu_write_msr(xt_vcpu, m, x), HV_SUCCESS);
}

static int setup(void **state)
{
    (void)state;
    xt_realmode_setup(0x10000, 0x7c00, native_msr_guest, sizeof(native_msr_guest));
    return 0;
}

static void test_in_kernel_interrupt_controllers_are_unsupported(void **state)
{
    (void)state;
    uint32_t d32 = 0;
    uint8_t d8 = 0, vec = 0;
    bool b = false, act[1] = {false};
    uint64_t u = 0, uva[1] = {0};
    hv_vm_exitinfo_t info = 0;
    hv_ioapic_state_ext_t io;
    hv_atpic_state_ext_t at;
    hv_apic_state_ext_t ap;
    memset(&io, 0, sizeof(io));
    memset(&at, 0, sizeof(at));
    memset(&ap, 0, sizeof(ap));
    assert_int_equal(hv_vm_lapic_set_intr(xt_vcpu, 0x20, HV_APIC_EDGE_TRIGGER), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_lapic_msi(0xfee00000, 0x30), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_assert_irq(4), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_deassert_irq(4), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_pulse_irq(4), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_read(0xfec00000, &d32), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_write(0xfec00000, 1), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_get_state(&io), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_ioapic_put_state(&io), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_send_ioapic_intr(0x30), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_assert_irq(1), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_deassert_irq(1), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_port_read(0x20, &d8), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_port_write(0x20, 0x11), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_get_state(&at, true), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_atpic_put_state(&at, false), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_set_apic_bus_freq(100000000), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_inject_extint(xt_vcpu), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_read(xt_vcpu, 0x20, &d32), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_write(xt_vcpu, 0x80, 0, &b), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_get_state(xt_vcpu, &ap), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_put_state(xt_vcpu, &ap), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_info(xt_vcpu, &info), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_init_ap(xt_vcpu, act, 1), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_startup_ap(xt_vcpu, act, 1, &u), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_ioapic_eoi(xt_vcpu, &vec), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_apic_access_read(xt_vcpu, &d32), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_exit_inject_excp(xt_vcpu, &vec, &b, &d32, &b), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_lsc_enter_r32(xt_vcpu, true, 0x7c00, 3, 0, HV_X86_RAX, uva, 1),
                     HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_lsc_enter_imm32(xt_vcpu, 0x7c00, 6, 0, 1, uva, 1),
                     HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_lsc_invalidate(xt_vcpu), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_ctrl(xt_vcpu, 0), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_apic_trigger_lvt(xt_vcpu, 0), HV_UNSUPPORTED);
}

static void test_debug_control_and_extended_registers_read_back(void **state)
{
    (void)state;
    uint64_t x = 0;
    for (hv_x86_reg_t r = HV_X86_DR0; r <= HV_X86_DR3; r++) {
        xt_set_reg(r, 0x1000u * (r - HV_X86_DR0 + 1));
        assert_int_equal(xt_reg(r), 0x1000u * (r - HV_X86_DR0 + 1));
    }
    assert_int_equal(xt_reg(HV_X86_DR6), 0xffff0ff0);
    assert_int_equal(xt_reg(HV_X86_DR7), 0x400);
    xt_set_reg(HV_X86_DR7, 0x401);
    assert_int_equal(xt_vmcs(VMCS_GUEST_DR7), 0x401); /* DR7 aliases its VMCS field */
    xt_set_reg(HV_X86_CR1, 0x1234);                   /* CR1 does not exist: reads 0 */
    assert_int_equal(xt_reg(HV_X86_CR1), 0);
    xt_set_reg(HV_X86_CR2, 0xdead000);
    assert_int_equal(xt_reg(HV_X86_CR2), 0xdead000);
    xt_set_reg(HV_X86_TPR, 5);
    assert_int_equal(xt_reg(HV_X86_TPR), 5);
    /* XCR0: x87 must stay set; only x87, SSE and AVX exist. */
    assert_int_equal(xt_reg(HV_X86_XCR0), 1);
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, HV_X86_XCR0, 6), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, HV_X86_XCR0, 0xf), HV_BAD_ARGUMENT);
    xt_set_reg(HV_X86_XCR0, 7);
    assert_int_equal(xt_reg(HV_X86_XCR0), 7);
    /* The descriptor-table registers are their VMCS fields. */
    xt_set_reg(HV_X86_LDT_BASE, 0x5000);
    xt_set_reg(HV_X86_TSS_BASE, 0x6000);
    xt_set_reg(HV_X86_GDT_LIMIT, 0x2f);
    assert_int_equal(xt_vmcs(VMCS_GUEST_LDTR_BASE), 0x5000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR_BASE), 0x6000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_GDTR_LIMIT), 0x2f);
    assert_int_equal(hv_vcpu_read_register(xt_vcpu, HV_X86_REGISTERS_MAX, &x), HV_BAD_ARGUMENT);
}

static void test_msrs_the_vmcs_holds_are_one_value(void **state)
{
    (void)state;
    set_msr(0x174, 0x10);
    set_msr(0x175, 0x8000);
    set_msr(0x176, 0x9000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IA32_SYSENTER_CS), 0x10);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SYSENTER_ESP), 0x8000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SYSENTER_EIP), 0x9000);
    assert_int_equal(msr(0x175), 0x8000);
    xt_set_vmcs(VMCS_GUEST_SYSENTER_EIP, 0xa000);
    assert_int_equal(msr(0x176), 0xa000);
    set_msr(0xc0000100, 0x12340000);
    set_msr(0xc0000101, 0x56780000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_FS_BASE), 0x12340000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_GS_BASE), 0x56780000);
    assert_int_equal(msr(0xc0000080), 0);
    xt_set_vmcs(VMCS_GUEST_IA32_EFER, 0x1); /* SCE */
    assert_int_equal(msr(0xc0000080), 1);
    set_msr(0xc0000080, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IA32_EFER), 0);
    /* The syscall MSRs, KERNEL_GS_BASE and TSC_AUX are the engine's. */
    static const uint32_t plain[] = {0xc0000081, 0xc0000082, 0xc0000083,
                                     0xc0000084, 0xc0000102, 0xc0000103};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        set_msr(plain[i], 0x1000 + i);
        assert_int_equal(msr(plain[i]), 0x1000 + i);
    }
    assert_int_equal(msr(0x277), 0x0007040600070406ull); /* PAT at reset */
    /* The TSC: no instruction has run; a write sets it exactly. */
    assert_int_equal(msr(0x10), 0);
    set_msr(0x10, 1000000);
    assert_int_equal(msr(0x10), 1000000);
    assert_int_equal(hv_vm_sync_tsc(5), HV_SUCCESS);
    assert_int_equal(msr(0x10), 5);
    /* Native MSRs: only the ones clients pass through. */
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0xc0000080, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x277, true), HV_BAD_ARGUMENT);
}

static void test_native_msrs_run_in_the_guest_without_exits(void **state)
{
    (void)state;
    set_msr(0x174, 0x41);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x174, true), HV_SUCCESS);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x174, true), HV_SUCCESS); /* again */
    /* rdmsr and wrmsr of 0x174 retire in the guest; 0xc0000102 exits. */
    xt_expect_exit(VMX_REASON_RDMSR, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c12);
    assert_int_equal(xt_retired(), 5);
    assert_int_equal(msr(0x174), 0x42);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IA32_SYSENTER_CS), 0x42);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x174, false), HV_SUCCESS);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x174, false), HV_SUCCESS);
    xt_set_reg(HV_X86_RIP, 0x7c06); /* the first rdmsr again: now it exits */
    xt_expect_exit(VMX_REASON_RDMSR, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c06);
}

static void test_fpstate_is_the_xsave_layout(void **state)
{
    (void)state;
    static uint8_t fp[4096], back[4096];
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, fp, sizeof(fp)), HV_SUCCESS);
    uint16_t fcw;
    uint32_t mxcsr, mask;
    uint64_t xstate_bv;
    memcpy(&fcw, fp, 2);
    memcpy(&mxcsr, fp + 24, 4);
    memcpy(&mask, fp + 28, 4);
    memcpy(&xstate_bv, fp + 512, 8);
    assert_int_equal(fcw, 0x37f); /* FNINIT state */
    assert_int_equal(mxcsr, 0x1f80);
    assert_int_equal(mask, 0xffff);
    assert_int_equal(xstate_bv, 3); /* x87 and SSE */
    assert_int_equal(fp[4], 0);     /* abridged tag word: all empty */
    /* Write: control words, a tagged ST0, XMM0 and XMM15. */
    fcw = 0x27f;
    mxcsr = 0x1fa0;
    memcpy(fp, &fcw, 2);
    memcpy(fp + 24, &mxcsr, 4);
    fp[4] = 1;
    for (int i = 0; i < 16; i++) {
        fp[160 + i] = (uint8_t)(0x10 + i);
        fp[160 + 15 * 16 + i] = (uint8_t)(0xf0 + i);
    }
    assert_int_equal(hv_vcpu_write_fpstate(xt_vcpu, fp, sizeof(fp)), HV_SUCCESS);
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, back, sizeof(back)), HV_SUCCESS);
    memcpy(&fcw, back, 2);
    memcpy(&mxcsr, back + 24, 4);
    assert_int_equal(fcw, 0x27f);
    assert_int_equal(mxcsr, 0x1fa0);
    assert_int_equal(back[4], 1);
    assert_memory_equal(back + 160, fp + 160, 16);
    assert_memory_equal(back + 160 + 15 * 16, fp + 160 + 15 * 16, 16);
    assert_int_equal(hv_vcpu_write_fpstate(xt_vcpu, fp, 512), HV_BAD_ARGUMENT);
}

static void test_vmx_capabilities_have_intel_values(void **state)
{
    (void)state;
    uint64_t x = 0, a0 = 0, a1 = 0;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_CR0_FIXED0, &x), HV_SUCCESS);
    assert_int_equal(x, 0x80000021); /* PG, NE, PE */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_CR0_FIXED1, &x), HV_SUCCESS);
    assert_int_equal(x, 0xffffffff);
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_CR4_FIXED0, &x), HV_SUCCESS);
    assert_int_equal(x, 0x2000); /* VMXE */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_BASIC, &x), HV_SUCCESS);
    assert_int_equal(x & 0x7fffffff, 1);        /* revision 1 */
    assert_int_equal((x >> 32) & 0x1fff, 4096); /* VMCS region size */
    assert_int_equal((x >> 50) & 0xf, 6);       /* write-back */
    assert_int_equal((x >> 54) & 3, 3);         /* INS/OUTS info, TRUE controls */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_MISC, &x), HV_SUCCESS);
    assert_int_equal(x & 0x1f, 5);          /* the timer counts TSC >> 5 */
    assert_int_equal((x >> 16) & 0x1ff, 4); /* CR3 targets */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_PREEMPTION_TIMER, &x), HV_SUCCESS);
    assert_int_equal(x, 30000000); /* 960 MHz TSC >> 5 */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_EPT_VPID_CAP, &x), HV_SUCCESS);
    assert_int_equal(x & (1u << 6), 1u << 6); /* 4-level walk */
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_VMCS_ENUM, &x), HV_SUCCESS);
    assert_int_equal(x, 0x5c);
    /* The TRUE controls are the same pairs. */
    uint64_t t = 0;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_TRUE_EXIT, &t), HV_SUCCESS);
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_EXIT, &x), HV_SUCCESS);
    assert_int_equal(t, x);
    /* get_cap_write_vmcs: a capability pair, CR0's rule, plain fields. */
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_CTRL_VMENTRY_CONTROLS, &a0, &a1),
                     HV_SUCCESS);
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_ENTRY, &x), HV_SUCCESS);
    assert_int_equal(a0, x & 0xffffffff);
    assert_int_equal(a1, x >> 32);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_GUEST_CR0, &a0, &a1), HV_SUCCESS);
    assert_int_equal(a0, 0x20);
    assert_int_equal(a1, 0x9fffffff);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_GUEST_ACTIVITY_STATE, &a0, &a1),
                     HV_SUCCESS);
    assert_int_equal(a0, 0);
    assert_int_equal(a1, 1);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_GUEST_RIP, &a0, &a1), HV_SUCCESS);
    assert_int_equal(a1, ~0ull);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_RO_EXIT_REASON, &a0, &a1),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_HOST_RIP, &a0, &a1),
                     HV_BAD_ARGUMENT);
    /* Only the default address space. */
    assert_int_equal(hv_vmx_vcpu_set_apic_address_space(xt_vcpu, 1, 0xfee00000), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_set_apic_address_space(xt_vcpu, HV_VM_SPACE_DEFAULT, 0xfee00000),
                     HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_CTRL_APIC_ACCESS), 0xfee00000);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_CTRL_APIC_ACCESS, 0), HV_BAD_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_kernel_interrupt_controllers_are_unsupported, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_debug_control_and_extended_registers_read_back, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_msrs_the_vmcs_holds_are_one_value, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_native_msrs_run_in_the_guest_without_exits, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_fpstate_is_the_xsave_layout, setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_vmx_capabilities_have_intel_values, setup,
                                        xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
