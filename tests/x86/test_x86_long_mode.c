/*
 * test_x86_long_mode.c — VMX exits of a guest entered directly from the
 * VMCS in 64-bit long mode (EFER.LME/LMA, the "IA-32e mode guest" entry
 * control, 4-level paging): exit reasons, qualifications, instruction
 * information with 64-bit address size, linear addresses translated
 * through the guest's 4-level tables, and exception error codes.
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
#include "x86_lmode_exits.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_lmode_exits, x86_lmode_exits_len);
    xt_map_page(0x400000, 0x50000, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x401000, 0x200000, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x403000, 0x51000, XT_PTE_P);
    return 0;
}

static void test_long_mode_guest_state_and_io_string_info(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_AR), 0xa09b);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IA32_EFER), 0x500);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR4), 0x2020);
    assert_int_equal(xt_retired(), 2);
    xt_advance();
    /* rep outsb in 64-bit code: address size 64 (2 in 9:7), DS; the
     * linear address is RSI itself (DS's base does not apply) */
    xt_expect_exit(VMX_REASON_IO, 0x3f80030, 2);
    assert_int_equal(xt_vmcs(VMCS_RO_VMX_INSTR_INFO), (2u << 7) | (3u << 15));
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x400010);
    assert_int_equal(xt_vmcs(VMCS_RO_IO_RIP), LOAD + 0x11);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
}

static void test_long_mode_cpuid_and_rdmsr_exit(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x100);
    xt_expect_exit(VMX_REASON_CPUID, 0, 2);
    xt_advance();
    xt_expect_exit(VMX_REASON_RDMSR, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x107);
}

static void test_long_mode_ept_violation_through_four_level_tables(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    xt_expect_ept_violation(0x182, 0x200abc, 0x401abc);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x200);
}

static void test_long_mode_page_fault_exit_error_code_present_write(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_GUEST_CR0, 0x80010031); /* WP */
    xt_set_reg(HV_X86_RIP, LOAD + 0x300);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 14);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 3);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0x403020);
}

static void test_long_mode_segment_load_gp_carries_selector(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x400);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 0x58);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x404);
}

static void test_long_mode_cr4_write_under_mask_exits(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_CTRL_CR4_MASK, 0x80);
    xt_set_vmcs(VMCS_CTRL_CR4_SHADOW, 0);
    xt_set_reg(HV_X86_RCX, 0x20a0); /* PGE differs from the shadow */
    xt_set_reg(HV_X86_RIP, LOAD + 0x500);
    xt_expect_exit(VMX_REASON_MOV_CR, 0x104, 3);
    /* A write that keeps the masked bit equal to the shadow runs. */
    xt_set_reg(HV_X86_RCX, 0x2020);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR4), 0x2020);
}

static void test_long_mode_injected_page_fault_pushes_64bit_frame_and_error(void **state)
{
    (void)state;
    xt_idt_gate(14, LOAD + 0x700, 0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x600);
    xt_set_reg(HV_X86_RFLAGS, 0x202);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO,
                IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 14);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_EXC_ERROR, 2);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x700);
    /* error code, RIP, CS, RFLAGS, RSP, SS: 8 bytes each */
    uint64_t sp = xt_reg(HV_X86_RSP);
    assert_int_equal(sp, XT_STACK - 48);
    assert_int_equal(xt_ram64(sp), 2);
    assert_int_equal(xt_ram64(sp + 8), LOAD + 0x600);
    assert_int_equal(xt_ram64(sp + 16), XT_SEL_CS64);
    assert_int_equal(xt_ram64(sp + 24), 0x202);
    assert_int_equal(xt_ram64(sp + 32), XT_STACK);
    assert_int_equal(xt_ram64(sp + 40), XT_SEL_DS);
    assert_int_equal(xt_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO) & IRQ_INFO_VALID, 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_long_mode_stack_access_ept_violation_reports_the_stack_address(void **state)
{
    (void)state;
    /* RSP in linear 0x401000 -> GPA 0x200000 (no RAM) */
    xt_set_reg(HV_X86_RSP, 0x401ff8);
    xt_set_reg(HV_X86_RIP, LOAD + 0x800);
    /* push %rbx writes RSP-8: write, no EPT permissions, GLA valid */
    xt_expect_ept_violation(0x182, 0x200ff0, 0x401ff0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x800);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x401ff8);
    /* pop %rax reads RSP */
    xt_set_reg(HV_X86_RIP, LOAD + 0x801);
    xt_expect_ept_violation(0x181, 0x200ff8, 0x401ff8);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x801);
    /* leave pops at RBP (RSP elsewhere, in RAM) */
    xt_set_reg(HV_X86_RSP, 0x8000);
    xt_set_reg(HV_X86_RBP, 0x401fe0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x810);
    xt_expect_ept_violation(0x181, 0x200fe0, 0x401fe0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x810);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_long_mode_guest_state_and_io_string_info),
        T(test_long_mode_cpuid_and_rdmsr_exit),
        T(test_long_mode_ept_violation_through_four_level_tables),
        T(test_long_mode_page_fault_exit_error_code_present_write),
        T(test_long_mode_segment_load_gp_carries_selector),
        T(test_long_mode_cr4_write_under_mask_exits),
        T(test_long_mode_injected_page_fault_pushes_64bit_frame_and_error),
        T(test_long_mode_stack_access_ept_violation_reports_the_stack_address),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
