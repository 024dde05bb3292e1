/*
 * test_guest_exits.c — the exits a guest makes to the VMM, each with the
 * exact syndrome, addresses and PC the real framework reports: HVC (PC after
 * it), SMC (PC on it), WFI, trapped MSR/MRS (EC 0x18), BRK when debug
 * exceptions trap, and CANCELED from hv_vcpus_exit.
 */
#include "harness.h"

#include <guest_basics_syms.h>

extern const unsigned char guest_basics[];
extern const unsigned int guest_basics_len;

static int setup(void **state)
{
    static struct guest g;
    guest_create(&g, guest_basics, guest_basics_len);
    *state = &g;
    return 0;
}

static void assert_no_addresses(struct guest *g)
{
    assert_int_equal(g->exit->exception.virtual_address, 0);
    assert_int_equal(g->exit->exception.physical_address, 0);
}

static void test_hvc_exits_with_imm16_and_pc_after_the_hvc(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, 0x5a001234);
    assert_no_addresses(g);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_AFTER_HVC);
}

static void test_smc_exits_with_imm16_and_pc_on_the_smc(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_SMC_SITE);
    run_expect_exception(g, 0x5e000042);
    assert_no_addresses(g);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_SMC_SITE);
}

static void test_wfi_exits_with_ec1_and_pc_on_the_wfi(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_WFI_SITE);
    run_expect_exception(g, 0x07e00000);
    assert_no_addresses(g);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_WFI_SITE);
}

static void test_mrs_cntpct_traps_with_the_reference_syndrome(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_MRS_CNTPCT);
    run_expect_exception(g, 0x6232f861);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_MRS_CNTPCT);
}

static void test_msr_pmcr_traps_with_the_reference_syndrome(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_MSR_PMCR);
    run_expect_exception(g, 0x6230e418);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_MSR_PMCR);
}

static void test_mrs_oslsr_traps_to_the_vmm(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_MRS_OSLSR);
    /* OSLSR_EL1 = (2,0,1,1,4), Rt = 7, read. */
    run_expect_exception(g, 0x62000000 | 2u << 20 | 4u << 17 | 0u << 14 | 1u << 10 | 7u << 5 |
                                1u << 1 | 1u);
}

static void test_mrs_of_unallocated_id_register_traps_to_the_vmm(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_MRS_UNALLOC_ID);
    /* S3_0_C0_C7_7, Rt = 4, read. */
    run_expect_exception(g, 0x62000000 | 3u << 20 | 7u << 17 | 0u << 14 | 0u << 10 | 4u << 5 |
                                7u << 1 | 1u);
}

static void test_mrs_icc_sre_without_gic_traps_to_the_vmm(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_MRS_ICC_SRE);
    /* ICC_SRE_EL1 = (3,0,12,12,5), Rt = 6, read. */
    run_expect_exception(g, 0x62000000 | 3u << 20 | 5u << 17 | 0u << 14 | 12u << 10 | 6u << 5 |
                                12u << 1 | 1u);
}

static void test_guest_reads_vmm_set_midr_mpidr_and_24mhz_cntfrq(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_MIDR_EL1, 0x610f0220);
    set_sysreg(g, HV_SYS_REG_MPIDR_EL1, 0x80000103);
    set_sysreg(g, HV_SYS_REG_ID_AA64MMFR0_EL1, 0x12345);
    set_reg(g, HV_REG_PC, GUEST_BASICS_MRS_MIDR);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0x610f0220);
    assert_int_equal(reg(g, HV_REG_X2), 0x80000103);
    assert_int_equal(reg(g, HV_REG_X3), 0x12345);
    assert_int_equal(reg(g, HV_REG_X4), 24000000);
}

static void test_brk_exits_when_debug_exceptions_trap(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hv_vcpu_set_trap_debug_exceptions(g->vcpu, true), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_BASICS_BRK_SITE);
    run_expect_exception(g, 0xf2000077);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_BRK_SITE);
    assert_int_equal(hv_vcpu_set_trap_debug_exceptions(g->vcpu, false), HV_SUCCESS);
}

static void test_cancel_before_run_returns_canceled_without_running(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    assert_int_equal(hv_vcpus_exit(&g->vcpu, 1), HV_SUCCESS);
    assert_int_equal(run(g), HV_EXIT_REASON_CANCELED);
    assert_int_equal(g->exit->exception.syndrome, 0);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_HVC_SITE);
    /* The cancel was consumed: the next run reaches the HVC. */
    run_expect_exception(g, 0x5a001234);
}

static void test_count_loop_retires_exact_instruction_count(void **state)
{
    struct guest *g = *state;
    uint64_t before, after;
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &before), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_BASICS_COUNT_LOOP);
    set_reg(g, HV_REG_X0, 1000);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &after), HV_SUCCESS);
    /* 1000 iterations of 4 instructions, then the HVC. */
    assert_int_equal(after - before, 4001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hvc_exits_with_imm16_and_pc_after_the_hvc, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_smc_exits_with_imm16_and_pc_on_the_smc, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_wfi_exits_with_ec1_and_pc_on_the_wfi, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_mrs_cntpct_traps_with_the_reference_syndrome, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_msr_pmcr_traps_with_the_reference_syndrome, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_mrs_oslsr_traps_to_the_vmm, setup, guest_teardown),
        cmocka_unit_test_setup_teardown(test_mrs_of_unallocated_id_register_traps_to_the_vmm, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_mrs_icc_sre_without_gic_traps_to_the_vmm, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_guest_reads_vmm_set_midr_mpidr_and_24mhz_cntfrq, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_brk_exits_when_debug_exceptions_trap, setup,
                                        guest_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_before_run_returns_canceled_without_running,
                                        setup, guest_teardown),
        cmocka_unit_test_setup_teardown(test_count_loop_retires_exact_instruction_count, setup,
                                        guest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
