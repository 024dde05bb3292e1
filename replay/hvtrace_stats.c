/*
 * hvtrace_stats.c — hvtrace stats (being written).
 */
#include "hvtrace.h"

int cmd_stats(int argc, char **argv)
{
    fprintf(stderr, "hvtrace stats: not available in this build\n");
    return 2;
}
