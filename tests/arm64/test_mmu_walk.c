/*
 * Stage-1 translation walker (model/arm64/mmu.c).
 *
 * Proves that a64_mmu_translate() gives the output address, fault status code
 * and level an Armv8.0 CPU would for EL1&0 stage-1 translations: 4K/16K/64K
 * granules and their start levels, both TTBRs, blocks and pages, invalid
 * descriptors, EPDx, TBI, address size faults (TTBR, table, leaf, MMU off),
 * the access flag, AP/UXN/PXN, hierarchical table controls, WXN, PAN and
 * unprivileged accesses, fault precedence, and stage-2 faults on descriptor
 * fetches. Page tables are built in a small fake guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arm64/mmu.h"

/* ---- fake guest memory ---------------------------------------------------- */

#define RAM_SIZE (UINT64_C(2) << 20) /* IPA [0, 2 MiB) is backed */

struct fake_mem {
    uint8_t *ram;
    uint64_t next;             /* bump allocator for tables */
    uint64_t hole_lo, hole_hi; /* unbacked IPA range inside RAM (second callback) */
};

static bool ram_read_desc(void *opaque, uint64_t pa, uint64_t *val)
{
    struct fake_mem *m = opaque;
    uint64_t v = 0;

    assert_int_equal(pa & 7, 0);
    if (pa >= RAM_SIZE || RAM_SIZE - pa < 8)
        return false;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | m->ram[pa + (uint64_t)i];
    *val = v;
    return true;
}

/* Same memory, but [hole_lo, hole_hi) is reported as unbacked, as if the VMM
 * had not mapped it at stage 2. */
static bool holey_read_desc(void *opaque, uint64_t pa, uint64_t *val)
{
    struct fake_mem *m = opaque;

    if (pa >= m->hole_lo && pa < m->hole_hi)
        return false;
    return ram_read_desc(opaque, pa, val);
}

static void mem_write64(struct fake_mem *m, uint64_t pa, uint64_t v)
{
    assert_true(pa + 8 <= RAM_SIZE);
    for (int i = 0; i < 8; i++)
        m->ram[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static uint64_t mem_read64(struct fake_mem *m, uint64_t pa)
{
    uint64_t v = 0;
    assert_true(ram_read_desc(m, pa, &v));
    return v;
}

/* A zeroed, granule-aligned table. */
static uint64_t mem_alloc_table(struct fake_mem *m, uint64_t gsize)
{
    uint64_t pa = (m->next + gsize - 1) & ~(gsize - 1);
    assert_true(pa + gsize <= RAM_SIZE);
    m->next = pa + gsize;
    return pa;
}

/* ---- test environment ------------------------------------------------------ */

#define TCR_T0SZ(n) ((uint64_t)(n) << A64_MMU_TCR_T0SZ_SHIFT)
#define TCR_T1SZ(n) ((uint64_t)(n) << A64_MMU_TCR_T1SZ_SHIFT)
#define TCR_TG0(n)  ((uint64_t)(n) << A64_MMU_TCR_TG0_SHIFT)
#define TCR_TG1(n)  ((uint64_t)(n) << A64_MMU_TCR_TG1_SHIFT)
#define TCR_IPS(n)  ((uint64_t)(n) << A64_MMU_TCR_IPS_SHIFT)

#define TG0_4K  0
#define TG0_64K 1
#define TG0_16K 2
#define TG1_16K 1
#define TG1_4K  2
#define TG1_64K 3

#define IPS_36 1
#define IPS_40 2
#define IPS_48 5

/* Leaf attributes: AF set, AP = 00 (EL1 RW, no EL0), executable everywhere. */
#define LEAF      A64_MMU_DESC_AF
#define AP_EL1_RW 0
#define AP_RW     A64_MMU_DESC_AP_EL0
#define AP_EL1_RO A64_MMU_DESC_AP_RO
#define AP_RO     (A64_MMU_DESC_AP_RO | A64_MMU_DESC_AP_EL0)

struct env {
    struct fake_mem mem;
    struct a64_mmu_ctx ctx;
};

/* One VA range's translation geometry, as the test builds tables for it. */
struct geom {
    unsigned gshift, start, inputsize;
    uint64_t root;
};

static int env_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->mem.ram = calloc(1, RAM_SIZE);
    assert_non_null(e->mem.ram);
    e->mem.next = 0x10000; /* keep IPA 0 free */
    e->ctx.sctlr = A64_MMU_SCTLR_M;
    e->ctx.el = 1;
    e->ctx.pa_bits = 40;
    e->ctx.read_desc = ram_read_desc;
    e->ctx.opaque = &e->mem;
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    struct env *e = *state;
    free(e->mem.ram);
    free(e);
    return 0;
}

static unsigned start_level(unsigned gshift, unsigned txsz)
{
    unsigned stride = gshift - 3, inputsize = 64 - txsz;
    return 4 - (inputsize - gshift + stride - 1) / stride;
}

/* Configure one range: granule, TxSZ; allocates its root table and points the
 * TTBR at it. tg is the TCR field value for that range's encoding. */
static struct geom env_range(struct env *e, bool upper, unsigned gshift, unsigned tg, unsigned txsz)
{
    struct geom g = {gshift, start_level(gshift, txsz), 64 - txsz, 0};

    g.root = mem_alloc_table(&e->mem, UINT64_C(1) << gshift);
    if (upper) {
        e->ctx.tcr &= ~(TCR_T1SZ(0x3f) | TCR_TG1(3));
        e->ctx.tcr |= TCR_T1SZ(txsz) | TCR_TG1(tg);
        e->ctx.ttbr1 = g.root;
    } else {
        e->ctx.tcr &= ~(TCR_T0SZ(0x3f) | TCR_TG0(3));
        e->ctx.tcr |= TCR_T0SZ(txsz) | TCR_TG0(tg);
        e->ctx.ttbr0 = g.root;
    }
    return g;
}

/* The default: both ranges 48-bit with 4K granules, IPS = 40 bits. */
static void env_default(struct env *e, struct geom *lo, struct geom *hi)
{
    e->ctx.tcr |= TCR_IPS(IPS_40);
    *lo = env_range(e, false, 12, TG0_4K, 16);
    if (hi)
        *hi = env_range(e, true, 12, TG1_4K, 16);
}

static uint64_t va_index(const struct geom *g, uint64_t va, unsigned level)
{
    unsigned stride = g->gshift - 3;
    unsigned shift = (3 - level) * stride + g->gshift;
    unsigned width = level == g->start ? g->inputsize - shift : stride;
    return (va >> shift) & ((UINT64_C(1) << width) - 1);
}

/* Address of the level-`level` descriptor for va, creating missing tables
 * above it. The extra table bits tbits (APTable, XNTable) go into the table
 * descriptor two levels above the leaf when there is one, so they must carry
 * through an intermediate table to reach it. */
static uint64_t env_slot(struct env *e, const struct geom *g, uint64_t va, unsigned level,
                         uint64_t tbits)
{
    uint64_t table = g->root;
    unsigned tlevel = level >= g->start + 2 ? level - 2 : g->start;

    for (unsigned l = g->start; l < level; l++) {
        uint64_t slot = table + 8 * va_index(g, va, l);
        uint64_t d = mem_read64(&e->mem, slot);
        if ((d & 3) != 3)
            d = mem_alloc_table(&e->mem, UINT64_C(1) << g->gshift) | 3;
        if (l == tlevel)
            d |= tbits;
        mem_write64(&e->mem, slot, d);
        table = d & ((UINT64_C(1) << 48) - 1) & ~((UINT64_C(1) << g->gshift) - 1);
    }
    return table + 8 * va_index(g, va, level);
}

/* Map va to oa with a leaf (page at level 3, block above) carrying attrs. */
static void env_map(struct env *e, const struct geom *g, uint64_t va, uint64_t oa, unsigned level,
                    uint64_t attrs, uint64_t tbits)
{
    uint64_t type = level == 3 ? 3 : 1;
    mem_write64(&e->mem, env_slot(e, g, va, level, tbits), oa | attrs | type);
}

static enum a64_walk_status xlate(struct env *e, uint64_t va, enum a64_acc acc, struct a64_walk *w)
{
    memset(w, 0xa5, sizeof(*w)); /* the walker must fill everything in */
    return a64_mmu_translate(&e->ctx, va, acc, w);
}

#define ASSERT_OK(st, w, want_pa, want_level)                                                      \
    do {                                                                                           \
        assert_int_equal((st), A64_WALK_OK);                                                       \
        assert_int_equal((w).fsc, 0);                                                              \
        assert_int_equal((w).level, (want_level));                                                 \
        assert_int_equal((w).pa, (want_pa));                                                       \
    } while (0)

#define ASSERT_FAULT(st, w, want_fsc, want_level)                                                  \
    do {                                                                                           \
        assert_int_equal((st), A64_WALK_FAULT);                                                    \
        assert_int_equal((w).fsc, (want_fsc) + (want_level));                                      \
        assert_int_equal((w).level, (want_level));                                                 \
        assert_int_equal((w).pa, 0);                                                               \
    } while (0)

/* ---- translation ----------------------------------------------------------- */

static void test_4k_level3_page_translates_with_page_offset(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x0000123456789000, 0xabcd000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x0000123456789678, A64_ACC_READ, &w), w, 0xabcd678, 3);
    assert_true(w.readable && w.writable && w.executable);
    assert_int_equal(w.page_size, 0x1000);
    ASSERT_OK(xlate(e, 0x0000123456789ffc, A64_ACC_WRITE, &w), w, 0xabcdffc, 3);
    ASSERT_OK(xlate(e, 0x0000123456789000, A64_ACC_FETCH, &w), w, 0xabcd000, 3);
}

static void test_4k_level1_block_maps_1g(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x40000000, 0x80000000, 1, LEAF, 0);

    ASSERT_OK(xlate(e, 0x7fedcba8, A64_ACC_READ, &w), w, 0xbfedcba8, 1);
    assert_int_equal(w.page_size, UINT64_C(1) << 30);
}

static void test_4k_level2_block_ignores_res0_bits_below_block(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    /* Bits [20:12] of a 2 MiB block descriptor are RES0: not part of the OA. */
    env_map(e, &g, 0x00200000, 0x12345000, 2, LEAF, 0);

    ASSERT_OK(xlate(e, 0x00212345, A64_ACC_READ, &w), w, 0x12212345, 2);
    assert_int_equal(w.page_size, UINT64_C(2) << 20);
}

static void test_4k_t0sz_25_starts_at_level_1(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 12, TG0_4K, 25); /* 39-bit VA: levels 1..3 */
    assert_int_equal(g.start, 1);
    env_map(e, &g, 0x7fc0001000, 0x5000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x7fc0001010, A64_ACC_READ, &w), w, 0x5010, 3);
    /* An empty root entry faults at the start level, 1. */
    ASSERT_FAULT(xlate(e, 0x0000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 1);
}

static void test_4k_t0sz_39_starts_at_level_2(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 12, TG0_4K, 39); /* 25-bit VA: levels 2..3 */
    assert_int_equal(g.start, 2);
    env_map(e, &g, 0x1fff000, 0x3000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x1fff008, A64_ACC_READ, &w), w, 0x3008, 3);
}

static void test_t0sz_above_39_behaves_as_39(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 12, TG0_4K, 39);
    e->ctx.tcr |= TCR_T0SZ(48); /* 39 | 48 = 55: beyond the Armv8.0 maximum */
    env_map(e, &g, 0x1fff000, 0x3000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x1fff008, A64_ACC_READ, &w), w, 0x3008, 3);
    ASSERT_FAULT(xlate(e, 0x2000000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
}

static void test_ttbr1_high_address_uses_ttbr1(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    env_default(e, &lo, &hi);
    env_map(e, &lo, 0x0000000012345000, 0x1000, 3, LEAF, 0);
    env_map(e, &hi, 0xffff000012345000, 0x2000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0xffff000012345abc, A64_ACC_READ, &w), w, 0x2abc, 3);
    ASSERT_OK(xlate(e, 0x0000000012345abc, A64_ACC_READ, &w), w, 0x1abc, 3);
}

static void test_tg1_uses_its_own_encoding(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    lo = env_range(e, false, 12, TG0_4K, 16);
    hi = env_range(e, true, 14, TG1_16K, 17); /* TG1 = 1 is 16K (TG0 = 1 would be 64K) */
    (void)lo;
    assert_int_equal(hi.start, 1);
    env_map(e, &hi, 0xffff800000004000, 0x8000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0xffff800000007ff8, A64_ACC_READ, &w), w, 0xbff8, 3);
    assert_int_equal(w.page_size, 0x4000);
}

static void test_16k_granule_block_at_level_2(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 14, TG0_16K, 17); /* 47-bit VA: levels 1..3 */
    assert_int_equal(g.start, 1);
    env_map(e, &g, 0x0000400002000000, 0x6000000, 2, LEAF, 0); /* 32 MiB block */

    ASSERT_OK(xlate(e, 0x0000400003fedcba, A64_ACC_READ, &w), w, 0x7fedcba, 2);
    assert_int_equal(w.page_size, UINT64_C(32) << 20);
}

static void test_16k_granule_48bit_va_has_two_entry_level0_table(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 14, TG0_16K, 16); /* level 0 resolves only VA bit 47 */
    assert_int_equal(g.start, 0);
    env_map(e, &g, 0x0000800000008000, 0x10000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x000080000000800c, A64_ACC_READ, &w), w, 0x1000c, 3);
    /* The second root entry (VA bit 47 set) is what the walk read. */
    assert_int_equal(mem_read64(&e->mem, g.root + 8) & 3, 3);
}

static void test_16k_granule_block_at_level_1_is_translation_fault(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 14, TG0_16K, 17);
    env_map(e, &g, 0, 0, 1, LEAF, 0); /* 64 GiB block: needs FEAT_LPA2 */

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 1);
}

static void test_64k_granule(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 16, TG0_64K, 22); /* 42-bit VA: levels 2..3 */
    assert_int_equal(g.start, 2);
    env_map(e, &g, 0x0000020000010000, 0x00230000, 3, LEAF, 0);
    env_map(e, &g, 0x0000000020000000, 0x40000000, 2, LEAF, 0); /* 512 MiB block */

    ASSERT_OK(xlate(e, 0x000002000001fffe, A64_ACC_READ, &w), w, 0x0023fffe, 3);
    assert_int_equal(w.page_size, 0x10000);
    ASSERT_OK(xlate(e, 0x000000003abcdef0, A64_ACC_READ, &w), w, 0x5abcdef0, 2);
    assert_int_equal(w.page_size, UINT64_C(512) << 20);
}

static void test_64k_granule_48bit_va_starts_at_level_1(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 16, TG0_64K, 16);
    assert_int_equal(g.start, 1);
    env_map(e, &g, 0x0000fc0000000000, 0x00110000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0x0000fc0000000004, A64_ACC_READ, &w), w, 0x00110004, 3);
    /* A block at level 1 needs FEAT_LPA with 64K: a translation fault. */
    env_map(e, &g, 0x0000000000000000, 0, 1, LEAF, 0);
    ASSERT_FAULT(xlate(e, 0x10000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 1);
}

static void test_mmu_off_is_flat(void **state)
{
    struct env *e = *state;
    struct a64_walk w;

    e->ctx.sctlr = 0;
    e->ctx.read_desc = NULL; /* no table is read */

    ASSERT_OK(xlate(e, 0x12345678, A64_ACC_READ, &w), w, 0x12345678, 0);
    ASSERT_OK(xlate(e, 0xffffffffff, A64_ACC_WRITE, &w), w, 0xffffffffff, 0);
    ASSERT_OK(xlate(e, 0x80000, A64_ACC_FETCH, &w), w, 0x80000, 0);
    assert_true(w.readable && w.writable && w.executable);
}

static void test_mmu_off_va_above_pa_size_is_address_size_fault_level_0(void **state)
{
    struct env *e = *state;
    struct a64_walk w;

    e->ctx.sctlr = 0;
    ASSERT_FAULT(xlate(e, UINT64_C(1) << 40, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 0);
    ASSERT_FAULT(xlate(e, 0xffff000000000000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_ADDR_SIZE, 0);
}

static void test_mmu_off_tbi_ignores_top_byte_for_loads(void **state)
{
    struct env *e = *state;
    struct a64_walk w;

    e->ctx.sctlr = 0;
    e->ctx.tcr = A64_MMU_TCR_TBI0;
    ASSERT_OK(xlate(e, 0x5a00000000001000, A64_ACC_READ, &w), w, 0x1000, 0);
    ASSERT_FAULT(xlate(e, 0x5a00000000001000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_ADDR_SIZE, 0);
}

/* ---- translation faults ------------------------------------------------------ */

static void test_missing_level2_entry_is_translation_fault_level_2(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x40000000, 0x1000, 3, LEAF, 0); /* creates levels 0..2 for VA 1 GiB */

    /* Same level-1 table, another (empty) level-2 entry. */
    ASSERT_FAULT(xlate(e, 0x40200000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 2);
    /* Empty level-0 entry. */
    ASSERT_FAULT(xlate(e, 0x0000800000000000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    /* Empty level-3 entry. */
    ASSERT_FAULT(xlate(e, 0x40001000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_TRANSLATION, 3);
}

static void test_4k_block_at_level_0_is_translation_fault_level_0(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    mem_write64(&e->mem, g.root, LEAF | 1);
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
}

static void test_level3_block_encoding_is_translation_fault_level_3(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    mem_write64(&e->mem, env_slot(e, &g, 0x5000, 3, 0), 0x9000 | LEAF | 1); /* reserved */
    ASSERT_FAULT(xlate(e, 0x5000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 3);
}

static void test_va_above_t0sz_range_is_translation_fault_level_0(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 12, TG0_4K, 25);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF, 0);

    /* Bit 39 is above a 39-bit range even though a level-1 table exists. */
    ASSERT_FAULT(xlate(e, 0x8000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
}

static void test_non_canonical_va_is_translation_fault_level_0(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    env_default(e, &lo, &hi);
    env_map(e, &lo, 0x1000, 0x1000, 3, LEAF, 0);
    env_map(e, &hi, 0xffff000000001000, 0x1000, 3, LEAF, 0);

    ASSERT_FAULT(xlate(e, 0x0001000000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_FAULT(xlate(e, 0xfffe000000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    /* Without TBI the top byte must match bit 55 too. */
    ASSERT_FAULT(xlate(e, 0x7f00000000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_FAULT(xlate(e, 0x00ff000000001000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
}

static void test_epd0_gives_level_0_translation_fault(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    env_default(e, &lo, &hi);
    env_map(e, &lo, 0x1000, 0x3000, 3, LEAF, 0);
    env_map(e, &hi, 0xffff000000001000, 0x4000, 3, LEAF, 0);
    e->ctx.tcr |= A64_MMU_TCR_EPD0;

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_OK(xlate(e, 0xffff000000001000, A64_ACC_READ, &w), w, 0x4000, 3);
}

static void test_epd1_gives_level_0_translation_fault(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    lo = env_range(e, false, 12, TG0_4K, 16);
    hi = env_range(e, true, 16, TG1_64K, 22); /* starts at level 2 */
    env_map(e, &lo, 0x1000, 0x3000, 3, LEAF, 0);
    env_map(e, &hi, 0xfffffc0000010000, 0x40000, 3, LEAF, 0);

    ASSERT_OK(xlate(e, 0xfffffc0000010008, A64_ACC_READ, &w), w, 0x40008, 3);
    e->ctx.tcr |= A64_MMU_TCR_EPD1;
    ASSERT_FAULT(xlate(e, 0xfffffc0000010008, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_READ, &w), w, 0x3000, 3);
}

static void test_tbi_ignores_top_byte_for_loads_not_fetches(void **state)
{
    struct env *e = *state;
    struct geom lo, hi;
    struct a64_walk w;

    env_default(e, &lo, &hi);
    env_map(e, &lo, 0x0000000000402000, 0x7000, 3, LEAF, 0);
    env_map(e, &hi, 0xffff000000402000, 0x8000, 3, LEAF, 0);

    /* TBI0 off: a tagged address is out of range. */
    ASSERT_FAULT(xlate(e, 0x5a00000000402010, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);

    e->ctx.tcr |= A64_MMU_TCR_TBI0;
    ASSERT_OK(xlate(e, 0x5a00000000402010, A64_ACC_READ, &w), w, 0x7010, 3);
    ASSERT_OK(xlate(e, 0xa500000000402018, A64_ACC_WRITE, &w), w, 0x7018, 3);
    ASSERT_FAULT(xlate(e, 0x5a00000000402010, A64_ACC_FETCH, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    ASSERT_OK(xlate(e, 0x0000000000402010, A64_ACC_FETCH, &w), w, 0x7010, 3);

    /* TBI0 does not cover the upper range; bit 55 picks TBI1. */
    ASSERT_FAULT(xlate(e, 0x00ff000000402010, A64_ACC_READ, &w), w, A64_MMU_FSC_TRANSLATION, 0);
    e->ctx.tcr |= A64_MMU_TCR_TBI1;
    ASSERT_OK(xlate(e, 0x00ff000000402010, A64_ACC_READ, &w), w, 0x8010, 3);
}

/* ---- address size faults ------------------------------------------------------- */

static void test_leaf_output_address_above_ips_is_address_size_fault_at_leaf_level(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_36); /* narrower than the VM's 40 bits */
    g = env_range(e, false, 12, TG0_4K, 16);
    env_map(e, &g, 0x1000, UINT64_C(1) << 36, 3, LEAF, 0);
    env_map(e, &g, 0x40000000, UINT64_C(0xfc0000000), 1, LEAF, 0); /* fits in 36 bits */
    env_map(e, &g, 0x80000000, UINT64_C(1) << 39, 1, LEAF, 0);

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 3);
    ASSERT_OK(xlate(e, 0x40000000, A64_ACC_READ, &w), w, 0xfc0000000, 1);
    ASSERT_FAULT(xlate(e, 0x80000000, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 1);
}

static void test_output_address_above_vm_pa_bits_is_address_size_fault(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.pa_bits = 36; /* IPS says 48, the VM has 36 */
    e->ctx.tcr |= TCR_IPS(IPS_48);
    g = env_range(e, false, 12, TG0_4K, 16);
    env_map(e, &g, 0x200000, UINT64_C(1) << 36, 2, LEAF, 0);

    ASSERT_FAULT(xlate(e, 0x200000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_ADDR_SIZE, 2);
}

static void test_table_address_above_pa_size_is_address_size_fault_at_table_level(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;
    uint64_t slot;

    e->ctx.pa_bits = 36;
    e->ctx.tcr |= TCR_IPS(IPS_48);
    g = env_range(e, false, 12, TG0_4K, 16);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF, 0);
    /* The level-1 descriptor points at a level-2 table beyond 36 bits. */
    slot = env_slot(e, &g, 0x1000, 1, 0);
    mem_write64(&e->mem, slot, mem_read64(&e->mem, slot) | (UINT64_C(1) << 37));

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 1);
}

static void test_address_size_fault_precedes_access_flag_fault(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, UINT64_C(1) << 41, 3, 0 /* AF = 0 */, 0);

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 3);
}

static void test_ttbr_above_pa_size_is_address_size_fault_level_0(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    e->ctx.tcr |= TCR_IPS(IPS_40);
    g = env_range(e, false, 12, TG0_4K, 25); /* start level 1: still reported at level 0 */
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF, 0);
    e->ctx.ttbr0 = g.root | (UINT64_C(1) << 40);

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ADDR_SIZE, 0);
}

static void test_ttbr_asid_and_misaligned_low_bits_are_ignored(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x9000, 3, LEAF, 0);
    e->ctx.ttbr0 = g.root | (UINT64_C(0xbeef) << 48) | 0x1; /* ASID, CnP */

    ASSERT_OK(xlate(e, 0x1000, A64_ACC_READ, &w), w, 0x9000, 3);
}

/* ---- stage-2 faults on the walk ------------------------------------------------ */

static void test_descriptor_in_unbacked_ipa_reports_s2_ptw_with_that_ipa(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;
    uint64_t l2_slot, l2_table;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x40403000, 0x1000, 3, LEAF, 0);
    l2_slot = env_slot(e, &g, 0x40403000, 2, 0);
    l2_table = l2_slot & ~UINT64_C(0xfff);

    /* Pretend the VMM did not map the level-2 table's page at stage 2. */
    e->ctx.read_desc = holey_read_desc;
    e->mem.hole_lo = l2_table;
    e->mem.hole_hi = l2_table + 0x1000;

    memset(&w, 0xa5, sizeof(w));
    assert_int_equal(a64_mmu_translate(&e->ctx, 0x40403000, A64_ACC_WRITE, &w), A64_WALK_S2_PTW);
    assert_int_equal(w.ptw_ipa, l2_slot);
    assert_int_equal(w.ptw_ipa, l2_table + 8 * 2); /* VA[29:21] = 2 */
    assert_int_equal(w.level, 2);
    assert_int_equal(w.fsc, 0);
    assert_int_equal(w.pa, 0);
}

static void test_table_pointing_outside_guest_memory_reports_s2_ptw(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    /* A level-0 table descriptor to IPA 0x80000000, which is not backed. */
    mem_write64(&e->mem, g.root, 0x80000000 | 3);

    assert_int_equal(xlate(e, 0x0000000040000000, A64_ACC_FETCH, &w), A64_WALK_S2_PTW);
    assert_int_equal(w.ptw_ipa, 0x80000000 + 8 * 1);
    assert_int_equal(w.level, 1);
    assert_int_equal(w.pa, 0);
}

static void test_unbacked_root_table_reports_s2_ptw_at_start_level(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    e->ctx.ttbr0 = 0x100000000; /* 4 GiB: within the PA size, not backed */

    assert_int_equal(xlate(e, 0x0000008000000000, A64_ACC_READ, &w), A64_WALK_S2_PTW);
    assert_int_equal(w.ptw_ipa, 0x100000000 + 8 * 1);
    assert_int_equal(w.level, 0);
}

/* ---- access flag and permissions ---------------------------------------------- */

static void test_af_clear_gives_access_flag_fault_at_leaf_level(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, 0, 0);
    env_map(e, &g, 0x40000000, 0x40000000, 1, 0, 0);

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ACCESS_FLAG, 3);
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_ACCESS_FLAG, 3);
    ASSERT_FAULT(xlate(e, 0x40000000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_ACCESS_FLAG, 1);
}

static void test_af_clear_on_forbidden_access_gives_access_flag_fault(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    /* AF = 0 and read-only, no EL0 access, execute-never: the AF fault wins. */
    env_map(e, &g, 0x1000, 0x1000, 3, AP_EL1_RO | A64_MMU_DESC_UXN | A64_MMU_DESC_PXN, 0);

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_ACCESS_FLAG, 3);
    e->ctx.el = 0;
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_ACCESS_FLAG, 3);
}

static void test_el0_store_to_el1_only_page_is_permission_fault_level_3(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x5000, 3, LEAF | AP_EL1_RW, 0);
    e->ctx.el = 0;

    ASSERT_FAULT(xlate(e, 0x1008, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_FAULT(xlate(e, 0x1008, A64_ACC_READ, &w), w, A64_MMU_FSC_PERMISSION, 3);
    e->ctx.el = 1;
    ASSERT_OK(xlate(e, 0x1008, A64_ACC_WRITE, &w), w, 0x5008, 3);
}

static void test_el1_store_to_read_only_block_is_permission_fault_level_2(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x200000, 0x200000, 2, LEAF | AP_EL1_RO, 0);

    ASSERT_FAULT(xlate(e, 0x200010, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 2);
    ASSERT_OK(xlate(e, 0x200010, A64_ACC_READ, &w), w, 0x200010, 2);
    assert_true(w.readable && !w.writable && w.executable);
}

static void test_unprivileged_el1_access_is_checked_as_el0(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_EL1_RW, 0);
    env_map(e, &g, 0x2000, 0x2000, 3, LEAF | AP_RO, 0);
    e->ctx.unpriv = true; /* LDTR/STTR */

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x2000, A64_ACC_READ, &w), w, 0x2000, 3);
    ASSERT_FAULT(xlate(e, 0x2000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 3);
}

static void test_pan_blocks_el1_load_from_user_page(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_RW, 0);
    env_map(e, &g, 0x2000, 0x2000, 3, LEAF | AP_RO, 0);
    env_map(e, &g, 0x3000, 0x3000, 3, LEAF | AP_EL1_RW, 0);

    ASSERT_OK(xlate(e, 0x1000, A64_ACC_READ, &w), w, 0x1000, 3);
    e->ctx.pan = true;
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_READ, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_FAULT(xlate(e, 0x2000, A64_ACC_READ, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x3000, A64_ACC_WRITE, &w), w, 0x3000, 3);
}

static void test_pan_spares_unprivileged_accesses_fetches_and_el0(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_RW, 0);
    env_map(e, &g, 0x2000, 0x2000, 3, LEAF | AP_RO, 0);
    e->ctx.pan = true;

    ASSERT_OK(xlate(e, 0x2000, A64_ACC_FETCH, &w), w, 0x2000, 3); /* EL1 runs EL0-RO code */
    assert_false(w.readable);
    e->ctx.unpriv = true;
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_WRITE, &w), w, 0x1000, 3);
    e->ctx.unpriv = false;
    e->ctx.el = 0;
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_READ, &w), w, 0x1000, 3);
}

static void test_pan_uses_permissions_after_aptable(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    /* AP[1] = 1 at the leaf, but APTable[0] above removes EL0 access. */
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_RW, A64_MMU_DESC_AP_TABLE_NO_EL0);
    e->ctx.pan = true;

    ASSERT_OK(xlate(e, 0x1000, A64_ACC_READ, &w), w, 0x1000, 3);
}

static void test_wxn_makes_writable_page_non_executable(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_EL1_RW, 0);
    env_map(e, &g, 0x2000, 0x2000, 3, LEAF | AP_EL1_RO, 0);
    env_map(e, &g, 0x3000, 0x3000, 3, LEAF | AP_RW | A64_MMU_DESC_PXN, 0);

    ASSERT_OK(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, 0x1000, 3);
    e->ctx.sctlr |= A64_MMU_SCTLR_WXN;
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_WRITE, &w), w, 0x1000, 3);
    assert_false(w.executable);
    ASSERT_OK(xlate(e, 0x2000, A64_ACC_FETCH, &w), w, 0x2000, 3);

    e->ctx.el = 0; /* EL0-writable page: EL0 cannot execute it either */
    ASSERT_FAULT(xlate(e, 0x3000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    e->ctx.sctlr &= ~A64_MMU_SCTLR_WXN;
    ASSERT_OK(xlate(e, 0x3000, A64_ACC_FETCH, &w), w, 0x3000, 3);
}

static void test_el1_cannot_execute_el0_writable_page(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_RW, 0); /* PXN = 0 */

    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_WRITE, &w), w, 0x1000, 3);
    e->ctx.el = 0;
    ASSERT_OK(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, 0x1000, 3);
}

static void test_uxn_and_pxn_apply_to_their_own_el(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    env_map(e, &g, 0x1000, 0x1000, 3, LEAF | AP_RO | A64_MMU_DESC_UXN, 0);
    env_map(e, &g, 0x2000, 0x2000, 3, LEAF | AP_RO | A64_MMU_DESC_PXN, 0);

    ASSERT_OK(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, 0x1000, 3);
    ASSERT_FAULT(xlate(e, 0x2000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    e->ctx.el = 0;
    ASSERT_FAULT(xlate(e, 0x1000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x2000, A64_ACC_FETCH, &w), w, 0x2000, 3);
}

static void test_table_controls_restrict_every_level_below(void **state)
{
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    /* Each VA sits under its own level-1 entry so the table bits don't mix. */
    env_map(e, &g, 0x40001000, 0x1000, 3, LEAF | AP_RW, A64_MMU_DESC_AP_TABLE_RO);
    env_map(e, &g, 0x80001000, 0x2000, 3, LEAF | AP_RW, A64_MMU_DESC_AP_TABLE_NO_EL0);
    env_map(e, &g, 0xc0001000, 0x3000, 3, LEAF | AP_RO, A64_MMU_DESC_UXN_TABLE);
    env_map(e, &g, 0x100001000, 0x4000, 3, LEAF | AP_EL1_RO, A64_MMU_DESC_PXN_TABLE);

    ASSERT_FAULT(xlate(e, 0x40001000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x80001000, A64_ACC_WRITE, &w), w, 0x2000, 3);
    /* With EL0 access removed the page is no longer EL0-writable: EL1 may run it. */
    ASSERT_OK(xlate(e, 0x80001000, A64_ACC_FETCH, &w), w, 0x2000, 3);
    ASSERT_FAULT(xlate(e, 0x100001000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);

    e->ctx.el = 0;
    ASSERT_FAULT(xlate(e, 0x40001000, A64_ACC_WRITE, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0x40001000, A64_ACC_READ, &w), w, 0x1000, 3);
    ASSERT_FAULT(xlate(e, 0x80001000, A64_ACC_READ, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_FAULT(xlate(e, 0xc0001000, A64_ACC_FETCH, &w), w, A64_MMU_FSC_PERMISSION, 3);
    ASSERT_OK(xlate(e, 0xc0001000, A64_ACC_READ, &w), w, 0x3000, 3);
}

/* AP x EL x access, no table controls, no WXN/PAN (Arm ARM stage 1 access
 * permissions for two VA ranges). */
struct perm_case {
    const char *name;
    uint64_t ap;
    unsigned el;
    enum a64_acc acc;
    bool ok;
};

static void test_access_permission_matrix(void **state)
{
    static const struct perm_case cases[] = {
        {"AP00 EL1 read", AP_EL1_RW, 1, A64_ACC_READ, true},
        {"AP00 EL1 write", AP_EL1_RW, 1, A64_ACC_WRITE, true},
        {"AP00 EL1 fetch", AP_EL1_RW, 1, A64_ACC_FETCH, true},
        {"AP00 EL0 read", AP_EL1_RW, 0, A64_ACC_READ, false},
        {"AP00 EL0 write", AP_EL1_RW, 0, A64_ACC_WRITE, false},
        {"AP00 EL0 fetch", AP_EL1_RW, 0, A64_ACC_FETCH, true}, /* UXN=0: fetch needs no read */
        {"AP01 EL1 read", AP_RW, 1, A64_ACC_READ, true},
        {"AP01 EL1 write", AP_RW, 1, A64_ACC_WRITE, true},
        {"AP01 EL1 fetch", AP_RW, 1, A64_ACC_FETCH, false},
        {"AP01 EL0 read", AP_RW, 0, A64_ACC_READ, true},
        {"AP01 EL0 write", AP_RW, 0, A64_ACC_WRITE, true},
        {"AP01 EL0 fetch", AP_RW, 0, A64_ACC_FETCH, true},
        {"AP10 EL1 read", AP_EL1_RO, 1, A64_ACC_READ, true},
        {"AP10 EL1 write", AP_EL1_RO, 1, A64_ACC_WRITE, false},
        {"AP10 EL1 fetch", AP_EL1_RO, 1, A64_ACC_FETCH, true},
        {"AP10 EL0 read", AP_EL1_RO, 0, A64_ACC_READ, false},
        {"AP10 EL0 write", AP_EL1_RO, 0, A64_ACC_WRITE, false},
        {"AP10 EL0 fetch", AP_EL1_RO, 0, A64_ACC_FETCH, true},
        {"AP11 EL1 read", AP_RO, 1, A64_ACC_READ, true},
        {"AP11 EL1 write", AP_RO, 1, A64_ACC_WRITE, false},
        {"AP11 EL1 fetch", AP_RO, 1, A64_ACC_FETCH, true},
        {"AP11 EL0 read", AP_RO, 0, A64_ACC_READ, true},
        {"AP11 EL0 write", AP_RO, 0, A64_ACC_WRITE, false},
        {"AP11 EL0 fetch", AP_RO, 0, A64_ACC_FETCH, true},
    };
    struct env *e = *state;
    struct geom g;
    struct a64_walk w;

    env_default(e, &g, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct perm_case *c = &cases[i];
        uint64_t va = 0x10000 + 0x1000 * i;
        enum a64_walk_status st;

        env_map(e, &g, va, va, 3, LEAF | c->ap, 0);
        e->ctx.el = c->el;
        st = xlate(e, va + 4, c->acc, &w);
        if (c->ok != (st == A64_WALK_OK))
            fail_msg("%s: status %d fsc 0x%x", c->name, (int)st, w.fsc);
        if (c->ok) {
            ASSERT_OK(st, w, va + 4, 3);
        } else {
            ASSERT_FAULT(st, w, A64_MMU_FSC_PERMISSION, 3);
        }
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_4k_level3_page_translates_with_page_offset),
        T(test_4k_level1_block_maps_1g),
        T(test_4k_level2_block_ignores_res0_bits_below_block),
        T(test_4k_t0sz_25_starts_at_level_1),
        T(test_4k_t0sz_39_starts_at_level_2),
        T(test_t0sz_above_39_behaves_as_39),
        T(test_ttbr1_high_address_uses_ttbr1),
        T(test_tg1_uses_its_own_encoding),
        T(test_16k_granule_block_at_level_2),
        T(test_16k_granule_48bit_va_has_two_entry_level0_table),
        T(test_16k_granule_block_at_level_1_is_translation_fault),
        T(test_64k_granule),
        T(test_64k_granule_48bit_va_starts_at_level_1),
        T(test_mmu_off_is_flat),
        T(test_mmu_off_va_above_pa_size_is_address_size_fault_level_0),
        T(test_mmu_off_tbi_ignores_top_byte_for_loads),
        T(test_missing_level2_entry_is_translation_fault_level_2),
        T(test_4k_block_at_level_0_is_translation_fault_level_0),
        T(test_level3_block_encoding_is_translation_fault_level_3),
        T(test_va_above_t0sz_range_is_translation_fault_level_0),
        T(test_non_canonical_va_is_translation_fault_level_0),
        T(test_epd0_gives_level_0_translation_fault),
        T(test_epd1_gives_level_0_translation_fault),
        T(test_tbi_ignores_top_byte_for_loads_not_fetches),
        T(test_leaf_output_address_above_ips_is_address_size_fault_at_leaf_level),
        T(test_output_address_above_vm_pa_bits_is_address_size_fault),
        T(test_table_address_above_pa_size_is_address_size_fault_at_table_level),
        T(test_address_size_fault_precedes_access_flag_fault),
        T(test_ttbr_above_pa_size_is_address_size_fault_level_0),
        T(test_ttbr_asid_and_misaligned_low_bits_are_ignored),
        T(test_descriptor_in_unbacked_ipa_reports_s2_ptw_with_that_ipa),
        T(test_table_pointing_outside_guest_memory_reports_s2_ptw),
        T(test_unbacked_root_table_reports_s2_ptw_at_start_level),
        T(test_af_clear_gives_access_flag_fault_at_leaf_level),
        T(test_af_clear_on_forbidden_access_gives_access_flag_fault),
        T(test_el0_store_to_el1_only_page_is_permission_fault_level_3),
        T(test_el1_store_to_read_only_block_is_permission_fault_level_2),
        T(test_unprivileged_el1_access_is_checked_as_el0),
        T(test_pan_blocks_el1_load_from_user_page),
        T(test_pan_spares_unprivileged_accesses_fetches_and_el0),
        T(test_pan_uses_permissions_after_aptable),
        T(test_wxn_makes_writable_page_non_executable),
        T(test_el1_cannot_execute_el0_writable_page),
        T(test_uxn_and_pxn_apply_to_their_own_el),
        T(test_table_controls_restrict_every_level_below),
        T(test_access_permission_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
