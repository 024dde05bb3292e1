/*
 * harness.c — see harness.h.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../replay/replay.h"

void assert_trace_replays(const char *path)
{
    struct replay_result res;
    int rc = replay_file(path, NULL, &res);
    if (rc != 0)
        fprintf(stderr, "replay of %s: %s\n", path, rc == 2 ? res.error : "diverged");
    assert_int_equal(rc, 0);
    if (getenv("HVMODEL_TEST_REPLAY_VERBOSE"))
        fprintf(stderr, "replayed %s: %llu records, %llu exits\n", path,
                (unsigned long long)res.records, (unsigned long long)res.exits);
}

void guest_vm_create(struct guest *g, const unsigned char *image, unsigned len)
{
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    void *ram = NULL;
    assert_int_equal(hv_vm_allocate(&ram, GUEST_RAM_SIZE, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    g->ram = ram;
    assert_true(len <= GUEST_RAM_SIZE - 0x10000);
    memcpy(g->ram + 0x10000, image, len);
    assert_int_equal(hv_vm_map(g->ram, GUEST_RAM_IPA, GUEST_RAM_SIZE,
                               HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
                     HV_SUCCESS);
}

void guest_create(struct guest *g, const unsigned char *image, unsigned len)
{
    static unsigned n;
    memset(g, 0, sizeof(*g));
    if (!getenv("HVMODEL_TEST_NO_REPLAY")) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(g->trace, sizeof(g->trace), "%s/hvmodel-test-%d-%u.hvt", dir, (int)getpid(), n++);
        assert_int_equal(hvm_trace_start(g->trace), HV_SUCCESS);
    }
    guest_vm_create(g, image, len);
    assert_int_equal(hv_vcpu_create(&g->vcpu, &g->exit, NULL), HV_SUCCESS);
    set_reg(g, HV_REG_CPSR, 0x3c5);
    set_sysreg(g, HV_SYS_REG_SP_EL1, GUEST_STACK);
}

void guest_destroy(struct guest *g)
{
    assert_int_equal(hv_vcpu_destroy(g->vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(GUEST_RAM_IPA, GUEST_RAM_SIZE), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_deallocate(g->ram, GUEST_RAM_SIZE), HV_SUCCESS);
    if (g->trace[0]) {
        assert_trace_replays(g->trace);
        unlink(g->trace);
        g->trace[0] = 0;
    }
}

uint64_t reg(struct guest *g, hv_reg_t r)
{
    uint64_t v = 0;
    assert_int_equal(hv_vcpu_get_reg(g->vcpu, r, &v), HV_SUCCESS);
    return v;
}

void set_reg(struct guest *g, hv_reg_t r, uint64_t value)
{
    assert_int_equal(hv_vcpu_set_reg(g->vcpu, r, value), HV_SUCCESS);
}

uint64_t sysreg(struct guest *g, hv_sys_reg_t r)
{
    uint64_t v = 0;
    assert_int_equal(hv_vcpu_get_sys_reg(g->vcpu, r, &v), HV_SUCCESS);
    return v;
}

void set_sysreg(struct guest *g, hv_sys_reg_t r, uint64_t value)
{
    assert_int_equal(hv_vcpu_set_sys_reg(g->vcpu, r, value), HV_SUCCESS);
}

hv_exit_reason_t run(struct guest *g)
{
    assert_int_equal(hv_vcpu_run(g->vcpu), HV_SUCCESS);
    return g->exit->reason;
}

void run_expect_exception(struct guest *g, uint64_t syndrome)
{
    assert_int_equal(run(g), HV_EXIT_REASON_EXCEPTION);
    assert_int_equal(g->exit->exception.syndrome, syndrome);
}

uint64_t gpr(struct guest *g, unsigned n)
{
    return reg(g, HV_REG_X0 + n);
}

void set_gpr(struct guest *g, unsigned n, uint64_t value)
{
    set_reg(g, HV_REG_X0 + n, value);
}

void run_hvc(struct guest *g, unsigned imm)
{
    run_expect_exception(g, ESR_HVC(imm));
}

hv_gic_config_t gic_config_at(uint64_t dist, uint64_t redist, uint64_t msi, uint32_t msi_lo,
                              uint32_t msi_n)
{
    hv_gic_config_t c = hv_gic_config_create();
    assert_non_null(c);
    assert_int_equal(hv_gic_config_set_distributor_base(c, dist), HV_SUCCESS);
    assert_int_equal(hv_gic_config_set_redistributor_base(c, redist), HV_SUCCESS);
    if (msi) {
        assert_int_equal(hv_gic_config_set_msi_region_base(c, msi), HV_SUCCESS);
        assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, msi_lo, msi_n), HV_SUCCESS);
    }
    return c;
}

void gic_create_at(uint64_t dist, uint64_t redist, uint64_t msi, uint32_t msi_lo, uint32_t msi_n)
{
    hv_gic_config_t c = gic_config_at(dist, redist, msi, msi_lo, msi_n);
    assert_int_equal(hv_gic_create(c), HV_SUCCESS);
    os_release(c);
}

uint64_t gic_dist(hv_gic_distributor_reg_t r)
{
    uint64_t v = 0;
    assert_int_equal(hv_gic_get_distributor_reg(r, &v), HV_SUCCESS);
    return v;
}

int guest_teardown(void **state)
{
    guest_destroy(*state);
    return 0;
}
