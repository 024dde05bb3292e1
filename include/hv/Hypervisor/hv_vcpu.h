/*
 * hv_vcpu.h - vCPUs: creation, running, registers, interrupts, timers, debug
 * traps and SME state (arm64 flavour).
 *
 * Threads. A vCPU belongs to the thread that created it, and a thread owns at
 * most one vCPU at a time. Every function here must be called on the owning
 * thread, except hv_vcpus_exit(), which any thread may call. (Apple's headers
 * say nothing about threads for the vtimer mask and offset functions; hvmodel
 * applies the owning-thread rule to them as well.) Drive a vCPU from one
 * dedicated thread, not from a dispatch queue that may change threads.
 *
 * Errors common to every function taking a hv_vcpu_t, unless stated:
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  the calling thread does not own vcpu, or no such vCPU
 *                    exists (hvmodel's choice for the wrong-thread case; the
 *                    real code is unconfirmed), a required pointer is NULL,
 *                    or a register or type argument is out of range.
 * Where Apple names no error code the one hvmodel returns is marked
 * "hvmodel's choice"; these are unconfirmed on hardware. A failed call
 * changes nothing.
 */
#ifndef HVMODEL_HYPERVISOR_HV_VCPU_H
#define HVMODEL_HYPERVISOR_HV_VCPU_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)
#error "hvmodel: this header belongs to the arm64 flavour (HVMODEL_FLAVOR_ARM64)"
#endif

#include <Hypervisor/hv_kern_types.h>
#include <Hypervisor/hv_vcpu_types.h>
#include <Hypervisor/hv_vm_types.h>

HV_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Lifecycle and running                                                     */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_create - create a vCPU owned by the calling thread.
 *
 * If the VM has a GIC it must have been created before the first vCPU.
 *
 * @vcpu:   receives the new vCPU's id, the lowest free one.
 * @exit:   receives a pointer to the vCPU's exit record, which hv_vcpu_run()
 *          fills in. It stays valid until the vCPU is destroyed.
 * @config: a configuration from hv_vcpu_config_create(), or NULL for the
 *          defaults. The caller still owns it.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BUSY          the calling thread already owns a vCPU (hvmodel's choice);
 *   HV_NO_RESOURCES  the VM already has hv_vm_get_max_vcpu_count() vCPUs, or
 *                    memory is exhausted;
 *   HV_BAD_ARGUMENT  vcpu or exit is NULL.
 */
HV_API hv_return_t hv_vcpu_create(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config);

/*
 * hv_vcpu_destroy - destroy a vCPU.
 *
 * Its exit record becomes invalid and its id free for reuse; the calling
 * thread may then create another vCPU. Owning thread only.
 *
 * @vcpu: the vCPU to destroy.
 *
 * Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_destroy(hv_vcpu_t vcpu);

/*
 * hv_vcpu_run - run the guest on a vCPU until it needs the VMM.
 *
 * Blocks until the next exit, then fills in the vCPU's exit record: reason,
 * and for HV_EXIT_REASON_EXCEPTION the syndrome and addresses. An exit is a
 * normal outcome and returns HV_SUCCESS; the error codes below mean the call
 * itself failed and the guest did not run.
 *
 * What the VMM finds on each exit: for trapped instructions (data aborts,
 * MSR/MRS, WFx, SMC, BRK) PC still points at the instruction, so the VMM
 * advances it by 4 after emulating; for HVC it points after the HVC. A pending
 * interrupt set with hv_vcpu_set_pending_interrupt() is cleared when the call
 * returns. If hv_vcpus_exit() named this vCPU while it was not running, the
 * call returns HV_EXIT_REASON_CANCELED at once without entering the guest.
 * Owning thread only.
 *
 * @vcpu: the vCPU to run.
 *
 * Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_run(hv_vcpu_t vcpu);

/*
 * hv_vcpus_exit - make vCPUs leave hv_vcpu_run().
 *
 * Each listed vCPU that is running returns from hv_vcpu_run() with
 * HV_EXIT_REASON_CANCELED; one that is not running returns CANCELED from its
 * next hv_vcpu_run() instead. Requests made before that run coalesce into a
 * single CANCELED exit (hvmodel's choice). Any thread may call this.
 *
 * @vcpus:      array of vCPU ids.
 * @vcpu_count: number of ids in the array.
 *
 * Returns HV_SUCCESS, or
 *   HV_NO_DEVICE     there is no VM (hvmodel's choice);
 *   HV_BAD_ARGUMENT  vcpus is NULL while vcpu_count is not 0, or an id names
 *                    no vCPU; no vCPU is kicked then.
 */
HV_API hv_return_t hv_vcpus_exit(hv_vcpu_t *vcpus, uint32_t vcpu_count);

/*
 * hv_vcpu_get_exec_time - how long the vCPU has run guest code.
 *
 * @vcpu: the vCPU to query.
 * @time: receives the cumulative time in mach_absolute_time() units, which in
 *        hvmodel are ticks of the virtual 24 MHz clock (the time the vCPU's
 *        retired instructions account for), never host time.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_exec_time(hv_vcpu_t vcpu, uint64_t *time);

/* ------------------------------------------------------------------------- */
/* Registers                                                                 */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_get_reg - read a general-purpose or special register.
 *
 * @vcpu:  the vCPU to read.
 * @reg:   HV_REG_X0 .. HV_REG_CPSR.
 * @value: receives the value. FPCR, FPSR and CPSR are zero-extended.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg > HV_REG_CPSR).
 */
HV_API hv_return_t hv_vcpu_get_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t *value);

/*
 * hv_vcpu_set_reg - write a general-purpose or special register.
 *
 * @vcpu:  the vCPU to change.
 * @reg:   HV_REG_X0 .. HV_REG_CPSR. CPSR takes PSTATE in SPSR layout; M[3:0]
 *         selects the exception level and stack pointer (0x5 = EL1h).
 * @value: the new value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg > HV_REG_CPSR).
 */
HV_API hv_return_t hv_vcpu_set_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t value);

/*
 * hv_vcpu_get_simd_fp_reg - read a 128-bit SIMD and floating-point register.
 *
 * @vcpu:  the vCPU to read.
 * @reg:   HV_SIMD_FP_REG_Q0 .. HV_SIMD_FP_REG_Q31.
 * @value: receives the 16 bytes, least significant first.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg > HV_SIMD_FP_REG_Q31).
 */
HV_API hv_return_t hv_vcpu_get_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                           hv_simd_fp_uchar16_t *value);

/*
 * hv_vcpu_set_simd_fp_reg - write a 128-bit SIMD and floating-point register.
 *
 * @vcpu:  the vCPU to change.
 * @reg:   HV_SIMD_FP_REG_Q0 .. HV_SIMD_FP_REG_Q31.
 * @value: the 16 bytes, least significant first, passed by value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for reg > HV_SIMD_FP_REG_Q31).
 */
HV_API hv_return_t hv_vcpu_set_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                           hv_simd_fp_uchar16_t value);

/*
 * hv_vcpu_get_sys_reg - read a system register.
 *
 * @vcpu:  the vCPU to read.
 * @reg:   one of the HV_SYS_REG_* values.
 * @value: receives the value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors;
 * HV_BAD_ARGUMENT also for a value that is not an HV_SYS_REG_* constant, for
 * the *_EL2 registers on a VM without EL2 (always, in hvmodel) and for the
 * CNTP_* registers on a VM without a GIC (hvmodel's choice for both).
 */
HV_API hv_return_t hv_vcpu_get_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t *value);

/*
 * hv_vcpu_set_sys_reg - write a system register.
 *
 * The ID registers (MIDR_EL1, MPIDR_EL1, ID_AA64*) are writable: the guest
 * reads the values written here. MPIDR_EL1's affinity fields also select the
 * vCPU's GIC redistributor. Of ACTLR_EL1 only bit 1 (EnTSO) can be changed.
 *
 * @vcpu:  the vCPU to change.
 * @reg:   one of the HV_SYS_REG_* values.
 * @value: the new value.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors, with
 * the same register restrictions as hv_vcpu_get_sys_reg().
 */
HV_API hv_return_t hv_vcpu_set_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t value);

/* ------------------------------------------------------------------------- */
/* Interrupts                                                                */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_get_pending_interrupt - whether a virtual IRQ or FIQ is asserted
 * for the next run.
 *
 * @vcpu:    the vCPU to query.
 * @type:    HV_INTERRUPT_TYPE_IRQ or HV_INTERRUPT_TYPE_FIQ.
 * @pending: receives the state of the line.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for any other type).
 */
HV_API hv_return_t hv_vcpu_get_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                                 bool *pending);

/*
 * hv_vcpu_set_pending_interrupt - assert or deassert a virtual IRQ or FIQ.
 *
 * The setting holds for the next hv_vcpu_run() only and is cleared when that
 * call returns, so a VMM re-asserts a level-triggered line before every run.
 * The guest takes the interrupt when PSTATE.I (or F) allows it, through its
 * own vector table.
 *
 * @vcpu:    the vCPU to change.
 * @type:    HV_INTERRUPT_TYPE_IRQ or HV_INTERRUPT_TYPE_FIQ.
 * @pending: true to assert, false to deassert.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors
 * (HV_BAD_ARGUMENT for any other type).
 */
HV_API hv_return_t hv_vcpu_set_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                                 bool pending);

/* ------------------------------------------------------------------------- */
/* Debug traps                                                               */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_get_trap_debug_exceptions - whether guest debug exceptions exit.
 *
 * @vcpu:  the vCPU to query.
 * @value: receives the setting (false on a new vCPU).
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_trap_debug_exceptions(hv_vcpu_t vcpu, bool *value);

/*
 * hv_vcpu_set_trap_debug_exceptions - route guest debug exceptions to the VMM.
 *
 * When true, BRK, hardware breakpoints, watchpoints and software step exit to
 * the VMM (as EC 0x3C, 0x30, 0x34 and 0x32) instead of reaching the guest's
 * vectors, like MDCR_EL2.TDE.
 *
 * @vcpu:  the vCPU to change.
 * @value: true to trap, false to let the guest handle them.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_set_trap_debug_exceptions(hv_vcpu_t vcpu, bool value);

/*
 * hv_vcpu_get_trap_debug_reg_accesses - whether guest debug register
 * accesses exit.
 *
 * @vcpu:  the vCPU to query.
 * @value: receives the setting (false on a new vCPU).
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool *value);

/*
 * hv_vcpu_set_trap_debug_reg_accesses - route guest debug register accesses
 * to the VMM.
 *
 * When true, guest MSR/MRS to DBGBVRn/DBGBCRn/DBGWVRn/DBGWCRn_EL1 and
 * MDSCR_EL1 exit as EC 0x18 system register traps, like MDCR_EL2.TDA.
 *
 * @vcpu:  the vCPU to change.
 * @value: true to trap, false to let the guest access them.
 *
 * Owning thread only. Returns HV_SUCCESS or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_set_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool value);

/* ------------------------------------------------------------------------- */
/* Virtual timer                                                             */
/* ------------------------------------------------------------------------- */

/*
 * hv_vcpu_get_vtimer_mask - whether the virtual timer is masked.
 *
 * While masked, the timer firing causes no HV_EXIT_REASON_VTIMER_ACTIVATED
 * exit. The mask is set automatically by each such exit.
 *
 * @vcpu:             the vCPU to query.
 * @vtimer_is_masked: receives the mask.
 *
 * Owning thread only (hvmodel's rule). Returns HV_SUCCESS or one of the
 * common errors.
 */
HV_API hv_return_t hv_vcpu_get_vtimer_mask(hv_vcpu_t vcpu, bool *vtimer_is_masked);

/*
 * hv_vcpu_set_vtimer_mask - mask or unmask the virtual timer.
 *
 * A VMM unmasks once the guest has handled the timer interrupt it delivered
 * after a VTIMER_ACTIVATED exit; if the timer still asserts then, the next run
 * exits again.
 *
 * @vcpu:             the vCPU to change.
 * @vtimer_is_masked: true to mask, false to unmask.
 *
 * Owning thread only (hvmodel's rule). Returns HV_SUCCESS or one of the
 * common errors.
 */
HV_API hv_return_t hv_vcpu_set_vtimer_mask(hv_vcpu_t vcpu, bool vtimer_is_masked);

/*
 * hv_vcpu_get_vtimer_offset - the virtual counter offset.
 *
 * @vcpu:          the vCPU to query.
 * @vtimer_offset: receives the offset (the vCPU's CNTVOFF_EL2).
 *
 * Owning thread only (hvmodel's rule). Returns HV_SUCCESS or one of the
 * common errors.
 */
HV_API hv_return_t hv_vcpu_get_vtimer_offset(hv_vcpu_t vcpu, uint64_t *vtimer_offset);

/*
 * hv_vcpu_set_vtimer_offset - set the virtual counter offset.
 *
 * The guest's CNTVCT_EL0 reads mach_absolute_time() - vtimer_offset; in
 * hvmodel both run on the virtual 24 MHz clock. Give every vCPU of a VM the
 * same offset so their counters agree.
 *
 * @vcpu:          the vCPU to change.
 * @vtimer_offset: the new offset.
 *
 * Owning thread only (hvmodel's rule). Returns HV_SUCCESS or one of the
 * common errors.
 */
HV_API hv_return_t hv_vcpu_set_vtimer_offset(hv_vcpu_t vcpu, uint64_t vtimer_offset);

/* ------------------------------------------------------------------------- */
/* SME state (macOS 15.2+)                                                   */
/* ------------------------------------------------------------------------- */

/*
 * hvmodel's CPU has no SME: after the common checks every function in this
 * group returns HV_UNSUPPORTED and changes nothing, as the real framework does
 * on hosts without SME. The descriptions say what they do where SME exists.
 */

/*
 * hv_vcpu_get_sme_state - read PSTATE.SM and PSTATE.ZA.
 *
 * @vcpu:      the vCPU to read.
 * @sme_state: receives the two mode bits.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_get_sme_state(hv_vcpu_t vcpu, hv_vcpu_sme_state_t *sme_state);

/*
 * hv_vcpu_set_sme_state - enter or leave streaming SVE mode and enable or
 * disable ZA storage.
 *
 * Entering or leaving streaming mode zeroes every Z and P register and sets
 * every FPSR cumulative flag.
 *
 * @vcpu:      the vCPU to change.
 * @sme_state: the new mode bits.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_set_sme_state(hv_vcpu_t vcpu, const hv_vcpu_sme_state_t *sme_state);

/*
 * hv_vcpu_get_sme_z_reg - read a streaming SVE Z register (streaming mode only).
 *
 * @vcpu:   the vCPU to read.
 * @reg:    HV_SME_Z_REG_0 .. HV_SME_Z_REG_31.
 * @value:  receives the register, least significant byte first.
 * @length: size of value; must equal hv_sme_config_get_max_svl_bytes().
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_get_sme_z_reg(hv_vcpu_t vcpu, hv_sme_z_reg_t reg, uint8_t *value,
                                         size_t length);

/*
 * hv_vcpu_set_sme_z_reg - write a streaming SVE Z register (streaming mode
 * only).
 *
 * @vcpu:   the vCPU to change.
 * @reg:    HV_SME_Z_REG_0 .. HV_SME_Z_REG_31.
 * @value:  the register, least significant byte first.
 * @length: size of value; must equal hv_sme_config_get_max_svl_bytes().
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_set_sme_z_reg(hv_vcpu_t vcpu, hv_sme_z_reg_t reg, const uint8_t *value,
                                         size_t length);

/*
 * hv_vcpu_get_sme_p_reg - read a streaming SVE predicate register (streaming
 * mode only).
 *
 * @vcpu:   the vCPU to read.
 * @reg:    HV_SME_P_REG_0 .. HV_SME_P_REG_15.
 * @value:  receives the register.
 * @length: size of value; must equal hv_sme_config_get_max_svl_bytes() / 8.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_get_sme_p_reg(hv_vcpu_t vcpu, hv_sme_p_reg_t reg, uint8_t *value,
                                         size_t length);

/*
 * hv_vcpu_set_sme_p_reg - write a streaming SVE predicate register
 * (streaming mode only).
 *
 * @vcpu:   the vCPU to change.
 * @reg:    HV_SME_P_REG_0 .. HV_SME_P_REG_15.
 * @value:  the register.
 * @length: size of value; must equal hv_sme_config_get_max_svl_bytes() / 8.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_set_sme_p_reg(hv_vcpu_t vcpu, hv_sme_p_reg_t reg, const uint8_t *value,
                                         size_t length);

/*
 * hv_vcpu_get_sme_za_reg - read the ZA array (needs PSTATE.ZA = 1; streaming
 * mode is not required).
 *
 * @vcpu:   the vCPU to read.
 * @value:  receives ZA.
 * @length: size of value; must equal SVL * SVL, SVL being
 *          hv_sme_config_get_max_svl_bytes().
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_get_sme_za_reg(hv_vcpu_t vcpu, uint8_t *value, size_t length);

/*
 * hv_vcpu_set_sme_za_reg - write the ZA array (needs PSTATE.ZA = 1).
 *
 * @vcpu:   the vCPU to change.
 * @value:  the new ZA.
 * @length: size of value; must equal SVL * SVL.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_set_sme_za_reg(hv_vcpu_t vcpu, const uint8_t *value, size_t length);

/*
 * hv_vcpu_get_sme_zt0_reg - read the 512-bit ZT0 register (needs PSTATE.ZA = 1).
 *
 * @vcpu:  the vCPU to read.
 * @value: receives ZT0.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_get_sme_zt0_reg(hv_vcpu_t vcpu, hv_sme_zt0_uchar64_t *value);

/*
 * hv_vcpu_set_sme_zt0_reg - write the 512-bit ZT0 register (needs
 * PSTATE.ZA = 1).
 *
 * @vcpu:  the vCPU to change.
 * @value: the new ZT0.
 *
 * Owning thread only. Returns HV_UNSUPPORTED in hvmodel, or a common error.
 */
HV_API hv_return_t hv_vcpu_set_sme_zt0_reg(hv_vcpu_t vcpu, const hv_sme_zt0_uchar64_t *value);

/* ------------------------------------------------------------------------- */
/* macOS 27 additions (pre-release)                                          */
/* ------------------------------------------------------------------------- */

/*
 * Apple's documentation names these functions, but no SDK header has them
 * yet: the prototypes below are UNCONFIRMED and may change.
 */

/*
 * hv_vcpu_get_serror - whether a virtual SError is pending.
 *
 * @vcpu:    the vCPU to query.
 * @pending: receives the state.
 *
 * Owning thread only. macOS 27 (beta): not modelled yet, hvmodel returns
 * HV_UNSUPPORTED for the owner (or one of the common errors).
 */
HV_API hv_return_t hv_vcpu_get_serror(hv_vcpu_t vcpu, bool *pending);

/*
 * hv_vcpu_set_serror - make a virtual SError pending, or withdraw it.
 *
 * @vcpu:    the vCPU to change.
 * @pending: true to make an SError pending, false to clear it.
 *
 * Owning thread only. macOS 27 (beta): not modelled yet, hvmodel returns
 * HV_UNSUPPORTED for the owner (or one of the common errors).
 */
HV_API hv_return_t hv_vcpu_set_serror(hv_vcpu_t vcpu, bool pending);

/*
 * hv_vcpu_get_wait_for_interrupt_time - how long the vCPU has waited in WFI.
 *
 * @vcpu: the vCPU to query.
 * @time: receives the cumulative time in mach_absolute_time() units.
 *
 * Owning thread only. Returns HV_UNSUPPORTED if the VM has no GIC — in
 * hvmodel, which has no GIC yet, always — or one of the common errors.
 */
HV_API hv_return_t hv_vcpu_get_wait_for_interrupt_time(hv_vcpu_t vcpu, uint64_t *time);

/*
 * hv_vcpu_invalidate_tlb - perform a TLB invalidation on the vCPU's behalf.
 *
 * @vcpu:  the vCPU whose translations to invalidate.
 * @op:    one of the HV_TLBI_OP_* operations (their values are unconfirmed).
 * @param: the operand of the matching TLBI instruction (address, ASID or
 *         range encoding); ignored by HV_TLBI_OP_VMALLE1IS.
 *
 * Owning thread only. macOS 27 (beta): not modelled yet, hvmodel returns
 * HV_UNSUPPORTED for the owner (or one of the common errors).
 */
HV_API hv_return_t hv_vcpu_invalidate_tlb(hv_vcpu_t vcpu, hv_tlbi_op_t op, uint64_t param);

HV_END_DECLS

#endif /* HVMODEL_HYPERVISOR_HV_VCPU_H */
