/*
 * test_api_vcpu.c — the arm64 vCPU API: creation and the 64-slot limit,
 * thread ownership, every register family (general, SIMD, system) with its
 * bad-input matrix, and proof that what the VMM writes is what drives the
 * guest: VBAR_EL1 routes an SVC, CPSR.M picks SP_EL0 or SP_EL1, TPIDR and ID
 * registers are what MRS reads, ELR/SPSR feed an ERET, and page tables built
 * by the VMM translate the guest's accesses once SCTLR_EL1.M is set. Also
 * exec time, pending interrupt lines, debug-trap and vtimer settings,
 * cross-thread cancellation, the SME/GIC/macOS 27 stubs and the vCPU
 * configuration queries (feature registers, CCSIDR).
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <guest_basics_syms.h>
#include <guest_regs_syms.h>

extern const unsigned char guest_basics[];
extern const unsigned int guest_basics_len;
extern const unsigned char guest_regs[];
extern const unsigned int guest_regs_len;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ESR_EL1 of SVC #imm taken from AArch64 (EC 0x15, IL). */
#define ESR_SVC(imm) (0x56000000ull | (imm))

/* ------------------------------------------------------------------------- */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------- */

static struct guest fixture;

static int setup_basics(void **state)
{
    guest_create(&fixture, guest_basics, guest_basics_len);
    *state = &fixture;
    return 0;
}

static int setup_regs(void **state)
{
    guest_create(&fixture, guest_regs, guest_regs_len);
    *state = &fixture;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* A helper thread that runs jobs synchronously on request, so a test can     */
/* call the API from a thread other than its own. Jobs never use cmocka's     */
/* asserts (they would unwind the wrong thread); they record results instead. */
/* ------------------------------------------------------------------------- */

struct worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void (*job)(void *);
    void *arg;
    bool pending;
    bool quit;
};

static void *worker_main(void *p)
{
    struct worker *w = p;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        if (w->pending) {
            pthread_mutex_unlock(&w->lock);
            w->job(w->arg);
            pthread_mutex_lock(&w->lock);
            w->pending = false;
            pthread_cond_broadcast(&w->cond);
            continue;
        }
        break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void worker_start(struct worker *w)
{
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    assert_int_equal(pthread_create(&w->thread, NULL, worker_main, w), 0);
}

static void worker_call(struct worker *w, void (*job)(void *), void *arg)
{
    pthread_mutex_lock(&w->lock);
    w->job = job;
    w->arg = arg;
    w->pending = true;
    pthread_cond_broadcast(&w->cond);
    while (w->pending)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

static void worker_stop(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

/* vCPU create/destroy jobs for a worker. */
struct vcpu_slot {
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    hv_return_t ret;
};

static void job_create(void *p)
{
    struct vcpu_slot *s = p;
    s->ret = hv_vcpu_create(&s->id, &s->exit, NULL);
}

static void job_destroy(void *p)
{
    struct vcpu_slot *s = p;
    s->ret = hv_vcpu_destroy(s->id);
}

/* ------------------------------------------------------------------------- */
/* hv_vcpu_create                                                            */
/* ------------------------------------------------------------------------- */

static void test_create_without_vm_returns_no_device(void **state)
{
    (void)state;
    hv_vcpu_t id = 77;
    hv_vcpu_exit_t *exit = NULL;
    assert_int_equal(hv_vcpu_create(&id, &exit, NULL), HV_NO_DEVICE);
    assert_int_equal(id, 77);
    assert_null(exit);
}

static void test_create_with_null_vcpu_or_exit_pointer_is_bad_argument(void **state)
{
    (void)state;
    hv_vcpu_t id = 77;
    hv_vcpu_exit_t *exit = NULL;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(NULL, &exit, NULL), HV_BAD_ARGUMENT);
    assert_null(exit);
    assert_int_equal(hv_vcpu_create(&id, NULL, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(id, 77);
    /* Nothing was created: this thread can still create its one vCPU, id 0. */
    assert_int_equal(hv_vcpu_create(&id, &exit, NULL), HV_SUCCESS);
    assert_int_equal(id, 0);
    assert_non_null(exit);
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_second_vcpu_on_same_thread_is_busy_hvmodel_choice(void **state)
{
    (void)state;
    hv_vcpu_t id, id2 = 77;
    hv_vcpu_exit_t *exit, *exit2 = NULL;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id, &exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id2, &exit2, NULL), HV_BUSY);
    assert_int_equal(id2, 77);
    assert_null(exit2);
    /* After destroying it the thread may create a vCPU again; the freed id
     * is the lowest one and is reused. */
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id2, &exit2, NULL), HV_SUCCESS);
    assert_int_equal(id2, id);
    assert_int_equal(hv_vcpu_destroy(id2), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_create_accepts_a_vcpu_config_object(void **state)
{
    (void)state;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    hv_vcpu_config_t config = hv_vcpu_config_create();
    assert_non_null(config);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id, &exit, config), HV_SUCCESS);
    os_release(config); /* the caller may release it right after */
    uint64_t v = 1;
    assert_int_equal(hv_vcpu_get_reg(id, HV_REG_X0, &v), HV_SUCCESS);
    assert_int_equal(v, 0);
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_ids_are_the_lowest_free_slot_and_exit_records_are_per_vcpu(void **state)
{
    (void)state;
    struct worker w1, w2, w3;
    struct vcpu_slot main_slot, s1 = {0}, s2 = {0}, s3 = {0};
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    worker_start(&w1);
    worker_start(&w2);
    worker_start(&w3);

    assert_int_equal(hv_vcpu_create(&main_slot.id, &main_slot.exit, NULL), HV_SUCCESS);
    worker_call(&w1, job_create, &s1);
    worker_call(&w2, job_create, &s2);
    assert_int_equal(main_slot.id, 0);
    assert_int_equal(s1.ret, HV_SUCCESS);
    assert_int_equal(s1.id, 1);
    assert_int_equal(s2.ret, HV_SUCCESS);
    assert_int_equal(s2.id, 2);
    /* Each vCPU has its own exit record. */
    assert_non_null(main_slot.exit);
    assert_ptr_not_equal(main_slot.exit, s1.exit);
    assert_ptr_not_equal(main_slot.exit, s2.exit);
    assert_ptr_not_equal(s1.exit, s2.exit);

    /* Free id 1 while 2 is in use: the next vCPU gets 1, not 3. */
    worker_call(&w1, job_destroy, &s1);
    assert_int_equal(s1.ret, HV_SUCCESS);
    worker_call(&w3, job_create, &s3);
    assert_int_equal(s3.ret, HV_SUCCESS);
    assert_int_equal(s3.id, 1);

    /* Free id 0: a new vCPU on w1 gets 0. */
    assert_int_equal(hv_vcpu_destroy(main_slot.id), HV_SUCCESS);
    worker_call(&w1, job_create, &s1);
    assert_int_equal(s1.ret, HV_SUCCESS);
    assert_int_equal(s1.id, 0);

    worker_call(&w1, job_destroy, &s1);
    worker_call(&w2, job_destroy, &s2);
    worker_call(&w3, job_destroy, &s3);
    assert_int_equal(s1.ret, HV_SUCCESS);
    assert_int_equal(s2.ret, HV_SUCCESS);
    assert_int_equal(s3.ret, HV_SUCCESS);
    worker_stop(&w1);
    worker_stop(&w2);
    worker_stop(&w3);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

#define MAX_VCPUS 64

struct many {
    pthread_barrier_t created;
    pthread_barrier_t release;
    struct vcpu_slot slot[MAX_VCPUS];
    hv_return_t destroy_ret[MAX_VCPUS];
};

struct many_arg {
    struct many *m;
    unsigned index;
};

static void *many_thread(void *p)
{
    struct many_arg *a = p;
    struct vcpu_slot *s = &a->m->slot[a->index];
    s->ret = hv_vcpu_create(&s->id, &s->exit, NULL);
    pthread_barrier_wait(&a->m->created);
    pthread_barrier_wait(&a->m->release);
    a->m->destroy_ret[a->index] = s->ret == HV_SUCCESS ? hv_vcpu_destroy(s->id) : HV_ERROR;
    return NULL;
}

static void test_64_vcpus_on_64_threads_succeed_and_the_65th_has_no_resources(void **state)
{
    (void)state;
    static struct many m;
    struct many_arg args[MAX_VCPUS];
    pthread_t threads[MAX_VCPUS];
    uint32_t max = 0;

    assert_int_equal(hv_vm_get_max_vcpu_count(&max), HV_SUCCESS);
    assert_int_equal(max, MAX_VCPUS);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    memset(&m, 0, sizeof(m));
    pthread_barrier_init(&m.created, NULL, MAX_VCPUS + 1);
    pthread_barrier_init(&m.release, NULL, MAX_VCPUS + 1);
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        args[i] = (struct many_arg){&m, i};
        assert_int_equal(pthread_create(&threads[i], NULL, many_thread, &args[i]), 0);
    }
    pthread_barrier_wait(&m.created);
    /* All 64 exist now: this thread (which owns none) gets no 65th. */
    hv_vcpu_t extra = 77;
    hv_vcpu_exit_t *extra_exit = NULL;
    hv_return_t extra_ret = hv_vcpu_create(&extra, &extra_exit, NULL);
    pthread_barrier_wait(&m.release);
    for (unsigned i = 0; i < MAX_VCPUS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&m.created);
    pthread_barrier_destroy(&m.release);

    assert_int_equal(extra_ret, HV_NO_RESOURCES);
    assert_int_equal(extra, 77);
    assert_null(extra_exit);
    uint64_t seen = 0;
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        assert_int_equal(m.slot[i].ret, HV_SUCCESS);
        assert_in_range(m.slot[i].id, 0, MAX_VCPUS - 1);
        seen |= 1ull << m.slot[i].id;
        assert_non_null(m.slot[i].exit);
        for (unsigned j = 0; j < i; j++)
            assert_ptr_not_equal(m.slot[i].exit, m.slot[j].exit);
        assert_int_equal(m.destroy_ret[i], HV_SUCCESS);
    }
    assert_int_equal(seen, UINT64_MAX); /* ids 0..63, each once */
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_exit_record_pointer_stays_valid_across_runs(void **state)
{
    struct guest *g = *state;
    hv_vcpu_exit_t *const exit = g->exit;
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    assert_int_equal(hv_vcpu_run(g->vcpu), HV_SUCCESS);
    assert_int_equal(exit->reason, HV_EXIT_REASON_EXCEPTION);
    assert_int_equal(exit->exception.syndrome, ESR_HVC(0x1234));
    set_reg(g, HV_REG_PC, GUEST_BASICS_SMC_SITE);
    assert_int_equal(hv_vcpu_run(g->vcpu), HV_SUCCESS);
    assert_int_equal(exit->reason, HV_EXIT_REASON_EXCEPTION);
    assert_int_equal(exit->exception.syndrome, 0x5e000042);
}

/* ------------------------------------------------------------------------- */
/* Ownership and ids                                                         */
/* ------------------------------------------------------------------------- */

#define SENTINEL 0x5e5e5e5e5e5e5e5eull

struct call {
    const char *name;
    hv_return_t ret;
    bool out_untouched; /* an out-parameter kept its sentinel */
};

struct calls {
    hv_vcpu_t target;
    bool own_vcpu; /* the calling thread creates a vCPU of its own first */
    hv_return_t own_create, own_destroy;
    hv_vcpu_t own_id;
    struct call c[48];
    unsigned n;
};

static void record(struct calls *cs, const char *name, hv_return_t ret, bool untouched)
{
    cs->c[cs->n++] = (struct call){name, ret, untouched};
}

#define CALL(name, expr)                    record(cs, name, (expr), true)
#define CALL_OUT(name, expr, out, sentinel) record(cs, name, (expr), (out) == (sentinel))

/* Every vCPU call that must run on the owning thread, aimed at cs->target.
 * Setters use values different from the vCPU's state, so a call that wrongly
 * succeeded would show. */
static void call_every_owner_only_function(struct calls *cs)
{
    hv_vcpu_t id = cs->target;
    uint64_t u64 = SENTINEL;
    bool b = true;
    hv_simd_fp_uchar16_t q;
    memset(&q, 0x5e, sizeof(q));
    hv_simd_fp_uchar16_t q_set;
    memset(&q_set, 0xa7, sizeof(q_set));
    uint8_t buf[64];
    hv_vcpu_sme_state_t sme = {false, false};
    hv_sme_zt0_uchar64_t zt0;
    memset(&zt0, 0, sizeof(zt0));

    u64 = SENTINEL;
    CALL_OUT("hv_vcpu_get_reg", hv_vcpu_get_reg(id, HV_REG_X0, &u64), u64, SENTINEL);
    CALL("hv_vcpu_set_reg", hv_vcpu_set_reg(id, HV_REG_X0, 0xbad));
    CALL_OUT("hv_vcpu_get_simd_fp_reg", hv_vcpu_get_simd_fp_reg(id, HV_SIMD_FP_REG_Q0, &q), q[0],
             0x5e);
    CALL("hv_vcpu_set_simd_fp_reg", hv_vcpu_set_simd_fp_reg(id, HV_SIMD_FP_REG_Q0, q_set));
    u64 = SENTINEL;
    CALL_OUT("hv_vcpu_get_sys_reg", hv_vcpu_get_sys_reg(id, HV_SYS_REG_TPIDR_EL1, &u64), u64,
             SENTINEL);
    CALL("hv_vcpu_set_sys_reg", hv_vcpu_set_sys_reg(id, HV_SYS_REG_TPIDR_EL1, 0xbad));
    CALL("hv_vcpu_run", hv_vcpu_run(id));
    CALL("hv_vcpu_destroy", hv_vcpu_destroy(id));
    b = true;
    CALL_OUT("hv_vcpu_get_pending_interrupt",
             hv_vcpu_get_pending_interrupt(id, HV_INTERRUPT_TYPE_IRQ, &b), b, true);
    CALL("hv_vcpu_set_pending_interrupt",
         hv_vcpu_set_pending_interrupt(id, HV_INTERRUPT_TYPE_IRQ, true));
    b = true;
    CALL_OUT("hv_vcpu_get_trap_debug_exceptions", hv_vcpu_get_trap_debug_exceptions(id, &b), b,
             true);
    CALL("hv_vcpu_set_trap_debug_exceptions", hv_vcpu_set_trap_debug_exceptions(id, true));
    b = true;
    CALL_OUT("hv_vcpu_get_trap_debug_reg_accesses", hv_vcpu_get_trap_debug_reg_accesses(id, &b), b,
             true);
    CALL("hv_vcpu_set_trap_debug_reg_accesses", hv_vcpu_set_trap_debug_reg_accesses(id, true));
    b = true;
    CALL_OUT("hv_vcpu_get_vtimer_mask", hv_vcpu_get_vtimer_mask(id, &b), b, true);
    CALL("hv_vcpu_set_vtimer_mask", hv_vcpu_set_vtimer_mask(id, true));
    u64 = SENTINEL;
    CALL_OUT("hv_vcpu_get_vtimer_offset", hv_vcpu_get_vtimer_offset(id, &u64), u64, SENTINEL);
    CALL("hv_vcpu_set_vtimer_offset", hv_vcpu_set_vtimer_offset(id, 0xbad));
    u64 = SENTINEL;
    CALL_OUT("hv_vcpu_get_exec_time", hv_vcpu_get_exec_time(id, &u64), u64, SENTINEL);
    u64 = SENTINEL;
    CALL_OUT("hvm_vcpu_get_instruction_count", hvm_vcpu_get_instruction_count(id, &u64), u64,
             SENTINEL);
    CALL("hv_vcpu_get_sme_state", hv_vcpu_get_sme_state(id, &sme));
    CALL("hv_vcpu_set_sme_state", hv_vcpu_set_sme_state(id, &sme));
    CALL("hv_vcpu_get_sme_z_reg", hv_vcpu_get_sme_z_reg(id, HV_SME_Z_REG_0, buf, sizeof(buf)));
    CALL("hv_vcpu_set_sme_z_reg", hv_vcpu_set_sme_z_reg(id, HV_SME_Z_REG_0, buf, sizeof(buf)));
    CALL("hv_vcpu_get_sme_p_reg", hv_vcpu_get_sme_p_reg(id, HV_SME_P_REG_0, buf, 8));
    CALL("hv_vcpu_set_sme_p_reg", hv_vcpu_set_sme_p_reg(id, HV_SME_P_REG_0, buf, 8));
    CALL("hv_vcpu_get_sme_za_reg", hv_vcpu_get_sme_za_reg(id, buf, sizeof(buf)));
    CALL("hv_vcpu_set_sme_za_reg", hv_vcpu_set_sme_za_reg(id, buf, sizeof(buf)));
    CALL("hv_vcpu_get_sme_zt0_reg", hv_vcpu_get_sme_zt0_reg(id, &zt0));
    CALL("hv_vcpu_set_sme_zt0_reg", hv_vcpu_set_sme_zt0_reg(id, &zt0));
    b = true;
    CALL_OUT("hv_vcpu_get_serror", hv_vcpu_get_serror(id, &b), b, true);
    CALL("hv_vcpu_set_serror", hv_vcpu_set_serror(id, true));
    u64 = SENTINEL;
    CALL_OUT("hv_vcpu_get_wait_for_interrupt_time", hv_vcpu_get_wait_for_interrupt_time(id, &u64),
             u64, SENTINEL);
    CALL("hv_vcpu_invalidate_tlb", hv_vcpu_invalidate_tlb(id, HV_TLBI_OP_VMALLE1IS, 0));
}

static void job_calls(void *p)
{
    struct calls *cs = p;
    hv_vcpu_exit_t *exit;
    if (cs->own_vcpu)
        cs->own_create = hv_vcpu_create(&cs->own_id, &exit, NULL);
    call_every_owner_only_function(cs);
    if (cs->own_vcpu)
        cs->own_destroy = hv_vcpu_destroy(cs->own_id);
}

static void assert_every_call_returned(const struct calls *cs, hv_return_t expected)
{
    assert_int_equal(cs->n, 34);
    bool ok = true;
    for (unsigned i = 0; i < cs->n; i++) {
        if (cs->c[i].ret != expected || !cs->c[i].out_untouched) {
            print_error("%s returned %s (expected %s)%s\n", cs->c[i].name,
                        hvm_strerror(cs->c[i].ret), hvm_strerror(expected),
                        cs->c[i].out_untouched ? "" : " and wrote its out-parameter");
            ok = false;
        }
    }
    assert_true(ok);
}

/* The owner's view of the state the foreign calls tried to change. */
struct owner_state {
    uint64_t x0, tpidr_el1, vtimer_offset;
    uint8_t q0_0;
    bool irq, trap_exc, trap_reg, vtimer_mask;
};

static void read_owner_state(struct guest *g, struct owner_state *s)
{
    hv_simd_fp_uchar16_t q;
    s->x0 = reg(g, HV_REG_X0);
    s->tpidr_el1 = sysreg(g, HV_SYS_REG_TPIDR_EL1);
    assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, HV_SIMD_FP_REG_Q0, &q), HV_SUCCESS);
    s->q0_0 = q[0];
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, &s->irq),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(g->vcpu, &s->trap_exc), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(g->vcpu, &s->trap_reg), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_mask(g->vcpu, &s->vtimer_mask), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_offset(g->vcpu, &s->vtimer_offset), HV_SUCCESS);
}

static void check_foreign_calls_refused(struct guest *g, bool foreign_owns_a_vcpu)
{
    struct worker w;
    static struct calls cs;
    struct owner_state before, after;

    set_reg(g, HV_REG_X0, 0x1111);
    set_sysreg(g, HV_SYS_REG_TPIDR_EL1, 0x2222);
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    read_owner_state(g, &before);

    memset(&cs, 0, sizeof(cs));
    cs.target = g->vcpu;
    cs.own_vcpu = foreign_owns_a_vcpu;
    worker_start(&w);
    worker_call(&w, job_calls, &cs);
    worker_stop(&w);

    if (foreign_owns_a_vcpu) {
        assert_int_equal(cs.own_create, HV_SUCCESS);
        assert_int_not_equal(cs.own_id, g->vcpu);
        assert_int_equal(cs.own_destroy, HV_SUCCESS);
    }
    assert_every_call_returned(&cs, HV_BAD_ARGUMENT);

    /* Nothing changed, and the vCPU still exists and runs for its owner. */
    read_owner_state(g, &after);
    assert_int_equal(after.x0, 0x1111);
    assert_int_equal(after.tpidr_el1, 0x2222);
    assert_int_equal(after.q0_0, before.q0_0);
    assert_false(after.irq);
    assert_int_equal(after.trap_exc, before.trap_exc);
    assert_int_equal(after.trap_reg, before.trap_reg);
    assert_int_equal(after.vtimer_mask, before.vtimer_mask);
    assert_int_equal(after.vtimer_offset, before.vtimer_offset);
    run_expect_exception(g, ESR_HVC(0x1234));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_AFTER_HVC);
}

static void test_owner_only_calls_from_another_thread_are_bad_argument_hvmodel_choice(void **state)
{
    check_foreign_calls_refused(*state, false);
}

static void test_owner_only_calls_from_a_thread_owning_another_vcpu_are_bad_argument(void **state)
{
    check_foreign_calls_refused(*state, true);
}

static void test_calls_naming_an_unknown_vcpu_id_are_bad_argument(void **state)
{
    struct guest *g = *state;
    static struct calls cs;
    const hv_vcpu_t bogus[] = {1, 63, 64, UINT64_MAX};
    for (unsigned i = 0; i < ARRAY_SIZE(bogus); i++) {
        memset(&cs, 0, sizeof(cs));
        cs.target = bogus[i];
        call_every_owner_only_function(&cs);
        assert_every_call_returned(&cs, HV_BAD_ARGUMENT);
    }
    /* The thread's own vCPU is untouched by all that. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, ESR_HVC(0x1234));
}

static void test_vcpu_calls_without_a_vm_return_no_device_hvmodel_choice(void **state)
{
    (void)state;
    static struct calls cs;
    memset(&cs, 0, sizeof(cs));
    cs.target = 0;
    call_every_owner_only_function(&cs);
    assert_every_call_returned(&cs, HV_NO_DEVICE);
    hv_vcpu_t id = 0;
    assert_int_equal(hv_vcpus_exit(&id, 1), HV_NO_DEVICE);
}

static void test_destroyed_vcpu_id_is_bad_argument(void **state)
{
    (void)state;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    uint64_t v = SENTINEL;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id, &exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_reg(id, HV_REG_X0, &v), HV_BAD_ARGUMENT);
    assert_int_equal(v, SENTINEL);
    assert_int_equal(hv_vcpu_run(id), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_destroy(id), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpus_exit(&id, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_vcpus_exit_with_an_unknown_id_is_bad_argument_and_kicks_none(void **state)
{
    struct guest *g = *state;
    hv_vcpu_t list1[] = {g->vcpu, 5};
    hv_vcpu_t list2[] = {g->vcpu, 64};
    hv_vcpu_t list3[] = {g->vcpu, UINT64_MAX};
    assert_int_equal(hv_vcpus_exit(list1, 2), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpus_exit(list2, 2), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpus_exit(list3, 2), HV_BAD_ARGUMENT);
    /* The valid id listed first was not kicked: the run reaches the HVC. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, ESR_HVC(0x1234));
}

static void test_vcpus_exit_null_list_with_count_is_bad_argument_and_count_0_succeeds(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hv_vcpus_exit(NULL, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpus_exit(NULL, 0), HV_SUCCESS);
    assert_int_equal(hv_vcpus_exit(&g->vcpu, 0), HV_SUCCESS);
    /* None of these kicked the vCPU. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, ESR_HVC(0x1234));
}

/* ------------------------------------------------------------------------- */
/* General-purpose and special registers                                     */
/* ------------------------------------------------------------------------- */

static void test_fresh_vcpu_is_el1h_daif_masked_with_zero_pc_gprs_simd_and_sctlr(void **state)
{
    (void)state;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    uint64_t v;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id, &exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_reg(id, HV_REG_CPSR, &v), HV_SUCCESS);
    assert_int_equal(v, 0x3c5);
    assert_int_equal(hv_vcpu_get_reg(id, HV_REG_PC, &v), HV_SUCCESS);
    assert_int_equal(v, 0);
    for (hv_reg_t r = HV_REG_X0; r <= HV_REG_X30; r++) {
        v = SENTINEL;
        assert_int_equal(hv_vcpu_get_reg(id, r, &v), HV_SUCCESS);
        assert_int_equal(v, 0);
    }
    for (hv_simd_fp_reg_t r = HV_SIMD_FP_REG_Q0; r <= HV_SIMD_FP_REG_Q31; r++) {
        hv_simd_fp_uchar16_t q;
        memset(&q, 0x5e, sizeof(q));
        assert_int_equal(hv_vcpu_get_simd_fp_reg(id, r, &q), HV_SUCCESS);
        for (int i = 0; i < 16; i++)
            assert_int_equal(q[i], 0);
    }
    v = SENTINEL;
    assert_int_equal(hv_vcpu_get_sys_reg(id, HV_SYS_REG_SCTLR_EL1, &v), HV_SUCCESS);
    assert_int_equal(v, 0);
    bool b = true;
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(id, &b), HV_SUCCESS);
    assert_false(b);
    b = true;
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(id, &b), HV_SUCCESS);
    assert_false(b);
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static uint64_t gpr_pattern(unsigned n)
{
    return 0x0123456789abcdefull ^ (0x1111111111111111ull * n);
}

static void test_every_gpr_pc_fpcr_fpsr_and_cpsr_round_trips(void **state)
{
    struct guest *g = *state;
    for (hv_reg_t r = HV_REG_X0; r <= HV_REG_X30; r++)
        set_reg(g, r, gpr_pattern(r));
    set_reg(g, HV_REG_PC, 0xffff000000012340ull);
    /* FPCR: AHP, DN, FZ, RMode = 3 (bits 26:22). FPSR: QC, IDC, IXC..IOC. */
    set_reg(g, HV_REG_FPCR, 0x07c00000);
    set_reg(g, HV_REG_FPSR, 0x0800009f);
    set_reg(g, HV_REG_CPSR, 0x600003c4);
    for (hv_reg_t r = HV_REG_X0; r <= HV_REG_X30; r++)
        assert_int_equal(reg(g, r), gpr_pattern(r));
    assert_int_equal(reg(g, HV_REG_FP), gpr_pattern(29));
    assert_int_equal(reg(g, HV_REG_LR), gpr_pattern(30));
    assert_int_equal(reg(g, HV_REG_PC), 0xffff000000012340ull);
    assert_int_equal(reg(g, HV_REG_FPCR), 0x07c00000);
    assert_int_equal(reg(g, HV_REG_FPSR), 0x0800009f);
    assert_int_equal(reg(g, HV_REG_CPSR), 0x600003c4);
}

static void test_cpsr_accepts_el0t_el1t_el1h_with_flags_and_daif(void **state)
{
    struct guest *g = *state;
    const uint64_t ok[] = {0x3c5, 0x3c4, 0x3c0, 0x5, 0x4, 0x0, 0xf00003c5, 0x90000145};
    for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
        set_reg(g, HV_REG_CPSR, ok[i]);
        assert_int_equal(reg(g, HV_REG_CPSR), ok[i]);
    }
}

static void
test_cpsr_refuses_aarch32_el2_el3_reserved_modes_and_high_bits_hvmodel_choice(void **state)
{
    struct guest *g = *state;
    const uint64_t bad[] = {
        0x3d0,                /* AArch32 User (M[4] = 1) */
        0x3d3,                /* AArch32 Supervisor */
        0x3d5,                /* M[4] set over EL1h */
        0x3c8,                /* EL2t */
        0x3c9,                /* EL2h */
        0x3cc,                /* EL3t */
        0x3cd,                /* EL3h */
        0x3c1,                /* M = 0b0001: reserved (EL0 has no SP_ELx) */
        0x3c2,                /* reserved */
        0x3c3,                /* reserved */
        0x1000003c5ull,       /* bit 32 */
        0x80000000000003c5ull /* bit 63 */
    };
    set_reg(g, HV_REG_CPSR, 0x600003c5);
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        if (hv_vcpu_set_reg(g->vcpu, HV_REG_CPSR, bad[i]) != HV_BAD_ARGUMENT) {
            print_error("CPSR 0x%llx was accepted\n", (unsigned long long)bad[i]);
            fail();
        }
        assert_int_equal(reg(g, HV_REG_CPSR), 0x600003c5);
    }
}

static void test_reg_id_35_and_beyond_and_null_out_pointer_are_bad_argument(void **state)
{
    struct guest *g = *state;
    const hv_reg_t bad[] = {35, 36, 64, 0x7fffffff, 0xffffffff};
    set_reg(g, HV_REG_X0, 0x42);
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(hv_vcpu_get_reg(g->vcpu, bad[i], &v), HV_BAD_ARGUMENT);
        assert_int_equal(v, SENTINEL);
        assert_int_equal(hv_vcpu_set_reg(g->vcpu, bad[i], 0), HV_BAD_ARGUMENT);
    }
    for (hv_reg_t r = HV_REG_X0; r <= HV_REG_CPSR; r++)
        assert_int_equal(hv_vcpu_get_reg(g->vcpu, r, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(reg(g, HV_REG_X0), 0x42);
}

/* ------------------------------------------------------------------------- */
/* SIMD and floating-point registers                                         */
/* ------------------------------------------------------------------------- */

static uint8_t simd_byte(unsigned r, unsigned i)
{
    return (uint8_t)(r * 16 + i) ^ 0xa5;
}

static hv_simd_fp_uchar16_t simd_pattern(unsigned r)
{
    hv_simd_fp_uchar16_t q;
    for (unsigned i = 0; i < 16; i++)
        q[i] = simd_byte(r, i);
    return q;
}

#define SIMD_BUF 0x200000u

static void enable_fp(struct guest *g)
{
    /* CPACR_EL1.FPEN = 0b11: FP/SIMD does not trap at EL1 or EL0. */
    set_sysreg(g, HV_SYS_REG_CPACR_EL1, 3ull << 20);
}

static void test_simd_q0_to_q31_round_trip(void **state)
{
    struct guest *g = *state;
    for (hv_simd_fp_reg_t r = HV_SIMD_FP_REG_Q0; r <= HV_SIMD_FP_REG_Q31; r++)
        assert_int_equal(hv_vcpu_set_simd_fp_reg(g->vcpu, r, simd_pattern(r)), HV_SUCCESS);
    for (hv_simd_fp_reg_t r = HV_SIMD_FP_REG_Q0; r <= HV_SIMD_FP_REG_Q31; r++) {
        hv_simd_fp_uchar16_t q;
        assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, r, &q), HV_SUCCESS);
        for (unsigned i = 0; i < 16; i++)
            assert_int_equal(q[i], simd_byte(r, i));
    }
}

static void test_simd_vector_byte_i_is_memory_byte_i_of_a_guest_str_q(void **state)
{
    struct guest *g = *state;
    enable_fp(g);
    for (hv_simd_fp_reg_t r = HV_SIMD_FP_REG_Q0; r <= HV_SIMD_FP_REG_Q31; r++)
        assert_int_equal(hv_vcpu_set_simd_fp_reg(g->vcpu, r, simd_pattern(r)), HV_SUCCESS);
    memset(g->ram + SIMD_BUF, 0, 512);
    set_reg(g, HV_REG_X0, SIMD_BUF);
    set_reg(g, HV_REG_PC, GUEST_REGS_STORE_Q);
    run_expect_exception(g, ESR_HVC(0));
    for (unsigned r = 0; r < 32; r++)
        for (unsigned i = 0; i < 16; i++)
            assert_int_equal(g->ram[SIMD_BUF + 16 * r + i], simd_byte(r, i));
}

static void test_simd_guest_ldr_q_is_read_back_in_memory_byte_order(void **state)
{
    struct guest *g = *state;
    enable_fp(g);
    for (unsigned r = 0; r < 32; r++)
        for (unsigned i = 0; i < 16; i++)
            g->ram[SIMD_BUF + 16 * r + i] = (uint8_t)~simd_byte(r, i);
    set_reg(g, HV_REG_X0, SIMD_BUF);
    set_reg(g, HV_REG_PC, GUEST_REGS_LOAD_Q);
    run_expect_exception(g, ESR_HVC(0));
    for (hv_simd_fp_reg_t r = HV_SIMD_FP_REG_Q0; r <= HV_SIMD_FP_REG_Q31; r++) {
        hv_simd_fp_uchar16_t q;
        assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, r, &q), HV_SUCCESS);
        for (unsigned i = 0; i < 16; i++)
            assert_int_equal(q[i], (uint8_t)~simd_byte(r, i));
    }
}

static void test_simd_reg_32_and_null_out_pointer_are_bad_argument(void **state)
{
    struct guest *g = *state;
    const hv_simd_fp_reg_t bad[] = {32, 33, 0xffffffff};
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        hv_simd_fp_uchar16_t q;
        memset(&q, 0x5e, sizeof(q));
        assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, bad[i], &q), HV_BAD_ARGUMENT);
        assert_int_equal(q[0], 0x5e);
        assert_int_equal(hv_vcpu_set_simd_fp_reg(g->vcpu, bad[i], simd_pattern(0)),
                         HV_BAD_ARGUMENT);
    }
    assert_int_equal(hv_vcpu_get_simd_fp_reg(g->vcpu, HV_SIMD_FP_REG_Q0, NULL), HV_BAD_ARGUMENT);
}

/* ------------------------------------------------------------------------- */
/* System registers                                                          */
/* ------------------------------------------------------------------------- */

struct sysreg_case {
    const char *name;
    hv_sys_reg_t reg;
    uint64_t write;
    uint64_t expect;
};

/* clang-format off */
#define SR_MASK(r, w, e) {#r, HV_SYS_REG_##r, (w), (e)}
#define SR(r, w)         SR_MASK(r, w, w)
/* clang-format on */

/* Debug banks n = 0..15: architecturally valid values (DBGxVR 4-byte aligned
 * addresses below 2^48; DBGBCR with E = 0, PMC = 3, BAS = 0xf; DBGWCR with
 * E = 0, PAC = 3, LSC = 3, BAS = 0xff), the LBN field varied per n. */
#define DBG_CASES(n)                                                                               \
    SR(DBGBVR##n##_EL1, 0x0000123456780000ull | (n) << 4),                                         \
        SR(DBGBCR##n##_EL1, 0x1e6ull | (uint64_t)(n) << 16),                                       \
        SR(DBGWVR##n##_EL1, 0x0000234567890000ull | (n) << 4),                                     \
        SR(DBGWCR##n##_EL1, 0x1ffeull | (uint64_t)(n) << 16)

/* TCR_EL1: T0SZ = T1SZ = 25, inner/outer WB, inner shareable, TG0 4K, TG1 4K,
 * IPS 36 bits, TBI0. */
#define TCR_PATTERN                                                                                \
    (25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 | 25ull << 16 | 1ull << 24 | 1ull << 26 |         \
     3ull << 28 | 2ull << 30 | 1ull << 32 | 1ull << 37)

/* SCTLR_EL1: RES1 bits 29, 28, 23, 22, 20, 11, plus C, SA, SA0, I, DZE, UCT
 * (M stays 0: nothing runs here). */
#define SCTLR_PATTERN (0x30d00800ull | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 12 | 1u << 14 | 1u << 15)

static const struct sysreg_case sysreg_cases[] = {
    /* clang-format off */
    DBG_CASES(0), DBG_CASES(1), DBG_CASES(2), DBG_CASES(3), DBG_CASES(4), DBG_CASES(5),
    DBG_CASES(6), DBG_CASES(7), DBG_CASES(8), DBG_CASES(9), DBG_CASES(10), DBG_CASES(11),
    DBG_CASES(12), DBG_CASES(13), DBG_CASES(14), DBG_CASES(15),
    /* clang-format on */
    /* MDCCINT_EL1: see test_mdccint_el1_round_trips_without_killing_the_process. */
    SR(MDSCR_EL1, 0xb000), /* MDE, KDE, TDCC */
    SR(MIDR_EL1, 0x610f0220),
    SR(MPIDR_EL1, 0x80000103),
    SR(ID_AA64PFR0_EL1, 0x0000000001000011ull),
    SR(ID_AA64PFR1_EL1, 0x0000000000000020ull),
    SR(ID_AA64ZFR0_EL1, 0x0000000000000000ull),
    SR(ID_AA64SMFR0_EL1, 0x0000000000000000ull),
    SR(ID_AA64DFR0_EL1, 0x0000000010305106ull),
    SR(ID_AA64DFR1_EL1, 0x0000000000000000ull),
    SR(ID_AA64ISAR0_EL1, 0x0000100110211120ull),
    SR(ID_AA64ISAR1_EL1, 0x0000000000100001ull),
    SR(ID_AA64MMFR0_EL1, 0x00000000000f1122ull),
    SR(ID_AA64MMFR1_EL1, 0x0000000011212100ull),
    SR(ID_AA64MMFR2_EL1, 0x0000000000001011ull),
    SR(SCTLR_EL1, SCTLR_PATTERN),
    SR_MASK(ACTLR_EL1, ~0ull, 0x2), /* only EnTSO (bit 1) is accessible */
    SR(CPACR_EL1, 0x10300000),      /* TTA, FPEN = 3 */
    SR(TTBR0_EL1, 0x00ab000012345000ull),
    SR(TTBR1_EL1, 0x00cd000023456000ull),
    SR(TCR_EL1, TCR_PATTERN),
    SR(APIAKEYLO_EL1, 0x1000000000000001ull),
    SR(APIAKEYHI_EL1, 0x2000000000000002ull),
    SR(APIBKEYLO_EL1, 0x3000000000000003ull),
    SR(APIBKEYHI_EL1, 0x4000000000000004ull),
    SR(APDAKEYLO_EL1, 0x5000000000000005ull),
    SR(APDAKEYHI_EL1, 0x6000000000000006ull),
    SR(APDBKEYLO_EL1, 0x7000000000000007ull),
    SR(APDBKEYHI_EL1, 0x8000000000000008ull),
    SR(APGAKEYLO_EL1, 0x9000000000000009ull),
    SR(APGAKEYHI_EL1, 0xa00000000000000aull),
    SR(SPSR_EL1, 0xf00003c4),
    SR(ELR_EL1, 0xffff000000012344ull),
    SR(SP_EL0, 0x0000000000345670ull),
    SR(ESR_EL1, 0x96000045),
    SR(FAR_EL1, 0x0000deadbeef0123ull),
    SR(PAR_EL1, 0xff00000012345980ull), /* F = 0: ATTR, PA, RES1 bit 11, SH */
    SR(MAIR_EL1, 0xff08bb00040c44ffull),
    SR(VBAR_EL1, 0xffff000000012800ull),
    SR(CONTEXTIDR_EL1, 0x12345678),
    SR(TPIDR_EL1, 0x1111222233334444ull),
    SR(SCXTNUM_EL1, 0x5555666677778888ull),
    SR(CNTKCTL_EL1, 0x3ff),
    SR(CSSELR_EL1, 0x2), /* level 2, data or unified: the engine CPU has an L2 */
    SR(TPIDR_EL0, 0x99990000aaaabbbbull),
    SR(TPIDRRO_EL0, 0xccccddddeeeeffffull),
    SR(SCXTNUM_EL0, 0x0102030405060708ull),
    SR(CNTV_CVAL_EL0, 0x123456789abcdef0ull),
    SR(SP_EL1, 0x00000000003e0000ull),
};

static void test_every_accessible_sys_reg_round_trips(void **state)
{
    struct guest *g = *state;
    for (unsigned i = 0; i < ARRAY_SIZE(sysreg_cases); i++) {
        hv_return_t r = hv_vcpu_set_sys_reg(g->vcpu, sysreg_cases[i].reg, sysreg_cases[i].write);
        if (r != HV_SUCCESS) {
            print_error("set %s: %s\n", sysreg_cases[i].name, hvm_strerror(r));
            fail();
        }
    }
    /* Read everything only after writing everything, so two registers that
     * share storage would show. */
    bool ok = true;
    for (unsigned i = 0; i < ARRAY_SIZE(sysreg_cases); i++) {
        uint64_t v = SENTINEL;
        hv_return_t r = hv_vcpu_get_sys_reg(g->vcpu, sysreg_cases[i].reg, &v);
        if (r != HV_SUCCESS || v != sysreg_cases[i].expect) {
            print_error("%s (0x%04x): %s, read 0x%llx, expected 0x%llx\n", sysreg_cases[i].name,
                        sysreg_cases[i].reg, hvm_strerror(r), (unsigned long long)v,
                        (unsigned long long)sysreg_cases[i].expect);
            ok = false;
        }
    }
    assert_true(ok);
}

/* AFSR0_EL1, AFSR1_EL1 and AMAIR_EL1 have IMPLEMENTATION DEFINED contents:
 * a CPU may keep what is written or implement them as RES0 (the engine's
 * Cortex-A72 does the latter). Either way the calls succeed and a read gives
 * the written value or 0, never anything else. */
static void test_implementation_defined_afsr_amair_read_as_written_or_res0(void **state)
{
    struct guest *g = *state;
    const hv_sys_reg_t regs[] = {HV_SYS_REG_AFSR0_EL1, HV_SYS_REG_AFSR1_EL1, HV_SYS_REG_AMAIR_EL1};
    for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
        const uint64_t pattern = 0x5a5a0000u + i;
        set_sysreg(g, regs[i], pattern);
        uint64_t v = sysreg(g, regs[i]);
        assert_true(v == pattern || v == 0);
    }
}

/* MDCCINT_EL1 keeps RX (bit 30) and TX (bit 29). The access runs in a child
 * process: a model that crashes on it must fail this test, not end the whole
 * run. */
static void test_mdccint_el1_round_trips_without_killing_the_process(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        hv_vcpu_t id;
        hv_vcpu_exit_t *exit;
        uint64_t v = 0;
        if (hv_vm_create(NULL) != HV_SUCCESS || hv_vcpu_create(&id, &exit, NULL) != HV_SUCCESS)
            _exit(10);
        if (hv_vcpu_set_sys_reg(id, HV_SYS_REG_MDCCINT_EL1, 0x60000000) != HV_SUCCESS)
            _exit(11);
        if (hv_vcpu_get_sys_reg(id, HV_SYS_REG_MDCCINT_EL1, &v) != HV_SUCCESS)
            _exit(12);
        _exit(v == 0x60000000 ? 0 : 13);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        print_error("MDCCINT_EL1 set/get killed the process with signal %d\n", WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_actlr_el1_keeps_only_entso(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_ACTLR_EL1, 0x2);
    assert_int_equal(sysreg(g, HV_SYS_REG_ACTLR_EL1), 0x2);
    set_sysreg(g, HV_SYS_REG_ACTLR_EL1, ~0x2ull);
    assert_int_equal(sysreg(g, HV_SYS_REG_ACTLR_EL1), 0);
}

static void test_cntv_ctl_keeps_enable_imask_and_computes_istatus(void **state)
{
    struct guest *g = *state;
    /* A compare value never reached: ISTATUS reads 0 whatever was written. */
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, UINT64_MAX);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, 0xffffffffffffffffull);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0x3);
    /* CVAL 0 is always reached: with ENABLE, ISTATUS (bit 2) reads 1, also
     * while IMASK hides the interrupt. */
    set_sysreg(g, HV_SYS_REG_CNTV_CVAL_EL0, 0);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0x7);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, 0x1);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0x5);
    /* Without ENABLE, ISTATUS is 0 (Arm ARM D11.2.4). */
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, 0x6);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0x2);
    set_sysreg(g, HV_SYS_REG_CNTV_CTL_EL0, 0);
    assert_int_equal(sysreg(g, HV_SYS_REG_CNTV_CTL_EL0), 0);
}

/* clang-format off */
#define NO(r) {#r, HV_SYS_REG_##r}
/* clang-format on */

static const struct {
    const char *name;
    hv_sys_reg_t reg;
} refused_sysregs[] = {
    NO(SMPRI_EL1),     NO(SMCR_EL1),    NO(TPIDR2_EL0),    NO(CNTP_CTL_EL0),   NO(CNTP_CVAL_EL0),
    NO(CNTP_TVAL_EL0), NO(CNTHCTL_EL2), NO(CNTHP_CTL_EL2), NO(CNTHP_CVAL_EL2), NO(CNTHP_TVAL_EL2),
    NO(CNTVOFF_EL2),   NO(CPTR_EL2),    NO(ELR_EL2),       NO(ESR_EL2),        NO(FAR_EL2),
    NO(HCR_EL2),       NO(HPFAR_EL2),   NO(MAIR_EL2),      NO(MDCR_EL2),       NO(SCTLR_EL2),
    NO(SPSR_EL2),      NO(SP_EL2),      NO(TCR_EL2),       NO(TPIDR_EL2),      NO(TTBR0_EL2),
    NO(TTBR1_EL2),     NO(VBAR_EL2),    NO(VMPIDR_EL2),    NO(VPIDR_EL2),      NO(VTCR_EL2),
    NO(VTTBR_EL2),
#undef NO
};

static void test_el2_cntp_and_sme_sys_regs_are_bad_argument_hvmodel_choice(void **state)
{
    struct guest *g = *state;
    bool ok = true;
    for (unsigned i = 0; i < ARRAY_SIZE(refused_sysregs); i++) {
        uint64_t v = SENTINEL;
        hv_return_t rg = hv_vcpu_get_sys_reg(g->vcpu, refused_sysregs[i].reg, &v);
        hv_return_t rs = hv_vcpu_set_sys_reg(g->vcpu, refused_sysregs[i].reg, 0x1);
        if (rg != HV_BAD_ARGUMENT || rs != HV_BAD_ARGUMENT || v != SENTINEL) {
            print_error("%s: get %s, set %s\n", refused_sysregs[i].name, hvm_strerror(rg),
                        hvm_strerror(rs));
            ok = false;
        }
    }
    assert_true(ok);
}

static void test_unknown_sys_reg_encodings_and_null_out_pointer_are_bad_argument(void **state)
{
    struct guest *g = *state;
    const hv_sys_reg_t bad[] = {
        0x1234, /* arbitrary */
        0x0000, /* op0 = 0 */
        0xffff, /* op0 = 3, op1 = 7, CRn = 15 */
        0xdf00, /* CNTFRQ_EL0: not in hv_sys_reg_t */
        0xdf02, /* CNTVCT_EL0 */
        0xc090, /* ZCR_EL1 */
        0xdce0, /* PMCR_EL0 */
        0x8084, /* DBGBVR16: no such bank */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(hv_vcpu_get_sys_reg(g->vcpu, bad[i], &v), HV_BAD_ARGUMENT);
        assert_int_equal(v, SENTINEL);
        assert_int_equal(hv_vcpu_set_sys_reg(g->vcpu, bad[i], 0), HV_BAD_ARGUMENT);
    }
    assert_int_equal(hv_vcpu_get_sys_reg(g->vcpu, HV_SYS_REG_TPIDR_EL1, NULL), HV_BAD_ARGUMENT);
}

/* ------------------------------------------------------------------------- */
/* Registers drive the guest                                                 */
/* ------------------------------------------------------------------------- */

/* Runs to the vector's report and checks it: x0 = UCALL_VECTOR, x1 = offset,
 * ESR, ELR and SPSR as the exception entry wrote them. */
static void expect_vector_report(struct guest *g, uint64_t offset, uint64_t esr, uint64_t elr,
                                 uint64_t spsr)
{
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_VECTOR);
    assert_int_equal(reg(g, HV_REG_X1), offset);
    assert_int_equal(reg(g, HV_REG_X2), esr);
    assert_int_equal(reg(g, HV_REG_X4), elr);
    assert_int_equal(reg(g, HV_REG_X5), spsr);
    /* The report's HVC is the 7th instruction of the vector. */
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_VECTORS + offset + 7 * 4);
}

static void test_svc_lands_at_vmm_set_vbar_and_eret_returns_after_it_el1h(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_VBAR_EL1, GUEST_BASICS_VECTORS);
    set_reg(g, HV_REG_CPSR, 0x5); /* EL1h, DAIF clear */
    set_reg(g, HV_REG_PC, GUEST_BASICS_SVC_SITE);
    /* Current EL with SP_ELx, synchronous: VBAR + 0x200. */
    expect_vector_report(g, 0x200, ESR_SVC(0x55), GUEST_BASICS_AFTER_SVC, 0x5);
    /* Entry masked DAIF and stayed in EL1h. */
    assert_int_equal(reg(g, HV_REG_CPSR) & 0x3ff, 0x3c5);
    /* The VMM reads the same state through the system registers. */
    assert_int_equal(sysreg(g, HV_SYS_REG_ESR_EL1), ESR_SVC(0x55));
    assert_int_equal(sysreg(g, HV_SYS_REG_ELR_EL1), GUEST_BASICS_AFTER_SVC);
    assert_int_equal(sysreg(g, HV_SYS_REG_SPSR_EL1), 0x5);
    /* The vector's ERET goes back to after_svc, whose HVC exits. */
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_AFTER_SVC + 4);
    assert_int_equal(reg(g, HV_REG_CPSR), 0x5);
}

static void test_svc_from_el1t_uses_the_sp_el0_vector_and_saves_flags_in_spsr(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_VBAR_EL1, GUEST_BASICS_VECTORS);
    set_reg(g, HV_REG_CPSR, 0x600003c4); /* EL1t, Z and C set */
    set_reg(g, HV_REG_PC, GUEST_BASICS_SVC_SITE);
    /* Current EL with SP_EL0, synchronous: VBAR + 0x000. */
    expect_vector_report(g, 0x000, ESR_SVC(0x55), GUEST_BASICS_AFTER_SVC, 0x600003c4);
    assert_int_equal(reg(g, HV_REG_CPSR) & 0x3ff, 0x3c5);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_AFTER_SVC + 4);
    assert_int_equal(reg(g, HV_REG_CPSR), 0x600003c4);
}

#define SP0_VALUE 0x0000000000281230ull
#define SP1_VALUE 0x00000000003c4560ull

static void test_cpsr_m_selects_sp_el0_or_sp_el1_for_the_guest(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_SP_EL0, SP0_VALUE);
    set_sysreg(g, HV_SYS_REG_SP_EL1, SP1_VALUE);

    set_reg(g, HV_REG_CPSR, 0x3c5); /* EL1h: SP_EL1 */
    set_reg(g, HV_REG_PC, GUEST_REGS_READ_SP);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), SP1_VALUE);

    set_reg(g, HV_REG_CPSR, 0x3c4); /* EL1t: SP_EL0 */
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), SP0_VALUE);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL1), SP1_VALUE);
    set_reg(g, HV_REG_PC, GUEST_REGS_READ_SP);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), SP0_VALUE);
}

static void test_guest_sp_update_lands_in_the_selected_bank_only(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_SP_EL0, SP0_VALUE);
    set_sysreg(g, HV_SYS_REG_SP_EL1, SP1_VALUE);

    set_reg(g, HV_REG_CPSR, 0x3c4);
    set_reg(g, HV_REG_PC, GUEST_REGS_BUMP_SP);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), SP0_VALUE + 16);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL1), SP1_VALUE);

    set_reg(g, HV_REG_CPSR, 0x3c5);
    set_reg(g, HV_REG_PC, GUEST_REGS_BUMP_SP);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL0), SP0_VALUE + 16);
    assert_int_equal(sysreg(g, HV_SYS_REG_SP_EL1), SP1_VALUE + 16);
}

static void test_guest_mrs_reads_vmm_set_tpidr_registers(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_TPIDR_EL0, 0x1010202030304040ull);
    set_sysreg(g, HV_SYS_REG_TPIDRRO_EL0, 0x5050606070708080ull);
    set_sysreg(g, HV_SYS_REG_TPIDR_EL1, 0x90900a0ab0b0c0c0ull);
    set_reg(g, HV_REG_PC, GUEST_REGS_READ_TPIDR);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0x1010202030304040ull);
    assert_int_equal(reg(g, HV_REG_X2), 0x5050606070708080ull);
    assert_int_equal(reg(g, HV_REG_X3), 0x90900a0ab0b0c0c0ull);
}

static void test_guest_msr_tpidr_el1_is_read_back_by_the_vmm(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_TPIDR_EL1, 0);
    set_reg(g, HV_REG_X0, 0xfedcba9876543210ull);
    set_reg(g, HV_REG_PC, GUEST_REGS_WRITE_TPIDR_EL1);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(sysreg(g, HV_SYS_REG_TPIDR_EL1), 0xfedcba9876543210ull);
}

static void test_guest_eret_uses_vmm_set_elr_and_spsr(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_SP_EL0, SP0_VALUE);
    set_sysreg(g, HV_SYS_REG_ELR_EL1, GUEST_REGS_ERET_TARGET);
    set_sysreg(g, HV_SYS_REG_SPSR_EL1, 0x600003c4); /* EL1t, Z and C */
    set_reg(g, HV_REG_CPSR, 0x3c5);
    set_reg(g, HV_REG_PC, GUEST_REGS_ERET_SITE);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_REGS_AFTER_ERET_TARGET);
    assert_int_equal(reg(g, HV_REG_CPSR), 0x600003c4);
    assert_int_equal(reg(g, HV_REG_X1), 0x60000000); /* NZCV as SPSR restored them */
    assert_int_equal(reg(g, HV_REG_X2), SP0_VALUE);  /* EL1t runs on SP_EL0 */
}

static void test_guest_mrs_reads_vmm_set_midr_mpidr_and_every_id_aa64_register(void **state)
{
    struct guest *g = *state;
    static const struct {
        hv_sys_reg_t reg;
        hv_reg_t x;
        uint64_t value;
    } ids[] = {
        {HV_SYS_REG_MIDR_EL1, HV_REG_X1, 0x611f0221},
        {HV_SYS_REG_MPIDR_EL1, HV_REG_X2, 0x80010203},
        {HV_SYS_REG_ID_AA64PFR0_EL1, HV_REG_X3, 0x1100000011111011ull},
        {HV_SYS_REG_ID_AA64PFR1_EL1, HV_REG_X4, 0x0000000000000021ull},
        {HV_SYS_REG_ID_AA64ZFR0_EL1, HV_REG_X5, 0x0000000000000000ull},
        {HV_SYS_REG_ID_AA64SMFR0_EL1, HV_REG_X6, 0x0000000000000000ull},
        {HV_SYS_REG_ID_AA64DFR0_EL1, HV_REG_X7, 0x0000000010305106ull},
        {HV_SYS_REG_ID_AA64DFR1_EL1, HV_REG_X8, 0x0000000000000000ull},
        {HV_SYS_REG_ID_AA64ISAR0_EL1, HV_REG_X9, 0x0221100110212120ull},
        {HV_SYS_REG_ID_AA64ISAR1_EL1, HV_REG_X10, 0x0000000000100001ull},
        {HV_SYS_REG_ID_AA64MMFR0_EL1, HV_REG_X11, 0x00000000000f0101ull},
        {HV_SYS_REG_ID_AA64MMFR1_EL1, HV_REG_X12, 0x0000000011212100ull},
        {HV_SYS_REG_ID_AA64MMFR2_EL1, HV_REG_X13, 0x0000000000001011ull},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
        set_sysreg(g, ids[i].reg, ids[i].value);
    set_reg(g, HV_REG_PC, GUEST_REGS_READ_IDS);
    run_expect_exception(g, ESR_HVC(0));
    for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
        assert_int_equal(reg(g, ids[i].x), ids[i].value);
}

/* Identity page tables in guest RAM, 4 KiB granule, 39-bit VA (T0SZ 25,
 * walks start at level 1):
 *   L1[0] -> L2 (VA 0..1 GiB): L2[0] -> L3 (4 KiB pages over 0..2 MiB, the
 *            code at 0x10000), L2[1] = 2 MiB block at PA 0x200000;
 *   L1[1] -> L2' (VA 1..2 GiB): L2'[0] = 2 MiB block at PA 0x200000, so VA
 *            0x40000000 aliases PA 0x200000. */
#define PT_L1       0x300000u
#define PT_L2       0x301000u
#define PT_L3       0x302000u
#define PT_L2_ALIAS 0x303000u
#define DESC_TABLE  0x3ull
#define DESC_BLOCK  0x1ull
#define DESC_PAGE   0x3ull
#define DESC_AF     (1ull << 10)
#define DESC_ISH    (3ull << 8) /* AttrIndx 0, AP 00 (EL1 RW), executable */
#define ALIAS_VA    0x40000000ull
#define ALIAS_PA    0x200000u

static void put_desc(struct guest *g, uint64_t table, unsigned index, uint64_t desc)
{
    for (unsigned i = 0; i < 8; i++)
        g->ram[table + 8 * index + i] = (uint8_t)(desc >> (8 * i));
}

static void put_u64(struct guest *g, uint64_t pa, uint64_t val)
{
    for (unsigned i = 0; i < 8; i++)
        g->ram[pa + i] = (uint8_t)(val >> (8 * i));
}

static uint64_t get_u64(struct guest *g, uint64_t pa)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | g->ram[pa + (unsigned)i];
    return v;
}

static void build_page_tables(struct guest *g)
{
    memset(g->ram + PT_L1, 0, 0x4000);
    put_desc(g, PT_L1, 0, PT_L2 | DESC_TABLE);
    put_desc(g, PT_L1, 1, PT_L2_ALIAS | DESC_TABLE);
    put_desc(g, PT_L2, 0, PT_L3 | DESC_TABLE);
    put_desc(g, PT_L2, 1, 0x200000 | DESC_AF | DESC_ISH | DESC_BLOCK);
    for (unsigned i = 0; i < 512; i++)
        put_desc(g, PT_L3, i, (uint64_t)i << 12 | DESC_AF | DESC_ISH | DESC_PAGE);
    put_desc(g, PT_L2_ALIAS, 0, ALIAS_PA | DESC_AF | DESC_ISH | DESC_BLOCK);
}

static void enable_mmu(struct guest *g)
{
    set_sysreg(g, HV_SYS_REG_MAIR_EL1, 0xff); /* Attr0: normal, write-back */
    /* T0SZ 25, IRGN0/ORGN0 0, TG0 4 KiB, EPD1 (no TTBR1 walks), IPS 36 bits. */
    set_sysreg(g, HV_SYS_REG_TCR_EL1, 25ull | 1ull << 23 | 1ull << 32);
    set_sysreg(g, HV_SYS_REG_TTBR0_EL1, PT_L1);
    set_sysreg(g, HV_SYS_REG_SCTLR_EL1, 0x30d00800ull | 1); /* RES1 bits + M */
}

static void test_guest_runs_through_vmm_built_page_tables_and_alias_va(void **state)
{
    struct guest *g = *state;
    build_page_tables(g);
    put_u64(g, ALIAS_PA + 0x40, 0x1122334455667788ull);
    put_u64(g, ALIAS_PA + 0x48, 0);
    enable_mmu(g);
    assert_int_equal(sysreg(g, HV_SYS_REG_SCTLR_EL1), 0x30d00801ull);

    /* Load and store through the alias VA, which has no IPA of its own. */
    set_reg(g, HV_REG_X0, ALIAS_VA + 0x40);
    set_reg(g, HV_REG_X2, 0xfeedfacecafef00dull);
    set_reg(g, HV_REG_PC, GUEST_REGS_LOAD_STORE);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0x1122334455667788ull);
    assert_int_equal(get_u64(g, ALIAS_PA + 0x48), 0xfeedfacecafef00dull);

    /* The identity block maps the same bytes at VA = PA. */
    set_reg(g, HV_REG_X0, ALIAS_PA + 0x48);
    set_reg(g, HV_REG_X2, 0);
    set_reg(g, HV_REG_PC, GUEST_REGS_LOAD_STORE);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0xfeedfacecafef00dull);
}

static void test_enabling_the_mmu_after_a_flat_run_translates_the_next_run(void **state)
{
    struct guest *g = *state;
    build_page_tables(g);
    put_u64(g, ALIAS_PA + 0x40, 0x0badc0ffee0ddf00ull);

    /* MMU off: VA 0x40000040 is IPA 0x40000040, outside RAM, so the load is a
     * stage-2 data abort: EC 0x24, ISV, SAS 3, SRT 1, SF, read, translation
     * fault at some level. */
    set_reg(g, HV_REG_X0, ALIAS_VA + 0x40);
    set_reg(g, HV_REG_PC, GUEST_REGS_LOAD_STORE);
    assert_int_equal(run(g), HV_EXIT_REASON_EXCEPTION);
    uint64_t esr = g->exit->exception.syndrome;
    assert_int_equal(esr & ~0x3full, 0x93c18000ull);
    assert_in_range(esr & 0x3f, 0x04, 0x07);
    assert_int_equal(g->exit->exception.physical_address, ALIAS_VA + 0x40);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_REGS_LOAD_STORE);

    /* The VMM turns the MMU on; the same load now goes through the tables. */
    enable_mmu(g);
    set_reg(g, HV_REG_X2, 0);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X1), 0x0badc0ffee0ddf00ull);
}

/* ------------------------------------------------------------------------- */
/* Exec time, instruction count                                              */
/* ------------------------------------------------------------------------- */

static void test_exec_time_is_retired_instructions_over_insns_per_tick(void **state)
{
    struct guest *g = *state;
    uint64_t t = SENTINEL, n = SENTINEL;
    assert_int_equal(hv_vcpu_get_exec_time(g->vcpu, &t), HV_SUCCESS);
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &n), HV_SUCCESS);
    assert_int_equal(t, 0);
    assert_int_equal(n, 0);

    /* 1000 iterations of 4 instructions, then the HVC: 4001. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_COUNT_LOOP);
    set_reg(g, HV_REG_X0, 1000);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &n), HV_SUCCESS);
    assert_int_equal(n, 4001);
    assert_int_equal(hv_vcpu_get_exec_time(g->vcpu, &t), HV_SUCCESS);
    assert_int_equal(t, 4001 / HVM_DEFAULT_INSNS_PER_TICK);

    /* It accumulates: another 40001 instructions. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_COUNT_LOOP);
    set_reg(g, HV_REG_X0, 10000);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &n), HV_SUCCESS);
    assert_int_equal(n, 44002);
    assert_int_equal(hv_vcpu_get_exec_time(g->vcpu, &t), HV_SUCCESS);
    assert_int_equal(t, 44002 / HVM_DEFAULT_INSNS_PER_TICK);
}

static void test_exec_time_and_instruction_count_null_pointer_is_bad_argument(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hv_vcpu_get_exec_time(g->vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, NULL), HV_BAD_ARGUMENT);
}

/* ------------------------------------------------------------------------- */
/* Pending interrupts, debug traps, vtimer settings                          */
/* ------------------------------------------------------------------------- */

static bool pending(struct guest *g, hv_interrupt_type_t type)
{
    bool p = false;
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, type, &p), HV_SUCCESS);
    return p;
}

static void test_pending_interrupt_type_2_and_null_pointer_are_bad_argument(void **state)
{
    struct guest *g = *state;
    bool p = true;
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, 2, &p), HV_BAD_ARGUMENT);
    assert_true(p);
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, 2, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, 0xffffffff, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_get_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, NULL),
                     HV_BAD_ARGUMENT);
    assert_false(pending(g, HV_INTERRUPT_TYPE_IRQ));
    assert_false(pending(g, HV_INTERRUPT_TYPE_FIQ));
}

static void test_pending_interrupts_read_back_and_clear_when_run_returns(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, true),
                     HV_SUCCESS);
    assert_true(pending(g, HV_INTERRUPT_TYPE_IRQ));
    assert_false(pending(g, HV_INTERRUPT_TYPE_FIQ));
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_FIQ, true),
                     HV_SUCCESS);
    assert_true(pending(g, HV_INTERRUPT_TYPE_FIQ));
    /* Deasserting works before a run too. */
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_FIQ, false),
                     HV_SUCCESS);
    assert_false(pending(g, HV_INTERRUPT_TYPE_FIQ));
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_FIQ, true),
                     HV_SUCCESS);

    /* DAIF masked (0x3c5): the guest does not take them; the run reaches the
     * HVC and both lines read clear afterwards. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, ESR_HVC(0x1234));
    assert_false(pending(g, HV_INTERRUPT_TYPE_IRQ));
    assert_false(pending(g, HV_INTERRUPT_TYPE_FIQ));
}

static void test_pending_irq_is_taken_through_the_vmm_set_vbar_when_unmasked(void **state)
{
    struct guest *g = *state;
    set_sysreg(g, HV_SYS_REG_VBAR_EL1, GUEST_BASICS_VECTORS);
    set_reg(g, HV_REG_PC, GUEST_BASICS_IRQ_WAIT);
    assert_int_equal(hv_vcpu_set_pending_interrupt(g->vcpu, HV_INTERRUPT_TYPE_IRQ, true),
                     HV_SUCCESS);
    /* `msr daifclr, #3` unmasks I and F; the IRQ is taken at VBAR + 0x280
     * (current EL with SP_ELx, IRQ) with SPSR = 0x3c5 minus I and F. */
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_X0), UCALL_VECTOR);
    assert_int_equal(reg(g, HV_REG_X1), 0x280);
    uint64_t elr = reg(g, HV_REG_X4);
    assert_true(elr == GUEST_BASICS_IRQ_SPIN || elr == GUEST_BASICS_IRQ_SPIN + 4);
    assert_int_equal(reg(g, HV_REG_X5), 0x305);
    assert_false(pending(g, HV_INTERRUPT_TYPE_IRQ));
}

static void test_trap_debug_flags_round_trip_and_null_pointer_is_bad_argument(void **state)
{
    struct guest *g = *state;
    bool b;
    assert_int_equal(hv_vcpu_set_trap_debug_exceptions(g->vcpu, true), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(g->vcpu, &b), HV_SUCCESS);
    assert_true(b);
    assert_int_equal(hv_vcpu_set_trap_debug_reg_accesses(g->vcpu, true), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(g->vcpu, &b), HV_SUCCESS);
    assert_true(b);
    /* The two flags are independent. */
    assert_int_equal(hv_vcpu_set_trap_debug_exceptions(g->vcpu, false), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(g->vcpu, &b), HV_SUCCESS);
    assert_false(b);
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(g->vcpu, &b), HV_SUCCESS);
    assert_true(b);
    assert_int_equal(hv_vcpu_set_trap_debug_reg_accesses(g->vcpu, false), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(g->vcpu, &b), HV_SUCCESS);
    assert_false(b);
    assert_int_equal(hv_vcpu_get_trap_debug_exceptions(g->vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_get_trap_debug_reg_accesses(g->vcpu, NULL), HV_BAD_ARGUMENT);
}

static void test_vtimer_mask_and_offset_round_trip_and_null_pointer_is_bad_argument(void **state)
{
    struct guest *g = *state;
    bool b;
    uint64_t off;
    assert_int_equal(hv_vcpu_set_vtimer_mask(g->vcpu, true), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_mask(g->vcpu, &b), HV_SUCCESS);
    assert_true(b);
    assert_int_equal(hv_vcpu_set_vtimer_mask(g->vcpu, false), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_mask(g->vcpu, &b), HV_SUCCESS);
    assert_false(b);
    assert_int_equal(hv_vcpu_set_vtimer_offset(g->vcpu, 0x0123456789abcdefull), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_offset(g->vcpu, &off), HV_SUCCESS);
    assert_int_equal(off, 0x0123456789abcdefull);
    assert_int_equal(hv_vcpu_set_vtimer_offset(g->vcpu, 0), HV_SUCCESS);
    assert_int_equal(hv_vcpu_get_vtimer_offset(g->vcpu, &off), HV_SUCCESS);
    assert_int_equal(off, 0);
    assert_int_equal(hv_vcpu_get_vtimer_mask(g->vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_get_vtimer_offset(g->vcpu, NULL), HV_BAD_ARGUMENT);
}

/* ------------------------------------------------------------------------- */
/* hv_vcpus_exit                                                             */
/* ------------------------------------------------------------------------- */

struct kicker {
    hv_vcpu_t vcpu;
    uint64_t t0;
    atomic_bool run_done;
    hv_return_t ret;
    bool kicked;
};

/* Waits until the guest has retired instructions (the VM's clock moved past
 * t0, which only guest execution does), then kicks it from this thread. */
static void *kicker_main(void *p)
{
    struct kicker *k = p;
    while (hvm_clock_now() <= k->t0) {
        if (atomic_load(&k->run_done))
            return NULL;
        sched_yield();
    }
    k->ret = hv_vcpus_exit(&k->vcpu, 1);
    k->kicked = true;
    return NULL;
}

static void test_vcpus_exit_from_another_thread_cancels_a_spinning_guest(void **state)
{
    struct guest *g = *state;
    static struct kicker k;
    pthread_t t;
    memset(&k, 0, sizeof(k));
    k.vcpu = g->vcpu;
    k.t0 = hvm_clock_now();
    set_reg(g, HV_REG_X1, 0);
    set_reg(g, HV_REG_PC, GUEST_BASICS_SPIN);
    assert_int_equal(pthread_create(&t, NULL, kicker_main, &k), 0);
    hv_return_t ret = hv_vcpu_run(g->vcpu);
    atomic_store(&k.run_done, true);
    pthread_join(t, NULL);

    assert_int_equal(ret, HV_SUCCESS);
    assert_true(k.kicked);
    assert_int_equal(k.ret, HV_SUCCESS);
    assert_int_equal(g->exit->reason, HV_EXIT_REASON_CANCELED);
    assert_int_equal(g->exit->exception.syndrome, 0);
    uint64_t pc = reg(g, HV_REG_PC);
    assert_true(pc == GUEST_BASICS_SPIN || pc == GUEST_BASICS_SPIN + 4);
    assert_true(reg(g, HV_REG_X1) > 0); /* the loop really ran */

    /* The cancel was consumed: the vCPU runs normally afterwards. */
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    run_expect_exception(g, ESR_HVC(0x1234));
}

static void test_several_kicks_before_a_run_give_one_canceled_hvmodel_choice(void **state)
{
    struct guest *g = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(hv_vcpus_exit(&g->vcpu, 1), HV_SUCCESS);
    hv_vcpu_t twice[] = {g->vcpu, g->vcpu};
    assert_int_equal(hv_vcpus_exit(twice, 2), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_BASICS_HVC_SITE);
    assert_int_equal(run(g), HV_EXIT_REASON_CANCELED);
    run_expect_exception(g, ESR_HVC(0x1234));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_AFTER_HVC);
}

struct kick_job {
    hv_vcpu_t vcpu;
    hv_return_t ret;
};

static void job_kick(void *p)
{
    struct kick_job *k = p;
    k->ret = hv_vcpus_exit(&k->vcpu, 1);
}

static void test_kick_while_idle_cancels_next_run_without_executing(void **state)
{
    struct guest *g = *state;
    uint64_t before, after;
    /* Retire some instructions first so "unchanged" is not just "zero". */
    set_reg(g, HV_REG_PC, GUEST_BASICS_COUNT_LOOP);
    set_reg(g, HV_REG_X0, 10);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &before), HV_SUCCESS);
    assert_int_equal(before, 41);

    /* Another thread kicks the idle vCPU. */
    struct worker w;
    struct kick_job k = {g->vcpu, HV_ERROR};
    worker_start(&w);
    worker_call(&w, job_kick, &k);
    worker_stop(&w);
    assert_int_equal(k.ret, HV_SUCCESS);

    set_reg(g, HV_REG_PC, GUEST_BASICS_COUNT_LOOP);
    set_reg(g, HV_REG_X0, 10);
    set_reg(g, HV_REG_X1, 0);
    assert_int_equal(run(g), HV_EXIT_REASON_CANCELED);
    assert_int_equal(hvm_vcpu_get_instruction_count(g->vcpu, &after), HV_SUCCESS);
    assert_int_equal(after, before);
    assert_int_equal(reg(g, HV_REG_PC), GUEST_BASICS_COUNT_LOOP);
    assert_int_equal(reg(g, HV_REG_X0), 10);
    assert_int_equal(reg(g, HV_REG_X1), 0);
}

/* ------------------------------------------------------------------------- */
/* SME, macOS 27 additions, GIC                                              */
/* ------------------------------------------------------------------------- */

static void test_sme_and_macos27_calls_are_unsupported_for_the_owner(void **state)
{
    struct guest *g = *state;
    hv_vcpu_t id = g->vcpu;
    uint8_t buf[64] = {0};
    hv_vcpu_sme_state_t sme = {true, true};
    hv_sme_zt0_uchar64_t zt0;
    memset(&zt0, 0, sizeof(zt0));
    bool b = true;
    uint64_t u64 = SENTINEL;

    assert_int_equal(hv_vcpu_get_sme_state(id, &sme), HV_UNSUPPORTED);
    assert_true(sme.streaming_sve_mode_enabled);
    assert_int_equal(hv_vcpu_set_sme_state(id, &sme), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_get_sme_z_reg(id, HV_SME_Z_REG_0, buf, sizeof(buf)), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_set_sme_z_reg(id, HV_SME_Z_REG_31, buf, sizeof(buf)), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_get_sme_p_reg(id, HV_SME_P_REG_0, buf, 8), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_set_sme_p_reg(id, HV_SME_P_REG_15, buf, 8), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_get_sme_za_reg(id, buf, sizeof(buf)), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_set_sme_za_reg(id, buf, sizeof(buf)), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_get_sme_zt0_reg(id, &zt0), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_set_sme_zt0_reg(id, &zt0), HV_UNSUPPORTED);

    assert_int_equal(hv_vcpu_get_serror(id, &b), HV_UNSUPPORTED);
    assert_true(b);
    assert_int_equal(hv_vcpu_set_serror(id, true), HV_UNSUPPORTED);
    /* Documented: HV_UNSUPPORTED when the VM has no GIC. */
    assert_int_equal(hv_vcpu_get_wait_for_interrupt_time(id, &u64), HV_UNSUPPORTED);
    assert_int_equal(u64, SENTINEL);
    assert_int_equal(hv_vcpu_invalidate_tlb(id, HV_TLBI_OP_VMALLE1IS, 0), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_invalidate_tlb(id, HV_TLBI_OP_VAE1IS, 0x1000), HV_UNSUPPORTED);
}

static void test_sme_max_svl_is_unsupported_and_null_is_bad_argument(void **state)
{
    (void)state;
    size_t svl = 12345;
    assert_int_equal(hv_sme_config_get_max_svl_bytes(&svl), HV_UNSUPPORTED);
    assert_int_equal(svl, 12345);
    assert_int_equal(hv_sme_config_get_max_svl_bytes(NULL), HV_BAD_ARGUMENT);
}

static void test_gic_calls_without_a_gic_fail_and_change_nothing(void **state)
{
    struct guest *g = *state;
    uint64_t u64 = SENTINEL;
    hv_ipa_t ipa = 0;
    uint8_t blob[16] = {0};

    /* The VM has a vCPU already: a GIC can no longer be added. */
    hv_gic_config_t config = hv_gic_config_create();
    assert_non_null(config);
    assert_int_equal(hv_gic_config_set_distributor_base(config, 0x08000000), HV_SUCCESS);
    assert_int_equal(hv_gic_config_set_redistributor_base(config, 0x080a0000), HV_SUCCESS);
    assert_int_equal(hv_gic_create(config), HV_BUSY);
    os_release(config);

    assert_int_equal(hv_gic_reset(), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_state(blob, sizeof(blob)), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_spi(40, true), HV_NO_DEVICE);
    assert_int_equal(hv_gic_send_msi(0x08020040, 64), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR, &u64),
                     HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_redistributor_base(g->vcpu, &ipa), HV_NO_DEVICE);
    assert_int_equal(
        hv_gic_get_redistributor_reg(g->vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_TYPER, &u64),
        HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_msi_reg(HV_GIC_REG_GICM_TYPER, &u64), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_icc_reg(g->vcpu, HV_GIC_ICC_REG_PMR_EL1, &u64), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_icc_reg(g->vcpu, HV_GIC_ICC_REG_PMR_EL1, 0xf0), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_ich_reg(g->vcpu, HV_GIC_ICH_REG_HCR_EL2, &u64), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_icv_reg(g->vcpu, HV_GIC_ICV_REG_PMR_EL1, &u64), HV_NO_DEVICE);
    assert_int_equal(u64, SENTINEL);
    assert_int_equal(ipa, 0);
    assert_null(hv_gic_state_create());

    /* Without a GIC the CNTP_* registers stay refused (hvmodel's choice). */
    assert_int_equal(hv_vcpu_get_sys_reg(g->vcpu, HV_SYS_REG_CNTP_CTL_EL0, &u64), HV_BAD_ARGUMENT);
}

/* ------------------------------------------------------------------------- */
/* vCPU configuration: feature registers and CCSIDR                          */
/* ------------------------------------------------------------------------- */

static const hv_sys_reg_t feature_sysreg[] = {
    [HV_FEATURE_REG_ID_AA64DFR0_EL1] = HV_SYS_REG_ID_AA64DFR0_EL1,
    [HV_FEATURE_REG_ID_AA64DFR1_EL1] = HV_SYS_REG_ID_AA64DFR1_EL1,
    [HV_FEATURE_REG_ID_AA64ISAR0_EL1] = HV_SYS_REG_ID_AA64ISAR0_EL1,
    [HV_FEATURE_REG_ID_AA64ISAR1_EL1] = HV_SYS_REG_ID_AA64ISAR1_EL1,
    [HV_FEATURE_REG_ID_AA64MMFR0_EL1] = HV_SYS_REG_ID_AA64MMFR0_EL1,
    [HV_FEATURE_REG_ID_AA64MMFR1_EL1] = HV_SYS_REG_ID_AA64MMFR1_EL1,
    [HV_FEATURE_REG_ID_AA64MMFR2_EL1] = HV_SYS_REG_ID_AA64MMFR2_EL1,
    [HV_FEATURE_REG_ID_AA64PFR0_EL1] = HV_SYS_REG_ID_AA64PFR0_EL1,
    [HV_FEATURE_REG_ID_AA64PFR1_EL1] = HV_SYS_REG_ID_AA64PFR1_EL1,
    [HV_FEATURE_REG_CTR_EL0] = 0, /* not an hv_sys_reg_t */
    [HV_FEATURE_REG_CLIDR_EL1] = 0,
    [HV_FEATURE_REG_DCZID_EL0] = 0,
    [HV_FEATURE_REG_ID_AA64SMFR0_EL1] = HV_SYS_REG_ID_AA64SMFR0_EL1,
    [HV_FEATURE_REG_ID_AA64ZFR0_EL1] = HV_SYS_REG_ID_AA64ZFR0_EL1,
};

static void test_feature_regs_present_an_el1_only_aarch64_cpu_without_sve_or_sme(void **state)
{
    (void)state;
    hv_vcpu_config_t config = hv_vcpu_config_create();
    assert_non_null(config);
    uint64_t f[14];
    for (hv_feature_reg_t r = 0; r < 14; r++) {
        f[r] = SENTINEL;
        assert_int_equal(hv_vcpu_config_get_feature_reg(config, r, &f[r]), HV_SUCCESS);
        assert_int_not_equal(f[r], SENTINEL);
    }
    /* ID_AA64PFR0_EL1: EL0 and EL1 AArch64 only (1), no EL2 or EL3 (0). */
    assert_int_equal(f[HV_FEATURE_REG_ID_AA64PFR0_EL1] & 0xffff, 0x0011);
    /* PFR0.SVE (bits 35:32) 0 and ZFR0 0: no SVE; SMFR0 0 and PFR1.SME
     * (bits 27:24) 0: no SME. */
    assert_int_equal((f[HV_FEATURE_REG_ID_AA64PFR0_EL1] >> 32) & 0xf, 0);
    assert_int_equal(f[HV_FEATURE_REG_ID_AA64ZFR0_EL1], 0);
    assert_int_equal(f[HV_FEATURE_REG_ID_AA64SMFR0_EL1], 0);
    assert_int_equal((f[HV_FEATURE_REG_ID_AA64PFR1_EL1] >> 24) & 0xf, 0);
    /* ID_AA64MMFR0_EL1.PARange = 1 (36 bits), the default IPA size. */
    assert_int_equal(f[HV_FEATURE_REG_ID_AA64MMFR0_EL1] & 0xf, 1);
    /* CTR_EL0 bit 31 is RES1. DCZID_EL0: DZP (bit 4) 0 lets the guest use
     * DC ZVA, BS = log2 of the block in words: 4 (64 bytes) on the A72. */
    assert_int_equal(f[HV_FEATURE_REG_CTR_EL0] >> 31 & 1, 1);
    assert_int_equal(f[HV_FEATURE_REG_DCZID_EL0] & 0x1f, 4);
    assert_int_not_equal(f[HV_FEATURE_REG_CLIDR_EL1] & 7, 0); /* a level-1 cache */

    /* A vCPU made from this configuration presents the same values. */
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&id, &exit, config), HV_SUCCESS);
    for (hv_feature_reg_t r = 0; r < 14; r++) {
        if (!feature_sysreg[r])
            continue;
        uint64_t v = SENTINEL;
        assert_int_equal(hv_vcpu_get_sys_reg(id, feature_sysreg[r], &v), HV_SUCCESS);
        assert_int_equal(v, f[r]);
    }
    assert_int_equal(hv_vcpu_destroy(id), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    os_release(config);
}

static void test_feature_reg_14_null_config_and_null_value_are_bad_argument(void **state)
{
    (void)state;
    hv_vcpu_config_t config = hv_vcpu_config_create();
    uint64_t v = SENTINEL;
    assert_int_equal(hv_vcpu_config_get_feature_reg(config, 14, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_config_get_feature_reg(config, 0xffffffff, &v), HV_BAD_ARGUMENT);
    assert_int_equal(v, SENTINEL);
    assert_int_equal(hv_vcpu_config_get_feature_reg(NULL, HV_FEATURE_REG_ID_AA64PFR0_EL1, &v),
                     HV_BAD_ARGUMENT);
    assert_int_equal(v, SENTINEL);
    assert_int_equal(hv_vcpu_config_get_feature_reg(config, HV_FEATURE_REG_ID_AA64PFR0_EL1, NULL),
                     HV_BAD_ARGUMENT);
    /* A VM configuration is not a vCPU configuration. */
    hv_vm_config_t vm_config = hv_vm_config_create();
    assert_int_equal(hv_vcpu_config_get_feature_reg((hv_vcpu_config_t)(void *)vm_config,
                                                    HV_FEATURE_REG_ID_AA64PFR0_EL1, &v),
                     HV_BAD_ARGUMENT);
    os_release(vm_config);
    os_release(config);
}

/* CCSIDR_EL1 without FEAT_CCIDX: NumSets-1 [27:13], Associativity-1 [12:3],
 * log2(line bytes) - 4 [2:0]. */
static uint64_t ccsidr_size(uint64_t c)
{
    uint64_t sets = ((c >> 13) & 0x7fff) + 1, ways = ((c >> 3) & 0x3ff) + 1;
    return sets * ways * (16ull << (c & 7));
}

static void test_ccsidr_values_follow_clidr_and_ctr_line_sizes(void **state)
{
    (void)state;
    hv_vcpu_config_t config = hv_vcpu_config_create();
    uint64_t d[8], i[8], clidr, ctr;
    memset(d, 0x5e, sizeof(d));
    memset(i, 0x5e, sizeof(i));
    assert_int_equal(hv_vcpu_config_get_ccsidr_el1_sys_reg_values(config, HV_CACHE_TYPE_DATA, d),
                     HV_SUCCESS);
    assert_int_equal(
        hv_vcpu_config_get_ccsidr_el1_sys_reg_values(config, HV_CACHE_TYPE_INSTRUCTION, i),
        HV_SUCCESS);
    assert_int_equal(hv_vcpu_config_get_feature_reg(config, HV_FEATURE_REG_CLIDR_EL1, &clidr),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_config_get_feature_reg(config, HV_FEATURE_REG_CTR_EL0, &ctr),
                     HV_SUCCESS);
    assert_int_not_equal(d[0], 0);
    assert_int_not_equal(i[0], 0);
    /* Entry n is level n + 1: present exactly where CLIDR_EL1.Ctype<n+1>
     * says (1 instruction, 2 data, 3 separate, 4 unified). */
    for (unsigned n = 0; n < 7; n++) {
        unsigned ctype = (clidr >> (3 * n)) & 7;
        bool has_d = ctype == 2 || ctype == 3 || ctype == 4;
        bool has_i = ctype == 1 || ctype == 3;
        assert_int_equal(d[n] != 0, has_d);
        assert_int_equal(i[n] != 0, has_i);
    }
    assert_int_equal(d[7], 0);
    assert_int_equal(i[7], 0);
    /* CTR_EL0.DminLine [19:16] / IminLine [3:0] are log2 words of the
     * smallest line: the level-1 line sizes here. */
    assert_int_equal((d[0] & 7) + 2, (ctr >> 16) & 0xf);
    assert_int_equal((i[0] & 7) + 2, ctr & 0xf);
    /* The engine CPU is a Cortex-A72: 32 KiB 2-way L1 D, 48 KiB 3-way L1 I,
     * 64-byte lines. */
    assert_int_equal(ccsidr_size(d[0]), 32 * 1024);
    assert_int_equal(((d[0] >> 3) & 0x3ff) + 1, 2);
    assert_int_equal(ccsidr_size(i[0]), 48 * 1024);
    assert_int_equal(((i[0] >> 3) & 0x3ff) + 1, 3);
    assert_int_equal(16u << (d[0] & 7), 64);
    os_release(config);
}

static void test_ccsidr_bad_cache_type_and_null_pointers_are_bad_argument(void **state)
{
    (void)state;
    hv_vcpu_config_t config = hv_vcpu_config_create();
    uint64_t v[8];
    memset(v, 0x5e, sizeof(v));
    assert_int_equal(hv_vcpu_config_get_ccsidr_el1_sys_reg_values(config, 2, v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_config_get_ccsidr_el1_sys_reg_values(config, 0xffffffff, v),
                     HV_BAD_ARGUMENT);
    assert_int_equal(v[0], 0x5e5e5e5e5e5e5e5eull);
    assert_int_equal(hv_vcpu_config_get_ccsidr_el1_sys_reg_values(NULL, HV_CACHE_TYPE_DATA, v),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_config_get_ccsidr_el1_sys_reg_values(config, HV_CACHE_TYPE_DATA, NULL),
                     HV_BAD_ARGUMENT);
    os_release(config);
}

#define T(fn)        cmocka_unit_test(fn)
#define T_BASICS(fn) cmocka_unit_test_setup_teardown(fn, setup_basics, guest_teardown)
#define T_REGS(fn)   cmocka_unit_test_setup_teardown(fn, setup_regs, guest_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* hv_vcpu_create */
        T(test_create_without_vm_returns_no_device),
        T(test_create_with_null_vcpu_or_exit_pointer_is_bad_argument),
        T(test_second_vcpu_on_same_thread_is_busy_hvmodel_choice),
        T(test_create_accepts_a_vcpu_config_object),
        T(test_ids_are_the_lowest_free_slot_and_exit_records_are_per_vcpu),
        T(test_64_vcpus_on_64_threads_succeed_and_the_65th_has_no_resources),
        T_BASICS(test_exit_record_pointer_stays_valid_across_runs),
        /* ownership and ids */
        T_BASICS(test_owner_only_calls_from_another_thread_are_bad_argument_hvmodel_choice),
        T_BASICS(test_owner_only_calls_from_a_thread_owning_another_vcpu_are_bad_argument),
        T_BASICS(test_calls_naming_an_unknown_vcpu_id_are_bad_argument),
        T(test_vcpu_calls_without_a_vm_return_no_device_hvmodel_choice),
        T(test_destroyed_vcpu_id_is_bad_argument),
        T_BASICS(test_vcpus_exit_with_an_unknown_id_is_bad_argument_and_kicks_none),
        T_BASICS(test_vcpus_exit_null_list_with_count_is_bad_argument_and_count_0_succeeds),
        /* registers */
        T(test_fresh_vcpu_is_el1h_daif_masked_with_zero_pc_gprs_simd_and_sctlr),
        T_REGS(test_every_gpr_pc_fpcr_fpsr_and_cpsr_round_trips),
        T_REGS(test_cpsr_accepts_el0t_el1t_el1h_with_flags_and_daif),
        T_REGS(test_cpsr_refuses_aarch32_el2_el3_reserved_modes_and_high_bits_hvmodel_choice),
        T_REGS(test_reg_id_35_and_beyond_and_null_out_pointer_are_bad_argument),
        T_REGS(test_simd_q0_to_q31_round_trip),
        T_REGS(test_simd_vector_byte_i_is_memory_byte_i_of_a_guest_str_q),
        T_REGS(test_simd_guest_ldr_q_is_read_back_in_memory_byte_order),
        T_REGS(test_simd_reg_32_and_null_out_pointer_are_bad_argument),
        T_REGS(test_every_accessible_sys_reg_round_trips),
        T_REGS(test_implementation_defined_afsr_amair_read_as_written_or_res0),
        T(test_mdccint_el1_round_trips_without_killing_the_process),
        T_REGS(test_actlr_el1_keeps_only_entso),
        T_REGS(test_cntv_ctl_keeps_enable_imask_and_computes_istatus),
        T_REGS(test_el2_cntp_and_sme_sys_regs_are_bad_argument_hvmodel_choice),
        T_REGS(test_unknown_sys_reg_encodings_and_null_out_pointer_are_bad_argument),
        /* registers drive the guest */
        T_BASICS(test_svc_lands_at_vmm_set_vbar_and_eret_returns_after_it_el1h),
        T_BASICS(test_svc_from_el1t_uses_the_sp_el0_vector_and_saves_flags_in_spsr),
        T_REGS(test_cpsr_m_selects_sp_el0_or_sp_el1_for_the_guest),
        T_REGS(test_guest_sp_update_lands_in_the_selected_bank_only),
        T_REGS(test_guest_mrs_reads_vmm_set_tpidr_registers),
        T_REGS(test_guest_msr_tpidr_el1_is_read_back_by_the_vmm),
        T_REGS(test_guest_eret_uses_vmm_set_elr_and_spsr),
        T_REGS(test_guest_mrs_reads_vmm_set_midr_mpidr_and_every_id_aa64_register),
        T_REGS(test_guest_runs_through_vmm_built_page_tables_and_alias_va),
        T_REGS(test_enabling_the_mmu_after_a_flat_run_translates_the_next_run),
        /* exec time, interrupts, traps, vtimer */
        T_BASICS(test_exec_time_is_retired_instructions_over_insns_per_tick),
        T_BASICS(test_exec_time_and_instruction_count_null_pointer_is_bad_argument),
        T_BASICS(test_pending_interrupt_type_2_and_null_pointer_are_bad_argument),
        T_BASICS(test_pending_interrupts_read_back_and_clear_when_run_returns),
        T_BASICS(test_pending_irq_is_taken_through_the_vmm_set_vbar_when_unmasked),
        T_BASICS(test_trap_debug_flags_round_trip_and_null_pointer_is_bad_argument),
        T_BASICS(test_vtimer_mask_and_offset_round_trip_and_null_pointer_is_bad_argument),
        /* hv_vcpus_exit */
        T_BASICS(test_vcpus_exit_from_another_thread_cancels_a_spinning_guest),
        T_BASICS(test_several_kicks_before_a_run_give_one_canceled_hvmodel_choice),
        T_BASICS(test_kick_while_idle_cancels_next_run_without_executing),
        /* SME, macOS 27, GIC */
        T_BASICS(test_sme_and_macos27_calls_are_unsupported_for_the_owner),
        T(test_sme_max_svl_is_unsupported_and_null_is_bad_argument),
        T_BASICS(test_gic_calls_without_a_gic_fail_and_change_nothing),
        /* vCPU configuration */
        T(test_feature_regs_present_an_el1_only_aarch64_cpu_without_sve_or_sme),
        T(test_feature_reg_14_null_config_and_null_value_are_bad_argument),
        T(test_ccsidr_values_follow_clidr_and_ctr_line_sizes),
        T(test_ccsidr_bad_cache_type_and_null_pointers_are_bad_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
