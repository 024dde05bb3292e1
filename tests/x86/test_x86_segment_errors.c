/*
 * test_x86_segment_errors.c — the error codes of #GP, #NP and #SS raised by
 * the guest's own far JMP, far CALL, IRET and far RET, and by the IDT gate
 * checks of INT n and of injected events, as the exception-bitmap exit
 * reports them (VMCS_RO_VMEXIT_IRQ_INFO / _ERROR; SDM vol. 2 pseudo-code,
 * vol. 3A 6.13): the selector that failed its check (RPL cleared), 0 for a
 * null selector, vector * 8 + 2 (+ 1 for an external event) for the gate.
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
#include "x86_seg_errors.h"
#include "x86_seg_errors_lmode.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u
#define FARPTR   0x20000u
#define FRAME    (XT_STACK - 0x20)

#define GP 13u
#define NP 11u
#define SS 12u

static uint8_t *ram;

static void put32(uint64_t gpa, uint32_t x)
{
    memcpy(ram + gpa, &x, 4);
}

static void put64(uint64_t gpa, uint64_t x)
{
    memcpy(ram + gpa, &x, 8);
}

/* Extra descriptors after the set-up's (which end at 0x20). */
#define SEL_DATA     0x28u /* data, DPL 0 */
#define SEL_CODE_NP  0x30u /* code, not present */
#define SEL_CODE3    0x38u /* code, DPL 3 */
#define SEL_GATE_NP  0x40u /* call gate, not present */
#define SEL_GATE_NPC 0x48u /* call gate to SEL_CODE_NP */
#define SEL_GATE_DAT 0x50u /* call gate to SEL_DATA */
#define SEL_DATA3_NP 0x58u /* data, DPL 3, not present (below the limit in IRET tests) */
#define SEL_DATA3    0x60u /* data, DPL 3 */

static uint64_t call_gate(uint16_t sel, uint32_t off, bool present)
{
    uint32_t lo = (uint32_t)sel << 16 | (off & 0xffffu);
    uint32_t hi = (off & 0xffff0000u) | (present ? 0x8c00u : 0x0c00u);
    return (uint64_t)hi << 32 | lo;
}

static int setup_pmode(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_seg_errors, x86_seg_errors_len);
    put64(XT_GDT + SEL_DATA, 0x00cf93000000ffffull);
    put64(XT_GDT + SEL_CODE_NP, 0x00cf1b000000ffffull);
    put64(XT_GDT + SEL_CODE3, 0x00cffb000000ffffull);
    put64(XT_GDT + SEL_GATE_NP, call_gate(XT_SEL_CS32, LOAD, false));
    put64(XT_GDT + SEL_GATE_NPC, call_gate(SEL_CODE_NP, LOAD, true));
    put64(XT_GDT + SEL_GATE_DAT, call_gate(SEL_DATA, LOAD, true));
    put64(XT_GDT + SEL_DATA3_NP, 0x00cf73000000ffffull);
    put64(XT_GDT + SEL_DATA3, 0x00cff3000000ffffull);
    xt_set_vmcs(VMCS_GUEST_GDTR_LIMIT, 0x57); /* up to SEL_GATE_DAT */
    xt_set_reg(HV_X86_RBX, FARPTR);
    return 0;
}

static void expect_fault_len(unsigned vec, uint32_t err, uint64_t rip, uint32_t len)
{
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, len);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO),
                     IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | vec);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_ERROR), err);
    assert_int_equal(xt_reg(HV_X86_RIP), rip);
}

static void expect_fault(unsigned vec, uint32_t err, uint64_t rip)
{
    expect_fault_len(vec, err, rip, 0);
}

static void far_jmp(uint16_t sel, uint64_t rip)
{
    put32(FARPTR, LOAD + 0x600);
    memcpy(ram + FARPTR + 4, &sel, 2);
    xt_set_reg(HV_X86_RIP, rip);
}

static void test_far_jmp_to_a_not_present_code_segment_is_np_selector(void **state)
{
    (void)state;
    far_jmp(SEL_CODE_NP, LOAD);
    expect_fault(NP, SEL_CODE_NP, LOAD);
}

static void test_far_jmp_to_a_data_segment_is_gp_selector(void **state)
{
    (void)state;
    far_jmp(SEL_DATA | 3u, LOAD); /* RPL cleared in the error code */
    expect_fault(GP, SEL_DATA, LOAD);
}

static void test_far_jmp_to_another_privilege_level_is_gp_selector(void **state)
{
    (void)state;
    far_jmp(SEL_CODE3, LOAD);
    expect_fault(GP, SEL_CODE3, LOAD);
}

static void test_far_jmp_with_rpl_above_cpl_is_gp_selector(void **state)
{
    (void)state;
    far_jmp(XT_SEL_CS32 | 3u, LOAD);
    expect_fault(GP, XT_SEL_CS32, LOAD);
}

static void test_far_jmp_to_the_null_selector_is_gp0(void **state)
{
    (void)state;
    far_jmp(3, LOAD);
    expect_fault(GP, 0, LOAD);
}

static void test_far_jmp_beyond_the_gdt_limit_is_gp_selector(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x400);
    expect_fault(GP, 0x58, LOAD + 0x400);
}

static void test_far_jmp_to_an_ldt_selector_without_ldt_is_gp_selector(void **state)
{
    (void)state;
    far_jmp(0x0c, LOAD);
    expect_fault(GP, 0x0c, LOAD);
}

static void test_far_call_through_a_not_present_gate_is_np_gate(void **state)
{
    (void)state;
    far_jmp(SEL_GATE_NP, LOAD + 0x100);
    expect_fault(NP, SEL_GATE_NP, LOAD + 0x100);
}

static void test_far_call_through_a_gate_to_a_not_present_segment_is_np_target(void **state)
{
    (void)state;
    far_jmp(SEL_GATE_NPC, LOAD + 0x100);
    expect_fault(NP, SEL_CODE_NP, LOAD + 0x100);
}

static void test_far_jmp_through_a_gate_to_data_is_gp_target(void **state)
{
    (void)state;
    far_jmp(SEL_GATE_DAT, LOAD);
    expect_fault(GP, SEL_DATA, LOAD);
}

static void iret_frame(uint32_t eip, uint32_t cs, uint32_t eflags, uint32_t esp, uint32_t ss)
{
    put32(FRAME, eip);
    put32(FRAME + 4, cs);
    put32(FRAME + 8, eflags);
    put32(FRAME + 12, esp);
    put32(FRAME + 16, ss);
    xt_set_reg(HV_X86_RSP, FRAME);
    xt_set_vmcs(VMCS_GUEST_GDTR_LIMIT, 0x67);
}

static void test_iret_to_a_not_present_code_segment_is_np_selector(void **state)
{
    (void)state;
    iret_frame(LOAD, SEL_CODE_NP, 2, 0, 0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    expect_fault(NP, SEL_CODE_NP, LOAD + 0x200);
    assert_int_equal(xt_reg(HV_X86_RSP), FRAME); /* nothing popped */
}

static void test_iret_to_a_data_segment_is_gp_selector(void **state)
{
    (void)state;
    iret_frame(LOAD, SEL_DATA, 2, 0, 0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    expect_fault(GP, SEL_DATA, LOAD + 0x200);
}

static void test_iret_to_ring3_with_a_not_present_stack_is_ss_selector(void **state)
{
    (void)state;
    iret_frame(LOAD, SEL_CODE3 | 3u, 2, 0x8000, SEL_DATA3_NP | 3u);
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    expect_fault(SS, SEL_DATA3_NP, LOAD + 0x200);
}

static void test_iret_to_ring3_with_a_ring0_stack_is_gp_ss_selector(void **state)
{
    (void)state;
    iret_frame(LOAD, SEL_CODE3 | 3u, 2, 0x8000, SEL_DATA3); /* SS RPL 0 != 3 */
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    expect_fault(GP, SEL_DATA3, LOAD + 0x200);
}

static void test_far_ret_to_a_dpl3_segment_with_rpl0_is_gp_selector(void **state)
{
    (void)state;
    iret_frame(LOAD, SEL_CODE3, 0, 0, 0);
    xt_set_reg(HV_X86_RIP, LOAD + 0x300);
    expect_fault(GP, SEL_CODE3, LOAD + 0x300);
}

static void idt_raw(unsigned vec, uint64_t desc)
{
    put64(XT_IDT + vec * 8u, desc);
}

static void expect_int30_fault(unsigned vec, uint32_t err)
{
    xt_set_reg(HV_X86_RIP, LOAD + 0x500);
    /* an exit during delivery of a software interrupt: its length */
    expect_fault_len(vec, err, LOAD + 0x500, 2);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), IRQ_INFO_VALID | IRQ_INFO_SOFT_IRQ | 0x30);
}

static void test_int_through_a_not_present_gate_is_np_vector(void **state)
{
    (void)state;
    xt_idt_gate(0x30, LOAD + 0x600, 0);
    put32(XT_IDT + 0x30 * 8 + 4, xt_ram32(XT_IDT + 0x30 * 8 + 4) & ~0x8000u);
    expect_int30_fault(NP, 0x30 * 8 + 2);
}

static void test_int_through_a_call_gate_in_the_idt_is_gp_vector(void **state)
{
    (void)state;
    idt_raw(0x30, call_gate(XT_SEL_CS32, LOAD, true));
    expect_int30_fault(GP, 0x30 * 8 + 2);
}

static void test_int_to_a_not_present_handler_segment_is_np_selector(void **state)
{
    (void)state;
    xt_idt_gate(0x30, LOAD + 0x600, 0);
    put32(XT_IDT + 0x30 * 8, SEL_CODE_NP << 16 | ((LOAD + 0x600) & 0xffffu));
    expect_int30_fault(NP, SEL_CODE_NP);
}

static void test_int_to_a_data_segment_handler_is_gp_selector(void **state)
{
    (void)state;
    xt_idt_gate(0x30, LOAD + 0x600, 0);
    put32(XT_IDT + 0x30 * 8, SEL_DATA << 16 | ((LOAD + 0x600) & 0xffffu));
    expect_int30_fault(GP, SEL_DATA);
}

static void test_injected_interrupt_to_a_not_present_handler_sets_ext(void **state)
{
    (void)state;
    xt_idt_gate(0x31, LOAD + 0x600, 0);
    put32(XT_IDT + 0x31 * 8, SEL_CODE_NP << 16 | ((LOAD + 0x600) & 0xffffu));
    xt_set_reg(HV_X86_RIP, LOAD + 0x500);
    xt_set_reg(HV_X86_RFLAGS, 0x202);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x31);
    expect_fault(NP, SEL_CODE_NP | 1u, LOAD + 0x500);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x31);
}

/* ---- long mode ---- */

#define L_CODE_NP 0x28u /* 64-bit code, not present */
#define L_GATE16  0x38u /* a 16-bit call gate (none in IA-32e mode) */

static int setup_lmode(void **state)
{
    (void)state;
    ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_seg_errors_lmode, x86_seg_errors_lmode_len);
    put64(XT_GDT + L_CODE_NP, 0x00af1b000000ffffull);
    put64(XT_GDT + L_GATE16, 0x0000840000180000ull);
    put64(XT_GDT + L_GATE16 + 8, 0);
    xt_set_vmcs(VMCS_GUEST_GDTR_LIMIT, 0x47);
    xt_set_reg(HV_X86_RBX, FARPTR);
    return 0;
}

static void test_lmode_far_jmp_to_a_not_present_segment_is_np_selector(void **state)
{
    (void)state;
    far_jmp(L_CODE_NP, LOAD);
    expect_fault(NP, L_CODE_NP, LOAD);
}

static void test_lmode_far_jmp_through_a_16_bit_call_gate_is_gp_selector(void **state)
{
    (void)state;
    far_jmp(L_GATE16, LOAD);
    expect_fault(GP, L_GATE16, LOAD);
}

static void test_lmode_iretq_to_a_not_present_segment_is_np_selector(void **state)
{
    (void)state;
    put64(FRAME, LOAD);
    put64(FRAME + 8, L_CODE_NP);
    put64(FRAME + 16, 2);
    put64(FRAME + 24, XT_STACK);
    put64(FRAME + 32, 0x20);
    xt_set_reg(HV_X86_RSP, FRAME);
    xt_set_reg(HV_X86_RIP, LOAD + 0x100);
    expect_fault(NP, L_CODE_NP, LOAD + 0x100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define P(f) cmocka_unit_test_setup_teardown(f, setup_pmode, xt_teardown_state)
#define L(f) cmocka_unit_test_setup_teardown(f, setup_lmode, xt_teardown_state)
        P(test_far_jmp_to_a_not_present_code_segment_is_np_selector),
        P(test_far_jmp_to_a_data_segment_is_gp_selector),
        P(test_far_jmp_to_another_privilege_level_is_gp_selector),
        P(test_far_jmp_with_rpl_above_cpl_is_gp_selector),
        P(test_far_jmp_to_the_null_selector_is_gp0),
        P(test_far_jmp_beyond_the_gdt_limit_is_gp_selector),
        P(test_far_jmp_to_an_ldt_selector_without_ldt_is_gp_selector),
        P(test_far_call_through_a_not_present_gate_is_np_gate),
        P(test_far_call_through_a_gate_to_a_not_present_segment_is_np_target),
        P(test_far_jmp_through_a_gate_to_data_is_gp_target),
        P(test_iret_to_a_not_present_code_segment_is_np_selector),
        P(test_iret_to_a_data_segment_is_gp_selector),
        P(test_iret_to_ring3_with_a_not_present_stack_is_ss_selector),
        P(test_iret_to_ring3_with_a_ring0_stack_is_gp_ss_selector),
        P(test_far_ret_to_a_dpl3_segment_with_rpl0_is_gp_selector),
        P(test_int_through_a_not_present_gate_is_np_vector),
        P(test_int_through_a_call_gate_in_the_idt_is_gp_vector),
        P(test_int_to_a_not_present_handler_segment_is_np_selector),
        P(test_int_to_a_data_segment_handler_is_gp_selector),
        P(test_injected_interrupt_to_a_not_present_handler_sets_ext),
        L(test_lmode_far_jmp_to_a_not_present_segment_is_np_selector),
        L(test_lmode_far_jmp_through_a_16_bit_call_gate_is_gp_selector),
        L(test_lmode_iretq_to_a_not_present_segment_is_np_selector),
#undef P
#undef L
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
