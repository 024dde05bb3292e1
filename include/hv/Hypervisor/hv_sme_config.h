/*
 * hv_sme_config.h - SME (Scalable Matrix Extension) capabilities (arm64
 * flavour, macOS 15.2+).
 *
 * hvmodel's CPU has no SME, so the one query here reports that.
 */
#ifndef HVMODEL_HYPERVISOR_HV_SME_CONFIG_H
#define HVMODEL_HYPERVISOR_HV_SME_CONFIG_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>

HV_BEGIN_DECLS

/*
 * hv_sme_config_get_max_svl_bytes - the largest streaming vector length a
 * vCPU supports, in bytes. It sizes the buffers of the hv_vcpu_*_sme_*_reg
 * calls.
 *
 * @value: receives the length.
 *
 * Works without a VM and from any thread. Returns HV_UNSUPPORTED in hvmodel,
 * which has no SME (as the real framework does on hosts without SME), leaving
 * *value unchanged.
 */
HV_API hv_return_t hv_sme_config_get_max_svl_bytes(size_t *value);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_SME_CONFIG_H */
