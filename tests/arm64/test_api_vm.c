/*
 * test_api_vm.c — the VM-level API of the arm64 flavour and the stage-2 table
 * behind it.
 *
 * Proves that hv_vm_get_max_vcpu_count, hv_vm_create/destroy, the
 * hv_vm_config_* object, hv_vm_map/unmap/protect and hv_vm_allocate/deallocate
 * answer every bad input with the documented error code (or hvmodel's
 * documented choice where Apple names none) and leave the VM exactly as it
 * was: after each failed call the guest still reaches what was mapped and
 * still faults where nothing is. It also proves the stage-2 exits a guest sees
 * (MMU off, so VA = IPA): data aborts with the exact ISS, translation faults
 * at the level the stage-2 walk stops (model/stage2.c: 16 KiB granule walks
 * start at level 2 with 32 MiB entries, 4 KiB granule 36-bit walks at level 1
 * with 1 GiB and then 2 MiB entries), level-3 permission faults after
 * hv_vm_protect, instruction aborts, splitting a mapping by unmapping its
 * middle, and that changes made while the vCPU is idle are seen by the next
 * run.
 */
#include "harness.h"

#include <string.h>
#include <sys/mman.h>

#include <guest_memory_syms.h>

extern const unsigned char guest_memory[];
extern const unsigned int guest_memory_len;

#define G16K 0x4000ull
#define G4K  0x1000ull

#define RW  (HV_MEMORY_READ | HV_MEMORY_WRITE)
#define RWX (HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)

/* 16 MiB: outside the 4 MiB of RAM but inside the same 32 MiB-aligned region,
 * so a 16 KiB-granule walk for it finds a valid level-2 table descriptor. */
#define DATA_IPA 0x1000000ull
/* 144 MiB: a 32 MiB region holding no mapping at all. */
#define FAR_IPA 0x09000000ull
/* A RAM address the guest programs never use. */
#define RAM_SCRATCH 0x200000ull

/* Host memory of the fixture: four 16 KiB granules each. */
#define BUF_SIZE (4 * G16K)

/* Fault status codes (Arm ARM D17.2.40, ISS encoding for a Data Abort). */
#define FSC_TRANS(level) (0x04u + (level))
#define FSC_PERM(level)  (0x0cu + (level))

/* EC 0x24 (data abort from a lower EL), IL, ISV; the ISS of the two accesses
 * of memory.S. STR W1,[X0]: SAS=2, SRT=1, SF=0, WnR=1.
 * LDR X2,[X0]: SAS=3, SRT=2, SF=1, WnR=0. */
#define ESR_STR_W1(fsc) (0x93810040ull | (fsc))
#define ESR_LDR_X2(fsc) (0x93c28000ull | (fsc))
/* EC 0x20 (instruction abort from a lower EL), IL. */
#define ESR_IABT(fsc) (0x82000000ull | (fsc))

/* AArch64 `hvc #0`, for code the tests write into data pages. */
#define INSN_HVC0 0xd4000002u

/* ---- host memory ---- */

/* Anonymous memory aligned to 64 KiB, whatever the host page size. */
static uint8_t *host_alloc(size_t size)
{
    const size_t align = 0x10000;
    uint8_t *p =
        mmap(NULL, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    if (head)
        munmap(p, head);
    if (align - head)
        munmap((void *)(start + size), align - head);
    return (uint8_t *)start;
}

static void host_free(void *p, size_t size)
{
    munmap(p, size);
}

static uint32_t host_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void host_put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void host_put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* ---- guest accesses through memory.S ---- */

/* Runs STR W1,[X0] and expects it to complete (the HVC after it exits). */
static void guest_store(struct guest *g, uint64_t ipa, uint32_t value)
{
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, ipa);
    set_reg(g, HV_REG_X1, value);
    run_expect_exception(g, ESR_HVC(0));
}

/* Runs LDR X2,[X0], expects it to complete and returns what it read. */
static uint64_t guest_load(struct guest *g, uint64_t ipa)
{
    set_reg(g, HV_REG_PC, GUEST_MEMORY_LOAD_X2);
    set_reg(g, HV_REG_X0, ipa);
    set_reg(g, HV_REG_X2, 0xbadbadbadbadull);
    run_expect_exception(g, ESR_HVC(0));
    return reg(g, HV_REG_X2);
}

/* The exit of a stage-2 abort with the MMU off: both addresses are the full
 * faulting address and PC stays on the faulting instruction. */
static void expect_abort(struct guest *g, uint64_t syndrome, uint64_t addr, uint64_t pc)
{
    run_expect_exception(g, syndrome);
    assert_int_equal(g->exit->exception.virtual_address, addr);
    assert_int_equal(g->exit->exception.physical_address, addr);
    assert_int_equal(reg(g, HV_REG_PC), pc);
}

static void guest_store_faults(struct guest *g, uint64_t ipa, uint32_t fsc)
{
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, ipa);
    set_reg(g, HV_REG_X1, 0x5a5a5a5a);
    expect_abort(g, ESR_STR_W1(fsc), ipa, GUEST_MEMORY_STORE_W1);
}

static void guest_load_faults(struct guest *g, uint64_t ipa, uint32_t fsc)
{
    set_reg(g, HV_REG_PC, GUEST_MEMORY_LOAD_X2);
    set_reg(g, HV_REG_X0, ipa);
    expect_abort(g, ESR_LDR_X2(fsc), ipa, GUEST_MEMORY_LOAD_X2);
}

static void guest_fetch_faults(struct guest *g, uint64_t target, uint32_t fsc)
{
    set_reg(g, HV_REG_PC, GUEST_MEMORY_BRANCH_X0);
    set_reg(g, HV_REG_X0, target);
    expect_abort(g, ESR_IABT(fsc), target, target);
}

/* The RAM mapping still works both ways: a guest store reaches the host
 * memory and a host store is seen by a guest load. */
static void assert_ram_works(struct guest *g)
{
    guest_store(g, RAM_SCRATCH, 0xc0ffee01);
    assert_int_equal(host_u32(g->ram + RAM_SCRATCH), 0xc0ffee01);
    host_put_u32(g->ram + RAM_SCRATCH + 8, 0x600d);
    assert_int_equal(guest_load(g, RAM_SCRATCH + 8) & 0xffffffff, 0x600d);
}

/* Nothing is mapped at ipa (an IPA inside the first 32 MiB, so the stage-2
 * walk reaches level 3). */
static void assert_unmapped(struct guest *g, uint64_t ipa)
{
    guest_store_faults(g, ipa, FSC_TRANS(3));
}

/* ---- VMs with a chosen configuration ---- */

/* Like guest_create(), for a VM made from config: 4 MiB of RAM at IPA 0. */
static void guest_create_config(struct guest *g, hv_vm_config_t config)
{
    memset(g, 0, sizeof(*g));
    assert_int_equal(hv_vm_create(config), HV_SUCCESS);
    g->ram = host_alloc(GUEST_RAM_SIZE);
    memcpy(g->ram + 0x10000, guest_memory, guest_memory_len);
    assert_int_equal(hv_vm_map(g->ram, GUEST_RAM_IPA, GUEST_RAM_SIZE, RWX), HV_SUCCESS);
    assert_int_equal(hv_vcpu_create(&g->vcpu, &g->exit, NULL), HV_SUCCESS);
    set_reg(g, HV_REG_CPSR, 0x3c5);
    set_sysreg(g, HV_SYS_REG_SP_EL1, GUEST_STACK);
}

/* Destroys the vCPU and the VM (which drops every mapping). */
static void guest_destroy_config(struct guest *g)
{
    assert_int_equal(hv_vcpu_destroy(g->vcpu), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(g->ram, GUEST_RAM_SIZE);
}

static hv_vm_config_t config_with(uint32_t ipa_bits, hv_ipa_granule_t granule)
{
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    assert_int_equal(hv_vm_config_set_ipa_size(c, ipa_bits), HV_SUCCESS);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, granule), HV_SUCCESS);
    return c;
}

/* ---- fixtures ---- */

struct fixture {
    struct guest g;
    uint8_t *data;  /* BUF_SIZE bytes of host memory */
    uint8_t *other; /* BUF_SIZE more, for a second mapping */
};

static int setup(void **state)
{
    static struct fixture f;
    guest_create(&f.g, guest_memory, guest_memory_len);
    f.data = host_alloc(BUF_SIZE);
    f.other = host_alloc(BUF_SIZE);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    guest_destroy(&f->g);
    host_free(f->data, BUF_SIZE);
    host_free(f->other, BUF_SIZE);
    return 0;
}

/* A VM with a 4 KiB granule and a 36-bit IPA. */
static int setup_4k(void **state)
{
    static struct fixture f;
    hv_vm_config_t c = config_with(36, HV_IPA_GRANULE_4KB);
    guest_create_config(&f.g, c);
    os_release(c);
    f.data = host_alloc(BUF_SIZE);
    f.other = NULL;
    *state = &f;
    return 0;
}

static int teardown_4k(void **state)
{
    struct fixture *f = *state;
    guest_destroy_config(&f->g);
    host_free(f->data, BUF_SIZE);
    return 0;
}

/* For tests that create their own VM: do not leave one behind after a
 * failure (harmless HV_NO_DEVICE when the test cleaned up). */
static int drop_vm(void **state)
{
    (void)state;
    (void)hv_vm_destroy();
    return 0;
}

/* ==== VM lifecycle ==== */

static void test_max_vcpu_count_is_64_and_null_is_bad_argument(void **state)
{
    (void)state;
    uint32_t n = 0;
    assert_int_equal(hv_vm_get_max_vcpu_count(&n), HV_SUCCESS);
    assert_int_equal(n, 64);
    assert_int_equal(hv_vm_get_max_vcpu_count(NULL), HV_BAD_ARGUMENT);
    /* Works with a VM too. */
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    n = 0;
    assert_int_equal(hv_vm_get_max_vcpu_count(&n), HV_SUCCESS);
    assert_int_equal(n, 64);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
}

static void test_vm_create_twice_is_busy_and_keeps_the_first_vm(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf, DATA_IPA, G16K, RW), HV_SUCCESS);

    assert_int_equal(hv_vm_create(NULL), HV_BUSY);
    hv_vm_config_t c = config_with(40, HV_IPA_GRANULE_4KB);
    assert_int_equal(hv_vm_create(c), HV_BUSY);
    os_release(c);

    /* Still the first VM: its mapping is there, and it keeps the 16 KiB
     * granule and 36-bit IPA rather than the rejected config's. */
    assert_int_equal(hv_vm_map(buf + G16K, DATA_IPA + G16K, G4K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf + G16K, 1ull << 39, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_destroy_without_vm_is_no_device(void **state)
{
    (void)state;
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
}

static void test_vm_destroy_with_live_vcpu_is_busy_and_vm_keeps_working(void **state)
{
    (void)state;
    struct guest g;
    guest_create(&g, guest_memory, guest_memory_len);
    assert_int_equal(hv_vm_destroy(), HV_BUSY);
    /* The VM, its memory and the vCPU are untouched. */
    assert_ram_works(&g);
    assert_unmapped(&g, DATA_IPA);
    assert_int_equal(hv_vm_create(NULL), HV_BUSY);
    guest_destroy(&g);
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
}

static void test_map_unmap_protect_without_vm_are_no_device(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    assert_int_equal(hv_vm_map(buf, DATA_IPA, G16K, RW), HV_NO_DEVICE);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_NO_DEVICE);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ), HV_NO_DEVICE);
    /* The failed map left nothing for a later VM. */
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_create_after_destroy_starts_with_no_mappings(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    buf[0] = 0x42;
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf, DATA_IPA, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    /* The host memory behind the mappings stays the caller's. */
    assert_int_equal(buf[0], 0x42);

    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA, 2 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, DATA_IPA, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

/* ==== hv_vm_config ==== */

static void test_vm_config_reports_default_ipa_36_max_ipa_40_default_granule_16kb(void **state)
{
    (void)state;
    uint32_t bits = 0;
    assert_int_equal(hv_vm_config_get_default_ipa_size(&bits), HV_SUCCESS);
    assert_int_equal(bits, 36);
    assert_int_equal(hv_vm_config_get_max_ipa_size(&bits), HV_SUCCESS);
    assert_int_equal(bits, 40);
    hv_ipa_granule_t gran = 0xff;
    assert_int_equal(hv_vm_config_get_default_ipa_granule(&gran), HV_SUCCESS);
    assert_int_equal(gran, HV_IPA_GRANULE_16KB);
    assert_int_equal(HV_IPA_GRANULE_16KB, 1);
    assert_int_equal(HV_IPA_GRANULE_4KB, 0);
}

static void test_vm_config_create_holds_36bit_ipa_16kb_granule_and_no_el2(void **state)
{
    (void)state;
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    uint32_t bits = 0;
    assert_int_equal(hv_vm_config_get_ipa_size(c, &bits), HV_SUCCESS);
    assert_int_equal(bits, 36);
    hv_ipa_granule_t gran = 0xff;
    assert_int_equal(hv_vm_config_get_ipa_granule(c, &gran), HV_SUCCESS);
    assert_int_equal(gran, HV_IPA_GRANULE_16KB);
    bool el2 = true;
    assert_int_equal(hv_vm_config_get_el2_enabled(c, &el2), HV_SUCCESS);
    assert_false(el2);
    os_release(c);
}

static void test_vm_config_set_ipa_size_accepts_32_to_40_and_rejects_others(void **state)
{
    (void)state;
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    uint32_t bits = 0;
    for (uint32_t n = 32; n <= 40; n++) {
        assert_int_equal(hv_vm_config_set_ipa_size(c, n), HV_SUCCESS);
        assert_int_equal(hv_vm_config_get_ipa_size(c, &bits), HV_SUCCESS);
        assert_int_equal(bits, n);
    }
    assert_int_equal(hv_vm_config_set_ipa_size(c, 38), HV_SUCCESS);
    /* A rejected width leaves the config as it was. */
    static const uint32_t bad[] = {31, 41, 0, 48, 64, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hv_vm_config_set_ipa_size(c, bad[i]), HV_BAD_ARGUMENT);
        assert_int_equal(hv_vm_config_get_ipa_size(c, &bits), HV_SUCCESS);
        assert_int_equal(bits, 38);
    }
    os_release(c);
}

static void test_vm_config_set_ipa_granule_accepts_4kb_and_16kb_and_rejects_others(void **state)
{
    (void)state;
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    hv_ipa_granule_t gran = 0xff;
    assert_int_equal(hv_vm_config_set_ipa_granule(c, HV_IPA_GRANULE_4KB), HV_SUCCESS);
    assert_int_equal(hv_vm_config_get_ipa_granule(c, &gran), HV_SUCCESS);
    assert_int_equal(gran, HV_IPA_GRANULE_4KB);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, 2), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, 0x4000), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, UINT32_MAX), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_granule(c, &gran), HV_SUCCESS);
    assert_int_equal(gran, HV_IPA_GRANULE_4KB);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, HV_IPA_GRANULE_16KB), HV_SUCCESS);
    assert_int_equal(hv_vm_config_get_ipa_granule(c, &gran), HV_SUCCESS);
    assert_int_equal(gran, HV_IPA_GRANULE_16KB);
    os_release(c);
}

static void test_vm_config_el2_is_unsupported_hvmodel_choice_of_code(void **state)
{
    (void)state;
    bool supported = true;
    assert_int_equal(hv_vm_config_get_el2_supported(&supported), HV_SUCCESS);
    assert_false(supported);
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    assert_int_equal(hv_vm_config_set_el2_enabled(c, true), HV_UNSUPPORTED);
    bool enabled = true;
    assert_int_equal(hv_vm_config_get_el2_enabled(c, &enabled), HV_SUCCESS);
    assert_false(enabled);
    assert_int_equal(hv_vm_config_set_el2_enabled(c, false), HV_SUCCESS);
    assert_int_equal(hv_vm_config_get_el2_enabled(c, &enabled), HV_SUCCESS);
    assert_false(enabled);
    os_release(c);
}

static void test_vm_config_calls_with_null_config_or_out_pointer_are_bad_argument(void **state)
{
    (void)state;
    uint32_t bits = 0;
    bool b = false;
    hv_ipa_granule_t gran = 0;
    assert_int_equal(hv_vm_config_get_max_ipa_size(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_default_ipa_size(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_default_ipa_granule(NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_el2_supported(NULL), HV_BAD_ARGUMENT);

    assert_int_equal(hv_vm_config_set_ipa_size(NULL, 36), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_size(NULL, &bits), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_ipa_granule(NULL, HV_IPA_GRANULE_16KB), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_granule(NULL, &gran), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_el2_enabled(NULL, false), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_el2_enabled(NULL, &b), HV_BAD_ARGUMENT);

    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    assert_int_equal(hv_vm_config_get_ipa_size(c, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_granule(c, NULL), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_el2_enabled(c, NULL), HV_BAD_ARGUMENT);
    os_release(c);
}

static void test_vm_config_calls_with_a_vcpu_config_object_are_bad_argument(void **state)
{
    (void)state;
    hv_vcpu_config_t vc = hv_vcpu_config_create();
    assert_non_null(vc);
    hv_vm_config_t c = (hv_vm_config_t)(void *)vc;
    uint32_t bits = 0;
    bool b = false;
    hv_ipa_granule_t gran = 0;
    assert_int_equal(hv_vm_config_set_ipa_size(c, 36), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_size(c, &bits), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, HV_IPA_GRANULE_4KB), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_ipa_granule(c, &gran), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_set_el2_enabled(c, false), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_config_get_el2_enabled(c, &b), HV_BAD_ARGUMENT);
    /* hv_vm_create refuses it and creates no VM. */
    assert_int_equal(hv_vm_create(c), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
    /* The vCPU config object itself is unharmed. */
    uint64_t v = 0;
    assert_int_equal(hv_vcpu_config_get_feature_reg(vc, HV_FEATURE_REG_ID_AA64PFR0_EL1, &v),
                     HV_SUCCESS);
    os_release(vc);

    /* Memory that is no object at all. */
    static uint64_t junk[16];
    assert_int_equal(hv_vm_config_get_ipa_size((hv_vm_config_t)(void *)junk, &bits),
                     HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_create((hv_vm_config_t)(void *)junk), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_NO_DEVICE);
}

static void test_vm_config_survives_retain_and_release_until_last_reference(void **state)
{
    (void)state;
    hv_vm_config_t c = hv_vm_config_create();
    assert_non_null(c);
    assert_ptr_equal(os_retain(c), c);
    os_release(c);
    /* One reference is left: the object still works. */
    uint32_t bits = 0;
    assert_int_equal(hv_vm_config_set_ipa_size(c, 33), HV_SUCCESS);
    assert_int_equal(hv_vm_config_get_ipa_size(c, &bits), HV_SUCCESS);
    assert_int_equal(bits, 33);
    os_release(c);
}

/* ==== hv_vm_create takes the configuration ==== */

static void test_vm_with_4kb_granule_accepts_4kb_ranges_a_16kb_vm_rejects(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);

    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf, DATA_IPA + G4K, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, DATA_IPA, G4K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);

    hv_vm_config_t c = config_with(36, HV_IPA_GRANULE_4KB);
    assert_int_equal(hv_vm_create(c), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_map(buf, DATA_IPA + G4K, G4K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf + G4K, DATA_IPA + 2 * G4K, 3 * G4K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_protect(DATA_IPA + 3 * G4K, G4K, HV_MEMORY_READ), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA + 2 * G4K, G4K), HV_SUCCESS);
    /* Below the 4 KiB granule is still misaligned. */
    assert_int_equal(hv_vm_map(buf + 3 * G4K, DATA_IPA + 0x800, 0x800, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_with_40bit_ipa_maps_below_2_pow_40_only(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    hv_vm_config_t c = config_with(40, HV_IPA_GRANULE_16KB);
    assert_int_equal(hv_vm_create(c), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_map(buf, 1ull << 39, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf + G16K, (1ull << 40) - G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf + 2 * G16K, 1ull << 40, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf + 2 * G16K, (1ull << 40) - G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(1ull << 40, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_with_default_36bit_ipa_rejects_maps_at_2_pow_36(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    assert_int_equal(hv_vm_create(NULL), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf, 1ull << 36, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, 1ull << 39, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, (1ull << 36) - G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, (1ull << 36) - G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);

    /* The same through an explicit config. */
    hv_vm_config_t c = config_with(36, HV_IPA_GRANULE_16KB);
    assert_int_equal(hv_vm_create(c), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_map(buf, 1ull << 36, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, (1ull << 36) - G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_with_32bit_ipa_rejects_maps_at_4gib(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    hv_vm_config_t c = config_with(32, HV_IPA_GRANULE_16KB);
    assert_int_equal(hv_vm_create(c), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_map(buf, 1ull << 32, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(buf, (1ull << 32) - G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_vm_keeps_its_own_copy_of_the_config(void **state)
{
    (void)state;
    uint8_t *buf = host_alloc(BUF_SIZE);
    hv_vm_config_t c = config_with(40, HV_IPA_GRANULE_16KB);
    assert_int_equal(hv_vm_create(c), HV_SUCCESS);
    /* Changing and releasing the config afterwards does not reach the VM. */
    assert_int_equal(hv_vm_config_set_ipa_size(c, 32), HV_SUCCESS);
    assert_int_equal(hv_vm_config_set_ipa_granule(c, HV_IPA_GRANULE_4KB), HV_SUCCESS);
    os_release(c);
    assert_int_equal(hv_vm_map(buf, 1ull << 39, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(buf + G16K, DATA_IPA, G4K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_destroy(), HV_SUCCESS);
    host_free(buf, BUF_SIZE);
}

static void test_guest_of_40bit_ipa_vm_uses_memory_mapped_at_2_pow_39(void **state)
{
    (void)state;
    struct guest g;
    uint8_t *buf = host_alloc(BUF_SIZE);
    hv_vm_config_t c = config_with(40, HV_IPA_GRANULE_16KB);
    guest_create_config(&g, c);
    os_release(c);
    const uint64_t hi = 1ull << 39;
    assert_int_equal(hv_vm_map(buf, hi, G16K, RW), HV_SUCCESS);
    guest_store(&g, hi + 0x10, 0x39393939);
    assert_int_equal(host_u32(buf + 0x10), 0x39393939);
    /* Next to it (same 32 MiB region): a level-3 fault with the full 40-bit
     * address in both exit fields. */
    guest_store_faults(&g, hi + G16K + 0x20, FSC_TRANS(3));
    guest_destroy_config(&g);
    host_free(buf, BUF_SIZE);
}

/* ==== hv_vm_map: bad input ==== */

static void test_map_with_misaligned_ipa_or_size_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G4K, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + 1, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G4K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K + G4K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K - 1, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data + 1, DATA_IPA, G16K, RW), HV_BAD_ARGUMENT);
    assert_unmapped(g, DATA_IPA);
    assert_unmapped(g, DATA_IPA + G16K);
    assert_ram_works(g);
}

static void test_map_accepts_host_address_aligned_to_the_host_page_only(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* hvmodel's rule: the host pointer needs the host page alignment (4 KiB
     * here), not the VM's 16 KiB granule; the guest sees that host memory. */
    f->data[G4K] = 0x5a;
    assert_int_equal(hv_vm_map(f->data + G4K, DATA_IPA, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_SUCCESS);
    /* Below the host page it is refused and nothing is mapped. */
    assert_int_equal(hv_vm_map(f->data + 8, DATA_IPA, G16K, RW), HV_BAD_ARGUMENT);
    assert_unmapped(g, DATA_IPA);
    assert_ram_works(g);
}

static void test_map_with_zero_size_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 0, RW), HV_BAD_ARGUMENT);
    assert_unmapped(&f->g, DATA_IPA);
    assert_ram_works(&f->g);
}

static void test_map_range_wrapping_or_leaving_the_ipa_space_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    const uint64_t top = (1ull << 36) - G16K;
    assert_int_equal(hv_vm_map(f->data, 0ull - G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, 0ull - G16K, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, 1ull << 36, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, top, 2 * G16K, RW), HV_BAD_ARGUMENT);
    /* A size that wraps the whole address space back onto DATA_IPA. */
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, (size_t)(0ull - G16K), RW), HV_BAD_ARGUMENT);
    /* Nothing was mapped at the top either: it can be mapped now. */
    assert_int_equal(hv_vm_map(f->data, top, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(top, G16K), HV_SUCCESS);
    assert_unmapped(&f->g, DATA_IPA);
    assert_ram_works(&f->g);
}

static void test_map_with_unknown_flag_bits_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, 1ull << 3), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW | 1ull << 3), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RWX | 1ull << 32), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW | 1ull << 63), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, UINT64_MAX), HV_BAD_ARGUMENT);
    assert_unmapped(&f->g, DATA_IPA);
    assert_ram_works(&f->g);
}

static void test_map_with_null_host_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hv_vm_map(NULL, DATA_IPA, G16K, RW), HV_BAD_ARGUMENT);
    assert_unmapped(&f->g, DATA_IPA);
    assert_ram_works(&f->g);
}

static void test_map_of_host_range_not_backed_by_memory_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    uint8_t *p = host_alloc(4 * G16K);
    /* A hole in the middle of the range, then a range that is all hole. */
    assert_int_equal(munmap(p + G16K, G16K), 0);
    assert_int_equal(munmap(p + 3 * G16K, G16K), 0);
    assert_int_equal(hv_vm_map(p, DATA_IPA, 3 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(p + G16K, DATA_IPA, G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(p + 2 * G16K, DATA_IPA, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_unmapped(&f->g, DATA_IPA);
    /* The backed granule alone maps fine. */
    assert_int_equal(hv_vm_map(p, DATA_IPA, G16K, RW), HV_SUCCESS);
    guest_store(&f->g, DATA_IPA + 4, 0x77);
    assert_int_equal(host_u32(p + 4), 0x77);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_SUCCESS);
    munmap(p, G16K);
    munmap(p + 2 * G16K, G16K);
    assert_ram_works(&f->g);
}

static void test_map_overlapping_a_mapping_is_bad_argument_and_keeps_it(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* The existing mapping covers [DATA+16K, DATA+48K). */
    host_put_u64(f->data, 0x1111);
    host_put_u64(f->data + G16K, 0x2222);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G16K, 2 * G16K, RW), HV_SUCCESS);

    /* exact, overlapping its head, its tail, containing it, inside it */
    assert_int_equal(hv_vm_map(f->other, DATA_IPA + G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA + 2 * G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA, 4 * G16K, RW), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA + 2 * G16K, G16K, RW), HV_BAD_ARGUMENT);
    /* the same host memory again at the same IPA */
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G16K, G16K, RW), HV_BAD_ARGUMENT);
    /* overlapping the RAM mapping */
    assert_int_equal(hv_vm_map(f->other, GUEST_RAM_SIZE - G16K, 2 * G16K, RW), HV_BAD_ARGUMENT);

    /* The original mapping is unchanged and nothing new appeared. */
    assert_int_equal(guest_load(g, DATA_IPA + G16K), 0x1111);
    assert_int_equal(guest_load(g, DATA_IPA + 2 * G16K), 0x2222);
    guest_store(g, DATA_IPA + 2 * G16K + 8, 0xabcd);
    assert_int_equal(host_u32(f->data + G16K + 8), 0xabcd);
    assert_int_equal(host_u32(f->other + G16K + 8), 0);
    assert_unmapped(g, DATA_IPA);
    assert_unmapped(g, DATA_IPA + 3 * G16K);
    assert_unmapped(g, GUEST_RAM_SIZE);
    assert_ram_works(g);
}

static void test_adjacent_mappings_are_accepted_and_unmapped_together(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u64(f->other, 0xa0);
    host_put_u64(f->data, 0xb1);
    host_put_u64(f->data + G16K, 0xb2);
    host_put_u64(f->other + G16K, 0xa3);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G16K, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_map(f->other + G16K, DATA_IPA + 3 * G16K, G16K, RW), HV_SUCCESS);
    /* Right after the RAM too. */
    assert_int_equal(hv_vm_map(f->other + 2 * G16K, GUEST_RAM_SIZE, G16K, RW), HV_SUCCESS);

    assert_int_equal(guest_load(g, DATA_IPA), 0xa0);
    assert_int_equal(guest_load(g, DATA_IPA + G16K), 0xb1);
    assert_int_equal(guest_load(g, DATA_IPA + 2 * G16K), 0xb2);
    assert_int_equal(guest_load(g, DATA_IPA + 3 * G16K), 0xa3);
    guest_store(g, GUEST_RAM_SIZE, 0x4d4d);
    assert_int_equal(host_u32(f->other + 2 * G16K), 0x4d4d);

    /* One unmap may span several adjacent mappings. */
    assert_int_equal(hv_vm_unmap(DATA_IPA, 4 * G16K), HV_SUCCESS);
    for (int i = 0; i < 4; i++)
        assert_unmapped(g, DATA_IPA + (uint64_t)i * G16K);
    assert_int_equal(hv_vm_unmap(GUEST_RAM_SIZE, G16K), HV_SUCCESS);
    assert_unmapped(g, GUEST_RAM_SIZE);
    assert_ram_works(g);
}

/* ==== hv_vm_unmap ==== */

static void test_unmap_of_a_hole_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(FAR_IPA, 4 * G16K), HV_BAD_ARGUMENT);
    assert_unmapped(&f->g, DATA_IPA);
    assert_ram_works(&f->g);
}

static void test_unmap_of_partly_mapped_range_is_bad_argument_and_unmaps_nothing(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u64(f->data, 0x1);
    host_put_u64(f->data + G16K, 0x2);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G16K, 2 * G16K, RW), HV_SUCCESS);

    assert_int_equal(hv_vm_unmap(DATA_IPA, 2 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA + 2 * G16K, 2 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, 4 * G16K), HV_BAD_ARGUMENT);
    /* RAM plus the hole after it. */
    assert_int_equal(hv_vm_unmap(0, GUEST_RAM_SIZE + G16K), HV_BAD_ARGUMENT);

    assert_int_equal(guest_load(g, DATA_IPA + G16K), 0x1);
    assert_int_equal(guest_load(g, DATA_IPA + 2 * G16K), 0x2);
    assert_ram_works(g);
    /* Two mappings with a hole between them. */
    assert_int_equal(hv_vm_map(f->other, DATA_IPA + 4 * G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA + G16K, 4 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(guest_load(g, DATA_IPA + 2 * G16K), 0x2);
    assert_int_equal(guest_load(g, DATA_IPA + 4 * G16K), 0);
}

static void test_unmap_with_misaligned_empty_or_out_of_range_arguments_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u64(f->data, 0x5);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA + G4K, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G4K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K + 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, 0), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(0ull - G16K, 2 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, (size_t)(0ull - G16K)), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(1ull << 36, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(guest_load(g, DATA_IPA), 0x5);
    guest_store(g, DATA_IPA + G16K, 0x6);
    assert_int_equal(host_u32(f->data + G16K), 0x6);
    assert_ram_works(g);
}

static void test_unmap_of_the_middle_splits_the_mapping(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u64(f->data + 0x10, 0xf0);
    host_put_u64(f->data + G16K + 0x10, 0xf1);
    host_put_u64(f->data + 2 * G16K + 0x10, 0xf2);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 3 * G16K, RW), HV_SUCCESS);
    assert_int_equal(guest_load(g, DATA_IPA + G16K + 0x10), 0xf1);

    assert_int_equal(hv_vm_unmap(DATA_IPA + G16K, G16K), HV_SUCCESS);
    /* Both halves still map to the right host memory ... */
    assert_int_equal(guest_load(g, DATA_IPA + 0x10), 0xf0);
    assert_int_equal(guest_load(g, DATA_IPA + 2 * G16K + 0x10), 0xf2);
    guest_store(g, DATA_IPA + 2 * G16K + 0x18, 0x3e3e);
    assert_int_equal(host_u32(f->data + 2 * G16K + 0x18), 0x3e3e);
    guest_store(g, DATA_IPA + G16K - 4, 0x1e1e);
    assert_int_equal(host_u32(f->data + G16K - 4), 0x1e1e);
    /* ... and the middle exits. */
    guest_load_faults(g, DATA_IPA + G16K + 0x10, FSC_TRANS(3));
    guest_store_faults(g, DATA_IPA + G16K + 0x3ffc, FSC_TRANS(3));

    /* The middle is a hole now. */
    assert_int_equal(hv_vm_unmap(DATA_IPA + G16K, G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_unmap(DATA_IPA, 3 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, 3 * G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(guest_load(g, DATA_IPA + 0x10), 0xf0);
    /* Other host memory can fill it. */
    host_put_u64(f->other + 0x10, 0xee);
    assert_int_equal(hv_vm_map(f->other, DATA_IPA + G16K, G16K, RW), HV_SUCCESS);
    assert_int_equal(guest_load(g, DATA_IPA + G16K + 0x10), 0xee);
    /* The pieces unmap one by one. */
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA + 2 * G16K, G16K), HV_SUCCESS);
    assert_int_equal(hv_vm_unmap(DATA_IPA + G16K, G16K), HV_SUCCESS);
    assert_unmapped(g, DATA_IPA);
    assert_unmapped(g, DATA_IPA + 2 * G16K);
}

/* ==== hv_vm_protect ==== */

static void
test_protect_of_hole_or_partly_mapped_range_is_bad_argument_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA + G16K, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, 2 * G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA + 2 * G16K, 2 * G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(FAR_IPA, G16K, RW), HV_BAD_ARGUMENT);
    /* Still writable everywhere, and still no mapping at the hole. */
    guest_store(g, DATA_IPA + G16K, 0x71);
    guest_store(g, DATA_IPA + 2 * G16K, 0x72);
    assert_int_equal(host_u32(f->data), 0x71);
    assert_int_equal(host_u32(f->data + G16K), 0x72);
    assert_unmapped(g, DATA_IPA);
}

static void test_protect_with_bad_flags_or_misaligned_range_is_bad_argument(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 2 * G16K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, 1ull << 3), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ | 1ull << 63), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA + G4K, G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, G4K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(DATA_IPA, 0, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(0ull - G16K, 2 * G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_protect(1ull << 36, G16K, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    guest_store(g, DATA_IPA, 0x81);
    guest_store(g, DATA_IPA + G16K, 0x82);
    assert_int_equal(host_u32(f->data), 0x81);
    assert_int_equal(host_u32(f->data + G16K), 0x82);
}

static void test_protect_of_a_sub_range_changes_only_that_range(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 3 * G16K, RW), HV_SUCCESS);
    host_put_u64(f->data + G16K + 4, 0x4444);
    assert_int_equal(hv_vm_protect(DATA_IPA + G16K, G16K, HV_MEMORY_READ), HV_SUCCESS);

    guest_store(g, DATA_IPA + G16K - 4, 0x91);
    guest_store(g, DATA_IPA + 2 * G16K, 0x92);
    assert_int_equal(host_u32(f->data + G16K - 4), 0x91);
    assert_int_equal(host_u32(f->data + 2 * G16K), 0x92);
    guest_store_faults(g, DATA_IPA + G16K + 4, FSC_PERM(3));
    assert_int_equal(host_u32(f->data + G16K + 4), 0x4444);
    assert_int_equal(guest_load(g, DATA_IPA + G16K + 4), 0x4444);

    /* Giving WRITE back makes the store go through. */
    assert_int_equal(hv_vm_protect(DATA_IPA + G16K, G16K, RW), HV_SUCCESS);
    guest_store(g, DATA_IPA + G16K + 4, 0x93);
    assert_int_equal(host_u32(f->data + G16K + 4), 0x93);
}

/* ==== stage-2 exits seen by the guest ==== */

static void test_store_to_unmapped_ipa_near_ram_is_level3_translation_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* Reference value for STR W1,[X0], level-3 translation fault. */
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x1234);
    expect_abort(g, 0x93810047, DATA_IPA + 0x1234, GUEST_MEMORY_STORE_W1);
    /* Right after the RAM, and in the last granule of the 32 MiB region. */
    guest_store_faults(g, GUEST_RAM_SIZE, FSC_TRANS(3));
    guest_store_faults(g, 0x1fffffcull, FSC_TRANS(3));
}

static void test_store_to_ipa_in_empty_32mib_region_is_level2_translation_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, FAR_IPA + 0x10);
    expect_abort(g, 0x93810046, FAR_IPA + 0x10, GUEST_MEMORY_STORE_W1);
    /* The first byte of the second 32 MiB region. */
    guest_store_faults(g, 0x2000000ull, FSC_TRANS(2));
    /* The last word of the IPA space. */
    guest_store_faults(g, (1ull << 36) - 4, FSC_TRANS(2));
    /* One mapping in the region [128 MiB, 160 MiB) turns its faults into
     * level-3 ones. */
    assert_int_equal(hv_vm_map(f->data, FAR_IPA + 0x800000, G16K, RW), HV_SUCCESS);
    guest_store_faults(g, FAR_IPA + 0x10, FSC_TRANS(3));
    assert_int_equal(hv_vm_unmap(FAR_IPA + 0x800000, G16K), HV_SUCCESS);
    guest_store_faults(g, FAR_IPA + 0x10, FSC_TRANS(2));
}

static void test_load_from_unmapped_ipa_is_translation_fault_with_load_iss(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    set_reg(g, HV_REG_PC, GUEST_MEMORY_LOAD_X2);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x88);
    expect_abort(g, 0x93c28007, DATA_IPA + 0x88, GUEST_MEMORY_LOAD_X2);
    guest_load_faults(g, FAR_IPA + 0x88, FSC_TRANS(2));
}

static void test_store_after_write_protect_is_level3_permission_fault_loads_still_work(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW), HV_SUCCESS);
    guest_store(g, DATA_IPA + 0x20, 0x12345678);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ), HV_SUCCESS);

    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x24);
    set_reg(g, HV_REG_X1, 0xdead);
    expect_abort(g, 0x9381004f, DATA_IPA + 0x24, GUEST_MEMORY_STORE_W1);
    assert_int_equal(host_u32(f->data + 0x24), 0);
    assert_int_equal(guest_load(g, DATA_IPA + 0x20), 0x12345678);
}

static void test_load_after_read_protect_is_level3_permission_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u64(f->data + 0x30, 0x3030);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW), HV_SUCCESS);
    assert_int_equal(guest_load(g, DATA_IPA + 0x30), 0x3030);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_WRITE), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_MEMORY_LOAD_X2);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x30);
    expect_abort(g, 0x93c2800f, DATA_IPA + 0x30, GUEST_MEMORY_LOAD_X2);
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, RW), HV_SUCCESS);
    assert_int_equal(guest_load(g, DATA_IPA + 0x30), 0x3030);
}

static void test_mapping_without_permissions_makes_every_access_a_permission_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u32(f->data + 0x40, INSN_HVC0);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, 0), HV_SUCCESS);
    guest_load_faults(g, DATA_IPA + 0x40, FSC_PERM(3));
    guest_store_faults(g, DATA_IPA + 0x40, FSC_PERM(3));
    guest_fetch_faults(g, DATA_IPA + 0x40, FSC_PERM(3));
    assert_int_equal(host_u32(f->data + 0x40), INSN_HVC0);
}

static void test_branch_to_unmapped_ipa_is_instruction_abort_at_the_target(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    set_reg(g, HV_REG_PC, GUEST_MEMORY_BRANCH_X0);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x40);
    expect_abort(g, 0x82000007, DATA_IPA + 0x40, DATA_IPA + 0x40);
    guest_fetch_faults(g, FAR_IPA + 0x100, FSC_TRANS(2));
    guest_fetch_faults(g, GUEST_RAM_SIZE, FSC_TRANS(3));
}

static void test_branch_to_mapping_without_exec_is_instruction_permission_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u32(f->data + 0x40, INSN_HVC0);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_MEMORY_BRANCH_X0);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x40);
    expect_abort(g, 0x8200000f, DATA_IPA + 0x40, DATA_IPA + 0x40);
    /* With EXEC the same code runs: the HVC there exits with PC after it. */
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, HV_MEMORY_READ | HV_MEMORY_EXEC), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_MEMORY_BRANCH_X0);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), DATA_IPA + 0x44);
}

static void test_fetch_after_exec_is_removed_from_code_that_ran_is_permission_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    host_put_u32(f->data + 0x80, INSN_HVC0);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RWX), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_MEMORY_BRANCH_X0);
    set_reg(g, HV_REG_X0, DATA_IPA + 0x80);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), DATA_IPA + 0x84);
    /* The code has run once; without EXEC the next fetch must exit. */
    assert_int_equal(hv_vm_protect(DATA_IPA, G16K, RW), HV_SUCCESS);
    guest_fetch_faults(g, DATA_IPA + 0x80, FSC_PERM(3));
    /* Data accesses are unaffected. */
    assert_int_equal(guest_load(g, DATA_IPA + 0x80), INSN_HVC0);
}

static void test_mapping_after_a_fault_lets_the_retried_store_complete(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, DATA_IPA + 8);
    set_reg(g, HV_REG_X1, 0xfeedf00d);
    expect_abort(g, 0x93810047, DATA_IPA + 8, GUEST_MEMORY_STORE_W1);
    /* The VMM maps the memory while the vCPU is idle and resumes at the
     * faulting instruction. */
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW), HV_SUCCESS);
    run_expect_exception(g, ESR_HVC(0));
    assert_int_equal(reg(g, HV_REG_PC), GUEST_MEMORY_AFTER_STORE + 4);
    assert_int_equal(host_u32(f->data + 8), 0xfeedf00d);
}

static void test_memory_mapped_while_the_vcpu_is_idle_is_visible_to_the_guest(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* The vCPU has run before: its view of memory must be refreshed. */
    assert_ram_works(g);
    host_put_u64(f->data + 0x100, 0x1122334455667788ull);
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, G16K, RW), HV_SUCCESS);
    assert_int_equal(guest_load(g, DATA_IPA + 0x100), 0x1122334455667788ull);
    /* Host stores after the map are seen too: the memory is shared. */
    host_put_u64(f->data + 0x100, 0x8877665544332211ull);
    assert_int_equal(guest_load(g, DATA_IPA + 0x100), 0x8877665544332211ull);
    /* And unmapping while idle takes it away again. */
    assert_int_equal(hv_vm_unmap(DATA_IPA, G16K), HV_SUCCESS);
    guest_load_faults(g, DATA_IPA + 0x100, FSC_TRANS(3));
}

/* ==== 4 KiB granule: the walk starts at level 1 ==== */

static void test_4kb_vm_fault_in_empty_1gib_region_is_level1(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, 0x40000010ull);
    expect_abort(g, 0x93810045, 0x40000010ull, GUEST_MEMORY_STORE_W1);
    guest_load_faults(g, FAR_IPA + 0x40000000ull, FSC_TRANS(1));
    guest_fetch_faults(g, 0x40000000ull, FSC_TRANS(1));
}

static void test_4kb_vm_fault_in_empty_2mib_block_is_level2(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* [4 MiB, 6 MiB) holds nothing; the first GiB holds the RAM. */
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, GUEST_RAM_SIZE + 0x20);
    expect_abort(g, 0x93810046, GUEST_RAM_SIZE + 0x20, GUEST_MEMORY_STORE_W1);
    /* A 16 KiB-granule VM would see level 3 here (same 32 MiB region). */
    guest_store_faults(g, DATA_IPA, FSC_TRANS(2));
}

static void test_4kb_vm_fault_next_to_a_mapped_page_is_level3(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    /* Punch one 4 KiB page out of the RAM. */
    assert_int_equal(hv_vm_unmap(RAM_SCRATCH + G4K, G4K), HV_SUCCESS);
    set_reg(g, HV_REG_PC, GUEST_MEMORY_STORE_W1);
    set_reg(g, HV_REG_X0, RAM_SCRATCH + G4K + 8);
    expect_abort(g, 0x93810047, RAM_SCRATCH + G4K + 8, GUEST_MEMORY_STORE_W1);
    /* The pages on either side are still RAM. */
    guest_store(g, RAM_SCRATCH + G4K - 4, 0x4b1);
    guest_store(g, RAM_SCRATCH + 2 * G4K, 0x4b2);
    assert_int_equal(host_u32(g->ram + RAM_SCRATCH + G4K - 4), 0x4b1);
    assert_int_equal(host_u32(g->ram + RAM_SCRATCH + 2 * G4K), 0x4b2);
    /* A 4 KiB mapping in an empty 2 MiB block makes its neighbours level 3. */
    assert_int_equal(hv_vm_map(f->data, GUEST_RAM_SIZE + G4K, G4K, RW), HV_SUCCESS);
    guest_store_faults(g, GUEST_RAM_SIZE, FSC_TRANS(3));
    guest_store(g, GUEST_RAM_SIZE + G4K, 0x4b3);
    assert_int_equal(host_u32(f->data), 0x4b3);
    /* Restore the RAM page. */
    assert_int_equal(hv_vm_map(g->ram + RAM_SCRATCH + G4K, RAM_SCRATCH + G4K, G4K, RWX),
                     HV_SUCCESS);
    assert_ram_works(g);
}

static void test_4kb_vm_write_protected_page_is_level3_permission_fault(void **state)
{
    struct fixture *f = *state;
    struct guest *g = &f->g;
    assert_int_equal(hv_vm_map(f->data, DATA_IPA, 2 * G4K, RW), HV_SUCCESS);
    assert_int_equal(hv_vm_protect(DATA_IPA + G4K, G4K, HV_MEMORY_READ), HV_SUCCESS);
    guest_store(g, DATA_IPA + G4K - 4, 0x5c);
    assert_int_equal(host_u32(f->data + G4K - 4), 0x5c);
    guest_store_faults(g, DATA_IPA + G4K, FSC_PERM(3));
}

/* ==== hv_vm_allocate / hv_vm_deallocate ==== */

static void test_allocate_with_null_out_zero_size_or_unknown_flags_is_bad_argument(void **state)
{
    (void)state;
    void *p = NULL;
    assert_int_equal(hv_vm_allocate(NULL, G16K, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, 0, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, G16K + 1, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, 100, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, G16K, 1), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, G16K, 1ull << 63), HV_BAD_ARGUMENT);
}

static void test_allocate_size_not_a_multiple_of_16kb_is_bad_argument(void **state)
{
    (void)state;
    void *p = NULL;
    /* Multiples of a 4 KiB host page, but not of the 16 KiB page. */
    assert_int_equal(hv_vm_allocate(&p, G4K, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, 2 * G4K, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_allocate(&p, G16K + G4K, HV_ALLOCATE_DEFAULT), HV_BAD_ARGUMENT);
}

static void test_allocate_returns_zeroed_writable_memory_without_a_vm(void **state)
{
    (void)state;
    void *p = NULL;
    const size_t size = 4 * G16K;
    assert_int_equal(hv_vm_allocate(&p, size, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    assert_non_null(p);
    uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i] != 0)
            fail_msg("byte %zu of new memory is 0x%02x", i, b[i]);
    memset(b, 0xa5, size);
    assert_int_equal(b[0], 0xa5);
    assert_int_equal(b[size - 1], 0xa5);
    assert_int_equal(hv_vm_deallocate(p, size), HV_SUCCESS);
}

static void test_allocate_returns_16kb_aligned_memory(void **state)
{
    (void)state;
    /* Host mappings of one 4 KiB page between the allocations shift where
     * the host puts the next one; the result must stay 16 KiB aligned. */
    void *blocks[4], *pads[4];
    for (int i = 0; i < 4; i++) {
        pads[i] = mmap(NULL, G4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(pads[i] != MAP_FAILED);
        assert_int_equal(hv_vm_allocate(&blocks[i], G16K, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal((uintptr_t)blocks[i] & (G16K - 1), 0);
        assert_int_equal(hv_vm_deallocate(blocks[i], G16K), HV_SUCCESS);
        munmap(pads[i], G4K);
    }
}

static void test_deallocate_of_foreign_pointer_or_wrong_size_is_bad_argument(void **state)
{
    (void)state;
    uint8_t *foreign = host_alloc(G16K);
    assert_int_equal(hv_vm_deallocate(foreign, G16K), HV_BAD_ARGUMENT);
    foreign[0] = 1; /* still the caller's */
    host_free(foreign, G16K);

    void *p = NULL;
    assert_int_equal(hv_vm_allocate(&p, 4 * G16K, HV_ALLOCATE_DEFAULT), HV_SUCCESS);
    uint8_t *b = p;
    assert_int_equal(hv_vm_deallocate(p, 2 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 8 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(b + G16K, 3 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(NULL, 4 * G16K), HV_BAD_ARGUMENT);
    assert_int_equal(hv_vm_deallocate(p, 0), HV_BAD_ARGUMENT);
    /* Every byte is still there and writable. */
    b[0] = 0x11;
    b[4 * G16K - 1] = 0x22;
    assert_int_equal(b[0] + b[4 * G16K - 1], 0x33);
    assert_int_equal(hv_vm_deallocate(p, 4 * G16K), HV_SUCCESS);
    /* A second free of the same block is not from hv_vm_allocate any more. */
    assert_int_equal(hv_vm_deallocate(p, 4 * G16K), HV_BAD_ARGUMENT);
}

#define T(fn)    cmocka_unit_test_teardown(fn, drop_vm)
#define TG(fn)   cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TG4K(fn) cmocka_unit_test_setup_teardown(fn, setup_4k, teardown_4k)

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* VM lifecycle */
        T(test_max_vcpu_count_is_64_and_null_is_bad_argument),
        T(test_vm_create_twice_is_busy_and_keeps_the_first_vm),
        T(test_vm_destroy_without_vm_is_no_device),
        cmocka_unit_test(test_vm_destroy_with_live_vcpu_is_busy_and_vm_keeps_working),
        T(test_map_unmap_protect_without_vm_are_no_device),
        T(test_vm_create_after_destroy_starts_with_no_mappings),
        /* configuration */
        T(test_vm_config_reports_default_ipa_36_max_ipa_40_default_granule_16kb),
        T(test_vm_config_create_holds_36bit_ipa_16kb_granule_and_no_el2),
        T(test_vm_config_set_ipa_size_accepts_32_to_40_and_rejects_others),
        T(test_vm_config_set_ipa_granule_accepts_4kb_and_16kb_and_rejects_others),
        T(test_vm_config_el2_is_unsupported_hvmodel_choice_of_code),
        T(test_vm_config_calls_with_null_config_or_out_pointer_are_bad_argument),
        T(test_vm_config_calls_with_a_vcpu_config_object_are_bad_argument),
        T(test_vm_config_survives_retain_and_release_until_last_reference),
        T(test_vm_with_4kb_granule_accepts_4kb_ranges_a_16kb_vm_rejects),
        T(test_vm_with_40bit_ipa_maps_below_2_pow_40_only),
        T(test_vm_with_default_36bit_ipa_rejects_maps_at_2_pow_36),
        T(test_vm_with_32bit_ipa_rejects_maps_at_4gib),
        T(test_vm_keeps_its_own_copy_of_the_config),
        cmocka_unit_test(test_guest_of_40bit_ipa_vm_uses_memory_mapped_at_2_pow_39),
        /* hv_vm_map */
        TG(test_map_with_misaligned_ipa_or_size_is_bad_argument),
        TG(test_map_accepts_host_address_aligned_to_the_host_page_only),
        TG(test_map_with_zero_size_is_bad_argument),
        TG(test_map_range_wrapping_or_leaving_the_ipa_space_is_bad_argument),
        TG(test_map_with_unknown_flag_bits_is_bad_argument),
        TG(test_map_with_null_host_is_bad_argument),
        TG(test_map_of_host_range_not_backed_by_memory_is_bad_argument),
        TG(test_map_overlapping_a_mapping_is_bad_argument_and_keeps_it),
        TG(test_adjacent_mappings_are_accepted_and_unmapped_together),
        /* hv_vm_unmap */
        TG(test_unmap_of_a_hole_is_bad_argument),
        TG(test_unmap_of_partly_mapped_range_is_bad_argument_and_unmaps_nothing),
        TG(test_unmap_with_misaligned_empty_or_out_of_range_arguments_is_bad_argument),
        TG(test_unmap_of_the_middle_splits_the_mapping),
        /* hv_vm_protect */
        TG(test_protect_of_hole_or_partly_mapped_range_is_bad_argument_and_changes_nothing),
        TG(test_protect_with_bad_flags_or_misaligned_range_is_bad_argument),
        TG(test_protect_of_a_sub_range_changes_only_that_range),
        /* stage-2 exits */
        TG(test_store_to_unmapped_ipa_near_ram_is_level3_translation_fault),
        TG(test_store_to_ipa_in_empty_32mib_region_is_level2_translation_fault),
        TG(test_load_from_unmapped_ipa_is_translation_fault_with_load_iss),
        TG(test_store_after_write_protect_is_level3_permission_fault_loads_still_work),
        TG(test_load_after_read_protect_is_level3_permission_fault),
        TG(test_mapping_without_permissions_makes_every_access_a_permission_fault),
        TG(test_branch_to_unmapped_ipa_is_instruction_abort_at_the_target),
        TG(test_branch_to_mapping_without_exec_is_instruction_permission_fault),
        TG(test_fetch_after_exec_is_removed_from_code_that_ran_is_permission_fault),
        TG(test_mapping_after_a_fault_lets_the_retried_store_complete),
        TG(test_memory_mapped_while_the_vcpu_is_idle_is_visible_to_the_guest),
        /* 4 KiB granule */
        TG4K(test_4kb_vm_fault_in_empty_1gib_region_is_level1),
        TG4K(test_4kb_vm_fault_in_empty_2mib_block_is_level2),
        TG4K(test_4kb_vm_fault_next_to_a_mapped_page_is_level3),
        TG4K(test_4kb_vm_write_protected_page_is_level3_permission_fault),
        /* hv_vm_allocate / hv_vm_deallocate */
        cmocka_unit_test(test_allocate_with_null_out_zero_size_or_unknown_flags_is_bad_argument),
        cmocka_unit_test(test_allocate_size_not_a_multiple_of_16kb_is_bad_argument),
        cmocka_unit_test(test_allocate_returns_zeroed_writable_memory_without_a_vm),
        cmocka_unit_test(test_allocate_returns_16kb_aligned_memory),
        cmocka_unit_test(test_deallocate_of_foreign_pointer_or_wrong_size_is_bad_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
