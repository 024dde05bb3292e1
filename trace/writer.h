/*
 * writer.h — appends records to a trace file in CRC-checked chunks
 * (FORMAT.md). Not thread-safe: the recorder serialises calls.
 */
#ifndef HVMODEL_TRACE_WRITER_H
#define HVMODEL_TRACE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "compact.h"
#include "format.h"

struct hvt_writer {
    int fd;
    char *path;
    uint8_t *buf; /* chunk header room + payload being built */
    uint32_t len; /* payload bytes in buf */
    uint32_t cap;
    uint32_t nrec;
    uint32_t chunk_exits; /* EXIT records in the pending chunk */
    uint64_t seq;         /* seq of the next record */
    uint64_t exits;       /* EXIT records written */
    uint64_t offset;      /* bytes safely in the file */
    bool failed;          /* a write failed: the file keeps its first `offset` bytes */
    bool compact;         /* format 1.3 and later: compact chunks (FORMAT.md) */
    uint32_t chunk_hdr;   /* bytes of the chunk header at the front of buf */
    struct hvt_cstate cs; /* compact chunks: the per-vCPU delta state */
};

/* Creates (truncates) path and writes the header. Returns 0 or -errno.
 * A header of minor 3 or later makes compact chunks, an older minor the
 * chunks of that version (for tests and tools that write old traces). */
int hvt_writer_open(struct hvt_writer *w, const char *path, const struct hvt_header *h);
/* Appends one record (its canonical payload, the 1.2 layout); flushes a
 * chunk when it reaches HVT_CHUNK_TARGET. In a compact trace a record of a
 * compact type must have its exact size, or recording stops (EINVAL). */
void hvt_writer_record(struct hvt_writer *w, uint16_t type, const uint8_t *payload, uint32_t len);
/* Writes the pending records as one chunk. */
void hvt_writer_flush(struct hvt_writer *w);
/* Appends END, flushes and closes. */
void hvt_writer_close(struct hvt_writer *w);
/* Flushes and closes without END: the file is a valid, unfinished prefix. */
void hvt_writer_abandon(struct hvt_writer *w);

#endif
