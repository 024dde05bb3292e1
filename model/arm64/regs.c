/*
 * regs.c — general-purpose, SIMD&FP and PSTATE registers of an arm64 vCPU,
 * kept in the vCPU's engine.
 *
 * Two engine details shape this file. The engine keeps the live stack pointer
 * in one place and the other banks (SP_EL0, SP_EL1) separately, swapping them
 * only on its own exception entries and returns; so a PSTATE change made from
 * outside (the VMM, or the model entering a vector) moves the live value to
 * its bank by hand. And a host write of PSTATE does not refresh the engine's
 * cached execution flags (EL, SP select); a system-register write does, so
 * one follows every PSTATE change.
 */
#include <string.h>

#include "arm64.h"

static int xreg_id(unsigned n)
{
    if (n <= 28)
        return UC_ARM64_REG_X0 + (int)n;
    return n == 29 ? UC_ARM64_REG_X29 : UC_ARM64_REG_X30;
}

uint64_t a64_xreg(struct a64_vcpu *v, unsigned n)
{
    uint64_t val = 0;
    if (n < 31)
        uc_reg_read(v->base.uc, xreg_id(n), &val);
    return val;
}

void a64_set_xreg(struct a64_vcpu *v, unsigned n, uint64_t val)
{
    if (n < 31)
        uc_reg_write(v->base.uc, xreg_id(n), &val);
}

uint64_t a64_pc(struct a64_vcpu *v)
{
    uint64_t pc = 0;
    uc_reg_read(v->base.uc, UC_ARM64_REG_PC, &pc);
    return pc;
}

void a64_set_pc(struct a64_vcpu *v, uint64_t pc)
{
    uc_reg_write(v->base.uc, UC_ARM64_REG_PC, &pc);
}

uint32_t a64_pstate(struct a64_vcpu *v)
{
    uint32_t p = 0;
    uc_reg_read(v->base.uc, UC_ARM64_REG_PSTATE, &p);
    return p;
}

static unsigned live_bank(uint32_t pstate)
{
    return (pstate & PSTATE_SP) ? PSTATE_EL(pstate) : 0;
}

static int sp_bank_id(unsigned el)
{
    return UC_ARM64_REG_SP_EL0 + (int)el;
}

uint64_t a64_sp_bank(struct a64_vcpu *v, unsigned el)
{
    uint64_t val = 0;
    int id = el == live_bank(a64_pstate(v)) ? UC_ARM64_REG_SP : sp_bank_id(el);
    uc_reg_read(v->base.uc, id, &val);
    return val;
}

void a64_set_sp_bank(struct a64_vcpu *v, unsigned el, uint64_t val)
{
    int id = el == live_bank(a64_pstate(v)) ? UC_ARM64_REG_SP : sp_bank_id(el);
    uc_reg_write(v->base.uc, id, &val);
}

bool a64_cp_read(struct a64_vcpu *v, uint16_t enc, uint64_t *val)
{
    uc_arm64_cp_reg r = {.crn = (enc >> 7) & 15,
                         .crm = (enc >> 3) & 15,
                         .op0 = enc >> 14,
                         .op1 = (enc >> 11) & 7,
                         .op2 = enc & 7};
    if (uc_reg_read(v->base.uc, UC_ARM64_REG_CP_REG, &r) != UC_ERR_OK)
        return false;
    *val = r.val;
    return true;
}

bool a64_cp_write(struct a64_vcpu *v, uint16_t enc, uint64_t val)
{
    uc_arm64_cp_reg r = {.crn = (enc >> 7) & 15,
                         .crm = (enc >> 3) & 15,
                         .op0 = enc >> 14,
                         .op1 = (enc >> 11) & 7,
                         .op2 = enc & 7,
                         .val = val};
    return uc_reg_write(v->base.uc, UC_ARM64_REG_CP_REG, &r) == UC_ERR_OK;
}

void a64_set_pstate(struct a64_vcpu *v, uint32_t pstate)
{
    uc_engine *uc = v->base.uc;
    unsigned from = live_bank(a64_pstate(v)), to = live_bank(pstate);
    if (from != to) {
        uint64_t live = 0, next = 0;
        uc_reg_read(uc, UC_ARM64_REG_SP, &live);
        uc_reg_read(uc, sp_bank_id(to), &next);
        uc_reg_write(uc, sp_bank_id(from), &live);
        uc_reg_write(uc, UC_ARM64_REG_SP, &next);
    }
    uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate);
    /* Any system-register write makes the engine rebuild its cached flags;
     * TPIDR_EL1 written with its own value has no other effect. */
    uint64_t tpidr = 0;
    if (a64_cp_read(v, HV_SYS_REG_TPIDR_EL1, &tpidr))
        a64_cp_write(v, HV_SYS_REG_TPIDR_EL1, tpidr);
}

bool a64_fetch_insn(struct a64_vcpu *v, uint64_t pc, uint32_t *insn)
{
    uint8_t b[4];
    if (uc_vmem_read(v->base.uc, pc, UC_PROT_EXEC, b, sizeof(b)) != UC_ERR_OK)
        return false;
    *insn = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

/* PSTATE values a VMM may set: AArch64 EL0t, EL1t or EL1h (the model has no
 * guest EL2). */
static bool pstate_mode_ok(uint64_t value)
{
    if (value >> 32)
        return false;
    unsigned m = value & 0x1f;
    return m == 0x0 || m == 0x4 || m == 0x5;
}

hv_return_t a64_get_reg(struct a64_vcpu *v, hv_reg_t reg, uint64_t *value)
{
    if (!value)
        return HV_BAD_ARGUMENT;
    uint32_t v32 = 0;
    switch (reg) {
    case HV_REG_PC: *value = a64_pc(v); return HV_SUCCESS;
    case HV_REG_CPSR: *value = a64_pstate(v); return HV_SUCCESS;
    case HV_REG_FPCR:
        uc_reg_read(v->base.uc, UC_ARM64_REG_FPCR, &v32);
        *value = v32;
        return HV_SUCCESS;
    case HV_REG_FPSR:
        uc_reg_read(v->base.uc, UC_ARM64_REG_FPSR, &v32);
        *value = v32;
        return HV_SUCCESS;
    default:
        if (reg > HV_REG_X30)
            return HV_BAD_ARGUMENT;
        *value = a64_xreg(v, reg);
        return HV_SUCCESS;
    }
}

hv_return_t a64_set_reg(struct a64_vcpu *v, hv_reg_t reg, uint64_t value)
{
    uint32_t v32 = (uint32_t)value;
    switch (reg) {
    case HV_REG_PC: a64_set_pc(v, value); return HV_SUCCESS;
    case HV_REG_CPSR:
        if (!pstate_mode_ok(value))
            return HV_BAD_ARGUMENT;
        a64_set_pstate(v, v32);
        return HV_SUCCESS;
    case HV_REG_FPCR:
    case HV_REG_FPSR:
        if (value >> 32)
            return HV_BAD_ARGUMENT;
        uc_reg_write(v->base.uc, reg == HV_REG_FPCR ? UC_ARM64_REG_FPCR : UC_ARM64_REG_FPSR, &v32);
        return HV_SUCCESS;
    default:
        if (reg > HV_REG_X30)
            return HV_BAD_ARGUMENT;
        a64_set_xreg(v, reg, value);
        return HV_SUCCESS;
    }
}

/* The engine holds Qn as two 64-bit halves in host order; the API's vector
 * is bytes in memory order, least significant first. */
hv_return_t a64_get_simd(struct a64_vcpu *v, hv_simd_fp_reg_t reg, hv_simd_fp_uchar16_t *value)
{
    if (!value || reg > HV_SIMD_FP_REG_Q31)
        return HV_BAD_ARGUMENT;
    uint64_t half[2] = {0, 0};
    uc_reg_read(v->base.uc, UC_ARM64_REG_Q0 + (int)reg, half);
    hv_simd_fp_uchar16_t out;
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(half[i / 8] >> (8 * (i % 8)));
    *value = out;
    return HV_SUCCESS;
}

hv_return_t a64_set_simd(struct a64_vcpu *v, hv_simd_fp_reg_t reg, hv_simd_fp_uchar16_t value)
{
    if (reg > HV_SIMD_FP_REG_Q31)
        return HV_BAD_ARGUMENT;
    uint64_t half[2] = {0, 0};
    for (int i = 0; i < 16; i++)
        half[i / 8] |= (uint64_t)value[i] << (8 * (i % 8));
    uc_reg_write(v->base.uc, UC_ARM64_REG_Q0 + (int)reg, half);
    return HV_SUCCESS;
}
