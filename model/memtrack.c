/*
 * memtrack.c — see memtrack.h.
 *
 * Aliasing: memory that is already a shared mapping is aliased with
 * mremap(old_size = 0). Private memory (the VMM's own mmap) is moved, in
 * place and with its contents, onto a memfd mapped MAP_SHARED at the same
 * address, then aliased; the VMM's pointer and data do not change.
 *
 * Write-protection, two ways:
 *  - userfaultfd write-protect (Linux >= 5.19 for shared memory): the VMM's
 *    first write to a page blocks in the kernel and a model thread is told;
 *    it lifts the protection of that page, then marks it dirty. No signal
 *    handler is involved, so VMMs and test frameworks keep theirs.
 *  - otherwise mprotect() and a SIGSEGV handler that does the same and
 *    chains faults it does not own to the previous handler. The handler is
 *    async-signal-safe: regions are found in a fixed array published with
 *    release stores, bits are set with an atomic OR, then mprotect.
 * A write is marked before the writer can go on, and a collection (which
 * clears the mark, re-protects, then reads) never interleaves with the
 * marking, so every write is seen by the next collection: the signal handler
 * runs in the writer itself; the userfaultfd thread marks and lifts the
 * protection under the collection's lock.
 */
#define _GNU_SOURCE
#include "memtrack.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MT_MAX_REGIONS 256

struct mt_region {
    uint8_t *vmm, *alias;
    size_t size, pages;
    uint32_t id;
    int refs;
    atomic_bool live;        /* the handler may act on faults in vmm */
    uint8_t *content;        /* pages that may hold data when first mapped (one byte each) */
    _Atomic uint64_t *dirty; /* one bit per host page */
};

static struct mt_region *_Atomic regions[MT_MAX_REGIONS];
static uint32_t nregions;
static pthread_mutex_t mt_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool any_dirty;
static atomic_bool enabled;
static int uffd = -1; /* the userfaultfd backend, when the kernel offers it */
static bool backend_chosen;
static struct sigaction old_segv;

static size_t page_size(void)
{
    /* Racing first callers store the same value; atomics keep it defined. */
    static _Atomic size_t pg;
    size_t v = atomic_load_explicit(&pg, memory_order_relaxed);
    if (!v) {
        v = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&pg, v, memory_order_relaxed);
    }
    return v;
}

size_t memtrack_page_size(void)
{
    return page_size();
}

static void chain(int sig, siginfo_t *si, void *ctx)
{
    if (old_segv.sa_flags & SA_SIGINFO) {
        if (old_segv.sa_sigaction) {
            old_segv.sa_sigaction(sig, si, ctx);
            return;
        }
    } else if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
        old_segv.sa_handler(sig);
        return;
    }
    /* Default action: reinstate it and let the access fault again. */
    signal(sig, SIG_DFL);
}

static struct mt_region *region_at(uintptr_t a)
{
    for (uint32_t i = 0; i < MT_MAX_REGIONS; i++) {
        struct mt_region *r = atomic_load_explicit(&regions[i], memory_order_acquire);
        if (r && atomic_load(&r->live) && a >= (uintptr_t)r->vmm && a < (uintptr_t)r->vmm + r->size)
            return r;
    }
    return NULL;
}

static void mark_dirty(uintptr_t a)
{
    struct mt_region *r = region_at(a);
    if (!r)
        return;
    size_t page = (a - (uintptr_t)r->vmm) / page_size();
    atomic_fetch_or(&r->dirty[page / 64], 1ull << (page % 64));
    atomic_store(&any_dirty, true);
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t a = (uintptr_t)si->si_addr & ~(uintptr_t)(page_size() - 1);
    if (si->si_code == SEGV_ACCERR && region_at(a) &&
        mprotect((void *)a, page_size(), PROT_READ | PROT_WRITE) == 0) {
        mark_dirty(a);
        return;
    }
    chain(sig, si, ctx);
}

void memtrack_enable(bool on)
{
    atomic_store(&enabled, on);
}

/* ---- the userfaultfd backend ---- */

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1 << 12)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static bool uffd_protect(uint8_t *p, size_t len, bool on)
{
    struct uffdio_writeprotect wp = {.range = {(uintptr_t)p, len},
                                     .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0;
}

static void mark_dirty(uintptr_t a);

static void *uffd_thread(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd pfd = {uffd, POLLIN, 0};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return NULL;
        struct uffd_msg m;
        if (read(uffd, &m, sizeof(m)) != (ssize_t)sizeof(m) || m.event != UFFD_EVENT_PAGEFAULT)
            continue;
        uintptr_t a = (uintptr_t)m.arg.pagefault.address & ~(uintptr_t)(page_size() - 1);
        /* Mark before lifting the protection (which wakes the writer): the
         * writer may go straight on to hv_vcpu_run, whose collection must
         * see the page. Under mt_lock, so a collection never falls between
         * the two and re-protects a page whose write it has not seen. */
        pthread_mutex_lock(&mt_lock);
        mark_dirty(a);
        uffd_protect((uint8_t *)a, page_size(), false);
        pthread_mutex_unlock(&mt_lock);
    }
}

/* Picks the backend once: userfaultfd write-protect if the kernel has it. */
static void choose_backend(void)
{
    if (backend_chosen)
        return;
    backend_chosen = true;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
    if (fd < 0)
        return;
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM};
    pthread_t t;
    pthread_attr_t attr;
    if (ioctl(fd, UFFDIO_API, &api) != 0 || pthread_attr_init(&attr) != 0) {
        close(fd);
        return;
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    uffd = fd;
    if (pthread_create(&t, &attr, uffd_thread, NULL) != 0) {
        close(fd);
        uffd = -1;
    }
    pthread_attr_destroy(&attr);
}

/* Write-protects the VMM's view of [p, p+len); registers it first if new. */
static bool protect(uint8_t *p, size_t len, bool on, bool first)
{
    if (uffd >= 0) {
        if (first) {
            struct uffdio_register reg = {.range = {(uintptr_t)p, len},
                                          .mode = UFFDIO_REGISTER_MODE_WP};
            if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
                return false;
        }
        return uffd_protect(p, len, on);
    }
    return mprotect(p, len, on ? PROT_READ : PROT_READ | PROT_WRITE) == 0;
}

static void unregister(uint8_t *p, size_t len)
{
    if (uffd >= 0) {
        struct uffdio_range range = {(uintptr_t)p, len};
        ioctl(uffd, UFFDIO_UNREGISTER, &range);
    } else {
        mprotect(p, len, PROT_READ | PROT_WRITE);
    }
}
bool memtrack_enabled(void)
{
    return atomic_load(&enabled);
}

/* (Re)installs the handler unless it is already the current one: test
 * frameworks and VMMs may swap SIGSEGV handlers between our calls. */
static bool install_handler(void)
{
    struct sigaction cur;
    if (sigaction(SIGSEGV, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
        cur.sa_sigaction == on_segv)
        return true;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old_segv) != 0)
        return false;
    return true;
}

static bool page_is_zero(const uint8_t *p, size_t n)
{
    static const uint8_t zero[256];
    for (size_t i = 0; i < n; i += sizeof(zero))
        if (memcmp(p + i, zero, sizeof(zero)))
            return false;
    return true;
}

void memtrack_pages_in_use(const uint8_t *base, size_t pages, uint8_t *out)
{
    memset(out, 1, pages);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    uint64_t entries[512];
    size_t first = (uintptr_t)base / page_size();
    for (size_t done = 0; done < pages;) {
        size_t n = pages - done < 512 ? pages - done : 512;
        ssize_t k = pread(fd, entries, n * 8, (off_t)((first + done) * 8));
        if (k != (ssize_t)(n * 8))
            break; /* keep the rest marked in use */
        for (size_t i = 0; i < n; i++)
            out[done + i] = (entries[i] >> 62) != 0; /* bit 63 present, bit 62 swapped */
        done += n;
    }
    close(fd);
}

/* Moves private memory onto a shared memfd at the same address. in_use:
 * the pages that may hold data (memtrack_pages_in_use, taken before). */
/* True if [p, p+size) lies inside one shared mapping (/proc/self/maps):
 * only then does mremap(old_size = 0) alias exactly the VMM's memory. */
static bool in_one_shared_mapping(const uint8_t *p, size_t size)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return false;
    char line[512];
    bool ok = false;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        if (a >= lo && a < hi) {
            ok = a + size <= hi && perms[3] == 's';
            break;
        }
    }
    fclose(f);
    return ok;
}

static uint8_t *make_alias(uint8_t *vmm, size_t size, const uint8_t *in_use)
{
    if (in_one_shared_mapping(vmm, size)) {
        void *a = mremap(vmm, 0, size, MREMAP_MAYMOVE);
        if (a != MAP_FAILED)
            return a;
    }
    void *a;
    int fd = memfd_create("hvmodel-guest-ram", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (ftruncate(fd, (off_t)size) != 0)
        goto fail;
    /* Copy the VMM's data; untouched and zero pages stay holes in the memfd. */
    for (size_t off = 0; off < size; off += page_size()) {
        if (!in_use[off / page_size()] || page_is_zero(vmm + off, page_size()))
            continue;
        if (pwrite(fd, vmm + off, page_size(), (off_t)off) != (ssize_t)page_size())
            goto fail;
    }
    if (mmap(vmm, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
        goto fail;
    a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return a == MAP_FAILED ? NULL : a;
fail:
    close(fd);
    return NULL;
}

bool memtrack_add(uint8_t *vmm, size_t size, uint8_t **alias, uint32_t *id, uint64_t *offset,
                  bool *created)
{
    bool ok = false;
    *created = false;
    if (!memtrack_enabled())
        return false;
    pthread_mutex_lock(&mt_lock);
    for (uint32_t i = 0; i < nregions; i++) {
        struct mt_region *r = regions[i];
        if (!r || !r->refs)
            continue;
        if (vmm >= r->vmm && vmm + size <= r->vmm + r->size) {
            r->refs++;
            *alias = r->alias + (vmm - r->vmm);
            *id = r->id;
            *offset = (uint64_t)(vmm - r->vmm);
            ok = true;
            goto out;
        }
        if (vmm < r->vmm + r->size && r->vmm < vmm + size)
            goto out; /* overlaps a region without lying inside it: untracked */
    }
    choose_backend();
    if (nregions == MT_MAX_REGIONS || (uffd < 0 && !install_handler()))
        goto out;
    struct mt_region *r = calloc(1, sizeof(*r));
    if (!r)
        goto out;
    r->pages = size / page_size();
    r->dirty = calloc((r->pages + 63) / 64, sizeof(uint64_t));
    /* Which pages may hold data, asked before anything is protected: the
     * protection leaves markers the page map reports like swapped pages. */
    r->content = malloc(r->pages ? r->pages : 1);
    if (r->content)
        memtrack_pages_in_use(vmm, r->pages, r->content);
    r->alias = r->dirty && r->content ? make_alias(vmm, size, r->content) : NULL;
    if (!r->alias) {
        free((void *)r->dirty);
        free(r->content);
        free(r);
        goto out;
    }
    r->vmm = vmm;
    r->size = size;
    r->id = nregions;
    r->refs = 1;
    atomic_store(&r->live, true);
    atomic_store_explicit(&regions[nregions], r, memory_order_release);
    if (!protect(vmm, size, true, true)) {
        atomic_store(&r->live, false);
        atomic_store_explicit(&regions[nregions], NULL, memory_order_release);
        munmap(r->alias, size);
        free((void *)r->dirty);
        free(r->content);
        free(r);
        goto out;
    }
    nregions++;
    *alias = r->alias;
    *id = r->id;
    *offset = 0;
    *created = true;
    ok = true;
out:
    pthread_mutex_unlock(&mt_lock);
    return ok;
}

/* Stops tracking a region. The alias stays until memtrack_reset: an engine
 * may still map it if the VMM freed memory the guest still has mapped. */
static void region_drop(struct mt_region *r)
{
    atomic_store(&r->live, false);
    unregister(r->vmm, r->size);
    r->refs = 0;
}

void memtrack_forget(uint8_t *vmm, size_t size)
{
    pthread_mutex_lock(&mt_lock);
    for (uint32_t i = 0; i < nregions; i++) {
        struct mt_region *r = regions[i];
        if (r && r->refs && r->vmm < vmm + size && vmm < r->vmm + r->size)
            region_drop(r);
    }
    pthread_mutex_unlock(&mt_lock);
}

void memtrack_reset(void)
{
    pthread_mutex_lock(&mt_lock);
    for (uint32_t i = 0; i < nregions; i++) {
        struct mt_region *r = regions[i];
        if (!r)
            continue;
        if (r->refs)
            region_drop(r);
        if (r->alias)
            munmap(r->alias, r->size);
        atomic_store_explicit(&regions[i], NULL, memory_order_release);
        free((void *)r->dirty);
        free(r->content);
        free(r);
    }
    nregions = 0; /* a new VM numbers its regions from 0 again */
    atomic_store(&any_dirty, false);
    pthread_mutex_unlock(&mt_lock);
}

bool memtrack_any_dirty(void)
{
    return atomic_load_explicit(&any_dirty, memory_order_relaxed);
}

size_t memtrack_collect(memtrack_fn fn, void *opaque)
{
    size_t n = 0;
    if (!atomic_exchange(&any_dirty, false))
        return 0;
    pthread_mutex_lock(&mt_lock);
    for (uint32_t i = 0; i < nregions; i++) {
        struct mt_region *r = regions[i];
        if (!r || !r->refs)
            continue;
        for (size_t w = 0; w < (r->pages + 63) / 64; w++) {
            uint64_t bits = atomic_exchange(&r->dirty[w], 0);
            while (bits) {
                size_t page = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                uint8_t *p = r->vmm + page * page_size();
                /* Protect first, then read: a write racing with us either
                 * lands before the read (and is seen) or faults again. */
                protect(p, page_size(), true, false);
                if (fn)
                    fn(opaque, r->id, (uint64_t)page * page_size(), p);
                n++;
            }
        }
    }
    pthread_mutex_unlock(&mt_lock);
    return n;
}

const uint8_t *memtrack_region_content(uint32_t id)
{
    const uint8_t *c = NULL;
    pthread_mutex_lock(&mt_lock);
    if (id < nregions && regions[id])
        c = regions[id]->content;
    pthread_mutex_unlock(&mt_lock);
    return c;
}

bool memtrack_region(uint32_t id, uint8_t **vmm, size_t *size)
{
    bool ok = false;
    pthread_mutex_lock(&mt_lock);
    if (id < nregions && regions[id]) {
        *vmm = regions[id]->vmm;
        *size = regions[id]->size;
        ok = true;
    }
    pthread_mutex_unlock(&mt_lock);
    return ok;
}
