/*
 * gic.c — the hv_gic_* entry points (macOS 15): configuration, creation,
 * geometry, the VMM's register access and the state blob. The GIC itself is
 * in gicd.c (distributor, redistributors, MSI frame) and gic_cpuif.c (CPU
 * interfaces and delivery); its state hangs off the VM and goes with it.
 *
 * Error codes where Apple names none (hvmodel's choices, listed in
 * include/hv/Hypervisor/hv_gic.h): no VM or no GIC → HV_NO_DEVICE; a second
 * hv_gic_create → HV_EXISTS; hv_gic_create once a vCPU exists → HV_BUSY;
 * hv_gic_set_state after a vCPU has run (or while one runs) → HV_BUSY;
 * ICH/ICV and ICC_SRE_EL2 (no guest EL2) → HV_BAD_ARGUMENT; wrong thread
 * for the per-vCPU calls → HV_BAD_ARGUMENT, as the other owner-only calls.
 *
 * Geometry (choices; the framework answers at run time): distributor 64 KiB,
 * each redistributor 128 KiB (RD + SGI frame), the region sized for 64
 * vCPUs (8 MiB), MSI frame 64 KiB, every base aligned to 64 KiB; SPIs are
 * INTIDs 32..255.
 *
 * Traces (trace/FORMAT.md, GIC_*): every successful call that changes the
 * GIC is recorded — creation with the configuration as the VMM set it,
 * set_spi, send_msi, the distributor and MSI register writes and reset
 * (GIC_INPUT), the redistributor and ICC register writes (GIC_SET_REG) and
 * set_state. A record is written under the GIC lock, so inputs from several
 * threads are in the trace in the order they took effect. GIC_INPUT notes
 * whether a vCPU was inside hv_vcpu_run at that moment: such an input (from
 * a thread other than a running vCPU's) replays before that vCPU's run, not
 * at the instruction where it arrived (docs/trace.md).
 */
#include <stdlib.h>
#include <string.h>

#include "arm64.h"
#include "gic.h"
#include "object.h"
#include "record.h"
#include "../../trace/format.h"

#define HVM_API        __attribute__((visibility("default")))
#define OBJ_GIC_CONFIG 3u
#define OBJ_GIC_STATE  4u
#define MSI_SETSPI     0x40u
#define GICR_TYPER_OFF 0x8u
#define IROUTER_FIRST  0x6100u
#define IROUTER_LAST   0x7fd8u

extern pthread_mutex_t vm_lock;

struct gic_config {
    struct hvm_object h;
    struct gic_layout l;
};

struct gic_state_obj {
    struct hvm_object h;
    size_t n;
    uint8_t data[];
};

/* The VM's GIC, or NULL with *err set (HV_NO_DEVICE). */
static struct gic *the_gic(hv_return_t *err)
{
    struct hvm_vm *vm = vm_current();
    struct gic *g = vm ? vm->gic : NULL;
    if (!g)
        *err = HV_NO_DEVICE;
    return g;
}

#define GIC_OR_RETURN(g)                                                                           \
    hv_return_t err_;                                                                              \
    struct gic *g = the_gic(&err_);                                                                \
    if (!g)                                                                                        \
    return err_

void a64_gic_vm_fini(struct hvm_vm *vm)
{
    gic_free(vm->gic);
    vm->gic = NULL;
}

/* ---- configuration ---- */

HVM_API hv_gic_config_t hv_gic_config_create(void)
{
    if (!vm_current())
        return NULL;
    return (hv_gic_config_t)object_new(sizeof(struct gic_config), OBJ_GIC_CONFIG);
}

static hv_return_t set_base(hv_gic_config_t config, hv_ipa_t base, uint64_t size, int which)
{
    struct gic_config *c = object_cast(config, OBJ_GIC_CONFIG);
    if (!c || (base & (GIC_ALIGN - 1)) || base + size < base)
        return HV_BAD_ARGUMENT;
    if (which == 0) {
        c->l.dist = base;
        c->l.has_dist = true;
    } else if (which == 1) {
        c->l.redist = base;
        c->l.has_redist = true;
    } else {
        c->l.msi = base;
        c->l.has_msi = true;
    }
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_config_set_distributor_base(hv_gic_config_t config,
                                                       hv_ipa_t distributor_base_address)
{
    return set_base(config, distributor_base_address, GIC_DIST_SIZE, 0);
}

HVM_API hv_return_t hv_gic_config_set_redistributor_base(hv_gic_config_t config,
                                                         hv_ipa_t redistributor_base_address)
{
    return set_base(config, redistributor_base_address, GIC_REGION_SIZE, 1);
}

HVM_API hv_return_t hv_gic_config_set_msi_region_base(hv_gic_config_t config,
                                                      hv_ipa_t msi_region_base_address)
{
    return set_base(config, msi_region_base_address, GIC_MSI_SIZE, 2);
}

HVM_API hv_return_t hv_gic_config_set_msi_interrupt_range(hv_gic_config_t config,
                                                          uint32_t msi_intid_base,
                                                          uint32_t msi_intid_count)
{
    struct gic_config *c = object_cast(config, OBJ_GIC_CONFIG);
    if (!c || msi_intid_count == 0 || msi_intid_base < GIC_SPI_BASE ||
        msi_intid_base >= GIC_NR_IRQS || msi_intid_count > GIC_NR_IRQS - msi_intid_base)
        return HV_BAD_ARGUMENT;
    c->l.msi_base = msi_intid_base;
    c->l.msi_count = msi_intid_count;
    return HV_SUCCESS;
}

/* ---- creation, reset ---- */

static bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return a < b + bn && b < a + an;
}

static bool layout_ok(const struct gic_layout *l, unsigned ipa_bits)
{
    uint64_t top = 1ull << ipa_bits;
    if (!l->has_dist || !l->has_redist || l->dist + GIC_DIST_SIZE > top ||
        l->redist + GIC_REGION_SIZE > top ||
        overlap(l->dist, GIC_DIST_SIZE, l->redist, GIC_REGION_SIZE))
        return false;
    if (l->has_msi &&
        (l->msi + GIC_MSI_SIZE > top || overlap(l->msi, GIC_MSI_SIZE, l->dist, GIC_DIST_SIZE) ||
         overlap(l->msi, GIC_MSI_SIZE, l->redist, GIC_REGION_SIZE)))
        return false;
    return true;
}

HVM_API hv_return_t hv_gic_create(hv_gic_config_t gic_config)
{
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    struct hvm_vm *vm = vm_current();
    struct gic_config *c = object_cast(gic_config, OBJ_GIC_CONFIG);
    if (!vm) {
        ret = HV_NO_DEVICE;
    } else if (!c || !layout_ok(&c->l, vm->params.ipa_bits)) {
        ret = HV_BAD_ARGUMENT;
    } else if (vm->gic) {
        ret = HV_EXISTS;
    } else if (vm->nvcpus) {
        ret = HV_BUSY;
    } else {
        struct gic_layout l = c->l;
        if (!l.has_msi || !l.msi_count) /* MSIs need both the frame and the range */
            l.has_msi = false, l.msi_count = 0;
        vm->gic = gic_new(&l);
        if (!vm->gic)
            ret = HV_NO_RESOURCES;
        else if (rec_active())
            rec_gic_create((c->l.has_dist ? HVT_GIC_HAS_DIST : 0u) |
                               (c->l.has_redist ? HVT_GIC_HAS_REDIST : 0u) |
                               (c->l.has_msi ? HVT_GIC_HAS_MSI_REGION : 0u) |
                               (c->l.msi_count ? HVT_GIC_HAS_MSI_RANGE : 0u),
                           c->l.msi_base, c->l.msi_count, c->l.dist, c->l.redist, c->l.msi);
    }
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

/* Records a VM-wide input (g->lock held: records are in the order the
 * inputs took effect). */
static void record_input(struct gic *g, uint32_t kind, uint32_t arg, uint64_t value)
{
    if (rec_active())
        rec_gic_input(kind, arg, value, atomic_load(&g->running) ? HVT_GIC_WHILE_RUNNING : 0u);
}

HVM_API hv_return_t hv_gic_reset(void)
{
    GIC_OR_RETURN(g);
    pthread_mutex_lock(&g->lock);
    gic_reset_locked(g, true);
    record_input(g, HVT_GIC_RESET, 0, 0);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

/* Some vCPU is inside hv_vcpu_run (vm_lock held). */
static bool any_running(const struct hvm_vm *vm)
{
    for (uint32_t i = 0; i < HVM_MAX_VCPUS; i++)
        if (vm->vcpus[i] && atomic_load(&vm->vcpus[i]->state) == HVM_VCPU_RUNNING)
            return true;
    return false;
}

HVM_API hv_return_t hv_gic_set_state(const void *gic_state_data, size_t gic_state_size)
{
    GIC_OR_RETURN(g);
    if (!gic_state_data)
        return HV_BAD_ARGUMENT;
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm_lock);
    pthread_mutex_lock(&g->lock);
    if (g->ran || any_running(vm_current()))
        ret = HV_BUSY;
    else if (!gic_state_load(g, gic_state_data, gic_state_size))
        ret = HV_BAD_ARGUMENT;
    else if (rec_active()) /* the size is gic_state_size(): load checked it */
        rec_gic_state(gic_state_data, (uint32_t)gic_state_size);
    pthread_mutex_unlock(&g->lock);
    pthread_mutex_unlock(&vm_lock);
    return ret;
}

/* ---- raising interrupts ---- */

HVM_API hv_return_t hv_gic_set_spi(uint32_t intid, bool level)
{
    GIC_OR_RETURN(g);
    if (intid < GIC_SPI_BASE || intid >= GIC_NR_IRQS || gic_msi_intid(g, intid))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    struct gic_irq *q = &g->spi[intid];
    if (q->edge)
        q->latch |= level; /* an edge; false does nothing */
    else
        q->line = level;
    gic_update(g);
    record_input(g, HVT_GIC_SPI, intid, level);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_send_msi(hv_ipa_t address, uint32_t intid)
{
    GIC_OR_RETURN(g);
    if (!g->l.has_msi || address != g->l.msi + MSI_SETSPI || !gic_msi_intid(g, intid))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    gicm_write(g, MSI_SETSPI, intid);
    record_input(g, HVT_GIC_MSI, intid, address);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

/* ---- distributor, redistributor and MSI registers ---- */

/* 64-bit registers are read and written whole at their offset; the upper
 * word's own offset is refused. */
static bool dist_reg_ok(uint32_t reg, bool *wide)
{
    *wide = reg >= IROUTER_FIRST && reg <= IROUTER_LAST + 4;
    return !(reg & 3) && (!*wide || !(reg & 7));
}

HVM_API hv_return_t hv_gic_get_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t *value)
{
    GIC_OR_RETURN(g);
    bool wide;
    if (!value || !dist_reg_ok(reg, &wide))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    *value = gicd_read(g, reg);
    if (wide)
        *value |= (uint64_t)gicd_read(g, reg + 4u) << 32;
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_set_distributor_reg(hv_gic_distributor_reg_t reg, uint64_t value)
{
    GIC_OR_RETURN(g);
    bool wide;
    if (!dist_reg_ok(reg, &wide))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    gicd_write(g, reg, (uint32_t)value);
    if (wide)
        gicd_write(g, reg + 4u, (uint32_t)(value >> 32));
    record_input(g, HVT_GIC_DIST_REG, reg, value);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_get_redistributor_base(hv_vcpu_t vcpu,
                                                  hv_ipa_t *redistributor_base_address)
{
    GIC_OR_RETURN(g);
    if (!redistributor_base_address || vcpu >= HVM_MAX_VCPUS)
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    bool present = g->cpu[vcpu].present;
    pthread_mutex_unlock(&g->lock);
    if (!present)
        return HV_BAD_ARGUMENT;
    *redistributor_base_address = g->l.redist + vcpu * GIC_RD_SIZE;
    return HV_SUCCESS;
}

/* The GIC and the calling thread's vCPU `id`, or an error. */
#define GIC_AND_OWNED(g, id)                                                                       \
    GIC_OR_RETURN(g);                                                                              \
    struct hvm_vcpu *b_ = vcpu_owned((id), &err_);                                                 \
    if (!b_)                                                                                       \
    return err_

static bool redist_reg_ok(uint32_t reg, bool *wide)
{
    *wide = reg == GICR_TYPER_OFF;
    return reg < GIC_RD_SIZE && !(reg & 3);
}

HVM_API hv_return_t hv_gic_get_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                 uint64_t *value)
{
    GIC_AND_OWNED(g, vcpu);
    bool wide;
    if (!value || !redist_reg_ok(reg, &wide))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    *value = gicr_read(g, b_->id, reg);
    if (wide)
        *value |= (uint64_t)gicr_read(g, b_->id, reg + 4u) << 32;
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_set_redistributor_reg(hv_vcpu_t vcpu, hv_gic_redistributor_reg_t reg,
                                                 uint64_t value)
{
    GIC_AND_OWNED(g, vcpu);
    bool wide;
    if (!redist_reg_ok(reg, &wide))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    gicr_write(g, b_->id, reg, (uint32_t)value); /* GICR_TYPER is read-only */
    if (rec_active())
        rec_gic_set_reg(b_->id, HVT_GIC_REDIST, reg, value);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

static bool msi_reg_ok(const struct gic *g, uint32_t reg)
{
    return g->l.has_msi && (reg == 0x8u || reg == MSI_SETSPI);
}

HVM_API hv_return_t hv_gic_get_msi_reg(hv_gic_msi_reg_t reg, uint64_t *value)
{
    GIC_OR_RETURN(g);
    if (!value || !msi_reg_ok(g, reg))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    *value = gicm_read(g, reg);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_set_msi_reg(hv_gic_msi_reg_t reg, uint64_t value)
{
    GIC_OR_RETURN(g);
    if (!msi_reg_ok(g, reg))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&g->lock);
    gicm_write(g, reg, (uint32_t)value); /* GICM_TYPER is read-only */
    record_input(g, HVT_GIC_MSI_REG, reg, value);
    pthread_mutex_unlock(&g->lock);
    return HV_SUCCESS;
}

/* ---- CPU interface registers ---- */

HVM_API hv_return_t hv_gic_get_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t *value)
{
    GIC_AND_OWNED(g, vcpu);
    if (!value || !gic_icc_get(g, b_->id, reg, value))
        return HV_BAD_ARGUMENT;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_set_icc_reg(hv_vcpu_t vcpu, hv_gic_icc_reg_t reg, uint64_t value)
{
    GIC_AND_OWNED(g, vcpu);
    /* Only the owner changes its CPU interface, and it is not running: the
     * record's place among the other records is where it took effect. */
    if (!gic_icc_set(g, b_->id, reg, value))
        return HV_BAD_ARGUMENT;
    if (rec_active())
        rec_gic_set_reg(b_->id, HVT_GIC_ICC, reg, value);
    return HV_SUCCESS;
}

/* ICH_* and ICV_* exist only for a guest hypervisor; the model has no EL2. */
#define NO_EL2(id)                                                                                 \
    do {                                                                                           \
        GIC_AND_OWNED(g, id);                                                                      \
        (void)g;                                                                                   \
        return HV_BAD_ARGUMENT;                                                                    \
    } while (0)

HVM_API hv_return_t hv_gic_get_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t *value)
{
    NO_EL2(vcpu);
}

HVM_API hv_return_t hv_gic_set_ich_reg(hv_vcpu_t vcpu, hv_gic_ich_reg_t reg, uint64_t value)
{
    NO_EL2(vcpu);
}

HVM_API hv_return_t hv_gic_get_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t *value)
{
    NO_EL2(vcpu);
}

HVM_API hv_return_t hv_gic_set_icv_reg(hv_vcpu_t vcpu, hv_gic_icv_reg_t reg, uint64_t value)
{
    NO_EL2(vcpu);
}

/* ---- state ---- */

HVM_API hv_gic_state_t hv_gic_state_create(void)
{
    hv_return_t err;
    struct gic_state_obj *s = NULL;
    pthread_mutex_lock(&vm_lock);
    struct gic *g = the_gic(&err);
    if (g && !any_running(vm_current())) {
        s = object_new(sizeof(*s) + gic_state_size(), OBJ_GIC_STATE);
        if (s) {
            s->n = gic_state_size();
            pthread_mutex_lock(&g->lock);
            gic_state_save(g, s->data);
            pthread_mutex_unlock(&g->lock);
        }
    }
    pthread_mutex_unlock(&vm_lock);
    return (hv_gic_state_t)s;
}

HVM_API hv_return_t hv_gic_state_get_size(hv_gic_state_t state, size_t *gic_state_size)
{
    struct gic_state_obj *s = object_cast(state, OBJ_GIC_STATE);
    if (!s || !gic_state_size)
        return HV_BAD_ARGUMENT;
    *gic_state_size = s->n;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_state_get_data(hv_gic_state_t state, void *gic_state_data)
{
    struct gic_state_obj *s = object_cast(state, OBJ_GIC_STATE);
    if (!s || !gic_state_data)
        return HV_BAD_ARGUMENT;
    memcpy(gic_state_data, s->data, s->n);
    return HV_SUCCESS;
}

/* ---- geometry ---- */

#define GEOMETRY(name, value)                                                                      \
    HVM_API hv_return_t name(size_t *out)                                                          \
    {                                                                                              \
        if (!out)                                                                                  \
            return HV_BAD_ARGUMENT;                                                                \
        *out = (value);                                                                            \
        return HV_SUCCESS;                                                                         \
    }

GEOMETRY(hv_gic_get_distributor_size, GIC_DIST_SIZE)
GEOMETRY(hv_gic_get_distributor_base_alignment, GIC_ALIGN)
GEOMETRY(hv_gic_get_redistributor_region_size, GIC_REGION_SIZE)
GEOMETRY(hv_gic_get_redistributor_size, GIC_RD_SIZE)
GEOMETRY(hv_gic_get_redistributor_base_alignment, GIC_ALIGN)
GEOMETRY(hv_gic_get_msi_region_size, GIC_MSI_SIZE)
GEOMETRY(hv_gic_get_msi_region_base_alignment, GIC_ALIGN)

HVM_API hv_return_t hv_gic_get_spi_interrupt_range(uint32_t *spi_intid_base,
                                                   uint32_t *spi_intid_count)
{
    if (!spi_intid_base || !spi_intid_count)
        return HV_BAD_ARGUMENT;
    *spi_intid_base = GIC_SPI_BASE;
    *spi_intid_count = GIC_NR_SPIS;
    return HV_SUCCESS;
}

HVM_API hv_return_t hv_gic_get_intid(hv_gic_intid_t interrupt, uint32_t *intid)
{
    if (!intid)
        return HV_BAD_ARGUMENT;
    switch (interrupt) {
    case HV_GIC_INT_PERFORMANCE_MONITOR:
    case HV_GIC_INT_MAINTENANCE:
    case HV_GIC_INT_EL2_PHYSICAL_TIMER:
    case HV_GIC_INT_EL1_VIRTUAL_TIMER:
    case HV_GIC_INT_EL1_PHYSICAL_TIMER: *intid = interrupt; return HV_SUCCESS;
    default: return HV_BAD_ARGUMENT;
    }
}

/* ---- the vCPU side ---- */

bool a64_gic_irq(struct a64_vcpu *v)
{
    return atomic_load_explicit(&v->gic->irq[v->base.id], memory_order_relaxed);
}

bool a64_gic_fiq(struct a64_vcpu *v)
{
    return atomic_load_explicit(&v->gic->fiq[v->base.id], memory_order_relaxed);
}

bool a64_gic_mmio_complete(struct a64_vcpu *v)
{
    uint64_t val = v->mmio.write ? a64_xreg(v, v->mmio.rt) : 0;
    unsigned size = v->mmio.size;
    if (size < 8)
        val &= (1ull << (8 * size)) - 1;
    gic_mmio(v->gic, v->base.id, v->mmio.ipa, size, v->mmio.write, &val);
    if (!v->mmio.write && v->mmio.rt != 31) {
        if (v->mmio.sse && size < 8) { /* LDRS*: sign-extend to 64 or 32 bits */
            unsigned sh = 64 - 8 * size;
            val = (uint64_t)((int64_t)(val << sh) >> sh);
            if (!v->mmio.sf)
                val &= 0xffffffffull;
        }
        a64_set_xreg(v, v->mmio.rt, val);
    }
    if (v->mmio.writeback) {
        if (v->mmio.rn == 31)
            uc_reg_write(v->base.uc, UC_ARM64_REG_SP, &v->mmio.wb_value);
        else
            a64_set_xreg(v, v->mmio.rn, v->mmio.wb_value);
    }
    /* The access retired: one instruction, PC past it. */
    __atomic_store_n(&v->base.icount, v->base.icount + 1, __ATOMIC_RELAXED);
    a64_set_pc(v, a64_pc(v) + 4);
    return true;
}
