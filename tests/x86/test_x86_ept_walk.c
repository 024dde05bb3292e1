/*
 * test_x86_ept_walk.c — EPT violations on the guest's page walk: a paging
 * structure in guest-physical memory with nothing mapped behind it exits
 * with reason 48 before the access, GPA = the paging-structure entry's
 * address, GLA = the linear address being translated, qualification: a
 * data read (bit 0: the walk reads the entry, whatever the access), the
 * EPT entry's R/W/X (none), GLA valid (bit 7), bit 8 clear (an access to a
 * paging structure, not to the translation).
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
#include "x86_ept_walk.h"
#include "x86_ept_walk_lmode.h"

#define RAM_SIZE  0x100000u
#define LOAD      0x10000u
#define NO_RAM    0x200000u /* guest-physical, nothing mapped */
#define WALK_QUAL ((1u << 0) | (1u << 7))

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_ept_walk, x86_ept_walk_len);
    /* PDE 2 (linear 0x800000..0xbfffff) points at a page table with no RAM */
    uint32_t pde = NO_RAM | 7u;
    memcpy(ram + XT_PT_POOL + 2 * 4, &pde, 4);
    return 0;
}

static void expect_walk_violation(uint64_t rip, uint64_t gla)
{
    xt_set_reg(HV_X86_RIP, rip);
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, WALK_QUAL, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), NO_RAM + ((gla >> 12) & 0x3ffu) * 4u);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), gla);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), 0);
}

static void test_read_through_an_unbacked_page_table_exits_on_the_walk(void **state)
{
    (void)state;
    expect_walk_violation(LOAD, 0x800123);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
    assert_int_equal(xt_retired(), 0);
}

static void test_write_through_an_unbacked_page_table_is_a_read_of_the_entry(void **state)
{
    (void)state;
    expect_walk_violation(LOAD + 0x100, 0x800456);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x100);
}

static void test_fetch_through_an_unbacked_page_table_is_a_read_of_the_entry(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, WALK_QUAL, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), NO_RAM);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0x800010);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x800010);
    assert_int_equal(xt_retired(), 2);
}

static void test_mapping_the_page_table_lets_the_access_complete(void **state)
{
    (void)state;
    expect_walk_violation(LOAD, 0x800123);
    /* The VMM backs the page table with RAM: PTE 0 maps 0x800000 -> 0x50000. */
    uint8_t *pt = aligned_alloc(4096, 4096);
    assert_non_null(pt);
    memset(pt, 0, 4096);
    uint32_t pte = 0x50000u | 3u;
    memcpy(pt, &pte, 4);
    ram[0x50123] = 0x5a;
    assert_int_equal(hv_vm_map(pt, NO_RAM, 4096, HV_MEMORY_READ | HV_MEMORY_WRITE), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x5a);
    assert_int_equal(hv_vm_unmap(NO_RAM, 4096), HV_SUCCESS);
    free(pt);
}

static int setup_lmode(void **state)
{
    (void)state;
    ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_ept_walk_lmode, x86_ept_walk_lmode_len);
    /* PML4 entry 1 (linear 512 GiB..1 TiB) points at a PDPT with no RAM */
    uint64_t pml4e = NO_RAM | 7u;
    memcpy(ram + XT_PT_POOL + 1 * 8, &pml4e, 8);
    return 0;
}

static void test_lmode_read_through_an_unbacked_pdpt_exits_on_the_walk(void **state)
{
    (void)state;
    uint64_t gla = 0x8040201abcull; /* PDPT index 1 */
    xt_set_reg(HV_X86_RBX, gla);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_EPT_VIOLATION, WALK_QUAL, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), NO_RAM + 1 * 8);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), gla);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, xt_teardown_state)
        T(test_read_through_an_unbacked_page_table_exits_on_the_walk),
        T(test_write_through_an_unbacked_page_table_is_a_read_of_the_entry),
        T(test_fetch_through_an_unbacked_page_table_is_a_read_of_the_entry),
        T(test_mapping_the_page_table_lets_the_access_complete),
        cmocka_unit_test_setup_teardown(test_lmode_read_through_an_unbacked_pdpt_exits_on_the_walk,
                                        setup_lmode, xt_teardown_state),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
