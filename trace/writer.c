/*
 * writer.c — see writer.h. A chunk reaches the file with one write() where
 * possible; if a write fails (a full disk, an I/O error) the file is cut back
 * to the last whole chunk, the error is reported once, and recording stops:
 * what is on disk is a valid, replayable prefix.
 *
 * Compact chunks (1.3): each record's header is its type and stored size as
 * varints; the hot records are coded against the same vCPU's previous exit
 * in the chunk (compact.c), from state that starts at zero in every chunk.
 * The encoding works in a stack buffer: nothing is allocated per record.
 */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(struct hvt_writer *w, int err)
{
    if (w->failed)
        return;
    w->failed = true;
    fprintf(stderr,
            "hvmodel: trace: writing %s failed at offset %llu: %s; recording stops and the "
            "trace keeps its first %llu bytes\n",
            w->path, (unsigned long long)w->offset, strerror(err), (unsigned long long)w->offset);
    if (ftruncate(w->fd, (off_t)w->offset) != 0) {
        /* Nothing more to do: a reader stops at the torn chunk anyway. */
    }
}

static bool write_all(struct hvt_writer *w, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            fail(w, k < 0 ? errno : ENOSPC);
            return false;
        }
        p += k;
        n -= (size_t)k;
    }
    return true;
}

int hvt_writer_open(struct hvt_writer *w, const char *path, const struct hvt_header *h)
{
    memset(w, 0, sizeof(*w));
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return -errno;
    w->path = strdup(path);
    w->cap = HVT_CHUNK_TARGET + 64;
    w->compact = h->minor >= HVT_MINOR_COMPACT;
    w->chunk_hdr = w->compact ? HVT_ZCHUNK_HDR : HVT_CHUNK_HDR;
    w->buf = malloc(w->chunk_hdr + w->cap);
    if (!w->path || !w->buf) {
        close(w->fd);
        free(w->path);
        free(w->buf);
        return -ENOMEM;
    }
    uint8_t hdr[HVT_HEADER_SIZE];
    hvt_header_encode(h, hdr);
    if (!write_all(w, hdr, sizeof(hdr))) {
        close(w->fd);
        w->fd = -1;
        free(w->path);
        free(w->buf);
        w->path = NULL;
        w->buf = NULL;
        return -EIO;
    }
    w->offset = sizeof(hdr);
    return 0;
}

/* The chunk is done: the next one starts with no delta state. */
static void chunk_reset(struct hvt_writer *w)
{
    w->len = w->nrec = w->chunk_exits = 0;
    if (w->compact)
        hvt_cstate_reset(&w->cs);
}

void hvt_writer_flush(struct hvt_writer *w)
{
    if (!w->nrec || w->failed) {
        chunk_reset(w);
        return;
    }
    uint8_t *c = w->buf;
    const uint8_t *payload = c + w->chunk_hdr;
    hvt_put32(c + 4, w->len);
    hvt_put32(c + 8, w->nrec);
    if (w->compact) {
        /* The CRC covers size, count and first seq as well as the payload. */
        memcpy(c, HVT_ZCHUNK_MAGIC, 4);
        hvt_put64(c + 16, w->seq - w->nrec);
        uint32_t crc = hvt_crc32c(0, c + 4, 8);
        crc = hvt_crc32c(crc, c + 16, 8);
        hvt_put32(c + 12, hvt_crc32c(crc, payload, w->len));
    } else {
        memcpy(c, HVT_CHUNK_MAGIC, 4);
        hvt_put32(c + 12, hvt_crc32c(0, payload, w->len));
    }
    if (write_all(w, c, w->chunk_hdr + (size_t)w->len))
        w->offset += w->chunk_hdr + (uint64_t)w->len;
    chunk_reset(w);
}

/* Room for need more payload bytes in the chunk: flushes or grows. */
static bool make_room(struct hvt_writer *w, uint32_t need)
{
    if (w->len + need > w->cap && w->len)
        hvt_writer_flush(w);
    if (need > w->cap) {
        uint8_t *b = realloc(w->buf, w->chunk_hdr + (size_t)need);
        if (!b) {
            fail(w, ENOMEM);
            return false;
        }
        w->buf = b;
        w->cap = need;
    }
    return !w->failed;
}

static void record_classic(struct hvt_writer *w, uint16_t type, const uint8_t *payload,
                           uint32_t len)
{
    if (!make_room(w, HVT_RECORD_HDR + len))
        return;
    uint8_t *r = w->buf + w->chunk_hdr + w->len;
    hvt_put16(r, type);
    hvt_put16(r + 2, 0);
    hvt_put32(r + 4, len);
    hvt_put64(r + 8, w->seq);
    if (len)
        memcpy(r + HVT_RECORD_HDR, payload, len);
    w->len += HVT_RECORD_HDR + len;
}

static void record_compact(struct hvt_writer *w, uint16_t type, const uint8_t *payload,
                           uint32_t len)
{
    uint8_t z[HVT_COMPACT_MAX], hdr[HVT_CREC_HDR_MAX];
    bool coded = hvt_is_compact_type(type);
    if (coded && len != hvt_payload_size(type)) {
        fail(w, EINVAL); /* a caller's bug: the record cannot be coded */
        return;
    }
    uint32_t zlen = coded ? hvt_compact_encode(&w->cs, type, payload, z) : len;
    size_t h = hvt_varint_put(hdr, type);
    h += hvt_varint_put(hdr + h, zlen);
    if (coded && w->len + h + zlen > w->cap) {
        /* It starts the next chunk, whose delta state starts at zero. */
        hvt_writer_flush(w);
        zlen = hvt_compact_encode(&w->cs, type, payload, z);
        h = hvt_varint_put(hdr, type);
        h += hvt_varint_put(hdr + h, zlen);
    }
    if (!make_room(w, (uint32_t)h + zlen))
        return;
    uint8_t *r = w->buf + w->chunk_hdr + w->len;
    memcpy(r, hdr, h);
    if (zlen)
        memcpy(r + h, coded ? z : payload, zlen);
    w->len += (uint32_t)h + zlen;
}

void hvt_writer_record(struct hvt_writer *w, uint16_t type, const uint8_t *payload, uint32_t len)
{
    if (w->failed || w->fd < 0)
        return;
    if (w->compact)
        record_compact(w, type, payload, len);
    else
        record_classic(w, type, payload, len);
    if (w->failed)
        return;
    w->seq++;
    w->nrec++;
    if (hvt_is_exit(type)) {
        w->exits++;
        w->chunk_exits++;
    }
    /* Chunk boundaries depend only on the records, so two recordings of the
     * same run are the same bytes. */
    if (w->len >= HVT_CHUNK_TARGET || w->chunk_exits >= HVT_CHUNK_EXITS)
        hvt_writer_flush(w);
}

static void release(struct hvt_writer *w)
{
    hvt_writer_flush(w);
    close(w->fd);
    w->fd = -1;
    free(w->buf);
    free(w->path);
    w->buf = NULL;
    w->path = NULL;
}

void hvt_writer_abandon(struct hvt_writer *w)
{
    if (w->fd >= 0)
        release(w);
}

void hvt_writer_close(struct hvt_writer *w)
{
    if (w->fd < 0)
        return;
    uint8_t end[16];
    hvt_put64(end, w->seq);
    hvt_put64(end + 8, w->exits);
    hvt_writer_record(w, HVT_END, end, sizeof(end));
    release(w);
}
