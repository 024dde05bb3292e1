/*
 * test_x86_protected_mode.c — VMX exits of a guest entered directly from
 * the VMCS in 32-bit protected mode with paging: the exact exit reason,
 * qualification, instruction length and information, guest-linear and
 * guest-physical addresses, interruption information and error codes the
 * real framework reports, with linear addresses translated through the
 * guest's own page tables.
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
#include "x86_pmode_exits.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_pmode_exits, x86_pmode_exits_len);
    xt_map_page(0x400000, 0x50000, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x401000, 0x200000, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x402000, 0, 0);
    xt_map_page(0x403000, 0x51000, XT_PTE_P);
    return 0;
}

static void enter_at(uint64_t offset)
{
    xt_set_reg(HV_X86_RIP, LOAD + offset);
}

static void test_pmode_guest_state_is_loaded_from_the_vmcs(void **state)
{
    (void)state;
    enter_at(0);
    xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1);
    /* The VMCS reads back the 32-bit flat segments and the paging state. */
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS), XT_SEL_CS32);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_AR), 0xc09b);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_LIMIT), 0xffffffff);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SS_AR), 0xc093);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR0), 0x80000031);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR3), XT_PT_POOL);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR4), 0x2000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_GDTR_BASE), XT_GDT);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 6);
    assert_int_equal(xt_retired(), 2);
}

static void test_pmode_io_qualification_and_string_instruction_info(void **state)
{
    (void)state;
    enter_at(0);
    xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1); /* out %al,%dx */
    xt_advance();
    xt_expect_exit(VMX_REASON_IO, 0x800043, 2); /* out %eax,$0x80: 4 bytes, immediate */
    xt_advance();
    xt_expect_exit(VMX_REASON_IO, 0x3f80009, 2); /* in %dx,%ax: 2 bytes, IN */
    xt_advance();
    /* rep outsb: string and REP; 32-bit address size, DS; the linear
     * address of DS:ESI and the registers at the instruction */
    uint64_t rip = LOAD + 0x15;
    xt_expect_exit(VMX_REASON_IO, 0x3f80030, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), rip);
    assert_int_equal(xt_vmcs(VMCS_RO_VMX_INSTR_INFO), (1u << 7) | (3u << 15));
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x400010);
    assert_int_equal(xt_vmcs(VMCS_RO_IO_RCX), 3);
    assert_int_equal(xt_vmcs(VMCS_RO_IO_RSI), 0x400010);
    assert_int_equal(xt_vmcs(VMCS_RO_IO_RIP), rip);
    assert_int_equal(xt_reg(HV_X86_RCX), 3);
    assert_int_equal(xt_reg(HV_X86_RSI), 0x400010);
    xt_advance();
    /* rep outsb %es:(%esi): the ES override is in the instruction info */
    xt_expect_exit(VMX_REASON_IO, 0x3f80030, 3);
    assert_int_equal(xt_vmcs(VMCS_RO_VMX_INSTR_INFO), 1u << 7);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x400020);
    xt_advance();
    /* insb: IN, string, no REP; ES:EDI */
    xt_expect_exit(VMX_REASON_IO, 0x3f80018, 1);
    assert_int_equal(xt_vmcs(VMCS_RO_VMX_INSTR_INFO), 1u << 7);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x400030);
    assert_int_equal(xt_vmcs(VMCS_RO_IO_RDI), 0x400030);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
}

static void test_pmode_cpuid_and_non_native_msrs_exit(void **state)
{
    (void)state;
    enter_at(0x100);
    xt_expect_exit(VMX_REASON_CPUID, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x102);
    xt_advance();
    xt_expect_exit(VMX_REASON_RDMSR, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RCX), 0x1234);
    xt_advance();
    xt_expect_exit(VMX_REASON_WRMSR, 0, 2);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    /* instructions that exit do not retire: the VMM completes them */
    assert_int_equal(xt_retired(), 2);
}

static void test_pmode_ept_violation_reports_translated_linear_address(void **state)
{
    (void)state;
    assert_int_equal(hv_vm_protect(0x50000, 0x1000, HV_MEMORY_READ | HV_MEMORY_EXEC), HV_SUCCESS);
    enter_at(0x200);
    /* write through linear 0x401abc -> GPA 0x200abc (no RAM): write, GLA
     * valid, access to the translated address, no EPT permissions */
    xt_expect_ept_violation(0x182, 0x200abc, 0x401abc);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x200);
    xt_set_reg(HV_X86_RIP, LOAD + 0x20a);
    /* read */
    xt_expect_ept_violation(0x181, 0x200ff0, 0x401ff0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x20f);
    /* write to a GPA the VMM made read+execute: bits 3 and 5 say so */
    xt_expect_ept_violation(0x1aa, 0x50100, 0x400100);
    xt_set_reg(HV_X86_RIP, LOAD + 0x219);
    /* instruction fetch at linear 0x401800: RIP is the fetched address */
    xt_expect_ept_violation(0x184, 0x200800, 0x401800);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x401800);
}

static void test_pmode_cr_access_follows_masks_shadows_and_cr3_controls(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_CTRL_CR0_MASK, 0x28); /* TS, NE */
    xt_set_vmcs(VMCS_CTRL_CR0_SHADOW, 0x08);
    xt_set_vmcs(VMCS_CTRL_CR4_MASK, 0x80); /* PGE */
    xt_set_vmcs(VMCS_CTRL_CR4_SHADOW, 0);
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_CR3_LOAD | CPU_BASED_CR3_STORE);
    xt_set_vmcs(VMCS_CTRL_CR3_COUNT, 1);
    xt_set_vmcs(VMCS_CTRL_CR3_VALUE0, XT_PT_POOL);
    xt_set_reg(HV_X86_RBX, 0x80000011); /* TS differs from the shadow */
    xt_set_reg(HV_X86_RCX, 0x80);
    xt_set_reg(HV_X86_RDI, XT_PT_POOL); /* a CR3-target value */
    xt_set_reg(HV_X86_RSI, 0x1);
    enter_at(0x300);
    /* mov %ebx,%cr0: MOV to CR0, GPR 3 */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x300, 3);
    /* the masked read before it saw the shadow's TS and NE */
    assert_int_equal(xt_reg(HV_X86_RAX), 0x80000019);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR0), 0x80000031);
    xt_advance();
    /* mov %ecx,%cr4: GPR 1 */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x104, 3);
    xt_advance();
    /* mov %edi,%cr3 matches CR3-target value 0 and runs; mov %eax,%cr3 exits */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x003, 3);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x30c);
    xt_advance();
    /* mov %cr3,%edx: MOV from CR3 (type 1), GPR 2 */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x213, 3);
    xt_advance();
    /* clts with TS set in both mask and shadow: type 2 */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x020, 2);
    xt_advance();
    /* lmsw %si: type 3, register operand, source data in 31:16 */
    xt_expect_exit(VMX_REASON_MOV_CR, 0x10030, 3);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR3), XT_PT_POOL);
}

static void test_pmode_page_fault_exit_has_error_code_and_linear_address(void **state)
{
    (void)state;
    uint64_t cr2 = xt_reg(HV_X86_CR2);
    xt_set_vmcs(VMCS_GUEST_CR0, 0x80010031); /* WP: supervisor writes obey R/W */
    enter_at(0x400);
    /* read of a not-present page: #PF, error code 0, qualification = the
     * linear address; CR2 is not written by a #PF that exits */
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 14);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 0);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0x402010);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x400);
    assert_int_equal(xt_reg(HV_X86_CR2), cr2);
    xt_set_reg(HV_X86_RIP, LOAD + 0x405);
    /* write to a present read-only page: P | W */
    xt_expect_reason(VMX_REASON_EXC_NMI);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 3);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0x403020);
}

static void test_pmode_segment_load_gp_exit_carries_the_selector(void **state)
{
    (void)state;
    enter_at(0x500);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 0x58);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x504);
    assert_int_equal(xt_retired(), 1);
}

static void test_pmode_undeliverable_exception_is_a_triple_fault(void **state)
{
    (void)state;
    /* No exception exits and an IDT too short for #UD, #GP and #DF. */
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0x2f);
    enter_at(0x600);
    xt_expect_reason(VMX_REASON_TRIPLE_FAULT);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x600);
}

static void test_pmode_hlt_exits_with_length_one(void **state)
{
    (void)state;
    enter_at(0x506);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x506);
    assert_int_equal(xt_retired(), 0);
}

static void test_pmode_ept_violation_on_an_int_frame_exits_during_delivery(void **state)
{
    (void)state;
    assert_int_equal(hv_vm_protect(0x50000, 0x1000, HV_MEMORY_READ | HV_MEMORY_EXEC), HV_SUCCESS);
    xt_idt_gate(0x30, LOAD + 0x710, 0);
    xt_set_reg(HV_X86_RSP, 0x400100);
    uint64_t flags = xt_reg(HV_X86_RFLAGS);
    enter_at(0x700);
    /* EFLAGS, the first push, at ESP-4: linear 0x4000fc -> GPA 0x500fc */
    xt_expect_ept_violation(0x1aa, 0x500fc, 0x4000fc);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), 0x80000430u);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 2);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x700);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x400100);
    assert_int_equal(xt_reg(HV_X86_RFLAGS), flags);
    assert_int_equal(xt_retired(), 0);
    assert_int_equal(
        hv_vm_protect(0x50000, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
        HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x710);
    assert_int_equal(xt_retired(), 1);
    assert_int_equal(xt_ram32(0x500f4), LOAD + 0x702); /* EIP after the INT */
    assert_int_equal(xt_ram32(0x500f8), XT_SEL_CS32);
    assert_int_equal(xt_ram32(0x500fc), (uint32_t)flags);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x4000f4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_pmode_guest_state_is_loaded_from_the_vmcs),
        T(test_pmode_io_qualification_and_string_instruction_info),
        T(test_pmode_cpuid_and_non_native_msrs_exit),
        T(test_pmode_ept_violation_reports_translated_linear_address),
        T(test_pmode_cr_access_follows_masks_shadows_and_cr3_controls),
        T(test_pmode_page_fault_exit_has_error_code_and_linear_address),
        T(test_pmode_segment_load_gp_exit_carries_the_selector),
        T(test_pmode_undeliverable_exception_is_a_triple_fault),
        T(test_pmode_hlt_exits_with_length_one),
        T(test_pmode_ept_violation_on_an_int_frame_exits_during_delivery),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
