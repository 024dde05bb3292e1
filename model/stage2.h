/*
 * stage2.h — the model's explicit guest-physical translation table (arm64
 * stage 2, x86 EPT). It is the source of truth for every memory exit; each
 * vCPU's Unicorn memory map is a cache of it, brought up to date by replaying
 * the table's change log (stage2_log).
 */
#ifndef HVMODEL_STAGE2_H
#define HVMODEL_STAGE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S2_PROT_R   1u
#define S2_PROT_W   2u
#define S2_PROT_X   4u
#define S2_PROT_ALL 7u

struct s2_entry {
    uint64_t gpa;
    uint64_t size;
    uint8_t *host;   /* the VMM's pointer */
    uint8_t *engine; /* what the engines map: an alias of host (memtrack.h) or host */
    uint32_t prot;
};

enum s2_op_kind { S2_OP_MAP, S2_OP_UNMAP, S2_OP_PROTECT };

struct s2_op {
    enum s2_op_kind kind;
    uint64_t gpa, size;
    uint8_t *engine;
    uint32_t prot;
};

/* Result codes of the table operations (the flavour maps them to hv_return_t). */
enum s2_err {
    S2_OK = 0,
    S2_EALIGN,   /* address or size not a multiple of the granule / host page */
    S2_ERANGE,   /* empty, wrapping or beyond the IPA size */
    S2_EOVERLAP, /* map over an existing mapping */
    S2_EHOLE,    /* unmap/protect of a range not entirely mapped */
    S2_EFLAGS,   /* unknown permission bits */
    S2_EHOST,    /* host range NULL or not backed by host memory */
    S2_ENOMEM,
};

struct stage2 {
    struct s2_entry *e; /* sorted by gpa, non-overlapping */
    size_t n, cap;
    uint64_t granule;
    unsigned ipa_bits;
    unsigned page_shift;  /* log2(granule) */
    unsigned level_bits;  /* IPA bits resolved per table level */
    unsigned start_level; /* first level of the walk (see stage2.c) */
    /* Change log: op i has generation log_base + i + 1. */
    struct s2_op *log;
    size_t log_n, log_cap;
    uint64_t log_base;
};

int stage2_init(struct stage2 *s, uint64_t granule, unsigned ipa_bits);
void stage2_fini(struct stage2 *s);
uint64_t stage2_gen(const struct stage2 *s);

/* Checks a map without changing anything (S2_OK if stage2_map would succeed). */
enum s2_err stage2_check_map(const struct stage2 *s, void *host, uint64_t gpa, uint64_t size,
                             uint32_t prot);
enum s2_err stage2_map(struct stage2 *s, void *host, void *engine, uint64_t gpa, uint64_t size,
                       uint32_t prot);
enum s2_err stage2_unmap(struct stage2 *s, uint64_t gpa, uint64_t size);
enum s2_err stage2_protect(struct stage2 *s, uint64_t gpa, uint64_t size, uint32_t prot);

/* The entry holding gpa, or NULL. */
const struct s2_entry *stage2_lookup(const struct stage2 *s, uint64_t gpa);
/* Host pointer for [gpa, gpa+len) if one entry holds all of it, else NULL. */
void *stage2_host(const struct stage2 *s, uint64_t gpa, uint64_t len);
/* Level at which a walk of the table for gpa finds no valid descriptor
 * (translation fault level); 3 (the leaf level) if gpa is mapped. */
unsigned stage2_fault_level(const struct stage2 *s, uint64_t gpa);
/* Drops log entries every engine has applied (gen <= upto). */
void stage2_log_trim(struct stage2 *s, uint64_t upto);

#endif
