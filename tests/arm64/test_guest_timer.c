/*
 * test_guest_timer.c — the guest's virtual counter and timer and the
 * framework's vtimer protocol (reference §7.3, Arm ARM D11.2):
 * CNTFRQ_EL0 is 24 MHz; CNTVCT_EL0 = virtual ticks - vtimer offset, one tick
 * being HVM_DEFAULT_INSNS_PER_TICK retired instructions and
 * hvm_clock_advance() adding whole ticks; a timer with ENABLE = 1 and
 * IMASK = 0 whose CVAL the counter reaches ends hv_vcpu_run with
 * VTIMER_ACTIVATED and sets the vtimer mask; while masked no further such
 * exit happens, and clearing the mask while the timer still asserts exits
 * again before any instruction runs; IMASK or ENABLE = 0 never exit; TVAL
 * writes set CVAL = CNTVCT + SignExtend(TVAL<31:0>); the VMM's CNTV_CVAL/CTL
 * writes arm the timer; and the usual delivery (VMM raises the IRQ line, the
 * guest's IRQ vector turns the timer off, the VMM clears the mask) works.
 */
#include "harness.h"

#include <guest_timer_syms.h>

extern const unsigned char guest_timer[];
extern const unsigned int guest_timer_len;

#define CTL_ENABLE  1ull
#define CTL_IMASK   2ull
#define CTL_ISTATUS 4ull

static int setup(void **state)
{
    static struct guest g;
    guest_create(&g, guest_timer, guest_timer_len);
    set_sysreg(&g, HV_SYS_REG_VBAR_EL1, GUEST_TIMER_TIMER_VECTORS);
    *state = &g;
    return 0;
}

static uint64_t icount(struct guest *g)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &n), HV_SUCCESS);
    return n;
}

static uint64_t vtimer_offset(struct guest *g)
{
    uint64_t off = 0;
    assert_int_equal(hv_vcpu_get_vtimer_offset(g->vcpu, &off), HV_SUCCESS);
    return off;
}

static bool vtimer_masked(struct guest *g)
{
    bool masked = false;
    assert_int_equal(hv_vcpu_get_vtimer_mask(g->vcpu, &masked), HV_SUCCESS);
    return masked;
}

/* CNTVCT_EL0 seen by an instruction that `retired` instructions precede,
 * given the ticks the VMM skipped and the vtimer offset. */
static uint64_t cntvct_at(uint64_t retired, uint64_t advanced, uint64_t offset)
{
    return retired / HVM_DEFAULT_INSNS_PER_TICK + advanced - offset;
}

static void run_from(struct guest *g, uint64_t pc)
{
    set_reg(g, HV_REG_PC, pc);
    run_expect_exception(g, ESR_HVC(0));
}

/* ---- the counter ---- */

static void test_cntfrq_reads_24mhz(void **state)
{
    struct guest *g = *state;
    run_from(g, GUEST_TIMER_READ_CNTFRQ);
    assert_int_equal(reg(g, HV_REG_X1), 24000000);
    assert_int_equal(reg(g, HV_REG_X1), HVM_CLOCK_FREQUENCY);
}

static void test_cntvct_advances_one_tick_per_40_retired_instructions(void **state)
{
    struct guest *g = *state;
    assert_int_equal(HVM_DEFAULT_INSNS_PER_TICK, 40);
    /* Iteration counts that put the second read just below and just past a
     * tick boundary, and far on. */
    static const uint64_t iters[] = {100, 1019, 1020, 1, 5000};
    for (unsigned i = 0; i < sizeof(iters) / sizeof(iters[0]); i++) {
        uint64_t c = icount(g);
        set_reg(g, HV_REG_X0, iters[i]);
        run_from(g, GUEST_TIMER_CNTVCT_LOOP);
        /* mrs x1 | 2 x N loop | mrs x2 | hvc */
        assert_int_equal(icount(g), c + 2 * iters[i] + 3);
        assert_int_equal(reg(g, HV_REG_X1), cntvct_at(c, 0, 0));
        assert_int_equal(reg(g, HV_REG_X2), cntvct_at(c + 1 + 2 * iters[i], 0, 0));
    }
}

static void test_cntvct_read_mid_block_counts_the_instructions_before_it(void **state)
{
    struct guest *g = *state;
    /* Straight-line code: mrs x1, 80 adds, mrs x2. The second read comes
     * 81 instructions after the first, two whole ticks. */
    uint64_t c = icount(g);
    run_from(g, GUEST_TIMER_CNTVCT_STRAIGHT);
    assert_int_equal(icount(g), c + 83);
    assert_int_equal(reg(g, HV_REG_X1), cntvct_at(c, 0, 0));
    assert_int_equal(reg(g, HV_REG_X2), cntvct_at(c + 81, 0, 0));
}

static void test_vtimer_offset_is_subtracted_from_cntvct(void **state)
{
    struct guest *g = *state;
    assert_int_equal(vtimer_offset(g), 0);
    assert_int_equal(hvm_clock_advance(10000), HV_SUCCESS);

    assert_int_equal(hv_vcpu_set_vtimer_offset(g->vcpu, 2500), HV_SUCCESS);
    assert_int_equal(vtimer_offset(g), 2500);
    uint64_t c = icount(g);
    run_from(g, GUEST_TIMER_READ_CNTVCT);
    assert_int_equal(reg(g, HV_REG_X1), cntvct_at(c, 10000, 2500));

    assert_int_equal(hv_vcpu_set_vtimer_offset(g->vcpu, 0), HV_SUCCESS);
    c = icount(g);
    run_from(g, GUEST_TIMER_READ_CNTVCT);
    assert_int_equal(reg(g, HV_REG_X1), cntvct_at(c, 10000, 0));
    /* mach_absolute_time on the owner thread is the same clock, offset 0. */
    assert_int_equal(hvm_clock_now(), cntvct_at(icount(g), 10000, 0));
}

static void test_clock_advance_moves_cntvct_by_exactly_that_many_ticks(void **state)
{
    struct guest *g = *state;
    uint64_t c0 = icount(g);
    run_from(g, GUEST_TIMER_READ_CNTVCT);
    uint64_t first = reg(g, HV_REG_X1);
    assert_int_equal(first, cntvct_at(c0, 0, 0));

    assert_int_equal(hvm_clock_advance(12345), HV_SUCCESS);
    uint64_t c1 = icount(g);
    assert_int_equal(c1, c0 + 2); /* advancing the clock retires nothing */
    run_from(g, GUEST_TIMER_READ_CNTVCT);
    assert_int_equal(reg(g, HV_REG_X1) - first, 12345 + c1 / 40 - c0 / 40);
}

/* ---- VTIMER_ACTIVATED and the mask ---- */

/* Guest arms CVAL = CNTVCT + ticks with ENABLE = 1 and spins; returns CVAL. */
static uint64_t arm_and_expect_vtimer_exit(struct guest *g, uint64_t ticks)
{
    uint64_t c = icount(g);
    set_reg(g, HV_REG_X0, ticks);
    set_reg(g, HV_REG_PC, GUEST_TIMER_TIMER_ARM);
    assert_false(vtimer_masked(g));
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    uint64_t cval = cntvct_at(c, 0, vtimer_offset(g)) + ticks;
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0), cval);
    /* The guest was interrupted in its spin loop. */
    uint64_t pc = reg(g, HV_REG_PC);
    assert_true(pc == GUEST_TIMER_TIMER_SPIN || pc == GUEST_TIMER_TIMER_SPIN + 4);
    return cval;
}

static void test_timer_reaching_cval_exits_vtimer_activated_and_sets_mask(void **state)
{
    struct guest *g = *state;
    uint64_t cval = arm_and_expect_vtimer_exit(g, 100);
    assert_int_equal(cval, 100);
    assert_true(vtimer_masked(g));
    /* ENABLE and ISTATUS, IMASK clear. */
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), CTL_ENABLE | CTL_ISTATUS);
    /* The counter has reached CVAL. The model stops at the first block
     * boundary where the condition holds, still within CVAL's tick. */
    assert_true(hvm_clock_now() >= cval);
    assert_int_equal(icount(g) / 40, cval);

    /* The guest agrees, reading the counter and timer right after. */
    uint64_t c = icount(g);
    run_from(g, GUEST_TIMER_TIMER_READ);
    assert_true(reg(g, HV_REG_X1) >= cval);
    assert_int_equal(reg(g, HV_REG_X1), cval);
    assert_int_equal(reg(g, HV_REG_X2), CTL_ENABLE | CTL_ISTATUS);
    assert_int_equal(reg(g, HV_REG_X3), cval);
    /* TVAL = (CVAL - CNTVCT)<31:0>, 0 or a small negative number here. */
    assert_int_equal(reg(g, HV_REG_X4), (uint32_t)(cval - cntvct_at(c + 3, 0, 0)));
}

static void test_masked_vtimer_makes_no_further_exit_while_still_asserted(void **state)
{
    struct guest *g = *state;
    arm_and_expect_vtimer_exit(g, 50);
    assert_true(vtimer_masked(g));
    /* The timer keeps asserting; the run goes on to the guest's HVC. */
    set_reg(g, HV_REG_X0, 1000);
    set_reg(g, HV_REG_X1, 0);
    run_from(g, GUEST_TIMER_COUNT_LOOP);
    assert_int_equal(reg(g, HV_REG_X1), 1000);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_TIMER_COUNT_LOOP + 20);
    assert_true(vtimer_masked(g));
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), CTL_ENABLE | CTL_ISTATUS);
}

static void test_clearing_mask_while_asserted_exits_before_any_instruction(void **state)
{
    struct guest *g = *state;
    arm_and_expect_vtimer_exit(g, 50);
    assert_int_equal(hv_vcpu_set_vtimer_mask(g->vcpu, false), HV_SUCCESS);
    assert_false(vtimer_masked(g));
    uint64_t c = icount(g), pc = reg(g, HV_REG_PC), x3 = reg(g, HV_REG_X3);
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    assert_int_equal(icount(g), c);
    assert_int_equal(reg(g, HV_REG_PC), pc);
    assert_int_equal(reg(g, HV_REG_X3), x3);
    assert_true(vtimer_masked(g));
}

static void test_timer_with_imask_set_never_exits_but_istatus_reads_1(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 0); /* already reached */
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, CTL_ENABLE | CTL_IMASK);
    set_reg(g, HV_REG_X0, 1000);
    run_from(g, GUEST_TIMER_COUNT_LOOP);
    assert_false(vtimer_masked(g));
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), CTL_ENABLE | CTL_IMASK | CTL_ISTATUS);
    run_from(g, GUEST_TIMER_TIMER_READ);
    assert_int_equal(reg(g, HV_REG_X2), CTL_ENABLE | CTL_IMASK | CTL_ISTATUS);
}

static void test_disabled_timer_never_exits(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 0);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, 0);
    set_reg(g, HV_REG_X0, 1000);
    run_from(g, GUEST_TIMER_COUNT_LOOP);
    assert_false(vtimer_masked(g));
    /* ISTATUS is UNKNOWN while ENABLE is 0; ENABLE and IMASK read back. */
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0) & (CTL_ENABLE | CTL_IMASK), 0);
}

static void test_vmm_written_cval_and_ctl_arm_the_timer(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 100);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, CTL_ENABLE);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), CTL_ENABLE); /* not reached yet */
    set_reg(g, HV_REG_PC, GUEST_TIMER_TIMER_SPIN);
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    /* 100 ticks = 4000 instructions from a fresh vCPU. */
    assert_true(icount(g) >= 100 * 40);
    assert_int_equal(icount(g) / 40, 100);
    assert_true(vtimer_masked(g));
}

static void test_vtimer_offset_moves_the_deadline(void **state)
{
    struct guest *g = *state;
    /* CNTVCT = ticks - 500, so CVAL 100 is reached at tick 600. */
    assert_int_equal(hv_vcpu_set_vtimer_offset(g->vcpu, 500), HV_SUCCESS);
    assert_int_equal(hvm_clock_advance(500), HV_SUCCESS); /* CNTVCT = 0 now */
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 100);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, CTL_ENABLE);
    set_reg(g, HV_REG_PC, GUEST_TIMER_TIMER_SPIN);
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    assert_int_equal(icount(g) / 40, 100);
    assert_int_equal(hvm_clock_now(), 600);
}

static void test_clock_advance_past_cval_exits_at_once_on_next_run(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 1000);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, CTL_ENABLE);
    set_reg(g, HV_REG_X0, 10);
    run_from(g, GUEST_TIMER_COUNT_LOOP); /* 41 instructions: tick 1 */
    assert_false(vtimer_masked(g));
    /* The VMM skips idle time (say, the guest's WFI) up to the deadline. */
    uint64_t now = hvm_clock_now();
    assert_int_equal(hvm_clock_advance(1000 - now), HV_SUCCESS);
    uint64_t c = icount(g), pc = reg(g, HV_REG_PC);
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    assert_int_equal(icount(g), c);
    assert_int_equal(reg(g, HV_REG_PC), pc);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), CTL_ENABLE | CTL_ISTATUS);
}

static void test_tval_write_sets_cval_to_cntvct_plus_sign_extended_tval(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hvm_clock_advance(5000), HV_SUCCESS);
    /* Enabled (TVAL reads are UNKNOWN otherwise) but masked: no exits. */
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, CTL_ENABLE | CTL_IMASK);

    uint64_t c = icount(g);
    set_reg(g, HV_REG_X0, 1000);
    run_from(g, GUEST_TIMER_TVAL_WRITE);
    /* msr TVAL | mrs CNTVCT | mrs CVAL | mrs TVAL | mrs CTL | hvc */
    uint64_t now = cntvct_at(c, 5000, 0);
    assert_int_equal(reg(g, HV_REG_X1), cntvct_at(c + 1, 5000, 0));
    assert_int_equal(reg(g, HV_REG_X2), now + 1000);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0), now + 1000);
    assert_int_equal(reg(g, HV_REG_X3), (uint32_t)(now + 1000 - cntvct_at(c + 3, 5000, 0)));
    assert_int_equal(reg(g, HV_REG_X4), CTL_ENABLE | CTL_IMASK);

    /* Only TVAL<31:0> counts, as a signed value: -1000. */
    c = icount(g);
    set_reg(g, HV_REG_X0, 0x12345678fffffc18ull);
    run_from(g, GUEST_TIMER_TVAL_WRITE);
    now = cntvct_at(c, 5000, 0);
    assert_int_equal(reg(g, HV_REG_X2), now - 1000);
    /* A 32-bit view: bits 63:32 read as 0. */
    assert_int_equal(reg(g, HV_REG_X3), (uint32_t)(now - 1000 - cntvct_at(c + 3, 5000, 0)));
    assert_int_equal(reg(g, HV_REG_X3), 0xfffffc18ull);
    assert_int_equal(reg(g, HV_REG_X4), CTL_ENABLE | CTL_IMASK | CTL_ISTATUS);
}

static void test_timer_delivered_as_irq_to_guest_vector_then_unmasked(void **state)
{
    struct guest *g = *state;
    set_reg(g, HV_REG_CPSR, 0x3c5);
    set_reg(g, HV_REG_X0, 1000);
    set_reg(g, HV_REG_X9, 100000);
    set_reg(g, HV_REG_PC, GUEST_TIMER_TIMER_IRQ);

    /* 1. The timer fires: exit, mask set. */
    assert_int_equal(run(g), HV_EXIT_REASON_VTIMER_ACTIVATED);
    assert_true(vtimer_masked(g));
    uint64_t cval = sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0);
    uint64_t pc = reg(g, HV_REG_PC);
    assert_true(pc == GUEST_TIMER_TIMER_IRQ_LOOP || pc == GUEST_TIMER_TIMER_IRQ_LOOP + 4);

    /* 2. The VMM raises the IRQ line; the guest, I clear, takes it at
     * 0x280, sees the timer asserting and turns it off. */
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, true),
                     HV_SUCCESS);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_VECTOR);
    assert_int_equal(reg(g, HV_REG_X1), 0x280);
    assert_int_equal(reg(g, HV_REG_X4), pc);                 /* ELR: where it was */
    assert_int_equal(reg(g, HV_REG_X5), 0x20000000 | 0x345); /* C from subs; I clear */
    assert_int_equal(reg(g, HV_REG_X6), CTL_ENABLE | CTL_ISTATUS);
    assert_true(reg(g, HV_REG_X7) >= cval);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0);
    bool pending = true;
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, &pending),
                     HV_SUCCESS);
    assert_false(pending);

    /* 3. The interrupt is handled: the VMM clears the mask. The timer is
     * off, so the guest finishes its loop without another timer exit. */
    assert_int_equal(hv_vcpu_set_vtimer_mask(g->vcpu, false), HV_SUCCESS);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_DONE);
    assert_int_equal(reg(g, HV_REG_X9), 0);
    assert_false(vtimer_masked(g));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, guest_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cntfrq_reads_24mhz),
        T(test_cntvct_advances_one_tick_per_40_retired_instructions),
        T(test_cntvct_read_mid_block_counts_the_instructions_before_it),
        T(test_vtimer_offset_is_subtracted_from_cntvct),
        T(test_clock_advance_moves_cntvct_by_exactly_that_many_ticks),
        T(test_timer_reaching_cval_exits_vtimer_activated_and_sets_mask),
        T(test_masked_vtimer_makes_no_further_exit_while_still_asserted),
        T(test_clearing_mask_while_asserted_exits_before_any_instruction),
        T(test_timer_with_imask_set_never_exits_but_istatus_reads_1),
        T(test_disabled_timer_never_exits),
        T(test_vmm_written_cval_and_ctl_arm_the_timer),
        T(test_vtimer_offset_moves_the_deadline),
        T(test_clock_advance_past_cval_exits_at_once_on_next_run),
        T(test_tval_write_sets_cval_to_cntvct_plus_sign_extended_tval),
        T(test_timer_delivered_as_irq_to_guest_vector_then_unmasked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
