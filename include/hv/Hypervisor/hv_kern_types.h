/*
 * hv_kern_types.h - return codes and memory permission flags (arm64 flavour).
 *
 * hv_return_t is a Mach error value. Every failure code shares the base
 * 0xfae94000 (Mach local error system, subsystem 0xba5), so as a signed 32-bit
 * integer each of them is negative. HV_SUCCESS is 0.
 */
#ifndef HVMODEL_HYPERVISOR_HV_KERN_TYPES_H
#define HVMODEL_HYPERVISOR_HV_KERN_TYPES_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

/* A Mach error value; Darwin defines it through kern_return_t (an int). */
#ifndef HVMODEL_HAVE_MACH_ERROR_T
#define HVMODEL_HAVE_MACH_ERROR_T 1
typedef int32_t mach_error_t;
#endif

/* Result of every hv_* call that does not return an object. */
typedef mach_error_t hv_return_t;

#define HV_SUCCESS             ((hv_return_t)0)          /* the call did what it was asked */
#define HV_ERROR               ((hv_return_t)0xfae94001) /* failure without a more precise code */
#define HV_BUSY                ((hv_return_t)0xfae94002) /* the resource is in use */
#define HV_BAD_ARGUMENT        ((hv_return_t)0xfae94003) /* an argument is invalid */
#define HV_ILLEGAL_GUEST_STATE ((hv_return_t)0xfae94004) /* the guest state is invalid */
#define HV_NO_RESOURCES        ((hv_return_t)0xfae94005) /* out of vCPUs, memory or slots */
#define HV_NO_DEVICE           ((hv_return_t)0xfae94006) /* no VM or device to act on */
#define HV_DENIED              ((hv_return_t)0xfae94007) /* not permitted */
#define HV_EXISTS              ((hv_return_t)0xfae94008) /* the object already exists */
#define HV_UNSUPPORTED         ((hv_return_t)0xfae9400f) /* the feature is not available */

/* Stage-2 permissions of a guest memory range (hv_vm_map, hv_vm_protect). */
typedef uint64_t hv_memory_flags_t;

enum {
    HV_MEMORY_READ = (1u << 0),  /* the guest may read */
    HV_MEMORY_WRITE = (1u << 1), /* the guest may write */
    HV_MEMORY_EXEC = (1u << 2),  /* the guest may execute */
};

#endif /* HVMODEL_HYPERVISOR_HV_KERN_TYPES_H */
