/*
 * test_x86_cr8_tpr.c — CR8 in a 64-bit guest: CR8-load and CR8-store
 * exiting (MOV-CR exits, reason 28, with CR number 8, the access type and
 * the GPR in the qualification), CR8 reaching the TPR without them, and
 * "use TPR shadow": MOV from/to CR8 read and write VTPR (offset 0x80 of the
 * virtual-APIC page, a guest-physical page), a write below the TPR
 * threshold exits after the instruction with reason 43, reserved bits
 * raise #GP(0), and the VM-entry checks of the controls fail the entry
 * (HV_ERROR, VM-instruction error 7).
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
#include "x86_cr8_lmode.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u
#define WRITE    LOAD
#define READ     (LOAD + 0x100)
#define BOTH     (LOAD + 0x200)
#define VAPIC    0x60000u

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_cr8_lmode, x86_cr8_lmode_len);
    return 0;
}

static void tpr_shadow(uint32_t vtpr, uint32_t threshold)
{
    memcpy(ram + VAPIC + 0x80, &vtpr, 4); /* x86 memory: the hosts run little-endian */
    xt_set_vmcs(VMCS_CTRL_VIRTUAL_APIC, VAPIC);
    xt_set_vmcs(VMCS_CTRL_TPR_THRESHOLD, threshold);
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_TPR_SHADOW);
}

static uint32_t vtpr(void)
{
    uint32_t x;
    memcpy(&x, ram + VAPIC + 0x80, 4);
    return x;
}

static void test_capabilities_allow_cr8_exiting_and_the_tpr_shadow(void **state)
{
    (void)state;
    uint64_t cap = 0;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_PROCBASED, &cap), HV_SUCCESS);
    uint64_t want = CPU_BASED_CR8_LOAD | CPU_BASED_CR8_STORE | CPU_BASED_TPR_SHADOW;
    assert_int_equal((cap >> 32) & want, want); /* may be 1 */
    assert_int_equal(cap & want, 0);            /* may be 0 */
}

static void test_cr8_load_exiting_exits_with_cr8_write_and_the_gpr(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_CR8_LOAD);
    xt_set_reg(HV_X86_R10, 5);
    xt_set_reg(HV_X86_RIP, WRITE);
    /* CR 8, MOV to CR (0), R10 in bits 11:8; 45 0f 22 c2 */
    xt_expect_exit(VMX_REASON_MOV_CR, 8u | (10u << 8), 4);
    assert_int_equal(xt_reg(HV_X86_RIP), WRITE);
    assert_int_equal(xt_reg(HV_X86_TPR), 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_cr8_store_exiting_exits_with_cr8_read_and_the_gpr(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_CR8_STORE);
    xt_set_reg(HV_X86_RIP, READ);
    /* CR 8, MOV from CR (1) in bits 5:4, R9 in bits 11:8; 45 0f 20 c1 */
    xt_expect_exit(VMX_REASON_MOV_CR, 8u | (1u << 4) | (9u << 8), 4);
    assert_int_equal(xt_reg(HV_X86_RIP), READ);
}

static void test_cr8_without_exiting_is_the_tpr(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    xt_set_reg(HV_X86_RCX, 7);
    xt_set_reg(HV_X86_RIP, BOTH);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RDX), 7);
    assert_int_equal(xt_reg(HV_X86_TPR), 7);
    assert_int_equal(xt_retired(), 2);
}

static void test_tpr_shadow_read_of_cr8_is_vtpr_bits_7_4(void **state)
{
    (void)state;
    tpr_shadow(0x3c, 0);
    xt_set_reg(HV_X86_R9, ~0ull);
    xt_set_reg(HV_X86_RIP, READ);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_R9), 3);
    assert_int_equal(xt_reg(HV_X86_TPR), 0);
    assert_int_equal(xt_retired(), 1);
}

static void test_tpr_shadow_write_of_cr8_sets_vtpr_and_clears_its_other_bits(void **state)
{
    (void)state;
    tpr_shadow(0xffffff0fu, 0);
    xt_set_reg(HV_X86_RCX, 9);
    xt_set_reg(HV_X86_RIP, BOTH);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(vtpr(), 0x90);
    assert_int_equal(xt_reg(HV_X86_RDX), 9);
    assert_int_equal(xt_reg(HV_X86_TPR), 0); /* the TPR itself untouched */
}

static void test_tpr_shadow_write_below_the_threshold_exits_after_the_instruction(void **state)
{
    (void)state;
    tpr_shadow(0x50, 4);
    xt_set_reg(HV_X86_R10, 2);
    xt_set_reg(HV_X86_RIP, WRITE);
    xt_expect_exit(VMX_REASON_TPR_THRESHOLD, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), WRITE + 4); /* trap-like */
    assert_int_equal(xt_retired(), 1);
    assert_int_equal(vtpr(), 0x20);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0);
}

static void test_tpr_shadow_write_equal_to_the_threshold_does_not_exit(void **state)
{
    (void)state;
    tpr_shadow(0x50, 4);
    xt_set_reg(HV_X86_R10, 4);
    xt_set_reg(HV_X86_RIP, WRITE);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), WRITE + 4);
    assert_int_equal(vtpr(), 0x40);
}

static void test_cr8_load_exiting_has_priority_over_the_tpr_shadow(void **state)
{
    (void)state;
    tpr_shadow(0x50, 4);
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_TPR_SHADOW | CPU_BASED_CR8_LOAD);
    xt_set_reg(HV_X86_R10, 1);
    xt_set_reg(HV_X86_RIP, WRITE);
    xt_expect_exit(VMX_REASON_MOV_CR, 8u | (10u << 8), 4);
    assert_int_equal(vtpr(), 0x50);
}

static void test_cr8_write_with_reserved_bits_raises_gp0(void **state)
{
    (void)state;
    tpr_shadow(0x50, 0);
    xt_set_reg(HV_X86_R10, 0x10);
    xt_set_reg(HV_X86_RIP, WRITE);
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO),
                     IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), WRITE);
    assert_int_equal(vtpr(), 0x50);
}

static void test_entry_fails_with_the_threshold_above_vtpr(void **state)
{
    (void)state;
    tpr_shadow(0x50, 6);
    xt_set_reg(HV_X86_RIP, READ);
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_ERROR);
    assert_int_equal(xt_vmcs(VMCS_RO_INSTR_ERROR), 7);
    assert_int_equal(xt_retired(), 0);
    /* corrected, the entry succeeds */
    xt_set_vmcs(VMCS_CTRL_TPR_THRESHOLD, 5);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_R9), 5);
}

static void test_entry_fails_with_an_unaligned_or_unbacked_virtual_apic_page(void **state)
{
    (void)state;
    tpr_shadow(0, 0);
    xt_set_reg(HV_X86_RIP, READ);
    xt_set_vmcs(VMCS_CTRL_VIRTUAL_APIC, VAPIC + 0x10);
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_ERROR);
    assert_int_equal(xt_vmcs(VMCS_RO_INSTR_ERROR), 7);
    xt_set_vmcs(VMCS_CTRL_VIRTUAL_APIC, 0x4000000);
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_ERROR);
    xt_set_vmcs(VMCS_CTRL_TPR_THRESHOLD, 0x10);
    xt_set_vmcs(VMCS_CTRL_VIRTUAL_APIC, VAPIC);
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_ERROR);
    assert_int_equal(xt_retired(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_capabilities_allow_cr8_exiting_and_the_tpr_shadow),
        T(test_cr8_load_exiting_exits_with_cr8_write_and_the_gpr),
        T(test_cr8_store_exiting_exits_with_cr8_read_and_the_gpr),
        T(test_cr8_without_exiting_is_the_tpr),
        T(test_tpr_shadow_read_of_cr8_is_vtpr_bits_7_4),
        T(test_tpr_shadow_write_of_cr8_sets_vtpr_and_clears_its_other_bits),
        T(test_tpr_shadow_write_below_the_threshold_exits_after_the_instruction),
        T(test_tpr_shadow_write_equal_to_the_threshold_does_not_exit),
        T(test_cr8_load_exiting_has_priority_over_the_tpr_shadow),
        T(test_cr8_write_with_reserved_bits_raises_gp0),
        T(test_entry_fails_with_the_threshold_above_vtpr),
        T(test_entry_fails_with_an_unaligned_or_unbacked_virtual_apic_page),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
