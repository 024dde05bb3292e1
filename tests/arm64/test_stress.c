/*
 * test_stress.c — concurrent use of the model from many threads: every call
 * answers with the framework's code, nothing deadlocks or crashes, and guest
 * results stay exact.
 *
 *  - 64 vCPUs on 64 threads run a counting loop with an HVC exit every N
 *    iterations, concurrently; every exit is the HVC with the exact count.
 *  - 4 threads storm hv_vcpus_exit at 60 running vCPUs: every run returns
 *    HV_SUCCESS, every vCPU keeps coming back CANCELED, nothing deadlocks.
 *  - the VMM thread maps, protects and unmaps a spare range in a loop while
 *    8 vCPUs increment counters in other memory: their counts stay exact and
 *    they see no fault.
 *  - a vCPU is destroyed while another thread keeps kicking its id: the kick
 *    answers HV_SUCCESS while the vCPU exists and HV_BAD_ARGUMENT after.
 *  - 100 cycles of VM creation with vCPUs and destruction leave no file
 *    descriptor behind (and no memory, under ASan).
 *
 * Multi-threaded runs interleave differently on every execution, so their
 * traces cannot be replayed bit for bit: main() sets HVMODEL_TEST_NO_REPLAY.
 */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Guest code, placed at 0x10000 by guest_create.
 *
 * count_loop (x0 counts iterations, every N of them it exits with HVC #1):
 *   0x00  movz x2, #N
 *   0x04  add  x0, x0, #1
 *   0x08  subs x2, x2, #1
 *   0x0c  b.ne 0x04
 *   0x10  hvc  #1
 *   0x14  b    0x00
 *
 * mem_loop (increments the 64-bit counter at [x1] N times, then HVC #2):
 *   0x40  movz x2, #N
 *   0x44  ldr  x3, [x1]
 *   0x48  add  x3, x3, #1
 *   0x4c  str  x3, [x1]
 *   0x50  subs x2, x2, #1
 *   0x54  b.ne 0x44
 *   0x58  hvc  #2
 *   0x5c  b    0x40
 *
 * spin: 0x80  b .
 */
#define CODE_IPA     0x10000ull
#define COUNT_LOOP   (CODE_IPA + 0x00)
#define MEM_LOOP     (CODE_IPA + 0x40)
#define SPIN         (CODE_IPA + 0x80)
#define LOOP_N       500u
#define MOVZ_X2(imm) (0xd2800002u | (uint32_t)(imm) << 5)
#define DATA_IPA     0x100000ull /* counters of mem_loop, one 4 KiB page per vCPU */
#define SPARE_IPA    0x10000000ull
#define SPARE_SIZE   0x40000ull
#define MAX_THREADS  64

static const uint32_t code_words[] = {
    /* count_loop */
    MOVZ_X2(LOOP_N), 0x91000400, 0xf1000442, 0x54ffffc1, 0xd4000022, 0x17fffffb, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0,
    /* mem_loop */
    MOVZ_X2(LOOP_N), 0xf9400023, 0x91000463, 0xf9000023, 0xf1000442, 0x54ffff81, 0xd4000042,
    0x17fffff9, 0, 0, 0, 0, 0, 0, 0, 0,
    /* spin */
    0x14000000};

static unsigned char code_image[sizeof(code_words)];

static void build_image(void)
{
    for (size_t i = 0; i < sizeof(code_words) / 4; i++)
        for (int b = 0; b < 4; b++)
            code_image[4 * i + b] = (unsigned char)(code_words[i] >> (8 * b));
}

static int setup(void **state)
{
    static struct guest g;
    guest_create(&g, code_image, sizeof(code_image));
    *state = &g;
    return 0;
}

/* The harness's vCPU belongs to this thread; tests that need every slot for
 * their own threads give it back first and take a new one at the end. */
static void release_main_vcpu(struct guest *g)
{
    assert_int_equal(hv_vcpu_destroy(g->vcpu), HV_SUCCESS);
}

static void retake_main_vcpu(struct guest *g)
{
    assert_int_equal(hv_vcpu_create(&g->vcpu, &g->exit, NULL), HV_SUCCESS);
}

/* ---- per-thread results (cmocka asserts belong to the main thread) ---- */

struct worker {
    pthread_t thread;
    unsigned index;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    unsigned exits;    /* exits to make before stopping */
    unsigned canceled; /* CANCELED exits seen */
    unsigned hvcs;     /* HVC exits seen */
    char error[200];   /* first failure, "" if none */
    uint8_t *counter;  /* mem_loop: host view of the counter */
    pthread_barrier_t *start, *finish;
    atomic_bool *stop; /* storm: set when every vCPU has enough CANCELED exits */
    atomic_uint *done; /* storm: vCPU threads that finished */
};

static void fail_worker(struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail_worker(struct worker *w, const char *fmt, ...)
{
    if (w->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof(w->error), fmt, ap);
    va_end(ap);
}

static void assert_workers_ok(struct worker *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (w[i].error[0])
            fail_msg("thread %u: %s", i, w[i].error);
    }
}

static bool create_vcpu_at(struct worker *w, uint64_t pc)
{
    hv_return_t r = hv_vcpu_create(&w->id, &w->exit, NULL);
    if (r != HV_SUCCESS) {
        fail_worker(w, "hv_vcpu_create returned %s", hvm_strerror(r));
        return false;
    }
    if (hv_vcpu_set_reg(w->id, HV_REG_CPSR, 0x3c5) != HV_SUCCESS ||
        hv_vcpu_set_reg(w->id, HV_REG_PC, pc) != HV_SUCCESS ||
        hv_vcpu_set_reg(w->id, HV_REG_X0, 0) != HV_SUCCESS ||
        hv_vcpu_set_reg(w->id, HV_REG_X1, DATA_IPA + 0x1000ull * w->index) != HV_SUCCESS)
        fail_worker(w, "setting up vCPU %llu failed", (unsigned long long)w->id);
    return true;
}

static void destroy_vcpu(struct worker *w)
{
    hv_return_t r = hv_vcpu_destroy(w->id);
    if (r != HV_SUCCESS)
        fail_worker(w, "hv_vcpu_destroy returned %s", hvm_strerror(r));
}

static uint64_t xreg(struct worker *w, hv_reg_t r)
{
    uint64_t v = ~0ull;
    if (hv_vcpu_get_reg(w->id, r, &v) != HV_SUCCESS)
        fail_worker(w, "hv_vcpu_get_reg(%u) failed", r);
    return v;
}

static void join_all(struct worker *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(pthread_join(w[i].thread, NULL), 0);
}

/* ---- 64 vCPUs, 64 threads, counting loops ---- */

static void *count_loop_thread(void *arg)
{
    struct worker *w = arg;
    bool ok = create_vcpu_at(w, COUNT_LOOP);
    pthread_barrier_wait(w->start);
    for (unsigned k = 1; ok && k <= w->exits && !w->error[0]; k++) {
        hv_return_t r = hv_vcpu_run(w->id);
        if (r != HV_SUCCESS) {
            fail_worker(w, "hv_vcpu_run returned %s at exit %u", hvm_strerror(r), k);
            break;
        }
        if (w->exit->reason != HV_EXIT_REASON_EXCEPTION ||
            w->exit->exception.syndrome != ESR_HVC(1)) {
            fail_worker(w, "exit %u: reason %u, syndrome 0x%llx, expected HVC #1", k,
                        w->exit->reason, (unsigned long long)w->exit->exception.syndrome);
            break;
        }
        uint64_t x0 = xreg(w, HV_REG_X0);
        if (x0 != (uint64_t)k * LOOP_N)
            fail_worker(w, "x0 = %llu after exit %u", (unsigned long long)x0, k);
        uint64_t pc = xreg(w, HV_REG_PC);
        if (pc != COUNT_LOOP + 0x14)
            fail_worker(w, "PC 0x%llx after the HVC (exit %u)", (unsigned long long)pc, k);
        w->hvcs++;
    }
    if (ok)
        destroy_vcpu(w);
    return NULL;
}

static void test_64_vcpus_on_64_threads_run_counting_loops_with_exact_hvc_exits(void **state)
{
    struct guest *g = *state;
    static struct worker w[MAX_THREADS];
    pthread_barrier_t start;
    uint32_t max = 0;
    assert_int_equal(hv_vm_get_max_vcpu_count(&max), HV_SUCCESS);
    assert_int_equal(max, MAX_THREADS);
    release_main_vcpu(g);
    pthread_barrier_init(&start, NULL, MAX_THREADS);
    for (unsigned i = 0; i < MAX_THREADS; i++) {
        w[i] = (struct worker){.index = i, .exits = 20, .start = &start};
        assert_int_equal(pthread_create(&w[i].thread, NULL, count_loop_thread, &w[i]), 0);
    }
    join_all(w, MAX_THREADS);
    pthread_barrier_destroy(&start);
    assert_workers_ok(w, MAX_THREADS);
    for (unsigned i = 0; i < MAX_THREADS; i++)
        assert_int_equal(w[i].hvcs, 20);
    retake_main_vcpu(g);
}

/* ---- hv_vcpus_exit storm ---- */

#define STORM_VCPUS   60
#define STORM_KICKERS 4
#define STORM_CANCELS 10

static hv_vcpu_t storm_ids[STORM_VCPUS];

static void *spin_thread(void *arg)
{
    struct worker *w = arg;
    bool ok = create_vcpu_at(w, SPIN);
    storm_ids[w->index] = w->id;
    pthread_barrier_wait(w->start);
    while (ok && w->canceled < STORM_CANCELS && !w->error[0]) {
        hv_return_t r = hv_vcpu_run(w->id);
        if (r != HV_SUCCESS)
            fail_worker(w, "hv_vcpu_run returned %s after %u cancels", hvm_strerror(r),
                        w->canceled);
        else if (w->exit->reason == HV_EXIT_REASON_CANCELED)
            w->canceled++;
        else
            fail_worker(w, "the spinning guest exited with reason %u, syndrome 0x%llx",
                        w->exit->reason, (unsigned long long)w->exit->exception.syndrome);
        uint64_t pc = xreg(w, HV_REG_PC);
        if (pc != SPIN)
            fail_worker(w, "PC 0x%llx left the spin loop", (unsigned long long)pc);
    }
    atomic_fetch_add(w->done, 1);
    /* Keep the vCPU until the kickers have stopped. */
    pthread_barrier_wait(w->finish);
    if (ok)
        destroy_vcpu(w);
    return NULL;
}

static void *kicker_thread(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(w->start);
    while (atomic_load(w->done) < STORM_VCPUS) {
        /* Each kicker takes the ids in its own order and in small groups. */
        hv_vcpu_t ids[STORM_VCPUS];
        uint32_t n = 1 + (w->exits++ % 7);
        for (uint32_t i = 0; i < n; i++)
            ids[i] = storm_ids[(w->index * 17 + w->exits * 7 + i * 13) % STORM_VCPUS];
        hv_return_t r = hv_vcpus_exit(ids, n);
        if (r != HV_SUCCESS)
            fail_worker(w, "hv_vcpus_exit returned %s (%u ids)", hvm_strerror(r), n);
        if (w->exits % 4 == 0) {
            r = hv_vcpus_exit(storm_ids, STORM_VCPUS);
            if (r != HV_SUCCESS)
                fail_worker(w, "hv_vcpus_exit(all) returned %s", hvm_strerror(r));
        }
    }
    pthread_barrier_wait(w->finish);
    return NULL;
}

static void test_exit_storm_from_4_threads_cancels_every_running_vcpu_without_deadlock(void **state)
{
    struct guest *g = *state;
    static struct worker w[STORM_VCPUS + STORM_KICKERS];
    pthread_barrier_t start, finish;
    atomic_uint done = 0;
    release_main_vcpu(g);
    pthread_barrier_init(&start, NULL, STORM_VCPUS + STORM_KICKERS);
    pthread_barrier_init(&finish, NULL, STORM_VCPUS + STORM_KICKERS);
    for (unsigned i = 0; i < STORM_VCPUS + STORM_KICKERS; i++) {
        w[i] = (struct worker){.index = i < STORM_VCPUS ? i : i - STORM_VCPUS,
                               .start = &start,
                               .finish = &finish,
                               .done = &done};
        void *(*fn)(void *) = i < STORM_VCPUS ? spin_thread : kicker_thread;
        assert_int_equal(pthread_create(&w[i].thread, NULL, fn, &w[i]), 0);
    }
    join_all(w, STORM_VCPUS + STORM_KICKERS);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&finish);
    assert_workers_ok(w, STORM_VCPUS + STORM_KICKERS);
    for (unsigned i = 0; i < STORM_VCPUS; i++)
        assert_int_equal(w[i].canceled, STORM_CANCELS);
    retake_main_vcpu(g);
}

/* ---- stage-2 changes on a spare range while vCPUs use other memory ---- */

#define MEM_VCPUS 8
#define MEM_EXITS 40

static void *mem_loop_thread(void *arg)
{
    struct worker *w = arg;
    bool ok = create_vcpu_at(w, MEM_LOOP);
    pthread_barrier_wait(w->start);
    for (unsigned k = 1; ok && k <= MEM_EXITS && !w->error[0]; k++) {
        hv_return_t r = hv_vcpu_run(w->id);
        if (r != HV_SUCCESS) {
            fail_worker(w, "hv_vcpu_run returned %s at exit %u", hvm_strerror(r), k);
            break;
        }
        if (w->exit->reason != HV_EXIT_REASON_EXCEPTION ||
            w->exit->exception.syndrome != ESR_HVC(2)) {
            fail_worker(w, "exit %u: reason %u, syndrome 0x%llx, expected HVC #2 only", k,
                        w->exit->reason, (unsigned long long)w->exit->exception.syndrome);
            break;
        }
        uint64_t mem;
        memcpy(&mem, w->counter, sizeof(mem));
        if (mem != (uint64_t)k * LOOP_N || xreg(w, HV_REG_X3) != mem)
            fail_worker(w, "counter %llu after exit %u", (unsigned long long)mem, k);
    }
    atomic_fetch_add(w->done, 1);
    if (ok)
        destroy_vcpu(w);
    return NULL;
}

static void
test_map_protect_unmap_of_a_spare_range_while_vcpus_run_keeps_their_memory_exact(void **state)
{
    struct guest *g = *state;
    static struct worker w[MEM_VCPUS];
    pthread_barrier_t start;
    atomic_uint done = 0;
    void *spare = NULL;
    assert_int_equal(hv_vm_allocate(&spare, SPARE_SIZE, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    pthread_barrier_init(&start, NULL, MEM_VCPUS + 1);
    for (unsigned i = 0; i < MEM_VCPUS; i++) {
        w[i] = (struct worker){
            .index = i, .start = &start, .done = &done, .counter = g->ram + DATA_IPA + 0x1000u * i};
        assert_int_equal(pthread_create(&w[i].thread, NULL, mem_loop_thread, &w[i]), 0);
    }
    pthread_barrier_wait(&start);
    unsigned cycles = 0;
    while (atomic_load(&done) < MEM_VCPUS || cycles < 10) {
        uint64_t half = SPARE_SIZE / 2;
        assert_int_equal(hv_vm_map(spare, SPARE_IPA, SPARE_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE),
                         HV_SUCCESS);
        assert_int_equal(hv_vm_protect(SPARE_IPA + half, half, HV_MEMORY_READ), HV_SUCCESS);
        assert_int_equal(hv_vm_unmap(SPARE_IPA, half), HV_SUCCESS);
        /* The range is half gone: mapping over the rest must fail. */
        assert_int_equal(hv_vm_map(spare, SPARE_IPA, SPARE_SIZE, HV_MEMORY_READ), HV_BAD_ARGUMENT);
        assert_int_equal(hv_vm_unmap(SPARE_IPA + half, half), HV_SUCCESS);
        assert_int_equal(hv_vm_unmap(SPARE_IPA, SPARE_SIZE), HV_BAD_ARGUMENT);
        cycles++;
    }
    join_all(w, MEM_VCPUS);
    pthread_barrier_destroy(&start);
    assert_workers_ok(w, MEM_VCPUS);
    assert_int_equal(hv_vm_deallocate(spare, SPARE_SIZE), HV_SUCCESS);
}

/* ---- kicking a vCPU while it is destroyed ---- */

#define DESTROY_CYCLES 50

struct destroy_race {
    pthread_barrier_t ready;
    atomic_bool destroyed, quit;
    hv_vcpu_t id;
    unsigned after_ok, after_total, before_bad;
    char error[160];
};

static void *kick_destroyed_thread(void *arg)
{
    struct destroy_race *d = arg;
    for (unsigned c = 0; c < DESTROY_CYCLES; c++) {
        pthread_barrier_wait(&d->ready); /* the vCPU exists */
        hv_vcpu_t id = d->id;
        unsigned after = 0;
        while (after < 20) {
            bool gone = atomic_load(&d->destroyed);
            hv_return_t r = hv_vcpus_exit(&id, 1);
            if (gone) {
                after++;
                d->after_total++;
                if (r != HV_BAD_ARGUMENT)
                    d->after_ok++;
            } else if (r != HV_SUCCESS && r != HV_BAD_ARGUMENT) {
                snprintf(d->error, sizeof(d->error), "hv_vcpus_exit returned 0x%x", (unsigned)r);
            }
        }
        pthread_barrier_wait(&d->ready); /* cycle over */
    }
    return NULL;
}

static void *destroyed_vcpu_thread(void *arg)
{
    struct destroy_race *d = arg;
    for (unsigned c = 0; c < DESTROY_CYCLES; c++) {
        hv_vcpu_exit_t *ex;
        hv_return_t r = hv_vcpu_create(&d->id, &ex, NULL);
        if (r != HV_SUCCESS) {
            snprintf(d->error, sizeof(d->error), "hv_vcpu_create returned 0x%x", (unsigned)r);
            atomic_store(&d->quit, true);
        }
        hv_vcpu_set_reg(d->id, HV_REG_PC, SPIN);
        hv_vcpu_set_reg(d->id, HV_REG_CPSR, 0x3c5);
        atomic_store(&d->destroyed, false);
        pthread_barrier_wait(&d->ready);
        /* Run while the kicks land: each run ends CANCELED. */
        for (int i = 0; i < 3 && r == HV_SUCCESS; i++) {
            hv_return_t rr = hv_vcpu_run(d->id);
            if (rr != HV_SUCCESS || ex->reason != HV_EXIT_REASON_CANCELED)
                snprintf(d->error, sizeof(d->error), "run: 0x%x, reason %u", (unsigned)rr,
                         ex->reason);
        }
        if (r == HV_SUCCESS && hv_vcpu_destroy(d->id) != HV_SUCCESS)
            snprintf(d->error, sizeof(d->error), "hv_vcpu_destroy failed");
        atomic_store(&d->destroyed, true);
        pthread_barrier_wait(&d->ready);
    }
    return NULL;
}

static void test_kicking_a_vcpu_while_it_is_destroyed_answers_bad_argument_afterwards(void **state)
{
    static struct destroy_race d;
    pthread_t a, b;
    memset(&d, 0, sizeof(d));
    (void)state;
    pthread_barrier_init(&d.ready, NULL, 2);
    assert_int_equal(pthread_create(&a, NULL, destroyed_vcpu_thread, &d), 0);
    assert_int_equal(pthread_create(&b, NULL, kick_destroyed_thread, &d), 0);
    assert_int_equal(pthread_join(a, NULL), 0);
    assert_int_equal(pthread_join(b, NULL), 0);
    pthread_barrier_destroy(&d.ready);
    if (d.error[0])
        fail_msg("%s", d.error);
    assert_int_equal(d.after_total, 20u * DESTROY_CYCLES);
    assert_int_equal(d.after_ok, 0);
}

/* ---- VM lifecycle cycles ---- */

static unsigned open_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void *one_hvc_thread(void *arg)
{
    struct worker *w = arg;
    if (!create_vcpu_at(w, COUNT_LOOP))
        return NULL;
    hv_return_t r = hv_vcpu_run(w->id);
    if (r != HV_SUCCESS || w->exit->exception.syndrome != ESR_HVC(1))
        fail_worker(w, "run: %s, syndrome 0x%llx", hvm_strerror(r),
                    (unsigned long long)w->exit->exception.syndrome);
    destroy_vcpu(w);
    return NULL;
}

static void test_100_vm_lifecycles_with_vcpus_leave_no_descriptor_behind(void **state)
{
    (void)state;
    unsigned fds = open_fds();
    for (unsigned c = 0; c < 100; c++) {
        void *ram = NULL;
        assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
        assert_int_equal(hv_vm_allocate(&ram, GUEST_RAM_SIZE, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
        memcpy((uint8_t *)ram + CODE_IPA, code_image, sizeof(code_image));
        assert_int_equal(
            hv_vm_map(ram, 0, GUEST_RAM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
            HV_SUCCESS);
        struct worker w[3];
        for (unsigned i = 0; i < 3; i++) {
            w[i] = (struct worker){.index = i};
            assert_int_equal(pthread_create(&w[i].thread, NULL, one_hvc_thread, &w[i]), 0);
        }
        join_all(w, 3);
        assert_workers_ok(w, 3);
        /* One vCPU left on this thread: the VM must refuse to go. */
        hv_vcpu_t id;
        hv_vcpu_exit_t *ex;
        assert_int_equal(hv_vcpu_create(&id, &ex, NULL), HV_SUCCESS);
        assert_int_equal(hv_vm_destroy(), HV_BUSY);
        assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
        if (c % 2)
            assert_int_equal(hv_vm_unmap(0, GUEST_RAM_SIZE), HV_SUCCESS);
        assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
        assert_int_equal(hv_vm_deallocate(ram, GUEST_RAM_SIZE), HV_SUCCESS);
    }
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
    assert_int_equal(open_fds(), fds);
}

int main(void)
{
    /* Multi-threaded scenarios do not replay deterministically. */
    setenv("HVMODEL_TEST_NO_REPLAY", "1", 1);
    build_image();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_64_vcpus_on_64_threads_run_counting_loops_with_exact_hvc_exits, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_exit_storm_from_4_threads_cancels_every_running_vcpu_without_deadlock, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_map_protect_unmap_of_a_spare_range_while_vcpus_run_keeps_their_memory_exact, setup,
            guest_teardown),
        cmocka_unit_test_setup_teardown(
            test_kicking_a_vcpu_while_it_is_destroyed_answers_bad_argument_afterwards, setup,
            guest_teardown),
        cmocka_unit_test(test_100_vm_lifecycles_with_vcpus_leave_no_descriptor_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
