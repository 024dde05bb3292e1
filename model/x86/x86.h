/*
 * x86.h — the x86 (Intel VMX) flavour: the vCPU, its VMCS, and how the
 * engine is driven. Design and every choice: docs/x86.md.
 *
 * In short: the guest runs on Unicorn's x86-64 engine as an AMD SVM guest of
 * a tiny model-owned host stub. The VMCS is the model's own store; a VM entry
 * that must load guest state the engine cannot take from host register
 * writes (segment caches, CR0/CR4/EFER) runs the stub, whose VMRUN loads the
 * state from a VMCB the model fills from the VMCS. The SVM intercepts the
 * model sets (CPUID, HLT, MSR, RDTSC(P), CR/DR access, INVLPG, descriptor
 * tables, software interrupts, every exception) reach the model through the
 * engine's interrupt hook with the guest state intact; port I/O stops
 * exactly through an I/O breakpoint; EPT violations are the engine's
 * unmapped/protected memory faults against the model's stage-2 table.
 */
#ifndef HVMODEL_X86_H
#define HVMODEL_X86_H

#include <capstone/capstone.h>

#include "hvm.h"
#include "../../trace/format.h" /* hvt_put* / hvt_get*: little-endian bytes */

/* Model-owned pages, mapped in each vCPU's engine above the guest's
 * physical address width (40 bits), so no guest page table can reach them. */
#define X86_PRIV_GPA  0x10000000000ull /* 1 TiB */
#define X86_PRIV_SIZE 0x10000u
#define X86_PRIV_STUB 0x0000u /* host stub code */
#define X86_PRIV_VMCB 0x1000u
#define X86_PRIV_HSAV 0x2000u
#define X86_PRIV_IOPM 0x4000u /* 12 KiB */
#define X86_PRIV_MSRP 0x8000u /* 8 KiB */

/* Guest physical addresses the VMM may map: below 2^39 (hvmodel's choice,
 * the physical width of the Intel Macs that ran Hypervisor.framework). */
#define X86_GPA_BITS 39u
/* Refused writes logged after a stage-2 fault (FNSAVE stores 7 fields). */
#define X86_MEM_LOG 8u

/* Segment registers in VMCS order. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_N };

struct x86_seg {
    uint16_t sel;
    uint64_t base;
    uint32_t limit;
    uint32_t ar; /* VMX access-rights format; bit 16 = unusable */
};

#define VMCS_SLOTS 512u

/* Why the engine last stopped (set by the hooks, read by the run loop). */
enum x86_stop {
    X86_STOP_NONE,
    X86_STOP_EXIT,    /* an exit for the VMM is ready in the VMCS */
    X86_STOP_MEM,     /* an EPT violation (mem_* fields) */
    X86_STOP_BUDGET,  /* stop_at reached: kick, deadline or stage-2 resync */
    X86_STOP_DELIVER, /* an event must be delivered to the guest (deliver.c) */
    X86_STOP_TIMER,   /* the preemption timer expires in this block (timer.c) */
    X86_STOP_HALT,    /* the guest's HLT retired: the vCPU waits (halt.c) */
    X86_STOP_RESUME,  /* the model completed an instruction: run on from RIP */
};

struct x86_vcpu {
    struct hvm_vcpu base;

    uint64_t vmcs[VMCS_SLOTS];
    uint64_t options; /* hv_vcpu_options_t */

    /* Guest state: engine_is_live means the engine holds the current guest
     * state (the VMCS guest-state fields are refreshed from it on demand,
     * vmcs_fresh); load_pending means the VMCS holds state the engine must
     * take at the next entry through VMRUN. */
    bool engine_is_live;
    bool vmcs_fresh;
    bool load_pending;
    struct x86_seg seg[SEG_N]; /* segment caches as last known */
    struct x86_seg cs_now;     /* CS derived between syncs (state.c) */
    /* The registers that decide how guest code and addresses are read
     * (state.c: current_cs, the paging walk), read once while x86_run
     * handles an exit (mode_on) and kept until something may change them:
     * the guest running (every hook entry but the #DB that ends an I/O
     * instruction), an x86_wr of CS, CR0, CR3, CR4 or RFLAGS, an MSR write,
     * a state load or a guest-state field write (x86_mode_forget). */
    struct x86_mode {
        uint64_t cr0, cr3, cr4, rflags, efer;
        uint16_t cs_sel;
        unsigned bits; /* CR0.PE | RFLAGS.VM<<1 | EFER.LMA<<2 */
        bool valid;    /* the registers above */
        bool cs_valid; /* cs_now is CS derived from them */
    } mode;
    bool mode_on;      /* inside x86_run: the mode may be kept */
    uint16_t seg_mode; /* CR0.PE | RFLAGS.VM<<1 | LMA<<2 when seg[] was known */
    uint64_t dr[8];    /* the guest's debug registers (virtual) */
    uint64_t xcr0;
    uint64_t tpr;              /* the guest's CR8 (HV_X86_TPR): the engine has no APIC to hold it */
    uint64_t tsc_offset_model; /* hv_vm_sync_tsc / set_tsc_relative */

    /* Native MSRs enabled with hv_vcpu_enable_native_msr, and the values of
     * those the engine does not hold. */
    uint32_t native_msr[32];
    unsigned native_n;

    /* The guest's EFER as last read from the engine (x86_efer). It changes
     * only where the model acts: a VMRUN load, an MSR write (every guest
     * RDMSR/WRMSR is intercepted), a CR0 write (always intercepted: LMA),
     * so those forget it, as does every engine run that starts at the stub
     * or ends other than in an exit a hook took or a stage-2 fault (after
     * those the engine holds the guest's EFER, and a run from RIP starts
     * with it). */
    uint64_t efer_cache;
    bool efer_valid;

    uint8_t *priv;        /* X86_PRIV_SIZE bytes, mapped at X86_PRIV_GPA */
    uc_context *host_ctx; /* the host mode the stub runs in */

    /* Instruction counting: the last block the engine entered. */
    uint64_t blk_addr;
    uint32_t blk_size;
    uint32_t blk_icount;
    uint64_t blk_icount_base; /* icount before that block */

    /* Stop bookkeeping from the hooks. */
    enum x86_stop stop;
    uint64_t mem_gpa;
    uint32_t mem_access; /* EPT qualification bits 0..2 */
    /* The writes the stage-2 map refused since that stop: the engine's
     * helpers go on storing after the first (x87.c). */
    struct {
        uint64_t gpa, value;
        uint8_t size;
    } mem_log[X86_MEM_LOG];
    unsigned mem_nlog;
    bool io_pending; /* the I/O hook saw an access; its #DB follows */
    uint32_t io_port, io_size, io_dir;
    uint64_t io_rip;
    uint64_t io_rax;
    uint64_t io_rcx, io_rsi, io_rdi;
    uint8_t io_insn[15]; /* the I/O instruction's bytes, as the hook decoded it */
    uint32_t io_len;     /* its length (0: not decoded) */

    /* An event to deliver through the guest's IVT/IDT (deliver.c). */
    bool event_pending;
    bool event_retires; /* the guest's own INT n/INT3/INTO: retired once delivered */
    uint32_t event_info, event_err, event_len;
    uint64_t event_cr2;
    int inject_vec; /* VMRUN delivers this vector (-1: none) */
    /* The event that vector delivers, until the handler's first block runs
     * (an EPT violation in between exits with it as IDT-vectoring
     * information, exit.c). */
    bool injecting;
    bool inject_retired; /* the delivery counted the guest's INT n as retired */
    uint32_t inject_info, inject_err, inject_len;
    bool pending_errcode; /* deliver: push this error code in the handler's first block */
    uint32_t errcode;
    uint32_t errcode_width;

    /* Event blocking and windows (deliver.c). The guest's STI / MOV-SS
     * blocking is followed exactly by a per-instruction hook, installed only
     * while an interrupt/NMI window, MTF, blocking by NMI or an expiring
     * preemption timer needs it; otherwise it is derived at the exit from
     * the block before RIP (the engine ends a block after STI and MOV SS). */
    uc_hook step;          /* the per-instruction hook (0: none) */
    bool step_precise;     /* installed for the timer's last block only */
    uint32_t step_n;       /* instructions of the current block it has seen */
    uint8_t shadow;        /* blocking (1 STI, 2 MOV SS) of the instruction at RIP */
    uint8_t shadow_next;   /* ... of the next instruction */
    uint64_t shadow_la;    /* the instruction `shadow` belongs to */
    bool nmi_blocked;      /* blocking by NMI (interruptibility bit 3) */
    bool iret_seen;        /* an IRET is executing: NMI blocking ends after it */
    bool event_entered;    /* this entry delivered an event (MTF exits after it) */
    bool mtf_injected;     /* the entry injected a pending MTF exit (other event 0) */
    uint64_t entry_icount; /* icount at the last VM entry */
    uint8_t entry_shadow;  /* STI/MOV-SS blocking the VMM entered with */
    uint64_t tb_start;     /* the current block (block_hook), and the one before */
    uint32_t tb_size;
    uint64_t tb_prev;
    uint32_t tb_prev_size;

    /* The VMX preemption timer (timer.c): the icount at which it expires
     * (UINT64_MAX: not armed) and its value in timer periods at entry. */
    uint64_t timer_at;
    uint64_t timer_end_period; /* TSC >> MISC rate at which it reads 0 */
};

static inline struct x86_vcpu *x86(struct hvm_vcpu *v)
{
    return (struct x86_vcpu *)v;
}

extern const struct hvm_arch_ops x86_ops;
extern pthread_mutex_t vm_lock; /* vm.c */

/* Forgets the registers read for the exit path (x86_vcpu.mode). */
static inline void x86_mode_forget(struct x86_vcpu *v)
{
    v->mode.valid = false;
}

/* The engine registers x86_vcpu.mode holds. */
static inline bool x86_mode_reg(int reg)
{
    return reg == UC_X86_REG_CS || reg == UC_X86_REG_CR0 || reg == UC_X86_REG_CR3 ||
           reg == UC_X86_REG_CR4 || reg == UC_X86_REG_RFLAGS || reg == UC_X86_REG_EFLAGS;
}

/* A register of any width (the engine stores 8, 16, 32 or 64 bits at the
 * pointer it is given) as a 64-bit value. On a little-endian host a zeroed
 * 64-bit variable takes every width; a big-endian host asks the engine for
 * the width, so the replayer computes the same on every host. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t x86_rd(struct x86_vcpu *v, int reg)
{
    uint64_t x = 0;
    uc_reg_read(v->base.uc, reg, &x);
    return x;
}

static inline void x86_wr(struct x86_vcpu *v, int reg, uint64_t x)
{
    if (x86_mode_reg(reg))
        x86_mode_forget(v);
    uc_reg_write(v->base.uc, reg, &x);
}

/* n registers (at most 8) in one engine call. */
static inline void x86_rd_n(struct x86_vcpu *v, const int *regs, uint64_t *vals, int n)
{
    void *p[8];
    for (int i = 0; i < n; i++) {
        vals[i] = 0;
        p[i] = &vals[i];
    }
    uc_reg_read_batch(v->base.uc, regs, p, n);
}

static inline void x86_wr_n(struct x86_vcpu *v, const int *regs, const uint64_t *vals, int n)
{
    void *p[8];
    for (int i = 0; i < n; i++) {
        if (x86_mode_reg(regs[i]))
            x86_mode_forget(v);
        p[i] = (void *)&vals[i];
    }
    uc_reg_write_batch(v->base.uc, regs, p, n);
}
#else
union x86_regval {
    uint64_t q;
    uint32_t d;
    uint16_t w;
    uint8_t b;
};

static inline uint64_t x86_rd(struct x86_vcpu *v, int reg)
{
    union x86_regval u = {0};
    size_t size = sizeof(u);
    uc_reg_read2(v->base.uc, reg, &u, &size);
    return size == 1 ? u.b : size == 2 ? u.w : size == 4 ? u.d : u.q;
}

static inline void x86_wr(struct x86_vcpu *v, int reg, uint64_t x)
{
    union x86_regval u = {0};
    size_t size = sizeof(u);
    if (x86_mode_reg(reg))
        x86_mode_forget(v);
    uc_reg_read2(v->base.uc, reg, &u, &size); /* learn the width */
    if (size == 1)
        u.b = (uint8_t)x;
    else if (size == 2)
        u.w = (uint16_t)x;
    else if (size == 4)
        u.d = (uint32_t)x;
    else
        u.q = x;
    uc_reg_write(v->base.uc, reg, &u);
}

static inline void x86_rd_n(struct x86_vcpu *v, const int *regs, uint64_t *vals, int n)
{
    for (int i = 0; i < n; i++)
        vals[i] = x86_rd(v, regs[i]);
}

static inline void x86_wr_n(struct x86_vcpu *v, const int *regs, const uint64_t *vals, int n)
{
    for (int i = 0; i < n; i++)
        x86_wr(v, regs[i], vals[i]);
}
#endif

/* ---- vmcs.c ---- */
enum vmcs_class {
    VMCS_NONE,       /* not a field */
    VMCS_GUEST,      /* guest state, read/write */
    VMCS_GUEST_COND, /* CR0 (no CD/NW), activity state (ACTIVE/HLT) */
    VMCS_CTRL,       /* control, read/write */
    VMCS_CTRL_CAP,   /* control, writable within hv_vmx_read_capability */
    VMCS_CTRL_RO,    /* control, read-only to the VMM */
    VMCS_EXIT_RO,    /* exit information, read-only */
    VMCS_OWNED,      /* the framework's (host state, EPTP, bitmaps...) */
};
/* The slot of a known field's encoding in x86_vcpu.vmcs: width (bits
 * 14:13), type (11:10) and index (5:1; every field has an index below 32,
 * vmcs.c checks). For a constant field it is a constant: the model's own
 * accesses look nothing up. Always below VMCS_SLOTS. */
#define VMCS_SLOT(f)                                                                               \
    ((((uint32_t)(f) >> 13) & 3u) * 128u + (((uint32_t)(f) >> 10) & 3u) * 32u +                    \
     (((uint32_t)(f) >> 1) & 0x1fu))
/* Slot of a field in x86_vcpu.vmcs, or -1 for an unknown encoding (the
 * check for encodings a VMM passes). */
int vmcs_slot(uint32_t field);
enum vmcs_class vmcs_class_of(uint32_t field);
/* The capability pair (allowed-0 low, allowed-1 high) constraining a
 * VMCS_CTRL_CAP field. */
uint64_t vmcs_field_cap(uint32_t field);
bool vmx_capability(uint32_t which, uint64_t *value);
/* The bits a field holds, from its encoding's width (bits 14:13): a VMM's
 * write keeps only these, as VMWRITE does. */
static inline uint64_t vmcs_width_mask(uint32_t field)
{
    switch ((field >> 13) & 3u) {
    case 0: return 0xffffu;     /* 16-bit */
    case 2: return 0xffffffffu; /* 32-bit */
    default: return ~0ull;      /* 64-bit, natural width */
    }
}
static inline uint64_t vmcs_get(const struct x86_vcpu *v, uint32_t field)
{
    return v->vmcs[VMCS_SLOT(field)];
}
static inline void vmcs_set(struct x86_vcpu *v, uint32_t field, uint64_t value)
{
    v->vmcs[VMCS_SLOT(field)] = value;
}
/* Power-on guest state and default controls. */
void vmcs_reset(struct x86_vcpu *v);

/* ---- state.c ---- */
/* Prepares the engine to take the VMCS guest state: the next uc_emu_start
 * at the stub VMRUNs it (and delivers inject_vec, if any). */
hv_return_t state_load(struct x86_vcpu *v);
/* Brings the VMCS guest-state fields up to date with the engine. */
void state_sync(struct x86_vcpu *v);
/* Writes CR0 for the guest (no exit), keeping the segment caches across
 * the mode change. */
void state_write_cr0(struct x86_vcpu *v, uint64_t value);
/* Writes one guest-state VMCS field (after class checks). */
void state_write_field(struct x86_vcpu *v, uint32_t field, uint64_t value);
/* Reads the current guest value of a segment, CRn... through state_sync. */
uint64_t state_read_field(struct x86_vcpu *v, uint32_t field);
/* The current CPU mode for decoding: 16, 32 or 64. */
unsigned state_code_bits(struct x86_vcpu *v);
/* Guest linear -> physical through the guest's paging (no faults); false if
 * not mapped by the guest's tables. */
bool state_translate(struct x86_vcpu *v, uint64_t linear, uint64_t *phys);
/* True when the guest's walk for `linear` reads a paging-structure entry
 * with no RAM behind it; *gap is that entry's guest-physical address. */
bool state_walk_gap(struct x86_vcpu *v, uint64_t linear, uint64_t *gap);
/* Reads guest memory at a linear address (code bytes, descriptor tables). */
bool state_read_linear(struct x86_vcpu *v, uint64_t linear, void *buf, size_t len);
/* A little-endian word / an 8-byte descriptor (as two dwords) of guest
 * memory at a linear address, on every host. */
bool state_read_u16(struct x86_vcpu *v, uint64_t linear, uint16_t *out);
bool state_read_desc(struct x86_vcpu *v, uint64_t linear, uint32_t d[2]);

/* The engine's MSRs, read and written past the guest's intercepts. */
uint64_t x86_msr_get(struct x86_vcpu *v, uint32_t msr);
void x86_msr_set(struct x86_vcpu *v, uint32_t msr, uint64_t value);
/* The guest's EFER (cached between the model's own changes, see efer_cache). */
uint64_t x86_efer(struct x86_vcpu *v);
/* Code at RIP: its linear address, and up to n readable bytes of it. */
uint64_t state_rip_linear(struct x86_vcpu *v);
size_t state_read_code(struct x86_vcpu *v, uint8_t *buf, size_t n);

/* The saved host context the stub runs in (vcpu.c). */
uc_context *x86_host_context(struct x86_vcpu *v);

/* ---- exit.c ---- */
hv_return_t x86_run(struct x86_vcpu *v, uint64_t deadline);
void x86_hooks_install(struct x86_vcpu *v);
uint64_t x86_tsc(struct x86_vcpu *v);

/* Zeroes every exit-information field (no stale values in a new exit). */
void x86_exit_clear(struct x86_vcpu *v);
/* Capstone handles for 16/32/64-bit code (detail: operand details on). */
csh x86_capstone(unsigned bits, bool detail);

/* Ends the run with an exit for the VMM (from a hook): reason,
 * qualification and instruction length; the other exit fields cleared. */
void x86_exit_to_vmm(struct x86_vcpu *v, uint32_t reason, uint64_t qual, uint32_t len);

/* ---- insn.c ---- */
/* The length (prefixes included) of the instruction in b[0..n) in
 * `bits`-bit code when it is one the exit path meets most (I/O, HLT,
 * CPUID, RDMSR/WRMSR, RDTSC(P), RDPMC, INVD/WBINVD, MONITOR/MWAIT, MOV
 * between a register and memory), else 0: decode it with Capstone, whose
 * length this one always equals. *io (if given): an IN/OUT/INS/OUTS. */
uint32_t x86_quick_len(const uint8_t *b, size_t n, unsigned bits, bool *io);

/* ---- x87.c ---- */
/* Logs a write the stage-2 map refused (the stage-2 fault hook). */
void x87_log_store(struct x86_vcpu *v, uint64_t gpa, int size, int64_t value);
/* After a stage-2 fault on a read or write: if the engine ran past an x87
 * instruction that stores from a helper (FNSTENV, FSTP m80, FNSAVE, FBSTP)
 * and whose operand lies on the faulting page, sets RIP back to it and
 * undoes what the engine did after the store. If that instruction, or the
 * one at RIP, is an x87 instruction whose operand lies on the page, sets
 * mem_gpa to the operand's first byte there and returns true. */
bool x87_fault(struct x86_vcpu *v);

/* ---- desc.c ---- */
/* Descriptor-table exiting: the exit for the LGDT/LIDT/SGDT/SIDT or
 * LLDT/LTR/SLDT/STR at RIP that raised SVM exit code `svm_code` (0x66..0x6d),
 * with its instruction information and qualification. */
void x86_desc_table_exit(struct x86_vcpu *v, uint32_t svm_code);

/* ---- timer.c ---- */
/* The preemption timer's rate: it counts down when bit X of the TSC
 * changes, X = IA32_VMX_MISC[4:0] (vmcs.c advertises it). */
#define X86_TIMER_SHIFT 5u
/* The TSC the timer counts (no guest offset) after `icount` instructions. */
uint64_t timer_tsc_at(const struct x86_vcpu *v, uint64_t icount);
/* VM entry: arms the timer from VMCS_GUEST_VMX_TIMER_VALUE if enabled. */
void timer_entry(struct x86_vcpu *v);
/* VM exit: stores the remaining value when the exit control asks for it;
 * disarms the timer. */
void timer_exit(struct x86_vcpu *v);

/* ---- deliver.c ---- */
/* Queues an event (interruption-information format) for delivery. */
void x86_queue_event(struct x86_vcpu *v, uint32_t info, uint32_t err, uint32_t len, uint64_t cr2);
/* Delivers the queued event: 0 when the next run enters the handler, 1
 * when the delivery ended in an exit for the VMM (already in the VMCS). */
int x86_deliver(struct x86_vcpu *v);
/* The #PF error code of a fault at `linear` by the instruction at RIP. */
uint32_t x86_pf_error(struct x86_vcpu *v, uint64_t linear);
/* The linear address of the memory operand of the instruction at RIP
 * (false: it has none or it cannot be decoded). */
bool x86_mem_operand(struct x86_vcpu *v, uint64_t *la);
/* The linear address the instruction at RIP accessed at guest-physical gpa. */
uint64_t x86_fault_linear(struct x86_vcpu *v, uint32_t access, uint64_t gpa);
/* VM entry: takes the interruptibility state the VMCS holds and installs
 * the per-instruction hook if a window, MTF, NMI blocking or `precise`
 * (the preemption timer's last block) needs it. */
void events_entry(struct x86_vcpu *v);
void events_arm(struct x86_vcpu *v, bool precise);
/* VM exit: removes the hook and stores the interruptibility state. */
void events_exit(struct x86_vcpu *v);

/* ---- halt.c ---- */
/* The VM-entry checks on the HLT activity state; false: the entry failed
 * (the exit is in the VMCS). */
bool halt_entry_check(struct x86_vcpu *v);
/* hv_vcpu_interrupt (or a replayed one) is due: the VMX_REASON_IRQ exit is
 * in the VMCS. */
bool x86_take_kick(struct x86_vcpu *v);
/* The vCPU in the HLT activity state waits for what ends it; returns with
 * the exit in the VMCS. `deadline` (icount) moves with the time waited. */
void halt_wait(struct x86_vcpu *v, uint64_t *deadline);

/* ---- segerr.c ---- */
/* The error code of the #GP/#NP/#SS/#TS (*vec) the instruction at RIP
 * raised; *vec is corrected where the SDM names another vector than the
 * engine raised (IRET to a not-present stack: #SS, not #NP). */
uint32_t x86_segment_error(struct x86_vcpu *v, unsigned *vec);
/* The descriptor (size 8 or 16 bytes) a selector names in the GDT/LDT;
 * false when it lies beyond the table's limit (or cannot be read). */
bool x86_read_desc(struct x86_vcpu *v, uint16_t sel, unsigned size, uint32_t d[4]);
/* The engine register of general register n (0 RAX .. 15 R15). */
uint32_t x86_gpr_uc(unsigned n);

/* ---- tpr.c ---- */
/* The VM-entry checks on "use TPR shadow"; false: the entry fails with
 * VM-instruction error 7 (in VMCS_RO_INSTR_ERROR). */
bool tpr_entry_check(struct x86_vcpu *v);
/* MOV to/from CR8 under the TPR shadow: 0 without it (the engine's CR8),
 * 1 done (*value read from or written to VTPR), 2 done and the trap-like
 * "TPR below threshold" exit is due, -1 #GP(0) (reserved bits). */
int tpr_mov_cr8(struct x86_vcpu *v, bool write, uint64_t *value);

/* ---- regs.c ---- */
hv_return_t regs_read(struct x86_vcpu *v, uint32_t reg, uint64_t *value);
hv_return_t regs_write(struct x86_vcpu *v, uint32_t reg, uint64_t value);
hv_return_t msr_read(struct x86_vcpu *v, uint32_t msr, uint64_t *value);
hv_return_t msr_write(struct x86_vcpu *v, uint32_t msr, uint64_t value);
bool msr_is_native(const struct x86_vcpu *v, uint32_t msr);
hv_return_t msr_enable_native(struct x86_vcpu *v, uint32_t msr, bool enable);
/* The FXSAVE image (512 bytes, little-endian as the architecture defines it
 * on every host) of the engine's x87/SSE state, and its restore. */
void x86_fx_capture(struct x86_vcpu *v, uint8_t fx[512]);
void x86_fx_restore(struct x86_vcpu *v, const uint8_t fx[512]);
hv_return_t fpstate_read(struct x86_vcpu *v, void *buf, size_t size);
hv_return_t fpstate_write(struct x86_vcpu *v, const void *buf, size_t size);

#endif
