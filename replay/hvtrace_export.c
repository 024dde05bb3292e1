/*
 * hvtrace_export.c — hvtrace export: the exit timeline of a trace in the
 * Chrome / Perfetto trace-event JSON format. Time is the guest's virtual
 * time: a vCPU's retired instructions / insns_per_tick ticks of the 24 MHz
 * counter, written in microseconds as the format wants.
 *
 * Process 1 is the VM; thread 0 is the VMM (VM-wide inputs), thread n + 1 is
 * vCPU n. Each EXIT becomes a "guest" span covering the vCPU's run since its
 * previous exit plus an instant event named after the exit; each VMM input
 * becomes an instant event at the time of its vCPU's last exit.
 */
#include "hvtrace.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/Hypervisor.h>

#define TICKS_PER_US 24.0

struct vcpu_track {
    uint32_t id;
    uint64_t icount; /* at the last exit */
};

struct exporter {
    FILE *out;
    double insns_per_us;
    struct vcpu_track *vcpus;
    size_t nvcpus, cap;
    double vm_now; /* the latest exit of any vCPU, in µs */
    bool first;
};

/* Writes s as a JSON string. */
static void json_string(FILE *o, const char *s)
{
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(o, "\\u%04x", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

/* Starts an event: the separator and the fields every event has. */
static void event_begin(struct exporter *e, const char *ph, const char *name, uint32_t tid)
{
    fprintf(e->out,
            "%s\n  {\"ph\": \"%s\", \"pid\": 1, \"tid\": %u, \"name\": ", e->first ? "" : ",", ph,
            tid);
    json_string(e->out, name);
    e->first = false;
}

static void thread_name(struct exporter *e, uint32_t tid, const char *name)
{
    event_begin(e, "M", "thread_name", tid);
    fprintf(e->out, ", \"args\": {\"name\": ");
    json_string(e->out, name);
    fprintf(e->out, "}}");
    event_begin(e, "M", "thread_sort_index", tid);
    fprintf(e->out, ", \"args\": {\"sort_index\": %u}}", tid);
}

static struct vcpu_track *vcpu_get(struct exporter *e, uint32_t id)
{
    for (size_t i = 0; i < e->nvcpus; i++)
        if (e->vcpus[i].id == id)
            return &e->vcpus[i];
    if (e->nvcpus == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        struct vcpu_track *v = realloc(e->vcpus, cap * sizeof(*v));
        if (!v)
            return NULL;
        e->vcpus = v;
        e->cap = cap;
    }
    struct vcpu_track *v = &e->vcpus[e->nvcpus++];
    v->id = id;
    v->icount = 0;
    char name[32];
    snprintf(name, sizeof(name), "vCPU %u", id);
    thread_name(e, id + 1, name);
    return v;
}

static void exit_name(uint16_t type, uint32_t reason, uint64_t syndrome, char *buf, size_t n)
{
    if (type == HVT_EXIT_X86) {
        snprintf(buf, n, "%s", hvtrace_vmx_reason_name(reason));
    } else if (reason == HV_EXIT_REASON_EXCEPTION) {
        unsigned ec = (unsigned)(syndrome >> 26) & 0x3f;
        const char *name = hvtrace_ec_name(ec);
        if (name)
            snprintf(buf, n, "EXCEPTION %s", name);
        else
            snprintf(buf, n, "EXCEPTION EC 0x%02x", ec);
    } else if (reason <= HV_EXIT_REASON_UNKNOWN) {
        snprintf(buf, n, "%s", hvtrace_reason_name(reason));
    } else {
        snprintf(buf, n, "reason %u", reason);
    }
}

static int export_exit(struct exporter *e, const struct hvt_record *r)
{
    const uint8_t *p = r->payload;
    struct vcpu_track *v = vcpu_get(e, hvt_get32(p));
    if (!v)
        return -1;
    uint32_t reason = hvt_get32(p + 4);
    uint64_t icount = hvt_get64(p + 40);
    double start = v->icount / e->insns_per_us, now = icount / e->insns_per_us;
    double dur = icount >= v->icount ? (icount - v->icount) / e->insns_per_us : 0.0;
    uint32_t tid = v->id + 1;

    event_begin(e, "X", "guest", tid);
    fprintf(
        e->out,
        ", \"cat\": \"guest\", \"ts\": %.6f, \"dur\": %.6f, \"args\": {\"instructions\": %" PRIu64
        "}}",
        start, dur, icount >= v->icount ? icount - v->icount : 0);

    char name[48];
    exit_name(r->type, reason, hvt_get64(p + 8), name, sizeof(name));
    event_begin(e, "i", name, tid);
    bool x86 = r->type == HVT_EXIT_X86;
    fprintf(e->out,
            ", \"cat\": \"exit\", \"s\": \"t\", \"ts\": %.6f, \"args\": {\"seq\": %" PRIu64
            ", \"%s\": \"0x%" PRIx64 "\", \"%s\": \"0x%" PRIx64 "\", \"%s\": \"0x%" PRIx64
            "\", \"%s\": \"0x%" PRIx64 "\", \"icount\": %" PRIu64 "}}",
            now, r->seq, x86 ? "qualification" : "syndrome", hvt_get64(p + 8),
            x86 ? "guest_linear_addr" : "virtual_address", hvt_get64(p + 16),
            x86 ? "guest_physical_addr" : "physical_address", hvt_get64(p + 24), x86 ? "rip" : "pc",
            hvt_get64(p + 32), icount);
    v->icount = icount;
    if (now > e->vm_now)
        e->vm_now = now;
    return 0;
}

/* A VMM input: on its vCPU's track when it has one, else on the VMM's. */
static int export_input(struct exporter *e, const struct hvt_record *r)
{
    bool has_vcpu = hvt_has_vcpu(r->type) && r->size >= 4;
    uint32_t tid = 0;
    double ts = e->vm_now;
    if (has_vcpu) {
        struct vcpu_track *v = vcpu_get(e, hvt_get32(r->payload));
        if (!v)
            return -1;
        tid = v->id + 1;
        ts = v->icount / e->insns_per_us;
    }
    char name[32], desc[256];
    const char *type = hvt_type_name(r->type);
    if (type)
        snprintf(name, sizeof(name), "%s", type);
    else
        snprintf(name, sizeof(name), "type %u", r->type);
    hvtrace_describe(r, desc, sizeof(desc));
    event_begin(e, "i", name, tid);
    fprintf(e->out,
            ", \"cat\": \"vmm\", \"s\": \"t\", \"ts\": %.6f, \"args\": {\"seq\": %" PRIu64
            ", \"detail\": ",
            ts, r->seq);
    json_string(e->out, desc);
    fprintf(e->out, "}}");
    return 0;
}

static int export_trace(struct hvt_reader *r, FILE *out)
{
    struct exporter e = {.out = out, .first = true};
    e.insns_per_us = r->hdr.insns_per_tick * TICKS_PER_US;
    fprintf(out, "{\"displayTimeUnit\": \"ns\",\n \"otherData\": {\"time\": ");
    json_string(out, "virtual: instructions / insns_per_tick ticks of a 24 MHz counter");
    fprintf(out, ", \"insns_per_tick\": %u},\n \"traceEvents\": [", r->hdr.insns_per_tick);
    event_begin(&e, "M", "process_name", 0);
    fprintf(out, ", \"args\": {\"name\": \"hvmodel VM\"}}");
    thread_name(&e, 0, "VMM");

    struct hvt_record rec;
    int rc = 0;
    while (!rc && hvt_reader_next(r, &rec) == HVT_OK) {
        if (hvt_is_exit(rec.type))
            rc = export_exit(&e, &rec);
        else if (rec.type != HVT_END)
            rc = export_input(&e, &rec);
    }
    fprintf(out, "\n]}\n");
    free(e.vcpus);
    if (rc) {
        fprintf(stderr, "hvtrace export: out of memory\n");
        return 2;
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace export [-o FILE] TRACE\n"
                   "Writes the trace's timeline as Chrome / Perfetto trace-event JSON (open\n"
                   "it in ui.perfetto.dev or chrome://tracing) to FILE or standard output.\n"
                   "One thread per vCPU: a \"guest\" span for each stretch the guest ran and\n"
                   "an instant event for each exit (\"EXCEPTION data abort\", \"CANCELED\",\n"
                   "...) with its syndrome, addresses, PC and instruction count; the VMM's\n"
                   "inputs are instant events on their vCPU's thread, or on thread \"VMM\"\n"
                   "when they concern the whole VM. Time is virtual: instructions /\n"
                   "insns_per_tick ticks of a 24 MHz counter.\n");
            return 0;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "hvtrace export: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: hvtrace export [-o FILE] TRACE\n");
        return 2;
    }
    /* Read the whole trace once first, so that a corrupt one produces an
     * error and no half-written JSON; then export from a copy of its bytes. */
    struct hvt_reader r, again;
    if (hvtrace_open(&r, path)) {
        hvt_reader_close(&r); /* a failed open may leave the bytes allocated */
        return 2;
    }
    struct hvt_record rec;
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK)
        ;
    int rc = hvtrace_finish(&r, st, path);
    if (!rc && hvt_reader_open_mem(&again, r.data, r.size)) {
        fprintf(stderr, "hvtrace export: %s: %s\n", path, again.err);
        hvt_reader_close(&again);
        rc = 2;
    }
    hvt_reader_close(&r);
    if (rc)
        return rc;
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "hvtrace export: cannot write %s\n", out_path);
        hvt_reader_close(&again);
        return 2;
    }
    rc = export_trace(&again, out);
    hvt_reader_close(&again);
    if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
        fprintf(stderr, "hvtrace export: error writing %s\n", out_path ? out_path : "the output");
        rc = 2;
    }
    return rc;
}
