/*
 * shadow.h — the API harnesses' shadow of the VM's guest-physical map (the
 * arm64 stage-2 table, the x86 EPT): one entry per granule the harness
 * believes mapped, with the host memory behind it and its permissions, and
 * the hv_vm_allocate blocks the harness holds. From it come the answers
 * hv_vm_map, hv_vm_unmap and hv_vm_protect must give, and the arguments
 * worth giving them.
 *
 * What differs between the flavours is a struct shadow_contract: the error
 * codes, the permission bits, the host alignment, where the flavour's
 * interesting guest addresses lie. The granule and the address width are
 * the VM's, in struct shadow. Like util.h, nothing here knows a
 * Hypervisor.framework header: return codes are int32_t (hv_return_t).
 */
#ifndef HVMODEL_FUZZ_SHADOW_H
#define HVMODEL_FUZZ_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define SHADOW_MAX_PAGES  2048u /* room in struct shadow; a contract may ask fewer */
#define SHADOW_MAX_BLOCKS 8u

struct shadow_contract {
    int32_t ok, bad_argument, no_device;  /* HV_SUCCESS, HV_BAD_ARGUMENT, HV_NO_DEVICE */
    const char *(*strerror)(int32_t ret); /* hvm_strerror */
    uint64_t prot_mask;                   /* the permission bits map and protect accept */
    uint64_t host_page;                   /* the alignment hv_vm_map asks of host memory */
    unsigned max_pages;                   /* entries the harness keeps at most */
    /* shadow_gen_addr: near + k * near_step for k < near_count, and the
     * spare range the second thread maps */
    uint64_t near, near_step;
    unsigned near_count;
    uint64_t spare;
};

struct shadow_page {
    uint64_t addr; /* guest-physical, granule aligned */
    uint8_t *host;
    uint32_t prot;
};

struct shadow_block {
    uint8_t *p;
    size_t size;
};

struct shadow {
    const struct shadow_contract *c;
    bool *broken;       /* set by a failed check (fuzz_failf) */
    uint64_t granule;   /* bytes an entry covers */
    unsigned addr_bits; /* guest addresses lie below 1 << addr_bits */
    struct shadow_page pages[SHADOW_MAX_PAGES];
    unsigned npages;
    struct shadow_block blocks[SHADOW_MAX_BLOCKS]; /* from hv_vm_allocate */
    unsigned nblocks;
};

/* An empty shadow (no entries, no blocks) for a VM of granule-byte entries
 * and addr_bits-bit addresses. */
void shadow_init(struct shadow *s, const struct shadow_contract *c, bool *broken, uint64_t granule,
                 unsigned addr_bits);
/* No entries, for a new VM (or none) of granule-byte entries and
 * addr_bits-bit addresses; the blocks stay. */
void shadow_new_vm(struct shadow *s, uint64_t granule, unsigned addr_bits);

/* The entry holding addr, or NULL. */
struct shadow_page *shadow_find(struct shadow *s, uint64_t addr);
/* Entries in [addr, addr + size). */
uint64_t shadow_count(const struct shadow *s, uint64_t addr, uint64_t size);
/* True if an entry is backed by memory of block b. */
bool shadow_block_mapped(const struct shadow *s, const struct shadow_block *b);
/* The range checks hv_vm_map, hv_vm_unmap and hv_vm_protect share. */
bool shadow_range_ok(const struct shadow *s, uint64_t addr, uint64_t size);
/* True if mapping size bytes more keeps within c->max_pages entries. */
bool shadow_has_room(const struct shadow *s, uint64_t size);

/* What hv_vm_map and hv_vm_unmap/protect answer (vm: a VM exists). */
int32_t shadow_predict_map(const struct shadow *s, bool vm, const uint8_t *host, uint64_t addr,
                           uint64_t size, uint64_t flags);
int32_t shadow_predict_change(const struct shadow *s, bool vm, uint64_t addr, uint64_t size,
                              uint64_t flags);

/* Records a successful map; an unmap (unmap) or protect of a range. */
void shadow_map(struct shadow *s, uint8_t *host, uint64_t addr, uint64_t size, uint32_t prot);
void shadow_change(struct shadow *s, bool unmap, uint64_t addr, uint64_t size, uint32_t prot);

/* Checks the answer r of a map call (named `call` in messages) against want
 * and records a success. True if the call failed as predicted on a VM, for
 * a range that passes the range checks and holds nothing: unmapping it must
 * still fail. */
bool shadow_check_map(struct shadow *s, bool vm, const char *call, uint8_t *host, uint64_t addr,
                      uint64_t size, uint64_t flags, int32_t r, int32_t want);
/* The same for hv_vm_unmap (unmap) or hv_vm_protect. */
void shadow_check_change(struct shadow *s, bool unmap, uint64_t addr, uint64_t size, uint64_t flags,
                         int32_t r, int32_t want);

/* A map, unmap or protect the second thread makes while the first runs:
 * over the spare range, backed by the end of the pool. */
enum shadow_kind { SHADOW_MAP = 1, SHADOW_UNMAP, SHADOW_PROTECT };

struct shadow_call {
    enum shadow_kind kind;
    uint8_t *host;
    uint64_t addr, size, flags;
    int32_t want;
};

/* Builds one from the byte k (and a byte of input for the permissions):
 * a map where it would succeed unless k has bit 7, else a protect (k bit 6)
 * or an unmap. */
void shadow_gen_call(const struct shadow *s, bool vm, uint8_t k, struct input *in, uint8_t *pool,
                     size_t pool_size, struct shadow_call *call);
/* Checks its answer r and records a success. */
void shadow_call_done(struct shadow *s, const struct shadow_call *call, int32_t r);

/* Arguments: a guest address, permission bits, and host memory for a map
 * of *size bytes (inside the pool or a block, *size cut to fit; or NULL,
 * or misaligned, which the model must refuse without touching). */
uint64_t shadow_gen_addr(const struct shadow *s, struct input *in);
uint64_t shadow_gen_flags(struct input *in);
uint8_t *shadow_gen_host(const struct shadow *s, struct input *in, uint8_t *pool, size_t pool_size,
                         uint64_t *size);

#endif
