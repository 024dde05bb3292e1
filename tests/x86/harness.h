/*
 * harness.h — shared set-up for the x86 flavour's tests: one VM, one vCPU
 * owned by the test thread, VMCS helpers that fail the test on any error.
 */
#ifndef HVMODEL_TESTS_X86_HARNESS_H
#define HVMODEL_TESTS_X86_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>

extern hv_vcpuid_t xt_vcpu;

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
/* RIP += the exit's instruction length. */
void xt_advance(void);

/* Creates the VM, maps ram (size bytes, RWX) at GPA 0 with image copied to
 * load, creates the vCPU and programs a flat real-mode guest (all segments
 * base 0, limit 0xffff; IDTR limit 0; HLT exiting, unrestricted guest, all
 * exceptions exiting) starting at RIP = load, RSP = 0x7000. */
void xt_realmode_setup(uint8_t *ram, size_t size, uint64_t load, const void *image, size_t len);
/* Destroys the vCPU and the VM. */
void xt_teardown(void);

#endif
