/*
 * harness.h — shared set-up for the x86 flavour's tests: one VM, one vCPU
 * owned by the test thread, VMCS helpers that fail the test on any error.
 */
#ifndef HVMODEL_TESTS_X86_HARNESS_H
#define HVMODEL_TESTS_X86_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>

extern hv_vcpuid_t xt_vcpu;
/* xt_*_setup records the test to a trace and xt_teardown replays it (exit
 * for exit, bit for bit) unless this is false or HVMODEL_TEST_NO_REPLAY is
 * set. A test that records its own trace clears it. */
extern bool xt_autotrace;

uint64_t xt_vmcs(uint32_t field);
void xt_set_vmcs(uint32_t field, uint64_t value);
/* A control value by the (want | allowed-0) & allowed-1 rule VMMs apply. */
uint64_t xt_ctrl(hv_vmx_capability_t cap, uint64_t want);
uint64_t xt_reg(hv_x86_reg_t r);
void xt_set_reg(hv_x86_reg_t r, uint64_t value);
/* Retired guest instructions (hvm_vcpu_get_instruction_count). */
uint64_t xt_retired(void);
/* hv_vcpu_run, then checks reason, qualification and instruction length. */
void xt_expect_exit(uint64_t reason, uint64_t qual, uint64_t len);
/* hv_vcpu_run, then checks the exit reason only. */
void xt_expect_reason(uint64_t reason);
/* hv_vcpu_run, then checks an EPT violation: reason, qualification, the
 * guest-physical and the guest-linear address. */
void xt_expect_ept_violation(uint64_t qual, uint64_t gpa, uint64_t gla);
/* hv_vcpu_run, then checks an exception or NMI exit and its interruption
 * information (the error code, if any, is the caller's to check). */
void xt_expect_exception(uint64_t irq_info);
/* RIP += the exit's instruction length. */
void xt_advance(void);
/* Writes the primary processor-based controls: xt_ctrl(PROCBASED, want). */
void xt_set_cpu_based(uint32_t want);
/* Activates the VMX-preemption timer (pin-based control, saved on exit)
 * and loads it with value. */
void xt_arm_preemption_timer(uint32_t value);

/* Creates the VM, allocates size bytes of zeroed RAM (returned; freed by
 * xt_teardown) mapped RWX at GPA 0 with image copied to load, creates the
 * vCPU and programs a flat real-mode guest (all segments base 0, limit
 * 0xffff; IDTR limit 0; HLT exiting, unrestricted guest, all exceptions
 * exiting) starting at RIP = load, RSP = 0x7000. */
uint8_t *xt_realmode_setup(size_t size, uint64_t load, const void *image, size_t len);
/* Guest-physical layout of the protected- and long-mode set-ups: GDT,
 * IDT, a pool of page-table pages, and the initial stack top. */
#define XT_GDT     0x1000u
#define XT_IDT     0x2000u
#define XT_PT_POOL 0x3000u /* up to XT_PT_END */
#define XT_PT_END  0x8000u
#define XT_STACK   0x9000u
/* Selectors of the GDT the set-ups write (all flat, DPL 0). */
#define XT_SEL_CS32  0x08u
#define XT_SEL_DS    0x10u
#define XT_SEL_CS64  0x18u
#define XT_GDT_LIMIT 0x27u
/* Page-table entry bits for xt_map_page. */
#define XT_PTE_P 0x1u
#define XT_PTE_W 0x2u
#define XT_PTE_U 0x4u

/* Like xt_realmode_setup, but the guest starts in 32-bit protected mode
 * with 2-level paging (CR0 = PG|NE|ET|PE, CR4 = VMXE only): flat CS/DS/SS
 * from the GDT at XT_GDT, RAM identity-mapped with 4 KiB pages, IDTR =
 * XT_IDT with 256 (empty) gates, exception bitmap all ones. */
uint8_t *xt_pmode_setup(size_t size, uint64_t load, const void *image, size_t len);
/* The same in 64-bit long mode with 4-level paging: EFER = LME|LMA, the
 * VM-entry control "IA-32e mode guest", CS = XT_SEL_CS64 (L=1). */
uint8_t *xt_longmode_setup(size_t size, uint64_t load, const void *image, size_t len);
/* Maps linear page `la` to guest-physical `gpa` with PTE flags (XT_PTE_*)
 * in the page tables of the current set-up; flags 0 leaves it not present. */
void xt_map_page(uint64_t la, uint64_t gpa, uint32_t flags);
/* Writes IDT entry `vec` as a DPL-0 interrupt gate (trap gate if `trap`)
 * to `handler` in the set-up's mode. */
void xt_idt_gate(unsigned vec, uint64_t handler, int trap);
/* A 32-bit little-endian value of guest RAM (the set-ups identity-map). */
uint32_t xt_ram32(uint64_t gpa);
uint64_t xt_ram64(uint64_t gpa);

/* Destroys the vCPU and the VM, frees the RAM, and replays the test's
 * trace (see xt_autotrace). */
void xt_teardown(void);
/* xt_teardown as a cmocka teardown. */
int xt_teardown_state(void **state);

#endif
