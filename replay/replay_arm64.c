/*
 * replay_arm64.c — the arm64 flavour of the replayer (replay_flavour.h).
 */
#include <stdio.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "replay_flavour.h"

static const struct replay_field fields[] = {
    {"reason", 4, 4, false},
    {"syndrome", 8, 8, false},
    {"virtual_address", 16, 8, false},
    {"physical_address", 24, 8, false},
    {"pc", 32, 8, false},
    {"icount", 40, 8, false},
    {"register digest", 48, 8, false},
};

static uint64_t digest_of(hv_vcpu_t vcpu)
{
    uint64_t vals[35];
    for (unsigned i = 0; i < 31; i++)
        hv_vcpu_get_reg(vcpu, HV_REG_X0 + i, &vals[i]);
    hv_vcpu_get_reg(vcpu, HV_REG_PC, &vals[31]);
    hv_vcpu_get_reg(vcpu, HV_REG_CPSR, &vals[32]);
    hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_SP_EL0, &vals[33]);
    hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_SP_EL1, &vals[34]);
    return hvt_digest(vals, 35);
}

static int create_vm(const struct hvt_header *h, char *err, size_t n)
{
    hvm_set_insns_per_tick(h->insns_per_tick);
    hv_vm_config_t cfg = hv_vm_config_create();
    hv_return_t ret = HV_NO_RESOURCES;
    if (cfg) {
        ret = hv_vm_config_set_ipa_size(cfg, h->ipa_bits);
        if (ret == HV_SUCCESS)
            ret = hv_vm_config_set_ipa_granule(cfg, h->granule == 4096 ? HV_IPA_GRANULE_4KB
                                                                       : HV_IPA_GRANULE_16KB);
        if (ret == HV_SUCCESS)
            ret = hv_vm_create(cfg);
        os_release(cfg);
    }
    if (ret != HV_SUCCESS) {
        snprintf(err, n, "cannot create the VM: %s", hvm_strerror(ret));
        return 2;
    }
    return 0;
}

static int vcpu_job(struct replay_worker *w, const struct hvt_record *r)
{
    const uint8_t *p = r->payload;
    hv_vcpu_t vcpu = w->vcpu;
    switch (r->type) {
    case HVT_VCPU_CREATE: {
        hv_vcpu_exit_t *exit;
        hv_return_t ret = hv_vcpu_create(&vcpu, &exit, NULL);
        w->vcpu = vcpu;
        w->exit = exit;
        if (ret == HV_SUCCESS && vcpu != hvt_get32(p))
            return HV_ERROR; /* the model handed out another id than recorded */
        return ret;
    }
    case HVT_VCPU_DESTROY: return hv_vcpu_destroy(vcpu);
    case HVT_SET_REG: return hv_vcpu_set_reg(vcpu, hvt_get32(p + 4), hvt_get64(p + 8));
    case HVT_SET_SYSREG:
        return hv_vcpu_set_sys_reg(vcpu, (hv_sys_reg_t)hvt_get32(p + 4), hvt_get64(p + 8));
    case HVT_SET_SIMD: {
        hv_simd_fp_uchar16_t v;
        for (int i = 0; i < 16; i++)
            v[i] = p[8 + i];
        return hv_vcpu_set_simd_fp_reg(vcpu, hvt_get32(p + 4), v);
    }
    case HVT_SET_PENDING_IRQ:
        return hv_vcpu_set_pending_interrupt(vcpu, hvt_get32(p + 4), hvt_get32(p + 8) != 0);
    case HVT_SET_VTIMER_MASK: return hv_vcpu_set_vtimer_mask(vcpu, hvt_get32(p + 4) != 0);
    case HVT_SET_VTIMER_OFFSET: return hv_vcpu_set_vtimer_offset(vcpu, hvt_get64(p + 4));
    case HVT_CLOCK_IDLE: return hvm_clock_advance(hvt_get64(p + 4)); /* on its thread: idles */
    case HVT_SET_TRAP:
        return hvt_get32(p + 4) == 0
                   ? hv_vcpu_set_trap_debug_exceptions(vcpu, hvt_get32(p + 8) != 0)
                   : hv_vcpu_set_trap_debug_reg_accesses(vcpu, hvt_get32(p + 8) != 0);
    case HVT_GIC_SET_REG: {
        uint32_t file = hvt_get32(p + 4), reg = hvt_get32(p + 8);
        uint64_t value = hvt_get64(p + 12);
        if (file == HVT_GIC_REDIST)
            return hv_gic_set_redistributor_reg(vcpu, (hv_gic_redistributor_reg_t)reg, value);
        if (file == HVT_GIC_ICC)
            return hv_gic_set_icc_reg(vcpu, (hv_gic_icc_reg_t)reg, value);
        return HV_BAD_ARGUMENT;
    }
    case HVT_EXIT: {
        /* A cancel takes effect where it did when recorded. */
        if (hvt_get32(p + 4) == HV_EXIT_REASON_CANCELED)
            hvm_replay_cancel_at(vcpu, hvt_get64(p + 40));
        hv_return_t ret = hv_vcpu_run(vcpu);
        if (ret != HV_SUCCESS)
            return ret;
        const hv_vcpu_exit_t *e = w->exit;
        uint64_t pc = 0, icount = 0;
        hv_vcpu_get_reg(vcpu, HV_REG_PC, &pc);
        hvm_vcpu_get_instruction_count(vcpu, &icount);
        hvt_put32(w->got, (uint32_t)vcpu);
        hvt_put32(w->got + 4, e->reason);
        hvt_put64(w->got + 8, e->exception.syndrome);
        hvt_put64(w->got + 16, e->exception.virtual_address);
        hvt_put64(w->got + 24, e->exception.physical_address);
        hvt_put64(w->got + 32, pc);
        hvt_put64(w->got + 40, icount);
        hvt_put64(w->got + 48, digest_of(vcpu));
        return HV_SUCCESS;
    }
    }
    return HV_BAD_ARGUMENT;
}

/* GIC_CREATE: the configuration calls the VMM made, then hv_gic_create. */
static hv_return_t gic_create(const uint8_t *p)
{
    uint32_t set = hvt_get32(p);
    if (set & ~(uint32_t)(HVT_GIC_HAS_DIST | HVT_GIC_HAS_REDIST | HVT_GIC_HAS_MSI_REGION |
                          HVT_GIC_HAS_MSI_RANGE))
        return HV_BAD_ARGUMENT;
    hv_gic_config_t c = hv_gic_config_create();
    if (!c)
        return HV_NO_RESOURCES;
    hv_return_t ret = HV_SUCCESS;
    if (set & HVT_GIC_HAS_DIST)
        ret = hv_gic_config_set_distributor_base(c, hvt_get64(p + 12));
    if (ret == HV_SUCCESS && (set & HVT_GIC_HAS_REDIST))
        ret = hv_gic_config_set_redistributor_base(c, hvt_get64(p + 20));
    if (ret == HV_SUCCESS && (set & HVT_GIC_HAS_MSI_REGION))
        ret = hv_gic_config_set_msi_region_base(c, hvt_get64(p + 28));
    if (ret == HV_SUCCESS && (set & HVT_GIC_HAS_MSI_RANGE))
        ret = hv_gic_config_set_msi_interrupt_range(c, hvt_get32(p + 4), hvt_get32(p + 8));
    if (ret == HV_SUCCESS)
        ret = hv_gic_create(c);
    os_release(c);
    return ret;
}

static hv_return_t gic_input(const uint8_t *p)
{
    uint32_t arg = hvt_get32(p + 4);
    uint64_t value = hvt_get64(p + 8);
    switch (hvt_get32(p)) {
    case HVT_GIC_SPI: return value > 1 ? HV_BAD_ARGUMENT : hv_gic_set_spi(arg, value != 0);
    case HVT_GIC_MSI: return hv_gic_send_msi(value, arg);
    case HVT_GIC_DIST_REG: return hv_gic_set_distributor_reg((hv_gic_distributor_reg_t)arg, value);
    case HVT_GIC_MSI_REG: return hv_gic_set_msi_reg((hv_gic_msi_reg_t)arg, value);
    case HVT_GIC_RESET: return hv_gic_reset();
    }
    return HV_BAD_ARGUMENT;
}

static int vm_job(const struct hvt_record *r)
{
    switch (r->type) {
    case HVT_GIC_CREATE: return gic_create(r->payload);
    case HVT_GIC_INPUT: return gic_input(r->payload);
    case HVT_GIC_SET_STATE: /* the reader checked the length */
        return hv_gic_set_state(r->payload + 4, hvt_get32(r->payload));
    }
    return -1;
}

static int kick(uint32_t id)
{
    hv_vcpu_t v = id;
    return hv_vcpus_exit(&v, 1);
}

static size_t code_at(struct replay_worker *w, uint64_t pc, uint8_t *code, size_t max,
                      cs_arch *arch, cs_mode *mode)
{
    *arch = CS_ARCH_ARM64;
    *mode = CS_MODE_ARM;
    return max >= 4 && hvm_vcpu_read_guest(w->vcpu, pc, code, 4) == HV_SUCCESS ? 4 : 0;
}

const struct replay_flavour replay_flavour = {
    .trace_flavour = HVT_FLAVOUR_ARM64,
    .exit_type = HVT_EXIT,
    .fields = fields,
    .nfields = sizeof(fields) / sizeof(fields[0]),
    .create_vm = create_vm,
    .vcpu_job = vcpu_job,
    .vm_job = vm_job,
    .kick = kick,
    .code_at = code_at,
};
