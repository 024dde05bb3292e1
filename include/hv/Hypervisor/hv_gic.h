/*
 * hv_gic.h - the in-framework GICv3 interrupt controller (arm64 flavour,
 * macOS 15.0+).
 *
 * A VM may have one GIC: a distributor, one redistributor per vCPU and an
 * optional MSI frame, emulated by the framework at the guest physical
 * addresses its configuration gives. Guest accesses to those frames and to the
 * ICC_* system registers are handled without exits. With a GIC the CNTP_*
 * physical timer registers become accessible, and the framework drives the
 * timer and PMU PPIs itself (hv_gic_get_intid()).
 *
 * Order: hv_vm_create(), then hv_gic_create(), then the vCPUs.
 *
 * Errors common to every function below, unless stated:
 *   HV_NO_DEVICE     there is no VM, or the VM has no GIC (hvmodel's choice);
 *   HV_BAD_ARGUMENT  a required pointer is NULL, a register or INTID argument
 *                    is out of range, or (for the per-vCPU calls) the calling
 *                    thread does not own vcpu (hvmodel's choice).
 * Where Apple names no code, the one hvmodel returns is its own choice and
 * unconfirmed on hardware. A failed call changes nothing.
 *
 * hvmodel: a GICv3 with one security state, no LPIs/ITS, 5 priority bits and
 * SPIs 32..255 (docs/arm64.md). With a GIC the EL1 virtual timer drives PPI
 * 27 inside the model and hv_vcpu_run never returns
 * HV_EXIT_REASON_VTIMER_ACTIVATED (hvmodel's choice; Apple does not say), WFI
 * completes without an exit when an interrupt is signalled to the vCPU, and
 * CNTP_* stay unmodelled. GIC inputs are not recorded in traces yet:
 * hv_gic_create stops a recording in progress.
 */
#ifndef HVMODEL_HYPERVISOR_HV_GIC_H
#define HVMODEL_HYPERVISOR_HV_GIC_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_gic_config.h>
#include <Hypervisor/hv_gic_parameters.h>
#include <Hypervisor/hv_gic_state.h>
#include <Hypervisor/hv_gic_types.h>
#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vcpu_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Creation and reset                                                        */
/* ------------------------------------------------------------------------- */

/*
 * hv_gic_create - give the VM a GIC.
 *
 * Must follow hv_vm_create() and precede every hv_vcpu_create(). The topology
 * is fixed from then on.
 *
 * @gic_config: placement from the hv_gic_config_* functions; the distributor
 *              and redistributor bases must be set. The caller still owns it.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_EXISTS        the VM already has a GIC (hvmodel's choice);
 *   HV_BUSY          the VM already has vCPUs (hvmodel's choice);
 *   HV_BAD_ARGUMENT  gic_config is NULL or incomplete, or its frames overlap
 *                    each other or leave the VM's IPA space (hvmodel's choice);
 *   HV_NO_RESOURCES  memory is exhausted.
 */
HV_API hv_return_t hv_gic_create(hv_gic_config_t gic_config);

/*
 * hv_gic_reset - return the distributor, every redistributor and the GIC's
 * internal state to their reset values.
 *
 * Any thread. Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_reset(void);

/*
 * hv_gic_set_state - restore GIC state saved with hv_gic_state_get_data().
 *
 * Only after the GIC and every vCPU exist and before any vCPU has run. A blob
 * saved by a different framework version may be refused.
 *
 * @gic_state_data: the blob.
 * @gic_state_size: its size in bytes.
 *
 * Any thread. Returns HV_SUCCESS, a common error, HV_BAD_ARGUMENT if the blob
 * is malformed, of the wrong size or from an incompatible version, or HV_BUSY
 * if a vCPU has already run (hvmodel's choice for both).
 */
HV_API hv_return_t hv_gic_set_state(const void *gic_state_data, size_t gic_state_size);

/* ------------------------------------------------------------------------- */
/* Raising interrupts                                                        */
/* ------------------------------------------------------------------------- */

/*
 * hv_gic_set_spi - drive the line of a shared peripheral interrupt.
 *
 * For a level-sensitive SPI the line stays at the given level. For an
 * edge-triggered one, true makes an edge and false does nothing.
 *
 * @intid: an INTID in the SPI range of hv_gic_get_spi_interrupt_range(),
 *         outside the MSI range.
 * @level: the line level.
 *
 * Any thread. Returns HV_SUCCESS, a common error, or HV_BAD_ARGUMENT if intid
 * is outside the SPI range or inside the MSI range.
 */
HV_API hv_return_t hv_gic_set_spi(uint32_t intid, bool level);

/*
 * hv_gic_send_msi - deliver a message-signalled interrupt, as a device write
 * to the MSI frame would.
 *
 * @address: IPA of the GICM_SET_SPI_NSR register in the configured MSI frame.
 * @intid:   the INTID to raise; within the configured MSI range.
 *
 * Any thread. Returns HV_SUCCESS, a common error, or HV_BAD_ARGUMENT if no
 * MSI frame is configured, address is not its GICM_SET_SPI_NSR, or intid is
 * outside the MSI range.
 */
HV_API hv_return_t hv_gic_send_msi(hv_ipa_t address, uint32_t intid);

/* ------------------------------------------------------------------------- */
/* Distributor, redistributor and MSI frame registers                        */
/* ------------------------------------------------------------------------- */

/*
 * hv_gic_get_distributor_reg - read a distributor register.
 *
 * @reg:   an HV_GIC_DISTRIBUTOR_REG_* value (the register's offset).
 * @value: receives the register.
 *
 * Any thread. Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_get_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t *value);

/*
 * hv_gic_set_distributor_reg - write a distributor register.
 *
 * @reg:   an HV_GIC_DISTRIBUTOR_REG_* value (the register's offset).
 * @value: the new value.
 *
 * Any thread. Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_set_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t value);

/*
 * hv_gic_get_redistributor_base - where a vCPU's redistributor sits.
 *
 * Apple: meaningful once the vCPU's MPIDR_EL1 affinity has been set. hvmodel
 * places vCPU n's redistributor n-th in the region whatever its affinity;
 * GICR_TYPER reports the affinity.
 *
 * @vcpu:                       the vCPU.
 * @redistributor_base_address: receives the IPA of its RD frame.
 *
 * Any thread. Returns HV_SUCCESS or a common error (HV_BAD_ARGUMENT also if
 * vcpu is not a vCPU of the VM).
 */
HV_API hv_return_t hv_gic_get_redistributor_base(hv_vcpu_t vcpu,
                                                 hv_ipa_t *redistributor_base_address);

/*
 * hv_gic_get_redistributor_reg - read a register of a vCPU's redistributor.
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_REDISTRIBUTOR_REG_* value (offset from RD_base).
 * @value: receives the register.
 *
 * Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_get_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                uint64_t *value);

/*
 * hv_gic_set_redistributor_reg - write a register of a vCPU's redistributor.
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_REDISTRIBUTOR_REG_* value (offset from RD_base).
 * @value: the new value.
 *
 * Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_set_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                uint64_t value);

/*
 * hv_gic_get_msi_reg - read a register of the MSI frame.
 *
 * @reg:   HV_GIC_REG_GICM_TYPER or HV_GIC_REG_GICM_SET_SPI_NSR.
 * @value: receives the register.
 *
 * Any thread. Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_get_msi_reg(hv_gic_msi_reg_t reg, uint64_t *value);

/*
 * hv_gic_set_msi_reg - write a register of the MSI frame.
 *
 * @reg:   HV_GIC_REG_GICM_TYPER or HV_GIC_REG_GICM_SET_SPI_NSR.
 * @value: the new value.
 *
 * Any thread. Returns HV_SUCCESS or a common error.
 */
HV_API hv_return_t hv_gic_set_msi_reg(hv_gic_msi_reg_t reg, uint64_t value);

/* ------------------------------------------------------------------------- */
/* CPU interface registers (per vCPU, owning thread only)                    */
/* ------------------------------------------------------------------------- */

/*
 * hv_gic_get_icc_reg - read a GIC CPU interface register of a vCPU.
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICC_REG_* value.
 * @value: receives the register.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT also for
 * HV_GIC_ICC_REG_SRE_EL2 on a VM without EL2 (always, in hvmodel).
 */
HV_API hv_return_t hv_gic_get_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t *value);

/*
 * hv_gic_set_icc_reg - write a GIC CPU interface register of a vCPU.
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICC_REG_* value.
 * @value: the new value.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT also for
 * HV_GIC_ICC_REG_SRE_EL2 on a VM without EL2 (always, in hvmodel).
 */
HV_API hv_return_t hv_gic_set_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t value);

/*
 * hv_gic_get_ich_reg - read a virtual interface control register (EL2-enabled
 * VMs only).
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICH_REG_* value.
 * @value: receives the register.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT on a VM without EL2,
 * which in hvmodel is every VM (hvmodel's choice of code).
 */
HV_API hv_return_t hv_gic_get_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t *value);

/*
 * hv_gic_set_ich_reg - write a virtual interface control register
 * (EL2-enabled VMs only).
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICH_REG_* value.
 * @value: the new value.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT on a VM without EL2,
 * which in hvmodel is every VM (hvmodel's choice of code).
 */
HV_API hv_return_t hv_gic_set_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t value);

/*
 * hv_gic_get_icv_reg - read a virtual CPU interface register (EL2-enabled
 * VMs only).
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICV_REG_* value.
 * @value: receives the register.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT on a VM without EL2,
 * which in hvmodel is every VM (hvmodel's choice of code).
 */
HV_API hv_return_t hv_gic_get_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t *value);

/*
 * hv_gic_set_icv_reg - write a virtual CPU interface register (EL2-enabled
 * VMs only).
 *
 * @vcpu:  the vCPU; the calling thread must own it.
 * @reg:   an HV_GIC_ICV_REG_* value.
 * @value: the new value.
 *
 * Returns HV_SUCCESS or a common error; HV_BAD_ARGUMENT on a VM without EL2,
 * which in hvmodel is every VM (hvmodel's choice of code).
 */
HV_API hv_return_t hv_gic_set_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t value);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_GIC_H */
