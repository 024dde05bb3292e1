/*
 * format.c — the format's tables, CRC32C and the header encoding.
 */
#include "format.h"

#include <pthread.h>
#include <string.h>

static const struct {
    const char *name;
    uint32_t size;
} types[HVT_TYPE_COUNT] = {
    [HVT_REGION] = {"REGION", 12},
    [HVT_MAP] = {"MAP", 32},
    [HVT_UNMAP] = {"UNMAP", 16},
    [HVT_PROTECT] = {"PROTECT", 20},
    [HVT_MEM] = {"MEM", 0},
    [HVT_VCPU_CREATE] = {"VCPU_CREATE", 4},
    [HVT_VCPU_DESTROY] = {"VCPU_DESTROY", 4},
    [HVT_SET_REG] = {"SET_REG", 16},
    [HVT_SET_SYSREG] = {"SET_SYSREG", 16},
    [HVT_SET_SIMD] = {"SET_SIMD", 24},
    [HVT_SET_PENDING_IRQ] = {"SET_PENDING_IRQ", 12},
    [HVT_SET_VTIMER_MASK] = {"SET_VTIMER_MASK", 8},
    [HVT_SET_VTIMER_OFFSET] = {"SET_VTIMER_OFFSET", 12},
    [HVT_SET_TRAP] = {"SET_TRAP", 12},
    [HVT_CLOCK_ADVANCE] = {"CLOCK_ADVANCE", 8},
    [HVT_KICK] = {"KICK", 4},
    [HVT_EXIT] = {"EXIT", 56},
    [HVT_END] = {"END", 16},
    [HVT_SET_VMCS] = {"SET_VMCS", 16},
    [HVT_SET_MSR] = {"SET_MSR", 16},
    [HVT_SET_NATIVE_MSR] = {"SET_NATIVE_MSR", 12},
    [HVT_SET_FPSTATE] = {"SET_FPSTATE", 0},
    [HVT_SYNC_TSC] = {"SYNC_TSC", 8},
    [HVT_SET_TSC_RELATIVE] = {"SET_TSC_RELATIVE", 12},
    [HVT_INVALIDATE_TLB] = {"INVALIDATE_TLB", 4},
    [HVT_SET_APIC_ADDRESS] = {"SET_APIC_ADDRESS", 12},
    [HVT_EXIT_X86] = {"EXIT_X86", 88},
    [HVT_GIC_CREATE] = {"GIC_CREATE", 36},
    [HVT_GIC_INPUT] = {"GIC_INPUT", 20},
    [HVT_GIC_SET_REG] = {"GIC_SET_REG", 20},
    [HVT_GIC_SET_STATE] = {"GIC_SET_STATE", 0},
    [HVT_SPACE_CREATE] = {"SPACE_CREATE", 4},
    [HVT_SPACE_DESTROY] = {"SPACE_DESTROY", 4},
    [HVT_SET_SPACE] = {"SET_SPACE", 8},
    [HVT_SPACE_MEMORY] = {"SPACE_MEMORY", 40},
    [HVT_CLOCK_IDLE] = {"CLOCK_IDLE", 12},
    [HVT_RUN] = {"RUN", 4},
};

uint32_t hvt_payload_size(uint16_t type)
{
    return type < HVT_TYPE_COUNT ? types[type].size : 0;
}

const char *hvt_type_name(uint16_t type)
{
    return type < HVT_TYPE_COUNT && types[type].name ? types[type].name : NULL;
}

int hvt_has_vcpu(uint16_t type)
{
    switch (type) {
    case HVT_REGION:
    case HVT_MAP:
    case HVT_UNMAP:
    case HVT_PROTECT:
    case HVT_MEM:
    case HVT_CLOCK_ADVANCE:
    case HVT_END:
    case HVT_SYNC_TSC:
    case HVT_GIC_CREATE:
    case HVT_GIC_INPUT:
    case HVT_GIC_SET_STATE:
    case HVT_SPACE_CREATE:
    case HVT_SPACE_DESTROY:
    case HVT_SPACE_MEMORY: return 0;
    default: return hvt_type_name(type) != NULL;
    }
}

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing by 8:
 * table k holds the CRC of a byte followed by k zero bytes, so eight input
 * bytes are folded per step. Same result as the byte-at-a-time definition. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

uint32_t hvt_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = data;
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ hvt_get32(p), hi = hvt_get32(p + 4);
        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^
              crc_table[2][(hi >> 8) & 0xff] ^ crc_table[1][(hi >> 16) & 0xff] ^
              crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t hvt_digest(const uint64_t *vals, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) {
            h ^= (uint8_t)(vals[i] >> (8 * b));
            h *= 0x100000001b3ull;
        }
    return h;
}

void hvt_header_encode(const struct hvt_header *h, uint8_t out[HVT_HEADER_SIZE])
{
    memset(out, 0, HVT_HEADER_SIZE);
    memcpy(out, HVT_MAGIC, 8);
    hvt_put16(out + 8, h->major);
    hvt_put16(out + 10, h->minor);
    hvt_put32(out + 12, HVT_HEADER_SIZE);
    hvt_put32(out + 16, h->flavour);
    hvt_put32(out + 20, h->unicorn);
    memcpy(out + 24, h->model_version, strnlen(h->model_version, 32));
    hvt_put32(out + 56, h->ipa_bits);
    hvt_put32(out + 60, h->granule);
    hvt_put32(out + 64, h->insns_per_tick);
    hvt_put32(out + 76, hvt_crc32c(0, out, 76));
}
