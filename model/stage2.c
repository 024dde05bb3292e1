/*
 * stage2.c — the explicit guest-physical translation table.
 *
 * The table is kept as sorted, non-overlapping runs of pages that share a
 * host mapping and permissions. Faults are classified against it as a real
 * stage-2 walk would: the table is seen as a tree of granule-sized tables in
 * which a table (or leaf) descriptor is valid exactly when some mapped page
 * lies inside the range it covers. Every mapped page is a leaf at level 3; the
 * model never uses block descriptors, so a permission fault is reported at
 * level 3 and a translation fault at the first level whose descriptor would
 * be invalid (Arm ARM D8.2, "Translation table walk").
 *
 * Start level (Arm ARM D8.2.7, VTCR_EL2.SL0 with concatenated tables): the
 * fewest levels such that the first level resolves at most level_bits + 4 IPA
 * bits (up to 16 concatenated tables). 4 KiB granule, 36..40-bit IPA: level 1;
 * 16 KiB granule, up to 40-bit IPA: level 2.
 */
#include "stage2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t entry_end(const struct s2_entry *e)
{
    return e->gpa + e->size;
}

int stage2_init(struct stage2 *s, uint64_t granule, unsigned ipa_bits)
{
    memset(s, 0, sizeof(*s));
    s->granule = granule;
    s->ipa_bits = ipa_bits;
    s->page_shift = (unsigned)__builtin_ctzll(granule);
    s->level_bits = s->page_shift - 3;
    unsigned va_bits = ipa_bits - s->page_shift; /* bits resolved by the walk */
    unsigned start = 3;
    while (start > 0 && va_bits > s->level_bits * (3 - start) + s->level_bits + 4)
        start--;
    s->start_level = start;
    return 0;
}

void stage2_fini(struct stage2 *s)
{
    free(s->e);
    free(s->log);
    memset(s, 0, sizeof(*s));
}

uint64_t stage2_gen(const struct stage2 *s)
{
    return s->log_base + s->log_n;
}

/* Index of the first entry whose end is above gpa (n if none). */
static size_t find_first_above(const struct stage2 *s, uint64_t gpa)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_end(&s->e[mid]) <= gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool range_intersects(const struct stage2 *s, uint64_t lo, uint64_t hi)
{
    size_t i = find_first_above(s, lo);
    return i < s->n && s->e[i].gpa < hi;
}

/* True if every page of [gpa, gpa+size) is mapped. */
static bool range_covered(const struct stage2 *s, uint64_t gpa, uint64_t size)
{
    uint64_t at = gpa, end = gpa + size;
    size_t i = find_first_above(s, gpa);
    while (at < end) {
        if (i >= s->n || s->e[i].gpa > at)
            return false;
        at = entry_end(&s->e[i]);
        i++;
    }
    return true;
}

static enum s2_err check_range(const struct stage2 *s, uint64_t gpa, uint64_t size)
{
    if ((gpa | size) & (s->granule - 1))
        return S2_EALIGN;
    if (size == 0 || gpa + size < gpa)
        return S2_ERANGE;
    if (s->ipa_bits < 64 && gpa + size > (1ull << s->ipa_bits))
        return S2_ERANGE;
    return S2_OK;
}

static enum s2_err reserve(struct stage2 *s, size_t extra)
{
    if (s->n + extra <= s->cap)
        return S2_OK;
    size_t cap = s->cap ? s->cap * 2 : 16;
    while (cap < s->n + extra)
        cap *= 2;
    struct s2_entry *e = realloc(s->e, cap * sizeof(*e));
    if (!e)
        return S2_ENOMEM;
    s->e = e;
    s->cap = cap;
    return S2_OK;
}

static enum s2_err log_push(struct stage2 *s, enum s2_op_kind kind, uint64_t gpa, uint64_t size,
                            uint8_t *engine, uint32_t prot)
{
    if (s->log_n == s->log_cap) {
        size_t cap = s->log_cap ? s->log_cap * 2 : 16;
        struct s2_op *l = realloc(s->log, cap * sizeof(*l));
        if (!l)
            return S2_ENOMEM;
        s->log = l;
        s->log_cap = cap;
    }
    s->log[s->log_n++] = (struct s2_op){kind, gpa, size, engine, prot};
    return S2_OK;
}

/* Splits the entry containing `at` (if any) so that an entry starts at `at`. */
static void split_at(struct stage2 *s, uint64_t at)
{
    size_t i = find_first_above(s, at);
    if (i >= s->n || s->e[i].gpa >= at)
        return;
    struct s2_entry *e = &s->e[i];
    struct s2_entry tail = {at, entry_end(e) - at, e->host + (at - e->gpa),
                            e->engine + (at - e->gpa), e->prot};
    e->size = at - e->gpa;
    memmove(&s->e[i + 2], &s->e[i + 1], (s->n - i - 1) * sizeof(*e));
    s->e[i + 1] = tail;
    s->n++;
}

static bool host_range_backed(void *host, uint64_t size)
{
    long pg = sysconf(_SC_PAGESIZE);
    if (!host || ((uintptr_t)host & (uintptr_t)(pg - 1)))
        return false;
    if ((uintptr_t)host + size < (uintptr_t)host)
        return false;
    /* msync fails with ENOMEM when part of the range is not mapped. */
    return msync(host, size, MS_ASYNC) == 0 || errno != ENOMEM;
}

enum s2_err stage2_check_map(const struct stage2 *s, void *host, uint64_t gpa, uint64_t size,
                             uint32_t prot)
{
    enum s2_err err = check_range(s, gpa, size);
    if (err)
        return err;
    if (prot & ~S2_PROT_ALL)
        return S2_EFLAGS;
    if (!host_range_backed(host, size))
        return S2_EHOST;
    if (range_intersects(s, gpa, gpa + size))
        return S2_EOVERLAP;
    return S2_OK;
}

enum s2_err stage2_map(struct stage2 *s, void *host, void *engine, uint64_t gpa, uint64_t size,
                       uint32_t prot)
{
    enum s2_err err = stage2_check_map(s, host, gpa, size, prot);
    if (err)
        return err;
    if ((err = reserve(s, 1)) || (err = log_push(s, S2_OP_MAP, gpa, size, engine, prot)))
        return err;
    size_t i = find_first_above(s, gpa);
    memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(s->e[0]));
    s->e[i] = (struct s2_entry){gpa, size, host, engine, prot};
    s->n++;
    return S2_OK;
}

enum s2_err stage2_unmap(struct stage2 *s, uint64_t gpa, uint64_t size)
{
    enum s2_err err = check_range(s, gpa, size);
    if (err)
        return err;
    if (!range_covered(s, gpa, size))
        return S2_EHOLE;
    if ((err = reserve(s, 2)) || (err = log_push(s, S2_OP_UNMAP, gpa, size, NULL, 0)))
        return err;
    split_at(s, gpa);
    split_at(s, gpa + size);
    size_t i = find_first_above(s, gpa), j = i;
    while (j < s->n && s->e[j].gpa < gpa + size)
        j++;
    memmove(&s->e[i], &s->e[j], (s->n - j) * sizeof(s->e[0]));
    s->n -= j - i;
    return S2_OK;
}

enum s2_err stage2_protect(struct stage2 *s, uint64_t gpa, uint64_t size, uint32_t prot)
{
    enum s2_err err = check_range(s, gpa, size);
    if (err)
        return err;
    if (prot & ~S2_PROT_ALL)
        return S2_EFLAGS;
    if (!range_covered(s, gpa, size))
        return S2_EHOLE;
    if ((err = reserve(s, 2)))
        return err;
    split_at(s, gpa);
    split_at(s, gpa + size);
    /* One log op per entry, carrying its engine pointer: engines re-map each
     * piece with the new rights (see vcpu.c, apply_op). */
    for (size_t i = find_first_above(s, gpa); i < s->n && s->e[i].gpa < gpa + size; i++) {
        struct s2_entry *e = &s->e[i];
        if ((err = log_push(s, S2_OP_PROTECT, e->gpa, e->size, e->engine, prot)))
            return err;
        e->prot = prot;
    }
    return S2_OK;
}

const struct s2_entry *stage2_lookup(const struct stage2 *s, uint64_t gpa)
{
    size_t i = find_first_above(s, gpa);
    if (i < s->n && s->e[i].gpa <= gpa)
        return &s->e[i];
    return NULL;
}

void *stage2_host(const struct stage2 *s, uint64_t gpa, uint64_t len)
{
    const struct s2_entry *e = stage2_lookup(s, gpa);
    if (!e || len > entry_end(e) - gpa)
        return NULL;
    return e->host + (gpa - e->gpa);
}

unsigned stage2_fault_level(const struct stage2 *s, uint64_t gpa)
{
    for (unsigned level = s->start_level; level < 3; level++) {
        unsigned shift = s->page_shift + s->level_bits * (3 - level);
        uint64_t lo = shift >= 64 ? 0 : gpa & ~((1ull << shift) - 1);
        uint64_t hi = shift >= 64 ? UINT64_MAX : lo + (1ull << shift);
        if (!range_intersects(s, lo, hi))
            return level;
    }
    return 3;
}

void stage2_log_trim(struct stage2 *s, uint64_t upto)
{
    if (upto <= s->log_base)
        return;
    size_t drop = (size_t)(upto - s->log_base);
    if (drop > s->log_n)
        drop = s->log_n;
    memmove(s->log, s->log + drop, (s->log_n - drop) * sizeof(*s->log));
    s->log_n -= drop;
    s->log_base += drop;
}
