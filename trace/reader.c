/*
 * reader.c — see reader.h. The whole file is read into memory; every length
 * is checked against what remains before it is used. Compact records (1.3)
 * are expanded into blocks that live as long as the reader, so a record's
 * payload stays where it is while later records are read.
 */
#include "reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum hvt_status error(struct hvt_reader *r, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum hvt_status error(struct hvt_reader *r, size_t off, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, sizeof(r->err), "offset %zu: ", off);
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return HVT_ERROR;
}

static int parse_header(struct hvt_reader *r)
{
    const uint8_t *p = r->data;
    if (r->size < HVT_HEADER_SIZE) {
        error(r, r->size, "file too short for the %u-byte header (%zu bytes)", HVT_HEADER_SIZE,
              r->size);
        return -1;
    }
    if (memcmp(p, HVT_MAGIC, 8)) {
        error(r, 0, "bad magic: not an hvmodel trace");
        return -1;
    }
    struct hvt_header *h = &r->hdr;
    h->major = hvt_get16(p + 8);
    h->minor = hvt_get16(p + 10);
    if (h->major != HVT_MAJOR) {
        error(r, 8, "format version %u.%u; this reader reads version %u.x", h->major, h->minor,
              HVT_MAJOR);
        return -1;
    }
    if (hvt_get32(p + 12) != HVT_HEADER_SIZE) {
        error(r, 12, "header size %u, expected %u", hvt_get32(p + 12), HVT_HEADER_SIZE);
        return -1;
    }
    uint32_t crc = hvt_crc32c(0, p, 76);
    if (hvt_get32(p + 76) != crc) {
        error(r, 76, "header CRC mismatch (stored 0x%08x, computed 0x%08x)", hvt_get32(p + 76),
              crc);
        return -1;
    }
    h->flavour = hvt_get32(p + 16);
    h->unicorn = hvt_get32(p + 20);
    memcpy(h->model_version, p + 24, 32);
    h->model_version[32] = 0;
    h->ipa_bits = hvt_get32(p + 56);
    h->granule = hvt_get32(p + 60);
    h->insns_per_tick = hvt_get32(p + 64);
    if (h->flavour != HVT_FLAVOUR_ARM64 && h->flavour != HVT_FLAVOUR_X86) {
        error(r, 16, "unknown flavour %u", h->flavour);
        return -1;
    }
    if (h->ipa_bits < 32 || h->ipa_bits > 52 || (h->granule != 4096 && h->granule != 16384) ||
        h->insns_per_tick == 0 || hvt_get32(p + 68) || hvt_get32(p + 72)) {
        error(r, 56, "implausible VM configuration (ipa %u bits, granule %u, %u insns/tick)",
              h->ipa_bits, h->granule, h->insns_per_tick);
        return -1;
    }
    r->off = HVT_HEADER_SIZE;
    r->compact = h->minor >= HVT_MINOR_COMPACT;
    return 0;
}

/* ---- room for expanded payloads ---- */

#define ARENA_BLOCK (64u << 10)

struct hvt_arena {
    struct hvt_arena *next;
    size_t used;
    uint8_t data[ARENA_BLOCK];
};

static uint8_t *arena_take(struct hvt_reader *r, size_t n)
{
    struct hvt_arena *a = r->expanded;
    if (!a || ARENA_BLOCK - a->used < n) {
        a = malloc(sizeof(*a));
        if (!a)
            return NULL;
        a->next = r->expanded;
        a->used = 0;
        r->expanded = a;
    }
    uint8_t *p = a->data + a->used;
    a->used += n;
    return p;
}

/* A reader whose header is bad holds no memory: callers need not close it. */
static int opened(struct hvt_reader *r)
{
    if (parse_header(r) == 0)
        return 0;
    free(r->data);
    r->data = NULL;
    return -1;
}

int hvt_reader_open_mem(struct hvt_reader *r, const void *data, size_t size)
{
    memset(r, 0, sizeof(*r));
    r->data = malloc(size ? size : 1);
    if (!r->data) {
        error(r, 0, "out of memory");
        return -1;
    }
    if (size)
        memcpy(r->data, data, size);
    r->size = size;
    return opened(r);
}

int hvt_reader_open_file(struct hvt_reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(r->err, sizeof(r->err), "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(r->err, sizeof(r->err), "%s: cannot read the file", path);
        return -1;
    }
    r->data = buf;
    r->size = n;
    return opened(r);
}

void hvt_reader_close(struct hvt_reader *r)
{
    free(r->data);
    r->data = NULL;
    while (r->expanded) {
        struct hvt_arena *next = r->expanded->next;
        free(r->expanded);
        r->expanded = next;
    }
}

/* Starts the next chunk. HVT_DONE at the end of the data or at a torn
 * (incomplete) final chunk, which is how a killed recorder leaves a file. */
static enum hvt_status next_chunk(struct hvt_reader *r)
{
    size_t off = r->off, left = r->size - off;
    size_t hdr = r->compact ? HVT_ZCHUNK_HDR : HVT_CHUNK_HDR;
    uint32_t min_rec = r->compact ? HVT_ZRECORD_MIN : HVT_RECORD_HDR;
    if (left == 0)
        return HVT_DONE;
    if (left < hdr) {
        r->truncated = true;
        snprintf(r->err, sizeof(r->err), "offset %zu: trace ends inside a chunk header", off);
        return HVT_DONE;
    }
    const uint8_t *c = r->data + off;
    if (memcmp(c, r->compact ? HVT_ZCHUNK_MAGIC : HVT_CHUNK_MAGIC, 4)) {
        if (!memcmp(c, r->compact ? HVT_CHUNK_MAGIC : HVT_ZCHUNK_MAGIC, 4))
            return error(r, off, "bad chunk magic: a %s chunk in a format %u.%u trace",
                         r->compact ? "1.2" : "compact (1.3)", r->hdr.major, r->hdr.minor);
        return error(r, off, "bad chunk magic");
    }
    uint32_t len = hvt_get32(c + 4), count = hvt_get32(c + 8);
    if (len == 0 || len > HVT_CHUNK_MAX || count == 0 || count > len / min_rec)
        return error(r, off, "bad chunk header (%u bytes, %u records)", len, count);
    if (len > left - hdr) {
        r->truncated = true;
        snprintf(r->err, sizeof(r->err),
                 "offset %zu: trace ends inside a chunk (%u of its %u bytes present)", off,
                 (unsigned)(left - hdr), len);
        return HVT_DONE;
    }
    uint32_t crc;
    if (r->compact) {
        crc = hvt_crc32c(0, c + 4, 8);
        crc = hvt_crc32c(crc, c + 16, 8);
        crc = hvt_crc32c(crc, c + hdr, len);
    } else {
        crc = hvt_crc32c(0, c + hdr, len);
    }
    if (hvt_get32(c + 12) != crc)
        return error(r, off, "chunk CRC mismatch (stored 0x%08x, computed 0x%08x)",
                     hvt_get32(c + 12), crc);
    if (r->compact) {
        if (hvt_get64(c + 16) != r->next_seq)
            return error(r, off, "chunk starts at record %llu, expected %llu",
                         (unsigned long long)hvt_get64(c + 16), (unsigned long long)r->next_seq);
        hvt_cstate_reset(&r->cs); /* deltas start again in every chunk */
    }
    r->rec_off = off + hdr;
    r->chunk_end = r->rec_off + len;
    r->chunk_left = count;
    r->off = r->chunk_end;
    return HVT_OK;
}

/* A 1.0-1.2 record header. */
static enum hvt_status classic_header(struct hvt_reader *r, struct hvt_record *rec)
{
    size_t off = r->rec_off;
    if (r->chunk_end - off < HVT_RECORD_HDR)
        return error(r, off, "record header runs past the end of its chunk");
    const uint8_t *p = r->data + off;
    rec->type = hvt_get16(p);
    rec->size = hvt_get32(p + 4);
    rec->seq = hvt_get64(p + 8);
    rec->offset = off;
    rec->payload = p + HVT_RECORD_HDR;
    if (hvt_get16(p + 2))
        return error(r, off, "reserved record field is not 0");
    if (rec->size > r->chunk_end - off - HVT_RECORD_HDR)
        return error(r, off, "record of %u bytes runs past the end of its chunk", rec->size);
    rec->stored = HVT_RECORD_HDR + rec->size;
    if (rec->seq != r->next_seq)
        return error(r, off, "record sequence %llu, expected %llu", (unsigned long long)rec->seq,
                     (unsigned long long)r->next_seq);
    return HVT_OK;
}

/* A compact record header (1.3): varint type, varint size. */
static enum hvt_status compact_header(struct hvt_reader *r, struct hvt_record *rec)
{
    size_t off = r->rec_off, left = r->chunk_end - off;
    const uint8_t *p = r->data + off;
    uint64_t type, size;
    size_t a = hvt_varint_get(p, left, &type);
    if (!a || type > UINT16_MAX)
        return error(r, off, "bad record type varint (or it runs past the end of its chunk)");
    size_t b = hvt_varint_get(p + a, left - a, &size);
    if (!b)
        return error(r, off, "bad record size varint (or it runs past the end of its chunk)");
    if (size > left - a - b)
        return error(r, off, "record of %llu bytes runs past the end of its chunk",
                     (unsigned long long)size);
    rec->type = (uint16_t)type;
    rec->size = (uint32_t)size;
    rec->stored = (uint32_t)(a + b + size);
    rec->seq = r->next_seq;
    rec->offset = off;
    rec->payload = p + a + b;
    return HVT_OK;
}

enum hvt_status hvt_reader_next(struct hvt_reader *r, struct hvt_record *rec)
{
    if (r->clean) {
        if (r->off != r->size)
            return error(r, r->off, "data after the END record");
        return HVT_DONE;
    }
    if (r->chunk_left == 0) {
        if (r->rec_off != r->chunk_end)
            return error(r, r->rec_off, "chunk has bytes after its last record");
        enum hvt_status st = next_chunk(r);
        if (st != HVT_OK)
            return st;
    }
    size_t off = r->rec_off;
    enum hvt_status st = r->compact ? compact_header(r, rec) : classic_header(r, rec);
    if (st != HVT_OK)
        return st;
    const char *name = hvt_type_name(rec->type);
    if (!name) {
        if (r->hdr.minor <= HVT_MINOR)
            return error(r, off, "unknown record type %u", rec->type);
        /* A newer minor: pass it up; replay refuses it by name and offset. */
    } else if (hvt_type_minor(rec->type) > r->hdr.minor) {
        return error(r, off, "record type %u (%s) is not defined in format %u.%u", rec->type, name,
                     r->hdr.major, r->hdr.minor);
    } else if (r->compact && hvt_is_compact_type(rec->type)) {
        uint8_t *canon = arena_take(r, hvt_payload_size(rec->type));
        if (!canon)
            return error(r, off, "out of memory");
        const char *why = hvt_compact_decode(&r->cs, rec->type, rec->payload, rec->size, canon);
        if (why)
            return error(r, off, "compact %s record of %u bytes: %s", name, rec->size, why);
        rec->payload = canon;
        rec->size = hvt_payload_size(rec->type);
    } else if (rec->type == HVT_MEM) {
        if (rec->size < 16 || hvt_get32(rec->payload + 12) != rec->size - 16)
            return error(r, off, "MEM record of %u bytes has an inconsistent length", rec->size);
    } else if (rec->type == HVT_SET_FPSTATE) {
        if (rec->size < 8 || hvt_get32(rec->payload + 4) != rec->size - 8 ||
            rec->size - 8 > HVT_FPSTATE_MAX)
            return error(r, off, "SET_FPSTATE record of %u bytes has an inconsistent length",
                         rec->size);
    } else if (rec->type == HVT_GIC_SET_STATE) {
        if (rec->size < 4 || hvt_get32(rec->payload) != rec->size - 4 ||
            rec->size - 4 > HVT_GIC_STATE_MAX)
            return error(r, off, "GIC_SET_STATE record of %u bytes has an inconsistent length",
                         rec->size);
    } else if (rec->size != hvt_payload_size(rec->type)) {
        return error(r, off, "%s record of %u bytes, expected %u", name, rec->size,
                     hvt_payload_size(rec->type));
    }
    size_t next = off + rec->stored;
    if (rec->type == HVT_END) {
        /* Checked before it counts: a bad END never makes a trace clean. */
        uint64_t records = hvt_get64(rec->payload);
        if (records != rec->seq)
            return error(r, off, "END counts %llu records, the trace has %llu",
                         (unsigned long long)records, (unsigned long long)rec->seq);
        if (r->chunk_left != 1 || next != r->chunk_end)
            return error(r, next, "data after the END record");
        r->clean = true;
        r->end_records = records;
        r->end_exits = hvt_get64(rec->payload + 8);
    }
    r->rec_off = next;
    r->chunk_left--;
    r->next_seq++;
    return HVT_OK;
}
