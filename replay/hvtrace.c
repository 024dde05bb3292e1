/*
 * hvtrace.c — the hvtrace command: look at, replay and compare hvmodel traces.
 */
#include "hvtrace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "replay.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"info", cmd_info, "header, record counts, whether the trace closed cleanly"},
    {"dump", cmd_dump, "one line per record (--vcpu N, --type NAME, --from SEQ, --to SEQ)"},
    {"replay", cmd_replay, "rerun the trace and compare every exit (--progress N, --record OUT)"},
    {"diff", cmd_diff, "first differing record of two traces"},
    {"stats", cmd_stats, "exits by kind, bytes per record kind"},
    {"export", cmd_export, "Chrome/Perfetto trace-event JSON of the exit timeline (-o FILE)"},
};

static void usage(FILE *o)
{
    fprintf(o, "usage: hvtrace <command> [options] TRACE...\n\n"
               "Looks at, replays and compares hvmodel traces (record one with\n"
               "HVMODEL_TRACE=run.hvt ./my-vmm).\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(o, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(o, "\nhvtrace <command> --help shows a command's options. Exit status: 0 success,\n"
               "1 divergence or difference, 2 error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hvtrace %s, trace format %u.%u\n", hvm_version(), HVT_MAJOR, HVT_MINOR);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hvtrace: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}

/* ---- shared helpers ---- */

int hvtrace_open(struct hvt_reader *r, const char *path)
{
    if (hvt_reader_open_file(r, path) != 0) {
        fprintf(stderr, "hvtrace: %s: %s\n", path, r->err);
        return -1;
    }
    return 0;
}

const char *hvtrace_reason_name(uint32_t reason)
{
    static const char *names[] = {"CANCELED", "EXCEPTION", "VTIMER_ACTIVATED", "UNKNOWN"};
    return reason < 4 ? names[reason] : "?";
}

const char *hvtrace_ec_name(unsigned ec)
{
    switch (ec) {
    case 0x01: return "WFx";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "sysreg";
    case 0x20: return "instruction abort";
    case 0x24: return "data abort";
    case 0x3c: return "BRK";
    default: return NULL;
    }
}

/* Reports how the read ended; returns 0 for a clean or torn end, 2 on error. */
int hvtrace_finish(struct hvt_reader *r, enum hvt_status st, const char *path)
{
    if (st == HVT_ERROR) {
        fprintf(stderr, "hvtrace: %s: %s\n", path, r->err);
        return 2;
    }
    if (r->truncated)
        fprintf(stderr, "hvtrace: %s: %s; the records before it are complete\n", path, r->err);
    return 0;
}

void hvtrace_describe(const struct hvt_record *r, char *buf, size_t n)
{
    const uint8_t *p = r->payload;
    switch (r->type) {
    case HVT_REGION:
        snprintf(buf, n, "region %u size 0x%" PRIx64, hvt_get32(p), hvt_get64(p + 4));
        break;
    case HVT_MAP:
        snprintf(buf, n, "ipa 0x%" PRIx64 " size 0x%" PRIx64 " prot %c%c%c region %u +0x%" PRIx64,
                 hvt_get64(p), hvt_get64(p + 8), hvt_get32(p + 16) & 1 ? 'r' : '-',
                 hvt_get32(p + 16) & 2 ? 'w' : '-', hvt_get32(p + 16) & 4 ? 'x' : '-',
                 hvt_get32(p + 20), hvt_get64(p + 24));
        break;
    case HVT_UNMAP:
        snprintf(buf, n, "ipa 0x%" PRIx64 " size 0x%" PRIx64, hvt_get64(p), hvt_get64(p + 8));
        break;
    case HVT_PROTECT:
        snprintf(buf, n, "ipa 0x%" PRIx64 " size 0x%" PRIx64 " prot %u", hvt_get64(p),
                 hvt_get64(p + 8), hvt_get32(p + 16));
        break;
    case HVT_MEM:
        snprintf(buf, n, "region %u +0x%" PRIx64 " %u bytes", hvt_get32(p), hvt_get64(p + 4),
                 hvt_get32(p + 12));
        break;
    case HVT_SET_REG:
    case HVT_SET_SYSREG:
        snprintf(buf, n, "vcpu %u reg 0x%x = 0x%" PRIx64, hvt_get32(p), hvt_get32(p + 4),
                 hvt_get64(p + 8));
        break;
    case HVT_SET_SIMD: snprintf(buf, n, "vcpu %u q%u", hvt_get32(p), hvt_get32(p + 4)); break;
    case HVT_SET_PENDING_IRQ:
        snprintf(buf, n, "vcpu %u %s = %u", hvt_get32(p), hvt_get32(p + 4) ? "FIQ" : "IRQ",
                 hvt_get32(p + 8));
        break;
    case HVT_SET_VTIMER_MASK:
        snprintf(buf, n, "vcpu %u masked = %u", hvt_get32(p), hvt_get32(p + 4));
        break;
    case HVT_SET_VTIMER_OFFSET:
        snprintf(buf, n, "vcpu %u offset = 0x%" PRIx64, hvt_get32(p), hvt_get64(p + 4));
        break;
    case HVT_SET_TRAP:
        snprintf(buf, n, "vcpu %u %s = %u", hvt_get32(p),
                 hvt_get32(p + 4) ? "debug-reg-accesses" : "debug-exceptions", hvt_get32(p + 8));
        break;
    case HVT_CLOCK_ADVANCE: snprintf(buf, n, "%" PRIu64 " ticks", hvt_get64(p)); break;
    case HVT_EXIT:
        snprintf(buf, n,
                 "vcpu %u %s syndrome 0x%" PRIx64 " va 0x%" PRIx64 " ipa 0x%" PRIx64
                 " pc 0x%" PRIx64 " icount %" PRIu64 " digest %016" PRIx64,
                 hvt_get32(p), hvtrace_reason_name(hvt_get32(p + 4)), hvt_get64(p + 8),
                 hvt_get64(p + 16), hvt_get64(p + 24), hvt_get64(p + 32), hvt_get64(p + 40),
                 hvt_get64(p + 48));
        break;
    case HVT_END:
        snprintf(buf, n, "%" PRIu64 " records, %" PRIu64 " exits", hvt_get64(p), hvt_get64(p + 8));
        break;
    default:
        if (r->size >= 4)
            snprintf(buf, n, "vcpu %u", hvt_get32(p));
        else
            buf[0] = 0;
    }
}

/* ---- info ---- */

int cmd_info(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(argc == 2 ? stdout : stderr, "usage: hvtrace info TRACE\n");
        return argc == 2 ? 0 : 2;
    }
    struct hvt_reader r;
    if (hvtrace_open(&r, argv[1]))
        return 2;
    uint64_t counts[HVT_TYPE_COUNT] = {0}, other = 0, n = 0;
    struct hvt_record rec;
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK) {
        n++;
        if (rec.type < HVT_TYPE_COUNT)
            counts[rec.type]++;
        else
            other++;
    }
    const struct hvt_header *h = &r.hdr;
    printf("trace:           %s\n", argv[1]);
    printf("format:          %u.%u\n", h->major, h->minor);
    printf("flavour:         %s\n", h->flavour == HVT_FLAVOUR_ARM64 ? "arm64" : "x86");
    printf("recorded by:     hvmodel %s, unicorn %u.%u\n", h->model_version, h->unicorn >> 8,
           h->unicorn & 0xff);
    printf("VM:              %u-bit IPA, %u KiB granule, %u instructions per tick\n", h->ipa_bits,
           h->granule / 1024, h->insns_per_tick);
    printf("size:            %zu bytes\n", r.size);
    printf("records:         %" PRIu64 "\n", n);
    for (uint16_t t = 1; t < HVT_TYPE_COUNT; t++)
        if (counts[t])
            printf("  %-17s %" PRIu64 "\n", hvt_type_name(t), counts[t]);
    if (other)
        printf("  %-17s %" PRIu64 "\n", "(newer types)", other);
    printf("closed cleanly:  %s\n", r.clean ? "yes" : r.truncated ? "no (torn at the end)" : "no");
    int rc = hvtrace_finish(&r, st, argv[1]);
    hvt_reader_close(&r);
    return rc;
}

/* ---- dump ---- */

int cmd_dump(int argc, char **argv)
{
    long vcpu = -1;
    uint64_t from = 0, to = UINT64_MAX;
    const char *type = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace dump [--vcpu N] [--type NAME] [--from SEQ] [--to SEQ] TRACE\n"
                   "One line per record: seq, offset, type, fields. EXIT lines show the\n"
                   "exit in full (reason, syndrome, addresses, PC, instruction count).\n");
            return 0;
        } else if (!strcmp(argv[i], "--vcpu") && i + 1 < argc) {
            vcpu = strtol(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
            type = argv[++i];
        } else if (!strcmp(argv[i], "--from") && i + 1 < argc) {
            from = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            to = strtoull(argv[++i], NULL, 0);
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "hvtrace dump: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: hvtrace dump [options] TRACE\n");
        return 2;
    }
    struct hvt_reader r;
    if (hvtrace_open(&r, path))
        return 2;
    struct hvt_record rec;
    enum hvt_status st;
    char buf[256];
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK) {
        const char *name = hvt_type_name(rec.type);
        if (rec.seq < from || rec.seq > to || (type && (!name || strcasecmp(type, name))))
            continue;
        bool has_vcpu =
            rec.type >= HVT_VCPU_CREATE && rec.type <= HVT_EXIT && rec.type != HVT_CLOCK_ADVANCE;
        if (vcpu >= 0 && (!has_vcpu || hvt_get32(rec.payload) != (uint32_t)vcpu))
            continue;
        hvtrace_describe(&rec, buf, sizeof(buf));
        printf("%8" PRIu64 " @%-9" PRIu64 " %-17s %s\n", rec.seq, rec.offset,
               name ? name : "(newer type)", buf);
    }
    int rc = hvtrace_finish(&r, st, path);
    hvt_reader_close(&r);
    return rc;
}

/* ---- replay ---- */

int cmd_replay(int argc, char **argv)
{
    struct replay_opts o = {0};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace replay [--progress N] [--record OUT] [--override SEQ=VALUE] "
                   "TRACE\n"
                   "Rebuilds the VM from the trace, applies every recorded input, runs the\n"
                   "guest and compares each exit bit for bit. On the first divergence it\n"
                   "prints the exit, a field-by-field diff, the instruction at PC and the\n"
                   "last inputs, and exits with status 1.\n"
                   "  --progress N          report every N exits on stderr\n"
                   "  --record OUT          record the replay itself to OUT\n"
                   "  --override SEQ=VALUE  what-if: replay SET_REG/SET_SYSREG record SEQ with\n"
                   "                        VALUE (e.g. another answer to an MMIO read)\n");
            return 0;
        } else if (!strcmp(argv[i], "--progress") && i + 1 < argc) {
            o.progress_every = (unsigned)strtoul(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--record") && i + 1 < argc) {
            o.record_path = argv[++i];
        } else if (!strcmp(argv[i], "--override") && i + 1 < argc) {
            char *eq = strchr(argv[++i], '=');
            if (!eq) {
                fprintf(stderr, "hvtrace replay: --override takes SEQ=VALUE\n");
                return 2;
            }
            o.has_override = true;
            o.override_seq = strtoull(argv[i], NULL, 0);
            o.override_value = strtoull(eq + 1, NULL, 0);
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "hvtrace replay: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: hvtrace replay [options] TRACE\n");
        return 2;
    }
    struct replay_result res;
    int rc = replay_file(path, &o, &res);
    if (rc == 2)
        fprintf(stderr, "hvtrace replay: %s: %s\n", path, res.error);
    else if (rc == 0)
        printf("replayed %" PRIu64 " records, %" PRIu64 " exits: identical%s\n", res.records,
               res.exits,
               res.clean       ? ""
               : res.truncated ? " (the trace is torn at its end)"
                               : "");
    return rc;
}
