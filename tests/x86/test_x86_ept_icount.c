/*
 * test_x86_ept_icount.c — an EPT violation in the middle of a translated
 * block: RIP is the faulting instruction and every instruction before it
 * retired, also right after an instruction the model completed itself (an
 * intercepted MOV to DR0, RDTSC without RDTSC exiting), and also for a
 * write to read-only memory, which the engine reports differently.
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

/* DS base 0xd0000 has no memory: add %al, (%bx) is an EPT violation. */
static void run_to_violation(const uint8_t *guest, size_t len)
{
    xt_realmode_setup(0x10000, 0x7c00, guest, len);
    xt_set_vmcs(VMCS_GUEST_DS, 0xd000);
    xt_set_vmcs(VMCS_GUEST_DS_BASE, 0xd0000);
    xt_set_reg(HV_X86_RBX, 0x10);
    /* add reads its operand first: a read of memory that is not mapped, GLA
     * valid, an access to the translated address */
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, 0x181, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), 0xd0110); /* BX = 0x110 */
}

static void test_violation_after_an_intercepted_mov_dr_counts_the_block(void **state)
{
    (void)state;
    static const uint8_t guest[] = {
        0x0f, 0x23, 0xc0, /* mov %eax, %dr0 (the model completes it) */
        0xb7, 0x01,       /* mov $1, %bh */
        0x00, 0x07,       /* add %al, (%bx) */
        0xf4,
    };
    run_to_violation(guest, sizeof(guest));
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c05);
    assert_int_equal(xt_retired(), 2);
}

static void test_violation_after_rdtsc_counts_the_block(void **state)
{
    (void)state;
    static const uint8_t guest[] = {
        0x0f, 0x31, /* rdtsc */
        0xb7, 0x01, /* mov $1, %bh */
        0x00, 0x07, /* add %al, (%bx) */
        0xf4,
    };
    run_to_violation(guest, sizeof(guest));
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c04);
    assert_int_equal(xt_retired(), 2);
}

static void test_write_to_read_only_memory_after_mov_dr_exits_at_the_write(void **state)
{
    (void)state;
    static uint8_t rom[4096] __attribute__((aligned(4096)));
    static const uint8_t guest[] = {
        0x0f, 0x23, 0xc0, /* mov %eax, %dr0 (the model completes it) */
        0xb7, 0x01,       /* mov $1, %bh */
        0x00, 0x07,       /* add %al, (%bx): reads, then writes the ROM */
        0xf4,
    };
    xt_realmode_setup(0x10000, 0x7c00, guest, sizeof(guest));
    assert_int_equal(hv_vm_map(rom, 0x20000, sizeof(rom), HV_MEMORY_READ), HV_SUCCESS);
    xt_set_vmcs(VMCS_GUEST_DS, 0x2000);
    xt_set_vmcs(VMCS_GUEST_DS_BASE, 0x20000);
    xt_set_reg(HV_X86_RBX, 0x10);
    /* a write; the page is readable; GLA valid, translated access */
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, 0x18a, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), 0x20110);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c05);
    assert_int_equal(xt_retired(), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_violation_after_an_intercepted_mov_dr_counts_the_block,
                                  xt_teardown_state),
        cmocka_unit_test_teardown(test_violation_after_rdtsc_counts_the_block, xt_teardown_state),
        cmocka_unit_test_teardown(test_write_to_read_only_memory_after_mov_dr_exits_at_the_write,
                                  xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
