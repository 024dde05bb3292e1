/*
 * segerr.c — the error code of a #GP, #NP, #SS or #TS the guest's own
 * instruction raised. The engine computes it but keeps it out of reach of
 * the public API, so the model finds it again: it decodes the instruction
 * at RIP and repeats the instruction's checks in the order of its SDM
 * pseudo-code (vol. 2), the error code being that of the first check that
 * fails (bits 15:3 the selector index, bit 2 TI; EXT and IDT clear for the
 * guest's own instruction). Followed:
 *
 * - MOV Sreg, POP Sreg: the selector loaded;
 * - far JMP and far CALL (EA, 9A, FF /5, FF /3) to a code segment or
 *   through a call gate (the gate's, then the target's selector; in IA-32e
 *   mode only 64-bit gates and 64-bit code);
 * - IRET (CF) and far RET (CA, CB) in protected mode: the return CS, then
 *   the SS popped on a return to an outer level (and always by IRET in
 *   64-bit mode).
 *
 * Not followed (error code 0, docs/x86.md): task switches (a far transfer
 * to a TSS or a task gate, IRET with NT set), the stack switch of a CALL
 * through a gate to an inner level (#TS/#SS of the new stack). Checks on
 * IDT gates are the model's own (deliver.c) and exact.
 */
#include "x86.h"

#define rd x86_rd

#define SEL_ERR(sel) ((uint32_t)(sel)&0xfffcu)
/* A fault found: vector << 16 | error code; vector 0: the engine's. */
#define GP(e)        (13u << 16 | (e))
#define NP(e)        (11u << 16 | (e))
#define SS(e)        (12u << 16 | (e))
#define D_TYPE(d)    (((d)[1] >> 8) & 0x1fu) /* S and type */
#define D_DPL(d)     (((d)[1] >> 13) & 3u)
#define D_PRESENT(d) (((d)[1] & 0x8000u) != 0)
#define D_L(d)       (((d)[1] & (1u << 21)) != 0)
#define D_DB(d)      (((d)[1] & (1u << 22)) != 0)
#define IS_CODE(t)   (((t)&0x18u) == 0x18u)
#define IS_CONF(t)   (((t)&0x1cu) == 0x1cu)

bool x86_read_desc(struct x86_vcpu *v, uint16_t sel, unsigned size, uint32_t d[4])
{
    /* From the VMCS as it stands (brought up to date from the engine, or
     * about to be loaded into it). */
    uint64_t base;
    uint32_t limit;
    if (sel & 4u) {
        if (state_read_field(v, VMCS_GUEST_LDTR_AR) & 0x10000u)
            return false;
        base = state_read_field(v, VMCS_GUEST_LDTR_BASE);
        limit = (uint32_t)state_read_field(v, VMCS_GUEST_LDTR_LIMIT);
    } else {
        base = state_read_field(v, VMCS_GUEST_GDTR_BASE);
        limit = (uint32_t)state_read_field(v, VMCS_GUEST_GDTR_LIMIT);
    }
    uint32_t off = sel & 0xfff8u;
    if (off + size - 1u > limit)
        return false;
    if (!state_read_desc(v, base + off, d))
        return false;
    return size <= 8 || state_read_desc(v, base + off + 8, d + 2);
}

static unsigned cpl_of(struct x86_vcpu *v)
{
    return (unsigned)(rd(v, UC_X86_REG_CS) & 3u);
}

static bool lma(struct x86_vcpu *v)
{
    return (x86_efer(v) & 0x400u) != 0;
}

/* Far JMP / far CALL to selector `sel` (SDM vol. 2A, CALL and JMP). */
static uint32_t far_fault(struct x86_vcpu *v, uint16_t sel, bool call)
{
    bool ia32e = lma(v);
    unsigned cpl = cpl_of(v), rpl = sel & 3u;
    uint32_t d[4];
    if (!(sel & 0xfffcu))
        return GP(0);
    if (!x86_read_desc(v, sel, 8, d))
        return GP(SEL_ERR(sel));
    unsigned t = D_TYPE(d), dpl = D_DPL(d);
    if (IS_CODE(t)) {
        if (ia32e && D_L(d) && D_DB(d))
            return GP(SEL_ERR(sel));
        if (IS_CONF(t) ? dpl > cpl : (rpl > cpl || dpl != cpl))
            return GP(SEL_ERR(sel));
        return D_PRESENT(d) ? 0 : NP(SEL_ERR(sel)); /* past the limit: #GP(0) */
    }
    if (t == 0x0cu || (t == 0x04u && !ia32e)) { /* call gate */
        if (dpl < cpl || rpl > dpl)
            return GP(SEL_ERR(sel));
        if (!D_PRESENT(d))
            return NP(SEL_ERR(sel));
        if (ia32e && (!x86_read_desc(v, sel, 16, d) || ((d[3] >> 8) & 0x1fu)))
            return GP(SEL_ERR(sel));
        uint16_t cs = (uint16_t)(d[0] >> 16);
        uint32_t c[4];
        if (!(cs & 0xfffcu))
            return GP(0);
        if (!x86_read_desc(v, cs, 8, c))
            return GP(SEL_ERR(cs));
        unsigned ct = D_TYPE(c), cdpl = D_DPL(c);
        if (!IS_CODE(ct) || cdpl > cpl || (!call && !IS_CONF(ct) && cdpl != cpl))
            return GP(SEL_ERR(cs));
        if (ia32e && (!D_L(c) || D_DB(c)))
            return GP(SEL_ERR(cs));
        return D_PRESENT(c) ? 0 : NP(SEL_ERR(cs));
    }
    if (!ia32e && (t == 0x05u || t == 0x01u || t == 0x09u))
        return 0; /* a task switch: not followed */
    return GP(SEL_ERR(sel));
}

/* IRET / far RET to cs (and ss, checked on a return to an outer level and
 * by IRET in 64-bit mode). */
static uint32_t return_fault(struct x86_vcpu *v, uint16_t cs, uint16_t ss, bool iret64)
{
    unsigned cpl = cpl_of(v), rpl = cs & 3u;
    uint32_t d[4];
    if (!(cs & 0xfffcu))
        return GP(0);
    if (!x86_read_desc(v, cs, 8, d))
        return GP(SEL_ERR(cs));
    unsigned t = D_TYPE(d), dpl = D_DPL(d);
    if (!IS_CODE(t) || rpl < cpl || (IS_CONF(t) ? dpl > rpl : dpl != rpl))
        return GP(SEL_ERR(cs));
    if (!D_PRESENT(d))
        return NP(SEL_ERR(cs));
    if (rpl == cpl && !iret64)
        return 0;
    if (lma(v) && D_L(d) && D_DB(d))
        return GP(SEL_ERR(cs));
    if (!(ss & 0xfffcu))
        return lma(v) && D_L(d) && rpl != 3 ? 0 : GP(0);
    uint32_t s[4];
    if (!x86_read_desc(v, ss, 8, s))
        return GP(SEL_ERR(ss));
    if ((ss & 3u) != rpl || (D_TYPE(s) & 0x1au) != 0x12u || D_DPL(s) != rpl)
        return GP(SEL_ERR(ss));
    return D_PRESENT(s) ? 0 : SS(SEL_ERR(ss));
}

/* `size` bytes (2, 4 or 8) at offset `off` from the top of the stack. */
static bool stack_read(struct x86_vcpu *v, unsigned bits, uint64_t off, unsigned size,
                       uint64_t *out)
{
    uint64_t sp = rd(v, UC_X86_REG_RSP) + off, la;
    if (bits == 64) {
        la = sp;
    } else {
        sp = (v->seg[SEG_SS].ar & 0x4000u) ? (uint32_t)sp : (uint16_t)sp;
        la = (uint32_t)(v->seg[SEG_SS].base + sp);
    }
    uint8_t b[8] = {0};
    if (!state_read_linear(v, la, b, size))
        return false;
    *out = hvt_get64(b);
    return true;
}

static uint32_t segment_fault(struct x86_vcpu *v)
{
    uint8_t b[15];
    size_t n = state_read_code(v, b, sizeof(b));
    unsigned bits = state_code_bits(v), i = 0, rexb = 0;
    bool osz = false, rexw = false;
    state_sync(v); /* segment caches, LDTR */
    while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 ||
                     b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65 || b[i] == 0xf0 ||
                     (bits == 64 && (b[i] & 0xf0) == 0x40))) {
        if ((b[i] & 0xf0) == 0x40) {
            rexb = b[i] & 1u;
            rexw = (b[i] & 8u) != 0;
        }
        osz |= b[i] == 0x66;
        i++;
    }
    if (i >= n)
        return 0;
    /* Operand size of far transfers: 64-bit mode defaults to 32 bits. */
    unsigned os = bits == 64 ? (rexw ? 8u : osz ? 2u : 4u) : (bits == 32) != osz ? 4u : 2u;
    uint8_t op = b[i], modrm = i + 1 < n ? b[i + 1] : 0;
    uint64_t la, x, y;
    uint16_t sel = 0;
    switch (op) {
    case 0x8e: /* MOV Sreg, r/m16 */
        if ((modrm >> 6) == 3u)
            sel = (uint16_t)rd(v, (int)x86_gpr_uc((modrm & 7u) | (rexb << 3)));
        else if (!x86_mem_operand(v, &la) || !state_read_u16(v, la, &sel))
            return 0;
        return SEL_ERR(sel); /* the engine's vector */
    case 0x07:
    case 0x17:
    case 0x1f: /* POP ES/SS/DS */ return stack_read(v, bits, 0, 2, &x) ? SEL_ERR(x) : 0;
    case 0x0f: /* POP FS/GS */
        if (i + 1 < n && (b[i + 1] == 0xa1 || b[i + 1] == 0xa9))
            return stack_read(v, bits, 0, 2, &x) ? SEL_ERR(x) : 0;
        return 0;
    case 0x9a:
    case 0xea: /* CALL/JMP ptr16:16/32 (not in 64-bit mode) */
        if (bits == 64 || i + 1 + os + 2 > n)
            return 0;
        return far_fault(v, (uint16_t)(b[i + 1 + os] | b[i + 2 + os] << 8), op == 0x9a);
    case 0xff: { /* CALL m16:x (/3), JMP m16:x (/5) */
        unsigned reg = (modrm >> 3) & 7u;
        if ((reg != 3 && reg != 5) || (modrm >> 6) == 3u || !x86_mem_operand(v, &la) ||
            !state_read_u16(v, la + os, &sel))
            return 0;
        return far_fault(v, sel, reg == 3);
    }
    case 0xcf: /* IRET: IP, CS, FLAGS, then SP, SS */
        if (!stack_read(v, bits, os, 2, &x) || !stack_read(v, bits, 2u * os, os, &y))
            return 0;
        if (bits != 64 && (rd(v, UC_X86_REG_RFLAGS) & (1u << 14)))
            return 0; /* NT: a task return, not followed */
        if (bits != 64 && os == 4 && (y & (1u << 17)) && cpl_of(v) == 0)
            return 0; /* to virtual-8086 mode: no descriptor checks */
        {
            uint64_t ss = 0;
            stack_read(v, bits, 4u * os, 2, &ss);
            return return_fault(v, (uint16_t)x, (uint16_t)ss, bits == 64);
        }
    case 0xca:
    case 0xcb: { /* RET far [imm16]: IP, CS, (imm16 bytes), SP, SS */
        uint64_t imm = op == 0xca && i + 2 < n ? (uint64_t)(b[i + 1] | b[i + 2] << 8) : 0, ss = 0;
        if (!stack_read(v, bits, os, 2, &x))
            return 0;
        stack_read(v, bits, 3u * os + imm, 2, &ss);
        return return_fault(v, (uint16_t)x, (uint16_t)ss, false);
    }
    default: return 0;
    }
}

uint32_t x86_segment_error(struct x86_vcpu *v, unsigned *vec)
{
    uint32_t f = segment_fault(v);
    if (f >> 16)
        *vec = f >> 16;
    return f & 0xffffu;
}
