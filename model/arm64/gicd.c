/*
 * gicd.c — the GIC's distributor, redistributors and MSI frame: their state,
 * the register semantics of the MMIO frames (Arm IHI 0069 "GICv3 and GICv4
 * Architecture Specification", chapter 12), and the state blob.
 *
 * Choices where the framework's behaviour is not documented (all RAZ/WI
 * unless said otherwise, as a GIC treats offsets it does not implement):
 *  - one security state: GICD_CTLR.DS reads 1 and ARE reads 1 (affinity
 *    routing cannot be turned off), so the GICD registers of INTIDs 0..31
 *    and every IGRPMODR are RAZ/WI; only EnableGrp0/EnableGrp1 are writable;
 *  - 256 INTIDs (ITLinesNumber 7): SPIs 32..255; IDbits 9; no LPIs;
 *    GICD_TYPER.MBIS (and GICD_SETSPI_NSR/CLRSPI_NSR) only with an MSI range;
 *  - IIDR 0x0000043b for both frames; PIDR2 0x30 (ArchRev 3);
 *  - SGIs are edge-triggered (GICR_ICFGR0 reads 0xaaaaaaaa), PPIs are
 *    level-sensitive (GICR_ICFGR1 RAZ/WI), SPIs are configurable;
 *  - vCPU n's redistributor is the n-th in the region (vCPU id order, not
 *    the MPIDR value); GICR_TYPER reports the vCPU's current MPIDR_EL1
 *    affinity, Processor_Number = n, and Last on the highest vCPU present;
 *    frames of absent vCPUs are RAZ/WI (a scan of the region stops there);
 *  - IROUTER.IRM = 1 routes to the lowest-numbered vCPU present; a route
 *    that matches no vCPU leaves the SPI pending and undelivered;
 *  - accesses of 1 byte reach IPRIORITYR, of 8 bytes IROUTER and
 *    GICR_TYPER; other sizes read the containing word and ignore writes.
 */
#include <stdlib.h>
#include <string.h>

#include "gic.h"

#define GICD_IIDR  0x0000043bu
#define PIDR2_V3   0x30u
#define CTLR_ARE   (1u << 4)
#define CTLR_DS    (1u << 6)
#define ROUTER_IRM (1ull << 31)
#define AFF_MASK   0xff00ffffffull

struct gic *gic_new(const struct gic_layout *l)
{
    struct gic *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->l = *l;
    gic_reset_locked(g, true);
    return g;
}

void gic_free(struct gic *g)
{
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    free(g);
}

void gic_cpu_reset_locked(struct gic *g, uint32_t cpu, bool cpuif)
{
    struct gic_cpu *c = &g->cpu[cpu];
    memset(c->priv, 0, sizeof(c->priv));
    for (unsigned i = 0; i < 16; i++)
        c->priv[i].edge = true;
    c->sleep = true;
    if (cpuif) {
        c->pmr = 0;
        c->bpr0 = 2; /* the minimum for 5 priority bits */
        c->bpr1 = 3;
        c->ctlr = 0;
        c->ap0 = c->ap1 = 0;
        c->grpen0 = c->grpen1 = false;
    }
}

void gic_reset_locked(struct gic *g, bool cpuif)
{
    g->ctlr = 0;
    memset(g->spi, 0, sizeof(g->spi));
    memset(g->router, 0, sizeof(g->router));
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++)
        gic_cpu_reset_locked(g, i, cpuif);
    gic_update(g);
}

struct gic_irq *gic_irq_of(struct gic *g, uint32_t cpu, uint32_t intid)
{
    if (intid < 32)
        return &g->cpu[cpu].priv[intid];
    return intid < GIC_NR_IRQS ? &g->spi[intid] : NULL;
}

bool gic_pending(const struct gic_irq *q)
{
    return q->latch || (!q->edge && q->line);
}

bool gic_msi_intid(const struct gic *g, uint32_t intid)
{
    return g->l.msi_count && intid >= g->l.msi_base && intid - g->l.msi_base < g->l.msi_count;
}

/* ---- the 1-bit-per-INTID register families, on 32 INTIDs at a time ---- */

enum bits { B_GROUP, B_SENABLE, B_CENABLE, B_SPEND, B_CPEND, B_SACTIVE, B_CACTIVE };

static uint32_t bits_read(const struct gic_irq *q, enum bits kind)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        bool b;
        switch (kind) {
        case B_GROUP: b = q[i].group1; break;
        case B_SENABLE:
        case B_CENABLE: b = q[i].enabled; break;
        case B_SPEND:
        case B_CPEND: b = gic_pending(&q[i]); break;
        default: b = q[i].active; break;
        }
        v |= (uint32_t)b << i;
    }
    return v;
}

static void bits_write(struct gic_irq *q, enum bits kind, uint32_t v)
{
    for (unsigned i = 0; i < 32; i++) {
        bool b = v >> i & 1;
        switch (kind) {
        case B_GROUP: q[i].group1 = b; break;
        case B_SENABLE: q[i].enabled |= b; break;
        case B_CENABLE: q[i].enabled &= !b; break;
        case B_SPEND: q[i].latch |= b; break;
        case B_CPEND: q[i].latch &= !b; break;
        case B_SACTIVE: q[i].active |= b; break;
        case B_CACTIVE: q[i].active &= !b; break;
        }
    }
}

/* Offsets 0x080..0x3ff: the family and the register number. */
static bool bits_reg(uint32_t off, enum bits *kind, uint32_t *n)
{
    if (off < 0x80 || off >= 0x400)
        return false;
    static const enum bits kinds[] = {B_GROUP, B_SENABLE, B_CENABLE, B_SPEND,
                                      B_CPEND, B_SACTIVE, B_CACTIVE};
    *kind = kinds[(off - 0x80) >> 7];
    *n = ((off - 0x80) & 0x7f) >> 2;
    return true;
}

static uint32_t prio_read(const struct gic_irq *q)
{
    return (uint32_t)q[0].prio | (uint32_t)q[1].prio << 8 | (uint32_t)q[2].prio << 16 |
           (uint32_t)q[3].prio << 24;
}

static uint32_t cfg_read(const struct gic_irq *q)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 16; i++)
        v |= (q[i].edge ? 2u : 0u) << (2 * i);
    return v;
}

/* ---- distributor ---- */

static uint32_t gicd_typer(const struct gic *g)
{
    uint32_t typer = (GIC_NR_IRQS / 32 - 1) | 9u << 19; /* ITLinesNumber, IDbits */
    if (g->l.msi_count)
        typer |= 1u << 16; /* MBIS */
    return typer;
}

static uint32_t aff32(uint64_t mpidr)
{
    return (uint32_t)(mpidr & 0xffffff) | (uint32_t)(mpidr >> 32 & 0xff) << 24;
}

uint32_t gicd_read(struct gic *g, uint32_t off)
{
    enum bits kind;
    uint32_t n;
    if (off == 0x0)
        return g->ctlr | CTLR_ARE | CTLR_DS;
    if (off == 0x4)
        return gicd_typer(g);
    if (off == 0x8)
        return GICD_IIDR;
    if (off == 0xffe8)
        return PIDR2_V3;
    if (bits_reg(off, &kind, &n))
        return n && n * 32 < GIC_NR_IRQS ? bits_read(&g->spi[n * 32], kind) : 0;
    if (off >= 0x400 && off < 0x800) {
        uint32_t intid = off - 0x400;
        return intid >= 32 && intid < GIC_NR_IRQS ? prio_read(&g->spi[intid]) : 0;
    }
    if (off >= 0xc00 && off < 0xd00) {
        uint32_t intid = (off - 0xc00) * 4;
        return intid >= 32 && intid < GIC_NR_IRQS ? cfg_read(&g->spi[intid]) : 0;
    }
    if (off >= 0x6100 && off < 0x6000 + 8 * GIC_NR_IRQS) {
        uint64_t r = g->router[(off - 0x6000) / 8];
        return (uint32_t)(off & 4 ? r >> 32 : r);
    }
    return 0;
}

static void spi_set_pending(struct gic *g, uint32_t intid, bool set)
{
    if (intid >= GIC_SPI_BASE && intid < GIC_NR_IRQS)
        g->spi[intid].latch = set;
}

void gicd_write(struct gic *g, uint32_t off, uint32_t val)
{
    enum bits kind;
    uint32_t n;
    if (off == 0x0) {
        g->ctlr = val & 3u;
    } else if ((off == 0x40 || off == 0x48) && g->l.msi_count) {
        spi_set_pending(g, val & 0x3ff, off == 0x40); /* SETSPI_NSR / CLRSPI_NSR */
    } else if (bits_reg(off, &kind, &n)) {
        if (n && n * 32 < GIC_NR_IRQS)
            bits_write(&g->spi[n * 32], kind, val);
    } else if (off >= 0x400 && off < 0x800) {
        for (unsigned i = 0; i < 4; i++)
            gicd_write_byte(g, off + i, (uint8_t)(val >> (8 * i)));
    } else if (off >= 0xc00 && off < 0xd00) {
        uint32_t intid = (off - 0xc00) * 4;
        if (intid >= 32 && intid < GIC_NR_IRQS)
            for (unsigned i = 0; i < 16; i++)
                g->spi[intid + i].edge = val >> (2 * i + 1) & 1;
    } else if (off >= 0x6100 && off < 0x6000 + 8 * GIC_NR_IRQS) {
        uint64_t *r = &g->router[(off - 0x6000) / 8];
        uint64_t v =
            off & 4 ? (*r & 0xffffffffull) | (uint64_t)val << 32 : (*r & ~0xffffffffull) | val;
        *r = v & (AFF_MASK | ROUTER_IRM);
    }
    gic_update(g);
}

void gicd_write_byte(struct gic *g, uint32_t off, uint8_t val)
{
    uint32_t intid = off - 0x400;
    if (off >= 0x400 && off < 0x800 && intid >= 32 && intid < GIC_NR_IRQS)
        g->spi[intid].prio = val & GIC_PRIO_MASK;
    gic_update(g);
}

/* ---- redistributors ---- */

static bool last_present(const struct gic *g, uint32_t cpu)
{
    for (uint32_t i = cpu + 1; i < HVM_MAX_VCPUS; i++)
        if (g->cpu[i].present)
            return false;
    return true;
}

uint32_t gicr_read(struct gic *g, uint32_t cpu, uint32_t off)
{
    struct gic_cpu *c = &g->cpu[cpu];
    enum bits kind;
    uint32_t n;
    if (!c->present)
        return 0;
    switch (off) {
    case 0x0004: return GICD_IIDR;
    case 0x0008: return cpu << 8 | (last_present(g, cpu) ? 1u << 4 : 0);
    case 0x000c: return aff32(c->mpidr);
    case 0x0014: return c->sleep ? 6u : 0u; /* ProcessorSleep, ChildrenAsleep */
    case 0xffe8: return PIDR2_V3;
    case 0x10c00: return cfg_read(&c->priv[0]);
    case 0x10c04: return cfg_read(&c->priv[16]);
    }
    if (off >= 0x10000 && bits_reg(off - 0x10000, &kind, &n))
        return n == 0 ? bits_read(c->priv, kind) : 0;
    if (off >= 0x10400 && off < 0x10420)
        return prio_read(&c->priv[off - 0x10400]);
    return 0;
}

void gicr_write(struct gic *g, uint32_t cpu, uint32_t off, uint32_t val)
{
    struct gic_cpu *c = &g->cpu[cpu];
    enum bits kind;
    uint32_t n;
    if (!c->present)
        return;
    if (off == 0x0014)
        c->sleep = val & 2u;
    else if (off >= 0x10000 && bits_reg(off - 0x10000, &kind, &n) && n == 0)
        bits_write(c->priv, kind, val);
    else if (off >= 0x10400 && off < 0x10420)
        for (unsigned i = 0; i < 4; i++)
            c->priv[off - 0x10400 + i].prio = (uint8_t)(val >> (8 * i)) & GIC_PRIO_MASK;
    gic_update(g);
}

void gicr_write_byte(struct gic *g, uint32_t cpu, uint32_t off, uint8_t val)
{
    struct gic_cpu *c = &g->cpu[cpu];
    if (c->present && off >= 0x10400 && off < 0x10420)
        c->priv[off - 0x10400].prio = val & GIC_PRIO_MASK;
    gic_update(g);
}

/* ---- MSI frame (GICv2m-style: MSI_TYPER, MSI_SETSPI_NS) ---- */

uint32_t gicm_read(struct gic *g, uint32_t off)
{
    if (off == 0x8) /* base INTID [25:16], count [9:0] */
        return (g->l.msi_base & 0x3ffu) << 16 | (g->l.msi_count & 0x3ffu);
    return 0;
}

void gicm_write(struct gic *g, uint32_t off, uint32_t val)
{
    if (off == 0x40 && gic_msi_intid(g, val & 0x3ff)) {
        spi_set_pending(g, val & 0x3ff, true);
        gic_update(g);
    }
}

/* ---- guest MMIO ---- */

static uint64_t read_sized(struct gic *g, int frame, uint32_t cpu, uint32_t off, unsigned size)
{
    uint32_t word = off & ~3u;
    uint64_t lo = frame == 0   ? gicd_read(g, word)
                  : frame == 1 ? gicr_read(g, cpu, word)
                               : gicm_read(g, word);
    if (size == 8) {
        uint64_t hi = frame == 0   ? gicd_read(g, word + 4)
                      : frame == 1 ? gicr_read(g, cpu, word + 4)
                                   : gicm_read(g, word + 4);
        return lo | hi << 32;
    }
    lo >>= 8 * (off & 3);
    return size == 4 ? lo & 0xffffffffull : size == 2 ? lo & 0xffff : lo & 0xff;
}

static void write_sized(struct gic *g, int frame, uint32_t cpu, uint32_t off, unsigned size,
                        uint64_t val)
{
    if (size == 1) {
        if (frame == 0)
            gicd_write_byte(g, off, (uint8_t)val);
        else if (frame == 1)
            gicr_write_byte(g, cpu, off, (uint8_t)val);
        return;
    }
    if (size < 4)
        return;
    for (unsigned i = 0; i < size / 4; i++) {
        uint32_t w = (uint32_t)(val >> (32 * i));
        if (frame == 0)
            gicd_write(g, off + 4 * i, w);
        else if (frame == 1)
            gicr_write(g, cpu, off + 4 * i, w);
        else
            gicm_write(g, off + 4 * i, w);
    }
}

bool gic_owns(const struct gic *g, uint64_t ipa)
{
    const struct gic_layout *l = &g->l;
    return ipa - l->dist < GIC_DIST_SIZE || ipa - l->redist < GIC_REGION_SIZE ||
           (l->has_msi && ipa - l->msi < GIC_MSI_SIZE);
}

bool gic_mmio(struct gic *g, uint32_t cpu, uint64_t ipa, unsigned size, bool write, uint64_t *val)
{
    const struct gic_layout *l = &g->l;
    int frame;
    uint32_t off, rd = 0;
    if (ipa - l->dist < GIC_DIST_SIZE) {
        frame = 0;
        off = (uint32_t)(ipa - l->dist);
    } else if (ipa - l->redist < GIC_REGION_SIZE) {
        frame = 1;
        rd = (uint32_t)((ipa - l->redist) / GIC_RD_SIZE);
        off = (uint32_t)((ipa - l->redist) % GIC_RD_SIZE);
    } else if (l->has_msi && ipa - l->msi < GIC_MSI_SIZE) {
        frame = 2;
        off = (uint32_t)(ipa - l->msi);
    } else {
        return false;
    }
    (void)cpu; /* any vCPU may reach any redistributor */
    pthread_mutex_lock(&g->lock);
    bool aligned = (size == 1 || size == 2 || size == 4 || size == 8) && !(off & (size - 1));
    if (!write)
        *val = aligned ? read_sized(g, frame, rd, off, size) : 0;
    else if (aligned)
        write_sized(g, frame, rd, off, size, *val);
    pthread_mutex_unlock(&g->lock);
    return true;
}

/* ---- state blob (hv_gic_state_*, hv_gic_set_state) ----
 *
 * Version 1, little-endian:
 *   0  "HVGS"   4  u32 version (1)   8  u32 INTIDs (256)   12 u32 vCPU slots (64)
 *   16 u32 GICD_CTLR (bits 0-1)      20 u32 reserved (0)
 *   24 per SPI 32..255: u8 priority, u8 flags, u64 IROUTER
 *   .. per vCPU slot: u8 ProcessorSleep, then per INTID 0..31: u8 priority, u8 flags
 *   .. u64 FNV-1a of every byte before it
 * flags: bit 0 group 1, 1 enabled, 2 pending latch, 3 line level, 4 active,
 * 5 edge-triggered; other bits zero. Priorities have their 3 low bits zero. */

#define STATE_VERSION 1u
#define STATE_HDR     24u
#define STATE_SPI     10u
#define STATE_CPU     (1u + 32u * 2u)

size_t gic_state_size(void)
{
    return STATE_HDR + GIC_NR_SPIS * STATE_SPI + HVM_MAX_VCPUS * STATE_CPU + 8u;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint8_t irq_flags(const struct gic_irq *q)
{
    return (uint8_t)(q->group1 | q->enabled << 1 | q->latch << 2 | q->line << 3 | q->active << 4 |
                     q->edge << 5);
}

static bool irq_load(struct gic_irq *q, uint8_t prio, uint8_t flags)
{
    if ((prio & ~GIC_PRIO_MASK) || (flags & ~0x3fu))
        return false;
    q->prio = prio;
    q->group1 = flags & 1;
    q->enabled = flags & 2;
    q->latch = flags & 4;
    q->line = flags & 8;
    q->active = flags & 16;
    q->edge = flags & 32;
    return true;
}

void gic_state_save(struct gic *g, uint8_t *out)
{
    uint8_t *p = out;
    memcpy(p, "HVGS", 4);
    put32(p + 4, STATE_VERSION);
    put32(p + 8, GIC_NR_IRQS);
    put32(p + 12, HVM_MAX_VCPUS);
    put32(p + 16, g->ctlr);
    put32(p + 20, 0);
    p += STATE_HDR;
    for (uint32_t i = GIC_SPI_BASE; i < GIC_NR_IRQS; i++, p += STATE_SPI) {
        p[0] = g->spi[i].prio;
        p[1] = irq_flags(&g->spi[i]);
        put64(p + 2, g->router[i]);
    }
    for (uint32_t c = 0; c < HVM_MAX_VCPUS; c++, p += STATE_CPU) {
        p[0] = g->cpu[c].sleep;
        for (unsigned i = 0; i < 32; i++) {
            p[1 + 2 * i] = g->cpu[c].priv[i].prio;
            p[2 + 2 * i] = irq_flags(&g->cpu[c].priv[i]);
        }
    }
    put64(p, fnv1a(out, (size_t)(p - out)));
}

bool gic_state_load(struct gic *g, const uint8_t *in, size_t n)
{
    if (n != gic_state_size() || memcmp(in, "HVGS", 4) || get32(in + 4) != STATE_VERSION ||
        get32(in + 8) != GIC_NR_IRQS || get32(in + 12) != HVM_MAX_VCPUS || (get32(in + 16) & ~3u) ||
        get32(in + 20) || get64(in + n - 8) != fnv1a(in, n - 8))
        return false;
    /* Decode into a copy; the GIC changes only if all of it is valid. */
    struct gic_irq spi[GIC_NR_IRQS];
    uint64_t router[GIC_NR_IRQS];
    struct gic_cpu cpu_tmp[HVM_MAX_VCPUS];
    memcpy(spi, g->spi, sizeof(spi));
    memcpy(router, g->router, sizeof(router));
    memcpy(cpu_tmp, g->cpu, sizeof(cpu_tmp));
    const uint8_t *p = in + STATE_HDR;
    for (uint32_t i = GIC_SPI_BASE; i < GIC_NR_IRQS; i++, p += STATE_SPI) {
        router[i] = get64(p + 2);
        if (!irq_load(&spi[i], p[0], p[1]) || (router[i] & ~(AFF_MASK | ROUTER_IRM)))
            return false;
    }
    for (uint32_t c = 0; c < HVM_MAX_VCPUS; c++, p += STATE_CPU) {
        if (p[0] > 1)
            return false;
        cpu_tmp[c].sleep = p[0];
        for (unsigned i = 0; i < 32; i++) {
            struct gic_irq *q = &cpu_tmp[c].priv[i];
            /* SGIs are edge-triggered, PPIs level-sensitive: fixed. */
            if (!irq_load(q, p[1 + 2 * i], p[2 + 2 * i]) || q->edge != (i < 16))
                return false;
        }
    }
    g->ctlr = get32(in + 16);
    memcpy(g->spi, spi, sizeof(spi));
    memcpy(g->router, router, sizeof(router));
    memcpy(g->cpu, cpu_tmp, sizeof(cpu_tmp));
    gic_update(g);
    return true;
}
