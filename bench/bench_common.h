/*
 * bench_common.h — what the two flavours' benchmark programs (bench_arm64.c,
 * bench_x86.c) share: error exits, loading the guest image that lies next to
 * the executable, and the `run` command, which parses its arguments, runs one
 * benchmark on one side through the flavour's functions and prints the
 * figure.
 */
#ifndef HVMODEL_BENCH_COMMON_H
#define HVMODEL_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The program's name in messages ("bench-x86"), defined by the flavour. */
extern const char bench_name[];

/* The guest image, loaded by bench_run before the benchmark runs. */
extern unsigned char *bench_guest;
extern size_t bench_guest_len;

/* A value the exit handlers write or read, so that nothing is optimised away. */
extern volatile uint64_t bench_sink;

/* Print "<bench_name>: <what>" (and the error's text) and exit with 2. */
__attribute__((noreturn)) void bench_die(const char *what);
void bench_check_hv(int r, const char *what); /* exits unless HV_SUCCESS */
void bench_check_uc(int e, const char *what); /* exits unless UC_ERR_OK */

/* A benchmark that counts exits: its name and guest program. */
struct bench_exit {
    const char *name;
    int prog;
};

/* One flavour's benchmarks. `prog` is the flavour's guest program; a NULL
 * `trace` means no recording. */
struct bench_flavour {
    const char *guest_file; /* next to the executable */
    size_t guest_min;       /* bytes it has at least */
    int compute, memory;    /* the loops' programs */
    const struct bench_exit *exits;
    size_t nexits;
    double (*model_throughput)(int prog, uint64_t iters, const char *trace);
    double (*raw_throughput)(int prog, uint64_t iters);
    double (*model_exits)(int prog, uint64_t n, const char *trace);
    double (*raw_exits)(int prog, uint64_t n);
    void (*model_lifecycle)(void); /* one lifecycle, timed by bench_run */
    void (*raw_lifecycle)(void);
};

/* The rest of a flavour's bench_flavour after its guest and loop programs:
 * its table exit_benches[] and its six functions, named as the fields are. */
#define BENCH_FLAVOUR_FUNCTIONS                                                                    \
    .exits = exit_benches, .nexits = sizeof(exit_benches) / sizeof(exit_benches[0]),               \
    .model_throughput = model_throughput, .raw_throughput = raw_throughput,                        \
    .model_exits = model_exits, .raw_exits = raw_exits, .model_lifecycle = model_lifecycle,        \
    .raw_lifecycle = raw_lifecycle

/* `run <benchmark> <model|model-rec|raw> <n> [trace]` (argv[0] is "run"):
 * prints the figure (ns per guest instruction, ns per exit or µs per
 * lifecycle) and returns the exit status. */
int bench_run(int argc, char **argv, const struct bench_flavour *f);

#endif
