/*
 * hv_gic_state.h - saving the in-framework GICv3's state (arm64 flavour,
 * macOS 15.0+).
 *
 * A hv_gic_state_t is a snapshot of the distributor, the redistributors and
 * the GIC's internal state, as an opaque versioned blob. The per-vCPU ICC_*
 * registers are not part of it: save them with hv_gic_get_icc_reg(). Restore
 * a blob with hv_gic_set_state() (hv_gic.h). These functions may be called
 * from any thread. Release the object with os_release().
 *
 * hvmodel's blob: "HVGS", version 1, little-endian, with a checksum; a blob
 * that fails any check is refused with HV_BAD_ARGUMENT and changes nothing.
 */
#ifndef HVMODEL_HYPERVISOR_HV_GIC_STATE_H
#define HVMODEL_HYPERVISOR_HV_GIC_STATE_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_gic_types.h>
#include <Hypervisor/hv_kern_types.h>

HV_BEGIN_DECLS

/*
 * hv_gic_state_create - take a snapshot of the GIC.
 *
 * No vCPU may be running. Returns the snapshot with one reference, or NULL if
 * the VM has no GIC, the state cannot be captured, or memory is exhausted.
 */
HV_API hv_gic_state_t hv_gic_state_create(void);

/*
 * hv_gic_state_get_size - the size of a snapshot's blob.
 *
 * @state:          the snapshot.
 * @gic_state_size: receives the size in bytes.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if either pointer is NULL.
 */
HV_API hv_return_t hv_gic_state_get_size(hv_gic_state_t state, size_t *gic_state_size);

/*
 * hv_gic_state_get_data - copy out a snapshot's blob.
 *
 * @state:          the snapshot.
 * @gic_state_data: receives the blob; at least hv_gic_state_get_size() bytes.
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if either pointer is NULL.
 */
HV_API hv_return_t hv_gic_state_get_data(hv_gic_state_t state, void *gic_state_data);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_GIC_STATE_H */
