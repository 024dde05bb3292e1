/*
 * format.h — constants and little-endian helpers of the trace format.
 * trace/FORMAT.md is the specification; this header only mirrors it.
 */
#ifndef HVMODEL_TRACE_FORMAT_H
#define HVMODEL_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define HVT_MAGIC       "HVMTRACE"
#define HVT_CHUNK_MAGIC "HVMC"
#define HVT_MAJOR       1u /* bump when anything existing changes layout or meaning */
#define HVT_MINOR       3u /* bump when record types or encodings are added */
#define HVT_HEADER_SIZE 80u
#define HVT_CHUNK_HDR   16u /* versions 1.0-1.2 */
#define HVT_RECORD_HDR  16u /* versions 1.0-1.2 */
/* 1.3: compact chunks (FORMAT.md, "Compact chunks") */
#define HVT_MINOR_COMPACT 3u          /* the first minor whose chunks are compact */
#define HVT_ZCHUNK_MAGIC  "HVMZ"      /* a compact chunk */
#define HVT_ZCHUNK_HDR    24u         /* its header: HVT_CHUNK_HDR + u64 first seq */
#define HVT_ZRECORD_MIN   2u          /* the shortest compact record: type, size 0 */
#define HVT_CHUNK_MAX     (16u << 20) /* payload bytes a reader accepts in one chunk */
#define HVT_CHUNK_TARGET  (64u << 10) /* the writer flushes a chunk at this size */
#define HVT_CHUNK_EXITS   64u         /* ... or after this many EXIT records */

enum hvt_flavour { HVT_FLAVOUR_ARM64 = 1, HVT_FLAVOUR_X86 = 2 };

enum hvt_type {
    HVT_REGION = 1,
    HVT_MAP = 2,
    HVT_UNMAP = 3,
    HVT_PROTECT = 4,
    HVT_MEM = 5,
    HVT_VCPU_CREATE = 6,
    HVT_VCPU_DESTROY = 7,
    HVT_SET_REG = 8,
    HVT_SET_SYSREG = 9,
    HVT_SET_SIMD = 10,
    HVT_SET_PENDING_IRQ = 11,
    HVT_SET_VTIMER_MASK = 12,
    HVT_SET_VTIMER_OFFSET = 13,
    HVT_SET_TRAP = 14,
    HVT_CLOCK_ADVANCE = 15,
    HVT_KICK = 16,
    HVT_EXIT = 17,
    HVT_END = 18,
    /* 1.1: the x86 flavour */
    HVT_SET_VMCS = 19,
    HVT_SET_MSR = 20,
    HVT_SET_NATIVE_MSR = 21,
    HVT_SET_FPSTATE = 22,
    HVT_SYNC_TSC = 23,
    HVT_SET_TSC_RELATIVE = 24,
    HVT_INVALIDATE_TLB = 25,
    HVT_SET_APIC_ADDRESS = 26,
    HVT_EXIT_X86 = 27,
    /* 1.2: the arm64 in-framework GIC (hv_gic_*) */
    HVT_GIC_CREATE = 28,
    HVT_GIC_INPUT = 29,
    HVT_GIC_SET_REG = 30,
    HVT_GIC_SET_STATE = 31,
    /* 1.2: x86 address spaces */
    HVT_SPACE_CREATE = 32,
    HVT_SPACE_DESTROY = 33,
    HVT_SET_SPACE = 34,
    HVT_SPACE_MEMORY = 35,
    HVT_CLOCK_IDLE = 36,
    /* 1.3 */
    HVT_RUN = 37,
    HVT_TYPE_COUNT
};

/* The file header's fields (FORMAT.md, "File header"). */
struct hvt_header {
    uint16_t major, minor;
    uint32_t flavour;
    uint32_t unicorn;
    char model_version[33];
    uint32_t ipa_bits, granule, insns_per_tick;
};

#define HVT_FPSTATE_MAX   4096u  /* SET_FPSTATE carries at most this many bytes */
#define HVT_GIC_STATE_MAX 16384u /* GIC_SET_STATE carries at most this many bytes */

/* GIC_CREATE: which parts of the configuration the VMM set. */
enum hvt_gic_set {
    HVT_GIC_HAS_DIST = 1u << 0,
    HVT_GIC_HAS_REDIST = 1u << 1,
    HVT_GIC_HAS_MSI_REGION = 1u << 2,
    HVT_GIC_HAS_MSI_RANGE = 1u << 3,
};

/* GIC_INPUT: which VM-wide call. */
enum hvt_gic_kind {
    HVT_GIC_SPI = 0,      /* hv_gic_set_spi(arg, value) */
    HVT_GIC_MSI = 1,      /* hv_gic_send_msi(value, arg) */
    HVT_GIC_DIST_REG = 2, /* hv_gic_set_distributor_reg(arg, value) */
    HVT_GIC_MSI_REG = 3,  /* hv_gic_set_msi_reg(arg, value) */
    HVT_GIC_RESET = 4,    /* hv_gic_reset() */
};
#define HVT_GIC_WHILE_RUNNING 1u /* GIC_INPUT flags: a vCPU was inside hv_vcpu_run */

/* GIC_SET_REG: which per-vCPU register file. */
enum hvt_gic_file {
    HVT_GIC_REDIST = 0, /* hv_gic_set_redistributor_reg */
    HVT_GIC_ICC = 1,    /* hv_gic_set_icc_reg */
};

/* The payload size a record type must have; 0 for MEM, SET_FPSTATE and
 * GIC_SET_STATE (variable). */
uint32_t hvt_payload_size(uint16_t type);
const char *hvt_type_name(uint16_t type);

uint32_t hvt_crc32c(uint32_t crc, const void *data, size_t len);

static inline void hvt_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void hvt_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void hvt_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t hvt_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t hvt_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hvt_get64(const uint8_t *p)
{
    return (uint64_t)hvt_get32(p) | (uint64_t)hvt_get32(p + 4) << 32;
}

/* FNV-1a 64 over the little-endian bytes of n u64 values (the EXIT digest). */
uint64_t hvt_digest(const uint64_t *vals, size_t n);

/* The format minor version that defined a record type. */
static inline unsigned hvt_type_minor(uint16_t type)
{
    return type >= HVT_RUN ? 3u : type >= HVT_GIC_CREATE ? 2u : type >= HVT_SET_VMCS ? 1u : 0u;
}

/* EXIT or EXIT_X86: the records replay compares. */
static inline int hvt_is_exit(uint16_t type)
{
    return type == HVT_EXIT || type == HVT_EXIT_X86;
}

/* Records whose payload starts with a u32 vCPU id. */
int hvt_has_vcpu(uint16_t type);

void hvt_header_encode(const struct hvt_header *h, uint8_t out[HVT_HEADER_SIZE]);

#endif
