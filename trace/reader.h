/*
 * reader.h — reads a trace with every field checked (FORMAT.md). Bad input
 * never crashes it: it stops with a message naming the byte offset.
 */
#ifndef HVMODEL_TRACE_READER_H
#define HVMODEL_TRACE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compact.h"
#include "format.h"

struct hvt_arena;

/* A record as the 1.2 layout has it, whatever its encoding in the file: a
 * compact record (1.3) is expanded to its canonical payload. The payload
 * stays valid until the reader is closed. */
struct hvt_record {
    uint16_t type;
    uint64_t seq;
    uint64_t offset; /* of the record header in the file */
    const uint8_t *payload;
    uint32_t size;   /* of the canonical payload */
    uint32_t stored; /* bytes the record takes in the file, its header included */
};

enum hvt_status {
    HVT_OK = 1,     /* a record was returned */
    HVT_DONE = 0,   /* no more records (see clean / truncated) */
    HVT_ERROR = -1, /* corrupt input: see err */
};

struct hvt_reader {
    uint8_t *data;
    size_t size;
    size_t off;       /* next chunk */
    size_t chunk_end; /* end of the current chunk's payload */
    size_t rec_off;   /* next record inside the chunk */
    uint32_t chunk_left;
    uint64_t next_seq;
    struct hvt_header hdr;
    bool clean;     /* ended with an END record */
    bool truncated; /* ended at an incomplete chunk (a killed recorder) */
    uint64_t end_records, end_exits;
    char err[256];              /* the error, or why the trace ended early */
    bool compact;               /* format 1.3 and later: compact chunks */
    struct hvt_cstate cs;       /* their per-vCPU delta state */
    struct hvt_arena *expanded; /* canonical payloads of compact records */
};

/* Opens a trace file / a buffer (copied). Returns 0, or -1 with r->err (the
 * reader then holds nothing and needs no close). */
int hvt_reader_open_file(struct hvt_reader *r, const char *path);
int hvt_reader_open_mem(struct hvt_reader *r, const void *data, size_t size);
enum hvt_status hvt_reader_next(struct hvt_reader *r, struct hvt_record *rec);
void hvt_reader_close(struct hvt_reader *r);

#endif
