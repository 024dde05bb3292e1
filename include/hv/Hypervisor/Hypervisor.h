/*
 * Hypervisor.h - umbrella header of hvmodel's Hypervisor.framework.
 *
 * Include this exactly as on macOS: #include <Hypervisor/Hypervisor.h>. It
 * declares the API of one flavour, chosen by a define that the build adds:
 *   HVMODEL_FLAVOR_ARM64  the Apple silicon API (hv_vcpu_run exits, GIC, ...),
 *                         added by the CMake target hvmodel::arm64 and by
 *                         pkg-config hvmodel-arm64;
 *   HVMODEL_FLAVOR_X86    the Intel (VMX) API (hv_vcpu_run plus VMCS access);
 *                         its implementation is in progress, so for now only
 *                         its declarations can be used.
 * hvmodel's own extensions are in <hvmodel.h>, not here.
 */
#ifndef HVMODEL_HYPERVISOR_HYPERVISOR_H
#define HVMODEL_HYPERVISOR_HYPERVISOR_H

/* clang-format off */
#if !defined(HVMODEL_FLAVOR_ARM64) && !defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: no Hypervisor.framework flavour selected. Link the CMake target hvmodel::arm64, use 'pkg-config --cflags hvmodel-arm64', or define HVMODEL_FLAVOR_ARM64=1."
#elif defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
/* clang-format on */

#include <Hypervisor/hv_base.h>

#include <Hypervisor/hv_error.h>
#include <Hypervisor/hv_types.h>
#include <Hypervisor/hv_arch_x86.h>
#include <Hypervisor/hv_arch_vmx.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>

#else

#include <Hypervisor/hv_base.h>

#include <Hypervisor/hv_error.h>
#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vm_types.h>
#include <Hypervisor/hv_vcpu_types.h>
#include <Hypervisor/hv_gic_types.h>

#include <Hypervisor/hv_vm_config.h>
#include <Hypervisor/hv_vcpu_config.h>
#include <Hypervisor/hv_sme_config.h>
#include <Hypervisor/hv_gic_config.h>
#include <Hypervisor/hv_gic_parameters.h>
#include <Hypervisor/hv_gic_state.h>

#include <Hypervisor/hv_vm.h>
#include <Hypervisor/hv_vm_allocate.h>
#include <Hypervisor/hv_vcpu.h>
#include <Hypervisor/hv_gic.h>

#endif /* flavour */

#endif /* HVMODEL_HYPERVISOR_HYPERVISOR_H */
