/*
 * test_x86_hlt_state.c — the HLT activity state (VMCS_GUEST_ACTIVITY_STATE
 * = 1) in a 32-bit protected-mode guest: a VM entry in HLT runs no guest
 * instruction; an injected interrupt wakes the vCPU and is delivered; the
 * interrupt-window, NMI-window, preemption-timer and MTF exits taken from
 * HLT save the activity state as HLT; hv_vcpu_run_until's deadline and
 * hv_vcpu_interrupt leave the vCPU in HLT; the guest's own HLT without
 * "HLT exiting" retires and enters the state; the VM-entry checks on it
 * (SDM vol. 3C, 27.3.1.5) fail the entry with reason 33 | bit 31.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "x86/harness.h"
#include "x86_hlt_state.h"

#define RAM_SIZE  0x100000u
#define LOAD      0x10000u
#define HANDLER   (LOAD + 0x100)
#define READ_TSC  (LOAD + 0x200)
#define STI_HLT   (LOAD + 0x300)
#define ACT_HLT   1u
#define ENTRY_BAD (0x80000000u | VMX_REASON_VMENTRY_GUEST)

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_hlt_state, x86_hlt_state_len);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0);
    xt_idt_gate(0x20, HANDLER, 0);
    return 0;
}

static void enter_halted(uint64_t rip, uint64_t rflags)
{
    xt_set_reg(HV_X86_RIP, rip);
    xt_set_reg(HV_X86_RFLAGS, rflags);
    xt_set_vmcs(VMCS_GUEST_ACTIVITY_STATE, ACT_HLT);
}

static void test_injected_interrupt_wakes_the_halted_vcpu_and_is_delivered(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD + 3, 0x202);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x20);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), 0);
    assert_int_equal(xt_retired(), 0);
    /* The frame: EIP where the vCPU waited, CS, EFLAGS with IF. */
    assert_int_equal(xt_reg(HV_X86_RSP), XT_STACK - 12);
    assert_int_equal(xt_ram32(XT_STACK - 12), LOAD + 3);
    assert_int_equal(xt_ram32(XT_STACK - 8), XT_SEL_CS32);
    assert_int_equal(xt_ram32(XT_STACK - 4), 0x202);
    assert_int_equal(xt_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO) & IRQ_INFO_VALID, 0);
}

static void test_entry_in_hlt_runs_nothing_until_the_deadline(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD, 0x2);
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 1000), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
    assert_int_equal(xt_retired(), 0);
    /* The wait took the virtual time to the deadline, as idle time. */
    assert_int_equal(hvm_clock_now(), 1000);
    uint64_t idle = 0, exec = 1;
    assert_int_equal(hv_vcpu_get_idle_time(xt_vcpu, &idle), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_exec_time(xt_vcpu, &exec), HV_SUCCESS);
    assert_int_equal(idle, 1000u * 125u / 3u);
    assert_int_equal(exec, 0);
    /* Entered again, it waits on to the next deadline. */
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 1500), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(hvm_clock_now(), 1500);
    assert_int_equal(xt_retired(), 0);
}

static void test_irq_window_exits_from_hlt_and_saves_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    enter_halted(LOAD + 3, 0x202);
    xt_expect_exit(VMX_REASON_IRQ_WND, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_retired(), 0);
}

static void test_irq_window_with_if_clear_does_not_wake_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_IRQ_WND);
    enter_halted(LOAD + 3, 0x2);
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 200), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_retired(), 0);
}

static void test_nmi_window_exits_from_hlt_and_saves_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_VIRTUAL_NMI_WND);
    enter_halted(LOAD + 3, 0x2);
    xt_expect_exit(VMX_REASON_VIRTUAL_NMI_WND, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_retired(), 0);
}

static void test_nmi_window_waits_while_nmis_are_blocked_in_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_VIRTUAL_NMI_WND);
    enter_halted(LOAD + 3, 0x2);
    xt_set_vmcs(VMCS_GUEST_INTERRUPTIBILITY, 8);
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 100), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 8);
}

static void test_preemption_timer_fires_from_hlt_after_its_time(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD + 3, 0x2);
    xt_arm_preemption_timer(3);
    xt_expect_exit(VMX_REASON_VMX_TIMER_EXPIRED, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_VMX_TIMER_VALUE), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_retired(), 0);
    /* 3 counts of 32 TSC cycles passed in HLT: the guest's TSC reads 96. */
    xt_set_vmcs(VMCS_CTRL_PIN_BASED, xt_ctrl(HV_VMX_CAP_PINBASED, 0));
    xt_set_vmcs(VMCS_GUEST_ACTIVITY_STATE, 0);
    xt_set_reg(HV_X86_RIP, READ_TSC);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RAX), 96);
    assert_int_equal(xt_reg(HV_X86_RDX), 0);
}

static void test_deadline_before_the_timer_leaves_the_timer_running(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD + 3, 0x2);
    xt_arm_preemption_timer(10); /* 320 TSC cycles = 8 ticks of 40 */
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 4), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    /* 160 cycles waited: 5 counts left, saved by the exit control */
    assert_int_equal(xt_vmcs(VMCS_GUEST_VMX_TIMER_VALUE), 5);
    xt_expect_exit(VMX_REASON_VMX_TIMER_EXPIRED, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_VMX_TIMER_VALUE), 0);
    assert_int_equal(hvm_clock_now(), 8);
    assert_int_equal(xt_retired(), 0);
}

static void test_guest_hlt_without_hlt_exiting_enters_the_hlt_state(void **state)
{
    (void)state;
    xt_set_cpu_based(0);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 100), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    /* nop, nop and hlt retired; RIP after the HLT; waiting */
    assert_int_equal(xt_retired(), 3);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(hvm_clock_now(), 100);
    /* An injected interrupt wakes it; the frame holds the next EIP. */
    xt_set_cpu_based(CPU_BASED_HLT);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x20);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER);
    assert_int_equal(xt_ram32(XT_STACK - 12), LOAD + 3);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), 0);
}

static void test_guest_hlt_with_hlt_exiting_exits_and_stays_active(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 2);
    assert_int_equal(xt_retired(), 2);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), 0);
}

static void test_irq_window_exits_after_hlt_in_the_sti_shadow(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_IRQ_WND);
    xt_set_reg(HV_X86_RIP, STI_HLT);
    xt_set_reg(HV_X86_RFLAGS, 0x2);
    /* STI blocks interrupts for the HLT; HLT retires; the window is open
     * in the HLT state */
    xt_expect_exit(VMX_REASON_IRQ_WND, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), STI_HLT + 2);
    assert_int_equal(xt_retired(), 2);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 0);
}

static void test_mtf_exits_after_the_guest_hlt_with_hlt_saved(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_MTF);
    xt_set_reg(HV_X86_RIP, LOAD + 1);
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 2);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), 0);
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_retired(), 2);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    /* Entered again in HLT with nothing injected, no instruction runs: no
     * MTF exit is pending, the vCPU waits. */
    assert_int_equal(hv_vcpu_run_until(xt_vcpu, 50), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_retired(), 2);
}

static void test_mtf_exits_before_the_handler_of_an_event_that_wakes_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_MTF);
    enter_halted(LOAD + 3, 0x2);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | 0x20);
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), HANDLER);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_injected_pending_mtf_exits_from_hlt(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD + 3, 0x2);
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | (7u << 8));
    xt_expect_exit(VMX_REASON_MTF, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
}

static void *kicker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    hv_vcpuid_t id = xt_vcpu;
    hv_vcpu_interrupt(&id, 1);
    return NULL;
}

static void test_hv_vcpu_interrupt_ends_a_wait_with_nothing_to_wake_it(void **state)
{
    (void)state;
    xt_set_cpu_based(CPU_BASED_HLT);
    enter_halted(LOAD + 3, 0x2);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, kicker, NULL), 0);
    xt_expect_exit(VMX_REASON_IRQ, 0, 0);
    pthread_join(t, NULL);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
    assert_int_equal(xt_retired(), 0);
    assert_int_equal(hvm_clock_now(), 0);
}

static void test_entry_in_hlt_fails_with_sti_blocking(void **state)
{
    (void)state;
    enter_halted(LOAD + 3, 0x202);
    xt_set_vmcs(VMCS_GUEST_INTERRUPTIBILITY, 1);
    xt_expect_exit(ENTRY_BAD, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_INTERRUPTIBILITY), 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 3);
}

static void test_entry_in_hlt_fails_with_ss_dpl_3(void **state)
{
    (void)state;
    enter_halted(LOAD + 3, 0x2);
    xt_set_vmcs(VMCS_GUEST_SS_AR, xt_vmcs(VMCS_GUEST_SS_AR) | 0x60);
    xt_expect_exit(ENTRY_BAD, 0, 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_entry_in_hlt_fails_injecting_a_general_protection_fault(void **state)
{
    (void)state;
    enter_halted(LOAD + 3, 0x2);
    uint32_t info = IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | IRQ_INFO_ERROR_VALID | 13;
    xt_set_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, info);
    xt_expect_exit(ENTRY_BAD, 0, 0);
    /* nothing consumed: the injection is still pending */
    assert_int_equal(xt_vmcs(VMCS_CTRL_VMENTRY_IRQ_INFO), info);
    assert_int_equal(xt_vmcs(VMCS_GUEST_ACTIVITY_STATE), ACT_HLT);
}

static void test_activity_states_other_than_active_and_hlt_are_refused(void **state)
{
    (void)state;
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_GUEST_ACTIVITY_STATE, 2),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_GUEST_ACTIVITY_STATE, 3),
                     HV_BAD_ARGUMENT);
    uint64_t misc = 0;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_MISC, &misc), HV_SUCCESS);
    assert_int_equal(misc & (1u << 6), 1u << 6); /* HLT supported */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_injected_interrupt_wakes_the_halted_vcpu_and_is_delivered),
        T(test_entry_in_hlt_runs_nothing_until_the_deadline),
        T(test_irq_window_exits_from_hlt_and_saves_hlt),
        T(test_irq_window_with_if_clear_does_not_wake_hlt),
        T(test_nmi_window_exits_from_hlt_and_saves_hlt),
        T(test_nmi_window_waits_while_nmis_are_blocked_in_hlt),
        T(test_preemption_timer_fires_from_hlt_after_its_time),
        T(test_deadline_before_the_timer_leaves_the_timer_running),
        T(test_guest_hlt_without_hlt_exiting_enters_the_hlt_state),
        T(test_guest_hlt_with_hlt_exiting_exits_and_stays_active),
        T(test_irq_window_exits_after_hlt_in_the_sti_shadow),
        T(test_mtf_exits_after_the_guest_hlt_with_hlt_saved),
        T(test_mtf_exits_before_the_handler_of_an_event_that_wakes_hlt),
        T(test_injected_pending_mtf_exits_from_hlt),
        T(test_hv_vcpu_interrupt_ends_a_wait_with_nothing_to_wake_it),
        T(test_entry_in_hlt_fails_with_sti_blocking),
        T(test_entry_in_hlt_fails_with_ss_dpl_3),
        T(test_entry_in_hlt_fails_injecting_a_general_protection_fault),
        T(test_activity_states_other_than_active_and_hlt_are_refused),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
