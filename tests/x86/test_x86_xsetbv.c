/*
 * test_x86_xsetbv.c — XSETBV and XGETBV in a real-mode guest. With
 * CR4.OSXSAVE set, XSETBV exits unconditionally (VMX_REASON_XSETBV, 55,
 * instruction length 3, ECX/EDX:EAX as the guest left them) and XGETBV
 * reads the XCR0 the VMM wrote (HV_X86_XCR0); with CR4.OSXSAVE clear both
 * raise #UD, which has priority over the exit.
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
#include "x86_xsetbv.h"

#define RAM_SIZE 0x10000u
#define LOAD     0x7c00u
#define XSETBV   (LOAD + 12u)
#define CR4_VMXE 0x2000u
#define OSXSAVE  0x40000u

static int setup(void **state)
{
    (void)state;
    uint8_t *ram = xt_realmode_setup(RAM_SIZE, LOAD, x86_xsetbv, x86_xsetbv_len);
    assert_int_equal(ram[XSETBV + 2], 0xd1);
    return 0;
}

static void test_xsetbv_exits_with_reason_55_and_length_3(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_GUEST_CR4, CR4_VMXE | OSXSAVE);
    xt_expect_exit(VMX_REASON_XSETBV, 0, 3);
    assert_int_equal(xt_reg(HV_X86_RIP), XSETBV);
    assert_int_equal(xt_reg(HV_X86_RCX), 0);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xffffffffu, 3);
    assert_int_equal(xt_reg(HV_X86_RDX) & 0xffffffffu, 0);
    assert_int_equal(xt_retired(), 3);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR4), CR4_VMXE | OSXSAVE);
    /* The VMM emulates it; the guest's XGETBV reads the new value. */
    xt_set_reg(HV_X86_XCR0, 3);
    xt_set_reg(HV_X86_RAX, 0xdead);
    xt_set_reg(HV_X86_RDX, 0xbeef);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RAX), 3);
    assert_int_equal(xt_reg(HV_X86_RDX), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), XSETBV + 6);
    assert_int_equal(xt_retired(), 4); /* the emulated XSETBV is the VMM's */
}

static void test_xsetbv_without_osxsave_is_invalid_opcode(void **state)
{
    (void)state;
    assert_int_equal(xt_vmcs(VMCS_GUEST_CR4), CR4_VMXE);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 6);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 0);
    assert_int_equal(xt_reg(HV_X86_RIP), XSETBV);
    assert_int_equal(xt_retired(), 3);
    /* XGETBV too. */
    xt_set_reg(HV_X86_RIP, XSETBV + 3);
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 6);
    assert_int_equal(xt_reg(HV_X86_RIP), XSETBV + 3);
}

static void test_xgetbv_of_an_unknown_xcr_is_general_protection(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_GUEST_CR4, CR4_VMXE | OSXSAVE);
    xt_set_reg(HV_X86_RIP, XSETBV + 3);
    xt_set_reg(HV_X86_RCX, 1); /* XINUSE: not enumerated */
    /* real mode: no error code */
    xt_expect_exception(IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 13);
    assert_int_equal(xt_reg(HV_X86_RIP), XSETBV + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_xsetbv_exits_with_reason_55_and_length_3, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_xsetbv_without_osxsave_is_invalid_opcode, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_xgetbv_of_an_unknown_xcr_is_general_protection, setup,
                                        xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
