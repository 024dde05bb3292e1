/*
 * hvm.h — the arch-neutral core of the model: the VM singleton, vCPU slots and
 * ownership, the stage-2/EPT table handle, the virtual clock and the arch ops
 * table each flavour exports. Internal: never included by public headers.
 */
#ifndef HVMODEL_HVM_H
#define HVMODEL_HVM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include <Hypervisor/Hypervisor.h>

#include "stage2.h"

/* One assert for internal invariants; on in every build. It never fires on
 * anything a caller or a guest can cause — those are error codes. */
#define HVM_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            hvm_assert_fail(#cond, __FILE__, __LINE__, __func__);                                  \
    } while (0)
void hvm_assert_fail(const char *cond, const char *file, int line, const char *func)
    __attribute__((noreturn));

#define HVM_MAX_VCPUS 64u

/* Guest-physical address spaces (the x86 flavour's hv_vm_space_*): space 0
 * is the default every vCPU starts in and the only one arm64 uses; each
 * space is its own stage-2/EPT table. HV_CAP_ADDRSPACEMAX reports this
 * count, the default space included (hvmodel's choice, docs/x86.md). */
#define HVM_MAX_SPACES 8u

/* Virtual time: CNTVCT/mach_absolute_time tick at 24 MHz as on Apple silicon,
 * and one tick is HVM_INSNS_PER_TICK retired guest instructions (a 960 MHz
 * virtual CPU retiring one instruction per cycle). */
#define HVM_CLOCK_HZ           24000000ull
#define HVM_INSNS_PER_TICK_DEF 40u

struct hvm_vcpu;
struct hvm_vm;
struct gic;

/* The one table each flavour exports (model/<arch>/vcpu.c). */
struct hvm_arch_ops {
    const char *name;
    uc_arch uc_arch;
    uc_mode uc_mode;
    size_t vcpu_size;       /* the flavour's vCPU struct embeds struct hvm_vcpu first */
    uint32_t trace_flavour; /* trace/FORMAT.md flavour number */
    /* Engine is open, guest memory mapped; install hooks, reset state. */
    hv_return_t (*vcpu_init)(struct hvm_vcpu *vcpu);
    void (*vcpu_fini)(struct hvm_vcpu *vcpu);
    /* Drops translated code for guest-physical pages (all: everything). */
    void (*flush_code)(struct hvm_vcpu *vcpu, const uint64_t *gpas, unsigned n, bool all);
    /* hv_vm_destroy: frees what the flavour hung off the VM (may be NULL). */
    void (*vm_fini)(struct hvm_vm *vm);
    /* Is an interrupt pending for the vCPU (any thread; sched.c)? A flavour
     * that sets it takes part in the multi-vCPU scheduler. */
    bool (*irq_pending)(struct hvm_vcpu *vcpu);
};

enum hvm_sched_state { SCHED_OUT, SCHED_WANT, SCHED_RUN };

#define HVM_INVAL_MAX 64

enum hvm_vcpu_state { HVM_VCPU_IDLE, HVM_VCPU_RUNNING };

struct hvm_vcpu {
    struct hvm_vm *vm;
    uint32_t id;
    pthread_t owner;
    uc_engine *uc;

    /* Retired guest instructions; virtual time of this vCPU derives from it. */
    uint64_t icount;
    /* Instruction times the vCPU spent waiting in an inactive state (x86:
     * the HLT activity state): its clock moves with them as with retired
     * instructions, which they are not (0 on arm64). Owner writes, atomic. */
    uint64_t idle_icount;
    /* The block hook stops the engine when icount reaches stop_at. Other
     * threads store 0 here to kick (hv_vcpus_exit); see vcpu_kick(). */
    _Atomic uint64_t stop_at;
    uint64_t cancel_at;   /* replay: a CANCELED exit is due at this icount */
    atomic_bool cancel;   /* a CANCELED exit is owed (sticky until delivered) */
    atomic_int state;     /* enum hvm_vcpu_state */
    atomic_bool s2_dirty; /* the stage-2 table changed since this engine synced */
    uint64_t s2_gen;      /* stage-2 generation this engine reflects */
    uint32_t space;       /* the address space the vCPU runs in (owner thread; vm_lock) */
    bool s2_remap;        /* moved to another space: the next sync maps it afresh */

    /* Guest pages the VMM wrote: translated code for them must go (vm_lock). */
    atomic_bool code_dirty;
    uint64_t inval[HVM_INVAL_MAX];
    unsigned inval_n;
    bool inval_all;

    /* sched.c (multi-vCPU VMs; written by the owner under vm->sched_lock) */
    uint64_t tbase;        /* virtual time (instructions) before icount 0: creation, idling */
    uint64_t sched_stop;   /* icount at which it passes the token on (UINT64_MAX: never) */
    uint64_t idle_until;   /* idle until this virtual time (instructions); 0: not idle */
    int sstate;            /* enum hvm_sched_state */
    bool detached;         /* in the VMM for too long: not waited for until it runs again */
    atomic_bool yield_now; /* an idle vCPU got an interrupt: pass the token at the next block */
    /* Trace records about this vCPU made while it did not hold the token
     * (u16 type, u32 size, payload each), written when it gets it. */
    uint8_t *defer;
    uint32_t defer_len, defer_cap;
};

struct hvm_vm_params {
    unsigned ipa_bits;
    uint64_t granule; /* bytes: 4096 or 16384 */
};

struct hvm_vm {
    pthread_mutex_t lock; /* vCPU table, stage-2 table, clock advance */
    const struct hvm_arch_ops *ops;
    struct hvm_vm_params params;
    struct stage2 s2;                      /* the default space */
    struct stage2 *spaces[HVM_MAX_SPACES]; /* [0] = &s2; NULL: no such space */
    struct hvm_vcpu *vcpus[HVM_MAX_VCPUS];
    uint32_t nvcpus;
    uint32_t insns_per_tick;
    uint64_t advanced_ticks; /* idle time the VMM skipped with hvm_clock_advance */
    struct gic *gic;         /* arm64: the in-framework GIC, or NULL */
    /* sched.c: the token of multi-vCPU VMs */
    pthread_mutex_t sched_lock;
    pthread_cond_t sched_cv;
    struct hvm_vcpu *holder; /* the vCPU running guest code, or NULL */
    atomic_bool smp;         /* a second vCPU was created: the scheduler is on */
};

/* ---- vm.c ---- */
/* The process's VM, or NULL. Stable while the caller owns a vCPU. */
struct hvm_vm *vm_current(void);
hv_return_t vm_create(const struct hvm_arch_ops *ops, const struct hvm_vm_params *p);
hv_return_t vm_destroy(void);
hv_return_t vm_map(void *host, uint64_t gpa, uint64_t size, uint32_t prot);
hv_return_t vm_unmap(uint64_t gpa, uint64_t size);
hv_return_t vm_protect(uint64_t gpa, uint64_t size, uint32_t prot);
/* The same in a given address space (HV_BAD_ARGUMENT if it does not exist). */
hv_return_t vm_map_space(uint32_t space, void *host, uint64_t gpa, uint64_t size, uint32_t prot);
hv_return_t vm_unmap_space(uint32_t space, uint64_t gpa, uint64_t size);
hv_return_t vm_protect_space(uint32_t space, uint64_t gpa, uint64_t size, uint32_t prot);
/* A new, empty address space: the lowest free id (HV_NO_RESOURCES when all
 * HVM_MAX_SPACES exist). */
hv_return_t vm_space_create(uint32_t *space);
/* Frees a space and its mappings: HV_BAD_ARGUMENT for the default space or
 * one that does not exist, HV_BUSY while a vCPU is in it. */
hv_return_t vm_space_destroy(uint32_t space);
/* Run entry: picks up guest pages the VMM wrote since the last run (records
 * them when tracing) and queues their translated code for invalidation on
 * every vCPU; then drops this vCPU's queued code. Owner thread only. */
void vm_sync_vmm_writes(struct hvm_vcpu *vcpu);

/* ---- alloc.c ---- */
/* hv_vm_allocate: size a non-zero multiple of page (a power of two). */
hv_return_t vm_allocate(void **uvap, size_t size, size_t page);
/* hv_vm_deallocate: only exactly what vm_allocate handed out. */
hv_return_t vm_deallocate(void *uva, size_t size);

/* ---- vcpu.c ---- */
/* Creates a vCPU owned by the calling thread; *out receives it. */
hv_return_t vcpu_create(struct hvm_vcpu **out);
hv_return_t vcpu_destroy(uint64_t id);
/* The vCPU the calling thread owns, or NULL. */
struct hvm_vcpu *vcpu_self(void);
/* The vCPU `id` if the calling thread owns it; else NULL and *err says why. */
struct hvm_vcpu *vcpu_owned(uint64_t id, hv_return_t *err);
/* Requests CANCELED exits for the listed vCPUs (any thread). */
hv_return_t vcpu_kick(const uint64_t *ids, uint32_t count);
/* Brings the engine's memory map in line with the stage-2 table. Owner only,
 * never while the engine runs except from inside one of its hooks. */
hv_return_t vcpu_sync_memory(struct hvm_vcpu *vcpu);
/* Moves the vCPU (owner thread) to another address space; its engine maps
 * that space at the next run. HV_BAD_ARGUMENT if the space does not exist. */
hv_return_t vcpu_set_space(struct hvm_vcpu *vcpu, uint32_t space);
/* The table of the space the vCPU is in (owner thread: stable while it owns
 * the vCPU, as a space in use cannot be destroyed). */
static inline struct stage2 *vcpu_s2(const struct hvm_vcpu *vcpu)
{
    return vcpu->vm->spaces[vcpu->space];
}
/* Recomputes stop_at from `deadline` without losing a concurrent kick. */
void vcpu_arm_stop(struct hvm_vcpu *vcpu, uint64_t deadline);

/* Tells the model the VMM wrote guest memory at [host, host+len) outside a
 * recording (replay): translated code for it is dropped on every vCPU. */
void vm_note_vmm_write(const void *host, size_t len);

/* ---- sched.c ---- */
/* vcpu_create / vcpu_destroy (vm_lock held): they also put the vCPU in
 * and take it out of vm->vcpus. */
void sched_vcpu_added(struct hvm_vcpu *v);
void sched_vcpu_removed(struct hvm_vcpu *v);
/* The flavour's run loop: sched_enter when the run starts (waits for the
 * token), sched_point before each engine start (passes the token on at the
 * end of the quantum), sched_leave when the run returns to the VMM. */
void sched_enter(struct hvm_vcpu *v);
void sched_point(struct hvm_vcpu *v);
void sched_leave(struct hvm_vcpu *v);
/* Trace records of a vCPU thread whose vCPU does not hold the token wait
 * until it gets it (true: kept for later), so that the trace's order is the
 * scheduler's; sched_flush_deferred writes them now (vcpu_destroy). */
bool sched_defer_record(uint16_t type, const uint8_t *p, uint32_t n);
void sched_flush_deferred(struct hvm_vcpu *v);
/* hvm_clock_advance on the vCPU's thread of a multi-vCPU VM: idle. */
void sched_idle(struct hvm_vcpu *v, uint64_t ticks);
/* The running vCPU `self` made an interrupt pending for `target`. */
void sched_irq_raised(struct hvm_vcpu *self, struct hvm_vcpu *target);

/* ---- clock.c ---- */
/* Virtual time of a vCPU in ticks. */
uint64_t clock_vcpu_ticks(const struct hvm_vcpu *vcpu);
/* First icount at which this vCPU's clock reads >= ticks (UINT64_MAX: never). */
uint64_t clock_icount_at(const struct hvm_vcpu *vcpu, uint64_t ticks);
/* The VM clock as the VMM reads it (mach_absolute_time). */
uint64_t clock_now(void);

/* ---- error.c ---- */
const char *hvm_error_name(hv_return_t ret);

#endif
