/*
 * test_trace_reader.c — the trace reader and replay against good, cut,
 * corrupted and changed traces (trace/FORMAT.md): every record type written
 * by the writer reads back field for field; every prefix of a recording
 * reads as exactly its complete chunks and replays them; every flipped bit,
 * garbage input, unknown version or malformed record is an error naming a
 * byte offset; a changed input or exit makes replay report the exit it
 * affects and the field that differs; a recorder killed with SIGKILL or
 * stopped by a failing write leaves a trace that replays.
 */
#define _GNU_SOURCE
#include "arm64/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <guest_trace_loop_syms.h>

#include "../../replay/replay.h"
#include "../../trace/reader.h"
#include "../../trace/writer.h"
#include "trace_check.h"

extern const unsigned char guest_trace_loop[];
extern const unsigned int guest_trace_loop_len;

#define ESR_HVC1 ESR_HVC(1)

/* The recorded scenario: ADD_EXITS rounds of add_loop, X2 changed by the
 * VMM after CHANGE_AT exits. */
#define ADD_EXITS 150u
#define CHANGE_AT 10u
#define X1_START  40u
#define X2_START  2u
#define X2_LATER  1000u

/* ---- files ---- */

static void tmp_path(char *out, size_t n, const char *name)
{
    trace_tmp_path(out, n, "trace-reader", name);
}

static void spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* True if msg contains "offset <off>" (the reader's way of naming a byte). */
/* The first offset msg names, or -1. */
static long long named_offset(const char *msg)
{
    const char *s = strstr(msg, "offset ");
    if (!s)
        return -1;
    char *e;
    unsigned long long v = strtoull(s + 7, &e, 10);
    return e == s + 7 ? -1 : (long long)v;
}

/* ---- the chunk layout, parsed here independently of the reader ---- */

struct chunk {
    size_t off, end;
    uint32_t nrec, nexit;
};

/* A trace of format 1.3 or later has compact chunks (FORMAT.md). */
static bool is_compact(const uint8_t *file)
{
    return hvt_get16(file + 10) >= 3;
}

/* A varint of a compact record header (at most 3 bytes here). */
static uint32_t small_varint(const uint8_t *p, size_t *at)
{
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        assert_true(shift < 21);
        uint8_t b = p[(*at)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

static size_t chunk_map(const struct trace_buf *b, struct chunk *c, size_t max)
{
    bool z = is_compact(b->p);
    size_t hdr = z ? 24 : 16, off = HVT_HEADER_SIZE, k = 0;
    while (off < b->n) {
        assert_true(k < max);
        assert_true(b->n - off >= hdr);
        assert_memory_equal(b->p + off, z ? "HVMZ" : "HVMC", 4);
        c[k].off = off;
        c[k].end = off + hdr + hvt_get32(b->p + off + 4);
        c[k].nrec = hvt_get32(b->p + off + 8);
        c[k].nexit = 0;
        assert_true(c[k].end <= b->n);
        size_t ro = off + hdr;
        for (uint32_t i = 0; i < c[k].nrec; i++) {
            if (z) {
                uint32_t type = small_varint(b->p, &ro);
                ro += small_varint(b->p, &ro);
                c[k].nexit += type == HVT_EXIT;
            } else {
                c[k].nexit += hvt_get16(b->p + ro) == HVT_EXIT;
                ro += 16 + hvt_get32(b->p + ro + 4);
            }
        }
        assert_int_equal(ro, c[k].end);
        off = c[k++].end;
    }
    assert_int_equal(off, b->n);
    return k;
}

/* Rewrites the CRC of the chunk at off after a test patched its payload
 * (a compact chunk's CRC covers its size, count and first seq too). */
static void fix_chunk_crc(uint8_t *p, size_t off)
{
    uint32_t len = hvt_get32(p + off + 4);
    if (is_compact(p)) {
        uint32_t crc = hvt_crc32c(0, p + off + 4, 8);
        crc = hvt_crc32c(crc, p + off + 16, 8);
        hvt_put32(p + off + 12, hvt_crc32c(crc, p + off + 24, len));
    } else {
        hvt_put32(p + off + 12, hvt_crc32c(0, p + off + 16, len));
    }
}

/* ---- recording ---- */

struct vm {
    void *ram;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
};

static void vm_up(struct vm *v)
{
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_allocate(&v->ram, GUEST_RAM_SIZE, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    memcpy((uint8_t *)v->ram + 0x10000, guest_trace_loop, guest_trace_loop_len);
    assert_int_equal(hv_vm_map(v->ram, GUEST_RAM_IPA, GUEST_RAM_SIZE,
                               HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&v->vcpu, &v->exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v->vcpu, HV_REG_CPSR, 0x3c5), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(v->vcpu, HV_SYS_REG_SP_EL1, GUEST_STACK), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v->vcpu, HV_REG_PC, GUEST_TRACE_LOOP_ADD_LOOP), HV_SUCCESS);
}

static void vm_down(struct vm *v)
{
    assert_int_equal(hv_vcpu_destroy(v->vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(GUEST_RAM_IPA, GUEST_RAM_SIZE), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_deallocate(v->ram, GUEST_RAM_SIZE), HV_SUCCESS);
}

/* Records add_loop: X1 = 40, X2 = 2; after CHANGE_AT exits the VMM sets
 * X2 = 1000. Each HVC #1 exit has X3 = X1 + X2 with X1 = 40 + round. */
static void record_add_loop(const char *path)
{
    struct vm v;
    assert_int_equal(hvm_trace_start(path), HV_SUCCESS);
    vm_up(&v);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_X1, X1_START), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_X2, X2_START), HV_SUCCESS);
    for (unsigned i = 0; i < ADD_EXITS; i++) {
        if (i == CHANGE_AT)
            assert_int_equal(hv_vcpu_set_reg(v.vcpu, HV_REG_X2, X2_LATER), HV_SUCCESS);
        assert_int_equal(hv_vcpu_run(v.vcpu), HV_SUCCESS);
        assert_int_equal(v.exit->reason, HV_EXIT_REASON_EXCEPTION);
        assert_int_equal(v.exit->exception.syndrome, ESR_HVC1);
        uint64_t x3 = 0;
        assert_int_equal(hv_vcpu_get_reg(v.vcpu, HV_REG_X3, &x3), HV_SUCCESS);
        assert_int_equal(x3, X1_START + i + (i >= CHANGE_AT ? X2_LATER : X2_START));
    }
    vm_down(&v);
}

static char scenario[256];

/* The add_loop recording, made once per process. */
static const char *scenario_trace(void)
{
    if (!scenario[0]) {
        tmp_path(scenario, sizeof(scenario), "scenario.hvt");
        record_add_loop(scenario);
    }
    return scenario;
}

/* Every record of a complete trace. */
struct rec_list {
    struct hvt_record r[1024];
    size_t n;
};

static void read_all(const struct trace_buf *b, struct rec_list *l)
{
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_mem(&r, b->p, b->n), 0);
    l->n = 0;
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &l->r[l->n])) == HVT_OK) {
        l->r[l->n].payload = NULL; /* points into the reader's copy */
        assert_true(++l->n < 1024);
    }
    assert_int_equal(st, HVT_DONE);
    assert_true(r.clean);
    hvt_reader_close(&r);
}

/* Reads every record of b[0..n) into got; returns the final status. */
static enum hvt_status read_prefix(const uint8_t *p, size_t n, struct hvt_reader *r,
                                   const struct rec_list *want, size_t *got)
{
    struct hvt_record rec;
    enum hvt_status st;
    *got = 0;
    while ((st = hvt_reader_next(r, &rec)) == HVT_OK) {
        assert_true(*got < want->n);
        assert_int_equal(rec.seq, want->r[*got].seq);
        assert_int_equal(rec.offset, want->r[*got].offset);
        assert_int_equal(rec.type, want->r[*got].type);
        assert_int_equal(rec.size, want->r[*got].size);
        assert_int_equal(rec.stored, want->r[*got].stored);
        assert_true(rec.offset + rec.stored <= n);
        (*got)++;
    }
    return st;
}

/* ---- writer → reader ---- */

static void test_crc32c_of_123456789_is_the_castagnoli_check_value(void **state)
{
    assert_int_equal(hvt_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(hvt_crc32c(hvt_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    assert_int_equal(hvt_crc32c(0, "", 0), 0);
}

static const struct hvt_header test_header = {
    .major = HVT_MAJOR,
    .minor = HVT_MINOR,
    .flavour = HVT_FLAVOUR_ARM64,
    .unicorn = 0x0201,
    .model_version = "9.8.7 (test)",
    .ipa_bits = 40,
    .granule = 16384,
    .insns_per_tick = 33,
};

/* The same header of format 1.2 (16-byte chunk and record headers). */
static struct hvt_header header_of(uint16_t minor)
{
    struct hvt_header h = test_header;
    h.minor = minor;
    return h;
}

/* One payload per record type 1..17, each byte distinct, MEM consistent. */
static uint32_t sample_payload(uint16_t type, uint8_t *p)
{
    uint32_t len = type == HVT_MEM             ? 16 + 5
                   : type == HVT_SET_FPSTATE   ? 8 + 7
                   : type == HVT_GIC_SET_STATE ? 4 + 9
                                               : hvt_payload_size(type);
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)(type * 16 + i);
    if (type == HVT_MEM)
        hvt_put32(p + 12, 5);
    if (type == HVT_SET_FPSTATE)
        hvt_put32(p + 4, 7);
    if (type == HVT_GIC_SET_STATE)
        hvt_put32(p, 9);
    return len;
}

/* Every record type format 1.minor defines but END, in type order, then END. */
static uint16_t nth_type(unsigned i, uint16_t minor)
{
    for (uint16_t t = HVT_REGION; t < HVT_TYPE_COUNT; t++)
        if (t != HVT_END && hvt_type_name(t) && hvt_type_minor(t) <= minor && i-- == 0)
            return t;
    return HVT_END;
}

static void every_type_reads_back(uint16_t minor)
{
    char path[256];
    tmp_path(path, sizeof(path), "types.hvt");
    struct hvt_writer w;
    struct hvt_header h = header_of(minor);
    size_t first = HVT_HEADER_SIZE + (minor >= 3 ? HVT_ZCHUNK_HDR : HVT_CHUNK_HDR);
    assert_int_equal(hvt_writer_open(&w, path, &h), 0);
    uint8_t p[128];
    for (unsigned i = 0; nth_type(i, minor) != HVT_END; i++) {
        uint16_t t = nth_type(i, minor);
        uint32_t len = sample_payload(t, p);
        hvt_writer_record(&w, t, p, len);
    }
    hvt_writer_close(&w);

    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, path), 0);
    assert_int_equal(r.hdr.major, 1);
    assert_int_equal(r.hdr.minor, minor);
    assert_int_equal(r.hdr.flavour, HVT_FLAVOUR_ARM64);
    assert_int_equal(r.hdr.unicorn, 0x0201);
    assert_string_equal(r.hdr.model_version, "9.8.7 (test)");
    assert_int_equal(r.hdr.ipa_bits, 40);
    assert_int_equal(r.hdr.granule, 16384);
    assert_int_equal(r.hdr.insns_per_tick, 33);
    struct hvt_record rec;
    uint64_t off = first;
    uint64_t n = 0; /* records before END: the defined types but END */
    while (nth_type((unsigned)n, minor) != HVT_END)
        n++;
    assert_int_equal(n, minor >= 3 ? 36 : 35); /* types 1..37 (1.2: ..36) but END (18) */
    for (unsigned i = 0; i <= n; i++) {
        uint16_t t = nth_type(i, minor);
        assert_int_equal(hvt_reader_next(&r, &rec), HVT_OK);
        assert_int_equal(rec.type, t);
        assert_int_equal(rec.seq, i);
        assert_int_equal(rec.offset, off);
        if (t == HVT_END) {
            assert_int_equal(rec.size, 16);
            assert_int_equal(hvt_get64(rec.payload), n);
            assert_int_equal(hvt_get64(rec.payload + 8), 2); /* one EXIT, one EXIT_X86 */
        } else {
            uint32_t len = sample_payload(t, p);
            assert_int_equal(rec.size, len);
            assert_memory_equal(rec.payload, p, len);
        }
        if (minor < 3)
            assert_int_equal(rec.stored, HVT_RECORD_HDR + rec.size);
        off += rec.stored;
    }
    assert_int_equal(hvt_reader_next(&r, &rec), HVT_DONE);
    assert_true(r.clean);
    assert_false(r.truncated);
    assert_int_equal(r.end_records, n);
    assert_int_equal(r.end_exits, 2);
    hvt_reader_close(&r);

    /* The bytes on disk, as FORMAT.md draws them. */
    struct trace_buf b = trace_file(path);
    assert_int_equal(b.n, off);
    assert_memory_equal(b.p, "HVMTRACE", 8);
    assert_int_equal(hvt_get16(b.p + 8), 1);
    assert_int_equal(hvt_get16(b.p + 10), minor);
    assert_int_equal(hvt_get32(b.p + 12), 80);
    assert_int_equal(hvt_get32(b.p + 16), 1);
    assert_int_equal(hvt_get32(b.p + 20), 0x0201);
    assert_string_equal((const char *)b.p + 24, "9.8.7 (test)");
    assert_int_equal(hvt_get32(b.p + 56), 40);
    assert_int_equal(hvt_get32(b.p + 60), 16384);
    assert_int_equal(hvt_get32(b.p + 64), 33);
    assert_int_equal(hvt_get32(b.p + 68), 0);
    assert_int_equal(hvt_get32(b.p + 72), 0);
    assert_int_equal(hvt_get32(b.p + 76), hvt_crc32c(0, b.p, 76));
    if (minor >= 3) {
        /* A compact chunk: first seq 0, CRC over size, count, seq and payload;
         * the first record's header is its type and size as varints. */
        assert_memory_equal(b.p + 80, "HVMZ", 4);
        assert_int_equal(hvt_get32(b.p + 84), b.n - 104);
        assert_int_equal(hvt_get32(b.p + 88), n + 1);
        assert_int_equal(hvt_get64(b.p + 96), 0);
        uint32_t crc = hvt_crc32c(hvt_crc32c(0, b.p + 84, 8), b.p + 96, 8);
        assert_int_equal(hvt_get32(b.p + 92), hvt_crc32c(crc, b.p + 104, b.n - 104));
        assert_int_equal(b.p[104], HVT_REGION);
        assert_int_equal(b.p[105], 12);
        free(b.p);
        unlink(path);
        return;
    }
    assert_memory_equal(b.p + 80, "HVMC", 4);
    assert_int_equal(hvt_get32(b.p + 84), b.n - 96);
    assert_int_equal(hvt_get32(b.p + 88), n + 1);
    assert_int_equal(hvt_get32(b.p + 92), hvt_crc32c(0, b.p + 96, b.n - 96));
    /* The first record's header: type, reserved 0, size, seq 0. */
    assert_int_equal(hvt_get16(b.p + 96), HVT_REGION);
    assert_int_equal(hvt_get16(b.p + 98), 0);
    assert_int_equal(hvt_get32(b.p + 100), 12);
    assert_int_equal(hvt_get64(b.p + 104), 0);
    free(b.p);
    unlink(path);
}

static void test_every_record_type_reads_back_with_its_exact_fields(void **state)
{
    every_type_reads_back(2);
    every_type_reads_back(HVT_MINOR);
}

static void writer_cuts(uint16_t minor)
{
    char path[256];
    tmp_path(path, sizeof(path), "cuts.hvt");
    struct hvt_writer w;
    /* MEM records of 4096 bytes in all (a 1.3 header is 3 bytes: type, and
     * the size in 2): 16 of them make exactly 64 KiB. */
    uint32_t mlen = minor >= 3 ? 4096 - 3 : 4096 - HVT_RECORD_HDR;
    size_t hdr = minor >= 3 ? HVT_ZCHUNK_HDR : HVT_CHUNK_HDR;
    uint8_t ex[56] = {0}, mem[4096] = {0};
    hvt_put32(mem + 12, mlen - 16);
    struct hvt_header h = header_of(minor);
    assert_int_equal(hvt_writer_open(&w, path, &h), 0);
    for (int i = 0; i < 64; i++)
        hvt_writer_record(&w, HVT_EXIT, ex, sizeof(ex));
    for (int i = 0; i < 17; i++)
        hvt_writer_record(&w, HVT_MEM, mem, mlen);
    hvt_writer_close(&w);

    struct trace_buf b = trace_file(path);
    struct chunk c[8];
    size_t n = chunk_map(&b, c, 8);
    assert_int_equal(n, 3);
    assert_int_equal(c[0].nrec, 64); /* 64 exits */
    assert_int_equal(c[0].nexit, 64);
    assert_int_equal(c[1].nrec, 16); /* 64 KiB of payload */
    assert_int_equal(c[1].end - c[1].off - hdr, 64 * 1024);
    assert_int_equal(c[2].nrec, 2); /* the last MEM and END */
    free(b.p);
    unlink(path);
}

static void test_writer_cuts_a_chunk_after_64_exits_and_at_64_KiB(void **state)
{
    writer_cuts(2);
    writer_cuts(HVT_MINOR);
}

static void test_reencoding_a_recording_through_the_writer_gives_the_same_bytes(void **state);

/* ---- cuts ---- */

static void test_every_prefix_reads_as_exactly_its_complete_chunks(void **state)
{
    struct trace_buf b = trace_file(scenario_trace());
    struct chunk c[64];
    size_t nc = chunk_map(&b, c, 64);
    assert_true(nc >= 3); /* the cuts below cross several chunks */
    struct rec_list *all = malloc(sizeof(*all));
    assert_non_null(all);
    read_all(&b, all);

    for (size_t len = 0; len <= b.n; len++) {
        struct hvt_reader r;
        int o = hvt_reader_open_mem(&r, b.p, len);
        if (len < HVT_HEADER_SIZE) {
            assert_int_equal(o, -1);
            assert_true(named_offset(r.err) >= 0);
            hvt_reader_close(&r);
            continue;
        }
        assert_int_equal(o, 0);
        size_t complete = 0, want = 0;
        bool boundary = len == HVT_HEADER_SIZE;
        while (complete < nc && c[complete].end <= len) {
            boundary |= c[complete].end == len;
            want += c[complete++].nrec;
        }
        size_t got;
        assert_int_equal(read_prefix(b.p, len, &r, all, &got), HVT_DONE);
        assert_int_equal(got, want);
        assert_int_equal(r.truncated, !boundary);
        assert_int_equal(r.clean, len == b.n);
        if (!boundary && !trace_names_offset(r.err, c[complete].off))
            fail_msg("cut at %zu: \"%s\" does not name chunk offset %zu", len, r.err,
                     c[complete].off);
        hvt_reader_close(&r);
    }
    free(all);
    free(b.p);
}

static void test_prefixes_replay_their_complete_chunks(void **state)
{
    struct trace_buf b = trace_file(scenario_trace());
    struct chunk c[64];
    size_t nc = chunk_map(&b, c, 64);
    size_t cuts[256], ncuts = 0;
    cuts[ncuts++] = HVT_HEADER_SIZE;
    for (size_t i = 0; i < nc; i++) {
        size_t len = c[i].end - c[i].off;
        cuts[ncuts++] = c[i].off + 1;              /* inside the chunk header */
        cuts[ncuts++] = c[i].off + HVT_ZCHUNK_HDR; /* header only (compact) */
        cuts[ncuts++] = c[i].off + len / 2;        /* mid payload */
        cuts[ncuts++] = c[i].end - 1;              /* one byte short */
        cuts[ncuts++] = c[i].end;                  /* whole */
    }
    char path[256];
    tmp_path(path, sizeof(path), "prefix.hvt");
    for (size_t k = 0; k < ncuts; k++) {
        size_t len = cuts[k];
        uint64_t exits = 0;
        bool boundary = len == HVT_HEADER_SIZE;
        for (size_t i = 0; i < nc && c[i].end <= len; i++) {
            exits += c[i].nexit;
            boundary |= c[i].end == len;
        }
        spit(path, b.p, len);
        struct replay_result res;
        int rc = replay_file(path, NULL, &res);
        if (rc != 0)
            fail_msg("prefix of %zu bytes: rc %d (%s)", len, rc, res.error);
        assert_int_equal(res.exits, exits);
        assert_int_equal(res.truncated, !boundary);
        assert_int_equal(res.clean, len == b.n);
    }
    unlink(path);
    free(b.p);
}

/* ---- flipped bits ---- */

static void test_every_flipped_bit_is_an_error_or_a_torn_end_naming_its_offset(void **state)
{
    struct trace_buf b = trace_file(scenario_trace());
    struct chunk c[64];
    size_t nc = chunk_map(&b, c, 64);
    struct rec_list *all = malloc(sizeof(*all));
    assert_non_null(all);
    read_all(&b, all);
    uint8_t *copy = malloc(b.n);
    assert_non_null(copy);
    unsigned torn = 0;

    for (size_t i = 0; i < b.n; i++) {
        memcpy(copy, b.p, b.n);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        struct hvt_reader r;
        int o = hvt_reader_open_mem(&r, copy, b.n);
        if (i < HVT_HEADER_SIZE) {
            /* Magic, version, size, or the header CRC. */
            assert_int_equal(o, -1);
            long long at = named_offset(r.err);
            if (at < 0 || at >= HVT_HEADER_SIZE)
                fail_msg("flip at %zu: \"%s\"", i, r.err);
            hvt_reader_close(&r);
            continue;
        }
        assert_int_equal(o, 0);
        size_t k = 0, before = 0;
        while (c[k].end <= i)
            before += c[k++].nrec;
        size_t in = i - c[k].off; /* byte of chunk k */
        size_t got;
        enum hvt_status st = read_prefix(copy, b.n, &r, all, &got);
        assert_false(r.clean);
        if (in >= 4 && in < 8 && st == HVT_DONE) {
            /* A size grown past the end of the file is a short chunk: the
             * format cannot tell it from a torn end (FORMAT.md). */
            assert_true(r.truncated);
            assert_int_equal(got, before);
            assert_true(trace_names_offset(r.err, c[k].off));
            torn++;
        } else if (in >= 8 && in < 12) {
            /* The record count: the records no longer fill the payload. */
            assert_int_equal(st, HVT_ERROR);
            long long at = named_offset(r.err);
            if (at < (long long)c[k].off || at > (long long)c[k].end)
                fail_msg("flip at %zu (count of chunk at %zu): \"%s\"", i, c[k].off, r.err);
        } else {
            /* Magic, size, stored CRC or payload: the chunk is refused. */
            assert_int_equal(st, HVT_ERROR);
            assert_int_equal(got, before);
            if (!trace_names_offset(r.err, c[k].off))
                fail_msg("flip at %zu: \"%s\" does not name chunk offset %zu", i, r.err, c[k].off);
            if (in >= 12 && !strstr(r.err, "CRC mismatch"))
                fail_msg("flip at %zu (payload of chunk at %zu): \"%s\"", i, c[k].off, r.err);
        }
        hvt_reader_close(&r);
    }
    /* Only size flips that point past the end read as a torn end: at most the
     * 4 size bytes of each chunk. */
    assert_true(torn <= 4 * nc);
    free(copy);
    free(all);
    free(b.p);
}

/* ---- garbage ---- */

static uint32_t lcg_state;

static uint8_t lcg_byte(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (uint8_t)(lcg_state >> 16);
}

static void expect_open_error_at(const void *p, size_t n, uint64_t off, const char *what)
{
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_mem(&r, p, n), -1);
    if (!trace_names_offset(r.err, off) || !strstr(r.err, what))
        fail_msg("expected \"offset %llu\" and \"%s\" in \"%s\"", (unsigned long long)off, what,
                 r.err);
    hvt_reader_close(&r);
}

static void test_random_bytes_are_not_a_trace_at_offset_0(void **state)
{
    uint8_t junk[4096];
    lcg_state = 12345;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = lcg_byte();
    expect_open_error_at(junk, sizeof(junk), 0, "magic");
}

static void test_all_zero_bytes_are_not_a_trace_at_offset_0(void **state)
{
    static const uint8_t zero[4096];
    expect_open_error_at(zero, sizeof(zero), 0, "magic");
}

static void test_empty_and_short_inputs_are_too_short_for_the_header(void **state)
{
    static const uint8_t zero[80];
    expect_open_error_at(zero, 0, 0, "too short");
    uint8_t h[HVT_HEADER_SIZE];
    hvt_header_encode(&test_header, h);
    expect_open_error_at(h, 79, 79, "too short");
}

static void test_header_followed_by_garbage_is_a_bad_chunk_at_offset_80(void **state)
{
    uint8_t t[HVT_HEADER_SIZE + 4096];
    hvt_header_encode(&test_header, t);
    lcg_state = 777;
    for (size_t i = HVT_HEADER_SIZE; i < sizeof(t); i++)
        t[i] = lcg_byte();
    assert_trace_error_at(t, sizeof(t), 80, "chunk");
    /* All-zero garbage after the header is no chunk either. */
    memset(t + HVT_HEADER_SIZE, 0, 4096);
    assert_trace_error_at(t, sizeof(t), 80, "chunk magic");
}

static void test_header_only_trace_reads_as_no_records_and_not_clean(void **state)
{
    uint8_t h[HVT_HEADER_SIZE];
    hvt_header_encode(&test_header, h);
    struct hvt_reader r;
    size_t got;
    assert_int_equal(trace_read_mem(h, sizeof(h), &r, &got), HVT_DONE);
    assert_int_equal(got, 0);
    assert_false(r.clean);
    assert_false(r.truncated);
    hvt_reader_close(&r);
}

static void test_unknown_major_version_is_refused_at_offset_8(void **state)
{
    uint8_t h[HVT_HEADER_SIZE];
    struct hvt_header v = test_header;
    v.major = 2;
    hvt_header_encode(&v, h);
    expect_open_error_at(h, sizeof(h), 8, "version 2.");
    v.major = 0;
    hvt_header_encode(&v, h);
    expect_open_error_at(h, sizeof(h), 8, "version 0.");
}

static void test_header_with_a_bad_crc_is_refused_at_offset_76(void **state)
{
    uint8_t h[HVT_HEADER_SIZE];
    hvt_header_encode(&test_header, h);
    h[60] ^= 0x40; /* granule 16384 -> 0 under an unchanged CRC */
    expect_open_error_at(h, sizeof(h), 76, "CRC");
}

static void put_chunk_header(uint8_t *p, uint32_t len, uint32_t count, uint32_t crc)
{
    memcpy(p, HVT_CHUNK_MAGIC, 4);
    hvt_put32(p + 4, len);
    hvt_put32(p + 8, count);
    hvt_put32(p + 12, crc);
}

static void test_chunk_claiming_4_GiB_is_an_error_not_a_torn_end(void **state)
{
    uint8_t t[HVT_HEADER_SIZE + HVT_CHUNK_HDR + 64] = {0};
    struct hvt_header h = header_of(2);
    hvt_header_encode(&h, t);
    put_chunk_header(t + 80, 0xffffffffu, 1, 0);
    assert_trace_error_at(t, sizeof(t), 80, "chunk header");
    put_chunk_header(t + 80, HVT_CHUNK_MAX + 1, 1, 0);
    assert_trace_error_at(t, sizeof(t), 80, "chunk header");
    put_chunk_header(t + 80, 0, 1, 0);
    assert_trace_error_at(t, sizeof(t), 80, "chunk header");
    put_chunk_header(t + 80, 64, 0, hvt_crc32c(0, t + 96, 64));
    assert_trace_error_at(t, sizeof(t), 80, "chunk header");
    put_chunk_header(t + 80, 64, 5, hvt_crc32c(0, t + 96, 64)); /* 5 x 16 B > 64 B */
    assert_trace_error_at(t, sizeof(t), 80, "chunk header");

    /* Exactly 16 MiB is a legal size: with 64 bytes present it is torn. */
    put_chunk_header(t + 80, HVT_CHUNK_MAX, 1, 0);
    struct hvt_reader r;
    size_t got;
    assert_int_equal(trace_read_mem(t, sizeof(t), &r, &got), HVT_DONE);
    assert_true(r.truncated);
    assert_true(trace_names_offset(r.err, 80));
    hvt_reader_close(&r);
}

/* A small trace: VCPU_CREATE, SET_REG, EXIT, END in one chunk at 80.
 * Before 1.3: records at 96, 116, 148, 220; the file ends at 252. In 1.3
 * (compact): records at 104, 107, 112, 132; the file ends at 150. */
static struct trace_buf small_trace(uint16_t minor)
{
    char path[256];
    tmp_path(path, sizeof(path), "small.hvt");
    struct hvt_header h = test_header;
    h.minor = minor;
    struct hvt_writer w;
    assert_int_equal(hvt_writer_open(&w, path, &h), 0);
    uint8_t p[56] = {0};
    hvt_writer_record(&w, HVT_VCPU_CREATE, p, 4);
    hvt_put32(p + 4, HV_REG_X1);
    hvt_put64(p + 8, 7);
    hvt_writer_record(&w, HVT_SET_REG, p, 16);
    memset(p, 0, sizeof(p));
    hvt_put32(p + 4, HV_EXIT_REASON_EXCEPTION);
    hvt_put64(p + 8, ESR_HVC1);
    hvt_writer_record(&w, HVT_EXIT, p, 56);
    hvt_writer_close(&w);
    struct trace_buf b = trace_file(path);
    unlink(path);
    assert_int_equal(b.n, minor >= 3 ? 150 : 252);
    return b;
}

static void test_malformed_records_are_errors_naming_the_record_offset(void **state)
{
    struct trace_buf b = small_trace(0);
    uint8_t *t = malloc(b.n + 32);
    assert_non_null(t);
    struct hvt_reader r;
    size_t got;
    assert_int_equal(trace_read_mem(b.p, b.n, &r, &got), HVT_DONE);
    assert_int_equal(got, 4);
    assert_true(r.clean);
    hvt_reader_close(&r);

    memcpy(t, b.p, b.n); /* a sequence number skipped */
    hvt_put64(t + 116 + 8, 2);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 116, "sequence 2, expected 1");

    memcpy(t, b.p, b.n); /* the reserved field */
    hvt_put16(t + 148 + 2, 1);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 148, "reserved");

    memcpy(t, b.p, b.n); /* SET_REG's 16 bytes under the type VCPU_CREATE (4) */
    hvt_put16(t + 116, HVT_VCPU_CREATE);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 116, "VCPU_CREATE");

    memcpy(t, b.p, b.n); /* a record larger than its chunk */
    hvt_put32(t + 148 + 4, 1000);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 148, "past the end of its chunk");

    memcpy(t, b.p, b.n); /* a type no minor defines yet */
    hvt_put16(t + 116, HVT_TYPE_COUNT);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 116, "unknown record type");

    memcpy(t, b.p, b.n); /* a type of minor 1 in a 1.0 trace */
    hvt_put16(t + 116, HVT_SET_VMCS);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 116, "not defined in format 1.0");

    memcpy(t, b.p, b.n); /* a type of minor 2 (address spaces) in a 1.0 trace */
    hvt_put16(t + 116, HVT_SET_SPACE);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 116, "not defined in format 1.0");

    memcpy(t, b.p, b.n); /* END miscounting the records */
    hvt_put64(t + 220 + 16, 7);
    fix_chunk_crc(t, 80);
    assert_trace_error_at(t, b.n, 220, "END");

    memcpy(t, b.p, b.n); /* a count one short: END is left over */
    hvt_put32(t + 88, 3);
    assert_trace_error_at(t, b.n, 220, "after its last record");

    memcpy(t, b.p, b.n); /* a count one too many: nothing left for it */
    hvt_put32(t + 88, 5);
    assert_trace_error_at(t, b.n, 252, "after the END");

    memcpy(t, b.p, b.n); /* bytes after the END chunk */
    memcpy(t + b.n, b.p + 80, 32);
    assert_trace_error_at(t, b.n + 32, 252, "after the END");
    free(t);
    free(b.p);
}

static void test_end_record_that_fails_its_checks_does_not_make_the_trace_clean(void **state)
{
    struct trace_buf b = small_trace(0);
    struct hvt_reader r;
    size_t got;
    hvt_put64(b.p + 220 + 16, 7); /* END counts 7 records; there are 3 */
    fix_chunk_crc(b.p, 80);
    assert_int_equal(trace_read_mem(b.p, b.n, &r, &got), HVT_ERROR);
    assert_int_equal(got, 3);
    assert_false(r.clean);
    /* Asked again, the reader does not turn the error into a clean end. */
    struct hvt_record rec;
    assert_int_equal(hvt_reader_next(&r, &rec), HVT_ERROR);
    hvt_reader_close(&r);
    free(b.p);

    b = small_trace(0);
    hvt_put32(b.p + 88, 5); /* a fifth record announced after END */
    assert_int_equal(trace_read_mem(b.p, b.n, &r, &got), HVT_ERROR);
    assert_int_equal(got, 3);
    assert_false(r.clean);
    hvt_reader_close(&r);
    free(b.p);
}

static void test_mem_record_with_inconsistent_length_is_an_error(void **state)
{
    char path[256];
    tmp_path(path, sizeof(path), "mem.hvt");
    struct hvt_writer w;
    struct hvt_header h = header_of(2);
    assert_int_equal(hvt_writer_open(&w, path, &h), 0);
    uint8_t p[24] = {0};
    hvt_put32(p + 12, 8);
    hvt_writer_record(&w, HVT_MEM, p, 24);
    hvt_writer_close(&w);
    struct trace_buf b = trace_file(path);
    unlink(path);
    hvt_put32(b.p + 96 + 16 + 12, 9); /* len 9 in a 24-byte payload */
    fix_chunk_crc(b.p, 80);
    assert_trace_error_at(b.p, b.n, 96, "MEM");
    hvt_put32(b.p + 96 + 4, 8); /* shorter than MEM's 16-byte head */
    fix_chunk_crc(b.p, 80);
    assert_trace_error_at(b.p, b.n, 96, "MEM");
    free(b.p);
}

static void test_address_space_types_are_errors_in_a_1_1_trace(void **state)
{
    (void)state;
    struct trace_buf b = small_trace(1);
    hvt_put16(b.p + 116, HVT_SPACE_MEMORY); /* SET_REG becomes a type of minor 2 */
    fix_chunk_crc(b.p, 80);
    assert_trace_error_at(b.p, b.n, 116,
                          "record type 35 (SPACE_MEMORY) is not defined in format 1.1");
    free(b.p);
}

static void test_gic_types_are_minor_2_and_errors_in_a_1_1_trace(void **state)
{
    (void)state;
    static const char *const want[] = {
        "record type 28 (GIC_CREATE) is not defined in format 1.1",
        "record type 29 (GIC_INPUT) is not defined in format 1.1",
        "record type 30 (GIC_SET_REG) is not defined in format 1.1",
        "record type 31 (GIC_SET_STATE) is not defined in format 1.1",
    };
    for (uint16_t t = HVT_GIC_CREATE; t <= HVT_GIC_SET_STATE; t++) {
        assert_int_equal(hvt_type_minor(t), 2);
        struct trace_buf b = small_trace(1);
        hvt_put16(b.p + 116, t); /* SET_REG becomes a GIC record */
        fix_chunk_crc(b.p, 80);
        assert_trace_error_at(b.p, b.n, 116, want[t - HVT_GIC_CREATE]);
        free(b.p);
    }
    assert_int_equal(hvt_type_minor(HVT_EXIT_X86), 1);
    assert_int_equal(hvt_type_minor(HVT_CLOCK_IDLE), 2);
    assert_int_equal(hvt_type_minor(HVT_RUN), 3);
    assert_int_equal(hvt_payload_size(HVT_GIC_CREATE), 36);
    assert_int_equal(hvt_payload_size(HVT_GIC_INPUT), 20);
    assert_int_equal(hvt_payload_size(HVT_GIC_SET_REG), 20);
    assert_int_equal(hvt_payload_size(HVT_GIC_SET_STATE), 0);
    assert_false(hvt_has_vcpu(HVT_GIC_CREATE));
    assert_false(hvt_has_vcpu(HVT_GIC_INPUT));
    assert_true(hvt_has_vcpu(HVT_GIC_SET_REG));
    assert_false(hvt_has_vcpu(HVT_GIC_SET_STATE));
}

static void test_gic_state_record_with_inconsistent_length_is_an_error(void **state)
{
    char path[256];
    tmp_path(path, sizeof(path), "gicstate.hvt");
    struct hvt_writer w;
    struct hvt_header h = header_of(2);
    assert_int_equal(hvt_writer_open(&w, path, &h), 0);
    uint8_t p[12] = {0};
    hvt_put32(p, 8);
    hvt_writer_record(&w, HVT_GIC_SET_STATE, p, 12);
    hvt_writer_close(&w);
    struct trace_buf b = trace_file(path);
    unlink(path);
    hvt_put32(b.p + 96 + 16, 9); /* len 9 in a 12-byte payload */
    fix_chunk_crc(b.p, 80);
    assert_trace_error_at(b.p, b.n, 96, "GIC_SET_STATE record of 12 bytes");
    hvt_put32(b.p + 96 + 4, 3); /* shorter than the length field */
    fix_chunk_crc(b.p, 80);
    assert_trace_error_at(b.p, b.n, 96, "GIC_SET_STATE record of 3 bytes");
    free(b.p);
    (void)state;
}

static void test_newer_minor_passes_unknown_types_up_and_replay_refuses_them(void **state)
{
    struct trace_buf b = small_trace(HVT_MINOR + 1);
    assert_true(HVT_TYPE_COUNT < 128); /* one varint byte, as SET_REG's 8 */
    b.p[107] = HVT_TYPE_COUNT;         /* SET_REG becomes a type of a newer minor */
    fix_chunk_crc(b.p, 80);
    struct hvt_reader r;
    size_t got;
    assert_int_equal(trace_read_mem(b.p, b.n, &r, &got), HVT_DONE);
    assert_int_equal(got, 4);
    assert_true(r.clean);
    hvt_reader_close(&r);

    char path[256];
    tmp_path(path, sizeof(path), "minor1.hvt");
    spit(path, b.p, b.n);
    struct replay_result res;
    assert_int_equal(replay_file(path, NULL, &res), 2);
    char want[32];
    snprintf(want, sizeof(want), "record type %u", HVT_TYPE_COUNT);
    if (!strstr(res.error, want) || !trace_names_offset(res.error, 107))
        fail_msg("replay error \"%s\"", res.error);
    unlink(path);
    free(b.p);
}

/* ---- changed inputs and exits ---- */

typedef void (*edit_fn)(const struct hvt_record *rec, uint8_t *payload, void *ctx);

/* Reads every record of in and writes it through the writer into out,
 * letting edit change payloads; END is the writer's own. */
static void reencode(const char *in, const char *out, edit_fn edit, void *ctx)
{
    struct hvt_reader r;
    struct hvt_writer w;
    struct hvt_record rec;
    assert_int_equal(hvt_reader_open_file(&r, in), 0);
    assert_int_equal(hvt_writer_open(&w, out, &r.hdr), 0);
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK) {
        if (rec.type == HVT_END)
            continue;
        uint8_t *p = malloc(rec.size ? rec.size : 1);
        assert_non_null(p);
        memcpy(p, rec.payload, rec.size);
        if (edit)
            edit(&rec, p, ctx);
        hvt_writer_record(&w, rec.type, p, rec.size);
        free(p);
    }
    assert_int_equal(st, HVT_DONE);
    assert_true(r.clean);
    hvt_writer_close(&w);
    hvt_reader_close(&r);
}

static void test_reencoding_a_recording_through_the_writer_gives_the_same_bytes(void **state)
{
    char out[256];
    tmp_path(out, sizeof(out), "same.hvt");
    reencode(scenario_trace(), out, NULL, NULL);
    struct trace_buf a = trace_file(scenario_trace()), b = trace_file(out);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.p, b.p, a.n);
    free(a.p);
    free(b.p);
    unlink(out);
}

struct edit {
    unsigned exits_before; /* EXIT records seen before the edited one */
    uint64_t seq_after;    /* seq of the EXIT record that follows the edit */
    uint64_t off_after;    /* ... and its offset in the new file */
    bool done;
    unsigned which_exit; /* for edit_syndrome: 0-based EXIT to change */
};

static void edit_x2(const struct hvt_record *rec, uint8_t *p, void *ctx)
{
    struct edit *e = ctx;
    if (!e->done && rec->type == HVT_SET_REG && hvt_get32(p + 4) == HV_REG_X2 &&
        hvt_get64(p + 8) == X2_LATER) {
        hvt_put64(p + 8, X2_LATER - 1);
        e->done = true;
    } else if (rec->type == HVT_EXIT && !e->done) {
        e->exits_before++;
    } else if (rec->type == HVT_EXIT && !e->seq_after) {
        e->seq_after = rec->seq;
        e->off_after = rec->offset; /* the same layout: only a value changed */
    }
}

static void edit_syndrome(const struct hvt_record *rec, uint8_t *p, void *ctx)
{
    struct edit *e = ctx;
    if (rec->type != HVT_EXIT)
        return;
    if (e->exits_before++ == e->which_exit) {
        assert_int_equal(hvt_get64(p + 8), ESR_HVC1);
        hvt_put64(p + 8, ESR_HVC(2));
        e->seq_after = rec->seq;
        e->off_after = rec->offset;
        e->done = true;
    }
}

/* Replays path with the report captured; returns rc, *report malloc'd. */
static int replay_capture(const char *path, struct replay_result *res, char **report)
{
    size_t n;
    FILE *log = open_memstream(report, &n);
    assert_non_null(log);
    struct replay_opts opts = {.log = log};
    int rc = replay_file(path, &opts, res);
    fclose(log);
    return rc;
}

/* The line of the report's field table that starts with name. */
static const char *field_line(const char *report, const char *name, char *line, size_t n)
{
    for (const char *s = report; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
        const char *t = s;
        while (*t == ' ')
            t++;
        size_t k = strlen(name);
        if (!strncmp(t, name, k) && t[k] == ' ') {
            size_t len = strcspn(s, "\n");
            snprintf(line, n, "%.*s", (int)len, s);
            return line;
        }
    }
    fail_msg("no \"%s\" line in the report:\n%s", name, report);
    return NULL;
}

static bool differs(const char *report, const char *name)
{
    char line[256];
    return strstr(field_line(report, name, line, sizeof(line)), "<-- differs") != NULL;
}

static void test_changed_register_input_diverges_at_the_next_exit_in_the_digest(void **state)
{
    char out[256];
    tmp_path(out, sizeof(out), "changed-reg.hvt");
    struct edit e = {0};
    reencode(scenario_trace(), out, edit_x2, &e);
    assert_true(e.done);
    assert_int_equal(e.exits_before, CHANGE_AT);

    struct replay_result res;
    char *report = NULL;
    int rc = replay_capture(out, &res, &report);
    assert_int_equal(rc, 1);
    assert_true(res.diverged);
    assert_int_equal(res.exits, CHANGE_AT + 1); /* the first exit after the change */
    char head[128];
    snprintf(head, sizeof(head), "divergence at exit %u (record %llu, offset %llu)", CHANGE_AT + 1,
             (unsigned long long)e.seq_after, (unsigned long long)e.off_after);
    if (!strstr(report, head))
        fail_msg("expected \"%s\" in:\n%s", head, report);
    /* X3 and X2 changed; the same instructions ran. */
    assert_true(differs(report, "register digest"));
    assert_false(differs(report, "pc"));
    assert_false(differs(report, "icount"));
    assert_false(differs(report, "syndrome"));
    assert_false(differs(report, "reason"));
    free(report);
    unlink(out);
}

static void test_changed_exit_syndrome_is_reported_at_that_exit(void **state)
{
    char out[256];
    tmp_path(out, sizeof(out), "changed-esr.hvt");
    struct edit e = {.which_exit = 4};
    reencode(scenario_trace(), out, edit_syndrome, &e);
    assert_true(e.done);

    struct replay_result res;
    char *report = NULL;
    assert_int_equal(replay_capture(out, &res, &report), 1);
    assert_int_equal(res.exits, 5);
    char head[128];
    snprintf(head, sizeof(head), "divergence at exit 5 (record %llu, offset %llu)",
             (unsigned long long)e.seq_after, (unsigned long long)e.off_after);
    if (!strstr(report, head))
        fail_msg("expected \"%s\" in:\n%s", head, report);
    char line[256];
    field_line(report, "syndrome", line, sizeof(line));
    /* recorded (edited) then replayed (what the guest's HVC #1 gives) */
    if (!strstr(line, "0x5a000002") || !strstr(line, "0x5a000001") ||
        strstr(line, "0x5a000002") > strstr(line, "0x5a000001") || !strstr(line, "<-- differs"))
        fail_msg("syndrome line: %s", line);
    assert_false(differs(report, "register digest"));
    assert_false(differs(report, "pc"));
    free(report);
    unlink(out);
}

/* ---- killed and failing recorders (children re-executing this binary) ---- */

/* Child: records add_loop for `exits` exits (0: until killed), writing a
 * byte to progress_fd every 1000 exits. Returns the exit status. */
static int child_record(const char *path, int progress_fd, unsigned long exits)
{
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *ex;
    void *ram;
    if (hvm_trace_start(path) != HV_SUCCESS || hv_vm_create(NULL) != HV_SUCCESS ||
        hv_vm_allocate(&ram, GUEST_RAM_SIZE, HV_ALLOCATE_DEFAULT) != HV_SUCCESS)
        return 10;
    memcpy((uint8_t *)ram + 0x10000, guest_trace_loop, guest_trace_loop_len);
    if (hv_vm_map(ram, GUEST_RAM_IPA, GUEST_RAM_SIZE,
                  HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC) != HV_SUCCESS ||
        hv_vcpu_create(&vcpu, &ex, NULL) != HV_SUCCESS ||
        hv_vcpu_set_reg(vcpu, HV_REG_CPSR, 0x3c5) != HV_SUCCESS ||
        hv_vcpu_set_reg(vcpu, HV_REG_PC, GUEST_TRACE_LOOP_ADD_LOOP) != HV_SUCCESS)
        return 11;
    unsigned long i;
    for (i = 0; exits == 0 || i < exits; i++) {
        if (hv_vcpu_run(vcpu) != HV_SUCCESS || ex->reason != HV_EXIT_REASON_EXCEPTION ||
            ex->exception.syndrome != ESR_HVC1)
            return 12;
        if (progress_fd >= 0 && (i + 1) % 1000 == 0 && write(progress_fd, "x", 1) != 1)
            return 13;
    }
    if (hv_vcpu_destroy(vcpu) != HV_SUCCESS || hv_vm_destroy() != HV_SUCCESS)
        return 14;
    printf("child recorded %lu exits\n", i);
    return 0;
}

static pid_t spawn(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (out_fd >= 0) {
            dup2(out_fd, 1);
            dup2(out_fd, 2);
        }
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    return pid;
}

static uint64_t exits_in(const char *path, bool *clean, enum hvt_status *end)
{
    struct hvt_reader r;
    struct hvt_record rec;
    uint64_t n = 0;
    assert_int_equal(hvt_reader_open_file(&r, path), 0);
    while ((*end = hvt_reader_next(&r, &rec)) == HVT_OK)
        n += rec.type == HVT_EXIT;
    *clean = r.clean;
    hvt_reader_close(&r);
    return n;
}

static void test_recorder_killed_by_sigkill_leaves_a_prefix_that_replays(void **state)
{
    static const unsigned after[] = {1, 2, 5}; /* thousands of exits */
    char path[256];
    tmp_path(path, sizeof(path), "killed.hvt");
    for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", p[1]);
        char *argv[] = {"trace_test_trace_reader", "--record", path, fd, "1000000", NULL};
        pid_t pid = spawn(argv, -1);
        close(p[1]);
        for (unsigned i = 0; i < after[k]; i++) {
            char c;
            assert_int_equal(read(p[0], &c, 1), 1);
        }
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        close(p[0]);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);

        /* Every exit up to the last whole chunk of 64 before the k-th
         * progress byte was written before the kill. */
        uint64_t least = after[k] * 1000u / HVT_CHUNK_EXITS * HVT_CHUNK_EXITS;
        bool clean;
        enum hvt_status end;
        uint64_t exits = exits_in(path, &clean, &end);
        assert_int_equal(end, HVT_DONE);
        assert_false(clean);
        assert_true(exits >= least);
        assert_int_equal(exits % HVT_CHUNK_EXITS, 0);

        struct replay_result res;
        int rc = replay_file(path, NULL, &res);
        if (rc != 0)
            fail_msg("replay after kill at %u000 exits: rc %d (%s)", after[k], rc, res.error);
        assert_int_equal(res.exits, exits);
        assert_false(res.clean);
    }
    unlink(path);
}

static void test_write_failure_is_reported_and_leaves_a_prefix_that_replays(void **state)
{
    char path[256];
    tmp_path(path, sizeof(path), "fsize.hvt");
    int p[2];
    assert_int_equal(pipe(p), 0);
    char *argv[] = {"trace_test_trace_reader", "--record-fsize", path, "16384", "2000", NULL};
    pid_t pid = spawn(argv, p[1]);
    close(p[1]);
    char out[4096];
    size_t n = 0;
    ssize_t k;
    while ((k = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = 0;
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child status 0x%x, output:\n%s", status, out);
    /* The child went on running its guest after the failure. */
    assert_non_null(strstr(out, "child recorded 2000 exits"));
    /* One message naming the file and the offset where the trace now ends. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size <= 16384);
    if (!strstr(out, path) || !trace_names_offset(out, (uint64_t)st.st_size))
        fail_msg("size %lld, output:\n%s", (long long)st.st_size, out);

    bool clean;
    enum hvt_status end;
    uint64_t exits = exits_in(path, &clean, &end);
    assert_int_equal(end, HVT_DONE);
    assert_false(clean);
    assert_true(exits > 0);
    struct replay_result res;
    assert_int_equal(replay_file(path, NULL, &res), 0);
    assert_int_equal(res.exits, exits);
    unlink(path);
}

static int child_main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--record"))
        return child_record(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "--record-fsize")) {
        rlim_t limit = strtoul(argv[3], NULL, 10);
        struct rlimit rl = {limit, limit};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0 || signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
            return 9;
        int rc = child_record(argv[2], -1, strtoul(argv[4], NULL, 10));
        fflush(stdout);
        return rc;
    }
    fprintf(stderr, "unknown child mode\n");
    return 2;
}

static int cleanup(void **state)
{
    if (scenario[0])
        unlink(scenario);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child_main(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_of_123456789_is_the_castagnoli_check_value),
        cmocka_unit_test(test_every_record_type_reads_back_with_its_exact_fields),
        cmocka_unit_test(test_writer_cuts_a_chunk_after_64_exits_and_at_64_KiB),
        cmocka_unit_test(test_reencoding_a_recording_through_the_writer_gives_the_same_bytes),
        cmocka_unit_test(test_every_prefix_reads_as_exactly_its_complete_chunks),
        cmocka_unit_test(test_prefixes_replay_their_complete_chunks),
        cmocka_unit_test(test_every_flipped_bit_is_an_error_or_a_torn_end_naming_its_offset),
        cmocka_unit_test(test_random_bytes_are_not_a_trace_at_offset_0),
        cmocka_unit_test(test_all_zero_bytes_are_not_a_trace_at_offset_0),
        cmocka_unit_test(test_empty_and_short_inputs_are_too_short_for_the_header),
        cmocka_unit_test(test_header_followed_by_garbage_is_a_bad_chunk_at_offset_80),
        cmocka_unit_test(test_header_only_trace_reads_as_no_records_and_not_clean),
        cmocka_unit_test(test_unknown_major_version_is_refused_at_offset_8),
        cmocka_unit_test(test_header_with_a_bad_crc_is_refused_at_offset_76),
        cmocka_unit_test(test_chunk_claiming_4_GiB_is_an_error_not_a_torn_end),
        cmocka_unit_test(test_malformed_records_are_errors_naming_the_record_offset),
        cmocka_unit_test(test_end_record_that_fails_its_checks_does_not_make_the_trace_clean),
        cmocka_unit_test(test_mem_record_with_inconsistent_length_is_an_error),
        cmocka_unit_test(test_address_space_types_are_errors_in_a_1_1_trace),
        cmocka_unit_test(test_gic_types_are_minor_2_and_errors_in_a_1_1_trace),
        cmocka_unit_test(test_gic_state_record_with_inconsistent_length_is_an_error),
        cmocka_unit_test(test_newer_minor_passes_unknown_types_up_and_replay_refuses_them),
        cmocka_unit_test(test_changed_register_input_diverges_at_the_next_exit_in_the_digest),
        cmocka_unit_test(test_changed_exit_syndrome_is_reported_at_that_exit),
        cmocka_unit_test(test_recorder_killed_by_sigkill_leaves_a_prefix_that_replays),
        cmocka_unit_test(test_write_failure_is_reported_and_leaves_a_prefix_that_replays),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
