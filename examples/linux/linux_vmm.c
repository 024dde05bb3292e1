/*
 * linux_vmm.c — a small macOS-style VMM that boots an arm64 Linux kernel
 * through Hypervisor.framework's API: the kernel Image (gzip-compressed or
 * not), an initramfs and a device tree it generates with libfdt; a PL011 UART
 * served through data-abort exits; PSCI through HVC (VERSION, FEATURES,
 * CPU_ON, AFFINITY_INFO, SYSTEM_OFF, SYSTEM_RESET); the in-framework GICv3
 * (hv_gic_*) and its virtual timer; -smp N vCPUs, one thread each.
 *
 * Usage: linux-vmm -kernel IMAGE [-initrd FILE] [-append CMDLINE] [-smp N]
 *                  [-m MIB] [-max-insns N]
 *
 * Guest physical memory map (the layout of QEMU's "virt" board):
 *   0x08000000  GIC distributor (64 KiB), then the redistributors at 0x080a0000
 *   0x09000000  PL011 UART, SPI 1 (INTID 33)
 *   0x40000000  RAM; the kernel at +2 MiB, the initramfs at +128 MiB, the
 *               device tree in the last 2 MiB
 *
 * As on macOS, the VMM sleeps in WFI until the guest's next timer deadline;
 * hvmodel's clock is virtual, so that sleep is hvm_clock_advance().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <Hypervisor/Hypervisor.h>
#include <hvmodel.h>
#include <mach/mach_time.h>

#define RAM_BASE   0x40000000ull
#define KERNEL_OFF 0x200000ull
#define INITRD_OFF (128ull << 20)
#define DTB_SIZE   0x10000u
#define GICD_BASE  0x08000000ull
#define GICR_BASE  0x080a0000ull
#define UART_BASE  0x09000000ull
#define UART_SIZE  0x1000ull
#define UART_SPI   1u /* INTID 33 */
#define MAX_CPUS   8u
#define TIMER_HZ   24000000u
#define IDLE_TICKS (TIMER_HZ / 100) /* at most 10 ms of WFI without a timer */

/* PSCI 1.0 function ids (SMC64 where a 64-bit form exists). */
#define PSCI_VERSION           0x84000000u
#define PSCI_CPU_OFF           0x84000002u
#define PSCI_CPU_ON            0xc4000003u
#define PSCI_AFFINITY_INFO     0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF        0x84000008u
#define PSCI_SYSTEM_RESET      0x84000009u
#define PSCI_FEATURES          0x8400000au
#define SMCCC_VERSION          0x80000000u
#define PSCI_SUCCESS           0
#define PSCI_NOT_SUPPORTED     -1
#define PSCI_INVALID_PARAMS    -2
#define PSCI_ALREADY_ON        -4

#define CHECK(call)                                                                                \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS) {                                                                    \
            fprintf(stderr, "linux-vmm: %s failed: 0x%x\n", #call, (unsigned)r_);                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

enum cpu_state { CPU_OFF, CPU_STARTING, CPU_ON };

static struct {
    uint8_t *ram;
    size_t ram_size;
    unsigned ncpus;
    bool gic;
    uint64_t max_insns; /* stop after this many guest instructions (0: never) */
    atomic_bool stop;
    int exit_code;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct cpu {
        pthread_t thread;
        enum cpu_state state;
        uint64_t entry, context_id;
        hv_vcpu_t vcpu;
        bool created;
        unsigned long long exits, mmio, hvc, wfi, sysreg, insns;
        uint64_t exec_time; /* hv_vcpu_get_exec_time at its end, in ticks */
    } cpu[MAX_CPUS];
} vm;

static uint64_t get(hv_vcpu_t vcpu, hv_reg_t r)
{
    uint64_t v;
    CHECK(hv_vcpu_get_reg(vcpu, r, &v));
    return v;
}

static void set(hv_vcpu_t vcpu, hv_reg_t r, uint64_t v)
{
    CHECK(hv_vcpu_set_reg(vcpu, r, v));
}

/* ---- loading ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "linux-vmm: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1u << 20, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        fprintf(stderr, "linux-vmm: %s: out of memory\n", path);
    *len = n;
    return buf;
}

/* Inflates a gzip file (an Image.gz) into dst; returns the size or 0. */
static size_t gunzip(const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
    z_stream z = {
        .next_in = (uint8_t *)src, .avail_in = (uInt)len, .next_out = dst, .avail_out = (uInt)cap};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return 0;
    int rc = inflate(&z, Z_FINISH);
    size_t out = z.total_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : 0;
}

/* The arm64 Image header: "ARM\x64" at 56, image_size at 16. */
static bool load_kernel(const char *path, uint64_t *image_size)
{
    size_t len;
    uint8_t *file = read_file(path, &len);
    if (!file)
        return false;
    uint8_t *dst = vm.ram + KERNEL_OFF;
    size_t cap = INITRD_OFF - KERNEL_OFF, size = len;
    if (len > 2 && file[0] == 0x1f && file[1] == 0x8b) {
        size = gunzip(file, len, dst, cap);
        if (!size) {
            fprintf(stderr, "linux-vmm: %s: not a gzip file that fits in %zu MiB\n", path,
                    cap >> 20);
            free(file);
            return false;
        }
    } else if (len <= cap) {
        memcpy(dst, file, len);
    } else {
        size = 0;
    }
    free(file);
    if (size < 64 || memcmp(dst + 56, "ARM\x64", 4)) {
        fprintf(stderr, "linux-vmm: %s: not an arm64 Linux Image\n", path);
        return false;
    }
    uint64_t isz = 0;
    for (int i = 7; i >= 0; i--)
        isz = isz << 8 | dst[16 + i];
    *image_size = isz ? isz : size;
    if (KERNEL_OFF + *image_size > INITRD_OFF) {
        fprintf(stderr,
                "linux-vmm: %s: the kernel needs %llu MiB, more than the %llu MiB "
                "below the initramfs\n",
                path, (unsigned long long)(*image_size >> 20),
                (unsigned long long)((INITRD_OFF - KERNEL_OFF) >> 20));
        return false;
    }
    return true;
}

/* ---- the device tree ---- */

#define FDT_TRY(x)                                                                                 \
    do {                                                                                           \
        if ((x) < 0)                                                                               \
            return false;                                                                          \
    } while (0)

static bool fdt_prop_u64s(void *fdt, const char *name, const uint64_t *v, int n)
{
    fdt64_t be[8];
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt64(v[i]);
    return fdt_property(fdt, name, be, n * 8) == 0;
}

static bool fdt_prop_u32s(void *fdt, const char *name, const uint32_t *v, int n)
{
    fdt32_t be[16];
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(v[i]);
    return fdt_property(fdt, name, be, n * 4) == 0;
}

static bool build_fdt(void *fdt, const char *cmdline, uint64_t initrd, size_t initrd_len)
{
    enum { PH_GIC = 1, PH_CLK = 2 };
    FDT_TRY(fdt_create(fdt, DTB_SIZE));
    FDT_TRY(fdt_finish_reservemap(fdt));
    FDT_TRY(fdt_begin_node(fdt, ""));
    FDT_TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
    FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
    FDT_TRY(fdt_property_u32(fdt, "#size-cells", 2));
    FDT_TRY(fdt_property_u32(fdt, "interrupt-parent", PH_GIC));

    FDT_TRY(fdt_begin_node(fdt, "chosen"));
    FDT_TRY(fdt_property_string(fdt, "bootargs", cmdline));
    FDT_TRY(fdt_property_string(fdt, "stdout-path", "/pl011@9000000"));
    if (initrd_len) {
        FDT_TRY(fdt_property_u64(fdt, "linux,initrd-start", initrd));
        FDT_TRY(fdt_property_u64(fdt, "linux,initrd-end", initrd + initrd_len));
    }
    FDT_TRY(fdt_end_node(fdt));

    char name[32];
    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)RAM_BASE);
    FDT_TRY(fdt_begin_node(fdt, name));
    FDT_TRY(fdt_property_string(fdt, "device_type", "memory"));
    if (!fdt_prop_u64s(fdt, "reg", (uint64_t[]){RAM_BASE, vm.ram_size}, 2))
        return false;
    FDT_TRY(fdt_end_node(fdt));

    FDT_TRY(fdt_begin_node(fdt, "cpus"));
    FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
    FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
    for (unsigned i = 0; i < vm.ncpus; i++) {
        snprintf(name, sizeof(name), "cpu@%u", i);
        FDT_TRY(fdt_begin_node(fdt, name));
        FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
        FDT_TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
        FDT_TRY(fdt_property_u32(fdt, "reg", i));
        if (vm.ncpus > 1)
            FDT_TRY(fdt_property_string(fdt, "enable-method", "psci"));
        FDT_TRY(fdt_end_node(fdt));
    }
    FDT_TRY(fdt_end_node(fdt));

    FDT_TRY(fdt_begin_node(fdt, "psci"));
    FDT_TRY(fdt_property(fdt, "compatible", "arm,psci-1.0\0arm,psci-0.2", 26));
    FDT_TRY(fdt_property_string(fdt, "method", "hvc"));
    FDT_TRY(fdt_end_node(fdt));

    size_t rd_size = 0;
    if (vm.gic && hv_gic_get_redistributor_size(&rd_size) != HV_SUCCESS)
        rd_size = 0x20000;
    snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)GICD_BASE);
    FDT_TRY(fdt_begin_node(fdt, name));
    FDT_TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
    FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
    FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    FDT_TRY(fdt_property_u32(fdt, "#redistributor-regions", 1));
    if (!fdt_prop_u64s(fdt, "reg",
                       (uint64_t[]){GICD_BASE, 0x10000, GICR_BASE, (uint64_t)rd_size * vm.ncpus},
                       4))
        return false;
    FDT_TRY(fdt_property_u32(fdt, "phandle", PH_GIC));
    FDT_TRY(fdt_end_node(fdt));

    /* The architected timer's PPIs: secure and non-secure physical,
     * virtual, hypervisor (PPI 13, 14, 11, 10 = INTID 29, 30, 27, 26),
     * level-triggered, active low. */
    FDT_TRY(fdt_begin_node(fdt, "timer"));
    FDT_TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
    if (!fdt_prop_u32s(fdt, "interrupts",
                       (uint32_t[]){1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104}, 12))
        return false;
    FDT_TRY(fdt_property(fdt, "always-on", NULL, 0));
    FDT_TRY(fdt_end_node(fdt));

    FDT_TRY(fdt_begin_node(fdt, "apb-pclk"));
    FDT_TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
    FDT_TRY(fdt_property_u32(fdt, "#clock-cells", 0));
    FDT_TRY(fdt_property_u32(fdt, "clock-frequency", TIMER_HZ));
    FDT_TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
    FDT_TRY(fdt_property_u32(fdt, "phandle", PH_CLK));
    FDT_TRY(fdt_end_node(fdt));

    FDT_TRY(fdt_begin_node(fdt, "pl011@9000000"));
    FDT_TRY(fdt_property(fdt, "compatible", "arm,pl011\0arm,primecell", 24));
    if (!fdt_prop_u64s(fdt, "reg", (uint64_t[]){UART_BASE, UART_SIZE}, 2) ||
        !fdt_prop_u32s(fdt, "interrupts", (uint32_t[]){0, UART_SPI, 4}, 3) ||
        !fdt_prop_u32s(fdt, "clocks", (uint32_t[]){PH_CLK, PH_CLK}, 2))
        return false;
    FDT_TRY(fdt_property(fdt, "clock-names", "uartclk\0apb_pclk", 17));
    FDT_TRY(fdt_end_node(fdt));

    FDT_TRY(fdt_end_node(fdt));
    FDT_TRY(fdt_finish(fdt));
    return true;
}

/* ---- PL011 ---- */

/* The PrimeCell identification registers at 0xfe0..0xffc of a PL011. */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static uint32_t uart_read(uint64_t off)
{
    switch (off) {
    case 0x018: return 0x90;  /* FR: TXFE | RXFE, never busy */
    case 0x030: return 0x300; /* CR: TXE | RXE */
    default:
        if (off >= 0xfe0 && off < 0x1000)
            return pl011_id[(off - 0xfe0) >> 2];
        return 0;
    }
}

static void uart_write(uint64_t off, uint64_t val)
{
    if (off == 0) {
        putchar((int)(val & 0xff));
        if ((val & 0xff) == '\n')
            fflush(stdout);
    }
}

/* Data abort with a valid syndrome: one device access. */
static bool handle_mmio(hv_vcpu_t vcpu, uint64_t esr, uint64_t ipa)
{
    if (!(esr & (1u << 24)))
        return false;
    unsigned srt = (esr >> 16) & 31;
    bool write = esr & (1u << 6);
    pthread_mutex_lock(&vm.lock);
    if (write) {
        uint64_t val = srt == 31 ? 0 : get(vcpu, HV_REG_X0 + srt);
        if (ipa >= UART_BASE && ipa < UART_BASE + UART_SIZE)
            uart_write(ipa - UART_BASE, val);
    } else {
        uint64_t val = 0;
        if (ipa >= UART_BASE && ipa < UART_BASE + UART_SIZE)
            val = uart_read(ipa - UART_BASE);
        if (srt != 31)
            set(vcpu, HV_REG_X0 + srt, val);
    }
    pthread_mutex_unlock(&vm.lock);
    set(vcpu, HV_REG_PC, get(vcpu, HV_REG_PC) + 4);
    return true;
}

/* ---- trapped system registers ---- */

/* The framework hands the VMM the registers it does not emulate (with EL2
 * off: the PMU, the debug OS lock and the like). This machine has no PMU and
 * no external debugger: they read as zero and ignore writes, as a VMM that
 * advertises no PMU (ID_AA64DFR0_EL1.PMUVer = 0) would make them. */
static void handle_sysreg(hv_vcpu_t vcpu, uint64_t esr)
{
    unsigned rt = (esr >> 5) & 31;
    bool read = esr & 1u;
    if (read && rt != 31)
        set(vcpu, HV_REG_X0 + rt, 0);
    set(vcpu, HV_REG_PC, get(vcpu, HV_REG_PC) + 4);
}

/* ---- PSCI ---- */

static void *cpu_main(void *arg);

static int64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t context)
{
    if (target >= vm.ncpus)
        return PSCI_INVALID_PARAMS;
    struct cpu *c = &vm.cpu[target];
    pthread_mutex_lock(&vm.lock);
    if (c->state != CPU_OFF) {
        pthread_mutex_unlock(&vm.lock);
        return PSCI_ALREADY_ON;
    }
    c->state = CPU_STARTING;
    c->entry = entry;
    c->context_id = context;
    pthread_mutex_unlock(&vm.lock);
    if (pthread_create(&c->thread, NULL, cpu_main, c) != 0) {
        c->state = CPU_OFF;
        return PSCI_INVALID_PARAMS;
    }
    /* The caller's vCPU resumes once the new one exists, so that it starts
     * at the caller's time and the boot is the same on every run. It is
     * on from here for AFFINITY_INFO, whatever its thread has done yet. */
    pthread_mutex_lock(&vm.lock);
    while (!c->created)
        pthread_cond_wait(&vm.cond, &vm.lock);
    c->state = CPU_ON;
    pthread_mutex_unlock(&vm.lock);
    return PSCI_SUCCESS;
}

/* Returns false when the guest asked to stop the machine. */
static bool handle_psci(struct cpu *c)
{
    hv_vcpu_t vcpu = c->vcpu;
    uint32_t fn = (uint32_t)get(vcpu, HV_REG_X0);
    uint64_t a1 = get(vcpu, HV_REG_X1), a2 = get(vcpu, HV_REG_X2), a3 = get(vcpu, HV_REG_X3);
    int64_t ret = PSCI_NOT_SUPPORTED;
    switch (fn) {
    case PSCI_VERSION: ret = 0x10000; break;     /* 1.0 */
    case PSCI_MIGRATE_INFO_TYPE: ret = 2; break; /* no trusted OS */
    case PSCI_FEATURES:
        ret = (a1 == PSCI_VERSION || a1 == PSCI_CPU_ON || a1 == PSCI_CPU_OFF ||
               a1 == PSCI_AFFINITY_INFO || a1 == PSCI_SYSTEM_OFF || a1 == PSCI_SYSTEM_RESET ||
               a1 == PSCI_FEATURES || a1 == PSCI_MIGRATE_INFO_TYPE)
                  ? 0
                  : PSCI_NOT_SUPPORTED;
        break;
    case PSCI_CPU_ON: ret = psci_cpu_on(a1 & 0xff, a2, a3); break;
    case PSCI_AFFINITY_INFO:
        ret = (a1 & 0xff) < vm.ncpus ? (vm.cpu[a1 & 0xff].state == CPU_ON ? 0 : 1)
                                     : PSCI_INVALID_PARAMS;
        break;
    case PSCI_CPU_OFF:
        pthread_mutex_lock(&vm.lock);
        c->state = CPU_OFF;
        pthread_mutex_unlock(&vm.lock);
        return false;
    case PSCI_SYSTEM_OFF:
        printf("\nlinux-vmm: the guest powered off (PSCI SYSTEM_OFF)\n");
        atomic_store(&vm.stop, true);
        return false;
    case PSCI_SYSTEM_RESET:
        printf("\nlinux-vmm: the guest asked for a reset (PSCI SYSTEM_RESET)\n");
        vm.exit_code = 3;
        atomic_store(&vm.stop, true);
        return false;
    case SMCCC_VERSION: ret = PSCI_NOT_SUPPORTED; break;
    default: break;
    }
    set(vcpu, HV_REG_X0, (uint64_t)ret);
    return true;
}

/* ---- WFI ---- */

/* WFI: on macOS the VMM blocks until the vCPU's next timer deadline (or a
 * kick); hvmodel's clock is virtual, so the block is a clock advance. */
static void wait_for_interrupt(hv_vcpu_t vcpu)
{
    uint64_t ctl, cval, offset;
    CHECK(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTV_CTL_EL0, &ctl));
    CHECK(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTV_CVAL_EL0, &cval));
    CHECK(hv_vcpu_get_vtimer_offset(vcpu, &offset));
    /* No timer armed: wait at most IDLE_TICKS (an IPI ends it earlier). */
    uint64_t now = mach_absolute_time(), wait = IDLE_TICKS;
    if ((ctl & 3) == 1) {
        uint64_t deadline = cval + offset;
        wait = deadline > now ? deadline - now : 0;
    }
    if (wait)
        CHECK(hvm_clock_advance(wait));
}

/* ---- vCPUs ---- */

static void *cpu_main(void *arg)
{
    struct cpu *c = arg;
    unsigned id = (unsigned)(c - vm.cpu);
    hv_vcpu_exit_t *ex;
    CHECK(hv_vcpu_create(&c->vcpu, &ex, NULL));
    pthread_mutex_lock(&vm.lock);
    c->created = true;
    pthread_cond_broadcast(&vm.cond);
    pthread_mutex_unlock(&vm.lock);
    CHECK(hv_vcpu_set_sys_reg(c->vcpu, HV_SYS_REG_MPIDR_EL1, (1ull << 31) | id));
    set(c->vcpu, HV_REG_PC, c->entry);
    set(c->vcpu, HV_REG_X0, c->context_id);
    set(c->vcpu, HV_REG_CPSR, 0x3c5); /* EL1h, DAIF masked */

    bool running = true;
    while (running && !atomic_load(&vm.stop)) {
        CHECK(hv_vcpu_run(c->vcpu));
        c->exits++;
        switch (ex->reason) {
        case HV_EXIT_REASON_EXCEPTION: {
            uint64_t esr = ex->exception.syndrome;
            unsigned ec = (unsigned)(esr >> 26) & 0x3f;
            if (ec == 0x24 && handle_mmio(c->vcpu, esr, ex->exception.physical_address)) {
                c->mmio++;
            } else if (ec == 0x18) { /* trapped MSR/MRS: the PMU, the debug OS lock */
                c->sysreg++;
                handle_sysreg(c->vcpu, esr);
            } else if (ec == 0x16) { /* HVC: PC is already past it */
                c->hvc++;
                running = handle_psci(c);
            } else if (ec == 0x01) { /* WFI/WFE: PC is on it */
                c->wfi++;
                /* WFE (ISS.TI = 1) waits for an event another CPU sends by
                 * a store or SEV, which no exit reports: it returns at once,
                 * as a yield. WFI waits for an interrupt or the timer. */
                if (!(esr & 1))
                    wait_for_interrupt(c->vcpu);
                set(c->vcpu, HV_REG_PC, get(c->vcpu, HV_REG_PC) + 4);
            } else {
                fprintf(stderr,
                        "\nlinux-vmm: vCPU %u: unexpected exception ESR 0x%llx at PC 0x%llx\n", id,
                        (unsigned long long)esr, (unsigned long long)get(c->vcpu, HV_REG_PC));
                vm.exit_code = 1;
                atomic_store(&vm.stop, true);
                running = false;
            }
            break;
        }
        case HV_EXIT_REASON_VTIMER_ACTIVATED:
            /* Only without the in-framework GIC, which takes the timer's PPI
             * itself: there is no other interrupt controller here. */
            break;
        case HV_EXIT_REASON_CANCELED: break;
        default:
            fprintf(stderr, "\nlinux-vmm: vCPU %u: unexpected exit reason %u\n", id, ex->reason);
            vm.exit_code = 1;
            atomic_store(&vm.stop, true);
            running = false;
        }
        uint64_t n = 0;
        CHECK(hvm_vcpu_get_instruction_count(c->vcpu, &n));
        c->insns = n;
        if (vm.max_insns && n >= vm.max_insns) {
            fprintf(stderr, "\nlinux-vmm: vCPU %u: instruction budget (%llu) used up\n", id,
                    (unsigned long long)vm.max_insns);
            vm.exit_code = 2;
            atomic_store(&vm.stop, true);
        }
    }
    if (atomic_load(&vm.stop)) { /* stop the others */
        hv_vcpu_t ids[MAX_CPUS];
        unsigned n = 0;
        pthread_mutex_lock(&vm.lock);
        for (unsigned i = 0; i < vm.ncpus; i++)
            if (vm.cpu[i].created && i != id && vm.cpu[i].state == CPU_ON)
                ids[n++] = vm.cpu[i].vcpu;
        pthread_mutex_unlock(&vm.lock);
        if (n)
            hv_vcpus_exit(ids, n);
    }
    CHECK(hv_vcpu_get_exec_time(c->vcpu, &c->exec_time));
    CHECK(hv_vcpu_destroy(c->vcpu));
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: linux-vmm -kernel IMAGE [-initrd FILE] [-append CMDLINE] [-smp N] "
                    "[-m MIB] [-max-insns N]\n");
}

int main(int argc, char **argv)
{
    const char *kernel = NULL, *initrd = NULL;
    const char *cmdline = "console=ttyAMA0 earlycon=pl011,0x9000000";
    unsigned long mib = 256;
    vm.ncpus = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (!strcmp(a, "-kernel"))
            kernel = v;
        else if (!strcmp(a, "-initrd"))
            initrd = v;
        else if (!strcmp(a, "-append"))
            cmdline = v;
        else if (!strcmp(a, "-smp"))
            vm.ncpus = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "-m"))
            mib = strtoul(v, NULL, 0);
        else if (!strcmp(a, "-max-insns"))
            vm.max_insns = strtoull(v, NULL, 0);
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (!kernel || vm.ncpus < 1 || vm.ncpus > MAX_CPUS || mib < 192 || mib > 4096) {
        usage();
        return 2;
    }
    vm.ram_size = (size_t)mib << 20;
    pthread_mutex_init(&vm.lock, NULL);
    pthread_cond_init(&vm.cond, NULL);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    CHECK(hv_vm_create(NULL));
    hv_gic_config_t gc = hv_gic_config_create();
    if (gc && hv_gic_config_set_distributor_base(gc, GICD_BASE) == HV_SUCCESS &&
        hv_gic_config_set_redistributor_base(gc, GICR_BASE) == HV_SUCCESS &&
        hv_gic_create(gc) == HV_SUCCESS)
        vm.gic = true;
    else
        fprintf(stderr, "linux-vmm: no in-framework GIC: the kernel will find no interrupt "
                        "controller\n");
    if (gc)
        os_release(gc);

    CHECK(hv_vm_allocate((void **)&vm.ram, vm.ram_size, HV_ALLOCATE_DEFAULT));
    uint64_t image_size;
    if (!load_kernel(kernel, &image_size))
        return 1;
    size_t initrd_len = 0;
    if (initrd) {
        uint8_t *rd = read_file(initrd, &initrd_len);
        if (!rd)
            return 1;
        if (INITRD_OFF + initrd_len > vm.ram_size - (2u << 20)) {
            fprintf(stderr, "linux-vmm: %s does not fit in %lu MiB of RAM\n", initrd, mib);
            return 1;
        }
        memcpy(vm.ram + INITRD_OFF, rd, initrd_len);
        free(rd);
    }
    uint64_t dtb_off = vm.ram_size - (2u << 20);
    if (!build_fdt(vm.ram + dtb_off, cmdline, RAM_BASE + INITRD_OFF, initrd_len)) {
        fprintf(stderr, "linux-vmm: the device tree does not fit in %u bytes\n", DTB_SIZE);
        return 1;
    }
    CHECK(hv_vm_map(vm.ram, RAM_BASE, vm.ram_size,
                    HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));

    /* The boot vCPU: x0 = the device tree, the MMU off, at EL1. */
    struct cpu *boot = &vm.cpu[0];
    boot->state = CPU_ON;
    boot->entry = RAM_BASE + KERNEL_OFF;
    boot->context_id = RAM_BASE + dtb_off;
    cpu_main(boot);
    for (unsigned i = 1; i < vm.ncpus; i++)
        if (vm.cpu[i].created)
            pthread_join(vm.cpu[i].thread, NULL);

    printf("\n--- linux-vmm: %u vCPU(s) ---\n", vm.ncpus);
    for (unsigned i = 0; i < vm.ncpus; i++)
        printf("vCPU %u: %llu exits (%llu MMIO, %llu HVC, %llu WFI, %llu system register), "
               "%llu instructions\n",
               i, vm.cpu[i].exits, vm.cpu[i].mmio, vm.cpu[i].hvc, vm.cpu[i].wfi, vm.cpu[i].sysreg,
               vm.cpu[i].insns);
    printf("guest time: %.3f s (vCPU 0's execution time on the virtual clock)\n",
           (double)boot->exec_time / TIMER_HZ);
    fflush(stdout);
    CHECK(hv_vm_unmap(RAM_BASE, vm.ram_size));
    CHECK(hv_vm_destroy());
    CHECK(hv_vm_deallocate(vm.ram, vm.ram_size));
    return vm.exit_code;
}
