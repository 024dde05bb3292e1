/*
 * bench_common.c — what the two flavours' benchmark programs share (see
 * bench_common.h). Compiled into each program with its flavour's defines.
 */
#include "bench_common.h"

#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hvmodel.h>
#include <unicorn/unicorn.h>

#include "bench.h"

unsigned char *bench_guest;
size_t bench_guest_len;
volatile uint64_t bench_sink;

void bench_die(const char *what)
{
    fprintf(stderr, "%s: %s\n", bench_name, what);
    exit(2);
}

void bench_check_hv(int r, const char *what)
{
    if (r != HV_SUCCESS) {
        fprintf(stderr, "%s: %s: %s\n", bench_name, what, hvm_strerror((hv_return_t)r));
        exit(2);
    }
}

void bench_check_uc(int e, const char *what)
{
    if (e != UC_ERR_OK) {
        fprintf(stderr, "%s: %s: %s\n", bench_name, what, uc_strerror((uc_err)e));
        exit(2);
    }
}

static void load_guest(const char *file, size_t min_len)
{
    char exe[PATH_MAX], path[PATH_MAX + 32], msg[128];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        bench_die("cannot find the executable's directory");
    exe[n] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dirname(exe), file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, sizeof(msg), "cannot open %s next to the executable", file);
        bench_die(msg);
    }
    bench_guest = malloc(1 << 16);
    if (!bench_guest)
        bench_die("out of memory");
    bench_guest_len = fread(bench_guest, 1, 1 << 16, f);
    fclose(f);
    if (bench_guest_len < min_len) {
        snprintf(msg, sizeof(msg), "%s is too short", file);
        bench_die(msg);
    }
}

int bench_run(int argc, char **argv, const struct bench_flavour *f)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s run <benchmark> <model|model-rec|raw> <n> [trace]\n",
                bench_name);
        return 2;
    }
    const char *bench = argv[1], *side = argv[2];
    uint64_t n = strtoull(argv[3], NULL, 0);
    const char *trace = argc > 4 ? argv[4] : NULL;
    bool raw = strcmp(side, "raw") == 0, rec = strcmp(side, "model-rec") == 0;
    if (!raw && !rec && strcmp(side, "model") != 0)
        bench_die("side must be model, model-rec or raw");
    if (rec && !trace)
        bench_die("model-rec needs a trace path");
    if (!rec)
        trace = NULL;
    load_guest(f->guest_file, f->guest_min);

    double value;
    if (strcmp(bench, "compute") == 0 || strcmp(bench, "memory") == 0) {
        int p = bench[0] == 'c' ? f->compute : f->memory;
        double ns = raw ? f->raw_throughput(p, n) : f->model_throughput(p, n, trace);
        value = ns / ((double)n * BENCH_LOOP_INSNS); /* ns per guest instruction */
    } else if (strcmp(bench, "lifecycle") == 0) {
        if (rec)
            bench_die("lifecycle has no recording variant");
        void (*lifecycle)(void) = raw ? f->raw_lifecycle : f->model_lifecycle;
        double total = 0;
        for (int w = 0; w < 2; w++) /* warm-up: first-use costs of the process */
            lifecycle();
        for (uint64_t i = 0; i < n; i++) {
            double t0 = bench_now_ns();
            lifecycle();
            total += bench_now_ns() - t0;
        }
        value = total / (double)n / 1e3; /* µs per lifecycle */
    } else {
        size_t i = 0;
        while (i < f->nexits && strcmp(f->exits[i].name, bench) != 0)
            i++;
        if (i == f->nexits)
            bench_die("unknown benchmark");
        int p = f->exits[i].prog;
        double ns = raw ? f->raw_exits(p, n) : f->model_exits(p, n, trace);
        value = n ? ns / (double)n : ns; /* ns per exit */
    }
    printf("%.6f\n", value);
    return 0;
}
