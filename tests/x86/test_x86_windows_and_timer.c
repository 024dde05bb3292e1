/*
 * test_x86_windows_and_timer.c — exits at instruction boundaries in a
 * 32-bit protected-mode guest: interrupt-window (7) and NMI-window (8)
 * exits with the STI / MOV-SS / NMI blocking that defers them, the
 * interruptibility state read at exits, MTF (37), and the VMX preemption
 * timer (52) counting down at the virtual TSC >> IA32_VMX_MISC[4:0] with
 * the exact retired instruction count at which it fires.
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
#define SLED     (LOAD + 0x600)

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_events_pmode, x86_events_pmode_len);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0);
    return 0;
}

static void test_irq_window_exits_before_first_instruction_when_open(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    xt_set_reg(HV_X86_RFLAGS, 0x202);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_IRQ_WND, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
    assert_int_equal(xt_retired(), 0);
}

static void test_irq_window_opens_one_instruction_after_sti(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    xt_set_reg(HV_X86_RIP, LOAD + 0x300);
    /* cli; nop; nop; sti; nop (in the STI shadow) -> exit before the next nop */
    xt_expect_exit(VMX_REASON_IRQ_WND, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x305);
    assert_int_equal(xt_retired(), 5);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 0);
    /* The VMM injects and clears the window request; the guest goes on. */
    xt_set_cpu_based(CPU_BASED_HLT);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_retired(), 6);
}

/* A control written straight after an exit, with no guest-state read in
 * between, must not make the next entry reload stale guest state: the
 * guest continues where the exit left it. */
static void test_control_write_right_after_an_exit_keeps_the_guest_state(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    xt_set_reg(HV_X86_RIP, LOAD + 0x300);
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_SUCCESS);
    xt_set_cpu_based(CPU_BASED_HLT);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_retired(), 6);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x306);
    assert_int_equal(xt_reg(HV_X86_RFLAGS) & 0x200, 0x200);
}

static void test_irq_window_waits_for_sti_blocking_from_the_vmcs(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    xt_set_reg(HV_X86_RFLAGS, 0x202);
    xt_set_vmcs(VMCS_GUEST_INTERRUPTIBILITY, 1);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_IRQ_WND, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 1);
    assert_int_equal(xt_retired(), 1);
}

static void test_sti_blocking_is_read_at_the_hlt_exit_after_sti(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    xt_set_reg(HV_X86_RIP, LOAD + 0x400);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 1);
    assert_int_equal(xt_reg(HV_X86_RFLAGS) & 0x200, 0x200);
}

static void test_mov_ss_blocking_is_read_at_the_next_exit(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x500);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 2);
}

static void test_nmi_window_opens_after_the_handlers_iret(void **state)
{
    (void)state;
    xt_idt_gate(2, LOAD + 0x200, 0);
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_VIRTUAL_NMI_WND);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_NMI | 2);
    /* the handler's nop and iret run with NMIs blocked; the window opens
     * at the interrupted instruction */
    xt_expect_exit(VMX_REASON_VIRTUAL_NMI_WND, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
    assert_int_equal(xt_retired(), 2);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 0);
}

static void test_nmi_window_exits_at_once_without_blocking(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_VIRTUAL_NMI_WND);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_VIRTUAL_NMI_WND, 0, 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_mtf_exits_after_each_instruction(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_MTF);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 1);
    assert_int_equal(xt_retired(), 1);
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 2);
    assert_int_equal(xt_retired(), 2);
}

static void test_preemption_timer_fires_at_exact_instruction_count(void **state)
{
    (void)state;
    uint64_t misc;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_MISC, &misc), HV_SUCCESS);
    assert_int_equal(misc & 0x1f, 5); /* one count per 32 TSC cycles */
    xt_set_reg(HV_X86_RIP, SLED);
    xt_arm_preemption_timer(3);
    /* TSC 0 at entry, one cycle per instruction: 3 * 32 instructions */
    xt_expect_exit(VMX_REASON_VMX_TIMER_EXPIRED, 0, 0);
    assert_int_equal(xt_retired(), 96);
    assert_int_equal(xt_reg(HV_X86_RIP), SLED + 96);
    assert_int_equal(xt_vmcs(VMCS_GUEST_VMX_TIMER_VALUE), 0);
    /* the count follows TSC bit 5: from TSC 96, one count is 32 more */
    xt_set_vmcs(VMCS_GUEST_VMX_TIMER_VALUE, 1);
    xt_expect_exit(VMX_REASON_VMX_TIMER_EXPIRED, 0, 0);
    assert_int_equal(xt_retired(), 128);
    /* zero at entry: an exit before any instruction */
    xt_expect_exit(VMX_REASON_VMX_TIMER_EXPIRED, 0, 0);
    assert_int_equal(xt_retired(), 128);
}

static void test_preemption_timer_value_is_saved_at_other_exits(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, SLED + 100); /* 100 nops, then hlt */
    xt_arm_preemption_timer(10);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_retired(), 100);
    /* 100 >> 5 = 3 counts elapsed */
    assert_int_equal(xt_vmcs(VMCS_GUEST_VMX_TIMER_VALUE), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_irq_window_exits_before_first_instruction_when_open),
        T(test_irq_window_opens_one_instruction_after_sti),
        T(test_control_write_right_after_an_exit_keeps_the_guest_state),
        T(test_irq_window_waits_for_sti_blocking_from_the_vmcs),
        T(test_sti_blocking_is_read_at_the_hlt_exit_after_sti),
        T(test_mov_ss_blocking_is_read_at_the_next_exit),
        T(test_nmi_window_opens_after_the_handlers_iret),
        T(test_nmi_window_exits_at_once_without_blocking),
        T(test_mtf_exits_after_each_instruction),
        T(test_preemption_timer_fires_at_exact_instruction_count),
        T(test_preemption_timer_value_is_saved_at_other_exits),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
