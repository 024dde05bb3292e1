/*
 * compact.h — the compact encodings of format 1.3 (trace/FORMAT.md,
 * "Compact chunks"): varints, and the hot records (EXIT, EXIT_X86 and the
 * register writes) coded against the same vCPU's previous exit in the chunk.
 * The writer and the reader share this code, so both sides keep the delta
 * state in exactly the same way.
 */
#ifndef HVMODEL_TRACE_COMPACT_H
#define HVMODEL_TRACE_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVT_VARINT_MAX   10u  /* bytes of the longest varint (a u64) */
#define HVT_COMPACT_MAX  128u /* bytes of the longest compact payload */
#define HVT_DELTA_SLOTS  64u  /* delta state slots: vCPU id modulo this */
#define HVT_CREC_HDR_MAX 8u   /* a compact record header: varint type + varint size */

/* What a vCPU's previous exit in the chunk left behind (all 0 at the start
 * of each chunk). arm64 uses reason, syndrome (as `qual`), va, pa, pc,
 * icount; x86 all of them. */
struct hvt_vstate {
    uint64_t reason, qual, va, pa, pc, icount, deadline;
    uint64_t instr_len, instr_info, intr_info, intr_error, idt_info, idt_error;
};

struct hvt_cstate {
    struct hvt_vstate slot[HVT_DELTA_SLOTS];
};

/* Unsigned LEB128; returns the bytes written (1..10). */
size_t hvt_varint_put(uint8_t *p, uint64_t v);
/* Reads one varint from p[0..n); returns the bytes read, or 0 when it runs
 * past n, is longer than 10 bytes, overflows 64 bits or is not minimal. */
size_t hvt_varint_get(const uint8_t *p, size_t n, uint64_t *v);

static inline uint64_t hvt_zigzag(uint64_t delta)
{
    return (delta << 1) ^ (0u - (delta >> 63));
}
static inline uint64_t hvt_unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0u - (z & 1));
}

/* Types whose payload a compact chunk holds in a compact encoding. */
bool hvt_is_compact_type(uint16_t type);

static inline void hvt_cstate_reset(struct hvt_cstate *s)
{
    *s = (struct hvt_cstate){0};
}

/* Encodes the canonical payload of a compact type (its exact 1.2 size) into
 * out; returns the compact size (≤ HVT_COMPACT_MAX) and updates the state. */
uint32_t hvt_compact_encode(struct hvt_cstate *s, uint16_t type, const uint8_t *canon,
                            uint8_t out[HVT_COMPACT_MAX]);

/* Decodes n bytes of a compact payload into its canonical payload (of
 * hvt_payload_size(type) bytes) and updates the state. Returns NULL, or what
 * is wrong with the input (the state is then unspecified). */
const char *hvt_compact_decode(struct hvt_cstate *s, uint16_t type, const uint8_t *in, uint32_t n,
                               uint8_t *canon);

#endif
