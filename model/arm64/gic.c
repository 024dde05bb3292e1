/*
 * gic.c — the in-framework GICv3 (hv_gic_*, macOS 15) is not modelled yet.
 * Every call answers HV_UNSUPPORTED (the object constructors return NULL), as
 * on a host without the feature, so VMMs that probe for it fall back to their
 * own interrupt controller and VMMs that reference the symbols still link.
 */
#include "arm64.h"

#define HVM_API __attribute__((visibility("default")))

HVM_API hv_return_t hv_gic_create(hv_gic_config_t gic_config)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_reset(void)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_state(const void *gic_state_data, size_t gic_state_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_spi(uint32_t intid, bool level)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_send_msi(hv_ipa_t address, uint32_t intid)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_redistributor_base(hv_vcpu_t vcpu,
                                                  hv_ipa_t *redistributor_base_address)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                 uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                 uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_msi_reg(hv_gic_msi_reg_t reg, uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_msi_reg(hv_gic_msi_reg_t reg, uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t *value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_set_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t value)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_gic_config_t hv_gic_config_create(void)
{
    return NULL;
}

HVM_API hv_return_t hv_gic_config_set_distributor_base(hv_gic_config_t config,
                                                       hv_ipa_t distributor_base_address)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_config_set_redistributor_base(hv_gic_config_t config,
                                                         hv_ipa_t redistributor_base_address)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_config_set_msi_region_base(hv_gic_config_t config,
                                                      hv_ipa_t msi_region_base_address)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_config_set_msi_interrupt_range(hv_gic_config_t config,
                                                          uint32_t msi_intid_base,
                                                          uint32_t msi_intid_count)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_gic_state_t hv_gic_state_create(void)
{
    return NULL;
}

HVM_API hv_return_t hv_gic_state_get_size(hv_gic_state_t state, size_t *gic_state_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_state_get_data(hv_gic_state_t state, void *gic_state_data)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_distributor_size(size_t *distributor_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_distributor_base_alignment(size_t *distributor_base_alignment)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_redistributor_region_size(size_t *redistributor_region_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_redistributor_size(size_t *redistributor_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_redistributor_base_alignment(size_t *redistributor_base_alignment)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_msi_region_size(size_t *msi_region_size)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_msi_region_base_alignment(size_t *msi_region_base_alignment)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_spi_interrupt_range(uint32_t *spi_intid_base,
                                                   uint32_t *spi_intid_count)
{
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_gic_get_intid(hv_gic_intid_t interrupt, uint32_t *intid)
{
    return HV_UNSUPPORTED;
}
