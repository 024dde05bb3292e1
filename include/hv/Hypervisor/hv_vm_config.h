/*
 * hv_vm_config.h - VM configuration objects (arm64 flavour, macOS 13.0+).
 *
 * A hv_vm_config_t collects the settings hv_vm_create() applies: the IPA
 * (guest physical address) width, the stage-2 granule and guest EL2. Every
 * function here works without a VM and from any thread. Configuration objects
 * are released with os_release().
 *
 * Values that hvmodel reports (observed on Apple silicon hosts, not documented
 * by Apple): default IPA width 36 bits, maximum 40 bits, default granule
 * HV_IPA_GRANULE_16KB, and no guest EL2.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VM_CONFIG_H
#define HVMODEL_HYPERVISOR_HV_VM_CONFIG_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/*
 * hv_vm_config_create - a new VM configuration holding the defaults.
 *
 * The object starts with one reference; release it with os_release() once
 * hv_vm_create() has consumed it (the VM keeps its own copy of the settings).
 * Returns NULL only when memory is exhausted.
 */
HV_API hv_vm_config_t hv_vm_config_create(void);

/*
 * hv_vm_config_get_max_ipa_size - the widest IPA the host supports.
 *
 * @ipa_bit_length: receives the width in bits; 40 in hvmodel (a 1 TiB guest
 *                  physical space).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if ipa_bit_length is NULL.
 */
HV_API hv_return_t hv_vm_config_get_max_ipa_size(uint32_t *ipa_bit_length);

/*
 * hv_vm_config_get_default_ipa_size - the IPA width of a VM whose config does
 * not set one.
 *
 * @ipa_bit_length: receives the width in bits; 36 in hvmodel (64 GiB).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if ipa_bit_length is NULL.
 */
HV_API hv_return_t hv_vm_config_get_default_ipa_size(uint32_t *ipa_bit_length);

/*
 * hv_vm_config_set_ipa_size - choose the IPA width of the VM.
 *
 * @config:         the configuration to change.
 * @ipa_bit_length: width in bits; guest physical addresses then range over
 *                  [0, 2^ipa_bit_length). Must not exceed
 *                  hv_vm_config_get_max_ipa_size().
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or the width is
 * below 32 or above the maximum (hvmodel's lower bound). Whether the real framework rejects a bad
 * width here or only in hv_vm_create() is unconfirmed; hvmodel rejects it here and leaves config
 * unchanged.
 */
HV_API hv_return_t hv_vm_config_set_ipa_size(hv_vm_config_t config, uint32_t ipa_bit_length);

/*
 * hv_vm_config_get_ipa_size - the IPA width a configuration will give the VM.
 *
 * @config:         the configuration to read.
 * @ipa_bit_length: receives the width in bits (the default if never set).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if either pointer is NULL.
 */
HV_API hv_return_t hv_vm_config_get_ipa_size(hv_vm_config_t config, uint32_t *ipa_bit_length);

/*
 * hv_vm_config_get_el2_supported - whether VMs can run guest code at EL2
 * (nested virtualisation). macOS 15.0+.
 *
 * @el2_supported: receives the answer. hvmodel has no guest EL2 and always
 *                 reports false.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if el2_supported is NULL.
 */
HV_API hv_return_t hv_vm_config_get_el2_supported(bool *el2_supported);

/*
 * hv_vm_config_get_el2_enabled - whether a configuration asks for guest EL2.
 * macOS 15.0+.
 *
 * @config:      the configuration to read.
 * @el2_enabled: receives the setting (false unless set).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if either pointer is NULL.
 */
HV_API hv_return_t hv_vm_config_get_el2_enabled(hv_vm_config_t config, bool *el2_enabled);

/*
 * hv_vm_config_set_el2_enabled - ask for guest EL2. macOS 15.0+.
 *
 * With EL2, the guest starts at EL2, the HV_SYS_REG_*_EL2 registers and the
 * GIC ICH/ICV registers become accessible, and the guest's PMU accesses are
 * emulated according to ID_AA64DFR0_EL1.PMUVer instead of exiting.
 *
 * @config:      the configuration to change.
 * @el2_enabled: true to enable EL2, false to disable it.
 *
 * Returns HV_SUCCESS, HV_BAD_ARGUMENT if config is NULL, or HV_UNSUPPORTED
 * when el2_enabled is true: hvmodel has no guest EL2 (hvmodel's choice of
 * code, unconfirmed on hardware without EL2 support). Setting false succeeds.
 */
HV_API hv_return_t hv_vm_config_set_el2_enabled(hv_vm_config_t config, bool el2_enabled);

/*
 * hv_vm_config_get_default_ipa_granule - the stage-2 granule of a VM whose
 * config does not set one. macOS 26.0+.
 *
 * @granule: receives HV_IPA_GRANULE_16KB in hvmodel (the real default is
 *           unconfirmed; 16 KiB is the Apple silicon page size).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if granule is NULL.
 */
HV_API hv_return_t hv_vm_config_get_default_ipa_granule(hv_ipa_granule_t *granule);

/*
 * hv_vm_config_get_ipa_granule - the stage-2 granule a configuration will
 * give the VM. macOS 26.0+.
 *
 * @config:  the configuration to read.
 * @granule: receives the granule (the default if never set).
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if either pointer is NULL.
 */
HV_API hv_return_t hv_vm_config_get_ipa_granule(hv_vm_config_t config, hv_ipa_granule_t *granule);

/*
 * hv_vm_config_set_ipa_granule - choose the stage-2 granule. macOS 26.0+.
 *
 * The granule is the unit of hv_vm_map(), hv_vm_unmap() and hv_vm_protect():
 * their addresses and sizes must be multiples of it. In hvmodel a 4 KiB VM
 * accepts 4 KiB-aligned ranges (unconfirmed on hardware).
 *
 * @config:  the configuration to change.
 * @granule: HV_IPA_GRANULE_4KB or HV_IPA_GRANULE_16KB.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if config is NULL or granule is not
 * one of the two values.
 */
HV_API hv_return_t hv_vm_config_set_ipa_granule(hv_vm_config_t config, hv_ipa_granule_t granule);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VM_CONFIG_H */
