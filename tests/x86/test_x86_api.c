/*
 * test_x86_api.c — every x86 hv_* call answers bad input with the
 * framework's error code and leaves the VM as it was.
 *
 * Where Apple's documentation is silent (hv-api-x86.md §12: calls with no
 * VM, wrong-thread calls, unknown ids, size mismatches) the model's choice
 * is: no VM → HV_NO_DEVICE; a vCPU id the calling thread does not own →
 * HV_BAD_ARGUMENT; a NULL out-pointer, an unknown id or flag, a misaligned
 * or empty range, a wrong buffer size → HV_BAD_ARGUMENT; a second VM →
 * HV_BUSY; an unimplemented facility → HV_UNSUPPORTED. Address spaces: 8
 * (HV_CAP_ADDRSPACEMAX, the default space included); the default space or
 * one that does not exist cannot be destroyed (HV_BAD_ARGUMENT), one a vCPU
 * is in is HV_BUSY, a ninth is HV_NO_RESOURCES. The tests name these.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hvmodel.h>

#include "x86/harness.h"
#include "x86_realmode_exits.h"

#define RAM_SIZE 0xd0000u
#define RWX      (HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)

static uint8_t *ram;

static int setup(void **state)
{
    (void)state;
    ram = xt_realmode_setup(RAM_SIZE, 0x7c00, x86_realmode_exits, x86_realmode_exits_len);
    return 0;
}

/* The guest's first exit, exactly as test_x86_exits expects it: proof that
 * the bad calls before it changed nothing. */
static void expect_guest_unharmed(void)
{
    xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c05);
    assert_int_equal(xt_retired(), 2);
}

static void test_every_call_without_a_vm_is_no_device(void **state)
{
    (void)state;
    uint8_t page[4096] __attribute__((aligned(4096)));
    uint64_t x;
    hv_vcpuid_t id = 0;
    hv_vm_space_t asid;
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
    assert_int_equal(hv_vm_map(page, 0, 4096, RWX), HV_NO_DEVICE);
    assert_int_equal(hv_vm_map(page, 0, 4096, 0x100), HV_NO_DEVICE);
    assert_int_equal(hv_vm_unmap(0, 4096), HV_NO_DEVICE);
    assert_int_equal(hv_vm_protect(0, 4096, RWX), HV_NO_DEVICE);
    assert_int_equal(hv_vm_space_create(&asid), HV_NO_DEVICE);
    assert_int_equal(hv_vm_space_destroy(1), HV_NO_DEVICE);
    assert_int_equal(hv_vm_map_space(1, page, 0, 4096, RWX), HV_NO_DEVICE);
    assert_int_equal(hv_vm_map_space(0, page, 0, 4096, RWX), HV_NO_DEVICE);
    assert_int_equal(hv_vm_unmap_space(1, 0, 4096), HV_NO_DEVICE);
    assert_int_equal(hv_vm_protect_space(1, 0, 4096, RWX), HV_NO_DEVICE);
    assert_int_equal(hv_vm_protect_space(1, 0, 4096, 0x100), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_set_space(0, 0), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_flush(0), HV_UNSUPPORTED); /* always, hv.h */
    assert_int_equal(hv_vm_sync_tsc(0), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_create(&id, HV_VCPU_DEFAULT), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_create(NULL, HV_VCPU_DEFAULT), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_destroy(0), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_run(0), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_run_until(0, 100), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_interrupt(&id, 1), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_read_register(0, HV_X86_RAX, &x), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_write_register(0, HV_X86_RAX, 1), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_read_msr(0, 0x174, &x), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_write_msr(0, 0x174, 1), HV_NO_DEVICE);
    assert_int_equal(hv_vmx_vcpu_read_vmcs(0, VMCS_GUEST_RIP, &x), HV_NO_DEVICE);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(0, VMCS_GUEST_RIP, 1), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_invalidate_tlb(0), HV_NO_DEVICE);
    assert_int_equal(hv_vcpu_get_exec_time(0, &x), HV_NO_DEVICE);
    assert_int_equal(hv_vm_add_pio_notifier(0x3f8, 1, 0, 0, 0), HV_NO_DEVICE);
    /* Queries of the host need no VM. */
    assert_int_equal(hv_capability(HV_CAP_VCPUMAX, &x), HV_SUCCESS);
    assert_int_equal(x, 64);
    assert_int_equal(hv_capability(HV_CAP_ADDRSPACEMAX, &x), HV_SUCCESS);
    assert_int_equal(x, 8);
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_PINBASED, &x), HV_SUCCESS);
}

static void test_null_out_pointers_are_bad_argument(void **state)
{
    (void)state;
    assert_int_equal(hv_capability(HV_CAP_VCPUMAX, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_PINBASED, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_get_msr_info(HV_VMX_INFO_MSR_IA32_ARCH_CAPABILITIES, NULL),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_create(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(NULL, 4096, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_create(NULL, HV_VCPU_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_register(xt_vcpu, HV_X86_RAX, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_msr(xt_vcpu, 0x174, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_read_vmcs(xt_vcpu, VMCS_GUEST_RIP, NULL), HV_BAD_ARGUMENT);
    uint64_t a0;
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_CTRL_PIN_BASED, &a0, NULL),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_get_cap_write_vmcs(xt_vcpu, VMCS_CTRL_PIN_BASED, NULL, &a0),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_get_exec_time(xt_vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_get_idle_time(xt_vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_vmx_status(xt_vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, NULL, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_write_fpstate(xt_vcpu, NULL, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_interrupt(NULL, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hvm_vcpu_read_guest(xt_vcpu, 0x7c00, NULL, 4), HV_BAD_ARGUMENT);
    expect_guest_unharmed();
}

static void test_unknown_ids_flags_and_sizes_are_bad_argument(void **state)
{
    (void)state;
    uint64_t x;
    uint8_t fp[4096];
    assert_int_equal(hv_capability((hv_capability_t)99, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_read_capability((hv_vmx_capability_t)99, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_get_msr_info((hv_vmx_msr_info_t)99, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_register(xt_vcpu, (hv_x86_reg_t)9999, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, (hv_x86_reg_t)9999, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_msr(xt_vcpu, 0xdeadbeef, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_write_msr(xt_vcpu, 0xdeadbeef, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0xdeadbeef, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_read_vmcs(xt_vcpu, 0x7fff, &x), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, 0x7fff, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, fp, 512), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_write_fpstate(xt_vcpu, fp, 4095), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_tsc_relative(xt_vcpu, 5), HV_BAD_ARGUMENT); /* no TSC_RELATIVE */
    assert_int_equal(hv_vmx_vcpu_set_apic_address(xt_vcpu, 0xfee00800), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, 7), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_destroy(7), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap_space(7, 0, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect_space(7, 0, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate((void **)&x, 4096, 1), HV_BAD_ARGUMENT);
    hv_vcpuid_t other;
    assert_int_equal(hv_vcpu_create(&other, (hv_vcpu_options_t)1 << 20), HV_BAD_ARGUMENT);
    /* Memory: unknown flags, misaligned, empty, holes, overlaps. */
    uint8_t *page = ram + 0x1000;
    assert_int_equal(hv_vm_map(page, 0x100000, 4096, 0x100), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(page, 0x100800, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(page, 0x100000, 100, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(page, 0x100000, 0, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(page + 1, 0x100000, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(page, 0, 4096, RWX), HV_BAD_ARGUMENT); /* overlaps RAM */
    assert_int_equal(hv_vm_map(page, 1ull << 39, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(0x100000, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(0x100000, 4096, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(0, 4096, 0x100), HV_BAD_ARGUMENT);
    expect_guest_unharmed();
}

static void test_address_space_bad_input_matrix(void **state)
{
    (void)state;
    uint8_t *page = ram + 0x1000;
    hv_vm_space_t id = 99;
    /* The default space and spaces that do not exist. */
    assert_int_equal(hv_vm_space_destroy(HV_VM_SPACE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_destroy(1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_destroy(8), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_destroy(0xffffffffu), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(1, page, 0x100000, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(8, page, 0x100000, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap_space(1, 0, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect_space(1, 0, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, 0xffffffffu), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_set_apic_address_space(xt_vcpu, 1, 0xfee00000), HV_BAD_ARGUMENT);
    /* Seven more spaces, numbered from 1; an eighth is refused. */
    for (hv_vm_space_t want = 1; want < 8; want++) {
        assert_int_equal(hv_vm_space_create(&id), HV_SUCCESS);
        assert_int_equal(id, want);
    }
    id = 99;
    assert_int_equal(hv_vm_space_create(&id), HV_NO_RESOURCES);
    assert_int_equal(id, 99);
    /* The map checks of the default space hold in every space. */
    assert_int_equal(hv_vm_map_space(3, page, 0x100000, 4096, 0x100), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(3, page, 0x100800, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(3, page, 0x100000, 100, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(3, page, 0x100000, 0, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(3, page + 1, 0x100000, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map_space(3, page, 1ull << 39, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap_space(3, 0x100000, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect_space(3, 0x100000, 4096, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    /* GPA 0 is RAM in the default space, free in space 3; in space 3 it
     * overlaps only once mapped there. */
    assert_int_equal(hv_vm_map_space(3, page, 0, 4096, RWX), HV_SUCCESS);
    assert_int_equal(hv_vm_map_space(3, page, 0, 4096, RWX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect_space(3, 0, 4096, 0x100), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect_space(3, 0, 4096, HV_MEMORY_READ), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap_space(3, 0, 4096), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap_space(3, 0, 4096), HV_BAD_ARGUMENT);
    /* Space 0 through the *_space calls is the default space. */
    assert_int_equal(hv_vm_map_space(HV_VM_SPACE_DEFAULT, page, 0, 4096, RWX), HV_BAD_ARGUMENT);
    /* The APIC-access page of another space is not modelled. */
    assert_int_equal(hv_vmx_vcpu_set_apic_address_space(xt_vcpu, 3, 0xfee00000), HV_UNSUPPORTED);
    /* A space in use is busy; a destroyed id is free for the next create. */
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, 5), HV_SUCCESS);
    assert_int_equal(hv_vm_space_destroy(5), HV_BUSY);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, HV_VM_SPACE_DEFAULT), HV_SUCCESS);
    assert_int_equal(hv_vm_space_destroy(5), HV_SUCCESS);
    assert_int_equal(hv_vm_space_destroy(5), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, 5), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_space_destroy(2), HV_SUCCESS);
    assert_int_equal(hv_vm_space_create(&id), HV_SUCCESS);
    assert_int_equal(id, 2);
    expect_guest_unharmed();
}

static void test_second_vm_is_busy_and_destroy_with_a_vcpu_is_busy(void **state)
{
    (void)state;
    assert_int_equal(hv_vm_create(HV_VM_DEFAULT), HV_BUSY);
    assert_int_equal(hv_vm_destroy(), HV_BUSY);
    assert_int_equal(hv_vm_create((hv_vm_options_t)1 << 40), HV_BAD_ARGUMENT);
    expect_guest_unharmed();
}

static void test_unsupported_facilities_say_unsupported(void **state)
{
    (void)state;
    uint64_t x;
    assert_int_equal(hv_vm_add_pio_notifier(0x3f8, 1, 0, 0, 0), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_enable_managed_msr(xt_vcpu, 0x174, true), HV_UNSUPPORTED);
    assert_int_equal(hv_vmx_vcpu_read_shadow_vmcs(xt_vcpu, VMCS_GUEST_RIP, &x), HV_UNSUPPORTED);
    assert_int_equal(hv_vmx_vcpu_write_shadow_vmcs(xt_vcpu, VMCS_GUEST_RIP, 1), HV_UNSUPPORTED);
    assert_int_equal(hv_vm_lapic_set_intr(xt_vcpu, 0x20, HV_APIC_EDGE_TRIGGER), HV_UNSUPPORTED);
    /* Deprecated in 11.0: "no effect and always returns HV_UNSUPPORTED". */
    assert_int_equal(hv_vcpu_flush(xt_vcpu), HV_UNSUPPORTED);
    assert_int_equal(hv_vcpu_flush(xt_vcpu + 1), HV_UNSUPPORTED);
    expect_guest_unharmed();
}

/* VMWRITE keeps the bits a field holds (SDM vol. 3C, 24.11.2): 16-bit
 * selectors and 32-bit limits and rights read back cut to their width,
 * whether written as VMCS fields or as the registers that alias them; the
 * capability-checked controls refuse bits above 31 instead. */
static void test_vmcs_writes_are_cut_to_the_field_width(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_GUEST_FS, 0x12345678);
    assert_int_equal(xt_vmcs(VMCS_GUEST_FS), 0x5678);
    xt_set_vmcs(VMCS_GUEST_FS_LIMIT, 0xab0000ffffull);
    assert_int_equal(xt_vmcs(VMCS_GUEST_FS_LIMIT), 0xffff);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0xff1b0000015f6564ull);
    assert_int_equal(xt_vmcs(VMCS_CTRL_EXC_BITMAP), 0x015f6564);
    xt_set_vmcs(VMCS_GUEST_FS_BASE, 0xff1b0000015f6564ull);
    assert_int_equal(xt_vmcs(VMCS_GUEST_FS_BASE), 0xff1b0000015f6564ull);
    xt_set_reg(HV_X86_GS, 0x10000);
    assert_int_equal(xt_reg(HV_X86_GS), 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_GS), 0);
    xt_set_reg(HV_X86_TSS_LIMIT, 0x100000067ull);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR_LIMIT), 0x67);
    uint64_t pin = xt_vmcs(VMCS_CTRL_PIN_BASED);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, VMCS_CTRL_PIN_BASED, pin | 1ull << 32),
                     HV_BAD_ARGUMENT);
    assert_int_equal(xt_vmcs(VMCS_CTRL_PIN_BASED), pin);
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    xt_set_vmcs(VMCS_GUEST_FS, 0);
    xt_set_vmcs(VMCS_GUEST_FS_LIMIT, 0xffff);
    xt_set_vmcs(VMCS_GUEST_FS_BASE, 0);
    expect_guest_unharmed();
}

/* CR0.PG without CR0.PE is invalid guest state even for an unrestricted
 * guest (SDM vol. 3C, 26.3.1.1): the VM entry fails with basic reason 33
 * and bit 31 set, before any instruction, leaving the guest as it was; a
 * kick already pending still exits first. */
static void test_paging_without_protection_fails_vm_entry(void **state)
{
    (void)state;
    xt_set_vmcs(VMCS_GUEST_CR0, 0x80000020);
    xt_expect_exit(VMX_REASON_VMENTRY_GUEST | 0x80000000u, 0, 0);
    assert_int_equal(xt_reg(HV_X86_RIP), 0x7c00);
    assert_int_equal(xt_retired(), 0);
    assert_int_equal(hv_vcpu_interrupt(&xt_vcpu, 1), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_IRQ, 0, 0);
    xt_expect_exit(VMX_REASON_VMENTRY_GUEST | 0x80000000u, 0, 0);
    assert_int_equal(xt_retired(), 0);
    xt_set_vmcs(VMCS_GUEST_CR0, 0x20);
    expect_guest_unharmed();
}

struct foreign {
    hv_vcpuid_t vcpu;
    hv_return_t read, write, run, destroy, kick, space;
};

static void *foreign_thread(void *arg)
{
    struct foreign *f = arg;
    uint64_t x;
    f->read = hv_vcpu_read_register(f->vcpu, HV_X86_RAX, &x);
    f->write = hv_vmx_vcpu_write_vmcs(f->vcpu, VMCS_GUEST_RIP, 0);
    f->run = hv_vcpu_run(f->vcpu);
    f->space = hv_vcpu_set_space(f->vcpu, HV_VM_SPACE_DEFAULT);
    f->destroy = hv_vcpu_destroy(f->vcpu);
    f->kick = hv_vcpu_interrupt(&f->vcpu, 1);
    return NULL;
}

static void test_calls_from_another_thread_are_bad_argument_except_interrupt(void **state)
{
    (void)state;
    struct foreign f = {.vcpu = xt_vcpu};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, foreign_thread, &f), 0);
    pthread_join(t, NULL);
    assert_int_equal(f.read, HV_BAD_ARGUMENT);
    assert_int_equal(f.write, HV_BAD_ARGUMENT);
    assert_int_equal(f.run, HV_BAD_ARGUMENT);
    assert_int_equal(f.space, HV_BAD_ARGUMENT);
    assert_int_equal(f.destroy, HV_BAD_ARGUMENT);
    assert_int_equal(f.kick, HV_SUCCESS);
    /* The kick is remembered: the next run exits before any instruction. */
    xt_expect_reason(VMX_REASON_IRQ);
    assert_int_equal(xt_retired(), 0);
    expect_guest_unharmed();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_call_without_a_vm_is_no_device),
        cmocka_unit_test_setup_teardown(test_null_out_pointers_are_bad_argument, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_unknown_ids_flags_and_sizes_are_bad_argument, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_address_space_bad_input_matrix, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_second_vm_is_busy_and_destroy_with_a_vcpu_is_busy,
                                        setup, xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_unsupported_facilities_say_unsupported, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_vmcs_writes_are_cut_to_the_field_width, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_paging_without_protection_fails_vm_entry, setup,
                                        xt_teardown_state),
        cmocka_unit_test_setup_teardown(
            test_calls_from_another_thread_are_bad_argument_except_interrupt, setup,
            xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
