/*
 * mach/mach_time.h - Darwin's monotonic clock, as VMM sources use it.
 *
 * In hvmodel these functions read the model's virtual clock, never host time:
 * mach_absolute_time() counts ticks of a 24 MHz clock that advances with the
 * guest instructions the vCPUs retire (and with hvm_clock_advance()), the
 * same clock the guest's CNTVCT_EL0 and hv_vcpu_set_vtimer_offset() use. The
 * timebase is therefore 125/3 nanoseconds per tick. This keeps a VMM's timing
 * decisions deterministic across runs and hosts.
 */
#ifndef HVMODEL_COMPAT_MACH_MACH_TIME_H
#define HVMODEL_COMPAT_MACH_MACH_TIME_H

#include <stdint.h>

/* Darwin's kern_return_t is an int. */
#ifndef HVMODEL_HAVE_KERN_RETURN_T
#define HVMODEL_HAVE_KERN_RETURN_T 1
typedef int kern_return_t;
#endif
#ifndef KERN_SUCCESS
#define KERN_SUCCESS 0
#endif

/* Converts ticks to nanoseconds: ns = ticks * numer / denom. */
typedef struct mach_timebase_info {
    uint32_t numer;
    uint32_t denom;
} mach_timebase_info_data_t, *mach_timebase_info_t;

#ifdef __cplusplus
extern "C" {
#endif

/*
 * mach_absolute_time - the current time of the virtual clock, in ticks.
 *
 * On a thread that owns a vCPU this is that vCPU's time; on any other thread
 * the latest time any vCPU has reached; 0 before a VM exists.
 */
__attribute__((visibility("default"))) uint64_t mach_absolute_time(void);

/*
 * mach_timebase_info - the tick to nanosecond ratio.
 *
 * @info: receives numer = 125, denom = 3.
 *
 * Returns KERN_SUCCESS.
 *
 * The function shares its name with the structure, as on Darwin; g++ -Wshadow
 * would flag that in C++, so the warning is silenced for this one line.
 */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
__attribute__((visibility("default"))) kern_return_t mach_timebase_info(mach_timebase_info_t info);
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* HVMODEL_COMPAT_MACH_MACH_TIME_H */
