/*
 * insn.c — the length of the instructions the exit path meets most, decoded
 * directly: IN/OUT/INS/OUTS, HLT, CPUID, RDMSR/WRMSR,
 * RDTSC/RDPMC, INVD/WBINVD, RDTSCP, MONITOR/MWAIT, and MOV between a
 * register and memory (88..8B, the usual MMIO access). Anything else, and
 * every encoding whose reading could depend on a decoder's choices (LOCK,
 * a REX prefix not right before the opcode, F2/F3 before a 0F opcode, more
 * than 15 bytes), is left to Capstone: the callers fall back to it.
 *
 * Lengths count every prefix, as the VM-exit instruction length does (SDM
 * vol. 3C, 28.2.4).
 */
#include "x86.h"

/* The length of a ModRM byte and what follows it (SIB, displacement) for
 * an address size of 16, 32 or 64 bits. */
static uint32_t modrm_len(const uint8_t *b, size_t n, unsigned asz)
{
    if (!n)
        return 0;
    unsigned mod = b[0] >> 6, rm = b[0] & 7u;
    if (mod == 3)
        return 1;
    if (asz == 16) {
        if (mod == 0)
            return rm == 6 ? 3 : 1;
        return mod == 1 ? 2 : 3;
    }
    uint32_t len = 1;
    if (rm == 4) { /* SIB */
        if (n < 2)
            return 0;
        len = 2;
        if (mod == 0 && (b[1] & 7u) == 5)
            return len + 4;
    } else if (mod == 0 && rm == 5) {
        return len + 4; /* disp32 (RIP-relative in 64-bit code) */
    }
    return len + (mod == 1 ? 1u : mod == 2 ? 4u : 0u);
}

uint32_t x86_quick_len(const uint8_t *b, size_t n, unsigned bits, bool *io)
{
    size_t i = 0;
    bool asz_prefix = false, rep = false, rex = false;
    if (io)
        *io = false;
    for (; i < n && i < 15; i++) {
        uint8_t p = b[i];
        if (p == 0x67)
            asz_prefix = true;
        else if (p == 0xf2 || p == 0xf3)
            rep = true;
        else if (p == 0xf0)
            return 0; /* LOCK: #UD or not, Capstone's call */
        else if (!(p == 0x66 || p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e || p == 0x64 ||
                   p == 0x65 || (bits == 64 && (p & 0xf0u) == 0x40u)))
            break;
        if (rex)
            return 0; /* a prefix after REX: REX is ignored, not decoded here */
        rex = bits == 64 && (p & 0xf0u) == 0x40u;
    }
    if (i >= n || i >= 15)
        return 0;
    uint8_t op = b[i];
    uint32_t len = 0;
    bool is_io = false;
    switch (op) {
    case 0x6c:
    case 0x6d:
    case 0x6e:
    case 0x6f: /* INS, OUTS */
    case 0xec:
    case 0xed:
    case 0xee:
    case 0xef: /* IN, OUT with DX */
        len = 1;
        is_io = true;
        break;
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7: /* IN, OUT with imm8 */
        len = 2;
        is_io = true;
        break;
    case 0xf4: /* HLT */ len = 1; break;
    case 0x88:
    case 0x89:
    case 0x8a:
    case 0x8b: { /* MOV r/m, r and r, r/m */
        unsigned asz = bits == 16   ? (asz_prefix ? 32u : 16u)
                       : bits == 32 ? (asz_prefix ? 16u : 32u)
                                    : (asz_prefix ? 32u : 64u);
        uint32_t m = modrm_len(b + i + 1, n - i - 1, asz);
        len = m ? 1u + m : 0u;
        break;
    }
    case 0x0f:
        if (rep || i + 1 >= n)
            return 0; /* F2/F3 select other instructions in the 0F map */
        switch (b[i + 1]) {
        case 0xa2: /* CPUID */
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33: /* WRMSR RDTSC RDMSR RDPMC */
        case 0x08:
        case 0x09: /* INVD, WBINVD */ len = 2; break;
        case 0x01:
            if (i + 2 < n && (b[i + 2] == 0xf9 || b[i + 2] == 0xc8 || b[i + 2] == 0xc9))
                len = 3; /* RDTSCP, MONITOR, MWAIT */
            break;
        }
        break;
    }
    if (!len || i + len > 15 || i + len > n)
        return 0;
    if (io)
        *io = is_io;
    return (uint32_t)i + len;
}
