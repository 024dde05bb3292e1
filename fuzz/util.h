/*
 * util.h — what the fuzz harnesses share, whatever their flavour: the input
 * reader, the reporting of broken invariants, the watchdog that kicks a run
 * retiring no instructions, and the second thread of the API harnesses.
 * Nothing here knows a Hypervisor.framework header: vCPUs are uint64_t ids
 * and the harness names the call that kicks one.
 *
 * A harness defines fuzz_name (its name in messages) and links util.c; with
 * fuzz/driver.c the driver's fuzz_invariant_failed() replaces util.c's
 * aborting one.
 */
#ifndef HVMODEL_FUZZ_UTIL_H
#define HVMODEL_FUZZ_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------ */
/* Input: little-endian fields; bytes past the end read as 0.               */
/* ------------------------------------------------------------------------ */

struct input {
    const uint8_t *d;
    size_t n, i;
};

static inline uint8_t u8(struct input *in)
{
    return in->i < in->n ? in->d[in->i++] : 0;
}

static inline uint16_t u16(struct input *in)
{
    uint16_t v = u8(in);
    return (uint16_t)(v | u8(in) << 8);
}

static inline uint32_t u32(struct input *in)
{
    uint32_t v = u16(in);
    return v | (uint32_t)u16(in) << 16;
}

static inline uint64_t u64(struct input *in)
{
    uint64_t v = u32(in);
    return v | (uint64_t)u32(in) << 32;
}

/* ------------------------------------------------------------------------ */
/* Invariants                                                               */
/* ------------------------------------------------------------------------ */

/* The harness's name ("fuzz_api_x86"), defined by the harness. */
extern const char fuzz_name[];

/* A broken invariant: util.c's version prints it and aborts (the crash
 * libFuzzer reports); fuzz/driver.c's counts it and goes on. */
void fuzz_invariant_failed(const char *what);

/* Formats the message (cut to 319 characters), sets *broken and reports it
 * through fuzz_invariant_failed(). */
void fuzz_failf(bool *broken, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if the environment variable `name` is set to a value starting "1". */
bool fuzz_env_on(const char *name);

/* ------------------------------------------------------------------------ */
/* Watchdog: kicks a run that retires no instructions for too long           */
/* ------------------------------------------------------------------------ */

#define FUZZ_WATCH_SLOTS 2 /* runs watched at once (one per thread) */

/* Watches the run of vCPU `id` about to start in `slot`: after `ms` of host
 * time a thread calls kick(id) (under the watchdog's lock, so the run cannot
 * end and the vCPU cannot go before the kick lands). */
void fuzz_watch_begin(int slot, uint64_t id, unsigned ms, void (*kick)(uint64_t id));

/* Ends the watch of `slot`. True if the watchdog kicked the run; that is
 * reported on stderr ("<fuzz_name>: a run did not end within <ms> ms; kicked
 * it"), the first `max_reports` times in the process (0: every time), and is
 * a broken invariant (fuzz_failf(broken, ...)) when the environment variable
 * `strict_env` (may be NULL) is set to 1. */
bool fuzz_watch_end(int slot, unsigned max_reports, const char *strict_env, bool *broken);

/* ------------------------------------------------------------------------ */
/* A second thread that runs one command at a time                          */
/* ------------------------------------------------------------------------ */

/* Embedded first in the harness's own worker. Command 0 means none. */
struct fuzz_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int cmd;
    bool done;
    void (*run)(struct fuzz_worker *w, int cmd);
};

/* Allocates `size` zeroed bytes (the harness's worker, this first in it)
 * and starts the thread, which calls run(w, cmd) for every command posted;
 * NULL if either fails. */
struct fuzz_worker *fuzz_worker_new(size_t size, void (*run)(struct fuzz_worker *w, int cmd));
/* Hands the thread a command (not 0) and returns at once. */
void fuzz_worker_post(struct fuzz_worker *w, int cmd);
/* Waits until the posted command is done. */
void fuzz_worker_wait(struct fuzz_worker *w);
/* Posts and waits. */
void fuzz_worker_call(struct fuzz_worker *w, int cmd);
/* Ends the thread and frees the worker. */
void fuzz_worker_free(struct fuzz_worker *w);

#endif
