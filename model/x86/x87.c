/*
 * x87.c — x87 stores the engine makes from a helper, taken back when one of
 * them causes an EPT violation.
 *
 * The engine (Unicorn 2.1.4) writes the memory operand of FNSTENV (D9 /6),
 * FSTP m80 (DB /7), FNSAVE (DD /6) and FBSTP (DF /6) from a helper. A write
 * there that the stage-2 map refuses is skipped, the helper and the rest of
 * the instruction run on, and the engine stops after the instruction: EIP
 * past it, FSTP m80 and FBSTP popped, FNSAVE's reinitialisation done. On
 * hardware the instruction does not retire: the exit reports RIP at it and
 * no architectural state changed. The other x87 stores (FST/FSTP m32/m64,
 * FIST/FISTP/FISTTP, FNSTCW, FNSTSW) store inline and stop at the
 * instruction with nothing changed; their value conversions leave the
 * status word alone in this engine, and pops come after the store.
 *
 * x87_unwind finds such an instruction just before the engine's RIP in the
 * block the engine ran, sets RIP back to it and undoes what the engine
 * did after the refused store: the pop (TOP and the tag of the popped
 * register), or FNSAVE's FNINIT (control, status and tag words, FPU
 * instruction and data pointers, taken from the values FNSAVE stored or
 * tried to store: the stage-2 fault hook logs the refused writes). It
 * reports the guest-physical address of the operand's first byte on the
 * faulting page (FBSTP writes its sign byte first; hardware names the
 * operand).
 *
 * Not undone: the FPU instruction and data pointers FSTP m80 and FBSTP
 * update after their store (they name this instruction, as its re-execution
 * will), and writes the helper made to another, writable page of an operand
 * that crosses a page boundary.
 */
#include <string.h>

#include "x86.h"

enum x87_form { X87_NONE, X87_FNSTENV, X87_FSTP80, X87_FNSAVE, X87_FBSTP };

/* The helper-store form of the instruction in b[0..n), and whether its
 * operand size is 16 bits (FNSTENV/FNSAVE's 14- and 94-byte layouts). */
static enum x87_form form_of(const uint8_t *b, size_t n, unsigned bits, bool *size16)
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
    if (i + 1 >= n)
        return X87_NONE;
    uint8_t op = b[i], modrm = b[i + 1];
    unsigned reg = (modrm >> 3) & 7u;
    *size16 = bits == 16 ? !opsize : opsize;
    if ((modrm >> 6) == 3)
        return X87_NONE;
    if (op == 0xd9 && reg == 6)
        return X87_FNSTENV;
    if (op == 0xdb && reg == 7)
        return X87_FSTP80;
    if (op == 0xdd && reg == 6)
        return X87_FNSAVE;
    if (op == 0xdf && reg == 6)
        return X87_FBSTP;
    return X87_NONE;
}

static uint32_t operand_size(enum x87_form f, bool size16)
{
    switch (f) {
    case X87_FNSTENV: return size16 ? 14u : 28u;
    case X87_FNSAVE: return size16 ? 94u : 108u;
    default: return 10u;
    }
}

/* The instruction that ends at linear `end` in the block the engine ran:
 * its linear address and length (false: none does). */
static bool insn_before(struct x86_vcpu *v, uint64_t end, uint64_t *start, uint32_t *len)
{
    if (!v->blk_icount || end <= v->blk_addr || end - v->blk_addr > v->blk_size)
        return false;
    uint8_t buf[4096];
    size_t size = (size_t)(end - v->blk_addr);
    if (size > sizeof(buf) || !state_read_linear(v, v->blk_addr, buf, size))
        return false;
    csh h = x86_capstone(state_code_bits(v), false);
    if (!h)
        return false;
    const uint8_t *code = buf;
    uint64_t addr = v->blk_addr;
    bool found = false;
    cs_insn *insn = cs_malloc(h);
    while (size && cs_disasm_iter(h, &code, &size, &addr, insn)) {
        if (addr == end) {
            *start = insn->address;
            *len = insn->size;
            found = true;
        }
    }
    cs_free(insn, 1);
    return found;
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

bool x87_unwind(struct x86_vcpu *v)
{
    if (v->mem_access != 2)
        return false;
    uint64_t end = state_rip_linear(v), start;
    uint32_t len;
    if (!insn_before(v, end, &start, &len))
        return false;
    uint8_t b[15];
    if (len > sizeof(b) || !state_read_linear(v, start, b, len))
        return false;
    bool size16 = false;
    enum x87_form f = form_of(b, len, state_code_bits(v), &size16);
    if (f == X87_NONE)
        return false;
    uint64_t rip = x86_rd(v, UC_X86_REG_RIP);
    x86_wr(v, UC_X86_REG_RIP, rip - len);
    uint64_t la, gpa;
    if (!x86_mem_operand(v, &la) ||
        !operand_on_page(v, la, operand_size(f, size16), v->mem_gpa, &gpa)) {
        x86_wr(v, UC_X86_REG_RIP, rip); /* the fault was not this instruction's */
        return false;
    }
    v->mem_gpa = gpa;
    if (f == X87_FSTP80 || f == X87_FBSTP)
        undo_pop(v);
    else if (f == X87_FNSAVE)
        undo_fninit(v, la, size16);
    return true;
}
