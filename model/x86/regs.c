/*
 * regs.c — hv_x86_reg_t, MSRs and the FP/SIMD state of an x86 vCPU.
 *
 * General registers live in the engine. RIP, RSP, RFLAGS, the control and
 * segment registers and the descriptor tables alias their guest-state VMCS
 * fields (state.c keeps them coherent); the debug registers and XCR0 are the
 * model's (the engine's own debug registers make port I/O exits exact).
 */
#include <string.h>

#include "x86.h"

static const int gpr_uc[HV_X86_R15 + 1] = {
    [HV_X86_RAX] = UC_X86_REG_RAX, [HV_X86_RCX] = UC_X86_REG_RCX, [HV_X86_RDX] = UC_X86_REG_RDX,
    [HV_X86_RBX] = UC_X86_REG_RBX, [HV_X86_RSI] = UC_X86_REG_RSI, [HV_X86_RDI] = UC_X86_REG_RDI,
    [HV_X86_RBP] = UC_X86_REG_RBP, [HV_X86_R8] = UC_X86_REG_R8,   [HV_X86_R9] = UC_X86_REG_R9,
    [HV_X86_R10] = UC_X86_REG_R10, [HV_X86_R11] = UC_X86_REG_R11, [HV_X86_R12] = UC_X86_REG_R12,
    [HV_X86_R13] = UC_X86_REG_R13, [HV_X86_R14] = UC_X86_REG_R14, [HV_X86_R15] = UC_X86_REG_R15,
};

/* The VMCS field a register aliases (0: none). */
static uint32_t vmcs_alias(uint32_t reg)
{
    switch (reg) {
    case HV_X86_RIP: return VMCS_GUEST_RIP;
    case HV_X86_RFLAGS: return VMCS_GUEST_RFLAGS;
    case HV_X86_RSP: return VMCS_GUEST_RSP;
    case HV_X86_CS: return VMCS_GUEST_CS;
    case HV_X86_SS: return VMCS_GUEST_SS;
    case HV_X86_DS: return VMCS_GUEST_DS;
    case HV_X86_ES: return VMCS_GUEST_ES;
    case HV_X86_FS: return VMCS_GUEST_FS;
    case HV_X86_GS: return VMCS_GUEST_GS;
    case HV_X86_IDT_BASE: return VMCS_GUEST_IDTR_BASE;
    case HV_X86_IDT_LIMIT: return VMCS_GUEST_IDTR_LIMIT;
    case HV_X86_GDT_BASE: return VMCS_GUEST_GDTR_BASE;
    case HV_X86_GDT_LIMIT: return VMCS_GUEST_GDTR_LIMIT;
    case HV_X86_LDTR: return VMCS_GUEST_LDTR;
    case HV_X86_LDT_BASE: return VMCS_GUEST_LDTR_BASE;
    case HV_X86_LDT_LIMIT: return VMCS_GUEST_LDTR_LIMIT;
    case HV_X86_LDT_AR: return VMCS_GUEST_LDTR_AR;
    case HV_X86_TR: return VMCS_GUEST_TR;
    case HV_X86_TSS_BASE: return VMCS_GUEST_TR_BASE;
    case HV_X86_TSS_LIMIT: return VMCS_GUEST_TR_LIMIT;
    case HV_X86_TSS_AR: return VMCS_GUEST_TR_AR;
    case HV_X86_CR0: return VMCS_GUEST_CR0;
    case HV_X86_CR3: return VMCS_GUEST_CR3;
    case HV_X86_CR4: return VMCS_GUEST_CR4;
    }
    return 0;
}

hv_return_t regs_read(struct x86_vcpu *v, uint32_t reg, uint64_t *value)
{
    if (reg >= HV_X86_REGISTERS_MAX)
        return HV_BAD_ARGUMENT;
    if (reg <= HV_X86_R15 && gpr_uc[reg] && reg != HV_X86_RSP) {
        uc_reg_read(v->base.uc, gpr_uc[reg], value);
        return HV_SUCCESS;
    }
    uint32_t f = vmcs_alias(reg);
    if (f) {
        *value = state_read_field(v, f);
        return HV_SUCCESS;
    }
    switch (reg) {
    case HV_X86_CR1: *value = 0; return HV_SUCCESS;
    case HV_X86_CR2: uc_reg_read(v->base.uc, UC_X86_REG_CR2, value); return HV_SUCCESS;
    case HV_X86_TPR: *value = v->tpr; return HV_SUCCESS;
    case HV_X86_XCR0: *value = v->xcr0; return HV_SUCCESS;
    }
    if (reg >= HV_X86_DR0 && reg <= HV_X86_DR7) {
        *value = v->dr[reg - HV_X86_DR0];
        return HV_SUCCESS;
    }
    return HV_BAD_ARGUMENT;
}

hv_return_t regs_write(struct x86_vcpu *v, uint32_t reg, uint64_t value)
{
    if (reg >= HV_X86_REGISTERS_MAX)
        return HV_BAD_ARGUMENT;
    if (reg <= HV_X86_R15 && gpr_uc[reg] && reg != HV_X86_RSP) {
        uc_reg_write(v->base.uc, gpr_uc[reg], &value);
        return HV_SUCCESS;
    }
    uint32_t f = vmcs_alias(reg);
    if (f) {
        state_write_field(v, f, value);
        return HV_SUCCESS;
    }
    switch (reg) {
    case HV_X86_CR1: return HV_SUCCESS;
    case HV_X86_CR2: uc_reg_write(v->base.uc, UC_X86_REG_CR2, &value); return HV_SUCCESS;
    case HV_X86_TPR: v->tpr = value; return HV_SUCCESS;
    case HV_X86_XCR0:
        if (!(value & 1u) || (value & ~7ull))
            return HV_BAD_ARGUMENT;
        v->xcr0 = value;
        return HV_SUCCESS;
    }
    if (reg >= HV_X86_DR0 && reg <= HV_X86_DR7) {
        v->dr[reg - HV_X86_DR0] = value;
        if (reg == HV_X86_DR7)
            vmcs_set(v, VMCS_GUEST_DR7, value);
        return HV_SUCCESS;
    }
    return HV_BAD_ARGUMENT;
}

/* ---- MSRs ---- */

/* The MSRs hv_vcpu_enable_native_msr accepts (the list clients use). */
static const uint32_t native_ok[] = {0x10,       0x174,      0x175,      0x176,
                                     0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
                                     0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103};

bool msr_is_native(const struct x86_vcpu *v, uint32_t msr)
{
    for (unsigned i = 0; i < v->native_n; i++)
        if (v->native_msr[i] == msr)
            return true;
    return false;
}

hv_return_t msr_enable_native(struct x86_vcpu *v, uint32_t msr, bool enable)
{
    bool ok = false;
    for (size_t i = 0; i < sizeof(native_ok) / sizeof(native_ok[0]); i++)
        ok |= native_ok[i] == msr;
    if (!ok)
        return HV_BAD_ARGUMENT;
    for (unsigned i = 0; i < v->native_n; i++) {
        if (v->native_msr[i] == msr) {
            if (!enable)
                v->native_msr[i] = v->native_msr[--v->native_n];
            return HV_SUCCESS;
        }
    }
    if (enable)
        v->native_msr[v->native_n++] = msr;
    return HV_SUCCESS;
}

static bool msr_known(uint32_t msr)
{
    for (size_t i = 0; i < sizeof(native_ok) / sizeof(native_ok[0]); i++)
        if (native_ok[i] == msr)
            return true;
    return msr == 0xc0000080 || msr == 0x277;
}

hv_return_t msr_read(struct x86_vcpu *v, uint32_t msr, uint64_t *value)
{
    if (!msr_known(msr))
        return HV_BAD_ARGUMENT;
    if (msr == 0x10) {
        *value = x86_tsc(v);
        return HV_SUCCESS;
    }
    if (msr == 0xc0000080) {
        *value = state_read_field(v, VMCS_GUEST_IA32_EFER);
        return HV_SUCCESS;
    }
    if (msr >= 0x174 && msr <= 0x176) {
        static const uint32_t f[3] = {VMCS_GUEST_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_ESP,
                                      VMCS_GUEST_SYSENTER_EIP};
        *value = state_read_field(v, f[msr - 0x174]);
        return HV_SUCCESS;
    }
    if (msr == 0xc0000100 || msr == 0xc0000101) {
        *value = state_read_field(v, msr == 0xc0000100 ? VMCS_GUEST_FS_BASE : VMCS_GUEST_GS_BASE);
        return HV_SUCCESS;
    }
    *value = x86_msr_get(v, msr);
    return HV_SUCCESS;
}

hv_return_t msr_write(struct x86_vcpu *v, uint32_t msr, uint64_t value)
{
    if (!msr_known(msr))
        return HV_BAD_ARGUMENT;
    if (msr == 0x10) {
        v->tsc_offset_model += value - x86_tsc(v);
        return HV_SUCCESS;
    }
    if (msr == 0xc0000080) {
        state_write_field(v, VMCS_GUEST_IA32_EFER, value);
        return HV_SUCCESS;
    }
    if (msr >= 0x174 && msr <= 0x176) {
        static const uint32_t f[3] = {VMCS_GUEST_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_ESP,
                                      VMCS_GUEST_SYSENTER_EIP};
        state_write_field(v, f[msr - 0x174], value);
        x86_msr_set(v, msr, value);
        return HV_SUCCESS;
    }
    if (msr == 0xc0000100 || msr == 0xc0000101) {
        state_write_field(v, msr == 0xc0000100 ? VMCS_GUEST_FS_BASE : VMCS_GUEST_GS_BASE, value);
        return HV_SUCCESS;
    }
    x86_msr_set(v, msr, value);
    return HV_SUCCESS;
}

/* ---- FP/SIMD state: the XSAVE layout (legacy region + header) ---- */

#define FPSTATE_SIZE 4096u

void x86_fx_capture(struct x86_vcpu *v, uint8_t fx[512])
{
    uc_engine *uc = v->base.uc;
    memset(fx, 0, 512);
    uint16_t fcw = 0, fsw = 0, ftw = 0;
    uint32_t mxcsr = 0;
    uc_reg_read(uc, UC_X86_REG_FPCW, &fcw);
    uc_reg_read(uc, UC_X86_REG_FPSW, &fsw);
    uc_reg_read(uc, UC_X86_REG_FPTAG, &ftw);
    uc_reg_read(uc, UC_X86_REG_MXCSR, &mxcsr);
    hvt_put16(fx, fcw);
    hvt_put16(fx + 2, fsw);
    uint8_t abridged = 0;
    for (int i = 0; i < 8; i++)
        if (((ftw >> (2 * i)) & 3u) != 3u)
            abridged |= (uint8_t)(1u << i);
    fx[4] = abridged;
    hvt_put32(fx + 24, mxcsr);
    hvt_put32(fx + 28, 0xffff); /* MXCSR_MASK */
    for (int i = 0; i < 8; i++) {
        /* The engine hands ST(i) (stack order) over as its 80-bit type in
         * host order: a 64-bit significand, then the 16-bit sign+exponent. */
        uint8_t st[10] = {0};
        uint64_t mant;
        uint16_t se;
        uc_reg_read(uc, UC_X86_REG_ST0 + i, st);
        memcpy(&mant, st, 8);
        memcpy(&se, st + 8, 2);
        hvt_put64(fx + 32 + 16 * i, mant);
        hvt_put16(fx + 40 + 16 * i, se);
    }
    for (int i = 0; i < 16; i++) {
        uint64_t q[2] = {0, 0};
        uc_reg_read(uc, UC_X86_REG_XMM0 + i, q);
        hvt_put64(fx + 160 + 16 * i, q[0]);
        hvt_put64(fx + 168 + 16 * i, q[1]);
    }
}

void x86_fx_restore(struct x86_vcpu *v, const uint8_t fx[512])
{
    uc_engine *uc = v->base.uc;
    uint16_t fcw = hvt_get16(fx), fsw = hvt_get16(fx + 2), ftw = 0;
    uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
    uc_reg_write(uc, UC_X86_REG_FPSW, &fsw);
    for (int i = 0; i < 8; i++)
        if (!((fx[4] >> i) & 1u))
            ftw |= (uint16_t)(3u << (2 * i));
    uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
    for (int i = 0; i < 8; i++) {
        uint8_t st[10];
        uint64_t mant = hvt_get64(fx + 32 + 16 * i);
        uint16_t se = hvt_get16(fx + 40 + 16 * i);
        memcpy(st, &mant, 8);
        memcpy(st + 8, &se, 2);
        uc_reg_write(uc, UC_X86_REG_ST0 + i, st);
    }
    for (int i = 0; i < 16; i++) {
        uint64_t q[2] = {hvt_get64(fx + 160 + 16 * i), hvt_get64(fx + 168 + 16 * i)};
        uc_reg_write(uc, UC_X86_REG_XMM0 + i, q);
    }
    uint32_t mxcsr = hvt_get32(fx + 24);
    uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
}

hv_return_t fpstate_read(struct x86_vcpu *v, void *buf, size_t size)
{
    if (!buf || size != FPSTATE_SIZE)
        return HV_BAD_ARGUMENT;
    uint8_t *p = buf;
    memset(p, 0, size);
    x86_fx_capture(v, p);
    hvt_put64(p + 512, 3); /* XSTATE_BV: x87 and SSE */
    return HV_SUCCESS;
}

hv_return_t fpstate_write(struct x86_vcpu *v, const void *buf, size_t size)
{
    if (!buf || size != FPSTATE_SIZE)
        return HV_BAD_ARGUMENT;
    x86_fx_restore(v, buf);
    return HV_SUCCESS;
}
