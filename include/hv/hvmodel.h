/*
 * hvmodel.h — hvmodel's own extensions to the Hypervisor.framework API.
 *
 * Everything here is prefixed hvm_ and exists only in the model: the virtual
 * clock, model configuration, and introspection a VMM test may want. A VMM
 * that only uses Apple's API never needs this header.
 */
#ifndef HVMODEL_H
#define HVMODEL_H

#include <stdint.h>

#include <Hypervisor/Hypervisor.h>

/* A vCPU id as the flavour's own API spells it. */
#if defined(HVMODEL_FLAVOR_X86)
typedef hv_vcpuid_t hvm_vcpu_t;
#else
typedef hv_vcpu_t hvm_vcpu_t;
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define HVM_EXPORT __attribute__((visibility("default")))

/* Frequency of the virtual clock (mach_absolute_time, CNTVCT_EL0), in Hz. */
#define HVM_CLOCK_FREQUENCY 24000000u

/* Default number of retired guest instructions per virtual clock tick. */
#define HVM_DEFAULT_INSNS_PER_TICK 40u

/* The name of an hv_return_t ("HV_BAD_ARGUMENT", ...); never NULL. */
HVM_EXPORT const char *hvm_strerror(hv_return_t ret);

/* The model's version string, e.g. "0.1.0 (unicorn 2.1.4)". */
HVM_EXPORT const char *hvm_version(void);

/*
 * Virtual clock. There is no host time in a run: time advances only as guest
 * instructions retire (insns_per_tick of them make one 24 MHz tick) and when
 * the VMM skips idle time with hvm_clock_advance().
 *
 * hvm_clock_now() is what the model's mach_absolute_time() returns: on a
 * thread that owns a vCPU, that vCPU's time; elsewhere the latest time of any
 * vCPU; 0 before the VM exists.
 */
HVM_EXPORT uint64_t hvm_clock_now(void);

/* Moves the VM's clock forward by `ticks` (for example to the vtimer deadline
 * while the guest waits in WFI). HV_NO_DEVICE without a VM.
 *
 * arm64 VMs with the in-framework GIC and more than one vCPU: called on a
 * vCPU's thread, it makes that
 * vCPU idle instead: its next hv_vcpu_run lets the other vCPUs run until
 * their clocks reach its own plus `ticks`, or until an interrupt becomes
 * pending for it, whichever comes first (the VMM's way to wait in WFI). The
 * vCPUs run one at a time, in an order set by their instruction counts
 * (docs/arm64.md, "Several vCPUs"). */
HVM_EXPORT hv_return_t hvm_clock_advance(uint64_t ticks);

/* Sets the instructions-per-tick ratio of the next VM (1..1000000).
 * HV_BUSY while a VM exists, HV_BAD_ARGUMENT out of range. */
HVM_EXPORT hv_return_t hvm_set_insns_per_tick(uint32_t insns_per_tick);

/* Guest instructions the vCPU has retired (owner thread only). */
HVM_EXPORT hv_return_t hvm_vcpu_get_instruction_count(hvm_vcpu_t vcpu, uint64_t *count);

/*
 * Traces (trace/FORMAT.md). Recording is switched on without code changes by
 * the environment variable HVMODEL_TRACE=path (read at hv_vm_create; a second
 * VM in the same process records to path.1, then path.2 ...), or by calling
 * hvm_trace_start(path) before hv_vm_create. The trace ends cleanly at
 * hv_vm_destroy or hvm_trace_stop(); a killed process leaves a valid prefix.
 * `hvtrace replay` reruns it.
 *
 * While recording, the model tracks the guest memory the VMM writes by
 * write-protecting the VMM's view of it between runs; it installs a SIGSEGV
 * handler for that, chained to the previous one.
 */
/* HV_BUSY if a VM exists (the trace must start with it), HV_BAD_ARGUMENT for
 * a NULL or empty path. */
HVM_EXPORT hv_return_t hvm_trace_start(const char *path);
/* Ends the recording now. HV_BAD_ARGUMENT if none is under way. */
HVM_EXPORT hv_return_t hvm_trace_stop(void);

/* Reads guest memory at a guest *virtual* address through the vCPU's current
 * translation (owner thread), e.g. to disassemble at PC. HV_BAD_ARGUMENT if
 * any byte is not readable. */
HVM_EXPORT hv_return_t hvm_vcpu_read_guest(hvm_vcpu_t vcpu, uint64_t va, void *buf, size_t len);

/* For replay tools: the vCPU's next run returns CANCELED once its
 * instruction count reaches icount (owner thread) — at the first block
 * boundary at or after it, which is exactly icount for a count taken from a
 * trace's CANCELED exit. */
HVM_EXPORT hv_return_t hvm_replay_cancel_at(hvm_vcpu_t vcpu, uint64_t icount);

/* Tells the model the VMM changed guest memory at [host, host + len) behind
 * its back while not recording (for example to load new code into a running
 * VM): the engines drop their translations of it. HV_NO_DEVICE without a VM. */
HVM_EXPORT hv_return_t hvm_notify_vmm_write(const void *host, size_t len);

#ifdef __cplusplus
}
#endif

#endif
