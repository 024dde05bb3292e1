/*
 * trace_size.c — where the bytes of a trace go: per record type, per exit,
 * with and without the MEM records (memory the VMM wrote). Reads the trace
 * with the project's own checked reader (trace/reader.c, compiled in).
 *
 *   bench-arm64 trace-size <trace.hvt>
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "../trace/reader.h"

int trace_size_read(const char *path, struct trace_size *out)
{
    memset(out, 0, sizeof(*out));
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    out->file_bytes = (uint64_t)st.st_size;
    struct hvt_reader r;
    if (hvt_reader_open_file(&r, path) != 0) {
        fprintf(stderr, "bench-arm64: %s: %s\n", path, r.err);
        return -1;
    }
    struct hvt_record rec;
    enum hvt_status s;
    while ((s = hvt_reader_next(&r, &rec)) == HVT_OK) {
        uint64_t bytes = rec.stored; /* in the file: compact records are smaller */
        unsigned t = rec.type < 32 ? rec.type : 0;
        out->records++;
        out->bytes_by_type[t] += bytes;
        out->count_by_type[t]++;
        if (hvt_is_exit(rec.type))
            out->exits++;
        if (rec.type == HVT_MEM)
            out->mem_bytes += bytes;
    }
    if (s == HVT_ERROR)
        fprintf(stderr, "bench-arm64: %s: %s\n", path, r.err);
    hvt_reader_close(&r);
    return s == HVT_ERROR ? -1 : 0;
}

int trace_size_main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-arm64 trace-size <trace.hvt>\n");
        return 2;
    }
    struct trace_size ts;
    if (trace_size_read(argv[1], &ts) != 0)
        return 1;
    double ex = ts.exits ? (double)ts.exits : 1.0;
    printf("%s: %llu bytes, %llu records, %llu exits\n", argv[1], (unsigned long long)ts.file_bytes,
           (unsigned long long)ts.records, (unsigned long long)ts.exits);
    printf("  bytes per exit: %.1f (file), %.1f (without MEM records)\n",
           (double)ts.file_bytes / ex, (double)(ts.file_bytes - ts.mem_bytes) / ex);
    for (unsigned t = 1; t < 32; t++)
        if (ts.count_by_type[t])
            printf("  %-18s %8llu records %10llu bytes  %7.1f bytes/exit\n", hvt_type_name(t),
                   (unsigned long long)ts.count_by_type[t], (unsigned long long)ts.bytes_by_type[t],
                   (double)ts.bytes_by_type[t] / ex);
    return 0;
}
