/*
 * hv_gic_parameters.h - fixed properties of the in-framework GICv3 (arm64
 * flavour, macOS 15.0+).
 *
 * Sizes and alignments of the GIC's frames in guest physical memory, the SPI
 * range and the INTIDs the framework reserves. They are properties of the
 * implementation: they need no VM and no GIC, may be called from any thread,
 * and return the same values every time. Each returns HV_SUCCESS, or
 * HV_BAD_ARGUMENT if an output pointer is NULL.
 *
 * hvmodel's values: distributor 64 KiB, redistributor 128 KiB, region 8 MiB
 * (64 vCPUs), MSI frame 64 KiB, every alignment 64 KiB, SPIs 32..255.
 */
#ifndef HVMODEL_HYPERVISOR_HV_GIC_PARAMETERS_H
#define HVMODEL_HYPERVISOR_HV_GIC_PARAMETERS_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_gic_types.h>
#include <Hypervisor/hv_kern_types.h>

HV_BEGIN_DECLS

/* hv_gic_get_distributor_size - bytes of guest physical space the distributor frame takes. */
HV_API hv_return_t hv_gic_get_distributor_size(size_t *distributor_size);

/* hv_gic_get_distributor_base_alignment - required alignment of the distributor base. */
HV_API hv_return_t hv_gic_get_distributor_base_alignment(size_t *distributor_base_alignment);

/*
 * hv_gic_get_redistributor_region_size - bytes the redistributor region
 * takes: hv_gic_get_redistributor_size() times hv_vm_get_max_vcpu_count().
 */
HV_API hv_return_t hv_gic_get_redistributor_region_size(size_t *redistributor_region_size);

/*
 * hv_gic_get_redistributor_size - bytes one vCPU's redistributor takes: its
 * RD and SGI frames, 64 KiB each.
 */
HV_API hv_return_t hv_gic_get_redistributor_size(size_t *redistributor_size);

/* hv_gic_get_redistributor_base_alignment - required alignment of the region base. */
HV_API hv_return_t hv_gic_get_redistributor_base_alignment(size_t *redistributor_base_alignment);

/* hv_gic_get_msi_region_size - bytes of guest physical space the MSI frame takes. */
HV_API hv_return_t hv_gic_get_msi_region_size(size_t *msi_region_size);

/* hv_gic_get_msi_region_base_alignment - required alignment of the MSI frame base. */
HV_API hv_return_t hv_gic_get_msi_region_base_alignment(size_t *msi_region_base_alignment);

/*
 * hv_gic_get_spi_interrupt_range - the INTIDs usable as SPIs.
 *
 * @spi_intid_base:  receives the first SPI INTID.
 * @spi_intid_count: receives the number of SPIs.
 */
HV_API hv_return_t hv_gic_get_spi_interrupt_range(uint32_t *spi_intid_base,
                                                  uint32_t *spi_intid_count);

/*
 * hv_gic_get_intid - the INTID the framework uses for one of its own
 * interrupt sources.
 *
 * @interrupt: one of the HV_GIC_INT_* values.
 * @intid:     receives the INTID.
 *
 * Also returns HV_BAD_ARGUMENT for an unknown interrupt.
 */
HV_API hv_return_t hv_gic_get_intid(hv_gic_intid_t interrupt, uint32_t *intid);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_GIC_PARAMETERS_H */
