/*
 * hv_gic_config.h - configuration of the in-framework GICv3 (arm64 flavour,
 * macOS 15.0+).
 *
 * A hv_gic_config_t holds where the GIC's frames sit in guest physical memory
 * and which SPIs serve as MSIs; hv_gic_create() applies it. The alignments and
 * sizes come from the queries in hv_gic_parameters.h. These functions may be
 * called from any thread. Release the object with os_release().
 */
#ifndef HVMODEL_HYPERVISOR_HV_GIC_CONFIG_H
#define HVMODEL_HYPERVISOR_HV_GIC_CONFIG_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_gic_types.h>
#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/*
 * hv_gic_config_create - a new, empty GIC configuration.
 *
 * Apple requires the VM to exist first. The object starts with one reference;
 * release it with os_release() after hv_gic_create(). Returns NULL when there
 * is no VM (hvmodel's choice) or memory is exhausted.
 */
HV_API hv_gic_config_t hv_gic_config_create(void);

/*
 * hv_gic_config_set_distributor_base - place the distributor frame.
 *
 * @config:                   the configuration to change.
 * @distributor_base_address: IPA of the frame; a multiple of
 *                            hv_gic_get_distributor_base_alignment(). The frame
 *                            spans hv_gic_get_distributor_size() bytes.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or the address is
 * misaligned.
 */
HV_API hv_return_t hv_gic_config_set_distributor_base(hv_gic_config_t config,
                                                      hv_ipa_t distributor_base_address);

/*
 * hv_gic_config_set_redistributor_base - place the redistributor region.
 *
 * The region holds one redistributor (two 64 KiB frames) for every vCPU the VM
 * can have, hv_gic_get_redistributor_region_size() bytes in all; a vCPU's
 * redistributor is chosen by its MPIDR_EL1 affinity.
 *
 * @config:                     the configuration to change.
 * @redistributor_base_address: IPA of the region; a multiple of
 *                              hv_gic_get_redistributor_base_alignment().
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or the address is
 * misaligned.
 */
HV_API hv_return_t hv_gic_config_set_redistributor_base(hv_gic_config_t config,
                                                        hv_ipa_t redistributor_base_address);

/*
 * hv_gic_config_set_msi_region_base - place the MSI frame (GICv2m-style
 * GICM_* registers).
 *
 * MSIs work only when both this base and hv_gic_config_set_msi_interrupt_range()
 * are set.
 *
 * @config:                  the configuration to change.
 * @msi_region_base_address: IPA of the frame; a multiple of
 *                           hv_gic_get_msi_region_base_alignment(). The frame
 *                           spans hv_gic_get_msi_region_size() bytes.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or the address is
 * misaligned.
 */
HV_API hv_return_t hv_gic_config_set_msi_region_base(hv_gic_config_t config,
                                                     hv_ipa_t msi_region_base_address);

/*
 * hv_gic_config_set_msi_interrupt_range - reserve SPIs for MSIs.
 *
 * @config:          the configuration to change.
 * @msi_intid_base:  first INTID of the range.
 * @msi_intid_count: number of INTIDs. The whole range must lie within the SPI
 *                   range of hv_gic_get_spi_interrupt_range().
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or the range is
 * empty or leaves the SPI range.
 */
HV_API hv_return_t hv_gic_config_set_msi_interrupt_range(hv_gic_config_t config,
                                                         uint32_t msi_intid_base,
                                                         uint32_t msi_intid_count);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_GIC_CONFIG_H */
