/*
 * hvtrace_stats.c — hvtrace stats: what a trace holds, counted. Exits by
 * reason and by exception class per vCPU, records and bytes per record type,
 * the guest's retired instructions and the virtual time they stand for.
 */
#include "hvtrace.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/Hypervisor.h>

/* Exit kinds counted: arm64's CANCELED, EXCEPTION, VTIMER_ACTIVATED, UNKNOWN
 * (0..3); the VMX basic exit reasons 0..64 of x86 exits (4..68); anything
 * else (69). */
#define A64_REASONS  4
#define VMX_REASONS  65
#define REASONS      (A64_REASONS + VMX_REASONS + 1)
#define OTHER_TYPES  HVT_TYPE_COUNT /* the bucket for record types newer than this reader */
#define TICKS_PER_US 24.0           /* the 24 MHz counter of Apple silicon */

struct vcpu_stats {
    uint32_t id;
    uint64_t exits;
    uint64_t by_reason[REASONS];
    uint64_t by_ec[64];
    uint64_t icount; /* at the vCPU's last exit */
};

struct stats {
    struct vcpu_stats *vcpus;
    size_t nvcpus, cap;
    uint64_t records, exits, record_bytes;
    uint64_t count[HVT_TYPE_COUNT + 1], bytes[HVT_TYPE_COUNT + 1];
    uint64_t by_reason[REASONS], by_ec[64];
    uint64_t advanced_ticks;
};

static void ec_label(unsigned ec, char *buf, size_t n)
{
    const char *name = hvtrace_ec_name(ec);
    if (name)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "EC 0x%02x", ec);
}

static const char *reason_label(unsigned i)
{
    if (i < A64_REASONS)
        return hvtrace_reason_name(i);
    if (i < A64_REASONS + VMX_REASONS)
        return hvtrace_vmx_reason_name(i - A64_REASONS);
    return "other reason";
}

static unsigned reason_index(uint16_t type, uint32_t reason)
{
    if (type == HVT_EXIT)
        return reason < A64_REASONS ? reason : REASONS - 1;
    reason &= 0xffff; /* the basic exit reason */
    return reason < VMX_REASONS ? A64_REASONS + reason : REASONS - 1;
}

static struct vcpu_stats *vcpu_get(struct stats *s, uint32_t id)
{
    for (size_t i = 0; i < s->nvcpus; i++)
        if (s->vcpus[i].id == id)
            return &s->vcpus[i];
    if (s->nvcpus == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        struct vcpu_stats *v = realloc(s->vcpus, cap * sizeof(*v));
        if (!v)
            return NULL;
        s->vcpus = v;
        s->cap = cap;
    }
    struct vcpu_stats *v = &s->vcpus[s->nvcpus++];
    memset(v, 0, sizeof(*v));
    v->id = id;
    return v;
}

/* Counts one record; -1 when out of memory. */
static int count_record(struct stats *s, const struct hvt_record *rec)
{
    unsigned t = rec->type < HVT_TYPE_COUNT && hvt_type_name(rec->type) ? rec->type : OTHER_TYPES;
    uint64_t bytes = rec->stored;
    s->records++;
    s->record_bytes += bytes;
    s->count[t]++;
    s->bytes[t] += bytes;
    if (rec->type == HVT_CLOCK_ADVANCE)
        s->advanced_ticks += hvt_get64(rec->payload);
    if (rec->type == HVT_VCPU_CREATE && !vcpu_get(s, hvt_get32(rec->payload)))
        return -1;
    if (!hvt_is_exit(rec->type))
        return 0;
    struct vcpu_stats *v = vcpu_get(s, hvt_get32(rec->payload));
    if (!v)
        return -1;
    uint32_t reason = hvt_get32(rec->payload + 4);
    unsigned ri = reason_index(rec->type, reason);
    s->exits++;
    v->exits++;
    s->by_reason[ri]++;
    v->by_reason[ri]++;
    if (rec->type == HVT_EXIT && reason == HV_EXIT_REASON_EXCEPTION) {
        unsigned ec = (unsigned)(hvt_get64(rec->payload + 8) >> 26) & 0x3f;
        s->by_ec[ec]++;
        v->by_ec[ec]++;
    }
    v->icount = hvt_get64(rec->payload + 40);
    return 0;
}

static uint64_t total_instructions(const struct stats *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nvcpus; i++)
        n += s->vcpus[i].icount;
    return n;
}

static uint64_t max_instructions(const struct stats *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nvcpus; i++)
        if (s->vcpus[i].icount > n)
            n = s->vcpus[i].icount;
    return n;
}

/* ---- text ---- */

static void print_exits_text(const uint64_t *by_reason, const uint64_t *by_ec, const char *indent)
{
    char label[32];
    for (unsigned r = 0; r < REASONS; r++) {
        if (!by_reason[r])
            continue;
        printf("%s%-28s %10" PRIu64 "\n", indent, reason_label(r), by_reason[r]);
        if (r != HV_EXIT_REASON_EXCEPTION)
            continue;
        for (unsigned ec = 0; ec < 64; ec++) {
            if (!by_ec[ec])
                continue;
            ec_label(ec, label, sizeof(label));
            char both[48];
            snprintf(both, sizeof(both), "%s (EC 0x%02x)", label, ec);
            printf("%s  %-26s %10" PRIu64 "\n", indent, hvtrace_ec_name(ec) ? both : label,
                   by_ec[ec]);
        }
    }
}

static void print_avg_text(const char *what, uint64_t bytes, uint64_t exits)
{
    if (exits)
        printf("  %-30s %.1f\n", what, (double)bytes / (double)exits);
    else
        printf("  %-30s n/a (no exits)\n", what);
}

static void print_text(const struct stats *s, const struct hvt_reader *r, const char *path)
{
    const struct hvt_header *h = &r->hdr;
    double ipt = h->insns_per_tick;
    printf("trace:            %s\n", path);
    printf("VM:               %u-bit IPA, %u KiB granule, %u instructions per tick\n", h->ipa_bits,
           h->granule / 1024, h->insns_per_tick);
    printf("closed cleanly:   %s\n", r->clean       ? "yes"
                                     : r->truncated ? "no (torn at the end)"
                                                    : "no");

    printf("\nexits:            %" PRIu64 "\n", s->exits);
    print_exits_text(s->by_reason, s->by_ec, "  ");
    for (size_t i = 0; i < s->nvcpus; i++) {
        const struct vcpu_stats *v = &s->vcpus[i];
        printf("  vCPU %-23u %10" PRIu64 "\n", v->id, v->exits);
        print_exits_text(v->by_reason, v->by_ec, "    ");
    }

    printf("\nrecords:          %" PRIu64 " (bytes in the file, each record's header included)\n",
           s->records);
    printf("  %-17s %10s %12s\n", "type", "records", "bytes");
    for (unsigned t = 1; t <= OTHER_TYPES; t++) {
        if (!s->count[t])
            continue;
        printf("  %-17s %10" PRIu64 " %12" PRIu64 "\n",
               t < OTHER_TYPES ? hvt_type_name((uint16_t)t) : "(newer types)", s->count[t],
               s->bytes[t]);
    }
    printf("  %-17s %10" PRIu64 " %12" PRIu64 "\n", "all records", s->records, s->record_bytes);
    printf("  %-17s %10s %12zu\n", "file", "", r->size);
    printf("average bytes per exit (of the file):\n");
    print_avg_text("total", r->size, s->exits);
    print_avg_text("excluding MEM records", r->size - s->bytes[HVT_MEM], s->exits);

    printf("\nguest instructions: %" PRIu64 " (the last icount of each vCPU, summed)\n",
           total_instructions(s));
    for (size_t i = 0; i < s->nvcpus; i++) {
        const struct vcpu_stats *v = &s->vcpus[i];
        printf("  vCPU %-6u %14" PRIu64 " instructions = %.3f ticks = %.3f \xc2\xb5s at 24 MHz\n",
               v->id, v->icount, v->icount / ipt, v->icount / ipt / TICKS_PER_US);
    }
    uint64_t m = max_instructions(s);
    printf("virtual time:     %.3f ticks = %.3f \xc2\xb5s at 24 MHz (the longest-running vCPU)\n",
           m / ipt, m / ipt / TICKS_PER_US);
    printf("clock advanced by the VMM: %" PRIu64 " ticks = %.3f \xc2\xb5s\n", s->advanced_ticks,
           s->advanced_ticks / TICKS_PER_US);
}

/* ---- JSON ---- */

static void json_string(const char *str)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void json_exits(const uint64_t *by_reason, const uint64_t *by_ec)
{
    char label[32];
    const char *sep = "";
    printf("\"by_reason\": {");
    for (unsigned r = 0; r < REASONS; r++) {
        if (!by_reason[r])
            continue;
        printf("%s\"%s\": %" PRIu64, sep, reason_label(r), by_reason[r]);
        sep = ", ";
    }
    printf("}, \"by_exception_class\": {");
    sep = "";
    for (unsigned ec = 0; ec < 64; ec++) {
        if (!by_ec[ec])
            continue;
        ec_label(ec, label, sizeof(label));
        printf("%s\"%s\": %" PRIu64, sep, label, by_ec[ec]);
        sep = ", ";
    }
    printf("}");
}

static void json_avg(uint64_t bytes, uint64_t exits)
{
    if (exits)
        printf("%.3f", (double)bytes / (double)exits);
    else
        printf("null");
}

static void print_json(const struct stats *s, const struct hvt_reader *r, const char *path)
{
    const struct hvt_header *h = &r->hdr;
    double ipt = h->insns_per_tick;
    printf("{\"trace\": ");
    json_string(path);
    printf(", \"format\": \"%u.%u\", \"flavour\": \"%s\", \"ipa_bits\": %u, \"granule\": %u, "
           "\"insns_per_tick\": %u,\n",
           h->major, h->minor, h->flavour == HVT_FLAVOUR_ARM64 ? "arm64" : "x86", h->ipa_bits,
           h->granule, h->insns_per_tick);
    printf(" \"closed_cleanly\": %s, \"torn\": %s,\n", r->clean ? "true" : "false",
           r->truncated ? "true" : "false");
    printf(" \"exits\": {\"total\": %" PRIu64 ", ", s->exits);
    json_exits(s->by_reason, s->by_ec);
    printf("},\n \"vcpus\": [");
    for (size_t i = 0; i < s->nvcpus; i++) {
        const struct vcpu_stats *v = &s->vcpus[i];
        printf("%s\n  {\"vcpu\": %u, \"exits\": %" PRIu64 ", ", i ? "," : "", v->id, v->exits);
        json_exits(v->by_reason, v->by_ec);
        printf(", \"instructions\": %" PRIu64 ", \"ticks\": %.6f, \"us\": %.6f}", v->icount,
               v->icount / ipt, v->icount / ipt / TICKS_PER_US);
    }
    printf("],\n \"records\": {\"total\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"by_type\": {",
           s->records, s->record_bytes);
    const char *sep = "";
    for (unsigned t = 1; t <= OTHER_TYPES; t++) {
        if (!s->count[t])
            continue;
        printf("%s\n  \"%s\": {\"records\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", sep,
               t < OTHER_TYPES ? hvt_type_name((uint16_t)t) : "(newer types)", s->count[t],
               s->bytes[t]);
        sep = ",";
    }
    printf("}},\n \"file_bytes\": %zu, \"bytes_per_exit\": ", r->size);
    json_avg(r->size, s->exits);
    printf(", \"bytes_per_exit_excluding_mem\": ");
    json_avg(r->size - s->bytes[HVT_MEM], s->exits);
    uint64_t m = max_instructions(s);
    printf(",\n \"instructions\": %" PRIu64 ", \"virtual_time\": {\"ticks\": %.6f, \"us\": %.6f}, "
           "\"clock_advanced_ticks\": %" PRIu64 "}\n",
           total_instructions(s), m / ipt, m / ipt / TICKS_PER_US, s->advanced_ticks);
}

int cmd_stats(int argc, char **argv)
{
    bool json = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace stats [--json] TRACE\n"
                   "Counts a trace: exits by reason and, for EXCEPTION exits, by exception\n"
                   "class (ESR EC), in all and per vCPU; records and bytes per record type\n"
                   "(a record's bytes include its 16-byte header); the file's bytes per\n"
                   "exit, with and without MEM records; the guest's retired instructions\n"
                   "(each vCPU's icount at its last exit) and the virtual time they make\n"
                   "(instructions / insns_per_tick ticks, in microseconds at 24 MHz).\n"
                   "--json prints the same as one JSON object.\n");
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "hvtrace stats: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: hvtrace stats [--json] TRACE\n");
        return 2;
    }
    struct hvt_reader r;
    if (hvtrace_open(&r, path)) {
        hvt_reader_close(&r); /* a failed open may leave the bytes allocated */
        return 2;
    }
    struct stats *s = calloc(1, sizeof(*s));
    if (!s) {
        fprintf(stderr, "hvtrace stats: out of memory\n");
        hvt_reader_close(&r);
        return 2;
    }
    struct hvt_record rec;
    enum hvt_status st;
    int rc = 0;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK) {
        if (count_record(s, &rec)) {
            fprintf(stderr, "hvtrace stats: out of memory\n");
            rc = 2;
            break;
        }
    }
    if (!rc)
        rc = hvtrace_finish(&r, st, path);
    if (!rc) {
        if (json)
            print_json(s, &r, path);
        else
            print_text(s, &r, path);
    }
    free(s->vcpus);
    free(s);
    hvt_reader_close(&r);
    return rc;
}
