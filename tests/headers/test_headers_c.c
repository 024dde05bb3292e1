/*
 * test_headers_c.c - the public arm64 headers, seen from a C11 consumer.
 *
 * Proves, without calling into the library, that <Hypervisor/Hypervisor.h>
 * gives C code Apple's ABI and values: the sizes and field offsets of the
 * exit record and vector types, the storage size of every enumeration, the
 * exact prototype of every function, and the value of every constant
 * (return codes, registers, system register encodings, feature registers,
 * exit reasons, interrupt and cache types, memory flags, GIC registers).
 * The Darwin compat headers are checked the same way.
 */
#include <Hypervisor/Hypervisor.h>
#include <mach/mach_time.h>
#include <os/object.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

/* ------------------------------------------------------------------------- */
/* Compile-time ABI checks                                                   */
/* ------------------------------------------------------------------------- */

_Static_assert(sizeof(hv_vcpu_exit_t) == 32, "exit record is 32 bytes");
_Static_assert(offsetof(hv_vcpu_exit_t, reason) == 0, "reason at 0");
_Static_assert(offsetof(hv_vcpu_exit_t, exception) == 8, "exception at 8");
_Static_assert(sizeof(hv_vcpu_exit_exception_t) == 24, "exception details are 24 bytes");
_Static_assert(offsetof(hv_vcpu_exit_exception_t, syndrome) == 0, "syndrome at 0");
_Static_assert(offsetof(hv_vcpu_exit_exception_t, virtual_address) == 8, "VA at 8");
_Static_assert(offsetof(hv_vcpu_exit_exception_t, physical_address) == 16, "IPA at 16");

_Static_assert(sizeof(hv_simd_fp_uchar16_t) == 16, "Q register value is 16 bytes");
_Static_assert(_Alignof(hv_simd_fp_uchar16_t) == 16, "Q register value is 16-byte aligned");
_Static_assert(sizeof(hv_sme_zt0_uchar64_t) == 64, "ZT0 value is 64 bytes");
_Static_assert(sizeof(hv_vcpu_sme_state_t) == 2 * sizeof(bool), "SME state is two bools");

_Static_assert(sizeof(hv_return_t) == 4, "hv_return_t is 32-bit");
_Static_assert((hv_return_t)-1 < 0, "hv_return_t is signed");
_Static_assert(sizeof(hv_vcpu_t) == 8, "hv_vcpu_t is 64-bit");
_Static_assert(sizeof(hv_ipa_t) == 8, "hv_ipa_t is 64-bit");
_Static_assert(sizeof(hv_memory_flags_t) == 8, "hv_memory_flags_t is 64-bit");
_Static_assert(sizeof(hv_allocate_flags_t) == 8, "hv_allocate_flags_t is 64-bit");
_Static_assert(sizeof(hv_exception_syndrome_t) == 8, "syndrome is 64-bit");
_Static_assert(sizeof(hv_exception_address_t) == 8, "address is 64-bit");

/* Enumerations stored as uint32_t. */
_Static_assert(sizeof(hv_exit_reason_t) == 4, "hv_exit_reason_t is uint32_t");
_Static_assert(sizeof(hv_reg_t) == 4, "hv_reg_t is uint32_t");
_Static_assert(sizeof(hv_simd_fp_reg_t) == 4, "hv_simd_fp_reg_t is uint32_t");
_Static_assert(sizeof(hv_interrupt_type_t) == 4, "hv_interrupt_type_t is uint32_t");
_Static_assert(sizeof(hv_cache_type_t) == 4, "hv_cache_type_t is uint32_t");
_Static_assert(sizeof(hv_feature_reg_t) == 4, "hv_feature_reg_t is uint32_t");
_Static_assert(sizeof(hv_ipa_granule_t) == 4, "hv_ipa_granule_t is uint32_t");
_Static_assert(sizeof(hv_sme_z_reg_t) == 4, "hv_sme_z_reg_t is uint32_t");
_Static_assert(sizeof(hv_sme_p_reg_t) == 4, "hv_sme_p_reg_t is uint32_t");
_Static_assert(sizeof(hv_gic_redistributor_reg_t) == 4, "redistributor reg is uint32_t");
_Static_assert((hv_reg_t)-1 > 0, "hv_reg_t is unsigned");

/* Enumerations stored as uint16_t. */
_Static_assert(sizeof(hv_sys_reg_t) == 2, "hv_sys_reg_t is uint16_t");
_Static_assert((hv_sys_reg_t)-1 > 0, "hv_sys_reg_t is unsigned");
_Static_assert(sizeof(hv_gic_intid_t) == 2, "hv_gic_intid_t is uint16_t");
_Static_assert(sizeof(hv_gic_distributor_reg_t) == 2, "distributor reg is uint16_t");
_Static_assert(sizeof(hv_gic_icc_reg_t) == 2, "ICC reg is uint16_t");
_Static_assert(sizeof(hv_gic_ich_reg_t) == 2, "ICH reg is uint16_t");
_Static_assert(sizeof(hv_gic_icv_reg_t) == 2, "ICV reg is uint16_t");
_Static_assert(sizeof(hv_gic_msi_reg_t) == 2, "MSI reg is uint16_t");

/* Compat headers. */
_Static_assert(sizeof(mach_timebase_info_data_t) == 8, "timebase is two uint32_t");
_Static_assert(offsetof(mach_timebase_info_data_t, numer) == 0, "numer first");
_Static_assert(offsetof(mach_timebase_info_data_t, denom) == 4, "denom second");
_Static_assert(KERN_SUCCESS == 0, "KERN_SUCCESS is 0");

/*
 * Every prototype, checked against the reference signature. typeof in an
 * unevaluated context does not reference the function, so this needs no
 * library at link time.
 */
#define SIG(fn, ret, params)                                                                       \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), ret(*) params),                   \
                   #fn " has Apple's prototype")

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
/* Return codes are integer constant expressions (usable as case labels). */
_Static_assert(HV_SUCCESS == 0, "HV_SUCCESS is 0");
_Static_assert(HV_BAD_ARGUMENT == (hv_return_t)0xfae94003u, "HV_BAD_ARGUMENT constant");

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

/* A register named by its (op0, op1, CRn, CRm, op2) MRS/MSR operands. */
struct sysreg_case {
    const char *name;
    uint32_t value;
    unsigned op0, op1, crn, crm, op2;
};

static uint32_t sysreg_encode(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2;
}

static void check_sysregs(const struct sysreg_case *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t want = sysreg_encode(t[i].op0, t[i].op1, t[i].crn, t[i].crm, t[i].op2);
        if (t[i].value != want)
            fail_msg("%s is 0x%04x, but (%u,%u,%u,%u,%u) encodes as 0x%04x", t[i].name, t[i].value,
                     t[i].op0, t[i].op1, t[i].crn, t[i].crm, t[i].op2, want);
    }
}

/* ------------------------------------------------------------------------- */
/* Return codes and memory flags                                             */
/* ------------------------------------------------------------------------- */

static void test_return_codes_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_SUCCESS, 0),
        NV(HV_ERROR, (hv_return_t)0xfae94001u),
        NV(HV_BUSY, (hv_return_t)0xfae94002u),
        NV(HV_BAD_ARGUMENT, (hv_return_t)0xfae94003u),
        NV(HV_ILLEGAL_GUEST_STATE, (hv_return_t)0xfae94004u),
        NV(HV_NO_RESOURCES, (hv_return_t)0xfae94005u),
        NV(HV_NO_DEVICE, (hv_return_t)0xfae94006u),
        NV(HV_DENIED, (hv_return_t)0xfae94007u),
        NV(HV_EXISTS, (hv_return_t)0xfae94008u),
        NV(HV_UNSUPPORTED, (hv_return_t)0xfae9400fu),
    };
    check_table(t, COUNT(t));
}

static void test_return_codes_are_negative_when_read_as_int32(void **state)
{
    (void)state;
    const hv_return_t errors[] = {
        HV_ERROR,     HV_BUSY,   HV_BAD_ARGUMENT, HV_ILLEGAL_GUEST_STATE, HV_NO_RESOURCES,
        HV_NO_DEVICE, HV_DENIED, HV_EXISTS,       HV_UNSUPPORTED};
    for (size_t i = 0; i < COUNT(errors); i++)
        assert_true(errors[i] < 0);
    assert_int_equal(HV_ERROR, -85377023);
    /* Mach layout: local error system, subsystem 0xba5, then the code. */
    for (size_t i = 0; i < COUNT(errors); i++)
        assert_int_equal((uint32_t)errors[i] & 0xffffc000u, 0xfae94000u);
}

static void test_return_codes_work_as_switch_labels(void **state)
{
    (void)state;
    hv_return_t r = HV_NO_DEVICE;
    int seen = 0;
    switch (r) {
    case HV_SUCCESS: seen = 1; break;
    case HV_NO_DEVICE: seen = 2; break;
    default: seen = 3; break;
    }
    assert_int_equal(seen, 2);
}

static void test_memory_flags_are_read_write_exec_bits(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_MEMORY_READ, 1u << 0),
        NV(HV_MEMORY_WRITE, 1u << 1),
        NV(HV_MEMORY_EXEC, 1u << 2),
    };
    check_table(t, COUNT(t));
    hv_memory_flags_t all = HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC;
    assert_int_equal(all, 7);
}

/* ------------------------------------------------------------------------- */
/* Exit record                                                               */
/* ------------------------------------------------------------------------- */

static void test_exit_reasons_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_EXIT_REASON_CANCELED, 0),
        NV(HV_EXIT_REASON_EXCEPTION, 1),
        NV(HV_EXIT_REASON_VTIMER_ACTIVATED, 2),
        NV(HV_EXIT_REASON_UNKNOWN, 3),
    };
    check_table(t, COUNT(t));
}

static void test_exit_record_fields_sit_at_apples_offsets(void **state)
{
    (void)state;
    hv_vcpu_exit_t e;
    memset(&e, 0, sizeof(e));
    e.reason = HV_EXIT_REASON_EXCEPTION;
    e.exception.syndrome = 0x93810047u;
    e.exception.virtual_address = 0x1000;
    e.exception.physical_address = 0x9000000;

    unsigned char raw[32];
    memcpy(raw, &e, sizeof(raw));
    uint32_t reason;
    uint64_t syndrome, va, ipa;
    memcpy(&reason, raw + 0, 4);
    memcpy(&syndrome, raw + 8, 8);
    memcpy(&va, raw + 16, 8);
    memcpy(&ipa, raw + 24, 8);
    assert_int_equal(reason, HV_EXIT_REASON_EXCEPTION);
    assert_int_equal(syndrome, 0x93810047u);
    assert_int_equal(va, 0x1000);
    assert_int_equal(ipa, 0x9000000);
}

/* ------------------------------------------------------------------------- */
/* Registers                                                                 */
/* ------------------------------------------------------------------------- */

static void test_reg_values_run_x0_to_x30_then_pc_fpcr_fpsr_cpsr(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_REG_X0, 0),    NV(HV_REG_X1, 1),   NV(HV_REG_X2, 2),    NV(HV_REG_X3, 3),
        NV(HV_REG_X4, 4),    NV(HV_REG_X5, 5),   NV(HV_REG_X6, 6),    NV(HV_REG_X7, 7),
        NV(HV_REG_X8, 8),    NV(HV_REG_X9, 9),   NV(HV_REG_X10, 10),  NV(HV_REG_X11, 11),
        NV(HV_REG_X12, 12),  NV(HV_REG_X13, 13), NV(HV_REG_X14, 14),  NV(HV_REG_X15, 15),
        NV(HV_REG_X16, 16),  NV(HV_REG_X17, 17), NV(HV_REG_X18, 18),  NV(HV_REG_X19, 19),
        NV(HV_REG_X20, 20),  NV(HV_REG_X21, 21), NV(HV_REG_X22, 22),  NV(HV_REG_X23, 23),
        NV(HV_REG_X24, 24),  NV(HV_REG_X25, 25), NV(HV_REG_X26, 26),  NV(HV_REG_X27, 27),
        NV(HV_REG_X28, 28),  NV(HV_REG_X29, 29), NV(HV_REG_FP, 29),   NV(HV_REG_X30, 30),
        NV(HV_REG_LR, 30),   NV(HV_REG_PC, 31),  NV(HV_REG_FPCR, 32), NV(HV_REG_FPSR, 33),
        NV(HV_REG_CPSR, 34),
    };
    check_table(t, COUNT(t));
    /* An ESR register field of 31 (XZR) must not be used as HV_REG_X0 + 31. */
    assert_int_equal(HV_REG_X0 + 31, HV_REG_PC);
}

static void test_simd_fp_reg_values_run_q0_to_q31(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_SIMD_FP_REG_Q0, 0),   NV(HV_SIMD_FP_REG_Q1, 1),   NV(HV_SIMD_FP_REG_Q2, 2),
        NV(HV_SIMD_FP_REG_Q3, 3),   NV(HV_SIMD_FP_REG_Q4, 4),   NV(HV_SIMD_FP_REG_Q5, 5),
        NV(HV_SIMD_FP_REG_Q6, 6),   NV(HV_SIMD_FP_REG_Q7, 7),   NV(HV_SIMD_FP_REG_Q8, 8),
        NV(HV_SIMD_FP_REG_Q9, 9),   NV(HV_SIMD_FP_REG_Q10, 10), NV(HV_SIMD_FP_REG_Q11, 11),
        NV(HV_SIMD_FP_REG_Q12, 12), NV(HV_SIMD_FP_REG_Q13, 13), NV(HV_SIMD_FP_REG_Q14, 14),
        NV(HV_SIMD_FP_REG_Q15, 15), NV(HV_SIMD_FP_REG_Q16, 16), NV(HV_SIMD_FP_REG_Q17, 17),
        NV(HV_SIMD_FP_REG_Q18, 18), NV(HV_SIMD_FP_REG_Q19, 19), NV(HV_SIMD_FP_REG_Q20, 20),
        NV(HV_SIMD_FP_REG_Q21, 21), NV(HV_SIMD_FP_REG_Q22, 22), NV(HV_SIMD_FP_REG_Q23, 23),
        NV(HV_SIMD_FP_REG_Q24, 24), NV(HV_SIMD_FP_REG_Q25, 25), NV(HV_SIMD_FP_REG_Q26, 26),
        NV(HV_SIMD_FP_REG_Q27, 27), NV(HV_SIMD_FP_REG_Q28, 28), NV(HV_SIMD_FP_REG_Q29, 29),
        NV(HV_SIMD_FP_REG_Q30, 30), NV(HV_SIMD_FP_REG_Q31, 31),
    };
    check_table(t, COUNT(t));
}

static void test_simd_value_is_a_16_byte_vector_with_byte_elements(void **state)
{
    (void)state;
    hv_simd_fp_uchar16_t v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff};
    unsigned char raw[16];
    memcpy(raw, &v, sizeof(raw));
    for (int i = 0; i < 15; i++) {
        assert_int_equal(v[i], i);
        assert_int_equal(raw[i], i);
    }
    assert_int_equal(v[15], 0xff);
}

/* clang-format off */
#define SR(reg, op0, op1, crn, crm, op2) \
    {"HV_SYS_REG_" #reg, HV_SYS_REG_##reg, op0, op1, crn, crm, op2}
/* clang-format on */

/* Every hv_sys_reg_t constant, with its operands from the Arm ARM. */
static const struct sysreg_case sysregs[] = {
    SR(DBGBVR0_EL1, 2, 0, 0, 0, 4),      SR(DBGBCR0_EL1, 2, 0, 0, 0, 5),
    SR(DBGWVR0_EL1, 2, 0, 0, 0, 6),      SR(DBGWCR0_EL1, 2, 0, 0, 0, 7),
    SR(DBGBVR1_EL1, 2, 0, 0, 1, 4),      SR(DBGBCR1_EL1, 2, 0, 0, 1, 5),
    SR(DBGWVR1_EL1, 2, 0, 0, 1, 6),      SR(DBGWCR1_EL1, 2, 0, 0, 1, 7),
    SR(DBGBVR2_EL1, 2, 0, 0, 2, 4),      SR(DBGBCR2_EL1, 2, 0, 0, 2, 5),
    SR(DBGWVR2_EL1, 2, 0, 0, 2, 6),      SR(DBGWCR2_EL1, 2, 0, 0, 2, 7),
    SR(DBGBVR3_EL1, 2, 0, 0, 3, 4),      SR(DBGBCR3_EL1, 2, 0, 0, 3, 5),
    SR(DBGWVR3_EL1, 2, 0, 0, 3, 6),      SR(DBGWCR3_EL1, 2, 0, 0, 3, 7),
    SR(DBGBVR4_EL1, 2, 0, 0, 4, 4),      SR(DBGBCR4_EL1, 2, 0, 0, 4, 5),
    SR(DBGWVR4_EL1, 2, 0, 0, 4, 6),      SR(DBGWCR4_EL1, 2, 0, 0, 4, 7),
    SR(DBGBVR5_EL1, 2, 0, 0, 5, 4),      SR(DBGBCR5_EL1, 2, 0, 0, 5, 5),
    SR(DBGWVR5_EL1, 2, 0, 0, 5, 6),      SR(DBGWCR5_EL1, 2, 0, 0, 5, 7),
    SR(DBGBVR6_EL1, 2, 0, 0, 6, 4),      SR(DBGBCR6_EL1, 2, 0, 0, 6, 5),
    SR(DBGWVR6_EL1, 2, 0, 0, 6, 6),      SR(DBGWCR6_EL1, 2, 0, 0, 6, 7),
    SR(DBGBVR7_EL1, 2, 0, 0, 7, 4),      SR(DBGBCR7_EL1, 2, 0, 0, 7, 5),
    SR(DBGWVR7_EL1, 2, 0, 0, 7, 6),      SR(DBGWCR7_EL1, 2, 0, 0, 7, 7),
    SR(DBGBVR8_EL1, 2, 0, 0, 8, 4),      SR(DBGBCR8_EL1, 2, 0, 0, 8, 5),
    SR(DBGWVR8_EL1, 2, 0, 0, 8, 6),      SR(DBGWCR8_EL1, 2, 0, 0, 8, 7),
    SR(DBGBVR9_EL1, 2, 0, 0, 9, 4),      SR(DBGBCR9_EL1, 2, 0, 0, 9, 5),
    SR(DBGWVR9_EL1, 2, 0, 0, 9, 6),      SR(DBGWCR9_EL1, 2, 0, 0, 9, 7),
    SR(DBGBVR10_EL1, 2, 0, 0, 10, 4),    SR(DBGBCR10_EL1, 2, 0, 0, 10, 5),
    SR(DBGWVR10_EL1, 2, 0, 0, 10, 6),    SR(DBGWCR10_EL1, 2, 0, 0, 10, 7),
    SR(DBGBVR11_EL1, 2, 0, 0, 11, 4),    SR(DBGBCR11_EL1, 2, 0, 0, 11, 5),
    SR(DBGWVR11_EL1, 2, 0, 0, 11, 6),    SR(DBGWCR11_EL1, 2, 0, 0, 11, 7),
    SR(DBGBVR12_EL1, 2, 0, 0, 12, 4),    SR(DBGBCR12_EL1, 2, 0, 0, 12, 5),
    SR(DBGWVR12_EL1, 2, 0, 0, 12, 6),    SR(DBGWCR12_EL1, 2, 0, 0, 12, 7),
    SR(DBGBVR13_EL1, 2, 0, 0, 13, 4),    SR(DBGBCR13_EL1, 2, 0, 0, 13, 5),
    SR(DBGWVR13_EL1, 2, 0, 0, 13, 6),    SR(DBGWCR13_EL1, 2, 0, 0, 13, 7),
    SR(DBGBVR14_EL1, 2, 0, 0, 14, 4),    SR(DBGBCR14_EL1, 2, 0, 0, 14, 5),
    SR(DBGWVR14_EL1, 2, 0, 0, 14, 6),    SR(DBGWCR14_EL1, 2, 0, 0, 14, 7),
    SR(DBGBVR15_EL1, 2, 0, 0, 15, 4),    SR(DBGBCR15_EL1, 2, 0, 0, 15, 5),
    SR(DBGWVR15_EL1, 2, 0, 0, 15, 6),    SR(DBGWCR15_EL1, 2, 0, 0, 15, 7),
    SR(MDCCINT_EL1, 2, 0, 0, 2, 0),      SR(MDSCR_EL1, 2, 0, 0, 2, 2),
    SR(MIDR_EL1, 3, 0, 0, 0, 0),         SR(MPIDR_EL1, 3, 0, 0, 0, 5),
    SR(ID_AA64PFR0_EL1, 3, 0, 0, 4, 0),  SR(ID_AA64PFR1_EL1, 3, 0, 0, 4, 1),
    SR(ID_AA64ZFR0_EL1, 3, 0, 0, 4, 4),  SR(ID_AA64SMFR0_EL1, 3, 0, 0, 4, 5),
    SR(ID_AA64DFR0_EL1, 3, 0, 0, 5, 0),  SR(ID_AA64DFR1_EL1, 3, 0, 0, 5, 1),
    SR(ID_AA64ISAR0_EL1, 3, 0, 0, 6, 0), SR(ID_AA64ISAR1_EL1, 3, 0, 0, 6, 1),
    SR(ID_AA64MMFR0_EL1, 3, 0, 0, 7, 0), SR(ID_AA64MMFR1_EL1, 3, 0, 0, 7, 1),
    SR(ID_AA64MMFR2_EL1, 3, 0, 0, 7, 2), SR(SCTLR_EL1, 3, 0, 1, 0, 0),
    SR(ACTLR_EL1, 3, 0, 1, 0, 1),        SR(CPACR_EL1, 3, 0, 1, 0, 2),
    SR(SMPRI_EL1, 3, 0, 1, 2, 4),        SR(SMCR_EL1, 3, 0, 1, 2, 6),
    SR(TTBR0_EL1, 3, 0, 2, 0, 0),        SR(TTBR1_EL1, 3, 0, 2, 0, 1),
    SR(TCR_EL1, 3, 0, 2, 0, 2),          SR(APIAKEYLO_EL1, 3, 0, 2, 1, 0),
    SR(APIAKEYHI_EL1, 3, 0, 2, 1, 1),    SR(APIBKEYLO_EL1, 3, 0, 2, 1, 2),
    SR(APIBKEYHI_EL1, 3, 0, 2, 1, 3),    SR(APDAKEYLO_EL1, 3, 0, 2, 2, 0),
    SR(APDAKEYHI_EL1, 3, 0, 2, 2, 1),    SR(APDBKEYLO_EL1, 3, 0, 2, 2, 2),
    SR(APDBKEYHI_EL1, 3, 0, 2, 2, 3),    SR(APGAKEYLO_EL1, 3, 0, 2, 3, 0),
    SR(APGAKEYHI_EL1, 3, 0, 2, 3, 1),    SR(SPSR_EL1, 3, 0, 4, 0, 0),
    SR(ELR_EL1, 3, 0, 4, 0, 1),          SR(SP_EL0, 3, 0, 4, 1, 0),
    SR(AFSR0_EL1, 3, 0, 5, 1, 0),        SR(AFSR1_EL1, 3, 0, 5, 1, 1),
    SR(ESR_EL1, 3, 0, 5, 2, 0),          SR(FAR_EL1, 3, 0, 6, 0, 0),
    SR(PAR_EL1, 3, 0, 7, 4, 0),          SR(MAIR_EL1, 3, 0, 10, 2, 0),
    SR(AMAIR_EL1, 3, 0, 10, 3, 0),       SR(VBAR_EL1, 3, 0, 12, 0, 0),
    SR(CONTEXTIDR_EL1, 3, 0, 13, 0, 1),  SR(TPIDR_EL1, 3, 0, 13, 0, 4),
    SR(SCXTNUM_EL1, 3, 0, 13, 0, 7),     SR(CNTKCTL_EL1, 3, 0, 14, 1, 0),
    SR(CSSELR_EL1, 3, 2, 0, 0, 0),       SR(TPIDR_EL0, 3, 3, 13, 0, 2),
    SR(TPIDRRO_EL0, 3, 3, 13, 0, 3),     SR(TPIDR2_EL0, 3, 3, 13, 0, 5),
    SR(SCXTNUM_EL0, 3, 3, 13, 0, 7),     SR(CNTV_CTL_EL0, 3, 3, 14, 3, 1),
    SR(CNTV_CVAL_EL0, 3, 3, 14, 3, 2),   SR(SP_EL1, 3, 4, 4, 1, 0),
    SR(CNTP_CTL_EL0, 3, 3, 14, 2, 1),    SR(CNTP_CVAL_EL0, 3, 3, 14, 2, 2),
    SR(CNTP_TVAL_EL0, 3, 3, 14, 2, 0),   SR(CNTHCTL_EL2, 3, 4, 14, 1, 0),
    SR(CNTHP_CTL_EL2, 3, 4, 14, 2, 1),   SR(CNTHP_CVAL_EL2, 3, 4, 14, 2, 2),
    SR(CNTHP_TVAL_EL2, 3, 4, 14, 2, 0),  SR(CNTVOFF_EL2, 3, 4, 14, 0, 3),
    SR(CPTR_EL2, 3, 4, 1, 1, 2),         SR(ELR_EL2, 3, 4, 4, 0, 1),
    SR(ESR_EL2, 3, 4, 5, 2, 0),          SR(FAR_EL2, 3, 4, 6, 0, 0),
    SR(HCR_EL2, 3, 4, 1, 1, 0),          SR(HPFAR_EL2, 3, 4, 6, 0, 4),
    SR(MAIR_EL2, 3, 4, 10, 2, 0),        SR(MDCR_EL2, 3, 4, 1, 1, 1),
    SR(SCTLR_EL2, 3, 4, 1, 0, 0),        SR(SPSR_EL2, 3, 4, 4, 0, 0),
    SR(SP_EL2, 3, 6, 4, 1, 0),           SR(TCR_EL2, 3, 4, 2, 0, 2),
    SR(TPIDR_EL2, 3, 4, 13, 0, 2),       SR(TTBR0_EL2, 3, 4, 2, 0, 0),
    SR(TTBR1_EL2, 3, 4, 2, 0, 1),        SR(VBAR_EL2, 3, 4, 12, 0, 0),
    SR(VMPIDR_EL2, 3, 4, 0, 0, 5),       SR(VPIDR_EL2, 3, 4, 0, 0, 0),
    SR(VTCR_EL2, 3, 4, 2, 1, 2),         SR(VTTBR_EL2, 3, 4, 2, 1, 0),
};

static void test_sys_reg_values_follow_the_op0_op1_crn_crm_op2_encoding(void **state)
{
    (void)state;
    assert_int_equal(COUNT(sysregs), 148);
    check_sysregs(sysregs, COUNT(sysregs));
}

static void test_sys_reg_values_are_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(sysregs); i++)
        for (size_t j = i + 1; j < COUNT(sysregs); j++)
            if (sysregs[i].value == sysregs[j].value)
                fail_msg("%s and %s share 0x%04x", sysregs[i].name, sysregs[j].name,
                         sysregs[i].value);
}

static void test_debug_sys_regs_step_by_8_per_breakpoint_number(void **state)
{
    (void)state;
    assert_int_equal(HV_SYS_REG_DBGBVR0_EL1, 0x8004);
    assert_int_equal(HV_SYS_REG_DBGBCR0_EL1, 0x8005);
    assert_int_equal(HV_SYS_REG_DBGWVR0_EL1, 0x8006);
    assert_int_equal(HV_SYS_REG_DBGWCR0_EL1, 0x8007);
    assert_int_equal(HV_SYS_REG_DBGBVR15_EL1, 0x8004 + 8 * 15);
    assert_int_equal(HV_SYS_REG_DBGWCR15_EL1, 0x8007 + 8 * 15);
}

static void test_feature_reg_values_follow_apples_order(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_FEATURE_REG_ID_AA64DFR0_EL1, 0),   NV(HV_FEATURE_REG_ID_AA64DFR1_EL1, 1),
        NV(HV_FEATURE_REG_ID_AA64ISAR0_EL1, 2),  NV(HV_FEATURE_REG_ID_AA64ISAR1_EL1, 3),
        NV(HV_FEATURE_REG_ID_AA64MMFR0_EL1, 4),  NV(HV_FEATURE_REG_ID_AA64MMFR1_EL1, 5),
        NV(HV_FEATURE_REG_ID_AA64MMFR2_EL1, 6),  NV(HV_FEATURE_REG_ID_AA64PFR0_EL1, 7),
        NV(HV_FEATURE_REG_ID_AA64PFR1_EL1, 8),   NV(HV_FEATURE_REG_CTR_EL0, 9),
        NV(HV_FEATURE_REG_CLIDR_EL1, 10),        NV(HV_FEATURE_REG_DCZID_EL0, 11),
        NV(HV_FEATURE_REG_ID_AA64SMFR0_EL1, 12), NV(HV_FEATURE_REG_ID_AA64ZFR0_EL1, 13),
    };
    check_table(t, COUNT(t));
}

/* ------------------------------------------------------------------------- */
/* Interrupts, caches, VM configuration, SME, TLBI                           */
/* ------------------------------------------------------------------------- */

static void test_interrupt_and_cache_types_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_INTERRUPT_TYPE_IRQ, 0),
        NV(HV_INTERRUPT_TYPE_FIQ, 1),
        NV(HV_CACHE_TYPE_DATA, 0),
        NV(HV_CACHE_TYPE_INSTRUCTION, 1),
    };
    check_table(t, COUNT(t));
}

static void test_ipa_granule_and_allocate_flags_have_apples_values(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_IPA_GRANULE_4KB, 0),
        NV(HV_IPA_GRANULE_16KB, 1),
        NV(HV_ALLOCATE_DEFAULT, 0),
    };
    check_table(t, COUNT(t));
}

static void test_sme_register_enums_count_from_zero(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_SME_Z_REG_0, 0),   NV(HV_SME_Z_REG_1, 1),   NV(HV_SME_Z_REG_15, 15),
        NV(HV_SME_Z_REG_16, 16), NV(HV_SME_Z_REG_30, 30), NV(HV_SME_Z_REG_31, 31),
        NV(HV_SME_P_REG_0, 0),   NV(HV_SME_P_REG_1, 1),   NV(HV_SME_P_REG_14, 14),
        NV(HV_SME_P_REG_15, 15),
    };
    check_table(t, COUNT(t));
    hv_vcpu_sme_state_t s = {.streaming_sve_mode_enabled = true, .za_storage_enabled = false};
    assert_true(s.streaming_sve_mode_enabled);
    assert_false(s.za_storage_enabled);
}

/* Values from a reimplementation, not from Apple: a change here is expected. */
static void test_tlbi_op_values_match_the_unconfirmed_reference(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_TLBI_OP_RVAE1IS, 0x11),   NV(HV_TLBI_OP_RVAAE1IS, 0x13),
        NV(HV_TLBI_OP_RVALE1IS, 0x15),  NV(HV_TLBI_OP_RVAALE1IS, 0x17),
        NV(HV_TLBI_OP_VMALLE1IS, 0x18), NV(HV_TLBI_OP_VAE1IS, 0x19),
        NV(HV_TLBI_OP_ASIDE1IS, 0x1a),  NV(HV_TLBI_OP_VAAE1IS, 0x1b),
        NV(HV_TLBI_OP_VALE1IS, 0x1d),   NV(HV_TLBI_OP_VAALE1IS, 0x1f),
    };
    check_table(t, COUNT(t));
}

/* ------------------------------------------------------------------------- */
/* GIC                                                                       */
/* ------------------------------------------------------------------------- */

static void test_gic_reserved_intids_are_the_architected_ppis(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_GIC_INT_PERFORMANCE_MONITOR, 23), NV(HV_GIC_INT_MAINTENANCE, 25),
        NV(HV_GIC_INT_EL2_PHYSICAL_TIMER, 26),  NV(HV_GIC_INT_EL1_VIRTUAL_TIMER, 27),
        NV(HV_GIC_INT_EL1_PHYSICAL_TIMER, 30),
    };
    check_table(t, COUNT(t));
}

#define GICD(name) HV_GIC_DISTRIBUTOR_REG_GICD_##name

static void test_gic_distributor_regs_are_gicv3_offsets(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(GICD(CTLR), 0x0000),
        NV(GICD(TYPER), 0x0004),
        NV(GICD(IGROUPR0), 0x0080),
        NV(GICD(IGROUPR1), 0x0084),
        NV(GICD(IGROUPR31), 0x00fc),
        NV(GICD(ISENABLER0), 0x0100),
        NV(GICD(ISENABLER31), 0x017c),
        NV(GICD(ICENABLER0), 0x0180),
        NV(GICD(ICENABLER31), 0x01fc),
        NV(GICD(ISPENDR0), 0x0200),
        NV(GICD(ISPENDR31), 0x027c),
        NV(GICD(ICPENDR0), 0x0280),
        NV(GICD(ICPENDR31), 0x02fc),
        NV(GICD(ISACTIVER0), 0x0300),
        NV(GICD(ISACTIVER31), 0x037c),
        NV(GICD(ICACTIVER0), 0x0380),
        NV(GICD(ICACTIVER31), 0x03fc),
        NV(GICD(IPRIORITYR0), 0x0400),
        NV(GICD(IPRIORITYR1), 0x0404),
        NV(GICD(IPRIORITYR127), 0x05fc),
        NV(GICD(IPRIORITYR254), 0x07f8),
        NV(GICD(ICFGR0), 0x0c00),
        NV(GICD(ICFGR1), 0x0c04),
        NV(GICD(ICFGR63), 0x0cfc),
        NV(GICD(IROUTER32), 0x6100),
        NV(GICD(IROUTER33), 0x6108),
        NV(GICD(IROUTER512), 0x6100 + 8 * (512 - 32)),
        NV(GICD(IROUTER1019), 0x7fd8),
        NV(GICD(PIDR2), 0xffe8),
    };
    check_table(t, COUNT(t));
}

#define GICR(name) HV_GIC_REDISTRIBUTOR_REG_GICR_##name

static void test_gic_redistributor_regs_are_offsets_from_rd_base(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(GICR(TYPER), 0x0008),        NV(GICR(PIDR2), 0xffe8),
        NV(GICR(IGROUPR0), 0x10080),    NV(GICR(ISENABLER0), 0x10100),
        NV(GICR(ICENABLER0), 0x10180),  NV(GICR(ISPENDR0), 0x10200),
        NV(GICR(ICPENDR0), 0x10280),    NV(GICR(ISACTIVER0), 0x10300),
        NV(GICR(ICACTIVER0), 0x10380),  NV(GICR(IPRIORITYR0), 0x10400),
        NV(GICR(IPRIORITYR1), 0x10404), NV(GICR(IPRIORITYR2), 0x10408),
        NV(GICR(IPRIORITYR3), 0x1040c), NV(GICR(IPRIORITYR4), 0x10410),
        NV(GICR(IPRIORITYR5), 0x10414), NV(GICR(IPRIORITYR6), 0x10418),
        NV(GICR(IPRIORITYR7), 0x1041c), NV(GICR(ICFGR0), 0x10c00),
        NV(GICR(ICFGR1), 0x10c04),
    };
    check_table(t, COUNT(t));
}

/* clang-format off */
#define CPUIF(prefix, reg, op0, op1, crn, crm, op2) \
    {#prefix #reg, prefix##reg, op0, op1, crn, crm, op2}
/* clang-format on */

static void test_gic_cpu_interface_regs_follow_the_sysreg_encoding(void **state)
{
    (void)state;
    static const struct sysreg_case t[] = {
        CPUIF(HV_GIC_ICC_REG_, PMR_EL1, 3, 0, 4, 6, 0),
        CPUIF(HV_GIC_ICC_REG_, BPR0_EL1, 3, 0, 12, 8, 3),
        CPUIF(HV_GIC_ICC_REG_, AP0R0_EL1, 3, 0, 12, 8, 4),
        CPUIF(HV_GIC_ICC_REG_, AP1R0_EL1, 3, 0, 12, 9, 0),
        CPUIF(HV_GIC_ICC_REG_, RPR_EL1, 3, 0, 12, 11, 3),
        CPUIF(HV_GIC_ICC_REG_, BPR1_EL1, 3, 0, 12, 12, 3),
        CPUIF(HV_GIC_ICC_REG_, CTLR_EL1, 3, 0, 12, 12, 4),
        CPUIF(HV_GIC_ICC_REG_, SRE_EL1, 3, 0, 12, 12, 5),
        CPUIF(HV_GIC_ICC_REG_, IGRPEN0_EL1, 3, 0, 12, 12, 6),
        CPUIF(HV_GIC_ICC_REG_, IGRPEN1_EL1, 3, 0, 12, 12, 7),
        CPUIF(HV_GIC_ICC_REG_, SRE_EL2, 3, 4, 12, 9, 5),

        CPUIF(HV_GIC_ICV_REG_, PMR_EL1, 3, 0, 4, 6, 0),
        CPUIF(HV_GIC_ICV_REG_, BPR0_EL1, 3, 0, 12, 8, 3),
        CPUIF(HV_GIC_ICV_REG_, AP0R0_EL1, 3, 0, 12, 8, 4),
        CPUIF(HV_GIC_ICV_REG_, AP1R0_EL1, 3, 0, 12, 9, 0),
        CPUIF(HV_GIC_ICV_REG_, RPR_EL1, 3, 0, 12, 11, 3),
        CPUIF(HV_GIC_ICV_REG_, BPR1_EL1, 3, 0, 12, 12, 3),
        CPUIF(HV_GIC_ICV_REG_, CTLR_EL1, 3, 0, 12, 12, 4),
        CPUIF(HV_GIC_ICV_REG_, SRE_EL1, 3, 0, 12, 12, 5),
        CPUIF(HV_GIC_ICV_REG_, IGRPEN0_EL1, 3, 0, 12, 12, 6),
        CPUIF(HV_GIC_ICV_REG_, IGRPEN1_EL1, 3, 0, 12, 12, 7),

        CPUIF(HV_GIC_ICH_REG_, AP0R0_EL2, 3, 4, 12, 8, 0),
        CPUIF(HV_GIC_ICH_REG_, AP1R0_EL2, 3, 4, 12, 9, 0),
        CPUIF(HV_GIC_ICH_REG_, HCR_EL2, 3, 4, 12, 11, 0),
        CPUIF(HV_GIC_ICH_REG_, VTR_EL2, 3, 4, 12, 11, 1),
        CPUIF(HV_GIC_ICH_REG_, MISR_EL2, 3, 4, 12, 11, 2),
        CPUIF(HV_GIC_ICH_REG_, EISR_EL2, 3, 4, 12, 11, 3),
        CPUIF(HV_GIC_ICH_REG_, ELRSR_EL2, 3, 4, 12, 11, 5),
        CPUIF(HV_GIC_ICH_REG_, VMCR_EL2, 3, 4, 12, 11, 7),
        CPUIF(HV_GIC_ICH_REG_, LR0_EL2, 3, 4, 12, 12, 0),
        CPUIF(HV_GIC_ICH_REG_, LR1_EL2, 3, 4, 12, 12, 1),
        CPUIF(HV_GIC_ICH_REG_, LR2_EL2, 3, 4, 12, 12, 2),
        CPUIF(HV_GIC_ICH_REG_, LR3_EL2, 3, 4, 12, 12, 3),
        CPUIF(HV_GIC_ICH_REG_, LR4_EL2, 3, 4, 12, 12, 4),
        CPUIF(HV_GIC_ICH_REG_, LR5_EL2, 3, 4, 12, 12, 5),
        CPUIF(HV_GIC_ICH_REG_, LR6_EL2, 3, 4, 12, 12, 6),
        CPUIF(HV_GIC_ICH_REG_, LR7_EL2, 3, 4, 12, 12, 7),
        CPUIF(HV_GIC_ICH_REG_, LR8_EL2, 3, 4, 12, 13, 0),
        CPUIF(HV_GIC_ICH_REG_, LR9_EL2, 3, 4, 12, 13, 1),
        CPUIF(HV_GIC_ICH_REG_, LR10_EL2, 3, 4, 12, 13, 2),
        CPUIF(HV_GIC_ICH_REG_, LR11_EL2, 3, 4, 12, 13, 3),
        CPUIF(HV_GIC_ICH_REG_, LR12_EL2, 3, 4, 12, 13, 4),
        CPUIF(HV_GIC_ICH_REG_, LR13_EL2, 3, 4, 12, 13, 5),
        CPUIF(HV_GIC_ICH_REG_, LR14_EL2, 3, 4, 12, 13, 6),
        CPUIF(HV_GIC_ICH_REG_, LR15_EL2, 3, 4, 12, 13, 7),
    };
    check_sysregs(t, COUNT(t));
}

static void test_gic_msi_regs_are_frame_offsets(void **state)
{
    (void)state;
    static const struct named_value t[] = {
        NV(HV_GIC_REG_GICM_TYPER, 0x0008),
        NV(HV_GIC_REG_GICM_SET_SPI_NSR, 0x0040),
    };
    check_table(t, COUNT(t));
}

/* ------------------------------------------------------------------------- */
/* Darwin compat                                                             */
/* ------------------------------------------------------------------------- */

static void test_mach_timebase_info_holds_numer_then_denom(void **state)
{
    (void)state;
    mach_timebase_info_data_t tb = {125, 3};
    mach_timebase_info_t p = &tb;
    assert_int_equal(p->numer, 125);
    assert_int_equal(p->denom, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_codes_have_apples_values),
        cmocka_unit_test(test_return_codes_are_negative_when_read_as_int32),
        cmocka_unit_test(test_return_codes_work_as_switch_labels),
        cmocka_unit_test(test_memory_flags_are_read_write_exec_bits),
        cmocka_unit_test(test_exit_reasons_have_apples_values),
        cmocka_unit_test(test_exit_record_fields_sit_at_apples_offsets),
        cmocka_unit_test(test_reg_values_run_x0_to_x30_then_pc_fpcr_fpsr_cpsr),
        cmocka_unit_test(test_simd_fp_reg_values_run_q0_to_q31),
        cmocka_unit_test(test_simd_value_is_a_16_byte_vector_with_byte_elements),
        cmocka_unit_test(test_sys_reg_values_follow_the_op0_op1_crn_crm_op2_encoding),
        cmocka_unit_test(test_sys_reg_values_are_distinct),
        cmocka_unit_test(test_debug_sys_regs_step_by_8_per_breakpoint_number),
        cmocka_unit_test(test_feature_reg_values_follow_apples_order),
        cmocka_unit_test(test_interrupt_and_cache_types_have_apples_values),
        cmocka_unit_test(test_ipa_granule_and_allocate_flags_have_apples_values),
        cmocka_unit_test(test_sme_register_enums_count_from_zero),
        cmocka_unit_test(test_tlbi_op_values_match_the_unconfirmed_reference),
        cmocka_unit_test(test_gic_reserved_intids_are_the_architected_ppis),
        cmocka_unit_test(test_gic_distributor_regs_are_gicv3_offsets),
        cmocka_unit_test(test_gic_redistributor_regs_are_offsets_from_rd_base),
        cmocka_unit_test(test_gic_cpu_interface_regs_follow_the_sysreg_encoding),
        cmocka_unit_test(test_gic_msi_regs_are_frame_offsets),
        cmocka_unit_test(test_mach_timebase_info_holds_numer_then_denom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
