/*
 * replay.h — reruns a trace against the model and compares every exit.
 *
 * The replayer is a VMM of its own: it re-issues the recorded calls in their
 * recorded order, each vCPU's calls on a thread that owns that vCPU, writes
 * the recorded guest memory, and after each run compares the exit with the
 * recorded one field by field.
 */
#ifndef HVMODEL_REPLAY_H
#define HVMODEL_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct hvt_record;

struct replay_opts {
    const char *record_path; /* record the replay itself to this trace (NULL: no) */
    unsigned progress_every; /* print progress every N exits to `log` (0: never) */
    FILE *log;               /* divergence report and progress (stderr if NULL) */
    /* What-if: replay record number override_seq (SET_REG, SET_SYSREG,
     * SET_VMCS, SET_MSR, GIC_INPUT, GIC_SET_REG) with override_value instead
     * of the recorded value (has_override). */
    bool has_override;
    uint64_t override_seq, override_value;
    /* Called for every record replayed without divergence, in trace order;
     * for an exit with the instruction at the replayed PC (Capstone text,
     * or a note when the memory is not readable), otherwise with NULL. */
    void (*on_record)(void *ctx, const struct hvt_record *r, const char *disasm);
    void *ctx;
};

struct replay_result {
    uint64_t records, exits;
    bool diverged;
    bool clean;      /* the trace ended with END */
    bool truncated;  /* the trace ended at a torn chunk (replayed up to it) */
    char error[320]; /* a trace or model error that stopped the replay, or "" */
};

/* Returns 0 when every exit matched, 1 on a divergence, 2 on an error. */
int replay_file(const char *path, const struct replay_opts *opts, struct replay_result *res);

#endif
