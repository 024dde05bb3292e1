/*
 * test_trace_compact.c — the compact chunks of format 1.3 (trace/FORMAT.md,
 * "Compact chunks"): varints, the compact EXIT, EXIT_X86 and SET_REG-like
 * encodings byte for byte against hand-computed values, a whole small trace
 * byte for byte, cut and corrupted compact chunks (a torn end or an error
 * naming the offset), every chunk decoding without the ones before it, and
 * older traces (the golden 1.0 demo, re-encoded as 1.2 and 1.3) reading as
 * the same records and replaying.
 */
#include "arm64/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../replay/replay.h"
#include "../../trace/compact.h"
#include "../../trace/reader.h"
#include "../../trace/writer.h"
#include "trace_check.h"

#define FOREVER 0xFFFFFFFFFFFFFFFFull

static void tmp_path(char *out, size_t n, const char *name)
{
    trace_tmp_path(out, n, "trace-compact", name);
}

static const struct hvt_header header13 = {
    .major = 1,
    .minor = 3,
    .flavour = HVT_FLAVOUR_ARM64,
    .unicorn = 0x0201,
    .model_version = "compact test",
    .ipa_bits = 40,
    .granule = 16384,
    .insns_per_tick = 41,
};

/* A compact chunk's CRC: size, count, first seq, payload. */
static uint32_t zchunk_crc(const uint8_t *c)
{
    uint32_t crc = hvt_crc32c(0, c + 4, 8);
    crc = hvt_crc32c(crc, c + 16, 8);
    return hvt_crc32c(crc, c + 24, hvt_get32(c + 4));
}

/* Encodes canon (of type) with s, checks the bytes, decodes them with a
 * second state kept in step (d) and checks the canonical payload. */
static void expect_coded(struct hvt_cstate *s, struct hvt_cstate *d, uint16_t type,
                         const uint8_t *canon, const uint8_t *want, uint32_t want_len)
{
    uint8_t z[HVT_COMPACT_MAX], back[128];
    uint32_t n = hvt_compact_encode(s, type, canon, z);
    assert_int_equal(n, want_len);
    assert_memory_equal(z, want, want_len);
    const char *err = hvt_compact_decode(d, type, z, n, back);
    if (err)
        fail_msg("decode: %s", err);
    assert_memory_equal(back, canon, hvt_payload_size(type));
}

static void put_exit(uint8_t *c, uint32_t vcpu, uint32_t reason, uint64_t syn, uint64_t va,
                     uint64_t pa, uint64_t pc, uint64_t icount, uint64_t digest)
{
    hvt_put32(c, vcpu);
    hvt_put32(c + 4, reason);
    hvt_put64(c + 8, syn);
    hvt_put64(c + 16, va);
    hvt_put64(c + 24, pa);
    hvt_put64(c + 32, pc);
    hvt_put64(c + 40, icount);
    hvt_put64(c + 48, digest);
}

static void put_set(uint8_t *c, uint32_t vcpu, uint32_t reg, uint64_t value)
{
    hvt_put32(c, vcpu);
    hvt_put32(c + 4, reg);
    hvt_put64(c + 8, value);
}

/* ---- varints ---- */

static void test_varints_have_their_exact_bytes_and_bad_ones_are_refused(void **state)
{
    static const struct {
        uint64_t v;
        uint8_t b[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2},
        {0xffffffffull, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
        {FOREVER, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t b[HVT_VARINT_MAX];
        assert_int_equal(hvt_varint_put(b, cases[i].v), cases[i].n);
        assert_memory_equal(b, cases[i].b, cases[i].n);
        uint64_t v = 1;
        assert_int_equal(hvt_varint_get(b, cases[i].n, &v), cases[i].n);
        assert_int_equal(v, cases[i].v);
        /* One byte short: runs past the end. */
        assert_int_equal(hvt_varint_get(b, cases[i].n - 1, &v), 0);
    }
    uint64_t v;
    static const uint8_t overlong[] = {0x80, 0x00}; /* 0, not minimal */
    assert_int_equal(hvt_varint_get(overlong, 2, &v), 0);
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(hvt_varint_get(big, 10, &v), 0); /* 65 bits */
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x80, 0x80, 0x01};
    assert_int_equal(hvt_varint_get(eleven, 11, &v), 0);
    /* Zigzag: 0, -1, 1, -2 are 0, 1, 2, 3; the extremes round-trip. */
    assert_int_equal(hvt_zigzag(0), 0);
    assert_int_equal(hvt_zigzag(FOREVER), 1);
    assert_int_equal(hvt_zigzag(1), 2);
    assert_int_equal(hvt_zigzag(FOREVER - 1), 3);
    assert_int_equal(hvt_unzigzag(hvt_zigzag(0x8000000000000000ull)), 0x8000000000000000ull);
    assert_int_equal(hvt_unzigzag(hvt_zigzag(0x7fffffffffffffffull)), 0x7fffffffffffffffull);
    (void)state;
}

/* ---- the hot records ---- */

static void test_arm64_exit_is_coded_against_the_previous_exit_of_its_vcpu(void **state)
{
    struct hvt_cstate s, d;
    hvt_cstate_reset(&s);
    hvt_cstate_reset(&d);
    uint8_t c[56];
    /* First exit of the chunk: everything against zero. */
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0, 0, 0x40010004, 3,
             0x1122334455667788ull);
    static const uint8_t a[] = {0x00, 0x03, 0x01, 0x81, 0x80, 0x80, 0xd0, 0x05, 0x88, 0x80, 0x88,
                                0x80, 0x08, 0x03, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    expect_coded(&s, &d, HVT_EXIT, c, a, sizeof(a));
    /* Same reason and syndrome; VA 0x09000000 = PA; PC 4 back; 10 insns. */
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0x09000000, 0x09000000, 0x40010000, 13, 0);
    static const uint8_t b[] = {0x00, 0x0c, 0x80, 0x80, 0x80, 0x90, 0x01, 0x07, 0x0a,
                                0,    0,    0,    0,    0,    0,    0,    0};
    expect_coded(&s, &d, HVT_EXIT, c, b, sizeof(b));
    /* The same exit again: the MMIO loop's steady state, 13 bytes. */
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0x09000000, 0x09000000, 0x40010000, 23, 0);
    static const uint8_t same[] = {0x00, 0x00, 0x00, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_coded(&s, &d, HVT_EXIT, c, same, sizeof(same));
    /* PA below VA (bit 4, a negative delta from the previous PA 0x09000000):
     * -0x08000000 zigzags to 0x0fffffff. */
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0x09000000, 0x01000000, 0x40010000, 23, 0);
    static const uint8_t pa[] = {0x00, 0x10, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00,
                                 0,    0,    0,    0,    0,    0,    0,    0};
    expect_coded(&s, &d, HVT_EXIT, c, pa, sizeof(pa));
    /* vCPU 64 shares slot 0 with vCPU 0: coded against that state. A
     * CANCELED exit (reason 0, syndrome 0, VA = PA = 0): flags 0x0f, VA
     * -0x09000000 zigzags to 0x11ffffff, one more instruction. */
    put_exit(c, 64, HV_EXIT_REASON_CANCELED, 0, 0, 0, 0x40010000, 24, 7);
    static const uint8_t v64[] = {0x40, 0x0f, 0x00, 0x00, 0xff, 0xff, 0xff, 0x8f, 0x01, 0x00,
                                  0x01, 7,    0,    0,    0,    0,    0,    0,    0};
    expect_coded(&s, &d, HVT_EXIT, c, v64, sizeof(v64));
    (void)state;
}

static void test_x86_exit_is_coded_against_the_previous_exit_of_its_vcpu(void **state)
{
    struct hvt_cstate s, d;
    hvt_cstate_reset(&s);
    hvt_cstate_reset(&d);
    uint8_t c[88] = {0};
    /* An EPT violation (48) at linear = physical 0xb8000, qualification
     * 0x181, RIP 0x1000, 2-byte instruction, hv_vcpu_run (no deadline). */
    hvt_put32(c, 1);
    hvt_put32(c + 4, 48);
    hvt_put64(c + 8, 0x181);
    hvt_put64(c + 16, 0xb8000);
    hvt_put64(c + 24, 0xb8000);
    hvt_put64(c + 32, 0x1000);
    hvt_put64(c + 40, 5);
    hvt_put64(c + 48, 0x0102030405060708ull);
    hvt_put64(c + 56, FOREVER);
    hvt_put32(c + 64, 2);
    static const uint8_t a[] = {0x01, 0x6f, 0x30, 0x81, 0x03, 0x80, 0x80, 0x5c, 0x02, 0x00, 0x80,
                                0x40, 0x05, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    expect_coded(&s, &d, HVT_EXIT_X86, c, a, sizeof(a));
    /* The next store, 2 bytes on, 4 instructions later: flags 0. */
    hvt_put64(c + 32, 0x1002);
    hvt_put64(c + 40, 9);
    static const uint8_t b[] = {0x01, 0x00, 0x04, 0x04, 0x08, 0x07,
                                0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    expect_coded(&s, &d, HVT_EXIT_X86, c, b, sizeof(b));
    /* An interrupt window with IDT vectoring info and a run_until deadline
     * of 1000: bits 0, 1 (qualification 0), 6, 10 and 11. */
    hvt_put32(c + 4, 7);
    hvt_put64(c + 8, 0);
    hvt_put64(c + 56, 1000);
    hvt_put32(c + 80, 0x80000b0e);
    hvt_put32(c + 84, 2);
    static const uint8_t w[] = {0x01, 0xc3, 0x18, 0x07, 0x00, 0xe9, 0x07, 0x8e,
                                0x96, 0x80, 0x80, 0x08, 0x02, 0x00, 0x00, 0x08,
                                0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    expect_coded(&s, &d, HVT_EXIT_X86, c, w, sizeof(w));
    (void)state;
}

static void test_register_writes_take_the_shortest_value_mode(void **state)
{
    struct hvt_cstate s, d;
    hvt_cstate_reset(&s);
    hvt_cstate_reset(&d);
    uint8_t c[56];
    /* Before any exit the PC base is 0: a PC is a plain varint (mode 0). */
    put_set(c, 0, HV_REG_PC, 0x40010000);
    static const uint8_t pc0[] = {0x00, 0x1f, 0x80, 0x80, 0x84, 0x80, 0x04};
    expect_coded(&s, &d, HVT_SET_REG, c, pc0, sizeof(pc0));
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, 0x92000046, 0x9000000, 0x9000000, 0x40010004, 3, 0);
    uint8_t z[HVT_COMPACT_MAX], back[56];
    assert_int_equal(
        hvt_compact_decode(&d, HVT_EXIT, z, hvt_compact_encode(&s, HVT_EXIT, c, z), back), NULL);
    /* PC = the exit's PC + 4 (mode 1): 3 bytes. */
    put_set(c, 0, HV_REG_PC, 0x40010008);
    static const uint8_t pc[] = {0x01, 0x1f, 0x08};
    expect_coded(&s, &d, HVT_SET_REG, c, pc, sizeof(pc));
    /* A loaded value: plain varint, mode 0 wins the tie with mode 1. */
    put_set(c, 0, HV_REG_X0, 0x12345678);
    static const uint8_t x0[] = {0x00, 0x00, 0xf8, 0xac, 0xd1, 0x91, 0x01};
    expect_coded(&s, &d, HVT_SET_REG, c, x0, sizeof(x0));
    /* -1: mode 2, one byte. */
    put_set(c, 0, HV_REG_X0, FOREVER);
    static const uint8_t m1[] = {0x02, 0x00, 0x01};
    expect_coded(&s, &d, HVT_SET_REG, c, m1, sizeof(m1));
    /* No varint under 9 bytes: mode 3, the u64. */
    put_set(c, 0, HV_REG_X0, 0xdeadbeefcafef00dull);
    static const uint8_t fx[] = {0x03, 0x00, 0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0xad, 0xde};
    expect_coded(&s, &d, HVT_SET_REG, c, fx, sizeof(fx));
    /* SET_SYSREG of vCPU 5: head 5 << 2 = 0x14, register 0xe208 in 3 bytes. */
    put_set(c, 5, HV_SYS_REG_SP_EL1, 0x80000);
    static const uint8_t sp[] = {0x14, 0x88, 0xc4, 0x03, 0x80, 0x80, 0x20};
    expect_coded(&s, &d, HVT_SET_SYSREG, c, sp, sizeof(sp));
    /* SET_PENDING_IRQ: three u32 varints. */
    uint8_t irq[12];
    hvt_put32(irq, 2);
    hvt_put32(irq + 4, HV_INTERRUPT_TYPE_FIQ);
    hvt_put32(irq + 8, 1);
    static const uint8_t pi[] = {0x02, 0x01, 0x01};
    expect_coded(&s, &d, HVT_SET_PENDING_IRQ, irq, pi, sizeof(pi));
    (void)state;
}

static void test_bad_compact_payloads_are_refused_with_a_reason(void **state)
{
    struct hvt_cstate d;
    hvt_cstate_reset(&d);
    uint8_t out[128];
    static const uint8_t reserved[] = {0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_string_equal(hvt_compact_decode(&d, HVT_EXIT, reserved, sizeof(reserved), out),
                        "bad EXIT flags");
    static const uint8_t both[] = {0x00, 0x18, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_string_equal(hvt_compact_decode(&d, HVT_EXIT, both, sizeof(both), out),
                        "bad EXIT flags");
    static const uint8_t shortd[] = {0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0};
    assert_string_equal(hvt_compact_decode(&d, HVT_EXIT, shortd, sizeof(shortd), out),
                        "digest cut short");
    static const uint8_t extra[] = {0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_string_equal(hvt_compact_decode(&d, HVT_EXIT, extra, sizeof(extra), out),
                        "bytes left over after the last field");
    static const uint8_t x86flags[] = {0x00, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_string_equal(hvt_compact_decode(&d, HVT_EXIT_X86, x86flags, sizeof(x86flags), out),
                        "bad EXIT_X86 flags");
    static const uint8_t bigreg[] = {0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00};
    assert_string_equal(hvt_compact_decode(&d, HVT_SET_REG, bigreg, sizeof(bigreg), out),
                        "bad register varint");
    static const uint8_t cut[] = {0x03, 0x00, 0x01, 0x02};
    assert_string_equal(hvt_compact_decode(&d, HVT_SET_REG, cut, sizeof(cut), out),
                        "value cut short");
    (void)state;
}

/* ---- a whole trace ---- */

/* VCPU_CREATE 0, SET_REG X1 = 7, the first EXIT of the format example
 * (FORMAT.md), END: one compact chunk, every byte known. */
static struct trace_buf small_trace(void)
{
    char path[256];
    tmp_path(path, sizeof(path), "small.hvt");
    struct hvt_writer w;
    assert_int_equal(hvt_writer_open(&w, path, &header13), 0);
    uint8_t p[56] = {0};
    hvt_writer_record(&w, HVT_VCPU_CREATE, p, 4);
    put_set(p, 0, HV_REG_X1, 7);
    hvt_writer_record(&w, HVT_SET_REG, p, 16);
    put_exit(p, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0, 0, 0x40010004, 3,
             0x1122334455667788ull);
    hvt_writer_record(&w, HVT_EXIT, p, 56);
    hvt_writer_close(&w);
    struct trace_buf b = trace_file(path);
    unlink(path);
    return b;
}

static const uint8_t small_records[] = {
    0x06, 0x01, 0x00,                                           /* 104: VCPU_CREATE 0 */
    0x08, 0x03, 0x00, 0x01, 0x07,                               /* 107: SET_REG X1 = 7 */
    0x11, 0x16, 0x00, 0x03, 0x01, 0x81, 0x80, 0x80, 0xd0, 0x05, /* 112: EXIT ... */
    0x88, 0x80, 0x88, 0x80, 0x08, 0x03, 0x88, 0x77, 0x66, 0x55, 0x44,
    0x33, 0x22, 0x11, 0x12, 0x10, 3,    0,    0,    0,    0,    0,
    0,    0,    1,    0,    0,    0,    0,    0,    0,    0, /* 136: END 3 records, 1 exit */
};

static void test_small_compact_trace_has_exactly_the_bytes_of_the_format(void **state)
{
    struct trace_buf b = small_trace();
    assert_int_equal(b.n, 80 + 24 + sizeof(small_records));
    assert_int_equal(hvt_get16(b.p + 10), 3);
    assert_memory_equal(b.p + 80, "HVMZ", 4);
    assert_int_equal(hvt_get32(b.p + 84), sizeof(small_records));
    assert_int_equal(hvt_get32(b.p + 88), 4);
    assert_int_equal(hvt_get32(b.p + 92), zchunk_crc(b.p + 80));
    assert_int_equal(hvt_get64(b.p + 96), 0);
    assert_memory_equal(b.p + 104, small_records, sizeof(small_records));

    /* Read back: canonical payloads, computed seqs, offsets and sizes. */
    struct hvt_reader r;
    struct hvt_record rec;
    assert_int_equal(hvt_reader_open_mem(&r, b.p, b.n), 0);
    static const struct {
        uint16_t type;
        uint64_t off;
        uint32_t size, stored;
    } want[] = {{HVT_VCPU_CREATE, 104, 4, 3},
                {HVT_SET_REG, 107, 16, 5},
                {HVT_EXIT, 112, 56, 24},
                {HVT_END, 136, 16, 18}};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(hvt_reader_next(&r, &rec), HVT_OK);
        assert_int_equal(rec.type, want[i].type);
        assert_int_equal(rec.seq, i);
        assert_int_equal(rec.offset, want[i].off);
        assert_int_equal(rec.size, want[i].size);
        assert_int_equal(rec.stored, want[i].stored);
    }
    uint8_t c[56];
    put_exit(c, 0, HV_EXIT_REASON_EXCEPTION, ESR_HVC(1), 0, 0, 0x40010004, 3,
             0x1122334455667788ull);
    /* The last EXIT's payload is still valid after reading END. */
    struct hvt_reader r2;
    assert_int_equal(hvt_reader_open_mem(&r2, b.p, b.n), 0);
    struct hvt_record ex;
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(hvt_reader_next(&r2, &ex), HVT_OK);
    assert_int_equal(hvt_reader_next(&r2, &rec), HVT_OK);
    assert_int_equal(hvt_reader_next(&r2, &rec), HVT_DONE);
    assert_memory_equal(ex.payload, c, 56);
    assert_true(r2.clean);
    hvt_reader_close(&r2);
    assert_int_equal(hvt_reader_next(&r, &rec), HVT_DONE);
    assert_true(r.clean);
    assert_int_equal(r.end_records, 3);
    assert_int_equal(r.end_exits, 1);
    hvt_reader_close(&r);
    free(b.p);
    (void)state;
}

static void
test_cut_compact_chunk_is_a_torn_end_and_a_cut_record_an_error_at_its_offset(void **state)
{
    struct trace_buf b = small_trace();
    /* Every cut inside the chunk: a torn end naming the chunk, no record. */
    for (size_t len = 81; len < b.n; len++) {
        struct hvt_reader r;
        size_t got;
        assert_int_equal(trace_read_mem(b.p, len, &r, &got), HVT_DONE);
        assert_int_equal(got, 0);
        assert_true(r.truncated);
        assert_false(r.clean);
        if (!trace_names_offset(r.err, 80))
            fail_msg("cut at %zu: \"%s\"", len, r.err);
        hvt_reader_close(&r);
    }
    uint8_t *t = malloc(b.n);
    assert_non_null(t);
    /* The EXIT one byte short (its last digest byte gone, size 21, the chunk
     * one byte smaller, CRC right): an error at the EXIT's offset. */
    memcpy(t, b.p, b.n);
    memmove(t + 112 + 23, t + 112 + 24, b.n - (112 + 24));
    t[113] = 21;
    hvt_put32(t + 84, hvt_get32(t + 84) - 1);
    hvt_put32(t + 92, zchunk_crc(t + 80));
    assert_trace_error_at(t, b.n - 1, 112, "compact EXIT record of 21 bytes: digest cut short");
    /* A record size past the end of the chunk. */
    memcpy(t, b.p, b.n);
    t[113] = 0x7f;
    hvt_put32(t + 92, zchunk_crc(t + 80));
    assert_trace_error_at(t, b.n, 112, "runs past the end of its chunk");
    /* A reserved EXIT flag. */
    memcpy(t, b.p, b.n);
    t[115] |= 0x80;
    hvt_put32(t + 92, zchunk_crc(t + 80));
    assert_trace_error_at(t, b.n, 112, "bad EXIT flags");
    /* A type varint that is not minimal: 8 as 0x88 0x00. */
    memcpy(t, b.p, b.n);
    t[107] = 0x88;
    t[108] = 0x00;
    hvt_put32(t + 92, zchunk_crc(t + 80));
    assert_trace_error_at(t, b.n, 107, "bad record type varint");
    /* The first seq of the chunk is not the next record's. */
    memcpy(t, b.p, b.n);
    hvt_put64(t + 96, 1);
    hvt_put32(t + 92, zchunk_crc(t + 80));
    assert_trace_error_at(t, b.n, 80, "chunk starts at record 1, expected 0");
    /* The first seq is under the CRC. */
    memcpy(t, b.p, b.n);
    t[96] ^= 1;
    assert_trace_error_at(t, b.n, 80, "CRC mismatch");
    /* A 1.2 chunk in a 1.3 trace, and a compact chunk in a 1.2 trace. */
    memcpy(t, b.p, b.n);
    memcpy(t + 80, "HVMC", 4);
    assert_trace_error_at(t, b.n, 80, "a 1.2 chunk in a format 1.3 trace");
    memcpy(t, b.p, b.n);
    struct hvt_header h12 = header13;
    h12.minor = 2;
    hvt_header_encode(&h12, t);
    assert_trace_error_at(t, b.n, 80, "a compact (1.3) chunk in a format 1.2 trace");
    free(t);
    free(b.p);
    (void)state;
}

/* Every chunk decodes on its own: each chunk of a 200-exit trace, alone
 * after a header (first seq set to 0), gives the records it gives in place. */
static void test_every_chunk_decodes_without_the_chunks_before_it(void **state)
{
    char path[256];
    tmp_path(path, sizeof(path), "chunks.hvt");
    struct hvt_writer w;
    assert_int_equal(hvt_writer_open(&w, path, &header13), 0);
    uint8_t p[56];
    for (unsigned i = 0; i < 200; i++) {
        put_set(p, i % 2, HV_REG_PC, 0x40000000u + 4 * i);
        hvt_writer_record(&w, HVT_SET_REG, p, 16);
        put_exit(p, i % 2, HV_EXIT_REASON_EXCEPTION, 0x93c08006 + (i % 3), 0x9000000 + i,
                 0x9000000 + i, 0x40000000u + 4 * i, 10u * i, 0x5151515151515151ull * i);
        hvt_writer_record(&w, HVT_EXIT, p, 56);
    }
    hvt_writer_close(&w);
    struct trace_buf b = trace_file(path);
    unlink(path);

    struct hvt_reader all;
    struct hvt_record rec;
    assert_int_equal(hvt_reader_open_mem(&all, b.p, b.n), 0);
    size_t off = HVT_HEADER_SIZE;
    unsigned chunks = 0;
    uint8_t *one = malloc(b.n);
    assert_non_null(one);
    while (off < b.n) {
        uint32_t len = hvt_get32(b.p + off + 4), count = hvt_get32(b.p + off + 8);
        memcpy(one, b.p, HVT_HEADER_SIZE);
        memcpy(one + HVT_HEADER_SIZE, b.p + off, 24 + len);
        hvt_put64(one + HVT_HEADER_SIZE + 16, 0);
        hvt_put32(one + HVT_HEADER_SIZE + 12, zchunk_crc(one + HVT_HEADER_SIZE));
        struct hvt_reader alone;
        assert_int_equal(hvt_reader_open_mem(&alone, one, HVT_HEADER_SIZE + 24 + len), 0);
        for (uint32_t i = 0; i < count; i++) {
            struct hvt_record a;
            assert_int_equal(hvt_reader_next(&all, &rec), HVT_OK);
            if (rec.type == HVT_END) /* counts the whole trace's records */
                break;
            assert_int_equal(hvt_reader_next(&alone, &a), HVT_OK);
            assert_int_equal(a.type, rec.type);
            assert_int_equal(a.size, rec.size);
            assert_int_equal(a.stored, rec.stored);
            assert_memory_equal(a.payload, rec.payload, rec.size);
        }
        hvt_reader_close(&alone);
        off += 24 + len;
        chunks++;
    }
    assert_int_equal(chunks, 4); /* 64 + 64 + 64 + 8 exits */
    assert_true(all.clean);
    hvt_reader_close(&all);
    free(one);
    free(b.p);
    (void)state;
}

/* ---- older traces ---- */

/* Writes every record of in (END excepted) through a writer of minor into out. */
static void reencode(const char *in, const char *out, uint16_t minor)
{
    struct hvt_reader r;
    struct hvt_writer w;
    struct hvt_record rec;
    assert_int_equal(hvt_reader_open_file(&r, in), 0);
    struct hvt_header h = r.hdr;
    h.minor = minor;
    assert_int_equal(hvt_writer_open(&w, out, &h), 0);
    enum hvt_status st;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK)
        if (rec.type != HVT_END)
            hvt_writer_record(&w, rec.type, rec.payload, rec.size);
    assert_int_equal(st, HVT_DONE);
    assert_true(r.clean);
    hvt_writer_close(&w);
    hvt_reader_close(&r);
}

static void expect_same_records(const char *a_path, const char *b_path)
{
    struct hvt_reader a, b;
    struct hvt_record ra, rb;
    assert_int_equal(hvt_reader_open_file(&a, a_path), 0);
    assert_int_equal(hvt_reader_open_file(&b, b_path), 0);
    enum hvt_status sa, sb;
    uint64_t n = 0;
    while ((sa = hvt_reader_next(&a, &ra)) == HVT_OK) {
        sb = hvt_reader_next(&b, &rb);
        assert_int_equal(sb, HVT_OK);
        assert_int_equal(ra.type, rb.type);
        assert_int_equal(ra.seq, rb.seq);
        assert_int_equal(ra.size, rb.size);
        assert_memory_equal(ra.payload, rb.payload, ra.size);
        n++;
    }
    assert_int_equal(sa, HVT_DONE);
    assert_int_equal(hvt_reader_next(&b, &rb), HVT_DONE);
    assert_true(a.clean && b.clean);
    assert_int_equal(n, 436); /* the demo's records */
    hvt_reader_close(&a);
    hvt_reader_close(&b);
}

static void test_golden_trace_as_1_0_1_2_and_1_3_reads_the_same_records_and_replays(void **state)
{
    const char *golden = HVMODEL_SOURCE_DIR "/tests/golden/demo.hvt";
    char v12[256], v13[256];
    tmp_path(v12, sizeof(v12), "demo12.hvt");
    tmp_path(v13, sizeof(v13), "demo13.hvt");
    reencode(golden, v12, 2);
    reencode(golden, v13, 3);
    expect_same_records(golden, v12);
    expect_same_records(golden, v13);
    struct trace_buf g = trace_file(golden), c = trace_file(v13);
    assert_int_equal(hvt_get16(g.p + 10), 0);
    assert_true(c.n * 2 < g.n); /* less than half the size */
    free(g.p);
    free(c.p);
    const char *paths[] = {golden, v12, v13};
    for (unsigned i = 0; i < 3; i++) {
        struct replay_result res;
        int rc = replay_file(paths[i], NULL, &res);
        if (rc != 0)
            fail_msg("%s: rc %d (%s)", paths[i], rc, res.error);
        assert_int_equal(res.exits, 142);
        assert_true(res.clean);
        assert_false(res.diverged);
    }
    unlink(v12);
    unlink(v13);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints_have_their_exact_bytes_and_bad_ones_are_refused),
        cmocka_unit_test(test_arm64_exit_is_coded_against_the_previous_exit_of_its_vcpu),
        cmocka_unit_test(test_x86_exit_is_coded_against_the_previous_exit_of_its_vcpu),
        cmocka_unit_test(test_register_writes_take_the_shortest_value_mode),
        cmocka_unit_test(test_bad_compact_payloads_are_refused_with_a_reason),
        cmocka_unit_test(test_small_compact_trace_has_exactly_the_bytes_of_the_format),
        cmocka_unit_test(
            test_cut_compact_chunk_is_a_torn_end_and_a_cut_record_an_error_at_its_offset),
        cmocka_unit_test(test_every_chunk_decodes_without_the_chunks_before_it),
        cmocka_unit_test(test_golden_trace_as_1_0_1_2_and_1_3_reads_the_same_records_and_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
