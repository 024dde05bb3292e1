/*
 * fuzz_trace_reader.c — feeds arbitrary bytes to the trace reader
 * (trace/reader.h) and checks what it returns: a header it accepts is
 * plausible, records come in sequence at increasing offsets inside the
 * data with the size their type requires (a compact record of 1.3 expanded
 * to its canonical size, every other payload the bytes in the file), END is the last record, the
 * trace is called clean only after its END record was returned, and every stop that is not a clean
 * end carries a message naming an offset. Nothing is replayed.
 *
 * With libFuzzer (clang -fsanitize=fuzzer) a broken invariant aborts; with
 * fuzz/driver.c it is counted through fuzz_invariant_failed().
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../trace/reader.h"
#include "util.h"

const char fuzz_name[] = "fuzz_trace_reader";

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fuzz_invariant_failed(#cond);                                                          \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static bool names_an_offset(const char *msg)
{
    const char *s = strstr(msg, "offset ");
    return s && s[7] >= '0' && s[7] <= '9';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hvt_reader r;
    if (hvt_reader_open_mem(&r, data, size) != 0) {
        CHECK(names_an_offset(r.err));
        goto out;
    }
    CHECK(size >= HVT_HEADER_SIZE);
    CHECK(memcmp(data, HVT_MAGIC, 8) == 0);
    CHECK(r.hdr.major == HVT_MAJOR);
    CHECK(r.hdr.flavour == HVT_FLAVOUR_ARM64 || r.hdr.flavour == HVT_FLAVOUR_X86);
    CHECK(r.hdr.granule == 4096 || r.hdr.granule == 16384);
    CHECK(r.hdr.insns_per_tick > 0);
    CHECK(hvt_get32(data + 76) == hvt_crc32c(0, data, 76));

    struct hvt_record rec;
    enum hvt_status st;
    uint64_t n = 0, exits = 0;
    uint64_t last_off = 0;
    bool end_seen = false;
    bool compact = r.hdr.minor >= HVT_MINOR_COMPACT;
    size_t chunk_hdr = compact ? HVT_ZCHUNK_HDR : HVT_CHUNK_HDR;
    size_t min_rec = compact ? HVT_ZRECORD_MIN : HVT_RECORD_HDR;
    while ((st = hvt_reader_next(&r, &rec)) == HVT_OK) {
        CHECK(!end_seen); /* nothing after END */
        CHECK(rec.seq == n);
        CHECK(rec.offset >= HVT_HEADER_SIZE + chunk_hdr);
        CHECK(n == 0 || rec.offset > last_off);
        CHECK(rec.stored >= min_rec && rec.offset <= size - rec.stored);
        if (!compact) {
            CHECK(rec.stored == HVT_RECORD_HDR + rec.size);
            CHECK(memcmp(rec.payload, data + rec.offset + HVT_RECORD_HDR, rec.size) == 0);
        } else if (!hvt_is_compact_type(rec.type)) {
            CHECK(rec.size <= rec.stored - HVT_ZRECORD_MIN);
            CHECK(memcmp(rec.payload, data + rec.offset + rec.stored - rec.size, rec.size) == 0);
        }
        if (hvt_type_name(rec.type)) {
            if (rec.type == HVT_MEM)
                CHECK(rec.size >= 16 && hvt_get32(rec.payload + 12) == rec.size - 16);
            else
                CHECK(rec.size == hvt_payload_size(rec.type));
        } else {
            CHECK(r.hdr.minor > HVT_MINOR); /* only a newer minor has unknown types */
        }
        if (rec.type == HVT_EXIT)
            exits++;
        if (rec.type == HVT_END) {
            end_seen = true;
            CHECK(hvt_get64(rec.payload) == n);
            CHECK(r.clean);
        }
        last_off = rec.offset;
        n++;
        CHECK(n <= size / min_rec);
    }
    if (st == HVT_DONE) {
        CHECK(r.clean == end_seen);
        CHECK(!(r.clean && r.truncated));
        if (r.truncated)
            CHECK(names_an_offset(r.err));
        if (r.clean)
            CHECK(r.end_records == n - 1);
    } else {
        CHECK(st == HVT_ERROR);
        CHECK(names_an_offset(r.err));
    }
    /* Clean means an END record passed its checks and was returned. */
    CHECK(!r.clean || end_seen);
    /* A finished reader stays finished. */
    enum hvt_status again = hvt_reader_next(&r, &rec);
    CHECK(again != HVT_OK);
out:
    hvt_reader_close(&r);
    return 0;
}
