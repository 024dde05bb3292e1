/*
 * hv_base.h - macros shared by every hvmodel Hypervisor.framework header.
 *
 * Holds the flavour check, the C linkage and symbol visibility macros, and
 * empty stand-ins for the Darwin annotation macros (availability, nullability,
 * OS_ENUM, OS_OBJECT_DECL) that macOS VMM sources and Apple's headers use.
 * Nothing here is specific to one flavour.
 */
#ifndef HVMODEL_HYPERVISOR_HV_BASE_H
#define HVMODEL_HYPERVISOR_HV_BASE_H

/*
 * The system headers come first: on glibc they define __nonnull as a
 * function-like attribute macro, which must win over the Darwin spelling below.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clang-format off */
#if defined(HVMODEL_FLAVOR_ARM64) && defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: HVMODEL_FLAVOR_ARM64 and HVMODEL_FLAVOR_X86 are both defined; a program uses exactly one Hypervisor.framework flavour."
#endif
#if !defined(HVMODEL_FLAVOR_ARM64) && !defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: no Hypervisor.framework flavour selected. Link the CMake target hvmodel::arm64, use 'pkg-config --cflags hvmodel-arm64', or define HVMODEL_FLAVOR_ARM64=1."
#endif
/* clang-format on */

/* C linkage for every declaration, so C++ VMM sources link against the C library. */
#ifdef __cplusplus
#define HV_BEGIN_DECLS extern "C" {
#define HV_END_DECLS   }
#else
#define HV_BEGIN_DECLS
#define HV_END_DECLS
#endif

/*
 * Marks a public entry point. The library is built with hidden visibility by
 * default, so only declarations carrying HV_API are exported.
 */
#define HV_API __attribute__((visibility("default")))

/* Compile-time checks usable from both C11 and C++11 headers. */
#ifdef __cplusplus
#define HV_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define HV_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/*
 * Availability annotations. On macOS they attach OS-version attributes; the
 * model implements every listed API, so they carry no meaning here.
 */
#ifndef API_AVAILABLE
#define API_AVAILABLE(...)
#endif
#ifndef API_UNAVAILABLE
#define API_UNAVAILABLE(...)
#endif
#ifndef API_DEPRECATED
#define API_DEPRECATED(...)
#endif
#ifndef API_DEPRECATED_WITH_REPLACEMENT
#define API_DEPRECATED_WITH_REPLACEMENT(...)
#endif
#ifndef __API_AVAILABLE
#define __API_AVAILABLE(...)
#endif
#ifndef __API_UNAVAILABLE
#define __API_UNAVAILABLE(...)
#endif
#ifndef __API_DEPRECATED
#define __API_DEPRECATED(...)
#endif
#ifndef __OSX_AVAILABLE
#define __OSX_AVAILABLE(...)
#endif
#ifndef __OSX_AVAILABLE_STARTING
#define __OSX_AVAILABLE_STARTING(...)
#endif

/*
 * Nullability qualifiers. clang knows _Nullable and friends as keywords and
 * keeps them; other compilers get empty macros. On glibc, __nonnull is already
 * glibc's own attribute macro (it takes an argument list), so the Darwin
 * qualifier spelling __nonnull cannot be offered there: write _Nonnull instead.
 */
#if defined(__has_feature)
#if __has_feature(nullability)
#define HVMODEL_HAS_NULLABILITY 1
#endif
#endif
#ifndef HVMODEL_HAS_NULLABILITY
#ifndef _Nullable
#define _Nullable
#endif
#ifndef _Nonnull
#define _Nonnull
#endif
#ifndef _Null_unspecified
#define _Null_unspecified
#endif
#endif
#ifndef __nullable
#define __nullable _Nullable
#endif
#if !defined(__nonnull) && !defined(__GLIBC__)
#define __nonnull _Nonnull
#endif
#ifndef __null_unspecified
#define __null_unspecified _Null_unspecified
#endif
#ifndef OS_ASSUME_NONNULL_BEGIN
#define OS_ASSUME_NONNULL_BEGIN
#endif
#ifndef OS_ASSUME_NONNULL_END
#define OS_ASSUME_NONNULL_END
#endif

/*
 * OS_ENUM(name, type, constants...) declares the constants and a typedef
 * name_t of the given fixed-width storage type, so sizeof(name_t) is the size
 * of the storage type and not that of an enum. The hvmodel headers spell this
 * out by hand; the macro is here for VMM sources that use it.
 */
#ifndef OS_ENUM
#define OS_ENUM(name, type, ...)                                                                   \
    enum { __VA_ARGS__ };                                                                          \
    typedef type name##_t
#endif

/*
 * Opaque object handles. Under Darwin these are reference-counted OS objects;
 * in C they are pointers to incomplete structures, released with os_release().
 */
#define HV_OBJECT_DECL(name) typedef struct name##_s *name##_t
#ifndef OS_OBJECT_DECL
#define OS_OBJECT_DECL(name, ...) HV_OBJECT_DECL(name)
#endif

HV_BEGIN_DECLS

/*
 * Reference counting for the hv_*_config_t and hv_gic_state_t objects, as
 * <os/object.h> declares it on macOS. Objects returned by the *_create
 * functions start with one reference; os_release() drops one and frees the
 * object when none remain. os_retain() adds one and returns its argument.
 */
#ifndef HVMODEL_OS_OBJECT_DECLARED
#define HVMODEL_OS_OBJECT_DECLARED 1
HV_API void *os_retain(void *object);
HV_API void os_release(void *object);
#endif

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_BASE_H */
