/*
 * gic.h — the in-framework GICv3 of the arm64 flavour: one distributor, one
 * redistributor per vCPU slot, an optional MSI frame, and one CPU interface
 * (ICC_* system registers) per vCPU.
 *
 * The model presents a GIC with a single security state (GICD_CTLR.DS = 1)
 * and affinity routing always on (ARE RAO/WI), no LPIs and no ITS, 5 bits of
 * priority, and GIC_NR_IRQS INTIDs (SGIs 0..15, PPIs 16..31, SPIs 32 up).
 * Group 0 interrupts signal FIQ, group 1 interrupts signal IRQ.
 *
 * Locking: every field below is protected by `lock`. The vCPUs read only
 * their `irq`/`fiq` lines without it (block hook); those are recomputed
 * under the lock whenever the state changes (gic_update).
 */
#ifndef HVMODEL_ARM64_GIC_H
#define HVMODEL_ARM64_GIC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hvm.h"

#define GIC_NR_IRQS        256u /* GICD_TYPER.ITLinesNumber = 7 */
#define GIC_SPI_BASE       32u
#define GIC_NR_SPIS        (GIC_NR_IRQS - GIC_SPI_BASE)
#define GIC_DIST_SIZE      0x10000ull
#define GIC_RD_SIZE        0x20000ull /* RD frame + SGI frame */
#define GIC_REGION_SIZE    (GIC_RD_SIZE * HVM_MAX_VCPUS)
#define GIC_MSI_SIZE       0x10000ull
#define GIC_ALIGN          0x10000ull /* every frame base */
#define GIC_PRIO_MASK      0xf8u      /* 5 priority bits */
#define GIC_INTID_SPURIOUS 1023u
#define GIC_PPI_VTIMER     27u

/* What a hv_gic_config_t holds. */
struct gic_layout {
    uint64_t dist, redist, msi;
    bool has_dist, has_redist, has_msi;
    uint32_t msi_base, msi_count; /* count 0: no MSI range */
};

/* Per-INTID state. For SGIs and PPIs it lives in the redistributor. */
struct gic_irq {
    uint8_t prio;
    bool group1, enabled, latch, line, active, edge;
};

struct gic_cpu {
    bool present;
    uint64_t mpidr;
    bool sleep; /* GICR_WAKER.ProcessorSleep */
    struct gic_irq priv[32];
    /* CPU interface (ICC_*_EL1) */
    uint32_t pmr, bpr0, bpr1, ctlr, ap0, ap1;
    bool grpen0, grpen1;
};

struct gic {
    pthread_mutex_t lock;
    struct gic_layout l;
    uint32_t ctlr;                   /* GICD_CTLR: EnableGrp0 (0), EnableGrp1 (1) */
    struct gic_irq spi[GIC_NR_IRQS]; /* indexed by INTID; 0..31 unused */
    uint64_t router[GIC_NR_IRQS];
    bool ran;            /* a vCPU has run: hv_gic_set_state refuses */
    atomic_uint running; /* vCPUs inside hv_vcpu_run (traces; no lock) */
    struct gic_cpu cpu[HVM_MAX_VCPUS];
    atomic_bool irq[HVM_MAX_VCPUS], fiq[HVM_MAX_VCPUS];
};

struct a64_vcpu;

/* ---- gicd.c: distributor and redistributor state, MMIO ---- */
struct gic *gic_new(const struct gic_layout *l);
void gic_free(struct gic *g);
/* Back to reset values (lock held); CPU interfaces too when `cpuif`. */
void gic_reset_locked(struct gic *g, bool cpuif);
void gic_cpu_reset_locked(struct gic *g, uint32_t cpu, bool cpuif);
/* Recomputes every vCPU's IRQ/FIQ line (lock held). */
void gic_update(struct gic *g);
/* The INTID's state: SPIs in the distributor, SGIs/PPIs in cpu's redistributor. */
struct gic_irq *gic_irq_of(struct gic *g, uint32_t cpu, uint32_t intid);
bool gic_pending(const struct gic_irq *q);
/* Register accesses at a 4-aligned offset (lock held). 64-bit registers
 * (IROUTER, GICR_TYPER) are two 32-bit halves. */
uint32_t gicd_read(struct gic *g, uint32_t off);
void gicd_write(struct gic *g, uint32_t off, uint32_t val);
void gicd_write_byte(struct gic *g, uint32_t off, uint8_t val);
uint32_t gicr_read(struct gic *g, uint32_t cpu, uint32_t off);
void gicr_write(struct gic *g, uint32_t cpu, uint32_t off, uint32_t val);
void gicr_write_byte(struct gic *g, uint32_t cpu, uint32_t off, uint8_t val);
uint32_t gicm_read(struct gic *g, uint32_t off);
void gicm_write(struct gic *g, uint32_t off, uint32_t val);
/* An SPI made pending by a message (MSI frame, GICD_SETSPI_NSR, send_msi). */
bool gic_msi_intid(const struct gic *g, uint32_t intid);
/* ipa lies in one of the GIC's frames. */
bool gic_owns(const struct gic *g, uint64_t ipa);
/* A guest access at physical address ipa: served when it falls in a frame.
 * Returns false when the address is not the GIC's. */
bool gic_mmio(struct gic *g, uint32_t cpu, uint64_t ipa, unsigned size, bool write, uint64_t *val);
/* Versioned state blob (everything but the ICC registers). */
size_t gic_state_size(void);
void gic_state_save(struct gic *g, uint8_t *out);
bool gic_state_load(struct gic *g, const uint8_t *in, size_t n);

/* ---- gic_cpuif.c: ICC system registers and delivery ---- */
/* Guest MRS/MSR of an ICC register (true: served). */
bool gic_cpuif_access(struct a64_vcpu *v, uint16_t enc, bool read, uint64_t *val);
/* VMM access (hv_gic_get/set_icc_reg). */
bool gic_icc_get(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t *val);
bool gic_icc_set(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t val);
/* Would a pending interrupt wake the vCPU from WFI (PSTATE.I ignored)? */
bool gic_wakeup(struct gic *g, uint32_t cpu);
/* A PPI line driven by the model (the virtual timer). */
void gic_set_ppi_line(struct gic *g, uint32_t cpu, uint32_t intid, bool level);
/* The vCPU joined or left (its redistributor and CPU interface reset). */
void gic_vcpu_attach(struct gic *g, uint32_t cpu, uint64_t mpidr);
void gic_vcpu_detach(struct gic *g, uint32_t cpu);
void gic_set_mpidr(struct gic *g, uint32_t cpu, uint64_t mpidr);

#endif
