/*
 * fuzz_guest_arm64.c — runs the input as guest code under a small VMM loop
 * while recording a trace, checks every exit against the contract, then
 * replays the trace: a replay that does not reproduce every exit exactly is a
 * determinism bug.
 *
 * Input: an 8-byte header, then guest instruction words (little-endian, at
 * most MAX_INSNS; a final `hvc #0xffff` follows them).
 *   h[0] bit 0     stage 1 on, through a fixed identity map (tables below)
 *        bits 1-2  CPACR_EL1.FPEN: 0 (FP traps at EL0 and EL1), 1 (at EL0), 3
 *        bits 3-4  initial CPSR: EL1h, EL0t, EL1t (DAIF masked), EL1h unmasked
 *        bit 5     assert the virtual IRQ line for the first run
 *        bit 6     trap debug exceptions (BRK exits to the VMM)
 *        bit 7     arm the vtimer (CNTV_CTL = ENABLE, CNTV_CVAL from h[7])
 *   h[1]           extra SCTLR_EL1 bits, one header bit each: A, SA, SA0, DZE,
 *                  UCT, nTWI, nTWE, UCI
 *   h[2] bits 0-1  AP[2:1] of the RAM pages in the stage-1 map
 *        bit 2     TTBR0_EL1 at an unmapped IPA (every walk faults at stage 2)
 *        bit 3     advance the virtual clock at some exits
 *        bits 4-7  instruction budget of each run
 *   h[3..6]        seed for the initial X0..X30, MMIO load values and clock steps
 *   h[7]           vtimer compare value
 * Guest RAM is 2 MiB at IPA 0: the vector table at VBAR_EL1 = 0x800 (each
 * entry reports itself with `hvc #0x100+n`, then ERET), the stage-1 tables at
 * 0x2000, the code at 0x10000, data above. MMIO_BASE has no mapping; the
 * registers point into RAM, into that window, at a stage-1 alias of RAM and
 * elsewhere.
 *
 * The VMM loop (at most MAX_EXITS exits) bounds every run with
 * hvm_replay_cancel_at and handles exits the way a small VMM would: emulated
 * MMIO loads and stores (ISV data aborts), trapped system registers (reads
 * give 0), WFx, SMC and BRK are stepped over; HVC #0xffff, instruction
 * aborts, data aborts without ISV, CANCELED and UNKNOWN end the input; a
 * VTIMER_ACTIVATED exit keeps the vtimer masked.
 *
 * Checks at every exit: hv_vcpu_run returns HV_SUCCESS; the reason is one of
 * the four; an exception syndrome has IL set, nothing above bit 31 and an EC
 * the framework reports for such a guest (0x01, 0x16, 0x17, 0x18, 0x20, 0x24,
 * and 0x3c only while debug exceptions trap); the instruction at PC (PC - 4
 * for HVC) is the one the syndrome describes, unless the guest rewrote it
 * (read_word); a data abort with ISV comes from a single general-purpose
 * register load or store without writeback, and for the unsigned-offset
 * LDR/STR forms SAS, SSE, SRT, SF, WnR and the address match the
 * instruction; abort addresses lie outside RAM (RAM is mapped RWX) and equal
 * each other with the MMU off; other exits carry no addresses; the
 * instruction count never goes back, a run ends no later than the block after
 * its budget and CANCELED only once the budget is reached; a VTIMER_ACTIVATED
 * exit leaves the vtimer masked. After the VM is gone the trace must replay
 * with every exit identical.
 *
 * A guest that retires no instructions (an exception loop through a vector
 * it cannot fetch) never reaches its budget: a watchdog thread kicks it (see
 * watch_begin). Also a guest abort whose stage-1 walk reads an IPA without
 * RAM must have been an S1PTW exit (check_guest_abort).
 *
 * Environment: FUZZ_GUEST_VERBOSE=1 prints every exit and guest exception;
 * FUZZ_GUEST_STRICT_TIME=1 makes a watchdog kick a failure;
 * FUZZ_GUEST_WATCHDOG_MS sets its delay (default 250); FUZZ_GUEST_SKIP_S1PTW=1
 * turns the S1PTW check off; FUZZ_GUEST_KEEP_TRACE=1 keeps the trace of a
 * failing input.
 *
 * With libFuzzer (clang -fsanitize=fuzzer) a broken invariant aborts; with
 * fuzz/driver.c it is counted through fuzz_invariant_failed().
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#include "util.h"

#include "../replay/replay.h"

const char fuzz_name[] = "fuzz_guest_arm64";

#define HEADER          8u
#define MAX_INSNS       256u
#define MAX_EXITS       200u
#define MAX_REPORTS     8u   /* guest exceptions the vector table may report */
#define MAX_BLOCK_INSNS 512u /* the engine stops only between blocks of at most this */
#define WATCHDOG_MS     250u /* host time a run may take before it is kicked (default) */

#define RAM_SIZE   0x200000ull
#define VBAR       0x800ull
#define PT_L1      0x2000ull
#define PT_L2      0x3000ull
#define PT_L3      0x4000ull
#define CODE       0x10000ull
#define DATA       0x40000ull
#define STACK_EL1  0x100000ull
#define STACK_EL0  0x180000ull
#define MMIO_BASE  0x09000000ull
#define ALIAS      0x40000000ull /* stage 1: VA ALIAS + x is IPA x */
#define BAD_TABLES 0x80000000ull /* TTBR0_EL1 with bit 2 of h[2]: no RAM there */

#define HVC(imm) (0xd4000002u | (uint32_t)(imm) << 5)
#define ERET     0xd69f03e0u
#define HVC_END  0xffffu
#define HVC_VEC  0x100u

/* Stage-1 descriptors (4 KiB granule). */
#define D_TABLE    3ull
#define D_BLOCK    1ull
#define D_PAGE     3ull
#define D_AF       (1ull << 10)
#define D_ISH      (3ull << 8)
#define D_ATTR1    (1ull << 2) /* MAIR attribute 1: Device-nGnRnE */
#define D_EL0      (1ull << 6) /* AP[1]: EL0 access */
#define D_XN       (3ull << 53)
#define TCR_VAL    (25ull | 1ull << 23 | 1ull << 32) /* T0SZ 25, TG0 4 KiB, EPD1, IPS 36 bits */
#define MAIR_VAL   0x00ffull                         /* attr 0 Normal WB, attr 1 Device */
#define SCTLR_RES1 0x30d00800ull
#define SCTLR_MMU  0x1005ull /* M, C, I */

static const uint64_t sctlr_extra[8] = {
    1ull << 1, 1ull << 3, 1ull << 4, 1ull << 14, 1ull << 15, 1ull << 16, 1ull << 18, 1ull << 26,
};
static const uint64_t cpsr_choice[4] = {0x3c5, 0x3c0, 0x3c4, 0x005};
static const uint64_t fpen_choice[4] = {0, 1ull << 20, 3ull << 20, 3ull << 20};

static struct {
    bool broken;
    uint8_t h[HEADER];
    uint64_t rng;
    bool mmu, trap_debug;
    bool kicked;     /* the watchdog ended a run */
    bool verbose;    /* FUZZ_GUEST_VERBOSE=1: print every exit */
    bool skip_s1ptw; /* FUZZ_GUEST_SKIP_S1PTW=1: no check_guest_abort */
    const uint8_t *ram;
    unsigned watchdog_ms; /* FUZZ_GUEST_WATCHDOG_MS, or WATCHDOG_MS */
    hv_vcpu_t id;
    hv_vcpu_exit_t *exit;
} S;

static char trace_path[96];

#define failf(...) fuzz_failf(&S.broken, __VA_ARGS__)

#define CHECK_OK(call)                                                                             \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS)                                                                      \
            failf("%s returned %s", #call, hvm_strerror(r_));                                      \
    } while (0)

/* splitmix64: every value the harness invents comes from the input's seed. */
static uint64_t next_rand(void)
{
    uint64_t z = (S.rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void put64(uint8_t *ram, uint64_t ipa, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        ram[ipa + i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *ram, uint64_t ipa, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        ram[ipa + i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------------ */
/* Guest memory and state                                                   */
/* ------------------------------------------------------------------------ */

static void load_guest(uint8_t *ram, const uint8_t *code, size_t size)
{
    for (unsigned n = 0; n < 16; n++) {
        put32(ram, VBAR + 0x80 * n, HVC(HVC_VEC + n));
        put32(ram, VBAR + 0x80 * n + 4, ERET);
    }
    /* Identity map: L1[0] -> L2 -> L3 (RAM pages), L2[1] a block of IPA
     * without RAM, L2[72] the MMIO window as Device memory; L1[1] the alias. */
    uint64_t ap = (uint64_t)(S.h[2] & 3) << 6;
    put64(ram, PT_L1 + 0, PT_L2 | D_TABLE);
    put64(ram, PT_L1 + 8, 0 | D_BLOCK | D_AF | D_ISH | D_EL0);
    put64(ram, PT_L2 + 0, PT_L3 | D_TABLE);
    put64(ram, PT_L2 + 8, RAM_SIZE | D_BLOCK | D_AF | D_ISH);
    put64(ram, PT_L2 + 8 * (MMIO_BASE >> 21), MMIO_BASE | D_BLOCK | D_AF | D_ATTR1 | D_EL0 | D_XN);
    for (uint64_t i = 0; i < RAM_SIZE >> 12; i++) {
        bool system = (i << 12) < CODE; /* vectors and tables: EL1 only */
        put64(ram, PT_L3 + 8 * i, i << 12 | D_PAGE | D_AF | D_ISH | (system ? 0 : ap));
    }
    unsigned n = (unsigned)(size / 4);
    if (n > MAX_INSNS)
        n = MAX_INSNS;
    memcpy(ram + CODE, code, 4 * (size_t)n);
    put32(ram, CODE + 4 * (uint64_t)n, HVC(HVC_END));
    /* Data the guest finds at its pointers. */
    for (uint64_t a = DATA; a < DATA + 0x4000; a += 8)
        put64(ram, a, next_rand());
}

static uint64_t reg_value(unsigned i)
{
    uint64_t r = next_rand();
    switch ((r >> 56) % 8) {
    case 0:
    case 1: return DATA + (r & 0x3ff8) + ((r >> 20) & 1 ? (r >> 24) & 7 : 0);
    case 2: return MMIO_BASE + (r & 0xff8);
    case 3: return ALIAS + DATA + (r & 0x3ff8);
    case 4: return r & 0xff;
    case 5: return RAM_SIZE + (r & 0xfff8); /* no RAM: an abort with the MMU on or off */
    case 6: return CODE + 4 * (i % 8);
    default: return r;
    }
}

static void set_state(void)
{
    uint8_t h0 = S.h[0], h1 = S.h[1], h2 = S.h[2];
    uint64_t sctlr = SCTLR_RES1 | (S.mmu ? SCTLR_MMU : 0);
    for (unsigned b = 0; b < 8; b++)
        if (h1 & (1u << b))
            sctlr |= sctlr_extra[b];
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_MAIR_EL1, MAIR_VAL));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_TCR_EL1, TCR_VAL));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_TTBR0_EL1, (h2 & 4) ? BAD_TABLES : PT_L1));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_SCTLR_EL1, sctlr));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_VBAR_EL1, VBAR));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_CPACR_EL1, fpen_choice[(h0 >> 1) & 3]));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_SP_EL1, STACK_EL1));
    CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_SP_EL0, STACK_EL0));
    for (unsigned i = 0; i < 31; i++)
        CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_X0 + i, reg_value(i)));
    CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_CPSR, cpsr_choice[(h0 >> 3) & 3]));
    CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_PC, CODE));
    if (h0 & 0x40)
        CHECK_OK(hv_vcpu_set_trap_debug_exceptions(S.id, true));
    if (h0 & 0x80) {
        CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_CNTV_CVAL_EL0, (uint64_t)S.h[7] * 4));
        CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_CNTV_CTL_EL0, 1));
    }
}

/* ------------------------------------------------------------------------ */
/* Watchdog: a run that retires no instructions never reaches its budget     */
/* ------------------------------------------------------------------------ */

/* A guest stuck in an exception loop that retires nothing (a vector it cannot
 * fetch) is not stopped by hvm_replay_cancel_at; a thread kicks it after
 * WATCHDOG_MS of host time. That is reported on stderr, ends the input and
 * skips the replay (the kick's timing is not in the guest's control); it is
 * an invariant failure when the environment sets FUZZ_GUEST_STRICT_TIME=1. */
static void kick_vcpu(uint64_t id)
{
    hv_vcpu_t v = (hv_vcpu_t)id;
    hv_vcpus_exit(&v, 1);
}

static void watch_begin(void)
{
    fuzz_watch_begin(0, S.id, S.watchdog_ms, kick_vcpu);
}

static bool watch_end(void)
{
    bool fired = fuzz_watch_end(0, 0, "FUZZ_GUEST_STRICT_TIME", &S.broken);
    S.kicked |= fired;
    return fired;
}

/* ------------------------------------------------------------------------ */
/* Exit checks                                                              */
/* ------------------------------------------------------------------------ */

static uint8_t snapshot[RAM_SIZE]; /* guest RAM as loaded */

/* The instruction word at va, as the guest loaded it: false if it cannot be
 * read or the guest has changed it since (the engine may still run the old
 * word there, as a PE may without cache maintenance, so a syndrome need not
 * match the new one). */
static bool read_word(uint64_t va, uint32_t *w)
{
    uint8_t b[4];
    if (hvm_vcpu_read_guest(S.id, va, b, 4) != HV_SUCCESS)
        return false;
    uint64_t ipa = va >= ALIAS && va < ALIAS + RAM_SIZE ? va - ALIAS : va;
    if (ipa > RAM_SIZE - 4 || memcmp(b, snapshot + ipa, 4) != 0)
        return false;
    *w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static uint64_t get_reg(hv_reg_t r)
{
    uint64_t v = 0;
    CHECK_OK(hv_vcpu_get_reg(S.id, r, &v));
    return v;
}

static uint64_t get_sys(hv_sys_reg_t r)
{
    uint64_t v = 0;
    CHECK_OK(hv_vcpu_get_sys_reg(S.id, r, &v));
    return v;
}

/* The value of base register n (31 = the current SP). */
static uint64_t base_reg(unsigned n)
{
    if (n < 31)
        return get_reg(HV_REG_X0 + n);
    uint64_t cpsr = get_reg(HV_REG_CPSR);
    return get_sys((cpsr & 1) ? HV_SYS_REG_SP_EL1 : HV_SYS_REG_SP_EL0);
}

/* Load/store classes a data abort with ISV can never come from (Arm ARM:
 * ISV is 1 only for single general-purpose register accesses without
 * writeback, not exclusive): why, or NULL. */
static const char *isv_impossible(uint32_t insn)
{
    if ((insn & 0x0a000000u) != 0x08000000u)
        return "not a load/store";
    if ((insn & 0x3a000000u) == 0x28000000u)
        return "a load/store pair";
    if ((insn & 0x3f000000u) == 0x08000000u && !(insn & (1u << 23)))
        return "an exclusive";
    if ((insn & 0x3f000000u) == 0x0c000000u || (insn & 0x3f000000u) == 0x0d000000u)
        return "a SIMD structure load/store";
    if ((insn & 0x3c000000u) == 0x3c000000u || (insn & 0x3f000000u) == 0x1c000000u)
        return "a SIMD&FP register load/store";
    if ((insn & 0x3b200400u) == 0x38000400u)
        return "a pre/post-indexed (writeback) access";
    return NULL;
}

static void check_abort_isv(uint64_t esr, uint64_t va, uint64_t pc)
{
    uint32_t insn;
    if (!read_word(pc, &insn))
        return;
    const char *why = isv_impossible(insn);
    if (why) {
        failf("data abort 0x%llx with ISV at PC 0x%llx, whose 0x%08x is %s",
              (unsigned long long)esr, (unsigned long long)pc, insn, why);
        return;
    }
    /* LDR/STR (immediate, unsigned offset), general-purpose registers. */
    if ((insn & 0x3f000000u) != 0x39000000u)
        return;
    unsigned size = insn >> 30, opc = (insn >> 22) & 3, rt = insn & 31, rn = (insn >> 5) & 31;
    if (opc == 2 && size == 3) {
        failf("PRFM 0x%08x at 0x%llx made a data abort exit 0x%llx", insn, (unsigned long long)pc,
              (unsigned long long)esr);
        return;
    }
    if (opc == 3 && size >= 2) {
        failf("unallocated 0x%08x at 0x%llx made a data abort exit", insn, (unsigned long long)pc);
        return;
    }
    uint32_t want = 1u << 24 | size << 22 | (opc >= 2 ? 1u << 21 : 0) | rt << 16 |
                    ((opc < 2 ? size == 3 : opc == 2) ? 1u << 15 : 0) | (opc == 0 ? 1u << 6 : 0);
    uint32_t got = (uint32_t)esr & 0x01ffc040u; /* ISV SAS SSE SRT SF AR WnR */
    if (got != want)
        failf("data abort ISS 0x%x for 0x%08x at 0x%llx: ISV..WnR 0x%x, expected 0x%x",
              (unsigned)(esr & 0x1ffffff), insn, (unsigned long long)pc, got, want);
    uint64_t addr = base_reg(rn) + ((uint64_t)((insn >> 10) & 0xfff) << size);
    if ((addr & 0xfff) + (1u << size) <= 0x1000 && va != addr)
        failf("data abort for 0x%08x at 0x%llx: FAR 0x%llx, expected 0x%llx", insn,
              (unsigned long long)pc, (unsigned long long)va, (unsigned long long)addr);
}

/* Checks an EXCEPTION exit; returns its EC. */
static unsigned check_exception(uint64_t pc)
{
    const hv_vcpu_exit_exception_t *e = &S.exit->exception;
    uint64_t esr = e->syndrome, va = e->virtual_address, pa = e->physical_address;
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    uint32_t iss = (uint32_t)esr & 0x1ffffff, insn = 0;
    if (esr >> 32)
        failf("syndrome 0x%llx has bits above 31", (unsigned long long)esr);
    if (!(esr & (1u << 25)))
        failf("syndrome 0x%llx has IL clear", (unsigned long long)esr);
    bool abort = ec == 0x20 || ec == 0x24;
    if (!abort && (va || pa))
        failf("EC 0x%x exit with addresses 0x%llx/0x%llx (must be 0)", ec, (unsigned long long)va,
              (unsigned long long)pa);
    switch (ec) {
    case 0x01:
        if (read_word(pc, &insn) && !((insn == 0xd503207fu && iss == 0x1e00000u) ||
                                      (insn == 0xd503205fu && iss == 0x1e00001u)))
            failf("WFx exit 0x%llx but PC 0x%llx holds 0x%08x", (unsigned long long)esr,
                  (unsigned long long)pc, insn);
        break;
    case 0x16:
        if ((iss >> 16) || (read_word(pc - 4, &insn) && insn != HVC(iss & 0xffff)))
            failf("HVC exit 0x%llx but PC-4 (0x%llx) holds 0x%08x", (unsigned long long)esr,
                  (unsigned long long)(pc - 4), insn);
        break;
    case 0x17:
        if ((iss >> 16) || (read_word(pc, &insn) && insn != (0xd4000003u | (iss & 0xffff) << 5)))
            failf("SMC exit 0x%llx but PC 0x%llx holds 0x%08x", (unsigned long long)esr,
                  (unsigned long long)pc, insn);
        break;
    case 0x18:
        if (read_word(pc, &insn)) {
            uint32_t op0 = (insn >> 19) & 3, op1 = (insn >> 16) & 7, crn = (insn >> 12) & 15;
            uint32_t crm = (insn >> 8) & 15, op2 = (insn >> 5) & 7, rt = insn & 31;
            uint32_t want = op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 |
                            ((insn >> 21) & 1);
            if ((insn & 0xffc00000u) != 0xd5000000u || iss != want)
                failf("sysreg trap 0x%llx but PC 0x%llx holds 0x%08x (ISS 0x%x expected)",
                      (unsigned long long)esr, (unsigned long long)pc, insn, want);
        }
        break;
    case 0x3c:
        if (!S.trap_debug)
            failf("BRK exit 0x%llx while debug exceptions do not trap", (unsigned long long)esr);
        if ((iss >> 16) || (read_word(pc, &insn) && insn != (0xd4200000u | (iss & 0xffff) << 5)))
            failf("BRK exit 0x%llx but PC 0x%llx holds 0x%08x", (unsigned long long)esr,
                  (unsigned long long)pc, insn);
        break;
    case 0x20:
    case 0x24:
        /* RAM is mapped RWX, so no stage-2 abort can be inside it. */
        if (pa < RAM_SIZE - 64)
            failf("EC 0x%x (ISS 0x%x) at IPA 0x%llx, inside RAM", ec, iss, (unsigned long long)pa);
        if (!S.mmu && va != pa)
            failf("EC 0x%x with the MMU off: VA 0x%llx != IPA 0x%llx", ec, (unsigned long long)va,
                  (unsigned long long)pa);
        if (ec == 0x20 && va != pc)
            failf("instruction abort at VA 0x%llx but PC is 0x%llx", (unsigned long long)va,
                  (unsigned long long)pc);
        if (ec == 0x24 && (iss & (1u << 24)))
            check_abort_isv(esr, va, pc);
        break;
    default: failf("exit with unexpected EC 0x%x (syndrome 0x%llx)", ec, (unsigned long long)esr);
    }
    return ec;
}

/* ------------------------------------------------------------------------ */
/* The VMM                                                                  */
/* ------------------------------------------------------------------------ */

static void step_pc(uint64_t pc)
{
    CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_PC, pc + 4));
}

/* An MMIO load: a value from the seed, sized and extended as the ISS says. */
static void emulate_load(uint32_t iss)
{
    unsigned sas = (iss >> 22) & 3, srt = (iss >> 16) & 31;
    uint64_t v = next_rand();
    if (sas < 3) {
        unsigned bits = 8u << sas;
        v &= (1ull << bits) - 1;
        if ((iss & (1u << 21)) && (v >> (bits - 1)) & 1)
            v |= ~0ull << bits;
    }
    if (!(iss & (1u << 15)))
        v &= 0xffffffffull;
    if (srt != 31)
        CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_X0 + srt, v));
}

/* The IPA of the first descriptor outside RAM that the stage-1 walk of va
 * reads (the harness's TCR: 4 KiB granule, T0SZ 25, start at level 1), or 0
 * when the walk stays in RAM or ends in an Address size fault (a table
 * address above the 36-bit IPS: the next level is never read). */
static uint64_t walk_leaves_ram(uint64_t ttbr, uint64_t va)
{
    uint64_t table = ttbr & 0xfffffffff000ull;
    if (va >> 39)
        return 0; /* outside TTBR0's range: a level-0 translation fault, no walk */
    for (unsigned level = 1; level <= 3; level++) {
        uint64_t ipa = table + 8 * ((va >> (39 - 9 * level)) & 511), d = 0;
        if (ipa + 8 > RAM_SIZE)
            return ipa;
        for (unsigned i = 0; i < 8; i++)
            d |= (uint64_t)S.ram[ipa + i] << (8 * i);
        if ((d & 3) != 3 || level == 3)
            return 0; /* invalid, a block or a page: the walk ends in RAM */
        table = d & 0xfffffffff000ull;
        if (table >> 36)
            return 0; /* Address size fault at this level */
    }
    return 0;
}

/* A guest abort whose stage-1 walk reads an IPA without RAM: the walk's
 * stage-2 fault is the hypervisor's (an EC 0x20/0x24 exit with S1PTW), never
 * an exception the guest takes itself. */
static void check_guest_abort(uint64_t esr)
{
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    if ((ec != 0x20 && ec != 0x21 && ec != 0x24 && ec != 0x25) || (esr & (1u << 10)))
        return;
    uint64_t sctlr = get_sys(HV_SYS_REG_SCTLR_EL1), tcr = get_sys(HV_SYS_REG_TCR_EL1);
    if (!(sctlr & 1) || tcr != TCR_VAL)
        return;
    uint64_t far = get_sys(HV_SYS_REG_FAR_EL1);
    uint64_t ipa = walk_leaves_ram(get_sys(HV_SYS_REG_TTBR0_EL1), far);
    if (ipa && !S.skip_s1ptw)
        failf("guest took ESR_EL1 0x%llx for VA 0x%llx, whose stage-1 walk reads IPA 0x%llx "
              "(no RAM): expected an EC 0x%x exit with S1PTW",
              (unsigned long long)esr, (unsigned long long)far, (unsigned long long)ipa,
              ec < 0x24 ? 0x20 : 0x24);
}

/* A guest exception reported by vector n: step over what caused a
 * synchronous one (SVC already returns past itself). */
static void vector_report(unsigned n)
{
    if (n % 4 != 0)
        return;
    uint64_t esr = get_sys(HV_SYS_REG_ESR_EL1), elr = get_sys(HV_SYS_REG_ELR_EL1);
    if (S.verbose)
        fprintf(stderr,
                "  guest exception at vector %u: ESR_EL1 0x%llx FAR_EL1 0x%llx ELR_EL1 0x%llx\n", n,
                (unsigned long long)esr, (unsigned long long)get_sys(HV_SYS_REG_FAR_EL1),
                (unsigned long long)elr);
    check_guest_abort(esr);
    if (((esr >> 26) & 0x3f) != 0x15)
        CHECK_OK(hv_vcpu_set_sys_reg(S.id, HV_SYS_REG_ELR_EL1, elr + 4));
}

/* Handles one exit; false when the VMM stops. */
static bool handle_exit(uint64_t pc, unsigned *reports)
{
    const hv_vcpu_exit_exception_t *e = &S.exit->exception;
    uint32_t iss = (uint32_t)e->syndrome & 0x1ffffff;
    switch (S.exit->reason) {
    case HV_EXIT_REASON_EXCEPTION: break;
    case HV_EXIT_REASON_VTIMER_ACTIVATED: {
        bool masked = false;
        CHECK_OK(hv_vcpu_get_vtimer_mask(S.id, &masked));
        if (!masked)
            failf("VTIMER_ACTIVATED exit left the vtimer unmasked");
        CHECK_OK(hv_vcpu_set_vtimer_mask(S.id, true));
        return true;
    }
    default: return false; /* CANCELED, UNKNOWN */
    }
    switch (check_exception(pc)) {
    case 0x01:
    case 0x17:
    case 0x3c: step_pc(pc); return true;
    case 0x18:
        if ((iss & 1) && ((iss >> 5) & 31) != 31)
            CHECK_OK(hv_vcpu_set_reg(S.id, HV_REG_X0 + ((iss >> 5) & 31), 0));
        step_pc(pc);
        return true;
    case 0x16: {
        unsigned imm = iss & 0xffff;
        if (imm == HVC_END)
            return false;
        if (imm >= HVC_VEC && imm < HVC_VEC + 16) {
            if (++*reports > MAX_REPORTS)
                return false;
            vector_report(imm - HVC_VEC);
        }
        return true;
    }
    case 0x24:
        if (!(iss & (1u << 24)))
            return false;
        if (!(iss & (1u << 6)))
            emulate_load(iss);
        step_pc(pc);
        return true;
    default: return false;
    }
}

static void run_guest(uint64_t budget)
{
    uint64_t last = 0;
    unsigned reports = 0;
    for (unsigned n = 0; n < MAX_EXITS && !S.broken; n++) {
        uint64_t ic0 = 0, ic1 = 0;
        CHECK_OK(hvm_vcpu_get_instruction_count(S.id, &ic0));
        if (ic0 < last)
            failf("instruction count went back from %llu to %llu", (unsigned long long)last,
                  (unsigned long long)ic0);
        CHECK_OK(hvm_replay_cancel_at(S.id, ic0 + budget));
        if (n == 0 && (S.h[0] & 0x20))
            CHECK_OK(hv_vcpu_set_pending_interrupt(S.id, HV_INTERRUPT_TYPE_IRQ, true));
        if ((S.h[2] & 8) && (next_rand() & 3) == 0)
            CHECK_OK(hvm_clock_advance(next_rand() & 0xffff));
        watch_begin();
        hv_return_t r = hv_vcpu_run(S.id);
        if (watch_end())
            return;
        if (r != HV_SUCCESS) {
            failf("hv_vcpu_run returned %s", hvm_strerror(r));
            return;
        }
        CHECK_OK(hvm_vcpu_get_instruction_count(S.id, &ic1));
        last = ic1;
        hv_exit_reason_t reason = S.exit->reason;
        if (ic1 < ic0)
            failf("instruction count went back from %llu to %llu in a run", (unsigned long long)ic0,
                  (unsigned long long)ic1);
        if (ic1 >= ic0 + budget + MAX_BLOCK_INSNS)
            failf("run of budget %llu retired %llu instructions (reason %u)",
                  (unsigned long long)budget, (unsigned long long)(ic1 - ic0), reason);
        if (reason > HV_EXIT_REASON_UNKNOWN) {
            failf("exit reason %u", reason);
            return;
        }
        if (reason == HV_EXIT_REASON_CANCELED && ic1 < ic0 + budget)
            failf("CANCELED after %llu of %llu instructions, without a kick",
                  (unsigned long long)(ic1 - ic0), (unsigned long long)budget);
        if (reason != HV_EXIT_REASON_EXCEPTION &&
            (S.exit->exception.virtual_address || S.exit->exception.physical_address))
            failf("exit reason %u with addresses 0x%llx/0x%llx (must be 0)", reason,
                  (unsigned long long)S.exit->exception.virtual_address,
                  (unsigned long long)S.exit->exception.physical_address);
        uint64_t pc = get_reg(HV_REG_PC);
        if (S.verbose)
            fprintf(
                stderr,
                "  exit %u: reason %u syndrome 0x%llx va 0x%llx pa 0x%llx pc 0x%llx, %llu insns\n",
                n, reason, (unsigned long long)S.exit->exception.syndrome,
                (unsigned long long)S.exit->exception.virtual_address,
                (unsigned long long)S.exit->exception.physical_address, (unsigned long long)pc,
                (unsigned long long)(ic1 - ic0));
        if (!handle_exit(pc, &reports))
            return;
    }
}

static void replay_check(void)
{
    struct replay_opts opts;
    struct replay_result res;
    memset(&opts, 0, sizeof(opts));
    int rc = replay_file(trace_path, &opts, &res);
    if (rc == 1)
        failf("replay diverged after %llu records, %llu exits (trace %s)",
              (unsigned long long)res.records, (unsigned long long)res.exits, trace_path);
    else if (rc != 0)
        failf("replay failed: %s (trace %s)", res.error, trace_path);
    else if (!res.clean)
        failf("recorded trace %s did not end cleanly", trace_path);
    if (S.verbose)
        fprintf(stderr, "  replayed %llu records, %llu exits: %s\n",
                (unsigned long long)res.records, (unsigned long long)res.exits,
                rc == 0 ? "identical" : "DIVERGED");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!trace_path[0]) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(trace_path, sizeof(trace_path), "%s/fuzz_guest_arm64-%d.hvt", dir, (int)getpid());
    }
    if (size < HEADER)
        return 0;
    memset(&S, 0, sizeof(S));
    memcpy(S.h, data, HEADER);
    S.rng = (uint64_t)data[3] | (uint64_t)data[4] << 8 | (uint64_t)data[5] << 16 |
            (uint64_t)data[6] << 24;
    S.verbose = getenv("FUZZ_GUEST_VERBOSE") && *getenv("FUZZ_GUEST_VERBOSE") == '1';
    S.skip_s1ptw = getenv("FUZZ_GUEST_SKIP_S1PTW") && *getenv("FUZZ_GUEST_SKIP_S1PTW") == '1';
    const char *ms = getenv("FUZZ_GUEST_WATCHDOG_MS");
    S.watchdog_ms = ms && atoi(ms) > 0 ? (unsigned)atoi(ms) : WATCHDOG_MS;
    S.mmu = S.h[0] & 1;
    S.trap_debug = S.h[0] & 0x40;
    uint64_t budget = 500 + (uint64_t)(S.h[2] >> 4) * 1300;

    hv_return_t r = hvm_trace_start(trace_path);
    if (r != HV_SUCCESS) {
        failf("hvm_trace_start returned %s", hvm_strerror(r));
        return 0;
    }
    r = hv_vm_create(NULL);
    if (r != HV_SUCCESS) {
        failf("hv_vm_create returned %s", hvm_strerror(r));
        hvm_trace_stop();
        return 0;
    }
    void *mem = NULL;
    bool mapped = false, vcpu = false;
    r = hv_vm_allocate(&mem, RAM_SIZE, HV_ALLOCATE_DEFAULT);
    if (r != HV_SUCCESS) {
        failf("hv_vm_allocate returned %s", hvm_strerror(r));
        mem = NULL;
    }
    if (mem) {
        S.ram = mem;
        load_guest(mem, data + HEADER, size - HEADER);
        memcpy(snapshot, mem, RAM_SIZE);
        r = hv_vm_map(mem, 0, RAM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC);
        if (r != HV_SUCCESS)
            failf("hv_vm_map returned %s", hvm_strerror(r));
        mapped = r == HV_SUCCESS;
        r = mapped ? hv_vcpu_create(&S.id, &S.exit, NULL) : HV_ERROR;
        if (mapped && r != HV_SUCCESS)
            failf("hv_vcpu_create returned %s", hvm_strerror(r));
        vcpu = r == HV_SUCCESS;
        if (vcpu) {
            set_state();
            if (!S.broken)
                run_guest(budget);
        }
    }
    if (vcpu)
        CHECK_OK(hv_vcpu_destroy(S.id));
    if (mapped)
        CHECK_OK(hv_vm_unmap(0, RAM_SIZE));
    r = hv_vm_destroy();
    if (r != HV_SUCCESS) {
        fprintf(stderr, "fuzz_guest_arm64: cannot destroy the VM (%s); giving up\n",
                hvm_strerror(r));
        abort(); /* every later input would start from a broken state */
    }
    if (mem)
        CHECK_OK(hv_vm_deallocate(mem, RAM_SIZE));
    hvm_trace_stop(); /* already ended by hv_vm_destroy: BAD_ARGUMENT, ignored */
    if (!S.broken && !S.kicked)
        replay_check();
    if (!S.broken || !getenv("FUZZ_GUEST_KEEP_TRACE"))
        unlink(trace_path);
    return 0;
}
