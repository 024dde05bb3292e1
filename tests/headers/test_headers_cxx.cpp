/*
 * test_headers_cxx.cpp - the public arm64 headers, seen from a C++17 consumer.
 *
 * Proves that <Hypervisor/Hypervisor.h> compiles inside a C++ translation
 * unit with Apple's ABI, that every function is declared with C linkage and
 * Apple's prototype, and that the constants are usable in constant
 * expressions and switch statements. Nothing here calls into the library.
 */
#include <Hypervisor/Hypervisor.h>
#include <mach/mach_time.h>
#include <os/object.h>

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

// ---------------------------------------------------------------------------
// Layout and storage sizes
// ---------------------------------------------------------------------------

static_assert(sizeof(hv_vcpu_exit_t) == 32, "exit record is 32 bytes");
static_assert(offsetof(hv_vcpu_exit_t, reason) == 0, "reason at 0");
static_assert(offsetof(hv_vcpu_exit_t, exception) == 8, "exception at 8");
static_assert(offsetof(hv_vcpu_exit_exception_t, syndrome) == 0, "syndrome at 0");
static_assert(offsetof(hv_vcpu_exit_exception_t, virtual_address) == 8, "VA at 8");
static_assert(offsetof(hv_vcpu_exit_exception_t, physical_address) == 16, "IPA at 16");
static_assert(std::is_standard_layout<hv_vcpu_exit_t>::value, "exit record is a C struct");
static_assert(std::is_trivially_copyable<hv_vcpu_exit_t>::value, "exit record copies as bytes");

static_assert(sizeof(hv_simd_fp_uchar16_t) == 16 && alignof(hv_simd_fp_uchar16_t) == 16,
              "Q register value is a 16-byte, 16-aligned vector");
static_assert(sizeof(hv_sme_zt0_uchar64_t) == 64, "ZT0 value is 64 bytes");

static_assert(std::is_same<hv_return_t, std::int32_t>::value, "hv_return_t is int32");
static_assert(std::is_same<hv_vcpu_t, std::uint64_t>::value, "hv_vcpu_t is uint64");
static_assert(std::is_same<hv_ipa_t, std::uint64_t>::value, "hv_ipa_t is uint64");
static_assert(std::is_same<hv_memory_flags_t, std::uint64_t>::value, "flags are uint64");
static_assert(std::is_same<hv_exit_reason_t, std::uint32_t>::value, "exit reason is uint32");
static_assert(std::is_same<hv_reg_t, std::uint32_t>::value, "hv_reg_t is uint32");
static_assert(std::is_same<hv_simd_fp_reg_t, std::uint32_t>::value, "simd reg is uint32");
static_assert(std::is_same<hv_sys_reg_t, std::uint16_t>::value, "hv_sys_reg_t is uint16");
static_assert(std::is_same<hv_feature_reg_t, std::uint32_t>::value, "feature reg is uint32");
static_assert(std::is_same<hv_interrupt_type_t, std::uint32_t>::value, "irq type is uint32");
static_assert(std::is_same<hv_gic_intid_t, std::uint16_t>::value, "GIC intid is uint16");
static_assert(std::is_same<hv_gic_distributor_reg_t, std::uint16_t>::value, "GICD is uint16");
static_assert(std::is_same<hv_gic_redistributor_reg_t, std::uint32_t>::value, "GICR is uint32");
static_assert(std::is_pointer<hv_vm_config_t>::value && std::is_pointer<hv_vcpu_config_t>::value &&
                  std::is_pointer<hv_gic_config_t>::value && std::is_pointer<hv_gic_state_t>::value,
              "configuration and state objects are opaque pointers");

// ---------------------------------------------------------------------------
// Constants in constant expressions
// ---------------------------------------------------------------------------

static_assert(HV_SUCCESS == 0, "HV_SUCCESS");
static_assert(HV_ERROR == static_cast<hv_return_t>(0xfae94001u), "HV_ERROR");
static_assert(HV_BAD_ARGUMENT == static_cast<hv_return_t>(0xfae94003u), "HV_BAD_ARGUMENT");
static_assert(HV_EXISTS == static_cast<hv_return_t>(0xfae94008u), "HV_EXISTS");
static_assert(HV_UNSUPPORTED == static_cast<hv_return_t>(0xfae9400fu), "HV_UNSUPPORTED");
static_assert(HV_EXIT_REASON_VTIMER_ACTIVATED == 2, "exit reason");
static_assert(HV_REG_PC == 31 && HV_REG_CPSR == 34 && HV_REG_LR == HV_REG_X30, "hv_reg_t");
static_assert(HV_SYS_REG_SP_EL1 == 0xe208 && HV_SYS_REG_VTTBR_EL2 == 0xe108, "hv_sys_reg_t");
static_assert(HV_SYS_REG_DBGWCR15_EL1 == 0x807f, "last debug register");
static_assert(HV_FEATURE_REG_ID_AA64ZFR0_EL1 == 13, "hv_feature_reg_t");
static_assert(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER1019 == 0x7fd8, "last GICD_IROUTER");
static_assert((HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC) == 7, "memory flags");

// ---------------------------------------------------------------------------
// Prototypes and C linkage. Redeclaring a function extern "C" is an error if
// the header had given it C++ linkage, and decltype does not reference the
// function, so none of this needs the library at link time.
// ---------------------------------------------------------------------------

#define SIG(fn, ret, params)                                                                       \
    extern "C" ret fn params;                                                                      \
    static_assert(std::is_same<decltype(&fn), ret(*) params>::value, #fn " has Apple's prototype")

SIG(hv_vm_get_max_vcpu_count, hv_return_t, (uint32_t *));
SIG(hv_vm_create, hv_return_t, (hv_vm_config_t));
SIG(hv_vm_destroy, hv_return_t, (void));
SIG(hv_vm_map, hv_return_t, (void *, hv_ipa_t, size_t, hv_memory_flags_t));
SIG(hv_vm_unmap, hv_return_t, (hv_ipa_t, size_t));
SIG(hv_vm_protect, hv_return_t, (hv_ipa_t, size_t, hv_memory_flags_t));
SIG(hv_vm_allocate, hv_return_t, (void **, size_t, hv_allocate_flags_t));
SIG(hv_vm_deallocate, hv_return_t, (void *, size_t));
SIG(hv_vm_config_create, hv_vm_config_t, (void));
SIG(hv_vm_config_get_max_ipa_size, hv_return_t, (uint32_t *));
SIG(hv_vm_config_get_default_ipa_size, hv_return_t, (uint32_t *));
SIG(hv_vm_config_set_ipa_size, hv_return_t, (hv_vm_config_t, uint32_t));
SIG(hv_vm_config_get_ipa_size, hv_return_t, (hv_vm_config_t, uint32_t *));
SIG(hv_vm_config_get_el2_supported, hv_return_t, (bool *));
SIG(hv_vm_config_get_el2_enabled, hv_return_t, (hv_vm_config_t, bool *));
SIG(hv_vm_config_set_el2_enabled, hv_return_t, (hv_vm_config_t, bool));
SIG(hv_vm_config_get_default_ipa_granule, hv_return_t, (hv_ipa_granule_t *));
SIG(hv_vm_config_get_ipa_granule, hv_return_t, (hv_vm_config_t, hv_ipa_granule_t *));
SIG(hv_vm_config_set_ipa_granule, hv_return_t, (hv_vm_config_t, hv_ipa_granule_t));
SIG(hv_vcpu_config_create, hv_vcpu_config_t, (void));
SIG(hv_vcpu_config_get_feature_reg, hv_return_t, (hv_vcpu_config_t, hv_feature_reg_t, uint64_t *));
SIG(hv_vcpu_config_get_ccsidr_el1_sys_reg_values, hv_return_t,
    (hv_vcpu_config_t, hv_cache_type_t, uint64_t *));
SIG(hv_sme_config_get_max_svl_bytes, hv_return_t, (size_t *));
SIG(hv_vcpu_create, hv_return_t, (hv_vcpu_t *, hv_vcpu_exit_t **, hv_vcpu_config_t));
SIG(hv_vcpu_destroy, hv_return_t, (hv_vcpu_t));
SIG(hv_vcpu_run, hv_return_t, (hv_vcpu_t));
SIG(hv_vcpus_exit, hv_return_t, (hv_vcpu_t *, uint32_t));
SIG(hv_vcpu_get_exec_time, hv_return_t, (hv_vcpu_t, uint64_t *));
SIG(hv_vcpu_get_reg, hv_return_t, (hv_vcpu_t, hv_reg_t, uint64_t *));
SIG(hv_vcpu_set_reg, hv_return_t, (hv_vcpu_t, hv_reg_t, uint64_t));
SIG(hv_vcpu_get_simd_fp_reg, hv_return_t, (hv_vcpu_t, hv_simd_fp_reg_t, hv_simd_fp_uchar16_t *));
SIG(hv_vcpu_set_simd_fp_reg, hv_return_t, (hv_vcpu_t, hv_simd_fp_reg_t, hv_simd_fp_uchar16_t));
SIG(hv_vcpu_get_sys_reg, hv_return_t, (hv_vcpu_t, hv_sys_reg_t, uint64_t *));
SIG(hv_vcpu_set_sys_reg, hv_return_t, (hv_vcpu_t, hv_sys_reg_t, uint64_t));
SIG(hv_vcpu_get_sme_state, hv_return_t, (hv_vcpu_t, hv_vcpu_sme_state_t *));
SIG(hv_vcpu_set_sme_state, hv_return_t, (hv_vcpu_t, const hv_vcpu_sme_state_t *));
SIG(hv_vcpu_get_sme_z_reg, hv_return_t, (hv_vcpu_t, hv_sme_z_reg_t, uint8_t *, size_t));
SIG(hv_vcpu_set_sme_z_reg, hv_return_t, (hv_vcpu_t, hv_sme_z_reg_t, const uint8_t *, size_t));
SIG(hv_vcpu_get_sme_p_reg, hv_return_t, (hv_vcpu_t, hv_sme_p_reg_t, uint8_t *, size_t));
SIG(hv_vcpu_set_sme_p_reg, hv_return_t, (hv_vcpu_t, hv_sme_p_reg_t, const uint8_t *, size_t));
SIG(hv_vcpu_get_sme_za_reg, hv_return_t, (hv_vcpu_t, uint8_t *, size_t));
SIG(hv_vcpu_set_sme_za_reg, hv_return_t, (hv_vcpu_t, const uint8_t *, size_t));
SIG(hv_vcpu_get_sme_zt0_reg, hv_return_t, (hv_vcpu_t, hv_sme_zt0_uchar64_t *));
SIG(hv_vcpu_set_sme_zt0_reg, hv_return_t, (hv_vcpu_t, const hv_sme_zt0_uchar64_t *));
SIG(hv_vcpu_get_pending_interrupt, hv_return_t, (hv_vcpu_t, hv_interrupt_type_t, bool *));
SIG(hv_vcpu_set_pending_interrupt, hv_return_t, (hv_vcpu_t, hv_interrupt_type_t, bool));
SIG(hv_vcpu_get_trap_debug_exceptions, hv_return_t, (hv_vcpu_t, bool *));
SIG(hv_vcpu_set_trap_debug_exceptions, hv_return_t, (hv_vcpu_t, bool));
SIG(hv_vcpu_get_trap_debug_reg_accesses, hv_return_t, (hv_vcpu_t, bool *));
SIG(hv_vcpu_set_trap_debug_reg_accesses, hv_return_t, (hv_vcpu_t, bool));
SIG(hv_vcpu_get_vtimer_mask, hv_return_t, (hv_vcpu_t, bool *));
SIG(hv_vcpu_set_vtimer_mask, hv_return_t, (hv_vcpu_t, bool));
SIG(hv_vcpu_get_vtimer_offset, hv_return_t, (hv_vcpu_t, uint64_t *));
SIG(hv_vcpu_set_vtimer_offset, hv_return_t, (hv_vcpu_t, uint64_t));
SIG(hv_vcpu_get_serror, hv_return_t, (hv_vcpu_t, bool *));
SIG(hv_vcpu_set_serror, hv_return_t, (hv_vcpu_t, bool));
SIG(hv_vcpu_get_wait_for_interrupt_time, hv_return_t, (hv_vcpu_t, uint64_t *));
SIG(hv_vcpu_invalidate_tlb, hv_return_t, (hv_vcpu_t, hv_tlbi_op_t, uint64_t));
SIG(hv_gic_config_create, hv_gic_config_t, (void));
SIG(hv_gic_config_set_distributor_base, hv_return_t, (hv_gic_config_t, hv_ipa_t));
SIG(hv_gic_config_set_redistributor_base, hv_return_t, (hv_gic_config_t, hv_ipa_t));
SIG(hv_gic_config_set_msi_region_base, hv_return_t, (hv_gic_config_t, hv_ipa_t));
SIG(hv_gic_config_set_msi_interrupt_range, hv_return_t, (hv_gic_config_t, uint32_t, uint32_t));
SIG(hv_gic_create, hv_return_t, (hv_gic_config_t));
SIG(hv_gic_set_spi, hv_return_t, (uint32_t, bool));
SIG(hv_gic_send_msi, hv_return_t, (hv_ipa_t, uint32_t));
SIG(hv_gic_get_distributor_reg, hv_return_t, (hv_gic_distributor_reg_t, uint64_t *));
SIG(hv_gic_set_distributor_reg, hv_return_t, (hv_gic_distributor_reg_t, uint64_t));
SIG(hv_gic_get_redistributor_base, hv_return_t, (hv_vcpu_t, hv_ipa_t *));
SIG(hv_gic_get_redistributor_reg, hv_return_t, (hv_vcpu_t, hv_gic_redistributor_reg_t, uint64_t *));
SIG(hv_gic_set_redistributor_reg, hv_return_t, (hv_vcpu_t, hv_gic_redistributor_reg_t, uint64_t));
SIG(hv_gic_get_icc_reg, hv_return_t, (hv_vcpu_t, hv_gic_icc_reg_t, uint64_t *));
SIG(hv_gic_set_icc_reg, hv_return_t, (hv_vcpu_t, hv_gic_icc_reg_t, uint64_t));
SIG(hv_gic_get_ich_reg, hv_return_t, (hv_vcpu_t, hv_gic_ich_reg_t, uint64_t *));
SIG(hv_gic_set_ich_reg, hv_return_t, (hv_vcpu_t, hv_gic_ich_reg_t, uint64_t));
SIG(hv_gic_get_icv_reg, hv_return_t, (hv_vcpu_t, hv_gic_icv_reg_t, uint64_t *));
SIG(hv_gic_set_icv_reg, hv_return_t, (hv_vcpu_t, hv_gic_icv_reg_t, uint64_t));
SIG(hv_gic_get_msi_reg, hv_return_t, (hv_gic_msi_reg_t, uint64_t *));
SIG(hv_gic_set_msi_reg, hv_return_t, (hv_gic_msi_reg_t, uint64_t));
SIG(hv_gic_set_state, hv_return_t, (const void *, size_t));
SIG(hv_gic_reset, hv_return_t, (void));
SIG(hv_gic_get_distributor_size, hv_return_t, (size_t *));
SIG(hv_gic_get_distributor_base_alignment, hv_return_t, (size_t *));
SIG(hv_gic_get_redistributor_region_size, hv_return_t, (size_t *));
SIG(hv_gic_get_redistributor_size, hv_return_t, (size_t *));
SIG(hv_gic_get_redistributor_base_alignment, hv_return_t, (size_t *));
SIG(hv_gic_get_msi_region_size, hv_return_t, (size_t *));
SIG(hv_gic_get_msi_region_base_alignment, hv_return_t, (size_t *));
SIG(hv_gic_get_spi_interrupt_range, hv_return_t, (uint32_t *, uint32_t *));
SIG(hv_gic_get_intid, hv_return_t, (hv_gic_intid_t, uint32_t *));
SIG(hv_gic_state_create, hv_gic_state_t, (void));
SIG(hv_gic_state_get_size, hv_return_t, (hv_gic_state_t, size_t *));
SIG(hv_gic_state_get_data, hv_return_t, (hv_gic_state_t, void *));
SIG(os_retain, void *, (void *));
SIG(os_release, void, (void *));
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
    case HV_ILLEGAL_GUEST_STATE: return "HV_ILLEGAL_GUEST_STATE";
    case HV_NO_RESOURCES: return "HV_NO_RESOURCES";
    case HV_NO_DEVICE: return "HV_NO_DEVICE";
    case HV_DENIED: return "HV_DENIED";
    case HV_EXISTS: return "HV_EXISTS";
    case HV_UNSUPPORTED: return "HV_UNSUPPORTED";
    default: return "?";
    }
}

static void test_return_codes_are_distinct_switch_labels(void **)
{
    assert_string_equal(code_name(HV_NO_DEVICE), "HV_NO_DEVICE");
    assert_string_equal(code_name(static_cast<hv_return_t>(0xfae9400fu)), "HV_UNSUPPORTED");
    assert_string_equal(code_name(-85377023), "HV_ERROR");
}

static void test_exit_record_round_trips_through_raw_bytes(void **)
{
    hv_vcpu_exit_t e{};
    e.reason = HV_EXIT_REASON_EXCEPTION;
    e.exception.syndrome = 0x5a000000u;
    e.exception.physical_address = 0x8000000;
    unsigned char raw[sizeof(e)];
    std::memcpy(raw, &e, sizeof(e));
    std::uint64_t syndrome = 0, ipa = 0;
    std::memcpy(&syndrome, raw + 8, 8);
    std::memcpy(&ipa, raw + 24, 8);
    assert_int_equal(syndrome, 0x5a000000u);
    assert_int_equal(ipa, 0x8000000);
}

static void test_simd_value_is_indexable_and_passed_by_value(void **)
{
    hv_simd_fp_uchar16_t v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    auto sum = [](hv_simd_fp_uchar16_t x) {
        unsigned s = 0;
        for (int i = 0; i < 16; i++)
            s += x[i];
        return s;
    };
    assert_int_equal(sum(v), 136);
}

static void test_enum_constants_convert_to_their_storage_types(void **)
{
    hv_reg_t reg = HV_REG_X0;
    hv_sys_reg_t sys = HV_SYS_REG_CNTV_CTL_EL0;
    hv_interrupt_type_t irq = HV_INTERRUPT_TYPE_FIQ;
    hv_gic_icc_reg_t icc = HV_GIC_ICC_REG_PMR_EL1;
    hv_vcpu_sme_state_t sme{true, false};
    assert_int_equal(reg, 0);
    assert_int_equal(sys, 0xdf19);
    assert_int_equal(irq, 1);
    assert_int_equal(icc, 0xc230);
    assert_true(sme.streaming_sve_mode_enabled);
}

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_codes_are_distinct_switch_labels),
        cmocka_unit_test(test_exit_record_round_trips_through_raw_bytes),
        cmocka_unit_test(test_simd_value_is_indexable_and_passed_by_value),
        cmocka_unit_test(test_enum_constants_convert_to_their_storage_types),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
