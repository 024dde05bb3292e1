/*
 * test_x86_invalid_operations.c — guest operations the CPU refuses with an
 * exception before they take effect, where the engine alone would go on:
 * MOV to CR0 with PG but not PE (#GP), and the reserved encoding FF /7
 * with a memory operand (#UD, without reading the operand, so no EPT
 * violation for an unmapped one). Also: the EPT violation of an instruction
 * with two memory operands (CMPS) names the operand that faulted.
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

static const uint8_t guest[] = {
    0x66, 0xb8, 0x10, 0x00, 0x00, 0x80, /* 7c00: mov $0x80000010, %eax */
    0x0f, 0x22, 0xc0,                   /* 7c06: mov %eax, %cr0 */
    0xff, 0x3e, 0x00, 0x01,             /* 7c09: FF /7 [0x100] (reserved) */
    0xf4,                               /* 7c0d: hlt */
};

static int setup(void **state)
{
    (void)state;
    xt_realmode_setup(0x10000, 0x7c00, guest, sizeof(guest));
    xt_set_vmcs(VMCS_GUEST_DS, 0x2000); /* DS base 0x20000: no memory there */
    xt_set_vmcs(VMCS_GUEST_DS_BASE, 0x20000);
    return 0;
}

static void test_mov_cr0_paging_without_protection_is_gp(void **state)
{
    (void)state;
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    /* valid, hardware exception, #GP; real mode pushes no error code */
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0x8000030d);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c06);
    assert_int_equal(xt_retired(), 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR0) & 0x80000001u, 0);
}

static void test_reserved_ff7_is_ud_without_touching_its_operand(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, 0x7c09);
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0x80000306);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c09);
    xt_set_reg(HV_X86_RIP, 0x7c0d);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
}

/* cmpsb reads DS:[ESI] (RAM) and then ES:[EDI] (no memory behind it): the
 * guest-linear address of the violation is EDI's, not ESI's. */
static void test_ept_violation_names_the_faulting_operand_of_cmps(void **state)
{
    (void)state;
    static const uint8_t cmps[] = {0xa6, 0xf4}; /* cmpsb; hlt */
    xt_pmode_setup(0x10000, 0xa000, cmps, sizeof(cmps));
    xt_map_page(0x20000, 0x20000, XT_PTE_P | XT_PTE_W);
    xt_set_reg(HV_X86_RIP, 0xa000);
    xt_set_reg(HV_X86_RSI, 0xb000);
    xt_set_reg(HV_X86_RDI, 0x20010);
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, 0x181, 0); /* read; not mapped; GLA valid */
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), 0x20010);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x20010);
    assert_int_equal(xt_reg(HV_X86_RIP), 0xa000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mov_cr0_paging_without_protection_is_gp, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_reserved_ff7_is_ud_without_touching_its_operand, setup,
                                        xt_teardown_state),
        cmocka_unit_test_teardown(test_ept_violation_names_the_faulting_operand_of_cmps,
                                  xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
