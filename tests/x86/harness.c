/*
 * harness.c — see harness.h.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <hvmodel.h>

#include "../../replay/replay.h"

#include "x86/harness.h"

hv_vcpuid_t xt_vcpu;
bool xt_autotrace = true;
static char xt_trace[512];

uint64_t xt_vmcs(uint32_t field)
{
    uint64_t x = 0;
    assert_int_equal(hv_vmx_vcpu_read_vmcs(xt_vcpu, field, &x), HV_SUCCESS);
    return x;
}

void xt_set_vmcs(uint32_t field, uint64_t value)
{
    assert_int_equal(hv_vmx_vcpu_write_vmcs(xt_vcpu, field, value), HV_SUCCESS);
}

uint64_t xt_ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c;
    assert_int_equal(hv_vmx_read_capability(cap, &c), HV_SUCCESS);
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

uint64_t xt_reg(hv_x86_reg_t r)
{
    uint64_t x = 0;
    assert_int_equal(hv_vcpu_read_register(xt_vcpu, r, &x), HV_SUCCESS);
    return x;
}

void xt_set_reg(hv_x86_reg_t r, uint64_t value)
{
    assert_int_equal(hv_vcpu_write_register(xt_vcpu, r, value), HV_SUCCESS);
}

uint64_t xt_retired(void)
{
    uint64_t n = 0;
    assert_int_equal(hvm_vcpu_get_instruction_count(xt_vcpu, &n), HV_SUCCESS);
    return n;
}

void xt_expect_reason(uint64_t reason)
{
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), reason);
}

void xt_expect_exit(uint64_t reason, uint64_t qual, uint64_t len)
{
    xt_expect_reason(reason);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), qual);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), len);
}

void xt_expect_ept_violation(uint64_t qual, uint64_t gpa, uint64_t gla)
{
    xt_expect_reason(VMX_REASON_EPT_VIOLATION);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), qual);
    assert_int_equal(xt_vmcs(VMCS_GUEST_PHYSICAL_ADDRESS), gpa);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), gla);
}

void xt_expect_exception(uint64_t irq_info)
{
    xt_expect_reason(VMX_REASON_EXC_NMI);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_IRQ_INFO), irq_info);
}

void xt_advance(void)
{
    xt_set_reg(HV_X86_RIP, xt_reg(HV_X86_RIP) + xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN));
}

void xt_set_cpu_based(uint32_t want)
{
    xt_set_vmcs(VMCS_CTRL_CPU_BASED, xt_ctrl(HV_VMX_CAP_PROCBASED, want));
}

void xt_arm_preemption_timer(uint32_t value)
{
    xt_set_vmcs(VMCS_CTRL_PIN_BASED, xt_ctrl(HV_VMX_CAP_PINBASED, PIN_BASED_PREEMPTION_TIMER));
    xt_set_vmcs(VMCS_CTRL_VMEXIT_CONTROLS, xt_ctrl(HV_VMX_CAP_EXIT, VMEXIT_SAVE_VMX_TIMER));
    xt_set_vmcs(VMCS_GUEST_VMX_TIMER_VALUE, value);
}

static uint8_t *xt_ram;
static size_t xt_ram_size;

uint8_t *xt_realmode_setup(size_t size, uint64_t load, const void *image, size_t len)
{
    assert_true(size % 4096 == 0 && load + len <= size);
    uint8_t *ram = aligned_alloc(4096, size);
    assert_non_null(ram);
    xt_ram = ram;
    xt_ram_size = size;
    static unsigned n;
    xt_trace[0] = 0;
    if (xt_autotrace && !getenv("HVMODEL_TEST_NO_REPLAY")) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(xt_trace, sizeof(xt_trace), "%s/hvmodel-x86-test-%d-%u.hvt", dir, (int)getpid(),
                 n++);
        assert_int_equal(hvm_trace_start(xt_trace), HV_SUCCESS);
    }
    assert_int_equal(hv_vm_create(HV_VM_DEFAULT), HV_SUCCESS);
    memset(ram, 0, size);
    memcpy(ram + load, image, len);
    assert_int_equal(hv_vm_map(ram, 0, size, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                     HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&xt_vcpu, HV_VCPU_DEFAULT), HV_SUCCESS);
    xt_set_vmcs(VMCS_CTRL_PIN_BASED, xt_ctrl(HV_VMX_CAP_PINBASED, 0));
    xt_set_vmcs(VMCS_CTRL_CPU_BASED, xt_ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT));
    xt_set_vmcs(VMCS_CTRL_CPU_BASED2, xt_ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    xt_set_vmcs(VMCS_CTRL_VMENTRY_CONTROLS, xt_ctrl(HV_VMX_CAP_ENTRY, 0));
    xt_set_vmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (int i = 0; i < 6; i++) {
        xt_set_vmcs(segs[i], 0);
        xt_set_vmcs(segs[i] + 0x4000, 0xffff);               /* limit */
        xt_set_vmcs(segs[i] + 0x4014, i == 0 ? 0x9b : 0x93); /* access rights */
        xt_set_vmcs(segs[i] + 0x6006, 0);                    /* base */
    }
    xt_set_vmcs(VMCS_GUEST_LDTR_AR, 0x10000);
    xt_set_vmcs(VMCS_GUEST_TR_AR, 0x83);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0);
    xt_set_vmcs(VMCS_GUEST_CR0, 0x20);
    xt_set_vmcs(VMCS_GUEST_CR4, 0x2000);
    xt_set_reg(HV_X86_RIP, load);
    xt_set_reg(HV_X86_RFLAGS, 2);
    xt_set_reg(HV_X86_RSP, 0x7000);
    return ram;
}

void xt_teardown(void)
{
    assert_int_equal(hv_vcpu_destroy(xt_vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    free(xt_ram);
    xt_ram = NULL;
    xt_ram_size = 0;
    if (xt_trace[0]) {
        struct replay_result res;
        int rc = replay_file(xt_trace, NULL, &res);
        if (rc)
            fail_msg("replay of %s: %s", xt_trace, rc == 2 ? res.error : "diverged");
        assert_true(res.clean);
        if (getenv("HVMODEL_TEST_REPLAY_VERBOSE"))
            fprintf(stderr, "replayed %s: %llu records, %llu exits\n", xt_trace,
                    (unsigned long long)res.records, (unsigned long long)res.exits);
        unlink(xt_trace);
        xt_trace[0] = 0;
    }
}

/* ---- protected and long mode ---- */

static bool xt_long;
static uint64_t xt_pool_next;

static uint64_t pt_alloc(void)
{
    assert_true(xt_pool_next < XT_PT_END);
    uint64_t p = xt_pool_next;
    xt_pool_next += 0x1000;
    memset(xt_ram + p, 0, 0x1000);
    return p;
}

static void put64(uint64_t gpa, uint64_t x)
{
    memcpy(xt_ram + gpa, &x, 8);
}

void xt_map_page(uint64_t la, uint64_t gpa, uint32_t flags)
{
    if (!xt_long) {
        uint64_t pde_at = XT_PT_POOL + ((la >> 22) & 0x3ffu) * 4u;
        uint32_t pde;
        memcpy(&pde, xt_ram + pde_at, 4);
        if (!(pde & 1u)) {
            pde = (uint32_t)pt_alloc() | 7u;
            memcpy(xt_ram + pde_at, &pde, 4);
        }
        uint32_t pte = flags ? ((uint32_t)gpa & 0xfffff000u) | flags : 0;
        memcpy(xt_ram + (pde & 0xfffff000u) + ((la >> 12) & 0x3ffu) * 4u, &pte, 4);
        return;
    }
    uint64_t table = XT_PT_POOL;
    for (int level = 4; level > 1; level--) {
        uint64_t at = table + ((la >> (12 + 9 * (level - 1))) & 0x1ffu) * 8u;
        uint64_t e;
        memcpy(&e, xt_ram + at, 8);
        if (!(e & 1u)) {
            e = pt_alloc() | 7u;
            put64(at, e);
        }
        table = e & 0x000ffffffffff000ull;
    }
    put64(table + ((la >> 12) & 0x1ffu) * 8u, flags ? (gpa & ~0xfffull) | flags : 0);
}

void xt_idt_gate(unsigned vec, uint64_t handler, int trap)
{
    uint32_t sel = xt_long ? XT_SEL_CS64 : XT_SEL_CS32;
    uint32_t type = trap ? 0x8f00u : 0x8e00u; /* P, DPL 0, 32/64-bit gate */
    uint32_t lo = (sel << 16) | (uint32_t)(handler & 0xffffu);
    uint32_t hi = (uint32_t)(handler & 0xffff0000u) | type;
    uint64_t at = XT_IDT + vec * (xt_long ? 16u : 8u);
    memcpy(xt_ram + at, &lo, 4);
    memcpy(xt_ram + at + 4, &hi, 4);
    if (xt_long) {
        uint64_t upper = handler >> 32;
        memcpy(xt_ram + at + 8, &upper, 8);
    }
}

uint32_t xt_ram32(uint64_t gpa)
{
    uint32_t x;
    assert_true(gpa + 4 <= xt_ram_size);
    memcpy(&x, xt_ram + gpa, 4);
    return x;
}

uint64_t xt_ram64(uint64_t gpa)
{
    uint64_t x;
    assert_true(gpa + 8 <= xt_ram_size);
    memcpy(&x, xt_ram + gpa, 8);
    return x;
}

static uint8_t *paged_setup(size_t size, uint64_t load, const void *image, size_t len, bool lm)
{
    /* The real-mode set-up makes the VM, its RAM, the vCPU and the controls. */
    uint8_t *ram = xt_realmode_setup(size, load, image, len);
    xt_long = lm;
    xt_pool_next = XT_PT_POOL;
    pt_alloc(); /* the page directory / PML4 */
    for (uint64_t pa = 0; pa < size; pa += 0x1000)
        xt_map_page(pa, pa, XT_PTE_P | XT_PTE_W);
    put64(XT_GDT + 0x00, 0);
    put64(XT_GDT + 0x08, 0x00cf9b000000ffffull); /* code, 32-bit */
    put64(XT_GDT + 0x10, 0x00cf93000000ffffull); /* data */
    put64(XT_GDT + 0x18, 0x00af9b000000ffffull); /* code, 64-bit */
    put64(XT_GDT + 0x20, 0x00cf93000000ffffull); /* data */
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (int i = 0; i < 6; i++) {
        uint32_t cs_ar = lm ? 0xa09bu : 0xc09bu;
        xt_set_vmcs(segs[i], i == 0 ? (lm ? XT_SEL_CS64 : XT_SEL_CS32) : XT_SEL_DS);
        xt_set_vmcs(segs[i] + 0x4000, 0xffffffffu);              /* limit */
        xt_set_vmcs(segs[i] + 0x4014, i == 0 ? cs_ar : 0xc093u); /* access rights */
        xt_set_vmcs(segs[i] + 0x6006, 0);                        /* base */
    }
    xt_set_vmcs(VMCS_GUEST_TR_AR, 0x8b);
    xt_set_vmcs(VMCS_GUEST_TR_LIMIT, 0x67);
    xt_set_vmcs(VMCS_GUEST_GDTR_BASE, XT_GDT);
    xt_set_vmcs(VMCS_GUEST_GDTR_LIMIT, XT_GDT_LIMIT);
    xt_set_vmcs(VMCS_GUEST_IDTR_BASE, XT_IDT);
    xt_set_vmcs(VMCS_GUEST_IDTR_LIMIT, lm ? 0xfff : 0x7ff);
    xt_set_vmcs(VMCS_GUEST_CR3, XT_PT_POOL);
    xt_set_vmcs(VMCS_GUEST_CR4, lm ? 0x2020 : 0x2000);
    xt_set_vmcs(VMCS_GUEST_CR0, 0x80000031);
    if (lm) {
        xt_set_vmcs(VMCS_GUEST_IA32_EFER, 0x500);
        xt_set_vmcs(VMCS_CTRL_VMENTRY_CONTROLS, xt_ctrl(HV_VMX_CAP_ENTRY, VMENTRY_GUEST_IA32E));
    }
    xt_set_reg(HV_X86_RSP, XT_STACK);
    return ram;
}

uint8_t *xt_pmode_setup(size_t size, uint64_t load, const void *image, size_t len)
{
    return paged_setup(size, load, image, len, false);
}

uint8_t *xt_longmode_setup(size_t size, uint64_t load, const void *image, size_t len)
{
    return paged_setup(size, load, image, len, true);
}

int xt_teardown_state(void **state)
{
    (void)state;
    xt_teardown();
    return 0;
}
