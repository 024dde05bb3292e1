/*
 * fuzz_api_arm64.c — runs the input as a program of hv_* calls and checks
 * every answer against the documented contract (the headers in include/hv/Hypervisor/ and
 * include/hv/hvmodel.h).
 *
 * The input is bytecode: an op byte, then the bytes its arguments need
 * (missing bytes read as 0). The ops create and destroy the VM (with NULL or
 * a fuzzed config), allocate and free memory, map, unmap and protect guest
 * memory backed by a fixed host pool (and by hv_vm_allocate blocks), create
 * and destroy vCPUs, get and set every kind of register, drive interrupts,
 * the vtimer, debug traps and the virtual clock, record traces, and run a
 * guest made of fuzzed instruction words. A second thread owns a vCPU of
 * its own and may kick, map, unmap, protect or run while the first thread's
 * vCPU runs.
 *
 * Checks after every call:
 *  - the return code is the one the contract names for the arguments and
 *    state (a shadow of the VM's stage-2 table predicts map/unmap/protect);
 *  - registers read back what was written, where the contract says so;
 *  - hv_vm_destroy is HV_BUSY while vCPUs exist, NO_DEVICE without a VM;
 *  - a run returns HV_SUCCESS with a known exit reason, never passes its
 *    instruction budget, returns CANCELED at once after a kick, and its
 *    exception syndrome matches the instruction at PC and the shadow table
 *    (with the MMU off);
 *  - pending interrupts are cleared by a run; VTIMER_ACTIVATED sets the mask.
 * Each input ends by destroying everything it created.
 *
 * Runs are bounded by hvm_replay_cancel_at (an instruction budget). A guest
 * that retires no instructions (an exception loop: a new vCPU's VBAR_EL1 is
 * set to unmapped memory to make that rare) is ended by a watchdog
 * thread that kicks the vCPU after FUZZ_WATCHDOG_MS of host time; that is
 * reported on stderr, and is an invariant failure when the environment sets
 * FUZZ_API_STRICT_TIME=1.
 *
 * With libFuzzer (clang -fsanitize=fuzzer) a broken invariant aborts; with
 * fuzz/driver.c it is counted through fuzz_invariant_failed().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "shadow.h"
#include "util.h"

const char fuzz_name[] = "fuzz_api_arm64";

#define POOL_SIZE        (1u << 20) /* host memory behind most mappings */
#define HOST_PAGE        4096u
#define MAX_PAGES        2048u  /* shadow stage-2 entries, in granules */
#define DEFAULT_GRANULE  16384u /* and address bits: those of a VM made without a config */
#define DEFAULT_IPA_BITS 36u
#define SPARE_IPA        0x40000000ull /* where the second thread maps */
#define VECTORS_IPA      0x80000000ull /* VBAR_EL1 of a new vCPU */
#define FUZZ_WATCHDOG_MS 250
#define MAX_RUNS         64  /* per input */
#define MAX_BLOCK_INSNS  512 /* the engine stops only between blocks of at most this */

/* ------------------------------------------------------------------------ */
/* State of the program under test, as the harness believes it to be         */
/* ------------------------------------------------------------------------ */

struct worker;

static struct state {
    bool broken; /* an invariant failed: stop interpreting */
    bool vm;
    uint64_t advanced; /* hvm_clock_advance total */
    bool trace_requested, recording;
    /* shadow stage-2 table, one entry per granule (shadow.h); without a VM
     * its granule and address width are the defaults */
    struct shadow sh;
    /* the vCPU this thread owns */
    bool vcpu;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
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

#define EXPECT2(call, got, a, b)                                                                   \
    do {                                                                                           \
        if ((got) != (a) && (got) != (b))                                                          \
            failf("%s: returned %s, expected %s or %s", call, hvm_strerror(got), hvm_strerror(a),  \
                  hvm_strerror(b));                                                                \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Shadow stage-2 table (shadow.h)                                          */
/* ------------------------------------------------------------------------ */

static const struct shadow_contract contract = {
    .ok = HV_SUCCESS,
    .bad_argument = HV_BAD_ARGUMENT,
    .no_device = HV_NO_DEVICE,
    .strerror = hvm_strerror,
    .prot_mask = HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC,
    .host_page = HOST_PAGE,
    .max_pages = MAX_PAGES,
    .near = 0, /* 16 KiB granules, whatever the VM's */
    .near_step = 16384,
    .near_count = 64,
    .spare = SPARE_IPA,
};

/* ------------------------------------------------------------------------ */
/* Watchdog (util.h)                                                        */
/* ------------------------------------------------------------------------ */

static void kick_vcpu(uint64_t id)
{
    hv_vcpu_t v = (hv_vcpu_t)id;
    hv_vcpus_exit(&v, 1);
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
    W_FOREIGN, /* owner-only calls on the first thread's vCPU */
};

struct worker {
    struct fuzz_worker t; /* first: the thread (util.h) */
    /* arguments */
    uint64_t a, b, c;
    uint8_t *host;
    hv_vcpu_t ids[3];
    uint32_t nids;
    /* results */
    hv_return_t ret;
    hv_exit_reason_t reason;
    uint64_t icount_before, icount_after;
    unsigned foreign_bad; /* owner-only calls that did not answer BAD_ARGUMENT */
    /* the worker's vCPU */
    bool vcpu;
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
};

static void worker_do(struct fuzz_worker *t, int cmd)
{
    struct worker *w = (struct worker *)t;
    switch ((enum wcmd)cmd) {
    case W_CREATE: w->ret = hv_vcpu_create(&w->id, &w->exit, NULL); break;
    case W_DESTROY: w->ret = hv_vcpu_destroy(w->id); break;
    case W_RUN: {
        hvm_vcpu_get_instruction_count(w->id, &w->icount_before);
        hvm_replay_cancel_at(w->id, w->icount_before + w->a);
        watch_begin(1, w->id);
        w->ret = hv_vcpu_run(w->id);
        watch_end(1);
        w->reason = w->exit->reason;
        hvm_vcpu_get_instruction_count(w->id, &w->icount_after);
        break;
    }
    case W_KICK: w->ret = hv_vcpus_exit(w->nids ? w->ids : NULL, w->nids); break;
    case W_MAP: w->ret = hv_vm_map(w->host, w->a, w->b, w->c); break;
    case W_UNMAP: w->ret = hv_vm_unmap(w->a, w->b); break;
    case W_PROTECT: w->ret = hv_vm_protect(w->a, w->b, w->c); break;
    case W_FOREIGN: {
        hv_vcpu_t id = w->ids[0];
        uint64_t v = 0;
        bool b = false;
        unsigned bad = 0;
        bad += hv_vcpu_get_reg(id, HV_REG_X0, &v) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_set_reg(id, HV_REG_X0, 1) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_get_sys_reg(id, HV_SYS_REG_TPIDR_EL1, &v) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_set_vtimer_mask(id, true) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_get_pending_interrupt(id, HV_INTERRUPT_TYPE_IRQ, &b) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_run(id) != HV_BAD_ARGUMENT;
        bad += hv_vcpu_destroy(id) != HV_BAD_ARGUMENT;
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
    uint64_t g = S.sh.granule;
    switch (u8(in) % 5) {
    case 0: return (uint64_t)(1 + u8(in) % 8) * g;
    case 1: return (uint64_t)(1 + u8(in) % 4) * 16384;
    case 2: return (uint64_t)(u8(in) % 64) * HOST_PAGE;
    case 3: return u16(in);
    default: return u64(in);
    }
}

/* ------------------------------------------------------------------------ */
/* System registers                                                         */
/* ------------------------------------------------------------------------ */

enum { SR_OK = 0, SR_REFUSED = 1, SR_EXACT = 2 };

struct sr {
    uint16_t enc;
    uint8_t kind;
};

static const struct sr sysregs[] = {
    {HV_SYS_REG_MDCCINT_EL1, SR_OK},
    {HV_SYS_REG_MDSCR_EL1, SR_OK},
    {HV_SYS_REG_MIDR_EL1, SR_EXACT},
    {HV_SYS_REG_MPIDR_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64PFR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64PFR1_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64ZFR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64SMFR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64DFR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64DFR1_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64ISAR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64ISAR1_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64MMFR0_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64MMFR1_EL1, SR_EXACT},
    {HV_SYS_REG_ID_AA64MMFR2_EL1, SR_EXACT},
    {HV_SYS_REG_SCTLR_EL1, SR_OK},
    {HV_SYS_REG_ACTLR_EL1, SR_OK},
    {HV_SYS_REG_CPACR_EL1, SR_OK},
    {HV_SYS_REG_SMPRI_EL1, SR_REFUSED},
    {HV_SYS_REG_SMCR_EL1, SR_REFUSED},
    {HV_SYS_REG_TTBR0_EL1, SR_OK},
    {HV_SYS_REG_TTBR1_EL1, SR_OK},
    {HV_SYS_REG_TCR_EL1, SR_OK},
    {HV_SYS_REG_APIAKEYLO_EL1, SR_EXACT},
    {HV_SYS_REG_APIAKEYHI_EL1, SR_EXACT},
    {HV_SYS_REG_APIBKEYLO_EL1, SR_EXACT},
    {HV_SYS_REG_APIBKEYHI_EL1, SR_EXACT},
    {HV_SYS_REG_APDAKEYLO_EL1, SR_EXACT},
    {HV_SYS_REG_APDAKEYHI_EL1, SR_EXACT},
    {HV_SYS_REG_APDBKEYLO_EL1, SR_EXACT},
    {HV_SYS_REG_APDBKEYHI_EL1, SR_EXACT},
    {HV_SYS_REG_APGAKEYLO_EL1, SR_EXACT},
    {HV_SYS_REG_APGAKEYHI_EL1, SR_EXACT},
    {HV_SYS_REG_SPSR_EL1, SR_OK},
    {HV_SYS_REG_ELR_EL1, SR_EXACT},
    {HV_SYS_REG_SP_EL0, SR_EXACT},
    {HV_SYS_REG_AFSR0_EL1, SR_OK},
    {HV_SYS_REG_AFSR1_EL1, SR_OK},
    {HV_SYS_REG_ESR_EL1, SR_OK},
    {HV_SYS_REG_FAR_EL1, SR_EXACT},
    {HV_SYS_REG_PAR_EL1, SR_OK},
    {HV_SYS_REG_MAIR_EL1, SR_EXACT},
    {HV_SYS_REG_AMAIR_EL1, SR_OK},
    {HV_SYS_REG_VBAR_EL1, SR_OK},
    {HV_SYS_REG_CONTEXTIDR_EL1, SR_OK},
    {HV_SYS_REG_TPIDR_EL1, SR_EXACT},
    {HV_SYS_REG_SCXTNUM_EL1, SR_EXACT},
    {HV_SYS_REG_CNTKCTL_EL1, SR_OK},
    {HV_SYS_REG_CSSELR_EL1, SR_OK},
    {HV_SYS_REG_TPIDR_EL0, SR_EXACT},
    {HV_SYS_REG_TPIDRRO_EL0, SR_EXACT},
    {HV_SYS_REG_TPIDR2_EL0, SR_REFUSED},
    {HV_SYS_REG_SCXTNUM_EL0, SR_EXACT},
    {HV_SYS_REG_CNTV_CTL_EL0, SR_OK},
    {HV_SYS_REG_CNTV_CVAL_EL0, SR_EXACT},
    {HV_SYS_REG_SP_EL1, SR_EXACT},
    {HV_SYS_REG_CNTP_CTL_EL0, SR_REFUSED},
    {HV_SYS_REG_CNTP_CVAL_EL0, SR_REFUSED},
    {HV_SYS_REG_CNTP_TVAL_EL0, SR_REFUSED},
    {HV_SYS_REG_CNTHCTL_EL2, SR_REFUSED},
    {HV_SYS_REG_CNTHP_CTL_EL2, SR_REFUSED},
    {HV_SYS_REG_CNTHP_CVAL_EL2, SR_REFUSED},
    {HV_SYS_REG_CNTHP_TVAL_EL2, SR_REFUSED},
    {HV_SYS_REG_CNTVOFF_EL2, SR_REFUSED},
    {HV_SYS_REG_CPTR_EL2, SR_REFUSED},
    {HV_SYS_REG_ELR_EL2, SR_REFUSED},
    {HV_SYS_REG_ESR_EL2, SR_REFUSED},
    {HV_SYS_REG_FAR_EL2, SR_REFUSED},
    {HV_SYS_REG_HCR_EL2, SR_REFUSED},
    {HV_SYS_REG_HPFAR_EL2, SR_REFUSED},
    {HV_SYS_REG_MAIR_EL2, SR_REFUSED},
    {HV_SYS_REG_MDCR_EL2, SR_REFUSED},
    {HV_SYS_REG_SCTLR_EL2, SR_REFUSED},
    {HV_SYS_REG_SPSR_EL2, SR_REFUSED},
    {HV_SYS_REG_SP_EL2, SR_REFUSED},
    {HV_SYS_REG_TCR_EL2, SR_REFUSED},
    {HV_SYS_REG_TPIDR_EL2, SR_REFUSED},
    {HV_SYS_REG_TTBR0_EL2, SR_REFUSED},
    {HV_SYS_REG_TTBR1_EL2, SR_REFUSED},
    {HV_SYS_REG_VBAR_EL2, SR_REFUSED},
    {HV_SYS_REG_VMPIDR_EL2, SR_REFUSED},
    {HV_SYS_REG_VPIDR_EL2, SR_REFUSED},
    {HV_SYS_REG_VTCR_EL2, SR_REFUSED},
    {HV_SYS_REG_VTTBR_EL2, SR_REFUSED},
};

#define NSYSREGS (sizeof(sysregs) / sizeof(sysregs[0]))

/* SR_OK, SR_EXACT or SR_REFUSED for a known register; -1 for an unknown one. */
static int sysreg_kind(uint16_t enc)
{
    for (size_t i = 0; i < NSYSREGS; i++)
        if (sysregs[i].enc == enc)
            return sysregs[i].kind;
    /* The debug banks: DBG{B,W}{V,C}Rn_EL1 for n = 0..15. */
    if ((enc & 0xff80) == 0x8000 && (enc & 7) >= 4)
        return SR_OK;
    return -1;
}

static uint16_t gen_sysreg(struct input *in)
{
    uint8_t b = u8(in);
    if (b < 200)
        return sysregs[b % NSYSREGS].enc;
    if (b < 240)
        return (uint16_t)(0x8000 | (u8(in) % 16) << 3 | (4 + u8(in) % 4));
    return u16(in);
}

/* ------------------------------------------------------------------------ */
/* Guest code                                                               */
/* ------------------------------------------------------------------------ */

/* Instructions worth having often; the fuzzer may also write raw words. */
static const uint32_t insn_table[] = {
    0xd4000002, /* hvc #0 */
    0xd4000022, /* hvc #1 */
    0xd4000003, /* smc #0 */
    0xd503207f, /* wfi */
    0xd503205f, /* wfe */
    0xd4200000, /* brk #0 */
    0xd503201f, /* nop */
    0x14000000, /* b . */
    0x17ffffff, /* b .-4 */
    0x91000400, /* add x0, x0, #1 */
    0xf9400021, /* ldr x1, [x1] */
    0xf9000022, /* str x2, [x1] */
    0xa9400c22, /* ldp x2, x3, [x1] */
    0x39400021, /* ldrb w1, [x1] */
    0xb8004422, /* str w2, [x1], #4 */
    0xd2a80001, /* mov x1, #0x40000000 */
    0xd2800001, /* mov x1, #0 */
    0xd2820001, /* mov x1, #0x1000 */
    0xd53be040, /* mrs x0, cntvct_el0 */
    0xd53be020, /* mrs x0, cntpct_el0 */
    0xd51be321, /* msr cntv_ctl_el0, x1 */
    0xd51be342, /* msr cntv_cval_el0, x2 */
    0xd51b9c00, /* msr pmcr_el0, x0 */
    0xd5381000, /* mrs x0, sctlr_el1 */
    0xd5100280, /* msr mdscr_el1, x0 */
    0xd5300400, /* mrs x0, dbgbvr0_el1 */
    0xd5380000, /* mrs x0, midr_el1 */
    0xd5300000 | 0x1 << 19 | 0x0 << 16 | 0x1 << 12 | 0x1 << 8 | 0x4 << 5, /* mrs oslsr_el1 */
    0xd50b7420,                                                           /* dc zva, x0 */
    0xd69f03e0,                                                           /* eret */
    0xd4000001,                                                           /* svc #0 */
    0xd5033fdf,                                                           /* isb */
    0xd50342ff,                                                           /* msr daifclr, #2 */
    0xd50343ff,                                                           /* msr daifclr, #3 */
    0x1e601000,                                                           /* fmov d0, #2.0 */
    0x00000000,                                                           /* udf #0 */
    0xd65f03c0,                                                           /* ret */
    0xd61f0020,                                                           /* br x1 */
    0x9100003f,                                                           /* mov sp, x1 */
};

#define NINSNS (sizeof(insn_table) / sizeof(insn_table[0]))

/* The 32-bit word at a guest IPA through the shadow table, if mapped. */
static bool guest_word(uint64_t ipa, uint32_t *w)
{
    const struct shadow_page *p = shadow_find(&S.sh, ipa);
    if (!p || (ipa & 3))
        return false;
    memcpy(w, p->host + (ipa & (S.sh.granule - 1)), 4);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Ops                                                                      */
/* ------------------------------------------------------------------------ */

static void reset_after_vm_gone(void)
{
    S.vm = false;
    shadow_new_vm(&S.sh, DEFAULT_GRANULE, DEFAULT_IPA_BITS);
    S.advanced = 0;
    S.recording = false;
}

static void op_vm_create(struct input *in)
{
    uint8_t mode = u8(in);
    hv_vm_config_t cfg = NULL;
    hv_vcpu_config_t wrong = NULL;
    unsigned bits = 36;
    uint64_t granule = 16384;
    hv_return_t r;
    if (mode & 1) {
        cfg = hv_vm_config_create();
        if (!cfg) {
            failf("hv_vm_config_create returned NULL");
            return;
        }
        uint32_t want = 28 + u8(in) % 16;
        r = hv_vm_config_set_ipa_size(cfg, want);
        EXPECT_RET("hv_vm_config_set_ipa_size", r,
                   want >= 32 && want <= 40 ? HV_SUCCESS : HV_BAD_ARGUMENT);
        if (r == HV_SUCCESS)
            bits = want;
        uint32_t gsel = u8(in) % 3;
        r = hv_vm_config_set_ipa_granule(cfg, gsel);
        EXPECT_RET("hv_vm_config_set_ipa_granule", r, gsel < 2 ? HV_SUCCESS : HV_BAD_ARGUMENT);
        if (gsel == HV_IPA_GRANULE_4KB)
            granule = 4096;
        uint32_t got = 0;
        r = hv_vm_config_get_ipa_size(cfg, &got);
        if (r != HV_SUCCESS || got != bits)
            failf("hv_vm_config_get_ipa_size: %s, %u (expected %u)", hvm_strerror(r), got, bits);
        bool el2 = u8(in) & 1;
        r = hv_vm_config_set_el2_enabled(cfg, el2);
        EXPECT_RET("hv_vm_config_set_el2_enabled", r, el2 ? HV_UNSUPPORTED : HV_SUCCESS);
    } else if (mode & 2) {
        wrong = hv_vcpu_config_create(); /* the wrong kind of object */
    }
    r = hv_vm_create(wrong ? (hv_vm_config_t)(void *)wrong : cfg);
    if (wrong)
        EXPECT2("hv_vm_create(vcpu config)", r, HV_BAD_ARGUMENT, S.vm ? HV_BUSY : HV_BAD_ARGUMENT);
    else if (S.vm)
        EXPECT_RET("hv_vm_create (VM exists)", r, HV_BUSY);
    else
        EXPECT_RET("hv_vm_create", r, HV_SUCCESS);
    if (cfg)
        os_release(cfg);
    if (wrong)
        os_release(wrong);
    if (r == HV_SUCCESS) {
        S.vm = true;
        shadow_new_vm(&S.sh, granule, bits);
        S.advanced = 0;
        S.recording = S.trace_requested;
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
    size_t size = (size_t)(b % 9) * 16384;
    hv_allocate_flags_t flags = (b & 0x40) ? u8(in) : HV_ALLOCATE_DEFAULT;
    if (b & 0x80)
        size += 1 + u8(in) * 64u; /* not a multiple of 16 KiB */
    bool null = (b & 0x30) == 0x30;
    void *p = NULL;
    if (S.sh.nblocks == SHADOW_MAX_BLOCKS && !null && size && !(size % 16384) && !flags)
        return; /* the harness keeps at most SHADOW_MAX_BLOCKS */
    hv_return_t r = hv_vm_allocate(null ? NULL : &p, size, flags);
    bool bad = null || size == 0 || size % 16384 || flags != HV_ALLOCATE_DEFAULT;
    EXPECT_RET("hv_vm_allocate", r, bad ? HV_BAD_ARGUMENT : HV_SUCCESS);
    if (r != HV_SUCCESS)
        return;
    if (((uintptr_t)p & 16383) || !p) {
        failf("hv_vm_allocate returned %p, not 16 KiB aligned", p);
        return;
    }
    const uint8_t *q = p;
    for (size_t i = 0; i < size; i += HOST_PAGE)
        if (q[i]) {
            failf("hv_vm_allocate: memory is not zeroed at +%zu", i);
            return;
        }
    S.sh.blocks[S.sh.nblocks++] = (struct shadow_block){p, size};
}

static void op_deallocate(struct input *in)
{
    uint8_t b = u8(in);
    if (!S.sh.nblocks || (b & 3) == 3) {
        /* Memory hv_vm_allocate did not hand out. */
        hv_return_t r = hv_vm_deallocate((b & 4) ? pool : NULL, (b & 8) ? POOL_SIZE : 16384);
        EXPECT_RET("hv_vm_deallocate(foreign)", r, HV_BAD_ARGUMENT);
        return;
    }
    unsigned i = (b >> 4) % S.sh.nblocks;
    struct shadow_block *blk = &S.sh.blocks[i];
    if ((b & 3) == 1) {
        hv_return_t r = hv_vm_deallocate(blk->p, blk->size + 16384);
        EXPECT_RET("hv_vm_deallocate(wrong size)", r, HV_BAD_ARGUMENT);
        return;
    }
    if ((b & 3) == 2) {
        hv_return_t r = hv_vm_deallocate(blk->p + 16384, blk->size - 16384);
        EXPECT_RET("hv_vm_deallocate(inside a block)", r, HV_BAD_ARGUMENT);
        return;
    }
    if (S.vm && shadow_block_mapped(&S.sh, blk))
        return; /* the contract: unmap first */
    hv_return_t r = hv_vm_deallocate(blk->p, blk->size);
    EXPECT_RET("hv_vm_deallocate", r, HV_SUCCESS);
    *blk = S.sh.blocks[--S.sh.nblocks];
}

static void op_map(struct input *in)
{
    uint64_t ipa = shadow_gen_addr(&S.sh, in), size = gen_size(in), flags = shadow_gen_flags(in);
    uint8_t *host = shadow_gen_host(&S.sh, in, pool, POOL_SIZE, &size);
    hv_return_t want = shadow_predict_map(&S.sh, S.vm, host, ipa, size, flags);
    if (want == HV_SUCCESS && !shadow_has_room(&S.sh, size))
        return;
    hv_return_t r = hv_vm_map(host, ipa, size, flags);
    if (shadow_check_map(&S.sh, S.vm, "hv_vm_map", host, ipa, size, flags, r, want)) {
        /* Nothing was mapped: unmapping the range still fails. */
        hv_return_t u = hv_vm_unmap(ipa, size);
        EXPECT_RET("hv_vm_unmap after a failed map", u, HV_BAD_ARGUMENT);
    }
}

static void op_change(struct input *in, bool unmap)
{
    uint64_t ipa = shadow_gen_addr(&S.sh, in), size = gen_size(in);
    uint64_t flags = unmap ? 0 : shadow_gen_flags(in);
    hv_return_t want = shadow_predict_change(&S.sh, S.vm, ipa, size, flags);
    hv_return_t r = unmap ? hv_vm_unmap(ipa, size) : hv_vm_protect(ipa, size, flags);
    shadow_check_change(&S.sh, unmap, ipa, size, flags, r, want);
}

static void check_fresh_vcpu(void)
{
    uint64_t v = 0;
    bool b = true;
    for (hv_reg_t reg = HV_REG_X0; reg <= HV_REG_PC; reg++)
        if (hv_vcpu_get_reg(S.id, reg, &v) != HV_SUCCESS || v != 0)
            failf("new vCPU: register %u reads 0x%llx, expected 0", reg, (unsigned long long)v);
    if (hv_vcpu_get_reg(S.id, HV_REG_CPSR, &v) != HV_SUCCESS || v != 0x3c5)
        failf("new vCPU: CPSR reads 0x%llx, expected 0x3c5", (unsigned long long)v);
    if (hv_vcpu_get_sys_reg(S.id, HV_SYS_REG_SCTLR_EL1, &v) != HV_SUCCESS || v & 1)
        failf("new vCPU: SCTLR_EL1 reads 0x%llx, MMU on", (unsigned long long)v);
    if (hv_vcpu_get_vtimer_mask(S.id, &b) != HV_SUCCESS || b)
        failf("new vCPU: vtimer masked");
    if (hv_vcpu_get_pending_interrupt(S.id, HV_INTERRUPT_TYPE_IRQ, &b) != HV_SUCCESS || b)
        failf("new vCPU: IRQ pending");
    if (hv_vcpu_get_trap_debug_exceptions(S.id, &b) != HV_SUCCESS || b)
        failf("new vCPU: debug exceptions trap");
}

static void op_vcpu_create(struct input *in)
{
    uint8_t mode = u8(in) % 6;
    hv_vcpu_t id = 0;
    hv_vcpu_exit_t *ex = NULL;
    hv_return_t r;
    if (mode == 0) {
        r = hv_vcpu_create(NULL, &ex, NULL);
        EXPECT2("hv_vcpu_create(NULL id)", r, HV_BAD_ARGUMENT,
                S.vm ? HV_BAD_ARGUMENT : HV_NO_DEVICE);
        return;
    }
    if (mode == 1) {
        r = hv_vcpu_create(&id, NULL, NULL);
        EXPECT2("hv_vcpu_create(NULL exit)", r, HV_BAD_ARGUMENT,
                S.vm ? HV_BAD_ARGUMENT : HV_NO_DEVICE);
        return;
    }
    if (mode == 2) {
        hv_vm_config_t wrong = hv_vm_config_create();
        r = hv_vcpu_create(&id, &ex, (hv_vcpu_config_t)(void *)wrong);
        os_release(wrong);
        EXPECT2("hv_vcpu_create(vm config)", r, HV_BAD_ARGUMENT,
                S.vm ? HV_BAD_ARGUMENT : HV_NO_DEVICE);
        if (r == HV_SUCCESS)
            hv_vcpu_destroy(id);
        return;
    }
    hv_vcpu_config_t cfg = mode == 3 ? hv_vcpu_config_create() : NULL;
    r = hv_vcpu_create(&id, &ex, cfg);
    if (cfg)
        os_release(cfg);
    EXPECT_RET("hv_vcpu_create", r, !S.vm ? HV_NO_DEVICE : S.vcpu ? HV_BUSY : HV_SUCCESS);
    if (r != HV_SUCCESS)
        return;
    if (id >= 64 || !ex) {
        failf("hv_vcpu_create: id %llu, exit %p", (unsigned long long)id, (void *)ex);
        return;
    }
    if (S.w && S.w->vcpu && S.w->id == id)
        failf("hv_vcpu_create: id %llu is the second thread's", (unsigned long long)id);
    S.vcpu = true;
    S.id = id;
    S.exit = ex;
    S.kick_owed = 0;
    check_fresh_vcpu();
    /* Guest exceptions go to an unmapped vector, so they end as an exit
     * instead of looping over zeroed memory (a sys reg op may change it). */
    r = hv_vcpu_set_sys_reg(id, HV_SYS_REG_VBAR_EL1, VECTORS_IPA);
    EXPECT_RET("hv_vcpu_set_sys_reg(VBAR_EL1)", r, HV_SUCCESS);
}

static hv_vcpu_t gen_vcpu_id(struct input *in)
{
    switch (u8(in) % 8) {
    case 0: return S.id + 1;
    case 1: return 64;
    case 2: return u64(in);
    case 3: return S.w ? S.w->id : 0;
    default: return S.id;
    }
}

/* The answer of an owner-only call on `id`. */
static hv_return_t owner_ret(hv_vcpu_t id)
{
    if (!S.vm)
        return HV_NO_DEVICE;
    return S.vcpu && id == S.id ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

static void op_vcpu_destroy(struct input *in)
{
    hv_vcpu_t id = gen_vcpu_id(in);
    hv_return_t r = hv_vcpu_destroy(id);
    EXPECT_RET("hv_vcpu_destroy", r, owner_ret(id));
    if (r == HV_SUCCESS) {
        S.vcpu = false;
        S.exit = NULL;
    }
}

static void op_reg(struct input *in)
{
    uint8_t b = u8(in);
    hv_reg_t reg = (hv_reg_t)(u8(in) % 40);
    if (b & 0x40)
        reg = u32(in);
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t want = owner_ret(id);
    if (b & 1) {
        uint64_t v = u64(in);
        if ((b & 6) == 2 && reg == HV_REG_CPSR)
            v = (v & 0xf00003c0) | (uint64_t)((uint8_t[]){0, 4, 5, 0x9, 0x10}[b % 5]);
        hv_return_t r = hv_vcpu_set_reg(id, reg, v);
        if (want == HV_SUCCESS && reg > HV_REG_CPSR)
            want = HV_BAD_ARGUMENT;
        if (want == HV_SUCCESS &&
            (reg == HV_REG_CPSR || reg == HV_REG_FPCR || reg == HV_REG_FPSR)) {
            /* Values the CPU cannot hold may be refused (hvmodel's choice). */
            EXPECT2("hv_vcpu_set_reg", r, HV_SUCCESS, HV_BAD_ARGUMENT);
            uint64_t got = 0;
            if (r == HV_SUCCESS && reg == HV_REG_CPSR &&
                (hv_vcpu_get_reg(id, reg, &got) != HV_SUCCESS || (got & 0xf) != (v & 0xf)))
                failf("CPSR set to 0x%llx reads 0x%llx", (unsigned long long)v,
                      (unsigned long long)got);
            if (r == HV_SUCCESS && reg == HV_REG_CPSR && ((v & 0xf) == 0x9 || (v & 0x10)))
                failf("CPSR accepted mode 0x%llx, which the guest cannot run in",
                      (unsigned long long)(v & 0x1f));
            return;
        }
        EXPECT_RET("hv_vcpu_set_reg", r, want);
        if (r == HV_SUCCESS) {
            uint64_t got = 0;
            hv_return_t g = hv_vcpu_get_reg(id, reg, &got);
            if (g != HV_SUCCESS || got != v)
                failf("register %u set to 0x%llx reads 0x%llx (%s)", reg, (unsigned long long)v,
                      (unsigned long long)got, hvm_strerror(g));
        }
        return;
    }
    uint64_t v = 0;
    bool null = (b & 6) == 6;
    hv_return_t r = hv_vcpu_get_reg(id, reg, null ? NULL : &v);
    if (want == HV_SUCCESS && (reg > HV_REG_CPSR || null))
        want = HV_BAD_ARGUMENT;
    EXPECT_RET("hv_vcpu_get_reg", r, want);
}

static void op_simd(struct input *in)
{
    uint8_t b = u8(in);
    hv_simd_fp_reg_t reg = (hv_simd_fp_reg_t)(u8(in) % 36);
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t want = owner_ret(id);
    if (want == HV_SUCCESS && reg > HV_SIMD_FP_REG_Q31)
        want = HV_BAD_ARGUMENT;
    hv_simd_fp_uchar16_t val, got;
    for (int i = 0; i < 16; i++)
        val[i] = u8(in);
    if (b & 1) {
        hv_return_t r = hv_vcpu_set_simd_fp_reg(id, reg, val);
        EXPECT_RET("hv_vcpu_set_simd_fp_reg", r, want);
        if (r != HV_SUCCESS)
            return;
        memset(&got, 0, sizeof(got));
        r = hv_vcpu_get_simd_fp_reg(id, reg, &got);
        if (r != HV_SUCCESS || memcmp(&got, &val, 16) != 0)
            failf("Q%u does not read back what was set (%s)", reg, hvm_strerror(r));
        return;
    }
    bool null = (b & 6) == 6;
    hv_return_t r = hv_vcpu_get_simd_fp_reg(id, reg, null ? NULL : &got);
    EXPECT_RET("hv_vcpu_get_simd_fp_reg", r, null && want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
}

static void op_sysreg(struct input *in)
{
    uint8_t b = u8(in);
    uint16_t reg = gen_sysreg(in);
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t want = owner_ret(id);
    int kind = sysreg_kind(reg);
    if (want == HV_SUCCESS && (kind < 0 || kind == SR_REFUSED))
        want = HV_BAD_ARGUMENT;
    if (b & 1) {
        uint64_t v = u64(in);
        /* Keep the MMU off unless the input insists: most runs then stay
         * checkable against the shadow table. */
        if (reg == HV_SYS_REG_SCTLR_EL1 && !(b & 0x40))
            v &= ~1ull;
        hv_return_t r = hv_vcpu_set_sys_reg(id, reg, v);
        EXPECT_RET("hv_vcpu_set_sys_reg", r, want);
        if (r != HV_SUCCESS)
            return;
        uint64_t got = 0;
        r = hv_vcpu_get_sys_reg(id, reg, &got);
        if (r != HV_SUCCESS)
            failf("sys reg 0x%04x set but reads %s", reg, hvm_strerror(r));
        else if (kind == SR_EXACT && got != v)
            failf("sys reg 0x%04x set to 0x%llx reads 0x%llx", reg, (unsigned long long)v,
                  (unsigned long long)got);
        else if (reg == HV_SYS_REG_ACTLR_EL1 && got != (v & 2))
            failf("ACTLR_EL1 set to 0x%llx reads 0x%llx (only EnTSO is kept)",
                  (unsigned long long)v, (unsigned long long)got);
        else if (reg == HV_SYS_REG_CNTV_CTL_EL0 && (got & ~4ull) != (v & 3))
            failf("CNTV_CTL_EL0 set to 0x%llx reads 0x%llx", (unsigned long long)v,
                  (unsigned long long)got);
        return;
    }
    uint64_t v = 0;
    bool null = (b & 6) == 6;
    hv_return_t r = hv_vcpu_get_sys_reg(id, reg, null ? NULL : &v);
    EXPECT_RET("hv_vcpu_get_sys_reg", r, null && want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
}

static void op_irq(struct input *in)
{
    uint8_t b = u8(in);
    hv_interrupt_type_t type = (hv_interrupt_type_t)(u8(in) % 3);
    if (b & 0x40)
        type = u32(in);
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t want = owner_ret(id);
    if (want == HV_SUCCESS && type > HV_INTERRUPT_TYPE_FIQ)
        want = HV_BAD_ARGUMENT;
    bool pend = b & 2, got = !pend;
    if (b & 1) {
        hv_return_t r = hv_vcpu_set_pending_interrupt(id, type, pend);
        EXPECT_RET("hv_vcpu_set_pending_interrupt", r, want);
        if (r == HV_SUCCESS &&
            (hv_vcpu_get_pending_interrupt(id, type, &got) != HV_SUCCESS || got != pend))
            failf("pending interrupt %u set to %d reads %d", type, pend, got);
        return;
    }
    bool null = (b & 6) == 6;
    hv_return_t r = hv_vcpu_get_pending_interrupt(id, type, null ? NULL : &got);
    EXPECT_RET("hv_vcpu_get_pending_interrupt", r,
               null && want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
}

static void op_vtimer_traps(struct input *in)
{
    uint8_t b = u8(in);
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    hv_return_t want = owner_ret(id), r;
    bool flag = b & 8, got = !flag;
    uint64_t off = 0, goff = 0;
    switch (b & 7) {
    case 0:
        r = hv_vcpu_set_vtimer_mask(id, flag);
        EXPECT_RET("hv_vcpu_set_vtimer_mask", r, want);
        if (r == HV_SUCCESS && (hv_vcpu_get_vtimer_mask(id, &got) != HV_SUCCESS || got != flag))
            failf("vtimer mask set to %d reads %d", flag, got);
        break;
    case 1:
        off = (b & 0x40) ? u64(in) : u16(in);
        r = hv_vcpu_set_vtimer_offset(id, off);
        EXPECT_RET("hv_vcpu_set_vtimer_offset", r, want);
        if (r == HV_SUCCESS && (hv_vcpu_get_vtimer_offset(id, &goff) != HV_SUCCESS || goff != off))
            failf("vtimer offset set to 0x%llx reads 0x%llx", (unsigned long long)off,
                  (unsigned long long)goff);
        break;
    case 2:
        r = hv_vcpu_set_trap_debug_exceptions(id, flag);
        EXPECT_RET("hv_vcpu_set_trap_debug_exceptions", r, want);
        if (r == HV_SUCCESS &&
            (hv_vcpu_get_trap_debug_exceptions(id, &got) != HV_SUCCESS || got != flag))
            failf("trap_debug_exceptions set to %d reads %d", flag, got);
        break;
    case 3:
        r = hv_vcpu_set_trap_debug_reg_accesses(id, flag);
        EXPECT_RET("hv_vcpu_set_trap_debug_reg_accesses", r, want);
        if (r == HV_SUCCESS &&
            (hv_vcpu_get_trap_debug_reg_accesses(id, &got) != HV_SUCCESS || got != flag))
            failf("trap_debug_reg_accesses set to %d reads %d", flag, got);
        break;
    case 4:
        r = hv_vcpu_get_vtimer_mask(id, NULL);
        EXPECT_RET("hv_vcpu_get_vtimer_mask(NULL)", r, want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
        r = hv_vcpu_get_vtimer_offset(id, NULL);
        EXPECT_RET("hv_vcpu_get_vtimer_offset(NULL)", r,
                   want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
        break;
    case 5: {
        uint64_t t = 0;
        r = hv_vcpu_get_exec_time(id, (b & 0x10) ? NULL : &t);
        EXPECT_RET("hv_vcpu_get_exec_time", r,
                   (b & 0x10) && want == HV_SUCCESS ? HV_BAD_ARGUMENT : want);
        break;
    }
    case 6: {
        hv_vcpu_sme_state_t st = {false, false};
        r = hv_vcpu_get_sme_state(id, &st);
        EXPECT_RET("hv_vcpu_get_sme_state", r, want == HV_SUCCESS ? HV_UNSUPPORTED : want);
        r = hv_vcpu_set_serror(id, flag);
        EXPECT_RET("hv_vcpu_set_serror", r, want == HV_SUCCESS ? HV_UNSUPPORTED : want);
        break;
    }
    default: {
        uint8_t buf[16];
        uint64_t va = (b & 0x10) ? u64(in) : (uint64_t)(u8(in) % 64) * 16384;
        r = hvm_vcpu_read_guest(id, va, (b & 0x20) ? NULL : buf, (b & 0x40) ? 0 : sizeof(buf));
        if (want == HV_SUCCESS && (b & 0x60) == 0x20)
            EXPECT_RET("hvm_vcpu_read_guest(NULL)", r, HV_BAD_ARGUMENT);
        else if (want == HV_SUCCESS)
            EXPECT2("hvm_vcpu_read_guest", r, HV_SUCCESS, HV_BAD_ARGUMENT);
        else
            EXPECT_RET("hvm_vcpu_read_guest", r, want);
        break;
    }
    }
}

static void op_kick(struct input *in)
{
    uint8_t b = u8(in);
    hv_vcpu_t ids[3];
    uint32_t n = 1 + b % 3;
    bool all_valid = true, mine = false;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = gen_vcpu_id(in);
        bool valid = (S.vcpu && ids[i] == S.id) || (S.w && S.w->vcpu && ids[i] == S.w->id);
        all_valid = all_valid && valid;
        mine = mine || (S.vcpu && ids[i] == S.id);
    }
    hv_return_t r, want;
    if (b & 0x40) {
        bool count0 = b & 0x80;
        r = hv_vcpus_exit(NULL, count0 ? 0 : n);
        want = !S.vm ? HV_NO_DEVICE : count0 ? HV_SUCCESS : HV_BAD_ARGUMENT;
        EXPECT_RET("hv_vcpus_exit(NULL)", r, want);
        return;
    }
    r = hv_vcpus_exit(ids, n);
    want = !S.vm ? HV_NO_DEVICE : all_valid ? HV_SUCCESS : HV_BAD_ARGUMENT;
    EXPECT_RET("hv_vcpus_exit", r, want);
    if (r == HV_SUCCESS && mine)
        S.kick_owed = 1;
}

static void op_write_code(struct input *in)
{
    if (!S.sh.npages)
        return;
    const struct shadow_page *p = &S.sh.pages[u8(in) % S.sh.npages];
    uint64_t off = (uint64_t)(u8(in) * 4u) % S.sh.granule;
    unsigned n = 1 + u8(in) % 8;
    uint8_t *dst = p->host + off;
    unsigned room = (unsigned)((S.sh.granule - off) / 4);
    if (n > room)
        n = room;
    for (unsigned i = 0; i < n; i++) {
        uint8_t sel = u8(in);
        uint32_t w = sel < 0xe0 ? insn_table[sel % NINSNS] : u32(in);
        memcpy(dst + 4 * i, &w, 4);
    }
    hv_return_t r = hvm_notify_vmm_write(dst, 4 * (size_t)n);
    EXPECT_RET("hvm_notify_vmm_write", r, HV_SUCCESS);
    if (S.vcpu) {
        r = hv_vcpu_set_reg(S.id, HV_REG_PC, p->addr + off);
        EXPECT_RET("hv_vcpu_set_reg(PC)", r, HV_SUCCESS);
    }
}

static bool mmu_off(void)
{
    uint64_t sctlr = 1;
    hv_vcpu_get_sys_reg(S.id, HV_SYS_REG_SCTLR_EL1, &sctlr);
    return !(sctlr & 1);
}

/* Checks the exit record against the instruction at PC and the shadow. */
static void check_exception(uint64_t pc, bool checkable, bool trap_debug)
{
    const hv_vcpu_exit_exception_t *e = &S.exit->exception;
    uint64_t esr = e->syndrome;
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    uint32_t iss = esr & 0x1ffffff, insn = 0;
    if (esr >> 32)
        failf("syndrome 0x%llx has bits above 31", (unsigned long long)esr);
    if (!(esr & (1u << 25)))
        failf("syndrome 0x%llx has IL clear", (unsigned long long)esr);
    bool abort = ec == 0x20 || ec == 0x24;
    if (!abort && (e->virtual_address || e->physical_address))
        failf("EC 0x%x exit with addresses 0x%llx/0x%llx (must be 0)", ec,
              (unsigned long long)e->virtual_address, (unsigned long long)e->physical_address);
    switch (ec) {
    case 0x16:
        if (checkable && guest_word(pc - 4, &insn) &&
            (insn != (0xd4000002u | (iss & 0xffff) << 5) || (iss >> 16)))
            failf("HVC exit 0x%llx but PC-4 holds 0x%08x", (unsigned long long)esr, insn);
        break;
    case 0x17:
        if (checkable && guest_word(pc, &insn) &&
            (insn != (0xd4000003u | (iss & 0xffff) << 5) || (iss >> 16)))
            failf("SMC exit 0x%llx but PC holds 0x%08x", (unsigned long long)esr, insn);
        break;
    case 0x01:
        if (checkable && guest_word(pc, &insn) &&
            !((insn == 0xd503207f && iss == 0x1e00000) || (insn == 0xd503205f && iss == 0x1e00001)))
            failf("WFx exit 0x%llx but PC holds 0x%08x", (unsigned long long)esr, insn);
        break;
    case 0x3c:
        if (!trap_debug)
            failf("BRK exit 0x%llx while debug exceptions do not trap", (unsigned long long)esr);
        if (checkable && guest_word(pc, &insn) &&
            (insn != (0xd4200000u | (iss & 0xffff) << 5) || (iss >> 16)))
            failf("BRK exit 0x%llx but PC holds 0x%08x", (unsigned long long)esr, insn);
        break;
    case 0x18:
        if (checkable && guest_word(pc, &insn)) {
            uint32_t op0 = (insn >> 19) & 3, op1 = (insn >> 16) & 7, crn = (insn >> 12) & 15;
            uint32_t crm = (insn >> 8) & 15, op2 = (insn >> 5) & 7, rt = insn & 31;
            uint32_t want = op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 |
                            ((insn >> 21) & 1);
            if ((insn & 0xffc00000u) != 0xd5000000u || iss != want)
                failf("sysreg trap 0x%llx but PC holds 0x%08x (ISS 0x%x expected)",
                      (unsigned long long)esr, insn, want);
        }
        break;
    case 0x20:
    case 0x24:
        if (checkable) {
            uint64_t pa = e->physical_address;
            const struct shadow_page *p = pa < SPARE_IPA || pa >= SPARE_IPA + 16 * S.sh.granule
                                              ? shadow_find(&S.sh, pa)
                                              : NULL;
            bool spare = p == NULL && pa >= SPARE_IPA && pa < SPARE_IPA + 16 * S.sh.granule;
            uint32_t fsc = iss & 0x3f;
            bool write = ec == 0x24 && (iss & (1u << 6));
            uint32_t need = ec == 0x20 ? (HV_MEMORY_READ | HV_MEMORY_EXEC)
                            : write    ? HV_MEMORY_WRITE
                                       : HV_MEMORY_READ;
            if (e->virtual_address != pa)
                failf("EC 0x%x with the MMU off: VA 0x%llx != PA 0x%llx", ec,
                      (unsigned long long)e->virtual_address, (unsigned long long)pa);
            if (ec == 0x20 && pa != pc)
                failf("instruction abort at PA 0x%llx but PC is 0x%llx", (unsigned long long)pa,
                      (unsigned long long)pc);
            if (!spare && p && (p->prot & need) == need)
                failf("EC 0x%x (ISS 0x%x) at PA 0x%llx, which is mapped with 0x%x", ec, iss,
                      (unsigned long long)pa, p->prot);
            if (!spare && p && fsc != 0x0f)
                failf("abort at mapped PA 0x%llx has FSC 0x%x, expected 0x0f",
                      (unsigned long long)pa, fsc);
            if (!spare && !p && (fsc < 0x04 || fsc > 0x07))
                failf("abort at unmapped PA 0x%llx has FSC 0x%x, expected 0x04..0x07",
                      (unsigned long long)pa, fsc);
        }
        break;
    case 0x30:
    case 0x32:
    case 0x34:
        if (!trap_debug)
            failf("debug exit EC 0x%x while debug exceptions do not trap", ec);
        break;
    default: failf("exit with unexpected EC 0x%x (syndrome 0x%llx)", ec, (unsigned long long)esr);
    }
}

static void op_run(struct input *in)
{
    uint8_t b = u8(in);
    uint64_t budget = 1 + (uint64_t)u16(in) % 20000;
    hv_vcpu_t id = (b & 0x80) ? gen_vcpu_id(in) : S.id;
    if (owner_ret(id) != HV_SUCCESS) {
        hv_return_t r = hv_vcpu_run(id);
        EXPECT_RET("hv_vcpu_run", r, owner_ret(id));
        return;
    }
    if (S.runs++ >= MAX_RUNS)
        return;
    if ((b & 0x30) == 0x30) {
        uint64_t ticks = u16(in);
        hv_return_t r = hvm_clock_advance(ticks);
        EXPECT_RET("hvm_clock_advance", r,
                   S.advanced + ticks < S.advanced ? HV_BAD_ARGUMENT : HV_SUCCESS);
        if (r == HV_SUCCESS)
            S.advanced += ticks;
    }
    /* Optional concurrent work on the second thread. */
    struct worker *w = (b & 0x0c) ? worker_get() : NULL;
    enum wcmd async = W_NONE;
    struct shadow_call call = {0};
    if (w) {
        uint8_t k = u8(in);
        switch ((b >> 2) & 3) {
        case 1:
            w->ids[0] = S.id;
            w->nids = 1;
            async = W_KICK;
            break;
        case 2: async = worker_shadow_call(w, k, in, &call); break;
        default:
            if (w->vcpu) {
                w->a = 1 + u16(in) % 20000;
                async = W_RUN;
            }
            break;
        }
        if (async == W_MAP && !shadow_has_room(&S.sh, w->b))
            async = W_NONE;
    }

    /* With the MMU on, a guest whose vector is untranslatable loops inside
     * the engine where no kick reaches it (a known model bug, see the
     * report): such runs happen only when FUZZ_API_MMU=1. */
    const char *mmu_env = getenv("FUZZ_API_MMU");
    if (!mmu_off() && !(mmu_env && *mmu_env == '1'))
        return;
    bool trap_debug = false, irq = false;
    hv_vcpu_get_trap_debug_exceptions(S.id, &trap_debug);
    uint64_t ic0 = 0, ic1 = 0, pc0 = 0, pc1 = 0;
    hvm_vcpu_get_instruction_count(S.id, &ic0);
    hv_vcpu_get_reg(S.id, HV_REG_PC, &pc0);
    bool mmu0 = mmu_off();
    int owed = S.kick_owed;
    hv_return_t r = hvm_replay_cancel_at(S.id, ic0 + budget);
    EXPECT_RET("hvm_replay_cancel_at", r, HV_SUCCESS);

    if (async != W_NONE)
        fuzz_worker_post(&w->t, (int)async);
    watch_begin(0, S.id);
    r = hv_vcpu_run(S.id);
    bool fired = watch_end(0);
    if (async != W_NONE)
        fuzz_worker_wait(&w->t);

    EXPECT_RET("hv_vcpu_run", r, HV_SUCCESS);
    hv_exit_reason_t reason = S.exit->reason;
    hvm_vcpu_get_instruction_count(S.id, &ic1);
    hv_vcpu_get_reg(S.id, HV_REG_PC, &pc1);
    bool checkable = mmu0 && mmu_off() && async != W_MAP && async != W_UNMAP;
    S.kick_owed = 0;

    if (reason != HV_EXIT_REASON_CANCELED && reason != HV_EXIT_REASON_EXCEPTION &&
        reason != HV_EXIT_REASON_VTIMER_ACTIVATED)
        failf("hv_vcpu_run: exit reason %u", reason);
    /* The budget ends the run at the first block boundary at or after it. */
    if (ic1 < ic0 || ic1 >= ic0 + budget + MAX_BLOCK_INSNS)
        failf("run retired %lld instructions with a budget of %llu", (long long)(ic1 - ic0),
              (unsigned long long)budget);
    if (owed == 1 && (reason != HV_EXIT_REASON_CANCELED || ic1 != ic0 || pc1 != pc0))
        failf("run after a kick: reason %u, %llu instructions, PC 0x%llx -> 0x%llx (expected "
              "CANCELED at once)",
              reason, (unsigned long long)(ic1 - ic0), (unsigned long long)pc0,
              (unsigned long long)pc1);
    if (owed == 0 && async != W_KICK && !fired && reason == HV_EXIT_REASON_CANCELED &&
        ic1 < ic0 + budget)
        failf("CANCELED without a kick after %llu of %llu instructions",
              (unsigned long long)(ic1 - ic0), (unsigned long long)budget);
    if (reason == HV_EXIT_REASON_EXCEPTION && !fired)
        check_exception(pc1, checkable, trap_debug);
    if (reason == HV_EXIT_REASON_VTIMER_ACTIVATED) {
        bool masked = false;
        if (hv_vcpu_get_vtimer_mask(S.id, &masked) != HV_SUCCESS || !masked)
            failf("VTIMER_ACTIVATED exit left the vtimer unmasked");
    }
    for (hv_interrupt_type_t t = HV_INTERRUPT_TYPE_IRQ; t <= HV_INTERRUPT_TYPE_FIQ; t++)
        if (hv_vcpu_get_pending_interrupt(S.id, t, &irq) != HV_SUCCESS || irq)
            failf("pending interrupt %u still set after a run", t);

    if (fired)
        S.kick_owed = -1;
    if (async == W_KICK) {
        EXPECT_RET("hv_vcpus_exit (concurrent)", w->ret, HV_SUCCESS);
        /* Landed during the run (consumed if CANCELED) or after it. */
        S.kick_owed = reason == HV_EXIT_REASON_CANCELED ? -1 : 1;
    } else if (async == W_MAP || async == W_UNMAP || async == W_PROTECT) {
        shadow_call_done(&S.sh, &call, w->ret);
    } else if (async == W_RUN) {
        EXPECT_RET("hv_vcpu_run (second thread)", w->ret, HV_SUCCESS);
        if (w->icount_after >= w->icount_before + w->a + MAX_BLOCK_INSNS)
            failf("second thread's run passed its budget");
    }
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
                failf("second thread's vCPU got id %llu, already in use",
                      (unsigned long long)w->id);
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
        w->a = 1 + u16(in) % 20000;
        r = worker_call(w, W_RUN);
        EXPECT_RET("hv_vcpu_run (second thread)", r, HV_SUCCESS);
        break;
    default:
        if (!S.vcpu)
            break;
        w->ids[0] = S.id;
        worker_call(w, W_FOREIGN);
        if (S.vm && w->foreign_bad)
            failf("%u owner-only calls from another thread did not answer HV_BAD_ARGUMENT",
                  w->foreign_bad);
        break;
    }
}

static void op_clock(struct input *in)
{
    uint8_t b = u8(in);
    uint64_t ticks = (b & 1) ? u64(in) : u16(in);
    hv_return_t r = hvm_clock_advance(ticks);
    hv_return_t want = !S.vm                             ? HV_NO_DEVICE
                       : S.advanced + ticks < S.advanced ? HV_BAD_ARGUMENT
                                                         : HV_SUCCESS;
    EXPECT_RET("hvm_clock_advance", r, want);
    if (r == HV_SUCCESS)
        S.advanced += ticks;
}

static void op_trace(struct input *in)
{
    uint8_t b = u8(in);
    hv_return_t r;
    switch (b % 4) {
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
    case 2:
        r = hvm_trace_stop();
        if (S.recording)
            EXPECT2("hvm_trace_stop", r, HV_SUCCESS, HV_BAD_ARGUMENT); /* abandoned */
        else
            EXPECT_RET("hvm_trace_stop", r, HV_BAD_ARGUMENT);
        S.recording = false;
        S.trace_requested = false;
        break;
    default: {
        uint32_t ipt = (b & 8) ? u32(in) : 1u + u8(in);
        r = hvm_set_insns_per_tick(ipt);
        bool range = ipt >= 1 && ipt <= 1000000;
        EXPECT_RET("hvm_set_insns_per_tick", r,
                   !range ? HV_BAD_ARGUMENT
                   : S.vm ? HV_BUSY
                          : HV_SUCCESS);
        break;
    }
    }
}

static void op_misc(struct input *in)
{
    uint8_t b = u8(in);
    uint32_t n = 0;
    hv_return_t r = hv_vm_get_max_vcpu_count((b & 1) ? NULL : &n);
    EXPECT_RET("hv_vm_get_max_vcpu_count", r, (b & 1) ? HV_BAD_ARGUMENT : HV_SUCCESS);
    if (!(b & 1) && n != 64)
        failf("hv_vm_get_max_vcpu_count: %u", n);
    hv_vcpu_config_t c = hv_vcpu_config_create();
    uint64_t v[8];
    hv_feature_reg_t f = (hv_feature_reg_t)(u8(in) % 16);
    r = hv_vcpu_config_get_feature_reg(c, f, v);
    EXPECT_RET("hv_vcpu_config_get_feature_reg", r, f <= 13 ? HV_SUCCESS : HV_BAD_ARGUMENT);
    hv_cache_type_t t = (hv_cache_type_t)(u8(in) % 3);
    r = hv_vcpu_config_get_ccsidr_el1_sys_reg_values(c, t, v);
    EXPECT_RET("hv_vcpu_config_get_ccsidr_el1_sys_reg_values", r,
               t <= 1 ? HV_SUCCESS : HV_BAD_ARGUMENT);
    r = hv_vcpu_config_get_feature_reg(NULL, 0, v);
    EXPECT_RET("hv_vcpu_config_get_feature_reg(NULL)", r, HV_BAD_ARGUMENT);
    os_release(c);
    r = hvm_notify_vmm_write(NULL, 1 + b);
    EXPECT_RET("hvm_notify_vmm_write(NULL)", r, HV_BAD_ARGUMENT);
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
            fprintf(stderr, "fuzz_api_arm64: cannot destroy the VM; giving up\n");
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
    hvm_set_insns_per_tick(HVM_DEFAULT_INSNS_PER_TICK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pool) {
        void *p = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "fuzz_api_arm64: no memory for the pool\n");
            abort();
        }
        pool = p;
        snprintf(trace_path, sizeof(trace_path), "/tmp/fuzz_api_arm64-%d.hvt", (int)getpid());
    }
    memset(pool, 0, POOL_SIZE);
    memset(&S, 0, sizeof(S));
    shadow_init(&S.sh, &contract, &S.broken, DEFAULT_GRANULE, DEFAULT_IPA_BITS);

    struct input in = {data, size, 0};
    while (in.i < in.n && !S.broken) {
        switch (u8(&in) % 20) {
        case 0: op_vm_create(&in); break;
        case 1: op_vm_destroy(); break;
        case 2: op_allocate(&in); break;
        case 3: op_deallocate(&in); break;
        case 4:
        case 5: op_map(&in); break;
        case 6: op_change(&in, true); break;
        case 7: op_change(&in, false); break;
        case 8: op_vcpu_create(&in); break;
        case 9: op_vcpu_destroy(&in); break;
        case 10: op_reg(&in); break;
        case 11: op_simd(&in); break;
        case 12: op_sysreg(&in); break;
        case 13: op_irq(&in); break;
        case 14: op_vtimer_traps(&in); break;
        case 15: op_kick(&in); break;
        case 16: op_write_code(&in); break;
        case 17: op_run(&in); break;
        case 18: (u8(&in) & 1) ? op_worker(&in) : op_clock(&in); break;
        default: (u8(&in) & 1) ? op_trace(&in) : op_misc(&in); break;
        }
    }
    cleanup();
    return 0;
}
