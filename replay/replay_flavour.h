/*
 * replay_flavour.h — what the generic replayer (replay.c) needs from the
 * flavour it is linked with (replay_arm64.c or replay_x86.c). A process can
 * hold only one flavour of the model, so each replayer build links one.
 *
 * The flavour re-encodes the exit it got into the byte layout of its exit
 * record (trace/FORMAT.md); replay.c compares it with the recorded one
 * field by field using the flavour's field table.
 */
#ifndef HVMODEL_REPLAY_FLAVOUR_H
#define HVMODEL_REPLAY_FLAVOUR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capstone/capstone.h>

#include "../trace/format.h"
#include "../trace/reader.h"

/* Exit records of both flavours put these at the same offsets. */
#define REPLAY_EXIT_PC     32u
#define REPLAY_EXIT_ICOUNT 40u
#define REPLAY_EXIT_MAX    96u

/* One vCPU: the thread that owns it and what its last run produced. */
struct replay_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const struct hvt_record *job; /* NULL: idle */
    bool quit, started;
    uint64_t vcpu;
    void *exit;                   /* the flavour's exit information, if it has one */
    int ret;                      /* hv_return_t of the last job */
    uint8_t got[REPLAY_EXIT_MAX]; /* the replayed exit, as a record payload */
    char disasm[256];
    bool disasm_every; /* disassemble at every exit, not only a divergence */
    /* A run started at a RUN record (vCPUs taking turns): its exit is
     * collected at the vCPU's next EXIT record. */
    bool running;
    struct hvt_record run_job;
    uint8_t run_payload[REPLAY_EXIT_MAX];
};

struct replay_field {
    const char *name;
    uint16_t off, width; /* in the exit record's payload; width 4 or 8 */
    bool input;          /* recorded input, not compared */
};

struct replay_flavour {
    uint32_t trace_flavour; /* HVT_FLAVOUR_* this build replays */
    uint16_t exit_type;     /* HVT_EXIT or HVT_EXIT_X86 */
    const struct replay_field *fields;
    unsigned nfields;
    /* Creates the VM the header describes; 0 or a message in err. */
    int (*create_vm)(const struct hvt_header *h, char *err, size_t n);
    /* A vCPU record (create, destroy, SET_*, exit) on the owning thread.
     * For the exit record: runs and fills w->got. */
    int (*vcpu_job)(struct replay_worker *w, const struct hvt_record *r);
    /* A VM-wide record only this flavour has; -1 if not one. */
    int (*vm_job)(const struct hvt_record *r);
    /* SPACE_MEMORY (NULL: the flavour has no address spaces): host is the
     * memory a MAP names in its region, NULL for UNMAP and PROTECT. */
    int (*space_memory)(const struct hvt_record *r, void *host);
    /* hv_vcpus_exit for one vCPU (NULL: the flavour's vCPUs never take
     * turns, so no run is in flight while the replay reads on). */
    int (*kick)(uint32_t vcpu); /* an hv_return_t */
    /* The guest code at pc (owner thread): up to max bytes into code, and the
     * Capstone architecture and mode to decode them in. Returns the bytes
     * read; 0 when the memory is not readable. */
    size_t (*code_at)(struct replay_worker *w, uint64_t pc, uint8_t *code, size_t max,
                      cs_arch *arch, cs_mode *mode);
};

extern const struct replay_flavour replay_flavour;

#endif
