/*
 * fuzz_api_x86.c — runs the input as a program of x86 hv_* and hv_vmx_*
 * calls and checks every answer against the contract (include/hv/Hypervisor/
 * hv.h, hv_vmx.h, hv_arch_vmx.h; the model's choices where Apple is silent
 * are those of docs/x86.md and tests/x86/test_x86_api.c).
 *
 * The input is bytecode: an op byte, then the bytes its arguments need
 * (missing bytes read as 0). The ops create and destroy the VM (with fuzzed
 * option bits), allocate and free memory, map, unmap and protect guest
 * memory (also through the *_space calls) backed by a fixed host pool and by
 * hv_vm_allocate blocks, create and destroy vCPUs (with fuzzed options), read
 * and write registers, VMCS fields, MSRs and the FP state, query the
 * capabilities, enable native MSRs, drive the TSC calls and the virtual
 * clock, write fuzzed guest code into mapped memory and run it with
 * hv_vcpu_run or hv_vcpu_run_until, kick with hv_vcpu_interrupt, and call the
 * facilities the model does not have. A second thread owns a vCPU of its own
 * and may kick, map, unmap, protect or run while the first thread's vCPU runs.
 *
 * Checks after every call:
 *  - the return code is the one the contract names for the arguments and the
 *    state (a shadow of the EPT predicts map/unmap/protect; a table of the
 *    VMCS access classes Apple documents predicts VMCS writes);
 *  - a VMCS write, and a write to a register aliasing a guest-state field,
 *    reads back as the value cut to the field's width (bits 14:13 of the
 *    encoding); a refused write changes nothing; hv_vmx_vcpu_get_cap_write_vmcs
 *    agrees with hv_vmx_read_capability and with what writes accept;
 *  - general and debug registers, XCR0, the FP state and several MSRs read
 *    back what was written; hv_vm_sync_tsc sets the TSC exactly;
 *  - hv_vm_destroy is HV_BUSY while vCPUs exist, HV_NO_DEVICE without a VM;
 *  - a run returns HV_SUCCESS with a defined basic exit reason, never passes
 *    its instruction budget, exits with VMX_REASON_IRQ before any instruction
 *    after a kick, with VMX_REASON_VMX_TIMER_EXPIRED at a run_until deadline
 *    it reached, and an EPT violation names a GPA the shadow does not allow
 *    for the access in its qualification.
 * Each input ends by destroying everything it created.
 *
 * Runs are bounded by hvm_replay_cancel_at (an instruction budget). A guest
 * that retires no instructions is ended by a watchdog thread that kicks the
 * vCPU after FUZZ_WATCHDOG_MS of host time; that is reported on stderr, and
 * is an invariant failure when the environment sets FUZZ_API_STRICT_TIME=1.
 *
 * With libFuzzer (clang -fsanitize=fuzzer) a broken invariant aborts; with
 * fuzz/driver.c it is counted through fuzz_invariant_failed().
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "shadow.h"
#include "util.h"

const char fuzz_name[] = "fuzz_api_x86";

#define POOL_SIZE        (1u << 20) /* host memory behind most mappings */
#define PAGE             4096u
#define GPA_BITS         39u
#define MAX_PAGES        1024u         /* shadow EPT entries, in pages */
#define SPARE_GPA        0x40000000ull /* where the second thread maps */
#define FUZZ_WATCHDOG_MS 250
#define MAX_RUNS         48  /* per input */
#define MAX_BLOCK_INSNS  512 /* the engine stops only between blocks of at most this */
#define FPSTATE_SIZE     4096u
#define RWX              (HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)
#define MODEL_CHOICE     ((hv_return_t)-1) /* op_vmcs: decided by get_cap_write_vmcs */

/* ------------------------------------------------------------------------ */
/* State of the program under test, as the harness believes it to be         */
/* ------------------------------------------------------------------------ */

struct worker;

static struct state {
    bool broken; /* an invariant failed: stop interpreting */
    bool vm;
    uint32_t spaces; /* address spaces that exist besides the default (bit n: space n) */
    bool trace_requested;
    struct shadow sh; /* shadow EPT, one entry per page (shadow.h) */
    /* the vCPU this thread owns */
    bool vcpu;
    hv_vcpuid_t id;
    uint64_t options;
    int kick_owed; /* 0 no, 1 yes, -1 unknown */
    unsigned runs;
    struct worker *w;
} S;

static uint8_t *pool;
static char trace_path[64];

#define failf(...) fuzz_failf(&S.broken, __VA_ARGS__)

#define EXPECT_RET(call, got, want)                                                                \
    do {                                                                                           \
        if ((got) != (want))                                                                       \
            failf("%s: returned %s, expected %s", call, hvm_strerror(got), hvm_strerror(want));    \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Shadow EPT (shadow.h)                                                    */
/* ------------------------------------------------------------------------ */

static const struct shadow_contract contract = {
    .ok = HV_SUCCESS,
    .bad_argument = HV_BAD_ARGUMENT,
    .no_device = HV_NO_DEVICE,
    .strerror = hvm_strerror,
    .prot_mask = RWX,
    .host_page = PAGE,
    .max_pages = MAX_PAGES,
    .near = 0xf0000, /* the BIOS area */
    .near_step = PAGE,
    .near_count = 16,
    .spare = SPARE_GPA,
};

/* ------------------------------------------------------------------------ */
/* Watchdog (util.h)                                                        */
/* ------------------------------------------------------------------------ */

static void kick_vcpu(uint64_t id)
{
    hv_vcpuid_t v = (hv_vcpuid_t)id;
    hv_vcpu_interrupt(&v, 1);
}

#define watch_begin(slot, id) fuzz_watch_begin(slot, id, FUZZ_WATCHDOG_MS, kick_vcpu)
#define watch_end(slot)       fuzz_watch_end(slot, 3, "FUZZ_API_STRICT_TIME", &S.broken)

/* ------------------------------------------------------------------------ */
/* The second thread                                                        */
/* ------------------------------------------------------------------------ */

enum wcmd {
    W_NONE,
    W_CREATE,
    W_DESTROY,
    W_RUN,
    W_KICK,
    W_MAP,
    W_UNMAP,
    W_PROTECT,
    W_FOREIGN,
};

struct worker {
    struct fuzz_worker t; /* first: the thread (util.h) */
    /* arguments and results */
    hv_return_t ret;
    uint64_t a, b, c;
    uint8_t *host;
    hv_vcpuid_t kick_id;
    uint64_t icount_before, icount_after;
    uint64_t reason;
    unsigned foreign_bad; /* owner-only calls that did not answer BAD_ARGUMENT */
    /* the worker's vCPU */
    bool vcpu;
    hv_vcpuid_t id;
};

static void worker_do(struct fuzz_worker *t, int cmd)
{
    struct worker *w = (struct worker *)t;
    switch ((enum wcmd)cmd) {
    case W_CREATE: w->ret = hv_vcpu_create(&w->id, HV_VCPU_DEFAULT); break;
    case W_DESTROY: w->ret = hv_vcpu_destroy(w->id); break;
    case W_RUN: {
        hvm_vcpu_get_instruction_count(w->id, &w->icount_before);
        hvm_replay_cancel_at(w->id, w->icount_before + w->a);
        watch_begin(1, w->id);
        w->ret = hv_vcpu_run(w->id);
        watch_end(1);
        w->reason = 0;
        hv_vmx_vcpu_read_vmcs(w->id, VMCS_RO_EXIT_REASON, &w->reason);
        hvm_vcpu_get_instruction_count(w->id, &w->icount_after);
        break;
    }
    case W_KICK: w->ret = hv_vcpu_interrupt(&w->kick_id, 1); break;
    case W_MAP: w->ret = hv_vm_map(w->host, w->a, w->b, w->c); break;
    case W_UNMAP: w->ret = hv_vm_unmap(w->a, w->b); break;
    case W_PROTECT: w->ret = hv_vm_protect(w->a, w->b, w->c); break;
    case W_FOREIGN: {
        hv_vcpuid_t id = w->kick_id;
        uint64_t v = 0;
        uint8_t fp[FPSTATE_SIZE];
        unsigned bad = 0;
        bad += hv_vcpu_read_register(id, HV_X86_RAX, &v) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_write_register(id, HV_X86_RAX, 1) != HV_BAD_ARGUMENT;
        bad += hv_vmx_vcpu_read_vmcs(id, VMCS_GUEST_RIP, &v) != HV_BAD_ARGUMENT;
        bad += hv_vmx_vcpu_write_vmcs(id, VMCS_GUEST_RIP, 0) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_read_msr(id, 0x174, &v) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_read_fpstate(id, fp, sizeof(fp)) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_run(id) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_run_until(id, HV_DEADLINE_FOREVER) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_destroy(id) != HV_BAD_ARGUMENT;
        bad += hvm_vcpu_get_instruction_count(id, &v) != HV_BAD_ARGUMENT;
        w->foreign_bad = bad;
        w->ret = HV_SUCCESS;
        break;
    }
    default: break;
    }
}

static struct worker *worker_get(void)
{
    if (!S.w)
        S.w = (struct worker *)fuzz_worker_new(sizeof(struct worker), worker_do);
    return S.w;
}

static hv_return_t worker_call(struct worker *w, enum wcmd cmd)
{
    fuzz_worker_call(&w->t, (int)cmd);
    return w->ret;
}

static void worker_stop(void)
{
    if (!S.w)
        return;
    hv_return_t r = S.w->vcpu ? worker_call(S.w, W_DESTROY) : HV_SUCCESS;
    EXPECT_RET("hv_vcpu_destroy (second thread, cleanup)", r, HV_SUCCESS);
    fuzz_worker_free(&S.w->t);
    S.w = NULL;
}

/* A map, unmap or protect for the second thread to make while the first
 * runs (shadow_gen_call), set up in w; the command that makes it. */
static enum wcmd worker_shadow_call(struct worker *w, uint8_t k, struct input *in,
                                    struct shadow_call *call)
{
    shadow_gen_call(&S.sh, S.vm, k, in, pool, POOL_SIZE, call);
    w->a = call->addr;
    w->b = call->size;
    w->c = call->flags;
    w->host = call->host;
    return call->kind == SHADOW_MAP ? W_MAP : call->kind == SHADOW_PROTECT ? W_PROTECT : W_UNMAP;
}

/* ------------------------------------------------------------------------ */
/* Argument generators                                                      */
/* ------------------------------------------------------------------------ */

static uint64_t gen_size(struct input *in)
{
    switch (u8(in) % 4) {
    case 0: return (uint64_t)(1 + u8(in) % 16) * PAGE;
    case 1: return (uint64_t)(u8(in) % 64) * PAGE;
    case 2: return u16(in);
    default: return u64(in);
    }
}

static hv_vcpuid_t gen_vcpu_id(struct input *in)
{
    switch (u8(in) % 6) {
    case 0: return S.id + 1;
    case 1: return S.w && S.w->vcpu ? S.w->id : 63;
    case 2: return 64;
    case 3: return u32(in);
    default: return S.id;
    }
}

/* What an owner-only call answers for a vCPU id. */
static hv_return_t owner_ret(hv_vcpuid_t id)
{
    if (!S.vm)
        return HV_NO_DEVICE;
    return S.vcpu && id == S.id ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

static uint64_t gen_value(struct input *in)
{
    switch (u8(in) % 4) {
    case 0: return u8(in);
    case 1: return u16(in);
    case 2: return u32(in);
    default: return u64(in);
    }
}

/* ------------------------------------------------------------------------ */
/* The VMCS access classes Apple documents (hv_arch_vmx.h, "VMCS Field IDs")  */
/* ------------------------------------------------------------------------ */

enum fclass {
    F_GUEST,  /* guest state, read/write */
    F_CR0,    /* guest CR0: writable with CD and NW clear */
    F_ACT,    /* activity state: ACTIVE or HLT only */
    F_CTRL,   /* control, read/write */
    F_CAP,    /* control within hv_vmx_read_capability */
    F_RO,     /* read-only: TSC offset, APIC-access address, exit information */
    F_OWNED,  /* the framework's: host state, EPTP, bitmaps, VPID, MSR areas */
    F_CHOICE, /* not listed by Apple: the model's choice (docs/x86.md) */
};

struct field {
    uint32_t enc;
    uint8_t cls;
    uint8_t cap; /* F_CAP: the hv_vmx_capability_t */
};

static const struct field fields[] = {
    {VMCS_VPID, F_OWNED, 0},
    {VMCS_CTRL_POSTED_INT_N_VECTOR, F_OWNED, 0},
    {VMCS_CTRL_EPTP_INDEX, F_OWNED, 0},
    {VMCS_GUEST_ES, F_GUEST, 0},
    {VMCS_GUEST_CS, F_GUEST, 0},
    {VMCS_GUEST_SS, F_GUEST, 0},
    {VMCS_GUEST_DS, F_GUEST, 0},
    {VMCS_GUEST_FS, F_GUEST, 0},
    {VMCS_GUEST_GS, F_GUEST, 0},
    {VMCS_GUEST_LDTR, F_GUEST, 0},
    {VMCS_GUEST_TR, F_GUEST, 0},
    {VMCS_GUEST_INT_STATUS, F_CHOICE, 0},
    {VMCS_GUESTPML_INDEX, F_CHOICE, 0},
    {VMCS_HOST_ES, F_OWNED, 0},
    {VMCS_HOST_CS, F_OWNED, 0},
    {VMCS_HOST_TR, F_OWNED, 0},
    {VMCS_CTRL_IO_BITMAP_A, F_OWNED, 0},
    {VMCS_CTRL_IO_BITMAP_B, F_OWNED, 0},
    {VMCS_CTRL_MSR_BITMAPS, F_OWNED, 0},
    {VMCS_CTRL_VMEXIT_MSR_STORE_ADDR, F_OWNED, 0},
    {VMCS_CTRL_VMENTRY_MSR_LOAD_ADDR, F_OWNED, 0},
    {VMCS_CTRL_TSC_OFFSET, F_RO, 0},
    {VMCS_CTRL_VIRTUAL_APIC, F_CHOICE, 0},
    {VMCS_CTRL_APIC_ACCESS, F_RO, 0},
    {VMCS_CTRL_EPTP, F_OWNED, 0},
    {VMCS_CTRL_TSC_MULTIPLIER, F_OWNED, 0},
    {VMCS_GUEST_PHYSICAL_ADDRESS, F_RO, 0},
    {VMCS_GUEST_LINK_POINTER, F_CHOICE, 0},
    {VMCS_GUEST_IA32_DEBUGCTL, F_CHOICE, 0},
    {VMCS_GUEST_IA32_PAT, F_CHOICE, 0},
    {VMCS_GUEST_IA32_EFER, F_GUEST, 0},
    {VMCS_GUEST_PDPTE0, F_GUEST, 0},
    {VMCS_GUEST_PDPTE1, F_GUEST, 0},
    {VMCS_GUEST_PDPTE2, F_GUEST, 0},
    {VMCS_GUEST_PDPTE3, F_GUEST, 0},
    {VMCS_HOST_IA32_PAT, F_OWNED, 0},
    {VMCS_HOST_IA32_EFER, F_OWNED, 0},
    {VMCS_CTRL_PIN_BASED, F_CAP, HV_VMX_CAP_PINBASED},
    {VMCS_CTRL_CPU_BASED, F_CAP, HV_VMX_CAP_PROCBASED},
    {VMCS_CTRL_EXC_BITMAP, F_CTRL, 0},
    {VMCS_CTRL_PF_ERROR_MASK, F_CTRL, 0},
    {VMCS_CTRL_PF_ERROR_MATCH, F_CTRL, 0},
    {VMCS_CTRL_CR3_COUNT, F_CHOICE, 0},
    {VMCS_CTRL_VMEXIT_CONTROLS, F_CHOICE, 0},
    {VMCS_CTRL_VMEXIT_MSR_STORE_COUNT, F_OWNED, 0},
    {VMCS_CTRL_VMENTRY_CONTROLS, F_CAP, HV_VMX_CAP_ENTRY},
    {VMCS_CTRL_VMENTRY_MSR_LOAD_COUNT, F_OWNED, 0},
    {VMCS_CTRL_VMENTRY_IRQ_INFO, F_CTRL, 0},
    {VMCS_CTRL_VMENTRY_EXC_ERROR, F_CTRL, 0},
    {VMCS_CTRL_VMENTRY_INSTR_LEN, F_CTRL, 0},
    {VMCS_CTRL_TPR_THRESHOLD, F_CTRL, 0},
    {VMCS_CTRL_CPU_BASED2, F_CAP, HV_VMX_CAP_PROCBASED2},
    {VMCS_CTRL_PLE_GAP, F_CTRL, 0},
    {VMCS_CTRL_PLE_WINDOW, F_CTRL, 0},
    {VMCS_RO_INSTR_ERROR, F_RO, 0},
    {VMCS_RO_EXIT_REASON, F_RO, 0},
    {VMCS_RO_VMEXIT_IRQ_INFO, F_RO, 0},
    {VMCS_RO_VMEXIT_IRQ_ERROR, F_RO, 0},
    {VMCS_RO_IDT_VECTOR_INFO, F_RO, 0},
    {VMCS_RO_IDT_VECTOR_ERROR, F_RO, 0},
    {VMCS_RO_VMEXIT_INSTR_LEN, F_RO, 0},
    {VMCS_RO_VMX_INSTR_INFO, F_RO, 0},
    {VMCS_GUEST_ES_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_CS_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_SS_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_DS_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_FS_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_GS_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_LDTR_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_TR_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_GDTR_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_IDTR_LIMIT, F_GUEST, 0},
    {VMCS_GUEST_ES_AR, F_GUEST, 0},
    {VMCS_GUEST_CS_AR, F_GUEST, 0},
    {VMCS_GUEST_SS_AR, F_GUEST, 0},
    {VMCS_GUEST_DS_AR, F_GUEST, 0},
    {VMCS_GUEST_FS_AR, F_GUEST, 0},
    {VMCS_GUEST_GS_AR, F_GUEST, 0},
    {VMCS_GUEST_LDTR_AR, F_GUEST, 0},
    {VMCS_GUEST_TR_AR, F_GUEST, 0},
    {VMCS_GUEST_INTERRUPTIBILITY, F_GUEST, 0},
    {VMCS_GUEST_ACTIVITY_STATE, F_ACT, 0},
    {VMCS_GUEST_SMBASE, F_CHOICE, 0},
    {VMCS_GUEST_IA32_SYSENTER_CS, F_GUEST, 0},
    {VMCS_GUEST_VMX_TIMER_VALUE, F_CHOICE, 0},
    {VMCS_HOST_IA32_SYSENTER_CS, F_OWNED, 0},
    {VMCS_CTRL_CR0_MASK, F_CTRL, 0},
    {VMCS_CTRL_CR4_MASK, F_CTRL, 0},
    {VMCS_CTRL_CR0_SHADOW, F_CTRL, 0},
    {VMCS_CTRL_CR4_SHADOW, F_CTRL, 0},
    {VMCS_CTRL_CR3_VALUE0, F_CTRL, 0},
    {VMCS_CTRL_CR3_VALUE1, F_CTRL, 0},
    {VMCS_CTRL_CR3_VALUE2, F_CTRL, 0},
    {VMCS_CTRL_CR3_VALUE3, F_CTRL, 0},
    {VMCS_RO_EXIT_QUALIFIC, F_RO, 0},
    {VMCS_RO_IO_RCX, F_RO, 0},
    {VMCS_RO_IO_RSI, F_RO, 0},
    {VMCS_RO_IO_RDI, F_RO, 0},
    {VMCS_RO_IO_RIP, F_RO, 0},
    {VMCS_RO_GUEST_LIN_ADDR, F_RO, 0},
    {VMCS_GUEST_CR0, F_CR0, 0},
    {VMCS_GUEST_CR3, F_GUEST, 0},
    {VMCS_GUEST_CR4, F_GUEST, 0},
    {VMCS_GUEST_ES_BASE, F_GUEST, 0},
    {VMCS_GUEST_CS_BASE, F_GUEST, 0},
    {VMCS_GUEST_SS_BASE, F_GUEST, 0},
    {VMCS_GUEST_DS_BASE, F_GUEST, 0},
    {VMCS_GUEST_FS_BASE, F_GUEST, 0},
    {VMCS_GUEST_GS_BASE, F_GUEST, 0},
    {VMCS_GUEST_LDTR_BASE, F_GUEST, 0},
    {VMCS_GUEST_TR_BASE, F_GUEST, 0},
    {VMCS_GUEST_GDTR_BASE, F_GUEST, 0},
    {VMCS_GUEST_IDTR_BASE, F_GUEST, 0},
    {VMCS_GUEST_DR7, F_GUEST, 0},
    {VMCS_GUEST_RSP, F_GUEST, 0},
    {VMCS_GUEST_RIP, F_GUEST, 0},
    {VMCS_GUEST_RFLAGS, F_GUEST, 0},
    {VMCS_GUEST_DEBUG_EXC, F_GUEST, 0},
    {VMCS_GUEST_SYSENTER_ESP, F_GUEST, 0},
    {VMCS_GUEST_SYSENTER_EIP, F_GUEST, 0},
    {VMCS_GUEST_IA32_S_CET, F_CHOICE, 0},
    {VMCS_HOST_CR0, F_OWNED, 0},
    {VMCS_HOST_CR3, F_OWNED, 0},
    {VMCS_HOST_RSP, F_OWNED, 0},
    {VMCS_HOST_RIP, F_OWNED, 0},
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The bits a field holds: bits 14:13 of its encoding give its width. */
static uint64_t field_mask(uint32_t enc)
{
    switch ((enc >> 13) & 3u) {
    case 0: return 0xffffu;
    case 2: return 0xffffffffu;
    default: return ~0ull;
    }
}

/* ------------------------------------------------------------------------ */
/* Guest code                                                               */
/* ------------------------------------------------------------------------ */

/* Instructions worth having often (16-bit code); the fuzzer also writes raw
 * bytes. Each entry: length, bytes. */
static const uint8_t snippets[][8] = {
    {1, 0xf4},                         /* hlt */
    {2, 0xe6, 0x80},                   /* out 0x80, al */
    {2, 0xe4, 0x71},                   /* in al, 0x71 */
    {1, 0xee},                         /* out dx, al */
    {1, 0xed},                         /* in ax, dx */
    {2, 0x0f, 0xa2},                   /* cpuid */
    {2, 0x0f, 0x32},                   /* rdmsr */
    {2, 0x0f, 0x30},                   /* wrmsr */
    {2, 0x0f, 0x31},                   /* rdtsc */
    {3, 0x0f, 0x20, 0xc0},             /* mov eax, cr0 */
    {3, 0x0f, 0x22, 0xd8},             /* mov cr3, eax */
    {3, 0x0f, 0x01, 0xc1},             /* vmcall */
    {1, 0xfb},                         /* sti */
    {1, 0xfa},                         /* cli */
    {2, 0xeb, 0xfe},                   /* jmp . */
    {2, 0xcd, 0x10},                   /* int 0x10 */
    {1, 0xcc},                         /* int3 */
    {2, 0x0f, 0x0b},                   /* ud2 */
    {3, 0xa1, 0x00, 0x80},             /* mov ax, [0x8000] */
    {3, 0xa3, 0x00, 0x90},             /* mov [0x9000], ax */
    {4, 0x66, 0x40, 0x90, 0x90},       /* inc eax */
    {3, 0xb8, 0x00, 0x10},             /* mov ax, 0x1000 */
    {2, 0x8e, 0xd8},                   /* mov ds, ax */
    {2, 0xf3, 0x6e},                   /* rep outsb */
    {5, 0x0f, 0x01, 0x16, 0x00, 0x01}, /* lgdt [0x100] */
    {1, 0x90},                         /* nop */
};

#define NSNIPPETS (sizeof(snippets) / sizeof(snippets[0]))

/* ------------------------------------------------------------------------ */
/* Ops                                                                      */
/* ------------------------------------------------------------------------ */

static void reset_after_vm_gone(void)
{
    S.vm = false;
    S.spaces = 0;
    shadow_new_vm(&S.sh, PAGE, GPA_BITS);
}

static void op_vm_create(struct input *in)
{
    uint8_t b = u8(in);
    uint64_t flags = HV_VM_DEFAULT;
    switch (b % 4) {
    case 1: flags = b >> 2 & 0x5f; break; /* mitigation bits */
    case 2: flags = HV_VM_ACCEL_APIC | (b >> 2 & 1); break;
    case 3: flags = (uint64_t)1 << (u8(in) % 64); break;
    }
    const uint64_t known = 0x5f;
    hv_return_t want = (flags & HV_VM_ACCEL_APIC) ? HV_UNSUPPORTED
                       : (flags & ~known)         ? HV_BAD_ARGUMENT
                       : S.vm                     ? HV_BUSY
                                                  : HV_SUCCESS;
    hv_return_t r = hv_vm_create(flags);
    if (r != want)
        failf("hv_vm_create(0x%llx): returned %s, expected %s", (unsigned long long)flags,
              hvm_strerror(r), hvm_strerror(want));
    if (r == HV_SUCCESS) {
        S.vm = true;
        S.trace_requested = false;
    }
}

static bool any_vcpu(void)
{
    return S.vcpu || (S.w && S.w->vcpu);
}

static void op_vm_destroy(void)
{
    hv_return_t r = hv_vm_destroy();
    EXPECT_RET("hv_vm_destroy", r, !S.vm ? HV_NO_DEVICE : any_vcpu() ? HV_BUSY : HV_SUCCESS);
    if (r == HV_SUCCESS)
        reset_after_vm_gone();
}

static void op_allocate(struct input *in)
{
    uint8_t b = u8(in);
    if (b & 1) {
        /* hv_vm_deallocate */
        if (!S.sh.nblocks || (b & 6) == 6) {
            hv_return_t r = hv_vm_deallocate((b & 8) ? pool : NULL, (b & 16) ? POOL_SIZE : PAGE);
            EXPECT_RET("hv_vm_deallocate(foreign)", r, HV_BAD_ARGUMENT);
            return;
        }
        struct shadow_block *blk = &S.sh.blocks[(b >> 4) % S.sh.nblocks];
        if ((b & 6) == 2) {
            hv_return_t r = hv_vm_deallocate(blk->p, blk->size + PAGE);
            EXPECT_RET("hv_vm_deallocate(wrong size)", r, HV_BAD_ARGUMENT);
            return;
        }
        if (S.vm && shadow_block_mapped(&S.sh, blk))
            return; /* the contract: unmap first */
        hv_return_t r = hv_vm_deallocate(blk->p, blk->size);
        EXPECT_RET("hv_vm_deallocate", r, HV_SUCCESS);
        *blk = S.sh.blocks[--S.sh.nblocks];
        return;
    }
    size_t size = (size_t)((b >> 1) % 9) * PAGE;
    uint64_t flags = (b & 0x40) ? u8(in) : HV_ALLOCATE_DEFAULT;
    if (b & 0x80)
        size += 1 + u8(in) * 8u; /* not a multiple of the page */
    bool null = (b & 0x30) == 0x30;
    void *p = NULL;
    if (S.sh.nblocks == SHADOW_MAX_BLOCKS && !null && size && !(size % PAGE) && !flags)
        return; /* the harness keeps at most SHADOW_MAX_BLOCKS */
    hv_return_t r = hv_vm_allocate(null ? NULL : &p, size, flags);
    bool bad = null || size == 0 || size % PAGE || flags != HV_ALLOCATE_DEFAULT;
    EXPECT_RET("hv_vm_allocate", r, bad ? HV_BAD_ARGUMENT : HV_SUCCESS);
    if (r != HV_SUCCESS)
        return;
    if (!p || ((uintptr_t)p & (PAGE - 1))) {
        failf("hv_vm_allocate returned %p, not page aligned", p);
        return;
    }
    const uint8_t *q = p;
    for (size_t i = 0; i < size; i++)
        if (q[i]) {
            failf("hv_vm_allocate: memory is not zeroed at +%zu", i);
            return;
        }
    S.sh.blocks[S.sh.nblocks++] = (struct shadow_block){p, size};
}

static void op_map(struct input *in)
{
    uint8_t how = u8(in);
    uint64_t gpa = shadow_gen_addr(&S.sh, in), size = gen_size(in), flags = shadow_gen_flags(in);
    uint8_t *host = shadow_gen_host(&S.sh, in, pool, POOL_SIZE, &size);
    hv_vm_space_t asid = (how & 3) == 3 ? u8(in) % 3 : HV_VM_SPACE_DEFAULT;
    if (asid != HV_VM_SPACE_DEFAULT && (S.spaces >> asid & 1))
        return; /* the shadow follows the default space only */
    hv_return_t want = shadow_predict_map(&S.sh, S.vm, host, gpa, size, flags);
    if (asid != HV_VM_SPACE_DEFAULT && S.vm)
        want = HV_BAD_ARGUMENT;
    if (want == HV_SUCCESS && !shadow_has_room(&S.sh, size))
        return;
    hv_return_t r = (how & 3) >= 2 ? hv_vm_map_space(asid, host, gpa, size, flags)
                                   : hv_vm_map(host, gpa, size, flags);
    const char *call = (how & 3) >= 2 ? "hv_vm_map_space" : "hv_vm_map";
    if (shadow_check_map(&S.sh, S.vm, call, host, gpa, size, flags, r, want)) {
        /* Nothing was mapped: unmapping the range still fails. */
        hv_return_t u = hv_vm_unmap(gpa, size);
        EXPECT_RET("hv_vm_unmap after a failed map", u, HV_BAD_ARGUMENT);
    }
}

static void op_change(struct input *in, bool unmap)
{
    uint8_t how = u8(in);
    uint64_t gpa = shadow_gen_addr(&S.sh, in), size = gen_size(in),
             flags = unmap ? 0 : shadow_gen_flags(in);
    hv_vm_space_t asid = (how & 3) == 3 ? u8(in) % 3 : HV_VM_SPACE_DEFAULT;
    if (asid != HV_VM_SPACE_DEFAULT && (S.spaces >> asid & 1))
        return; /* the shadow follows the default space only */
    hv_return_t want = shadow_predict_change(&S.sh, S.vm, gpa, size, flags);
    if (asid != HV_VM_SPACE_DEFAULT && S.vm)
        want = HV_BAD_ARGUMENT;
    hv_return_t r;
    if ((how & 3) >= 2)
        r = unmap ? hv_vm_unmap_space(asid, gpa, size)
                  : hv_vm_protect_space(asid, gpa, size, flags);
    else
        r = unmap ? hv_vm_unmap(gpa, size) : hv_vm_protect(gpa, size, flags);
    shadow_check_change(&S.sh, unmap, gpa, size, flags, r, want);
}

static uint64_t vmcs_read(uint32_t f)
{
    uint64_t x = 0;
    hv_return_t r = hv_vmx_vcpu_read_vmcs(S.id, f, &x);
    if (r != HV_SUCCESS)
        failf("hv_vmx_vcpu_read_vmcs(0x%x): %s", f, hvm_strerror(r));
    return x;
}

/* Intel's INIT state (docs/x86.md): real mode at F000:FFF0. */
static void check_fresh_vcpu(void)
{
    static const struct {
        uint32_t f;
        uint64_t v;
    } init[] = {{VMCS_GUEST_CS, 0xf000},       {VMCS_GUEST_CS_BASE, 0xffff0000},
                {VMCS_GUEST_RIP, 0xfff0},      {VMCS_GUEST_RFLAGS, 2},
                {VMCS_GUEST_CR0, 0x60000010},  {VMCS_GUEST_DR7, 0x400},
                {VMCS_GUEST_CS_LIMIT, 0xffff}, {VMCS_GUEST_DS, 0},
                {VMCS_RO_EXIT_REASON, 0},      {VMCS_GUEST_IDTR_LIMIT, 0xffff}};
    for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
        uint64_t x = vmcs_read(init[i].f);
        if (x != init[i].v)
            failf("new vCPU: VMCS 0x%x reads 0x%llx, expected 0x%llx", init[i].f,
                  (unsigned long long)x, (unsigned long long)init[i].v);
    }
    uint64_t x = 1, n = 1;
    if (hv_vcpu_read_register(S.id, HV_X86_RAX, &x) != HV_SUCCESS || x != 0)
        failf("new vCPU: RAX reads 0x%llx", (unsigned long long)x);
    if (hvm_vcpu_get_instruction_count(S.id, &n) != HV_SUCCESS || n != 0)
        failf("new vCPU: %llu instructions retired", (unsigned long long)n);
    for (unsigned c = HV_VMX_CAP_PINBASED; c <= HV_VMX_CAP_PROCBASED2; c++) {
        static const uint32_t ctl[3] = {VMCS_CTRL_PIN_BASED, VMCS_CTRL_CPU_BASED,
                                        VMCS_CTRL_CPU_BASED2};
        uint64_t cap = 0;
        hv_vmx_read_capability((hv_vmx_capability_t)c, &cap);
        uint64_t v = vmcs_read(ctl[c]);
        if ((v & (uint32_t)cap) != (uint32_t)cap || (v & ~(cap >> 32)))
            failf("new vCPU: control 0x%x = 0x%llx outside its capability 0x%llx", ctl[c],
                  (unsigned long long)v, (unsigned long long)cap);
    }
}

static void op_vcpu_create(struct input *in)
{
    uint8_t mode = u8(in);
    hv_vcpuid_t id = 0;
    uint64_t opts = HV_VCPU_DEFAULT;
    if (mode % 4 == 0) {
        hv_return_t r = hv_vcpu_create(NULL, HV_VCPU_DEFAULT);
        EXPECT_RET("hv_vcpu_create(NULL)", r, S.vm ? HV_BAD_ARGUMENT : HV_NO_DEVICE);
        return;
    }
    if (mode % 4 == 1)
        opts = (uint64_t)1 << (u8(in) % 64);
    else if (mode % 4 == 2)
        opts = (mode >> 2) & 3;
    bool bad = opts & ~(uint64_t)(HV_VCPU_ACCEL_RDPMC | HV_VCPU_TSC_RELATIVE);
    hv_return_t r = hv_vcpu_create(&id, opts);
    hv_return_t want = !S.vm ? HV_NO_DEVICE : bad ? HV_BAD_ARGUMENT : S.vcpu ? HV_BUSY : HV_SUCCESS;
    if (r != want)
        failf("hv_vcpu_create(0x%llx): returned %s, expected %s", (unsigned long long)opts,
              hvm_strerror(r), hvm_strerror(want));
    if (r != HV_SUCCESS)
        return;
    if (id >= 64) {
        failf("hv_vcpu_create: id %u", id);
        return;
    }
    if (S.w && S.w->vcpu && S.w->id == id)
        failf("hv_vcpu_create: id %u is the second thread's", id);
    S.vcpu = true;
    S.id = id;
    S.options = opts;
    S.kick_owed = 0;
    check_fresh_vcpu();
}

static void op_vcpu_destroy(struct input *in)
{
    hv_vcpuid_t id = gen_vcpu_id(in);
    hv_return_t want = owner_ret(id);
    hv_return_t r = hv_vcpu_destroy(id);
    EXPECT_RET("hv_vcpu_destroy", r, want);
    if (r == HV_SUCCESS)
        S.vcpu = false;
}

/* The VMCS field a register aliases (0: none), as hv_arch_x86.h says. */
static uint32_t reg_alias(unsigned reg)
{
    static const uint32_t a[HV_X86_REGISTERS_MAX] = {
        [HV_X86_RIP] = VMCS_GUEST_RIP,
        [HV_X86_RFLAGS] = VMCS_GUEST_RFLAGS,
        [HV_X86_RSP] = VMCS_GUEST_RSP,
        [HV_X86_CS] = VMCS_GUEST_CS,
        [HV_X86_SS] = VMCS_GUEST_SS,
        [HV_X86_DS] = VMCS_GUEST_DS,
        [HV_X86_ES] = VMCS_GUEST_ES,
        [HV_X86_FS] = VMCS_GUEST_FS,
        [HV_X86_GS] = VMCS_GUEST_GS,
        [HV_X86_IDT_BASE] = VMCS_GUEST_IDTR_BASE,
        [HV_X86_IDT_LIMIT] = VMCS_GUEST_IDTR_LIMIT,
        [HV_X86_GDT_BASE] = VMCS_GUEST_GDTR_BASE,
        [HV_X86_GDT_LIMIT] = VMCS_GUEST_GDTR_LIMIT,
        [HV_X86_LDTR] = VMCS_GUEST_LDTR,
        [HV_X86_LDT_BASE] = VMCS_GUEST_LDTR_BASE,
        [HV_X86_LDT_LIMIT] = VMCS_GUEST_LDTR_LIMIT,
        [HV_X86_LDT_AR] = VMCS_GUEST_LDTR_AR,
        [HV_X86_TR] = VMCS_GUEST_TR,
        [HV_X86_TSS_BASE] = VMCS_GUEST_TR_BASE,
        [HV_X86_TSS_LIMIT] = VMCS_GUEST_TR_LIMIT,
        [HV_X86_TSS_AR] = VMCS_GUEST_TR_AR,
        [HV_X86_CR0] = VMCS_GUEST_CR0,
        [HV_X86_CR3] = VMCS_GUEST_CR3,
        [HV_X86_CR4] = VMCS_GUEST_CR4,
    };
    return reg < HV_X86_REGISTERS_MAX ? a[reg] : 0;
}

static void op_reg(struct input *in)
{
    uint8_t b = u8(in);
    unsigned reg = b & 0x80 ? u8(in) : (unsigned)(b % HV_X86_REGISTERS_MAX);
    hv_vcpuid_t id = (b & 0x40) ? gen_vcpu_id(in) : S.id;
    hv_return_t own = owner_ret(id);
    bool known = reg < HV_X86_REGISTERS_MAX;
    uint64_t x = 0;
    if (b & 0x20) {
        bool null = (b & 0x30) == 0x30 && (u8(in) & 1);
        hv_return_t r = hv_vcpu_read_register(id, (hv_x86_reg_t)reg, null ? NULL : &x);
        EXPECT_RET("hv_vcpu_read_register", r,
                   own != HV_SUCCESS ? own
                   : null || !known  ? HV_BAD_ARGUMENT
                                     : HV_SUCCESS);
        if (r == HV_SUCCESS && reg_alias(reg)) {
            uint64_t f = vmcs_read(reg_alias(reg));
            if (f != x)
                failf("register %u reads 0x%llx but its VMCS field 0x%x 0x%llx", reg,
                      (unsigned long long)x, reg_alias(reg), (unsigned long long)f);
        }
        return;
    }
    uint64_t value = gen_value(in);
    /* Keep the guest runnable most of the time: real-mode-sized values for
     * the registers that decide the mode. */
    if ((reg == HV_X86_CR0 || reg == HV_X86_CR4) && !(b & 0x10))
        value = reg == HV_X86_CR0 ? 0x20 | (value & 0x10) : 0x2000;
    hv_return_t want = own != HV_SUCCESS ? own : !known ? HV_BAD_ARGUMENT : HV_SUCCESS;
    if (known && reg == HV_X86_XCR0 && (!(value & 1) || (value & ~7ull)))
        want = own != HV_SUCCESS ? own : HV_BAD_ARGUMENT;
    hv_return_t r = hv_vcpu_write_register(id, (hv_x86_reg_t)reg, value);
    if (r != want) {
        failf("hv_vcpu_write_register(%u, 0x%llx): %s, expected %s", reg, (unsigned long long)value,
              hvm_strerror(r), hvm_strerror(want));
        return;
    }
    if (r != HV_SUCCESS || hv_vcpu_read_register(id, (hv_x86_reg_t)reg, &x) != HV_SUCCESS)
        return;
    uint64_t expect = value;
    bool exact = true;
    if (reg_alias(reg))
        expect = value & field_mask(reg_alias(reg));
    else if (reg == HV_X86_CR1)
        expect = 0;
    else if (reg == HV_X86_TPR || reg == HV_X86_CR2)
        exact = false; /* the engine's CR8 holds 4 bits */
    if (reg == HV_X86_RFLAGS)
        exact = false; /* the engine keeps its own reserved bits */
    if (exact && x != expect)
        failf("register %u: wrote 0x%llx, reads 0x%llx (expected 0x%llx)", reg,
              (unsigned long long)value, (unsigned long long)x, (unsigned long long)expect);
}

static uint32_t gen_field(struct input *in, const struct field **known)
{
    uint8_t b = u8(in);
    *known = NULL;
    if (b < 224) {
        *known = &fields[b % NFIELDS];
        return (*known)->enc;
    }
    if (b < 240)
        return fields[u8(in) % NFIELDS].enc | 1u; /* the high half of a field */
    uint32_t f = u16(in) | (b & 1 ? (uint32_t)u16(in) << 16 : 0);
    for (size_t i = 0; i < NFIELDS; i++)
        if (fields[i].enc == f)
            *known = &fields[i]; /* a field the table knows, reached at random */
    return f;
}

static void op_vmcs(struct input *in)
{
    const struct field *fd;
    uint32_t f = gen_field(in, &fd);
    uint8_t b = u8(in);
    hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t own = owner_ret(id);
    uint64_t before = 0, after = 0, a0 = 0, a1 = 0;
    hv_return_t rr = hv_vmx_vcpu_read_vmcs(id, f, &before);
    if (own != HV_SUCCESS) {
        EXPECT_RET("hv_vmx_vcpu_read_vmcs", rr, own);
        hv_return_t w = hv_vmx_vcpu_write_vmcs(id, f, 0);
        EXPECT_RET("hv_vmx_vcpu_write_vmcs", w, own);
        return;
    }
    if (fd)
        EXPECT_RET("hv_vmx_vcpu_read_vmcs(known field)", rr, HV_SUCCESS);
    else if (rr != HV_SUCCESS)
        EXPECT_RET("hv_vmx_vcpu_read_vmcs(unknown field)", rr, HV_BAD_ARGUMENT);
    hv_return_t rc = hv_vmx_vcpu_get_cap_write_vmcs(id, f, &a0, &a1);
    uint64_t value = gen_value(in);
    if (fd && fd->cls == F_CAP) {
        uint64_t cap = 0;
        hv_vmx_read_capability((hv_vmx_capability_t)fd->cap, &cap);
        if (rc != HV_SUCCESS || a0 != (uint32_t)cap || a1 != cap >> 32)
            failf("get_cap_write_vmcs(0x%x): %s 0x%llx/0x%llx, capability 0x%llx", f,
                  hvm_strerror(rc), (unsigned long long)a0, (unsigned long long)a1,
                  (unsigned long long)cap);
        if (b & 1)
            value = ((value & 0xffffffffu) | (uint32_t)cap) & (cap >> 32); /* a legal one */
    }
    if (fd && fd->cls == F_CR0 && !(b & 2))
        value = 0x20 | (value & 0x80000011u);
    if (fd && fd->cls == F_ACT && !(b & 2))
        value &= 1;
    hv_return_t want;
    if (rr != HV_SUCCESS) {
        want = HV_BAD_ARGUMENT;
    } else if (!fd || fd->cls == F_CHOICE) {
        want = MODEL_CHOICE;
    } else {
        switch (fd->cls) {
        case F_GUEST:
        case F_CTRL: want = HV_SUCCESS; break;
        case F_CR0: want = (value & 0x60000000u) ? HV_BAD_ARGUMENT : HV_SUCCESS; break;
        case F_ACT: want = (value & 0xffffffffu) > 1 ? HV_BAD_ARGUMENT : HV_SUCCESS; break;
        case F_CAP: {
            uint64_t cap = 0;
            hv_vmx_read_capability((hv_vmx_capability_t)fd->cap, &cap);
            want =
                (value >> 32) || (value & (uint32_t)cap) != (uint32_t)cap || (value & ~(cap >> 32))
                    ? HV_BAD_ARGUMENT
                    : HV_SUCCESS;
            break;
        }
        default: want = HV_BAD_ARGUMENT; break; /* read-only, framework-owned */
        }
    }
    if (fd && (fd->cls == F_RO || fd->cls == F_OWNED))
        EXPECT_RET("hv_vmx_vcpu_get_cap_write_vmcs(read-only field)", rc, HV_BAD_ARGUMENT);
    if (fd && fd->cls != F_RO && fd->cls != F_OWNED && fd->cls != F_CHOICE)
        EXPECT_RET("hv_vmx_vcpu_get_cap_write_vmcs(writable field)", rc, HV_SUCCESS);
    if (want == MODEL_CHOICE) {
        /* Where Apple is silent, writes follow what get_cap_write_vmcs says. */
        bool allowed = rc == HV_SUCCESS && (value & a0) == a0 && !(value & ~a1);
        want = allowed ? HV_SUCCESS : HV_BAD_ARGUMENT;
    }
    hv_return_t r = hv_vmx_vcpu_write_vmcs(id, f, value);
    if (r != want) {
        failf("hv_vmx_vcpu_write_vmcs(0x%x, 0x%llx): %s, expected %s", f, (unsigned long long)value,
              hvm_strerror(r), hvm_strerror(want));
        return;
    }
    if (rr != HV_SUCCESS)
        return;
    hv_vmx_vcpu_read_vmcs(id, f, &after);
    if (r != HV_SUCCESS && after != before)
        failf("refused write to VMCS 0x%x changed it: 0x%llx -> 0x%llx", f,
              (unsigned long long)before, (unsigned long long)after);
    bool exact = fd && (fd->cls == F_CTRL || fd->cls == F_CAP || fd->cls == F_GUEST ||
                        fd->cls == F_CR0 || fd->cls == F_ACT);
    if (f == VMCS_GUEST_RFLAGS)
        exact = false; /* the engine keeps its own reserved bits */
    if (r == HV_SUCCESS && exact && after != (value & field_mask(f)))
        failf("VMCS 0x%x: wrote 0x%llx, reads 0x%llx (expected 0x%llx)", f,
              (unsigned long long)value, (unsigned long long)after,
              (unsigned long long)(value & field_mask(f)));
}

static void op_caps(struct input *in)
{
    uint8_t b = u8(in);
    uint64_t x = 0;
    hv_return_t r;
    switch (b % 4) {
    case 0: {
        unsigned c = u8(in) % 4;
        r = hv_capability((hv_capability_t)c, (b & 4) ? NULL : &x);
        EXPECT_RET("hv_capability", r, (b & 4) || c > 1 ? HV_BAD_ARGUMENT : HV_SUCCESS);
        if (r == HV_SUCCESS && x != (c == HV_CAP_VCPUMAX ? 64u : 8u)) /* 8 address spaces */
            failf("hv_capability(%u) = %llu", c, (unsigned long long)x);
        break;
    }
    case 1: {
        unsigned c = u8(in) % 40;
        bool known = c <= 16 || c == 32;
        r = hv_vmx_read_capability((hv_vmx_capability_t)c, (b & 4) ? NULL : &x);
        EXPECT_RET("hv_vmx_read_capability", r, (b & 4) || !known ? HV_BAD_ARGUMENT : HV_SUCCESS);
        bool ctls = c <= 4 || (c >= 6 && c <= 9);
        if (r == HV_SUCCESS && ctls && ((uint32_t)x & ~(x >> 32)))
            failf("capability %u: must-be-1 bits 0x%llx not allowed-1", c, (unsigned long long)x);
        break;
    }
    case 2: {
        unsigned c = u8(in) % 8;
        r = hv_vmx_get_msr_info((hv_vmx_msr_info_t)c, (b & 4) ? NULL : &x);
        EXPECT_RET("hv_vmx_get_msr_info", r,
                   (b & 4) || c > HV_VMX_NEED_MSR_IA32_SPEC_CTRL ? HV_BAD_ARGUMENT : HV_SUCCESS);
        break;
    }
    default: {
        uint32_t n = 0;
        (void)n;
        /* Eight spaces in all (HV_CAP_ADDRSPACEMAX); ids are handed out
         * lowest first. */
        hv_vm_space_t asid = 0, next = 1;
        while (next < 8 && (S.spaces >> next & 1))
            next++;
        r = hv_vm_space_create((b & 4) ? NULL : &asid);
        EXPECT_RET("hv_vm_space_create", r,
                   !S.vm       ? HV_NO_DEVICE
                   : (b & 4)   ? HV_BAD_ARGUMENT
                   : next == 8 ? HV_NO_RESOURCES
                               : HV_SUCCESS);
        if (r == HV_SUCCESS) {
            if (asid != next)
                failf("hv_vm_space_create handed out %u, expected %u", asid, next);
            S.spaces |= 1u << (asid & 7);
        }
        hv_vm_space_t d = u8(in) % 3;
        r = hv_vm_space_destroy(d);
        EXPECT_RET("hv_vm_space_destroy", r,
                   !S.vm                      ? HV_NO_DEVICE
                   : d && (S.spaces >> d & 1) ? HV_SUCCESS
                                              : HV_BAD_ARGUMENT);
        if (r == HV_SUCCESS)
            S.spaces &= ~(1u << d);
        break;
    }
    }
}

static const uint32_t msrs[] = {0x10,       0x174,      0x175,      0x176,      0xc0000080,
                                0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
                                0xc0000101, 0xc0000102, 0xc0000103, 0x277,      0x1b,
                                0x3a,       0xc0010117, 0x8b,       0xfe,       0x0};
#define NMSRS 20u

static void op_msr(struct input *in)
{
    uint8_t b = u8(in);
    uint32_t msr = (b & 0x80) ? u32(in) : msrs[u8(in) % NMSRS];
    bool known = false, native_ok = false;
    for (unsigned i = 0; i < 14; i++)
        known |= msrs[i] == msr;
    for (unsigned i = 0; i < 13; i++)
        native_ok |= msrs[i] == msr && msr != 0xc0000080;
    hv_vcpuid_t id = (b & 0x40) ? gen_vcpu_id(in) : S.id;
    hv_return_t own = owner_ret(id);
    uint64_t x = 0;
    hv_return_t r;
    switch (b % 4) {
    case 0:
        r = hv_vcpu_read_msr(id, msr, (b & 0x20) ? NULL : &x);
        EXPECT_RET("hv_vcpu_read_msr", r,
                   own != HV_SUCCESS      ? own
                   : (b & 0x20) || !known ? HV_BAD_ARGUMENT
                                          : HV_SUCCESS);
        break;
    case 1: {
        uint64_t value = gen_value(in);
        if (msr == 0xc0000080 && !(b & 0x20))
            value &= 0xd01; /* SCE, LME, LMA, NXE */
        r = hv_vcpu_write_msr(id, msr, value);
        EXPECT_RET("hv_vcpu_write_msr", r,
                   own != HV_SUCCESS ? own
                   : !known          ? HV_BAD_ARGUMENT
                                     : HV_SUCCESS);
        if (r != HV_SUCCESS)
            break;
        /* Registers the VMM owns outright read back as written. */
        bool exact = msr == 0x175 || msr == 0x176 || msr == 0xc0000100 || msr == 0xc0000101 ||
                     msr == 0xc0000080;
        if (msr == 0x10) {
            hv_vcpu_read_msr(id, msr, &x);
            if (x != value)
                failf("TSC: wrote 0x%llx, reads 0x%llx", (unsigned long long)value,
                      (unsigned long long)x);
        } else if (exact) {
            hv_vcpu_read_msr(id, msr, &x);
            if (x != value)
                failf("MSR 0x%x: wrote 0x%llx, reads 0x%llx", msr, (unsigned long long)value,
                      (unsigned long long)x);
        }
        break;
    }
    case 2: {
        bool on = b & 0x10;
        r = hv_vcpu_enable_native_msr(id, msr, on);
        EXPECT_RET("hv_vcpu_enable_native_msr", r,
                   own != HV_SUCCESS ? own
                   : !native_ok      ? HV_BAD_ARGUMENT
                                     : HV_SUCCESS);
        break;
    }
    default:
        r = hv_vcpu_enable_managed_msr(id, msr, b & 0x10);
        EXPECT_RET("hv_vcpu_enable_managed_msr", r, own != HV_SUCCESS ? own : HV_UNSUPPORTED);
        r = hv_vcpu_set_msr_access(id, msr, b & 3);
        EXPECT_RET("hv_vcpu_set_msr_access", r, own != HV_SUCCESS ? own : HV_UNSUPPORTED);
        break;
    }
}

static void op_fpstate(struct input *in)
{
    static uint8_t buf[FPSTATE_SIZE + 64], back[FPSTATE_SIZE];
    uint8_t b = u8(in);
    hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t own = owner_ret(id);
    size_t size = (b & 0x40) ? u16(in) : FPSTATE_SIZE;
    bool null = (b & 0x30) == 0x30;
    hv_return_t want = own != HV_SUCCESS              ? own
                       : null || size != FPSTATE_SIZE ? HV_BAD_ARGUMENT
                                                      : HV_SUCCESS;
    if (size > sizeof(buf))
        size = sizeof(buf);
    if (b & 1) {
        hv_return_t r = hv_vcpu_read_fpstate(id, null ? NULL : buf, size);
        EXPECT_RET("hv_vcpu_read_fpstate", r, want);
        return;
    }
    /* Write: a valid image with fuzzed XMM registers. */
    hv_return_t r0 = own == HV_SUCCESS ? hv_vcpu_read_fpstate(id, buf, FPSTATE_SIZE) : HV_SUCCESS;
    EXPECT_RET("hv_vcpu_read_fpstate", r0, HV_SUCCESS);
    for (unsigned i = 0; i < 16; i++)
        buf[160 + (u8(in) % 256)] = u8(in);
    hv_return_t r = hv_vcpu_write_fpstate(id, null ? NULL : buf, size);
    EXPECT_RET("hv_vcpu_write_fpstate", r, want);
    if (r != HV_SUCCESS)
        return;
    if (hv_vcpu_read_fpstate(id, back, FPSTATE_SIZE) != HV_SUCCESS ||
        memcmp(back + 160, buf + 160, 256) != 0)
        failf("FP state: the XMM registers do not read back as written");
}

static void op_tsc(struct input *in)
{
    uint8_t b = u8(in);
    hv_return_t r;
    switch (b % 4) {
    case 0: {
        uint64_t t = gen_value(in);
        r = hv_vm_sync_tsc(t);
        EXPECT_RET("hv_vm_sync_tsc", r, S.vm ? HV_SUCCESS : HV_NO_DEVICE);
        uint64_t x = 0;
        if (r == HV_SUCCESS && S.vcpu && hv_vcpu_read_msr(S.id, 0x10, &x) == HV_SUCCESS && x != t)
            failf("hv_vm_sync_tsc(0x%llx): the TSC reads 0x%llx", (unsigned long long)t,
                  (unsigned long long)x);
        break;
    }
    case 1: {
        hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
        hv_return_t own = owner_ret(id);
        int64_t off = (int64_t)gen_value(in);
        r = hv_vcpu_set_tsc_relative(id, off);
        EXPECT_RET("hv_vcpu_set_tsc_relative", r,
                   own != HV_SUCCESS                     ? own
                   : !(S.options & HV_VCPU_TSC_RELATIVE) ? HV_BAD_ARGUMENT
                                                         : HV_SUCCESS);
        break;
    }
    case 2: {
        uint64_t t0 = hv_tsc_clock(), t1 = hv_tsc_clock();
        if (t1 < t0)
            failf("hv_tsc_clock went back: %llu -> %llu", (unsigned long long)t0,
                  (unsigned long long)t1);
        uint64_t ticks = u16(in);
        r = hvm_clock_advance(ticks);
        EXPECT_RET("hvm_clock_advance", r, S.vm ? HV_SUCCESS : HV_NO_DEVICE);
        break;
    }
    default: {
        uint64_t t = 1;
        hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
        hv_return_t own = owner_ret(id);
        r = hv_vcpu_get_exec_time(id, (b & 0x40) ? NULL : &t);
        EXPECT_RET("hv_vcpu_get_exec_time", r,
                   own != HV_SUCCESS ? own
                   : (b & 0x40)      ? HV_BAD_ARGUMENT
                                     : HV_SUCCESS);
        r = hv_vcpu_get_idle_time(id, &t);
        EXPECT_RET("hv_vcpu_get_idle_time", r, own);
        if (r == HV_SUCCESS && t != 0)
            failf("hv_vcpu_get_idle_time: %llu", (unsigned long long)t);
        break;
    }
    }
}

/* Writes fuzzed 16-bit code at a mapped page and points the vCPU at it in
 * flat real mode (the set-up of tests/x86/harness.c), with HLT exiting.
 * b: bits 0-3 the number of snippets - 1; bit 4 an IVT-sized IDTR limit;
 * bit 5 every exception exits; bit 6 RDTSC and CR3-load exiting; bit 7
 * only write the code. */
static void op_write_code(struct input *in)
{
    uint8_t b = u8(in);
    if (!S.vcpu || !S.sh.npages)
        return;
    struct shadow_page *p = &S.sh.pages[u8(in) % S.sh.npages];
    unsigned off = (u8(in) % 16) * 16u, n = 0;
    unsigned count = 1 + (b & 0x0f);
    for (unsigned i = 0; i < count && off + n + 8 <= PAGE; i++) {
        uint8_t s = u8(in);
        if (s < 200) {
            const uint8_t *sn = snippets[s % NSNIPPETS];
            memcpy(p->host + off + n, sn + 1, sn[0]);
            n += sn[0];
        } else {
            p->host[off + n++] = u8(in);
        }
    }
    p->host[off + n] = 0xf4; /* hlt */
    hvm_notify_vmm_write(p->host + off, n + 1);
    if (b & 0x80)
        return; /* leave the guest's registers alone */
    /* Real mode, CS base at the page: RIP = the offset. */
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    uint64_t cap = 0;
    hv_vmx_read_capability(HV_VMX_CAP_PROCBASED, &cap);
    uint64_t cpu = (CPU_BASED_HLT | (uint32_t)cap) & (cap >> 32);
    if (b & 0x40)
        cpu = (cpu | CPU_BASED_RDTSC | CPU_BASED_CR3_LOAD) & (cap >> 32);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_CTRL_CPU_BASED, cpu);
    hv_vmx_read_capability(HV_VMX_CAP_ENTRY, &cap);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_CTRL_VMENTRY_CONTROLS, (uint32_t)cap);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_CTRL_EXC_BITMAP, (b & 0x20) ? 0xffffffffu : 0);
    for (int i = 0; i < 6; i++) {
        hv_vmx_vcpu_write_vmcs(S.id, segs[i], 0);
        hv_vmx_vcpu_write_vmcs(S.id, segs[i] + 0x4000, 0xffff);
        hv_vmx_vcpu_write_vmcs(S.id, segs[i] + 0x4014, i == 0 ? 0x9b : 0x93);
        hv_vmx_vcpu_write_vmcs(S.id, segs[i] + 0x6006, i == 0 ? p->addr & 0xffff0000u : 0);
    }
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_CS, (p->addr >> 4) & 0xf000u);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_LDTR_AR, 0x10000);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_TR_AR, 0x83);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_IDTR_LIMIT, (b & 0x10) ? 0x3ff : 0);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_CR0, 0x20);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_CR4, 0x2000);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_IA32_EFER, 0);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_ACTIVITY_STATE, 0);
    hv_vmx_vcpu_write_vmcs(S.id, VMCS_GUEST_INTERRUPTIBILITY, 0);
    hv_vcpu_write_register(S.id, HV_X86_RIP, (p->addr & 0xffffu) + off);
    hv_vcpu_write_register(S.id, HV_X86_RFLAGS, 2);
    hv_vcpu_write_register(S.id, HV_X86_RSP, 0x7000);
}

static bool valid_reason(uint64_t reason)
{
    uint64_t basic = reason & 0xffff;
    if (reason & ~(uint64_t)0x8000ffffu)
        return false;
    if ((reason & 0x80000000u) && basic != VMX_REASON_VMENTRY_GUEST &&
        basic != VMX_REASON_VMENTRY_MSR && basic != VMX_REASON_VMENTRY_MC)
        return false;
    return basic <= 68 && basic != 35 && basic != 38 && basic != 42 && basic != 65;
}

static void check_ept(uint64_t reason)
{
    if ((reason & 0xffff) != VMX_REASON_EPT_VIOLATION)
        return;
    uint64_t q = vmcs_read(VMCS_RO_EXIT_QUALIFIC), gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
    uint32_t access = q & 7;
    if (!access || (access & (access - 1)))
        failf("EPT violation at 0x%llx: qualification 0x%llx names %s accesses",
              (unsigned long long)gpa, (unsigned long long)q, access ? "several" : "no");
    const struct shadow_page *p = shadow_find(&S.sh, gpa);
    uint32_t need = access == 1 ? HV_MEMORY_READ : access == 2 ? HV_MEMORY_WRITE : HV_MEMORY_EXEC;
    uint32_t prot = p ? p->prot : 0;
    if (gpa < SPARE_GPA || gpa >= SPARE_GPA + 16 * PAGE) {
        if (prot & need)
            failf("EPT violation (qualification 0x%llx) at GPA 0x%llx mapped with 0x%x",
                  (unsigned long long)q, (unsigned long long)gpa, prot);
        if (((q >> 3) & 7) != (prot & 7))
            failf("EPT violation at GPA 0x%llx: qualification 0x%llx, mapping 0x%x",
                  (unsigned long long)gpa, (unsigned long long)q, prot);
    }
}

static void op_run(struct input *in)
{
    uint8_t b = u8(in);
    uint64_t budget = 1 + (uint64_t)u16(in) % 4000;
    hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    if (owner_ret(id) != HV_SUCCESS) {
        hv_return_t r = (b & 1) ? hv_vcpu_run_until(id, HV_DEADLINE_FOREVER) : hv_vcpu_run(id);
        EXPECT_RET("hv_vcpu_run", r, owner_ret(id));
        return;
    }
    if (S.runs++ >= MAX_RUNS)
        return;
    /* Optional concurrent work on the second thread. */
    struct worker *w = (b & 0x0c) ? worker_get() : NULL;
    enum wcmd async = W_NONE;
    struct shadow_call call = {0};
    if (w) {
        uint8_t k = u8(in);
        switch ((b >> 2) & 3) {
        case 1:
            w->kick_id = S.id;
            async = W_KICK;
            break;
        case 2: async = worker_shadow_call(w, k, in, &call); break;
        default:
            if (w->vcpu) {
                w->a = 1 + u16(in) % 4000;
                async = W_RUN;
            }
            break;
        }
        if (async == W_MAP && !shadow_has_room(&S.sh, w->b))
            async = W_NONE;
    }
    /* run_until: a deadline some ticks ahead of the vCPU's clock. */
    bool until = b & 1;
    uint64_t ticks = until ? 1 + u8(in) % 200 : 0;
    uint64_t ic0 = 0, ic1 = 0, rip0 = 0, rip1 = 0;
    hvm_vcpu_get_instruction_count(S.id, &ic0);
    hv_vcpu_read_register(S.id, HV_X86_RIP, &rip0);
    uint64_t deadline = until ? (b & 2 ? HV_DEADLINE_FOREVER : hvm_clock_now() + ticks) : 0;
    int owed = S.kick_owed;
    hv_return_t r = hvm_replay_cancel_at(S.id, ic0 + budget);
    EXPECT_RET("hvm_replay_cancel_at", r, HV_SUCCESS);

    if (async != W_NONE)
        fuzz_worker_post(&w->t, (int)async);
    watch_begin(0, S.id);
    r = until ? hv_vcpu_run_until(S.id, deadline) : hv_vcpu_run(S.id);
    bool fired = watch_end(0);
    if (async != W_NONE)
        fuzz_worker_wait(&w->t);

    EXPECT_RET("hv_vcpu_run", r, HV_SUCCESS);
    uint64_t reason = vmcs_read(VMCS_RO_EXIT_REASON);
    hvm_vcpu_get_instruction_count(S.id, &ic1);
    hv_vcpu_read_register(S.id, HV_X86_RIP, &rip1);
    S.kick_owed = 0;

    if (!valid_reason(reason))
        failf("hv_vcpu_run: exit reason 0x%llx", (unsigned long long)reason);
    if (ic1 < ic0 || ic1 >= ic0 + budget + MAX_BLOCK_INSNS)
        failf("run retired %lld instructions with a budget of %llu", (long long)(ic1 - ic0),
              (unsigned long long)budget);
    if (owed == 1 && (reason != VMX_REASON_IRQ || ic1 != ic0 || rip1 != rip0))
        failf("run after a kick: reason %llu, %llu instructions, RIP 0x%llx -> 0x%llx "
              "(expected an IRQ exit at once)",
              (unsigned long long)reason, (unsigned long long)(ic1 - ic0), (unsigned long long)rip0,
              (unsigned long long)rip1);
    if (until && deadline != HV_DEADLINE_FOREVER && reason == VMX_REASON_IRQ && owed == 0 &&
        async != W_KICK && !fired && ic1 < ic0 + budget && hvm_clock_now() >= deadline)
        failf("run_until passed its deadline without VMX_TIMER_EXPIRED");
    if (reason == VMX_REASON_VMX_TIMER_EXPIRED && !until) {
        uint64_t pin = vmcs_read(VMCS_CTRL_PIN_BASED);
        if (!(pin & PIN_BASED_PREEMPTION_TIMER))
            failf("VMX_TIMER_EXPIRED from hv_vcpu_run without the preemption timer");
    }
    if (!fired && async != W_MAP && async != W_UNMAP && async != W_PROTECT)
        check_ept(reason);

    if (fired)
        S.kick_owed = -1;
    if (async == W_KICK) {
        EXPECT_RET("hv_vcpu_interrupt (concurrent)", w->ret, HV_SUCCESS);
        /* Landed during the run (consumed if IRQ) or after it. */
        S.kick_owed = reason == VMX_REASON_IRQ ? -1 : 1;
    } else if (async == W_MAP || async == W_UNMAP || async == W_PROTECT) {
        shadow_call_done(&S.sh, &call, w->ret);
    } else if (async == W_RUN) {
        EXPECT_RET("hv_vcpu_run (second thread)", w->ret, HV_SUCCESS);
        if (w->icount_after >= w->icount_before + w->a + MAX_BLOCK_INSNS)
            failf("second thread's run passed its budget");
        if (!valid_reason(w->reason))
            failf("second thread's run: exit reason 0x%llx", (unsigned long long)w->reason);
    }
}

static void op_interrupt(struct input *in)
{
    uint8_t b = u8(in);
    hv_vcpuid_t ids[3];
    unsigned n = b % 4;
    for (unsigned i = 0; i < n; i++)
        ids[i] = (b & 0x10) ? gen_vcpu_id(in) : S.id;
    bool null = (b & 0x60) == 0x60;
    hv_return_t want;
    if (!S.vm)
        want = HV_NO_DEVICE;
    else if (null && n)
        want = HV_BAD_ARGUMENT;
    else {
        want = HV_SUCCESS;
        for (unsigned i = 0; i < n; i++) {
            bool exists = (S.vcpu && ids[i] == S.id) || (S.w && S.w->vcpu && ids[i] == S.w->id);
            if (!exists)
                want = HV_BAD_ARGUMENT;
        }
    }
    hv_return_t r = hv_vcpu_interrupt(null ? NULL : ids, n);
    EXPECT_RET("hv_vcpu_interrupt", r, want);
    if (r == HV_SUCCESS)
        for (unsigned i = 0; i < n; i++)
            if (S.vcpu && ids[i] == S.id)
                S.kick_owed = 1;
}

static void op_worker(struct input *in)
{
    struct worker *w = worker_get();
    if (!w)
        return;
    uint8_t b = u8(in);
    hv_return_t r;
    switch (b % 4) {
    case 0:
        r = worker_call(w, W_CREATE);
        EXPECT_RET("hv_vcpu_create (second thread)", r,
                   !S.vm     ? HV_NO_DEVICE
                   : w->vcpu ? HV_BUSY
                             : HV_SUCCESS);
        if (r == HV_SUCCESS) {
            if (S.vcpu && w->id == S.id)
                failf("second thread's vCPU got id %u, already in use", w->id);
            w->vcpu = true;
        }
        break;
    case 1:
        if (!w->vcpu)
            break;
        r = worker_call(w, W_DESTROY);
        EXPECT_RET("hv_vcpu_destroy (second thread)", r, HV_SUCCESS);
        if (r == HV_SUCCESS)
            w->vcpu = false;
        break;
    case 2:
        if (!w->vcpu || S.runs++ >= MAX_RUNS)
            break;
        w->a = 1 + u16(in) % 4000;
        r = worker_call(w, W_RUN);
        EXPECT_RET("hv_vcpu_run (second thread)", r, HV_SUCCESS);
        if (!valid_reason(w->reason))
            failf("second thread's run: exit reason 0x%llx", (unsigned long long)w->reason);
        break;
    default:
        if (!S.vcpu)
            break;
        w->kick_id = S.id;
        worker_call(w, W_FOREIGN);
        if (S.vm && w->foreign_bad)
            failf("%u owner-only calls from another thread did not answer HV_BAD_ARGUMENT",
                  w->foreign_bad);
        break;
    }
}

static void op_trace(struct input *in)
{
    uint8_t b = u8(in);
    hv_return_t r;
    switch (b % 3) {
    case 0:
        r = hvm_trace_start(trace_path);
        EXPECT_RET("hvm_trace_start", r, S.vm ? HV_BUSY : HV_SUCCESS);
        if (r == HV_SUCCESS)
            S.trace_requested = true;
        break;
    case 1:
        r = hvm_trace_start((b & 4) ? NULL : "");
        EXPECT_RET("hvm_trace_start(bad path)", r, HV_BAD_ARGUMENT);
        break;
    default:
        hvm_trace_stop(); /* a recording may have been abandoned: either answer */
        S.trace_requested = false;
        break;
    }
}

static void op_misc(struct input *in)
{
    uint8_t b = u8(in);
    hv_vcpuid_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t own = owner_ret(id);
    uint64_t x = 0;
    uint32_t st = 0;
    hv_return_t r;
    switch (b % 8) {
    case 0:
        r = hv_vcpu_flush(id);
        /* hv.h: "no effect and always returns HV_UNSUPPORTED", with or
         * without a VM or a vCPU. */
        EXPECT_RET("hv_vcpu_flush", r, HV_UNSUPPORTED);
        break;
    case 1:
        r = hv_vcpu_invalidate_tlb(id);
        EXPECT_RET("hv_vcpu_invalidate_tlb", r, own);
        break;
    case 2:
        r = hv_vcpu_vmx_status(id, (b & 0x40) ? NULL : &st);
        EXPECT_RET("hv_vcpu_vmx_status", r,
                   own != HV_SUCCESS ? own
                   : (b & 0x40)      ? HV_BAD_ARGUMENT
                                     : HV_ERROR);
        break;
    case 3: {
        uint64_t gpa = (b & 0x40) ? u64(in) : 0xfee00000ull;
        r = hv_vmx_vcpu_set_apic_address(id, gpa);
        EXPECT_RET("hv_vmx_vcpu_set_apic_address", r,
                   own != HV_SUCCESS ? own
                   : (gpa & 0xfff)   ? HV_BAD_ARGUMENT
                                     : HV_SUCCESS);
        if (r == HV_SUCCESS && vmcs_read(VMCS_CTRL_APIC_ACCESS) != gpa)
            failf("APIC-access address reads 0x%llx after setting 0x%llx",
                  (unsigned long long)vmcs_read(VMCS_CTRL_APIC_ACCESS), (unsigned long long)gpa);
        break;
    }
    case 4: {
        hv_vm_space_t asid = u8(in) % 2;
        r = hv_vcpu_set_space(id, asid);
        EXPECT_RET("hv_vcpu_set_space", r,
                   own != HV_SUCCESS                 ? own
                   : asid && !(S.spaces >> asid & 1) ? HV_BAD_ARGUMENT
                                                     : HV_SUCCESS);
        if (r == HV_SUCCESS && asid) { /* back: runs are predicted in the default space */
            r = hv_vcpu_set_space(id, HV_VM_SPACE_DEFAULT);
            EXPECT_RET("hv_vcpu_set_space back to the default", r, HV_SUCCESS);
        }
        break;
    }
    case 5:
        r = hv_vmx_vcpu_read_shadow_vmcs(id, VMCS_GUEST_RIP, (b & 0x40) ? NULL : &x);
        EXPECT_RET("hv_vmx_vcpu_read_shadow_vmcs", r,
                   own != HV_SUCCESS ? own
                   : (b & 0x40)      ? HV_BAD_ARGUMENT
                                     : HV_UNSUPPORTED);
        r = hv_vmx_vcpu_write_shadow_vmcs(id, VMCS_GUEST_RIP, 0);
        EXPECT_RET("hv_vmx_vcpu_write_shadow_vmcs", r, own != HV_SUCCESS ? own : HV_UNSUPPORTED);
        r = hv_vmx_vcpu_set_shadow_access(id, VMCS_GUEST_RIP, 0);
        EXPECT_RET("hv_vmx_vcpu_set_shadow_access", r, own != HV_SUCCESS ? own : HV_UNSUPPORTED);
        break;
    case 6:
        r = hv_vm_add_pio_notifier(u16(in), 1, 0, 0, 0);
        EXPECT_RET("hv_vm_add_pio_notifier", r, S.vm ? HV_UNSUPPORTED : HV_NO_DEVICE);
        r = hv_vm_remove_pio_notifier(0x3f8, 1, 0, 0, 0);
        EXPECT_RET("hv_vm_remove_pio_notifier", r, S.vm ? HV_UNSUPPORTED : HV_NO_DEVICE);
        break;
    default: {
        uint8_t buf[16];
        uint64_t va = gen_value(in);
        r = hvm_vcpu_read_guest(id, va, (b & 0x40) ? NULL : buf, sizeof(buf));
        if (own != HV_SUCCESS || (b & 0x40))
            EXPECT_RET("hvm_vcpu_read_guest", r, own != HV_SUCCESS ? own : HV_BAD_ARGUMENT);
        else if (r != HV_SUCCESS && r != HV_BAD_ARGUMENT)
            failf("hvm_vcpu_read_guest: %s", hvm_strerror(r));
        break;
    }
    }
}

/* ------------------------------------------------------------------------ */
/* Cleanup and entry point                                                  */
/* ------------------------------------------------------------------------ */

static void cleanup(void)
{
    worker_stop();
    if (S.vcpu) {
        hv_return_t r = hv_vcpu_destroy(S.id);
        EXPECT_RET("hv_vcpu_destroy (cleanup)", r, HV_SUCCESS);
        S.vcpu = false;
    }
    if (S.vm) {
        hv_return_t r = hv_vm_destroy();
        EXPECT_RET("hv_vm_destroy (cleanup)", r, HV_SUCCESS);
        if (r != HV_SUCCESS) {
            fprintf(stderr, "fuzz_api_x86: cannot destroy the VM; giving up\n");
            abort(); /* every later input would start from a broken state */
        }
    }
    reset_after_vm_gone();
    hvm_trace_stop(); /* drops a request no VM consumed */
    unlink(trace_path);
    for (unsigned i = 0; i < S.sh.nblocks; i++) {
        hv_return_t r = hv_vm_deallocate(S.sh.blocks[i].p, S.sh.blocks[i].size);
        EXPECT_RET("hv_vm_deallocate (cleanup)", r, HV_SUCCESS);
    }
    S.sh.nblocks = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pool) {
        void *p = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "fuzz_api_x86: no memory for the pool\n");
            abort();
        }
        pool = p;
        snprintf(trace_path, sizeof(trace_path), "/tmp/fuzz_api_x86-%d.hvt", (int)getpid());
    }
    memset(pool, 0, POOL_SIZE);
    memset(&S, 0, sizeof(S));
    shadow_init(&S.sh, &contract, &S.broken, PAGE, GPA_BITS);

    struct input in = {data, size, 0};
    while (in.i < in.n && !S.broken) {
        switch (u8(&in) % 20) {
        case 0: op_vm_create(&in); break;
        case 1: op_vm_destroy(); break;
        case 2: op_allocate(&in); break;
        case 3:
        case 4: op_map(&in); break;
        case 5: op_change(&in, true); break;
        case 6: op_change(&in, false); break;
        case 7: op_vcpu_create(&in); break;
        case 8: op_vcpu_destroy(&in); break;
        case 9: op_reg(&in); break;
        case 10:
        case 11: op_vmcs(&in); break;
        case 12: op_caps(&in); break;
        case 13: op_msr(&in); break;
        case 14: (u8(&in) & 1) ? op_fpstate(&in) : op_tsc(&in); break;
        case 15: op_write_code(&in); break;
        case 16: op_run(&in); break;
        case 17: op_interrupt(&in); break;
        case 18: op_worker(&in); break;
        default: (u8(&in) & 1) ? op_trace(&in) : op_misc(&in); break;
        }
    }
    cleanup();
    return 0;
}
