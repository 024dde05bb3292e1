/*
 * deliver.c — events the guest takes through its own IVT/IDT: exceptions
 * the exception bitmap does not select, software interrupts, and events the
 * VMM injects with VMCS_CTRL_VMENTRY_IRQ_INFO.
 *
 * The model checks what decides whether delivery can start (the IVT/IDT
 * limit, the gate's DPL for software interrupts) and turns a failure into
 * the next exception exactly as the CPU does (#GP, then #DF, then a triple
 * fault), exiting to the VMM with the IDT-vectoring information when the
 * exception bitmap selects the new exception. The delivery itself is the
 * engine's: the VMRUN that loads the guest state injects the vector as an
 * external interrupt, which walks the IVT or the IDT gate with privilege
 * and stack changes; the model then pushes the error code an exception adds
 * (exit.c, the handler's first block).
 */
#include <string.h>

#include "x86.h"

void x86_queue_event(struct x86_vcpu *v, uint32_t info, uint32_t err, uint32_t len, uint64_t cr2)
{
    v->event_pending = true;
    v->event_retires = false;
    v->event_info = info;
    v->event_err = err;
    v->event_len = len;
    v->event_cr2 = cr2;
}

static bool is_soft(uint32_t info)
{
    uint32_t t = info & (7u << 8);
    return t == IRQ_INFO_SOFT_IRQ || t == IRQ_INFO_SOFT_EXC || t == IRQ_INFO_PRIV_SOFT_EXC;
}

static bool contributory(unsigned vec)
{
    return vec == 0 || (vec >= 10 && vec <= 13);
}

/* Why delivery of vec cannot start: 0 = it can; else the exception it
 * raises instead (#GP or #NP) with its error code. Followed: the IVT/IDT
 * limit, the gate's type, DPL (software interrupts) and presence, the
 * handler's code segment (null, limit, type, DPL, 64-bit in IA-32e mode,
 * presence). The stack switch to an inner level is the engine's. */
static unsigned check_gate(struct x86_vcpu *v, uint32_t info, uint32_t *err, unsigned *width)
{
    unsigned vec = info & 0xffu;
    uint64_t base = vmcs_get(v, VMCS_GUEST_IDTR_BASE);
    uint32_t limit = (uint32_t)vmcs_get(v, VMCS_GUEST_IDTR_LIMIT);
    bool ext = !is_soft(info);
    *width = 0;
    if (!(vmcs_get(v, VMCS_GUEST_CR0) & 1u)) {
        if (vec * 4u + 3u > limit) {
            *err = 0;
            return 13;
        }
        return 0;
    }
    bool lm = (vmcs_get(v, VMCS_GUEST_IA32_EFER) & 0x400u) != 0;
    unsigned esz = lm ? 16u : 8u;
    if (vec * esz + esz - 1u > limit) {
        *err = vec * 8u + 2u + (ext ? 1u : 0u);
        return 13;
    }
    uint32_t d[2];
    if (!state_read_desc(v, base + vec * esz, d)) {
        *err = vec * 8u + 2u + (ext ? 1u : 0u);
        return 13;
    }
    unsigned type = (d[1] >> 8) & 0x1fu, dpl = (d[1] >> 13) & 3u;
    unsigned cpl = (unsigned)((vmcs_get(v, VMCS_GUEST_SS_AR) >> 5) & 3u);
    uint32_t gate_err = vec * 8u + 2u + (ext ? 1u : 0u);
    /* The gate (SDM vol. 2A, INT n pseudo-code): an interrupt or trap gate
     * (in IA-32e mode a 64-bit one), or a task gate outside it. */
    bool valid = type == 0x0eu || type == 0x0fu ||
                 (!lm && (type == 0x05u || type == 0x06u || type == 0x07u));
    if (!valid) {
        *err = gate_err;
        return 13;
    }
    if ((info & (7u << 8)) == IRQ_INFO_SOFT_IRQ || (info & (7u << 8)) == IRQ_INFO_SOFT_EXC) {
        if (dpl < cpl) {
            *err = vec * 8u + 2u;
            return 13;
        }
    }
    if (!(d[1] & 0x8000u)) {
        *err = gate_err;
        return 11;
    }
    if (type != 0x05u) { /* the handler's code segment (a task switch is not followed) */
        uint16_t cs = (uint16_t)(d[0] >> 16);
        uint32_t c[4];
        uint32_t cs_err = (cs & 0xfffcu) + (ext ? 1u : 0u);
        if (!(cs & 0xfffcu)) {
            *err = ext ? 1u : 0u;
            return 13;
        }
        if (!x86_read_desc(v, cs, 8, c)) {
            *err = cs_err;
            return 13;
        }
        unsigned ct = (c[1] >> 8) & 0x1fu, cdpl = (c[1] >> 13) & 3u;
        bool l = (c[1] >> 21) & 1u, db = (c[1] >> 22) & 1u;
        if ((ct & 0x18u) != 0x18u || cdpl > cpl || (lm && (!l || db))) {
            *err = cs_err;
            return 13;
        }
        if (!(c[1] & 0x8000u)) {
            *err = cs_err;
            return 11;
        }
    }
    *width = lm ? 8u : (type & 8u) ? 4u : 2u;
    return 0;
}

int x86_deliver(struct x86_vcpu *v)
{
    v->event_pending = false;
    state_sync(v);
    uint32_t info = v->event_info, err = v->event_err;
    uint32_t orig = info, orig_err = err;
    bool orig_has_err = (info & IRQ_INFO_ERROR_VALID) != 0;
    uint32_t bitmap = (uint32_t)vmcs_get(v, VMCS_CTRL_EXC_BITMAP);
    for (int depth = 0;; depth++) {
        unsigned width;
        uint32_t nerr = 0;
        unsigned fault = check_gate(v, info, &nerr, &width);
        if (!fault) {
            if (is_soft(info))
                vmcs_set(v, VMCS_GUEST_RIP, vmcs_get(v, VMCS_GUEST_RIP) + v->event_len);
            /* The guest's INT n, INT3 or INTO completes with the delivery:
             * it retires (an injected event is no guest instruction). */
            if (v->event_retires)
                v->base.icount++;
            v->inject_info = info;
            v->inject_err = err;
            v->inject_len = is_soft(info) ? v->event_len : 0;
            v->inject_retired = v->event_retires;
            v->event_retires = false;
            if ((info & 0xffu) == 14 && v->event_cr2)
                uc_reg_write(v->base.uc, UC_X86_REG_CR2, &v->event_cr2);
            /* Delivery ends STI/MOV-SS blocking; an NMI blocks NMIs
             * until the handler's IRET (SDM vol. 3A, 6.7.1). */
            v->event_entered = true;
            v->shadow_next = 0;
            if ((info & (7u << 8)) == IRQ_INFO_NMI)
                v->nmi_blocked = true;
            v->inject_vec = (int)(info & 0xffu);
            v->pending_errcode = (info & IRQ_INFO_ERROR_VALID) && width;
            v->errcode = err;
            v->errcode_width = width;
            v->load_pending = true;
            return 0;
        }
        /* Delivery faulted: the new exception, or #DF, or shutdown; a
         * software interrupt did not complete (it does not retire). */
        v->event_retires = false;
        unsigned prev = info & 0xffu;
        bool pe = (vmcs_get(v, VMCS_GUEST_CR0) & 1u) != 0;
        unsigned next = fault;
        if (depth > 0 && (prev == 8 || (contributory(prev) && contributory(next)))) {
            if (prev == 8) {
                x86_exit_clear(v);
                vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_TRIPLE_FAULT);
                return 1;
            }
            next = 8;
            nerr = 0;
        }
        uint32_t ninfo =
            IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | next | (pe ? IRQ_INFO_ERROR_VALID : 0u);
        if ((bitmap >> next) & 1u) {
            x86_exit_clear(v);
            vmcs_set(v, VMCS_RO_EXIT_REASON, VMX_REASON_EXC_NMI);
            vmcs_set(v, VMCS_RO_VMEXIT_IRQ_INFO, ninfo);
            vmcs_set(v, VMCS_RO_VMEXIT_IRQ_ERROR, pe ? nerr : 0);
            vmcs_set(v, VMCS_RO_IDT_VECTOR_INFO, orig & ~(uint32_t)(1u << 12));
            vmcs_set(v, VMCS_RO_IDT_VECTOR_ERROR, orig_has_err ? orig_err : 0);
            vmcs_set(v, VMCS_RO_VMEXIT_INSTR_LEN, is_soft(orig) ? v->event_len : 0);
            return 1;
        }
        info = ninfo;
        err = nerr;
        if (!pe)
            info &= ~(uint32_t)IRQ_INFO_ERROR_VALID;
        v->event_len = 0;
    }
}

/* ---- decoding a faulting instruction ---- */

static uint64_t reg_value(struct x86_vcpu *v, x86_reg r)
{
    static const struct {
        x86_reg cs;
        int uc;
    } map[] = {
        {X86_REG_RAX, UC_X86_REG_RAX}, {X86_REG_RBX, UC_X86_REG_RBX}, {X86_REG_RCX, UC_X86_REG_RCX},
        {X86_REG_RDX, UC_X86_REG_RDX}, {X86_REG_RSI, UC_X86_REG_RSI}, {X86_REG_RDI, UC_X86_REG_RDI},
        {X86_REG_RBP, UC_X86_REG_RBP}, {X86_REG_RSP, UC_X86_REG_RSP}, {X86_REG_R8, UC_X86_REG_R8},
        {X86_REG_R9, UC_X86_REG_R9},   {X86_REG_R10, UC_X86_REG_R10}, {X86_REG_R11, UC_X86_REG_R11},
        {X86_REG_R12, UC_X86_REG_R12}, {X86_REG_R13, UC_X86_REG_R13}, {X86_REG_R14, UC_X86_REG_R14},
        {X86_REG_R15, UC_X86_REG_R15}, {X86_REG_EAX, UC_X86_REG_EAX}, {X86_REG_EBX, UC_X86_REG_EBX},
        {X86_REG_ECX, UC_X86_REG_ECX}, {X86_REG_EDX, UC_X86_REG_EDX}, {X86_REG_ESI, UC_X86_REG_ESI},
        {X86_REG_EDI, UC_X86_REG_EDI}, {X86_REG_EBP, UC_X86_REG_EBP}, {X86_REG_ESP, UC_X86_REG_ESP},
        {X86_REG_AX, UC_X86_REG_AX},   {X86_REG_BX, UC_X86_REG_BX},   {X86_REG_CX, UC_X86_REG_CX},
        {X86_REG_DX, UC_X86_REG_DX},   {X86_REG_SI, UC_X86_REG_SI},   {X86_REG_DI, UC_X86_REG_DI},
        {X86_REG_BP, UC_X86_REG_BP},   {X86_REG_SP, UC_X86_REG_SP},   {X86_REG_RIP, UC_X86_REG_RIP},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].cs == r) {
            uint64_t x = 0;
            uc_reg_read(v->base.uc, map[i].uc, &x);
            return x;
        }
    }
    return 0;
}

/* Decodes the instruction at RIP: its linear address and, when it has a
 * memory operand, that operand's linear address and whether it writes it. */
static bool decode_at_rip_for(struct x86_vcpu *v, uint64_t *mem_la, bool *writes, uint64_t *rip_la,
                              uint32_t *len, const uint64_t *gpa);

static bool decode_at_rip(struct x86_vcpu *v, uint64_t *mem_la, bool *writes, uint64_t *rip_la,
                          uint32_t *len)
{
    return decode_at_rip_for(v, mem_la, writes, rip_la, len, NULL);
}

/* decode_at_rip, choosing among several memory operands (CMPS, MOVS) the
 * one whose page the guest's paging maps to *gpa's page, if gpa is given;
 * otherwise, or when none does, the first. */
static bool decode_at_rip_for(struct x86_vcpu *v, uint64_t *mem_la, bool *writes, uint64_t *rip_la,
                              uint32_t *len, const uint64_t *gpa)
{
    state_sync(v); /* the segment bases of the memory operand */
    unsigned bits = state_code_bits(v);
    uint64_t rip = x86_rd(v, UC_X86_REG_RIP);
    uint64_t la = state_rip_linear(v);
    *rip_la = la;
    uint8_t buf[15];
    size_t n = state_read_code(v, buf, sizeof(buf));
    csh h = x86_capstone(bits, true);
    cs_insn *insn;
    if (!n || !h || cs_disasm(h, buf, n, la, 1, &insn) != 1)
        return false;
    *len = insn->size;
    bool found = false;
    const cs_x86 *x = &insn->detail->x86;
    for (uint8_t i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type != X86_OP_MEM)
            continue;
        uint64_t ea = (uint64_t)op->mem.disp;
        if (op->mem.base == X86_REG_RIP || op->mem.base == X86_REG_EIP)
            ea += rip + insn->size;
        else if (op->mem.base != X86_REG_INVALID)
            ea += reg_value(v, op->mem.base);
        if (op->mem.index != X86_REG_INVALID)
            ea += reg_value(v, op->mem.index) * (uint64_t)op->mem.scale;
        if (bits == 16)
            ea &= 0xffffu;
        else if (bits == 32)
            ea &= 0xffffffffu;
        unsigned seg = SEG_DS;
        switch (op->mem.segment) {
        case X86_REG_ES: seg = SEG_ES; break;
        case X86_REG_CS: seg = SEG_CS; break;
        case X86_REG_SS: seg = SEG_SS; break;
        case X86_REG_FS: seg = SEG_FS; break;
        case X86_REG_GS: seg = SEG_GS; break;
        default:
            if (op->mem.base == X86_REG_RSP || op->mem.base == X86_REG_ESP ||
                op->mem.base == X86_REG_SP || op->mem.base == X86_REG_RBP ||
                op->mem.base == X86_REG_EBP || op->mem.base == X86_REG_BP)
                seg = SEG_SS;
        }
        uint64_t base = (bits == 64 && seg != SEG_FS && seg != SEG_GS) ? 0 : v->seg[seg].base;
        uint64_t la_op = bits == 64 ? base + ea : (uint32_t)(base + ea);
        uint64_t pa = 0;
        bool match = gpa && state_translate(v, la_op, &pa) && !((pa ^ *gpa) & ~0xfffull);
        if (!found || match) {
            *mem_la = la_op;
            *writes = (op->access & CS_AC_WRITE) != 0;
        }
        found = true;
        if (!gpa || match)
            break;
    }
    cs_free(insn, 1);
    return found;
}

uint32_t x86_pf_error(struct x86_vcpu *v, uint64_t linear)
{
    uint64_t mem = 0, rip_la = 0, pa;
    bool writes = false;
    uint32_t len = 0;
    bool has_mem = decode_at_rip(v, &mem, &writes, &rip_la, &len);
    uint32_t e = 0;
    if (state_translate(v, linear, &pa))
        e |= 1u; /* a protection fault: the page is present */
    bool fetch = !has_mem || linear < mem || linear - mem >= 16u
                     ? (linear >= rip_la && linear - rip_la < 16u)
                     : false;
    if (fetch)
        e |= 1u << 4;
    else if (writes)
        e |= 1u << 1;
    if (((vmcs_get(v, VMCS_GUEST_SS_AR) >> 5) & 3u) == 3u)
        e |= 1u << 2;
    return e;
}

bool x86_mem_operand(struct x86_vcpu *v, uint64_t *la)
{
    uint64_t rip_la = 0;
    bool writes = false;
    uint32_t len = 0;
    return decode_at_rip(v, la, &writes, &rip_la, &len);
}

/* True when linear `la` translates to gpa's page. */
static bool on_page(struct x86_vcpu *v, uint64_t la, uint64_t gpa)
{
    uint64_t pa;
    return state_translate(v, la, &pa) && !((pa ^ gpa) & ~0xfffull);
}

uint64_t x86_fault_linear(struct x86_vcpu *v, uint32_t access, uint64_t gpa)
{
    uint64_t mem = 0, rip_la = 0;
    bool writes = false;
    uint32_t len = 0;
    bool has_mem = decode_at_rip_for(v, &mem, &writes, &rip_la, &len, &gpa);
    uint64_t la = access == 4 || !has_mem ? rip_la : mem;
    if (access != 4 && !(has_mem && on_page(v, mem, gpa))) {
        /* No explicit operand on that page: an implicit stack access
         * (PUSH, POP, CALL, RET, ENTER ...) near SS:RSP, or LEAVE's pop
         * at SS:RBP. */
        unsigned bits = state_code_bits(v);
        uint64_t mask = bits == 64 ? UINT64_MAX : 0xffffffffull;
        static const int base[2] = {UC_X86_REG_RSP, UC_X86_REG_RBP};
        bool found = false;
        for (unsigned b = 0; b < 2 && !found; b++) {
            uint64_t sp = v->seg[SEG_SS].base + x86_rd(v, base[b]);
            for (uint64_t k = 0; k < 128 && !found; k += 8) {
                uint64_t a = (sp + k - 64) & mask;
                if (on_page(v, a, gpa)) {
                    la = a;
                    found = true;
                }
            }
        }
    }
    return (la & ~0xfffull) | (gpa & 0xfffu);
}

/* ---- blocking by STI / MOV SS / NMI, and the event windows ---- */

/* The opcode of the instruction of `size` bytes at linear `la` after its
 * prefixes (a REX byte is a prefix unless it is the whole instruction, as
 * INC/DEC in 32-bit code), and the byte after it (ModRM). */
static uint8_t opcode_at(struct x86_vcpu *v, uint64_t la, uint32_t size, uint8_t *modrm)
{
    uint8_t b[15];
    if (size > sizeof(b))
        size = sizeof(b);
    *modrm = 0;
    if (!size || !state_read_linear(v, la, b, size))
        return 0x90;
    for (uint32_t i = 0; i < size; i++) {
        uint8_t op = b[i];
        bool prefix = op == 0x66 || op == 0x67 || op == 0xf0 || op == 0xf2 || op == 0xf3 ||
                      op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e || op == 0x64 ||
                      op == 0x65 || ((op & 0xf0) == 0x40 && i + 1 < size);
        if (prefix)
            continue;
        *modrm = i + 1 < size ? b[i + 1] : 0;
        return op;
    }
    return 0x90;
}

/* The blocking the instruction at `la` leaves for the next one: STI with
 * IF clear before it blocks interrupts (1), MOV SS / POP SS blocks events
 * (2) (SDM vol. 3A, 6.8.3; vol. 3C, 24.4.2). */
static uint8_t blocking_after(uint8_t op, uint8_t modrm, bool if_before)
{
    if (op == 0xfb)
        return if_before ? 0 : 1;
    if ((op == 0x8e && ((modrm >> 3) & 7u) == 2u) || op == 0x17)
        return 2;
    return 0;
}

/* Runs before every guest instruction while armed: the window, MTF and
 * timer exits happen at the instruction boundary, before the instruction. */
static void step_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc;
    struct x86_vcpu *v = user;
    x86_mode_forget(v); /* the guest ran */
    if (v->stop != X86_STOP_NONE || addr >= X86_PRIV_GPA)
        return;
    uint64_t done = v->blk_icount_base + v->step_n++; /* retired before this one */
    v->shadow = v->shadow_next;
    v->shadow_next = 0;
    v->shadow_la = addr;
    if (v->iret_seen) { /* the IRET completed: NMIs are unblocked */
        v->iret_seen = false;
        v->nmi_blocked = false;
    }
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    bool iflag = (x86_rd(v, UC_X86_REG_RFLAGS) & 0x200u) != 0;
    uint32_t reason = UINT32_MAX;
    /* Priority (SDM vol. 3C, 26.7 and 25.2): MTF, then the preemption
     * timer, then the NMI window, then the interrupt window. */
    if (v->mtf_injected || ((cpu & CPU_BASED_MTF) && (done > v->entry_icount || v->event_entered)))
        reason = VMX_REASON_MTF;
    else if (done >= v->timer_at)
        reason = VMX_REASON_VMX_TIMER_EXPIRED;
    else if ((cpu & CPU_BASED_VIRTUAL_NMI_WND) && !v->nmi_blocked && !(v->shadow & 2u))
        reason = VMX_REASON_VIRTUAL_NMI_WND;
    else if ((cpu & CPU_BASED_IRQ_WND) && iflag && !v->shadow)
        reason = VMX_REASON_IRQ_WND;
    if (reason != UINT32_MAX) {
        /* Before this instruction: the ones before it in the block retired. */
        v->base.icount = done;
        v->blk_icount_base = done;
        v->blk_icount = 0;
        v->mtf_injected = false;
        x86_exit_to_vmm(v, reason, 0, 0);
        return;
    }
    uint8_t modrm;
    uint8_t op = opcode_at(v, addr, size, &modrm);
    v->shadow_next = blocking_after(op, modrm, iflag);
    if (op == 0xcf && v->nmi_blocked)
        v->iret_seen = true;
}

void events_arm(struct x86_vcpu *v, bool precise)
{
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    bool need = precise || v->nmi_blocked || v->mtf_injected ||
                (cpu & (CPU_BASED_IRQ_WND | CPU_BASED_VIRTUAL_NMI_WND | CPU_BASED_MTF));
    if (!need || v->step)
        return;
    if (uc_hook_add(v->base.uc, &v->step, UC_HOOK_CODE, (void *)step_hook, v, 1, 0) != UC_ERR_OK) {
        v->step = 0;
        return;
    }
    /* Blocks translated before the hook existed would not call it. */
    uc_ctl_flush_tb(v->base.uc);
}

void events_entry(struct x86_vcpu *v)
{
    uint32_t ib = (uint32_t)vmcs_get(v, VMCS_GUEST_INTERRUPTIBILITY);
    v->entry_shadow = (uint8_t)(ib & 3u);
    v->shadow_next = v->entry_shadow;
    v->shadow = 0;
    v->shadow_la = UINT64_MAX;
    v->nmi_blocked = (ib & 8u) != 0;
    v->iret_seen = false;
    v->event_entered = false;
    v->mtf_injected = false;
    v->entry_icount = v->base.icount;
    v->tb_prev_size = 0;
    v->tb_start = UINT64_MAX;
    v->tb_size = 0;
    events_arm(v, false);
}

/* Without the hook: the blocking at RIP is the one the instruction ending
 * the previous block left, when RIP starts the block right after it. The
 * IF value before an STI is not known here: STI blocking is reported when
 * IF is now set (docs/x86.md). */
static uint8_t blocking_from_prev_block(struct x86_vcpu *v, uint64_t rip_la)
{
    if (rip_la != v->tb_start || !v->tb_prev_size || v->tb_prev + v->tb_prev_size != rip_la ||
        v->tb_prev_size > 4096u)
        return 0;
    uint8_t buf[4096];
    if (!state_read_linear(v, v->tb_prev, buf, v->tb_prev_size))
        return 0;
    csh h = x86_capstone(state_code_bits(v), false);
    if (!h)
        return 0;
    const uint8_t *code = buf;
    size_t left = v->tb_prev_size;
    uint64_t addr = v->tb_prev, last = 0;
    uint32_t last_size = 0;
    cs_insn *insn = cs_malloc(h);
    while (left && cs_disasm_iter(h, &code, &left, &addr, insn)) {
        last = insn->address;
        last_size = insn->size;
    }
    cs_free(insn, 1);
    if (!last_size || last + last_size != rip_la)
        return 0;
    uint8_t modrm;
    uint8_t op = opcode_at(v, last, last_size, &modrm);
    bool iflag = (x86_rd(v, UC_X86_REG_RFLAGS) & 0x200u) != 0;
    uint8_t b = blocking_after(op, modrm, !iflag);
    return b;
}

/* The STI/MOV-SS blocking at RIP when an exit leaves the active guest. */
static uint8_t blocking_at_exit(struct x86_vcpu *v)
{
    uint8_t sh;
    uint64_t rip_la = state_rip_linear(v);
    if (v->step)
        sh = v->shadow_la == rip_la ? v->shadow : v->shadow_next;
    else if (v->base.icount == v->entry_icount && !v->event_entered)
        sh = v->entry_shadow;
    else
        sh = blocking_from_prev_block(v, rip_la);
    if (!(x86_rd(v, UC_X86_REG_RFLAGS) & 0x200u))
        sh &= (uint8_t)~1u; /* STI blocking only with IF set (SDM 26.3.1.5) */
    return sh;
}

void events_exit(struct x86_vcpu *v)
{
    uint8_t sh;
    if (vmcs_get(v, VMCS_GUEST_ACTIVITY_STATE) == 1) {
        /* In HLT no instruction is pending: no STI or MOV-SS blocking (the
         * VM entry checks it, and the guest's HLT ended any). */
        sh = 0;
    } else {
        sh = blocking_at_exit(v);
    }
    if (v->step) {
        uc_hook_del(v->base.uc, v->step);
        v->step = 0;
    }
    uint32_t ib = (uint32_t)vmcs_get(v, VMCS_GUEST_INTERRUPTIBILITY) & ~0xbu;
    vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY, ib | sh | (v->nmi_blocked ? 8u : 0u));
}
