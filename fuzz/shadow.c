/*
 * shadow.c — the API harnesses' shadow of the guest-physical map and the
 * contract of hv_vm_map, hv_vm_unmap and hv_vm_protect it predicts (see
 * shadow.h).
 */
#include "shadow.h"

void shadow_init(struct shadow *s, const struct shadow_contract *c, bool *broken, uint64_t granule,
                 unsigned addr_bits)
{
    s->c = c;
    s->broken = broken;
    s->nblocks = 0;
    shadow_new_vm(s, granule, addr_bits);
}

void shadow_new_vm(struct shadow *s, uint64_t granule, unsigned addr_bits)
{
    s->granule = granule;
    s->addr_bits = addr_bits;
    s->npages = 0;
}

struct shadow_page *shadow_find(struct shadow *s, uint64_t addr)
{
    uint64_t base = addr & ~(s->granule - 1);
    for (unsigned i = 0; i < s->npages; i++)
        if (s->pages[i].addr == base)
            return &s->pages[i];
    return NULL;
}

uint64_t shadow_count(const struct shadow *s, uint64_t addr, uint64_t size)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < s->npages; i++)
        if (s->pages[i].addr >= addr && s->pages[i].addr - addr < size)
            n++;
    return n;
}

bool shadow_block_mapped(const struct shadow *s, const struct shadow_block *b)
{
    for (unsigned i = 0; i < s->npages; i++)
        if (s->pages[i].host >= b->p && s->pages[i].host < b->p + b->size)
            return true;
    return false;
}

bool shadow_range_ok(const struct shadow *s, uint64_t addr, uint64_t size)
{
    if ((addr | size) & (s->granule - 1))
        return false;
    if (size == 0 || addr + size < addr)
        return false;
    return addr + size <= (1ull << s->addr_bits);
}

bool shadow_has_room(const struct shadow *s, uint64_t size)
{
    return s->npages + size / s->granule <= s->c->max_pages;
}

int32_t shadow_predict_map(const struct shadow *s, bool vm, const uint8_t *host, uint64_t addr,
                           uint64_t size, uint64_t flags)
{
    if (!vm)
        return s->c->no_device;
    if (flags & ~s->c->prot_mask || !host || ((uintptr_t)host & (s->c->host_page - 1)) ||
        !shadow_range_ok(s, addr, size) || shadow_count(s, addr, size))
        return s->c->bad_argument;
    return s->c->ok;
}

int32_t shadow_predict_change(const struct shadow *s, bool vm, uint64_t addr, uint64_t size,
                              uint64_t flags)
{
    if (!vm)
        return s->c->no_device;
    if (flags & ~s->c->prot_mask || !shadow_range_ok(s, addr, size) ||
        shadow_count(s, addr, size) != size / s->granule)
        return s->c->bad_argument;
    return s->c->ok;
}

void shadow_map(struct shadow *s, uint8_t *host, uint64_t addr, uint64_t size, uint32_t prot)
{
    for (uint64_t off = 0; off < size; off += s->granule)
        s->pages[s->npages++] = (struct shadow_page){addr + off, host + off, prot};
}

void shadow_change(struct shadow *s, bool unmap, uint64_t addr, uint64_t size, uint32_t prot)
{
    for (unsigned i = 0; i < s->npages;) {
        struct shadow_page *p = &s->pages[i];
        if (p->addr >= addr && p->addr - addr < size) {
            if (unmap) {
                *p = s->pages[--s->npages];
                continue;
            }
            p->prot = prot;
        }
        i++;
    }
}

bool shadow_check_map(struct shadow *s, bool vm, const char *call, uint8_t *host, uint64_t addr,
                      uint64_t size, uint64_t flags, int32_t r, int32_t want)
{
    if (r != want) {
        fuzz_failf(s->broken, "%s(%p, 0x%llx, 0x%llx, 0x%llx): %s, expected %s", call, (void *)host,
                   (unsigned long long)addr, (unsigned long long)size, (unsigned long long)flags,
                   s->c->strerror(r), s->c->strerror(want));
        return false;
    }
    if (r == s->c->ok) {
        shadow_map(s, host, addr, size, (uint32_t)flags);
        return false;
    }
    return vm && shadow_range_ok(s, addr, size) && !shadow_count(s, addr, size);
}

void shadow_check_change(struct shadow *s, bool unmap, uint64_t addr, uint64_t size, uint64_t flags,
                         int32_t r, int32_t want)
{
    if (r != want) {
        fuzz_failf(s->broken, "%s(0x%llx, 0x%llx, 0x%llx): %s, expected %s",
                   unmap ? "hv_vm_unmap" : "hv_vm_protect", (unsigned long long)addr,
                   (unsigned long long)size, (unsigned long long)flags, s->c->strerror(r),
                   s->c->strerror(want));
        return;
    }
    if (r == s->c->ok)
        shadow_change(s, unmap, addr, size, (uint32_t)flags);
}

void shadow_gen_call(const struct shadow *s, bool vm, uint8_t k, struct input *in, uint8_t *pool,
                     size_t pool_size, struct shadow_call *call)
{
    call->addr = s->c->spare + (uint64_t)(k % 8) * s->granule;
    call->size = (uint64_t)(1 + (k >> 3) % 4) * s->granule;
    call->flags = u8(in) & 7;
    call->host = pool + pool_size - 4 * s->granule;
    if (!(k & 0x80) &&
        shadow_predict_map(s, vm, call->host, call->addr, call->size, call->flags) == s->c->ok) {
        call->kind = SHADOW_MAP;
        call->want = s->c->ok;
    } else {
        call->kind = (k & 0x40) ? SHADOW_PROTECT : SHADOW_UNMAP;
        call->want = shadow_predict_change(s, vm, call->addr, call->size,
                                           call->kind == SHADOW_PROTECT ? call->flags : 0);
    }
}

void shadow_call_done(struct shadow *s, const struct shadow_call *call, int32_t r)
{
    if (r != call->want)
        fuzz_failf(s->broken, "%s: returned %s, expected %s",
                   "hv_vm_map/unmap/protect (concurrent)", s->c->strerror(r),
                   s->c->strerror(call->want));
    if (r == s->c->ok && call->kind == SHADOW_MAP)
        shadow_map(s, call->host, call->addr, call->size, (uint32_t)call->flags);
    else if (r == s->c->ok)
        shadow_change(s, call->kind == SHADOW_UNMAP, call->addr, call->size, (uint32_t)call->flags);
}

uint64_t shadow_gen_addr(const struct shadow *s, struct input *in)
{
    uint64_t g = s->granule;
    switch (u8(in) % 6) {
    case 0: return (uint64_t)(u8(in) % 64) * g;
    case 1: return s->c->near + (uint64_t)(u8(in) % s->c->near_count) * s->c->near_step;
    case 2: return s->c->spare + (uint64_t)(u8(in) % 16) * g;
    case 3: return (uint64_t)u32(in) << 12;
    case 4: return (1ull << s->addr_bits) - (uint64_t)(u8(in) % 4) * g;
    default: return u64(in);
    }
}

uint64_t shadow_gen_flags(struct input *in)
{
    uint8_t b = u8(in);
    if (b & 0x80)
        return (uint64_t)1 << (u8(in) % 64) | (b & 7);
    return b & 7;
}

uint8_t *shadow_gen_host(const struct shadow *s, struct input *in, uint8_t *pool, size_t pool_size,
                         uint64_t *size)
{
    uint64_t page = s->c->host_page;
    uint8_t sel = u8(in) % 8, off = u8(in);
    uint8_t *base = pool;
    size_t len = pool_size;
    if (sel == 6)
        return NULL;
    if ((sel == 4 || sel == 5) && s->nblocks) {
        const struct shadow_block *b = &s->blocks[off % s->nblocks];
        base = b->p;
        len = b->size;
        off /= SHADOW_MAX_BLOCKS;
    }
    size_t at = ((size_t)off * page) % len;
    if (*size > len - at)
        *size = (len - at) & ~(page - 1);
    if (sel == 7)
        return base + at + 1 + (off % (page - 1)); /* misaligned */
    return base + at;
}
