/*
 * test_gic.c — the in-framework GICv3 (hv_gic_*, reference §6.8, §11;
 * Arm IHI 0069): the configuration and ordering rules with their exact
 * error codes, the geometry, the distributor and redistributor registers
 * through the API and through guest MMIO served without exits, the ICC
 * system registers, delivery of SPIs (level and edge), PPIs and SGIs through
 * the guest's IRQ vector with acknowledge/EOI, priority masking by PMR, the
 * virtual timer on PPI 27 with no VTIMER_ACTIVATED exit, WFI completing when
 * an interrupt is signalled, MSIs, state save/restore, and determinism.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <guest_gic_syms.h>

extern const unsigned char guest_gic[];
extern const unsigned int guest_gic_len;

#define GICD    0x08000000ull
#define GICM    0x08020000ull
#define GICR    0x080a0000ull
#define RD_SIZE 0x20000ull
#define SPI     40u
#define MSI_LO  96u
#define MSI_N   32u

static hv_gic_config_t config(bool msi)
{
    return gic_config_at(GICD, GICR, msi ? GICM : 0, MSI_LO, MSI_N);
}

/* VM + RAM with the guest + GIC (+ MSI frame) + no vCPU yet. */
static void vm_with_gic(struct guest *g, bool msi)
{
    memset(g, 0, sizeof(*g));
    guest_vm_create(g, guest_gic, guest_gic_len);
    hv_gic_config_t c = config(msi);
    assert_int_equal(hv_gic_create(c), HV_SUCCESS);
    os_release(c);
}

static void vcpu_on_this_thread(struct guest *g)
{
    assert_int_equal(hv_vcpu_create(&g->vcpu, &g->exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_reg(g->vcpu, HV_REG_CPSR, 0x3c5), HV_SUCCESS);
    assert_int_equal(
        hv_vcpu_set_sys_reg(g->vcpu, HV_SYS_REG_SP_EL1, GUEST_STACK - 0x1000 * g->vcpu),
        HV_SUCCESS);
    assert_int_equal(hv_vcpu_set_sys_reg(g->vcpu, HV_SYS_REG_VBAR_EL1, GUEST_GIC_VECTORS),
                     HV_SUCCESS);
}

static void gvm_create(struct guest *g, bool msi)
{
    vm_with_gic(g, msi);
    vcpu_on_this_thread(g);
}

static uint64_t icc(struct guest *g, hv_gic_icc_reg_t r)
{
    uint64_t v = 0;
    assert_int_equal(hv_gic_get_icc_reg(g->vcpu, r, &v), HV_SUCCESS);
    return v;
}

/* ---- bad input and ordering ---- */

static void test_gic_calls_without_vm_answer_no_device(void **state)
{
    uint64_t v;
    uint8_t blob[8] = {0};
    assert_null(hv_gic_config_create());
    assert_int_equal(hv_gic_create(NULL), HV_NO_DEVICE);
    assert_int_equal(hv_gic_reset(), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_NO_DEVICE);
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_LO), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_distributor_reg(0, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_distributor_reg(0, 0), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_redistributor_base(0, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_redistributor_reg(0, 8, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_redistributor_reg(0, 8, 0), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_icc_reg(0, HV_GIC_ICC_REG_PMR_EL1, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_icc_reg(0, HV_GIC_ICC_REG_PMR_EL1, 0), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_ich_reg(0, HV_GIC_ICH_REG_HCR_EL2, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_icv_reg(0, HV_GIC_ICV_REG_PMR_EL1, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_msi_reg(HV_GIC_REG_GICM_TYPER, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_msi_reg(HV_GIC_REG_GICM_SET_SPI_NSR, MSI_LO), HV_NO_DEVICE);
    assert_int_equal(hv_gic_set_state(blob, sizeof(blob)), HV_NO_DEVICE);
    assert_null(hv_gic_state_create());
}

static void test_gic_calls_on_vm_without_gic_answer_no_device(void **state)
{
    uint64_t v;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&vcpu, &exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_distributor_reg(0, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_get_icc_reg(vcpu, HV_GIC_ICC_REG_PMR_EL1, &v), HV_NO_DEVICE);
    assert_int_equal(hv_gic_reset(), HV_NO_DEVICE);
    assert_null(hv_gic_state_create());
    /* Without a GIC the CNTP registers stay refused. */
    assert_int_equal(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTP_CTL_EL0, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vcpu_destroy(vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_gic_config_rejects_misaligned_and_bad_ranges(void **state)
{
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    hv_gic_config_t c = hv_gic_config_create();
    assert_non_null(c);
    assert_int_equal(hv_gic_config_set_distributor_base(NULL, GICD), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_distributor_base(c, GICD + 0x1000), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_redistributor_base(c, GICR + 0x8000), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_region_base(c, GICM + 4), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_redistributor_base(c, 0xffffffffffff0000ull),
                     HV_BAD_ARGUMENT); /* the region wraps */
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, 31, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, 32, 0), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, 250, 7), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, 256, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(NULL, 64, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_config_set_msi_interrupt_range(c, 224, 32), HV_SUCCESS);
    /* Incomplete: no redistributor base. */
    assert_int_equal(hv_gic_config_set_distributor_base(c, GICD), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_BAD_ARGUMENT);
    /* Overlapping frames. */
    assert_int_equal(hv_gic_config_set_redistributor_base(c, GICD), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_BAD_ARGUMENT);
    /* Outside the 36-bit IPA space. */
    assert_int_equal(hv_gic_config_set_redistributor_base(c, 1ull << 36), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_create(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_create((hv_gic_config_t)&c), HV_BAD_ARGUMENT);
    os_release(c);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_gic_create_is_once_per_vm_and_before_vcpus(void **state)
{
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    hv_gic_config_t c = config(false);
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
    assert_int_equal(hv_vcpu_create(&vcpu, &exit, NULL), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_BUSY);
    assert_int_equal(hv_vcpu_destroy(vcpu), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_SUCCESS);
    assert_int_equal(hv_gic_create(c), HV_EXISTS);
    os_release(c);
    /* hv_vm_destroy frees it: the next VM starts without one. */
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_gic_reset(), HV_NO_DEVICE);
    c = config(false);
    assert_int_equal(hv_gic_create(c), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_gic_register_calls_reject_bad_arguments(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    uint64_t v;
    assert_int_equal(hv_gic_get_distributor_reg(0x0002, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_distributor_reg(0x6104, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_distributor_reg(0x0004, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_distributor_reg(0x0001, 0), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, 0x20000, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, 0x10002, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, 8, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu + 1, 8, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_base(g.vcpu + 1, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_base(64, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_redistributor_base(g.vcpu, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_icc_reg(g.vcpu, HV_GIC_ICC_REG_SRE_EL2, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_icc_reg(g.vcpu, 0xc660 /* IAR1: not in the API */, &v),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_icc_reg(g.vcpu, HV_GIC_ICC_REG_PMR_EL1, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_icc_reg(g.vcpu + 1, HV_GIC_ICC_REG_PMR_EL1, 0), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_ich_reg(g.vcpu, HV_GIC_ICH_REG_VTR_EL2, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_ich_reg(g.vcpu, HV_GIC_ICH_REG_HCR_EL2, 0), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_icv_reg(g.vcpu, HV_GIC_ICV_REG_PMR_EL1, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_icv_reg(g.vcpu, HV_GIC_ICV_REG_PMR_EL1, 0), HV_BAD_ARGUMENT);
    /* SPIs: outside 32..255. */
    assert_int_equal(hv_gic_set_spi(31, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_spi(256, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_spi(27, true), HV_BAD_ARGUMENT);
    /* No MSI frame configured. */
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_LO), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_msi_reg(HV_GIC_REG_GICM_TYPER, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_state(NULL, 16), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_state_get_size(NULL, (size_t *)&v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_state_get_data(NULL, &v), HV_BAD_ARGUMENT);
    guest_destroy(&g);
}

static void test_gic_msi_calls_check_frame_address_and_range(void **state)
{
    struct guest g;
    gvm_create(&g, true);
    uint64_t v = 0;
    assert_int_equal(hv_gic_set_spi(MSI_LO, true), HV_BAD_ARGUMENT); /* an MSI INTID */
    assert_int_equal(hv_gic_set_spi(MSI_LO + MSI_N - 1, true), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_spi(MSI_LO + MSI_N, true), HV_SUCCESS);
    assert_int_equal(hv_gic_send_msi(GICM, MSI_LO), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_LO - 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_LO + MSI_N), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_msi_reg(0x10, &v), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_msi_reg(HV_GIC_REG_GICM_TYPER, NULL), HV_BAD_ARGUMENT);
    /* GICM_TYPER: base INTID [25:16], count [9:0]; GICD_TYPER.MBIS. */
    assert_int_equal(hv_gic_get_msi_reg(HV_GIC_REG_GICM_TYPER, &v), HV_SUCCESS);
    assert_int_equal(v, (MSI_LO << 16) | MSI_N);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_TYPER), 0x490007);
    /* An MSI makes the SPI pending (GICD_ISPENDR3 bit 0 = INTID 96). */
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR3), 0);
    assert_int_equal(hv_gic_send_msi(GICM + 0x40, MSI_LO), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR3), 1);
    assert_int_equal(hv_gic_set_msi_reg(HV_GIC_REG_GICM_SET_SPI_NSR, MSI_LO + 1), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR3), 3);
    guest_destroy(&g);
}

/* ---- geometry ---- */

static void test_gic_geometry_values(void **state)
{
    size_t s = 0;
    uint32_t base = 0, count = 0, id = 0;
    assert_int_equal(hv_gic_get_distributor_size(&s), HV_SUCCESS);
    assert_int_equal(s, 0x10000);
    assert_int_equal(hv_gic_get_distributor_base_alignment(&s), HV_SUCCESS);
    assert_int_equal(s, 0x10000);
    assert_int_equal(hv_gic_get_redistributor_size(&s), HV_SUCCESS);
    assert_int_equal(s, 0x20000);
    assert_int_equal(hv_gic_get_redistributor_region_size(&s), HV_SUCCESS);
    assert_int_equal(s, 64 * 0x20000);
    assert_int_equal(hv_gic_get_redistributor_base_alignment(&s), HV_SUCCESS);
    assert_int_equal(s, 0x10000);
    assert_int_equal(hv_gic_get_msi_region_size(&s), HV_SUCCESS);
    assert_int_equal(s, 0x10000);
    assert_int_equal(hv_gic_get_msi_region_base_alignment(&s), HV_SUCCESS);
    assert_int_equal(s, 0x10000);
    assert_int_equal(hv_gic_get_spi_interrupt_range(&base, &count), HV_SUCCESS);
    assert_int_equal(base, 32);
    assert_int_equal(count, 224);
    assert_int_equal(hv_gic_get_intid(HV_GIC_INT_EL1_VIRTUAL_TIMER, &id), HV_SUCCESS);
    assert_int_equal(id, 27);
    assert_int_equal(hv_gic_get_intid(HV_GIC_INT_EL1_PHYSICAL_TIMER, &id), HV_SUCCESS);
    assert_int_equal(id, 30);
    assert_int_equal(hv_gic_get_intid(HV_GIC_INT_PERFORMANCE_MONITOR, &id), HV_SUCCESS);
    assert_int_equal(id, 23);
    assert_int_equal(hv_gic_get_intid(24, &id), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_intid(HV_GIC_INT_EL1_VIRTUAL_TIMER, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_distributor_size(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_get_spi_interrupt_range(&base, NULL), HV_BAD_ARGUMENT);
}

/* ---- registers: reset values and read-back ---- */

static void test_gic_reset_values_through_the_api(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    uint64_t v = 0;
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR), 0x50); /* ARE, DS */
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_TYPER), 0x480007);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_PIDR2), 0x30);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER40), 0);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IGROUPR0), 0); /* ARE: RAZ */
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_TYPER, &v),
                     HV_SUCCESS);
    assert_int_equal(v, 0x10); /* Affinity 0, Processor_Number 0, Last */
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_ICFGR0, &v),
                     HV_SUCCESS);
    assert_int_equal(v, 0xaaaaaaaa);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, 0x14 /* WAKER */, &v), HV_SUCCESS);
    assert_int_equal(v, 6);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_SRE_EL1), 7);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_CTLR_EL1), 0x400);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_BPR1_EL1), 3);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_BPR0_EL1), 2);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_RPR_EL1), 0xff);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_PMR_EL1), 0);
    hv_ipa_t rd = 0;
    assert_int_equal(hv_gic_get_redistributor_base(g.vcpu, &rd), HV_SUCCESS);
    assert_int_equal(rd, GICR);

    /* Read-back: enables set/clear, priorities keep 5 bits, routes keep Aff. */
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1, 0x300),
                     HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_ICENABLER1, 0x100),
                     HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1), 0x200);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ICENABLER1), 0x200);
    assert_int_equal(
        hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR10, 0xffa5130c),
        HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR10), 0xf8a01008);
    assert_int_equal(
        hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER40, 0xffffffffffffffffull),
        HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER40), 0xff80ffffffull);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR, 0xffffffff),
                     HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR), 0x53);
    assert_int_equal(gic_dist(0x0d04 /* IGRPMODR1: RAZ/WI */), 0);
    assert_int_equal(gic_dist(0x1000 /* unimplemented */), 0);
    /* MPIDR feeds GICR_TYPER.Affinity. */
    assert_int_equal(hv_vcpu_set_sys_reg(g.vcpu, HV_SYS_REG_MPIDR_EL1, 0x80000000ull | 0x030201),
                     HV_SUCCESS);
    assert_int_equal(hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_TYPER, &v),
                     HV_SUCCESS);
    assert_int_equal(v, 0x0003020100000010ull);
    /* hv_gic_reset brings them back. */
    assert_int_equal(hv_gic_set_icc_reg(g.vcpu, HV_GIC_ICC_REG_PMR_EL1, 0xff), HV_SUCCESS);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_PMR_EL1), 0xf8);
    assert_int_equal(hv_gic_reset(), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR), 0x50);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1), 0);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER40), 0);
    assert_int_equal(icc(&g, HV_GIC_ICC_REG_PMR_EL1), 0);
    guest_destroy(&g);
}

static void test_guest_reads_gic_id_registers_without_exits(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_READ_IDS), HV_SUCCESS);
    run_hvc(&g, 0); /* the first exit is the final HVC: every access was served */
    assert_int_equal(gpr(&g, 1), 0x480007);   /* GICD_TYPER */
    assert_int_equal(gpr(&g, 2), 0x30);       /* GICD_PIDR2 */
    assert_int_equal(gpr(&g, 3), 0x10);       /* GICR_TYPER: Last */
    assert_int_equal(gpr(&g, 4), 0x30);       /* GICR_PIDR2 */
    assert_int_equal(gpr(&g, 5), 0x50);       /* GICD_CTLR */
    assert_int_equal(gpr(&g, 6), 0x43b);      /* GICD_IIDR */
    assert_int_equal(gpr(&g, 7), 6);          /* GICR_WAKER */
    assert_int_equal(gpr(&g, 8), 0);          /* no second redistributor */
    assert_int_equal(gpr(&g, 9), 0xaaaaaaaa); /* GICR_ICFGR0 */
    assert_int_equal(gpr(&g, 16), 7);         /* ICC_SRE_EL1 */
    assert_int_equal(gpr(&g, 17), 0x400);     /* ICC_CTLR_EL1 */
    assert_int_equal(gpr(&g, 18), 1023);      /* ICC_IAR1_EL1 */
    guest_destroy(&g);
}

static void test_guest_mmio_byte_and_doubleword_accesses(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    set_gpr(&g, 1, 0xab);
    set_gpr(&g, 4, 0x0000001200030405ull);
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_PRIO_RW), HV_SUCCESS);
    run_hvc(&g, 0);
    assert_int_equal(gpr(&g, 2), 0xa8);
    assert_int_equal(gpr(&g, 3), 0xa8);
    assert_int_equal(gpr(&g, 5), 0x0000001200030405ull);
    assert_int_equal(gpr(&g, 6), 0x480007);
    assert_int_equal(gpr(&g, 7), GICD + 4 + 8);
    assert_int_equal(gpr(&g, 19), 0xffffffffffffffa8ull);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR10), 0xa8);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER40), 0x0000001200030405ull);
    guest_destroy(&g);
}

/* ---- delivery ---- */

/* Sets up SPI `intid` (edge if `edge`) with priority prio and PMR pmr, and
 * runs until the guest waits with IRQs unmasked. */
static void spi_ready(struct guest *g, uint32_t intid, uint32_t prio, uint32_t pmr, bool edge)
{
    set_gpr(g, 0, GICR);
    set_gpr(g, 1, intid);
    set_gpr(g, 2, pmr);
    set_gpr(g, 3, prio);
    set_gpr(g, 4, edge);
    assert_int_equal(hv_vcpu_set_reg(g->vcpu, HV_REG_PC, GUEST_GIC_SPI_SETUP), HV_SUCCESS);
    run_hvc(g, 2);
}

static void test_level_spi_runs_irq_vector_and_stays_pending_until_lowered(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI, 0x80, 0xf0, false);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER1), 1u << (SPI - 32));
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR1), 1u << (SPI - 32));
    run_hvc(&g, 1);
    assert_int_equal(gpr(&g, 0), SPI);
    assert_int_equal(gpr(&g, 1), 0x80); /* running priority while active */
    assert_int_equal(gpr(&g, 2), 0xff); /* idle after the EOI */
    /* Still high: pending again after the EOI, taken again. */
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR1), 1u << (SPI - 32));
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISACTIVER1), 0);
    run_hvc(&g, 1);
    assert_int_equal(gpr(&g, 0), SPI);
    /* Lowered: no longer pending; the guest waits undisturbed. */
    assert_int_equal(hv_gic_set_spi(SPI, false), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR1), 0);
    run_hvc(&g, 2);
    guest_destroy(&g);
}

static void test_edge_spi_is_taken_once_and_false_is_ignored(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI + 1, 0x40, 0xf0, true);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ICFGR2), 2u << (2 * (SPI + 1 - 32)));
    assert_int_equal(hv_gic_set_spi(SPI + 1, false), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR1), 0);
    assert_int_equal(hv_gic_set_spi(SPI + 1, true), HV_SUCCESS);
    run_hvc(&g, 1);
    assert_int_equal(gpr(&g, 0), SPI + 1);
    assert_int_equal(gpr(&g, 1), 0x40);
    run_hvc(&g, 2); /* taken once */
    guest_destroy(&g);
}

static void test_pmr_masks_interrupts_of_equal_or_lower_priority(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI, 0x80, 0x80, false);
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
    run_hvc(&g, 2); /* priority 0x80 is not higher than PMR 0x80 */
    assert_int_equal(hv_gic_set_icc_reg(g.vcpu, HV_GIC_ICC_REG_PMR_EL1, 0x88), HV_SUCCESS);
    run_hvc(&g, 1);
    assert_int_equal(gpr(&g, 0), SPI);
    assert_int_equal(hv_gic_set_spi(SPI, false), HV_SUCCESS);
    guest_destroy(&g);
}

static void test_group1_disabled_in_cpu_interface_blocks_delivery(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI, 0x80, 0xf0, false);
    assert_int_equal(hv_gic_set_icc_reg(g.vcpu, HV_GIC_ICC_REG_IGRPEN1_EL1, 0), HV_SUCCESS);
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
    run_hvc(&g, 2);
    assert_int_equal(hv_gic_set_icc_reg(g.vcpu, HV_GIC_ICC_REG_IGRPEN1_EL1, 1), HV_SUCCESS);
    run_hvc(&g, 1);
    assert_int_equal(gpr(&g, 0), SPI);
    guest_destroy(&g);
}

static void test_wfi_completes_without_exit_when_an_interrupt_is_signalled(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI, 0x80, 0xf0, false);
    /* Nothing signalled: WFI exits to the VMM as without a GIC (EC 0x01). */
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_WFI_MASKED), HV_SUCCESS);
    assert_int_equal(hv_vcpu_run(g.vcpu), HV_SUCCESS);
    assert_int_equal(g.exit->exception.syndrome, 0x07e00000);
    /* Signalled (even with PSTATE.I set): WFI completes inside the model. */
    assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
    run_hvc(&g, 0);
    assert_int_equal(gpr(&g, 0), 0x3f1);
    assert_int_equal(hv_gic_set_spi(SPI, false), HV_SUCCESS);
    guest_destroy(&g);
}

/* The virtual timer is PPI 27: delivered through the GIC, never as a
 * VTIMER_ACTIVATED exit (hvmodel's choice; the reference leaves it open). */
static void test_vtimer_with_gic_delivers_ppi27_and_never_exits_vtimer_activated(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    set_gpr(&g, 0, GICR);
    set_gpr(&g, 1, 27);
    set_gpr(&g, 2, 0xf0);
    set_gpr(&g, 3, 0xa0);
    set_gpr(&g, 4, 50); /* ticks until the timer fires */
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_VTIMER_SETUP), HV_SUCCESS);
    run_hvc(&g, 1); /* not VTIMER_ACTIVATED */
    assert_int_equal(gpr(&g, 0), 27);
    assert_int_equal(gpr(&g, 1), 0xa0);
    bool masked = true;
    assert_int_equal(hv_vcpu_get_vtimer_mask(g.vcpu, &masked), HV_SUCCESS);
    assert_false(masked);
    uint64_t ctl = 0, v = 0;
    assert_int_equal(hv_vcpu_get_sys_reg(g.vcpu, HV_SYS_REG_CNTV_CTL_EL0, &ctl), HV_SUCCESS);
    assert_int_equal(ctl, 0); /* the handler turned it off */
    assert_int_equal(
        hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_ISPENDR0, &v),
        HV_SUCCESS);
    assert_int_equal(v, 0);
    run_hvc(&g, 2); /* nothing more */
    guest_destroy(&g);
}

/* ---- SGIs between two vCPUs on two threads ---- */

struct sgi_peer {
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool ready;
    uint64_t intid, rpr_active;
    int hvc2_runs;
    hv_return_t err;
};

static void *sgi_target(void *arg)
{
    struct sgi_peer *p = arg;
    struct guest g = {0};
    vcpu_on_this_thread(&g);
    hv_ipa_t rd = 0;
    hv_gic_get_redistributor_base(g.vcpu, &rd);
    set_gpr(&g, 0, rd);
    set_gpr(&g, 1, 1); /* SGI 1 */
    set_gpr(&g, 2, 0xf0);
    set_gpr(&g, 3, 0x60);
    hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_PRIVATE_SETUP);
    pthread_mutex_lock(&p->m);
    p->ready = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->m);
    for (int i = 0; i < 100; i++) {
        hv_vcpu_run(g.vcpu);
        if (g.exit->exception.syndrome == ESR_HVC(1)) {
            p->intid = gpr(&g, 0);
            p->rpr_active = gpr(&g, 1);
            break;
        }
        p->hvc2_runs++;
    }
    p->err = hv_vcpu_destroy(g.vcpu);
    return NULL;
}

/* The vCPUs take turns by virtual time (model/sched.c), whichever thread
 * calls hv_vcpu_run first: vCPU 0 (time 0, the lower id) first runs the
 * wait loop to its HVC #2 at about 4,000 instructions; vCPU 1 (created at
 * time 0) then runs its setup and the same loop, a few instructions longer,
 * to HVC #2; vCPU 0, now the earlier one, sends SGI 1, which vCPU 1 takes
 * at once in its next run. */
static void test_sgi_from_vcpu0_reaches_vcpu1_on_another_thread(void **state)
{
    struct guest g;
    vm_with_gic(&g, false);
    vcpu_on_this_thread(&g);
    struct sgi_peer p = {.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sgi_target, &p), 0);
    pthread_mutex_lock(&p.m);
    while (!p.ready)
        pthread_cond_wait(&p.cv, &p.m);
    pthread_mutex_unlock(&p.m);
    /* vCPU 1's redistributor now exists: vCPU 0's is no longer the last. */
    uint64_t typer = 0;
    assert_int_equal(
        hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_TYPER, &typer),
        HV_SUCCESS);
    assert_int_equal(typer, 0);
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_WAIT), HV_SUCCESS);
    run_hvc(&g, 2);
    /* SGI 1 to Aff0 = 1 (TargetList bit 1). */
    set_gpr(&g, 1, (1ull << 24) | (1u << 1));
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_SEND_SGI), HV_SUCCESS);
    run_hvc(&g, 0);
    /* Destroying vCPU 0 hands the token on: a thread in the VMM holds it
     * until it runs again (model/sched.c), and this one will not. */
    assert_int_equal(hv_vcpu_destroy(g.vcpu), HV_SUCCESS);
    pthread_join(t, NULL);
    assert_int_equal(p.err, HV_SUCCESS);
    assert_int_equal(p.intid, 1);
    assert_int_equal(p.rpr_active, 0x60);
    assert_int_equal(p.hvc2_runs, 1); /* the setup run, then the SGI at once */
    assert_int_equal(hv_vm_unmap(GUEST_RAM_IPA, GUEST_RAM_SIZE), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_deallocate(g.ram, GUEST_RAM_SIZE), HV_SUCCESS);
}

/* ---- state ---- */

static void test_state_round_trip_restores_registers_and_rejects_bad_blobs(void **state)
{
    struct guest g;
    gvm_create(&g, false);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR, 2), HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER2, 0x5),
                     HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR20, 0x8040),
                     HV_SUCCESS);
    assert_int_equal(hv_gic_set_distributor_reg(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER64, 0x0100),
                     HV_SUCCESS);
    assert_int_equal(hv_gic_set_spi(66, true), HV_SUCCESS);
    assert_int_equal(
        hv_gic_set_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_ISENABLER0, 1u << 27),
        HV_SUCCESS);
    hv_gic_state_t s = hv_gic_state_create();
    assert_non_null(s);
    size_t n = 0;
    assert_int_equal(hv_gic_state_get_size(s, &n), HV_SUCCESS);
    assert_int_equal(n, 24 + 224 * 10 + 64 * 65 + 8);
    uint8_t *blob = malloc(n);
    assert_non_null(blob);
    assert_int_equal(hv_gic_state_get_data(s, blob), HV_SUCCESS);
    assert_memory_equal(blob, "HVGS", 4);
    os_release(s);
    guest_destroy(&g);

    /* A fresh VM: restore before any vCPU runs. */
    gvm_create(&g, false);
    uint8_t *bad = malloc(n);
    assert_non_null(bad);
    memcpy(bad, blob, n);
    bad[30] ^= 1; /* checksum no longer matches */
    assert_int_equal(hv_gic_set_state(bad, n), HV_BAD_ARGUMENT);
    assert_int_equal(hv_gic_set_state(blob, n - 1), HV_BAD_ARGUMENT);
    memcpy(bad, blob, n);
    bad[4] = 2; /* another version */
    assert_int_equal(hv_gic_set_state(bad, n), HV_BAD_ARGUMENT);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR), 0x50); /* unchanged */
    assert_int_equal(hv_gic_set_state(blob, n), HV_SUCCESS);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_CTLR), 0x52);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISENABLER2), 0x5);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_ISPENDR2), 0x4);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IPRIORITYR20), 0x8040);
    assert_int_equal(gic_dist(HV_GIC_DISTRIBUTOR_REG_GICD_IROUTER64), 0x0100);
    uint64_t v = 0;
    assert_int_equal(
        hv_gic_get_redistributor_reg(g.vcpu, HV_GIC_REDISTRIBUTOR_REG_GICR_ISENABLER0, &v),
        HV_SUCCESS);
    assert_int_equal(v, 1u << 27);
    /* Once a vCPU has run, restoring is refused. */
    set_gpr(&g, 0, 0);
    assert_int_equal(hv_vcpu_set_reg(g.vcpu, HV_REG_PC, GUEST_GIC_SEND_SGI), HV_SUCCESS);
    run_hvc(&g, 0);
    assert_int_equal(hv_gic_set_state(blob, n), HV_BUSY);
    free(bad);
    free(blob);
    guest_destroy(&g);
}

/* ---- determinism ---- */

struct trace_entry {
    uint64_t syndrome, pc, icount, x0;
};

static void spi_scenario(struct trace_entry out[6])
{
    struct guest g;
    gvm_create(&g, false);
    spi_ready(&g, SPI, 0x80, 0xf0, false);
    for (int i = 0; i < 6; i++) {
        if (i == 1)
            assert_int_equal(hv_gic_set_spi(SPI, true), HV_SUCCESS);
        if (i == 3)
            assert_int_equal(hv_gic_set_spi(SPI, false), HV_SUCCESS);
        assert_int_equal(hv_vcpu_run(g.vcpu), HV_SUCCESS);
        out[i].syndrome = g.exit->exception.syndrome;
        assert_int_equal(hv_vcpu_get_reg(g.vcpu, HV_REG_PC, &out[i].pc), HV_SUCCESS);
        assert_int_equal(hvm_vcpu_get_instruction_count(g.vcpu, &out[i].icount), HV_SUCCESS);
        out[i].x0 = gpr(&g, 0);
    }
    guest_destroy(&g);
}

static void test_same_gic_scenario_twice_gives_identical_exits(void **state)
{
    struct trace_entry a[6], b[6];
    spi_scenario(a);
    spi_scenario(b);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(a[1].syndrome, ESR_HVC(1));
    assert_int_equal(a[1].x0, SPI);
    assert_int_equal(a[4].syndrome, ESR_HVC(2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gic_calls_without_vm_answer_no_device),
        cmocka_unit_test(test_gic_calls_on_vm_without_gic_answer_no_device),
        cmocka_unit_test(test_gic_config_rejects_misaligned_and_bad_ranges),
        cmocka_unit_test(test_gic_create_is_once_per_vm_and_before_vcpus),
        cmocka_unit_test(test_gic_register_calls_reject_bad_arguments),
        cmocka_unit_test(test_gic_msi_calls_check_frame_address_and_range),
        cmocka_unit_test(test_gic_geometry_values),
        cmocka_unit_test(test_gic_reset_values_through_the_api),
        cmocka_unit_test(test_guest_reads_gic_id_registers_without_exits),
        cmocka_unit_test(test_guest_mmio_byte_and_doubleword_accesses),
        cmocka_unit_test(test_level_spi_runs_irq_vector_and_stays_pending_until_lowered),
        cmocka_unit_test(test_edge_spi_is_taken_once_and_false_is_ignored),
        cmocka_unit_test(test_pmr_masks_interrupts_of_equal_or_lower_priority),
        cmocka_unit_test(test_group1_disabled_in_cpu_interface_blocks_delivery),
        cmocka_unit_test(test_wfi_completes_without_exit_when_an_interrupt_is_signalled),
        cmocka_unit_test(test_vtimer_with_gic_delivers_ppi27_and_never_exits_vtimer_activated),
        cmocka_unit_test(test_sgi_from_vcpu0_reaches_vcpu1_on_another_thread),
        cmocka_unit_test(test_state_round_trip_restores_registers_and_rejects_bad_blobs),
        cmocka_unit_test(test_same_gic_scenario_twice_gives_identical_exits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
