/*
 * compact.c — see compact.h. Encoding reads the canonical payload with the
 * little-endian helpers and writes bytes; nothing depends on the host's
 * byte order or word size, and nothing allocates.
 */
#include "compact.h"

#include "format.h"

size_t hvt_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t hvt_varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n && i < HVT_VARINT_MAX; i++) {
        uint8_t b = p[i];
        if (i == HVT_VARINT_MAX - 1 && b > 1)
            return 0; /* more than 64 bits */
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return 0; /* not minimal: a trailing zero group */
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* Records whose payload is nothing but u32 fields: each a varint. */
static bool all_u32(uint16_t type)
{
    switch (type) {
    case HVT_VCPU_CREATE:
    case HVT_VCPU_DESTROY:
    case HVT_SET_PENDING_IRQ:
    case HVT_SET_VTIMER_MASK:
    case HVT_SET_TRAP:
    case HVT_KICK:
    case HVT_SET_NATIVE_MSR:
    case HVT_INVALIDATE_TLB:
    case HVT_SPACE_CREATE:
    case HVT_SPACE_DESTROY:
    case HVT_SET_SPACE:
    case HVT_RUN: return true;
    default: return false;
    }
}

bool hvt_is_compact_type(uint16_t type)
{
    switch (type) {
    case HVT_SET_REG:
    case HVT_SET_SYSREG:
    case HVT_SET_VMCS:
    case HVT_SET_MSR:
    case HVT_EXIT:
    case HVT_EXIT_X86: return true;
    default: return all_u32(type);
    }
}

/* ---- encoding ---- */

/* EXIT flags: which fields follow (a clear bit: as the vCPU's previous exit). */
enum {
    EX_REASON = 1u << 0,
    EX_SYNDROME = 1u << 1,
    EX_VA = 1u << 2,
    EX_PA_IS_VA = 1u << 3,
    EX_PA = 1u << 4,
    EX_ALL = (1u << 5) - 1,
};

/* EXIT_X86 flags, same rule. */
enum {
    X_REASON = 1u << 0,
    X_QUAL = 1u << 1,
    X_GLA = 1u << 2,
    X_GPA_IS_GLA = 1u << 3,
    X_GPA = 1u << 4,
    X_INSTR_LEN = 1u << 5,
    X_DEADLINE = 1u << 6,
    X_INSTR_INFO = 1u << 7,
    X_INTR_INFO = 1u << 8,
    X_INTR_ERROR = 1u << 9,
    X_IDT_INFO = 1u << 10,
    X_IDT_ERROR = 1u << 11,
    X_ALL = (1u << 12) - 1,
};

/* SET_REG-like value modes (the low 2 bits of the first varint). */
enum { V_PLAIN = 0, V_FROM_PC = 1, V_SIGNED = 2, V_FIXED = 3 };

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static struct hvt_vstate *slot(struct hvt_cstate *s, uint32_t vcpu)
{
    return &s->slot[vcpu % HVT_DELTA_SLOTS];
}

/* The address pair (VA/PA, GLA/GPA): flags and fields. */
static unsigned addr_flags(const struct hvt_vstate *v, uint64_t va, uint64_t pa, unsigned f_va,
                           unsigned f_same, unsigned f_pa)
{
    unsigned f = va != v->va ? f_va : 0;
    if (pa != v->pa)
        f |= pa == va ? f_same : f_pa;
    return f;
}

static uint32_t encode_exit(struct hvt_cstate *s, const uint8_t *c, uint8_t *out)
{
    uint32_t vcpu = hvt_get32(c);
    uint64_t reason = hvt_get32(c + 4), syn = hvt_get64(c + 8), va = hvt_get64(c + 16),
             pa = hvt_get64(c + 24), pc = hvt_get64(c + 32), icount = hvt_get64(c + 40);
    struct hvt_vstate *v = slot(s, vcpu);
    unsigned f = addr_flags(v, va, pa, EX_VA, EX_PA_IS_VA, EX_PA);
    f |= reason != v->reason ? EX_REASON : 0;
    f |= syn != v->qual ? EX_SYNDROME : 0;
    size_t n = hvt_varint_put(out, vcpu);
    out[n++] = (uint8_t)f;
    if (f & EX_REASON)
        n += hvt_varint_put(out + n, reason);
    if (f & EX_SYNDROME)
        n += hvt_varint_put(out + n, syn);
    if (f & EX_VA)
        n += hvt_varint_put(out + n, hvt_zigzag(va - v->va));
    if (f & EX_PA)
        n += hvt_varint_put(out + n, hvt_zigzag(pa - v->pa));
    n += hvt_varint_put(out + n, hvt_zigzag(pc - v->pc));
    n += hvt_varint_put(out + n, icount - v->icount);
    for (int i = 0; i < 8; i++)
        out[n++] = c[48 + i];
    *v = (struct hvt_vstate){.reason = reason,
                             .qual = syn,
                             .va = va,
                             .pa = pa,
                             .pc = pc,
                             .icount = icount,
                             .deadline = v->deadline};
    return (uint32_t)n;
}

/* The optional u32 fields of EXIT_X86 after GPA, in flag order. */
static const struct {
    unsigned flag, off;
    size_t state; /* offset in struct hvt_vstate */
} x86_u32s[] = {
    {X_INSTR_LEN, 64, offsetof(struct hvt_vstate, instr_len)},
    {X_INSTR_INFO, 68, offsetof(struct hvt_vstate, instr_info)},
    {X_INTR_INFO, 72, offsetof(struct hvt_vstate, intr_info)},
    {X_INTR_ERROR, 76, offsetof(struct hvt_vstate, intr_error)},
    {X_IDT_INFO, 80, offsetof(struct hvt_vstate, idt_info)},
    {X_IDT_ERROR, 84, offsetof(struct hvt_vstate, idt_error)},
};

static uint64_t *vfield(struct hvt_vstate *v, size_t off)
{
    return (uint64_t *)((uint8_t *)v + off);
}

static uint32_t encode_exit_x86(struct hvt_cstate *s, const uint8_t *c, uint8_t *out)
{
    uint32_t vcpu = hvt_get32(c);
    uint64_t reason = hvt_get32(c + 4), qual = hvt_get64(c + 8), gla = hvt_get64(c + 16),
             gpa = hvt_get64(c + 24), rip = hvt_get64(c + 32), icount = hvt_get64(c + 40),
             deadline = hvt_get64(c + 56);
    struct hvt_vstate *v = slot(s, vcpu);
    unsigned f = addr_flags(v, gla, gpa, X_GLA, X_GPA_IS_GLA, X_GPA);
    f |= reason != v->reason ? X_REASON : 0;
    f |= qual != v->qual ? X_QUAL : 0;
    f |= deadline != v->deadline ? X_DEADLINE : 0;
    for (size_t i = 0; i < sizeof(x86_u32s) / sizeof(x86_u32s[0]); i++)
        if (hvt_get32(c + x86_u32s[i].off) != *vfield(v, x86_u32s[i].state))
            f |= x86_u32s[i].flag;
    size_t n = hvt_varint_put(out, vcpu);
    n += hvt_varint_put(out + n, f);
    if (f & X_REASON)
        n += hvt_varint_put(out + n, reason);
    if (f & X_QUAL)
        n += hvt_varint_put(out + n, qual);
    if (f & X_GLA)
        n += hvt_varint_put(out + n, hvt_zigzag(gla - v->va));
    if (f & X_GPA)
        n += hvt_varint_put(out + n, hvt_zigzag(gpa - v->pa));
    if (f & X_INSTR_LEN)
        n += hvt_varint_put(out + n, hvt_get32(c + 64));
    if (f & X_DEADLINE) /* + 1: HV_DEADLINE_FOREVER (all ones) is one byte */
        n += hvt_varint_put(out + n, deadline + 1);
    for (size_t i = 1; i < sizeof(x86_u32s) / sizeof(x86_u32s[0]); i++)
        if (f & x86_u32s[i].flag)
            n += hvt_varint_put(out + n, hvt_get32(c + x86_u32s[i].off));
    n += hvt_varint_put(out + n, hvt_zigzag(rip - v->pc));
    n += hvt_varint_put(out + n, icount - v->icount);
    for (int i = 0; i < 8; i++)
        out[n++] = c[48 + i];
    v->reason = reason;
    v->qual = qual;
    v->va = gla;
    v->pa = gpa;
    v->pc = rip;
    v->icount = icount;
    v->deadline = deadline;
    for (size_t i = 0; i < sizeof(x86_u32s) / sizeof(x86_u32s[0]); i++)
        *vfield(v, x86_u32s[i].state) = hvt_get32(c + x86_u32s[i].off);
    return (uint32_t)n;
}

static uint32_t encode_set(struct hvt_cstate *s, const uint8_t *c, uint8_t *out)
{
    uint32_t vcpu = hvt_get32(c), reg = hvt_get32(c + 4);
    uint64_t value = hvt_get64(c + 8);
    uint64_t cand[3] = {value, hvt_zigzag(value - slot(s, vcpu)->pc), hvt_zigzag(value)};
    unsigned mode = V_FIXED;
    size_t best = 8;
    for (unsigned m = V_PLAIN; m <= V_SIGNED; m++)
        if (varint_len(cand[m]) < best || (varint_len(cand[m]) == best && m < mode)) {
            best = varint_len(cand[m]);
            mode = m;
        }
    size_t n = hvt_varint_put(out, (uint64_t)vcpu << 2 | mode);
    n += hvt_varint_put(out + n, reg);
    if (mode == V_FIXED) {
        hvt_put64(out + n, value);
        n += 8;
    } else {
        n += hvt_varint_put(out + n, cand[mode]);
    }
    return (uint32_t)n;
}

static uint32_t encode_u32s(uint16_t type, const uint8_t *c, uint8_t *out)
{
    size_t n = 0;
    for (uint32_t at = 0; at < hvt_payload_size(type); at += 4)
        n += hvt_varint_put(out + n, hvt_get32(c + at));
    return (uint32_t)n;
}

uint32_t hvt_compact_encode(struct hvt_cstate *s, uint16_t type, const uint8_t *canon,
                            uint8_t out[HVT_COMPACT_MAX])
{
    switch (type) {
    case HVT_EXIT: return encode_exit(s, canon, out);
    case HVT_EXIT_X86: return encode_exit_x86(s, canon, out);
    default: return all_u32(type) ? encode_u32s(type, canon, out) : encode_set(s, canon, out);
    }
}

/* ---- decoding ---- */

struct cursor {
    const uint8_t *p;
    uint32_t n, at;
    const char *err;
};

static uint64_t get_varint(struct cursor *k, const char *what)
{
    uint64_t v = 0;
    if (k->err)
        return 0;
    size_t used = hvt_varint_get(k->p + k->at, k->n - k->at, &v);
    if (!used) {
        k->err = what;
        return 0;
    }
    k->at += (uint32_t)used;
    return v;
}

static uint32_t get_u32(struct cursor *k, const char *what)
{
    uint64_t v = get_varint(k, what);
    if (v > UINT32_MAX && !k->err)
        k->err = what;
    return (uint32_t)v;
}

static void get_bytes(struct cursor *k, uint8_t *out, uint32_t len, const char *what)
{
    if (k->err)
        return;
    if (k->n - k->at < len) {
        k->err = what;
        return;
    }
    for (uint32_t i = 0; i < len; i++)
        out[i] = k->p[k->at + i];
    k->at += len;
}

static const char *finish(struct cursor *k)
{
    if (k->err)
        return k->err;
    return k->at == k->n ? NULL : "bytes left over after the last field";
}

static const char *decode_exit(struct hvt_cstate *s, struct cursor *k, uint8_t *c)
{
    uint32_t vcpu = get_u32(k, "bad vCPU varint");
    uint8_t fb = 0;
    get_bytes(k, &fb, 1, "flags byte missing");
    if (k->err)
        return k->err;
    unsigned f = fb;
    if ((f & ~(unsigned)EX_ALL) || ((f & EX_PA_IS_VA) && (f & EX_PA)))
        return "bad EXIT flags";
    struct hvt_vstate *v = slot(s, vcpu);
    uint64_t reason = f & EX_REASON ? get_u32(k, "bad reason varint") : v->reason;
    uint64_t syn = f & EX_SYNDROME ? get_varint(k, "bad syndrome varint") : v->qual;
    uint64_t va = f & EX_VA ? v->va + hvt_unzigzag(get_varint(k, "bad VA varint")) : v->va;
    uint64_t pa = f & EX_PA         ? v->pa + hvt_unzigzag(get_varint(k, "bad PA varint"))
                  : f & EX_PA_IS_VA ? va
                                    : v->pa;
    uint64_t pc = v->pc + hvt_unzigzag(get_varint(k, "bad PC varint"));
    uint64_t icount = v->icount + get_varint(k, "bad icount varint");
    get_bytes(k, c + 48, 8, "digest cut short");
    const char *err = finish(k);
    if (err)
        return err;
    hvt_put32(c, vcpu);
    hvt_put32(c + 4, (uint32_t)reason);
    hvt_put64(c + 8, syn);
    hvt_put64(c + 16, va);
    hvt_put64(c + 24, pa);
    hvt_put64(c + 32, pc);
    hvt_put64(c + 40, icount);
    *v = (struct hvt_vstate){.reason = reason,
                             .qual = syn,
                             .va = va,
                             .pa = pa,
                             .pc = pc,
                             .icount = icount,
                             .deadline = v->deadline};
    return NULL;
}

static const char *decode_exit_x86(struct hvt_cstate *s, struct cursor *k, uint8_t *c)
{
    uint32_t vcpu = get_u32(k, "bad vCPU varint");
    uint64_t f = get_varint(k, "bad flags varint");
    if (k->err)
        return k->err;
    if ((f & ~(uint64_t)X_ALL) || ((f & X_GPA_IS_GLA) && (f & X_GPA)))
        return "bad EXIT_X86 flags";
    struct hvt_vstate *v = slot(s, vcpu);
    struct hvt_vstate nv = *v;
    if (f & X_REASON)
        nv.reason = get_u32(k, "bad reason varint");
    if (f & X_QUAL)
        nv.qual = get_varint(k, "bad qualification varint");
    if (f & X_GLA)
        nv.va = v->va + hvt_unzigzag(get_varint(k, "bad linear address varint"));
    if (f & X_GPA)
        nv.pa = v->pa + hvt_unzigzag(get_varint(k, "bad physical address varint"));
    else if (f & X_GPA_IS_GLA)
        nv.pa = nv.va;
    if (f & X_INSTR_LEN)
        nv.instr_len = get_u32(k, "bad instruction length varint");
    if (f & X_DEADLINE)
        nv.deadline = get_varint(k, "bad deadline varint") - 1;
    for (size_t i = 1; i < sizeof(x86_u32s) / sizeof(x86_u32s[0]); i++)
        if (f & x86_u32s[i].flag)
            *vfield(&nv, x86_u32s[i].state) = get_u32(k, "bad exit field varint");
    nv.pc = v->pc + hvt_unzigzag(get_varint(k, "bad RIP varint"));
    nv.icount = v->icount + get_varint(k, "bad icount varint");
    get_bytes(k, c + 48, 8, "digest cut short");
    const char *err = finish(k);
    if (err)
        return err;
    hvt_put32(c, vcpu);
    hvt_put32(c + 4, (uint32_t)nv.reason);
    hvt_put64(c + 8, nv.qual);
    hvt_put64(c + 16, nv.va);
    hvt_put64(c + 24, nv.pa);
    hvt_put64(c + 32, nv.pc);
    hvt_put64(c + 40, nv.icount);
    hvt_put64(c + 56, nv.deadline);
    for (size_t i = 0; i < sizeof(x86_u32s) / sizeof(x86_u32s[0]); i++)
        hvt_put32(c + x86_u32s[i].off, (uint32_t)*vfield(&nv, x86_u32s[i].state));
    *v = nv;
    return NULL;
}

static const char *decode_set(struct hvt_cstate *s, struct cursor *k, uint8_t *c)
{
    uint64_t head = get_varint(k, "bad vCPU varint");
    uint32_t reg = get_u32(k, "bad register varint");
    if (k->err)
        return k->err;
    if ((head >> 2) > UINT32_MAX)
        return "bad vCPU varint";
    uint32_t vcpu = (uint32_t)(head >> 2);
    uint64_t value;
    switch (head & 3) {
    case V_PLAIN: value = get_varint(k, "bad value varint"); break;
    case V_FROM_PC:
        value = slot(s, vcpu)->pc + hvt_unzigzag(get_varint(k, "bad value varint"));
        break;
    case V_SIGNED: value = hvt_unzigzag(get_varint(k, "bad value varint")); break;
    default: {
        uint8_t b[8] = {0};
        get_bytes(k, b, 8, "value cut short");
        value = hvt_get64(b);
        break;
    }
    }
    const char *err = finish(k);
    if (err)
        return err;
    hvt_put32(c, vcpu);
    hvt_put32(c + 4, reg);
    hvt_put64(c + 8, value);
    return NULL;
}

static const char *decode_u32s(uint16_t type, struct cursor *k, uint8_t *c)
{
    for (uint32_t at = 0; at < hvt_payload_size(type); at += 4)
        hvt_put32(c + at, get_u32(k, "bad field varint"));
    return finish(k);
}

const char *hvt_compact_decode(struct hvt_cstate *s, uint16_t type, const uint8_t *in, uint32_t n,
                               uint8_t *canon)
{
    struct cursor k = {.p = in, .n = n};
    switch (type) {
    case HVT_EXIT: return decode_exit(s, &k, canon);
    case HVT_EXIT_X86: return decode_exit_x86(s, &k, canon);
    default: return all_u32(type) ? decode_u32s(type, &k, canon) : decode_set(s, &k, canon);
    }
}
