/*
 * util.c — what the fuzz harnesses share (see util.h): reporting broken
 * invariants, the watchdog thread and the worker thread.
 */
#define _GNU_SOURCE
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* libFuzzer has no driver: a broken invariant is a crash it reports. */
__attribute__((weak)) void fuzz_invariant_failed(const char *what)
{
    fprintf(stderr, "%s: invariant broken: %s\n", fuzz_name, what);
    abort();
}

void fuzz_failf(bool *broken, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    *broken = true;
    fuzz_invariant_failed(msg);
}

bool fuzz_env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v == '1';
}

/* ------------------------------------------------------------------------ */
/* Watchdog                                                                 */
/* ------------------------------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool started;
    bool active[FUZZ_WATCH_SLOTS];
    bool fired[FUZZ_WATCH_SLOTS];
    uint64_t id[FUZZ_WATCH_SLOTS];
    unsigned ms[FUZZ_WATCH_SLOTS];
    void (*kick[FUZZ_WATCH_SLOTS])(uint64_t id);
    struct timespec deadline[FUZZ_WATCH_SLOTS];
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd.lock);
    for (;;) {
        struct timespec now, next = {0, 0};
        bool any = false;
        clock_gettime(CLOCK_REALTIME, &now);
        for (int s = 0; s < FUZZ_WATCH_SLOTS; s++) {
            if (!wd.active[s] || wd.fired[s])
                continue;
            if (!ts_before(&now, &wd.deadline[s])) {
                wd.fired[s] = true;
                wd.kick[s](wd.id[s]); /* under the lock: the vCPU outlives the kick */
                continue;
            }
            if (!any || ts_before(&wd.deadline[s], &next))
                next = wd.deadline[s];
            any = true;
        }
        if (any)
            pthread_cond_timedwait(&wd.cond, &wd.lock, &next);
        else
            pthread_cond_wait(&wd.cond, &wd.lock);
    }
    return NULL;
}

void fuzz_watch_begin(int slot, uint64_t id, unsigned ms, void (*kick)(uint64_t id))
{
    pthread_mutex_lock(&wd.lock);
    if (!wd.started) {
        pthread_t t;
        if (pthread_create(&t, NULL, watchdog_main, NULL) == 0) {
            pthread_detach(t);
            wd.started = true;
        }
    }
    struct timespec *d = &wd.deadline[slot];
    clock_gettime(CLOCK_REALTIME, d);
    d->tv_sec += ms / 1000;
    d->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (d->tv_nsec >= 1000000000L) {
        d->tv_sec++;
        d->tv_nsec -= 1000000000L;
    }
    wd.id[slot] = id;
    wd.ms[slot] = ms;
    wd.kick[slot] = kick;
    wd.active[slot] = true;
    wd.fired[slot] = false;
    pthread_cond_signal(&wd.cond);
    pthread_mutex_unlock(&wd.lock);
}

bool fuzz_watch_end(int slot, unsigned max_reports, const char *strict_env, bool *broken)
{
    static unsigned reported;
    pthread_mutex_lock(&wd.lock);
    wd.active[slot] = false;
    bool fired = wd.fired[slot];
    unsigned ms = wd.ms[slot];
    if (fired && (max_reports == 0 || reported < max_reports)) {
        reported++;
        fprintf(stderr, "%s: a run did not end within %u ms; kicked it\n", fuzz_name, ms);
    }
    pthread_mutex_unlock(&wd.lock);
    if (fired && strict_env && fuzz_env_on(strict_env))
        fuzz_failf(broken, "hv_vcpu_run did not reach its instruction budget in %u ms", ms);
    return fired;
}

/* ------------------------------------------------------------------------ */
/* Worker thread                                                            */
/* ------------------------------------------------------------------------ */

#define FUZZ_WORKER_QUIT (-1)

static void *worker_main(void *arg)
{
    struct fuzz_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->cmd == 0 || w->done)
            pthread_cond_wait(&w->cond, &w->lock);
        int cmd = w->cmd;
        pthread_mutex_unlock(&w->lock);
        if (cmd != FUZZ_WORKER_QUIT)
            w->run(w, cmd);
        pthread_mutex_lock(&w->lock);
        w->done = true;
        pthread_cond_broadcast(&w->cond);
        if (cmd == FUZZ_WORKER_QUIT)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct fuzz_worker *fuzz_worker_new(size_t size, void (*run)(struct fuzz_worker *w, int cmd))
{
    struct fuzz_worker *w = calloc(1, size);
    if (!w)
        return NULL;
    w->run = run;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
        return NULL;
    }
    return w;
}

void fuzz_worker_post(struct fuzz_worker *w, int cmd)
{
    pthread_mutex_lock(&w->lock);
    w->cmd = cmd;
    w->done = false;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void fuzz_worker_wait(struct fuzz_worker *w)
{
    pthread_mutex_lock(&w->lock);
    while (!w->done)
        pthread_cond_wait(&w->cond, &w->lock);
    w->cmd = 0;
    pthread_mutex_unlock(&w->lock);
}

void fuzz_worker_call(struct fuzz_worker *w, int cmd)
{
    fuzz_worker_post(w, cmd);
    fuzz_worker_wait(w);
}

void fuzz_worker_free(struct fuzz_worker *w)
{
    fuzz_worker_call(w, FUZZ_WORKER_QUIT);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}
