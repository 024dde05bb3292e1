/*
 * test_x86_event_injection.c — events the VMM injects through
 * VMCS_CTRL_VMENTRY_IRQ_INFO into a 32-bit protected-mode guest: delivery
 * through the guest's IDT (the handler runs with the frame the CPU pushes,
 * error code included), the entry clearing the valid bit, software
 * interrupts returning past VMENTRY_INSTR_LEN, and a delivery that faults
 * exiting with the IDT-vectoring information.
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
#include "x86_events_pmode.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u
#define HANDLER  (LOAD + 0x100)

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_events_pmode, x86_events_pmode_len);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0);
    xt_set_reg(HV_X86_RFLAGS, 0x202);
    return 0;
}

static void inject(uint32_t info, uint32_t err, uint32_t len)
{
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, info);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_EXC_ERROR, err);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_INSTR_LEN, len);
}

static void test_injected_external_interrupt_runs_handler_with_frame(void **state)
{
    (void)state;
    xt_idt_gate(0x20, HANDLER, 0);
    inject(IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x20, 0, 0);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER);
    /* EIP of the interrupted instruction, CS, EFLAGS */
    uint64_t sp = xt_reg(HV_X86_RSP);
    assert_int_equal(sp, XT_STACK - 12);
    assert_int_equal(xt_ram32((uint32_t)sp), LOAD);
    assert_int_equal(xt_ram32((uint32_t)sp + 4), XT_SEL_CS32);
    assert_int_equal(xt_ram32((uint32_t)sp + 8), 0x202);
    /* an interrupt gate clears IF; the entry cleared the valid bit */
    assert_int_equal(xt_reg(HV_X86_RFLAGS) & 0x200, 0);
    assert_int_equal(xt_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO), IRQ_INFO_EXT_IRQ | 0x20);
    assert_int_equal(xt_retired(), 0);
}

static void test_injected_interrupt_is_delivered_even_with_if_clear(void **state)
{
    (void)state;
    xt_idt_gate(0x21, HANDLER, 1);
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    inject(IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x21, 0, 0);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER);
    assert_int_equal(xt_ram32((uint32_t)xt_reg(HV_X86_RSP) + 8), 0x2);
}

static void test_injected_gp_pushes_its_error_code(void **state)
{
    (void)state;
    xt_idt_gate(13, HANDLER, 0);
    inject(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13, 0x1234, 0);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    uint64_t sp = xt_reg(HV_X86_RSP);
    assert_int_equal(sp, XT_STACK - 16);
    assert_int_equal(xt_ram32((uint32_t)sp), 0x1234);
    assert_int_equal(xt_ram32((uint32_t)sp + 4), LOAD);
    assert_int_equal(xt_ram32((uint32_t)sp + 8), XT_SEL_CS32);
    assert_int_equal(xt_ram32((uint32_t)sp + 12), 0x202);
}

static void test_injected_software_interrupt_returns_past_instruction_length(void **state)
{
    (void)state;
    xt_idt_gate(0x80, HANDLER, 0);
    inject(IRQ_INFO_VALID | IRQ_INFO_SOFT_IRQ | 0x80, 0, 2);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_ram32((uint32_t)xt_reg(HV_X86_RSP)), LOAD + 2);
}

static void test_injected_vector_beyond_idt_limit_exits_with_idt_vectoring_info(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 1u << 13);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0x7f); /* 16 gates */
    inject(IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x30, 0, 0);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13);
    /* selector index 0x30, IDT bit, EXT bit (an external event) */
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), 0x30 * 8 + 3);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x30);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
    assert_int_equal(xt_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO) & IRQ_INFO_VALID, 0);
}

static void test_injected_nmi_blocks_nmis_until_exit_in_handler(void **state)
{
    (void)state;
    xt_idt_gate(2, LOAD + 0x280, 0);
    inject(IRQ_INFO_VALID | IRQ_INFO_NMI | 2, 0, 0);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x280);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 8); /* blocking by NMI */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_injected_external_interrupt_runs_handler_with_frame),
        T(test_injected_interrupt_is_delivered_even_with_if_clear),
        T(test_injected_gp_pushes_its_error_code),
        T(test_injected_software_interrupt_returns_past_instruction_length),
        T(test_injected_vector_beyond_idt_limit_exits_with_idt_vectoring_info),
        T(test_injected_nmi_blocks_nmis_until_exit_in_handler),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
