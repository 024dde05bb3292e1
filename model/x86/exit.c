/*
 * exit.c — the x86 run loop and every VM exit: the engine's hooks turn SVM
 * intercepts, I/O-breakpoint stops and stage-2 faults into the VMX exit
 * reason and read-only VMCS fields the real framework reports, or finish
 * the instruction inside the model when the VMM did not ask for an exit
 * (RDTSC with the virtual TSC, native MSRs, CR reads under a mask).
 */
#include <string.h>

#include "x86.h"

/* SVM exit codes the interrupt hook sees as 0x100 + code. */
#define SVM_BASE        0x100u
#define SVM_CR_READ(n)  (0x00u + (n))
#define SVM_CR_WRITE(n) (0x10u + (n))
#define SVM_DR_READ(n)  (0x20u + (n))
#define SVM_DR_WRITE(n) (0x30u + (n))
#define SVM_EXCP(n)     (0x40u + (n))
#define SVM_IDTR_READ   0x66u /* ... 0x6d: SIDT SGDT SLDT STR LIDT LGDT LLDT LTR */
#define SVM_TR_WRITE    0x6du
#define SVM_RDTSC       0x6eu
#define SVM_RDPMC       0x6fu
#define SVM_CPUID       0x72u
#define SVM_SWINT       0x75u
#define SVM_INVD        0x76u
#define SVM_PAUSE       0x77u
#define SVM_HLT         0x78u
#define SVM_INVLPG      0x79u
#define SVM_MSR         0x7cu
#define SVM_VMMCALL     0x81u
#define SVM_RDTSCP      0x87u
#define SVM_WBINVD      0x89u
#define SVM_MONITOR     0x8au
#define SVM_MWAIT       0x8bu

#define rd x86_rd
#define wr x86_wr

uint64_t x86_tsc(struct x86_vcpu *v)
{
    /* One TSC cycle per instruction at the default ratio: a 960 MHz TSC. */
    return timer_tsc_at(v, v->base.icount) + v->tsc_offset_model;
}

/* ---- instruction bytes and counting ---- */

csh x86_capstone(unsigned bits, bool detail)
{
    static _Thread_local csh h[2][3];
    static _Thread_local bool open[2][3];
    unsigned i = bits == 16 ? 0 : bits == 32 ? 1 : 2;
    if (!open[detail][i]) {
        cs_mode m = bits == 16 ? CS_MODE_16 : bits == 32 ? CS_MODE_32 : CS_MODE_64;
        if (cs_open(CS_ARCH_X86, m, &h[detail][i]) != CS_ERR_OK)
            return 0;
        if (detail)
            cs_option(h[detail][i], CS_OPT_DETAIL, CS_OPT_ON);
        open[detail][i] = true;
    }
    return h[detail][i];
}

/* Instructions in [start, start+len) of guest code at a linear address. */
static uint32_t count_insns(struct x86_vcpu *v, uint64_t linear, size_t len, unsigned bits)
{
    uint8_t buf[4096];
    if (len > sizeof(buf) || !state_read_linear(v, linear, buf, len))
        return 0;
    csh h = x86_capstone(bits, false);
    if (!h)
        return 0;
    const uint8_t *code = buf;
    size_t size = len;
    uint64_t addr = linear;
    uint32_t n = 0;
    cs_insn *insn = cs_malloc(h);
    while (size && cs_disasm_iter(h, &code, &size, &addr, insn))
        n++;
    cs_free(insn, 1);
    return n;
}

/* uc_ctl_request_cache() with the control word computed unsigned: the
 * engine header's macro shifts a signed 3 into bit 31. */
#define TB_REQUEST_CACHE                                                                           \
    ((uc_control_type)((uint32_t)UC_CTL_TB_REQUEST_CACHE | (2u << 26) |                            \
                       ((uint32_t)UC_CTL_IO_READ_WRITE << 30)))

#define BLKC_N 4096u
struct blkc {
    uint64_t addr;
    uint32_t size, n;
};
static _Thread_local struct blkc blk_cache[BLKC_N];

static uint32_t block_insns(struct x86_vcpu *v, uint64_t addr, uint32_t size)
{
    struct blkc *c = &blk_cache[(addr ^ (addr >> 12)) & (BLKC_N - 1)];
    if (c->addr == addr && c->size == size && c->n)
        return c->n;
    uc_tb tb;
    uint32_t n = 0;
    if (uc_ctl(v->base.uc, TB_REQUEST_CACHE, addr, &tb) == UC_ERR_OK && tb.pc == addr &&
        tb.size == size)
        n = tb.icount;
    if (!n)
        n = count_insns(v, addr, size, state_code_bits(v));
    if (!n)
        n = 1;
    *c = (struct blkc){addr, size, n};
    return n;
}

/* Credits the instructions of the current block before the one at RIP.
 * RIP outside the block: the block completed and the stop came from the
 * fetch of the next one (e.g. a fault on a jump's target page), before
 * its block hook. */
static void sync_icount(struct x86_vcpu *v)
{
    if (!v->blk_icount)
        return;
    uint64_t off = state_rip_linear(v) - v->blk_addr;
    uint32_t done = off >= v->blk_size ? v->blk_icount
                    : off ? count_insns(v, v->blk_addr, (size_t)off, state_code_bits(v))
                          : 0;
    v->base.icount = v->blk_icount_base + done;
    v->blk_icount_base = v->base.icount;
    v->blk_icount = 0;
    v->blk_addr += off;
    v->blk_size = off < v->blk_size ? v->blk_size - (uint32_t)off : 0;
}

static void block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    struct x86_vcpu *v = user;
    x86_mode_forget(v); /* the guest ran */
    if (v->stop != X86_STOP_NONE)
        return;
    v->base.icount = v->blk_icount_base + v->blk_icount;
    v->blk_icount_base = v->base.icount;
    v->blk_icount = 0;
    if (addr >= X86_PRIV_GPA)
        return;           /* the model's stub is not guest time */
    v->injecting = false; /* the handler runs: the delivery is done */
    if (v->pending_errcode) {
        /* The engine delivered an event as an external interrupt: add the
         * error code the exception pushes (state.c). */
        v->pending_errcode = false;
        uint64_t rsp = rd(v, UC_X86_REG_RSP) - v->errcode_width;
        uint64_t ss = v->seg[SEG_SS].base;
        uint64_t pa;
        uint8_t code[8];
        hvt_put64(code, v->errcode); /* zero-extended to the push width */
        if (state_translate(v, ss + rsp, &pa))
            uc_mem_write(uc, pa, code, v->errcode_width);
        wr(v, UC_X86_REG_RSP, rsp);
    }
    if (v->base.icount >= atomic_load_explicit(&v->base.stop_at, memory_order_relaxed)) {
        v->stop = X86_STOP_BUDGET;
        uc_emu_stop(uc);
        return;
    }
    v->blk_addr = addr;
    v->blk_size = size;
    v->blk_icount = block_insns(v, addr, size);
    if (v->base.icount + v->blk_icount > v->timer_at && !v->step) {
        /* The preemption timer expires in this block: run it again with
         * the per-instruction hook (timer.c). */
        v->blk_icount = 0;
        v->stop = X86_STOP_TIMER;
        uc_emu_stop(uc);
        return;
    }
    /* The block before this one (STI/MOV-SS blocking at exits, deliver.c). */
    v->tb_prev = v->tb_start;
    v->tb_prev_size = v->tb_size;
    v->tb_start = addr;
    v->tb_size = size;
    v->step_n = 0;
}

/* ---- exit bookkeeping ---- */

/* The exit-information fields (type 1, read-only data) lie in three runs
 * of slots: eight 32-bit fields, six natural-width ones, and the 64-bit
 * guest-physical address. */
_Static_assert(VMCS_SLOT(VMCS_RO_VMX_INSTR_INFO) - VMCS_SLOT(VMCS_RO_INSTR_ERROR) == 7u &&
                   VMCS_SLOT(VMCS_RO_GUEST_LIN_ADDR) - VMCS_SLOT(VMCS_RO_EXIT_QUALIFIC) == 5u,
               "the exit-information slots are not contiguous");

void x86_exit_clear(struct x86_vcpu *v)
{
    memset(&v->vmcs[VMCS_SLOT(VMCS_RO_INSTR_ERROR)], 0, 8u * sizeof(v->vmcs[0]));
    memset(&v->vmcs[VMCS_SLOT(VMCS_RO_EXIT_QUALIFIC)], 0, 6u * sizeof(v->vmcs[0]));
    vmcs_set(v, VMCS_GUEST_PHYSICAL_ADDRESS, 0);
}

static void exit_to_vmm(struct x86_vcpu *v, uint32_t reason, uint64_t qual, uint32_t len)
{
    x86_exit_clear(v);
    vmcs_set(v, VMCS_RO_EXIT_REASON, reason);
    vmcs_set(v, VMCS_RO_EXIT_QUALIFIC, qual);
    vmcs_set(v, VMCS_RO_VMEXIT_INSTR_LEN, len);
    v->stop = X86_STOP_EXIT;
    v->vmcs_fresh = false;
    uc_emu_stop(v->base.uc);
}

void x86_exit_to_vmm(struct x86_vcpu *v, uint32_t reason, uint64_t qual, uint32_t len)
{
    exit_to_vmm(v, reason, qual, len);
}

/* Length of the instruction at RIP (0 if unreadable). */
static uint32_t insn_len(struct x86_vcpu *v)
{
    uint8_t buf[15];
    size_t n = state_read_code(v, buf, sizeof(buf));
    unsigned bits = state_code_bits(v);
    uint32_t len = x86_quick_len(buf, n, bits, NULL);
    if (len)
        return len;
    csh h = x86_capstone(bits, false);
    cs_insn *insn;
    if (!n || !h || cs_disasm(h, buf, n, 0, 1, &insn) != 1)
        return 0;
    len = insn->size;
    cs_free(insn, 1);
    return len;
}

static bool read_code(struct x86_vcpu *v, uint8_t *buf, size_t n)
{
    return state_read_code(v, buf, n) == n;
}

/* The length of the instruction at RIP, prefixes included (SDM vol. 3C,
 * 28.2.4), for an intercept whose opcode alone is `bare` bytes long. */
static uint32_t op_len(struct x86_vcpu *v, uint32_t bare)
{
    uint32_t len = insn_len(v);
    return len >= bare ? len : bare;
}

/* The model completed the instruction at RIP: it retires (after
 * sync_icount() credited the ones before it). The engine goes on in a new
 * uc_emu_start: after a hook has written RIP, the engine no longer restores
 * RIP to the faulting instruction at a later memory fault of the same run.
 * (Not when the instruction changed state only a VMRUN load applies: that
 * load happens at the next VM entry.) */
static void skip_insn(struct x86_vcpu *v, uint32_t len)
{
    wr(v, UC_X86_REG_RIP, rd(v, UC_X86_REG_RIP) + len);
    v->base.icount++;
    v->blk_icount_base = v->base.icount;
    v->vmcs_fresh = false;
    if (!v->load_pending) { /* else the VMCS must not be loaded mid-run */
        v->stop = X86_STOP_RESUME;
        uc_emu_stop(v->base.uc);
    }
}

/* ---- port I/O ---- */

/* The address of the IN/OUT the I/O hook reports. The engine does not
 * always bring RIP up to date before the access (it can still hold the
 * start of the translated block, e.g. after a block entered from an
 * intercept), so the instruction is found by decoding forward from RIP to
 * the first IN/OUT/INS/OUTS: none can come before it in the block, since
 * the previous one ended the run. */
static uint64_t io_insn_rip(struct x86_vcpu *v, uint64_t rip)
{
    uint8_t buf[256];
    size_t n = state_read_code(v, buf, 15);
    unsigned bits = state_code_bits(v);
    bool io;
    uint32_t len = x86_quick_len(buf, n, bits, &io);
    if (len && io) { /* the usual case: RIP is up to date */
        memcpy(v->io_insn, buf, len);
        v->io_len = len;
        return rip;
    }
    n = sizeof(buf);
    uint64_t la = state_rip_linear(v);
    while (n && !state_read_linear(v, la, buf, n))
        n /= 2;
    csh h = x86_capstone(bits, false);
    if (!n || !h)
        return rip;
    const uint8_t *code = buf;
    uint64_t addr = rip;
    cs_insn *insn = cs_malloc(h);
    while (n && cs_disasm_iter(h, &code, &n, &addr, insn)) {
        switch (insn->id) {
        case X86_INS_IN:
        case X86_INS_OUT:
        case X86_INS_INSB:
        case X86_INS_INSW:
        case X86_INS_INSD:
        case X86_INS_OUTSB:
        case X86_INS_OUTSW:
        case X86_INS_OUTSD:
            rip = insn->address;
            if (insn->size <= sizeof(v->io_insn)) {
                memcpy(v->io_insn, insn->bytes, insn->size);
                v->io_len = insn->size;
            }
            goto out;
        default: break;
        }
    }
out:
    cs_free(insn, 1);
    return rip;
}

/* The registers an I/O instruction may change before its exit: the I/O
 * hook saves them, the exit puts them back. */
static const int io_regs[5] = {UC_X86_REG_RIP, UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RSI,
                               UC_X86_REG_RDI};

static void io_hook(struct x86_vcpu *v, uint32_t port, int size, uint32_t dir)
{
    x86_mode_forget(v); /* the guest ran */
    if (v->stop != X86_STOP_NONE)
        return;
    v->io_pending = true;
    v->io_len = 0;
    v->io_port = port;
    v->io_size = (uint32_t)size;
    v->io_dir = dir;
    uint64_t r[5];
    x86_rd_n(v, io_regs, r, 5);
    v->io_rip = io_insn_rip(v, r[0]);
    v->io_rax = r[1];
    v->io_rcx = r[2];
    v->io_rsi = r[3];
    v->io_rdi = r[4];
    /* Breakpoint 0 now matches this port: the engine raises #DB right after
     * the instruction, before any other runs (state.c). */
    wr(v, UC_X86_REG_DR0, port);
}

static void out_hook(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
    (void)uc;
    (void)value;
    io_hook(user, port, size, 0);
}

static uint32_t in_hook(uc_engine *uc, uint32_t port, int size, void *user)
{
    (void)uc;
    struct x86_vcpu *v = user;
    io_hook(v, port, size, 1);
    /* The guest register keeps its value: the VMM answers the exit. */
    return (uint32_t)v->io_rax;
}

static void exception(struct x86_vcpu *v, unsigned vec);

/* A LOCK prefix on an instruction that cannot take one (all the ones the
 * model intercepts) is #UD (SDM vol. 2A, 2.1.1), before any VM exit the
 * instruction would cause; the engine runs some of them anyway. */
static bool lock_prefixed(struct x86_vcpu *v)
{
    uint8_t b[15];
    size_t n = state_read_code(v, b, sizeof(b));
    bool rex_ok = state_code_bits(v) == 64;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (c == 0xf0)
            return true;
        if (c == 0x66 || c == 0x67 || c == 0xf2 || c == 0xf3 || c == 0x26 || c == 0x2e ||
            c == 0x36 || c == 0x3e || c == 0x64 || c == 0x65 || (rex_ok && (c & 0xf0) == 0x40))
            continue;
        break;
    }
    return false;
}

static void io_exit(struct x86_vcpu *v)
{
    v->io_pending = false;
    /* Breakpoint 0 back on its idle port, and back to the I/O instruction
     * with the registers as before it. */
    static const int ids[6] = {UC_X86_REG_DR0, UC_X86_REG_RIP, UC_X86_REG_RAX,
                               UC_X86_REG_RCX, UC_X86_REG_RSI, UC_X86_REG_RDI};
    const uint64_t r[6] = {0x20000, v->io_rip, v->io_rax, v->io_rcx, v->io_rsi, v->io_rdi};
    x86_wr_n(v, ids, r, 6);
    sync_icount(v);
    v->vmcs_fresh = false;
    if (lock_prefixed(v)) {
        exception(v, 6);
        return;
    }
    /* The instruction as the I/O hook decoded it at io_rip (else decoded
     * again here). */
    uint8_t b[15];
    uint32_t len = v->io_len;
    bool have = len != 0;
    if (have)
        memcpy(b, v->io_insn, len);
    else
        len = insn_len(v);
    bool rep = false, string = false, imm = false, asz_prefix = false;
    unsigned seg = 3; /* DS: OUTS's default segment */
    if (len && (have || read_code(v, b, len))) {
        for (uint32_t i = 0; i < len; i++) {
            uint8_t op = b[i];
            if (op == 0xf3 || op == 0xf2)
                rep = true;
            else if (op == 0x67)
                asz_prefix = true;
            else if (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e)
                seg = (op >> 3) & 3u; /* ES CS SS DS */
            else if (op == 0x64 || op == 0x65)
                seg = op - 0x60u; /* FS GS */
            else if (op == 0x66 || (op & 0xf0) == 0x40)
                continue;
            else {
                string = op >= 0x6c && op <= 0x6f;
                imm = op >= 0xe4 && op <= 0xe7;
                break;
            }
        }
    }
    uint64_t qual = (v->io_size - 1u) | (v->io_dir << 3) | ((uint64_t)string << 4) |
                    ((uint64_t)(rep && string) << 5) | ((uint64_t)imm << 6) |
                    ((uint64_t)v->io_port << 16);
    exit_to_vmm(v, VMX_REASON_IO, qual, len);
    if (string) {
        vmcs_set(v, VMCS_RO_IO_RCX, v->io_rcx);
        vmcs_set(v, VMCS_RO_IO_RSI, v->io_rsi);
        vmcs_set(v, VMCS_RO_IO_RDI, v->io_rdi);
        vmcs_set(v, VMCS_RO_IO_RIP, v->io_rip);
        /* VM-exit instruction information for INS/OUTS (SDM vol. 3C,
         * 28.2.5; IA32_VMX_BASIC[54] advertises it): address size in 9:7
         * (0 16-bit, 1 32-bit, 2 64-bit), OUTS's segment in 17:15; the
         * guest-linear address is that of the memory operand. */
        unsigned bits = state_code_bits(v);
        unsigned asz = !asz_prefix ? bits : bits == 32 ? 16 : 32;
        if (v->io_dir)
            seg = 0; /* INS writes ES:rDI */
        vmcs_set(v, VMCS_RO_VMX_INSTR_INFO,
                 (uint64_t)(asz == 16   ? 0u
                            : asz == 32 ? 1u
                                        : 2u)
                         << 7 |
                     (uint64_t)seg << 15);
        static const uint32_t seg_base[6] = {VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE,
                                             VMCS_GUEST_SS_BASE, VMCS_GUEST_DS_BASE,
                                             VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE};
        uint64_t off = v->io_dir ? v->io_rdi : v->io_rsi;
        off &= asz == 16 ? 0xffffu : asz == 32 ? 0xffffffffu : ~0ull;
        uint64_t base = bits == 64 && seg < 4 ? 0 : state_read_field(v, seg_base[seg]);
        uint64_t la = base + off;
        vmcs_set(v, VMCS_RO_GUEST_LIN_ADDR, bits == 64 ? la : (uint32_t)la);
    }
}

/* ---- intercepts ---- */

#define gpr_uc x86_gpr_uc

uint32_t x86_gpr_uc(unsigned n)
{
    static const int ids[16] = {UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
                                UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
                                UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                                UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};
    return (uint32_t)ids[n & 15];
}

/* MOV to/from CRn: the GPR number from the ModRM (and REX.B). */
static bool decode_mov_cr(struct x86_vcpu *v, unsigned *gpr, uint32_t *len)
{
    uint8_t b[8];
    *len = insn_len(v);
    if (!*len || *len > sizeof(b) || !read_code(v, b, *len))
        return false;
    unsigned rexb = 0, i = 0;
    while (i < *len && (b[i] == 0x66 || b[i] == 0xf0 || (b[i] & 0xf0) == 0x40)) {
        if ((b[i] & 0xf0) == 0x40)
            rexb = b[i] & 1u;
        i++;
    }
    if (i + 2 >= *len + 1 || b[i] != 0x0f)
        return false;
    *gpr = (b[i + 2] & 7u) | (rexb << 3);
    return true;
}

/* CLTS, LMSW and SMSW: the other instructions that access CR0 (SDM vol.
 * 3C, 26.1.3 and 26.3). True when the instruction at RIP was one of them
 * and has been handled. */
static bool cr0_legacy(struct x86_vcpu *v, bool write)
{
    uint8_t b[15];
    uint32_t len = insn_len(v);
    if (!len || !read_code(v, b, len))
        return false;
    unsigned i = 0, rexb = 0;
    bool osz16 = false, rexw = false;
    while (i < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 ||
                       ((b[i] & 0xf0) == 0x40 && state_code_bits(v) == 64))) {
        if ((b[i] & 0xf0) == 0x40) {
            rexb = b[i] & 1u;
            rexw = (b[i] & 8u) != 0;
        }
        osz16 |= b[i] == 0x66;
        i++;
    }
    if (i + 1 >= len || b[i] != 0x0f)
        return false;
    uint64_t mask = vmcs_get(v, VMCS_CTRL_CR0_MASK), shadow = vmcs_get(v, VMCS_CTRL_CR0_SHADOW);
    uint64_t cr0 = rd(v, UC_X86_REG_CR0);
    if (b[i + 1] == 0x06 && write) { /* CLTS */
        if (mask & shadow & 8u) {
            exit_to_vmm(v, VMX_REASON_MOV_CR, 2u << 4, len);
            return true;
        }
        if (!(mask & 8u))
            wr(v, UC_X86_REG_CR0, cr0 & ~8ull);
        skip_insn(v, len);
        return true;
    }
    if (b[i + 1] != 0x01 || i + 2 >= len)
        return false;
    uint8_t modrm = b[i + 2];
    unsigned op = (modrm >> 3) & 7u;
    bool mem = (modrm >> 6) != 3u;
    uint64_t la = 0;
    if (mem && !x86_mem_operand(v, &la))
        return false;
    if (op == 6 && write) { /* LMSW */
        uint16_t src = 0;
        if (mem) {
            if (!state_read_u16(v, la, &src))
                return false;
        } else {
            src = (uint16_t)rd(v, (int)gpr_uc((modrm & 7u) | (rexb << 3)));
        }
        bool ex = (mask & src & 1u && !(shadow & 1u)) || ((mask & (src ^ shadow)) & 0xeu);
        if (ex) {
            exit_to_vmm(v, VMX_REASON_MOV_CR, 3u << 4 | (mem ? 1u << 6 : 0u) | (uint64_t)src << 16,
                        len);
            if (mem)
                vmcs_set(v, VMCS_RO_GUEST_LIN_ADDR, la);
            return true;
        }
        /* LMSW writes CR0[3:0] outside the mask and never clears PE. */
        uint64_t n = (cr0 & ~(0xeull & ~mask)) | (src & 0xeu & ~mask);
        n |= src & 1u & ~mask;
        state_write_cr0(v, n); /* it can set PE */
        skip_insn(v, len);
        return true;
    }
    if (op == 4 && !write) { /* SMSW: the shadow's bits where the mask is set */
        uint64_t val = (cr0 & ~mask) | (shadow & mask);
        if (mem) {
            uint64_t pa;
            uint8_t w[2];
            hvt_put16(w, (uint16_t)val);
            if (state_translate(v, la, &pa))
                uc_mem_write(v->base.uc, pa, w, 2);
        } else {
            int r = (int)gpr_uc((modrm & 7u) | (rexb << 3));
            if (osz16)
                val = (rd(v, r) & ~0xffffull) | (val & 0xffffu);
            else if (!rexw)
                val = (uint32_t)val;
            wr(v, r, val);
        }
        skip_insn(v, len);
        return true;
    }
    return false;
}

/* MOV to CR3 matching one of the first CR3_COUNT target values does not
 * exit (SDM vol. 3C, 26.1.3). */
static bool cr3_target(struct x86_vcpu *v, uint64_t val)
{
    static const uint32_t f[4] = {VMCS_CTRL_CR3_VALUE0, VMCS_CTRL_CR3_VALUE1, VMCS_CTRL_CR3_VALUE2,
                                  VMCS_CTRL_CR3_VALUE3};
    uint64_t n = vmcs_get(v, VMCS_CTRL_CR3_COUNT);
    for (uint64_t i = 0; i < n && i < 4; i++)
        if (vmcs_get(v, f[i]) == val)
            return true;
    return false;
}

static void exception(struct x86_vcpu *v, unsigned vec);

static void cr_access(struct x86_vcpu *v, unsigned cr, bool write)
{
    unsigned gpr;
    uint32_t len;
    sync_icount(v);
    if (cr == 0 && cr0_legacy(v, write))
        return;
    if (!decode_mov_cr(v, &gpr, &len)) {
        exit_to_vmm(v, VMX_REASON_MOV_CR, cr | (write ? 0u : 1u) << 4, len);
        return;
    }
    uint64_t mask = 0, shadow = 0;
    uint32_t ucr = cr == 0 ? UC_X86_REG_CR0 : cr == 3 ? UC_X86_REG_CR3 : UC_X86_REG_CR4;
    if (cr == 0) {
        mask = vmcs_get(v, VMCS_CTRL_CR0_MASK);
        shadow = vmcs_get(v, VMCS_CTRL_CR0_SHADOW);
    } else if (cr == 4) {
        mask = vmcs_get(v, VMCS_CTRL_CR4_MASK);
        shadow = vmcs_get(v, VMCS_CTRL_CR4_SHADOW);
    }
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    uint64_t qual = cr | (write ? 0u : 1u) << 4 | (uint64_t)gpr << 8;
    if (write) {
        uint64_t val = rd(v, (int)gpr_uc(gpr));
        bool ex = (cr == 0 || cr == 4) ? ((val ^ shadow) & mask) != 0
                  : cr == 3            ? (cpu & CPU_BASED_CR3_LOAD) && !cr3_target(v, val)
                                       : (cpu & CPU_BASED_CR8_LOAD) != 0;
        if (ex) {
            exit_to_vmm(v, VMX_REASON_MOV_CR, qual, len);
            return;
        }
        if (cr == 8) {
            int r = tpr_mov_cr8(v, true, &val);
            if (r < 0 || (val >> 4)) { /* CR8 bits 63:4 are reserved */
                exception(v, 13);
                return;
            }
            if (r > 0) { /* the TPR shadow (tpr.c); trap-like exit after it */
                skip_insn(v, len);
                if (r == 2)
                    exit_to_vmm(v, VMX_REASON_TPR_THRESHOLD, 0, 0);
                return;
            }
        }
        uint64_t cur = cr == 8 ? v->tpr : rd(v, (int)ucr);
        if (cr == 4)
            cur |= vmcs_get(v, VMCS_GUEST_CR4) & 0x2000u;
        val = (cur & mask) | (val & ~mask);
        if (cr == 4)
            val &= ~(uint64_t)0x2000u;
        /* MOV to CR0 with PG but not PE, or NW but not CD, is #GP(0) (SDM
         * vol. 2B, MOV CRn), after the exit checks above. */
        if (cr == 0 && (((val & 0x80000000u) && !(val & 1u)) ||
                        ((val & 0x20000000u) && !(val & 0x40000000u)))) {
            exception(v, 13);
            return;
        }
        if (cr == 0)
            state_write_cr0(v, val);
        else if (cr == 8)
            v->tpr = val;
        else
            wr(v, (int)ucr, val);
    } else {
        bool ex = cr == 3   ? (cpu & CPU_BASED_CR3_STORE) != 0
                  : cr == 8 ? (cpu & CPU_BASED_CR8_STORE) != 0
                            : false;
        if (ex) {
            exit_to_vmm(v, VMX_REASON_MOV_CR, qual, len);
            return;
        }
        uint64_t cur = cr == 8 ? v->tpr : rd(v, (int)ucr);
        if (cr == 8)
            tpr_mov_cr8(v, false, &cur); /* VTPR[7:4] under the TPR shadow */
        if (cr == 4)
            cur |= vmcs_get(v, VMCS_GUEST_CR4) & 0x2000u;
        wr(v, (int)gpr_uc(gpr), (cur & ~mask) | (shadow & mask));
    }
    v->vmcs_fresh = false;
    skip_insn(v, len);
}

static void dr_access(struct x86_vcpu *v, unsigned dr, bool write)
{
    unsigned gpr;
    uint32_t len;
    sync_icount(v);
    bool ok = decode_mov_cr(v, &gpr, &len);
    if (!ok || (vmcs_get(v, VMCS_CTRL_CPU_BASED) & CPU_BASED_MOV_DR)) {
        exit_to_vmm(v, VMX_REASON_MOV_DR, dr | (write ? 0u : 1u) << 4 | (uint64_t)gpr << 8, len);
        return;
    }
    unsigned d = dr == 4 ? 6 : dr == 5 ? 7 : dr & 7;
    if (write)
        v->dr[d] = rd(v, (int)gpr_uc(gpr));
    else
        wr(v, (int)gpr_uc(gpr), v->dr[d]);
    skip_insn(v, len);
}

static void msr_access(struct x86_vcpu *v)
{
    uint8_t b[15] = {0};
    sync_icount(v);
    uint32_t len = op_len(v, 2);
    read_code(v, b, len);
    bool write = b[len - 1] == 0x30; /* 0F 30 WRMSR, 0F 32 RDMSR, after any prefixes */
    uint32_t msr = (uint32_t)rd(v, UC_X86_REG_RCX);
    if (!msr_is_native(v, msr)) {
        exit_to_vmm(v, write ? VMX_REASON_WRMSR : VMX_REASON_RDMSR, 0, len);
        return;
    }
    if (write) {
        uint64_t val = (rd(v, UC_X86_REG_RDX) << 32) | (uint32_t)rd(v, UC_X86_REG_RAX);
        msr_write(v, msr, val);
    } else {
        uint64_t val = 0;
        msr_read(v, msr, &val);
        wr(v, UC_X86_REG_RAX, (uint32_t)val);
        wr(v, UC_X86_REG_RDX, val >> 32);
    }
    skip_insn(v, len);
}

static void tsc_read(struct x86_vcpu *v, bool rdtscp)
{
    sync_icount(v);
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    uint32_t len = op_len(v, rdtscp ? 3 : 2);
    if (cpu & CPU_BASED_RDTSC) {
        exit_to_vmm(v, rdtscp ? VMX_REASON_RDTSCP : VMX_REASON_RDTSC, 0, len);
        return;
    }
    uint64_t t = x86_tsc(v);
    wr(v, UC_X86_REG_RAX, (uint32_t)t);
    wr(v, UC_X86_REG_RDX, t >> 32);
    if (rdtscp) {
        uint64_t aux = 0;
        msr_read(v, 0xc0000103, &aux);
        wr(v, UC_X86_REG_RCX, (uint32_t)aux);
    }
    skip_insn(v, len);
}

/* XGETBV (0F 01 D0) and XSETBV (0F 01 D1). The engine's CPU model has no
 * XSAVE (CPUID.1:ECX.XSAVE = 0), so it raises #UD for both whatever CR4
 * says; it does keep CR4.OSXSAVE as the guest or the VMM wrote it. With
 * CR4.OSXSAVE set the model does what a VT-x CPU does: XSETBV at CPL 0
 * exits (reason 55, unconditional in VMX non-root operation) and XGETBV
 * runs, reading the XCR0 the VMM keeps (HV_X86_XCR0). CPL > 0 is #GP(0),
 * an unknown XCR #GP(0): faults have priority over the exit (SDM vol. 3C,
 * 26.1.1). Returns false when CR4.OSXSAVE is clear: the #UD stands. */
static bool xcr_access(struct x86_vcpu *v, uint8_t op)
{
    if (!(rd(v, UC_X86_REG_CR4) & (1u << 18)))
        return false;
    unsigned cpl = !(rd(v, UC_X86_REG_CR0) & 1u) ? 0
                   : (rd(v, UC_X86_REG_RFLAGS) & (1u << 17))
                       ? 3
                       : (unsigned)(rd(v, UC_X86_REG_CS) & 3u);
    if (op == 0xd1) {
        if (cpl)
            exception(v, 13);
        else
            exit_to_vmm(v, VMX_REASON_XSETBV, 0, 3);
        return true;
    }
    if ((uint32_t)rd(v, UC_X86_REG_RCX) != 0) {
        exception(v, 13);
        return true;
    }
    wr(v, UC_X86_REG_RAX, (uint32_t)v->xcr0);
    wr(v, UC_X86_REG_RDX, v->xcr0 >> 32);
    skip_insn(v, 3);
    return true;
}

/* An EPT violation on the guest's walk for `gla` at the paging-structure
 * entry `gpa` (with no RAM behind it: no EPT permissions). */
static void walk_violation(struct x86_vcpu *v, uint64_t gla, uint64_t gpa)
{
    uint32_t prot = 0;
    pthread_mutex_lock(&vm_lock);
    const struct s2_entry *e = stage2_lookup(vcpu_s2(&v->base), gpa);
    if (e)
        prot = e->prot;
    pthread_mutex_unlock(&vm_lock);
    exit_to_vmm(v, VMX_REASON_EPT_VIOLATION, 1u | ((uint64_t)(prot & 7u) << 3) | (1u << 7), 0);
    vmcs_set(v, VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
    vmcs_set(v, VMCS_RO_GUEST_LIN_ADDR, gla);
}

/* An exception the guest raised: an exit if the exception bitmap selects
 * it, else delivered through the guest's IDT (x86_deliver). */
static void exception(struct x86_vcpu *v, unsigned vec)
{
    sync_icount(v);
    if (vec == 6) {
        uint8_t b[3] = {0};
        if (read_code(v, b, 3) && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xc1) {
            exit_to_vmm(v, VMX_REASON_VMCALL, 0, 3);
            return;
        }
        if (b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xd0 || b[2] == 0xd1) && xcr_access(v, b[2]))
            return;
    }
    /* Real mode pushes no error codes. */
    bool has_err =
        (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17) && (rd(v, UC_X86_REG_CR0) & 1u);
    uint32_t err = 0;
    uint64_t cr2 = 0;
    if (vec == 14) {
        cr2 = hvt_get64(v->priv + X86_PRIV_VMCB + 0x80);
        uint64_t gap;
        if (state_walk_gap(v, cr2, &gap)) {
            /* The engine read the missing entry as 0; the CPU's walk stops
             * at it with an EPT violation on the paging structure: a data
             * read, GLA valid, bit 8 clear (SDM vol. 3C, 28.2.1). */
            walk_violation(v, cr2, gap);
            return;
        }
        err = x86_pf_error(v, cr2);
    } else if (has_err && vec >= 10 && vec <= 13) {
        err = x86_segment_error(v, &vec);
    }
    uint32_t bitmap = (uint32_t)vmcs_get(v, VMCS_CTRL_EXC_BITMAP);
    bool sel = (bitmap >> vec) & 1u;
    if (vec == 14) {
        uint32_t m = (uint32_t)vmcs_get(v, VMCS_CTRL_PF_ERROR_MASK),
                 mt = (uint32_t)vmcs_get(v, VMCS_CTRL_PF_ERROR_MATCH);
        if ((err & m) != mt)
            sel = !sel;
    }
    uint32_t type = (vec == 2) ? IRQ_INFO_NMI : IRQ_INFO_HARD_EXC;
    if (sel) {
        exit_to_vmm(v, VMX_REASON_EXC_NMI, vec == 14 ? cr2 : 0, 0);
        vmcs_set(v, VMCS_RO_VMEXIT_IRQ_INFO,
                 IRQ_INFO_VALID | type | vec | (has_err ? IRQ_INFO_ERROR_VALID : 0u));
        vmcs_set(v, VMCS_RO_VMEXIT_IRQ_ERROR, has_err ? err : 0);
        return;
    }
    x86_queue_event(v, IRQ_INFO_VALID | type | vec | (has_err ? IRQ_INFO_ERROR_VALID : 0u), err, 0,
                    cr2);
    v->stop = X86_STOP_DELIVER;
    uc_emu_stop(v->base.uc);
}

/* INT n, INT3, INTO: software interrupts and exceptions. */
static void soft_int(struct x86_vcpu *v)
{
    sync_icount(v);
    uint8_t b[4] = {0};
    uint32_t len = insn_len(v);
    read_code(v, b, len < sizeof(b) ? len : sizeof(b));
    unsigned i = 0;
    while (i < len && (b[i] == 0x66 || b[i] == 0x67 || (b[i] & 0xf0) == 0x40))
        i++;
    uint32_t info;
    if (b[i] == 0xcc)
        info = IRQ_INFO_VALID | IRQ_INFO_SOFT_EXC | 3;
    else if (b[i] == 0xce)
        info = IRQ_INFO_VALID | IRQ_INFO_SOFT_EXC | 4;
    else if (b[i] == 0xf1)
        info = IRQ_INFO_VALID | IRQ_INFO_PRIV_SOFT_EXC | 1;
    else
        info = IRQ_INFO_VALID | IRQ_INFO_SOFT_IRQ | b[i + 1];
    unsigned vec = info & 0xffu;
    uint32_t type = info & (7u << 8);
    if (type != IRQ_INFO_SOFT_IRQ && ((vmcs_get(v, VMCS_CTRL_EXC_BITMAP) >> vec) & 1u)) {
        exit_to_vmm(v, VMX_REASON_EXC_NMI, 0, len);
        vmcs_set(v, VMCS_RO_VMEXIT_IRQ_INFO, info);
        return;
    }
    x86_queue_event(v, info, 0, len, 0);
    v->event_retires = true;
    v->stop = X86_STOP_DELIVER;
    uc_emu_stop(v->base.uc);
}

static void intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
    struct x86_vcpu *v = user;
    /* The guest ran, unless this is the #DB right after the I/O
     * instruction the I/O hook saw (it changes no mode register). */
    if (!(intno == SVM_BASE + SVM_EXCP(1) && v->io_pending))
        x86_mode_forget(v);
    if (v->stop != X86_STOP_NONE) {
        /* The stop is decided; the engine may go on raising exceptions
         * (after a write it refused in its own event delivery, the handler
         * runs and its #UD exits to the stub, which enters it again):
         * every one asks again. */
        uc_emu_stop(uc);
        return;
    }
    if (intno < SVM_BASE) {
        exception(v, intno & 0x1fu);
        return;
    }
    uint32_t code = intno - SVM_BASE;
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    uint32_t cpu2 =
        (cpu & CPU_BASED_SECONDARY_CTLS) ? (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED2) : 0;
    if (code == SVM_EXCP(1) && v->io_pending) {
        io_exit(v);
        return;
    }
    /* Instruction intercepts (not exceptions, interrupts or windows). */
    bool insn = code < 0x40u || (code >= SVM_IDTR_READ && code <= SVM_RDPMC) || code == SVM_CPUID ||
                (code >= SVM_SWINT && code <= SVM_INVLPG) || code == SVM_MSR ||
                code == SVM_VMMCALL || code == SVM_RDTSCP ||
                (code >= SVM_WBINVD && code <= SVM_MWAIT);
    if (insn && lock_prefixed(v)) {
        exception(v, 6);
        return;
    }
    if (code < 0x10u) {
        cr_access(v, code, false);
        return;
    }
    if (code < 0x20u) {
        cr_access(v, code - 0x10u, true);
        return;
    }
    if (code < 0x40u) {
        dr_access(v, code & 0xfu, code >= 0x30u);
        return;
    }
    if (code < 0x60u) {
        exception(v, code - 0x40u);
        return;
    }
    sync_icount(v);
    if (code >= SVM_IDTR_READ && code <= SVM_TR_WRITE) {
        /* Armed only under CPU_BASED2_DESC_TABLE (state.c). */
        x86_desc_table_exit(v, code);
        return;
    }
    switch (code) {
    case SVM_CPUID: exit_to_vmm(v, VMX_REASON_CPUID, 0, op_len(v, 2)); return;
    case SVM_HLT:
        if (cpu & CPU_BASED_HLT) {
            exit_to_vmm(v, VMX_REASON_HLT, 0, op_len(v, 1));
            return;
        }
        /* Without HLT exiting HLT retires and the vCPU enters the HLT
         * activity state (halt.c). */
        skip_insn(v, op_len(v, 1));
        vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 1);
        v->stop = X86_STOP_HALT;
        uc_emu_stop(v->base.uc);
        return;
    case SVM_INVD: exit_to_vmm(v, VMX_REASON_INVD, 0, op_len(v, 2)); return;
    case SVM_MSR: msr_access(v); return;
    case SVM_RDTSC: tsc_read(v, false); return;
    case SVM_RDTSCP:
        if (!(cpu2 & CPU_BASED2_RDTSCP)) {
            exception(v, 6);
            return;
        }
        tsc_read(v, true);
        return;
    case SVM_RDPMC:
        if (cpu & CPU_BASED_RDPMC)
            exit_to_vmm(v, VMX_REASON_RDPMC, 0, op_len(v, 2));
        else
            exception(v, 13);
        return;
    case SVM_SWINT: soft_int(v); return;
    case SVM_PAUSE: exit_to_vmm(v, VMX_REASON_PAUSE, 0, insn_len(v)); return;
    case SVM_WBINVD:
        if (cpu2 & CPU_BASED2_WBINVD)
            exit_to_vmm(v, VMX_REASON_WBINVD, 0, op_len(v, 2));
        else
            skip_insn(v, op_len(v, 2));
        return;
    case SVM_INVLPG: {
        uint32_t len = insn_len(v);
        if (cpu & CPU_BASED_INVLPG) {
            exit_to_vmm(v, VMX_REASON_INVLPG, 0, len);
            return;
        }
        uc_ctl_flush_tlb(v->base.uc);
        skip_insn(v, len);
        return;
    }
    case SVM_MONITOR:
    case SVM_MWAIT:
        if (cpu & (code == SVM_MWAIT ? CPU_BASED_MWAIT : CPU_BASED_MONITOR))
            exit_to_vmm(v, code == SVM_MWAIT ? VMX_REASON_MWAIT : VMX_REASON_MONITOR, 0,
                        op_len(v, 3));
        else
            exception(v, 6);
        return;
    case SVM_VMMCALL:
    default: exception(v, 6); return; /* SVM instructions do not exist on the Intel guest */
    }
}

/* ---- stage-2 faults ---- */

static bool mem_fault(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                      void *user)
{
    (void)uc;
    struct x86_vcpu *v = user;
    x86_mode_forget(v); /* the guest ran */
    bool write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
    if (v->stop != X86_STOP_NONE) {
        if (v->stop == X86_STOP_MEM && write)
            x87_log_store(v, addr, size, value);
        return false;
    }
    uint32_t acc;
    switch (type) {
    case UC_MEM_WRITE_UNMAPPED:
    case UC_MEM_WRITE_PROT: acc = 2; break;
    case UC_MEM_FETCH_UNMAPPED:
    case UC_MEM_FETCH_PROT: acc = 4; break;
    default: acc = 1; break;
    }
    v->stop = X86_STOP_MEM;
    v->mem_gpa = addr;
    v->mem_access = acc;
    v->mem_nlog = 0;
    if (write)
        x87_log_store(v, addr, size, value);
    return false;
}

/* True when the code bytes at RIP are readable but no instruction. */
static bool undecodable(struct x86_vcpu *v)
{
    uint8_t buf[15];
    size_t n = state_read_code(v, buf, sizeof(buf));
    unsigned bits = state_code_bits(v);
    if (n < sizeof(buf))
        return false; /* code near the end of memory: not judged */
    if (x86_quick_len(buf, n, bits, NULL))
        return false;
    csh h = x86_capstone(bits, false);
    cs_insn *insn;
    if (!h)
        return false;
    if (cs_disasm(h, buf, n, 0, 1, &insn) == 1) {
        cs_free(insn, 1);
        return false;
    }
    return true;
}

/* The qualification of an EPT violation on the data access at mem_gpa: the
 * access, the mapping's rights there (bits 3-5), a valid guest-linear
 * address (bit 7) that the access itself translated (bit 8). */
static uint64_t ept_data_qualification(struct x86_vcpu *v)
{
    uint32_t prot = 0;
    pthread_mutex_lock(&vm_lock);
    const struct s2_entry *e = stage2_lookup(vcpu_s2(&v->base), v->mem_gpa);
    if (e)
        prot = e->prot;
    pthread_mutex_unlock(&vm_lock);
    return v->mem_access | ((uint64_t)(prot & 7u) << 3) | (1u << 7) | (1u << 8);
}

/* An EPT violation while the engine delivered an event (a push to the
 * guest's stack it refused): the exit the CPU takes during delivery. The
 * event did not happen: the guest state is the VMCS's from before it (the
 * engine's half-delivered state is dropped), RIP back at a software
 * interrupt, which does not retire; the event is the IDT-vectoring
 * information, with its instruction length (SDM vol. 3C, 27.2.4). */
static void delivery_violation(struct x86_vcpu *v)
{
    v->injecting = false;
    uint64_t qual = ept_data_qualification(v);
    /* The linear address: the stack the engine pushed to (paging off:
     * linear = physical). */
    uint64_t la = v->mem_gpa;
    if (rd(v, UC_X86_REG_CR0) & 0x80000000u) {
        uint64_t sp = v->seg[SEG_SS].base + rd(v, UC_X86_REG_RSP), pa;
        for (uint64_t k = 0; k < 64; k++) {
            if (state_translate(v, sp + k, &pa) && !((pa ^ v->mem_gpa) & ~0xfffull)) {
                la = ((sp + k) & ~0xfffull) | (v->mem_gpa & 0xfffu);
                break;
            }
        }
    }
    v->vmcs_fresh = true; /* the VMCS holds the state before the delivery */
    v->load_pending = true;
    vmcs_set(v, VMCS_GUEST_RIP, vmcs_get(v, VMCS_GUEST_RIP) - v->inject_len);
    if (v->inject_retired)
        v->base.icount--;
    v->pending_errcode = false;
    v->event_entered = false;
    if ((v->inject_info & IRQ_INFO_TYPE_MASK) == IRQ_INFO_NMI)
        v->nmi_blocked = false;
    x86_exit_clear(v);
    vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_EPT_VIOLATION);
    vmcs_set(v, VMCS_RO_EXIT_QUALIFIC, qual);
    vmcs_set(v, VMCS_GUEST_PHYSICAL_ADDRESS, v->mem_gpa);
    vmcs_set(v, VMCS_RO_GUEST_LIN_ADDR, la);
    vmcs_set(v, VMCS_RO_IDT_VECTOR_INFO, v->inject_info & ~(uint32_t)(1u << 12));
    vmcs_set(v, VMCS_RO_IDT_VECTOR_ERROR,
             (v->inject_info & IRQ_INFO_ERROR_VALID) ? v->inject_err : 0);
    vmcs_set(v, VMCS_RO_VMEXIT_INSTR_LEN, v->inject_len);
}

static void ept_violation(struct x86_vcpu *v)
{
    sync_icount(v);
    v->vmcs_fresh = false;
    uint64_t qual = ept_data_qualification(v);
    uint64_t la = v->mem_gpa;
    if (rd(v, UC_X86_REG_CR0) & 0x80000000u)
        la = x86_fault_linear(v, v->mem_access, v->mem_gpa);
    x86_exit_clear(v);
    vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_EPT_VIOLATION);
    vmcs_set(v, VMCS_RO_EXIT_QUALIFIC, qual);
    vmcs_set(v, VMCS_GUEST_PHYSICAL_ADDRESS, v->mem_gpa);
    vmcs_set(v, VMCS_RO_GUEST_LIN_ADDR, la);
}

/* ---- engine setup ---- */

void x86_hooks_install(struct x86_vcpu *v)
{
    uc_hook h;
    uc_engine *uc = v->base.uc;
    uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void *)block_hook, v, 1, 0);
    uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)intr_hook, v, 1, 0);
    uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)out_hook, v, 1, 0, UC_X86_INS_OUT);
    uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)in_hook, v, 1, 0, UC_X86_INS_IN);
    uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, (void *)mem_fault, v, 1, 0);
}

/* ---- the run loop ---- */

/* The guest-state checks of VM entry the engine cannot make itself (SDM
 * vol. 3C, 26.3.1.1): CR0.PG requires CR0.PE, even for an unrestricted
 * guest. Paging without protection would run real-mode code through page
 * tables. */
static bool entry_state_valid(struct x86_vcpu *v)
{
    uint64_t cr0 = state_read_field(v, VMCS_GUEST_CR0);
    return !(cr0 & 0x80000000u) || (cr0 & 1u);
}

hv_return_t x86_run(struct x86_vcpu *v, uint64_t deadline)
{
    struct hvm_vcpu *b = &v->base;
    vm_sync_vmm_writes(b);
    if (atomic_load(&b->s2_dirty) && vcpu_sync_memory(b) != HV_SUCCESS)
        return HV_ERROR;
    /* A kick already pending exits first (VMX_REASON_IRQ, below). */
    if (!atomic_load(&b->cancel) && b->icount < b->cancel_at && !entry_state_valid(v)) {
        /* A failed VM entry: no instruction runs, the guest state stays. */
        x86_exit_clear(v);
        vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_VMENTRY_GUEST | 0x80000000u);
        return HV_SUCCESS;
    }
    atomic_store(&b->state, HVM_VCPU_RUNNING);
    vcpu_arm_stop(b, deadline);
    hv_return_t ret = HV_SUCCESS;
    if (!tpr_entry_check(v)) {
        /* VMfailValid: no exit, nothing of the guest changed (tpr.c). */
        atomic_store(&b->state, HVM_VCPU_IDLE);
        return HV_ERROR;
    }
    if (!halt_entry_check(v)) {
        /* A failed VM entry changes nothing but the exit reason. */
        atomic_store(&b->state, HVM_VCPU_IDLE);
        return HV_SUCCESS;
    }
    timer_entry(v);
    /* The mode registers may be kept while this run handles its exits. */
    x86_mode_forget(v);
    v->mode_on = true;
    events_entry(v);
    for (;;) {
        /* hv_vcpu_interrupt, or where a replayed one took effect. */
        if (x86_take_kick(v))
            break;
        uint64_t info = vmcs_get(v, VMCS_CTRL_VMENTRY_IRQ_INFO);
        if (info & IRQ_INFO_VALID) {
            vmcs_set(v, VMCS_CTRL_VMENTRY_IRQ_INFO, info & ~(uint64_t)IRQ_INFO_VALID);
            if ((info & IRQ_INFO_TYPE_MASK) == (7u << 8)) {
                /* "Other event" 0: a pending MTF exit before the first
                 * instruction, whatever the MTF control (SDM vol. 3C,
                 * 27.5.2); it does not wake a halted vCPU. */
                v->mtf_injected = true;
                events_arm(v, false);
            } else {
                vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 0); /* the event wakes it */
                x86_queue_event(v, (uint32_t)info,
                                (uint32_t)vmcs_get(v, VMCS_CTRL_VMENTRY_EXC_ERROR),
                                (uint32_t)vmcs_get(v, VMCS_CTRL_VMENTRY_INSTR_LEN), 0);
            }
        }
        if (v->event_pending) {
            int r = x86_deliver(v);
            if (r > 0)
                break;            /* the delivery itself exited (exception bitmap, triple fault) */
            events_arm(v, false); /* an NMI blocks NMIs until its IRET */
        }
        if (vmcs_get(v, VMCS_GUEST_ACTIVITY_STATE) == 1) {
            halt_wait(v, &deadline); /* every wake-up the model knows is an exit */
            break;
        }
        uint64_t begin;
        if (v->load_pending || !v->engine_is_live) {
            if ((ret = state_load(v)) != HV_SUCCESS)
                break;
            begin = X86_PRIV_GPA + X86_PRIV_STUB;
        } else {
            begin = rd(v, UC_X86_REG_RIP);
        }
        v->stop = X86_STOP_NONE;
        v->vmcs_fresh = false; /* the guest is about to change its state */
        v->blk_icount = 0;
        v->blk_icount_base = b->icount;
        if (begin == X86_PRIV_GPA + X86_PRIV_STUB)
            v->efer_valid = false; /* the stub's VMRUN loads it */
        uc_err err = uc_emu_start(b->uc, begin, UINT64_MAX, 0, 0);
        /* What a hook read for an exit it took holds (it stopped the
         * engine there); after any other stop the guest may have run on.
         * EFER holds after a stage-2 fault as well: the engine stopped in
         * the guest's instruction, and only the model changes EFER. */
        if (v->stop != X86_STOP_EXIT) {
            if (v->stop != X86_STOP_MEM)
                v->efer_valid = false;
            x86_mode_forget(v);
        }
        uint32_t blk_icount = v->blk_icount;
        b->icount = v->blk_icount_base + (v->stop == X86_STOP_NONE ? v->blk_icount : 0);
        v->blk_icount = 0;
        v->vmcs_fresh = false;
        enum x86_stop why = v->stop;
        v->stop = X86_STOP_NONE;
        if (why == X86_STOP_EXIT)
            break;
        if (why == X86_STOP_MEM) {
            /* The engine is back at the faulting instruction: the ones
             * before it in its block retired (sync_icount counts them). */
            v->blk_icount = blk_icount;
            if (v->injecting && v->mem_access != 4) {
                /* (a fetch is the handler's first instruction: the event
                 * was delivered) */
                delivery_violation(v);
                break;
            }
            /* Or past an x87 instruction that stores from a helper. */
            bool x87 = x87_fault(v);
            if (!x87 && v->mem_access != 4 && undecodable(v)) {
                /* The engine reads the operand of some reserved encodings
                 * (FF /7) before it finds them invalid; the CPU raises #UD
                 * without touching memory. */
                exception(v, 6);
                if (v->stop == X86_STOP_DELIVER) {
                    v->stop = X86_STOP_NONE;
                    continue;
                }
                break;
            }
            ept_violation(v);
            break;
        }
        if (why == X86_STOP_DELIVER || why == X86_STOP_HALT || why == X86_STOP_RESUME)
            continue;
        if (why == X86_STOP_TIMER) {
            if (b->icount >= v->timer_at) {
                x86_exit_clear(v);
                vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_VMX_TIMER_EXPIRED);
                break;
            }
            events_arm(v, true); /* the exact instruction, in this block */
            continue;
        }
        if (why == X86_STOP_BUDGET) {
            if (atomic_load(&b->cancel) || b->icount >= b->cancel_at)
                continue;
            if (atomic_load(&b->s2_dirty)) {
                if (vcpu_sync_memory(b) != HV_SUCCESS) {
                    ret = HV_ERROR;
                    break;
                }
                vcpu_arm_stop(b, deadline);
                continue;
            }
            if (b->icount >= deadline) {
                x86_exit_clear(v);
                vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_VMX_TIMER_EXPIRED);
                break;
            }
            vcpu_arm_stop(b, deadline);
            continue;
        }
        if (err != UC_ERR_OK) {
            /* The engine stopped on its own: report the guest as shut down. */
            x86_exit_clear(v);
            vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_TRIPLE_FAULT);
            break;
        }
        /* The engine ran out of work without a hook's stop (e.g. the guest's
         * HLT reached the engine): treat as a spurious exit. */
        x86_exit_clear(v);
        vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_IRQ);
        break;
    }
    events_exit(v);
    timer_exit(v);
    v->mode_on = false;
    x86_mode_forget(v);
    atomic_store(&b->state, HVM_VCPU_IDLE);
    return ret;
}
