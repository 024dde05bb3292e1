/*
 * os/object.h - the part of Darwin's <os/object.h> that VMM sources use.
 *
 * Declares os_retain() and os_release(), which hvmodel implements for its
 * configuration and state objects (hv_vm_config_t, hv_vcpu_config_t,
 * hv_gic_config_t, hv_gic_state_t), and OS_OBJECT_DECL for declaring opaque
 * object handles. The Hypervisor headers declare the same two functions
 * (once, whichever header comes first), so either or both may be included.
 */
#ifndef HVMODEL_COMPAT_OS_OBJECT_H
#define HVMODEL_COMPAT_OS_OBJECT_H

#ifndef OS_OBJECT_DECL
#define OS_OBJECT_DECL(name, ...) typedef struct name##_s *name##_t
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * os_retain - add a reference to an object and return it.
 * os_release - drop a reference; the object is freed when none remain.
 *
 * Objects returned by the hv_*_create functions start with one reference.
 */
#ifndef HVMODEL_OS_OBJECT_DECLARED
#define HVMODEL_OS_OBJECT_DECLARED 1
__attribute__((visibility("default"))) void *os_retain(void *object);
__attribute__((visibility("default"))) void os_release(void *object);
#endif

#ifdef __cplusplus
}
#endif

#endif /* HVMODEL_COMPAT_OS_OBJECT_H */
