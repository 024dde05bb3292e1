/*
 * desc.c — descriptor-table exiting (CPU_BASED2_DESC_TABLE): LGDT, LIDT,
 * SGDT and SIDT exit with VMX_REASON_GDTR_IDTR, LLDT, LTR, SLDT and STR
 * with VMX_REASON_LDTR_TR (SDM vol. 3C, 26.1.3).
 *
 * The engine raises its SVM intercepts for the eight instructions (exit
 * codes 0x66..0x6d, armed by state.c only while the control is in force)
 * after the instruction's #UD and privilege checks and before it touches
 * memory, with RIP at the instruction. Here the instruction is decoded into
 * the VM-exit instruction information and the exit qualification (SDM vol.
 * 3C, 28.2.1 and 28.2.5). Fields and bits the SDM leaves undefined for these
 * exits (the guest-linear address among them) read 0.
 */
#include "x86.h"

/* Intel's number (0 RAX ... 15 R15) of a 16-, 32- or 64-bit general
 * register as Capstone names it; -1 for anything else. */
static int gpr_number(x86_reg r)
{
    static const x86_reg names[16][3] = {
        {X86_REG_AX, X86_REG_EAX, X86_REG_RAX},    {X86_REG_CX, X86_REG_ECX, X86_REG_RCX},
        {X86_REG_DX, X86_REG_EDX, X86_REG_RDX},    {X86_REG_BX, X86_REG_EBX, X86_REG_RBX},
        {X86_REG_SP, X86_REG_ESP, X86_REG_RSP},    {X86_REG_BP, X86_REG_EBP, X86_REG_RBP},
        {X86_REG_SI, X86_REG_ESI, X86_REG_RSI},    {X86_REG_DI, X86_REG_EDI, X86_REG_RDI},
        {X86_REG_R8W, X86_REG_R8D, X86_REG_R8},    {X86_REG_R9W, X86_REG_R9D, X86_REG_R9},
        {X86_REG_R10W, X86_REG_R10D, X86_REG_R10}, {X86_REG_R11W, X86_REG_R11D, X86_REG_R11},
        {X86_REG_R12W, X86_REG_R12D, X86_REG_R12}, {X86_REG_R13W, X86_REG_R13D, X86_REG_R13},
        {X86_REG_R14W, X86_REG_R14D, X86_REG_R14}, {X86_REG_R15W, X86_REG_R15D, X86_REG_R15},
    };
    if (r == X86_REG_INVALID)
        return -1;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 3; j++)
            if (names[i][j] == r)
                return i;
    return -1;
}

/* The segment register (VMX order: ES CS SS DS FS GS) a memory operand
 * uses: its override prefix, else SS for a stack-based address (base rSP
 * or rBP), else DS. */
static unsigned operand_segment(const cs_x86_op *op)
{
    switch (op->mem.segment) {
    case X86_REG_ES: return SEG_ES;
    case X86_REG_CS: return SEG_CS;
    case X86_REG_SS: return SEG_SS;
    case X86_REG_DS: return SEG_DS;
    case X86_REG_FS: return SEG_FS;
    case X86_REG_GS: return SEG_GS;
    default: break;
    }
    int base = gpr_number(op->mem.base);
    return base == 4 || base == 5 ? SEG_SS : SEG_DS;
}

/* The instruction's displacement field, sign-extended to 64 bits (0 when
 * it has none). */
static uint64_t displacement(const uint8_t *code, size_t n, const cs_x86 *x)
{
    unsigned at = x->encoding.disp_offset, size = x->encoding.disp_size;
    if (!at || !size || at + size > n)
        return 0;
    uint64_t d = 0;
    for (unsigned i = 0; i < size; i++)
        d |= (uint64_t)code[at + i] << (8 * i);
    unsigned shift = 64 - 8 * size;
    return (uint64_t)((int64_t)(d << shift) >> shift);
}

void x86_desc_table_exit(struct x86_vcpu *v, uint32_t svm_code)
{
    /* SVM 0x66..0x6d: SIDT SGDT SLDT STR LIDT LGDT LLDT LTR; the identity
     * in instruction-information bits 29:28 is 0 SGDT/SLDT, 1 SIDT/STR,
     * 2 LGDT/LLDT, 3 LIDT/LTR. */
    static const uint8_t identity[8] = {1, 0, 0, 1, 3, 2, 2, 3};
    unsigned k = (svm_code - 0x66u) & 7u;
    bool ldtr_tr = (k & 3u) >= 2u;
    uint32_t info = (uint32_t)identity[k] << 28;
    uint64_t qual = 0;
    uint32_t len = 0;

    unsigned bits = state_code_bits(v);
    uint64_t rip = x86_rd(v, UC_X86_REG_RIP);
    uint8_t code[15];
    size_t n = state_read_code(v, code, sizeof(code));
    csh h = x86_capstone(bits, true);
    cs_insn *insn = NULL;
    if (n && h && cs_disasm(h, code, n, rip, 1, &insn) == 1) {
        len = insn->size;
        const cs_x86 *x = &insn->detail->x86;
        for (uint8_t i = 0; i < x->op_count; i++) {
            const cs_x86_op *op = &x->operands[i];
            if (op->type == X86_OP_REG && ldtr_tr) {
                /* Register operand: bit 10, the register in 6:3. */
                info |= 1u << 10 | (uint32_t)(gpr_number(op->reg) & 15) << 3;
                break;
            }
            if (op->type != X86_OP_MEM)
                continue;
            int base = gpr_number(op->mem.base), index = gpr_number(op->mem.index);
            if (index >= 0) {
                unsigned scale = op->mem.scale == 8   ? 3u
                                 : op->mem.scale == 4 ? 2u
                                 : op->mem.scale == 2 ? 1u
                                                      : 0u;
                info |= scale | (uint32_t)index << 18;
            } else {
                info |= 1u << 22;
            }
            info |= base >= 0 ? (uint32_t)base << 23 : 1u << 27;
            unsigned asz = x->addr_size == 2 ? 0u : x->addr_size == 4 ? 1u : 2u;
            info |= asz << 7 | operand_segment(op) << 15;
            if (!ldtr_tr && bits != 64) {
                /* Bit 11: 32-bit operand size (0: 16-bit; undefined in
                 * 64-bit mode). */
                bool has66 = x->prefix[2] == 0x66;
                bool osz16 = bits == 16 ? !has66 : has66;
                info |= (osz16 ? 0u : 1u) << 11;
            }
            qual = displacement(code, n, x);
            if (op->mem.base == X86_REG_RIP || op->mem.base == X86_REG_EIP) {
                /* RIP-relative: the displacement plus the next RIP. */
                qual += rip + len;
                if (asz == 1u)
                    qual = (uint32_t)qual;
            }
            break;
        }
        cs_free(insn, 1);
    }
    x86_exit_to_vmm(v, ldtr_tr ? VMX_REASON_LDTR_TR : VMX_REASON_GDTR_IDTR, qual, len);
    vmcs_set(v, VMCS_RO_VMX_INSTR_INFO, info);
}
