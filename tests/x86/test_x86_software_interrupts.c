/*
 * test_x86_software_interrupts.c — the guest's own INT n and INT3,
 * delivered through its real-mode IVT: the instruction retires with its
 * delivery (instruction count and virtual TSC count it, as the CPU's
 * retired-instruction counter does), the frame holds the address after it;
 * an INT3 the exception bitmap selects exits without retiring; an EPT
 * violation on the frame's pushes exits during delivery.
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
#include "x86_soft_int.h"

#define RAM_SIZE  0x10000u
#define LOAD      0x7c00u
#define HANDLER30 (LOAD + 4u) /* soft_int.S */
#define HANDLER3  (LOAD + 9u)

static uint8_t *ram;

static void ivt_entry(unsigned vec, uint16_t offset)
{
    ram[vec * 4] = (uint8_t)offset;
    ram[vec * 4 + 1] = (uint8_t)(offset >> 8);
    ram[vec * 4 + 2] = 0; /* segment 0 */
    ram[vec * 4 + 3] = 0;
}

static int setup(void **state)
{
    (void)state;
    ram = xt_realmode_setup(RAM_SIZE, LOAD, x86_soft_int, x86_soft_int_len);
    assert_int_equal(ram[HANDLER30], 0x0f); /* rdtsc */
    assert_int_equal(ram[HANDLER3], 0x0f);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
    ivt_entry(0x30, HANDLER30);
    ivt_entry(3, HANDLER3);
    return 0;
}

static uint16_t ram16(uint32_t gpa)
{
    return (uint16_t)(ram[gpa] | ram[gpa + 1] << 8);
}

static void test_int_n_through_the_ivt_retires_as_one_instruction(void **state)
{
    (void)state;
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER30 + 2);
    /* nop, int $0x30 retired before the RDTSC; then the RDTSC */
    assert_int_equal(xt_reg(HV_X86_RAX), 2);
    assert_int_equal(xt_retired(), 3);
    /* The frame: IP after the INT, CS, FLAGS. */
    assert_int_equal(xt_reg(HV_X86_RSP), 0x7000 - 6);
    assert_int_equal(ram16(0x7000 - 6), LOAD + 3);
    assert_int_equal(ram16(0x7000 - 4), 0);
    assert_int_equal(ram16(0x7000 - 2), 0x2);
}

static void test_int3_retires_when_delivered_and_not_when_it_exits(void **state)
{
    (void)state;
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    xt_advance();
    /* #BP selected by the exception bitmap: an exit at the INT3. */
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_SOFT_EXC | 3);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER30 + 3);
    assert_int_equal(xt_retired(), 3);
    /* Not selected: delivered through IVT[3], and it retires. */
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffffu & ~(1u << 3));
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER3 + 2);
    /* nop, int, rdtsc, int3 before the second RDTSC */
    assert_int_equal(xt_reg(HV_X86_RAX), 4);
    assert_int_equal(xt_retired(), 5);
    assert_int_equal(ram16(0x7000 - 12), HANDLER30 + 4);
}

static uint8_t stack_page[4096] __attribute__((aligned(4096)));

/* INT n whose pushes go to a stack page with no RAM: an EPT violation
 * during delivery. The CPU exits with the event as IDT-vectoring
 * information, RIP at the INT and nothing of the guest changed; once the
 * VMM maps the page, the INT is delivered. (The handler here is UD2 with
 * #UD exiting: the engine's half-delivered state once ran the handler and
 * its #UD round without end.) */
static void test_int_n_with_its_stack_in_a_hole_exits_during_delivery(void **state)
{
    (void)state;
    ivt_entry(0x30, 0x500);
    ram[0x500] = 0x0f; /* ud2 */
    ram[0x501] = 0x0b;
    xt_set_vmcs(VMCS_GUEST_SS, 0x1000);
    xt_set_vmcs(VMCS_GUEST_SS_BASE, 0x10000);
    xt_set_reg(HV_X86_RSP, 0x100);
    uint64_t flags = xt_reg(HV_X86_RFLAGS);
    /* the first push (FLAGS) at SS:SP-2: a write, no EPT permissions */
    xt_expect_ept_violation(0x182, 0x100fe, 0x100fe);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), 0x80000430u); /* soft INT 0x30 */
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 2);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 1);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x100);
    assert_int_equal(xt_reg(HV_X86_RFLAGS), flags);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS), 0);
    assert_int_equal(xt_retired(), 1); /* the NOP; the INT did not retire */
    memset(stack_page, 0, sizeof(stack_page));
    assert_int_equal(
        hv_vm_map(stack_page, 0x10000, sizeof(stack_page), HV_MEMORY_READ | HV_MEMORY_WRITE),
        HV_SUCCESS);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 6);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x500);
    assert_int_equal(xt_retired(), 2);
    /* the frame: IP after the INT, CS 0, FLAGS */
    assert_int_equal(stack_page[0xfa] | stack_page[0xfb] << 8, LOAD + 3);
    assert_int_equal(stack_page[0xfc] | stack_page[0xfd] << 8, 0);
    assert_int_equal(stack_page[0xfe] | stack_page[0xff] << 8, (uint16_t)flags);
    assert_int_equal(xt_reg(HV_X86_RSP), 0xfa);
    assert_int_equal(hv_vm_unmap(0x10000, sizeof(stack_page)), HV_SUCCESS);
}

/* The handler's first instruction on a page with no RAM: the delivery is
 * done (the INT retired, the frame pushed), the fetch exits at the handler
 * with no IDT-vectoring information. */
static void test_int_n_to_a_handler_in_a_hole_exits_at_the_handler(void **state)
{
    (void)state;
    ram[0x30 * 4] = 0; /* IVT[0x30] = 1000:0000, linear 0x10000 */
    ram[0x30 * 4 + 1] = 0;
    ram[0x30 * 4 + 2] = 0x00;
    ram[0x30 * 4 + 3] = 0x10;
    xt_expect_ept_violation(0x184, 0x10000, 0x10000);
    assert_int_equal(xt_vmcs(VMCS_RO_IDT_VECTOR_INFO), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS), 0x1000);
    assert_int_equal(xt_reg(HV_X86_RIP), 0);
    assert_int_equal(xt_retired(), 2);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x7000 - 6);
    assert_int_equal(ram16(0x7000 - 6), LOAD + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_int_n_through_the_ivt_retires_as_one_instruction,
                                        setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_int3_retires_when_delivered_and_not_when_it_exits,
                                        setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_int_n_with_its_stack_in_a_hole_exits_during_delivery,
                                        setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_int_n_to_a_handler_in_a_hole_exits_at_the_handler,
                                        setup, xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
