/*
 * hvtrace.c — the hvtrace command: look at, replay and compare hvmodel traces.
 */
#include "hvtrace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

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
