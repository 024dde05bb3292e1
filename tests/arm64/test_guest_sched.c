/*
 * test_guest_sched.c — vCPUs of a VM with the in-framework GIC take turns
 * (model/sched.c): the order in which their guest code interleaves, the
 * trace and its replay do not depend on how the host schedules the VMM's
 * threads.
 *
 * The guest (tests/guest/arm64/gic.S, shared_log) has each vCPU append its
 * id to one log in guest memory with plain loads and stores, so the log is
 * the record of who ran when.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <guest_gic_syms.h>

#include "../../trace/reader.h"
#include "../trace/trace_check.h"

extern const unsigned char guest_gic[];
extern const unsigned int guest_gic_len;

#define GICD    0x08000000ull
#define GICR    0x080a0000ull
#define LOG     0x100000ull /* u64 index, then the log */
#define ENTRIES 10000u      /* per vCPU: 7 instructions each */

enum delay { DELAY_NONE, DELAY_MAIN, DELAY_PEER };

struct peer {
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool created, ran;
    enum delay delay;
    bool short_run; /* one log entry, not ENTRIES */
    uint64_t esr;
    hv_return_t err;
};

static void vcpu_setup(struct guest *g, uint64_t id)
{
    assert_int_equal(hv_vcpu_create(&g->vcpu, &g->exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(g->vcpu, HV_REG_CPSR, 0x3c5), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(g->vcpu, HV_SYS_REG_SP_EL1, GUEST_STACK - 0x1000 * id),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(g->vcpu, HV_SYS_REG_VBAR_EL1, GUEST_GIC_VECTORS),
                     HV_SUCCESS);
}

static void log_args(struct guest *g, uint64_t id)
{
    set_gpr(g, 0, LOG);
    set_gpr(g, 1, id);
    set_gpr(g, 2, ENTRIES);
    assert_int_equal(hv_vcpu_set_reg(g->vcpu, HV_REG_PC, GUEST_GIC_SHARED_LOG), HV_SUCCESS);
}

static void signal(struct peer *p, bool *flag)
{
    pthread_mutex_lock(&p->m);
    *flag = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->m);
}

static void wait_for(struct peer *p, const bool *flag)
{
    pthread_mutex_lock(&p->m);
    while (!*flag)
        pthread_cond_wait(&p->cv, &p->m);
    pthread_mutex_unlock(&p->m);
}

/* vCPU 1: set up, then the log (one entry with short_run). */
static void *peer_main(void *arg)
{
    struct peer *p = arg;
    struct guest g = {0};
    vcpu_setup(&g, 1);
    log_args(&g, 1);
    signal(p, &p->created);
    if (p->delay == DELAY_PEER)
        usleep(30000);
    if (p->short_run)
        set_gpr(&g, 2, 1);
    hv_vcpu_run(g.vcpu);
    p->esr = g.exit->exception.syndrome;
    signal(p, &p->ran);
    p->err = hv_vcpu_destroy(g.vcpu);
    return NULL;
}

static void vm_with_gic(struct guest *g, const char *trace)
{
    memset(g, 0, sizeof(*g));
    if (trace)
        assert_int_equal(hvm_trace_start(trace), HV_SUCCESS);
    guest_vm_create(g, guest_gic, guest_gic_len);
    gic_create_at(GICD, GICR, 0, 0, 0);
}

/* The VM, vCPU 0 on this thread and vCPU 1 on thread *t (p set up by the
 * caller), both with the log's arguments; returns once vCPU 1 exists. */
static void start_pair(struct guest *g, const char *trace, struct peer *p, pthread_t *t)
{
    vm_with_gic(g, trace);
    vcpu_setup(g, 0);
    assert_int_equal(pthread_create(t, NULL, peer_main, p), 0);
    wait_for(p, &p->created);
    log_args(g, 0);
}

static void vm_down(struct guest *g)
{
    assert_int_equal(hv_vm_unmap(GUEST_RAM_IPA, GUEST_RAM_SIZE), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_deallocate(g->ram, GUEST_RAM_SIZE), HV_SUCCESS);
}

/* Both vCPUs write the log; one of the two threads first sleeps before its
 * run (delay). The log is copied to out (2 * ENTRIES entries). */
static void log_scenario(const char *trace, enum delay delay, uint64_t *out)
{
    struct guest g;
    struct peer p = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    p.delay = delay;
    pthread_t t;
    start_pair(&g, trace, &p, &t);
    if (delay == DELAY_MAIN)
        usleep(30000);
    run_hvc(&g, 0);
    /* Destroying vCPU 0 hands the token on (it holds it until it runs
     * again). */
    assert_int_equal(hv_vcpu_destroy(g.vcpu), HV_SUCCESS);
    pthread_join(t, NULL);
    assert_int_equal(p.err, HV_SUCCESS);
    assert_int_equal(p.esr, ESR_HVC(0));
    uint64_t idx;
    memcpy(&idx, g.ram + LOG, 8);
    assert_int_equal(idx, 2 * ENTRIES); /* the turns never split a block */
    memcpy(out, g.ram + LOG + 8, 2 * ENTRIES * sizeof(uint64_t));
    vm_down(&g);
}

/* The log's runs: where the writer changes, as indices. */
static unsigned switches(const uint64_t *log, unsigned *at, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 1; i < 2 * ENTRIES; i++)
        if (log[i] != log[i - 1] && n < max)
            at[n++] = i;
    return n;
}

static void trace_path(char *buf, size_t n, const char *name)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(buf, n, "%s/hvmodel-sched-%d-%s", dir, (int)getpid(), name);
}

/* vCPU 0 (the lower id at the same time) goes first; each then runs until
 * it is 20,000 instructions past the other, to the end of the block (the
 * loop, 7 instructions): a fixed pattern, the same whichever thread calls
 * hv_vcpu_run first or later. */
static void test_two_vcpus_interleave_the_same_way_whichever_thread_is_late(void **state)
{
    (void)state;
    uint64_t *a = malloc(2 * ENTRIES * sizeof(uint64_t));
    uint64_t *b = malloc(2 * ENTRIES * sizeof(uint64_t));
    uint64_t *c = malloc(2 * ENTRIES * sizeof(uint64_t));
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    log_scenario(NULL, DELAY_NONE, a);
    log_scenario(NULL, DELAY_MAIN, b);
    log_scenario(NULL, DELAY_PEER, c);
    assert_memory_equal(a, b, 2 * ENTRIES * sizeof(uint64_t));
    assert_memory_equal(a, c, 2 * ENTRIES * sizeof(uint64_t));
    unsigned at[16];
    unsigned n = switches(a, at, 16);
    assert_int_equal(a[0], 0);
    assert_int_equal(n, 4);
    assert_int_equal(at[0], 2858);  /* vCPU 0 to 20,006 instructions */
    assert_int_equal(at[1], 8574);  /* vCPU 1 to 40,012 */
    assert_int_equal(at[2], 14290); /* vCPU 0 to 60,018 */
    assert_int_equal(at[3], 18574); /* vCPU 1 done at 70,000; vCPU 0 ends it */
    free(a);
    free(b);
    free(c);
}

/* Recorded under different thread timings, the traces are the same bytes:
 * records a thread made for its vCPU while the other held the token are
 * written when its vCPU gets the token, just before its RUN. */
static void test_traces_of_two_timings_are_the_same_bytes_and_replay(void **state)
{
    (void)state;
    char ta[256], tb[256];
    trace_path(ta, sizeof(ta), "a.hvt");
    trace_path(tb, sizeof(tb), "b.hvt");
    uint64_t *log = malloc(2 * ENTRIES * sizeof(uint64_t));
    assert_non_null(log);
    log_scenario(ta, DELAY_MAIN, log);
    log_scenario(tb, DELAY_PEER, log);
    free(log);
    assert_same_trace_bytes(ta, tb);
    assert_trace_replays_clean(ta, 2);

    /* vCPU 1's set-up (four registers, three system registers... all of
     * its records before its RUN) sits right before RUN vcpu 1, after RUN
     * vcpu 0. */
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, ta), 0);
    struct hvt_record rec;
    int run0 = -1, run1 = -1, first1 = -1, last_other_before_run1 = -1, i = 0;
    while (hvt_reader_next(&r, &rec) == HVT_OK) {
        bool v1 = hvt_has_vcpu(rec.type) && hvt_get32(rec.payload) == 1;
        if (rec.type == HVT_RUN && hvt_get32(rec.payload) == 0 && run0 < 0)
            run0 = i;
        if (rec.type == HVT_RUN && v1 && run1 < 0)
            run1 = i;
        if (v1 && rec.type != HVT_VCPU_CREATE && first1 < 0)
            first1 = i;
        if (run1 < 0 && !v1)
            last_other_before_run1 = i;
        i++;
    }
    hvt_reader_close(&r);
    assert_true(run0 >= 0);
    assert_true(run0 < first1);
    assert_int_equal(last_other_before_run1, first1 - 1);
    assert_int_equal(run1 - first1, 7); /* CPSR, SP_EL1, VBAR_EL1, X0..X2, PC */
    if (!getenv("HVMODEL_KEEP")) {
        unlink(ta);
        unlink(tb);
    }
}

/* A VMM thread that waits for another vCPU's thread while its vCPU holds
 * the token would wait forever; after 2 s of host time it loses the token
 * and both vCPUs finish. */
static void test_vmm_thread_waiting_for_another_vcpu_loses_the_token(void **state)
{
    (void)state;
    struct guest g;
    struct peer p = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    p.short_run = true;
    pthread_t t;
    start_pair(&g, NULL, &p, &t);
    set_gpr(&g, 2, 1);
    run_hvc(&g, 0);       /* vCPU 0 first: the lower id at the same time */
    wait_for(&p, &p.ran); /* with the token */
    assert_int_equal(p.esr, ESR_HVC(0));
    assert_int_equal(hv_vcpu_destroy(g.vcpu), HV_SUCCESS);
    pthread_join(t, NULL);
    assert_int_equal(p.err, HV_SUCCESS);
    uint64_t idx, log[2];
    memcpy(&idx, g.ram + LOG, 8);
    memcpy(log, g.ram + LOG + 8, sizeof(log));
    assert_int_equal(idx, 2);
    assert_int_equal(log[0], 0);
    assert_int_equal(log[1], 1);
    vm_down(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_vcpus_interleave_the_same_way_whichever_thread_is_late),
        cmocka_unit_test(test_traces_of_two_timings_are_the_same_bytes_and_replay),
        cmocka_unit_test(test_vmm_thread_waiting_for_another_vcpu_loses_the_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
