/*
 * writer.c — see writer.h. A chunk reaches the file with one write() where
 * possible; if a write fails (a full disk, an I/O error) the file is cut back
 * to the last whole chunk, the error is reported once, and recording stops:
 * what is on disk is a valid, replayable prefix.
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
    w->buf = malloc(HVT_CHUNK_HDR + w->cap);
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

void hvt_writer_flush(struct hvt_writer *w)
{
    if (!w->nrec || w->failed) {
        w->len = w->nrec = w->chunk_exits = 0;
        return;
    }
    uint8_t *c = w->buf;
    memcpy(c, HVT_CHUNK_MAGIC, 4);
    hvt_put32(c + 4, w->len);
    hvt_put32(c + 8, w->nrec);
    hvt_put32(c + 12, hvt_crc32c(0, c + HVT_CHUNK_HDR, w->len));
    if (write_all(w, c, HVT_CHUNK_HDR + (size_t)w->len))
        w->offset += HVT_CHUNK_HDR + (uint64_t)w->len;
    w->len = w->nrec = w->chunk_exits = 0;
}

void hvt_writer_record(struct hvt_writer *w, uint16_t type, const uint8_t *payload, uint32_t len)
{
    if (w->failed || w->fd < 0)
        return;
    uint32_t need = HVT_RECORD_HDR + len;
    if (w->len + need > w->cap && w->len)
        hvt_writer_flush(w);
    if (need > w->cap) {
        uint8_t *b = realloc(w->buf, HVT_CHUNK_HDR + (size_t)need);
        if (!b) {
            fail(w, ENOMEM);
            return;
        }
        w->buf = b;
        w->cap = need;
    }
    uint8_t *r = w->buf + HVT_CHUNK_HDR + w->len;
    hvt_put16(r, type);
    hvt_put16(r + 2, 0);
    hvt_put32(r + 4, len);
    hvt_put64(r + 8, w->seq++);
    if (len)
        memcpy(r + HVT_RECORD_HDR, payload, len);
    w->len += need;
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
