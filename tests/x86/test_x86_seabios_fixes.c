/*
 * test_x86_seabios_fixes.c — what running SeaBIOS needed from the model,
 * each reduced to a small real-mode guest:
 *
 * - A CR0 write the model completes without an exit changes the mode but
 *   not the segment caches. SeaBIOS returns from 32-bit code to real mode
 *   through 16-bit protected mode; its next real-mode INT must run the
 *   handler with the 16-bit CS it has, so that IRET pops a 16-bit frame.
 * - Port I/O reported at the IN/OUT itself, with its qualification and
 *   length, also when the engine's RIP still points at the start of the
 *   block (a block entered after an intercept the model completed).
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
#include "x86_io_after_intercept.h"
#include "x86_seabios_modes.h"

#define RAM_SIZE 0x10000u

static uint8_t *ram;

static void test_real_mode_int_after_return_from_32bit_keeps_16bit_cs(void **state)
{
    (void)state;
    ram = xt_realmode_setup(RAM_SIZE, 0x7c00, x86_seabios_modes, x86_seabios_modes_len);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0x3ff); /* the real-mode IVT */
    /* The CR0 writes do not exit (no bit of the mask changes vs. the
     * shadow): the guest switches modes on its own. */
    xt_set_vmcs(VMCS_CTRL_CR0_MASK, 0x60000000);
    xt_set_vmcs(VMCS_CTRL_CR0_SHADOW, 0);

    /* out %al,$0x80 in 32-bit protected mode */
    xt_expect_exit(VMX_REASON_IO, 0x800040, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c30);
    assert_int_equal(xt_retired(), 12);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR0) & 1u, 1);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS), 0x08);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_AR), 0xc09b);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SS_AR), 0xc093);
    xt_advance();

    /* Back in real mode via 16-bit protected mode, INT 0x30 and its IRET:
     * out %al,$0x81 right after the INT, with the handler's BL and the
     * stack as before the INT (a 16-bit IRET popped 6 bytes). */
    xt_expect_exit(VMX_REASON_IO, 0x810040, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c5d);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x42);
    assert_int_equal(xt_reg(HV_X86_RBX) & 0xff, 0x16);
    assert_int_equal(xt_reg(HV_X86_RSP), 0x7000);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR0) & 1u, 0);
    /* CS: selector and base from the real-mode loads, limit and rights
     * from the 16-bit descriptor (SDM vol. 3A, 9.9.2): not 32-bit. */
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_BASE), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_LIMIT), 0xffff);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CS_AR), 0x9b);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SS), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SS_BASE), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_SS_AR), 0x93);
}

static void test_io_exit_is_at_the_in_after_a_completed_intercept(void **state)
{
    (void)state;
    ram = xt_realmode_setup(RAM_SIZE, 0x7c00, x86_io_after_intercept, x86_io_after_intercept_len);

    /* in $0x61,%al after RDTSC (completed by the model) and two MOVs */
    xt_expect_exit(VMX_REASON_IO, 0x610048, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c08);
    assert_int_equal(xt_retired(), 3);
    assert_int_equal(xt_reg(HV_X86_RSI), 0); /* the TSC before any retired instruction */
    assert_int_equal(xt_reg(HV_X86_RDI), 0);
    xt_set_reg(HV_X86_RAX, 0x20);
    xt_advance();

    xt_expect_exit(VMX_REASON_CPUID, 0, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c0a);
    assert_int_equal(xt_reg(HV_X86_RAX), 0x20);
    xt_set_reg(HV_X86_RAX, 0x1234);
    xt_advance();

    /* in $0x92,%al in the block that begins after the CPUID exit */
    xt_expect_exit(VMX_REASON_IO, 0x920048, 2);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c0f);
    assert_int_equal(xt_reg(HV_X86_RCX), 0x1234);
    /* RDTSC and the MOVs retired; the IN and CPUID the VMM completed did not */
    assert_int_equal(xt_retired(), 4);
    xt_set_reg(HV_X86_RAX, 0x02);
    xt_advance();

    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c11);
    assert_int_equal(xt_reg(HV_X86_RAX), 0x02);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_real_mode_int_after_return_from_32bit_keeps_16bit_cs,
                                  xt_teardown_state),
        cmocka_unit_test_teardown(test_io_exit_is_at_the_in_after_a_completed_intercept,
                                  xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
