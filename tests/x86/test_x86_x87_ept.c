/*
 * test_x86_x87_ept.c — x87 instructions whose memory operand causes an EPT
 * violation (32-bit protected mode with paging): the exit reports the
 * instruction's own RIP, the operand's guest-linear and guest-physical
 * address and a qualification with the linear address valid and
 * translated (bits 7 and 8); the instruction did not retire, so the x87
 * state (TOP, tags, ST0, status) is the one before it. Once the VMM maps
 * the page and resumes, the instruction completes exactly once.
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
#include "x86_x87_ept.h"
#include "x86_x87_ept_lmode.h"

#define RAM_SIZE 0x100000u
#define LOAD     0x10000u
#define SRC_GPA  0x50000u  /* linear 0x400000 */
#define RO_GPA   0x51000u  /* linear 0x401000, read+execute for the VMM */
#define HOLE_GPA 0x200000u /* linear 0x402000, no RAM */

/* Write to a read+execute page: access 2, EPT R|X (bits 3, 5), GLA valid
 * and the translation of it (bits 7, 8). */
#define QUAL_WRITE_RX 0x1aau
/* Read of a page with no RAM: access 1, no EPT permissions, bits 7, 8. */
#define QUAL_READ_NONE 0x181u

static uint8_t *ram;
static uint8_t hole_page[4096] __attribute__((aligned(4096)));
static bool hole_mapped;

static int setup(void **state)
{
    (void)state;
    ram = xt_pmode_setup(RAM_SIZE, LOAD, x86_x87_ept, x86_x87_ept_len);
    xt_map_page(0x400000, SRC_GPA, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x401000, RO_GPA, XT_PTE_P | XT_PTE_W);
    xt_map_page(0x402000, HOLE_GPA, XT_PTE_P | XT_PTE_W);
    assert_int_equal(hv_vm_protect(RO_GPA, 0x1000, HV_MEMORY_READ | HV_MEMORY_EXEC), HV_SUCCESS);
    /* CR0.NE (set by the set-up) and FNINIT's control word: all masked. */
    hole_mapped = false;
    return 0;
}

/* Long mode, identity-mapped; the page at LM_RO_GPA read+execute. */
#define LM_RO_GPA (LOAD + 0x1000u)

static int setup_lmode(void **state)
{
    (void)state;
    ram = xt_longmode_setup(RAM_SIZE, LOAD, x86_x87_ept_lmode, x86_x87_ept_lmode_len);
    assert_int_equal(hv_vm_protect(LM_RO_GPA, 0x1000, HV_MEMORY_READ | HV_MEMORY_EXEC), HV_SUCCESS);
    hole_mapped = false;
    return 0;
}

static int teardown(void **state)
{
    if (hole_mapped)
        assert_int_equal(hv_vm_unmap(HOLE_GPA, sizeof(hole_page)), HV_SUCCESS);
    return xt_teardown_state(state);
}

/* The x87 state as FXSAVE lays it out. */
struct x87 {
    uint16_t fcw, fsw;
    uint8_t ftw; /* abridged: one bit per physical register */
    uint8_t st0[10];
};

static struct x87 x87(void)
{
    static uint8_t fp[4096];
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, fp, sizeof(fp)), HV_SUCCESS);
    struct x87 s;
    memcpy(&s.fcw, fp, 2);
    memcpy(&s.fsw, fp + 2, 2);
    s.ftw = fp[4];
    memcpy(s.st0, fp + 32, 10);
    return s;
}

static unsigned top(const struct x87 *s)
{
    return (s->fsw >> 11) & 7u;
}

static void allow_writes(void)
{
    assert_int_equal(
        hv_vm_protect(RO_GPA, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
        HV_SUCCESS);
}

/* 1.0 as an 80-bit extended real. */
static const uint8_t one80[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};

static void test_x87_fstp_m64_violation_is_at_the_instruction_and_pops_nothing(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD);
    /* fld1; fstpl 0x401010 (dd 1d imm32, at +2) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x10, 0x401010);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 2);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 0);
    assert_int_equal(xt_retired(), 1); /* FLD1 only */
    struct x87 s = x87();
    assert_int_equal(top(&s), 7); /* FLD1's push, no pop */
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    assert_memory_equal(s.st0, one80, 10);
    assert_int_equal(xt_ram64(RO_GPA + 0x10), 0);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 8);
    assert_int_equal(xt_ram64(RO_GPA + 0x10), 0x3ff0000000000000ull);
    assert_int_equal(xt_retired(), 2);
    s = x87();
    assert_int_equal(s.fsw, 0); /* popped once: TOP back to 0 */
    assert_int_equal(s.ftw, 0);
}

static void test_x87_fistp_m32_violation_keeps_the_stack(void **state)
{
    (void)state;
    int32_t v = -123456;
    memcpy(ram + SRC_GPA, &v, 4);
    xt_set_reg(HV_X86_RIP, LOAD + 0x100);
    /* fildl 0x400000; fistpl 0x401020 (db 1d imm32, at +0x106) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x20, 0x401020);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x106);
    assert_int_equal(xt_retired(), 1);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 7u << 11); /* TOP 7, no exception flag */
    assert_int_equal(s.ftw, 0x80);
    /* -123456 = -0x1e240 × 2^0: mantissa 0xf120000000000000, 2^16 */
    const uint8_t m123456[10] = {0, 0, 0, 0, 0, 0, 0x20, 0xf1, 0x0f, 0xc0};
    assert_memory_equal(s.st0, m123456, 10);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x10c);
    assert_int_equal(xt_ram32(RO_GPA + 0x20), (uint32_t)v);
    assert_int_equal(xt_ram32(RO_GPA + 0x24), 0);
    assert_int_equal(xt_retired(), 2);
    s = x87();
    assert_int_equal(s.fsw, 0);
    assert_int_equal(s.ftw, 0);
}

static void test_x87_fbstp_m80_violation_reports_the_operand_and_stores_once(void **state)
{
    (void)state;
    int32_t v = 1234567;
    memcpy(ram + SRC_GPA + 4, &v, 4);
    xt_set_reg(HV_X86_RIP, LOAD + 0x200);
    /* fildl 0x400004; fbstp 0x401030 (df 35 imm32, at +0x206): the
     * operand's first byte, whatever order the bytes are stored in */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x30, 0x401030);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x206);
    assert_int_equal(xt_retired(), 1);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(ram[RO_GPA + 0x30 + i], 0);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x20c);
    /* packed BCD, least significant digits first, sign byte 0 */
    const uint8_t bcd[10] = {0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(ram + RO_GPA + 0x30, bcd, 10);
    assert_int_equal(xt_retired(), 2);
    s = x87();
    assert_int_equal(s.fsw, 0);
    assert_int_equal(s.ftw, 0);
}

static void test_x87_fld_m80_from_a_hole_loads_once_the_vmm_maps_it(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x300);
    /* fldt 0x402040 (db 2d imm32) */
    xt_expect_ept_violation(QUAL_READ_NONE, HOLE_GPA + 0x40, 0x402040);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x300);
    assert_int_equal(xt_vmcs(VMCS_RO_VMEXIT_INSTR_LEN), 0);
    assert_int_equal(xt_retired(), 0);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 0); /* nothing pushed */
    assert_int_equal(s.ftw, 0);
    /* -2.5: mantissa 0xa000000000000000, exponent 0x4000, sign */
    const uint8_t m2_5[10] = {0, 0, 0, 0, 0, 0, 0, 0xa0, 0x00, 0xc0};
    memset(hole_page, 0, sizeof(hole_page));
    memcpy(hole_page + 0x40, m2_5, 10);
    assert_int_equal(hv_vm_map(hole_page, HOLE_GPA, sizeof(hole_page), HV_MEMORY_READ), HV_SUCCESS);
    hole_mapped = true;
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x306);
    assert_int_equal(xt_retired(), 1);
    s = x87();
    assert_int_equal(s.fsw, 7u << 11); /* pushed once */
    assert_int_equal(s.ftw, 0x80);
    assert_memory_equal(s.st0, m2_5, 10);
}

static void test_x87_fst_with_override_and_fnstenv_violations_report_each_operand(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x400);
    /* fld1; fstl %es:0x401050 (26 dd 15 imm32, at +2) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x50, 0x401050);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x402);
    assert_int_equal(xt_retired(), 1);
    /* The VMM skips the store: fnstenv 0x401100 (d9 35 imm32) */
    xt_set_reg(HV_X86_RIP, LOAD + 0x409);
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x100, 0x401100);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x409);
    struct x87 s = x87();
    assert_int_equal(s.fcw, 0x37f); /* FNSTENV's masking did not happen */
    assert_int_equal(s.fsw, 7u << 11);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x40f);
    assert_int_equal(xt_ram64(RO_GPA + 0x50), 0);                  /* skipped */
    assert_int_equal(xt_ram32(RO_GPA + 0x100) & 0xffff, 0x37f);    /* FCW */
    assert_int_equal(xt_ram32(RO_GPA + 0x104) & 0xffff, 7u << 11); /* FSW */
}

static void test_x87_fstp_m80_violation_undoes_the_engines_pop(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x500);
    /* fldz; fld1; fstpt 0x401200 (db 3d imm32, at +4) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x200, 0x401200);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x504);
    assert_int_equal(xt_retired(), 2);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 6u << 11); /* two pushes, no pop */
    assert_int_equal(s.ftw, 0xc0);
    assert_memory_equal(s.st0, one80, 10);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x50a);
    assert_memory_equal(ram + RO_GPA + 0x200, one80, 10);
    assert_int_equal(xt_retired(), 3);
    s = x87();
    assert_int_equal(s.fsw, 7u << 11); /* popped once */
    assert_int_equal(s.ftw, 0x80);
    const uint8_t zero80[10] = {0};
    assert_memory_equal(s.st0, zero80, 10);
}

static void test_x87_fnsave_violation_keeps_the_state_fninit_would_reset(void **state)
{
    (void)state;
    const uint8_t cw[2] = {0x7f, 0x02};
    memcpy(ram + SRC_GPA + 8, cw, 2);
    xt_set_reg(HV_X86_RIP, LOAD + 0x600);
    /* fldcw 0x400008; fld1; fnsave 0x401300 (dd 35 imm32, at +8) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x300, 0x401300);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x608);
    assert_int_equal(xt_retired(), 2);
    struct x87 s = x87();
    assert_int_equal(s.fcw, 0x27f);
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    assert_memory_equal(s.st0, one80, 10);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x60e);
    assert_int_equal(xt_retired(), 3);
    /* The 108-byte image of the state before FNSAVE: FCW, FSW, the full
     * tag word (physical register 7 valid, the others empty), ST(0). */
    assert_int_equal(xt_ram32(RO_GPA + 0x300) & 0xffff, 0x27f);
    assert_int_equal(xt_ram32(RO_GPA + 0x304) & 0xffff, 7u << 11);
    assert_int_equal(xt_ram32(RO_GPA + 0x308) & 0xffff, 0x3fff);
    assert_memory_equal(ram + RO_GPA + 0x300 + 28, one80, 10);
    /* then FNINIT */
    s = x87();
    assert_int_equal(s.fcw, 0x37f);
    assert_int_equal(s.fsw, 0);
    assert_int_equal(s.ftw, 0);
}

static void test_x87_completed_fbstp_before_a_faulting_store_is_not_taken_back(void **state)
{
    (void)state;
    int32_t v = 1234567;
    memcpy(ram + SRC_GPA + 4, &v, 4);
    xt_set_reg(HV_X86_RIP, LOAD + 0x700);
    /* fildl 0x400004; fbstp 0x400100; movl $1, 0x401400 (at +0xc) */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x400, 0x401400);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x70c);
    assert_int_equal(xt_retired(), 2);
    const uint8_t bcd[10] = {0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(ram + SRC_GPA + 0x100, bcd, 10);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 0); /* FBSTP's pop stands */
    assert_int_equal(s.ftw, 0);
}

static void test_x87_lmode_rip_relative_fbstp_violation_is_at_the_instruction(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD);
    /* fildl src(%rip); fbstp dst(%rip) (df 35 rel32, at +6) */
    xt_expect_ept_violation(QUAL_WRITE_RX, LM_RO_GPA + 0x40, LM_RO_GPA + 0x40);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 6);
    assert_int_equal(xt_retired(), 1);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    assert_int_equal(
        hv_vm_protect(LM_RO_GPA, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
        HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 12);
    const uint8_t bcd[10] = {0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(ram + LM_RO_GPA + 0x40, bcd, 10);
    s = x87();
    assert_int_equal(s.fsw, 0);
    assert_int_equal(s.ftw, 0);
}

static void test_x87_lmode_16_bit_fnstenv_violation_reports_the_operand(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x40);
    /* data16 fnstenv env(%rip) (66 d9 35 rel32) */
    xt_expect_ept_violation(QUAL_WRITE_RX, LM_RO_GPA + 0x100, LM_RO_GPA + 0x100);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x40);
    assert_int_equal(xt_retired(), 0);
    assert_int_equal(
        hv_vm_protect(LM_RO_GPA, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
        HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x47);
    assert_int_equal(xt_retired(), 1);
    /* 14 bytes: FCW, FSW, the tag word (all empty) as words */
    const uint8_t env[6] = {0x7f, 0x03, 0, 0, 0xff, 0xff};
    assert_memory_equal(ram + LM_RO_GPA + 0x100, env, 6);
}

static void test_x87_frstor_and_fbld_from_a_hole_change_nothing_until_mapped(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x800);
    /* fld1; frstor 0x402100 (dd 25 imm32, at +2) */
    xt_expect_ept_violation(QUAL_READ_NONE, HOLE_GPA + 0x100, 0x402100);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x802);
    assert_int_equal(xt_retired(), 1);
    struct x87 s = x87();
    assert_int_equal(s.fcw, 0x37f);
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    /* The VMM skips it: fbld 0x402200 (df 25 imm32, at +8) */
    xt_set_reg(HV_X86_RIP, LOAD + 0x808);
    xt_expect_ept_violation(QUAL_READ_NONE, HOLE_GPA + 0x200, 0x402200);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x808);
    s = x87();
    assert_int_equal(s.fsw, 7u << 11); /* nothing pushed */
    assert_int_equal(s.ftw, 0x80);
    /* 0x402200: packed BCD 42 */
    memset(hole_page, 0, sizeof(hole_page));
    hole_page[0x200] = 0x42;
    assert_int_equal(hv_vm_map(hole_page, HOLE_GPA, sizeof(hole_page), HV_MEMORY_READ), HV_SUCCESS);
    hole_mapped = true;
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x80e);
    s = x87();
    assert_int_equal(s.fsw, 6u << 11); /* pushed once */
    assert_int_equal(s.ftw, 0xc0);
    /* 42 = 0x2a × 2^0: mantissa 0xa800000000000000, exponent 0x4004 */
    const uint8_t m42[10] = {0, 0, 0, 0, 0, 0, 0, 0xa8, 0x04, 0x40};
    assert_memory_equal(s.st0, m42, 10);
}

static void test_fxsave_violation_is_at_the_instruction(void **state)
{
    (void)state;
    xt_set_reg(HV_X86_RIP, LOAD + 0x900);
    /* fxsave 0x401000 (0f ae 05 imm32): the engine's helper stores too */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA, 0x401000);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x900);
    assert_int_equal(xt_retired(), 0);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0x907);
    assert_int_equal(xt_retired(), 1);
    assert_int_equal(xt_ram32(RO_GPA) & 0xffff, 0x37f); /* FCW, FSW 0 */
}

/* The engine runs on past the refused store to its next stop check (here
 * the HLT): the exit is still at the FBSTP. */
static void test_x87_fbstp_violation_before_a_register_instruction_is_at_the_fbstp(void **state)
{
    (void)state;
    int32_t v = 1234567;
    memcpy(ram + SRC_GPA + 4, &v, 4);
    xt_set_reg(HV_X86_RIP, LOAD + 0xa00);
    /* fildl 0x400004; fbstp 0x401030 (at +6); cmp %ah,%dh; hlt */
    xt_expect_ept_violation(QUAL_WRITE_RX, RO_GPA + 0x30, 0x401030);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0xa06);
    assert_int_equal(xt_retired(), 1);
    struct x87 s = x87();
    assert_int_equal(s.fsw, 7u << 11);
    assert_int_equal(s.ftw, 0x80);
    allow_writes();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 0xa0e);
    assert_int_equal(xt_retired(), 3);
    const uint8_t bcd[10] = {0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(ram + RO_GPA + 0x30, bcd, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_x87_fstp_m64_violation_is_at_the_instruction_and_pops_nothing),
        T(test_x87_fistp_m32_violation_keeps_the_stack),
        T(test_x87_fbstp_m80_violation_reports_the_operand_and_stores_once),
        T(test_x87_fld_m80_from_a_hole_loads_once_the_vmm_maps_it),
        T(test_x87_fst_with_override_and_fnstenv_violations_report_each_operand),
        T(test_x87_fstp_m80_violation_undoes_the_engines_pop),
        T(test_x87_fnsave_violation_keeps_the_state_fninit_would_reset),
        T(test_x87_completed_fbstp_before_a_faulting_store_is_not_taken_back),
        T(test_x87_frstor_and_fbld_from_a_hole_change_nothing_until_mapped),
        T(test_fxsave_violation_is_at_the_instruction),
        T(test_x87_fbstp_violation_before_a_register_instruction_is_at_the_fbstp),
#undef T
        cmocka_unit_test_setup_teardown(
            test_x87_lmode_rip_relative_fbstp_violation_is_at_the_instruction, setup_lmode,
            teardown),
        cmocka_unit_test_setup_teardown(test_x87_lmode_16_bit_fnstenv_violation_reports_the_operand,
                                        setup_lmode, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
