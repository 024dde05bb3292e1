/*
 * hvtrace_replay.c — `hvtrace replay`. Built into `hvtrace` (arm64 model) and
 * `hvtrace-x86` (x86 model): a process holds one flavour of the model, so a
 * trace of the other flavour is handed to the sibling program installed next
 * to this one.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvtrace.h"
#include "replay.h"
#include "replay_flavour.h"

int hvtrace_hand_over(uint32_t flavour, int argc, char **argv)
{
    if (flavour == replay_flavour.trace_flavour ||
        (flavour != HVT_FLAVOUR_ARM64 && flavour != HVT_FLAVOUR_X86) || argc >= 62)
        return -1; /* this program's (or no program's: the replay says so) */
    const char *name = flavour == HVT_FLAVOUR_X86 ? "hvtrace-x86" : "hvtrace";
    char self[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        fprintf(stderr, "hvtrace %s: cannot find this program's directory\n", argv[0]);
        return 2;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(path, sizeof(path), "%s/%s", self, name);
    char *args[64];
    int i = 0;
    args[i++] = path;
    for (; argv[i - 1] && i < 63; i++)
        args[i] = argv[i - 1];
    args[i] = NULL;
    execv(path, args);
    fprintf(stderr, "hvtrace %s: the trace is of the %s flavour, replayed by %s: %s\n", argv[0],
            flavour == HVT_FLAVOUR_X86 ? "x86" : "arm64", path, strerror(errno));
    return 2;
}

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
                   "  --override SEQ=VALUE  what-if: replay record SEQ (SET_REG, SET_SYSREG,\n"
                   "                        SET_VMCS, SET_MSR, GIC_INPUT, GIC_SET_REG) with\n"
                   "                        VALUE (e.g. another answer to an MMIO read, an SPI\n"
                   "                        level)\n");
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
    struct hvt_reader rd;
    if (hvt_reader_open_file(&rd, path) != 0) {
        fprintf(stderr, "hvtrace replay: %s: %s\n", path, rd.err);
        return 2;
    }
    uint32_t flavour = rd.hdr.flavour;
    hvt_reader_close(&rd);
    int h = hvtrace_hand_over(flavour, argc, argv);
    if (h >= 0)
        return h;
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
