/*
 * hv.h - the VM, address spaces, vCPUs, registers, MSRs and time (x86
 * flavour).
 *
 * A process has at most one VM. Guest physical memory is host memory mapped
 * at a guest physical address with hv_vm_map(); a guest access outside every
 * mapping, or without the needed permission, exits with
 * VMX_REASON_EPT_VIOLATION. After hv_vcpu_run() returns, the VMM reads the
 * exit reason and details from the VMCS (<Hypervisor/hv_vmx.h>).
 *
 * Threads. A vCPU belongs to the thread that created it, and a thread owns at
 * most one vCPU at a time. Every function taking a hv_vcpuid_t must be called
 * on the owning thread, except hv_vcpu_interrupt(), which any thread may
 * call. The VM-wide functions (hv_vm_*, hv_capability, hv_tsc_clock) may be
 * called from any thread.
 *
 * Errors common to every function taking a hv_vcpuid_t, unless stated:
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  the calling thread does not own vcpu, or no such vCPU
 *                    exists (hvmodel's choice, unconfirmed on hardware), a
 *                    required pointer is NULL, or a register or option
 *                    argument is out of range.
 * Where Apple names no error code, the code hvmodel returns is marked
 * "hvmodel's choice"; these are unconfirmed on hardware. A failed call
 * changes nothing.
 *
 * The x86 flavour's implementation is in progress; these declarations fix its
 * names, values and ABI.
 */
#ifndef HVMODEL_HYPERVISOR_HV_H
#define HVMODEL_HYPERVISOR_HV_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_ARM64) && !defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: this header belongs to the x86 flavour (HVMODEL_FLAVOR_X86)"
#endif

#include <Hypervisor/hv_error.h>
#include <Hypervisor/hv_types.h>
#include <Hypervisor/hv_arch_x86.h>

HV_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Capabilities                                                              */
/* ------------------------------------------------------------------------- */

/*
 * hv_capability - query a limit of the framework (macOS 10.15+).
 *
 * @capability: HV_CAP_VCPUMAX or HV_CAP_ADDRSPACEMAX.
 * @value:      receives the limit. The numbers hvmodel reports are its own;
 *              those of the real framework are unconfirmed.
 *
 * Does not need a VM (hvmodel's choice). Returns HV_SUCCESS, or
 * HV_BAD_ARGUMENT if value is NULL or capability is unknown (hvmodel's
 * choice).
 */
HV_API hv_return_t hv_capability(hv_capability_t capability, uint64_t *value);

/* ------------------------------------------------------------------------- */
/* The VM                                                                    */
/* ------------------------------------------------------------------------- */

/*
 * hv_vm_create - create the process's VM.
 *
 * @flags: HV_VM_DEFAULT, optionally with HV_VM_SPECIFY_MITIGATIONS and
 *         HV_VM_MITIGATION_*_ENABLE bits, which are host side-channel
 *         settings and change nothing in the model (hvmodel's choice).
 *
 * Returns HV_SUCCESS, or
 *   HV_BUSY          a VM already exists; destroy it first (hvmodel's choice);
 *   HV_BAD_ARGUMENT  flags has unknown bits (hvmodel's choice);
 *   HV_UNSUPPORTED   flags has HV_VM_ACCEL_APIC: hvmodel has no in-kernel
 *                    interrupt controllers (hvmodel's choice);
 *   HV_NO_RESOURCES  memory is exhausted.
 * The real framework returns HV_DENIED when the process lacks the
 * com.apple.security.hypervisor entitlement; hvmodel has no entitlements.
 */
HV_API hv_return_t hv_vm_create(hv_vm_options_t flags);

/*
 * hv_vm_destroy - destroy the process's VM.
 *
 * Every vCPU must have been destroyed first. All address spaces and mappings
 * go with the VM; the host memory behind the mappings stays the caller's.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE  there is no VM (hvmodel's choice);
 *   HV_BUSY       vCPUs still exist (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_destroy(void);

/*
 * hv_vm_map - map host memory into the default address space.
 *
 * Maps the host range [uva, uva + size) at the guest range [gpa, gpa + size)
 * of HV_VM_SPACE_DEFAULT. The model uses the host memory in place: guest
 * stores appear in it and VMM stores are seen by the guest. It must stay
 * valid until unmapped; take it from mmap(), valloc() or hv_vm_allocate().
 *
 * @uva:   host address; a multiple of 4 KiB.
 * @gpa:   guest physical address; a multiple of 4 KiB.
 * @size:  bytes; a non-zero multiple of 4 KiB. The range must not wrap or
 *         overlap an existing mapping of the space.
 * @flags: any combination of HV_MEMORY_READ, HV_MEMORY_WRITE and
 *         HV_MEMORY_EXEC.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  uva is NULL; uva, gpa or size is misaligned; size is 0;
 *                    the range wraps or overlaps a mapping; flags has other
 *                    bits, including HV_MEMORY_UEXEC and HV_MEMORY_MAXPROT*,
 *                    whose meaning Apple does not document (the overlap and
 *                    flag codes are hvmodel's choice);
 *   HV_NO_RESOURCES  memory for the model's tables is exhausted.
 * Nothing is mapped on failure.
 */
HV_API hv_return_t hv_vm_map(hv_uvaddr_t uva, hv_gpaddr_t gpa, size_t size,
                             hv_memory_flags_t flags);

/*
 * hv_vm_unmap - remove guest physical memory from the default address space.
 *
 * The range may cover part of a mapping, a whole one or several adjacent
 * ones, but every page in it must be mapped. Guest accesses to it then exit
 * as EPT violations. The host memory is left untouched.
 *
 * @gpa:  guest physical address; a multiple of 4 KiB.
 * @size: bytes; a non-zero multiple of 4 KiB.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  gpa or size is misaligned, size is 0, the range wraps,
 *                    or part of it is not mapped (hvmodel's choice);
 *   HV_NO_RESOURCES  memory for the model's tables is exhausted.
 */
HV_API hv_return_t hv_vm_unmap(hv_gpaddr_t gpa, size_t size);

/*
 * hv_vm_protect - change the permissions of guest physical memory in the
 * default address space.
 *
 * Same range rules as hv_vm_unmap(). A guest access the new permissions
 * forbid exits as an EPT violation.
 *
 * @gpa:   guest physical address; a multiple of 4 KiB.
 * @size:  bytes; a non-zero multiple of 4 KiB.
 * @flags: the new permissions, as for hv_vm_map().
 *
 * Returns HV_SUCCESS, or HV_NO_DEVICE, HV_BAD_ARGUMENT or HV_NO_RESOURCES as
 * for hv_vm_unmap() (HV_BAD_ARGUMENT also for unknown flag bits).
 */
HV_API hv_return_t hv_vm_protect(hv_gpaddr_t gpa, size_t size, hv_memory_flags_t flags);

/* ------------------------------------------------------------------------- */
/* Address spaces (macOS 10.15+)                                             */
/* ------------------------------------------------------------------------- */

/*
 * hv_vm_space_create - create an additional guest physical address space.
 *
 * A space is a separate EPT: a vCPU moved into it with hv_vcpu_set_space()
 * sees only the mappings of that space.
 *
 * @asid: receives the id of the new space.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  asid is NULL;
 *   HV_NO_RESOURCES  the VM already has HV_CAP_ADDRSPACEMAX spaces, or
 *                    memory is exhausted.
 */
HV_API hv_return_t hv_vm_space_create(hv_vm_space_t *asid);

/*
 * hv_vm_space_destroy - destroy an address space and its mappings.
 *
 * @asid: a space from hv_vm_space_create().
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  asid is HV_VM_SPACE_DEFAULT or names no space
 *                    (hvmodel's choice);
 *   HV_BUSY          a vCPU is in the space (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_space_destroy(hv_vm_space_t asid);

/*
 * hv_vm_map_space - as hv_vm_map(), in the address space asid.
 *
 * Returns as hv_vm_map(); HV_BAD_ARGUMENT also if asid names no space
 * (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_map_space(hv_vm_space_t asid, hv_uvaddr_t uva, hv_gpaddr_t gpa,
                                   size_t size, hv_memory_flags_t flags);

/*
 * hv_vm_unmap_space - as hv_vm_unmap(), in the address space asid.
 *
 * Returns as hv_vm_unmap(); HV_BAD_ARGUMENT also if asid names no space
 * (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_unmap_space(hv_vm_space_t asid, hv_gpaddr_t gpa, size_t size);

/*
 * hv_vm_protect_space - as hv_vm_protect(), in the address space asid.
 *
 * Returns as hv_vm_protect(); HV_BAD_ARGUMENT also if asid names no space
 * (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_protect_space(hv_vm_space_t asid, hv_gpaddr_t gpa, size_t size,
                                       hv_memory_flags_t flags);

/* ------------------------------------------------------------------------- */
/* Memory allocation (macOS 12.0+)                                           */
/* ------------------------------------------------------------------------- */

/*
 * hv_vm_allocate - allocate zeroed, readable and writable memory to back
 * guest RAM.
 *
 * @uvap:  receives the address of the new memory, aligned to 4 KiB.
 * @size:  bytes; a non-zero multiple of 4 KiB.
 * @flags: HV_ALLOCATE_DEFAULT.
 *
 * Needs no VM; any thread. Returns HV_SUCCESS, or
 *   HV_BAD_ARGUMENT  uvap is NULL, size is 0 or misaligned, or flags is not
 *                    HV_ALLOCATE_DEFAULT;
 *   HV_NO_RESOURCES  the host cannot provide the memory.
 * Free the memory with hv_vm_deallocate().
 */
HV_API hv_return_t hv_vm_allocate(void **uvap, size_t size, hv_allocate_flags_t flags);

/*
 * hv_vm_deallocate - free memory from hv_vm_allocate().
 *
 * Unmap the memory from every address space first.
 *
 * @uva:  the address hv_vm_allocate() returned.
 * @size: the size that was passed to hv_vm_allocate().
 *
 * Returns HV_SUCCESS, or HV_BAD_ARGUMENT if uva and size do not describe a
 * block that hv_vm_allocate() returned (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_deallocate(void *uva, size_t size);

/* ------------------------------------------------------------------------- */
/* Time                                                                      */
/* ------------------------------------------------------------------------- */

/*
 * hv_vm_sync_tsc - set the guest TSC of every vCPU to the same value.
 *
 * @tsc: the new TSC value.
 *
 * Any thread. Returns HV_SUCCESS, or HV_NO_DEVICE if there is no VM
 * (hvmodel's choice).
 */
HV_API hv_return_t hv_vm_sync_tsc(uint64_t tsc);

/*
 * hv_tsc_clock - the clock that HV_VCPU_TSC_RELATIVE vCPUs follow (macOS
 * 11.0+).
 *
 * A monotonic count at the TSC rate, offset by a constant of the
 * implementation. In hvmodel it counts the model's virtual time, never host
 * time. Call it only while the VM exists; without a VM it returns 0
 * (hvmodel's choice).
 */
HV_API uint64_t hv_tsc_clock(void);

/*
 * hv_vcpu_set_tsc_relative - make the vCPU's TSC hv_tsc_clock() + offset
 * (macOS 11.0+).
 *
 * @vcpu:   a vCPU created with HV_VCPU_TSC_RELATIVE.
 * @offset: added to hv_tsc_clock() to give the guest TSC.
 *
 * Owning thread only (hvmodel's choice; Apple's header has no thread note).
 * Returns HV_SUCCESS or one of the common errors (HV_BAD_ARGUMENT also for a
 * vCPU created without HV_VCPU_TSC_RELATIVE, hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_set_tsc_relative(hv_vcpuid_t vcpu, int64_t offset);

/* ------------------------------------------------------------------------- */
/* Port I/O notifiers (macOS 11.0+)                                          */
/* ------------------------------------------------------------------------- */

/*
 * hv_vm_add_pio_notifier - turn matching guest port writes into Mach messages.
 *
 * On macOS a guest OUT to addr of size bytes with value (widened by
 * HV_ION_ANY_VALUE and HV_ION_ANY_SIZE) no longer exits; an hv_ion_message_t
 * is sent to mach_port instead. One notifier per port address.
 *
 * @addr:      the I/O port.
 * @size:      1, 2 or 4.
 * @value:     the value to match.
 * @mach_port: a port with send rights.
 * @flags:     HV_ION_* bits.
 *
 * hvmodel has no Mach IPC: returns HV_UNSUPPORTED, or HV_NO_DEVICE if there
 * is no VM (hvmodel's choice for both).
 */
HV_API hv_return_t hv_vm_add_pio_notifier(uint16_t addr, size_t size, uint32_t value,
                                          mach_port_t mach_port, hv_ion_flags_t flags);

/*
 * hv_vm_remove_pio_notifier - remove a notifier; the arguments must be those
 * it was added with.
 *
 * hvmodel has no Mach IPC: returns HV_UNSUPPORTED, or HV_NO_DEVICE if there
 * is no VM (hvmodel's choice for both).
 */
HV_API hv_return_t hv_vm_remove_pio_notifier(uint16_t addr, size_t size, uint32_t value,
                                             mach_port_t mach_port, hv_ion_flags_t flags);

/* ------------------------------------------------------------------------- */
/* vCPU lifecycle and running                                                */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_create - create a vCPU owned by the calling thread.
 *
 * The new vCPU is in HV_VM_SPACE_DEFAULT. Its initial guest state is
 * undocumented by Apple; hvmodel starts it in the x86 power-on state
 * (hvmodel's choice). A VMM sets every guest field it relies on.
 *
 * @vcpu:  receives the new vCPU's id.
 * @flags: HV_VCPU_DEFAULT, or HV_VCPU_ACCEL_RDPMC and/or
 *         HV_VCPU_TSC_RELATIVE.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BUSY          the calling thread already owns a vCPU (hvmodel's choice);
 *   HV_NO_RESOURCES  the VM already has HV_CAP_VCPUMAX vCPUs, or memory is
 *                    exhausted;
 *   HV_BAD_ARGUMENT  vcpu is NULL or flags has unknown bits.
 */
HV_API hv_return_t hv_vcpu_create(hv_vcpuid_t *vcpu, hv_vcpu_options_t flags);

/*
 * hv_vcpu_destroy - destroy a vCPU.
 *
 * Its id becomes free for reuse and the calling thread may create another
 * vCPU. Owning thread only.
 *
 * @vcpu: the vCPU to destroy.
 *
 * Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_destroy(hv_vcpuid_t vcpu);

/*
 * hv_vcpu_set_space - move a vCPU to another address space (macOS 10.15+).
 *
 * @vcpu: the vCPU.
 * @asid: a space from hv_vm_space_create(), or HV_VM_SPACE_DEFAULT.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also if asid names no space, hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_set_space(hv_vcpuid_t vcpu, hv_vm_space_t asid);

/*
 * hv_vcpu_run - run the guest until the next VM exit.
 *
 * Every exit is a normal outcome and returns HV_SUCCESS; the VMM then reads
 * VMCS_RO_EXIT_REASON and the other exit-information fields, and for an
 * instruction it emulated advances HV_X86_RIP by VMCS_RO_VMEXIT_INSTR_LEN.
 * Unlike hv_vcpu_run_until(), this also returns for exits the framework
 * could have handled itself: VMX_REASON_IRQ for host interrupts and EPT
 * violations on memory that is mapped; the VMM simply runs again. A VM entry
 * that fails because of invalid guest state is reported as an exit too: bit
 * 31 of VMCS_RO_EXIT_REASON set, basic reason VMX_REASON_VMENTRY_GUEST.
 * If hv_vcpu_interrupt() named this vCPU while it was not running, the call
 * exits at once with VMX_REASON_IRQ without running the guest (hvmodel's
 * choice). Owning thread only.
 *
 * @vcpu: the vCPU to run.
 *
 * Returns HV_SUCCESS or one of the common errors; the guest did not run then.
 */
HV_API hv_return_t hv_vcpu_run(hv_vcpuid_t vcpu);

/*
 * hv_vcpu_run_until - run the guest until an exit that needs the VMM, or
 * until a deadline (macOS 10.15+).
 *
 * Exits the framework handles itself do not return. With a deadline other
 * than HV_DEADLINE_FOREVER the call returns once the deadline has passed,
 * with exit reason VMX_REASON_VMX_TIMER_EXPIRED (hvmodel's choice; the
 * reason on hardware is unconfirmed). Owning thread only.
 *
 * @vcpu:     the vCPU to run.
 * @deadline: mach_absolute_time() value, or HV_DEADLINE_FOREVER.
 *
 * Returns HV_SUCCESS or one of the common errors. The real framework returns
 * HV_UNSUPPORTED for a finite deadline on hosts without a VMX preemption
 * timer; the model always has one.
 */
HV_API hv_return_t hv_vcpu_run_until(hv_vcpuid_t vcpu, uint64_t deadline);

/*
 * hv_vcpu_interrupt - force vCPUs out of hv_vcpu_run() at once.
 *
 * Each listed vCPU that is running exits with VMX_REASON_IRQ (hvmodel's
 * choice; unconfirmed on hardware); one that is not running exits so from
 * its next run instead (hvmodel's choice, as for arm64's hv_vcpus_exit()).
 * Any thread may call this.
 *
 * @vcpus:      array of vCPU ids.
 * @vcpu_count: number of ids in the array.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  vcpus is NULL while vcpu_count is not 0, or an id names
 *                    no vCPU; no vCPU is interrupted then (hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_interrupt(hv_vcpuid_t *vcpus, unsigned int vcpu_count);

/*
 * hv_vcpu_get_exec_time - how long the vCPU has run guest code.
 *
 * @vcpu: the vCPU to query.
 * @time: receives the cumulative time in nanoseconds. In hvmodel this is
 *        virtual time (what the retired guest instructions account for),
 *        never host time.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_exec_time(hv_vcpuid_t vcpu, uint64_t *time);

/*
 * hv_vcpu_get_idle_time - how long the framework spent emulating idling
 * instructions such as HLT for the vCPU (macOS 12.0+).
 *
 * @vcpu: the vCPU to query.
 * @time: receives the cumulative time in nanoseconds; 0 in hvmodel, which
 *        always hands HLT to the VMM (hvmodel's choice).
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_idle_time(hv_vcpuid_t vcpu, uint64_t *time);

/*
 * hv_vcpu_flush - deprecated in macOS 11.0; has no effect.
 *
 * @vcpu: the vCPU.
 *
 * Always returns HV_UNSUPPORTED, as the real framework does since 11.0.
 */
HV_API hv_return_t hv_vcpu_flush(hv_vcpuid_t vcpu);

/*
 * hv_vcpu_invalidate_tlb - invalidate the vCPU's cached translations.
 *
 * @vcpu: the vCPU.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_invalidate_tlb(hv_vcpuid_t vcpu);

/*
 * hv_vcpu_vmx_status - the outcome of the vCPU's last failed VM entry
 * instruction (macOS 12.0+).
 *
 * @vcpu:   the vCPU.
 * @status: receives the ZF and CF bits of RFLAGS after the failed entry.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors;
 * HV_ERROR if the vCPU has never run or no entry has failed.
 */
HV_API hv_return_t hv_vcpu_vmx_status(hv_vcpuid_t vcpu, uint32_t *status);

/* ------------------------------------------------------------------------- */
/* Registers and FPU state                                                   */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_read_register - read an architectural register.
 *
 * @vcpu:  the vCPU.
 * @reg:   HV_X86_RIP .. HV_X86_XCR0. Segment entries give the selector.
 * @value: receives the value, zero-extended.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg >= HV_X86_REGISTERS_MAX).
 */
HV_API hv_return_t hv_vcpu_read_register(hv_vcpuid_t vcpu, hv_x86_reg_t reg, uint64_t *value);

/*
 * hv_vcpu_write_register - write an architectural register.
 *
 * RIP, RSP, RFLAGS, the control registers and DR7 write the matching guest
 * VMCS field.
 *
 * @vcpu:  the vCPU.
 * @reg:   HV_X86_RIP .. HV_X86_XCR0. Segment entries set the selector.
 * @value: the new value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg >= HV_X86_REGISTERS_MAX).
 */
HV_API hv_return_t hv_vcpu_write_register(hv_vcpuid_t vcpu, hv_x86_reg_t reg, uint64_t value);

/*
 * hv_vcpu_read_fpstate - read the FPU, SSE and AVX state.
 *
 * The state is an XSAVE image in the framework's layout and size, which on
 * macOS are those of the host. hvmodel's choice: a 4096-byte XSAVE-format
 * area with the legacy FXSAVE region at offset 0 (the size clients such as
 * QEMU use); the size check is unconfirmed on hardware.
 *
 * @vcpu:   the vCPU.
 * @buffer: receives the image; 16-byte aligned is advisable, not required.
 * @size:   bytes at buffer; 4096.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for any other size, hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_read_fpstate(hv_vcpuid_t vcpu, void *buffer, size_t size);

/*
 * hv_vcpu_write_fpstate - write the FPU, SSE and AVX state.
 *
 * @vcpu:   the vCPU.
 * @buffer: an image as hv_vcpu_read_fpstate() gives it.
 * @size:   bytes at buffer; 4096.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for any other size or an image with reserved bits
 * set, hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_write_fpstate(hv_vcpuid_t vcpu, void *buffer, size_t size);

/* ------------------------------------------------------------------------- */
/* MSRs                                                                      */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_enable_native_msr - let the guest access an MSR without exits.
 *
 * The framework saves and restores the MSR around guest execution. The MSRs
 * that may be passed through include HV_MSR_IA32_STAR, LSTAR, CSTAR, FMASK,
 * FS_BASE, GS_BASE, KERNEL_GS_BASE, TSC_AUX, TSC and SYSENTER_CS/EIP/ESP.
 * With enable false, guest accesses exit again (VMX_REASON_RDMSR/WRMSR).
 *
 * @vcpu:   the vCPU.
 * @msr:    the MSR number.
 * @enable: true to pass the MSR through, false to trap it.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an MSR outside that list, hvmodel's choice).
 */
HV_API hv_return_t hv_vcpu_enable_native_msr(hv_vcpuid_t vcpu, uint32_t msr, bool enable);

/*
 * hv_vcpu_enable_managed_msr - bind a managed MSR (performance monitoring,
 * last-branch records, speculation control) to the vCPU (macOS 11.0+).
 *
 * hvmodel does not model these MSRs: returns HV_UNSUPPORTED after the common
 * checks (hvmodel's choice).
 *
 * @vcpu:   the vCPU.
 * @msr:    the MSR number, one of the HV_MSR_* constants.
 * @enable: true to bind, false to unbind (removing guest access).
 */
HV_API hv_return_t hv_vcpu_enable_managed_msr(hv_vcpuid_t vcpu, uint32_t msr, bool enable);

/*
 * hv_vcpu_set_msr_access - grant or remove native guest RDMSR/WRMSR of a
 * managed MSR (macOS 11.0+).
 *
 * hvmodel does not model managed MSRs: returns HV_UNSUPPORTED after the
 * common checks (hvmodel's choice).
 *
 * @vcpu:  the vCPU.
 * @msr:   the MSR number.
 * @flags: HV_MSR_NONE, or HV_MSR_READ and/or HV_MSR_WRITE.
 */
HV_API hv_return_t hv_vcpu_set_msr_access(hv_vcpuid_t vcpu, uint32_t msr, hv_msr_flags_t flags);

/*
 * hv_vcpu_read_msr - read the guest value of an MSR.
 *
 * @vcpu:  the vCPU.
 * @msr:   the MSR number.
 * @value: receives the value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an MSR the model does not hold, hvmodel's
 * choice).
 */
HV_API hv_return_t hv_vcpu_read_msr(hv_vcpuid_t vcpu, uint32_t msr, uint64_t *value);

/*
 * hv_vcpu_write_msr - write the guest value of an MSR.
 *
 * @vcpu:  the vCPU.
 * @msr:   the MSR number.
 * @value: the new value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT also for an MSR the model does not hold, hvmodel's
 * choice).
 */
HV_API hv_return_t hv_vcpu_write_msr(hv_vcpuid_t vcpu, uint32_t msr, uint64_t value);

/* ------------------------------------------------------------------------- */
/* In-kernel interrupt controllers (macOS 12.0+, HV_VM_ACCEL_APIC)           */
/* ------------------------------------------------------------------------- */

/*
 * These functions drive the local APICs, IOAPIC and 8259 pair that the
 * framework emulates for a VM created with HV_VM_ACCEL_APIC. hvmodel does not
 * model them (hv_vm_create() refuses HV_VM_ACCEL_APIC), so every one of them
 * returns HV_UNSUPPORTED when a VM exists and HV_NO_DEVICE when none does
 * (hvmodel's choice for both). They are declared so that VMM sources using
 * them compile. hv_vcpu_* functions are for the owning thread, except as
 * noted; the hv_vm_* functions may be called from any thread.
 */

/* Send interrupt vector to vcpu's local APIC; any thread. */
HV_API hv_return_t hv_vm_lapic_set_intr(hv_vcpuid_t vcpu, uint8_t vector,
                                        hv_apic_intr_trigger_t trig);
/* Deliver a message-signalled interrupt (address and data as the guest wrote them). */
HV_API hv_return_t hv_vm_lapic_msi(uint64_t addr, uint64_t data);
/* Raise, lower or pulse IOAPIC input pin intin. */
HV_API hv_return_t hv_vm_ioapic_assert_irq(int intin);
HV_API hv_return_t hv_vm_ioapic_deassert_irq(int intin);
HV_API hv_return_t hv_vm_ioapic_pulse_irq(int intin);
/* Read or write an IOAPIC register through its guest physical address. */
HV_API hv_return_t hv_vm_ioapic_read(hv_gpaddr_t gpa, uint32_t *datap);
HV_API hv_return_t hv_vm_ioapic_write(hv_gpaddr_t gpa, uint32_t data);
/* Save or restore the IOAPIC; set state->version first. */
HV_API hv_return_t hv_vm_ioapic_get_state(hv_ioapic_state_ext_t *state);
HV_API hv_return_t hv_vm_ioapic_put_state(const hv_ioapic_state_ext_t *state);
/* Deliver an interrupt described in IOAPIC redirection-entry format. */
HV_API hv_return_t hv_vm_send_ioapic_intr(uint64_t data);
/* Raise or lower 8259 input irq. */
HV_API hv_return_t hv_vm_atpic_assert_irq(int irq);
HV_API hv_return_t hv_vm_atpic_deassert_irq(int irq);
/* Emulate a guest IN or OUT on an 8259 port. */
HV_API hv_return_t hv_vm_atpic_port_read(int port, uint8_t *valuep);
HV_API hv_return_t hv_vm_atpic_port_write(int port, uint8_t value);
/* Save or restore the primary or secondary 8259; set state->version first. */
HV_API hv_return_t hv_vm_atpic_get_state(hv_atpic_state_ext_t *state, bool is_primary);
HV_API hv_return_t hv_vm_atpic_put_state(const hv_atpic_state_ext_t *state, bool is_primary);
/* Set the APIC bus (timer) frequency, 16 MHz to 2 GHz, while the VM has no vCPUs. */
HV_API hv_return_t hv_vm_set_apic_bus_freq(uint64_t freq);
/* Queue one ExtINT for the vCPU. */
HV_API hv_return_t hv_vcpu_inject_extint(hv_vcpuid_t vcpu);
/* Read or write a local APIC register by its offset in the APIC page. */
HV_API hv_return_t hv_vcpu_apic_read(hv_vcpuid_t vcpu, uint32_t offset, uint32_t *data);
HV_API hv_return_t hv_vcpu_apic_write(hv_vcpuid_t vcpu, uint32_t offset, uint32_t data,
                                      bool *no_side_effect);
/* Save or restore the local APIC; set state->version first. */
HV_API hv_return_t hv_vcpu_apic_get_state(hv_vcpuid_t vcpu, hv_apic_state_ext_t *state);
HV_API hv_return_t hv_vcpu_apic_put_state(hv_vcpuid_t vcpu, const hv_apic_state_ext_t *state);
/* Why the last exit needs the VMM, and the details of each kind of exit. */
HV_API hv_return_t hv_vcpu_exit_info(hv_vcpuid_t vcpu, hv_vm_exitinfo_t *code);
HV_API hv_return_t hv_vcpu_exit_init_ap(hv_vcpuid_t vcpu, bool is_actv[], unsigned count);
HV_API hv_return_t hv_vcpu_exit_startup_ap(hv_vcpuid_t vcpu, bool is_actv[], unsigned count,
                                           uint64_t *ap_rip);
HV_API hv_return_t hv_vcpu_exit_ioapic_eoi(hv_vcpuid_t vcpu, uint8_t *vec);
HV_API hv_return_t hv_vcpu_exit_apic_access_read(hv_vcpuid_t vcpu, uint32_t *value);
HV_API hv_return_t hv_vcpu_exit_inject_excp(hv_vcpuid_t vcpu, uint8_t *vec, bool *valid,
                                            uint32_t *code, bool *restart);
/* Describe a load/store instruction that accesses the APIC page, for the framework to complete. */
HV_API hv_return_t hv_vcpu_apic_lsc_enter_r32(hv_vcpuid_t vcpu, bool is_load, uint64_t rip,
                                              unsigned ilen, uint16_t cs, hv_x86_reg_t reg,
                                              uint64_t uva[], unsigned count);
HV_API hv_return_t hv_vcpu_apic_lsc_enter_imm32(hv_vcpuid_t vcpu, uint64_t rip, unsigned ilen,
                                                uint16_t cs, uint32_t imm32, uint64_t uva[],
                                                unsigned count);
HV_API hv_return_t hv_vcpu_apic_lsc_invalidate(hv_vcpuid_t vcpu);
/* Choose which APIC events the framework handles (hv_apic_ctrl_t bits). */
HV_API hv_return_t hv_vcpu_apic_ctrl(hv_vcpuid_t vcpu, hv_apic_ctrl_t ctrls);
/* Fire a local vector table entry; only HV_APIC_LVT_FLAVOR_TIMER. */
HV_API hv_return_t hv_vcpu_apic_trigger_lvt(hv_vcpuid_t vcpu, hv_apic_lvt_flavor_t flavor);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_H */
