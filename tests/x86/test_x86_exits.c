/*
 * test_x86_exits.c — VMX exits of a real-mode guest (hvdos-style set-up):
 * exact exit reasons, qualifications, instruction lengths and the
 * interruption / IDT-vectoring information the real framework reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "x86_realmode_exits.h"

static hv_vcpuid_t vcpu;
static uint8_t *ram;

static uint64_t rvmcs(uint32_t f)
{
    uint64_t x = 0;
    assert_int_equal(hv_vmx_vcpu_read_vmcs(vcpu, f, &x), HV_SUCCESS);
    return x;
}

static void wvmcs(uint32_t f, uint64_t x)
{
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, f, x), HV_SUCCESS);
}

static uint64_t cap2ctrl(hv_vmx_capability_t c, uint64_t want)
{
    uint64_t cap;
    assert_int_equal(hv_vmx_read_capability(c, &cap), HV_SUCCESS);
    return (want | (cap & 0xffffffffu)) & (cap >> 32);
}

static uint64_t reg(hv_x86_reg_t r)
{
    uint64_t x = 0;
    assert_int_equal(hv_vcpu_read_register(vcpu, r, &x), HV_SUCCESS);
    return x;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(hv_vm_create(HV_VM_DEFAULT), HV_SUCCESS);
    ram = aligned_alloc(4096, 0xd0000);
    memset(ram, 0, 0xd0000);
    memcpy(ram + 0x7c00, x86_realmode_exits, x86_realmode_exits_len);
    assert_int_equal(hv_vm_map(ram, 0, 0xd0000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&vcpu, HV_VCPU_DEFAULT), HV_SUCCESS);
    wvmcs(VMCS_CTRL_PIN_BASED, cap2ctrl(HV_VMX_CAP_PINBASED, 0));
    wvmcs(VMCS_CTRL_CPU_BASED, cap2ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT));
    wvmcs(VMCS_CTRL_CPU_BASED2, cap2ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    wvmcs(VMCS_CTRL_VMENTRY_CONTROLS, cap2ctrl(HV_VMX_CAP_ENTRY, 0));
    wvmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (int i = 0; i < 6; i++) {
        wvmcs(segs[i], 0);
        wvmcs(segs[i] + 0x4000, 0xffff);
        wvmcs(segs[i] + 0x4014, i == 0 ? 0x9b : 0x93);
        wvmcs(segs[i] + 0x6006, 0);
    }
    wvmcs(VMCS_GUEST_DS, 0xd000); /* DS base 0xd0000: beyond RAM */
    wvmcs(VMCS_GUEST_DS_BASE, 0xd0000);
    wvmcs(VMCS_GUEST_LDTR_AR, 0x10000);
    wvmcs(VMCS_GUEST_TR_AR, 0x83);
    wvmcs(VMCS_GUEST_IDTR_LIMIT, 0);
    wvmcs(VMCS_GUEST_CR0, 0x20);
    wvmcs(VMCS_GUEST_CR4, 0x2000);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RIP, 0x7c00), HV_SUCCESS);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RFLAGS, 2), HV_SUCCESS);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RSP, 0x7000), HV_SUCCESS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(hv_vcpu_destroy(vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    free(ram);
    return 0;
}

/* Runs to the next exit; checks reason, qualification and length. */
static void expect_exit(uint64_t reason, uint64_t qual, uint64_t len)
{
    assert_int_equal(hv_vcpu_run(vcpu), HV_SUCCESS);
    assert_int_equal(rvmcs(VMCS_RO_EXIT_REASON), reason);
    assert_int_equal(rvmcs(VMCS_RO_EXIT_QUALIFIC), qual);
    assert_int_equal(rvmcs(VMCS_RO_VMEXIT_INSTR_LEN), len);
}

/* Guest instructions retired so far (exiting instructions do not retire;
 * the ones the model completes itself do). */
static uint64_t retired(void)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(vcpu, &n), HV_SUCCESS);
    return n;
}

static void advance(void)
{
    uint64_t len = rvmcs(VMCS_RO_VMEXIT_INSTR_LEN);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RIP, reg(HV_X86_RIP) + len), HV_SUCCESS);
}

static void test_realmode_exit_sequence_has_exact_vmcs_values(void **state)
{
    (void)state;
    /* out %al,%dx with DX=0x3f8: port in 31:16, size 1, OUT, DX operand */
    expect_exit(VMX_REASON_IO, 0x3f80000, 1);
    assert_int_equal(reg(HV_X86_RIP), 0x7c05);
    assert_int_equal(reg(HV_X86_RAX) & 0xff, 'H');
    assert_int_equal(retired(), 2); /* mov $0x3f8,%dx; mov $'H',%al */
    advance();
    /* outb %al,$0x80: immediate operand (bit 6) */
    expect_exit(VMX_REASON_IO, 0x800040, 2);
    advance();
    /* in $0x71,%al: IN (bit 3); the VMM's value reaches the guest */
    expect_exit(VMX_REASON_IO, 0x710048, 2);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RAX, 0x42), HV_SUCCESS);
    advance();
    expect_exit(VMX_REASON_CPUID, 0, 2);
    assert_int_equal(reg(HV_X86_RBX), 0x42);
    advance();
    /* rdtsc without RDTSC exiting runs in the model; vmcall exits */
    expect_exit(VMX_REASON_VMCALL, 0, 3);
    /* 6 instructions retired before RDTSC: the virtual TSC (one cycle per
     * instruction at the default ratio) read 6; RDTSC itself retired. */
    assert_int_equal(reg(HV_X86_RAX), 6);
    assert_int_equal(reg(HV_X86_RDX), 0);
    assert_int_equal(reg(HV_X86_RCX), 0x1234);
    assert_int_equal(retired(), 7);
    advance();
    /* movb to DS:0x100 = GPA 0xd0100, unmapped: a write, GLA valid and
     * a translated access; no permissions on the GPA */
    assert_int_equal(hv_vcpu_run(vcpu), HV_SUCCESS);
    assert_int_equal(rvmcs(VMCS_RO_EXIT_REASON), VMX_REASON_EPT_VIOLATION);
    assert_int_equal(rvmcs(VMCS_RO_EXIT_QUALIFIC), 0x182);
    assert_int_equal(rvmcs(VMCS_GUEST_PHYSICAL_ADDRESS), 0xd0100);
    assert_int_equal(rvmcs(VMCS_RO_GUEST_LIN_ADDR), 0xd0100);
    assert_int_equal(hv_vcpu_write_register(vcpu, HV_X86_RIP, reg(HV_X86_RIP) + 5), HV_SUCCESS);
    /* int $0x21 with IDTR.limit 0: #GP (no error code in real mode) while
     * delivering the software interrupt */
    assert_int_equal(hv_vcpu_run(vcpu), HV_SUCCESS);
    assert_int_equal(rvmcs(VMCS_RO_EXIT_REASON), VMX_REASON_EXC_NMI);
    assert_int_equal(rvmcs(VMCS_RO_VMEXIT_IRQ_INFO), IRQ_INFO_VALID | IRQ_INFO_HARD_EXC | 13);
    assert_int_equal(rvmcs(VMCS_RO_IDT_VECTOR_INFO), IRQ_INFO_VALID | IRQ_INFO_SOFT_IRQ | 0x21);
    assert_int_equal(rvmcs(VMCS_RO_VMEXIT_INSTR_LEN), 2);
    assert_int_equal(reg(HV_X86_RIP), 0x7c20);
}

static void test_readonly_and_framework_fields_refuse_writes(void **state)
{
    (void)state;
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_RO_EXIT_REASON, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_CTRL_TSC_OFFSET, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_HOST_RIP, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_CTRL_EPTP, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, 0x7fff, 1), HV_BAD_ARGUMENT);
    /* controls outside the capability: clearing a must-be-1 bit */
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_CTRL_CPU_BASED2, 0), HV_BAD_ARGUMENT);
    /* CR0 with CD set, activity state shutdown */
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_GUEST_CR0, 0x40000020), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vmx_vcpu_write_vmcs(vcpu, VMCS_GUEST_ACTIVITY_STATE, 2), HV_BAD_ARGUMENT);
}

static void test_allocate_hands_out_4k_pages_and_frees_only_its_own(void **state)
{
    (void)state;
    void *p = NULL;
    assert_int_equal(hv_vm_allocate(&p, 4096 + 1, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, 8192, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    assert_int_equal((uintptr_t)p & 4095u, 0);
    assert_int_equal(hv_vm_deallocate(ram, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 4096), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 8192), HV_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_realmode_exit_sequence_has_exact_vmcs_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_readonly_and_framework_fields_refuse_writes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_allocate_hands_out_4k_pages_and_frees_only_its_own,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
