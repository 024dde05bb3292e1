/*
 * harness.h — the arm64 test harness: a VM with one vCPU running a guest
 * program from tests/guest/arm64, and asserting wrappers around the hv_*
 * calls (the `__x()` forms return the raw hv_return_t for negative tests).
 */
#ifndef HVMODEL_TEST_HARNESS_H
#define HVMODEL_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>

#define GUEST_RAM_IPA  0x0ull
#define GUEST_RAM_SIZE 0x400000ull /* 4 MiB */
#define GUEST_STACK    0x3f0000ull
#define GUEST_MMIO     0x09000000ull

#define UCALL_SYNC   1
#define UCALL_DONE   2
#define UCALL_VECTOR 3

struct guest {
    uint8_t *ram;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
    char trace[128]; /* the scenario's own trace ("" when not recording) */
};

/* Creates the VM (default config), maps 4 MiB of RAM at IPA 0 RWX, copies the
 * image at 0x10000, creates a vCPU on this thread in EL1h with SP_EL1 set.
 *
 * Every scenario is recorded (as rr does): guest_destroy replays the trace
 * and fails the test unless every exit replays bit for bit. Set
 * HVMODEL_TEST_NO_REPLAY=1 to switch this off. */
void guest_create(struct guest *g, const unsigned char *image, unsigned len);
/* The VM part of guest_create alone (no trace, no vCPU): for a VM that needs
 * more (a GIC) before its vCPUs. g->ram is set; the rest of *g is the
 * caller's. */
void guest_vm_create(struct guest *g, const unsigned char *image, unsigned len);
/* Destroys the vCPU and the VM, frees the RAM, replays the scenario (if
 * g->trace names one). */
void guest_destroy(struct guest *g);
/* cmocka teardown for tests whose state is a struct guest *: guest_destroy. */
int guest_teardown(void **state);
/* Replays a trace file and asserts that every exit matched. */
void assert_trace_replays(const char *path);

/* cmocka setup/teardown that expect the test state to be a struct guest *. */
uint64_t reg(struct guest *g, hv_reg_t r);
void set_reg(struct guest *g, hv_reg_t r, uint64_t value);
uint64_t sysreg(struct guest *g, hv_sys_reg_t r);
void set_sysreg(struct guest *g, hv_sys_reg_t r, uint64_t value);

/* Runs once and asserts HV_SUCCESS; returns the exit reason. */
hv_exit_reason_t run(struct guest *g);
/* Runs from pc until the next exit and checks it is an exception exit with
 * this syndrome; returns the syndrome for further checks. */
void run_expect_exception(struct guest *g, uint64_t syndrome);

/* ESR value of an HVC #imm exit (EC 0x16, IL). */
#define ESR_HVC(imm) (0x5a000000ull | (imm))

/* X<n> of the vCPU. */
uint64_t gpr(struct guest *g, unsigned n);
void set_gpr(struct guest *g, unsigned n, uint64_t value);
/* Runs and expects an HVC #imm exit: run_expect_exception(g, ESR_HVC(imm)). */
void run_hvc(struct guest *g, unsigned imm);
/* A GIC configuration with the distributor and redistributors at these IPAs
 * and, when msi is not 0, the MSI frame there for INTIDs
 * [msi_lo, msi_lo+msi_n). */
hv_gic_config_t gic_config_at(uint64_t dist, uint64_t redist, uint64_t msi, uint32_t msi_lo,
                              uint32_t msi_n);
/* hv_gic_create with the distributor and redistributors at these IPAs and,
 * when msi is not 0, the MSI frame there for INTIDs [msi_lo, msi_lo+msi_n). */
void gic_create_at(uint64_t dist, uint64_t redist, uint64_t msi, uint32_t msi_lo, uint32_t msi_n);
/* A distributor register of the VM's GIC (hv_gic_get_distributor_reg). */
uint64_t gic_dist(hv_gic_distributor_reg_t r);

#endif
