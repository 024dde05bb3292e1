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
#include "bench_common.h"

const char bench_name[] = "bench-arm64";

/* Guest exception classes the VMM loops handle (ESR_EL2[31:26]). */
#define EC_HVC64  0x16u
#define EC_SYSREG 0x18u
#define EC_DABT   0x24u

/* The EL2/EL3 set-up both sides use (the model's, docs/arm64.md): HVC is an
 * HVC, CNTPCT_EL0 traps. */
#define SCR_EL3_VALUE ((1u << 0) | (1u << 8) | (1u << 10))
#define HCR_EL2_VALUE                                                                              \
    ((1ull << 31) | (1ull << 28) | (1ull << 19) | (1ull << 18) | (1ull << 14) | (1ull << 13))

/* CPACR_EL1.FPEN = 3 (SIMD&FP enabled at EL0 and EL1, as an OS sets it up
 * early) unless the benchmark name ends in ":fptrap", which keeps the reset
 * value 0 (FP accesses trap to EL1: the model then checks every block for
 * SIMD&FP instructions, docs/arm64.md). */
static bool fp_enabled = true;
#define CPACR_FPEN (3ull << 20)

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
        bench_check_hv(hvm_trace_start(trace), "hvm_trace_start");
    bench_check_hv(hv_vm_create(NULL), "hv_vm_create");
    bench_check_hv(hv_vm_allocate(&m->ram, BENCH_RAM_SIZE, HV_ALLOCATE_DEFAULT), "hv_vm_allocate");
    memcpy(m->ram, bench_guest, bench_guest_len);
    bench_check_hv(hv_vm_map(m->ram, BENCH_RAM_BASE, BENCH_RAM_SIZE,
                             HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                   "hv_vm_map");
    bench_check_hv(hv_vcpu_create(&m->vcpu, &m->exit, NULL), "hv_vcpu_create");
    bench_check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_CPSR, 0x3c5), "set CPSR");
    if (fp_enabled)
        bench_check_hv(hv_vcpu_set_sys_reg(m->vcpu, HV_SYS_REG_CPACR_EL1, CPACR_FPEN),
                       "set CPACR_EL1");
}

static void model_enter(struct model_vm *m, enum bench_prog p, uint64_t x0, uint64_t x1)
{
    bench_check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_PC, entry(p)), "set PC");
    bench_check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_X0, x0), "set X0");
    bench_check_hv(hv_vcpu_set_reg(m->vcpu, HV_REG_X1, x1), "set X1");
}

static void model_close(struct model_vm *m)
{
    bench_check_hv(hv_vcpu_destroy(m->vcpu), "hv_vcpu_destroy");
    bench_check_hv(hv_vm_unmap(BENCH_RAM_BASE, BENCH_RAM_SIZE), "hv_vm_unmap");
    bench_check_hv(hv_vm_deallocate(m->ram, BENCH_RAM_SIZE), "hv_vm_deallocate");
    bench_check_hv(hv_vm_destroy(), "hv_vm_destroy");
}

static bool is_final_hvc(const hv_vcpu_exit_t *e)
{
    uint64_t esr = e->exception.syndrome;
    return e->reason == HV_EXIT_REASON_EXCEPTION && (esr >> 26) == EC_HVC64 && (esr & 0xffff) == 1;
}

/* Runs a loop program to its final HVC; returns the nanoseconds spent in
 * hv_vcpu_run. */
static double model_throughput(int p, uint64_t iters, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, iters, BENCH_DATA);
    double t0 = bench_now_ns();
    bench_check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    double t1 = bench_now_ns();
    if (!is_final_hvc(m.exit))
        bench_die("the loop did not end with its final HVC");
    model_close(&m);
    return t1 - t0;
}

static uint64_t reg_get(hv_vcpu_t vcpu, hv_reg_t r)
{
    uint64_t v;
    bench_check_hv(hv_vcpu_get_reg(vcpu, r, &v), "hv_vcpu_get_reg");
    return v;
}

static void reg_set(hv_vcpu_t vcpu, hv_reg_t r, uint64_t v)
{
    bench_check_hv(hv_vcpu_set_reg(vcpu, r, v), "hv_vcpu_set_reg");
}

/* The VMM loop of an exit benchmark: the minimal emulation a VMM does for each
 * exit (an MMIO access from the data-abort syndrome, a trapped MRS from the
 * system-register syndrome, PC += 4 where the framework leaves PC on the
 * instruction). Returns the nanoseconds for the n exits and the final one. */
static double model_exits(int p, uint64_t n, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, n, BENCH_MMIO);
    uint64_t count = 0;
    double t0 = bench_now_ns();
    for (;;) {
        bench_check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
        if (m.exit->reason != HV_EXIT_REASON_EXCEPTION)
            bench_die("unexpected exit reason");
        uint64_t esr = m.exit->exception.syndrome;
        unsigned ec = (unsigned)(esr >> 26) & 0x3f;
        if (ec == EC_HVC64) {
            if ((esr & 0xffff) == 1)
                break;
        } else if (ec == EC_DABT) {
            if (!(esr & (1u << 24)) || m.exit->exception.physical_address != BENCH_MMIO)
                bench_die("MMIO exit without a valid syndrome or at the wrong address");
            unsigned srt = (esr >> 16) & 31;
            if (esr & (1u << 6))
                bench_sink = srt == 31 ? 0 : reg_get(m.vcpu, HV_REG_X0 + srt);
            else if (srt != 31)
                reg_set(m.vcpu, HV_REG_X0 + srt, count);
            reg_set(m.vcpu, HV_REG_PC, reg_get(m.vcpu, HV_REG_PC) + 4);
        } else if (ec == EC_SYSREG) {
            unsigned rt = (esr >> 5) & 31;
            if (rt != 31)
                reg_set(m.vcpu, HV_REG_X0 + rt, count);
            reg_set(m.vcpu, HV_REG_PC, reg_get(m.vcpu, HV_REG_PC) + 4);
        } else {
            bench_die("unexpected exception class");
        }
        count++;
    }
    double t1 = bench_now_ns();
    if (count != n)
        bench_die("wrong number of exits");
    model_close(&m);
    return t1 - t0;
}

static void model_lifecycle(void)
{
    struct model_vm m;
    model_open(&m, NULL);
    model_enter(&m, PROG_HVC, 0, 0);
    bench_check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    if (!is_final_hvc(m.exit))
        bench_die("lifecycle: no HVC exit");
    model_close(&m);
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
    bench_check_uc(uc_reg_write(uc, UC_ARM64_REG_CP_REG, &cp), "write a system register");
}

static void raw_open(struct raw_vm *r)
{
    memset(r, 0, sizeof(*r));
    r->ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->ram == MAP_FAILED)
        bench_die("mmap");
    memcpy(r->ram, bench_guest, bench_guest_len);
    bench_check_uc(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &r->uc), "uc_open");
    uc_engine *uc = r->uc;
    bench_check_uc(uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_A72), "set the CPU model");
    bench_check_uc(uc_ctl_exits_enable(uc), "enable exits");
    bench_check_uc(uc_ctl_set_exits(uc, NULL, 0), "set no exit address");
    raw_cp_write(uc, 3, 6, 1, 1, 0, SCR_EL3_VALUE);
    raw_cp_write(uc, 3, 4, 1, 1, 0, HCR_EL2_VALUE);
    raw_cp_write(uc, 3, 4, 14, 1, 0, 0); /* CNTHCTL_EL2: CNTPCT traps */
    bench_check_uc(uc_mem_map_ptr(uc, BENCH_RAM_BASE, BENCH_RAM_SIZE, UC_PROT_ALL, r->ram),
                   "uc_mem_map_ptr");
    uc_hook h;
    bench_check_uc(uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)raw_intr_hook, r, 1, 0), "INTR hook");
    bench_check_uc(uc_hook_add(uc, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                               (void *)raw_unmapped_hook, r, 1, 0),
                   "unmapped hook");
    uint32_t pstate = 0x3c5; /* EL1h, DAIF masked */
    bench_check_uc(uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate), "write PSTATE");
    raw_cp_write(uc, 3, 0, 13, 0, 4, 0); /* TPIDR_EL1: makes the engine re-read PSTATE */
    if (fp_enabled)
        raw_cp_write(uc, 3, 0, 1, 0, 2, CPACR_FPEN);
}

static void raw_enter(struct raw_vm *r, uint64_t x0, uint64_t x1)
{
    bench_check_uc(uc_reg_write(r->uc, UC_ARM64_REG_X0, &x0), "write X0");
    bench_check_uc(uc_reg_write(r->uc, UC_ARM64_REG_X1, &x1), "write X1");
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

static double raw_throughput(int p, uint64_t iters)
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
        bench_die("raw: the loop did not end with its final HVC");
    raw_close(&r);
    return t1 - t0;
}

/* Engine exception numbers reported through UC_HOOK_INTR. */
#define RAW_EXCP_UDEF 1 /* includes the EL2 traps (MRS CNTPCT_EL0) */
#define RAW_EXCP_HVC  11

/* The raw counterpart of model_exits: stop in the hook, emulate, restart. The
 * host knows the guest (the exiting register is x2, the loop makes exactly n
 * exits before the final HVC), so it decodes nothing. */
static double raw_exits(int p, uint64_t n)
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
                bench_die("raw: MMIO access at the wrong address");
            if (r.mem_write)
                bench_sink = r.mem_value;
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
            bench_die("raw: unexpected stop");
        }
        count++;
    }
    double t1 = bench_now_ns();
    uint64_t x0 = 1;
    uc_reg_read(r.uc, UC_ARM64_REG_X0, &x0);
    if (n && x0 != 0)
        bench_die("raw: wrong number of exits");
    raw_close(&r);
    return t1 - t0;
}

static void raw_lifecycle(void)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, 0, 0);
    r.intno = -1;
    uc_emu_start(r.uc, entry(PROG_HVC), 0, 0, 0);
    if (r.intno != RAW_EXCP_HVC)
        bench_die("raw lifecycle: no HVC");
    raw_close(&r);
}

/* ------------------------------------------------------------------------ */

static const struct bench_exit exit_benches[] = {
    {"hvc", PROG_HVC},
    {"mmio-st", PROG_MMIO_ST},
    {"mmio-ld", PROG_MMIO_LD},
    {"mrs", PROG_MRS},
};

static const struct bench_flavour flavour = {"bench-guest.bin", 24, PROG_COMPUTE, PROG_MEMORY,
                                             BENCH_FLAVOUR_FUNCTIONS};

int bench_run_main(int argc, char **argv)
{
    char bench[32];
    if (argc >= 4) { /* <benchmark>[:fptrap] */
        snprintf(bench, sizeof(bench), "%s", argv[1]);
        char *suffix = strchr(bench, ':');
        if (suffix) {
            if (strcmp(suffix, ":fptrap") != 0)
                bench_die("the only benchmark suffix is :fptrap");
            *suffix = '\0';
            fp_enabled = false;
        }
        argv[1] = bench;
    }
    return bench_run(argc, argv, &flavour);
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
