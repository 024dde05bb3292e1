/*
 * x87.c — EPT violations on x87 memory operands: the stores the engine
 * makes from a helper taken back, and the operand's address reported.
 *
 * The engine (Unicorn 2.1.4) writes the memory operand of FNSTENV (D9
 * /6), FSTP m80 (DB /7), FNSAVE (DD /6), FBSTP (DF /6) and FXSAVE (0F AE
 * /0) from a helper. A write there that the stage-2 map refuses is
 * skipped, the helper and the rest of the instruction run on, and so do
 * the instructions after it up to the engine's next stop check (the next
 * guest memory access or the end of the block): EIP past it, FSTP m80 and
 * FBSTP popped, FNSAVE's reinitialisation done. On hardware the
 * instruction does not retire: the exit reports RIP at it and no
 * architectural state changed. The other x87 stores (FST/FSTP m32/m64,
 * FIST/FISTP/FISTTP, FNSTCW, FNSTSW) store inline and stop at the
 * instruction with nothing changed; their value conversions leave the
 * status word alone in this engine, and pops come after the store.
 *
 * x87_fault finds the first such instruction with its operand on the
 * faulting page before the engine's RIP in the block the engine ran, sets
 * RIP back to it and undoes what the engine did after the refused store:
 * the pop (TOP and the tag of the popped register), or FNSAVE's FNINIT
 * (control, status and tag words, FPU instruction and data pointers,
 * taken from the values FNSAVE stored or tried to store: the stage-2
 * fault hook logs the refused writes). For every x87 memory operand it
 * reports the guest-physical address of the operand's first byte on the
 * faulting page, as hardware names the operand: the engine's helpers
 * access some operands from another byte first (FBSTP its sign byte, FBLD
 * its top digits).
 *
 * Not undone: what instructions after it in the block that access no
 * memory did (register and flag changes: they run again when the guest
 * resumes at the instruction); the FPU instruction and data pointers FSTP
 * m80 and FBSTP update after their store (they name this instruction, as
 * its re-execution will); writes a helper made to another, writable page
 * of an operand that crosses a page boundary; the control word FLDENV and
 * FRSTOR load (and FRSTOR's status and tag words) before a read on the
 * operand's second page faults.
 */
#include <string.h>

#include "x86.h"

/* An x87 instruction with a memory operand, or FXSAVE: its escape opcode
 * (D8-DF; AE for FXSAVE), ModRM reg field and operand size attribute. */
struct x87_insn {
    uint8_t op;
    unsigned reg;
    bool size16; /* FNSTENV/FLDENV, FNSAVE/FRSTOR: the 14- and 94-byte layouts */
};

static bool x87_decode(const uint8_t *b, size_t n, unsigned bits, struct x87_insn *x)
{
    bool opsize = false;
    size_t i = 0;
    for (; i < n; i++) {
        uint8_t p = b[i];
        if (p == 0x66)
            opsize = true;
        else if (p == 0x67 || p == 0xf0 || p == 0xf2 || p == 0xf3 || p == 0x26 || p == 0x2e ||
                 p == 0x36 || p == 0x3e || p == 0x64 || p == 0x65 ||
                 (bits == 64 && (p & 0xf0) == 0x40))
            continue;
        else
            break;
    }
    x->size16 = bits == 16 ? !opsize : opsize;
    if (i + 2 < n && b[i] == 0x0f && b[i + 1] == 0xae && (b[i + 2] >> 3 & 7u) == 0 &&
        (b[i + 2] >> 6) != 3) {
        x->op = 0xae; /* FXSAVE (0F AE /0) */
        x->reg = 0;
        return true;
    }
    if (i + 1 >= n || b[i] < 0xd8 || b[i] > 0xdf || (b[i + 1] >> 6) == 3)
        return false;
    x->op = b[i];
    x->reg = (b[i + 1] >> 3) & 7u;
    return true;
}

/* The forms whose store the engine makes from a helper. */
static bool helper_store(const struct x87_insn *x)
{
    return x->op == 0xae || (x->op == 0xd9 && x->reg == 6) || (x->op == 0xdb && x->reg == 7) ||
           (x->op == 0xdd && x->reg == 6) || (x->op == 0xdf && x->reg == 6);
}

static uint32_t operand_size(const struct x87_insn *x)
{
    switch (x->op) {
    case 0xae: return 512; /* FXSAVE */
    case 0xd8:
    case 0xda: return 4; /* m32fp, m32int */
    case 0xdc: return 8; /* m64fp */
    case 0xde: return 2; /* m16int */
    case 0xd9:
        if (x->reg == 4 || x->reg == 6)
            return x->size16 ? 14u : 28u; /* FLDENV, FNSTENV */
        return x->reg == 5 || x->reg == 7 ? 2u : 4u;
    case 0xdb: return x->reg == 5 || x->reg == 7 ? 10u : 4u;
    case 0xdd:
        if (x->reg == 4 || x->reg == 6)
            return x->size16 ? 94u : 108u; /* FRSTOR, FNSAVE */
        return x->reg == 7 ? 2u : 8u;
    default: /* 0xdf */
        if (x->reg == 4 || x->reg == 6)
            return 10; /* FBLD, FBSTP */
        return x->reg == 5 || x->reg == 7 ? 8u : 2u;
    }
}

/* The guest-physical address of the operand [la, la+size)'s first byte on
 * the page of `gpa` (false: the operand does not touch that page). */
static bool operand_on_page(struct x86_vcpu *v, uint64_t la, uint32_t size, uint64_t gpa,
                            uint64_t *out)
{
    uint64_t mask = state_code_bits(v) == 64 ? UINT64_MAX : 0xffffffffull;
    uint64_t off = 0;
    while (off < size) {
        uint64_t a = (la + off) & mask, pa;
        if (state_translate(v, a, &pa) && !((pa ^ gpa) & ~0xfffull)) {
            *out = pa;
            return true;
        }
        off += 0x1000u - (a & 0xfffu);
    }
    return false;
}

void x87_log_store(struct x86_vcpu *v, uint64_t gpa, int size, int64_t value)
{
    if (v->mem_nlog >= X86_MEM_LOG)
        return;
    v->mem_log[v->mem_nlog].gpa = gpa;
    v->mem_log[v->mem_nlog].size = (uint8_t)size;
    v->mem_log[v->mem_nlog].value = (uint64_t)value;
    v->mem_nlog++;
}

/* The field FNSAVE stored at operand offset `off` (2 or 4 bytes): the
 * refused write's value, or guest memory where the write went through. */
static uint64_t saved_field(struct x86_vcpu *v, uint64_t la, uint32_t off, uint32_t width)
{
    uint64_t mask = state_code_bits(v) == 64 ? UINT64_MAX : 0xffffffffull;
    uint64_t a = (la + off) & mask, pa;
    if (state_translate(v, a, &pa)) {
        for (unsigned i = 0; i < v->mem_nlog; i++)
            if (v->mem_log[i].gpa == pa && v->mem_log[i].size == width)
                return v->mem_log[i].value & (width == 2 ? 0xffffu : 0xffffffffu);
    }
    uint8_t b[4] = {0};
    if (!state_read_linear(v, a, b, width))
        return 0;
    return width == 2 ? hvt_get16(b) : hvt_get32(b);
}

static void undo_fninit(struct x86_vcpu *v, uint64_t la, bool size16)
{
    uint32_t w = size16 ? 2u : 4u;
    uint16_t fcw = (uint16_t)saved_field(v, la, 0, w);
    uint16_t fsw = (uint16_t)saved_field(v, la, w, w);
    uint16_t ftw = (uint16_t)saved_field(v, la, 2 * w, w);
    uint64_t fip = saved_field(v, la, 3 * w, w);
    uint16_t fcs = (uint16_t)saved_field(v, la, 4 * w, w);
    uint64_t fdp = saved_field(v, la, 5 * w, w);
    uint16_t fds = (uint16_t)saved_field(v, la, 6 * w, w);
    uc_engine *uc = v->base.uc;
    uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
    uc_reg_write(uc, UC_X86_REG_FPSW, &fsw);
    uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
    uc_reg_write(uc, UC_X86_REG_FIP, &fip);
    uc_reg_write(uc, UC_X86_REG_FCS, &fcs);
    uc_reg_write(uc, UC_X86_REG_FDP, &fdp);
    uc_reg_write(uc, UC_X86_REG_FDS, &fds);
}

static void undo_pop(struct x86_vcpu *v)
{
    uc_engine *uc = v->base.uc;
    uint16_t fsw = 0, ftw = 0;
    uc_reg_read(uc, UC_X86_REG_FPSW, &fsw);
    uc_reg_read(uc, UC_X86_REG_FPTAG, &ftw);
    unsigned top = (((fsw >> 11) & 7u) + 7u) & 7u;
    fsw = (uint16_t)((fsw & ~0x3800u) | (top << 11));
    ftw = (uint16_t)(ftw & ~(3u << (2 * top))); /* valid again */
    uc_reg_write(uc, UC_X86_REG_FPSW, &fsw);
    uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
}

/* The operand of the x87 instruction at RIP, if it touches the page of
 * mem_gpa: mem_gpa becomes its first byte there. */
static bool operand_at_rip(struct x86_vcpu *v, const struct x87_insn *x, uint64_t *la)
{
    uint64_t gpa;
    if (!x86_mem_operand(v, la) || !operand_on_page(v, *la, operand_size(x), v->mem_gpa, &gpa))
        return false;
    v->mem_gpa = gpa;
    return true;
}

/* The first instruction of the block the engine ran, before linear `end`
 * (the engine's RIP), that stores from a helper to the page of mem_gpa: RIP
 * is set back to it (false, RIP unchanged: none). */
static bool helper_store_before(struct x86_vcpu *v, uint64_t end, struct x87_insn *x, uint64_t *la)
{
    if (!v->blk_icount || end <= v->blk_addr || end - v->blk_addr > v->blk_size)
        return false;
    uint8_t buf[4096];
    size_t size = (size_t)(end - v->blk_addr);
    if (size > sizeof(buf) || !state_read_linear(v, v->blk_addr, buf, size))
        return false;
    /* Without one of the helper stores' opcodes (D9, DB, DD, DF, 0F AE)
     * there is nothing to decode: the common MMIO store. */
    bool maybe = false;
    for (size_t i = 0; i + 1 < size && !maybe; i++)
        maybe = buf[i] == 0xd9 || buf[i] == 0xdb || buf[i] == 0xdd || buf[i] == 0xdf ||
                (buf[i] == 0x0f && buf[i + 1] == 0xae);
    unsigned bits = state_code_bits(v);
    csh h = maybe ? x86_capstone(bits, false) : 0;
    if (!h)
        return false;
    uint64_t rip = x86_rd(v, UC_X86_REG_RIP);
    const uint8_t *code = buf;
    uint64_t addr = v->blk_addr;
    bool found = false;
    cs_insn *insn = cs_malloc(h);
    while (!found && size && cs_disasm_iter(h, &code, &size, &addr, insn)) {
        if (!x87_decode(insn->bytes, insn->size, bits, x) || !helper_store(x))
            continue;
        x86_wr(v, UC_X86_REG_RIP, rip - (end - insn->address));
        found = operand_at_rip(v, x, la);
        if (!found)
            x86_wr(v, UC_X86_REG_RIP, rip); /* the fault was not this instruction's */
    }
    cs_free(insn, 1);
    return found;
}

bool x87_fault(struct x86_vcpu *v)
{
    if (v->mem_access == 4)
        return false;
    struct x87_insn x;
    uint64_t la;
    if (v->mem_access == 2 && helper_store_before(v, state_rip_linear(v), &x, &la)) {
        if (x.op == 0xdb || x.op == 0xdf)
            undo_pop(v); /* FSTP m80, FBSTP */
        else if (x.op == 0xdd)
            undo_fninit(v, la, x.size16);
        return true;
    }
    /* The engine stopped at the instruction: the operand's address. */
    uint8_t b[15];
    size_t n = state_read_code(v, b, sizeof(b));
    return x87_decode(b, n, state_code_bits(v), &x) && operand_at_rip(v, &x, &la);
}
