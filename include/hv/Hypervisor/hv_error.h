/*
 * hv_error.h - the hv_return_t codes.
 *
 * On Apple silicon the codes live in hv_kern_types.h; this header exists so
 * sources that include <Hypervisor/hv_error.h> by name keep compiling.
 */
#ifndef HVMODEL_HYPERVISOR_HV_ERROR_H
#define HVMODEL_HYPERVISOR_HV_ERROR_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: the x86 flavour of this header is not available yet"
#endif

#include <Hypervisor/hv_kern_types.h>

#endif /* HVMODEL_HYPERVISOR_HV_ERROR_H */
