/*
 * hv_vcpu_config.h - vCPU configuration objects (arm64 flavour).
 *
 * A hv_vcpu_config_t is passed to hv_vcpu_create() and answers what the
 * vCPUs built from it will present to the guest: ID registers and cache
 * geometry. The functions here work without a VM and from any thread.
 * Configuration objects are released with os_release().
 */
#ifndef HVMODEL_HYPERVISOR_HV_VCPU_CONFIG_H
#define HVMODEL_HYPERVISOR_HV_VCPU_CONFIG_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vcpu_types.h>

HV_BEGIN_DECLS

/*
 * hv_vcpu_config_create - a new vCPU configuration holding the defaults.
 *
 * The object starts with one reference; release it with os_release(). It may
 * be released as soon as hv_vcpu_create() returns. Returns NULL only when
 * memory is exhausted.
 */
HV_API hv_vcpu_config_t hv_vcpu_config_create(void);

/*
 * hv_vcpu_config_get_feature_reg - the value of an ID register as vCPUs made
 * from this configuration present it to the guest.
 *
 * The VMM may later change what one vCPU presents with hv_vcpu_set_sys_reg()
 * on the matching HV_SYS_REG_ID_* register. hvmodel's CPU has no SME, so
 * ID_AA64SMFR0_EL1 reads 0.
 *
 * @config:      the configuration to query.
 * @feature_reg: one of the HV_FEATURE_REG_* values.
 * @value:       receives the 64-bit register value.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config or value is NULL or
 * feature_reg is not a known HV_FEATURE_REG_* value.
 */
HV_API hv_return_t hv_vcpu_config_get_feature_reg(hv_vcpu_config_t config,
                                                  hv_feature_reg_t feature_reg, uint64_t *value);

/*
 * hv_vcpu_config_get_ccsidr_el1_sys_reg_values - the CCSIDR_EL1 values the
 * guest sees for each cache level.
 *
 * Entry i describes the cache that CSSELR_EL1 selects with Level = i (that
 * is, cache level i + 1) and InD matching cache_type; levels that do not
 * exist read 0. Apple does not document the indexing; this per-level reading
 * is hvmodel's choice (unconfirmed on hardware).
 *
 * @config:     the configuration to query.
 * @cache_type: HV_CACHE_TYPE_DATA (data or unified) or HV_CACHE_TYPE_INSTRUCTION.
 * @values:     receives 8 values.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config or values is NULL or
 * cache_type is unknown.
 */
HV_API hv_return_t hv_vcpu_config_get_ccsidr_el1_sys_reg_values(hv_vcpu_config_t config,
                                                                hv_cache_type_t cache_type,
                                                                uint64_t values[8]);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VCPU_CONFIG_H */
