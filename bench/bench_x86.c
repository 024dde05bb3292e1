/*
 * bench_x86.c — the x86 flavour's benchmarks, each measured once per process:
 *
 *   bench-x86 run <benchmark> <side> <n> [trace]
 *   bench-x86 trace-size <trace.hvt>
 *
 * benchmark: compute | memory (n loop iterations, prints ns per guest
 *            instruction), io | cpuid | mmio-st | mmio-ld (n exits, prints ns
 *            per exit round trip), lifecycle (n VM lifecycles, prints µs each).
 * side:      model (hvmodel through the public Hypervisor.framework x86 API),
 *            model-rec (the same, recording a trace to [trace]), raw (Unicorn
 *            driven directly through its public API on the same guest code,
 *            with the cheapest stop and restart it allows: a hook calls
 *            uc_emu_stop, or an unmapped-memory hook returns false and the
 *            host restarts uc_emu_start at the right RIP).
 *
 * Both sides run the same guest image (bench/guest/bench_x86.S, assembled
 * next to the executable as bench-x86-guest.bin) at the same address, in
 * 32-bit protected mode with paging off and flat segments: under the model a
 * VMX guest (unrestricted guest, HLT and unconditional I/O exiting, EPT
 * violations for the unmapped MMIO address), under the raw engine its
 * UC_MODE_32 reset state. The suite itself is bench-arm64's (`suite --x86`),
 * which runs both flavours into one table.
 */
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>
#include <unicorn/unicorn.h>

#include "bench.h"
#include "bench_common.h"

const char bench_name[] = "bench-x86";

/* Where the guest lives (bench/guest/bench_x86.S). */
#define X_RAM_SIZE (64ull << 20)
#define X_LOAD     0x10000ull
#define X_DATA     0x100000ull   /* the memory loop's buffer */
#define X_MMIO     0xd0000000ull /* unmapped: every access exits */
#define X_PORT     0x80u
#define X_STACK    0x8000ull

enum x_prog { XP_COMPUTE, XP_MEMORY, XP_IO, XP_CPUID, XP_MMIO_ST, XP_MMIO_LD };

/* The benchmarks that count exits. */
static const struct bench_exit exit_benches[] = {
    {"io", XP_IO},
    {"cpuid", XP_CPUID},
    {"mmio-st", XP_MMIO_ST},
    {"mmio-ld", XP_MMIO_LD},
};

/* The MMIO loops' access, `mov %eax, (%ebx)` / `mov (%ebx), %eax`: the VMM of
 * this benchmark knows its guest and does not decode (both sides alike). */
#define X_MMIO_INSN_LEN 2u

static uint64_t entry(enum x_prog p)
{
    return X_LOAD + 0x100u * (unsigned)p;
}

/* ------------------------------------------------------------------------ */
/* The model side: an ordinary Hypervisor.framework (x86) VMM.              */
/* ------------------------------------------------------------------------ */

struct model_vm {
    void *ram;
    hv_vcpuid_t vcpu;
};

/* Accessors that end the program on an error. */
static uint64_t vmcs_get(hv_vcpuid_t vcpu, uint32_t field)
{
    uint64_t v;
    bench_check_hv(hv_vmx_vcpu_read_vmcs(vcpu, field, &v), "hv_vmx_vcpu_read_vmcs");
    return v;
}

/* A control by the (want | allowed-0) & allowed-1 rule VMMs apply. */
static uint64_t ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c;
    bench_check_hv(hv_vmx_read_capability(cap, &c), "hv_vmx_read_capability");
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

static uint64_t reg_get(hv_vcpuid_t vcpu, hv_x86_reg_t r)
{
    uint64_t v;
    bench_check_hv(hv_vcpu_read_register(vcpu, r, &v), "hv_vcpu_read_register");
    return v;
}

#define vmcs_put(vcpu, field, v)                                                                   \
    bench_check_hv(hv_vmx_vcpu_write_vmcs(vcpu, field, v), "hv_vmx_vcpu_write_vmcs")
#define reg_set(vcpu, r, v)                                                                        \
    bench_check_hv(hv_vcpu_write_register(vcpu, r, v), "hv_vcpu_write_register")

static void model_open(struct model_vm *m, const char *trace)
{
    if (trace)
        bench_check_hv(hvm_trace_start(trace), "hvm_trace_start");
    bench_check_hv(hv_vm_create(HV_VM_DEFAULT), "hv_vm_create");
    bench_check_hv(hv_vm_allocate(&m->ram, X_RAM_SIZE, HV_ALLOCATE_DEFAULT), "hv_vm_allocate");
    memcpy((char *)m->ram + X_LOAD, bench_guest, bench_guest_len);
    bench_check_hv(
        hv_vm_map(m->ram, 0, X_RAM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
        "hv_vm_map");
    bench_check_hv(hv_vcpu_create(&m->vcpu, HV_VCPU_DEFAULT), "hv_vcpu_create");
    hv_vcpuid_t c = m->vcpu;
    vmcs_put(c, VMCS_CTRL_PIN_BASED, ctrl(HV_VMX_CAP_PINBASED, 0));
    vmcs_put(c, VMCS_CTRL_CPU_BASED, ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT));
    vmcs_put(c, VMCS_CTRL_CPU_BASED2, ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    vmcs_put(c, VMCS_CTRL_VMENTRY_CONTROLS, ctrl(HV_VMX_CAP_ENTRY, 0));
    vmcs_put(c, VMCS_CTRL_EXC_BITMAP, 0);
    /* Flat 32-bit protected mode, paging off: CS 0x08, data 0x10. */
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (int i = 0; i < 6; i++) {
        vmcs_put(c, segs[i], i == 0 ? 0x08 : 0x10);
        vmcs_put(c, segs[i] + 0x4000, 0xffffffffu);                /* limit */
        vmcs_put(c, segs[i] + 0x4014, i == 0 ? 0xc09bu : 0xc093u); /* access rights */
        vmcs_put(c, segs[i] + 0x6006, 0);                          /* base */
    }
    vmcs_put(c, VMCS_GUEST_LDTR_AR, 0x10000);
    vmcs_put(c, VMCS_GUEST_TR_AR, 0x8b);
    vmcs_put(c, VMCS_GUEST_TR_LIMIT, 0x67);
    vmcs_put(c, VMCS_GUEST_CR0, 0x21); /* PE | NE */
    vmcs_put(c, VMCS_GUEST_CR4, 0x2000);
    reg_set(c, HV_X86_RFLAGS, 2);
    reg_set(c, HV_X86_RSP, X_STACK);
}

static void model_enter(struct model_vm *m, enum x_prog p, uint64_t edi, uint64_t ebx)
{
    reg_set(m->vcpu, HV_X86_RIP, entry(p));
    reg_set(m->vcpu, HV_X86_RDI, edi);
    reg_set(m->vcpu, HV_X86_RBX, ebx);
    reg_set(m->vcpu, HV_X86_RDX, X_PORT);
}

static void model_close(struct model_vm *m)
{
    bench_check_hv(hv_vcpu_destroy(m->vcpu), "hv_vcpu_destroy");
    bench_check_hv(hv_vm_unmap(0, X_RAM_SIZE), "hv_vm_unmap");
    bench_check_hv(hv_vm_deallocate(m->ram, X_RAM_SIZE), "hv_vm_deallocate");
    bench_check_hv(hv_vm_destroy(), "hv_vm_destroy");
}

static uint64_t model_reason(struct model_vm *m)
{
    return vmcs_get(m->vcpu, VMCS_RO_EXIT_REASON) & 0xffff;
}

static void model_lifecycle(void)
{
    struct model_vm m;
    model_open(&m, NULL);
    model_enter(&m, XP_IO, 0, 0);
    bench_check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    if (model_reason(&m) != VMX_REASON_HLT)
        bench_die("lifecycle: no HLT exit");
    model_close(&m);
}

static double model_throughput(int p, uint64_t iters, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, iters, X_DATA);
    double t0 = bench_now_ns();
    bench_check_hv(hv_vcpu_run(m.vcpu), "hv_vcpu_run");
    double t1 = bench_now_ns();
    if (model_reason(&m) != VMX_REASON_HLT || reg_get(m.vcpu, HV_X86_RDI) != 0)
        bench_die("the loop did not end with its HLT");
    model_close(&m);
    return t1 - t0;
}

/* The VMM loop of an exit benchmark: what a VMM does for each exit (an OUT
 * from the qualification and RAX, CPUID answered in RAX..RDX, an MMIO store
 * or load from the EPT violation's GPA and qualification), then RIP past the
 * instruction. Returns the nanoseconds for the n exits and the final HLT. */
static double model_exits(int p, uint64_t n, const char *trace)
{
    struct model_vm m;
    model_open(&m, trace);
    model_enter(&m, p, n, X_MMIO);
    hv_vcpuid_t c = m.vcpu;
    uint64_t count = 0;
    double t0 = bench_now_ns();
    for (;;) {
        bench_check_hv(hv_vcpu_run(c), "hv_vcpu_run");
        uint64_t reason = model_reason(&m), len;
        if (reason == VMX_REASON_HLT) {
            break;
        } else if (reason == VMX_REASON_IO) {
            uint64_t q = vmcs_get(c, VMCS_RO_EXIT_QUALIFIC);
            if ((q >> 16) != X_PORT || (q & 8))
                bench_die("I/O exit with the wrong port or direction");
            bench_sink = reg_get(c, HV_X86_RAX);
            len = vmcs_get(c, VMCS_RO_VMEXIT_INSTR_LEN);
        } else if (reason == VMX_REASON_CPUID) {
            bench_sink = reg_get(c, HV_X86_RAX);
            reg_set(c, HV_X86_RAX, count);
            reg_set(c, HV_X86_RBX, 0);
            reg_set(c, HV_X86_RCX, 0);
            reg_set(c, HV_X86_RDX, X_PORT);
            len = vmcs_get(c, VMCS_RO_VMEXIT_INSTR_LEN);
        } else if (reason == VMX_REASON_EPT_VIOLATION) {
            uint64_t q = vmcs_get(c, VMCS_RO_EXIT_QUALIFIC);
            if (vmcs_get(c, VMCS_GUEST_PHYSICAL_ADDRESS) != X_MMIO)
                bench_die("EPT violation at the wrong address");
            if (q & 2) /* a write */
                bench_sink = reg_get(c, HV_X86_RAX);
            else
                reg_set(c, HV_X86_RAX, count);
            len = X_MMIO_INSN_LEN;
        } else {
            bench_die("unexpected exit reason");
        }
        reg_set(c, HV_X86_RIP, reg_get(c, HV_X86_RIP) + len);
        count++;
    }
    double t1 = bench_now_ns();
    if (count != n || reg_get(c, HV_X86_RDI) != 0)
        bench_die("wrong number of exits");
    model_close(&m);
    return t1 - t0;
}

/* ------------------------------------------------------------------------ */
/* The raw side: Unicorn alone, public API only.                            */
/* ------------------------------------------------------------------------ */

struct raw_vm {
    uc_engine *uc;
    void *ram;
    uint64_t count; /* exits so far: the value CPUID and MMIO loads return */
    /* What the last run's hooks saw. */
    bool io, cpuid, mem, mem_write;
    uint64_t mem_addr;
};

static void raw_out_hook(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
    struct raw_vm *r = user;
    if (port != X_PORT)
        bench_die("raw: OUT to the wrong port");
    bench_sink = value;
    r->io = true;
    uc_emu_stop(uc);
}

static int raw_cpuid_hook(uc_engine *uc, void *user)
{
    struct raw_vm *r = user;
    uint32_t in = 0, eax = (uint32_t)r->count, zero = 0, edx = X_PORT;
    uc_reg_read(uc, UC_X86_REG_EAX, &in);
    bench_sink = in;
    uc_reg_write(uc, UC_X86_REG_EAX, &eax);
    uc_reg_write(uc, UC_X86_REG_EBX, &zero);
    uc_reg_write(uc, UC_X86_REG_ECX, &zero);
    uc_reg_write(uc, UC_X86_REG_EDX, &edx);
    r->cpuid = true;
    uc_emu_stop(uc);
    return 1; /* the hook answered: skip the engine's CPUID */
}

static bool raw_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                              int64_t value, void *user)
{
    struct raw_vm *r = user;
    r->mem = true;
    r->mem_write = type == UC_MEM_WRITE_UNMAPPED;
    r->mem_addr = addr;
    if (r->mem_write)
        bench_sink = (uint64_t)value;
    return false; /* the engine stops with RIP on the access */
}

static void raw_open(struct raw_vm *r)
{
    memset(r, 0, sizeof(*r));
    r->ram = mmap(NULL, X_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->ram == MAP_FAILED)
        bench_die("mmap");
    memcpy((char *)r->ram + X_LOAD, bench_guest, bench_guest_len);
    bench_check_uc(uc_open(UC_ARCH_X86, UC_MODE_32, &r->uc), "uc_open");
    uc_engine *uc = r->uc;
    bench_check_uc(uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU64), "set the CPU model");
    bench_check_uc(uc_mem_map_ptr(uc, 0, X_RAM_SIZE, UC_PROT_ALL, r->ram), "uc_mem_map_ptr");
    uc_hook h;
    bench_check_uc(uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)raw_out_hook, r, 1, 0, UC_X86_INS_OUT),
                   "OUT hook");
    bench_check_uc(
        uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)raw_cpuid_hook, r, 1, 0, UC_X86_INS_CPUID),
        "CPUID hook");
    bench_check_uc(uc_hook_add(uc, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                               (void *)raw_unmapped_hook, r, 1, 0),
                   "unmapped hook");
    uint32_t sp = X_STACK;
    bench_check_uc(uc_reg_write(uc, UC_X86_REG_ESP, &sp), "write ESP");
}

static void raw_enter(struct raw_vm *r, uint64_t edi64, uint64_t ebx64)
{
    uint32_t edi = (uint32_t)edi64, ebx = (uint32_t)ebx64, dx = X_PORT;
    bench_check_uc(uc_reg_write(r->uc, UC_X86_REG_EDI, &edi), "write EDI");
    bench_check_uc(uc_reg_write(r->uc, UC_X86_REG_EBX, &ebx), "write EBX");
    bench_check_uc(uc_reg_write(r->uc, UC_X86_REG_EDX, &dx), "write EDX");
}

static void raw_close(struct raw_vm *r)
{
    uc_close(r->uc);
    munmap(r->ram, X_RAM_SIZE);
}

static uint32_t raw_reg(struct raw_vm *r, int reg)
{
    uint32_t v = 0;
    uc_reg_read(r->uc, reg, &v);
    return v;
}

/* The guest stopped at its final HLT: the engine leaves EIP after it. */
static bool raw_at_hlt(struct raw_vm *r, uint64_t eip)
{
    return eip > X_LOAD && eip - 1 - X_LOAD < bench_guest_len &&
           bench_guest[eip - 1 - X_LOAD] == 0xf4;
}

static void raw_lifecycle(void)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, 0, 0);
    uc_emu_start(r.uc, entry(XP_IO), 0, 0, 0);
    if (!raw_at_hlt(&r, raw_reg(&r, UC_X86_REG_EIP)))
        bench_die("raw lifecycle: no HLT");
    raw_close(&r);
}

static double raw_throughput(int p, uint64_t iters)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, iters, X_DATA);
    double t0 = bench_now_ns();
    uc_emu_start(r.uc, entry(p), 0, 0, 0);
    double t1 = bench_now_ns();
    if (!raw_at_hlt(&r, raw_reg(&r, UC_X86_REG_EIP)) || raw_reg(&r, UC_X86_REG_EDI) != 0)
        bench_die("raw: the loop did not end with its HLT");
    raw_close(&r);
    return t1 - t0;
}

/* The raw counterpart of model_exits: stop in the hook, emulate, restart.
 * An OUT or CPUID hook's stop takes effect at the end of its translated
 * block, so the engine has already moved on to the next one; an unmapped
 * access leaves EIP on the instruction, which the host steps over. */
static double raw_exits(int p, uint64_t n)
{
    struct raw_vm r;
    raw_open(&r);
    raw_enter(&r, n, X_MMIO);
    uint64_t eip = entry(p);
    double t0 = bench_now_ns();
    for (;;) {
        r.io = r.cpuid = r.mem = false;
        uc_emu_start(r.uc, eip, 0, 0, 0);
        eip = raw_reg(&r, UC_X86_REG_EIP);
        if (r.mem) {
            if (r.mem_addr != X_MMIO)
                bench_die("raw: MMIO access at the wrong address");
            uint32_t eax = (uint32_t)r.count;
            if (!r.mem_write)
                uc_reg_write(r.uc, UC_X86_REG_EAX, &eax);
            eip += X_MMIO_INSN_LEN;
        } else if (!r.io && !r.cpuid) {
            if (!raw_at_hlt(&r, eip))
                bench_die("raw: unexpected stop");
            break;
        }
        r.count++;
    }
    double t1 = bench_now_ns();
    if (r.count != n || raw_reg(&r, UC_X86_REG_EDI) != 0)
        bench_die("raw: wrong number of exits");
    raw_close(&r);
    return t1 - t0;
}

/* ------------------------------------------------------------------------ */

static const struct bench_flavour flavour = {"bench-x86-guest.bin", 0x501, XP_COMPUTE, XP_MEMORY,
                                             BENCH_FLAVOUR_FUNCTIONS};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return bench_run(argc - 1, argv + 1, &flavour);
    if (argc >= 2 && strcmp(argv[1], "trace-size") == 0)
        return trace_size_main(argc - 1, argv + 1);
    fprintf(stderr, "usage: bench-x86 run|trace-size ...\n"
                    "  (bash bench/bench.sh builds it and runs the suite of both flavours)\n");
    return 2;
}
