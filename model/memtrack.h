/*
 * memtrack.h — finds the guest memory the VMM writes between runs.
 *
 * Every range handed to hv_vm_map gets a second host mapping of the same
 * physical pages; the engines use that alias, the VMM keeps its pointer. While
 * tracking, the VMM's view is read-only: its first write to a page faults
 * once, the handler marks the page dirty and makes it writable again. At the
 * next run the model collects the dirty pages (to invalidate translated code
 * and to record them in a trace) and write-protects them again. Guest writes
 * go through the alias and never fault.
 */
#ifndef HVMODEL_MEMTRACK_H
#define HVMODEL_MEMTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The host page size: the granularity of tracking. */
size_t memtrack_page_size(void);

struct mt_region;

/* Tracking is on only while a trace is recorded (it needs the VMM's writes);
 * otherwise hv_vm_map hands the VMM's pointer to the engines unchanged. It
 * installs a SIGSEGV handler that chains to the previous one: a VMM that
 * replaces SIGSEGV handlers itself must chain to hvmodel's while recording. */
void memtrack_enable(bool on);
bool memtrack_enabled(void);

/* Registers [vmm, vmm+size) (host-page aligned, backed). On success *alias
 * is the engine's view of the same memory and *id a small stable number
 * (regions are numbered in creation order; a range inside an existing region
 * reuses it and *offset is its place in that region). Returns false when the
 * memory cannot be aliased; the caller then uses the VMM pointer directly
 * and the range is not tracked. */
bool memtrack_add(uint8_t *vmm, size_t size, uint8_t **alias, uint32_t *id, uint64_t *offset,
                  bool *created);
/* The VMM frees memory that overlaps regions (hv_vm_deallocate): stop
 * tracking them and drop their aliases. */
void memtrack_forget(uint8_t *vmm, size_t size);
/* The VM is destroyed: every region stops being tracked, the VMM's views
 * become writable again, the aliases go away, and the next VM numbers its
 * regions from 0. */
void memtrack_reset(void);

/* Calls fn for each page the VMM wrote since the last collection, in
 * address order per region, then write-protects them again. */
typedef void (*memtrack_fn)(void *opaque, uint32_t region, uint64_t offset, const uint8_t *data);
size_t memtrack_collect(memtrack_fn fn, void *opaque);
/* Fast check: did the VMM write any tracked page since the last collection? */
bool memtrack_any_dirty(void);

/* Which pages of [base, base + pages * page size) may hold data: present or
 * swapped in this process's page tables. A page in neither state has never
 * been touched through this mapping and reads as zero; reading it anyway
 * would make the kernel allocate and clear it. Without /proc/self/pagemap
 * every page counts as possibly holding data. out: one byte per page. */
void memtrack_pages_in_use(const uint8_t *base, size_t pages, uint8_t *out);

/* Which pages of a region may have held data when it was first mapped (one
 * byte per host page), for recording its initial content; NULL if unknown. */
const uint8_t *memtrack_region_content(uint32_t id);

/* The host base and size of a region (for replay and traces). */
bool memtrack_region(uint32_t id, uint8_t **vmm, size_t *size);

#endif
