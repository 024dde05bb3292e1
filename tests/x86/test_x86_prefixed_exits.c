/*
 * test_x86_prefixed_exits.c — the VM-exit instruction length of an
 * instruction with prefixes counts every byte of it (SDM vol. 3C, 28.2.4),
 * and the prefixes do not change which instruction exited: a prefixed
 * WRMSR is a WRMSR exit, and an instruction the model runs itself (WBINVD
 * without WBINVD exiting) retires whole.
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
#include "x86_prefixed_exits.h"

static int setup(void **state)
{
    (void)state;
    xt_realmode_setup(0x10000, 0x7c00, x86_prefixed_exits, x86_prefixed_exits_len);
    xt_set_cpu_based(CPU_BASED_HLT | CPU_BASED_RDTSC);
    return 0;
}

static void test_prefixed_instructions_exit_with_their_full_length(void **state)
{
    (void)state;
    xt_expect_exit(VMX_REASON_WRMSR, 0, 3); /* ds wrmsr */
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c03);
    assert_int_equal(xt_retired(), 1);
    xt_advance();
    xt_expect_exit(VMX_REASON_RDMSR, 0, 4); /* es data16 rdmsr */
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c06);
    xt_advance();
    xt_expect_exit(VMX_REASON_CPUID, 0, 3); /* cs cpuid */
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c0a);
    xt_advance();
    xt_expect_exit(VMX_REASON_RDTSC, 0, 3); /* ss rdtsc */
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c0d);
    xt_advance();
    /* ds wbinvd retires in the model (3 bytes); fs hlt exits with 2. */
    xt_expect_exit(VMX_REASON_HLT, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c13);
    assert_int_equal(xt_retired(), 2); /* mov and wbinvd: exiting instructions do not retire */
}

/* LOCK on HLT, OUT or CPUID is #UD (SDM vol. 2A, 2.1.1), which the
 * exception bitmap turns into an exception exit at the instruction, before
 * the exit the instruction itself would cause. */
static void test_lock_prefixed_intercepted_instructions_raise_ud(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, 0x7c15);
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0x80000306); /* valid, hardware, #UD */
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c15);
    xt_set_reg(HV_X86_RIP, 0x7c17);
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0x80000306);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c17);
    xt_set_reg(HV_X86_RIP, 0x7c1a);
    xt_expect_exit(VMX_REASON_EXC_NMI, 0, 0);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0x80000306);
    xt_set_reg(HV_X86_RIP, 0x7c1d);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_retired(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prefixed_instructions_exit_with_their_full_length,
                                        setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_lock_prefixed_intercepted_instructions_raise_ud, setup,
                                        xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
