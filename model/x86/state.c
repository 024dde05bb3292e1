/*
 * state.c — moving guest state between the VMCS and the engine.
 *
 * Into the engine: the engine cannot take segment caches, or a mode change,
 * from host register writes. A load therefore restores the vCPU's saved host
 * context (64-bit, paging off, EFER.SVME) and runs the model's stub, which
 * restores the guest's x87/SSE state and general registers from the private
 * page, enables the I/O breakpoint that makes port I/O stop exactly, and
 * VMRUNs a VMCB the model filled from the VMCS: the engine's own VMRUN
 * loads every segment cache, CR0/CR3/CR4, EFER, RFLAGS, RIP, RSP, RAX,
 * GDTR/IDTR (and, with VMLOAD, FS/GS/TR/LDTR and the syscall MSRs) exactly
 * as the VMCS holds them, in any mode. The run goes on from there into the
 * guest.
 *
 * Back into the VMCS: everything the engine exposes is read exactly; the
 * caches of ES/CS/SS/DS (which no public call reads) are known from the last
 * load and followed through the guest's selector changes: an unchanged
 * selector in an unchanged mode keeps its cache, a changed one is derived as
 * the CPU loaded it (real mode: base = selector * 16, limit and rights kept;
 * protected mode: the descriptor in the GDT/LDT). docs/x86.md lists where
 * this differs from hardware.
 */
#include <string.h>

#include "x86.h"

/* ---- VMCB layout (AMD64 APM vol. 2, appendix B) ---- */
#define CB_CR_RD        0x000
#define CB_CR_WR        0x002
#define CB_DR_RD        0x004
#define CB_DR_WR        0x006
#define CB_EXC          0x008
#define CB_ICPT         0x00c
#define CB_IOPM         0x040
#define CB_MSRPM        0x048
#define CB_TSC_OFF      0x050
#define CB_ASID         0x058
#define CB_TLB_CTL      0x05c
#define CB_INT_CTL      0x060
#define CB_EXIT_INFO2   0x080
#define CB_EVENT_INJ    0x0a8
#define CB_EVENT_ERR    0x0ac
#define SA              0x400             /* save area */
#define SA_SEG(i)       (SA + 0x10 * (i)) /* es cs ss ds fs gs gdtr ldtr idtr tr */
#define SA_CPL          (SA + 0x0cb)
#define SA_EFER         (SA + 0x0d0)
#define SA_CR4          (SA + 0x148)
#define SA_CR3          (SA + 0x150)
#define SA_CR0          (SA + 0x158)
#define SA_DR7          (SA + 0x160)
#define SA_DR6          (SA + 0x168)
#define SA_RFLAGS       (SA + 0x170)
#define SA_RIP          (SA + 0x178)
#define SA_RSP          (SA + 0x1d8)
#define SA_RAX          (SA + 0x1f8)
#define SA_STAR         (SA + 0x200)
#define SA_LSTAR        (SA + 0x208)
#define SA_CSTAR        (SA + 0x210)
#define SA_SFMASK       (SA + 0x218)
#define SA_KGSBASE      (SA + 0x220)
#define SA_SYSENTER_CS  (SA + 0x228)
#define SA_SYSENTER_ESP (SA + 0x230)
#define SA_SYSENTER_EIP (SA + 0x238)
#define SA_CR2          (SA + 0x240)
#define SA_GPAT         (SA + 0x268)

/* Private page layout beyond the VMCB/bitmaps (x86.h). */
#define PRIV_FX  0x3000u /* FXSAVE image the stub restores */
#define PRIV_GPR 0x3200u /* rbx rcx rdx rsi rdi rbp r8..r15 */

/* The VMCB and the stub's data are read by the engine as x86 memory:
 * little-endian on every host. */
#define put16 hvt_put16
#define put32 hvt_put32
#define put64 hvt_put64

static const uint32_t seg_sel_field[SEG_N] = {VMCS_GUEST_ES,   VMCS_GUEST_CS, VMCS_GUEST_SS,
                                              VMCS_GUEST_DS,   VMCS_GUEST_FS, VMCS_GUEST_GS,
                                              VMCS_GUEST_LDTR, VMCS_GUEST_TR};
#define LIMIT_OF(sel) ((sel) + 0x4000u)
#define AR_OF(sel)    ((sel) + 0x4014u)
#define BASE_OF(sel)  ((sel) + 0x6006u)

static const int gpr_ids[14] = {UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI,
                                UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_R8,  UC_X86_REG_R9,
                                UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13,
                                UC_X86_REG_R14, UC_X86_REG_R15};

#define rd x86_rd

/* The engine's RDMSR/WRMSR helpers apply the guest's SVM MSR intercepts,
 * which the model must not trip over: its own accesses point the VMCB's
 * MSR permission map at a zero page for their duration. */
static void msr_access_engine(struct x86_vcpu *v, uc_x86_msr *m, bool write)
{
    uint8_t *field = v->priv + X86_PRIV_VMCB + 0x48;
    uint64_t saved = hvt_get64(field);
    hvt_put64(field, X86_PRIV_GPA + X86_PRIV_IOPM);
    if (write)
        uc_reg_write(v->base.uc, UC_X86_REG_MSR, m);
    else
        uc_reg_read(v->base.uc, UC_X86_REG_MSR, m);
    hvt_put64(field, saved);
}

uint64_t x86_msr_get(struct x86_vcpu *v, uint32_t msr)
{
    uc_x86_msr m = {msr, 0};
    msr_access_engine(v, &m, false);
    return m.value;
}

void x86_msr_set(struct x86_vcpu *v, uint32_t msr, uint64_t value)
{
    uc_x86_msr m = {msr, value};
    v->efer_valid = false;
    x86_mode_forget(v);
    msr_access_engine(v, &m, true);
}

uint64_t x86_efer(struct x86_vcpu *v)
{
    if (!v->efer_valid) {
        v->efer_cache = x86_msr_get(v, 0xc0000080);
        v->efer_valid = true;
    }
    return v->efer_cache;
}

#define rd_msr x86_msr_get

/* VMX access rights <-> the VMCB's 12-bit attribute. */
static uint16_t ar_to_attrib(uint32_t ar)
{
    if (ar & 0x10000u)
        return 0;
    return (uint16_t)((ar & 0xffu) | ((ar >> 4) & 0xf00u));
}

static void put_seg(uint8_t *cb, unsigned i, uint16_t sel, uint32_t ar, uint32_t limit,
                    uint64_t base)
{
    uint8_t *p = cb + SA_SEG(i);
    put16(p, sel);
    put16(p + 2, ar_to_attrib(ar));
    put32(p + 4, limit);
    put64(p + 8, base);
}

/* SVM intercept bit k stands for exit code 0x60 + k. */
#define ICPT(code)       (1ull << ((code)-0x60u))
#define SVM_EXIT_IDTR_RD 0x66 /* SIDT; 0x67..0x6d: SGDT SLDT STR LIDT LGDT LLDT LTR */
#define SVM_EXIT_TR_WR   0x6d
#define SVM_EXIT_RDTSC   0x6e
#define SVM_EXIT_RDPMC   0x6f
#define SVM_EXIT_CPUID   0x72
#define SVM_EXIT_SWINT   0x75
#define SVM_EXIT_INVD    0x76
#define SVM_EXIT_PAUSE   0x77
#define SVM_EXIT_HLT     0x78
#define SVM_EXIT_INVLPG  0x79
#define SVM_EXIT_MSR     0x7c
#define SVM_EXIT_VMRUN   0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD  0x82
#define SVM_EXIT_VMSAVE  0x83
#define SVM_EXIT_STGI    0x84
#define SVM_EXIT_CLGI    0x85
#define SVM_EXIT_SKINIT  0x86
#define SVM_EXIT_RDTSCP  0x87
#define SVM_EXIT_ICEBP   0x88
#define SVM_EXIT_WBINVD  0x89
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT   0x8b
#define SVM_EXIT_XSETBV  0x8d

static void fill_controls(struct x86_vcpu *v, uint8_t *cb)
{
    uint32_t cpu = (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED);
    /* Always: the instructions the model must see (it answers the ones the
     * VMM did not ask to exit on itself, e.g. RDTSC with the virtual TSC). */
    uint64_t icpt = ICPT(SVM_EXIT_RDTSC) | ICPT(SVM_EXIT_RDPMC) | ICPT(SVM_EXIT_CPUID) |
                    ICPT(SVM_EXIT_SWINT) | ICPT(SVM_EXIT_INVD) | ICPT(SVM_EXIT_HLT) |
                    ICPT(SVM_EXIT_INVLPG) | ICPT(SVM_EXIT_MSR) | ICPT(SVM_EXIT_VMRUN) |
                    ICPT(SVM_EXIT_VMMCALL) | ICPT(SVM_EXIT_VMLOAD) | ICPT(SVM_EXIT_VMSAVE) |
                    ICPT(SVM_EXIT_STGI) | ICPT(SVM_EXIT_CLGI) | ICPT(SVM_EXIT_SKINIT) |
                    ICPT(SVM_EXIT_RDTSCP) | ICPT(SVM_EXIT_ICEBP) | ICPT(SVM_EXIT_WBINVD) |
                    ICPT(SVM_EXIT_MONITOR) | ICPT(SVM_EXIT_MWAIT) | ICPT(SVM_EXIT_XSETBV);
    if (cpu & CPU_BASED_PAUSE)
        icpt |= ICPT(SVM_EXIT_PAUSE);
    uint32_t cpu2 =
        (cpu & CPU_BASED_SECONDARY_CTLS) ? (uint32_t)vmcs_get(v, VMCS_CTRL_CPU_BASED2) : 0;
    if (cpu2 & CPU_BASED2_DESC_TABLE) /* the eight descriptor-table instructions (desc.c) */
        for (unsigned c = SVM_EXIT_IDTR_RD; c <= SVM_EXIT_TR_WR; c++)
            icpt |= ICPT(c);
    put64(cb + CB_ICPT, icpt);
    put32(cb + CB_EXC, 0xffffffffu); /* every exception: delivered or exited by the model */
    uint16_t crr = 0, crw = 0;
    /* CR0 writes always reach the model: a mode switch the guest makes
     * without an exit must still be seen (state_write_cr0). */
    crw |= 1u << 0;
    if (vmcs_get(v, VMCS_CTRL_CR0_MASK))
        crr |= 1u << 0;
    if (vmcs_get(v, VMCS_CTRL_CR4_MASK) & ~(uint64_t)0x2000)
        crw |= 1u << 4;
    crr |= 1u << 4; /* CR4 reads: VMXE is the shadow's */
    if (cpu & CPU_BASED_CR3_STORE)
        crr |= 1u << 3;
    if (cpu & CPU_BASED_CR3_LOAD)
        crw |= 1u << 3;
    /* CR8: the engine has no APIC (reads give 0): the model holds it. */
    crr |= 1u << 8;
    crw |= 1u << 8;
    put16(cb + CB_CR_RD, crr);
    put16(cb + CB_CR_WR, crw);
    put16(cb + CB_DR_RD, 0xffff); /* the guest's debug registers are the model's */
    put16(cb + CB_DR_WR, 0xffff);
    put64(cb + CB_IOPM, X86_PRIV_GPA + X86_PRIV_IOPM);
    put64(cb + CB_MSRPM, X86_PRIV_GPA + X86_PRIV_MSRP);
    put32(cb + CB_ASID, 1);
    put64(cb + CB_TSC_OFF, 0);
    put32(cb + CB_INT_CTL, 0);
    put32(cb + CB_EVENT_INJ, v->inject_vec >= 0 ? 0x80000000u | (uint32_t)v->inject_vec : 0u);
    v->injecting = v->inject_vec >= 0;
    v->inject_vec = -1;
    put32(cb + CB_EVENT_ERR, 0);
}

/* The DR7 the stub programs: breakpoint 0 watches I/O (x86.h). */
#define IO_DR7 (0x400ull | 1ull | (2ull << 16))

hv_return_t state_load(struct x86_vcpu *v)
{
    uc_engine *uc = v->base.uc;
    uint8_t *p = v->priv;
    uint8_t *cb = p + X86_PRIV_VMCB;

    /* A control write (load_pending) can come while the VMCS still holds
     * the state of an earlier entry: take the engine's first. */
    state_sync(v);
    x86_mode_forget(v); /* the entry loads every mode register */

    /* What VMRUN does not load: general registers and x87/SSE state. */
    x86_fx_capture(v, p + PRIV_FX);
    for (int i = 0; i < 14; i++)
        put64(p + PRIV_GPR + 8 * i, rd(v, gpr_ids[i]));
    uint64_t rax = rd(v, UC_X86_REG_RAX), cr2 = rd(v, UC_X86_REG_CR2);
    uint64_t star = rd_msr(v, 0xc0000081), lstar = rd_msr(v, 0xc0000082),
             cstar = rd_msr(v, 0xc0000083), sfmask = rd_msr(v, 0xc0000084),
             kgs = rd_msr(v, 0xc0000102);

    memset(cb, 0, 0x1000);
    fill_controls(v, cb);
    for (unsigned s = 0; s < SEG_N; s++) {
        uint32_t f = seg_sel_field[s];
        unsigned slot = s < SEG_LDTR ? s : s == SEG_LDTR ? 7 : 9;
        put_seg(cb, slot, (uint16_t)vmcs_get(v, f), (uint32_t)vmcs_get(v, AR_OF(f)),
                (uint32_t)vmcs_get(v, LIMIT_OF(f)), vmcs_get(v, BASE_OF(f)));
        v->seg[s] =
            (struct x86_seg){(uint16_t)vmcs_get(v, f), vmcs_get(v, BASE_OF(f)),
                             (uint32_t)vmcs_get(v, LIMIT_OF(f)), (uint32_t)vmcs_get(v, AR_OF(f))};
    }
    put_seg(cb, 6, 0, 0, (uint32_t)vmcs_get(v, VMCS_GUEST_GDTR_LIMIT),
            vmcs_get(v, VMCS_GUEST_GDTR_BASE));
    put_seg(cb, 8, 0, 0, (uint32_t)vmcs_get(v, VMCS_GUEST_IDTR_LIMIT),
            vmcs_get(v, VMCS_GUEST_IDTR_BASE));
    cb[SA_CPL] = (uint8_t)((vmcs_get(v, VMCS_GUEST_SS_AR) >> 5) & 3u);
    uint64_t efer = vmcs_get(v, VMCS_GUEST_IA32_EFER) & ~0x400ull;
    if (vmcs_get(v, VMCS_CTRL_VMENTRY_CONTROLS) & VMENTRY_GUEST_IA32E)
        efer |= 0x400; /* LMA follows the entry control */
    put64(cb + SA_EFER, efer | 0x1000 /* SVME, as the host's */);
    put64(cb + SA_CR0, vmcs_get(v, VMCS_GUEST_CR0));
    put64(cb + SA_CR3, vmcs_get(v, VMCS_GUEST_CR3));
    put64(cb + SA_CR4, vmcs_get(v, VMCS_GUEST_CR4) & ~0x2000ull);
    put64(cb + SA_CR2, cr2);
    put64(cb + SA_DR7, IO_DR7);
    put64(cb + SA_DR6, 0xffff0ff0);
    put64(cb + SA_RFLAGS, vmcs_get(v, VMCS_GUEST_RFLAGS));
    put64(cb + SA_RIP, vmcs_get(v, VMCS_GUEST_RIP));
    put64(cb + SA_RSP, vmcs_get(v, VMCS_GUEST_RSP));
    put64(cb + SA_RAX, rax);
    put64(cb + SA_STAR, star);
    put64(cb + SA_LSTAR, lstar);
    put64(cb + SA_CSTAR, cstar);
    put64(cb + SA_SFMASK, sfmask);
    put64(cb + SA_KGSBASE, kgs);
    put64(cb + SA_SYSENTER_CS, vmcs_get(v, VMCS_GUEST_IA32_SYSENTER_CS));
    put64(cb + SA_SYSENTER_ESP, vmcs_get(v, VMCS_GUEST_SYSENTER_ESP));
    put64(cb + SA_SYSENTER_EIP, vmcs_get(v, VMCS_GUEST_SYSENTER_EIP));
    put64(cb + SA_GPAT, vmcs_get(v, VMCS_GUEST_IA32_PAT));

    v->efer_valid = false; /* the host's until the stub's VMRUN loads the guest's */
    if (uc_context_restore(uc, x86_host_context(v)) != UC_ERR_OK)
        return HV_ERROR;
    if (vmcs_get(v, VMCS_GUEST_CR0) & 0x80000000u) {
        /* VMRUN loads CR0 while EFER is still the host's (LME set), and the
         * engine drops a CR0.PG write under LME unless CR4.PAE is set. */
        uint64_t hcr4 = rd(v, UC_X86_REG_CR4) | 0x20u;
        uc_reg_write(uc, UC_X86_REG_CR4, &hcr4);
    }
    uint64_t dr7 = IO_DR7, dr0 = 0x20000;
    uc_reg_write(uc, UC_X86_REG_RAX, &dr7);
    uc_reg_write(uc, UC_X86_REG_DR0, &dr0);
    uint64_t stub = X86_PRIV_GPA + X86_PRIV_STUB;
    uc_reg_write(uc, UC_X86_REG_RIP, &stub);

    v->seg_mode = (uint16_t)((vmcs_get(v, VMCS_GUEST_CR0) & 1u) |
                             ((vmcs_get(v, VMCS_GUEST_RFLAGS) >> 16) & 2u) | ((efer >> 8) & 4u));
    v->load_pending = false;
    v->engine_is_live = true;
    v->vmcs_fresh = true;
    return HV_SUCCESS;
}

/* ---- guest memory through the guest's paging ---- */

static bool phys_read(struct x86_vcpu *v, uint64_t gpa, void *buf, size_t len)
{
    pthread_mutex_lock(&vm_lock);
    void *h = stage2_host(vcpu_s2(&v->base), gpa, len);
    if (h)
        memcpy(buf, h, len);
    pthread_mutex_unlock(&vm_lock);
    return h != NULL;
}

/* Paging-structure entries are little-endian x86 memory on every host. */
static bool phys_read32(struct x86_vcpu *v, uint64_t gpa, uint32_t *out)
{
    uint8_t b[4];
    if (!phys_read(v, gpa, b, 4))
        return false;
    *out = hvt_get32(b);
    return true;
}

static bool phys_read64(struct x86_vcpu *v, uint64_t gpa, uint64_t *out)
{
    uint8_t b[8];
    if (!phys_read(v, gpa, b, 8))
        return false;
    *out = hvt_get64(b);
    return true;
}

/* ---- the mode registers (x86_vcpu.mode) ---- */

static void mode_read(struct x86_vcpu *v, struct x86_mode *m)
{
    static const int ids[5] = {UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4, UC_X86_REG_RFLAGS,
                               UC_X86_REG_CS};
    uint64_t r[5];
    x86_rd_n(v, ids, r, 5);
    m->cr0 = r[0];
    m->cr3 = r[1];
    m->cr4 = r[2];
    m->rflags = r[3];
    m->cs_sel = (uint16_t)r[4];
    m->efer = x86_efer(v);
    m->bits = (unsigned)((m->cr0 & 1u) | ((m->rflags >> 16) & 2u) | ((m->efer >> 8) & 4u));
    m->valid = true;
    m->cs_valid = false;
}

/* The mode registers now: kept in v->mode inside x86_run, else read into
 * *tmp each time. */
static const struct x86_mode *mode_now(struct x86_vcpu *v, struct x86_mode *tmp)
{
    if (!v->mode_on) {
        mode_read(v, tmp);
        return tmp;
    }
    if (!v->mode.valid)
        mode_read(v, &v->mode);
    return &v->mode;
}

/* The walk of the guest's paging structures; an entry with no RAM behind
 * it stops it, its guest-physical address in *gap (when gap is given). */
static bool walk(struct x86_vcpu *v, uint64_t la, uint64_t *pa, uint64_t *gap)
{
    uint64_t at = 0; /* the entry being read */
    struct x86_mode tmp;
    const struct x86_mode *m = mode_now(v, &tmp);
    uint64_t cr0 = m->cr0, cr4 = m->cr4, cr3 = m->cr3, efer = m->efer;
    if (!(cr0 & 0x80000000u)) {
        *pa = (efer & 0x400) ? la : (uint32_t)la;
        return true;
    }
    const uint64_t addr = 0x000ffffffffff000ull;
    if (!(cr4 & 0x20)) { /* 32-bit paging */
        uint32_t pde, pte;
        la = (uint32_t)la;
        at = (cr3 & 0xfffff000u) + ((la >> 22) << 2);
        if (!phys_read32(v, at, &pde))
            goto no_ram;
        if (!(pde & 1))
            return false;
        if ((pde & 0x80) && (cr4 & 0x10)) {
            *pa = (pde & 0xffc00000u) | (la & 0x3fffffu);
            return true;
        }
        at = (pde & 0xfffff000u) + (((la >> 12) & 0x3ffu) << 2);
        if (!phys_read32(v, at, &pte))
            goto no_ram;
        if (!(pte & 1))
            return false;
        *pa = (pte & 0xfffff000u) | (la & 0xfffu);
        return true;
    }
    uint64_t e, table;
    int level;
    if (efer & 0x400) {
        table = cr3 & addr;
        level = 4;
    } else {
        la = (uint32_t)la;
        if (!phys_read64(v, (cr3 & 0xffffffe0u) + ((la >> 30) << 3), &e) || !(e & 1))
            return false;
        table = e & addr;
        level = 2;
    }
    for (; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        at = table + (((la >> shift) & 0x1ffu) << 3);
        if (!phys_read64(v, at, &e))
            goto no_ram;
        if (!(e & 1))
            return false;
        if (level > 1 && level < 4 && (e & 0x80)) {
            uint64_t size = 1ull << shift;
            *pa = (e & addr & ~(size - 1)) | (la & (size - 1));
            return true;
        }
        table = e & addr;
    }
    *pa = table | (la & 0xfffu);
    return true;
no_ram:
    if (gap)
        *gap = at;
    return false;
}

bool state_translate(struct x86_vcpu *v, uint64_t la, uint64_t *pa)
{
    return walk(v, la, pa, NULL);
}

bool state_walk_gap(struct x86_vcpu *v, uint64_t la, uint64_t *gap)
{
    uint64_t pa;
    *gap = UINT64_MAX;
    return !walk(v, la, &pa, gap) && *gap != UINT64_MAX;
}

bool state_read_linear(struct x86_vcpu *v, uint64_t la, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        size_t chunk = 0x1000u - (la & 0xfffu);
        if (chunk > len)
            chunk = len;
        uint64_t pa;
        if (!state_translate(v, la, &pa) || !phys_read(v, pa, out, chunk))
            return false;
        la += chunk;
        out += chunk;
        len -= chunk;
    }
    return true;
}

bool state_read_u16(struct x86_vcpu *v, uint64_t la, uint16_t *out)
{
    uint8_t b[2];
    if (!state_read_linear(v, la, b, 2))
        return false;
    *out = hvt_get16(b);
    return true;
}

bool state_read_desc(struct x86_vcpu *v, uint64_t la, uint32_t d[2])
{
    uint8_t b[8];
    if (!state_read_linear(v, la, b, 8))
        return false;
    d[0] = hvt_get32(b);
    d[1] = hvt_get32(b + 4);
    return true;
}

/* ---- back into the VMCS ---- */

static void derive_seg(struct x86_vcpu *v, unsigned s, uint16_t sel, unsigned mode)
{
    struct x86_seg *g = &v->seg[s];
    if (sel == g->sel && mode == v->seg_mode)
        return;
    if (!(mode & 1u)) { /* real mode: selector and base change */
        g->sel = sel;
        g->base = (uint64_t)sel << 4;
        return;
    }
    if (mode & 2u) { /* virtual-8086 */
        *g = (struct x86_seg){sel, (uint64_t)sel << 4, 0xffff, 0xf3};
        return;
    }
    g->sel = sel;
    if ((sel & 0xfffcu) == 0) {
        g->base = 0;
        g->limit = 0;
        g->ar = 0x10000u; /* unusable */
        return;
    }
    uint64_t tbase;
    uint32_t tlimit;
    if (sel & 4u) {
        tbase = v->seg[SEG_LDTR].base;
        tlimit = v->seg[SEG_LDTR].limit;
    } else {
        uc_x86_mmr gdtr = {0};
        uc_reg_read(v->base.uc, UC_X86_REG_GDTR, &gdtr);
        tbase = gdtr.base;
        tlimit = gdtr.limit;
    }
    uint32_t d[2];
    if ((sel & 0xfff8u) + 7u > tlimit || !state_read_desc(v, tbase + (sel & 0xfff8u), d)) {
        g->ar = 0x10000u;
        return;
    }
    uint32_t limit = (d[0] & 0xffffu) | (d[1] & 0xf0000u);
    if (d[1] & 0x800000u)
        limit = (limit << 12) | 0xfffu;
    g->base = (d[0] >> 16) | ((d[1] & 0xffu) << 16) | (d[1] & 0xff000000u);
    g->limit = limit;
    g->ar = ((d[1] >> 8) & 0xf0ffu) | 1u; /* loading sets the accessed bit */
}

void state_sync(struct x86_vcpu *v)
{
    if (v->vmcs_fresh || !v->engine_is_live)
        return;
    v->vmcs_fresh = true;
    uint64_t cr0 = rd(v, UC_X86_REG_CR0), rflags = rd(v, UC_X86_REG_RFLAGS);
    uint64_t efer = x86_efer(v) & ~0x1000ull;
    unsigned mode = (unsigned)((cr0 & 1u) | ((rflags >> 16) & 2u) | ((efer >> 8) & 4u));
    uc_x86_mmr m = {0};
    uc_reg_read(v->base.uc, UC_X86_REG_LDTR, &m);
    v->seg[SEG_LDTR] = (struct x86_seg){m.selector, m.base, m.limit,
                                        m.flags ? ((m.flags >> 8) & 0xf0ffu) : 0x10000u};
    uc_reg_read(v->base.uc, UC_X86_REG_TR, &m);
    v->seg[SEG_TR] = (struct x86_seg){m.selector, m.base, m.limit, (m.flags >> 8) & 0xf0ffu};
    /* LTR leaves the TSS busy in TR as in its descriptor; the engine's LTR
     * marks only the descriptor, so an available type reads back busy. */
    if ((v->seg[SEG_TR].ar & 0x1du) == 0x9u || (v->seg[SEG_TR].ar & 0x1du) == 0x1u)
        v->seg[SEG_TR].ar |= 2u;
    static const int sel_ids[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                   UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
    for (unsigned s = 0; s < 6; s++)
        derive_seg(v, s, (uint16_t)rd(v, sel_ids[s]), mode);
    if (mode & 1u) {
        v->seg[SEG_FS].base = rd_msr(v, 0xc0000100);
        v->seg[SEG_GS].base = rd_msr(v, 0xc0000101);
    }
    v->seg_mode = (uint16_t)mode;
    for (unsigned s = 0; s < SEG_N; s++) {
        uint32_t f = seg_sel_field[s];
        vmcs_set(v, f, v->seg[s].sel);
        vmcs_set(v, BASE_OF(f), v->seg[s].base);
        vmcs_set(v, LIMIT_OF(f), v->seg[s].limit);
        vmcs_set(v, AR_OF(f), v->seg[s].ar);
    }
    uc_reg_read(v->base.uc, UC_X86_REG_GDTR, &m);
    vmcs_set(v, VMCS_GUEST_GDTR_BASE, m.base);
    vmcs_set(v, VMCS_GUEST_GDTR_LIMIT, m.limit);
    uc_reg_read(v->base.uc, UC_X86_REG_IDTR, &m);
    vmcs_set(v, VMCS_GUEST_IDTR_BASE, m.base);
    vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, m.limit);
    vmcs_set(v, VMCS_GUEST_CR0, cr0);
    vmcs_set(v, VMCS_GUEST_CR3, rd(v, UC_X86_REG_CR3));
    vmcs_set(v, VMCS_GUEST_CR4, rd(v, UC_X86_REG_CR4) | 0x2000u);
    vmcs_set(v, VMCS_GUEST_IA32_EFER, efer);
    vmcs_set(v, VMCS_GUEST_RIP, rd(v, UC_X86_REG_RIP));
    vmcs_set(v, VMCS_GUEST_RSP, rd(v, UC_X86_REG_RSP));
    vmcs_set(v, VMCS_GUEST_RFLAGS, rflags);
    vmcs_set(v, VMCS_GUEST_IA32_SYSENTER_CS, rd_msr(v, 0x174));
    vmcs_set(v, VMCS_GUEST_SYSENTER_ESP, rd_msr(v, 0x175));
    vmcs_set(v, VMCS_GUEST_SYSENTER_EIP, rd_msr(v, 0x176));
    vmcs_set(v, VMCS_GUEST_IA32_PAT, rd_msr(v, 0x277));
    vmcs_set(v, VMCS_GUEST_DR7, v->dr[7]);
}

/* A CR0 write the model completes without an exit. Changing CR0.PE (or
 * CR0.PG, and with it EFER.LMA) does not touch the segment caches: only a
 * segment load does (SDM vol. 3A, 9.9.1 and 9.9.2; a real-mode BIOS returns
 * from 32-bit code through 16-bit protected mode and keeps the 16-bit
 * caches there). So the caches are brought up to date in the old mode, and
 * the new mode is recorded with them: at the next sync every selector the
 * guest has not reloaded since keeps its cache, and a reloaded one is
 * derived in the mode it was loaded in. */
void state_write_cr0(struct x86_vcpu *v, uint64_t value)
{
    state_sync(v);
    x86_mode_forget(v);
    uc_reg_write(v->base.uc, UC_X86_REG_CR0, &value);
    v->efer_valid = false; /* the engine may have changed LMA */
    uint64_t rflags = rd(v, UC_X86_REG_RFLAGS), efer = x86_efer(v);
    v->seg_mode = (uint16_t)((value & 1u) | ((rflags >> 16) & 2u) | ((efer >> 8) & 4u));
    v->vmcs_fresh = false;
}

/* Only CS's cache, for decoding at RIP; the full state_sync() is for VMCS
 * reads. Between syncs CS is derived into cs_now, leaving seg[] as the
 * last sync knew it. */
static const struct x86_seg *current_cs(struct x86_vcpu *v, unsigned *mode)
{
    if (v->vmcs_fresh || !v->engine_is_live) {
        *mode = v->seg_mode;
        return &v->seg[SEG_CS];
    }
    if (v->mode_on && v->mode.valid && v->mode.cs_valid) {
        *mode = v->mode.bits;
        return &v->cs_now;
    }
    struct x86_mode tmp;
    const struct x86_mode *m = mode_now(v, &tmp);
    *mode = m->bits;
    struct x86_seg keep = v->seg[SEG_CS];
    derive_seg(v, SEG_CS, m->cs_sel, *mode);
    v->cs_now = v->seg[SEG_CS];
    v->seg[SEG_CS] = keep;
    if (m == &v->mode && v->mode.valid)
        v->mode.cs_valid = true;
    return &v->cs_now;
}

unsigned state_code_bits(struct x86_vcpu *v)
{
    unsigned mode;
    uint32_t ar = current_cs(v, &mode)->ar;
    if ((mode & 4u) && (ar & 0x2000u))
        return 64;
    return (ar & 0x4000u) ? 32 : 16;
}

uint64_t state_rip_linear(struct x86_vcpu *v)
{
    unsigned mode;
    const struct x86_seg *cs = current_cs(v, &mode);
    uint64_t la = cs->base + rd(v, UC_X86_REG_RIP);
    return ((mode & 4u) && (cs->ar & 0x2000u)) ? la : (uint32_t)la;
}

size_t state_read_code(struct x86_vcpu *v, uint8_t *buf, size_t n)
{
    uint64_t la = state_rip_linear(v);
    while (n && !state_read_linear(v, la, buf, n))
        n--;
    return n;
}

/* Fields the engine takes from a plain register write keep the engine live;
 * every other guest-state field makes the next entry a VMRUN load. */
void state_write_field(struct x86_vcpu *v, uint32_t field, uint64_t value)
{
    value &= vmcs_width_mask(field);
    x86_mode_forget(v);
    if (v->engine_is_live && !v->load_pending && !v->vmcs_fresh &&
        (field == VMCS_GUEST_RIP || field == VMCS_GUEST_RSP)) {
        /* The engine takes it as it is, and no other field depends on it:
         * no sync needed (the next one reads it back). */
        uc_reg_write(v->base.uc, field == VMCS_GUEST_RIP ? UC_X86_REG_RIP : UC_X86_REG_RSP, &value);
        vmcs_set(v, field, value);
        return;
    }
    state_sync(v);
    vmcs_set(v, field, value);
    if (!v->engine_is_live || v->load_pending) {
        v->load_pending = true;
        return;
    }
    uc_engine *uc = v->base.uc;
    switch (field) {
    case VMCS_GUEST_RIP: uc_reg_write(uc, UC_X86_REG_RIP, &value); return;
    case VMCS_GUEST_RSP: uc_reg_write(uc, UC_X86_REG_RSP, &value); return;
    case VMCS_GUEST_CR3: uc_reg_write(uc, UC_X86_REG_CR3, &value); return;
    case VMCS_GUEST_DR7: v->dr[7] = value; return;
    case VMCS_GUEST_RFLAGS:
        if (!((value ^ rd(v, UC_X86_REG_RFLAGS)) & 0x20000u)) {
            uc_reg_write(uc, UC_X86_REG_RFLAGS, &value);
            return;
        }
        break;
    case VMCS_GUEST_GDTR_BASE:
    case VMCS_GUEST_GDTR_LIMIT:
    case VMCS_GUEST_IDTR_BASE:
    case VMCS_GUEST_IDTR_LIMIT: {
        bool g = field == VMCS_GUEST_GDTR_BASE || field == VMCS_GUEST_GDTR_LIMIT;
        uc_x86_mmr m = {0};
        m.base = vmcs_get(v, g ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE);
        m.limit = (uint32_t)vmcs_get(v, g ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT);
        uc_reg_write(uc, g ? UC_X86_REG_GDTR : UC_X86_REG_IDTR, &m);
        return;
    }
    case VMCS_GUEST_INTERRUPTIBILITY:
    case VMCS_GUEST_ACTIVITY_STATE:
    case VMCS_GUEST_LINK_POINTER:
    case VMCS_GUEST_DEBUG_EXC:
    case VMCS_GUEST_VMX_TIMER_VALUE:
    case VMCS_GUEST_PDPTE0:
    case VMCS_GUEST_PDPTE1:
    case VMCS_GUEST_PDPTE2:
    case VMCS_GUEST_PDPTE3: return;
    }
    v->load_pending = true;
}

uint64_t state_read_field(struct x86_vcpu *v, uint32_t field)
{
    if (!v->vmcs_fresh && v->engine_is_live && !v->load_pending) {
        /* The fields state_sync() copies straight from an engine register:
         * read that register, without the whole sync. */
        switch (field) {
        case VMCS_GUEST_RIP: return rd(v, UC_X86_REG_RIP);
        case VMCS_GUEST_RSP: return rd(v, UC_X86_REG_RSP);
        case VMCS_GUEST_RFLAGS: return rd(v, UC_X86_REG_RFLAGS);
        case VMCS_GUEST_CR0: return rd(v, UC_X86_REG_CR0);
        case VMCS_GUEST_CR3: return rd(v, UC_X86_REG_CR3);
        case VMCS_GUEST_CR4: return rd(v, UC_X86_REG_CR4) | 0x2000u;
        default: break;
        }
    }
    state_sync(v);
    return vmcs_get(v, field);
}
