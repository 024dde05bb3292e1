/*
 * test_guest_determinism.c — the same guest scenario run twice, each time in
 * a fresh VM, gives the same exits in the same order with the same contents
 * (reason, syndrome, addresses, PC, X0..X30, retired instruction count) and
 * the same final state (registers, timer, CNTVCT, a hash of guest RAM). The
 * scenario mixes every kind of exit a VMM sees: HVC, MMIO stores and loads,
 * WFI with the VMM skipping idle time, trapped CNTPCT reads, VTIMER_ACTIVATED,
 * and timer interrupts delivered to the guest's IRQ vector and acknowledged
 * through an MMIO end-of-interrupt register. Host time plays no part: a pass
 * that sleeps 10 ms between two runs records exactly the same.
 */
#include "harness.h"

#include <string.h>
#include <time.h>

#include <guest_timer_syms.h>

extern const unsigned char guest_timer[];
extern const unsigned int guest_timer_len;

#define ROUNDS       16
#define MAX_EXITS    1024
#define MMIO_EOI     (GUEST_MMIO + 0x100)
#define VTIMER_OFF   777
#define CLOCK_START  100000
#define CTL_ASSERTED 5u /* ENABLE, IMASK clear, ISTATUS */

#define EC(esr)    (((esr) >> 26) & 0x3f)
#define EC_WFX     0x01
#define EC_HVC     0x16
#define EC_SYSREG  0x18
#define EC_DABT_LO 0x24

struct exit_record {
    uint32_t reason;
    uint64_t syndrome, va, ipa, pc, icount;
    uint64_t x[31];
};

struct final_state {
    uint64_t x[31];
    uint64_t pc, cpsr, elr, spsr, esr, far, sp_el0, sp_el1;
    uint64_t cntv_ctl, cntv_cval, cntvct, icount, ram_hash;
};

struct recording {
    struct exit_record exits[MAX_EXITS];
    size_t n;
    struct final_state fin;
    /* What the VMM saw, to check the scenario really covers each kind. */
    unsigned hvc, mmio_store, mmio_load, eoi, wfi, wfi_skips, sysreg, vtimer, irq_runs;
    uint64_t skipped_ticks;
};

static struct guest g;
static bool g_alive;

static int teardown(void **state)
{
    (void)state;
    if (g_alive)
        guest_destroy(&g);
    g_alive = false;
    return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t icount(void)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(g.vcpu, &n), HV_SUCCESS);
    return n;
}

static bool vtimer_masked(void)
{
    bool m = false;
    assert_int_equal(hv_vcpu_get_vtimer_mask(g.vcpu, &m), HV_SUCCESS);
    return m;
}

static void record_exit(struct recording *rec)
{
    assert_true(rec->n < MAX_EXITS);
    struct exit_record *e = &rec->exits[rec->n++];
    memset(e, 0, sizeof(*e));
    e->reason = g.exit->reason;
    e->syndrome = g.exit->exception.syndrome;
    e->va = g.exit->exception.virtual_address;
    e->ipa = g.exit->exception.physical_address;
    e->pc = reg(&g, HV_REG_PC);
    e->icount = icount();
    for (unsigned i = 0; i < 31; i++)
        e->x[i] = reg(&g, HV_REG_X0 + i);
}

static void skip_insn(void)
{
    set_reg(&g, HV_REG_PC, reg(&g, HV_REG_PC) + 4);
}

/* An MMIO access (data abort from the guest with a valid syndrome). */
static void handle_mmio(struct recording *rec, bool *irq_line)
{
    uint64_t esr = g.exit->exception.syndrome, ipa = g.exit->exception.physical_address;
    assert_true(esr & (1u << 24)); /* ISV */
    unsigned srt = (esr >> 16) & 31, sas = (esr >> 22) & 3;
    bool write = esr & (1u << 6);
    uint64_t mask = sas == 3 ? ~0ull : (1ull << (8u << sas)) - 1;
    if (write) {
        uint64_t val = srt == 31 ? 0 : reg(&g, HV_REG_X0 + srt) & mask;
        if (ipa == MMIO_EOI) {
            /* End of interrupt: drop the line; the guest re-armed its timer. */
            assert_true(*irq_line);
            assert_int_equal(val, rec->eoi + 1);
            *irq_line = false;
            rec->eoi++;
        } else {
            assert_int_equal(ipa, GUEST_MMIO);
            rec->mmio_store++;
        }
    } else {
        assert_int_equal(ipa, GUEST_MMIO + 8);
        if (srt != 31)
            set_reg(&g, HV_REG_X0 + srt, (0x1000 + 3 * rec->mmio_load) & mask);
        rec->mmio_load++;
    }
    skip_insn();
}

static void handle_wfi(struct recording *rec)
{
    skip_insn();
    rec->wfi++;
    /* Idle until the timer's deadline, as a VMM does for a waiting vCPU. */
    uint64_t ctl = sysreg(&g, HV_SYS_REG_CNTV_CTL_EL0);
    uint64_t cval = sysreg(&g, HV_SYS_REG_CNTV_CVAL_EL0);
    uint64_t now = hvm_clock_now() - VTIMER_OFF;
    if ((ctl & 3) == 1 && !vtimer_masked() && now < cval) {
        assert_int_equal(hvm_clock_advance(cval - now), HV_SUCCESS);
        rec->wfi_skips++;
        rec->skipped_ticks += cval - now;
    }
}

static void handle_sysreg(struct recording *rec)
{
    uint64_t iss = g.exit->exception.syndrome & 0x1ffffff;
    unsigned rt = (iss >> 5) & 31;
    assert_true(iss & 1); /* the scenario only reads CNTPCT_EL0 */
    if (rt != 31)
        set_reg(&g, HV_REG_X0 + rt, 1000 * (uint64_t)rec->sysreg + 7);
    rec->sysreg++;
    skip_insn();
}

/* Runs the scenario in a fresh VM; with sleep_between_runs, sleeps 10 ms of
 * host time between the fifth and sixth runs. */
static void run_scenario(struct recording *rec, bool sleep_between_runs)
{
    memset(rec, 0, sizeof(*rec));
    guest_create(&g, guest_timer, guest_timer_len);
    g_alive = true;
    assert_int_equal(hvm_clock_advance(CLOCK_START), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_vtimer_offset(g.vcpu, VTIMER_OFF), HV_SUCCESS);
    set_sysreg(&g, HV_SYS_REG_VBAR_EL1, GUEST_TIMER_SCENARIO_VECTORS);
    set_reg(&g, HV_REG_X0, ROUNDS);
    set_reg(&g, HV_REG_PC, GUEST_TIMER_SCENARIO);

    bool irq_line = false, done = false;
    for (unsigned runs = 0; !done; runs++) {
        if (sleep_between_runs && runs == 5) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (irq_line) {
            assert_int_equal(hv_vcpu_set_pending_interrupt(g.vcpu, HV_INTERRUPT_TYPE_IRQ, true),
                             HV_SUCCESS);
            rec->irq_runs++;
        }
        hv_exit_reason_t reason = run(&g);
        record_exit(rec);
        if (reason == HV_EXIT_REASON_VTIMER_ACTIVATED) {
            rec->vtimer++;
            irq_line = true;
        } else {
            assert_int_equal(reason, HV_EXIT_REASON_EXCEPTION);
            uint64_t esr = g.exit->exception.syndrome;
            switch (EC(esr)) {
            case EC_HVC:
                rec->hvc++;
                if (reg(&g, HV_REG_X0) == UCALL_DONE)
                    done = true;
                else
                    assert_int_equal(reg(&g, HV_REG_X0), UCALL_SYNC);
                break;
            case EC_DABT_LO: handle_mmio(rec, &irq_line); break;
            case EC_WFX: handle_wfi(rec); break;
            case EC_SYSREG: handle_sysreg(rec); break;
            default: fail_msg("unexpected exit syndrome %#llx", (unsigned long long)esr);
            }
        }
        /* QEMU's rule: once the timer no longer asserts, unmask it. */
        if (vtimer_masked() && (sysreg(&g, HV_SYS_REG_CNTV_CTL_EL0) & 7) != CTL_ASSERTED) {
            assert_int_equal(hv_vcpu_set_vtimer_mask(g.vcpu, false), HV_SUCCESS);
            irq_line = false;
        }
    }

    struct final_state *f = &rec->fin;
    for (unsigned i = 0; i < 31; i++)
        f->x[i] = reg(&g, HV_REG_X0 + i);
    f->pc = reg(&g, HV_REG_PC);
    f->cpsr = reg(&g, HV_REG_CPSR);
    f->elr = sysreg(&g, HV_SYS_REG_ELR_EL1);
    f->spsr = sysreg(&g, HV_SYS_REG_SPSR_EL1);
    f->esr = sysreg(&g, HV_SYS_REG_ESR_EL1);
    f->far = sysreg(&g, HV_SYS_REG_FAR_EL1);
    f->sp_el0 = sysreg(&g, HV_SYS_REG_SP_EL0);
    f->sp_el1 = sysreg(&g, HV_SYS_REG_SP_EL1);
    f->cntv_ctl = sysreg(&g, HV_SYS_REG_CNTV_CTL_EL0);
    f->cntv_cval = sysreg(&g, HV_SYS_REG_CNTV_CVAL_EL0);
    f->cntvct = hvm_clock_now() - VTIMER_OFF;
    f->icount = icount();
    f->ram_hash = fnv1a(g.ram, GUEST_RAM_SIZE);
    guest_destroy(&g);
    g_alive = false;
}

static void assert_scenario_covers_every_exit_kind(const struct recording *r)
{
    assert_int_equal(r->hvc, ROUNDS + 1);
    assert_int_equal(r->mmio_store, ROUNDS);
    assert_int_equal(r->mmio_load, ROUNDS);
    assert_int_equal(r->sysreg, ROUNDS);
    assert_int_equal(r->wfi, ROUNDS / 4);
    assert_true(r->wfi_skips >= 1);
    assert_true(r->vtimer >= 4);
    assert_true(r->irq_runs >= r->vtimer);
    /* Every timer exit became one interrupt, taken and acknowledged. */
    assert_int_equal(r->eoi, r->vtimer);
    assert_int_equal(r->fin.x[28], r->eoi);
    assert_int_equal(r->fin.x[0], UCALL_DONE);
    /* The clock is instructions / 40 plus the ticks skipped, minus the
     * offset; the guest's last read (x1) came 3 instructions before the end. */
    uint64_t base = CLOCK_START + r->skipped_ticks - VTIMER_OFF;
    assert_int_equal(r->fin.cntvct, r->fin.icount / 40 + base);
    assert_int_equal(r->fin.x[1], (r->fin.icount - 3) / 40 + base);
}

static void assert_recordings_equal(const struct recording *a, const struct recording *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct exit_record *x = &a->exits[i], *y = &b->exits[i];
        if (memcmp(x, y, sizeof(*x)) != 0) {
            print_error("exit %zu differs: reason %u/%u syndrome %#llx/%#llx pc %#llx/%#llx "
                        "icount %llu/%llu\n",
                        i, x->reason, y->reason, (unsigned long long)x->syndrome,
                        (unsigned long long)y->syndrome, (unsigned long long)x->pc,
                        (unsigned long long)y->pc, (unsigned long long)x->icount,
                        (unsigned long long)y->icount);
        }
        assert_int_equal(x->reason, y->reason);
        assert_int_equal(x->syndrome, y->syndrome);
        assert_int_equal(x->va, y->va);
        assert_int_equal(x->ipa, y->ipa);
        assert_int_equal(x->pc, y->pc);
        assert_int_equal(x->icount, y->icount);
        assert_memory_equal(x->x, y->x, sizeof(x->x));
    }
    assert_memory_equal(&a->fin, &b->fin, sizeof(a->fin));
    assert_int_equal(a->vtimer, b->vtimer);
    assert_int_equal(a->irq_runs, b->irq_runs);
    assert_int_equal(a->wfi_skips, b->wfi_skips);
    assert_int_equal(a->skipped_ticks, b->skipped_ticks);
}

static struct recording rec_a, rec_b;

static void test_two_fresh_vms_record_identical_exits_and_final_state(void **state)
{
    (void)state;
    run_scenario(&rec_a, false);
    assert_scenario_covers_every_exit_kind(&rec_a);
    run_scenario(&rec_b, false);
    assert_scenario_covers_every_exit_kind(&rec_b);
    assert_recordings_equal(&rec_a, &rec_b);
}

static void test_host_sleep_between_runs_changes_nothing(void **state)
{
    (void)state;
    run_scenario(&rec_a, false);
    run_scenario(&rec_b, true);
    assert_scenario_covers_every_exit_kind(&rec_b);
    assert_recordings_equal(&rec_a, &rec_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_two_fresh_vms_record_identical_exits_and_final_state,
                                  teardown),
        cmocka_unit_test_teardown(test_host_sleep_between_runs_changes_nothing, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
