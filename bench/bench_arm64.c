/*
 * bench_arm64.c — the benchmarks themselves, each measured once per process:
 *
 *   bench-arm64 run <benchmark> <side> <n> [trace]
 *
 * benchmark: compute | memory (n loop iterations, prints ns per guest
 *            instruction), hvc | mmio-st | mmio-ld | mrs (n exits, prints ns
 *            per exit round trip), lifecycle (n VM lifecycles, prints µs each);
 *            a ":fptrap" suffix keeps CPACR_EL1 at its reset value (below).
 * side:      model (hvmodel through the public Hypervisor.framework API),
 *            model-rec (the same, recording a trace to [trace]), raw (Unicorn
 *            driven directly through its public API, on the same guest code
 *            with the same EL2/EL3 set-up and the cheapest way to stop and
 *            restart it: a hook calls uc_emu_stop or returns false, the host
 *            restarts uc_emu_start at the right PC).
 *
 * Each side runs the same guest image (bench/guest/bench.S, assembled next to
 * the executable as bench-guest.bin) at the same address, EL1h with the MMU
 * off. Only the measured part is timed (CLOCK_MONOTONIC): the guest run for
 * throughput, the VMM loop for exits, the whole create-to-destroy sequence
 * for the lifecycle.
 */
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>
#include <unicorn/unicorn.h>

#include "bench.h"

/* Guest exception classes the VMM loops handle (ESR_EL2[31:26]). */
#define EC_HVC64  0x16u
#define EC_SYSREG 0x18u
#define EC_DABT   0x24u

/* The EL2/EL3 set-up both sides use (the model's, docs/arm64.md): HVC is an
 * HVC, CNTPCT_EL0 traps. */
#define SCR_EL3_VALUE ((1u << 0) | (1u << 8) | (1u << 10))
#define HCR_EL2_VALUE                                                                              \
    ((1ull << 31) | (1ull << 28) | (1ull << 19) | (1ull << 18) | (1ull << 14) | (1ull << 13))

static unsigned char *guest_image;
static size_t guest_len;

/* CPACR_EL1.FPEN = 3 (SIMD&FP enabled at EL0 and EL1, as an OS sets it up
 * early) unless the benchmark name ends in ":fptrap", which keeps the reset
 * value 0 (FP accesses trap to EL1: the model then checks every block for
 * SIMD&FP instructions, docs/arm64.md). */
static bool fp_enabled = true;
#define CPACR_FPEN (3ull << 20)

/* A value the exit handlers write or read, so that nothing is optimised away. */
static volatile uint64_t sink;

static void die(const char *what)
{
    fprintf(stderr, "bench-arm64: %s\n", what);
    exit(2);
}

static void check_hv(hv_return_t r, const char *what)
{
    if (r != HV_SUCCESS) {
        fprintf(stderr, "bench-arm64: %s: %s\n", what, hvm_strerror(r));
        exit(2);
    }
}

static void check_uc(uc_err e, const char *what)
{
    if (e != UC_ERR_OK) {
        fprintf(stderr, "bench-arm64: %s: %s\n", what, uc_strerror(e));
        exit(2);
    }
}

static void load_guest(void)
{
    char exe[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        die("cannot find the executable's directory");
    exe[n] = '\0';
    snprintf(path, sizeof(path), "%s/bench-guest.bin", dirname(exe));
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open bench-guest.bin next to the executable");
    guest_image = malloc(1 << 16);
    if (!guest_image)
        die("out of memory");
    guest_len = fread(guest_image, 1, 1 << 16, f);
    fclose(f);
    if (guest_len < 24)
        die("bench-guest.bin is too short");
}

static uint64_t entry(enum bench_prog p)
{
    return BENCH_RAM_BASE + 4u * (unsigned)p;
}

/* ------------------------------------------------------------------------ */
/* The model side: an ordinary Hypervisor.framework VMM.                    */
/* ------------------------------------------------------------------------ */

struct model_vm {
    void *ram;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
};

static void model_open(struct model_vm *m, const char *trace)
{
    if (trace)
        check_hv(hvm_trace_start(trace), "hvm_trace_start");
    check_hv(hv_vm_create(NULL), "hv_vm_create");
    check_hv(hv_vm_allocate(&m->ram, BENCH_RAM_SIZE, HV_ALLOCATE_DEFAULT), "hv_vm_allocate");
    memcpy(m->ram, guest_image, guest_len);
    check_hv(hv_vm_map(m->ram, BENCH_RAM_BASE, BENCH_RAM_SIZE,
                       HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
             "hv_vm_map");
    check_hv(hv_vcpu_create(&m->vcpu, &m->exit, NULL), "hv_vcpu_create");
    check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_CPSR, 0x3c5), "set CPSR");
    if (fp_enabled)
        check_hv(hv_vcpu_set_sys_reg(m->vcpu, HV_SYS_REG_CPACR_EL1, CPACR_FPEN), "set CPACR_EL1");
}

static void model_enter(struct model_vm *m, enum bench_prog p, uint64_t x0, uint64_t x1)
{
    check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_PC, entry(p)), "set PC");
    check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_X0, x0), "set X0");
    check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_X1, x1), "set X1");
}

static void model_close(struct model_vm *m)
{
    check_hv(hv_vcpu_destroy(m->vcpu), "hv_vcpu_destroy");
    check_hv(hv_vm_unmap(BENCH_RAM_BASE, BENCH_RAM_SIZE), "hv_vm_unmap");
    check_hv(hv_vm_deallocate(m->ram, BENCH_RAM_SIZE), "hv_vm_deallocate");
    check_hv(hv_vm_destroy(), "hv_vm_destroy");
}

static bool is_final_hvc(const hv_vcpu_exit_t *e)
{
    uint64_t esr = e->exception.syndrome;
    return e->reason == HV_EXIT_REASON_EXCEPTION && (esr >> 26) == EC_HVC64 && (esr & 0xffff) == 1;
}

/* Runs a loop program to its final HVC; returns the nanoseconds spent in
 * hv_vcpu_run. */
static double model_throughput(enum bench_prog p, uint64_t iters, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, iters, BENCH_DATA);
    double t0 = bench_now_ns();
    check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    double t1 = bench_now_ns();
    if (!is_final_hvc(m.exit))
        die("the loop did not end with its final HVC");
    model_close(&m);
    return t1 - t0;
}

static uint64_t reg_get(hv_vcpu_t vcpu, hv_reg_t r)
{
    uint64_t v;
    check_hv(hv_vcpu_get_reg(vcpu, r, &v), "hv_vcpu_get_reg");
    return v;
}

static void reg_set(hv_vcpu_t vcpu, hv_reg_t r, uint64_t v)
{
    check_hv(hv_vcpu_set_reg(vcpu, r, v), "hv_vcpu_set_reg");
}

/* The VMM loop of an exit benchmark: the minimal emulation a VMM does for each
 * exit (an MMIO access from the data-abort syndrome, a trapped MRS from the
 * system-register syndrome, PC += 4 where the framework leaves PC on the
 * instruction). Returns the nanoseconds for the n exits and the final one. */
static double model_exits(enum bench_prog p, uint64_t n, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, n, BENCH_MMIO);
    uint64_t count = 0;
    double t0 = bench_now_ns();
    for (;;) {
        check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
        if (m.exit->reason != HV_EXIT_REASON_EXCEPTION)
            die("unexpected exit reason");
        uint64_t esr = m.exit->exception.syndrome;
        unsigned ec = (unsigned)(esr >> 26) & 0x3f;
        if (ec == EC_HVC64) {
            if ((esr & 0xffff) == 1)
                break;
        } else if (ec == EC_DABT) {
            if (!(esr & (1u << 24)) || m.exit->exception.physical_address != BENCH_MMIO)
                die("MMIO exit without a valid syndrome or at the wrong address");
            unsigned srt = (esr >> 16) & 31;
            if (esr & (1u << 6))
                sink = srt == 31 ? 0 : reg_get(m.vcpu, HV_REG_X0 + srt);
            else if (srt != 31)
                reg_set(m.vcpu, HV_REG_X0 + srt, count);
            reg_set(m.vcpu, HV_REG_PC, reg_get(m.vcpu, HV_REG_PC) + 4);
        } else if (ec == EC_SYSREG) {
            unsigned rt = (esr >> 5) & 31;
            if (rt != 31)
                reg_set(m.vcpu, HV_REG_X0 + rt, count);
            reg_set(m.vcpu, HV_REG_PC, reg_get(m.vcpu, HV_REG_PC) + 4);
        } else {
            die("unexpected exception class");
        }
        count++;
    }
    double t1 = bench_now_ns();
    if (count != n)
        die("wrong number of exits");
    model_close(&m);
    return t1 - t0;
}

static double model_lifecycle(void)
{
    double t0 = bench_now_ns();
    struct model_vm m;
    model_open(&m, NULL);
    model_enter(&m, PROG_HVC, 0, 0);
    check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    if (!is_final_hvc(m.exit))
        die("lifecycle: no HVC exit");
    model_close(&m);
    return bench_now_ns() - t0;
}

/* ------------------------------------------------------------------------ */
/* The raw side: Unicorn alone, public API only.                            */
/* ------------------------------------------------------------------------ */

struct raw_vm {
    uc_engine *uc;
    void *ram;
    /* What the last run's hooks saw. */
    int intno;
    bool mem, mem_write;
    uint64_t mem_addr, mem_value;
};

static void raw_intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
    struct raw_vm *r = user;
    r->intno = (int)intno;
    uc_emu_stop(uc);
}

static bool raw_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                              int64_t value, void *user)
{
    struct raw_vm *r = user;
    r->mem = true;
    r->mem_write = type == UC_MEM_WRITE_UNMAPPED;
    r->mem_addr = addr;
    r->mem_value = (uint64_t)value;
    return false; /* the engine stops with the PC on the access */
}

static void raw_cp_write(uc_engine *uc, unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                         unsigned op2, uint64_t val)
{
    uc_arm64_cp_reg cp = {.crn = crn, .crm = crm, .op0 = op0, .op1 = op1, .op2 = op2, .val = val};
    check_uc(uc_reg_write(uc, UC_ARM64_REG_CP_REG, &cp), "write a system register");
}

static void raw_open(struct raw_vm *r)
{
    memset(r, 0, sizeof(*r));
    r->ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->ram == MAP_FAILED)
        die("mmap");
    memcpy(r->ram, guest_image, guest_len);
    check_uc(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &r->uc), "uc_open");
    uc_engine *uc = r->uc;
    check_uc(uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_A72), "set the CPU model");
    check_uc(uc_ctl_exits_enable(uc), "enable exits");
    check_uc(uc_ctl_set_exits(uc, NULL, 0), "set no exit address");
    raw_cp_write(uc, 3, 6, 1, 1, 0, SCR_EL3_VALUE);
    raw_cp_write(uc, 3, 4, 1, 1, 0, HCR_EL2_VALUE);
    raw_cp_write(uc, 3, 4, 14, 1, 0, 0); /* CNTHCTL_EL2: CNTPCT traps */
    check_uc(uc_mem_map_ptr(uc, BENCH_RAM_BASE, BENCH_RAM_SIZE, UC_PROT_ALL, r->ram),
             "uc_mem_map_ptr");
    uc_hook h;
    check_uc(uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)raw_intr_hook, r, 1, 0), "INTR hook");
    check_uc(uc_hook_add(uc, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                         (void *)raw_unmapped_hook, r, 1, 0),
             "unmapped hook");
    uint32_t pstate = 0x3c5; /* EL1h, DAIF masked */
    check_uc(uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate), "write PSTATE");
    raw_cp_write(uc, 3, 0, 13, 0, 4, 0); /* TPIDR_EL1: makes the engine re-read PSTATE */
    if (fp_enabled)
        raw_cp_write(uc, 3, 0, 1, 0, 2, CPACR_FPEN);
}

static void raw_enter(struct raw_vm *r, uint64_t x0, uint64_t x1)
{
    check_uc(uc_reg_write(r->uc, UC_ARM64_REG_X0, &x0), "write X0");
    check_uc(uc_reg_write(r->uc, UC_ARM64_REG_X1, &x1), "write X1");
}

static void raw_close(struct raw_vm *r)
{
    uc_close(r->uc);
    munmap(r->ram, BENCH_RAM_SIZE);
}

static uint64_t raw_pc(struct raw_vm *r)
{
    uint64_t pc;
    uc_reg_read(r->uc, UC_ARM64_REG_PC, &pc);
    return pc;
}

static double raw_throughput(enum bench_prog p, uint64_t iters)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, iters, BENCH_DATA);
    r.intno = -1;
    double t0 = bench_now_ns();
    uc_emu_start(r.uc, entry(p), 0, 0, 0);
    double t1 = bench_now_ns();
    uint64_t x0 = 1;
    uc_reg_read(r.uc, UC_ARM64_REG_X0, &x0);
    if (r.intno != 11 || (iters && x0 != 0))
        die("raw: the loop did not end with its final HVC");
    raw_close(&r);
    return t1 - t0;
}

/* Engine exception numbers reported through UC_HOOK_INTR. */
#define RAW_EXCP_UDEF 1 /* includes the EL2 traps (MRS CNTPCT_EL0) */
#define RAW_EXCP_HVC  11

/* The raw counterpart of model_exits: stop in the hook, emulate, restart. The
 * host knows the guest (the exiting register is x2, the loop makes exactly n
 * exits before the final HVC), so it decodes nothing. */
static double raw_exits(enum bench_prog p, uint64_t n)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, n, BENCH_MMIO);
    uint64_t pc = entry(p), count = 0;
    double t0 = bench_now_ns();
    for (;;) {
        r.intno = -1;
        r.mem = false;
        uc_emu_start(r.uc, pc, 0, 0, 0);
        pc = raw_pc(&r);
        if (r.mem) {
            if (r.mem_addr != BENCH_MMIO)
                die("raw: MMIO access at the wrong address");
            if (r.mem_write)
                sink = r.mem_value;
            else
                uc_reg_write(r.uc, UC_ARM64_REG_X2, &count);
            pc += 4;
        } else if (r.intno == RAW_EXCP_HVC) {
            if (count == n)
                break;
        } else if (r.intno == RAW_EXCP_UDEF) {
            uc_reg_write(r.uc, UC_ARM64_REG_X2, &count);
            pc += 4;
        } else {
            die("raw: unexpected stop");
        }
        count++;
    }
    double t1 = bench_now_ns();
    uint64_t x0 = 1;
    uc_reg_read(r.uc, UC_ARM64_REG_X0, &x0);
    if (n && x0 != 0)
        die("raw: wrong number of exits");
    raw_close(&r);
    return t1 - t0;
}

static double raw_lifecycle(void)
{
    double t0 = bench_now_ns();
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, 0, 0);
    r.intno = -1;
    uc_emu_start(r.uc, entry(PROG_HVC), 0, 0, 0);
    if (r.intno != RAW_EXCP_HVC)
        die("raw lifecycle: no HVC");
    raw_close(&r);
    return bench_now_ns() - t0;
}

/* ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    enum bench_prog prog;
} exit_benches[] = {
    {"hvc", PROG_HVC},
    {"mmio-st", PROG_MMIO_ST},
    {"mmio-ld", PROG_MMIO_LD},
    {"mrs", PROG_MRS},
};

int bench_run_main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-arm64 run <benchmark> <model|model-rec|raw> <n> [trace]\n");
        return 2;
    }
    char bench[32];
    const char *side = argv[2];
    snprintf(bench, sizeof(bench), "%s", argv[1]);
    char *suffix = strchr(bench, ':');
    if (suffix) {
        if (strcmp(suffix, ":fptrap") != 0)
            die("the only benchmark suffix is :fptrap");
        *suffix = '\0';
        fp_enabled = false;
    }
    uint64_t n = strtoull(argv[3], NULL, 0);
    const char *trace = argc > 4 ? argv[4] : NULL;
    bool raw = strcmp(side, "raw") == 0, rec = strcmp(side, "model-rec") == 0;
    if (!raw && !rec && strcmp(side, "model") != 0)
        die("side must be model, model-rec or raw");
    if (rec && !trace)
        die("model-rec needs a trace path");
    if (!rec)
        trace = NULL;
    load_guest();

    double value;
    if (strcmp(bench, "compute") == 0 || strcmp(bench, "memory") == 0) {
        enum bench_prog p = bench[0] == 'c' ? PROG_COMPUTE : PROG_MEMORY;
        double ns = raw ? raw_throughput(p, n) : model_throughput(p, n, trace);
        value = ns / ((double)n * BENCH_LOOP_INSNS); /* ns per guest instruction */
    } else if (strcmp(bench, "lifecycle") == 0) {
        if (rec)
            die("lifecycle has no recording variant");
        double total = 0;
        for (int w = 0; w < 2; w++) /* warm-up: first-use costs of the process */
            raw ? raw_lifecycle() : model_lifecycle();
        for (uint64_t i = 0; i < n; i++)
            total += raw ? raw_lifecycle() : model_lifecycle();
        value = total / (double)n / 1e3; /* µs per lifecycle */
    } else {
        size_t i = 0, count = sizeof(exit_benches) / sizeof(exit_benches[0]);
        while (i < count && strcmp(exit_benches[i].name, bench) != 0)
            i++;
        if (i == count)
            die("unknown benchmark");
        double ns =
            raw ? raw_exits(exit_benches[i].prog, n) : model_exits(exit_benches[i].prog, n, trace);
        value = n ? ns / (double)n : ns; /* ns per exit */
    }
    printf("%.6f\n", value);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return bench_run_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "suite") == 0)
        return bench_suite_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "trace-size") == 0)
        return trace_size_main(argc - 1, argv + 1);
    fprintf(stderr, "usage: bench-arm64 run|suite|trace-size ...\n"
                    "  (bash bench/bench.sh builds it and runs the suite)\n");
    return 2;
}
