/*
 * test_headers_x86_c.c - the public x86 (Intel VMX) headers, seen from a C11
 * consumer.
 *
 * Proves, without calling into the library, that <Hypervisor/Hypervisor.h>
 * built with HVMODEL_FLAVOR_X86 gives C code Apple's x86 ABI and values: the
 * storage size and signedness of every type, the layout of the notifier
 * message and interrupt-controller state records, the exact prototype of
 * every function, and the value of every constant (return codes, options and
 * flags, registers, VMCS field encodings with the width and kind their
 * encoding implies, control bits, exit reasons, event formats, MSR numbers,
 * VMX capability ids). It also proves that names belonging only to the arm64
 * flavour are absent.
 *
 * Standalone: gcc -std=c11 -DHVMODEL_FLAVOR_X86=1 -I include/hv
 *             -I include/hv/compat tests/headers/test_headers_x86_c.c -lcmocka
 */
#include <Hypervisor/Hypervisor.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

/* ------------------------------------------------------------------------- */
/* Names of the other flavour                                                */
/* ------------------------------------------------------------------------- */

#ifdef HV_EXISTS
#error "HV_EXISTS is arm64-only; x86 has HV_FAULT at 0xfae94008"
#endif
#ifdef HV_ILLEGAL_GUEST_STATE
#error "HV_ILLEGAL_GUEST_STATE is arm64-only"
#endif
#ifndef HV_FAULT
#error "HV_FAULT is missing"
#endif
#ifndef HV_DEADLINE_FOREVER
#error "HV_DEADLINE_FOREVER is missing"
#endif

/* ------------------------------------------------------------------------- */
/* Compile-time ABI checks                                                   */
/* ------------------------------------------------------------------------- */

/* True if x has type T exactly (not merely a compatible integer type). */
#define IS_TYPE(x, T) __builtin_types_compatible_p(__typeof__(x), T)

_Static_assert(IS_TYPE(hv_return_t, int32_t), "hv_return_t is a signed 32-bit mach_error_t");
_Static_assert(IS_TYPE(hv_vcpuid_t, unsigned), "hv_vcpuid_t is unsigned");
_Static_assert(sizeof(hv_vcpuid_t) == 4, "hv_vcpuid_t is 32-bit");
_Static_assert(IS_TYPE(hv_vm_space_t, unsigned), "hv_vm_space_t is unsigned");
_Static_assert(IS_TYPE(hv_uvaddr_t, const void *), "hv_uvaddr_t is const void *");
_Static_assert(IS_TYPE(hv_gpaddr_t, uint64_t), "hv_gpaddr_t is uint64_t");
_Static_assert(IS_TYPE(hv_capability_t, uint64_t), "hv_capability_t is uint64_t");
_Static_assert(IS_TYPE(hv_vm_options_t, uint64_t), "hv_vm_options_t is uint64_t");
_Static_assert(IS_TYPE(hv_vcpu_options_t, uint64_t), "hv_vcpu_options_t is uint64_t");
_Static_assert(IS_TYPE(hv_memory_flags_t, uint64_t), "hv_memory_flags_t is uint64_t");
_Static_assert(IS_TYPE(hv_allocate_flags_t, uint64_t), "hv_allocate_flags_t is uint64_t");
_Static_assert(IS_TYPE(hv_msr_flags_t, uint32_t), "hv_msr_flags_t is uint32_t");
_Static_assert(IS_TYPE(hv_ion_flags_t, uint32_t), "hv_ion_flags_t is uint32_t");
_Static_assert(IS_TYPE(hv_shadow_flags_t, uint64_t), "hv_shadow_flags_t is uint64_t");
_Static_assert(IS_TYPE(hv_vmx_msr_info_t, uint64_t), "hv_vmx_msr_info_t is uint64_t");
_Static_assert(IS_TYPE(hv_vm_exitinfo_t, uint32_t), "hv_vm_exitinfo_t is uint32_t");
_Static_assert(IS_TYPE(hv_apic_ctrl_t, uint64_t), "hv_apic_ctrl_t is uint64_t");
_Static_assert(IS_TYPE(hv_apic_lvt_flavor_t, uint32_t), "hv_apic_lvt_flavor_t is uint32_t");
_Static_assert(IS_TYPE(hv_apic_intr_trigger_t, uint32_t), "hv_apic_intr_trigger_t is uint32_t");
_Static_assert(IS_TYPE(mach_port_t, unsigned int), "mach_port_t is Darwin's unsigned int");

/* The register and capability ids are real enumerations of int size. */
_Static_assert(sizeof(hv_x86_reg_t) == 4, "hv_x86_reg_t is 32-bit");
_Static_assert(sizeof(hv_vmx_capability_t) == 4, "hv_vmx_capability_t is 32-bit");
_Static_assert(sizeof(enum hv_boot_state) == 4, "hv_boot_state is 32-bit");

/* Constants above INT_MAX keep their full unsigned value. */
_Static_assert(HV_DEADLINE_FOREVER == UINT64_MAX, "HV_DEADLINE_FOREVER is all ones");
_Static_assert(sizeof(HV_DEADLINE_FOREVER) == 8, "HV_DEADLINE_FOREVER is 64-bit");
_Static_assert(IRQ_INFO_VALID == 0x80000000u && IRQ_INFO_VALID > 0, "IRQ_INFO_VALID is bit 31");
_Static_assert(CPU_BASED_SECONDARY_CTLS == 0x80000000u, "CPU_BASED_SECONDARY_CTLS is bit 31");
_Static_assert(VMX_BASIC_TRUE_CTLS == 0x0080000000000000ull, "VMX_BASIC_TRUE_CTLS is bit 55");
_Static_assert(HV_MSR_IA32_EFER == 0xc0000080u && HV_MSR_IA32_EFER > 0, "EFER is unsigned");

/* The Mach message types, with Darwin's layout. */
_Static_assert(sizeof(mach_msg_header_t) == 24, "mach_msg_header_t is 24 bytes");
_Static_assert(offsetof(mach_msg_header_t, msgh_remote_port) == 8, "remote port at 8");
_Static_assert(offsetof(mach_msg_header_t, msgh_id) == 20, "msgh_id at 20");
_Static_assert(sizeof(mach_msg_trailer_t) == 8, "mach_msg_trailer_t is 8 bytes");

/* The port I/O notifier message. */
_Static_assert(sizeof(hv_ion_message_t) == 56, "hv_ion_message_t is 56 bytes");
_Static_assert(offsetof(hv_ion_message_t, header) == 0, "header at 0");
_Static_assert(offsetof(hv_ion_message_t, addr) == 24, "addr at 24");
_Static_assert(offsetof(hv_ion_message_t, size) == 32, "size at 32");
_Static_assert(offsetof(hv_ion_message_t, value) == 40, "value at 40");
_Static_assert(offsetof(hv_ion_message_t, trailer) == 48, "trailer at 48");

/* Local APIC state. */
_Static_assert(sizeof(struct hv_apic_state) == 240, "hv_apic_state is 240 bytes");
_Static_assert(offsetof(struct hv_apic_state, apic_gpa) == 0, "apic_gpa at 0");
_Static_assert(offsetof(struct hv_apic_state, apic_controls) == 8, "apic_controls at 8");
_Static_assert(offsetof(struct hv_apic_state, tsc_deadline) == 16, "tsc_deadline at 16");
_Static_assert(offsetof(struct hv_apic_state, apic_id) == 24, "apic_id at 24");
_Static_assert(offsetof(struct hv_apic_state, svr) == 48, "svr at 48");
_Static_assert(offsetof(struct hv_apic_state, isr) == 52, "isr at 52");
_Static_assert(offsetof(struct hv_apic_state, tmr) == 84, "tmr at 84");
_Static_assert(offsetof(struct hv_apic_state, irr) == 116, "irr at 116");
_Static_assert(offsetof(struct hv_apic_state, esr) == 148, "esr at 148");
_Static_assert(offsetof(struct hv_apic_state, lvt) == 152, "lvt at 152");
_Static_assert(offsetof(struct hv_apic_state, icr) == 180, "icr at 180");
_Static_assert(offsetof(struct hv_apic_state, icr_timer) == 188, "icr_timer at 188");
_Static_assert(offsetof(struct hv_apic_state, esr_pending) == 200, "esr_pending at 200");
_Static_assert(offsetof(struct hv_apic_state, boot_state) == 204, "boot_state at 204");
_Static_assert(offsetof(struct hv_apic_state, aeoi) == 208, "aeoi at 208");
_Static_assert(sizeof(hv_apic_state_ext_t) == 248, "hv_apic_state_ext_t is 248 bytes");
_Static_assert(offsetof(hv_apic_state_ext_t, state) == 8, "APIC state at 8");

/* 8259 state: sixteen one-byte fields. */
_Static_assert(sizeof(struct hv_atpic_state) == 16, "hv_atpic_state is 16 bytes");
_Static_assert(offsetof(struct hv_atpic_state, irq_base) == 7, "irq_base at 7");
_Static_assert(offsetof(struct hv_atpic_state, elc) == 15, "elc at 15");
_Static_assert(sizeof(hv_atpic_state_ext_t) == 20, "hv_atpic_state_ext_t is 20 bytes");
_Static_assert(offsetof(hv_atpic_state_ext_t, state) == 4, "8259 state at 4");

/* IOAPIC state. */
_Static_assert(sizeof(struct hv_ioapic_state) == 272, "hv_ioapic_state is 272 bytes");
_Static_assert(offsetof(struct hv_ioapic_state, irr) == 256, "irr at 256");
_Static_assert(offsetof(struct hv_ioapic_state, ioregsel) == 264, "ioregsel at 264");
_Static_assert(sizeof(hv_ioapic_state_ext_t) == 280, "hv_ioapic_state_ext_t is 280 bytes");
_Static_assert(offsetof(hv_ioapic_state_ext_t, state) == 8, "IOAPIC state at 8");

/* The assembler macros name the same values as the enumerations. */
_Static_assert(__VMCS_HOST_RSP == VMCS_HOST_RSP, "__VMCS_HOST_RSP");
_Static_assert(__HV_X86_RIP == HV_X86_RIP, "__HV_X86_RIP");
_Static_assert(__HV_X86_RFLAGS == HV_X86_RFLAGS, "__HV_X86_RFLAGS");
_Static_assert(__HV_X86_RAX == HV_X86_RAX, "__HV_X86_RAX");
_Static_assert(__HV_X86_RCX == HV_X86_RCX, "__HV_X86_RCX");
_Static_assert(__HV_X86_RDX == HV_X86_RDX, "__HV_X86_RDX");
_Static_assert(__HV_X86_RBX == HV_X86_RBX, "__HV_X86_RBX");
_Static_assert(__HV_X86_RSI == HV_X86_RSI, "__HV_X86_RSI");
_Static_assert(__HV_X86_RDI == HV_X86_RDI, "__HV_X86_RDI");
_Static_assert(__HV_X86_RSP == HV_X86_RSP, "__HV_X86_RSP");
_Static_assert(__HV_X86_RBP == HV_X86_RBP, "__HV_X86_RBP");
_Static_assert(__HV_X86_R8 == HV_X86_R8, "__HV_X86_R8");
_Static_assert(__HV_X86_R9 == HV_X86_R9, "__HV_X86_R9");
_Static_assert(__HV_X86_R10 == HV_X86_R10, "__HV_X86_R10");
_Static_assert(__HV_X86_R11 == HV_X86_R11, "__HV_X86_R11");
_Static_assert(__HV_X86_R12 == HV_X86_R12, "__HV_X86_R12");
_Static_assert(__HV_X86_R13 == HV_X86_R13, "__HV_X86_R13");
_Static_assert(__HV_X86_R14 == HV_X86_R14, "__HV_X86_R14");
_Static_assert(__HV_X86_R15 == HV_X86_R15, "__HV_X86_R15");
_Static_assert(__HV_X86_CS == HV_X86_CS, "__HV_X86_CS");
_Static_assert(__HV_X86_SS == HV_X86_SS, "__HV_X86_SS");
_Static_assert(__HV_X86_DS == HV_X86_DS, "__HV_X86_DS");
_Static_assert(__HV_X86_ES == HV_X86_ES, "__HV_X86_ES");
_Static_assert(__HV_X86_FS == HV_X86_FS, "__HV_X86_FS");
_Static_assert(__HV_X86_GS == HV_X86_GS, "__HV_X86_GS");
_Static_assert(__HV_X86_IDT_BASE == HV_X86_IDT_BASE, "__HV_X86_IDT_BASE");
_Static_assert(__HV_X86_IDT_LIMIT == HV_X86_IDT_LIMIT, "__HV_X86_IDT_LIMIT");
_Static_assert(__HV_X86_GDT_BASE == HV_X86_GDT_BASE, "__HV_X86_GDT_BASE");
_Static_assert(__HV_X86_GDT_LIMIT == HV_X86_GDT_LIMIT, "__HV_X86_GDT_LIMIT");
_Static_assert(__HV_X86_LDTR == HV_X86_LDTR, "__HV_X86_LDTR");
_Static_assert(__HV_X86_LDT_BASE == HV_X86_LDT_BASE, "__HV_X86_LDT_BASE");
_Static_assert(__HV_X86_LDT_LIMIT == HV_X86_LDT_LIMIT, "__HV_X86_LDT_LIMIT");
_Static_assert(__HV_X86_LDT_AR == HV_X86_LDT_AR, "__HV_X86_LDT_AR");
_Static_assert(__HV_X86_TR == HV_X86_TR, "__HV_X86_TR");
_Static_assert(__HV_X86_TSS_BASE == HV_X86_TSS_BASE, "__HV_X86_TSS_BASE");
_Static_assert(__HV_X86_TSS_LIMIT == HV_X86_TSS_LIMIT, "__HV_X86_TSS_LIMIT");
_Static_assert(__HV_X86_TSS_AR == HV_X86_TSS_AR, "__HV_X86_TSS_AR");
_Static_assert(__HV_X86_CR0 == HV_X86_CR0, "__HV_X86_CR0");
_Static_assert(__HV_X86_CR1 == HV_X86_CR1, "__HV_X86_CR1");
_Static_assert(__HV_X86_CR2 == HV_X86_CR2, "__HV_X86_CR2");
_Static_assert(__HV_X86_CR3 == HV_X86_CR3, "__HV_X86_CR3");
_Static_assert(__HV_X86_CR4 == HV_X86_CR4, "__HV_X86_CR4");
_Static_assert(__HV_X86_DR0 == HV_X86_DR0, "__HV_X86_DR0");
_Static_assert(__HV_X86_DR1 == HV_X86_DR1, "__HV_X86_DR1");
_Static_assert(__HV_X86_DR2 == HV_X86_DR2, "__HV_X86_DR2");
_Static_assert(__HV_X86_DR3 == HV_X86_DR3, "__HV_X86_DR3");
_Static_assert(__HV_X86_DR4 == HV_X86_DR4, "__HV_X86_DR4");
_Static_assert(__HV_X86_DR5 == HV_X86_DR5, "__HV_X86_DR5");
_Static_assert(__HV_X86_DR6 == HV_X86_DR6, "__HV_X86_DR6");
_Static_assert(__HV_X86_DR7 == HV_X86_DR7, "__HV_X86_DR7");
_Static_assert(__HV_X86_TPR == HV_X86_TPR, "__HV_X86_TPR");
_Static_assert(__HV_X86_XCR0 == HV_X86_XCR0, "__HV_X86_XCR0");
_Static_assert(__HV_X86_REGISTERS_MAX == HV_X86_REGISTERS_MAX, "__HV_X86_REGISTERS_MAX");

/*
 * Every prototype, checked against the reference signature. typeof in an
 * unevaluated context does not reference the function, so this needs no
 * library at link time.
 */
#define SIG(fn, ret, params)                                                                       \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), ret(*) params),                   \
                   #fn " has Apple's prototype")

SIG(hv_capability, hv_return_t, (hv_capability_t, uint64_t *));
SIG(hv_vm_create, hv_return_t, (hv_vm_options_t));
SIG(hv_vm_destroy, hv_return_t, (void));
SIG(hv_vm_map, hv_return_t, (hv_uvaddr_t, hv_gpaddr_t, size_t, hv_memory_flags_t));
SIG(hv_vm_unmap, hv_return_t, (hv_gpaddr_t, size_t));
SIG(hv_vm_protect, hv_return_t, (hv_gpaddr_t, size_t, hv_memory_flags_t));
SIG(hv_vm_space_create, hv_return_t, (hv_vm_space_t *));
SIG(hv_vm_space_destroy, hv_return_t, (hv_vm_space_t));
SIG(hv_vm_map_space, hv_return_t,
    (hv_vm_space_t, hv_uvaddr_t, hv_gpaddr_t, size_t, hv_memory_flags_t));
SIG(hv_vm_unmap_space, hv_return_t, (hv_vm_space_t, hv_gpaddr_t, size_t));
SIG(hv_vm_protect_space, hv_return_t, (hv_vm_space_t, hv_gpaddr_t, size_t, hv_memory_flags_t));
SIG(hv_vm_allocate, hv_return_t, (void **, size_t, hv_allocate_flags_t));
SIG(hv_vm_deallocate, hv_return_t, (void *, size_t));
SIG(hv_vm_sync_tsc, hv_return_t, (uint64_t));
SIG(hv_tsc_clock, uint64_t, (void));
SIG(hv_vm_add_pio_notifier, hv_return_t, (uint16_t, size_t, uint32_t, mach_port_t, hv_ion_flags_t));
SIG(hv_vm_remove_pio_notifier, hv_return_t,
    (uint16_t, size_t, uint32_t, mach_port_t, hv_ion_flags_t));
SIG(hv_vcpu_create, hv_return_t, (hv_vcpuid_t *, hv_vcpu_options_t));
SIG(hv_vcpu_destroy, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_set_space, hv_return_t, (hv_vcpuid_t, hv_vm_space_t));
SIG(hv_vcpu_run, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_run_until, hv_return_t, (hv_vcpuid_t, uint64_t));
SIG(hv_vcpu_interrupt, hv_return_t, (hv_vcpuid_t *, unsigned int));
SIG(hv_vcpu_get_exec_time, hv_return_t, (hv_vcpuid_t, uint64_t *));
SIG(hv_vcpu_get_idle_time, hv_return_t, (hv_vcpuid_t, uint64_t *));
SIG(hv_vcpu_flush, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_invalidate_tlb, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_set_tsc_relative, hv_return_t, (hv_vcpuid_t, int64_t));
SIG(hv_vcpu_vmx_status, hv_return_t, (hv_vcpuid_t, uint32_t *));
SIG(hv_vcpu_read_register, hv_return_t, (hv_vcpuid_t, hv_x86_reg_t, uint64_t *));
SIG(hv_vcpu_write_register, hv_return_t, (hv_vcpuid_t, hv_x86_reg_t, uint64_t));
SIG(hv_vcpu_read_fpstate, hv_return_t, (hv_vcpuid_t, void *, size_t));
SIG(hv_vcpu_write_fpstate, hv_return_t, (hv_vcpuid_t, void *, size_t));
SIG(hv_vcpu_enable_native_msr, hv_return_t, (hv_vcpuid_t, uint32_t, bool));
SIG(hv_vcpu_enable_managed_msr, hv_return_t, (hv_vcpuid_t, uint32_t, bool));
SIG(hv_vcpu_set_msr_access, hv_return_t, (hv_vcpuid_t, uint32_t, hv_msr_flags_t));
SIG(hv_vcpu_read_msr, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t *));
SIG(hv_vcpu_write_msr, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t));
SIG(hv_vmx_read_capability, hv_return_t, (hv_vmx_capability_t, uint64_t *));
SIG(hv_vmx_get_msr_info, hv_return_t, (hv_vmx_msr_info_t, uint64_t *));
SIG(hv_vmx_vcpu_read_vmcs, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t *));
SIG(hv_vmx_vcpu_write_vmcs, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t));
SIG(hv_vmx_vcpu_get_cap_write_vmcs, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t *, uint64_t *));
SIG(hv_vmx_vcpu_read_shadow_vmcs, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t *));
SIG(hv_vmx_vcpu_write_shadow_vmcs, hv_return_t, (hv_vcpuid_t, uint32_t, uint64_t));
SIG(hv_vmx_vcpu_set_shadow_access, hv_return_t, (hv_vcpuid_t, uint32_t, hv_shadow_flags_t));
SIG(hv_vmx_vcpu_set_apic_address, hv_return_t, (hv_vcpuid_t, hv_gpaddr_t));
SIG(hv_vmx_vcpu_set_apic_address_space, hv_return_t, (hv_vcpuid_t, hv_vm_space_t, hv_gpaddr_t));
SIG(hv_vm_lapic_set_intr, hv_return_t, (hv_vcpuid_t, uint8_t, hv_apic_intr_trigger_t));
SIG(hv_vm_lapic_msi, hv_return_t, (uint64_t, uint64_t));
SIG(hv_vm_ioapic_assert_irq, hv_return_t, (int));
SIG(hv_vm_ioapic_deassert_irq, hv_return_t, (int));
SIG(hv_vm_ioapic_pulse_irq, hv_return_t, (int));
SIG(hv_vm_ioapic_read, hv_return_t, (hv_gpaddr_t, uint32_t *));
SIG(hv_vm_ioapic_write, hv_return_t, (hv_gpaddr_t, uint32_t));
SIG(hv_vm_ioapic_get_state, hv_return_t, (hv_ioapic_state_ext_t *));
SIG(hv_vm_ioapic_put_state, hv_return_t, (const hv_ioapic_state_ext_t *));
SIG(hv_vm_send_ioapic_intr, hv_return_t, (uint64_t));
SIG(hv_vm_atpic_assert_irq, hv_return_t, (int));
SIG(hv_vm_atpic_deassert_irq, hv_return_t, (int));
SIG(hv_vm_atpic_port_read, hv_return_t, (int, uint8_t *));
SIG(hv_vm_atpic_port_write, hv_return_t, (int, uint8_t));
SIG(hv_vm_atpic_get_state, hv_return_t, (hv_atpic_state_ext_t *, bool));
SIG(hv_vm_atpic_put_state, hv_return_t, (const hv_atpic_state_ext_t *, bool));
SIG(hv_vm_set_apic_bus_freq, hv_return_t, (uint64_t));
SIG(hv_vcpu_inject_extint, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_apic_read, hv_return_t, (hv_vcpuid_t, uint32_t, uint32_t *));
SIG(hv_vcpu_apic_write, hv_return_t, (hv_vcpuid_t, uint32_t, uint32_t, bool *));
SIG(hv_vcpu_apic_get_state, hv_return_t, (hv_vcpuid_t, hv_apic_state_ext_t *));
SIG(hv_vcpu_apic_put_state, hv_return_t, (hv_vcpuid_t, const hv_apic_state_ext_t *));
SIG(hv_vcpu_exit_info, hv_return_t, (hv_vcpuid_t, hv_vm_exitinfo_t *));
SIG(hv_vcpu_exit_init_ap, hv_return_t, (hv_vcpuid_t, bool *, unsigned));
SIG(hv_vcpu_exit_startup_ap, hv_return_t, (hv_vcpuid_t, bool *, unsigned, uint64_t *));
SIG(hv_vcpu_exit_ioapic_eoi, hv_return_t, (hv_vcpuid_t, uint8_t *));
SIG(hv_vcpu_exit_apic_access_read, hv_return_t, (hv_vcpuid_t, uint32_t *));
SIG(hv_vcpu_exit_inject_excp, hv_return_t, (hv_vcpuid_t, uint8_t *, bool *, uint32_t *, bool *));
SIG(hv_vcpu_apic_lsc_enter_r32, hv_return_t,
    (hv_vcpuid_t, bool, uint64_t, unsigned, uint16_t, hv_x86_reg_t, uint64_t *, unsigned));
SIG(hv_vcpu_apic_lsc_enter_imm32, hv_return_t,
    (hv_vcpuid_t, uint64_t, unsigned, uint16_t, uint32_t, uint64_t *, unsigned));
SIG(hv_vcpu_apic_lsc_invalidate, hv_return_t, (hv_vcpuid_t));
SIG(hv_vcpu_apic_ctrl, hv_return_t, (hv_vcpuid_t, hv_apic_ctrl_t));
SIG(hv_vcpu_apic_trigger_lvt, hv_return_t, (hv_vcpuid_t, hv_apic_lvt_flavor_t));

/* Return codes are integer constant expressions (usable as case labels). */
_Static_assert(HV_SUCCESS == 0, "HV_SUCCESS is 0");
_Static_assert(HV_FAULT == (hv_return_t)0xfae94008u, "HV_FAULT constant");

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

struct named_value {
    const char *name;
    uint64_t value;
    uint64_t expected;
};

/* clang-format off */
#define NV(name, expected) {#name, (uint64_t)(name), (uint64_t)(expected)}
/* clang-format on */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void check_table(const struct named_value *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].value != t[i].expected)
            fail_msg("%s is 0x%llx, expected 0x%llx", t[i].name, (unsigned long long)t[i].value,
                     (unsigned long long)t[i].expected);
    }
}

/* ------------------------------------------------------------------------- */
/* Return codes, options and flags                                           */
/* ------------------------------------------------------------------------- */

static void test_return_codes_have_apples_x86_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_SUCCESS, 0),
        NV(HV_ERROR, (hv_return_t)0xfae94001u),
        NV(HV_BUSY, (hv_return_t)0xfae94002u),
        NV(HV_BAD_ARGUMENT, (hv_return_t)0xfae94003u),
        NV(HV_NO_RESOURCES, (hv_return_t)0xfae94005u),
        NV(HV_NO_DEVICE, (hv_return_t)0xfae94006u),
        NV(HV_DENIED, (hv_return_t)0xfae94007u),
        NV(HV_FAULT, (hv_return_t)0xfae94008u),
        NV(HV_UNSUPPORTED, (hv_return_t)0xfae9400fu),
    };
    check_table(t, COUNT(t));
}

static void test_return_codes_are_negative_mach_errors_in_subsystem_0xba5(void **state)
{
    (void)state;
    const hv_return_t errors[] = {HV_ERROR,     HV_BUSY,   HV_BAD_ARGUMENT, HV_NO_RESOURCES,
                                  HV_NO_DEVICE, HV_DENIED, HV_FAULT,        HV_UNSUPPORTED};
    for (size_t i = 0; i < COUNT(errors); i++) {
        assert_true(errors[i] < 0);
        /* err_local (system 0x3e) | err_sub(0xba5) | code */
        assert_int_equal((uint32_t)errors[i] >> 26, 0x3e);
        assert_int_equal(((uint32_t)errors[i] >> 14) & 0xfff, 0xba5);
    }
}

static void test_return_codes_work_as_switch_labels(void **state)
{
    (void)state;
    hv_return_t r = HV_FAULT;
    int seen = 0;
    switch (r) {
    case HV_SUCCESS: seen = 1; break;
    case HV_ERROR: seen = 2; break;
    case HV_BUSY: seen = 3; break;
    case HV_BAD_ARGUMENT: seen = 4; break;
    case HV_NO_RESOURCES: seen = 5; break;
    case HV_NO_DEVICE: seen = 6; break;
    case HV_DENIED: seen = 7; break;
    case HV_FAULT: seen = 8; break;
    case HV_UNSUPPORTED: seen = 9; break;
    default: seen = -1; break;
    }
    assert_int_equal(seen, 8);
}

static void test_vm_and_vcpu_options_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_VM_DEFAULT, 0),
        NV(HV_VM_SPECIFY_MITIGATIONS, 1u << 0),
        NV(HV_VM_MITIGATION_A_ENABLE, 1u << 1),
        NV(HV_VM_MITIGATION_B_ENABLE, 1u << 2),
        NV(HV_VM_MITIGATION_C_ENABLE, 1u << 3),
        NV(HV_VM_MITIGATION_D_ENABLE, 1u << 4),
        NV(HV_VM_MITIGATION_E_ENABLE, 1u << 6),
        NV(HV_VM_ACCEL_APIC, 1u << 10),
        NV(HV_VCPU_DEFAULT, 0),
        NV(HV_VCPU_ACCEL_RDPMC, 1u << 0),
        NV(HV_VCPU_TSC_RELATIVE, 1u << 1),
        NV(HV_CAP_VCPUMAX, 0),
        NV(HV_CAP_ADDRSPACEMAX, 1),
        NV(HV_VM_SPACE_DEFAULT, 0),
        NV(HV_ALLOCATE_DEFAULT, 0),
    };
    check_table(t, COUNT(t));
}

static void test_memory_flags_are_single_bits_in_apples_order(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_MEMORY_READ, 1u << 0),          NV(HV_MEMORY_WRITE, 1u << 1),
        NV(HV_MEMORY_EXEC, 1u << 2),          NV(HV_MEMORY_UEXEC, 1u << 3),
        NV(HV_MEMORY_MAXPROT, 1u << 4),       NV(HV_MEMORY_MAXPROT_READ, 1u << 5),
        NV(HV_MEMORY_MAXPROT_WRITE, 1u << 6), NV(HV_MEMORY_MAXPROT_EXEC, 1u << 7),
        NV(HV_MEMORY_MAXPROT_UEXEC, 1u << 8),
    };
    check_table(t, COUNT(t));
    hv_memory_flags_t rwx = HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC;
    assert_int_equal(rwx, 7);
}

static void test_msr_ion_and_shadow_flags_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_MSR_NONE, 0),
        NV(HV_MSR_READ, 1u << 0),
        NV(HV_MSR_WRITE, 1u << 1),
        NV(HV_ION_NONE, 0),
        NV(HV_ION_ANY_VALUE, 1u << 1),
        NV(HV_ION_ANY_SIZE, 1u << 2),
        NV(HV_ION_EXIT_FULL, 1u << 3),
        NV(HV_SHADOW_VMCS_NONE, 0),
        NV(HV_SHADOW_VMCS_READ, 1u << 0),
        NV(HV_SHADOW_VMCS_WRITE, 1u << 1),
    };
    check_table(t, COUNT(t));
}

static void test_interrupt_controller_constants_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_VM_EXITINFO_VMX, 1),
        NV(HV_VM_EXITINFO_INIT_AP, 2),
        NV(HV_VM_EXITINFO_STARTUP_AP, 3),
        NV(HV_VM_EXITINFO_IOAPIC_EOI, 4),
        NV(HV_VM_EXITINFO_INJECT_EXCP, 5),
        NV(HV_VM_EXITINFO_SMI, 6),
        NV(HV_VM_EXITINFO_APIC_ACCESS_READ, 7),
        NV(HV_APIC_CTRL_DEFAULT, 0),
        NV(HV_APIC_CTRL_EOI_ICR_TPR, 1u << 0),
        NV(HV_APIC_CTRL_GUEST_IDLE, 1u << 1),
        NV(HV_APIC_CTRL_NO_TIMER, 1u << 2),
        NV(HV_APIC_CTRL_IOAPIC_EOI, 1u << 3),
        NV(HV_APIC_LVT_FLAVOR_TIMER, 1),
        NV(HV_APIC_EDGE_TRIGGER, 0),
        NV(HV_APIC_EDGE_TRIGGER_AEOI, 1),
        NV(HV_APIC_LEVEL_TRIGGER, 2),
        NV(HV_BS_INIT, 0),
        NV(HV_BS_SIPI, 1),
        NV(HV_BS_RUNNING, 2),
        NV(HV_APIC_STATE_EXT_VER, 100),
        NV(HV_ATPIC_STATE_EXT_VER, 100),
        NV(HV_IOAPIC_STATE_EXT_VER, 100),
    };
    check_table(t, COUNT(t));
}

static void test_ion_message_fields_sit_at_darwin_offsets(void **state)
{
    (void)state;
    hv_ion_message_t m;
    memset(&m, 0, sizeof(m));
    m.header.msgh_size = (mach_msg_size_t)sizeof(m);
    m.addr = 0x3f8;
    m.size = 1;
    m.value = 0x41;
    unsigned char raw[sizeof(m)];
    memcpy(raw, &m, sizeof(m));
    uint32_t msgh_size;
    uint64_t addr, size, value;
    memcpy(&msgh_size, raw + 4, 4);
    memcpy(&addr, raw + 24, 8);
    memcpy(&size, raw + 32, 8);
    memcpy(&value, raw + 40, 8);
    assert_int_equal(msgh_size, 56);
    assert_int_equal(addr, 0x3f8);
    assert_int_equal(size, 1);
    assert_int_equal(value, 0x41);
}

/* ------------------------------------------------------------------------- */
/* Registers                                                                 */
/* ------------------------------------------------------------------------- */

static void test_x86_registers_run_from_rip_to_xcr0_without_gaps(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_X86_RIP, 0),        NV(HV_X86_RFLAGS, 1),
        NV(HV_X86_RAX, 2),        NV(HV_X86_RCX, 3),
        NV(HV_X86_RDX, 4),        NV(HV_X86_RBX, 5),
        NV(HV_X86_RSI, 6),        NV(HV_X86_RDI, 7),
        NV(HV_X86_RSP, 8),        NV(HV_X86_RBP, 9),
        NV(HV_X86_R8, 10),        NV(HV_X86_R9, 11),
        NV(HV_X86_R10, 12),       NV(HV_X86_R11, 13),
        NV(HV_X86_R12, 14),       NV(HV_X86_R13, 15),
        NV(HV_X86_R14, 16),       NV(HV_X86_R15, 17),
        NV(HV_X86_CS, 18),        NV(HV_X86_SS, 19),
        NV(HV_X86_DS, 20),        NV(HV_X86_ES, 21),
        NV(HV_X86_FS, 22),        NV(HV_X86_GS, 23),
        NV(HV_X86_IDT_BASE, 24),  NV(HV_X86_IDT_LIMIT, 25),
        NV(HV_X86_GDT_BASE, 26),  NV(HV_X86_GDT_LIMIT, 27),
        NV(HV_X86_LDTR, 28),      NV(HV_X86_LDT_BASE, 29),
        NV(HV_X86_LDT_LIMIT, 30), NV(HV_X86_LDT_AR, 31),
        NV(HV_X86_TR, 32),        NV(HV_X86_TSS_BASE, 33),
        NV(HV_X86_TSS_LIMIT, 34), NV(HV_X86_TSS_AR, 35),
        NV(HV_X86_CR0, 36),       NV(HV_X86_CR1, 37),
        NV(HV_X86_CR2, 38),       NV(HV_X86_CR3, 39),
        NV(HV_X86_CR4, 40),       NV(HV_X86_DR0, 41),
        NV(HV_X86_DR1, 42),       NV(HV_X86_DR2, 43),
        NV(HV_X86_DR3, 44),       NV(HV_X86_DR4, 45),
        NV(HV_X86_DR5, 46),       NV(HV_X86_DR6, 47),
        NV(HV_X86_DR7, 48),       NV(HV_X86_TPR, 49),
        NV(HV_X86_XCR0, 50),      NV(HV_X86_REGISTERS_MAX, 51),
    };
    check_table(t, COUNT(t));
    /* The table lists every register in order, so its length is the count. */
    assert_int_equal(COUNT(t) - 1, HV_X86_REGISTERS_MAX);
    for (size_t i = 0; i < COUNT(t); i++)
        assert_int_equal(t[i].value, i);
}

/* ------------------------------------------------------------------------- */
/* VMCS field encodings                                                      */
/* ------------------------------------------------------------------------- */

/* Width (bits 14:13) and kind (bits 11:10) of a field, per Intel's encoding. */
enum { W16 = 0, W64 = 1, W32 = 2, WNAT = 3 };
enum { KCTL = 0, KRO = 1, KGUEST = 2, KHOST = 3 };

struct vmcs_case {
    const char *name;
    uint32_t value;
    uint32_t expected;
    unsigned width, kind;
};

/* clang-format off */
#define VF(name, expected, width, kind) {#name, (uint32_t)(name), expected, width, kind}
/* clang-format on */

/* Every field of Apple's list with its encoding, width and kind from the reference. */
static const struct vmcs_case vmcs_fields[] = {
    VF(VMCS_VPID, 0x00000000, W16, KCTL),
    VF(VMCS_CTRL_POSTED_INT_N_VECTOR, 0x00000002, W16, KCTL),
    VF(VMCS_CTRL_EPTP_INDEX, 0x00000004, W16, KCTL),
    VF(VMCS_GUEST_ES, 0x00000800, W16, KGUEST),
    VF(VMCS_GUEST_CS, 0x00000802, W16, KGUEST),
    VF(VMCS_GUEST_SS, 0x00000804, W16, KGUEST),
    VF(VMCS_GUEST_DS, 0x00000806, W16, KGUEST),
    VF(VMCS_GUEST_FS, 0x00000808, W16, KGUEST),
    VF(VMCS_GUEST_GS, 0x0000080a, W16, KGUEST),
    VF(VMCS_GUEST_LDTR, 0x0000080c, W16, KGUEST),
    VF(VMCS_GUEST_TR, 0x0000080e, W16, KGUEST),
    VF(VMCS_GUEST_INT_STATUS, 0x00000810, W16, KGUEST),
    VF(VMCS_GUESTPML_INDEX, 0x00000812, W16, KGUEST),
    VF(VMCS_HOST_ES, 0x00000c00, W16, KHOST),
    VF(VMCS_HOST_CS, 0x00000c02, W16, KHOST),
    VF(VMCS_HOST_SS, 0x00000c04, W16, KHOST),
    VF(VMCS_HOST_DS, 0x00000c06, W16, KHOST),
    VF(VMCS_HOST_FS, 0x00000c08, W16, KHOST),
    VF(VMCS_HOST_GS, 0x00000c0a, W16, KHOST),
    VF(VMCS_HOST_TR, 0x00000c0c, W16, KHOST),
    VF(VMCS_CTRL_IO_BITMAP_A, 0x00002000, W64, KCTL),
    VF(VMCS_CTRL_IO_BITMAP_B, 0x00002002, W64, KCTL),
    VF(VMCS_CTRL_MSR_BITMAPS, 0x00002004, W64, KCTL),
    VF(VMCS_CTRL_VMEXIT_MSR_STORE_ADDR, 0x00002006, W64, KCTL),
    VF(VMCS_CTRL_VMEXIT_MSR_LOAD_ADDR, 0x00002008, W64, KCTL),
    VF(VMCS_CTRL_VMENTRY_MSR_LOAD_ADDR, 0x0000200a, W64, KCTL),
    VF(VMCS_CTRL_EXECUTIVE_VMCS_PTR, 0x0000200c, W64, KCTL),
    VF(VMCS_CTRL_PML_ADDR, 0x0000200e, W64, KCTL),
    VF(VMCS_CTRL_TSC_OFFSET, 0x00002010, W64, KCTL),
    VF(VMCS_CTRL_VIRTUAL_APIC, 0x00002012, W64, KCTL),
    VF(VMCS_CTRL_APIC_ACCESS, 0x00002014, W64, KCTL),
    VF(VMCS_CTRL_POSTED_INT_DESC_ADDR, 0x00002016, W64, KCTL),
    VF(VMCS_CTRL_VMFUNC_CTRL, 0x00002018, W64, KCTL),
    VF(VMCS_CTRL_EPTP, 0x0000201a, W64, KCTL),
    VF(VMCS_CTRL_EOI_EXIT_BITMAP_0, 0x0000201c, W64, KCTL),
    VF(VMCS_CTRL_EOI_EXIT_BITMAP_1, 0x0000201e, W64, KCTL),
    VF(VMCS_CTRL_EOI_EXIT_BITMAP_2, 0x00002020, W64, KCTL),
    VF(VMCS_CTRL_EOI_EXIT_BITMAP_3, 0x00002022, W64, KCTL),
    VF(VMCS_CTRL_EPTP_LIST_ADDR, 0x00002024, W64, KCTL),
    VF(VMCS_CTRL_VMREAD_BITMAP_ADDR, 0x00002026, W64, KCTL),
    VF(VMCS_CTRL_VMWRITE_BITMAP_ADDR, 0x00002028, W64, KCTL),
    VF(VMCS_CTRL_VIRT_EXC_INFO_ADDR, 0x0000202a, W64, KCTL),
    VF(VMCS_CTRL_XSS_EXITING_BITMAP, 0x0000202c, W64, KCTL),
    VF(VMCS_CTRL_ENCLS_EXITING_BITMAP, 0x0000202e, W64, KCTL),
    VF(VMCS_CTRL_SPP_TABLE, 0x00002030, W64, KCTL),
    VF(VMCS_CTRL_TSC_MULTIPLIER, 0x00002032, W64, KCTL),
    VF(VMCS_CTRL_ENCLV_EXITING_BITMAP, 0x00002036, W64, KCTL),
    VF(VMCS_GUEST_PHYSICAL_ADDRESS, 0x00002400, W64, KRO),
    VF(VMCS_GUEST_LINK_POINTER, 0x00002800, W64, KGUEST),
    VF(VMCS_GUEST_IA32_DEBUGCTL, 0x00002802, W64, KGUEST),
    VF(VMCS_GUEST_IA32_PAT, 0x00002804, W64, KGUEST),
    VF(VMCS_GUEST_IA32_EFER, 0x00002806, W64, KGUEST),
    VF(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0x00002808, W64, KGUEST),
    VF(VMCS_GUEST_PDPTE0, 0x0000280a, W64, KGUEST),
    VF(VMCS_GUEST_PDPTE1, 0x0000280c, W64, KGUEST),
    VF(VMCS_GUEST_PDPTE2, 0x0000280e, W64, KGUEST),
    VF(VMCS_GUEST_PDPTE3, 0x00002810, W64, KGUEST),
    VF(VMCS_GUEST_IA32_BNDCFGS, 0x00002812, W64, KGUEST),
    VF(VMCS_GUEST_IA32_RTIT_CTL, 0x00002814, W64, KGUEST),
    VF(VMCS_GUEST_IA32_PKRS, 0x00002818, W64, KGUEST),
    VF(VMCS_HOST_IA32_PAT, 0x00002c00, W64, KHOST),
    VF(VMCS_HOST_IA32_EFER, 0x00002c02, W64, KHOST),
    VF(VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0x00002c04, W64, KHOST),
    VF(VMCS_HOST_IA32_PKRS, 0x00002c06, W64, KHOST),
    VF(VMCS_CTRL_PIN_BASED, 0x00004000, W32, KCTL),
    VF(VMCS_CTRL_CPU_BASED, 0x00004002, W32, KCTL),
    VF(VMCS_CTRL_EXC_BITMAP, 0x00004004, W32, KCTL),
    VF(VMCS_CTRL_PF_ERROR_MASK, 0x00004006, W32, KCTL),
    VF(VMCS_CTRL_PF_ERROR_MATCH, 0x00004008, W32, KCTL),
    VF(VMCS_CTRL_CR3_COUNT, 0x0000400a, W32, KCTL),
    VF(VMCS_CTRL_VMEXIT_CONTROLS, 0x0000400c, W32, KCTL),
    VF(VMCS_CTRL_VMEXIT_MSR_STORE_COUNT, 0x0000400e, W32, KCTL),
    VF(VMCS_CTRL_VMEXIT_MSR_LOAD_COUNT, 0x00004010, W32, KCTL),
    VF(VMCS_CTRL_VMENTRY_CONTROLS, 0x00004012, W32, KCTL),
    VF(VMCS_CTRL_VMENTRY_MSR_LOAD_COUNT, 0x00004014, W32, KCTL),
    VF(VMCS_CTRL_VMENTRY_IRQ_INFO, 0x00004016, W32, KCTL),
    VF(VMCS_CTRL_VMENTRY_EXC_ERROR, 0x00004018, W32, KCTL),
    VF(VMCS_CTRL_VMENTRY_INSTR_LEN, 0x0000401a, W32, KCTL),
    VF(VMCS_CTRL_TPR_THRESHOLD, 0x0000401c, W32, KCTL),
    VF(VMCS_CTRL_CPU_BASED2, 0x0000401e, W32, KCTL),
    VF(VMCS_CTRL_PLE_GAP, 0x00004020, W32, KCTL),
    VF(VMCS_CTRL_PLE_WINDOW, 0x00004022, W32, KCTL),
    VF(VMCS_RO_INSTR_ERROR, 0x00004400, W32, KRO),
    VF(VMCS_RO_EXIT_REASON, 0x00004402, W32, KRO),
    VF(VMCS_RO_VMEXIT_IRQ_INFO, 0x00004404, W32, KRO),
    VF(VMCS_RO_VMEXIT_IRQ_ERROR, 0x00004406, W32, KRO),
    VF(VMCS_RO_IDT_VECTOR_INFO, 0x00004408, W32, KRO),
    VF(VMCS_RO_IDT_VECTOR_ERROR, 0x0000440a, W32, KRO),
    VF(VMCS_RO_VMEXIT_INSTR_LEN, 0x0000440c, W32, KRO),
    VF(VMCS_RO_VMX_INSTR_INFO, 0x0000440e, W32, KRO),
    VF(VMCS_GUEST_ES_LIMIT, 0x00004800, W32, KGUEST),
    VF(VMCS_GUEST_CS_LIMIT, 0x00004802, W32, KGUEST),
    VF(VMCS_GUEST_SS_LIMIT, 0x00004804, W32, KGUEST),
    VF(VMCS_GUEST_DS_LIMIT, 0x00004806, W32, KGUEST),
    VF(VMCS_GUEST_FS_LIMIT, 0x00004808, W32, KGUEST),
    VF(VMCS_GUEST_GS_LIMIT, 0x0000480a, W32, KGUEST),
    VF(VMCS_GUEST_LDTR_LIMIT, 0x0000480c, W32, KGUEST),
    VF(VMCS_GUEST_TR_LIMIT, 0x0000480e, W32, KGUEST),
    VF(VMCS_GUEST_GDTR_LIMIT, 0x00004810, W32, KGUEST),
    VF(VMCS_GUEST_IDTR_LIMIT, 0x00004812, W32, KGUEST),
    VF(VMCS_GUEST_ES_AR, 0x00004814, W32, KGUEST),
    VF(VMCS_GUEST_CS_AR, 0x00004816, W32, KGUEST),
    VF(VMCS_GUEST_SS_AR, 0x00004818, W32, KGUEST),
    VF(VMCS_GUEST_DS_AR, 0x0000481a, W32, KGUEST),
    VF(VMCS_GUEST_FS_AR, 0x0000481c, W32, KGUEST),
    VF(VMCS_GUEST_GS_AR, 0x0000481e, W32, KGUEST),
    VF(VMCS_GUEST_LDTR_AR, 0x00004820, W32, KGUEST),
    VF(VMCS_GUEST_TR_AR, 0x00004822, W32, KGUEST),
    VF(VMCS_GUEST_INTERRUPTIBILITY, 0x00004824, W32, KGUEST),
    VF(VMCS_GUEST_ACTIVITY_STATE, 0x00004826, W32, KGUEST),
    VF(VMCS_GUEST_SMBASE, 0x00004828, W32, KGUEST),
    VF(VMCS_GUEST_IA32_SYSENTER_CS, 0x0000482a, W32, KGUEST),
    VF(VMCS_GUEST_VMX_TIMER_VALUE, 0x0000482e, W32, KGUEST),
    VF(VMCS_HOST_IA32_SYSENTER_CS, 0x00004c00, W32, KHOST),
    VF(VMCS_CTRL_CR0_MASK, 0x00006000, WNAT, KCTL),
    VF(VMCS_CTRL_CR4_MASK, 0x00006002, WNAT, KCTL),
    VF(VMCS_CTRL_CR0_SHADOW, 0x00006004, WNAT, KCTL),
    VF(VMCS_CTRL_CR4_SHADOW, 0x00006006, WNAT, KCTL),
    VF(VMCS_CTRL_CR3_VALUE0, 0x00006008, WNAT, KCTL),
    VF(VMCS_CTRL_CR3_VALUE1, 0x0000600a, WNAT, KCTL),
    VF(VMCS_CTRL_CR3_VALUE2, 0x0000600c, WNAT, KCTL),
    VF(VMCS_CTRL_CR3_VALUE3, 0x0000600e, WNAT, KCTL),
    VF(VMCS_RO_EXIT_QUALIFIC, 0x00006400, WNAT, KRO),
    VF(VMCS_RO_IO_RCX, 0x00006402, WNAT, KRO),
    VF(VMCS_RO_IO_RSI, 0x00006404, WNAT, KRO),
    VF(VMCS_RO_IO_RDI, 0x00006406, WNAT, KRO),
    VF(VMCS_RO_IO_RIP, 0x00006408, WNAT, KRO),
    VF(VMCS_RO_GUEST_LIN_ADDR, 0x0000640a, WNAT, KRO),
    VF(VMCS_GUEST_CR0, 0x00006800, WNAT, KGUEST),
    VF(VMCS_GUEST_CR3, 0x00006802, WNAT, KGUEST),
    VF(VMCS_GUEST_CR4, 0x00006804, WNAT, KGUEST),
    VF(VMCS_GUEST_ES_BASE, 0x00006806, WNAT, KGUEST),
    VF(VMCS_GUEST_CS_BASE, 0x00006808, WNAT, KGUEST),
    VF(VMCS_GUEST_SS_BASE, 0x0000680a, WNAT, KGUEST),
    VF(VMCS_GUEST_DS_BASE, 0x0000680c, WNAT, KGUEST),
    VF(VMCS_GUEST_FS_BASE, 0x0000680e, WNAT, KGUEST),
    VF(VMCS_GUEST_GS_BASE, 0x00006810, WNAT, KGUEST),
    VF(VMCS_GUEST_LDTR_BASE, 0x00006812, WNAT, KGUEST),
    VF(VMCS_GUEST_TR_BASE, 0x00006814, WNAT, KGUEST),
    VF(VMCS_GUEST_GDTR_BASE, 0x00006816, WNAT, KGUEST),
    VF(VMCS_GUEST_IDTR_BASE, 0x00006818, WNAT, KGUEST),
    VF(VMCS_GUEST_DR7, 0x0000681a, WNAT, KGUEST),
    VF(VMCS_GUEST_RSP, 0x0000681c, WNAT, KGUEST),
    VF(VMCS_GUEST_RIP, 0x0000681e, WNAT, KGUEST),
    VF(VMCS_GUEST_RFLAGS, 0x00006820, WNAT, KGUEST),
    VF(VMCS_GUEST_DEBUG_EXC, 0x00006822, WNAT, KGUEST),
    VF(VMCS_GUEST_SYSENTER_ESP, 0x00006824, WNAT, KGUEST),
    VF(VMCS_GUEST_SYSENTER_EIP, 0x00006826, WNAT, KGUEST),
    VF(VMCS_GUEST_IA32_S_CET, 0x00006828, WNAT, KGUEST),
    VF(VMCS_GUEST_SSP, 0x0000682a, WNAT, KGUEST),
    VF(VMCS_GUEST_IA32_INTR_SSP_TABLE_ADDR, 0x0000682c, WNAT, KGUEST),
    VF(VMCS_HOST_CR0, 0x00006c00, WNAT, KHOST),
    VF(VMCS_HOST_CR3, 0x00006c02, WNAT, KHOST),
    VF(VMCS_HOST_CR4, 0x00006c04, WNAT, KHOST),
    VF(VMCS_HOST_FS_BASE, 0x00006c06, WNAT, KHOST),
    VF(VMCS_HOST_GS_BASE, 0x00006c08, WNAT, KHOST),
    VF(VMCS_HOST_TR_BASE, 0x00006c0a, WNAT, KHOST),
    VF(VMCS_HOST_GDTR_BASE, 0x00006c0c, WNAT, KHOST),
    VF(VMCS_HOST_IDTR_BASE, 0x00006c0e, WNAT, KHOST),
    VF(VMCS_HOST_IA32_SYSENTER_ESP, 0x00006c10, WNAT, KHOST),
    VF(VMCS_HOST_IA32_SYSENTER_EIP, 0x00006c12, WNAT, KHOST),
    VF(VMCS_HOST_RSP, 0x00006c14, WNAT, KHOST),
    VF(VMCS_HOST_RIP, 0x00006c16, WNAT, KHOST),
    VF(VMCS_HOST_IA32_S_CET, 0x00006c18, WNAT, KHOST),
    VF(VMCS_HOST_SSP, 0x00006c1a, WNAT, KHOST),
    VF(VMCS_HOST_IA32_INTR_SSP_TABLE_ADDR, 0x00006c1c, WNAT, KHOST),
};

static void test_vmcs_fields_have_apples_encodings(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(vmcs_fields); i++) {
        const struct vmcs_case *f = &vmcs_fields[i];
        if (f->value != f->expected)
            fail_msg("%s is 0x%08x, expected 0x%08x", f->name, f->value, f->expected);
    }
}

static void test_vmcs_encodings_carry_the_width_and_kind_of_their_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(vmcs_fields); i++) {
        const struct vmcs_case *f = &vmcs_fields[i];
        unsigned width = (f->value >> 13) & 3, kind = (f->value >> 10) & 3;
        if (width != f->width || kind != f->kind)
            fail_msg("%s (0x%04x) encodes width %u kind %u, expected width %u kind %u", f->name,
                     f->value, width, kind, f->width, f->kind);
        /* Full-field accesses only: bit 0 (high half) clear, bit 12 and 15+ reserved. */
        assert_int_equal(f->value & 0xffff9001u, 0);
    }
}

static void test_vmcs_encodings_are_distinct_and_ascending(void **state)
{
    (void)state;
    for (size_t i = 1; i < COUNT(vmcs_fields); i++) {
        if (vmcs_fields[i].value <= vmcs_fields[i - 1].value)
            fail_msg("%s (0x%x) does not follow %s (0x%x)", vmcs_fields[i].name,
                     vmcs_fields[i].value, vmcs_fields[i - 1].name, vmcs_fields[i - 1].value);
    }
    assert_true(vmcs_fields[COUNT(vmcs_fields) - 1].value < VMCS_MAX);
}

static void test_vmcs_aliases_and_sentinels(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(VMCS_GUEST_IGNORE_IRQ, 0x4824),
        NV(VMCS_GUEST_IGNORE_IRQ, VMCS_GUEST_INTERRUPTIBILITY),
        NV(VMCS_MAX, 0x6d00),
        NV(VMCS_INVALID, VMCS_MAX),
        NV(__VMCS_HOST_RSP, 0x6c14),
    };
    check_table(t, COUNT(t));
}

/* ------------------------------------------------------------------------- */
/* Capabilities and control bits                                             */
/* ------------------------------------------------------------------------- */

static void test_vmx_capability_ids_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_VMX_CAP_PINBASED, 0),
        NV(HV_VMX_CAP_PROCBASED, 1),
        NV(HV_VMX_CAP_PROCBASED2, 2),
        NV(HV_VMX_CAP_ENTRY, 3),
        NV(HV_VMX_CAP_EXIT, 4),
        NV(HV_VMX_CAP_BASIC, 5),
        NV(HV_VMX_CAP_TRUE_PINBASED, 6),
        NV(HV_VMX_CAP_TRUE_PROCBASED, 7),
        NV(HV_VMX_CAP_TRUE_ENTRY, 8),
        NV(HV_VMX_CAP_TRUE_EXIT, 9),
        NV(HV_VMX_CAP_MISC, 10),
        NV(HV_VMX_CAP_CR0_FIXED0, 11),
        NV(HV_VMX_CAP_CR0_FIXED1, 12),
        NV(HV_VMX_CAP_CR4_FIXED0, 13),
        NV(HV_VMX_CAP_CR4_FIXED1, 14),
        NV(HV_VMX_CAP_VMCS_ENUM, 15),
        NV(HV_VMX_CAP_EPT_VPID_CAP, 16),
        NV(HV_VMX_CAP_PREEMPTION_TIMER, 32),
        NV(HV_VMX_INFO_MSR_IA32_ARCH_CAPABILITIES, 0),
        NV(HV_VMX_INFO_MSR_IA32_PERF_CAPABILITIES, 1),
        NV(HV_VMX_VALID_MSR_IA32_PERFEVNTSEL, 2),
        NV(HV_VMX_VALID_MSR_IA32_FIXED_CTR_CTRL, 3),
        NV(HV_VMX_VALID_MSR_IA32_PERF_GLOBAL_CTRL, 4),
        NV(HV_VMX_VALID_MSR_IA32_PERF_GLOBAL_STATUS, 5),
        NV(HV_VMX_VALID_MSR_IA32_DEBUGCTL, 6),
        NV(HV_VMX_VALID_MSR_IA32_SPEC_CTRL, 7),
        NV(HV_VMX_NEED_MSR_IA32_SPEC_CTRL, 8),
    };
    check_table(t, COUNT(t));
}

static void test_pin_based_controls_are_intel_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(PIN_BASED_INTR, 1u << 0),        NV(PIN_BASED_NMI, 1u << 3),
        NV(PIN_BASED_VIRTUAL_NMI, 1u << 5), NV(PIN_BASED_PREEMPTION_TIMER, 1u << 6),
        NV(PIN_BASED_POSTED_INTR, 1u << 7),
    };
    check_table(t, COUNT(t));
}

static void test_primary_processor_controls_are_intel_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(CPU_BASED_IRQ_WND, 1u << 2),
        NV(CPU_BASED_TSC_OFFSET, 1u << 3),
        NV(CPU_BASED_HLT, 1u << 7),
        NV(CPU_BASED_INVLPG, 1u << 9),
        NV(CPU_BASED_MWAIT, 1u << 10),
        NV(CPU_BASED_RDPMC, 1u << 11),
        NV(CPU_BASED_RDTSC, 1u << 12),
        NV(CPU_BASED_CR3_LOAD, 1u << 15),
        NV(CPU_BASED_CR3_STORE, 1u << 16),
        NV(CPU_BASED_CR8_LOAD, 1u << 19),
        NV(CPU_BASED_CR8_STORE, 1u << 20),
        NV(CPU_BASED_TPR_SHADOW, 1u << 21),
        NV(CPU_BASED_VIRTUAL_NMI_WND, 1u << 22),
        NV(CPU_BASED_MOV_DR, 1u << 23),
        NV(CPU_BASED_UNCOND_IO, 1u << 24),
        NV(CPU_BASED_IO_BITMAPS, 1u << 25),
        NV(CPU_BASED_MTF, 1u << 27),
        NV(CPU_BASED_MSR_BITMAPS, 1u << 28),
        NV(CPU_BASED_MONITOR, 1u << 29),
        NV(CPU_BASED_PAUSE, 1u << 30),
        NV(CPU_BASED_SECONDARY_CTLS, 1u << 31),
    };
    check_table(t, COUNT(t));
}

static void test_secondary_processor_controls_are_intel_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(CPU_BASED2_VIRTUAL_APIC, 1u << 0),
        NV(CPU_BASED2_EPT, 1u << 1),
        NV(CPU_BASED2_DESC_TABLE, 1u << 2),
        NV(CPU_BASED2_RDTSCP, 1u << 3),
        NV(CPU_BASED2_X2APIC, 1u << 4),
        NV(CPU_BASED2_VPID, 1u << 5),
        NV(CPU_BASED2_WBINVD, 1u << 6),
        NV(CPU_BASED2_UNRESTRICTED, 1u << 7),
        NV(CPU_BASED2_APIC_REG_VIRT, 1u << 8),
        NV(CPU_BASED2_VIRT_INTR_DELIVERY, 1u << 9),
        NV(CPU_BASED2_PAUSE_LOOP, 1u << 10),
        NV(CPU_BASED2_RDRAND, 1u << 11),
        NV(CPU_BASED2_INVPCID, 1u << 12),
        NV(CPU_BASED2_VMFUNC, 1u << 13),
        NV(CPU_BASED2_VMCS_SHADOW, 1u << 14),
        NV(CPU_BASED2_ENCLS_EXIT_MAP, 1u << 15),
        NV(CPU_BASED2_RDSEED, 1u << 16),
        NV(CPU_BASED2_PML, 1u << 17),
        NV(CPU_BASED2_EPT_VE, 1u << 18),
        NV(CPU_BASED2_PT_CONCEAL_VMX, 1u << 19),
        NV(CPU_BASED2_XSAVES_XRSTORS, 1u << 20),
        NV(CPU_BASED2_EPT_MODE_BASED_EXEC, 1u << 22),
        NV(CPU_BASED2_EPT_SUBPAGE_WRITE, 1u << 23),
        NV(CPU_BASED2_PT_GUEST_PHYSICAL, 1u << 24),
        NV(CPU_BASED2_TSC_SCALING, 1u << 25),
        NV(CPU_BASED2_USER_WAIT_PAUSE, 1u << 26),
        NV(CPU_BASED2_ENCLV_EXIT_MAP, 1u << 28),
    };
    check_table(t, COUNT(t));
}

static void test_ept_vpid_capability_and_basic_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(VMX_EPT_VPID_SUPPORT_EXONLY, 1u << 0),
        NV(VMX_EPT_VPID_SUPPORT_AD, 1u << 21),
        NV(VMX_EPT_VPID_ADV_VMEXIT_INFO, 1u << 22),
        NV(VMX_BASIC_TRUE_CTLS, 1ull << 55),
    };
    check_table(t, COUNT(t));
}

static void test_vm_exit_controls_are_intel_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(VMEXIT_SAVE_DBG_CONTROLS, 1u << 2),
        NV(VMEXIT_HOST_IA32E, 1u << 9),
        NV(VMEXIT_LOAD_IA32_PERF_GLOBAL_CTRL, 1u << 12),
        NV(VMEXIT_ACK_INTR, 1u << 15),
        NV(VMEXIT_SAVE_IA32_PAT, 1u << 18),
        NV(VMEXIT_LOAD_IA32_PAT, 1u << 19),
        NV(VMEXIT_SAVE_EFER, 1u << 20),
        NV(VMEXIT_LOAD_EFER, 1u << 21),
        NV(VMEXIT_SAVE_VMX_TIMER, 1u << 22),
        NV(VMEXIT_CLEAR_IA32_BNDCFGS, 1u << 23),
        NV(VMEXIT_PT_CONCEAL_VMX, 1u << 24),
        NV(VMEXIT_CLEAR_IA32_RTIT_CTL, 1u << 25),
        NV(VMEXIT_LOAD_CET_STATE, 1u << 28),
        NV(VMEXIT_LOAD_PKRS, 1u << 29),
    };
    check_table(t, COUNT(t));
}

static void test_vm_entry_controls_are_intel_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(VMENTRY_LOAD_DBG_CONTROLS, 1u << 2),
        NV(VMENTRY_GUEST_IA32E, 1u << 9),
        NV(VMENTRY_SMM, 1u << 10),
        NV(VMENTRY_DEACTIVATE_DUAL_MONITOR, 1u << 11),
        NV(VMENTRY_LOAD_IA32_PERF_GLOBAL_CTRL, 1u << 13),
        NV(VMENTRY_LOAD_IA32_PAT, 1u << 14),
        NV(VMENTRY_LOAD_EFER, 1u << 15),
        NV(VMENTRY_LOAD_IA32_BNDCFGS, 1u << 16),
        NV(VMENTRY_PT_CONCEAL_VMX, 1u << 17),
        NV(VMENTRY_LOAD_IA32_RTIT_CTL, 1u << 18),
        NV(VMENTRY_LOAD_CET_STATE, 1u << 20),
        NV(VMENTRY_LOAD_PKRS, 1u << 22),
    };
    check_table(t, COUNT(t));
}

/* The rule clients apply: force the allowed-0 bits, drop what is not allowed-1. */
static void test_capability_masks_combine_as_clients_apply_them(void **state)
{
    (void)state;
    uint64_t cap = (uint64_t)(PIN_BASED_INTR | PIN_BASED_NMI | PIN_BASED_VIRTUAL_NMI) << 32 |
                   (uint32_t)PIN_BASED_INTR;
    uint64_t want = PIN_BASED_NMI | PIN_BASED_PREEMPTION_TIMER;
    uint64_t ctrl = (want | (cap & 0xffffffffu)) & (cap >> 32);
    assert_int_equal(ctrl, PIN_BASED_INTR | PIN_BASED_NMI);
    assert_int_equal(ctrl, 0x9);
}

/* ------------------------------------------------------------------------- */
/* Exit reasons and event formats                                            */
/* ------------------------------------------------------------------------- */

static void test_exit_reasons_have_intels_basic_reason_numbers(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(VMX_REASON_EXC_NMI, 0),
        NV(VMX_REASON_IRQ, 1),
        NV(VMX_REASON_TRIPLE_FAULT, 2),
        NV(VMX_REASON_INIT, 3),
        NV(VMX_REASON_SIPI, 4),
        NV(VMX_REASON_IO_SMI, 5),
        NV(VMX_REASON_OTHER_SMI, 6),
        NV(VMX_REASON_IRQ_WND, 7),
        NV(VMX_REASON_VIRTUAL_NMI_WND, 8),
        NV(VMX_REASON_TASK, 9),
        NV(VMX_REASON_CPUID, 10),
        NV(VMX_REASON_GETSEC, 11),
        NV(VMX_REASON_HLT, 12),
        NV(VMX_REASON_INVD, 13),
        NV(VMX_REASON_INVLPG, 14),
        NV(VMX_REASON_RDPMC, 15),
        NV(VMX_REASON_RDTSC, 16),
        NV(VMX_REASON_RSM, 17),
        NV(VMX_REASON_VMCALL, 18),
        NV(VMX_REASON_VMCLEAR, 19),
        NV(VMX_REASON_VMLAUNCH, 20),
        NV(VMX_REASON_VMPTRLD, 21),
        NV(VMX_REASON_VMPTRST, 22),
        NV(VMX_REASON_VMREAD, 23),
        NV(VMX_REASON_VMRESUME, 24),
        NV(VMX_REASON_VMWRITE, 25),
        NV(VMX_REASON_VMOFF, 26),
        NV(VMX_REASON_VMON, 27),
        NV(VMX_REASON_MOV_CR, 28),
        NV(VMX_REASON_MOV_DR, 29),
        NV(VMX_REASON_IO, 30),
        NV(VMX_REASON_RDMSR, 31),
        NV(VMX_REASON_WRMSR, 32),
        NV(VMX_REASON_VMENTRY_GUEST, 33),
        NV(VMX_REASON_VMENTRY_MSR, 34),
        NV(VMX_REASON_MWAIT, 36),
        NV(VMX_REASON_MTF, 37),
        NV(VMX_REASON_MONITOR, 39),
        NV(VMX_REASON_PAUSE, 40),
        NV(VMX_REASON_VMENTRY_MC, 41),
        NV(VMX_REASON_TPR_THRESHOLD, 43),
        NV(VMX_REASON_APIC_ACCESS, 44),
        NV(VMX_REASON_VIRTUALIZED_EOI, 45),
        NV(VMX_REASON_GDTR_IDTR, 46),
        NV(VMX_REASON_LDTR_TR, 47),
        NV(VMX_REASON_EPT_VIOLATION, 48),
        NV(VMX_REASON_EPT_MISCONFIG, 49),
        NV(VMX_REASON_EPT_INVEPT, 50),
        NV(VMX_REASON_RDTSCP, 51),
        NV(VMX_REASON_VMX_TIMER_EXPIRED, 52),
        NV(VMX_REASON_INVVPID, 53),
        NV(VMX_REASON_WBINVD, 54),
        NV(VMX_REASON_XSETBV, 55),
        NV(VMX_REASON_APIC_WRITE, 56),
        NV(VMX_REASON_RDRAND, 57),
        NV(VMX_REASON_INVPCID, 58),
        NV(VMX_REASON_VMFUNC, 59),
        NV(VMX_REASON_ENCLS, 60),
        NV(VMX_REASON_RDSEED, 61),
        NV(VMX_REASON_PML_FULL, 62),
        NV(VMX_REASON_XSAVES, 63),
        NV(VMX_REASON_XRSTORS, 64),
        NV(VMX_REASON_SPP_EVENT, 66),
        NV(VMX_REASON_UMWAIT, 67),
        NV(VMX_REASON_TPAUSE, 68),
    };
    check_table(t, COUNT(t));
}

/* Compiles only if no two reasons share a value. */
static int reason_known(uint32_t basic)
{
    switch (basic) {
    case VMX_REASON_EXC_NMI:
    case VMX_REASON_IRQ:
    case VMX_REASON_TRIPLE_FAULT:
    case VMX_REASON_INIT:
    case VMX_REASON_SIPI:
    case VMX_REASON_IO_SMI:
    case VMX_REASON_OTHER_SMI:
    case VMX_REASON_IRQ_WND:
    case VMX_REASON_VIRTUAL_NMI_WND:
    case VMX_REASON_TASK:
    case VMX_REASON_CPUID:
    case VMX_REASON_GETSEC:
    case VMX_REASON_HLT:
    case VMX_REASON_INVD:
    case VMX_REASON_INVLPG:
    case VMX_REASON_RDPMC:
    case VMX_REASON_RDTSC:
    case VMX_REASON_RSM:
    case VMX_REASON_VMCALL:
    case VMX_REASON_VMCLEAR:
    case VMX_REASON_VMLAUNCH:
    case VMX_REASON_VMPTRLD:
    case VMX_REASON_VMPTRST:
    case VMX_REASON_VMREAD:
    case VMX_REASON_VMRESUME:
    case VMX_REASON_VMWRITE:
    case VMX_REASON_VMOFF:
    case VMX_REASON_VMON:
    case VMX_REASON_MOV_CR:
    case VMX_REASON_MOV_DR:
    case VMX_REASON_IO:
    case VMX_REASON_RDMSR:
    case VMX_REASON_WRMSR:
    case VMX_REASON_VMENTRY_GUEST:
    case VMX_REASON_VMENTRY_MSR:
    case VMX_REASON_MWAIT:
    case VMX_REASON_MTF:
    case VMX_REASON_MONITOR:
    case VMX_REASON_PAUSE:
    case VMX_REASON_VMENTRY_MC:
    case VMX_REASON_TPR_THRESHOLD:
    case VMX_REASON_APIC_ACCESS:
    case VMX_REASON_VIRTUALIZED_EOI:
    case VMX_REASON_GDTR_IDTR:
    case VMX_REASON_LDTR_TR:
    case VMX_REASON_EPT_VIOLATION:
    case VMX_REASON_EPT_MISCONFIG:
    case VMX_REASON_EPT_INVEPT:
    case VMX_REASON_RDTSCP:
    case VMX_REASON_VMX_TIMER_EXPIRED:
    case VMX_REASON_INVVPID:
    case VMX_REASON_WBINVD:
    case VMX_REASON_XSETBV:
    case VMX_REASON_APIC_WRITE:
    case VMX_REASON_RDRAND:
    case VMX_REASON_INVPCID:
    case VMX_REASON_VMFUNC:
    case VMX_REASON_ENCLS:
    case VMX_REASON_RDSEED:
    case VMX_REASON_PML_FULL:
    case VMX_REASON_XSAVES:
    case VMX_REASON_XRSTORS:
    case VMX_REASON_SPP_EVENT:
    case VMX_REASON_UMWAIT:
    case VMX_REASON_TPAUSE: return 1;
    default: return 0;
    }
}

static void test_exit_reasons_are_distinct_and_leave_35_38_42_65_undefined(void **state)
{
    (void)state;
    int known = 0;
    for (uint32_t r = 0; r <= 68; r++)
        known += reason_known(r);
    assert_int_equal(known, 65);
    assert_false(reason_known(35));
    assert_false(reason_known(38));
    assert_false(reason_known(42));
    assert_false(reason_known(65));
    /* An entry failure: bit 31 plus basic reason 33 in VMCS_RO_EXIT_REASON. */
    uint32_t exit_reason = 0x80000000u | VMX_REASON_VMENTRY_GUEST;
    assert_int_equal(exit_reason & 0xffff, 33);
}

static void test_interruption_info_fields_follow_intels_format(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(IRQ_INFO_VECTOR_MASK, 0xffu),  NV(IRQ_INFO_EXT_IRQ, 0x0u),
        NV(IRQ_INFO_NMI, 0x200u),         NV(IRQ_INFO_HARD_EXC, 0x300u),
        NV(IRQ_INFO_SOFT_IRQ, 0x400u),    NV(IRQ_INFO_PRIV_SOFT_EXC, 0x500u),
        NV(IRQ_INFO_SOFT_EXC, 0x600u),    NV(IRQ_INFO_TYPE_MASK, 0x700u),
        NV(IRQ_INFO_ERROR_VALID, 0x800u), NV(IRQ_INFO_VALID, 0x80000000u),
    };
    check_table(t, COUNT(t));
    /* Inject #GP(0) as hvdos and QEMU do: vector 13, hardware exception, error code. */
    uint32_t info = IRQ_INFO_VALID | IRQ_INFO_ERROR_VALID | IRQ_INFO_HARD_EXC | 13;
    assert_int_equal(info, 0x80000b0du);
    assert_int_equal(info & IRQ_INFO_VECTOR_MASK, 13);
    assert_int_equal(info & IRQ_INFO_TYPE_MASK, IRQ_INFO_HARD_EXC);
}

static void test_interruptibility_bits_are_intels(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(GUEST_INTRBILITY_STI_BLOCKING, 1u << 0),
        NV(GUEST_INTRBILITY_MOVSS_BLOCKING, 1u << 1),
        NV(GUEST_INTRBILITY_SMI_BLOCKING, 1u << 2),
        NV(GUEST_INTRBILITY_NMI_BLOCKING, 1u << 3),
    };
    check_table(t, COUNT(t));
}

/* ------------------------------------------------------------------------- */
/* MSR numbers                                                               */
/* ------------------------------------------------------------------------- */

static void test_msr_constants_are_intels_msr_numbers(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_MSR_IA32_TSC, 0x10u),
        NV(HV_MSR_IA32_SPEC_CTRL, 0x48u),
        NV(HV_MSR_IA32_PRED_CMD, 0x49u),
        NV(HV_MSR_IA32_PMC0, 0xc1u),
        NV(HV_MSR_IA32_PMC1, 0xc2u),
        NV(HV_MSR_IA32_PMC2, 0xc3u),
        NV(HV_MSR_IA32_PMC3, 0xc4u),
        NV(HV_MSR_IA32_PMC4, 0xc5u),
        NV(HV_MSR_IA32_PMC5, 0xc6u),
        NV(HV_MSR_IA32_PMC6, 0xc7u),
        NV(HV_MSR_IA32_PMC7, 0xc8u),
        NV(HV_MSR_IA32_ARCH_CAPABILITIES, 0x10au),
        NV(HV_MSR_IA32_FLUSH_CMD, 0x10bu),
        NV(HV_MSR_IA32_SYSENTER_CS, 0x174u),
        NV(HV_MSR_IA32_SYSENTER_ESP, 0x175u),
        NV(HV_MSR_IA32_SYSENTER_EIP, 0x176u),
        NV(HV_MSR_IA32_PERFEVNTSEL0, 0x186u),
        NV(HV_MSR_IA32_PERFEVNTSEL1, 0x187u),
        NV(HV_MSR_IA32_PERFEVNTSEL2, 0x188u),
        NV(HV_MSR_IA32_PERFEVNTSEL3, 0x189u),
        NV(HV_MSR_IA32_PERFEVNTSEL4, 0x18au),
        NV(HV_MSR_IA32_PERFEVNTSEL5, 0x18bu),
        NV(HV_MSR_IA32_PERFEVNTSEL6, 0x18cu),
        NV(HV_MSR_IA32_PERFEVNTSEL7, 0x18du),
        NV(HV_MSR_LBR_SELECT, 0x1c8u),
        NV(HV_MSR_LASTBRANCH_TOS, 0x1c9u),
        NV(HV_MSR_IA32_DEBUGCTL, 0x1d9u),
        NV(HV_MSR_LASTINT_FROM_IP, 0x1ddu),
        NV(HV_MSR_LASTINT_TO_IP, 0x1deu),
        NV(HV_MSR_IA32_FIXED_CTR0, 0x309u),
        NV(HV_MSR_IA32_FIXED_CTR1, 0x30au),
        NV(HV_MSR_IA32_FIXED_CTR2, 0x30bu),
        NV(HV_MSR_IA32_FIXED_CTR3, 0x30cu),
        NV(HV_MSR_PERF_METRICS, 0x329u),
        NV(HV_MSR_IA32_FIXED_CTR_CTRL, 0x38du),
        NV(HV_MSR_IA32_PERF_GLOBAL_STATUS, 0x38eu),
        NV(HV_MSR_IA32_PERF_GLOBAL_CTRL, 0x38fu),
        NV(HV_MSR_IA32_PERF_GLOBAL_STATUS_RESET, 0x390u),
        NV(HV_MSR_IA32_PERF_GLOBAL_STATUS_SET, 0x391u),
        NV(HV_MSR_IA32_PERF_GLOBAL_INUSE, 0x392u),
        NV(HV_MSR_IA32_A_PMC0, 0x4c1u),
        NV(HV_MSR_IA32_A_PMC1, 0x4c2u),
        NV(HV_MSR_IA32_A_PMC2, 0x4c3u),
        NV(HV_MSR_IA32_A_PMC3, 0x4c4u),
        NV(HV_MSR_IA32_A_PMC4, 0x4c5u),
        NV(HV_MSR_IA32_A_PMC5, 0x4c6u),
        NV(HV_MSR_IA32_A_PMC6, 0x4c7u),
        NV(HV_MSR_IA32_A_PMC7, 0x4c8u),
        NV(HV_MSR_LASTBRANCH_0_FROM_IP, 0x680u),
        NV(HV_MSR_LASTBRANCH_1_FROM_IP, 0x681u),
        NV(HV_MSR_LASTBRANCH_2_FROM_IP, 0x682u),
        NV(HV_MSR_LASTBRANCH_3_FROM_IP, 0x683u),
        NV(HV_MSR_LASTBRANCH_4_FROM_IP, 0x684u),
        NV(HV_MSR_LASTBRANCH_5_FROM_IP, 0x685u),
        NV(HV_MSR_LASTBRANCH_6_FROM_IP, 0x686u),
        NV(HV_MSR_LASTBRANCH_7_FROM_IP, 0x687u),
        NV(HV_MSR_LASTBRANCH_8_FROM_IP, 0x688u),
        NV(HV_MSR_LASTBRANCH_9_FROM_IP, 0x689u),
        NV(HV_MSR_LASTBRANCH_10_FROM_IP, 0x68au),
        NV(HV_MSR_LASTBRANCH_11_FROM_IP, 0x68bu),
        NV(HV_MSR_LASTBRANCH_12_FROM_IP, 0x68cu),
        NV(HV_MSR_LASTBRANCH_13_FROM_IP, 0x68du),
        NV(HV_MSR_LASTBRANCH_14_FROM_IP, 0x68eu),
        NV(HV_MSR_LASTBRANCH_15_FROM_IP, 0x68fu),
        NV(HV_MSR_LASTBRANCH_16_FROM_IP, 0x690u),
        NV(HV_MSR_LASTBRANCH_17_FROM_IP, 0x691u),
        NV(HV_MSR_LASTBRANCH_18_FROM_IP, 0x692u),
        NV(HV_MSR_LASTBRANCH_19_FROM_IP, 0x693u),
        NV(HV_MSR_LASTBRANCH_20_FROM_IP, 0x694u),
        NV(HV_MSR_LASTBRANCH_21_FROM_IP, 0x695u),
        NV(HV_MSR_LASTBRANCH_22_FROM_IP, 0x696u),
        NV(HV_MSR_LASTBRANCH_23_FROM_IP, 0x697u),
        NV(HV_MSR_LASTBRANCH_24_FROM_IP, 0x698u),
        NV(HV_MSR_LASTBRANCH_25_FROM_IP, 0x699u),
        NV(HV_MSR_LASTBRANCH_26_FROM_IP, 0x69au),
        NV(HV_MSR_LASTBRANCH_27_FROM_IP, 0x69bu),
        NV(HV_MSR_LASTBRANCH_28_FROM_IP, 0x69cu),
        NV(HV_MSR_LASTBRANCH_29_FROM_IP, 0x69du),
        NV(HV_MSR_LASTBRANCH_30_FROM_IP, 0x69eu),
        NV(HV_MSR_LASTBRANCH_31_FROM_IP, 0x69fu),
        NV(HV_MSR_LASTBRANCH_0_TO_IP, 0x6c0u),
        NV(HV_MSR_LASTBRANCH_1_TO_IP, 0x6c1u),
        NV(HV_MSR_LASTBRANCH_2_TO_IP, 0x6c2u),
        NV(HV_MSR_LASTBRANCH_3_TO_IP, 0x6c3u),
        NV(HV_MSR_LASTBRANCH_4_TO_IP, 0x6c4u),
        NV(HV_MSR_LASTBRANCH_5_TO_IP, 0x6c5u),
        NV(HV_MSR_LASTBRANCH_6_TO_IP, 0x6c6u),
        NV(HV_MSR_LASTBRANCH_7_TO_IP, 0x6c7u),
        NV(HV_MSR_LASTBRANCH_8_TO_IP, 0x6c8u),
        NV(HV_MSR_LASTBRANCH_9_TO_IP, 0x6c9u),
        NV(HV_MSR_LASTBRANCH_10_TO_IP, 0x6cau),
        NV(HV_MSR_LASTBRANCH_11_TO_IP, 0x6cbu),
        NV(HV_MSR_LASTBRANCH_12_TO_IP, 0x6ccu),
        NV(HV_MSR_LASTBRANCH_13_TO_IP, 0x6cdu),
        NV(HV_MSR_LASTBRANCH_14_TO_IP, 0x6ceu),
        NV(HV_MSR_LASTBRANCH_15_TO_IP, 0x6cfu),
        NV(HV_MSR_LASTBRANCH_16_TO_IP, 0x6d0u),
        NV(HV_MSR_LASTBRANCH_17_TO_IP, 0x6d1u),
        NV(HV_MSR_LASTBRANCH_18_TO_IP, 0x6d2u),
        NV(HV_MSR_LASTBRANCH_19_TO_IP, 0x6d3u),
        NV(HV_MSR_LASTBRANCH_20_TO_IP, 0x6d4u),
        NV(HV_MSR_LASTBRANCH_21_TO_IP, 0x6d5u),
        NV(HV_MSR_LASTBRANCH_22_TO_IP, 0x6d6u),
        NV(HV_MSR_LASTBRANCH_23_TO_IP, 0x6d7u),
        NV(HV_MSR_LASTBRANCH_24_TO_IP, 0x6d8u),
        NV(HV_MSR_LASTBRANCH_25_TO_IP, 0x6d9u),
        NV(HV_MSR_LASTBRANCH_26_TO_IP, 0x6dau),
        NV(HV_MSR_LASTBRANCH_27_TO_IP, 0x6dbu),
        NV(HV_MSR_LASTBRANCH_28_TO_IP, 0x6dcu),
        NV(HV_MSR_LASTBRANCH_29_TO_IP, 0x6ddu),
        NV(HV_MSR_LASTBRANCH_30_TO_IP, 0x6deu),
        NV(HV_MSR_LASTBRANCH_31_TO_IP, 0x6dfu),
        NV(HV_MSR_IA32_XSS, 0xda0u),
        NV(HV_MSR_LASTBRANCH_INFO_0, 0xdc0u),
        NV(HV_MSR_LASTBRANCH_INFO_1, 0xdc1u),
        NV(HV_MSR_LASTBRANCH_INFO_2, 0xdc2u),
        NV(HV_MSR_LASTBRANCH_INFO_3, 0xdc3u),
        NV(HV_MSR_LASTBRANCH_INFO_4, 0xdc4u),
        NV(HV_MSR_LASTBRANCH_INFO_5, 0xdc5u),
        NV(HV_MSR_LASTBRANCH_INFO_6, 0xdc6u),
        NV(HV_MSR_LASTBRANCH_INFO_7, 0xdc7u),
        NV(HV_MSR_LASTBRANCH_INFO_8, 0xdc8u),
        NV(HV_MSR_LASTBRANCH_INFO_9, 0xdc9u),
        NV(HV_MSR_LASTBRANCH_INFO_10, 0xdcau),
        NV(HV_MSR_LASTBRANCH_INFO_11, 0xdcbu),
        NV(HV_MSR_LASTBRANCH_INFO_12, 0xdccu),
        NV(HV_MSR_LASTBRANCH_INFO_13, 0xdcdu),
        NV(HV_MSR_LASTBRANCH_INFO_14, 0xdceu),
        NV(HV_MSR_LASTBRANCH_INFO_15, 0xdcfu),
        NV(HV_MSR_LASTBRANCH_INFO_16, 0xdd0u),
        NV(HV_MSR_LASTBRANCH_INFO_17, 0xdd1u),
        NV(HV_MSR_LASTBRANCH_INFO_18, 0xdd2u),
        NV(HV_MSR_LASTBRANCH_INFO_19, 0xdd3u),
        NV(HV_MSR_LASTBRANCH_INFO_20, 0xdd4u),
        NV(HV_MSR_LASTBRANCH_INFO_21, 0xdd5u),
        NV(HV_MSR_LASTBRANCH_INFO_22, 0xdd6u),
        NV(HV_MSR_LASTBRANCH_INFO_23, 0xdd7u),
        NV(HV_MSR_LASTBRANCH_INFO_24, 0xdd8u),
        NV(HV_MSR_LASTBRANCH_INFO_25, 0xdd9u),
        NV(HV_MSR_LASTBRANCH_INFO_26, 0xddau),
        NV(HV_MSR_LASTBRANCH_INFO_27, 0xddbu),
        NV(HV_MSR_LASTBRANCH_INFO_28, 0xddcu),
        NV(HV_MSR_LASTBRANCH_INFO_29, 0xdddu),
        NV(HV_MSR_LASTBRANCH_INFO_30, 0xddeu),
        NV(HV_MSR_LASTBRANCH_INFO_31, 0xddfu),
        NV(HV_MSR_IA32_EFER, 0xc0000080u),
        NV(HV_MSR_IA32_STAR, 0xc0000081u),
        NV(HV_MSR_IA32_LSTAR, 0xc0000082u),
        NV(HV_MSR_IA32_CSTAR, 0xc0000083u),
        NV(HV_MSR_IA32_FMASK, 0xc0000084u),
        NV(HV_MSR_IA32_FS_BASE, 0xc0000100u),
        NV(HV_MSR_IA32_GS_BASE, 0xc0000101u),
        NV(HV_MSR_IA32_KERNEL_GS_BASE, 0xc0000102u),
        NV(HV_MSR_IA32_TSC_AUX, 0xc0000103u),
    };
    check_table(t, COUNT(t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_codes_have_apples_x86_values),
        cmocka_unit_test(test_return_codes_are_negative_mach_errors_in_subsystem_0xba5),
        cmocka_unit_test(test_return_codes_work_as_switch_labels),
        cmocka_unit_test(test_vm_and_vcpu_options_have_apples_values),
        cmocka_unit_test(test_memory_flags_are_single_bits_in_apples_order),
        cmocka_unit_test(test_msr_ion_and_shadow_flags_have_apples_values),
        cmocka_unit_test(test_interrupt_controller_constants_have_apples_values),
        cmocka_unit_test(test_ion_message_fields_sit_at_darwin_offsets),
        cmocka_unit_test(test_x86_registers_run_from_rip_to_xcr0_without_gaps),
        cmocka_unit_test(test_vmcs_fields_have_apples_encodings),
        cmocka_unit_test(test_vmcs_encodings_carry_the_width_and_kind_of_their_field),
        cmocka_unit_test(test_vmcs_encodings_are_distinct_and_ascending),
        cmocka_unit_test(test_vmcs_aliases_and_sentinels),
        cmocka_unit_test(test_vmx_capability_ids_have_apples_values),
        cmocka_unit_test(test_pin_based_controls_are_intel_bits),
        cmocka_unit_test(test_primary_processor_controls_are_intel_bits),
        cmocka_unit_test(test_secondary_processor_controls_are_intel_bits),
        cmocka_unit_test(test_ept_vpid_capability_and_basic_bits),
        cmocka_unit_test(test_vm_exit_controls_are_intel_bits),
        cmocka_unit_test(test_vm_entry_controls_are_intel_bits),
        cmocka_unit_test(test_capability_masks_combine_as_clients_apply_them),
        cmocka_unit_test(test_exit_reasons_have_intels_basic_reason_numbers),
        cmocka_unit_test(test_exit_reasons_are_distinct_and_leave_35_38_42_65_undefined),
        cmocka_unit_test(test_interruption_info_fields_follow_intels_format),
        cmocka_unit_test(test_interruptibility_bits_are_intels),
        cmocka_unit_test(test_msr_constants_are_intels_msr_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
