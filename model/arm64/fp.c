/*
 * fp.c — SIMD&FP access traps (CPACR_EL1.FPEN, Arm ARM D17.2.30). The
 * engine never raises them, so the model does: while FPEN traps at the
 * current EL, the block hook looks for a SIMD&FP instruction in each block.
 * One at the start of the block is trapped at once; one further in gets a
 * one-shot code hook on its address (a stop from a code hook is taken
 * before the instruction runs), and the block is translated again with it.
 * Guests that leave FP enabled (FPEN = 0b11, as operating systems do) pay
 * nothing; blocks found free of SIMD&FP instructions are remembered, so a
 * guest that never enables FP pays one lookup per block.
 */
#include <string.h>

#include "arm64.h"

#define ESR_FP_TRAP ESR(EC_FP_ACCESS, 0x01e00000u) /* CV = 1, COND = 0xE */

bool a64_is_fp_insn(uint32_t insn)
{
    /* Data processing - SIMD and FP (op0 x111), and loads/stores with V set
     * (Arm ARM C4.1, top-level encoding table). */
    return ((insn >> 25) & 7) == 7 || (((insn >> 25) & 5) == 4 && (insn & (1u << 26)));
}

bool a64_fp_trapped(struct a64_vcpu *v, unsigned el)
{
    unsigned fpen = (v->cpacr >> 20) & 3;
    return fpen == 0 || fpen == 2 || (fpen == 1 && el == 0);
}

static void fp_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    struct a64_vcpu *v = user;
    if (!v->fp.armed || addr != v->fp.addr || v->pend != A64_PEND_NONE)
        return;
    a64_commit(v, addr);
    v->gexc.esr = ESR_FP_TRAP;
    v->gexc.far_valid = false;
    v->gexc.elr = addr;
    v->pend = A64_PEND_GUEST;
    uc_emu_stop(uc);
}

bool a64_fp_block(struct a64_vcpu *v, uint64_t addr, uint32_t size)
{
    if (v->fp.armed && v->fp.block == addr)
        return false; /* the planted hook stops the guest at the instruction */
    if (addr & 3)
        return false; /* a PC alignment fault comes first */
    unsigned slot = (addr >> 2) & 255;
    uint64_t ttbr0 = v->ttbr0;
    if (v->fp.clean[slot] == (addr | 1) && v->fp.clean_ttbr0[slot] == ttbr0)
        return false;
    if (!a64_fp_trapped(v, PSTATE_EL(a64_pstate(v))))
        return false;
    uint8_t buf[4096];
    uint32_t n = size < sizeof(buf) ? size : (uint32_t)sizeof(buf);
    if (uc_vmem_read(v->base.uc, addr, UC_PROT_EXEC, buf, n) != UC_ERR_OK)
        return false;
    for (uint32_t off = 0; off + 4 <= n; off += 4) {
        uint32_t insn = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
                        (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
        if (!a64_is_fp_insn(insn))
            continue;
        if (off == 0) {
            a64_take_exception(v, A64_VEC_SYNC, ESR_FP_TRAP, false, 0, addr);
        } else {
            v->fp.addr = addr + off;
            v->fp.block = addr;
            v->fp.block_size = size;
            v->pend = A64_PEND_FP;
            uc_emu_stop(v->base.uc);
        }
        return true;
    }
    if (n == size) {
        v->fp.clean[slot] = addr | 1;
        v->fp.clean_ttbr0[slot] = ttbr0;
    }
    return false;
}

void a64_fp_forget(struct a64_vcpu *v)
{
    memset(v->fp.clean, 0, sizeof(v->fp.clean));
}

void a64_fp_arm(struct a64_vcpu *v)
{
    if (uc_hook_add(v->base.uc, &v->fp.hook, UC_HOOK_CODE, (void *)fp_code_hook, v, v->fp.addr,
                    v->fp.addr) != UC_ERR_OK)
        return;
    v->fp.armed = true;
    /* Translate the block again so that it calls the new hook. */
    uc_ctl_remove_cache(v->base.uc, v->fp.block, v->fp.block + v->fp.block_size);
}

void a64_fp_disarm(struct a64_vcpu *v)
{
    if (!v->fp.armed)
        return;
    uc_hook_del(v->base.uc, v->fp.hook);
    v->fp.armed = false;
    uc_ctl_remove_cache(v->base.uc, v->fp.block, v->fp.block + v->fp.block_size);
}
