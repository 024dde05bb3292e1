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
 * raises instead (#GP with its error code). */
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
    if (!state_read_linear(v, base + vec * esz, d, 8)) {
        *err = vec * 8u + 2u + (ext ? 1u : 0u);
        return 13;
    }
    unsigned type = (d[1] >> 8) & 0xfu, dpl = (d[1] >> 13) & 3u;
    unsigned cpl = (unsigned)((vmcs_get(v, VMCS_GUEST_SS_AR) >> 5) & 3u);
    if ((info & (7u << 8)) == IRQ_INFO_SOFT_IRQ || (info & (7u << 8)) == IRQ_INFO_SOFT_EXC) {
        if (dpl < cpl) {
            *err = vec * 8u + 2u;
            return 13;
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
            if ((info & 0xffu) == 14 && v->event_cr2)
                uc_reg_write(v->base.uc, UC_X86_REG_CR2, &v->event_cr2);
            v->inject_vec = (int)(info & 0xffu);
            v->pending_errcode = (info & IRQ_INFO_ERROR_VALID) && width;
            v->errcode = err;
            v->errcode_width = width;
            v->load_pending = true;
            return 0;
        }
        /* Delivery faulted: the new exception, or #DF, or shutdown. */
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
static bool decode_at_rip(struct x86_vcpu *v, uint64_t *mem_la, bool *writes, uint64_t *rip_la,
                          uint32_t *len)
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
        *mem_la = bits == 64 ? base + ea : (uint32_t)(base + ea);
        *writes = (op->access & CS_AC_WRITE) != 0;
        found = true;
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

uint64_t x86_fault_linear(struct x86_vcpu *v, uint32_t access, uint64_t gpa)
{
    uint64_t mem = 0, rip_la = 0;
    bool writes = false;
    uint32_t len = 0;
    bool has_mem = decode_at_rip(v, &mem, &writes, &rip_la, &len);
    uint64_t la = access == 4 || !has_mem ? rip_la : mem;
    return (la & ~0xfffull) | (gpa & 0xfffu);
}
