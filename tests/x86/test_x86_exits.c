/*
 * test_x86_exits.c — VMX exits of a real-mode guest (hvdos-style set-up):
 * exact exit reasons, qualifications, instruction lengths and the
 * interruption / IDT-vectoring information the real framework reports.
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
#include "x86_realmode_exits.h"

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_realmode_setup(0xd0000, 0x7c00, x86_realmode_exits, x86_realmode_exits_len);
    xt_set_vmcs(VMCS_GUEST_DS, 0xd000); /* DS base 0xd0000: beyond RAM */
    xt_set_vmcs(VMCS_GUEST_DS_BASE, 0xd0000);
    return 0;
}

static void test_realmode_exit_sequence_has_exact_vmcs_values(void **state)
{
    (void)state;
    /* out %al,%dx with DX=0x3f8: port in 31:16, size 1, OUT, DX operand */
    xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c05);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 'H');
    assert_int_equal(xt_retired(), 2); /* mov $0x3f8,%dx; mov $'H',%al */
    xt_advance();
    /* outb %al,$0x80: immediate operand (bit 6) */
    xt_expect_exit(VMX_REASON_IO, 0x800040, 2);
    xt_advance();
    /* in $0x71,%al: IN (bit 3); the VMM's value reaches the guest */
    xt_expect_exit(VMX_REASON_IO, 0x710048, 2);
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, HV_X86_RAX, 0x42), HV_SUCCESS);
    xt_advance();
    xt_expect_exit(VMX_REASON_CPUID, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RBX), 0x42);
    xt_advance();
    /* rdtsc without RDTSC exiting runs in the model; vmcall exits */
    xt_expect_exit(VMX_REASON_VMCALL, 0, 3);
    /* 6 instructions retired before RDTSC: the virtual TSC (one cycle per
     * instruction at the default ratio) read 6; RDTSC itself retired. */
    assert_int_equal(xt_reg(HV_X86_RAX), 6);
    assert_int_equal(xt_reg(HV_X86_RDX), 0);
    assert_int_equal(xt_reg(HV_X86_RCX), 0x1234);
    assert_int_equal(xt_retired(), 7);
    xt_advance();
    /* movb to DS:0x100 = GPA 0xd0100, unmapped: a write, GLA valid and
     * a translated access; no permissions on the GPA */
    xt_expect_ept_violation(0x182, 0xd0100, 0xd0100);
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, HV_X86_RIP, xt_reg(HV_X86_RIP) + 5),
                     HV_SUCCESS);
    /* int $0x21 with IDTR.limit 0: #GP (no error code in real mode) while
     * delivering the software interrupt */
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 13);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), IRQ_INFO_VALID | IRQ_INFO_SOFT_IRQ | 0x21);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c20);
}

static void test_readonly_and_framework_fields_refuse_writes(void **state)
{
    (void)state;
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_RO_EXIT_REASON, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_CTRL_TSC_OFFSET, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_HOST_RIP, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_CTRL_EPTP, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, 0x7fff, 1), HV_BAD_ARGUMENT);
    /* controls outside the capability: clearing a must-be-1 bit */
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_CTRL_CPU_BASED2, 0), HV_BAD_ARGUMENT);
    /* CR0 with CD set, activity state shutdown */
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_GUEST_CR0, 0x40000020), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_GUEST_ACTIVITY_STATE, 2),
                     HV_BAD_ARGUMENT);
}

static void test_allocate_hands_out_4k_pages_and_frees_only_its_own(void **state)
{
    (void)state;
    void *p = NULL;
    assert_int_equal(hv_vm_allocate(&p, 4096 + 1, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, 8192, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    assert_int_equal((uintptr_t)p & 4095u, 0);
    assert_int_equal(hv_vm_deallocate(ram, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 8192), HV_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_realmode_exit_sequence_has_exact_vmcs_values, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_readonly_and_framework_fields_refuse_writes, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_allocate_hands_out_4k_pages_and_frees_only_its_own,
                                        setup, xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
