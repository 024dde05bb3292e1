/*
 * test_x86_descriptor_tables.c — descriptor-table exiting: with
 * CPU_BASED2_DESC_TABLE, LGDT/LIDT/SGDT/SIDT exit with VMX_REASON_GDTR_IDTR
 * and LLDT/LTR/SLDT/STR with VMX_REASON_LDTR_TR at the instruction, with
 * the instruction length, the displacement as the qualification and the
 * VM-exit instruction information (scaling, address size, operand size,
 * segment, index/base registers, register operand, instruction identity);
 * without it the same instructions run without exiting.
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

#include "x86/harness.h"
#include "x86_desc_tables.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u
#define DATA_LA  0x400000u /* linear page of the 32-bit part's operands */
#define DATA_PA  0x50000u
#define TSS_SEL  0x28u /* GDT entry 5: a 32-bit available TSS */
#define TSS_BASE 0x50800u

/* VM-exit instruction information (SDM vol. 3C, 28.2.5). */
#define II_SCALE(s)    ((uint64_t)(s))
#define II_REG1(r)     ((uint64_t)(r) << 3)
#define II_ASZ16       (0ull << 7)
#define II_ASZ32       (1ull << 7)
#define II_ASZ64       (2ull << 7)
#define II_REG_OPERAND (1ull << 10)
#define II_OSZ32       (1ull << 11)
#define II_SEG(s)      ((uint64_t)(s) << 15)
#define II_INDEX(r)    ((uint64_t)(r) << 18)
#define II_NO_INDEX    (1ull << 22)
#define II_BASE(r)     ((uint64_t)(r) << 23)
#define II_NO_BASE     (1ull << 27)
#define II_IDENTITY(i) ((uint64_t)(i) << 28)
#define SEG_SS         2u
#define SEG_DS         3u
#define SEG_FS         4u
#define R_BX           3u
#define R_BP           5u
#define R_SI           6u

static uint8_t *ram;

static void common_setup(bool long_mode)
{
    if (long_mode)
        ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_desc_tables, x86_desc_tables_len);
    else
        ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_desc_tables, x86_desc_tables_len);
    xt_map_page(DATA_LA, DATA_PA, XT_PTE_P | XT_PTE_W);
    /* A 32-bit available TSS for LTR, inside an extended GDT. */
    uint64_t tss = 0x67u | (uint64_t)(TSS_BASE & 0xffffffu) << 16 | 0x89ull << 40;
    memcpy(ram + XT_GDT + TSS_SEL, &tss, 8);
    xt_set_vmcs(VMCS_GUEST_GDTR_LIMIT, TSS_SEL + 7);
    xt_set_reg(HV_X86_RBX, DATA_LA);
    xt_set_reg(HV_X86_RSI, 4);
    xt_set_reg(HV_X86_RBP, DATA_LA + 0x110);
    xt_set_reg(HV_X86_RDX, TSS_SEL);
    xt_set_reg(HV_X86_RDI, 0xdeadbeef);
}

static int setup_pmode(void **state)
{
    (void)state;
    common_setup(false);
    return 0;
}

static int setup_longmode(void **state)
{
    (void)state;
    common_setup(true);
    return 0;
}

static void enable_desc_table_exiting(void)
{
    uint64_t cpu2 = xt_ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED | CPU_BASED2_DESC_TABLE);
    assert_true(cpu2 & CPU_BASED2_DESC_TABLE);
    xt_set_vmcs(VMCS_CTRL_CPU_BASED2, cpu2);
}

/* The next exit is the instruction at LOAD + offset: it did not execute. */
static void expect_desc_exit(uint64_t offset, uint64_t reason, uint64_t qual, uint64_t len,
                             uint64_t info)
{
    uint64_t retired = xt_retired();
    xt_expect_exit(reason, qual, len);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + offset);
    assert_int_equal(xt_vmcs(VMCS_RO_VMX_INSTR_INFO), info);
    assert_int_equal(xt_vmcs(VMCS_RO_GUEST_LIN_ADDR), 0);
    assert_int_equal(xt_retired(), retired);
    xt_advance();
}

static void test_desc_table_instructions_exit_with_operand_info_in_pmode(void **state)
{
    (void)state;
    enable_desc_table_exiting();
    xt_set_reg(HV_X86_RIP, LOAD);
    /* sgdt 0x40(%ebx,%esi,4): base EBX, index ESI scaled by 4, DS, 32-bit */
    expect_desc_exit(0x00, VMX_REASON_GDTR_IDTR, 0x40, 5,
                     II_SCALE(2) | II_ASZ32 | II_OSZ32 | II_SEG(SEG_DS) | II_INDEX(R_SI) |
                         II_BASE(R_BX) | II_IDENTITY(0));
    /* lgdt 0x40(%ebx,%esi,4) */
    expect_desc_exit(0x05, VMX_REASON_GDTR_IDTR, 0x40, 5,
                     II_SCALE(2) | II_ASZ32 | II_OSZ32 | II_SEG(SEG_DS) | II_INDEX(R_SI) |
                         II_BASE(R_BX) | II_IDENTITY(2));
    /* sidt %fs:-0x10(%ebp): the override, no index, the disp8 sign-extended */
    expect_desc_exit(0x0a, VMX_REASON_GDTR_IDTR, 0xfffffffffffffff0ull, 5,
                     II_ASZ32 | II_OSZ32 | II_SEG(SEG_FS) | II_NO_INDEX | II_BASE(R_BP) |
                         II_IDENTITY(1));
    /* lidt 0x400100: a disp32 alone, neither base nor index */
    expect_desc_exit(0x0f, VMX_REASON_GDTR_IDTR, 0x400100, 7,
                     II_ASZ32 | II_OSZ32 | II_SEG(SEG_DS) | II_NO_INDEX | II_NO_BASE |
                         II_IDENTITY(3));
    /* sgdt 0x10(%bp,%si) (address-size prefix): 16-bit addressing, BP's
     * default segment SS */
    expect_desc_exit(0x16, VMX_REASON_GDTR_IDTR, 0x10, 5,
                     II_ASZ16 | II_OSZ32 | II_SEG(SEG_SS) | II_INDEX(R_SI) | II_BASE(R_BP) |
                         II_IDENTITY(0));
    /* sldt %edi: register operand 7, no displacement */
    expect_desc_exit(0x1b, VMX_REASON_LDTR_TR, 0, 3, II_REG_OPERAND | II_REG1(7) | II_IDENTITY(0));
    /* str 0x20(%ebx): memory operand, no index */
    expect_desc_exit(0x1e, VMX_REASON_LDTR_TR, 0x20, 4,
                     II_ASZ32 | II_SEG(SEG_DS) | II_NO_INDEX | II_BASE(R_BX) | II_IDENTITY(1));
    /* lldt 0x8(%ebx) */
    expect_desc_exit(0x22, VMX_REASON_LDTR_TR, 0x8, 4,
                     II_ASZ32 | II_SEG(SEG_DS) | II_NO_INDEX | II_BASE(R_BX) | II_IDENTITY(2));
    /* ltr %dx: register operand 2 */
    expect_desc_exit(0x26, VMX_REASON_LDTR_TR, 0, 3, II_REG_OPERAND | II_REG1(2) | II_IDENTITY(3));
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    /* The VMM skipped every one: nothing was stored or loaded. */
    assert_int_equal(xt_ram64(DATA_PA + 0x50), 0);
    assert_int_equal(xt_reg(HV_X86_RDI), 0xdeadbeef);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR) & 0xffff, 0);
    assert_int_equal(xt_retired(), 0);
}

static void test_desc_table_instructions_exit_with_operand_info_in_long_mode(void **state)
{
    (void)state;
    enable_desc_table_exiting();
    xt_set_reg(HV_X86_RIP, LOAD + 0x100);
    /* sgdt 0x8(%r9,%r12,8): REX.B/REX.X registers, 64-bit addressing; the
     * operand size (undefined in 64-bit mode) reads 0 */
    expect_desc_exit(0x100, VMX_REASON_GDTR_IDTR, 0x8, 6,
                     II_SCALE(3) | II_ASZ64 | II_SEG(SEG_DS) | II_INDEX(12) | II_BASE(9) |
                         II_IDENTITY(0));
    /* lidt 0x40(%rip): RIP-relative, the qualification is disp + next RIP */
    expect_desc_exit(0x106, VMX_REASON_GDTR_IDTR, LOAD + 0x10d + 0x40, 7,
                     II_ASZ64 | II_SEG(SEG_DS) | II_NO_INDEX | II_NO_BASE | II_IDENTITY(3));
    /* sldt %r10d, ltr %r11w */
    expect_desc_exit(0x10d, VMX_REASON_LDTR_TR, 0, 4,
                     II_REG_OPERAND | II_REG1(10) | II_IDENTITY(0));
    expect_desc_exit(0x111, VMX_REASON_LDTR_TR, 0, 4,
                     II_REG_OPERAND | II_REG1(11) | II_IDENTITY(3));
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
}

static void test_desc_table_instructions_run_without_exiting_when_control_clear(void **state)
{
    (void)state;
    assert_false(xt_vmcs(VMCS_CTRL_CPU_BASED2) & CPU_BASED2_DESC_TABLE);
    uint16_t ones = 0xffff;
    memcpy(ram + DATA_PA + 0x20, &ones, 2);
    uint64_t tr = xt_vmcs(VMCS_GUEST_TR);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x29);
    assert_int_equal(xt_retired(), 9);
    /* SGDT/SIDT stored limit and base; LGDT/LIDT loaded them back. */
    uint16_t limit;
    memcpy(&limit, ram + DATA_PA + 0x50, 2);
    assert_int_equal(limit, TSS_SEL + 7);
    assert_int_equal(xt_ram32(DATA_PA + 0x52), XT_GDT);
    memcpy(&limit, ram + DATA_PA + 0x100, 2);
    assert_int_equal(limit, 0x7ff);
    assert_int_equal(xt_ram32(DATA_PA + 0x102), XT_IDT);
    memcpy(&limit, ram + 0x124, 2); /* SS:(BP+SI+0x10) */
    assert_int_equal(limit, TSS_SEL + 7);
    assert_int_equal(xt_vmcs(VMCS_GUEST_GDTR_BASE), XT_GDT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IDTR_BASE), XT_IDT);
    assert_int_equal(xt_vmcs(VMCS_GUEST_IDTR_LIMIT), 0x7ff);
    /* SLDT wrote the null LDTR selector, zero-extended; STR stored TR. */
    assert_int_equal(xt_reg(HV_X86_RDI), 0);
    memcpy(&limit, ram + DATA_PA + 0x20, 2);
    assert_int_equal(limit, tr & 0xffff);
    /* LLDT loaded the null selector; LTR loaded the TSS and marked it busy. */
    assert_int_equal(xt_vmcs(VMCS_GUEST_LDTR) & 0xffff, 0);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR), TSS_SEL);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR_BASE), TSS_BASE);
    assert_int_equal(xt_vmcs(VMCS_GUEST_TR_AR) & 0x9f, 0x8b);
    assert_int_equal(ram[XT_GDT + TSS_SEL + 5], 0x8b);
}

static void test_desc_table_exiting_follows_the_control_between_runs(void **state)
{
    (void)state;
    /* The capability offers the control (allowed-1, not must-be-1) under
     * the secondary controls, which are must-be-1 here. */
    uint64_t cap = 0;
    assert_int_equal(hv_vmx_read_capability(HV_VMX_CAP_PROCBASED2, &cap), HV_SUCCESS);
    assert_true((cap >> 32) & CPU_BASED2_DESC_TABLE);
    assert_false(cap & CPU_BASED2_DESC_TABLE);
    assert_true(xt_vmcs(VMCS_CTRL_CPU_BASED) & CPU_BASED_SECONDARY_CTLS);
    enable_desc_table_exiting();
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_exit(VMX_REASON_GDTR_IDTR, 0x40, 5);
    /* Cleared again between runs: the instruction now executes. */
    xt_set_vmcs(VMCS_CTRL_CPU_BASED2, xt_ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_retired(), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_desc_table_instructions_exit_with_operand_info_in_pmode, setup_pmode,
            xt_teardown_state),
        cmocka_unit_test_setup_teardown(
            test_desc_table_instructions_exit_with_operand_info_in_long_mode, setup_longmode,
            xt_teardown_state),
        cmocka_unit_test_setup_teardown(
            test_desc_table_instructions_run_without_exiting_when_control_clear, setup_pmode,
            xt_teardown_state),
        cmocka_unit_test_setup_teardown(test_desc_table_exiting_follows_the_control_between_runs,
                                        setup_pmode, xt_teardown_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
