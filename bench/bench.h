/*
 * bench.h — shared declarations of the benchmark program (bench-arm64).
 *
 * One executable plays three parts: `run` measures one benchmark once for one
 * side (the model, the model recording a trace, or raw Unicorn driving the
 * same guest code) and prints the figure; `suite` runs every benchmark
 * several times in fresh processes, alternating the sides, and reports;
 * `trace-size` breaks a trace file down by record type.
 */
#ifndef HVMODEL_BENCH_H
#define HVMODEL_BENCH_H

#include <stdint.h>
#include <time.h>

/* Where the benchmark guest lives and what it expects (bench/guest/bench.S). */
#define BENCH_RAM_BASE 0x40000000ull
#define BENCH_RAM_SIZE (64ull << 20)
#define BENCH_DATA     (BENCH_RAM_BASE + (1ull << 20)) /* the memory loop's buffer */
#define BENCH_MMIO     0x09000000ull                   /* unmapped: every access exits */

/* Entry k of the guest's branch table. */
enum bench_prog {
    PROG_COMPUTE = 0,
    PROG_MEMORY = 1,
    PROG_HVC = 2,
    PROG_MMIO_ST = 3,
    PROG_MMIO_LD = 4,
    PROG_MRS = 5,
};

/* Instructions one iteration of the compute and memory loops retires. */
#define BENCH_LOOP_INSNS 8u

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* bench_arm64.c */
int bench_run_main(int argc, char **argv);

/* suite.c */
int bench_suite_main(int argc, char **argv);

/* trace_size.c: per-type byte counts of a trace; prints a summary when
 * `print` is set. Returns 0, or -1 if the trace cannot be read. */
struct trace_size {
    uint64_t file_bytes, exits, records;
    uint64_t bytes_by_type[32], count_by_type[32]; /* header + payload, per type */
    uint64_t mem_bytes;                            /* MEM records, header included */
};
int trace_size_read(const char *path, struct trace_size *out);
int trace_size_main(int argc, char **argv);

#endif
