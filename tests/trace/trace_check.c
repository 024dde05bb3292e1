/*
 * trace_check.c — see trace_check.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../trace/reader.h"
#include "trace/trace_check.h"

uint8_t *trace_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    uint8_t *p = malloc(len ? (size_t)len : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

struct trace_buf trace_file(const char *path)
{
    struct trace_buf b;
    b.p = trace_slurp(path, &b.n);
    return b;
}

bool trace_names_offset(const char *msg, uint64_t off)
{
    for (const char *s = msg; (s = strstr(s, "offset ")) != NULL;) {
        s += 7;
        char *e;
        unsigned long long v = strtoull(s, &e, 10);
        if (e != s && v == off)
            return true;
    }
    return false;
}

enum hvt_status trace_read_mem(const void *p, size_t n, struct hvt_reader *r, size_t *got)
{
    assert_int_equal(hvt_reader_open_mem(r, p, n), 0);
    struct hvt_record rec;
    enum hvt_status st;
    *got = 0;
    while ((st = hvt_reader_next(r, &rec)) == HVT_OK)
        (*got)++;
    return st;
}

void assert_trace_error_at(const void *p, size_t n, uint64_t off, const char *what)
{
    struct hvt_reader r;
    size_t got;
    assert_int_equal(trace_read_mem(p, n, &r, &got), HVT_ERROR);
    if (!trace_names_offset(r.err, off) || !strstr(r.err, what))
        fail_msg("expected \"offset %llu\" and \"%s\" in \"%s\"", (unsigned long long)off, what,
                 r.err);
    hvt_reader_close(&r);
}

void trace_tmp_path(char *out, size_t n, const char *test, const char *name)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(out, n, "%s/hvmodel-%s-%d-%s", dir, test, (int)getpid(), name);
}

void assert_same_trace_bytes(const char *a_path, const char *b_path)
{
    size_t na, nb;
    uint8_t *a = trace_slurp(a_path, &na), *b = trace_slurp(b_path, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

uint64_t trace_nth_record(const char *path, uint16_t type, unsigned at, uint32_t key, unsigned n)
{
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, path), 0);
    struct hvt_record rec;
    uint64_t seq = UINT64_MAX;
    while (hvt_reader_next(&r, &rec) == HVT_OK)
        if (rec.type == type && hvt_get32(rec.payload + at) == key && n-- == 0) {
            seq = rec.seq;
            break;
        }
    hvt_reader_close(&r);
    assert_true(seq != UINT64_MAX);
    return seq;
}

void assert_trace_replays_clean(const char *path, uint64_t exits)
{
    struct replay_result res;
    int rc = replay_file(path, NULL, &res);
    if (rc)
        fail_msg("replay: rc %d, %s", rc, res.error);
    assert_int_equal(res.exits, exits);
    assert_true(res.clean);
    assert_false(res.diverged);
}

void trace_replay_changed(const char *path, const char *log_path, uint64_t seq, uint64_t value,
                          struct replay_result *res, char *text, size_t size)
{
    FILE *log = fopen(log_path, "w+");
    assert_non_null(log);
    struct replay_opts o = {
        .log = log, .has_override = true, .override_seq = seq, .override_value = value};
    assert_int_equal(replay_file(path, &o, res), 1);
    fflush(log);
    rewind(log);
    memset(text, 0, size);
    size_t n = fread(text, 1, size - 1, log);
    fclose(log);
    if (!getenv("HVMODEL_KEEP"))
        unlink(log_path);
    assert_true(n > 0);
}
