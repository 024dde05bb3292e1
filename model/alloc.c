/*
 * alloc.c — hv_vm_allocate / hv_vm_deallocate for both flavours: page-aligned
 * shared anonymous memory (so the model can alias it for the engines without
 * copying, memtrack.h), and a registry so that deallocation never unmaps
 * memory the model did not hand out.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "hvm.h"
#include "memtrack.h"

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct alloc {
    void *p;
    size_t size;
} * allocs;
static size_t nallocs, allocs_cap;

hv_return_t vm_allocate(void **uvap, size_t size, size_t page)
{
    if (!uvap || size == 0 || size % page)
        return HV_BAD_ARGUMENT;
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&alloc_lock);
    if (nallocs == allocs_cap) {
        size_t cap = allocs_cap ? allocs_cap * 2 : 16;
        struct alloc *a = realloc(allocs, cap * sizeof(*a));
        if (!a) {
            ret = HV_NO_RESOURCES;
            goto out;
        }
        allocs = a;
        allocs_cap = cap;
    }
    /* Over-allocate by one page and trim to get the alignment. */
    uint8_t *p = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        ret = HV_NO_RESOURCES;
        goto out;
    }
    size_t lead = (page - ((uintptr_t)p & (page - 1))) & (page - 1);
    if (lead)
        munmap(p, lead);
    if (page - lead)
        munmap(p + lead + size, page - lead);
    allocs[nallocs++] = (struct alloc){p + lead, size};
    *uvap = p + lead;
out:
    pthread_mutex_unlock(&alloc_lock);
    return ret;
}

hv_return_t vm_deallocate(void *uva, size_t size)
{
    hv_return_t ret = HV_BAD_ARGUMENT;
    pthread_mutex_lock(&alloc_lock);
    for (size_t i = 0; i < nallocs; i++) {
        if (allocs[i].p == uva && allocs[i].size == size) {
            memtrack_forget(uva, size);
            munmap(uva, size);
            allocs[i] = allocs[--nallocs];
            ret = HV_SUCCESS;
            break;
        }
    }
    pthread_mutex_unlock(&alloc_lock);
    return ret;
}
