/*
 * trace_check.h — what the recording tests of both flavours do with a trace
 * file: compare two recordings byte for byte, find a record by its fields,
 * replay it clean, and replay it with one input changed.
 */
#ifndef HVMODEL_TESTS_TRACE_CHECK_H
#define HVMODEL_TESTS_TRACE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "../../replay/replay.h"
#include "../../trace/reader.h"

/* The whole file, malloc'ed; its size in *n. */
uint8_t *trace_slurp(const char *path, size_t *n);
/* The same as a buffer (free p). */
struct trace_buf {
    uint8_t *p;
    size_t n;
};
struct trace_buf trace_file(const char *path);
/* A scratch file name: $TMPDIR (or /tmp)/hvmodel-<test>-<pid>-<name>. */
void trace_tmp_path(char *out, size_t n, const char *test, const char *name);
/* Does msg name "offset <off>"? */
bool trace_names_offset(const char *msg, uint64_t off);
/* Opens the trace in memory (its header must be valid) and reads records
 * until it stops; *got counts them. The reader is left open. */
enum hvt_status trace_read_mem(const void *p, size_t n, struct hvt_reader *r, size_t *got);
/* Reading the trace in memory ends in an error that names offset off and
 * says `what`. */
void assert_trace_error_at(const void *p, size_t n, uint64_t off, const char *what);
/* The two files hold the same bytes. */
void assert_same_trace_bytes(const char *a, const char *b);
/* The sequence number of the n-th (0-based) record of type whose u32 at
 * payload offset `at` equals key; fails the test if there is none. */
uint64_t trace_nth_record(const char *path, uint16_t type, unsigned at, uint32_t key, unsigned n);
/* Replays path: no error, exactly `exits` exits, clean, no divergence. */
void assert_trace_replays_clean(const char *path, uint64_t exits);
/* Replays path with record seq's value replaced, logging to log_path:
 * replay_file must answer 1 (diverged). The log, NUL-terminated, is left
 * in text (at most size - 1 bytes, at least one); log_path is removed
 * unless HVMODEL_KEEP is set. */
void trace_replay_changed(const char *path, const char *log_path, uint64_t seq, uint64_t value,
                          struct replay_result *res, char *text, size_t size);

#endif
