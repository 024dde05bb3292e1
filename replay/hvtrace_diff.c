/*
 * hvtrace_diff.c — hvtrace diff: compares two traces record by record and
 * shows the first record that differs, field by field (field names as in
 * trace/FORMAT.md). Records are compared by type and payload; where they sit
 * in the file (chunk boundaries) is shown but not compared.
 */
#include "hvtrace.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/* One fixed-width field of a record payload. */
struct field {
    const char *name;
    uint8_t off, width; /* width 4 or 8, or 16 for a vector */
};

#define MAX_FIELDS 15

static const struct {
    uint16_t type;
    struct field f[MAX_FIELDS];
} layouts[] = {
    {HVT_REGION, {{"region", 0, 4}, {"size", 4, 8}}},
    {HVT_MAP,
     {{"ipa", 0, 8}, {"size", 8, 8}, {"prot", 16, 4}, {"region", 20, 4}, {"offset", 24, 8}}},
    {HVT_UNMAP, {{"ipa", 0, 8}, {"size", 8, 8}}},
    {HVT_PROTECT, {{"ipa", 0, 8}, {"size", 8, 8}, {"prot", 16, 4}}},
    {HVT_MEM, {{"region", 0, 4}, {"offset", 4, 8}, {"len", 12, 4}}},
    {HVT_VCPU_CREATE, {{"vcpu", 0, 4}}},
    {HVT_VCPU_DESTROY, {{"vcpu", 0, 4}}},
    {HVT_SET_REG, {{"vcpu", 0, 4}, {"reg", 4, 4}, {"value", 8, 8}}},
    {HVT_SET_SYSREG, {{"vcpu", 0, 4}, {"reg", 4, 4}, {"value", 8, 8}}},
    {HVT_SET_SIMD, {{"vcpu", 0, 4}, {"reg", 4, 4}, {"value", 8, 16}}},
    {HVT_SET_PENDING_IRQ, {{"vcpu", 0, 4}, {"type", 4, 4}, {"pending", 8, 4}}},
    {HVT_SET_VTIMER_MASK, {{"vcpu", 0, 4}, {"masked", 4, 4}}},
    {HVT_SET_VTIMER_OFFSET, {{"vcpu", 0, 4}, {"offset", 4, 8}}},
    {HVT_SET_TRAP, {{"vcpu", 0, 4}, {"which", 4, 4}, {"value", 8, 4}}},
    {HVT_CLOCK_ADVANCE, {{"ticks", 0, 8}}},
    {HVT_CLOCK_IDLE, {{"vcpu", 0, 4}, {"ticks", 4, 8}}},
    {HVT_RUN, {{"vcpu", 0, 4}}},
    {HVT_KICK, {{"vcpu", 0, 4}}},
    {HVT_EXIT,
     {{"vcpu", 0, 4},
      {"reason", 4, 4},
      {"syndrome", 8, 8},
      {"virtual_address", 16, 8},
      {"physical_address", 24, 8},
      {"pc", 32, 8},
      {"icount", 40, 8},
      {"digest", 48, 8}}},
    {HVT_END, {{"records", 0, 8}, {"exits", 8, 8}}},
    {HVT_SET_VMCS, {{"vcpu", 0, 4}, {"field", 4, 4}, {"value", 8, 8}}},
    {HVT_SET_MSR, {{"vcpu", 0, 4}, {"msr", 4, 4}, {"value", 8, 8}}},
    {HVT_SET_NATIVE_MSR, {{"vcpu", 0, 4}, {"msr", 4, 4}, {"enable", 8, 4}}},
    {HVT_SET_FPSTATE, {{"vcpu", 0, 4}, {"len", 4, 4}}},
    {HVT_SYNC_TSC, {{"tsc", 0, 8}}},
    {HVT_SET_TSC_RELATIVE, {{"vcpu", 0, 4}, {"offset", 4, 8}}},
    {HVT_INVALIDATE_TLB, {{"vcpu", 0, 4}}},
    {HVT_SET_APIC_ADDRESS, {{"vcpu", 0, 4}, {"gpa", 4, 8}}},
    {HVT_GIC_CREATE,
     {{"set", 0, 4},
      {"msi_intid_base", 4, 4},
      {"msi_intid_count", 8, 4},
      {"distributor", 12, 8},
      {"redistributor", 20, 8},
      {"msi_region", 28, 8}}},
    {HVT_GIC_INPUT, {{"kind", 0, 4}, {"arg", 4, 4}, {"value", 8, 8}, {"flags", 16, 4}}},
    {HVT_GIC_SET_REG, {{"vcpu", 0, 4}, {"file", 4, 4}, {"reg", 8, 4}, {"value", 12, 8}}},
    {HVT_GIC_SET_STATE, {{"len", 0, 4}}},
    {HVT_SPACE_CREATE, {{"space", 0, 4}}},
    {HVT_SPACE_DESTROY, {{"space", 0, 4}}},
    {HVT_SET_SPACE, {{"vcpu", 0, 4}, {"space", 4, 4}}},
    {HVT_SPACE_MEMORY,
     {{"space", 0, 4},
      {"op", 4, 4},
      {"ipa", 8, 8},
      {"size", 16, 8},
      {"prot", 24, 4},
      {"region", 28, 4},
      {"offset", 32, 8}}},
    {HVT_EXIT_X86,
     {{"vcpu", 0, 4},
      {"reason", 4, 4},
      {"qualification", 8, 8},
      {"guest_linear_addr", 16, 8},
      {"guest_physical_addr", 24, 8},
      {"rip", 32, 8},
      {"icount", 40, 8},
      {"digest", 48, 8},
      {"deadline", 56, 8},
      {"instr_len", 64, 4},
      {"instr_info", 68, 4},
      {"intr_info", 72, 4},
      {"intr_error", 76, 4},
      {"idt_vectoring_info", 80, 4},
      {"idt_vectoring_error", 84, 4}}},
};

static const struct field *layout_of(uint16_t type)
{
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
        if (layouts[i].type == type)
            return layouts[i].f;
    return NULL;
}

static const char *type_label(uint16_t type, char *buf, size_t n)
{
    const char *name = hvt_type_name(type);
    if (name)
        return name;
    snprintf(buf, n, "type %u (newer than this reader)", type);
    return buf;
}

static void format_field(const struct field *f, const uint16_t type, const uint8_t *p, char *buf,
                         size_t n)
{
    if (f->width == 16) {
        size_t k = 0;
        k += (size_t)snprintf(buf, n, "0x");
        for (int i = 15; i >= 0 && k < n; i--)
            k += (size_t)snprintf(buf + k, n - k, "%02x", p[f->off + i]);
    } else if (f->width == 4) {
        uint32_t v = hvt_get32(p + f->off);
        if (type == HVT_EXIT && !strcmp(f->name, "reason"))
            snprintf(buf, n, "%u (%s)", v, hvtrace_reason_name(v));
        else if (type == HVT_EXIT_X86 && !strcmp(f->name, "reason"))
            snprintf(buf, n, "%u (%s)", v, hvtrace_vmx_reason_name(v));
        else
            snprintf(buf, n, "0x%x", v);
    } else {
        uint64_t v = hvt_get64(p + f->off);
        if (!strcmp(f->name, "icount") || !strcmp(f->name, "ticks") ||
            !strcmp(f->name, "records") || !strcmp(f->name, "exits"))
            snprintf(buf, n, "%" PRIu64, v);
        else
            snprintf(buf, n, "0x%" PRIx64, v);
    }
}

/* Byte-level difference of two byte strings over their common length. */
static void diff_bytes(const char *what, const uint8_t *a, uint32_t alen, const uint8_t *b,
                       uint32_t blen, const char *base_name, uint64_t base)
{
    uint32_t common = alen < blen ? alen : blen, count = 0, first = 0, last = 0;
    for (uint32_t i = 0; i < common; i++) {
        if (a[i] != b[i]) {
            if (!count)
                first = i;
            last = i;
            count++;
        }
    }
    if (count) {
        printf("  %-18s %u of %u bytes differ, first at +0x%x (0x%02x / 0x%02x), last at +0x%x\n",
               what, count, common, first, a[first], b[first], last);
        if (base_name)
            printf("  %-18s first differing byte at %s 0x%" PRIx64 "\n", "", base_name,
                   base + first);
    }
    if (alen != blen)
        printf("  %-18s A has %u bytes, B has %u\n", what, alen, blen);
}

static void print_fields(const struct hvt_record *a, const struct hvt_record *b)
{
    const struct field *f = layout_of(a->type);
    char va[64], vb[64];
    if (!f) { /* a type this reader does not know: bytes only */
        diff_bytes("payload", a->payload, a->size, b->payload, b->size, NULL, 0);
        return;
    }
    printf("  %-18s %-24s %s\n", "field", "A", "B");
    for (int i = 0; i < MAX_FIELDS && f[i].name; i++) {
        format_field(&f[i], a->type, a->payload, va, sizeof(va));
        format_field(&f[i], a->type, b->payload, vb, sizeof(vb));
        if (strcmp(va, vb))
            printf("  %-18s %-24s %s\n", f[i].name, va, vb);
    }
    if (a->type == HVT_EXIT) {
        unsigned eca = (unsigned)(hvt_get64(a->payload + 8) >> 26) & 0x3f;
        unsigned ecb = (unsigned)(hvt_get64(b->payload + 8) >> 26) & 0x3f;
        if (eca != ecb) {
            snprintf(va, sizeof(va), "0x%02x", eca);
            snprintf(vb, sizeof(vb), "0x%02x", ecb);
            printf("  %-18s %-24s %s\n", "(syndrome EC)", va, vb);
        }
    }
    if (a->type == HVT_MEM)
        diff_bytes("data", a->payload + 16, a->size - 16, b->payload + 16, b->size - 16,
                   "region offset (A)", hvt_get64(a->payload + 4));
    if (a->type == HVT_SET_FPSTATE)
        diff_bytes("data", a->payload + 8, a->size - 8, b->payload + 8, b->size - 8, NULL, 0);
    if (a->type == HVT_GIC_SET_STATE)
        diff_bytes("data", a->payload + 4, a->size - 4, b->payload + 4, b->size - 4, NULL, 0);
}

static void print_record(const char *which, const struct hvt_record *r)
{
    char desc[256], tb[48];
    hvtrace_describe(r, desc, sizeof(desc));
    printf("  %s: offset %-9" PRIu64 " %-17s %s\n", which, r->offset,
           type_label(r->type, tb, sizeof(tb)), desc);
}

static void header_row(bool *printed, const char *name, const char *va, const char *vb, bool is_vm)
{
    if (!*printed)
        printf("headers differ:\n  %-18s %-24s %s\n", "field", "A", "B");
    *printed = true;
    printf("  %-18s %-24s %s%s\n", name, va, vb, is_vm ? "" : "   (recorder, not compared)");
}

/* Compares the headers; returns true when the VM configurations differ. */
static bool diff_headers(const struct hvt_header *a, const struct hvt_header *b)
{
    const struct {
        const char *name;
        uint32_t va, vb;
        bool is_vm;
    } rows[] = {
        {"flavour", a->flavour, b->flavour, true},
        {"ipa_bits", a->ipa_bits, b->ipa_bits, true},
        {"granule", a->granule, b->granule, true},
        {"insns_per_tick", a->insns_per_tick, b->insns_per_tick, true},
        {"minor", a->minor, b->minor, false},
        {"unicorn", a->unicorn, b->unicorn, false},
    };
    bool vm = false, printed = false;
    char va[40], vb[40];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].va == rows[i].vb)
            continue;
        snprintf(va, sizeof(va), "%u", rows[i].va);
        snprintf(vb, sizeof(vb), "%u", rows[i].vb);
        header_row(&printed, rows[i].name, va, vb, rows[i].is_vm);
        vm |= rows[i].is_vm;
    }
    if (strcmp(a->model_version, b->model_version))
        header_row(&printed, "model_version", a->model_version, b->model_version, false);
    return vm;
}

static void print_end(const char *which, const char *path, const struct hvt_reader *r, uint64_t n)
{
    printf("  %s (%s) ends after %" PRIu64 " records%s\n", which, path, n,
           r->clean       ? ", with its END record"
           : r->truncated ? ", torn at its end"
                          : "");
}

int cmd_diff(int argc, char **argv)
{
    const char *path[2] = {NULL, NULL};
    int npath = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace diff A B\n"
                   "Reads two traces record by record and shows the first record that\n"
                   "differs: its seq, its offset in each file, its type in each and, when\n"
                   "the types match, the fields that differ (for MEM, which data bytes).\n"
                   "Headers whose VM configuration differs (flavour, ipa_bits, granule,\n"
                   "insns_per_tick) are reported and make the traces different; a\n"
                   "different recorder version is shown but not compared. When one trace\n"
                   "is a prefix of the other, says so.\n"
                   "Exit status: 0 identical, 1 different, 2 unreadable or corrupt.\n");
            return 0;
        } else if (argv[i][0] != '-' && npath < 2) {
            path[npath++] = argv[i];
        } else {
            fprintf(stderr, "hvtrace diff: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (npath != 2) {
        fprintf(stderr, "usage: hvtrace diff A B\n");
        return 2;
    }
    struct hvt_reader ra, rb;
    /* A failed open may leave the file's bytes allocated: close in any case. */
    if (hvtrace_open(&ra, path[0])) {
        hvt_reader_close(&ra);
        return 2;
    }
    if (hvtrace_open(&rb, path[1])) {
        hvt_reader_close(&ra);
        hvt_reader_close(&rb);
        return 2;
    }
    printf("A: %s\nB: %s\n", path[0], path[1]);
    int rc = diff_headers(&ra.hdr, &rb.hdr) ? 1 : 0;

    struct hvt_record a, b;
    enum hvt_status sa, sb;
    uint64_t n = 0;
    for (;;) {
        sa = hvt_reader_next(&ra, &a);
        if (sa == HVT_ERROR) {
            fprintf(stderr, "hvtrace: %s: %s\n", path[0], ra.err);
            rc = 2;
            break;
        }
        sb = hvt_reader_next(&rb, &b);
        if (sb == HVT_ERROR) {
            fprintf(stderr, "hvtrace: %s: %s\n", path[1], rb.err);
            rc = 2;
            break;
        }
        if (sa == HVT_DONE || sb == HVT_DONE) {
            if (sa == HVT_DONE && sb == HVT_DONE) {
                printf("%s %" PRIu64 " records%s\n",
                       rc ? "the records are identical:" : "identical:", n,
                       ra.truncated || rb.truncated ? " (a torn end was ignored)" : "");
                break;
            }
            const struct hvt_record *more = sa == HVT_DONE ? &b : &a;
            int shorter = sa == HVT_DONE ? 0 : 1;
            printf("%s is a prefix of %s: the first %" PRIu64 " records are identical\n",
                   shorter ? "B" : "A", shorter ? "A" : "B", n);
            print_end(shorter ? "B" : "A", path[shorter], shorter ? &rb : &ra, n);
            printf("  %s continues with record %" PRIu64 ":\n", shorter ? "A" : "B", more->seq);
            print_record(shorter ? "A" : "B", more);
            rc = 1;
            break;
        }
        if (a.type != b.type || a.size != b.size || memcmp(a.payload, b.payload, a.size)) {
            char ta[48], tb[48];
            printf("first difference at record %" PRIu64 ":\n", a.seq);
            print_record("A", &a);
            print_record("B", &b);
            if (a.type == b.type)
                print_fields(&a, &b);
            else
                printf("  types differ: %s in A, %s in B\n", type_label(a.type, ta, sizeof(ta)),
                       type_label(b.type, tb, sizeof(tb)));
            rc = 1;
            break;
        }
        n++;
    }
    if (rc != 2) {
        if (ra.truncated && sa == HVT_DONE)
            fprintf(stderr, "hvtrace: %s: %s\n", path[0], ra.err);
        if (rb.truncated && sb == HVT_DONE)
            fprintf(stderr, "hvtrace: %s: %s\n", path[1], rb.err);
    }
    hvt_reader_close(&ra);
    hvt_reader_close(&rb);
    return rc;
}
