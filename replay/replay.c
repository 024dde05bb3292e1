/*
 * replay.c — see replay.h.
 */
#include "replay.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "../trace/format.h"
#include "../trace/reader.h"
#include "replay_flavour.h"

#define MAX_REGIONS 256
#define MAX_VCPUS   64
#define RING        8

/* ---- one thread per vCPU: the replayer hands it one call at a time ---- */

struct replay {
    struct hvt_reader rd;
    struct replay_worker workers[MAX_VCPUS];
    struct {
        uint8_t *p;
        uint64_t size;
    } regions[MAX_REGIONS];
    char ring[RING][128];
    unsigned ring_n;
    long main_vcpu; /* the vCPU the replaying thread owns itself (-1: none) */
    bool turns;     /* the trace has RUN records: every vCPU needs a thread of its own */
    const struct replay_opts *opts;
    struct replay_result *res;
    FILE *log;
    bool vm;
};

static bool exit_matches(const struct hvt_record *r, const struct replay_worker *w)
{
    const struct replay_flavour *f = &replay_flavour;
    for (unsigned i = 0; i < f->nfields; i++) {
        const struct replay_field *x = &f->fields[i];
        if (!x->input && memcmp(r->payload + x->off, w->got + x->off, x->width))
            return false;
    }
    return true;
}

/* The name the flavour gives the exit's PC field ("pc", "rip"). */
static const char *pc_name(void)
{
    const struct replay_flavour *f = &replay_flavour;
    for (unsigned i = 0; i < f->nfields; i++)
        if (f->fields[i].off == REPLAY_EXIT_PC)
            return f->fields[i].name;
    return "pc";
}

/* Hex of an instruction's bytes: arm64 as its 32-bit word, x86 byte by
 * byte in memory order. */
static void code_hex(cs_arch arch, const uint8_t *b, size_t n, char *out, size_t size)
{
    out[0] = 0;
    if (arch == CS_ARCH_ARM64 && n == 4) {
        snprintf(out, size, "%08x",
                 (unsigned)(b[0] | b[1] << 8 | b[2] << 16 | (unsigned)b[3] << 24));
        return;
    }
    for (size_t i = 0, o = 0; i < n && o + 3 <= size; i++)
        o += (size_t)snprintf(out + o, size - o, "%02x", b[i]);
}

/* The instruction at pc, for the divergence report (owner thread). */
static void disassemble(struct replay_worker *w, uint64_t pc)
{
    uint8_t code[16];
    cs_arch arch;
    cs_mode mode;
    char hex[40];
    size_t len = replay_flavour.code_at(w, pc, code, sizeof(code), &arch, &mode);
    snprintf(w->disasm, sizeof(w->disasm), "(guest memory at %s not readable)", pc_name());
    csh cs;
    if (!len || cs_open(arch, mode, &cs) != CS_ERR_OK)
        return;
    cs_insn *insn;
    if (cs_disasm(cs, code, len, pc, 1, &insn) == 1) {
        code_hex(arch, insn->bytes, insn->size, hex, sizeof(hex));
        snprintf(w->disasm, sizeof(w->disasm), "%s  %.31s%s%.160s", hex, insn->mnemonic,
                 insn->op_str[0] ? " " : "", insn->op_str);
        cs_free(insn, 1);
    } else {
        code_hex(arch, code, len < 4 ? len : 4, hex, sizeof(hex));
        snprintf(w->disasm, sizeof(w->disasm), "%s  (not an instruction)", hex);
    }
    cs_close(&cs);
}

/* The job that disassembles at the PC of the exit in w->got. */
static const struct hvt_record disasm_job = {.type = 0};

static int do_job(struct replay_worker *w, const struct hvt_record *r)
{
    if (r == &disasm_job) {
        disassemble(w, hvt_get64(w->got + REPLAY_EXIT_PC));
        return HV_SUCCESS;
    }
    int ret = replay_flavour.vcpu_job(w, r);
    if (ret == HV_SUCCESS && r->type == replay_flavour.exit_type && r != &w->run_job) {
        w->disasm[0] = 0;
        /* For the report (or every exit when asked): the owner thread reads. */
        if (w->disasm_every || !exit_matches(r, w))
            disassemble(w, hvt_get64(w->got + REPLAY_EXIT_PC));
    }
    return ret;
}

static void *worker_main(void *arg)
{
    struct replay_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->job && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        if (!w->job)
            break;
        w->ret = do_job(w, w->job);
        bool destroyed = w->job->type == HVT_VCPU_DESTROY && w->ret == HV_SUCCESS;
        w->job = NULL;
        pthread_cond_broadcast(&w->cond);
        if (destroyed)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Hands a job to the vCPU's thread; with `wait`, waits until it is done
 * and returns its result. */
static hv_return_t post(struct replay_worker *w, const struct hvt_record *r, bool wait)
{
    pthread_mutex_lock(&w->lock);
    w->job = r;
    pthread_cond_broadcast(&w->cond);
    while (wait && w->job)
        pthread_cond_wait(&w->cond, &w->lock);
    hv_return_t ret = w->ret;
    pthread_mutex_unlock(&w->lock);
    return ret;
}

/* Waits for the run started at the vCPU's RUN record to return. */
static hv_return_t finish_run(struct replay_worker *w)
{
    pthread_mutex_lock(&w->lock);
    while (w->job)
        pthread_cond_wait(&w->cond, &w->lock);
    hv_return_t ret = w->ret;
    pthread_mutex_unlock(&w->lock);
    w->running = false;
    return ret;
}

/* RUN: the vCPU's thread calls hv_vcpu_run and the replay goes on with the
 * records of the other vCPUs; the model's scheduler orders the runs as it
 * did when recording (model/sched.c, trace/FORMAT.md). */
static hv_return_t start_run(struct replay *rp, uint32_t id)
{
    struct replay_worker *w = &rp->workers[id];
    if (!w->started || w->running)
        return HV_BAD_ARGUMENT;
    memset(w->run_payload, 0, sizeof(w->run_payload));
    hvt_put32(w->run_payload, id);
    /* Not a recorded CANCELED (reason 0 in both flavours' layouts): a kick
     * in the trace takes effect where it is. */
    hvt_put32(w->run_payload + 4, UINT32_MAX);
    w->run_job = (struct hvt_record){.type = replay_flavour.exit_type,
                                     .size = hvt_payload_size(replay_flavour.exit_type),
                                     .payload = w->run_payload};
    w->running = true;
    post(w, &w->run_job, false);
    return HV_SUCCESS;
}

/* Does the trace hold a RUN record (vCPUs that take turns)? A first pass
 * over the file, stopping at the first one. */
static bool has_turns(const char *path)
{
    struct hvt_reader r;
    struct hvt_record rec;
    bool found = false;
    if (hvt_reader_open_file(&r, path) != 0)
        return false; /* the replay itself reports why */
    while (!found && hvt_reader_next(&r, &rec) == HVT_OK)
        found = rec.type == HVT_RUN;
    hvt_reader_close(&r);
    return found;
}

/* Runs one record on the vCPU's thread and waits for it. The replaying
 * thread owns the first vCPU itself (a thread may own one): single-vCPU
 * traces replay without any thread hand-off. Not when vCPUs take turns: a
 * run started at a RUN record goes on while the replay reads on, so there
 * every vCPU has a thread of its own. */
static hv_return_t on_vcpu(struct replay *rp, uint32_t id, const struct hvt_record *r)
{
    struct replay_worker *w = &rp->workers[id];
    if (w->running) {
        /* Only the exit may come between a vCPU's RUN and its EXIT: its
         * thread was in hv_vcpu_run all that time. */
        if (r->type != replay_flavour.exit_type)
            return HV_BUSY;
        hv_return_t ret = finish_run(w);
        w->disasm[0] = 0;
        if (ret == HV_SUCCESS && (w->disasm_every || !exit_matches(r, w)))
            post(w, &disasm_job, true);
        return ret;
    }
    if (!w->started && !rp->turns &&
        (rp->main_vcpu == (long)id || (rp->main_vcpu < 0 && r->type == HVT_VCPU_CREATE))) {
        hv_return_t ret = do_job(w, r);
        if (r->type == HVT_VCPU_CREATE && ret == HV_SUCCESS)
            rp->main_vcpu = id;
        else if (r->type == HVT_VCPU_DESTROY && ret == HV_SUCCESS)
            rp->main_vcpu = -1;
        return ret;
    }
    if (!w->started) {
        if (r->type != HVT_VCPU_CREATE)
            return HV_BAD_ARGUMENT;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        w->quit = false;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            return HV_NO_RESOURCES;
        w->started = true;
    }
    hv_return_t ret = post(w, r, true);
    if (r->type == HVT_VCPU_DESTROY && ret == HV_SUCCESS) {
        pthread_join(w->thread, NULL);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        w->started = false;
    }
    return ret;
}

static int fail(struct replay *rp, const struct hvt_record *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct replay *rp, const struct hvt_record *r, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(rp->res->error, sizeof(rp->res->error), "record %llu (%s) at offset %llu: %s",
             (unsigned long long)r->seq, hvt_type_name(r->type) ? hvt_type_name(r->type) : "?",
             (unsigned long long)r->offset, msg);
    return 2;
}

static void remember(struct replay *rp, const struct hvt_record *r)
{
    char *s = rp->ring[rp->ring_n++ % RING];
    const uint8_t *p = r->payload;
    int n = snprintf(s, 128, "seq %llu %s", (unsigned long long)r->seq, hvt_type_name(r->type));
    switch (r->type) {
    case HVT_SET_REG:
    case HVT_SET_SYSREG:
    case HVT_SET_VMCS:
    case HVT_SET_MSR:
        snprintf(s + n, 128 - (size_t)n, " vcpu %u %s 0x%x = 0x%llx", hvt_get32(p),
                 r->type == HVT_SET_VMCS  ? "field"
                 : r->type == HVT_SET_MSR ? "msr"
                                          : "reg",
                 hvt_get32(p + 4), (unsigned long long)hvt_get64(p + 8));
        break;
    case HVT_MEM:
        snprintf(s + n, 128 - (size_t)n, " region %u +0x%llx, %u bytes", hvt_get32(p),
                 (unsigned long long)hvt_get64(p + 4), hvt_get32(p + 12));
        break;
    case HVT_MAP:
        snprintf(s + n, 128 - (size_t)n, " ipa 0x%llx size 0x%llx prot %u",
                 (unsigned long long)hvt_get64(p), (unsigned long long)hvt_get64(p + 8),
                 hvt_get32(p + 16));
        break;
    case HVT_SPACE_CREATE:
    case HVT_SPACE_DESTROY: snprintf(s + n, 128 - (size_t)n, " space %u", hvt_get32(p)); break;
    case HVT_SET_SPACE:
        snprintf(s + n, 128 - (size_t)n, " vcpu %u space %u", hvt_get32(p), hvt_get32(p + 4));
        break;
    case HVT_SPACE_MEMORY:
        snprintf(s + n, 128 - (size_t)n, " space %u op %u ipa 0x%llx size 0x%llx", hvt_get32(p),
                 hvt_get32(p + 4), (unsigned long long)hvt_get64(p + 8),
                 (unsigned long long)hvt_get64(p + 16));
        break;
    case HVT_SET_PENDING_IRQ:
        snprintf(s + n, 128 - (size_t)n, " vcpu %u type %u = %u", hvt_get32(p), hvt_get32(p + 4),
                 hvt_get32(p + 8));
        break;
    case HVT_GIC_INPUT: /* cross-thread inputs replay before the run: say so */
        snprintf(s + n, 128 - (size_t)n, " kind %u 0x%x = 0x%llx%s", hvt_get32(p), hvt_get32(p + 4),
                 (unsigned long long)hvt_get64(p + 8),
                 hvt_get32(p + 16) & HVT_GIC_WHILE_RUNNING ? " (made while a vCPU ran)" : "");
        break;
    case HVT_GIC_SET_REG:
        snprintf(s + n, 128 - (size_t)n, " vcpu %u %s 0x%x = 0x%llx", hvt_get32(p),
                 hvt_get32(p + 4) == HVT_GIC_ICC ? "icc" : "redistributor", hvt_get32(p + 8),
                 (unsigned long long)hvt_get64(p + 12));
        break;
    default:
        if (hvt_has_vcpu(r->type))
            snprintf(s + n, 128 - (size_t)n, " vcpu %u", hvt_get32(p));
        else if (r->type == HVT_CLOCK_ADVANCE || r->type == HVT_SYNC_TSC)
            snprintf(s + n, 128 - (size_t)n, " %llu ticks", (unsigned long long)hvt_get64(p));
        break;
    }
}

static void report(struct replay *rp, const struct hvt_record *r, struct replay_worker *w)
{
    const struct replay_flavour *f = &replay_flavour;
    FILE *o = rp->log;
    fprintf(o, "divergence at exit %llu (record %llu, offset %llu), vCPU %u:\n",
            (unsigned long long)rp->res->exits, (unsigned long long)r->seq,
            (unsigned long long)r->offset, hvt_get32(r->payload));
    fprintf(o, "  %-20s %-20s %s\n", "field", "recorded", "replayed");
    for (unsigned i = 0; i < f->nfields; i++) {
        const struct replay_field *x = &f->fields[i];
        if (x->input)
            continue;
        uint64_t rec =
            x->width == 4 ? hvt_get32(r->payload + x->off) : hvt_get64(r->payload + x->off);
        uint64_t got = x->width == 4 ? hvt_get32(w->got + x->off) : hvt_get64(w->got + x->off);
        char g[24];
        snprintf(g, sizeof(g), "0x%llx", (unsigned long long)got);
        if (rec != got)
            fprintf(o, "  %-20s 0x%-18llx %-20s  <-- differs\n", x->name, (unsigned long long)rec,
                    g);
        else
            fprintf(o, "  %-20s 0x%-18llx %s\n", x->name, (unsigned long long)rec, g);
    }
    fprintf(o, "  at %s 0x%llx: %s\n", pc_name(),
            (unsigned long long)hvt_get64(w->got + REPLAY_EXIT_PC), w->disasm);
    fprintf(o, "  last inputs before this exit:\n");
    unsigned start = rp->ring_n > RING ? rp->ring_n - RING : 0;
    for (unsigned i = start; i < rp->ring_n; i++)
        fprintf(o, "    %s\n", rp->ring[i % RING]);
}

static int create_vm(struct replay *rp)
{
    const struct hvt_header *h = &rp->rd.hdr;
    if (h->flavour != replay_flavour.trace_flavour) {
        snprintf(rp->res->error, sizeof(rp->res->error),
                 "trace of flavour %u (%s); this replayer runs %s traces", h->flavour,
                 h->flavour == HVT_FLAVOUR_ARM64 ? "arm64"
                 : h->flavour == HVT_FLAVOUR_X86 ? "x86"
                                                 : "unknown",
                 replay_flavour.trace_flavour == HVT_FLAVOUR_ARM64 ? "arm64" : "x86");
        return 2;
    }
    if (rp->opts->record_path && hvm_trace_start(rp->opts->record_path) != HV_SUCCESS) {
        snprintf(rp->res->error, sizeof(rp->res->error), "cannot record the replay to %s",
                 rp->opts->record_path);
        return 2;
    }
    int rc = replay_flavour.create_vm(h, rp->res->error, sizeof(rp->res->error));
    rp->vm = rc == 0;
    return rc;
}

static int apply(struct replay *rp, const struct hvt_record *in)
{
    struct hvt_record copy = *in, *r = &copy;
    uint8_t patched[20];
    if (rp->opts->has_override && in->seq == rp->opts->override_seq) {
        /* The u64 value: at 8 in SET_REG-like records and GIC_INPUT, at 12
         * in GIC_SET_REG. */
        unsigned at = in->type == HVT_GIC_SET_REG ? 12u : 8u;
        if (in->type != HVT_SET_REG && in->type != HVT_SET_SYSREG && in->type != HVT_SET_VMCS &&
            in->type != HVT_SET_MSR && in->type != HVT_GIC_INPUT && in->type != HVT_GIC_SET_REG)
            return fail(rp, in,
                        "--override names a record that is not SET_REG, SET_SYSREG, SET_VMCS, "
                        "SET_MSR, GIC_INPUT or GIC_SET_REG");
        memcpy(patched, in->payload, in->size);
        hvt_put64(patched + at, rp->opts->override_value);
        copy.payload = patched;
    }
    const uint8_t *p = r->payload;
    if (!hvt_type_name(r->type))
        return fail(rp, r, "record type %u is newer than this replayer", r->type);
    if (!hvt_is_exit(r->type) && r->type != HVT_END)
        remember(rp, r);
    uint32_t id = r->size >= 4 ? hvt_get32(p) : 0;
    if (hvt_is_exit(r->type) && r->type != replay_flavour.exit_type)
        return fail(rp, r, "an exit record of the other flavour");
    hv_return_t ret = HV_SUCCESS;
    switch (r->type) {
    case HVT_REGION: {
        uint64_t size = hvt_get64(p + 4);
        if (id >= MAX_REGIONS || rp->regions[id].p || size == 0 || size > (64ull << 30))
            return fail(rp, r, "bad region %u of 0x%llx bytes", id, (unsigned long long)size);
        void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return fail(rp, r, "cannot allocate 0x%llx bytes", (unsigned long long)size);
        rp->regions[id].p = m;
        rp->regions[id].size = size;
        return 0;
    }
    case HVT_MAP: {
        uint32_t reg = hvt_get32(p + 20);
        uint64_t off = hvt_get64(p + 24), size = hvt_get64(p + 8);
        if (reg >= MAX_REGIONS || !rp->regions[reg].p || off > rp->regions[reg].size ||
            size > rp->regions[reg].size - off)
            return fail(rp, r, "maps outside region %u", reg);
        ret = hv_vm_map(rp->regions[reg].p + off, hvt_get64(p), size, hvt_get32(p + 16));
        break;
    }
    case HVT_SPACE_MEMORY: {
        if (!replay_flavour.space_memory)
            return fail(rp, r, "not a record of this flavour");
        void *host = NULL;
        uint32_t op = hvt_get32(p + 4);
        if (op == HVT_MAP) {
            uint32_t reg = hvt_get32(p + 28);
            uint64_t off = hvt_get64(p + 32), size = hvt_get64(p + 16);
            if (reg >= MAX_REGIONS || !rp->regions[reg].p || off > rp->regions[reg].size ||
                size > rp->regions[reg].size - off)
                return fail(rp, r, "maps outside region %u", reg);
            host = rp->regions[reg].p + off;
        } else if (op != HVT_UNMAP && op != HVT_PROTECT) {
            return fail(rp, r, "unknown operation %u", op);
        }
        ret = replay_flavour.space_memory(r, host);
        break;
    }
    case HVT_UNMAP: ret = hv_vm_unmap(hvt_get64(p), hvt_get64(p + 8)); break;
    case HVT_PROTECT: ret = hv_vm_protect(hvt_get64(p), hvt_get64(p + 8), hvt_get32(p + 16)); break;
    case HVT_MEM: {
        uint64_t off = hvt_get64(p + 4);
        uint32_t len = hvt_get32(p + 12);
        if (id >= MAX_REGIONS || !rp->regions[id].p || off > rp->regions[id].size ||
            len > rp->regions[id].size - off)
            return fail(rp, r, "writes outside region %u", id);
        memcpy(rp->regions[id].p + off, p + 16, len);
        hvm_notify_vmm_write(rp->regions[id].p + off, len);
        return 0;
    }
    case HVT_CLOCK_ADVANCE: ret = hvm_clock_advance(hvt_get64(p)); break;
    case HVT_KICK:
        /* A run in flight (vCPUs taking turns) is kicked where the kick is
         * in the trace; otherwise the cancelled exit says where it took
         * effect. */
        if (id < MAX_VCPUS && rp->workers[id].running && replay_flavour.kick) {
            ret = replay_flavour.kick(id);
            break;
        }
        return 0;
    case HVT_RUN:
        if (id >= MAX_VCPUS)
            return fail(rp, r, "vCPU %u out of range", id);
        if (start_run(rp, id) != HV_SUCCESS)
            return fail(rp, r, "vCPU %u does not exist or is already running", id);
        return 0;
    case HVT_END: return 0;
    default:
        if (!hvt_has_vcpu(r->type)) {
            int vr = replay_flavour.vm_job(r);
            if (vr == -1) /* not an hv_return_t: error codes are negative too */
                return fail(rp, r, "not a record of this flavour");
            ret = vr;
            break;
        }
        if (id >= MAX_VCPUS)
            return fail(rp, r, "vCPU %u out of range", id);
        ret = on_vcpu(rp, id, r);
        if (ret == HV_BUSY && rp->workers[id].running)
            return fail(rp, r, "a record for vCPU %u while its run is in progress", id);
        if (ret == HV_SUCCESS && r->type == replay_flavour.exit_type) {
            rp->res->exits++;
            struct replay_worker *w = &rp->workers[id];
            if (!exit_matches(r, w)) {
                report(rp, r, w);
                rp->res->diverged = true;
                return 1;
            }
            if (rp->opts->progress_every && rp->res->exits % rp->opts->progress_every == 0)
                fprintf(rp->log, "replay: %llu exits, record %llu\n",
                        (unsigned long long)rp->res->exits, (unsigned long long)r->seq);
        }
        break;
    }
    if (ret != HV_SUCCESS)
        return fail(rp, r, "the model answered %s", hvm_strerror(ret));
    return 0;
}

/* One record, then the caller's look at it. */
static int step(struct replay *rp, const struct hvt_record *in)
{
    int rc = apply(rp, in);
    if (rc || !rp->opts->on_record)
        return rc;
    const char *disasm = NULL;
    if (in->type == replay_flavour.exit_type) /* apply() checked the vCPU id */
        disasm = rp->workers[hvt_get32(in->payload)].disasm;
    rp->opts->on_record(rp->opts->ctx, in, disasm);
    return 0;
}

static void teardown(struct replay *rp)
{
    /* Runs still in flight (the trace stopped, or diverged, before their
     * exits): kick them, let the vCPUs that are not running go first (one
     * of them may hold the token), then collect the runs. */
    for (uint32_t i = 0; i < MAX_VCPUS; i++)
        if (rp->workers[i].running && replay_flavour.kick)
            replay_flavour.kick(i);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < MAX_VCPUS; i++) {
            struct replay_worker *w = &rp->workers[i];
            if (!w->started || w->running != (pass == 1))
                continue;
            if (w->running)
                finish_run(w);
            struct hvt_record destroy = {.type = HVT_VCPU_DESTROY};
            on_vcpu(rp, i, &destroy);
        }
    }
    if (rp->main_vcpu >= 0) {
        struct hvt_record destroy = {.type = HVT_VCPU_DESTROY};
        replay_flavour.vcpu_job(&rp->workers[rp->main_vcpu], &destroy);
    }
    for (uint32_t i = 0; i < MAX_VCPUS; i++) {
        if (!rp->workers[i].started)
            continue;
        struct hvt_record destroy = {.type = HVT_VCPU_DESTROY};
        on_vcpu(rp, i, &destroy);
        if (rp->workers[i].started) { /* destroy failed: just stop the thread */
            pthread_mutex_lock(&rp->workers[i].lock);
            rp->workers[i].quit = true;
            pthread_cond_broadcast(&rp->workers[i].cond);
            pthread_mutex_unlock(&rp->workers[i].lock);
            pthread_join(rp->workers[i].thread, NULL);
        }
    }
    if (rp->vm)
        hv_vm_destroy();
    if (rp->opts->record_path)
        hvm_trace_stop();
    for (uint32_t i = 0; i < MAX_REGIONS; i++)
        if (rp->regions[i].p)
            munmap(rp->regions[i].p, rp->regions[i].size);
}

int replay_file(const char *path, const struct replay_opts *opts, struct replay_result *res)
{
    static const struct replay_opts defaults;
    struct replay *rp = calloc(1, sizeof(*rp));
    memset(res, 0, sizeof(*res));
    if (!rp) {
        snprintf(res->error, sizeof(res->error), "out of memory");
        return 2;
    }
    rp->opts = opts ? opts : &defaults;
    rp->main_vcpu = -1;
    rp->res = res;
    rp->log = rp->opts->log ? rp->opts->log : stderr;
    for (uint32_t i = 0; i < MAX_VCPUS; i++)
        rp->workers[i].disasm_every = rp->opts->on_record != NULL;
    int rc = 0;
    if (hvt_reader_open_file(&rp->rd, path) != 0) {
        snprintf(res->error, sizeof(res->error), "%s", rp->rd.err);
        rc = 2;
        goto out;
    }
    if ((rc = create_vm(rp)))
        goto out;
    rp->turns = has_turns(path);
    struct hvt_record r;
    enum hvt_status st;
    while ((st = hvt_reader_next(&rp->rd, &r)) == HVT_OK) {
        res->records++;
        if ((rc = step(rp, &r)))
            break;
    }
    if (st == HVT_ERROR) {
        snprintf(res->error, sizeof(res->error), "%s", rp->rd.err);
        rc = 2;
    }
    res->clean = rp->rd.clean;
    res->truncated = rp->rd.truncated;
out:
    teardown(rp);
    hvt_reader_close(&rp->rd);
    free(rp);
    return rc;
}
