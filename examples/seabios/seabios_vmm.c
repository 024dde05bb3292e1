/*
 * seabios_vmm.c — a small VMM written against Apple's Hypervisor.framework
 * (Intel/VMX) API, the way a macOS VMM is written: it runs a PC BIOS
 * (SeaBIOS, as Debian ships it for QEMU) from the reset vector, through its
 * real-mode and 32-bit protected-mode code, and serves the few PC devices
 * a BIOS needs through port-I/O exits:
 *
 *   0x402        debug console (SeaBIOS's log: printed on stdout)
 *   0x3f8-0x3ff  a 16550 UART (transmitter always empty; output printed)
 *   0x70/0x71    CMOS/RTC with the memory size, a fixed date
 *   0xcf8/0xcfc  PCI configuration: one i440FX host bridge, nothing else
 *   0x20/0x21, 0xa0/0xa1  the two 8259 PICs (masks, vector base, EOI)
 *   0x40-0x43, 0x61       the 8254 PIT (channel 0 -> IRQ 0, channel 2 gate)
 *   0x92         system control port A (A20)
 * and every other port reads as an empty ISA bus (all ones). The PIT runs
 * on the framework's clock (mach_absolute_time); IRQ 0 is injected through
 * VMCS_CTRL_VMENTRY_IRQ_INFO when the guest can take it.
 *
 * The BIOS image sits at the top of 4 GiB (read-only, like a flash part)
 * and its last 128 KiB also at 0xe0000-0xfffff, in RAM, where the BIOS
 * unlocks and writes it (what the chipset's shadow-RAM registers do).
 *
 * The VMM exits 0 when SeaBIOS reports that no bootable device was found,
 * and 1 on anything unexpected: an exit it does not serve, a guest reset
 * or shutdown, or when the run goes over its exit or guest-time budget.
 *
 * Usage: seabios-vmm [bios.bin]  (default /usr/share/seabios/bios.bin)
 * Exit status: 0 at SeaBIOS's boot failure, 77 when the image does not
 * exist, 1 otherwise. SEABIOS_VMM_TRACE=1 lists every exit on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#include <mach/mach_time.h>
#ifdef HVMODEL_FLAVOR_X86
#include <hvmodel.h>
#endif

#define DEFAULT_BIOS "/usr/share/seabios/bios.bin"

#define RAM_SIZE   (32u << 20)
#define SHADOW_LO  0xe0000u /* the BIOS's last 128 KiB, in RAM */
#define SHADOW_LEN 0x20000u
#define GIB4       0x100000000ull

/* Budgets: a BIOS that runs longer than this is stuck. */
#define MAX_EXITS      5000000u
#define MAX_GUEST_SECS 300u

/* The framework's clock: 24 MHz in hvmodel (mach_timebase_info 125/3). */
#define CLOCK_HZ 24000000ull
#define PIT_HZ   1193182ull

#define CHECK(call)                                                                                \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS) {                                                                    \
            fprintf(stderr, "%s failed: 0x%x\n", #call, (unsigned)r_);                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static hv_vcpuid_t vcpu;

static uint64_t rvmcs(uint32_t field)
{
    uint64_t v;
    CHECK(hv_vmx_vcpu_read_vmcs(vcpu, field, &v));
    return v;
}

static void wvmcs(uint32_t field, uint64_t v)
{
    CHECK(hv_vmx_vcpu_write_vmcs(vcpu, field, v));
}

static uint64_t rreg(hv_x86_reg_t r)
{
    uint64_t v;
    CHECK(hv_vcpu_read_register(vcpu, r, &v));
    return v;
}

static void wreg(hv_x86_reg_t r, uint64_t v)
{
    CHECK(hv_vcpu_write_register(vcpu, r, v));
}

/* A control value the capability allows: (want | must-be-1) & may-be-1. */
static uint64_t cap2ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c;
    CHECK(hv_vmx_read_capability(cap, &c));
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

/* ---- devices ---- */

struct pic {
    uint8_t imr, irr, isr, base;
    uint8_t icw_step; /* 0: operational; 2..4: next ICW expected */
    bool icw4, read_isr;
};

struct pit_chan {
    uint32_t reload; /* 1..65536 */
    uint8_t mode, access;
    uint64_t start; /* clock time the count was loaded */
    bool lo_next_w, lo_next_r, latched, armed;
    uint16_t latch, wbuf;
};

static struct {
    uint8_t *ram, *rom;
    size_t rom_size;
    uint8_t cmos[128], cmos_idx;
    uint32_t pci_addr;
    uint8_t host_bridge[256];
    struct pic pic[2];
    struct pit_chan pit[3];
    uint64_t irq0_seen; /* channel-0 periods already turned into IRQ 0 */
    uint8_t port61, port92;
    uint8_t uart_ier, uart_lcr, uart_mcr, uart_scr, uart_dll, uart_dlm;
    char line[512];
    size_t line_len;
    bool no_boot, done;
} m;

struct stats {
    uint64_t io, mmio, cpuid, hlt, cr, msr, timer, irqs, other;
};
static struct stats st;

/* -- console: the debug port and the UART both print -- */

static void console_putc(uint8_t c)
{
    putchar(c);
    if (c == '\n' || m.line_len == sizeof(m.line) - 1) {
        m.line[m.line_len] = 0;
        if (strstr(m.line, "No bootable device"))
            m.no_boot = true;
        m.line_len = 0;
        if (m.no_boot)
            m.done = true;
        return;
    }
    m.line[m.line_len++] = (char)c;
}

/* -- 8254 PIT -- */

static uint64_t now(void)
{
    return mach_absolute_time();
}

static uint64_t pit_elapsed(const struct pit_chan *c)
{
    return (now() - c->start) * PIT_HZ / CLOCK_HZ;
}

static uint16_t pit_count(const struct pit_chan *c)
{
    if (!c->armed)
        return (uint16_t)c->reload;
    uint64_t e = pit_elapsed(c);
    if (c->mode == 0 || c->mode == 1)
        return e >= c->reload ? (uint16_t)(0x10000u - (e - c->reload) % 0x10000u)
                              : (uint16_t)(c->reload - e);
    return (uint16_t)(c->reload - e % c->reload);
}

/* OUT of channel 2 (mode 0: high once the count has run out). */
static bool pit_out2(void)
{
    const struct pit_chan *c = &m.pit[2];
    if (!c->armed || !(m.port61 & 1))
        return false;
    if (c->mode == 0 || c->mode == 1)
        return pit_elapsed(c) >= c->reload;
    return pit_count(c) > c->reload / 2;
}

static void pit_load(unsigned ch, uint16_t count)
{
    struct pit_chan *c = &m.pit[ch];
    c->reload = count ? count : 0x10000u;
    c->start = now();
    c->armed = true;
    if (ch == 0)
        m.irq0_seen = 0;
}

static void pit_write(unsigned port, uint8_t v)
{
    if (port == 0x43) {
        unsigned ch = v >> 6;
        if (ch == 3) { /* read-back: latch the selected counts */
            for (unsigned i = 0; i < 3; i++)
                if (!(v & 0x20) && (v & (2u << i))) {
                    m.pit[i].latch = pit_count(&m.pit[i]);
                    m.pit[i].latched = true;
                    m.pit[i].lo_next_r = true;
                }
            return;
        }
        struct pit_chan *c = &m.pit[ch];
        if (!(v & 0x30)) { /* counter latch */
            c->latch = pit_count(c);
            c->latched = true;
            c->lo_next_r = true;
            return;
        }
        c->access = (v >> 4) & 3u;
        c->mode = (v >> 1) & 7u;
        if (c->mode > 5)
            c->mode &= 3u;
        c->lo_next_w = c->lo_next_r = true;
        c->armed = false;
        return;
    }
    struct pit_chan *c = &m.pit[port - 0x40];
    switch (c->access) {
    case 1: pit_load(port - 0x40, v); break;
    case 2: pit_load(port - 0x40, (uint16_t)(v << 8)); break;
    default:
        if (c->lo_next_w) {
            c->wbuf = v;
            c->lo_next_w = false;
        } else {
            pit_load(port - 0x40, (uint16_t)(c->wbuf | v << 8));
            c->lo_next_w = true;
        }
    }
}

static uint8_t pit_read(unsigned port)
{
    struct pit_chan *c = &m.pit[port - 0x40];
    uint16_t v = c->latched ? c->latch : pit_count(c);
    if (c->access == 1)
        return (uint8_t)v;
    if (c->access == 2)
        return (uint8_t)(v >> 8);
    uint8_t r = c->lo_next_r ? (uint8_t)v : (uint8_t)(v >> 8);
    if (!c->lo_next_r)
        c->latched = false;
    c->lo_next_r = !c->lo_next_r;
    return r;
}

/* Channel 0 raises IRQ 0 at the end of every period (modes 2 and 3). */
static void pit_update_irq0(void)
{
    struct pit_chan *c = &m.pit[0];
    if (!c->armed)
        return;
    uint64_t periods = pit_elapsed(c) / c->reload;
    if (periods > m.irq0_seen) {
        m.irq0_seen = periods;
        m.pic[0].irr |= 1;
    }
}

/* Clock time of the next IRQ 0 (UINT64_MAX: none). */
static uint64_t pit_next_irq0(void)
{
    const struct pit_chan *c = &m.pit[0];
    if (!c->armed)
        return UINT64_MAX;
    uint64_t pit_ticks = (m.irq0_seen + 1) * c->reload;
    return c->start + (pit_ticks * CLOCK_HZ + PIT_HZ - 1) / PIT_HZ;
}

/* -- 8259 PICs -- */

static void pic_write(unsigned port, uint8_t v)
{
    struct pic *p = &m.pic[port >= 0xa0];
    if (!(port & 1)) {
        if (v & 0x10) { /* ICW1 */
            p->icw4 = v & 1;
            p->icw_step = 2;
            p->imr = 0;
            p->isr = p->irr = 0;
        } else if ((v & 0x18) == 0x08) { /* OCW3 */
            if (v & 2)
                p->read_isr = v & 1;
        } else if ((v & 0xe0) == 0x20) { /* non-specific EOI */
            p->isr &= (uint8_t)(p->isr - 1);
        } else if ((v & 0xe0) == 0x60) { /* specific EOI */
            p->isr &= (uint8_t) ~(1u << (v & 7));
        }
        return;
    }
    switch (p->icw_step) {
    case 2:
        p->base = v & 0xf8;
        p->icw_step = 3;
        break;
    case 3: p->icw_step = p->icw4 ? 4 : 0; break;
    case 4: p->icw_step = 0; break;
    default: p->imr = v;
    }
}

static uint8_t pic_read(unsigned port)
{
    struct pic *p = &m.pic[port >= 0xa0];
    if (port & 1)
        return p->imr;
    return p->read_isr ? p->isr : p->irr;
}

/* The vector the master PIC would hand out now, or -1 (only IRQ 0 is
 * ever raised here). */
static int pic_pending(void)
{
    struct pic *p = &m.pic[0];
    uint8_t ready = p->irr & (uint8_t)~p->imr;
    if (!(ready & 1) || (p->isr & 1))
        return -1;
    return p->base;
}

static void pic_ack(void)
{
    m.pic[0].irr &= (uint8_t)~1u;
    m.pic[0].isr |= 1;
}

/* -- CMOS / RTC -- */

static void cmos_init(void)
{
    /* A fixed date (the run must not depend on the host's clock):
     * 2024-01-01 00:00:00, BCD, 24-hour. */
    static const uint8_t rtc[10] = {0x00, 0, 0x00, 0, 0x00, 0, 0x02, 0x01, 0x01, 0x24};
    memcpy(m.cmos, rtc, sizeof(rtc));
    m.cmos[0x0a] = 0x26; /* 32.768 kHz base, 1024 Hz rate, no update in progress */
    m.cmos[0x0b] = 0x02; /* 24-hour, BCD */
    m.cmos[0x0d] = 0x80; /* battery good */
    m.cmos[0x14] = 0x06; /* equipment: FPU, a video card of the EGA/VGA kind */
    m.cmos[0x15] = 0x80; /* 640 KiB base memory */
    m.cmos[0x16] = 0x02;
    /* Extended memory: KiB between 1 and 16 MiB, 64 KiB blocks above 16 MiB. */
    uint32_t ext_kib = (16u << 10) - 1024u;
    m.cmos[0x17] = m.cmos[0x30] = (uint8_t)ext_kib;
    m.cmos[0x18] = m.cmos[0x31] = (uint8_t)(ext_kib >> 8);
    uint32_t hi64k = (RAM_SIZE - (16u << 20)) >> 16;
    m.cmos[0x34] = (uint8_t)hi64k;
    m.cmos[0x35] = (uint8_t)(hi64k >> 8);
    m.cmos[0x32] = 0x20; /* century, BCD */
}

/* -- PCI: configuration mechanism #1, one host bridge at 00:00.0 -- */

static void pci_init(void)
{
    uint8_t *c = m.host_bridge;
    c[0x00] = 0x86; /* Intel 82441FX (i440FX) */
    c[0x01] = 0x80;
    c[0x02] = 0x37;
    c[0x03] = 0x12;
    c[0x04] = 0x06; /* memory and bus-master enabled */
    c[0x06] = 0x80;
    c[0x07] = 0x02;
    c[0x08] = 0x02; /* revision */
    c[0x0b] = 0x06; /* class: bridge, host */
    c[0x59] = 0x00; /* PAM0: 0xf0000 segment reads the flash (reset value) */
}

static uint32_t pci_cfg_read(unsigned off, unsigned size)
{
    uint32_t a = m.pci_addr;
    if (!(a & 0x80000000u) || (a & 0x00fff800u)) /* disabled, or not bus 0 device 0 fn 0 */
        return 0xffffffffu;
    unsigned reg = (a & 0xfcu) + off;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)m.host_bridge[(reg + i) & 0xffu] << (8 * i);
    return v;
}

static void pci_cfg_write(unsigned off, unsigned size, uint32_t v)
{
    uint32_t a = m.pci_addr;
    if (!(a & 0x80000000u) || (a & 0x00fff800u))
        return;
    unsigned reg = (a & 0xfcu) + off;
    for (unsigned i = 0; i < size; i++) {
        unsigned r = (reg + i) & 0xffu;
        if (r >= 0x40) /* chipset registers (PAM, SMRAM...): stored */
            m.host_bridge[r] = (uint8_t)(v >> (8 * i));
    }
}

/* -- the port space -- */

static bool port_reset_requested;

static uint32_t port_in(unsigned port, unsigned size)
{
    switch (port) {
    case 0x402: return 0xe9; /* the debug console answers its read-back byte */
    case 0x70: return m.cmos_idx;
    case 0x71: return m.cmos[m.cmos_idx & 0x7f];
    case 0x20:
    case 0x21:
    case 0xa0:
    case 0xa1: return pic_read(port);
    case 0x40:
    case 0x41:
    case 0x42: return pit_read(port);
    case 0x61: {
        /* bit 5: PIT channel 2 output; bit 4: the refresh request that
         * toggles every 15 us */
        uint64_t refresh = (now() * 1000000ull / CLOCK_HZ / 15u) & 1u;
        return (m.port61 & 0x0f) | (uint32_t)refresh << 4 | (pit_out2() ? 0x20u : 0u);
    }
    case 0x92: return m.port92;
    case 0x3f9: return m.uart_lcr & 0x80 ? m.uart_dlm : m.uart_ier;
    case 0x3f8: return m.uart_lcr & 0x80 ? m.uart_dll : 0;
    case 0x3fa: return (m.uart_ier & 0x02) ? 0x02 : 0x01; /* THR empty is the only source */
    case 0x3fb: return m.uart_lcr;
    case 0x3fc: return m.uart_mcr;
    case 0x3fd: return 0x60; /* LSR: transmitter holding and shift registers empty */
    case 0x3fe: return 0xb0; /* MSR: DCD, DSR, CTS */
    case 0x3ff: return m.uart_scr;
    }
    if (port >= 0xcfc && port <= 0xcff)
        return pci_cfg_read(port - 0xcfc, size);
    if (port == 0xcf8 && size == 4)
        return m.pci_addr;
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1u; /* empty ISA bus */
}

static void port_out(unsigned port, unsigned size, uint32_t v)
{
    switch (port) {
    case 0x402: console_putc((uint8_t)v); return;
    case 0x70: m.cmos_idx = (uint8_t)v; return;
    case 0x71:
        if ((m.cmos_idx & 0x7f) >= 0x0e || (m.cmos_idx & 0x7f) == 0x0b)
            m.cmos[m.cmos_idx & 0x7f] = (uint8_t)v;
        return;
    case 0x20:
    case 0x21:
    case 0xa0:
    case 0xa1: pic_write(port, (uint8_t)v); return;
    case 0x40:
    case 0x41:
    case 0x42:
    case 0x43: pit_write(port, (uint8_t)v); return;
    case 0x61:
        if ((v & 1) && !(m.port61 & 1) && m.pit[2].armed)
            m.pit[2].start = now(); /* the gate's rising edge starts the count */
        m.port61 = (uint8_t)v;
        return;
    case 0x92:
        if (v & 1)
            port_reset_requested = true;
        m.port92 = (uint8_t)(v & ~1u);
        return;
    case 0x64:
        if ((v & 0xff) == 0xfe)
            port_reset_requested = true;
        return;
    case 0xcf9:
        if (v & 4)
            port_reset_requested = true;
        return;
    case 0x3f8:
        if (m.uart_lcr & 0x80)
            m.uart_dll = (uint8_t)v;
        else
            console_putc((uint8_t)v);
        return;
    case 0x3f9:
        if (m.uart_lcr & 0x80)
            m.uart_dlm = (uint8_t)v;
        else
            m.uart_ier = (uint8_t)(v & 0x0f);
        return;
    case 0x3fb: m.uart_lcr = (uint8_t)v; return;
    case 0x3fc: m.uart_mcr = (uint8_t)v; return;
    case 0x3ff: m.uart_scr = (uint8_t)v; return;
    }
    if (port == 0xcf8 && size == 4) {
        m.pci_addr = v;
        return;
    }
    if (port >= 0xcfc && port <= 0xcff)
        pci_cfg_write(port - 0xcfc, size, v);
    /* everything else: an empty bus */
}

/* ---- exits ---- */

static void advance_rip(void)
{
    wreg(HV_X86_RIP, rreg(HV_X86_RIP) + rvmcs(VMCS_RO_VMEXIT_INSTR_LEN));
    /* Completing the instruction ends any STI / MOV SS shadow. */
    wvmcs(VMCS_GUEST_INTERRUPTIBILITY, 0);
}

static bool handle_io(void)
{
    uint64_t q = rvmcs(VMCS_RO_EXIT_QUALIFIC);
    unsigned size = (unsigned)(q & 7u) + 1u;
    bool in = (q >> 3) & 1u, string = (q >> 4) & 1u;
    unsigned port = (unsigned)(q >> 16) & 0xffffu;
    if (string) {
        fprintf(stderr, "seabios-vmm: string I/O on port 0x%x is not served\n", port);
        return false;
    }
    st.io++;
    if (in) {
        uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1u;
        uint64_t rax = rreg(HV_X86_RAX);
        uint64_t val = port_in(port, size) & mask;
        /* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
        wreg(HV_X86_RAX, size == 4 ? val : (rax & ~mask) | val);
    } else {
        port_out(port, size,
                 (uint32_t)rreg(HV_X86_RAX) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1u));
    }
    advance_rip();
    return true;
}

static void handle_cpuid(void)
{
    uint32_t leaf = (uint32_t)rreg(HV_X86_RAX);
    uint32_t a = 0, b = 0, c = 0, d = 0;
    switch (leaf) {
    case 0:
        a = 1;
        memcpy(&b, "Genu", 4);
        memcpy(&d, "ineI", 4);
        memcpy(&c, "ntel", 4);
        break;
    case 1:
        a = 0x000006f1; /* family 6, model 15, stepping 1 */
        /* FPU, PSE, TSC, CX8, CMOV, FXSR, SSE, SSE2: no APIC, no MTRRs,
         * no MSRs the VMM would have to serve */
        d = 1u << 0 | 1u << 3 | 1u << 4 | 1u << 8 | 1u << 15 | 1u << 24 | 1u << 25 | 1u << 26;
        break;
    case 0x80000000: a = 0x80000000; break;
    default: break;
    }
    wreg(HV_X86_RAX, a);
    wreg(HV_X86_RBX, b);
    wreg(HV_X86_RCX, c);
    wreg(HV_X86_RDX, d);
    st.cpuid++;
    advance_rip();
}

/* CR0 is shadowed: the guest sees its own CD/NW/NE in the read shadow;
 * the real CR0 keeps NE set and caching on. */
#define CR0_MASK 0x60000020ull
static void set_guest_cr0(uint64_t view)
{
    wvmcs(VMCS_CTRL_CR0_SHADOW, view);
    wvmcs(VMCS_GUEST_CR0, (view | 0x30u) & ~0x60000000ull);
}

static bool handle_cr(void)
{
    uint64_t q = rvmcs(VMCS_RO_EXIT_QUALIFIC);
    unsigned cr = q & 15u, type = (q >> 4) & 3u, gpr = (q >> 8) & 15u;
    static const hv_x86_reg_t gprs[16] = {HV_X86_RAX, HV_X86_RCX, HV_X86_RDX, HV_X86_RBX,
                                          HV_X86_RSP, HV_X86_RBP, HV_X86_RSI, HV_X86_RDI,
                                          HV_X86_R8,  HV_X86_R9,  HV_X86_R10, HV_X86_R11,
                                          HV_X86_R12, HV_X86_R13, HV_X86_R14, HV_X86_R15};
    if (type != 0 || (cr != 0 && cr != 4)) {
        fprintf(stderr, "seabios-vmm: CR access not served (qualification 0x%llx)\n",
                (unsigned long long)q);
        return false;
    }
    uint64_t v = rreg(gprs[gpr]);
    if (cr == 0) {
        if ((v & 0x80000000u) || !(v & 0x10u)) {
            fprintf(stderr, "seabios-vmm: CR0 write 0x%llx not served\n", (unsigned long long)v);
            return false;
        }
        set_guest_cr0(v);
    } else {
        wvmcs(VMCS_CTRL_CR4_SHADOW, v);
        wvmcs(VMCS_GUEST_CR4, v | 0x2000u);
    }
    st.cr++;
    advance_rip();
    return true;
}

static void handle_msr(bool write)
{
    /* No MSR beyond the native ones is implemented: reads give 0, writes
     * are ignored (SeaBIOS asks for none on this CPU). */
    if (!write) {
        wreg(HV_X86_RAX, 0);
        wreg(HV_X86_RDX, 0);
    }
    st.msr++;
    advance_rip();
}

/* Guest-physical memory the VMM can read (instruction fetches). */
static const uint8_t *guest_ptr(uint64_t gpa, size_t len)
{
    if (gpa + len <= RAM_SIZE)
        return m.ram + gpa;
    if (gpa >= GIB4 - m.rom_size && gpa + len <= GIB4)
        return m.rom + (gpa - (GIB4 - m.rom_size));
    return NULL;
}

/* The length of a ModRM memory operand's encoding (ModRM, SIB, disp). */
static unsigned modrm_len(const uint8_t *p, bool addr32)
{
    unsigned mod = p[0] >> 6, rm = p[0] & 7u, n = 1;
    if (!addr32)
        return n + (mod == 1 ? 1u : mod == 2 || (mod == 0 && rm == 6) ? 2u : 0u);
    if (rm == 4) {
        n++;
        if (mod == 0 && (p[1] & 7u) == 5)
            n += 4;
    }
    if (mod == 1)
        n += 1;
    else if (mod == 2 || (mod == 0 && rm == 5))
        n += 4;
    return n;
}

/* Memory-mapped I/O with nothing behind it (the local APIC's page, whose
 * CPUID bit this CPU does not set, and any other hole): reads return all
 * ones, writes are dropped. The VMM decodes the MOV itself, as VMMs do: an
 * EPT violation carries no instruction length. */
static bool handle_mmio(void)
{
    uint64_t gpa = rvmcs(VMCS_GUEST_PHYSICAL_ADDRESS);
    uint64_t q = rvmcs(VMCS_RO_EXIT_QUALIFIC);
    if ((q & 4u) || (gpa < GIB4 && gpa >= GIB4 - m.rom_size && !(q & 2u)))
        return false; /* fetching from a hole */
    bool addr32 = (rvmcs(VMCS_GUEST_CS_AR) >> 14) & 1u, op32 = addr32;
    uint64_t rip = rreg(HV_X86_RIP);
    const uint8_t *p = guest_ptr(rvmcs(VMCS_GUEST_CS_BASE) + rip, 15);
    if (!p)
        return false;
    unsigned i = 0;
    for (;; i++) {
        if (p[i] == 0x66)
            op32 = !op32;
        else if (p[i] == 0x67)
            addr32 = !addr32;
        else if (p[i] != 0x26 && p[i] != 0x2e && p[i] != 0x36 && p[i] != 0x3e && p[i] != 0x64 &&
                 p[i] != 0x65)
            break;
    }
    unsigned op = p[i++], size = op32 ? 4u : 2u, imm = 0;
    bool load;
    switch (op) {
    case 0x8a: size = 1; /* fall through */
    case 0x8b: load = true; break;
    case 0x88: size = 1; /* fall through */
    case 0x89: load = false; break;
    case 0xc6: size = 1, imm = 1, load = false; break;
    case 0xc7: imm = size, load = false; break;
    case 0xa0: size = 1; /* fall through */
    case 0xa1: load = true; break;
    case 0xa2: size = 1; /* fall through */
    case 0xa3: load = false; break;
    default: return false;
    }
    bool moffs = op >= 0xa0; /* MOV between the accumulator and an absolute address */
    unsigned reg = moffs ? 0 : (p[i] >> 3) & 7u;
    unsigned len = i + (moffs ? (addr32 ? 4u : 2u) : modrm_len(p + i, addr32)) + imm;
    if (load) {
        static const hv_x86_reg_t gprs[8] = {HV_X86_RAX, HV_X86_RCX, HV_X86_RDX, HV_X86_RBX,
                                             HV_X86_RSP, HV_X86_RBP, HV_X86_RSI, HV_X86_RDI};
        if (size == 1) { /* AL..BH */
            hv_x86_reg_t r = gprs[reg & 3u];
            uint64_t shift = reg >= 4 ? 8 : 0;
            wreg(r, rreg(r) | (0xffull << shift));
        } else {
            hv_x86_reg_t r = gprs[reg];
            wreg(r, size == 4 ? 0xffffffffull : rreg(r) | 0xffffu);
        }
    }
    wreg(HV_X86_RIP, rip + len);
    st.mmio++;
    return true;
}

/* Injects IRQ 0 if the PIC has it ready and the guest can take it. */
static void maybe_inject(void)
{
    pit_update_irq0();
    int vec = pic_pending();
    if (vec < 0)
        return;
    if (!(rreg(HV_X86_RFLAGS) & 0x200u) || (rvmcs(VMCS_GUEST_INTERRUPTIBILITY) & 3u))
        return;
    if (rvmcs(VMCS_CTRL_VMENTRY_IRQ_INFO) & IRQ_INFO_VALID)
        return;
    pic_ack();
    wvmcs(VMCS_CTRL_VMENTRY_IRQ_INFO, IRQ_INFO_VALID | IRQ_INFO_EXT_IRQ | (uint32_t)vec);
    st.irqs++;
}

/* HLT with interrupts enabled: the guest sleeps until IRQ 0. */
static bool handle_hlt(void)
{
    st.hlt++;
    advance_rip();
    pit_update_irq0();
    bool can_wake = (rreg(HV_X86_RFLAGS) & 0x200u) && !(m.pic[0].imr & 1) && m.pit[0].armed;
    if (!can_wake) {
        fprintf(stderr, "seabios-vmm: the guest halted with no interrupt to wake it\n");
        return false;
    }
    if (pic_pending() < 0) {
        uint64_t next = pit_next_irq0(), t = now();
        if (next > t) {
#ifdef HVMODEL_FLAVOR_X86
            /* hvmodel's clock only moves with the guest: skip the idle time. */
            CHECK(hvm_clock_advance(next - t));
#else
            mach_wait_until(next);
#endif
        }
    }
    return true;
}

static const char *reason_name(uint32_t r)
{
    switch (r) {
    case VMX_REASON_EXC_NMI: return "exception";
    case VMX_REASON_TRIPLE_FAULT: return "triple fault";
    case VMX_REASON_EPT_VIOLATION: return "EPT violation";
    case VMX_REASON_VMCALL: return "VMCALL";
    case VMX_REASON_MOV_DR: return "MOV DR";
    default: return "exit";
    }
}

static int report_unexpected(uint32_t reason)
{
    fflush(stdout);
    fprintf(stderr,
            "seabios-vmm: unexpected %s (reason %u) at CS 0x%llx RIP 0x%llx: qualification "
            "0x%llx, interruption info 0x%llx, GPA 0x%llx\n",
            reason_name(reason), reason, (unsigned long long)rreg(HV_X86_CS),
            (unsigned long long)rreg(HV_X86_RIP), (unsigned long long)rvmcs(VMCS_RO_EXIT_QUALIFIC),
            (unsigned long long)rvmcs(VMCS_RO_VMEXIT_IRQ_INFO),
            (unsigned long long)rvmcs(VMCS_GUEST_PHYSICAL_ADDRESS));
    return 1;
}

/* ---- set-up ---- */

static uint8_t *load_bios(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "seabios-vmm: cannot open %s: %s\n", path, strerror(errno));
        if (errno == ENOENT)
            exit(77); /* no image installed: the test suite's "skipped" */
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len < (long)SHADOW_LEN || len > (16l << 20) || (len & 0xfff)) {
        fprintf(stderr, "seabios-vmm: %s: a BIOS image is 128 KiB to 16 MiB, in 4 KiB pages\n",
                path);
        fclose(f);
        return NULL;
    }
    uint8_t *rom = NULL;
    if (hv_vm_allocate((void **)&rom, (size_t)len, HV_ALLOCATE_DEFAULT) != HV_SUCCESS ||
        fread(rom, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "seabios-vmm: cannot read %s\n", path);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return rom;
}

static void setup_vcpu(void)
{
    CHECK(hv_vcpu_create(&vcpu, HV_VCPU_DEFAULT));
    wvmcs(VMCS_CTRL_PIN_BASED, cap2ctrl(HV_VMX_CAP_PINBASED, 0));
    wvmcs(VMCS_CTRL_CPU_BASED,
          cap2ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT | CPU_BASED_SECONDARY_CTLS));
    wvmcs(VMCS_CTRL_CPU_BASED2, cap2ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    wvmcs(VMCS_CTRL_VMENTRY_CONTROLS, cap2ctrl(HV_VMX_CAP_ENTRY, 0));
    wvmcs(VMCS_CTRL_VMEXIT_CONTROLS, cap2ctrl(HV_VMX_CAP_EXIT, 0));
    /* Every exception exits: a BIOS that faults is a failure here. */
    wvmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    wvmcs(VMCS_CTRL_CR0_MASK, CR0_MASK);
    wvmcs(VMCS_CTRL_CR4_MASK, 0x2000); /* VMXE is the host's */
    wvmcs(VMCS_CTRL_CR4_SHADOW, 0);

    /* The power-on state: CS F000 with base FFFF0000, IP FFF0. */
    static const uint32_t segs[] = {VMCS_GUEST_ES, VMCS_GUEST_SS, VMCS_GUEST_DS, VMCS_GUEST_FS,
                                    VMCS_GUEST_GS};
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        wvmcs(segs[i], 0);
        wvmcs(segs[i] + 0x4000, 0xffff); /* limit */
        wvmcs(segs[i] + 0x4014, 0x93);   /* access rights: data, read/write, accessed */
        wvmcs(segs[i] + 0x6006, 0);      /* base */
    }
    wvmcs(VMCS_GUEST_CS, 0xf000);
    wvmcs(VMCS_GUEST_CS_LIMIT, 0xffff);
    wvmcs(VMCS_GUEST_CS_AR, 0x9b);
    wvmcs(VMCS_GUEST_CS_BASE, 0xffff0000);
    wvmcs(VMCS_GUEST_LDTR, 0);
    wvmcs(VMCS_GUEST_LDTR_LIMIT, 0xffff);
    wvmcs(VMCS_GUEST_LDTR_AR, 0x82);
    wvmcs(VMCS_GUEST_LDTR_BASE, 0);
    wvmcs(VMCS_GUEST_TR, 0);
    wvmcs(VMCS_GUEST_TR_LIMIT, 0xffff);
    wvmcs(VMCS_GUEST_TR_AR, 0x8b);
    wvmcs(VMCS_GUEST_TR_BASE, 0);
    wvmcs(VMCS_GUEST_GDTR_BASE, 0);
    wvmcs(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    wvmcs(VMCS_GUEST_IDTR_BASE, 0);
    wvmcs(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    set_guest_cr0(0x60000010); /* CD, NW, ET: the reset value */
    wvmcs(VMCS_GUEST_CR3, 0);
    wvmcs(VMCS_GUEST_CR4, 0x2000);
    wvmcs(VMCS_GUEST_IA32_EFER, 0);
    wvmcs(VMCS_GUEST_INTERRUPTIBILITY, 0);
    wvmcs(VMCS_GUEST_ACTIVITY_STATE, 0);
    wreg(HV_X86_RIP, 0xfff0);
    wreg(HV_X86_RFLAGS, 0x2);
    wreg(HV_X86_RSP, 0);
    wreg(HV_X86_RDX, 0x6f1); /* the processor signature, as after RESET */
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : DEFAULT_BIOS;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    CHECK(hv_vm_create(HV_VM_DEFAULT));
    m.rom = load_bios(path, &m.rom_size);
    if (!m.rom)
        return 1;
    CHECK(hv_vm_allocate((void **)&m.ram, RAM_SIZE, HV_ALLOCATE_DEFAULT));
    memset(m.ram, 0, RAM_SIZE);
    memcpy(m.ram + SHADOW_LO, m.rom + m.rom_size - SHADOW_LEN, SHADOW_LEN);
    CHECK(hv_vm_map(m.ram, 0, RAM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));
    CHECK(hv_vm_map(m.rom, GIB4 - m.rom_size, m.rom_size, HV_MEMORY_READ | HV_MEMORY_EXEC));
    cmos_init();
    pci_init();
    m.pic[0].imr = m.pic[1].imr = 0xff;
    setup_vcpu();

    /* SEABIOS_VMM_TRACE=1 lists every exit on stderr. */
    const char *tr = getenv("SEABIOS_VMM_TRACE");
    bool trace = tr && *tr && *tr != '0';
    /* SEABIOS_VMM_EXITS=N stops cleanly after N exits (a short recording). */
    const char *lim = getenv("SEABIOS_VMM_EXITS");
    uint64_t exit_limit = lim && *lim ? strtoull(lim, NULL, 0) : 0;
    int rc = 0;
    uint64_t exits = 0;
    bool stopped_at_limit = false;
    const uint64_t time_limit = (uint64_t)MAX_GUEST_SECS * CLOCK_HZ;
    for (;;) {
        if (++exits > MAX_EXITS || now() > time_limit) {
            fflush(stdout);
            fprintf(stderr, "seabios-vmm: budget exhausted (%llu exits, %llu clock ticks)\n",
                    (unsigned long long)exits, (unsigned long long)now());
            rc = 1;
            break;
        }
        maybe_inject();
        uint64_t deadline = (m.pic[0].imr & 1) ? HV_DEADLINE_FOREVER : pit_next_irq0();
        CHECK(hv_vcpu_run_until(vcpu, deadline == UINT64_MAX ? HV_DEADLINE_FOREVER : deadline));
        uint32_t reason = (uint32_t)rvmcs(VMCS_RO_EXIT_REASON) & 0xffffu;
        if (trace)
            fprintf(stderr, "exit %u at %04llx:%08llx qual 0x%llx rax 0x%llx\n", reason,
                    (unsigned long long)rreg(HV_X86_CS), (unsigned long long)rreg(HV_X86_RIP),
                    (unsigned long long)rvmcs(VMCS_RO_EXIT_QUALIFIC),
                    (unsigned long long)rreg(HV_X86_RAX));
        bool ok = true;
        switch (reason) {
        case VMX_REASON_IO: ok = handle_io(); break;
        case VMX_REASON_EPT_VIOLATION: ok = handle_mmio(); break;
        case VMX_REASON_CPUID: handle_cpuid(); break;
        case VMX_REASON_HLT: ok = handle_hlt(); break;
        case VMX_REASON_MOV_CR: ok = handle_cr(); break;
        case VMX_REASON_RDMSR:
        case VMX_REASON_WRMSR: handle_msr(reason == VMX_REASON_WRMSR); break;
        case VMX_REASON_VMX_TIMER_EXPIRED: st.timer++; break;
        case VMX_REASON_IRQ: st.other++; break;
        default: ok = false;
        }
        if (!ok) {
            rc = report_unexpected(reason);
            break;
        }
        if (port_reset_requested) {
            fflush(stdout);
            fprintf(stderr, "seabios-vmm: the guest asked for a reset\n");
            rc = 1;
            break;
        }
        if (m.done)
            break;
        if (exit_limit && exits >= exit_limit) {
            stopped_at_limit = true;
            break;
        }
    }

    uint64_t ns = 0;
    CHECK(hv_vcpu_get_exec_time(vcpu, &ns));
    printf("\n--- seabios-vmm: %s ---\n", rc != 0            ? "stopped"
                                          : stopped_at_limit ? "stopped at SEABIOS_VMM_EXITS"
                                                             : "SeaBIOS found no bootable device");
    printf("port I/O exits:     %llu\n", (unsigned long long)st.io);
    printf("MMIO exits:         %llu\n", (unsigned long long)st.mmio);
    printf("CPUID exits:        %llu\n", (unsigned long long)st.cpuid);
    printf("HLT exits:          %llu\n", (unsigned long long)st.hlt);
    printf("CR access exits:    %llu\n", (unsigned long long)st.cr);
    printf("MSR exits:          %llu\n", (unsigned long long)st.msr);
    printf("timer exits:        %llu\n", (unsigned long long)st.timer);
    printf("IRQs injected:      %llu\n", (unsigned long long)st.irqs);
    printf("total exits:        %llu\n", (unsigned long long)exits);
#ifdef HVMODEL_FLAVOR_X86
    uint64_t insns = 0;
    CHECK(hvm_vcpu_get_instruction_count(vcpu, &insns));
    printf("guest instructions: %llu\n", (unsigned long long)insns);
#endif
    printf("guest time:         %llu.%03llu s\n", (unsigned long long)(ns / 1000000000u),
           (unsigned long long)(ns / 1000000u % 1000u));
    fflush(stdout);

    CHECK(hv_vcpu_destroy(vcpu));
    CHECK(hv_vm_unmap(0, RAM_SIZE));
    CHECK(hv_vm_unmap(GIB4 - m.rom_size, m.rom_size));
    CHECK(hv_vm_deallocate(m.ram, RAM_SIZE));
    CHECK(hv_vm_deallocate(m.rom, m.rom_size));
    CHECK(hv_vm_destroy());
    return rc;
}
