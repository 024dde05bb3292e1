/*
 * hvtrace_x86.c — `hvtrace-x86`: the replayer linked with the x86 model.
 * `hvtrace replay` and `hvtrace dump --disasm` hand x86 traces to it; every
 * other subcommand reads traces of both flavours and lives in `hvtrace`.
 */
#include <stdio.h>
#include <string.h>

#include <hvmodel.h>

#include "hvtrace.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "replay"))
        return cmd_replay(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "dump"))
        return cmd_dump(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("hvtrace-x86 %s, trace format %u.%u\n", hvm_version(), HVT_MAJOR, HVT_MINOR);
        return 0;
    }
    fprintf(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
            "usage: hvtrace-x86 replay|dump [options] TRACE\n"
            "The x86 replayer behind `hvtrace replay`; see `hvtrace --help`.\n");
    return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
