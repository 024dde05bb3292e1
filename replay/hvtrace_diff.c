/*
 * hvtrace_diff.c — hvtrace diff (being written).
 */
#include "hvtrace.h"

int cmd_diff(int argc, char **argv)
{
    fprintf(stderr, "hvtrace diff: not available in this build\n");
    return 2;
}
