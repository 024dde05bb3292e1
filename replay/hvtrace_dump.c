/*
 * hvtrace_dump.c — what both hvtrace programs share: opening a trace,
 * naming reasons and exception classes, describing a record, and the
 * `info` and `dump` subcommands (`dump --disasm` replays the trace, so a
 * trace of the other flavour is handed to the sibling program).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "hvtrace.h"
#include "replay.h"
#include "replay_flavour.h"

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

const char *hvtrace_vmx_reason_name(uint32_t reason)
{
    /* Intel SDM Vol. 3 Appendix C, as hv_arch_vmx.h names them. */
    static const char *const names[] = {
        [0] = "EXC_NMI",
        [1] = "IRQ",
        [2] = "TRIPLE_FAULT",
        [3] = "INIT",
        [4] = "SIPI",
        [5] = "IO_SMI",
        [6] = "OTHER_SMI",
        [7] = "IRQ_WND",
        [8] = "VIRTUAL_NMI_WND",
        [9] = "TASK",
        [10] = "CPUID",
        [11] = "GETSEC",
        [12] = "HLT",
        [13] = "INVD",
        [14] = "INVLPG",
        [15] = "RDPMC",
        [16] = "RDTSC",
        [17] = "RSM",
        [18] = "VMCALL",
        [19] = "VMCLEAR",
        [20] = "VMLAUNCH",
        [21] = "VMPTRLD",
        [22] = "VMPTRST",
        [23] = "VMREAD",
        [24] = "VMRESUME",
        [25] = "VMWRITE",
        [26] = "VMOFF",
        [27] = "VMON",
        [28] = "MOV_CR",
        [29] = "MOV_DR",
        [30] = "IO",
        [31] = "RDMSR",
        [32] = "WRMSR",
        [33] = "VMENTRY_GUEST",
        [34] = "VMENTRY_MSR",
        [36] = "MWAIT",
        [37] = "MTF",
        [39] = "MONITOR",
        [40] = "PAUSE",
        [41] = "VMENTRY_MC",
        [43] = "TPR_THRESHOLD",
        [44] = "APIC_ACCESS",
        [45] = "VIRTUALIZED_EOI",
        [46] = "GDTR_IDTR",
        [47] = "LDTR_TR",
        [48] = "EPT_VIOLATION",
        [49] = "EPT_MISCONFIG",
        [50] = "EPT_INVEPT",
        [51] = "RDTSCP",
        [52] = "VMX_TIMER_EXPIRED",
        [53] = "INVVPID",
        [54] = "WBINVD",
        [55] = "XSETBV",
        [56] = "APIC_WRITE",
        [57] = "RDRAND",
        [58] = "INVPCID",
        [59] = "VMFUNC",
        [60] = "ENCLS",
        [61] = "RDSEED",
        [62] = "PAGE_MODIFICATION_LOG_FULL",
        [63] = "XSAVES",
        [64] = "XRSTORS",
    };
    uint32_t basic = reason & 0xffff;
    return basic < sizeof(names) / sizeof(names[0]) && names[basic] ? names[basic] : "?";
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
    case HVT_CLOCK_IDLE:
        snprintf(buf, n, "vcpu %u idle %" PRIu64 " ticks", hvt_get32(p), hvt_get64(p + 4));
        break;
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
    case HVT_SET_VMCS:
        snprintf(buf, n, "vcpu %u field 0x%04x = 0x%" PRIx64, hvt_get32(p), hvt_get32(p + 4),
                 hvt_get64(p + 8));
        break;
    case HVT_SET_MSR:
        snprintf(buf, n, "vcpu %u msr 0x%x = 0x%" PRIx64, hvt_get32(p), hvt_get32(p + 4),
                 hvt_get64(p + 8));
        break;
    case HVT_SET_NATIVE_MSR:
        snprintf(buf, n, "vcpu %u msr 0x%x native = %u", hvt_get32(p), hvt_get32(p + 4),
                 hvt_get32(p + 8));
        break;
    case HVT_SET_FPSTATE:
        snprintf(buf, n, "vcpu %u %u bytes", hvt_get32(p), hvt_get32(p + 4));
        break;
    case HVT_SYNC_TSC: snprintf(buf, n, "tsc = 0x%" PRIx64, hvt_get64(p)); break;
    case HVT_SET_TSC_RELATIVE:
        snprintf(buf, n, "vcpu %u offset = 0x%" PRIx64, hvt_get32(p), hvt_get64(p + 4));
        break;
    case HVT_SET_APIC_ADDRESS:
        snprintf(buf, n, "vcpu %u gpa 0x%" PRIx64, hvt_get32(p), hvt_get64(p + 4));
        break;
    case HVT_GIC_CREATE: {
        uint32_t set = hvt_get32(p);
        int k = snprintf(buf, n, "distributor ");
        if (k > 0 && (size_t)k < n)
            k += snprintf(buf + k, n - (size_t)k, set & HVT_GIC_HAS_DIST ? "0x%" PRIx64 : "unset",
                          hvt_get64(p + 12));
        if (k > 0 && (size_t)k < n)
            k += snprintf(buf + k, n - (size_t)k,
                          set & HVT_GIC_HAS_REDIST ? " redistributors 0x%" PRIx64
                                                   : " redistributors unset",
                          hvt_get64(p + 20));
        if (k > 0 && (size_t)k < n && (set & HVT_GIC_HAS_MSI_REGION))
            k += snprintf(buf + k, n - (size_t)k, " msi 0x%" PRIx64, hvt_get64(p + 28));
        if (k > 0 && (size_t)k < n && (set & HVT_GIC_HAS_MSI_RANGE))
            snprintf(buf + k, n - (size_t)k, " msi intids %u+%u", hvt_get32(p + 4),
                     hvt_get32(p + 8));
        break;
    }
    case HVT_GIC_INPUT: {
        uint32_t arg = hvt_get32(p + 4);
        uint64_t v = hvt_get64(p + 8);
        const char *ran = hvt_get32(p + 16) & HVT_GIC_WHILE_RUNNING ? " (while a vCPU ran)" : "";
        switch (hvt_get32(p)) {
        case HVT_GIC_SPI: snprintf(buf, n, "spi %u = %" PRIu64 "%s", arg, v, ran); break;
        case HVT_GIC_MSI: snprintf(buf, n, "msi intid %u at 0x%" PRIx64 "%s", arg, v, ran); break;
        case HVT_GIC_DIST_REG:
            snprintf(buf, n, "distributor 0x%04x = 0x%" PRIx64 "%s", arg, v, ran);
            break;
        case HVT_GIC_MSI_REG: snprintf(buf, n, "msi 0x%x = 0x%" PRIx64 "%s", arg, v, ran); break;
        case HVT_GIC_RESET: snprintf(buf, n, "reset%s", ran); break;
        default: snprintf(buf, n, "kind %u (unknown) 0x%x 0x%" PRIx64, hvt_get32(p), arg, v);
        }
        break;
    }
    case HVT_GIC_SET_REG: {
        uint32_t file = hvt_get32(p + 4);
        snprintf(buf, n, "vcpu %u %s 0x%x = 0x%" PRIx64, hvt_get32(p),
                 file == HVT_GIC_REDIST ? "redistributor"
                 : file == HVT_GIC_ICC  ? "icc"
                                        : "file?",
                 hvt_get32(p + 8), hvt_get64(p + 12));
        break;
    }
    case HVT_GIC_SET_STATE: snprintf(buf, n, "%u bytes", hvt_get32(p)); break;
    case HVT_SPACE_CREATE:
    case HVT_SPACE_DESTROY: snprintf(buf, n, "space %u", hvt_get32(p)); break;
    case HVT_SET_SPACE: snprintf(buf, n, "vcpu %u space %u", hvt_get32(p), hvt_get32(p + 4)); break;
    case HVT_SPACE_MEMORY: {
        uint32_t op = hvt_get32(p + 4);
        int k = snprintf(buf, n, "space %u %s ipa 0x%" PRIx64 " size 0x%" PRIx64, hvt_get32(p),
                         hvt_type_name((uint16_t)op) ? hvt_type_name((uint16_t)op) : "?",
                         hvt_get64(p + 8), hvt_get64(p + 16));
        uint32_t prot = hvt_get32(p + 24);
        if (k > 0 && (size_t)k < n && op != HVT_UNMAP)
            k += snprintf(buf + k, n - (size_t)k, " prot %c%c%c", prot & 1 ? 'r' : '-',
                          prot & 2 ? 'w' : '-', prot & 4 ? 'x' : '-');
        if (k > 0 && (size_t)k < n && op == HVT_MAP)
            snprintf(buf + k, n - (size_t)k, " region %u +0x%" PRIx64, hvt_get32(p + 28),
                     hvt_get64(p + 32));
        break;
    }
    case HVT_EXIT_X86: {
        int k = snprintf(buf, n,
                         "vcpu %u %s qual 0x%" PRIx64 " gla 0x%" PRIx64 " gpa 0x%" PRIx64
                         " rip 0x%" PRIx64 " len %u icount %" PRIu64 " digest %016" PRIx64,
                         hvt_get32(p), hvtrace_vmx_reason_name(hvt_get32(p + 4)), hvt_get64(p + 8),
                         hvt_get64(p + 16), hvt_get64(p + 24), hvt_get64(p + 32), hvt_get32(p + 64),
                         hvt_get64(p + 40), hvt_get64(p + 48));
        if (k > 0 && (size_t)k < n && hvt_get32(p + 72))
            k += snprintf(buf + k, n - (size_t)k, " intr 0x%08x err 0x%x", hvt_get32(p + 72),
                          hvt_get32(p + 76));
        if (k > 0 && (size_t)k < n && hvt_get32(p + 80))
            k += snprintf(buf + k, n - (size_t)k, " idt-vectoring 0x%08x err 0x%x",
                          hvt_get32(p + 80), hvt_get32(p + 84));
        if (k > 0 && (size_t)k < n && hvt_get64(p + 56) != ~0ull)
            snprintf(buf + k, n - (size_t)k, " deadline %" PRIu64, hvt_get64(p + 56));
        break;
    }
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

struct dump_filter {
    long vcpu;
    uint64_t from, to;
    const char *type;
};

static void dump_record(void *ctx, const struct hvt_record *rec, const char *disasm)
{
    const struct dump_filter *f = ctx;
    const char *name = hvt_type_name(rec->type);
    if (rec->seq < f->from || rec->seq > f->to || (f->type && (!name || strcasecmp(f->type, name))))
        return;
    if (f->vcpu >= 0 && (!hvt_has_vcpu(rec->type) || hvt_get32(rec->payload) != (uint32_t)f->vcpu))
        return;
    char buf[256];
    hvtrace_describe(rec, buf, sizeof(buf));
    printf("%8" PRIu64 " @%-9" PRIu64 " %-17s %s\n", rec->seq, rec->offset,
           name ? name : "(newer type)", buf);
    if (disasm)
        printf("%8s %-10s %-17s %s 0x%" PRIx64 ": %s\n", "", "", "",
               rec->type == HVT_EXIT_X86 ? "rip" : "pc", hvt_get64(rec->payload + REPLAY_EXIT_PC),
               disasm);
}

int cmd_dump(int argc, char **argv)
{
    struct dump_filter f = {.vcpu = -1, .to = UINT64_MAX};
    const char *path = NULL;
    bool disasm = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: hvtrace dump [--vcpu N] [--type NAME] [--from SEQ] [--to SEQ] "
                   "[--disasm] TRACE\n"
                   "One line per record: seq, offset, type, fields. EXIT lines show the\n"
                   "exit in full (reason, syndrome or qualification, addresses, PC,\n"
                   "instruction count).\n"
                   "  --disasm  also show the instruction at PC of every exit; the guest's\n"
                   "            code is not in the trace, so this replays it (and stops with\n"
                   "            the divergence report, status 1, if the replay diverges)\n");
            return 0;
        } else if (!strcmp(argv[i], "--vcpu") && i + 1 < argc) {
            f.vcpu = strtol(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
            f.type = argv[++i];
        } else if (!strcmp(argv[i], "--from") && i + 1 < argc) {
            f.from = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            f.to = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--disasm")) {
            disasm = true;
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
    if (disasm) {
        uint32_t flavour = r.hdr.flavour;
        hvt_reader_close(&r);
        int h = hvtrace_hand_over(flavour, argc, argv);
        if (h >= 0)
            return h;
        struct replay_opts o = {.on_record = dump_record, .ctx = &f};
        struct replay_result res;
        int rc = replay_file(path, &o, &res);
        if (rc == 2)
            fprintf(stderr, "hvtrace dump: %s: %s\n", path, res.error);
        return rc;
    }
    struct hvt_record rec;
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK)
        dump_record(&f, &rec, NULL);
    int rc = hvtrace_finish(&r, st, path);
    hvt_reader_close(&r);
    return rc;
}
