/*
 * gic_cpuif.c — the GIC CPU interface of each vCPU (the ICC_*_EL1 system
 * registers, Arm IHI 0069 chapter 12.2) and interrupt delivery.
 *
 * Delivery: for every vCPU the model keeps two lines, IRQ (group 1) and FIQ
 * (group 0). A line is high when some interrupt routed to the vCPU is
 * pending, enabled, not active, of that group, its group is enabled in
 * GICD_CTLR and ICC_IGRPENn_EL1, and its priority is higher (lower value)
 * than both ICC_PMR_EL1 and the running priority. The lines are recomputed
 * under the GIC lock after every change; the vCPU's block hook reads them and
 * takes the exception through VBAR_EL1 when PSTATE allows (except.c).
 *
 * Choices: 5 priority bits (ICC_CTLR_EL1.PRIbits 4, BPR0 >= 2, BPR1 >= 3),
 * so one active-priority register per group (AP0R0/AP1R0, bit = priority
 * >> 3; AP{0,1}R{1..3} are RAZ/WI); 16-bit INTIDs in the interface (IDbits
 * 0), no Aff3 in SGIs (A3V 0), no range selector beyond RS (RSS 0);
 * ICC_SRE_EL1 reads 0x7 and ignores writes; ICC_ASGI1R_EL1 is WI. Reads of
 * write-only and writes of read-only registers are RAZ/WI.
 */
#include "arm64.h"
#include "gic.h"

#define ICC(crm, op2) (uint16_t)(0xc600u | (crm) << 3 | (op2))
#define ICC_PMR       0xc230u
#define ICC_IAR0      ICC(8, 0)
#define ICC_EOIR0     ICC(8, 1)
#define ICC_HPPIR0    ICC(8, 2)
#define ICC_BPR0      ICC(8, 3)
#define ICC_AP0R0     ICC(8, 4)
#define ICC_AP0R3     ICC(8, 7)
#define ICC_AP1R0     ICC(9, 0)
#define ICC_AP1R3     ICC(9, 3)
#define ICC_DIR       ICC(11, 1)
#define ICC_RPR       ICC(11, 3)
#define ICC_SGI1R     ICC(11, 5)
#define ICC_ASGI1R    ICC(11, 6)
#define ICC_SGI0R     ICC(11, 7)
#define ICC_IAR1      ICC(12, 0)
#define ICC_EOIR1     ICC(12, 1)
#define ICC_HPPIR1    ICC(12, 2)
#define ICC_BPR1      ICC(12, 3)
#define ICC_CTLR      ICC(12, 4)
#define ICC_SRE       ICC(12, 5)
#define ICC_IGRPEN0   ICC(12, 6)
#define ICC_IGRPEN1   ICC(12, 7)

#define CTLR_EOIMODE (1u << 1)
#define CTLR_RO      (4u << 8) /* PRIbits: 5 bits of priority */
#define NO_TARGET    0xffu

/* The vCPU each SPI is routed to (IROUTER), NO_TARGET when none. */
static void spi_targets(const struct gic *g, uint8_t tgt[GIC_NR_IRQS])
{
    uint32_t first = NO_TARGET;
    for (uint32_t c = 0; c < HVM_MAX_VCPUS && first == NO_TARGET; c++)
        if (g->cpu[c].present)
            first = c;
    for (uint32_t i = GIC_SPI_BASE; i < GIC_NR_IRQS; i++) {
        uint64_t r = g->router[i];
        tgt[i] = NO_TARGET;
        if (r & (1ull << 31)) {
            tgt[i] = (uint8_t)first;
            continue;
        }
        for (uint32_t c = 0; c < HVM_MAX_VCPUS; c++) {
            if (g->cpu[c].present && (g->cpu[c].mpidr & 0xff00ffffffull) == r) {
                tgt[i] = (uint8_t)c;
                break;
            }
        }
    }
}

static uint32_t running_prio(const struct gic_cpu *c)
{
    uint32_t ap = c->ap0 | c->ap1;
    return ap ? (uint32_t)__builtin_ctz(ap) << 3 : 0xffu;
}

/* The group priority of prio: the bits above the binary point (GICv3 4.8). */
static uint32_t group_prio(const struct gic_cpu *c, bool g1, uint32_t prio)
{
    uint32_t bpr = g1 && !(c->ctlr & 1) ? c->bpr1 : c->bpr0 + 1;
    return prio & (0xffu << bpr) & 0xffu;
}

/* Highest-priority pending interrupt of group g1 for cpu: its INTID, or -1.
 * `signal`: only one the CPU interface would signal (enables, PMR, running
 * priority), as IAR and the lines need; else as HPPIR reports it. */
static int hppi(struct gic *g, uint32_t cpu, bool g1, bool signal, const uint8_t *tgt)
{
    const struct gic_cpu *c = &g->cpu[cpu];
    if (!(g->ctlr & (g1 ? 2u : 1u)) || (signal && !(g1 ? c->grpen1 : c->grpen0)))
        return -1;
    int best = -1;
    uint32_t best_prio = 0x100;
    for (uint32_t i = 0; i < GIC_NR_IRQS; i++) {
        if (i >= GIC_SPI_BASE && tgt[i] != cpu)
            continue;
        const struct gic_irq *q = i < 32 ? &c->priv[i] : &g->spi[i];
        if (!q->enabled || q->active || q->group1 != g1 || !gic_pending(q) || q->prio >= best_prio)
            continue;
        best = (int)i;
        best_prio = q->prio;
    }
    if (best >= 0 && signal &&
        (best_prio >= c->pmr || group_prio(c, g1, best_prio) >= running_prio(c)))
        return -1;
    return best;
}

void gic_update(struct gic *g)
{
    uint8_t tgt[GIC_NR_IRQS];
    spi_targets(g, tgt);
    struct hvm_vcpu *self = vcpu_self();
    for (uint32_t c = 0; c < HVM_MAX_VCPUS; c++) {
        bool present = g->cpu[c].present;
        bool irq = present && hppi(g, c, true, true, tgt) >= 0;
        bool fiq = present && hppi(g, c, false, true, tgt) >= 0;
        bool was_irq = atomic_exchange(&g->irq[c], irq);
        bool was_fiq = atomic_exchange(&g->fiq[c], fiq);
        if (!was_irq && !was_fiq && (irq || fiq) && self && self->id != c)
            sched_irq_raised(self, self->vm->vcpus[c]); /* an idle vCPU may wake */
    }
}

bool gic_wakeup(struct gic *g, uint32_t cpu)
{
    return atomic_load(&g->irq[cpu]) || atomic_load(&g->fiq[cpu]);
}

/* ICC_IARn_EL1: acknowledge (pending -> active, priority to the active
 * priority register), or 1023 when nothing can be signalled. */
static uint32_t ack(struct gic *g, uint32_t cpu, bool g1)
{
    uint8_t tgt[GIC_NR_IRQS];
    spi_targets(g, tgt);
    int id = hppi(g, cpu, g1, true, tgt);
    if (id < 0)
        return GIC_INTID_SPURIOUS;
    struct gic_cpu *c = &g->cpu[cpu];
    struct gic_irq *q = gic_irq_of(g, cpu, (uint32_t)id);
    q->latch = false;
    q->active = true;
    *(g1 ? &c->ap1 : &c->ap0) |= 1u << (group_prio(c, g1, q->prio) >> 3);
    gic_update(g);
    return (uint32_t)id;
}

static void deactivate(struct gic *g, uint32_t cpu, uint32_t intid)
{
    struct gic_irq *q = gic_irq_of(g, cpu, intid);
    if (q)
        q->active = false;
}

/* ICC_EOIRn_EL1: drop the running priority; with EOImode 0 also deactivate. */
static void eoi(struct gic *g, uint32_t cpu, bool g1, uint32_t intid)
{
    struct gic_cpu *c = &g->cpu[cpu];
    if (intid >= 1020 && intid < 1024)
        return;
    uint32_t *ap = g1 ? &c->ap1 : &c->ap0;
    if (*ap)
        *ap &= *ap - 1; /* the highest active priority: lowest set bit */
    if (!(c->ctlr & CTLR_EOIMODE))
        deactivate(g, cpu, intid);
}

/* ICC_SGI{0,1}R_EL1: SGI INTID [27:24] to the vCPUs named by Aff3.Aff2.Aff1,
 * RS and TargetList, or (IRM) to every other vCPU. */
static void send_sgi(struct gic *g, uint32_t self, uint64_t val, bool g1)
{
    uint32_t intid = val >> 24 & 15, rs = val >> 44 & 15, list = val & 0xffff;
    bool irm = val >> 40 & 1;
    uint64_t aff = (val >> 16 & 0xff) << 8 | (val >> 32 & 0xff) << 16 | (val >> 48 & 0xff) << 32;
    for (uint32_t t = 0; t < HVM_MAX_VCPUS; t++) {
        struct gic_cpu *c = &g->cpu[t];
        if (!c->present)
            continue;
        uint32_t aff0 = c->mpidr & 0xff;
        bool hit = irm ? t != self
                       : (c->mpidr & 0xff00ffff00ull) == aff && aff0 >> 4 == rs &&
                             (list >> (aff0 & 15) & 1);
        if (hit && c->priv[intid].group1 == g1)
            c->priv[intid].latch = true;
    }
}

static bool icc_read(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t *val)
{
    struct gic_cpu *c = &g->cpu[cpu];
    uint8_t tgt[GIC_NR_IRQS];
    switch (enc) {
    case ICC_PMR: *val = c->pmr; return true;
    case ICC_BPR0: *val = c->bpr0; return true;
    case ICC_BPR1: *val = c->ctlr & 1 ? c->bpr0 + 1 : c->bpr1; return true;
    case ICC_AP0R0: *val = c->ap0; return true;
    case ICC_AP1R0: *val = c->ap1; return true;
    case ICC_RPR: *val = running_prio(c); return true;
    case ICC_CTLR: *val = c->ctlr | CTLR_RO; return true;
    case ICC_SRE: *val = 7; return true;
    case ICC_IGRPEN0: *val = c->grpen0; return true;
    case ICC_IGRPEN1: *val = c->grpen1; return true;
    case ICC_IAR0: *val = ack(g, cpu, false); return true;
    case ICC_IAR1: *val = ack(g, cpu, true); return true;
    case ICC_HPPIR0:
    case ICC_HPPIR1: {
        spi_targets(g, tgt);
        int id = hppi(g, cpu, enc == ICC_HPPIR1, false, tgt);
        *val = id < 0 ? GIC_INTID_SPURIOUS : (uint32_t)id;
        return true;
    }
    }
    if ((enc >= ICC_AP0R0 && enc <= ICC_AP0R3) || (enc >= ICC_AP1R0 && enc <= ICC_AP1R3) ||
        enc == ICC_EOIR0 || enc == ICC_EOIR1 || enc == ICC_DIR || enc == ICC_SGI0R ||
        enc == ICC_SGI1R || enc == ICC_ASGI1R) {
        *val = 0;
        return true;
    }
    return false;
}

static bool icc_write(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t val)
{
    struct gic_cpu *c = &g->cpu[cpu];
    switch (enc) {
    case ICC_PMR: c->pmr = (uint32_t)val & GIC_PRIO_MASK; break;
    case ICC_BPR0: c->bpr0 = (val & 7) < 2 ? 2 : (uint32_t)val & 7; break;
    case ICC_BPR1:
        if (!(c->ctlr & 1))
            c->bpr1 = (val & 7) < 3 ? 3 : (uint32_t)val & 7;
        break;
    case ICC_AP0R0: c->ap0 = (uint32_t)val; break;
    case ICC_AP1R0: c->ap1 = (uint32_t)val; break;
    case ICC_CTLR: c->ctlr = (uint32_t)val & 3u; break; /* CBPR, EOImode */
    case ICC_IGRPEN0: c->grpen0 = val & 1; break;
    case ICC_IGRPEN1: c->grpen1 = val & 1; break;
    case ICC_EOIR0: eoi(g, cpu, false, (uint32_t)val & 0xffffff); break;
    case ICC_EOIR1: eoi(g, cpu, true, (uint32_t)val & 0xffffff); break;
    case ICC_DIR: deactivate(g, cpu, (uint32_t)val & 0xffffff); break;
    case ICC_SGI0R: send_sgi(g, cpu, val, false); break;
    case ICC_SGI1R: send_sgi(g, cpu, val, true); break;
    default:
        if ((enc >= ICC_AP0R0 && enc <= ICC_AP0R3) || (enc >= ICC_AP1R0 && enc <= ICC_AP1R3) ||
            enc == ICC_RPR || enc == ICC_SRE || enc == ICC_ASGI1R || enc == ICC_IAR0 ||
            enc == ICC_IAR1 || enc == ICC_HPPIR0 || enc == ICC_HPPIR1)
            return true; /* RAZ/WI */
        return false;
    }
    gic_update(g);
    return true;
}

bool gic_cpuif_access(struct a64_vcpu *v, uint16_t enc, bool read, uint64_t *val)
{
    struct gic *g = v->gic;
    if (!g || (enc != ICC_PMR && (enc & 0xff80u) != 0xc600u))
        return false;
    pthread_mutex_lock(&g->lock);
    bool ok = read ? icc_read(g, v->base.id, enc, val) : icc_write(g, v->base.id, enc, *val);
    pthread_mutex_unlock(&g->lock);
    return ok;
}

/* The registers hv_gic_icc_reg_t names (SRE_EL2 needs EL2: refused). */
static bool icc_api_reg(uint16_t enc)
{
    return enc == ICC_PMR || enc == ICC_BPR0 || enc == ICC_AP0R0 || enc == ICC_AP1R0 ||
           enc == ICC_RPR || enc == ICC_BPR1 || enc == ICC_CTLR || enc == ICC_SRE ||
           enc == ICC_IGRPEN0 || enc == ICC_IGRPEN1;
}

bool gic_icc_get(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t *val)
{
    if (!icc_api_reg(enc))
        return false;
    pthread_mutex_lock(&g->lock);
    icc_read(g, cpu, enc, val);
    pthread_mutex_unlock(&g->lock);
    return true;
}

bool gic_icc_set(struct gic *g, uint32_t cpu, uint16_t enc, uint64_t val)
{
    if (!icc_api_reg(enc))
        return false;
    pthread_mutex_lock(&g->lock);
    icc_write(g, cpu, enc, val);
    pthread_mutex_unlock(&g->lock);
    return true;
}

void gic_set_ppi_line(struct gic *g, uint32_t cpu, uint32_t intid, bool level)
{
    pthread_mutex_lock(&g->lock);
    struct gic_irq *q = &g->cpu[cpu].priv[intid];
    if (q->line != level) {
        q->line = level;
        gic_update(g);
    }
    pthread_mutex_unlock(&g->lock);
}

void gic_vcpu_attach(struct gic *g, uint32_t cpu, uint64_t mpidr)
{
    pthread_mutex_lock(&g->lock);
    gic_cpu_reset_locked(g, cpu, true);
    g->cpu[cpu].present = true;
    g->cpu[cpu].mpidr = mpidr;
    gic_update(g);
    pthread_mutex_unlock(&g->lock);
}

void gic_vcpu_detach(struct gic *g, uint32_t cpu)
{
    pthread_mutex_lock(&g->lock);
    g->cpu[cpu].present = false;
    gic_update(g);
    pthread_mutex_unlock(&g->lock);
}

void gic_set_mpidr(struct gic *g, uint32_t cpu, uint64_t mpidr)
{
    pthread_mutex_lock(&g->lock);
    g->cpu[cpu].mpidr = mpidr;
    gic_update(g);
    pthread_mutex_unlock(&g->lock);
}
