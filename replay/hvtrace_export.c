/*
 * hvtrace_export.c — hvtrace export (being written).
 */
#include "hvtrace.h"

int cmd_export(int argc, char **argv)
{
    fprintf(stderr, "hvtrace export: not available in this build\n");
    return 2;
}
