/*
 * suite.c — runs the whole benchmark suite and reports it:
 *
 *   bench-arm64 suite [--quick] --tmp DIR --json FILE --hello EXE --hvtrace EXE
 *                     [--capstone VERSION] [--valgrind PATH] [--x86 EXE]
 *
 * With --x86 the x86 flavour's figures (bench-x86, bench/bench_x86.c) join
 * the same rounds, table and JSON.
 *
 * Every sample is a fresh process (`bench-arm64 run ...`, or the demo and
 * hvtrace), so no run inherits another's translation cache, allocator state
 * or trace writer. Each round runs every figure once for the model and once
 * for its baseline, the two back to back and in alternating order, and the
 * ratio of a figure is taken per round (model and baseline measured side by
 * side), then summarised as median [min..max] over the rounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hvmodel.h>
#include <unicorn/unicorn.h>

#include "bench.h"
#include "../trace/format.h"

extern char **environ;

#define MAX_ROUNDS 16
#define MAX_ARGS   8
#define HW_EXIT_NS 3500.0 /* a Hypervisor.framework exit on Apple silicon: about 3-4 µs */

enum ratio_kind {
    RATIO_SPEED, /* throughput model / baseline (higher is better, 1 = as fast) */
    RATIO_TIME,  /* time model / baseline (lower is better) */
};

struct side {
    const char *argv[MAX_ARGS];
    char trace_env[PATH_MAX]; /* HVMODEL_TRACE for the child, or "" */
    bool wall;                /* time the whole process here instead of reading stdout */
    double v[MAX_ROUNDS];
};

struct figure {
    const char *flavour, *id, *label, *unit, *base_label;
    enum ratio_kind kind;
    bool vs_hardware; /* an exit round trip: also compare with real hardware */
    struct side model, base;
    double ratio[MAX_ROUNDS];
};

static struct figure figs[40];
static unsigned nfigs;
static char self[PATH_MAX];
static char nbuf[8][24];           /* the iteration counts as strings */
static const char *run_exe = self; /* the benchmark program of the figures being defined */
static const char *flavour = "arm64";
static const char *valgrind_path;
static bool quiet_stderr; /* children's stderr to /dev/null (valgrind's notes) */

/* ---- processes ---- */

/* The environment of a child: ours without HVMODEL_TRACE, plus `extra`. */
static char **child_env(const char *extra)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "HVMODEL_TRACE=", 14) != 0)
            env[k++] = environ[i];
    if (extra && extra[0])
        env[k++] = (char *)extra;
    return env;
}

/* Runs argv; returns its exit status (or -1), and what it printed in `out`
 * if out is not NULL (else its output goes to /dev/null). *ms gets the wall
 * time from spawn to exit. */
static int spawn(const char *const *argv, const char *trace, char *out, size_t outsz, double *ms)
{
    char envbuf[PATH_MAX + 32] = "";
    if (trace && trace[0])
        snprintf(envbuf, sizeof(envbuf), "HVMODEL_TRACE=%s", trace);
    char **env = child_env(envbuf);
    int pfd[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out) {
        if (pipe(pfd) != 0)
            return -1;
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
        posix_spawn_file_actions_addclose(&fa, pfd[0]);
        posix_spawn_file_actions_addclose(&fa, pfd[1]);
    } else {
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    }
    if (quiet_stderr)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = bench_now_ns();
    int err = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    if (err != 0) {
        fprintf(stderr, "bench-arm64: cannot run %s: %s\n", argv[0], strerror(err));
        return -1;
    }
    size_t got = 0;
    if (out) {
        close(pfd[1]);
        char scratch[256];
        ssize_t r;
        /* Read to the end (the child must never block on a full pipe). */
        while ((r = read(pfd[0], scratch, sizeof(scratch))) > 0 || (r < 0 && errno == EINTR)) {
            size_t take = r > 0 ? (size_t)r : 0;
            if (take > outsz - 1 - got)
                take = outsz - 1 - got;
            memcpy(out + got, scratch, take);
            got += take;
        }
        out[got] = '\0';
        close(pfd[0]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ms)
        *ms = (bench_now_ns() - t0) / 1e6;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double sample(struct side *s)
{
    char out[256];
    double ms;
    int rc = spawn(s->argv, s->trace_env, s->wall ? NULL : out, sizeof(out), &ms);
    if (rc != 0) {
        fprintf(stderr, "bench-arm64: %s %s %s failed (status %d)\n", s->argv[0],
                s->argv[1] ? s->argv[1] : "", s->argv[2] ? s->argv[2] : "", rc);
        exit(1);
    }
    return s->wall ? ms : strtod(out, NULL);
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stat3 {
    double med, min, max;
};

static struct stat3 stats(const double *v, unsigned n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, n * sizeof(double));
    qsort(s, n, sizeof(double), cmp_double);
    struct stat3 r = {n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[0], s[n - 1]};
    return r;
}

/* ---- the figures ---- */

static void set_run(struct side *s, const char *bench, const char *side, const char *n,
                    const char *trace)
{
    memset(s, 0, sizeof(*s));
    s->argv[0] = run_exe;
    s->argv[1] = "run";
    s->argv[2] = bench;
    s->argv[3] = side;
    s->argv[4] = n;
    s->argv[5] = trace;
}

static struct figure *add(const char *id, const char *label, const char *unit, enum ratio_kind kind,
                          const char *base_label)
{
    struct figure *f = &figs[nfigs++];
    memset(f, 0, sizeof(*f));
    f->flavour = flavour;
    f->id = id;
    f->label = label;
    f->unit = unit;
    f->kind = kind;
    f->base_label = base_label;
    return f;
}

static const char *num(unsigned slot, unsigned long long v)
{
    snprintf(nbuf[slot], sizeof(nbuf[slot]), "%llu", v);
    return nbuf[slot];
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(PATH_MAX);
    snprintf(p, PATH_MAX, "%s/%s", dir, name);
    return p;
}

static void define_figures(bool quick, const char *tmp, const char *hello, const char *hvtrace)
{
    const char *compute_n = num(0, quick ? 6250000 : 25000000); /* 50 M / 200 M insns */
    const char *memory_n = num(1, quick ? 1250000 : 6250000);   /* 10 M / 50 M insns */
    const char *exits_n = num(2, quick ? 50000 : 200000);
    const char *life_n = num(3, quick ? 10 : 40);
    char *rec = path_in(tmp, "rec.hvt");
    struct figure *f;

    f = add("compute", "guest ALU loop", "ns/insn", RATIO_SPEED, "raw Unicorn");
    set_run(&f->model, "compute", "model", compute_n, NULL);
    set_run(&f->base, "compute", "raw", compute_n, NULL);
    f = add("compute-fptrap", "guest ALU loop, CPACR_EL1 at reset", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "compute:fptrap", "model", compute_n, NULL);
    set_run(&f->base, "compute:fptrap", "raw", compute_n, NULL);
    f = add("memory", "guest memory loop (2 ldr + 1 str / 8)", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "memory", "model", memory_n, NULL);
    set_run(&f->base, "memory", "raw", memory_n, NULL);
    f = add("memory-fptrap", "guest memory loop, CPACR_EL1 at reset", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "memory:fptrap", "model", memory_n, NULL);
    set_run(&f->base, "memory:fptrap", "raw", memory_n, NULL);
    f = add("compute-rec", "guest ALU loop, recording", "ns/insn", RATIO_SPEED, "raw Unicorn");
    set_run(&f->model, "compute", "model-rec", compute_n, rec);
    set_run(&f->base, "compute", "raw", compute_n, NULL);
    f = add("memory-rec", "guest memory loop, recording", "ns/insn", RATIO_SPEED, "raw Unicorn");
    set_run(&f->model, "memory", "model-rec", memory_n, rec);
    set_run(&f->base, "memory", "raw", memory_n, NULL);

    static const char *const exits[][2] = {
        {"hvc", "exit: HVC"},
        {"mmio-st", "exit: MMIO store (data abort)"},
        {"mmio-ld", "exit: MMIO load (data abort)"},
        {"mrs", "exit: trapped MRS CNTPCT_EL0"},
    };
    static const char *const exit_ids[] = {"exit-hvc", "exit-mmio-st", "exit-mmio-ld", "exit-mrs"};
    for (unsigned i = 0; i < 4; i++) {
        f = add(exit_ids[i], exits[i][1], "ns/exit", RATIO_TIME, "raw Unicorn");
        f->vs_hardware = true;
        set_run(&f->model, exits[i][0], "model", exits_n, NULL);
        set_run(&f->base, exits[i][0], "raw", exits_n, NULL);
    }
    f = add("exit-mmio-st-fptrap", "exit: MMIO store, CPACR_EL1 at reset", "ns/exit", RATIO_TIME,
            "raw Unicorn");
    f->vs_hardware = true;
    set_run(&f->model, "mmio-st:fptrap", "model", exits_n, NULL);
    set_run(&f->base, "mmio-st:fptrap", "raw", exits_n, NULL);
    f = add("exit-hvc-rec", "exit: HVC, recording", "ns/exit", RATIO_TIME, "model, not recording");
    f->vs_hardware = true;
    set_run(&f->model, "hvc", "model-rec", exits_n, rec);
    set_run(&f->base, "hvc", "model", exits_n, NULL);
    f = add("exit-mmio-st-rec", "exit: MMIO store, recording", "ns/exit", RATIO_TIME,
            "model, not recording");
    f->vs_hardware = true;
    set_run(&f->model, "mmio-st", "model-rec", exits_n, rec);
    set_run(&f->base, "mmio-st", "model", exits_n, NULL);

    f = add("lifecycle", "VM lifecycle (64 MiB, 1 vCPU, run to HVC)", "us", RATIO_TIME,
            "raw Unicorn");
    set_run(&f->model, "lifecycle", "model", life_n, NULL);
    set_run(&f->base, "lifecycle", "raw", life_n, NULL);

    /* The demo, as whole processes. */
    f = add("demo-rec", "hello-vmm process, recording", "ms", RATIO_TIME, "hello-vmm, no trace");
    f->model.argv[0] = hello;
    f->model.wall = true;
    snprintf(f->model.trace_env, sizeof(f->model.trace_env), "%s/demo-rec.hvt", tmp);
    f->base.argv[0] = hello;
    f->base.wall = true;
    f = add("demo-replay", "hvtrace replay of the demo", "ms", RATIO_TIME, "hello-vmm, recording");
    f->model.argv[0] = hvtrace;
    f->model.argv[1] = "replay";
    f->model.argv[2] = path_in(tmp, "demo.hvt");
    f->model.wall = true;
    f->base.argv[0] = hello;
    f->base.wall = true;
    snprintf(f->base.trace_env, sizeof(f->base.trace_env), "%s/demo-rec.hvt", tmp);
}

static void define_x86_figures(bool quick, const char *tmp, const char *x86)
{
    const char *compute_n = num(4, quick ? 6250000 : 25000000);
    const char *memory_n = num(5, quick ? 1250000 : 6250000);
    const char *exits_n = num(6, quick ? 20000 : 100000);
    const char *life_n = num(7, quick ? 10 : 40);
    char *rec = path_in(tmp, "rec-x86.hvt");
    struct figure *f;
    run_exe = x86;
    flavour = "x86";

    f = add("x86-compute", "x86: guest ALU loop", "ns/insn", RATIO_SPEED, "raw Unicorn");
    set_run(&f->model, "compute", "model", compute_n, NULL);
    set_run(&f->base, "compute", "raw", compute_n, NULL);
    f = add("x86-memory", "x86: guest memory loop (2 ld + 1 st / 8)", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "memory", "model", memory_n, NULL);
    set_run(&f->base, "memory", "raw", memory_n, NULL);
    f = add("x86-compute-rec", "x86: guest ALU loop, recording", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "compute", "model-rec", compute_n, rec);
    set_run(&f->base, "compute", "raw", compute_n, NULL);
    f = add("x86-memory-rec", "x86: guest memory loop, recording", "ns/insn", RATIO_SPEED,
            "raw Unicorn");
    set_run(&f->model, "memory", "model-rec", memory_n, rec);
    set_run(&f->base, "memory", "raw", memory_n, NULL);
    static const char *const exits[][3] = {
        {"io", "x86-exit-io", "x86 exit: port I/O (OUT)"},
        {"cpuid", "x86-exit-cpuid", "x86 exit: CPUID"},
        {"mmio-st", "x86-exit-mmio-st", "x86 exit: MMIO store (EPT violation)"},
        {"mmio-ld", "x86-exit-mmio-ld", "x86 exit: MMIO load (EPT violation)"},
    };
    for (unsigned i = 0; i < 4; i++) {
        f = add(exits[i][1], exits[i][2], "ns/exit", RATIO_TIME, "raw Unicorn");
        f->vs_hardware = true;
        set_run(&f->model, exits[i][0], "model", exits_n, NULL);
        set_run(&f->base, exits[i][0], "raw", exits_n, NULL);
    }
    f = add("x86-exit-io-rec", "x86 exit: port I/O, recording", "ns/exit", RATIO_TIME,
            "model, not recording");
    f->vs_hardware = true;
    set_run(&f->model, "io", "model-rec", exits_n, rec);
    set_run(&f->base, "io", "model", exits_n, NULL);
    f = add("x86-exit-mmio-st-rec", "x86 exit: MMIO store, recording", "ns/exit", RATIO_TIME,
            "model, not recording");
    f->vs_hardware = true;
    set_run(&f->model, "mmio-st", "model-rec", exits_n, rec);
    set_run(&f->base, "mmio-st", "model", exits_n, NULL);
    f = add("x86-lifecycle", "x86: VM lifecycle (64 MiB, 1 vCPU, run to HLT)", "us", RATIO_TIME,
            "raw Unicorn");
    set_run(&f->model, "lifecycle", "model", life_n, NULL);
    set_run(&f->base, "lifecycle", "raw", life_n, NULL);
    run_exe = self;
    flavour = "arm64";
}

/* ---- report ---- */

static void fmt_value(char *buf, size_t n, double v)
{
    if (v >= 100)
        snprintf(buf, n, "%.0f", v);
    else if (v >= 10)
        snprintf(buf, n, "%.1f", v);
    else if (v >= 1)
        snprintf(buf, n, "%.2f", v);
    else
        snprintf(buf, n, "%.3f", v);
}

static void print_table(unsigned rounds)
{
    printf("\n%-42s %-8s %10s %10s  %-26s %s\n", "figure", "unit", "model", "baseline",
           "ratio median [min..max]", "baseline / ratio means");
    for (unsigned i = 0; i < nfigs; i++) {
        struct figure *f = &figs[i];
        struct stat3 m = stats(f->model.v, rounds), b = stats(f->base.v, rounds),
                     r = stats(f->ratio, rounds);
        char ms[32], bs[32], rs[64];
        fmt_value(ms, sizeof(ms), m.med);
        fmt_value(bs, sizeof(bs), b.med);
        snprintf(rs, sizeof(rs), "%.2f [%.2f..%.2f]", r.med, r.min, r.max);
        printf("%-42s %-8s %10s %10s  %-26s %s, %s\n", f->label, f->unit, ms, bs, rs, f->base_label,
               f->kind == RATIO_SPEED ? "model/baseline throughput" : "model/baseline time");
    }
    printf("\nexit round trips against real hardware (%.1f us per exit on Apple silicon):\n",
           HW_EXIT_NS / 1e3);
    for (unsigned i = 0; i < nfigs; i++) {
        struct figure *f = &figs[i];
        if (!f->vs_hardware)
            continue;
        struct stat3 m = stats(f->model.v, rounds);
        printf("  %-40s %7.3f us  %5.1fx faster than hardware [%.1f..%.1f]\n", f->label,
               m.med / 1e3, HW_EXIT_NS / m.med, HW_EXIT_NS / m.max, HW_EXIT_NS / m.min);
    }
}

static void json_samples(FILE *j, const char *name, const double *v, unsigned n, bool comma)
{
    struct stat3 s = stats(v, n);
    fprintf(j, "      \"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"samples\": [",
            name, s.med, s.min, s.max);
    for (unsigned i = 0; i < n; i++)
        fprintf(j, "%s%.6g", i ? ", " : "", v[i]);
    fprintf(j, "]}%s\n", comma ? "," : "");
}

static void read_line_field(const char *file, const char *key, char *out, size_t n)
{
    FILE *f = fopen(file, "r");
    char line[512];
    snprintf(out, n, "unknown");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0) {
            char *p = strchr(line, ':');
            if (!p)
                continue;
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            p[strcspn(p, "\n")] = '\0';
            snprintf(out, n, "%s", p);
            break;
        }
    fclose(f);
}

/* The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them. */
static void read_loadavg(char *out, size_t n)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double a = 0, b = 0, c = 0;
    if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
        snprintf(out, n, "unknown");
    else
        snprintf(out, n, "%.2f %.2f %.2f", a, b, c);
    if (f)
        fclose(f);
}

/* A JSON string without the characters that would need escaping. */
static void json_str(FILE *j, const char *s)
{
    fputc('"', j);
    for (; *s; s++)
        fputc(*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ? ' ' : *s, j);
    fputc('"', j);
}

/* ---- trace sizes ---- */

struct trace_entry {
    const char *name;
    char path[PATH_MAX];
    struct trace_size ts;
    bool ok;
};

static void print_trace(struct trace_entry *t)
{
    double ex = t->ts.exits ? (double)t->ts.exits : 1.0;
    printf("  %-34s %6llu exits  %8.1f B/exit (file)  %6.1f B/exit (without MEM)\n", t->name,
           (unsigned long long)t->ts.exits, (double)t->ts.file_bytes / ex,
           (double)(t->ts.file_bytes - t->ts.mem_bytes) / ex);
}

/* ---- callgrind ---- */

struct cg_result {
    const char *flavour, *bench, *side;
    double per_exit;
    bool ok;
};

static bool cg_total(const char *file, double *ir)
{
    FILE *f = fopen(file, "r");
    char line[512];
    bool ok = false;
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0) {
            *ir = strtod(strchr(line, ':') + 1, NULL);
            ok = true;
        }
    fclose(f);
    return ok;
}

static bool cg_run(const char *exe, const char *fl, const char *tmp, const char *bench,
                   const char *side, unsigned long long n, double *ir)
{
    char out[PATH_MAX + 64], outopt[PATH_MAX + 96], nstr[24], trace[PATH_MAX + 32];
    snprintf(out, sizeof(out), "%s/callgrind-%s%s-%s-%llu.out", tmp, fl, bench, side, n);
    snprintf(outopt, sizeof(outopt), "--callgrind-out-file=%s", out);
    snprintf(nstr, sizeof(nstr), "%llu", n);
    snprintf(trace, sizeof(trace), "%s/callgrind.hvt", tmp);
    const char *argv[] = {
        valgrind_path, "--tool=callgrind", "--quiet", outopt, exe, "run", bench, side, nstr, trace,
        NULL};
    char ignored[256];
    quiet_stderr = true;
    int rc = spawn(argv, NULL, ignored, sizeof(ignored), NULL);
    quiet_stderr = false;
    if (rc != 0)
        return false;
    return cg_total(out, ir);
}

int bench_suite_main(int argc, char **argv)
{
    bool quick = false, valgrind = false;
    const char *tmp = NULL, *json = NULL, *hello = NULL, *hvtrace = NULL, *capstone = "unknown";
    const char *x86 = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (i + 1 < argc && strcmp(argv[i], "--valgrind") == 0)
            valgrind_path = argv[++i], valgrind = true;
        else if (i + 1 < argc && strcmp(argv[i], "--x86") == 0)
            x86 = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--tmp") == 0)
            tmp = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--json") == 0)
            json = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--hello") == 0)
            hello = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--hvtrace") == 0)
            hvtrace = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--capstone") == 0)
            capstone = argv[++i];
        else {
            fprintf(stderr, "bench-arm64 suite: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!tmp || !json || !hello || !hvtrace) {
        fprintf(stderr,
                "usage: bench-arm64 suite [--quick] [--valgrind PATH] --tmp DIR --json FILE "
                "--hello EXE --hvtrace EXE [--capstone VERSION]\n");
        return 2;
    }
    ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (sl <= 0)
        return 2;
    self[sl] = '\0';
    unsigned rounds = quick ? 5 : 7;

    /* The trace hvtrace replays: one recording of the demo. */
    char *demo_trace = path_in(tmp, "demo.hvt");
    {
        char env[PATH_MAX + 32];
        snprintf(env, sizeof(env), "%s", demo_trace);
        const char *a[] = {hello, NULL};
        if (spawn(a, env, NULL, 0, NULL) != 0) {
            fprintf(stderr, "bench-arm64: recording the demo failed\n");
            return 1;
        }
    }
    define_figures(quick, tmp, hello, hvtrace);
    if (x86)
        define_x86_figures(quick, tmp, x86);

    printf("%u rounds of %u figures (each sample a fresh process), model and baseline "
           "alternating\n",
           rounds, nfigs);
    char load_start[64], load_end[64];
    read_loadavg(load_start, sizeof(load_start));
    printf("load average at the start: %s\n", load_start);
    double t_start = bench_now_ns();
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < nfigs; i++) {
            struct figure *f = &figs[i];
            if (r % 2 == 0) {
                f->model.v[r] = sample(&f->model);
                f->base.v[r] = sample(&f->base);
            } else {
                f->base.v[r] = sample(&f->base);
                f->model.v[r] = sample(&f->model);
            }
            /* Values are times (ns/insn, ns/exit, µs, ms): throughput model /
             * baseline is baseline time / model time. */
            f->ratio[r] = f->kind == RATIO_SPEED ? f->base.v[r] / f->model.v[r]
                                                 : f->model.v[r] / f->base.v[r];
        }
        printf("  round %u/%u done (%.0f s)\n", r + 1, rounds, (bench_now_ns() - t_start) / 1e9);
        fflush(stdout);
    }
    read_loadavg(load_end, sizeof(load_end));
    print_table(rounds);
    printf("\nload average at the start: %s, after the rounds: %s (%ld cores)\n", load_start,
           load_end, sysconf(_SC_NPROCESSORS_ONLN));

    /* Trace bytes per exit: the demo, and MMIO-heavy guests. */
    struct trace_entry traces[8] = {{.name = "hello-vmm demo"},
                                    {.name = "MMIO store loop (10000 exits)"},
                                    {.name = "MMIO load loop (10000 exits)"},
                                    {.name = "HVC loop (10000 exits)"},
                                    {.name = "x86 MMIO store loop (10000 exits)"},
                                    {.name = "x86 MMIO load loop (10000 exits)"},
                                    {.name = "x86 port I/O loop (10000 exits)"},
                                    {.name = "x86 CPUID loop (10000 exits)"}};
    unsigned ntraces = x86 ? 8 : 4;
    snprintf(traces[0].path, PATH_MAX, "%s", demo_trace);
    static const char *const tb[] = {NULL,      "mmio-st", "mmio-ld", "hvc",
                                     "mmio-st", "mmio-ld", "io",      "cpuid"};
    for (unsigned i = 1; i < ntraces; i++) {
        snprintf(traces[i].path, PATH_MAX, "%s/size-%s%s.hvt", tmp, i >= 4 ? "x86-" : "", tb[i]);
        struct side s;
        run_exe = i >= 4 ? x86 : self;
        set_run(&s, tb[i], "model-rec", "10000", traces[i].path);
        sample(&s);
    }
    run_exe = self;
    printf("\ntrace bytes per exit (record headers included; MEM = memory the VMM wrote):\n");
    for (unsigned i = 0; i < ntraces; i++) {
        traces[i].ok = trace_size_read(traces[i].path, &traces[i].ts) == 0;
        if (traces[i].ok)
            print_trace(&traces[i]);
    }
    for (unsigned i = 1; i < ntraces; i += 3) {
        if (!traces[i].ok || !traces[i].ts.exits)
            continue;
        printf("  %s by record type:", traces[i].name);
        for (unsigned t = 1; t < 32; t++)
            if (traces[i].ts.count_by_type[t] >= traces[i].ts.exits / 2)
                printf(" %s %.1f B/exit", hvt_type_name((uint16_t)t),
                       (double)traces[i].ts.bytes_by_type[t] / (double)traces[i].ts.exits);
        printf("\n");
    }

    /* Instructions per exit under callgrind: N exits minus a run with none. */
    struct cg_result cg[24];
    unsigned ncg = 0;
    unsigned long long cg_n = quick ? 5000 : 20000;
    if (valgrind) {
        /* The four exits on both sides, then two of them recording. */
        static const char *const cb[] = {"hvc", "mmio-st", "mmio-ld", "mrs", "hvc", "mmio-st"};
        printf("\ninstructions per exit (callgrind, %llu exits minus 0 exits):\n", cg_n);
        /* The same for x86: port I/O, CPUID, MMIO store and load. */
        static const char *const xb[] = {"io", "cpuid", "mmio-st", "mmio-ld", "io", "mmio-st"};
        for (unsigned fl = 0; fl < (x86 ? 2u : 1u); fl++)
            for (unsigned b = 0; b < 6; b++)
                for (unsigned s = 0; s < (b < 4 ? 2u : 1u); s++) {
                    struct cg_result *c = &cg[ncg++];
                    double ir0 = 0, irn = 0;
                    const char *exe = fl ? x86 : self, *pre = fl ? "x86-" : "";
                    c->flavour = fl ? "x86" : "arm64";
                    c->bench = fl ? xb[b] : cb[b];
                    c->side = b >= 4 ? "model-rec" : s ? "raw" : "model";
                    c->ok = cg_run(exe, pre, tmp, c->bench, c->side, 0, &ir0) &&
                            cg_run(exe, pre, tmp, c->bench, c->side, cg_n, &irn);
                    c->per_exit = (irn - ir0) / (double)cg_n;
                    if (c->ok)
                        printf("  %-5s %-8s %-9s %7.0f instructions per exit\n", c->flavour,
                               c->bench, c->side, c->per_exit);
                    else
                        printf("  %-5s %-8s %-9s failed\n", c->flavour, c->bench, c->side);
                    fflush(stdout);
                }
    }

    /* JSON. */
    FILE *j = fopen(json, "w");
    if (!j) {
        perror(json);
        return 1;
    }
    char cpu[256], mem[64];
    struct utsname u;
    uname(&u);
    read_line_field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
    read_line_field("/proc/meminfo", "MemTotal", mem, sizeof(mem));
    unsigned maj, min, ver = uc_version(&maj, &min);
    fprintf(j, "{\n  \"machine\": {\"cpu\": ");
    json_str(j, cpu);
    fprintf(j, ", \"cores\": %ld, \"memory\": ", sysconf(_SC_NPROCESSORS_ONLN));
    json_str(j, mem);
    fprintf(j, ", \"kernel\": ");
    char kern[256];
    snprintf(kern, sizeof(kern), "%s %s", u.sysname, u.release);
    json_str(j, kern);
    fprintf(j, ", \"unicorn\": \"%u.%u.%u\", \"capstone\": ", maj, min, (ver >> 8) & 0xff);
    json_str(j, capstone);
    fprintf(j, ", \"hvmodel\": ");
    json_str(j, hvm_version());
    fprintf(j, ", \"loadavg_start\": \"%s\", \"loadavg_end\": \"%s\"", load_start, load_end);
    fprintf(j, ", \"compiler\": ");
#ifdef __clang__
    json_str(j, "clang " __VERSION__);
#else
    json_str(j, "gcc " __VERSION__);
#endif
    fprintf(j, "},\n  \"quick\": %s,\n  \"rounds\": %u,\n  \"hardware_exit_ns\": %.0f,\n",
            quick ? "true" : "false", rounds, HW_EXIT_NS);
    fprintf(j, "  \"figures\": [\n");
    for (unsigned i = 0; i < nfigs; i++) {
        struct figure *f = &figs[i];
        fprintf(j, "    {\"flavour\": \"%s\", \"id\": \"%s\", \"label\": ", f->flavour, f->id);
        json_str(j, f->label);
        fprintf(j, ", \"unit\": \"%s\", \"baseline\": ", f->unit);
        json_str(j, f->base_label);
        fprintf(j, ", \"ratio_kind\": \"%s\",\n",
                f->kind == RATIO_SPEED ? "throughput model/baseline" : "time model/baseline");
        json_samples(j, "model", f->model.v, rounds, true);
        json_samples(j, "baseline", f->base.v, rounds, true);
        json_samples(j, "ratio", f->ratio, rounds, f->vs_hardware);
        if (f->vs_hardware) {
            struct stat3 m = stats(f->model.v, rounds);
            fprintf(j, "      \"times_faster_than_hardware\": %.3g\n", HW_EXIT_NS / m.med);
        }
        fprintf(j, "    }%s\n", i + 1 < nfigs ? "," : "");
    }
    fprintf(j, "  ],\n  \"trace_bytes\": [\n");
    for (unsigned i = 0; i < ntraces; i++) {
        struct trace_entry *t = &traces[i];
        double ex = t->ts.exits ? (double)t->ts.exits : 1.0;
        fprintf(j,
                "    {\"trace\": \"%s\", \"exits\": %llu, \"file_bytes\": %llu, "
                "\"bytes_per_exit\": %.2f, \"bytes_per_exit_without_mem\": %.2f}%s\n",
                t->name, (unsigned long long)t->ts.exits, (unsigned long long)t->ts.file_bytes,
                (double)t->ts.file_bytes / ex, (double)(t->ts.file_bytes - t->ts.mem_bytes) / ex,
                i + 1 < ntraces ? "," : "");
    }
    fprintf(j, "  ],\n  \"callgrind\": ");
    if (!valgrind) {
        fprintf(j, "null\n");
    } else {
        fprintf(j, "{\"exits\": %llu, \"instructions_per_exit\": [", cg_n);
        for (unsigned i = 0; i < ncg; i++)
            fprintf(j,
                    "%s{\"flavour\": \"%s\", \"bench\": \"%s\", \"side\": \"%s\", \"value\": %.0f}",
                    i ? ", " : "", cg[i].flavour, cg[i].bench, cg[i].side,
                    cg[i].ok ? cg[i].per_exit : -1.0);
        fprintf(j, "]}\n");
    }
    fprintf(j, "}\n");
    fclose(j);
    printf("\nwhole suite: %.0f s\n", (bench_now_ns() - t_start) / 1e9);
    return 0;
}
