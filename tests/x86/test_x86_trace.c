/*
 * test_x86_trace.c — recording and replaying an x86 VM (trace/FORMAT.md,
 * EXIT_X86 and the x86 input records): the same run recorded twice gives the
 * same bytes, the replay reproduces every exit field, a changed input is
 * reported at the exit it first changes.
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

#include <hvmodel.h>

#include "../../replay/replay.h"
#include "../../trace/reader.h"
#include "trace/trace_check.h"
#include "x86/harness.h"
#include "x86_trace_loop.h"

#define RAM_SIZE   0x10000u
#define ITERATIONS 4u
/* The first deadline, tick 2, is 80 retired instructions (40 per tick). */
#define DEADLINE_ICOUNT 80u
/* Per iteration: IN, OUT, deadline, CPUID, VMCALL; plus the first kick. */
#define EXITS (1u + 5u * ITERATIONS)

static char trace_a[512], trace_b[512];

static void trace_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/tests/x86-trace-%ld-%s", HVMODEL_BINARY_DIR, (long)getpid(), name);
}

/* The VMM: answers each exit the way a small device model would. */
static void run_scenario(const char *path)
{
    assert_int_equal(hvm_trace_start(path), HV_SUCCESS);
    uint8_t *ram = xt_realmode_setup(RAM_SIZE, 0x7c00, x86_trace_loop, x86_trace_loop_len);

    /* Inputs of every x86 record type before the first run. */
    uint8_t fp[4096];
    assert_int_equal(hv_vcpu_read_fpstate(xt_vcpu, fp, sizeof(fp)), HV_SUCCESS);
    fp[160] = 0x5a; /* XMM0's low byte */
    assert_int_equal(hv_vcpu_write_fpstate(xt_vcpu, fp, sizeof(fp)), HV_SUCCESS);
    assert_int_equal(hv_vcpu_write_msr(xt_vcpu, 0x174, 0x10), HV_SUCCESS); /* SYSENTER_CS */
    assert_int_equal(hv_vcpu_enable_native_msr(xt_vcpu, 0x174, true), HV_SUCCESS);
    assert_int_equal(hv_vm_sync_tsc(1000), HV_SUCCESS);
    assert_int_equal(hv_vcpu_invalidate_tlb(xt_vcpu), HV_SUCCESS);

    /* A kick before the first instruction. */
    hv_vcpuid_t self = xt_vcpu;
    assert_int_equal(hv_vcpu_interrupt(&self, 1), HV_SUCCESS);
    xt_expect_reason(VMX_REASON_IRQ);

    for (unsigned i = 0; i < ITERATIONS; i++) {
        xt_expect_exit(VMX_REASON_IO, 0x3f80008, 1); /* in %dx,%al */
        xt_set_reg(HV_X86_RAX, 7 * i + 1);
        xt_advance();
        ram[0x500] = (uint8_t)(3 * i);               /* between runs: recorded as MEM */
        xt_expect_exit(VMX_REASON_IO, 0x3f80000, 1); /* out %al,%dx */
        xt_advance();
        /* Two ticks (80 instructions) into the 400-instruction spin. */
        assert_int_equal(hv_vcpu_run_until(xt_vcpu, hvm_clock_now() + 2), HV_SUCCESS);
        assert_int_equal(xt_vmcs(VMCS_RO_EXIT_REASON), VMX_REASON_VMX_TIMER_EXPIRED);
        xt_expect_exit(VMX_REASON_CPUID, 0, 2);
        xt_set_reg(HV_X86_RBX, 0x756e6547);
        xt_advance();
        xt_expect_exit(VMX_REASON_VMCALL, 0, 3);
        xt_advance();
    }
    /* The guest's own store: BL = 0x47 from the last CPUID answer plus the
     * last IN answer. */
    assert_int_equal(ram[0x600], 0x47 + 7 * (ITERATIONS - 1) + 1);
    xt_teardown();
}

static int setup(void **state)
{
    (void)state;
    xt_autotrace = false; /* these tests record their own traces */
    trace_path(trace_a, sizeof(trace_a), "a.hvt");
    trace_path(trace_b, sizeof(trace_b), "b.hvt");
    run_scenario(trace_a);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(trace_a);
    unlink(trace_b);
    return 0;
}

static void test_recording_the_same_run_twice_gives_identical_bytes(void **state)
{
    (void)state;
    run_scenario(trace_b);
    assert_same_trace_bytes(trace_a, trace_b);
}

static void test_trace_holds_every_x86_input_and_exit_in_full(void **state)
{
    (void)state;
    struct hvt_reader r;
    assert_int_equal(hvt_reader_open_file(&r, trace_a), 0);
    assert_int_equal(r.hdr.flavour, HVT_FLAVOUR_X86);
    assert_int_equal(r.hdr.ipa_bits, 39);
    assert_int_equal(r.hdr.granule, 4096);
    unsigned counts[HVT_TYPE_COUNT] = {0}, exits = 0;
    struct hvt_record rec;
    while (hvt_reader_next(&r, &rec) == HVT_OK) {
        counts[rec.type]++;
        if (rec.type != HVT_EXIT_X86)
            continue;
        const uint8_t *p = rec.payload;
        if (exits == 1) { /* the first IN: every field as the VMM read it */
            assert_int_equal(hvt_get32(p + 4), VMX_REASON_IO);
            assert_int_equal(hvt_get64(p + 8), 0x3f80008);
            assert_int_equal(hvt_get64(p + 32), 0x7c05); /* RIP */
            assert_int_equal(hvt_get64(p + 40), 2);      /* retired */
            assert_int_equal(hvt_get64(p + 56), HV_DEADLINE_FOREVER);
            assert_int_equal(hvt_get32(p + 64), 1); /* instruction length */
        }
        if (exits == 3) { /* the deadline: its input is in the record */
            assert_int_equal(hvt_get32(p + 4), VMX_REASON_VMX_TIMER_EXPIRED);
            /* hvm_clock_now() + 2, asked at 7 retired instructions (tick 0) */
            assert_int_equal(hvt_get64(p + 56), 2);
            assert_int_equal(hvt_get64(p + 40), DEADLINE_ICOUNT);
        }
        exits++;
    }
    assert_true(r.clean);
    hvt_reader_close(&r);
    assert_int_equal(exits, EXITS);
    assert_int_equal(counts[HVT_EXIT], 0);
    assert_int_equal(counts[HVT_SET_FPSTATE], 1);
    assert_int_equal(counts[HVT_SET_MSR], 1);
    assert_int_equal(counts[HVT_SET_NATIVE_MSR], 1);
    assert_int_equal(counts[HVT_SYNC_TSC], 1);
    assert_int_equal(counts[HVT_INVALIDATE_TLB], 1);
    assert_int_equal(counts[HVT_KICK], 1);
    /* The harness's controls (5), six segments of 4 fields, LDTR/TR rights,
     * IDTR limit, CR0, CR4. */
    assert_int_equal(counts[HVT_SET_VMCS], 5 + 6 * 4 + 5);
    /* RIP/RFLAGS/RSP at set-up, then RAX, RIP (IN), RIP (OUT), RBX, RIP
     * (CPUID), RIP (VMCALL) per iteration. */
    assert_int_equal(counts[HVT_SET_REG], 3 + 6 * ITERATIONS);
    assert_int_equal(counts[HVT_MEM], ITERATIONS + 1); /* the image, then 0x500 per iteration */
}

static void test_replay_reproduces_every_exit_bit_for_bit(void **state)
{
    (void)state;
    assert_trace_replays_clean(trace_a, EXITS);
}

static void test_changed_port_answer_diverges_at_the_following_out_exit(void **state)
{
    (void)state;
    char log_path[512];
    trace_path(log_path, sizeof(log_path), "diverge.log");
    /* The third iteration's IN answer (15) becomes 16: the OUT right after
     * it (exit 1 + 5*2 + 2 = 13) is the first to see it, in its registers. */
    struct replay_result res;
    char text[4096];
    trace_replay_changed(trace_a, log_path,
                         trace_nth_record(trace_a, HVT_SET_REG, 4, HV_X86_RAX, 2), 16, &res, text,
                         sizeof(text));
    assert_true(res.diverged);
    assert_int_equal(res.exits, 13);
    assert_non_null(strstr(text, "divergence at exit 13"));
    assert_non_null(strstr(text, "register digest"));
    assert_non_null(strstr(text, "<-- differs"));
    assert_non_null(strstr(text, "out dx, al")); /* Capstone at CS:RIP */
    const char *reason = strstr(text, "  reason ");
    assert_non_null(reason);
    assert_null(memchr(reason, '<', (size_t)(strchr(reason, '\n') - reason))); /* still IO */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recording_the_same_run_twice_gives_identical_bytes),
        cmocka_unit_test(test_trace_holds_every_x86_input_and_exit_in_full),
        cmocka_unit_test(test_replay_reproduces_every_exit_bit_for_bit),
        cmocka_unit_test(test_changed_port_answer_diverges_at_the_following_out_exit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
