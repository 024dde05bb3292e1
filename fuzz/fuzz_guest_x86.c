/*
 * fuzz_guest_x86.c — runs the input as x86 guest code under a small VMM loop,
 * checks every exit against the VMX contract, and runs the same input a
 * second time: both runs must give the same exits, bit for bit. The first
 * run is recorded and its trace must replay identically too.
 *
 * Input: an 8-byte header, then the guest code (at most MAX_CODE bytes; a
 * final HLT follows it).
 *   h[0] bits 0-1  mode: 0 or 3 real mode (CS = 0x1000), 1 32-bit protected
 *                  mode with 2-level paging, 2 64-bit long mode with 4-level
 *                  paging (the set-ups of tests/x86/harness.c)
 *        bit 2     code bytes are snippet numbers (below 0xc0; anything else
 *                  escapes one raw byte) instead of raw bytes
 *        bit 3     runs end at a deadline (hv_vcpu_run_until) as well
 *        bits 4-5  exception bitmap: none, all, #UD/#GP/#PF only, from the seed
 *        bit 6     CR0/CR4 guest-host masks all ones (MOV to CR0/CR4 exits)
 *        bit 7     the VMX preemption timer, from h[7]
 *   h[1]           extra primary controls, one bit each: RDTSC, CR3 load,
 *                  CR3 store, MOV DR, INVLPG, MWAIT, PAUSE, RDPMC
 *   h[2] bits 0-2  extra secondary controls: descriptor tables, RDTSCP, WBINVD
 *        bits 4-7  instruction budget of each run
 *   h[3..6]        seed for the general registers and the VMM's answers
 *   h[7]           preemption timer value
 * Guest-physical memory: RAM at 0..RAM_RWX (RWX), then ROM_SIZE bytes
 * mapped read-only and XO_SIZE bytes read+execute; nothing above (EPT
 * violations). Exception handlers (IVT or IDT, at 0xf000 + 16 * vector)
 * report their vector with `out 0xe9, al` and HLT. Code at 0x10000.
 *
 * The VMM loop (at most MAX_EXITS exits) bounds every run with
 * hvm_replay_cancel_at, steps over instruction exits (I/O: IN answers from
 * the seed; CPUID, RDMSR, RDTSC(P), VMCALL, MOV CR/DR, INVLPG, descriptor
 * tables ... by the exit's instruction length), clears interrupt/NMI window
 * and MTF controls when they exit, and ends the input at HLT, an exception
 * or EPT violation exit, a triple fault or the budget.
 *
 * Checks at every exit: hv_vcpu_run returns HV_SUCCESS; the basic reason is
 * one the SDM defines, and with bit 31 clear; the instruction count never
 * goes back and a run ends no later than the block after its budget; an IRQ
 * exit comes only at the budget; exit information is consistent with the
 * reason: the I/O qualification (port, size, direction, string, REP,
 * immediate) and the instruction length match the IN/OUT at RIP (decoded
 * here for the simple forms); CPUID, RDMSR, WRMSR, RDTSC, RDTSCP, VMCALL and
 * HLT exits have the length of, and sit at, that instruction; a MOV CR exit
 * names the CR the instruction at RIP names; an exception exit has a valid
 * interruption information whose vector the exception bitmap selects; an EPT
 * violation names one access that the mapping at its GPA does not allow and
 * the mapping's rights in bits 3-5, and its guest-linear address is the
 * GPA (the set-ups map identically); INS/OUTS exits report RCX, RSI, RDI
 * and RIP as the registers hold them; only EPT violations carry a
 * guest-physical address and only exception exits an interruption info.
 *
 * With libFuzzer (clang -fsanitize=fuzzer) a broken invariant aborts; with
 * fuzz/driver.c it is counted through fuzz_invariant_failed().
 * Environment: FUZZ_GUEST_VERBOSE=1 prints every exit.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "util.h"

#include "../replay/replay.h"

const char fuzz_name[] = "fuzz_guest_x86";

#define HEADER          8u
#define MAX_CODE        2048u
#define RAM_RWX         0xc0000u
#define ROM_SIZE        0x10000u /* read-only, at RAM_RWX */
#define XO_SIZE         0x10000u /* read + execute, above the ROM */
#define MEM_SIZE        (RAM_RWX + ROM_SIZE + XO_SIZE)
#define CODE_GPA        0x10000u
#define GDT_GPA         0x1000u
#define IDT_GPA         0x2000u
#define PT_GPA          0x3000u
#define PT_SIZE         0x5000u /* the paging structures of either set-up */
#define STACK_TOP       0x9000u
#define STUBS_GPA       0xf000u
#define REPORT_PORT     0xe9u
#define MAX_EXITS       48u
#define MAX_BLOCK_INSNS 512u
#define WATCHDOG_MS     2000
#define MAX_LOG         (MAX_EXITS + 1)

struct exit_rec {
    uint64_t reason, qual, len, gpa, gla, rip, icount, info, rax;
};

static struct {
    bool broken;
    bool verbose;
    bool kicked;
    uint8_t h[HEADER];
    unsigned mode; /* 16, 32, 64 */
    uint64_t rng;
    uint8_t *mem;
    hv_vcpuid_t id;
    uint32_t exc_bitmap;
    struct exit_rec log[MAX_LOG];
    unsigned nlog;
    uint8_t paging[PT_SIZE]; /* the paging structures as the set-up wrote them */
} S;

static char trace_path[96];

#define failf(...) fuzz_failf(&S.broken, __VA_ARGS__)

#define CHECK_OK(call)                                                                             \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS)                                                                      \
            failf("%s returned %s", #call, hvm_strerror(r_));                                      \
    } while (0)

static uint64_t next_rand(void)
{
    S.rng = S.rng * 6364136223846793005ull + 1442695040888963407ull;
    return S.rng >> 17;
}

static uint64_t vmcs(uint32_t f)
{
    uint64_t x = 0;
    CHECK_OK(hv_vmx_vcpu_read_vmcs(S.id, f, &x));
    return x;
}

static void set_vmcs(uint32_t f, uint64_t x)
{
    hv_return_t r = hv_vmx_vcpu_write_vmcs(S.id, f, x);
    if (r != HV_SUCCESS)
        failf("hv_vmx_vcpu_write_vmcs(0x%x, 0x%llx) returned %s", f, (unsigned long long)x,
              hvm_strerror(r));
}

static uint64_t reg(hv_x86_reg_t r)
{
    uint64_t x = 0;
    CHECK_OK(hv_vcpu_read_register(S.id, r, &x));
    return x;
}

static void set_reg(hv_x86_reg_t r, uint64_t x)
{
    CHECK_OK(hv_vcpu_write_register(S.id, r, x));
}

static uint64_t ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c = 0;
    CHECK_OK(hv_vmx_read_capability(cap, &c));
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

/* ------------------------------------------------------------------------ */
/* Watchdog                                                                 */
/* ------------------------------------------------------------------------ */

static void kick_vcpu(uint64_t id)
{
    hv_vcpuid_t v = (hv_vcpuid_t)id;
    hv_vcpu_interrupt(&v, 1);
}

static void watch_begin(void)
{
    fuzz_watch_begin(0, S.id, WATCHDOG_MS, kick_vcpu);
}

static bool watch_end(void)
{
    bool fired = fuzz_watch_end(0, 0, NULL, &S.broken);
    S.kicked |= fired;
    return fired;
}

/* ------------------------------------------------------------------------ */
/* Guest set-up                                                             */
/* ------------------------------------------------------------------------ */

/* Instructions worth having often. */
static const uint8_t snippets[][8] = {
    {1, 0xf4},                         /* hlt */
    {2, 0xe6, 0x80},                   /* out 0x80, al */
    {2, 0xe5, 0x71},                   /* in ax/eax, 0x71 */
    {1, 0xee},                         /* out dx, al */
    {1, 0xed},                         /* in ax/eax, dx */
    {2, 0x66, 0xef},                   /* out dx, eax/ax */
    {2, 0xf3, 0x6e},                   /* rep outsb */
    {1, 0x6c},                         /* insb */
    {2, 0x0f, 0xa2},                   /* cpuid */
    {2, 0x0f, 0x32},                   /* rdmsr */
    {2, 0x0f, 0x30},                   /* wrmsr */
    {2, 0x0f, 0x31},                   /* rdtsc */
    {3, 0x0f, 0x01, 0xf9},             /* rdtscp */
    {3, 0x0f, 0x20, 0xc0},             /* mov eax, cr0 */
    {3, 0x0f, 0x22, 0xc0},             /* mov cr0, eax */
    {3, 0x0f, 0x22, 0xd8},             /* mov cr3, eax */
    {3, 0x0f, 0x20, 0xd9},             /* mov ecx, cr3 */
    {3, 0x0f, 0x22, 0xe0},             /* mov cr4, eax */
    {3, 0x0f, 0x23, 0xc0},             /* mov dr0, eax */
    {3, 0x0f, 0x01, 0xc1},             /* vmcall */
    {3, 0x0f, 0x01, 0x38},             /* invlpg [eax] / [bx+si] */
    {2, 0x0f, 0x09},                   /* wbinvd */
    {2, 0xf3, 0x90},                   /* pause */
    {2, 0x0f, 0x33},                   /* rdpmc */
    {3, 0x0f, 0x01, 0x08},             /* sidt [eax] / [bx+si] */
    {3, 0x0f, 0x00, 0xc8},             /* str eax */
    {1, 0xfb},                         /* sti */
    {1, 0xfa},                         /* cli */
    {2, 0xcd, 0x03},                   /* int 3 */
    {1, 0xcc},                         /* int3 */
    {2, 0x0f, 0x0b},                   /* ud2 */
    {2, 0x8b, 0x07},                   /* mov eax, [edi] / mov ax, [bx] */
    {2, 0x89, 0x06},                   /* mov [esi], eax / mov [bp], ax */
    {2, 0x31, 0xd2},                   /* xor edx, edx */
    {1, 0x40},                         /* inc eax / REX */
    {2, 0xeb, 0x02},                   /* jmp +2 */
    {2, 0x75, 0xfa},                   /* jnz -6 */
    {2, 0xf7, 0xf1},                   /* div ecx */
    {1, 0x50},                         /* push eax */
    {1, 0x58},                         /* pop eax */
    {5, 0xb8, 0x00, 0x00, 0x0c, 0x00}, /* mov eax, 0xc0000 (ROM) */
    {5, 0xbf, 0x00, 0x00, 0x0e, 0x00}, /* mov edi, 0xe0000 (unmapped) */
    {2, 0x8e, 0xd8},                   /* mov ds, eax */
    {1, 0x9c},                         /* pushf */
    {1, 0x9d},                         /* popf */
    {1, 0xcf},                         /* iret */
};

#define NSNIPPETS (sizeof(snippets) / sizeof(snippets[0]))

static void put32(uint64_t gpa, uint32_t x)
{
    memcpy(S.mem + gpa, &x, 4);
}

static void put64(uint64_t gpa, uint64_t x)
{
    memcpy(S.mem + gpa, &x, 8);
}

static void load_guest(const uint8_t *code, size_t size)
{
    memset(S.mem, 0, MEM_SIZE);
    size_t n = 0;
    if (S.h[0] & 4) {
        for (size_t i = 0; i < size && n + 8 < MAX_CODE; i++) {
            if (code[i] < 0xc0) {
                const uint8_t *sn = snippets[code[i] % NSNIPPETS];
                memcpy(S.mem + CODE_GPA + n, sn + 1, sn[0]);
                n += sn[0];
            } else if (i + 1 < size) {
                S.mem[CODE_GPA + n++] = code[++i];
            }
        }
    } else {
        n = size < MAX_CODE ? size : MAX_CODE;
        memcpy(S.mem + CODE_GPA, code, n);
    }
    S.mem[CODE_GPA + n] = 0xf4;
    /* Exception stubs: mov al, vector; out 0xe9, al; hlt. */
    for (unsigned v = 0; v < 32; v++) {
        uint8_t *s = S.mem + STUBS_GPA + 16 * v;
        s[0] = 0xb0, s[1] = (uint8_t)v, s[2] = 0xe6, s[3] = REPORT_PORT, s[4] = 0xf4;
    }
    /* The ROM and the execute-only window hold recognisable bytes. */
    memset(S.mem + RAM_RWX, 0x90, ROM_SIZE);
    memset(S.mem + RAM_RWX + ROM_SIZE, 0xf4, XO_SIZE);
    if (S.mode == 16) {
        for (unsigned v = 0; v < 32; v++)
            put32(4 * v, (STUBS_GPA >> 4) << 16 | 16 * v); /* IVT: 0x0f00:16v */
        return;
    }
    put64(GDT_GPA + 0x00, 0);
    put64(GDT_GPA + 0x08, 0x00cf9b000000ffffull); /* code, 32-bit */
    put64(GDT_GPA + 0x10, 0x00cf93000000ffffull); /* data */
    put64(GDT_GPA + 0x18, 0x00af9b000000ffffull); /* code, 64-bit */
    put64(GDT_GPA + 0x20, 0x00cf93000000ffffull); /* data */
    for (unsigned v = 0; v < 32; v++) {
        uint64_t handler = STUBS_GPA + 16 * v;
        uint32_t sel = S.mode == 64 ? 0x18 : 0x08;
        uint32_t lo = sel << 16 | (uint32_t)(handler & 0xffff);
        uint32_t hi = (uint32_t)(handler & 0xffff0000u) | 0x8e00u;
        uint64_t at = IDT_GPA + v * (S.mode == 64 ? 16u : 8u);
        put32(at, lo);
        put32(at + 4, hi);
    }
    /* Identity map of the first 4 MiB (RAM, ROM, the window, and nothing). */
    if (S.mode == 32) {
        put32(PT_GPA, (PT_GPA + 0x1000) | 7);
        for (uint32_t i = 0; i < 1024; i++)
            put32(PT_GPA + 0x1000 + 4 * i, i << 12 | 7);
    } else {
        put64(PT_GPA, (PT_GPA + 0x1000) | 7);
        put64(PT_GPA + 0x1000, (PT_GPA + 0x2000) | 7);
        put64(PT_GPA + 0x2000, (PT_GPA + 0x3000) | 7);
        put64(PT_GPA + 0x2008, (PT_GPA + 0x4000) | 7);
        for (uint64_t i = 0; i < 1024; i++)
            put64(PT_GPA + 0x3000 + 8 * i, i << 12 | 7);
    }
    memcpy(S.paging, S.mem + PT_GPA, PT_SIZE);
}

static void set_state(void)
{
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    static const uint64_t cpu_extra[8] = {CPU_BASED_RDTSC,  CPU_BASED_CR3_LOAD, CPU_BASED_CR3_STORE,
                                          CPU_BASED_MOV_DR, CPU_BASED_INVLPG,   CPU_BASED_MWAIT,
                                          CPU_BASED_PAUSE,  CPU_BASED_RDPMC};
    static const uint64_t cpu2_extra[3] = {CPU_BASED2_DESC_TABLE, CPU_BASED2_RDTSCP,
                                           CPU_BASED2_WBINVD};
    uint64_t cpu = CPU_BASED_HLT, cpu2 = CPU_BASED2_UNRESTRICTED;
    for (int i = 0; i < 8; i++)
        if (S.h[1] >> i & 1)
            cpu |= cpu_extra[i];
    for (int i = 0; i < 3; i++)
        if (S.h[2] >> i & 1)
            cpu2 |= cpu2_extra[i];
    set_vmcs(VMCS_CTRL_PIN_BASED,
             ctrl(HV_VMX_CAP_PINBASED, (S.h[0] & 0x80) ? PIN_BASED_PREEMPTION_TIMER : 0));
    set_vmcs(VMCS_CTRL_CPU_BASED, ctrl(HV_VMX_CAP_PROCBASED, cpu));
    set_vmcs(VMCS_CTRL_CPU_BASED2, ctrl(HV_VMX_CAP_PROCBASED2, cpu2));
    set_vmcs(VMCS_CTRL_VMENTRY_CONTROLS,
             ctrl(HV_VMX_CAP_ENTRY, S.mode == 64 ? VMENTRY_GUEST_IA32E : 0));
    switch ((S.h[0] >> 4) & 3) {
    case 0: S.exc_bitmap = 0; break;
    case 1: S.exc_bitmap = 0xffffffffu; break;
    case 2: S.exc_bitmap = 1u << 6 | 1u << 13 | 1u << 14; break;
    default: S.exc_bitmap = (uint32_t)next_rand(); break;
    }
    set_vmcs(VMCS_CTRL_EXC_BITMAP, S.exc_bitmap);
    if (S.h[0] & 0x40) {
        set_vmcs(VMCS_CTRL_CR0_MASK, ~0ull);
        set_vmcs(VMCS_CTRL_CR4_MASK, ~0ull);
        set_vmcs(VMCS_CTRL_CR0_SHADOW, S.mode == 16 ? 0x10 : 0x80000011);
        set_vmcs(VMCS_CTRL_CR4_SHADOW, 0);
    }
    if (S.h[0] & 0x80)
        set_vmcs(VMCS_GUEST_VMX_TIMER_VALUE, S.h[7] * 16u);
    for (int i = 0; i < 6; i++) {
        bool cs = i == 0;
        uint32_t sel = S.mode == 16 ? (cs ? CODE_GPA >> 4 : 0)
                       : cs         ? (S.mode == 64 ? 0x18 : 0x08)
                                    : 0x10;
        uint32_t ar = S.mode == 16 ? (cs ? 0x9b : 0x93)
                      : cs         ? (S.mode == 64 ? 0xa09b : 0xc09b)
                                   : 0xc093;
        set_vmcs(segs[i], sel);
        set_vmcs(segs[i] + 0x4000, S.mode == 16 ? 0xffff : 0xffffffffu);
        set_vmcs(segs[i] + 0x4014, ar);
        set_vmcs(segs[i] + 0x6006, S.mode == 16 && cs ? CODE_GPA : 0);
    }
    set_vmcs(VMCS_GUEST_LDTR_AR, 0x10000);
    set_vmcs(VMCS_GUEST_TR_AR, S.mode == 16 ? 0x83 : 0x8b);
    set_vmcs(VMCS_GUEST_TR_LIMIT, 0x67);
    if (S.mode == 16) {
        set_vmcs(VMCS_GUEST_IDTR_BASE, 0);
        set_vmcs(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
        set_vmcs(VMCS_GUEST_CR0, 0x30);
        set_vmcs(VMCS_GUEST_CR4, 0x2000);
    } else {
        set_vmcs(VMCS_GUEST_GDTR_BASE, GDT_GPA);
        set_vmcs(VMCS_GUEST_GDTR_LIMIT, 0x27);
        set_vmcs(VMCS_GUEST_IDTR_BASE, IDT_GPA);
        set_vmcs(VMCS_GUEST_IDTR_LIMIT, S.mode == 64 ? 0x1ff : 0xff);
        set_vmcs(VMCS_GUEST_CR3, PT_GPA);
        set_vmcs(VMCS_GUEST_CR4, S.mode == 64 ? 0x2020 : 0x2000);
        set_vmcs(VMCS_GUEST_CR0, 0x80000031);
        if (S.mode == 64)
            set_vmcs(VMCS_GUEST_IA32_EFER, 0x500);
    }
    /* Registers: RAM, the ROM, the window, nothing, or small numbers. */
    static const uint64_t points[6] = {0x8000, RAM_RWX, RAM_RWX + ROM_SIZE, MEM_SIZE, 0, 0x80};
    for (hv_x86_reg_t r = HV_X86_RAX; r <= HV_X86_R15; r++) {
        if (r == HV_X86_RSP)
            continue;
        uint64_t x = next_rand();
        set_reg(r, (x & 8) ? points[(x >> 4) % 6] + ((x >> 8) & 0xff) : (x >> 8) & 0xffff);
    }
    set_reg(HV_X86_RSP, STACK_TOP);
    set_reg(HV_X86_RFLAGS, 2);
    set_reg(HV_X86_RIP, S.mode == 16 ? 0 : CODE_GPA);
}

/* ------------------------------------------------------------------------ */
/* Exit checks                                                              */
/* ------------------------------------------------------------------------ */

/* Code bytes at RIP (through the guest's translation). */
static size_t code_at_rip(uint8_t *b, size_t n)
{
    uint64_t la = vmcs(VMCS_GUEST_CS_BASE) + reg(HV_X86_RIP);
    if (S.mode != 64)
        la &= 0xffffffffu;
    /* A guest that wrote its paging structures may run on translations the
     * CPU cached before (as hardware may, until it flushes them), while a
     * walk now leads elsewhere: the code is where the set-up's identity
     * map put it. (A guest that also reloaded CR3 is not told apart.) */
    if (S.mode != 16 && memcmp(S.mem + PT_GPA, S.paging, PT_SIZE) != 0) {
        if (la >= MEM_SIZE)
            return 0;
        n = n < MEM_SIZE - la ? n : (size_t)(MEM_SIZE - la);
        memcpy(b, S.mem + la, n);
        return n;
    }
    while (n && hvm_vcpu_read_guest(S.id, la, b, n) != HV_SUCCESS)
        n--;
    return n;
}

/* Skips legacy prefixes (and a REX in long mode); returns the opcode's
 * offset. */
struct prefixes {
    bool opsize, rep, rex;
    unsigned n;
};

static struct prefixes skip_prefixes(const uint8_t *b, size_t n)
{
    struct prefixes p = {0};
    while (p.n < n) {
        uint8_t c = b[p.n];
        if (c == 0x66)
            p.opsize = true;
        else if (c == 0xf3 || c == 0xf2)
            p.rep = true;
        else if (c == 0x67 || c == 0xf0 || c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e ||
                 c == 0x64 || c == 0x65)
            ;
        else if (S.mode == 64 && (c & 0xf0) == 0x40)
            p.rex = true;
        else
            break;
        p.n++;
    }
    return p;
}

static void check_io(uint64_t qual, uint64_t len)
{
    uint8_t b[15];
    size_t n = code_at_rip(b, sizeof(b));
    struct prefixes p = skip_prefixes(b, n);
    if (p.n >= n) {
        failf("I/O exit (qualification 0x%llx) but no readable instruction at RIP",
              (unsigned long long)qual);
        return;
    }
    uint8_t op = b[p.n];
    bool imm = op >= 0xe4 && op <= 0xe7, dx = op >= 0xec && op <= 0xef,
         string = op >= 0x6c && op <= 0x6f;
    if (!imm && !dx && !string) {
        failf("I/O exit (qualification 0x%llx) at opcode 0x%02x", (unsigned long long)qual, op);
        return;
    }
    bool in = imm ? op <= 0xe5 : dx ? op <= 0xed : op <= 0x6d;
    bool byte = !(op & 1);
    unsigned wide = (S.mode == 16) != p.opsize ? 2 : 4;
    unsigned size = byte ? 1 : wide;
    uint64_t port = imm ? (p.n + 1 < n ? b[p.n + 1] : 0x10000) : reg(HV_X86_RDX) & 0xffff;
    uint64_t want = (size - 1) | (uint64_t)in << 3 | (uint64_t)string << 4 |
                    (uint64_t)(string && p.rep) << 5 | (uint64_t)imm << 6 | port << 16;
    if (qual != want)
        failf("I/O exit: qualification 0x%llx, the instruction at RIP (opcode 0x%02x) gives 0x%llx",
              (unsigned long long)qual, op, (unsigned long long)want);
    if (len != p.n + 1u + imm)
        failf("I/O exit: instruction length %llu, expected %u", (unsigned long long)len,
              p.n + 1u + imm);
    if (!string)
        return;
    /* INS/OUTS: the registers as the instruction found them. */
    static const struct {
        uint32_t field;
        hv_x86_reg_t reg;
    } io_regs[] = {{VMCS_RO_IO_RCX, HV_X86_RCX},
                   {VMCS_RO_IO_RSI, HV_X86_RSI},
                   {VMCS_RO_IO_RDI, HV_X86_RDI},
                   {VMCS_RO_IO_RIP, HV_X86_RIP}};
    for (size_t i = 0; i < sizeof(io_regs) / sizeof(io_regs[0]); i++)
        if (vmcs(io_regs[i].field) != reg(io_regs[i].reg))
            failf("string I/O exit: VMCS 0x%x = 0x%llx, the register 0x%llx", io_regs[i].field,
                  (unsigned long long)vmcs(io_regs[i].field),
                  (unsigned long long)reg(io_regs[i].reg));
}

/* An instruction exit's length and the bytes at RIP. */
static void check_insn(const char *what, uint64_t len, const uint8_t *op, size_t oplen)
{
    uint8_t b[15];
    size_t n = code_at_rip(b, sizeof(b));
    struct prefixes p = skip_prefixes(b, n);
    if (p.n + oplen > n || memcmp(b + p.n, op, oplen) != 0) {
        failf("%s exit, but RIP holds %02x %02x %02x", what, n > 0 ? b[0] : 0, n > 1 ? b[1] : 0,
              n > 2 ? b[2] : 0);
        return;
    }
    if (len != p.n + oplen)
        failf("%s exit: instruction length %llu, expected %zu", what, (unsigned long long)len,
              p.n + oplen);
}

static void check_mov_cr(uint64_t qual, uint64_t len)
{
    uint8_t b[15];
    size_t n = code_at_rip(b, sizeof(b));
    struct prefixes p = skip_prefixes(b, n);
    unsigned type = (qual >> 4) & 3;
    if (type >= 2)
        return; /* CLTS, LMSW */
    if (p.n + 3 > n || b[p.n] != 0x0f || b[p.n + 1] != (type ? 0x20 : 0x22)) {
        failf("MOV CR exit (qualification 0x%llx), but RIP holds another instruction",
              (unsigned long long)qual);
        return;
    }
    unsigned cr = (b[p.n + 2] >> 3) & 7;
    if ((qual & 15) != cr)
        failf("MOV CR exit names CR%llu, the instruction CR%u", (unsigned long long)(qual & 15),
              cr);
    if (len != p.n + 3u)
        failf("MOV CR exit: instruction length %llu, expected %u", (unsigned long long)len,
              p.n + 3u);
}

static uint32_t prot_at(uint64_t gpa)
{
    if (gpa < RAM_RWX)
        return HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC;
    if (gpa < RAM_RWX + ROM_SIZE)
        return HV_MEMORY_READ;
    if (gpa < MEM_SIZE)
        return HV_MEMORY_READ | HV_MEMORY_EXEC;
    return 0;
}

static void check_ept(uint64_t qual, uint64_t gpa, uint64_t gla)
{
    /* The set-ups map linear = physical (identity paging, or none). With
     * bit 8 clear the access was to a paging-structure entry (the walk of
     * a guest that moved CR3): GPA is the entry's, GLA the translated one. */
    if ((qual & 0x180) == 0x180 && gla != gpa && S.mode != 16)
        failf("EPT violation at GPA 0x%llx with guest-linear address 0x%llx (identity map)",
              (unsigned long long)gpa, (unsigned long long)gla);
    uint32_t access = qual & 7;
    if (!access || (access & (access - 1))) {
        failf("EPT violation at 0x%llx: qualification 0x%llx", (unsigned long long)gpa,
              (unsigned long long)qual);
        return;
    }
    uint32_t need = access == 1 ? HV_MEMORY_READ : access == 2 ? HV_MEMORY_WRITE : HV_MEMORY_EXEC;
    uint32_t prot = prot_at(gpa);
    if (prot & need)
        failf("EPT violation (qualification 0x%llx) at GPA 0x%llx, mapped with 0x%x",
              (unsigned long long)qual, (unsigned long long)gpa, prot);
    if (((qual >> 3) & 7) != prot)
        failf("EPT violation at GPA 0x%llx: qualification 0x%llx, the mapping allows 0x%x",
              (unsigned long long)gpa, (unsigned long long)qual, prot);
}

static void check_exception(uint64_t info)
{
    if (!(info & IRQ_INFO_VALID)) {
        failf("exception exit without valid interruption information (0x%llx)",
              (unsigned long long)info);
        return;
    }
    unsigned vec = info & 0xff, type = (info >> 8) & 7;
    if (info & 0x7ffff000u)
        failf("exception exit: reserved bits in interruption information 0x%llx",
              (unsigned long long)info);
    if (type == 2) {
        if (vec != 2)
            failf("NMI exit with vector %u", vec);
        return;
    }
    if (type != 3 && type != 6 && type != 5)
        failf("exception exit of type %u (information 0x%llx)", type, (unsigned long long)info);
    if (vec >= 32 || !(S.exc_bitmap >> vec & 1))
        failf("exception exit for vector %u, which the bitmap 0x%x does not select", vec,
              S.exc_bitmap);
}

/* ------------------------------------------------------------------------ */
/* The VMM loop                                                             */
/* ------------------------------------------------------------------------ */

static void advance(uint64_t len)
{
    set_reg(HV_X86_RIP, reg(HV_X86_RIP) + len);
}

static void clear_cpu_ctl(uint64_t bits)
{
    set_vmcs(VMCS_CTRL_CPU_BASED, ctrl(HV_VMX_CAP_PROCBASED, vmcs(VMCS_CTRL_CPU_BASED) & ~bits));
}

/* Handles one exit; false ends the input. */
static bool handle_exit(const struct exit_rec *e)
{
    static const uint8_t op_cpuid[] = {0x0f, 0xa2}, op_rdmsr[] = {0x0f, 0x32},
                         op_wrmsr[] = {0x0f, 0x30}, op_rdtsc[] = {0x0f, 0x31},
                         op_rdtscp[] = {0x0f, 0x01, 0xf9}, op_vmcall[] = {0x0f, 0x01, 0xc1},
                         op_hlt[] = {0xf4};
    uint64_t basic = e->reason & 0xffff;
    if (basic != VMX_REASON_EPT_VIOLATION && e->gpa)
        failf("exit reason %llu carries guest-physical address 0x%llx", (unsigned long long)basic,
              (unsigned long long)e->gpa);
    if (basic != VMX_REASON_EXC_NMI && (e->info & IRQ_INFO_VALID))
        failf("exit reason %llu carries interruption information 0x%llx", (unsigned long long)basic,
              (unsigned long long)e->info);
    switch (basic) {
    case VMX_REASON_IO:
        check_io(e->qual, e->len);
        if (e->qual & 8) {
            unsigned size = (e->qual & 7) + 1;
            uint64_t mask = size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
            set_reg(HV_X86_RAX, (e->rax & ~mask) | (next_rand() & mask));
        }
        advance(e->len);
        return !S.broken;
    case VMX_REASON_CPUID:
        check_insn("CPUID", e->len, op_cpuid, 2);
        set_reg(HV_X86_RAX, next_rand() & 0xffff);
        set_reg(HV_X86_RBX, 0);
        set_reg(HV_X86_RCX, 0);
        set_reg(HV_X86_RDX, 0);
        advance(e->len);
        return !S.broken;
    case VMX_REASON_RDMSR:
    case VMX_REASON_WRMSR:
        check_insn(basic == VMX_REASON_RDMSR ? "RDMSR" : "WRMSR", e->len,
                   basic == VMX_REASON_RDMSR ? op_rdmsr : op_wrmsr, 2);
        if (basic == VMX_REASON_RDMSR) {
            set_reg(HV_X86_RAX, 0);
            set_reg(HV_X86_RDX, 0);
        }
        advance(e->len);
        return !S.broken;
    case VMX_REASON_RDTSC:
    case VMX_REASON_RDTSCP:
        if (basic == VMX_REASON_RDTSC)
            check_insn("RDTSC", e->len, op_rdtsc, 2);
        else
            check_insn("RDTSCP", e->len, op_rdtscp, 3);
        set_reg(HV_X86_RAX, e->icount);
        set_reg(HV_X86_RDX, 0);
        advance(e->len);
        return !S.broken;
    case VMX_REASON_VMCALL:
        check_insn("VMCALL", e->len, op_vmcall, 3);
        advance(e->len);
        return !S.broken;
    case VMX_REASON_HLT: check_insn("HLT", e->len, op_hlt, 1); return false;
    case VMX_REASON_MOV_CR:
        check_mov_cr(e->qual, e->len);
        advance(e->len);
        return !S.broken;
    case VMX_REASON_MOV_DR:
    case VMX_REASON_INVLPG:
    case VMX_REASON_WBINVD:
    case VMX_REASON_INVD:
    case VMX_REASON_PAUSE:
    case VMX_REASON_RDPMC:
    case VMX_REASON_MWAIT:
    case VMX_REASON_MONITOR:
    case VMX_REASON_GDTR_IDTR:
    case VMX_REASON_LDTR_TR:
        if (e->len < 1 || e->len > 15) {
            failf("exit reason %llu: instruction length %llu", (unsigned long long)basic,
                  (unsigned long long)e->len);
            return false;
        }
        advance(e->len);
        return true;
    case VMX_REASON_IRQ_WND: clear_cpu_ctl(CPU_BASED_IRQ_WND); return true;
    case VMX_REASON_VIRTUAL_NMI_WND: clear_cpu_ctl(CPU_BASED_VIRTUAL_NMI_WND); return true;
    case VMX_REASON_MTF: clear_cpu_ctl(CPU_BASED_MTF); return true;
    case VMX_REASON_EXC_NMI: check_exception(e->info); return false;
    case VMX_REASON_EPT_VIOLATION: check_ept(e->qual, e->gpa, e->gla); return false;
    default: return false; /* IRQ (budget), timer, triple fault */
    }
}

static bool valid_reason(uint64_t reason)
{
    uint64_t basic = reason & 0xffff;
    if (reason & ~(uint64_t)0xffff)
        return false;
    return basic <= 68 && basic != 35 && basic != 38 && basic != 42 && basic != 65;
}

static void run_guest(uint64_t budget)
{
    uint64_t last = 0;
    bool until = S.h[0] & 8;
    for (unsigned n = 0; n < MAX_EXITS && !S.broken; n++) {
        uint64_t ic0 = 0, ic1 = 0;
        CHECK_OK(hvm_vcpu_get_instruction_count(S.id, &ic0));
        if (ic0 < last)
            failf("instruction count went back from %llu to %llu", (unsigned long long)last,
                  (unsigned long long)ic0);
        CHECK_OK(hvm_replay_cancel_at(S.id, ic0 + budget));
        uint64_t deadline = until ? hvm_clock_now() + 1 + (next_rand() & 63) : 0;
        watch_begin();
        hv_return_t r = until ? hv_vcpu_run_until(S.id, deadline) : hv_vcpu_run(S.id);
        if (watch_end())
            return;
        if (r != HV_SUCCESS) {
            failf("hv_vcpu_run returned %s", hvm_strerror(r));
            return;
        }
        CHECK_OK(hvm_vcpu_get_instruction_count(S.id, &ic1));
        last = ic1;
        struct exit_rec e = {
            .reason = vmcs(VMCS_RO_EXIT_REASON),
            .qual = vmcs(VMCS_RO_EXIT_QUALIFIC),
            .len = vmcs(VMCS_RO_VMEXIT_INSTR_LEN),
            .gpa = vmcs(VMCS_GUEST_PHYSICAL_ADDRESS),
            .gla = vmcs(VMCS_RO_GUEST_LIN_ADDR),
            .rip = reg(HV_X86_RIP),
            .icount = ic1,
            .info = vmcs(VMCS_RO_VMEXIT_IRQ_INFO),
            .rax = reg(HV_X86_RAX),
        };
        if (S.nlog < MAX_LOG)
            S.log[S.nlog++] = e;
        if (S.verbose)
            fprintf(
                stderr,
                "  exit %u: reason %llu qual 0x%llx len %llu gpa 0x%llx rip 0x%llx info 0x%llx, "
                "%llu insns\n",
                n, (unsigned long long)e.reason, (unsigned long long)e.qual,
                (unsigned long long)e.len, (unsigned long long)e.gpa, (unsigned long long)e.rip,
                (unsigned long long)e.info, (unsigned long long)(ic1 - ic0));
        if (ic1 >= ic0 + budget + MAX_BLOCK_INSNS)
            failf("run of budget %llu retired %llu instructions (reason %llu)",
                  (unsigned long long)budget, (unsigned long long)(ic1 - ic0),
                  (unsigned long long)e.reason);
        if (!valid_reason(e.reason)) {
            failf("exit reason 0x%llx", (unsigned long long)e.reason);
            return;
        }
        if (e.reason == VMX_REASON_IRQ && ic1 < ic0 + budget)
            failf("IRQ exit after %llu of %llu instructions, without a kick",
                  (unsigned long long)(ic1 - ic0), (unsigned long long)budget);
        if (e.reason == VMX_REASON_VMX_TIMER_EXPIRED && !until && !(S.h[0] & 0x80))
            failf("VMX_TIMER_EXPIRED without a deadline or the preemption timer");
        if (!handle_exit(&e))
            return;
    }
}

/* One run of the input: a fresh VM, the guest, everything destroyed. */
static void run_once(const uint8_t *data, size_t size, bool record)
{
    S.nlog = 0;
    S.rng = (uint64_t)data[3] | (uint64_t)data[4] << 8 | (uint64_t)data[5] << 16 |
            (uint64_t)data[6] << 24;
    uint64_t budget = 200 + (uint64_t)(S.h[2] >> 4) * 200;
    if (record) {
        hv_return_t r = hvm_trace_start(trace_path);
        if (r != HV_SUCCESS) {
            failf("hvm_trace_start returned %s", hvm_strerror(r));
            return;
        }
    }
    hv_return_t r = hv_vm_create(HV_VM_DEFAULT);
    if (r != HV_SUCCESS) {
        failf("hv_vm_create returned %s", hvm_strerror(r));
        hvm_trace_stop();
        return;
    }
    void *mem = NULL;
    bool mapped = false, vcpu = false;
    r = hv_vm_allocate(&mem, MEM_SIZE, HV_ALLOCATE_DEFAULT);
    if (r != HV_SUCCESS) {
        failf("hv_vm_allocate returned %s", hvm_strerror(r));
        mem = NULL;
    }
    if (mem) {
        S.mem = mem;
        load_guest(data + HEADER, size - HEADER);
        CHECK_OK(hv_vm_map(mem, 0, RAM_RWX, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));
        CHECK_OK(hv_vm_map(S.mem + RAM_RWX, RAM_RWX, ROM_SIZE, HV_MEMORY_READ));
        CHECK_OK(hv_vm_map(S.mem + RAM_RWX + ROM_SIZE, RAM_RWX + ROM_SIZE, XO_SIZE,
                           HV_MEMORY_READ | HV_MEMORY_EXEC));
        mapped = !S.broken;
        r = mapped ? hv_vcpu_create(&S.id, HV_VCPU_DEFAULT) : HV_ERROR;
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
        CHECK_OK(hv_vm_unmap(0, MEM_SIZE));
    r = hv_vm_destroy();
    if (r != HV_SUCCESS) {
        fprintf(stderr, "fuzz_guest_x86: cannot destroy the VM (%s); giving up\n", hvm_strerror(r));
        abort(); /* every later input would start from a broken state */
    }
    if (mem)
        CHECK_OK(hv_vm_deallocate(mem, MEM_SIZE));
    hvm_trace_stop(); /* already ended by hv_vm_destroy: BAD_ARGUMENT, ignored */
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!trace_path[0]) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(trace_path, sizeof(trace_path), "%s/fuzz_guest_x86-%d.hvt", dir, (int)getpid());
    }
    if (size < HEADER)
        return 0;
    memset(&S, 0, sizeof(S));
    memcpy(S.h, data, HEADER);
    S.verbose = getenv("FUZZ_GUEST_VERBOSE") && *getenv("FUZZ_GUEST_VERBOSE") == '1';
    S.mode = (S.h[0] & 3) == 1 ? 32 : (S.h[0] & 3) == 2 ? 64 : 16;

    static struct exit_rec first[MAX_LOG];
    run_once(data, size, true);
    unsigned nfirst = S.nlog;
    memcpy(first, S.log, sizeof(first));
    if (!S.broken && !S.kicked)
        replay_check();
    if (!S.broken || !getenv("FUZZ_GUEST_KEEP_TRACE"))
        unlink(trace_path);
    if (S.broken || S.kicked)
        return 0;
    run_once(data, size, false);
    if (S.broken || S.kicked)
        return 0;
    if (S.nlog != nfirst)
        failf("the second run gave %u exits, the first %u", S.nlog, nfirst);
    for (unsigned i = 0; i < S.nlog && i < nfirst && !S.broken; i++)
        if (memcmp(&S.log[i], &first[i], sizeof(first[i])) != 0)
            failf("exit %u differs between two runs: reason %llu/%llu, qualification "
                  "0x%llx/0x%llx, RIP 0x%llx/0x%llx, %llu/%llu instructions",
                  i, (unsigned long long)first[i].reason, (unsigned long long)S.log[i].reason,
                  (unsigned long long)first[i].qual, (unsigned long long)S.log[i].qual,
                  (unsigned long long)first[i].rip, (unsigned long long)S.log[i].rip,
                  (unsigned long long)first[i].icount, (unsigned long long)S.log[i].icount);
    return 0;
}
