/*
 * api.c — the arm64 flavour's public entry points (hv_vm_*, hv_vcpu_*,
 * config objects). Each checks its arguments first and answers with the
 * framework's error code; the work happens in the core (vm.c, vcpu.c) and in
 * this flavour's files.
 */
#include <stdlib.h>
#include <string.h>

#include "arm64.h"
#include "hvmodel.h"
#include "memtrack.h"
#include "object.h"
#include "record.h"
#include "../../trace/format.h"

#define HVM_API         __attribute__((visibility("default")))
#define MAX_IPA_BITS    40u
#define DEF_IPA_BITS    36u
#define MIN_IPA_BITS    32u
#define OBJ_VM_CONFIG   1u
#define OBJ_VCPU_CONFIG 2u

struct vm_config {
    struct hvm_object h;
    uint32_t ipa_bits;
    hv_ipa_granule_t granule;
};

struct vcpu_config {
    struct hvm_object h;
};

/* ---- VM configuration ---- */

HVM_API hv_vm_config_t hv_vm_config_create(void)
{
    struct vm_config *c = object_new(sizeof(*c), OBJ_VM_CONFIG);
    if (!c)
        return NULL;
    c->ipa_bits = DEF_IPA_BITS;
    c->granule = HV_IPA_GRANULE_16KB;
    return (hv_vm_config_t)c;
}

static struct vm_config *vm_config(hv_vm_config_t config)
{
    return object_cast(config, OBJ_VM_CONFIG);
}

HVM_API hv_return_t hv_vm_config_get_max_ipa_size(uint32_t *ipa_bit_length)
{
    if (!ipa_bit_length)
        return HV_BAD_ARGUMENT;
    *ipa_bit_length = MAX_IPA_BITS;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_default_ipa_size(uint32_t *ipa_bit_length)
{
    if (!ipa_bit_length)
        return HV_BAD_ARGUMENT;
    *ipa_bit_length = DEF_IPA_BITS;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_set_ipa_size(hv_vm_config_t config, uint32_t ipa_bit_length)
{
    struct vm_config *c = vm_config(config);
    if (!c || ipa_bit_length < MIN_IPA_BITS || ipa_bit_length > MAX_IPA_BITS)
        return HV_BAD_ARGUMENT;
    c->ipa_bits = ipa_bit_length;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_ipa_size(hv_vm_config_t config, uint32_t *ipa_bit_length)
{
    struct vm_config *c = vm_config(config);
    if (!c || !ipa_bit_length)
        return HV_BAD_ARGUMENT;
    *ipa_bit_length = c->ipa_bits;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_el2_supported(bool *el2_supported)
{
    if (!el2_supported)
        return HV_BAD_ARGUMENT;
    *el2_supported = false; /* the model runs guests at EL1 only */
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_el2_enabled(hv_vm_config_t config, bool *el2_enabled)
{
    if (!vm_config(config) || !el2_enabled)
        return HV_BAD_ARGUMENT;
    *el2_enabled = false;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_set_el2_enabled(hv_vm_config_t config, bool el2_enabled)
{
    if (!vm_config(config))
        return HV_BAD_ARGUMENT;
    return el2_enabled ? HV_UNSUPPORTED : HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_default_ipa_granule(hv_ipa_granule_t *granule)
{
    if (!granule)
        return HV_BAD_ARGUMENT;
    *granule = HV_IPA_GRANULE_16KB;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_get_ipa_granule(hv_vm_config_t config, hv_ipa_granule_t *granule)
{
    struct vm_config *c = vm_config(config);
    if (!c || !granule)
        return HV_BAD_ARGUMENT;
    *granule = c->granule;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_config_set_ipa_granule(hv_vm_config_t config, hv_ipa_granule_t granule)
{
    struct vm_config *c = vm_config(config);
    if (!c || (granule != HV_IPA_GRANULE_4KB && granule != HV_IPA_GRANULE_16KB))
        return HV_BAD_ARGUMENT;
    c->granule = granule;
    return HV_SUCCESS;
}

/* ---- VM ---- */

HVM_API hv_return_t hv_vm_get_max_vcpu_count(uint32_t *max_vcpu_count)
{
    if (!max_vcpu_count)
        return HV_BAD_ARGUMENT;
    *max_vcpu_count = HVM_MAX_VCPUS;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vm_create(hv_vm_config_t config)
{
    /* The model's one short-lived engine (the feature-register probe) runs
     * before any vCPU engine exists: Unicorn's s390x host back end shares one
     * epilogue address among all engines of a process, so closing an engine
     * while others live breaks them there. */
    uint64_t unused;
    a64_feature_reg(HV_FEATURE_REG_ID_AA64PFR0_EL1, &unused);

    struct hvm_vm_params p = {DEF_IPA_BITS, 16384};
    if (config) {
        struct vm_config *c = vm_config(config);
        if (!c)
            return HV_BAD_ARGUMENT;
        p.ipa_bits = c->ipa_bits;
        p.granule = c->granule == HV_IPA_GRANULE_4KB ? 4096 : 16384;
    }
    return vm_create(&a64_ops, &p);
}

HVM_API hv_return_t hv_vm_destroy(void)
{
    return vm_destroy();
}

HVM_API hv_return_t hv_vm_map(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)(HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC))
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_map(addr, ipa, size, (uint32_t)flags);
}

HVM_API hv_return_t hv_vm_unmap(hv_ipa_t ipa, size_t size)
{
    return vm_unmap(ipa, size);
}

HVM_API hv_return_t hv_vm_protect(hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)
{
    if (flags & ~(hv_memory_flags_t)(HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC))
        return vm_current() ? HV_BAD_ARGUMENT : HV_NO_DEVICE;
    return vm_protect(ipa, size, (uint32_t)flags);
}

/* Apple silicon's page is 16 KiB: sizes are multiples of it and the memory
 * is 16 KiB aligned, so it can be mapped with either IPA granule. */
HVM_API hv_return_t hv_vm_allocate(void **uvap, size_t size, hv_allocate_flags_t flags)
{
    if (flags != HV_ALLOCATE_DEFAULT)
        return HV_BAD_ARGUMENT;
    return vm_allocate(uvap, size, 16384u);
}

HVM_API hv_return_t hv_vm_deallocate(void *uva, size_t size)
{
    return vm_deallocate(uva, size);
}

/* ---- vCPU configuration ---- */

HVM_API hv_vcpu_config_t hv_vcpu_config_create(void)
{
    return (hv_vcpu_config_t)object_new(sizeof(struct vcpu_config), OBJ_VCPU_CONFIG);
}

HVM_API hv_return_t hv_vcpu_config_get_feature_reg(hv_vcpu_config_t config,
                                                   hv_feature_reg_t feature_reg, uint64_t *value)
{
    if (!object_cast(config, OBJ_VCPU_CONFIG) || !value)
        return HV_BAD_ARGUMENT;
    return a64_feature_reg(feature_reg, value) ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_vcpu_config_get_ccsidr_el1_sys_reg_values(hv_vcpu_config_t config,
                                                                 hv_cache_type_t cache_type,
                                                                 uint64_t values[8])
{
    if (!object_cast(config, OBJ_VCPU_CONFIG) || !values)
        return HV_BAD_ARGUMENT;
    return a64_ccsidr_values(cache_type, values) ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

HVM_API hv_return_t hv_sme_config_get_max_svl_bytes(size_t *value)
{
    return value ? HV_UNSUPPORTED : HV_BAD_ARGUMENT;
}

/* ---- vCPUs ---- */

#define OWNED(id)                                                                                  \
    hv_return_t err_;                                                                              \
    struct hvm_vcpu *b_ = vcpu_owned((id), &err_);                                                 \
    if (!b_)                                                                                       \
        return err_;                                                                               \
    struct a64_vcpu *v = a64(b_)

HVM_API hv_return_t hv_vcpu_create(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config)
{
    if (!vcpu || !exit || (config && !object_cast(config, OBJ_VCPU_CONFIG)))
        return HV_BAD_ARGUMENT;
    struct hvm_vcpu *b;
    hv_return_t ret = vcpu_create(&b);
    if (ret != HV_SUCCESS)
        return ret;
    *vcpu = b->id;
    *exit = &a64(b)->exit;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_destroy(hv_vcpu_t vcpu)
{
    return vcpu_destroy(vcpu);
}

HVM_API hv_return_t hv_vcpu_run(hv_vcpu_t vcpu)
{
    OWNED(vcpu);
    hv_return_t ret = a64_run(v);
    if (rec_active())
        rec_exit((uint32_t)vcpu, v->exit.reason, v->exit.exception.syndrome,
                 v->exit.exception.virtual_address, v->exit.exception.physical_address, a64_pc(v),
                 v->base.icount, a64_state_digest(v));
    return ret;
}

HVM_API hv_return_t hv_vcpus_exit(hv_vcpu_t *vcpus, uint32_t vcpu_count)
{
    return vcpu_kick(vcpus, vcpu_count);
}

HVM_API hv_return_t hv_vcpu_get_exec_time(hv_vcpu_t vcpu, uint64_t *time)
{
    OWNED(vcpu);
    if (!time)
        return HV_BAD_ARGUMENT;
    *time = v->base.icount / v->base.vm->insns_per_tick;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t *value)
{
    OWNED(vcpu);
    return a64_get_reg(v, reg, value);
}

/* Records an input once the call has succeeded. */
#define RECORDED(call, record)                                                                     \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ == HV_SUCCESS && rec_active())                                                      \
            record;                                                                                \
        return r_;                                                                                 \
    } while (0)

HVM_API hv_return_t hv_vcpu_set_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t value)
{
    OWNED(vcpu);
    RECORDED(a64_set_reg(v, reg, value), rec_vcpu_u32_u64(HVT_SET_REG, (uint32_t)vcpu, reg, value));
}

HVM_API hv_return_t hv_vcpu_get_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                            hv_simd_fp_uchar16_t *value)
{
    OWNED(vcpu);
    return a64_get_simd(v, reg, value);
}

HVM_API hv_return_t hv_vcpu_set_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                            hv_simd_fp_uchar16_t value)
{
    OWNED(vcpu);
    uint8_t bytes[16];
    for (int i = 0; i < 16; i++)
        bytes[i] = value[i];
    RECORDED(a64_set_simd(v, reg, value),
             rec_vcpu_bytes16(HVT_SET_SIMD, (uint32_t)vcpu, reg, bytes));
}

HVM_API hv_return_t hv_vcpu_get_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t *value)
{
    OWNED(vcpu);
    return a64_get_sys_reg(v, reg, value);
}

HVM_API hv_return_t hv_vcpu_set_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t value)
{
    OWNED(vcpu);
    RECORDED(a64_set_sys_reg(v, reg, value),
             rec_vcpu_u32_u64(HVT_SET_SYSREG, (uint32_t)vcpu, reg, value));
}

HVM_API hv_return_t hv_vcpu_get_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                                  bool *pending)
{
    OWNED(vcpu);
    if (!pending || type > HV_INTERRUPT_TYPE_FIQ)
        return HV_BAD_ARGUMENT;
    *pending = type == HV_INTERRUPT_TYPE_IRQ ? v->irq_line : v->fiq_line;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_set_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                                  bool pending)
{
    OWNED(vcpu);
    if (type > HV_INTERRUPT_TYPE_FIQ)
        return HV_BAD_ARGUMENT;
    if (type == HV_INTERRUPT_TYPE_IRQ)
        v->irq_line = pending;
    else
        v->fiq_line = pending;
    rec_vcpu_u32_u32(HVT_SET_PENDING_IRQ, (uint32_t)vcpu, type, pending);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_trap_debug_exceptions(hv_vcpu_t vcpu, bool *value)
{
    OWNED(vcpu);
    if (!value)
        return HV_BAD_ARGUMENT;
    *value = v->trap_debug_exceptions;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_set_trap_debug_exceptions(hv_vcpu_t vcpu, bool value)
{
    OWNED(vcpu);
    v->trap_debug_exceptions = value;
    rec_vcpu_u32_u32(HVT_SET_TRAP, (uint32_t)vcpu, 0, value);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool *value)
{
    OWNED(vcpu);
    if (!value)
        return HV_BAD_ARGUMENT;
    *value = v->trap_debug_reg_accesses;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_set_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool value)
{
    OWNED(vcpu);
    v->trap_debug_reg_accesses = value;
    a64_update_debug_traps(v);
    rec_vcpu_u32_u32(HVT_SET_TRAP, (uint32_t)vcpu, 1, value);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_vtimer_mask(hv_vcpu_t vcpu, bool *vtimer_is_masked)
{
    OWNED(vcpu);
    if (!vtimer_is_masked)
        return HV_BAD_ARGUMENT;
    *vtimer_is_masked = v->vtimer_masked;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_set_vtimer_mask(hv_vcpu_t vcpu, bool vtimer_is_masked)
{
    OWNED(vcpu);
    v->vtimer_masked = vtimer_is_masked;
    a64_vtimer_update(v);
    rec_vcpu_u32(HVT_SET_VTIMER_MASK, (uint32_t)vcpu, vtimer_is_masked);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_get_vtimer_offset(hv_vcpu_t vcpu, uint64_t *vtimer_offset)
{
    OWNED(vcpu);
    if (!vtimer_offset)
        return HV_BAD_ARGUMENT;
    *vtimer_offset = v->vtimer_offset;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_vcpu_set_vtimer_offset(hv_vcpu_t vcpu, uint64_t vtimer_offset)
{
    OWNED(vcpu);
    v->vtimer_offset = vtimer_offset;
    a64_vtimer_update(v);
    rec_vcpu_u64(HVT_SET_VTIMER_OFFSET, (uint32_t)vcpu, vtimer_offset);
    return HV_SUCCESS;
}

/* ---- SME (the model has none) and the macOS 27 additions (not modelled) ---- */

#define UNSUPPORTED_FOR_OWNER(id)                                                                  \
    do {                                                                                           \
        OWNED(id);                                                                                 \
        (void)v;                                                                                   \
        return HV_UNSUPPORTED;                                                                     \
    } while (0)

HVM_API hv_return_t hv_vcpu_get_sme_state(hv_vcpu_t vcpu, hv_vcpu_sme_state_t *sme_state)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_sme_state(hv_vcpu_t vcpu, const hv_vcpu_sme_state_t *sme_state)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_sme_z_reg(hv_vcpu_t vcpu, hv_sme_z_reg_t reg, uint8_t *value,
                                          size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_sme_z_reg(hv_vcpu_t vcpu, hv_sme_z_reg_t reg, const uint8_t *value,
                                          size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_sme_p_reg(hv_vcpu_t vcpu, hv_sme_p_reg_t reg, uint8_t *value,
                                          size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_sme_p_reg(hv_vcpu_t vcpu, hv_sme_p_reg_t reg, const uint8_t *value,
                                          size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_sme_za_reg(hv_vcpu_t vcpu, uint8_t *value, size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_sme_za_reg(hv_vcpu_t vcpu, const uint8_t *value, size_t length)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_sme_zt0_reg(hv_vcpu_t vcpu, hv_sme_zt0_uchar64_t *value)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_sme_zt0_reg(hv_vcpu_t vcpu, const hv_sme_zt0_uchar64_t *value)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_serror(hv_vcpu_t vcpu, bool *pending)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_set_serror(hv_vcpu_t vcpu, bool pending)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}
HVM_API hv_return_t hv_vcpu_get_wait_for_interrupt_time(hv_vcpu_t vcpu, uint64_t *time)
{
    UNSUPPORTED_FOR_OWNER(vcpu); /* documented: HV_UNSUPPORTED when the VM has no GIC */
}
HVM_API hv_return_t hv_vcpu_invalidate_tlb(hv_vcpu_t vcpu, hv_tlbi_op_t op, uint64_t param)
{
    UNSUPPORTED_FOR_OWNER(vcpu);
}

/* ---- model extensions ---- */

HVM_API hv_return_t hvm_vcpu_read_guest(hv_vcpu_t vcpu, uint64_t va, void *buf, size_t len)
{
    OWNED(vcpu);
    if (!buf && len)
        return HV_BAD_ARGUMENT;
    if (len && uc_vmem_read(v->base.uc, va, UC_PROT_READ, buf, len) != UC_ERR_OK)
        return HV_BAD_ARGUMENT;
    return HV_SUCCESS;
}
