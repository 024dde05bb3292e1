/*
 * hv_error.h - the hv_return_t codes.
 *
 * arm64 flavour: the codes live in hv_kern_types.h; this header exists so
 * sources that include <Hypervisor/hv_error.h> by name keep compiling.
 *
 * x86 flavour: the codes are defined here, as in Apple's Intel SDK. The
 * values are those of Apple silicon, except that 0xfae94004 has no name and
 * 0xfae94008 is HV_FAULT instead of HV_EXISTS. The x86 flavour's
 * implementation is in progress.
 */
#ifndef HVMODEL_HYPERVISOR_HV_ERROR_H
#define HVMODEL_HYPERVISOR_HV_ERROR_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)

/* A Mach error value; Darwin defines it through kern_return_t (an int). */
#ifndef HVMODEL_HAVE_MACH_ERROR_T
#define HVMODEL_HAVE_MACH_ERROR_T 1
typedef int32_t mach_error_t;
#endif

/*
 * Result of every hv_* call. A Mach error value: every failure code has the
 * base 0xfae94000 (Mach local error system, subsystem 0xba5), so each of them
 * is negative as a signed 32-bit integer. HV_SUCCESS is 0.
 */
typedef mach_error_t hv_return_t;

#define HV_SUCCESS      ((hv_return_t)0)          /* the call did what it was asked */
#define HV_ERROR        ((hv_return_t)0xfae94001) /* failure without a more precise code */
#define HV_BUSY         ((hv_return_t)0xfae94002) /* the resource is in use */
#define HV_BAD_ARGUMENT ((hv_return_t)0xfae94003) /* an argument is invalid */
#define HV_NO_RESOURCES ((hv_return_t)0xfae94005) /* out of vCPUs, memory or address spaces */
#define HV_NO_DEVICE    ((hv_return_t)0xfae94006) /* no VM or device to act on */
#define HV_DENIED       ((hv_return_t)0xfae94007) /* not permitted */
/*
 * A fault occurred. Apple documents the name; the value comes from
 * third-party bindings and is unconfirmed in an SDK header.
 */
#define HV_FAULT       ((hv_return_t)0xfae94008)
#define HV_UNSUPPORTED ((hv_return_t)0xfae9400f) /* the feature is not available */

#else

#include <Hypervisor/hv_kern_types.h>

#endif /* flavour */

#endif /* HVMODEL_HYPERVISOR_HV_ERROR_H */
