/*
 * test_guest_gic_trace.c — recording and replay of the in-framework GIC
 * (trace/FORMAT.md, GIC_CREATE, GIC_INPUT, GIC_SET_REG, GIC_SET_STATE): a
 * guest whose SPI the VMM raises and lowers between runs, with distributor,
 * ICC and redistributor register writes, a reset and a state restore, an
 * MSI; recorded twice to byte-identical files, every input in the trace with
 * its exact fields, every exit replayed bit for bit, and a changed SPI level
 * or PMR reported as a divergence at the first exit that sees it. Inputs from
 * another thread: between runs they replay exactly; one made while the vCPU
 * runs is marked as such in its record (docs/trace.md).
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guest_gic_syms.h>

#include "../../replay/replay.h"
#include "../../trace/format.h"
#include "../../trace/reader.h"
#include "trace/trace_check.h"

extern const unsigned char guest_gic[];
extern const unsigned int guest_gic_len;

#define GICD       0x08000000ull
#define GICM       0x08020000ull
#define GICR       0x080a0000ull
#define SPI        40u /* set up by the guest, level */
#define SPI_STATE  44u /* enabled, priority 0x60: only through the restored state */
#define MSI_LO     96u
#define MSI_N      32u
#define MSI_INTID  100u /* enabled, priority 0x70: only through the restored state */
#define STATE_SIZE (24u + 224u * 10u + 64u * 65u + 8u)
#define EXITS      9u

static char trace_a[256], trace_b[256];

static void trace_path(char *buf, size_t n, const char *name)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(buf, n, "%s/hvmodel-gic-trace-%d-%s", dir, (int)getpid(), name);
}

/* Recording to path (NULL: none): the VM, the GIC with an MSI frame, SPI 44
 * and MSI 100 configured through the distributor, saved, reset and restored
 * from the state blob, and a vCPU on this thread. */
static void vm_up(struct guest *v, const char *path)
{
    memset(v, 0, sizeof(*v));
    if (path)
        assert_int_equal(hvm_trace_start(path), HV_SUCCESS);
    guest_vm_create(v, guest_gic, guest_gic_len);
    gic_create_at(GICD, GICR, GICM, MSI_LO, MSI_N);

    assert_int_equal(
        hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1, 1u << (SPI_STATE - 32)),
        HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR11, 0x60),
                     HV_SUCCESS);
    assert_int_equal(
        hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER3, 1u << (MSI_INTID - 96)),
        HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR25, 0x70),
                     HV_SUCCESS);
    hv_gic_state_t s = hv_gic_state_create();
    assert_non_null(s);
    size_t n = 0;
    assert_int_equal(hv_gic_state_get_size(s, &n), HV_SUCCESS);
    assert_int_equal(n, STATE_SIZE);
    uint8_t *blob = malloc(n);
    assert_non_null(blob);
    assert_int_equal(hv_gic_state_get_data(s, blob), HV_SUCCESS);
    os_release(s);
    assert_int_equal(hv_gic_reset(), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1), 0);
    assert_int_equal(hv_gic_set_state(blob, n), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1), 1u << (SPI_STATE - 32));
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR25), 0x70);
    free(blob);

    assert_int_equal(hv_vcpu_create(&v->vcpu, &v->exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v->vcpu, HV_REG_CPSR, 0x3c5), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(v->vcpu, HV_SYS_REG_SP_EL1, GUEST_STACK), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(v->vcpu, HV_SYS_REG_VBAR_EL1, GUEST_GIC_VECTORS),
                     HV_SUCCESS);
    /* SGI 3 enabled in the redistributor (not used: recorded all the same). */
    assert_int_equal(
        hv_gic_set_redistributor_reg(v->vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_ISENABLER0, 1u << 3),
        HV_SUCCESS);
}

/* The scenario: EXITS exits, every GIC input between runs on this thread. */
static void scenario(const char *path)
{
    struct guest v;
    vm_up(&v, path);
    set_gpr(&v, 0, GICR); /* SPI 40: level, priority 0x80, PMR 0xf0 */
    set_gpr(&v, 1, SPI);
    set_gpr(&v, 2, 0xf0);
    set_gpr(&v, 3, 0x80);
    set_gpr(&v, 4, 0);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_PC, GUEST_GIC_SPI_SETUP), HV_SUCCESS);
    run_hvc(&v, 2); /* exit 1: nothing pending */
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
    run_hvc(&v, 1); /* exit 2: taken */
    assert_int_equal(gpr(&v, 0), SPI);
    run_hvc(&v, 1); /* exit 3: still high, taken again */
    assert_int_equal(gpr(&v, 0), SPI);
    assert_int_equal(hv_gic_set_spi(SPI, false), HV_SUCCESS);
    run_hvc(&v, 2); /* exit 4 */
    assert_int_equal(hv_gic_set_icc_reg(v.vcpu, HV_GIC_ICC_REG_PMR_EL1, 0x50), HV_SUCCESS);
    assert_int_equal(hv_gic_set_spi(SPI_STATE, true), HV_SUCCESS);
    run_hvc(&v, 2); /* exit 5: priority 0x60 masked by PMR 0x50 */
    assert_int_equal(hv_gic_set_icc_reg(v.vcpu, HV_GIC_ICC_REG_PMR_EL1, 0xf0), HV_SUCCESS);
    run_hvc(&v, 1); /* exit 6 */
    assert_int_equal(gpr(&v, 0), SPI_STATE);
    assert_int_equal(gpr(&v, 1), 0x60);
    assert_int_equal(hv_gic_set_spi(SPI_STATE, false), HV_SUCCESS);
    run_hvc(&v, 2); /* exit 7 */
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_INTID), HV_SUCCESS);
    run_hvc(&v, 1); /* exit 8 */
    assert_int_equal(gpr(&v, 0), MSI_INTID);
    assert_int_equal(gpr(&v, 1), 0x70);
    run_hvc(&v, 2); /* exit 9: an MSI is an edge, taken once */
    guest_destroy(&v);
}

static int setup(void **state)
{
    (void)state;
    trace_path(trace_a, sizeof(trace_a), "a.hvt");
    trace_path(trace_b, sizeof(trace_b), "b.hvt");
    scenario(trace_a);
    scenario(trace_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("HVMODEL_KEEP")) {
        unlink(trace_a);
        unlink(trace_b);
    }
    return 0;
}

static void test_recording_the_gic_scenario_twice_gives_identical_bytes(void **state)
{
    (void)state;
    assert_same_trace_bytes(trace_a, trace_b);
}

struct gic_input {
    uint32_t kind, arg;
    uint64_t value;
};

static void test_trace_holds_every_gic_input_with_its_exact_fields(void **state)
{
    (void)state;
    static const struct gic_input want_inputs[] = {
        {HVT_GIC_DIST_REG, HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1, 1u << (SPI_STATE - 32)},
        {HVT_GIC_DIST_REG, HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR11, 0x60},
        {HVT_GIC_DIST_REG, HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER3, 1u << (MSI_INTID - 96)},
        {HVT_GIC_DIST_REG, HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR25, 0x70},
        {HVT_GIC_RESET, 0, 0},
        {HVT_GIC_SPI, SPI, 1},
        {HVT_GIC_SPI, SPI, 0},
        {HVT_GIC_SPI, SPI_STATE, 1},
        {HVT_GIC_SPI, SPI_STATE, 0},
        {HVT_GIC_MSI, MSI_INTID, GICM + 0x40},
    };
    /* The order of the GIC records and exits, as the VMM made the calls. */
    static const uint16_t want_order[] = {
        HVT_GIC_CREATE, HVT_GIC_INPUT,     HVT_GIC_INPUT,   HVT_GIC_INPUT, HVT_GIC_INPUT,
        HVT_GIC_INPUT,  HVT_GIC_SET_STATE, HVT_GIC_SET_REG, HVT_EXIT,      HVT_GIC_INPUT,
        HVT_EXIT,       HVT_EXIT,          HVT_GIC_INPUT,   HVT_EXIT,      HVT_GIC_SET_REG,
        HVT_GIC_INPUT,  HVT_EXIT,          HVT_GIC_SET_REG, HVT_EXIT,      HVT_GIC_INPUT,
        HVT_EXIT,       HVT_GIC_INPUT,     HVT_EXIT,        HVT_EXIT,
    };
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, trace_a), 0);
    assert_int_equal(r.hdr.minor, 3);
    struct hvt_record rec;
    unsigned order = 0, inputs = 0, regs = 0;
    while (hvt_reader_next(&r, &rec) == HVT_OK) {
        const uint8_t *p = rec.payload;
        if (rec.type < HVT_GIC_CREATE && rec.type != HVT_EXIT)
            continue;
        if (rec.type > HVT_GIC_SET_STATE)
            continue;
        assert_true(order < sizeof(want_order) / sizeof(want_order[0]));
        assert_int_equal(rec.type, want_order[order++]);
        switch (rec.type) {
        case HVT_GIC_CREATE:
            assert_int_equal(rec.size, 36);
            assert_int_equal(hvt_get32(p), HVT_GIC_HAS_DIST | HVT_GIC_HAS_REDIST |
                                               HVT_GIC_HAS_MSI_REGION | HVT_GIC_HAS_MSI_RANGE);
            assert_int_equal(hvt_get32(p + 4), MSI_LO);
            assert_int_equal(hvt_get32(p + 8), MSI_N);
            assert_int_equal(hvt_get64(p + 12), GICD);
            assert_int_equal(hvt_get64(p + 20), GICR);
            assert_int_equal(hvt_get64(p + 28), GICM);
            break;
        case HVT_GIC_INPUT: {
            assert_true(inputs < sizeof(want_inputs) / sizeof(want_inputs[0]));
            const struct gic_input *w = &want_inputs[inputs++];
            assert_int_equal(hvt_get32(p), w->kind);
            assert_int_equal(hvt_get32(p + 4), w->arg);
            assert_int_equal(hvt_get64(p + 8), w->value);
            assert_int_equal(hvt_get32(p + 16), 0); /* between runs */
            break;
        }
        case HVT_GIC_SET_REG:
            assert_int_equal(hvt_get32(p), 0); /* vCPU 0 */
            if (regs == 0) {
                assert_int_equal(hvt_get32(p + 4), HVT_GIC_REDIST);
                assert_int_equal(hvt_get32(p + 8), HV_GIC_REDISTRIBUTOR_REG_GICR_ISENABLER0);
                assert_int_equal(hvt_get64(p + 12), 1u << 3);
            } else {
                assert_int_equal(hvt_get32(p + 4), HVT_GIC_ICC);
                assert_int_equal(hvt_get32(p + 8), HV_GIC_ICC_REG_PMR_EL1);
                assert_int_equal(hvt_get64(p + 12), regs == 1 ? 0x50 : 0xf0);
            }
            regs++;
            break;
        case HVT_GIC_SET_STATE:
            assert_int_equal(rec.size, 4 + STATE_SIZE);
            assert_int_equal(hvt_get32(p), STATE_SIZE);
            assert_memory_equal(p + 4, "HVGS", 4);
            break;
        }
    }
    assert_true(r.clean);
    assert_int_equal(r.end_exits, EXITS);
    hvt_reader_close(&r);
    assert_int_equal(order, sizeof(want_order) / sizeof(want_order[0]));
    assert_int_equal(inputs, sizeof(want_inputs) / sizeof(want_inputs[0]));
    assert_int_equal(regs, 3);
}

static void test_gic_trace_replays_every_exit_bit_for_bit(void **state)
{
    (void)state;
    assert_trace_replays_clean(trace_a, EXITS);
}

/* Replays trace_a with record seq's value replaced; returns the report. */
static void replay_changed(uint64_t seq, uint64_t value, struct replay_result *res, char *text,
                           size_t size)
{
    char log_path[300];
    trace_path(log_path, sizeof(log_path), "diverge.log");
    trace_replay_changed(trace_a, log_path, seq, value, res, text, size);
}

static void test_spi_left_low_in_replay_diverges_at_the_exit_that_took_it(void **state)
{
    (void)state;
    struct replay_result res;
    char text[4096];
    /* hv_gic_set_spi(40, true) replayed as false: exit 2 becomes the
     * waiting loop's HVC #2 instead of the handler's HVC #1. */
    replay_changed(trace_nth_record(trace_a, HVT_GIC_INPUT, 4, SPI, 0), 0, &res, text,
                   sizeof(text));
    assert_true(res.diverged);
    assert_int_equal(res.exits, 2);
    assert_non_null(strstr(text, "divergence at exit 2"));
    assert_non_null(strstr(text, "syndrome             0x5a000001           0x5a000002"));
    assert_non_null(strstr(text, "GIC_INPUT kind 0 0x28 = 0x0")); /* among the last inputs */
    char branch[40]; /* Capstone at PC: the waiting loop's branch back after its HVC #2 */
    snprintf(branch, sizeof(branch), "b #0x%llx", (unsigned long long)GUEST_GIC_WAIT);
    assert_non_null(strstr(text, branch));
}

static void test_pmr_left_low_in_replay_diverges_at_the_exit_that_took_spi_44(void **state)
{
    (void)state;
    struct replay_result res;
    char text[4096];
    /* The second PMR write (0xf0) replayed as 0x50: SPI 44 stays masked and
     * exit 6 is HVC #2. */
    replay_changed(trace_nth_record(trace_a, HVT_GIC_SET_REG, 8, HV_GIC_ICC_REG_PMR_EL1, 1), 0x50,
                   &res, text, sizeof(text));
    assert_true(res.diverged);
    assert_int_equal(res.exits, 6);
    assert_non_null(strstr(text, "divergence at exit 6"));
    assert_non_null(strstr(text, "GIC_SET_REG vcpu 0 icc 0xc230 = 0x50"));
}

/* ---- other threads ---- */

struct spi_thread {
    uint32_t intid;
    bool level, wait_for_guest;
    hv_vcpu_t kick;
};

/* Raises an SPI; with wait_for_guest, first waits until the guest's store
 * to GICD_CTLR shows it is inside hv_vcpu_run, then kicks it. */
static void *spi_main(void *arg)
{
    struct spi_thread *t = arg;
    if (t->wait_for_guest) {
        uint64_t ctlr = 0;
        while (hv_gic_get_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR, &ctlr) == HV_SUCCESS &&
               !(ctlr & 2))
            sched_yield();
    }
    assert_int_equal(hv_gic_set_spi(t->intid, t->level), HV_SUCCESS);
    if (t->wait_for_guest)
        assert_int_equal(hv_vcpus_exit(&t->kick, 1), HV_SUCCESS);
    return NULL;
}

static void on_other_thread(struct spi_thread *t)
{
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spi_main, t), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_spi_from_another_thread_replays_and_is_marked_when_made_during_a_run(void **state)
{
    (void)state;
    char path[256];
    trace_path(path, sizeof(path), "thread.hvt");
    struct guest v;
    vm_up(&v, path);
    set_gpr(&v, 0, GICR);
    set_gpr(&v, 1, SPI);
    set_gpr(&v, 2, 0xf0);
    set_gpr(&v, 3, 0x80);
    set_gpr(&v, 4, 0);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_PC, GUEST_GIC_SPI_SETUP), HV_SUCCESS);
    run_hvc(&v, 2);
    /* Between runs, from another thread: exactly as from this one. */
    struct spi_thread between = {.intid = SPI, .level = true};
    on_other_thread(&between);
    run_hvc(&v, 1);
    assert_int_equal(gpr(&v, 0), SPI);
    between.level = false;
    on_other_thread(&between);
    run_hvc(&v, 2);
    /* During a run: the guest stores GICD_CTLR and spins with IRQs masked;
     * the thread raises SPI 44 and kicks. */
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR, 0), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_CPSR, 0x3c5), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_PC, GUEST_GIC_CTLR_THEN_SPIN), HV_SUCCESS);
    struct spi_thread during = {
        .intid = SPI_STATE, .level = true, .wait_for_guest = true, .kick = v.vcpu};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spi_main, &during), 0);
    assert_int_equal(hv_vcpu_run(v.vcpu), HV_SUCCESS);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(v.exit->reason, HV_EXIT_REASON_CANCELED);
    guest_destroy(&v);

    /* Flags: 0 for the SPIs made between runs, "while running" for 44. */
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, path), 0);
    struct hvt_record rec;
    unsigned spis = 0;
    while (hvt_reader_next(&r, &rec) == HVT_OK) {
        if (rec.type != HVT_GIC_INPUT || hvt_get32(rec.payload) != HVT_GIC_SPI)
            continue;
        static const uint32_t intid[] = {SPI, SPI, SPI_STATE};
        static const uint32_t flags[] = {0, 0, HVT_GIC_WHILE_RUNNING};
        assert_true(spis < 3);
        assert_int_equal(hvt_get32(rec.payload + 4), intid[spis]);
        assert_int_equal(hvt_get32(rec.payload + 16), flags[spis]);
        spis++;
    }
    assert_true(r.clean);
    hvt_reader_close(&r);
    assert_int_equal(spis, 3);
    /* The guest's path did not depend on when SPI 44 arrived (IRQs masked):
     * every exit replays, the cancel at its recorded instruction count. */
    assert_trace_replays(path);
    if (!getenv("HVMODEL_KEEP"))
        unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recording_the_gic_scenario_twice_gives_identical_bytes),
        cmocka_unit_test(test_trace_holds_every_gic_input_with_its_exact_fields),
        cmocka_unit_test(test_gic_trace_replays_every_exit_bit_for_bit),
        cmocka_unit_test(test_spi_left_low_in_replay_diverges_at_the_exit_that_took_it),
        cmocka_unit_test(test_pmr_left_low_in_replay_diverges_at_the_exit_that_took_spi_44),
        cmocka_unit_test(test_spi_from_another_thread_replays_and_is_marked_when_made_during_a_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
