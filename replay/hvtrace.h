/*
 * hvtrace.h — the subcommands of the hvtrace command and their helpers.
 */
#ifndef HVMODEL_HVTRACE_H
#define HVMODEL_HVTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../trace/format.h"
#include "../trace/reader.h"

/* Each takes argv[0] = the command's name; returns the exit status. */
int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);   /* hvtrace_diff.c */
int cmd_stats(int argc, char **argv);  /* hvtrace_stats.c */
int cmd_export(int argc, char **argv); /* hvtrace_export.c */

/* For a trace of the other flavour, runs the sibling program (hvtrace or
 * hvtrace-x86, installed next to this one) with the same subcommand and
 * arguments (argv[0] is the subcommand) and returns only on failure (status
 * 2). Returns -1 when this program takes the trace itself. */
int hvtrace_hand_over(uint32_t flavour, int argc, char **argv);

/* Opens a trace, printing the error; 0 or -1. */
int hvtrace_open(struct hvt_reader *r, const char *path);
/* After the last hvt_reader_next: reports an error (returns 2) or a torn
 * end (a note; returns 0). */
int hvtrace_finish(struct hvt_reader *r, enum hvt_status st, const char *path);
/* One-line description of a record's payload. */
void hvtrace_describe(const struct hvt_record *r, char *buf, size_t n);
const char *hvtrace_reason_name(uint32_t reason);
/* The name of a VMX basic exit reason (EXIT_X86), or "?". */
const char *hvtrace_vmx_reason_name(uint32_t reason);
/* The name of an exception class hvtrace knows ("data abort", "HVC" ...),
 * or NULL (shown as "EC 0xNN"). */
const char *hvtrace_ec_name(unsigned ec);

#endif
