/*
 * record.h — the recording side of traces (trace/FORMAT.md). The API layer
 * calls these after each successful call that can change the guest's future;
 * they do nothing unless a trace is being recorded. All records go through
 * one lock, so their order is the order the model received the inputs.
 */
#ifndef HVMODEL_RECORD_H
#define HVMODEL_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "hvm.h"

extern atomic_bool rec_on;
static inline bool rec_active(void)
{
    return atomic_load_explicit(&rec_on, memory_order_relaxed);
}

/* hv_vm_create succeeded: starts recording if hvm_trace_start() or
 * HVMODEL_TRACE asked for it. */
void rec_vm_created(const struct hvm_vm *vm, uint32_t flavour);
/* hv_vm_destroy: writes END and closes. */
void rec_vm_destroyed(void);

/* A host range became guest memory. new_region: first use of that region,
 * whose whole current content is recorded (zero pages skipped). */
void rec_map(uint64_t gpa, uint64_t size, uint32_t prot, uint32_t region, uint64_t offset,
             bool new_region, const uint8_t *region_base, uint64_t region_size);
void rec_unmap(uint64_t gpa, uint64_t size);
/* A map, unmap or protect (op HVT_MAP, HVT_UNMAP, HVT_PROTECT) in an address
 * space other than the default (SPACE_MEMORY); a map of a new region
 * records the region first, as rec_map. Unmap: prot, region, offset 0;
 * protect: region, offset 0. */
void rec_space_memory(uint32_t space, uint16_t op, uint64_t gpa, uint64_t size, uint32_t prot,
                      uint32_t region, uint64_t offset, bool new_region, const uint8_t *region_base,
                      uint64_t region_size);
void rec_protect(uint64_t gpa, uint64_t size, uint32_t prot);
/* A page the VMM wrote (from the run-entry collection). */
void rec_mem(uint32_t region, uint64_t offset, const uint8_t *data, uint32_t len);
/* Writes records kept back by sched_defer_record (u16 type, u32 size,
 * payload each), bypassing it. */
void rec_replay_deferred(const uint8_t *buf, uint32_t len);
/* The model cannot record faithfully (e.g. memory it cannot track). */
void rec_abandon(const char *why);

/* Records with a vCPU and up to two small values (SET_* and friends). */
void rec_vcpu(uint16_t type, uint32_t vcpu);
void rec_vcpu_u32(uint16_t type, uint32_t vcpu, uint32_t a);
void rec_vcpu_u32_u64(uint16_t type, uint32_t vcpu, uint32_t a, uint64_t b);
void rec_vcpu_u32_u32(uint16_t type, uint32_t vcpu, uint32_t a, uint32_t b);
void rec_vcpu_u64(uint16_t type, uint32_t vcpu, uint64_t a);
void rec_vcpu_bytes16(uint16_t type, uint32_t vcpu, uint32_t a, const uint8_t b[16]);
void rec_u32(uint16_t type, uint32_t a);
void rec_u64(uint16_t type, uint64_t a);
/* SET_FPSTATE: len bytes (at most HVT_FPSTATE_MAX). */
void rec_vcpu_blob(uint16_t type, uint32_t vcpu, const void *data, uint32_t len);
void rec_exit(uint32_t vcpu, uint32_t reason, uint64_t syndrome, uint64_t va, uint64_t ipa,
              uint64_t pc, uint64_t icount, uint64_t digest);

/* The in-framework GIC (arm64). GIC_CREATE: the configuration as the VMM
 * set it (`set`: HVT_GIC_HAS_* bits; fields not set are 0). */
void rec_gic_create(uint32_t set, uint32_t msi_base, uint32_t msi_count, uint64_t dist,
                    uint64_t redist, uint64_t msi);
/* GIC_INPUT: a VM-wide call (HVT_GIC_SPI ... HVT_GIC_RESET). */
void rec_gic_input(uint32_t kind, uint32_t arg, uint64_t value, uint32_t flags);
/* GIC_SET_REG: a per-vCPU register (HVT_GIC_REDIST or HVT_GIC_ICC). */
void rec_gic_set_reg(uint32_t vcpu, uint32_t file, uint32_t reg, uint64_t value);
/* GIC_SET_STATE: the blob hv_gic_set_state accepted (at most
 * HVT_GIC_STATE_MAX bytes). */
void rec_gic_state(const void *data, uint32_t len);

/* An x86 exit (EXIT_X86): the VMCS exit fields as the VMM reads them. */
struct rec_x86_exit {
    uint32_t vcpu, reason;
    uint64_t qualification, gla, gpa, rip, icount, digest, deadline;
    uint32_t instr_len, instr_info, intr_info, intr_error, idt_info, idt_error;
};
void rec_exit_x86(const struct rec_x86_exit *e);

#endif
