/*
 * test_headers_x86_cxx.cpp - the public x86 (Intel VMX) headers, seen from a
 * C++17 consumer.
 *
 * Proves that <Hypervisor/Hypervisor.h> built with HVMODEL_FLAVOR_X86
 * compiles inside a C++ translation unit with Apple's x86 ABI, that every
 * function is declared with C linkage and Apple's prototype, that
 * hv_x86_reg_t and hv_vmx_capability_t are real enumerations (as in Apple's
 * header) while the option and flag types are plain integers, and that the
 * constants are usable in constant expressions and switch statements.
 * Nothing here calls into the library.
 *
 * Standalone: g++ -std=c++17 -DHVMODEL_FLAVOR_X86=1 -I include/hv
 *             -I include/hv/compat tests/headers/test_headers_x86_cxx.cpp -lcmocka
 */
#include <Hypervisor/Hypervisor.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

// This cmocka.h has no C++ linkage guard of its own.
extern "C" {
#include <cmocka.h>
}

#ifdef HV_EXISTS
#error "HV_EXISTS is arm64-only"
#endif

// ---------------------------------------------------------------------------
// Types and layout
// ---------------------------------------------------------------------------

static_assert(std::is_same<hv_return_t, std::int32_t>::value, "hv_return_t is int32");
static_assert(std::is_same<hv_vcpuid_t, unsigned>::value, "hv_vcpuid_t is unsigned");
static_assert(std::is_same<hv_vm_space_t, unsigned>::value, "hv_vm_space_t is unsigned");
static_assert(std::is_same<hv_uvaddr_t, const void *>::value, "hv_uvaddr_t is const void *");
static_assert(std::is_same<hv_gpaddr_t, std::uint64_t>::value, "hv_gpaddr_t is uint64");
static_assert(std::is_same<hv_capability_t, std::uint64_t>::value, "hv_capability_t is uint64");
static_assert(std::is_same<hv_vm_options_t, std::uint64_t>::value, "VM options are uint64");
static_assert(std::is_same<hv_vcpu_options_t, std::uint64_t>::value, "vCPU options are uint64");
static_assert(std::is_same<hv_memory_flags_t, std::uint64_t>::value, "memory flags are uint64");
static_assert(std::is_same<hv_msr_flags_t, std::uint32_t>::value, "MSR flags are uint32");
static_assert(std::is_same<hv_ion_flags_t, std::uint32_t>::value, "ION flags are uint32");
static_assert(std::is_same<hv_shadow_flags_t, std::uint64_t>::value, "shadow flags are uint64");
static_assert(std::is_enum<hv_x86_reg_t>::value && sizeof(hv_x86_reg_t) == 4,
              "hv_x86_reg_t is a 32-bit enumeration");
static_assert(std::is_enum<hv_vmx_capability_t>::value && sizeof(hv_vmx_capability_t) == 4,
              "hv_vmx_capability_t is a 32-bit enumeration");
static_assert(std::is_same<std::underlying_type<hv_boot_state>::type, std::uint32_t>::value,
              "hv_boot_state is stored as uint32_t");

static_assert(sizeof(hv_ion_message_t) == 56 && offsetof(hv_ion_message_t, addr) == 24 &&
                  offsetof(hv_ion_message_t, trailer) == 48,
              "notifier message layout");
static_assert(sizeof(hv_apic_state_ext_t) == 248 && offsetof(hv_apic_state_ext_t, state) == 8,
              "APIC state layout");
static_assert(sizeof(hv_atpic_state_ext_t) == 20, "8259 state layout");
static_assert(sizeof(hv_ioapic_state_ext_t) == 280, "IOAPIC state layout");
static_assert(std::is_standard_layout<hv_apic_state_ext_t>::value &&
                  std::is_trivially_copyable<hv_apic_state_ext_t>::value,
              "state records are C structs");

// ---------------------------------------------------------------------------
// Constants in constant expressions
// ---------------------------------------------------------------------------

static_assert(HV_SUCCESS == 0, "HV_SUCCESS");
static_assert(HV_BUSY == static_cast<hv_return_t>(0xfae94002u), "HV_BUSY");
static_assert(HV_FAULT == static_cast<hv_return_t>(0xfae94008u), "HV_FAULT");
static_assert(HV_UNSUPPORTED == static_cast<hv_return_t>(0xfae9400fu), "HV_UNSUPPORTED");
static_assert(HV_X86_RIP == 0 && HV_X86_RAX == 2 && HV_X86_CS == 18 && HV_X86_CR0 == 36 &&
                  HV_X86_XCR0 == 50 && HV_X86_REGISTERS_MAX == 51,
              "hv_x86_reg_t");
static_assert(HV_VMX_CAP_EPT_VPID_CAP == 16 && HV_VMX_CAP_PREEMPTION_TIMER == 32, "capabilities");
static_assert(VMCS_GUEST_RIP == 0x681e && VMCS_RO_EXIT_REASON == 0x4402 &&
                  VMCS_RO_EXIT_QUALIFIC == 0x6400 && VMCS_GUEST_PHYSICAL_ADDRESS == 0x2400 &&
                  VMCS_CTRL_CPU_BASED2 == 0x401e && VMCS_HOST_RSP == __VMCS_HOST_RSP,
              "VMCS encodings");
static_assert(VMX_REASON_EPT_VIOLATION == 48 && VMX_REASON_IO == 30 && VMX_REASON_HLT == 12 &&
                  VMX_REASON_TPAUSE == 68,
              "exit reasons");
static_assert(CPU_BASED_SECONDARY_CTLS == 0x80000000u && CPU_BASED2_UNRESTRICTED == 0x80 &&
                  VMENTRY_GUEST_IA32E == 0x200 && PIN_BASED_PREEMPTION_TIMER == 0x40,
              "control bits");
static_assert((IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 14) == 0x8000030eu, "#PF injection info");
static_assert(HV_MSR_IA32_LSTAR == 0xc0000082u && HV_MSR_IA32_TSC == 0x10, "MSR numbers");
static_assert(HV_DEADLINE_FOREVER == ~0ull, "HV_DEADLINE_FOREVER");

// ---------------------------------------------------------------------------
// Prototypes and C linkage. Redeclaring a function extern "C" is an error if
// the header had given it C++ linkage, and decltype does not reference the
// function, so none of this needs the library at link time.
// ---------------------------------------------------------------------------

#define SIG(fn, ret, params)                                                                       \
    extern "C" ret fn params;                                                                      \
    static_assert(std::is_same<decltype(&fn), ret(*) params>::value, #fn " has Apple's prototype")

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

// ---------------------------------------------------------------------------
// Run-time checks
// ---------------------------------------------------------------------------

static const char *code_name(hv_return_t r)
{
    switch (r) {
    case HV_SUCCESS: return "HV_SUCCESS";
    case HV_ERROR: return "HV_ERROR";
    case HV_BUSY: return "HV_BUSY";
    case HV_BAD_ARGUMENT: return "HV_BAD_ARGUMENT";
    case HV_NO_RESOURCES: return "HV_NO_RESOURCES";
    case HV_NO_DEVICE: return "HV_NO_DEVICE";
    case HV_DENIED: return "HV_DENIED";
    case HV_FAULT: return "HV_FAULT";
    case HV_UNSUPPORTED: return "HV_UNSUPPORTED";
    default: return "?";
    }
}

static void test_return_codes_are_distinct_switch_labels(void **)
{
    assert_string_equal(code_name(HV_NO_DEVICE), "HV_NO_DEVICE");
    assert_string_equal(code_name(static_cast<hv_return_t>(0xfae94008u)), "HV_FAULT");
    assert_string_equal(code_name(static_cast<hv_return_t>(0xfae94004u)), "?");
    assert_string_equal(code_name(-85377023), "HV_ERROR");
}

// A VMM's exit dispatch: the reasons are constant expressions of one switch.
static const char *reason_name(std::uint64_t exit_reason)
{
    switch (exit_reason & 0xffff) {
    case VMX_REASON_EXC_NMI: return "exception";
    case VMX_REASON_IRQ: return "irq";
    case VMX_REASON_CPUID: return "cpuid";
    case VMX_REASON_HLT: return "hlt";
    case VMX_REASON_IO: return "io";
    case VMX_REASON_RDMSR: return "rdmsr";
    case VMX_REASON_WRMSR: return "wrmsr";
    case VMX_REASON_VMENTRY_GUEST: return "bad guest state";
    case VMX_REASON_EPT_VIOLATION: return "ept violation";
    case VMX_REASON_VMX_TIMER_EXPIRED: return "timer";
    default: return "other";
    }
}

static void test_exit_reasons_dispatch_in_a_switch(void **)
{
    assert_string_equal(reason_name(30), "io");
    assert_string_equal(reason_name(48), "ept violation");
    assert_string_equal(reason_name(0x80000021u), "bad guest state");
    assert_string_equal(reason_name(35), "other");
}

static void test_registers_iterate_as_an_enumeration(void **)
{
    unsigned n = 0;
    for (int r = HV_X86_RIP; r < HV_X86_REGISTERS_MAX; r++) {
        hv_x86_reg_t reg = static_cast<hv_x86_reg_t>(r);
        assert_int_equal(static_cast<int>(reg), r);
        n++;
    }
    assert_int_equal(n, 51);
}

static void test_state_records_round_trip_through_raw_bytes(void **)
{
    hv_apic_state_ext_t s{};
    s.version = HV_APIC_STATE_EXT_VER;
    s.state.apic_gpa = 0xfee00000u;
    s.state.boot_state = HV_BS_RUNNING;
    s.state.aeoi[7] = 0x80000000u;
    unsigned char raw[sizeof(s)];
    std::memcpy(raw, &s, sizeof(s));
    std::uint32_t version = 0, boot = 0, aeoi7 = 0;
    std::uint64_t gpa = 0;
    std::memcpy(&version, raw + 0, 4);
    std::memcpy(&gpa, raw + 8, 8);
    std::memcpy(&boot, raw + 8 + 204, 4);
    std::memcpy(&aeoi7, raw + 8 + 208 + 28, 4);
    assert_int_equal(version, 100);
    assert_int_equal(gpa, 0xfee00000u);
    assert_int_equal(boot, 2);
    assert_int_equal(aeoi7, 0x80000000u);
}

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_codes_are_distinct_switch_labels),
        cmocka_unit_test(test_exit_reasons_dispatch_in_a_switch),
        cmocka_unit_test(test_registers_iterate_as_an_enumeration),
        cmocka_unit_test(test_state_records_round_trip_through_raw_bytes),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
