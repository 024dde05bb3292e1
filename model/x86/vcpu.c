/*
 * vcpu.c — the x86 flavour's engine setup: the CPU model, the private page
 * with the host stub, and the saved host context every VMRUN load starts
 * from (state.c).
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"
#include "../../trace/format.h"

/* The host stub (state.c): restore x87/SSE and the general registers the
 * VMCB does not hold, arm the I/O breakpoint, VMLOAD + VMRUN. */
static void write_stub(uint8_t *p)
{
    uint8_t *s = p + X86_PRIV_STUB;
    uint64_t fx = X86_PRIV_GPA + 0x3000u, gpr = X86_PRIV_GPA + 0x3200u,
             vmcb = X86_PRIV_GPA + X86_PRIV_VMCB;
    size_t n = 0;
    s[n++] = 0x0f, s[n++] = 0x23, s[n++] = 0xf8; /* mov dr7, rax */
    s[n++] = 0x48, s[n++] = 0xbc;                /* mov rsp, fx */
    hvt_put64(s + n, fx), n += 8;
    s[n++] = 0x48, s[n++] = 0x0f, s[n++] = 0xae, s[n++] = 0x0c, s[n++] = 0x24; /* fxrstor64 [rsp] */
    s[n++] = 0x48, s[n++] = 0xbc;                                              /* mov rsp, gpr */
    hvt_put64(s + n, gpr), n += 8;
    static const uint8_t pops[] = {0x5b, 0x59, 0x5a, 0x5e, 0x5f, 0x5d};
    memcpy(s + n, pops, sizeof(pops)), n += sizeof(pops);
    for (uint8_t r = 0; r < 8; r++)
        s[n++] = 0x41, s[n++] = (uint8_t)(0x58 + r); /* pop r8..r15 */
    s[n++] = 0x48, s[n++] = 0xb8;                    /* mov rax, vmcb */
    hvt_put64(s + n, vmcb), n += 8;
    s[n++] = 0x0f, s[n++] = 0x01, s[n++] = 0xda; /* vmload */
    s[n++] = 0x0f, s[n++] = 0x01, s[n++] = 0xd8; /* vmrun */
    s[n++] = 0xf4;                               /* hlt: never reached */
}

static hv_return_t vcpu_init(struct hvm_vcpu *b)
{
    struct x86_vcpu *v = x86(b);
    uc_engine *uc = b->uc;
    /* QEMU64: SVM, and no RDRAND (host randomness would end determinism). */
    if (uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU64) != UC_ERR_OK)
        return HV_ERROR;
    v->priv = aligned_alloc(4096, X86_PRIV_SIZE);
    if (!v->priv)
        return HV_NO_RESOURCES;
    memset(v->priv, 0, X86_PRIV_SIZE);
    write_stub(v->priv);
    memset(v->priv + X86_PRIV_MSRP, 0xff, 0x2000); /* every MSR access is the model's */
    if (uc_mem_map_ptr(uc, X86_PRIV_GPA, X86_PRIV_SIZE, UC_PROT_ALL, v->priv) != UC_ERR_OK)
        goto fail;
    /* The host: the engine's reset state (64-bit, paging off) with SVM on
     * and SSE enabled for the stub's FXRSTOR. */
    uc_x86_msr m = {0xc0000080, 0};
    uc_reg_read(uc, UC_X86_REG_MSR, &m);
    m.value |= 0x1000;
    uc_reg_write(uc, UC_X86_REG_MSR, &m);
    m = (uc_x86_msr){0xc0010117, X86_PRIV_GPA + X86_PRIV_HSAV};
    uc_reg_write(uc, UC_X86_REG_MSR, &m);
    uint64_t cr4 = 0;
    uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
    cr4 |= 0x600;
    uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
    if (uc_context_alloc(uc, &v->host_ctx) != UC_ERR_OK || uc_context_save(uc, v->host_ctx))
        goto fail;
    /* The guest's x87/SSE state starts as FNINIT leaves it (docs/x86.md). */
    uint16_t fcw = 0x37f, ftw = 0xffff;
    uint32_t mxcsr = 0x1f80;
    uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
    uc_reg_write(uc, UC_X86_REG_FPTAG, &ftw);
    uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
    x86_hooks_install(v);
    vmcs_reset(v);
    v->inject_vec = -1;
    v->timer_at = UINT64_MAX;
    return HV_SUCCESS;
fail:
    if (v->host_ctx)
        uc_context_free(v->host_ctx);
    free(v->priv);
    return HV_ERROR;
}

static void vcpu_fini(struct hvm_vcpu *b)
{
    struct x86_vcpu *v = x86(b);
    uc_context_free(v->host_ctx);
    free(v->priv);
}

uc_context *x86_host_context(struct x86_vcpu *v)
{
    return v->host_ctx;
}

static void flush_code(struct hvm_vcpu *b, const uint64_t *gpas, unsigned n, bool all)
{
    /* Translated blocks are keyed by linear address, which paging hides:
     * drop them all. */
    (void)gpas;
    if (all || n)
        uc_ctl_flush_tb(b->uc);
}

const struct hvm_arch_ops x86_ops = {
    .name = "x86",
    .uc_arch = UC_ARCH_X86,
    .uc_mode = UC_MODE_64,
    .vcpu_size = sizeof(struct x86_vcpu),
    .trace_flavour = HVT_FLAVOUR_X86,
    .vcpu_init = vcpu_init,
    .vcpu_fini = vcpu_fini,
    .flush_code = flush_code,
};
