/*
 * test_x86_address_spaces.c — hv_vm_space_* and hv_vcpu_set_space: each
 * address space is its own EPT. One real-mode guest runs in the default
 * space and in space 1, which maps the same guest-physical addresses to
 * other memory with other rights; its reads, I/O values and EPT violations
 * (qualification, guest-physical and guest-linear address) follow the
 * space the vCPU is in. The harness records every test and replays it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <hvmodel.h>

#include "../../replay/replay.h"
#include "../../trace/reader.h"
#include "x86/harness.h"
#include "x86_address_spaces.h"

#define RAM_SIZE 0x10000u
#define RWX      (HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)
#define LOAD     0x7c00u

static uint8_t *ram, *other;

static int setup(void **state)
{
    (void)state;
    ram = xt_realmode_setup(RAM_SIZE, LOAD, x86_address_spaces, x86_address_spaces_len);
    ram[0x6000] = 0x11;
    other = aligned_alloc(4096, RAM_SIZE);
    assert_non_null(other);
    memset(other, 0, RAM_SIZE);
    memcpy(other + LOAD, x86_address_spaces, x86_address_spaces_len);
    other[0x6000] = 0x22;
    return 0;
}

static int teardown(void **state)
{
    int r = xt_teardown_state(state);
    free(other);
    other = NULL;
    return r;
}

/* outb %al,$0x80: port 0x80 in 31:16, immediate operand (bit 6). */
#define QUAL_OUT_80 0x800040u

static void test_vcpu_sees_the_mappings_of_the_space_it_is_in(void **state)
{
    (void)state;
    hv_vm_space_t asid = 0;
    assert_int_equal(hv_vm_space_create(&asid), HV_SUCCESS);
    assert_int_equal(asid, 1);
    assert_int_equal(hv_vm_map_space(asid, other, 0, RAM_SIZE, RWX), HV_SUCCESS);
    assert_int_equal(hv_vm_protect_space(asid, 0x9000, 0x1000, HV_MEMORY_READ | HV_MEMORY_EXEC),
                     HV_SUCCESS);

    /* The default space: RAM as the harness mapped it. */
    xt_expect_exit(VMX_REASON_IO, QUAL_OUT_80, 2);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x11);
    assert_int_equal(xt_retired(), 1);
    xt_advance();
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(ram[0x9000], 1);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 10);

    /* Space 1 from the start: its own byte at 0x6000, and 0x9000 is
     * read/execute only there. */
    xt_set_reg(HV_X86_RIP, LOAD);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, asid), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_IO, QUAL_OUT_80, 2);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x22);
    xt_advance();
    /* a write (bit 1) to a readable, executable page (bits 3, 5), GLA
     * valid, translated access (bits 7, 8) */
    xt_expect_ept_violation(0x1aa, 0x9000, 0x9000);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD + 5);
    assert_int_equal(other[0x9000], 0);

    /* Back in the default space the same write succeeds. */
    ram[0x9000] = 0;
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, HV_VM_SPACE_DEFAULT), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    assert_int_equal(ram[0x9000], 1);
    assert_int_equal(other[0x9000], 0);
}

static void test_changes_to_the_current_space_reach_the_next_run(void **state)
{
    (void)state;
    hv_vm_space_t asid = 0;
    assert_int_equal(hv_vm_space_create(&asid), HV_SUCCESS);
    assert_int_equal(hv_vm_map_space(asid, other, 0, RAM_SIZE, RWX), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, asid), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_IO, QUAL_OUT_80, 2);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x22);

    /* Unmapping 0x6000 in space 1 leaves space 0 alone; the guest in
     * space 1 faults on its read: a read (bit 0) of a page with no rights. */
    assert_int_equal(hv_vm_unmap_space(asid, 0x6000, 0x1000), HV_SUCCESS);
    xt_set_reg(HV_X86_RIP, LOAD);
    xt_expect_ept_violation(0x181, 0x6000, 0x6000);
    assert_int_equal(xt_reg(HV_X86_RIP), LOAD);

    /* A space in use cannot go; once the vCPU has left it, it can. */
    assert_int_equal(hv_vm_space_destroy(asid), HV_BUSY);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, HV_VM_SPACE_DEFAULT), HV_SUCCESS);
    assert_int_equal(hv_vm_space_destroy(asid), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, asid), HV_BAD_ARGUMENT);
    xt_expect_exit(VMX_REASON_IO, QUAL_OUT_80, 2);
    assert_int_equal(xt_reg(HV_X86_RAX) & 0xff, 0x11);
}

/* The address-space calls as trace records (FORMAT.md, types 32..35), in
 * the order they were made, and a replay that reproduces every exit. */
static void test_space_calls_are_recorded_in_order_and_replay(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/x86-spaces-%ld.hvt", HVMODEL_BINARY_DIR, (long)getpid());
    xt_autotrace = false;
    assert_int_equal(hvm_trace_start(path), HV_SUCCESS);
    setup(NULL);
    hv_vm_space_t asid = 0;
    assert_int_equal(hv_vm_space_create(&asid), HV_SUCCESS);
    assert_int_equal(hv_vm_map_space(asid, other, 0, RAM_SIZE, RWX), HV_SUCCESS);
    assert_int_equal(hv_vm_protect_space(asid, 0x9000, 0x1000, HV_MEMORY_READ), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, asid), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_IO, QUAL_OUT_80, 2);
    xt_advance();
    assert_int_equal(hv_vcpu_run(xt_vcpu), HV_SUCCESS);
    assert_int_equal(xt_vmcs(VMCS_RO_EXIT_QUALIFIC), 0x18a);
    assert_int_equal(hv_vm_unmap_space(asid, 0x9000, 0x1000), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_space(xt_vcpu, HV_VM_SPACE_DEFAULT), HV_SUCCESS);
    assert_int_equal(hv_vm_space_destroy(asid), HV_SUCCESS);
    xt_expect_exit(VMX_REASON_HLT, 0, 1);
    teardown(NULL);
    xt_autotrace = true;

    /* MEM records (the pages the VMM wrote) left out. */
    static const uint16_t want[] = {HVT_SPACE_CREATE, HVT_REGION,        HVT_SPACE_MEMORY,
                                    HVT_SPACE_MEMORY, HVT_SET_SPACE,     HVT_EXIT_X86,
                                    HVT_SET_REG,      HVT_EXIT_X86,      HVT_SPACE_MEMORY,
                                    HVT_SET_SPACE,    HVT_SPACE_DESTROY, HVT_EXIT_X86};
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, path), 0);
    assert_int_equal(r.hdr.minor, 3);
    struct hvt_record rec;
    unsigned i = 0;
    bool started = false;
    while (hvt_reader_next(&r, &rec) == HVT_OK) {
        started = started || rec.type == HVT_SPACE_CREATE;
        if (!started || rec.type == HVT_MEM || rec.type == HVT_END || rec.type == HVT_VCPU_DESTROY)
            continue;
        assert_true(i < sizeof(want) / sizeof(want[0]));
        assert_int_equal(rec.type, want[i]);
        const uint8_t *p = rec.payload;
        switch (i) {
        case 0: assert_int_equal(hvt_get32(p), 1); break; /* SPACE_CREATE: the id */
        case 2:                                           /* the map of `other` */
            assert_int_equal(hvt_get32(p), 1);
            assert_int_equal(hvt_get32(p + 4), HVT_MAP);
            assert_int_equal(hvt_get64(p + 8), 0);
            assert_int_equal(hvt_get64(p + 16), RAM_SIZE);
            assert_int_equal(hvt_get32(p + 24), RWX);
            assert_int_equal(hvt_get32(p + 28), 1); /* the second region */
            assert_int_equal(hvt_get64(p + 32), 0);
            break;
        case 3:
            assert_int_equal(hvt_get32(p + 4), HVT_PROTECT);
            assert_int_equal(hvt_get64(p + 8), 0x9000);
            assert_int_equal(hvt_get64(p + 16), 0x1000);
            assert_int_equal(hvt_get32(p + 24), HV_MEMORY_READ);
            assert_int_equal(hvt_get32(p + 28), 0);
            break;
        case 4: /* SET_SPACE: vCPU, space */
            assert_int_equal(hvt_get32(p), xt_vcpu);
            assert_int_equal(hvt_get32(p + 4), 1);
            break;
        case 7: /* the EPT violation in space 1 */
            assert_int_equal(hvt_get32(p + 4), VMX_REASON_EPT_VIOLATION);
            assert_int_equal(hvt_get64(p + 8), 0x18a);
            assert_int_equal(hvt_get64(p + 24), 0x9000);
            break;
        case 8:
            assert_int_equal(hvt_get32(p + 4), HVT_UNMAP);
            assert_int_equal(hvt_get64(p + 8), 0x9000);
            assert_int_equal(hvt_get32(p + 24), 0);
            break;
        case 9: assert_int_equal(hvt_get32(p + 4), 0); break;
        case 10: assert_int_equal(hvt_get32(p), 1); break; /* SPACE_DESTROY */
        }
        i++;
    }
    assert_int_equal(i, sizeof(want) / sizeof(want[0]));
    assert_true(r.clean);
    hvt_reader_close(&r);

    struct replay_result res;
    int rc = replay_file(path, NULL, &res);
    if (rc)
        fail_msg("replay: %s", rc == 2 ? res.error : "diverged");
    assert_int_equal(res.exits, 3);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vcpu_sees_the_mappings_of_the_space_it_is_in, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_changes_to_the_current_space_reach_the_next_run, setup,
                                        teardown),
        cmocka_unit_test(test_space_calls_are_recorded_in_order_and_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
