/*
 * hello_vmm.c — a small VMM written against Apple's Hypervisor.framework API,
 * the way a macOS VMM is written: it boots a bare-metal arm64 guest, serves
 * its UART through data-abort exits, turns the virtual timer into an IRQ,
 * and stops on PSCI SYSTEM_OFF. Built against hvmodel it runs on any Linux
 * machine; the only model-specific line is how it waits in WFI (see
 * wait_for_timer), because hvmodel's clock is virtual.
 *
 * Usage: hello-vmm [guest.bin]   (defaults to the guest built with it)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/Hypervisor.h>
#include <mach/mach_time.h>
#ifdef HVMODEL_FLAVOR_ARM64
#include <hvmodel.h>
#endif

#define RAM_BASE  0x40000000ull
#define RAM_SIZE  (16ull << 20)
#define LOAD_ADDR (RAM_BASE + 0x10000)
#define UART_BASE 0x09000000ull
#define UART_SIZE 0x1000ull
#define UART_FR   0x18 /* PL011 flag register: reads 0 = ready */

#define PSCI_VERSION    0x84000000u
#define PSCI_SYSTEM_OFF 0x84000008u

extern const unsigned char guest_hello[];
extern const unsigned int guest_hello_len;

#define CHECK(call)                                                                                \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS) {                                                                    \
            fprintf(stderr, "%s failed: 0x%x\n", #call, (unsigned)r_);                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

struct stats {
    unsigned mmio, hvc, wfi, vtimer, other;
};

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

/* Data abort (EC 0x24) with a valid instruction syndrome: one UART access. */
static bool handle_mmio(hv_vcpu_t vcpu, uint64_t esr, uint64_t ipa)
{
    if (!(esr & (1u << 24)) || ipa < UART_BASE || ipa >= UART_BASE + UART_SIZE)
        return false;
    unsigned srt = (esr >> 16) & 31;
    bool write = esr & (1u << 6);
    if (write) {
        uint64_t val = srt == 31 ? 0 : get(vcpu, HV_REG_X0 + srt);
        if (ipa == UART_BASE)
            putchar((int)(val & 0xff));
    } else if (srt != 31) {
        set(vcpu, HV_REG_X0 + srt, 0); /* FR and DR read 0: always ready */
    }
    set(vcpu, HV_REG_PC, get(vcpu, HV_REG_PC) + 4);
    return true;
}

/* WFI: sleep until the vtimer's deadline. On macOS a VMM would block until
 * mach_absolute_time() reaches it; hvmodel's clock only moves as the guest
 * runs, so the model's counterpart of sleeping is to advance it. */
static void wait_for_timer(hv_vcpu_t vcpu)
{
    uint64_t ctl, cval, offset;
    CHECK(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTV_CTL_EL0, &ctl));
    CHECK(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTV_CVAL_EL0, &cval));
    CHECK(hv_vcpu_get_vtimer_offset(vcpu, &offset));
    if ((ctl & 3) != 1)
        return;
    uint64_t deadline = cval + offset, now = mach_absolute_time();
    if (deadline > now) {
#ifdef HVMODEL_FLAVOR_ARM64
        CHECK(hvm_clock_advance(deadline - now));
#else
        mach_wait_until(deadline);
#endif
    }
}

int main(int argc, char **argv)
{
    const unsigned char *image = guest_hello;
    size_t image_len = guest_hello_len;
    unsigned char *file_image = NULL;
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
            perror(argv[1]);
            return 1;
        }
        file_image = malloc(RAM_SIZE);
        image_len = fread(file_image, 1, RAM_SIZE - 0x10000, f);
        fclose(f);
        image = file_image;
    }

    CHECK(hv_vm_create(NULL));
    void *ram;
    CHECK(hv_vm_allocate(&ram, RAM_SIZE, HV_ALLOCATE_DEFAULT));
    memcpy((char *)ram + (LOAD_ADDR - RAM_BASE), image, image_len);
    CHECK(hv_vm_map(ram, RAM_BASE, RAM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));

    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit_info;
    CHECK(hv_vcpu_create(&vcpu, &exit_info, NULL));
    set(vcpu, HV_REG_PC, LOAD_ADDR);
    set(vcpu, HV_REG_CPSR, 0x3c5); /* EL1h, DAIF masked */
    CHECK(hv_vcpu_set_sys_reg(vcpu, HV_SYS_REG_SP_EL1, RAM_BASE + RAM_SIZE));

    struct stats st = {0};
    bool irq_level = false, running = true;
    while (running) {
        /* The pending-interrupt line holds for one run: re-assert it while
         * the timer's interrupt is active, as an interrupt controller would. */
        CHECK(hv_vcpu_set_pending_interrupt(vcpu, HV_INTERRUPT_TYPE_IRQ, irq_level));
        CHECK(hv_vcpu_run(vcpu));

        switch (exit_info->reason) {
        case HV_EXIT_REASON_EXCEPTION: {
            uint64_t esr = exit_info->exception.syndrome;
            unsigned ec = (unsigned)(esr >> 26) & 0x3f;
            if (ec == 0x24 && handle_mmio(vcpu, esr, exit_info->exception.physical_address)) {
                st.mmio++;
            } else if (ec == 0x16) { /* HVC: PSCI; PC is already past the HVC */
                st.hvc++;
                uint64_t fn = get(vcpu, HV_REG_X0);
                if (fn == PSCI_SYSTEM_OFF)
                    running = false;
                else
                    set(vcpu, HV_REG_X0, fn == PSCI_VERSION ? 0x10000 : (uint64_t)-1);
            } else if (ec == 0x01) { /* WFI: PC is on it */
                st.wfi++;
                wait_for_timer(vcpu);
                set(vcpu, HV_REG_PC, get(vcpu, HV_REG_PC) + 4);
            } else {
                fprintf(stderr, "unexpected exception: ESR 0x%llx at PC 0x%llx\n",
                        (unsigned long long)esr, (unsigned long long)get(vcpu, HV_REG_PC));
                return 1;
            }
            break;
        }
        case HV_EXIT_REASON_VTIMER_ACTIVATED:
            st.vtimer++;
            irq_level = true; /* the framework masked the vtimer for us */
            break;
        default:
            st.other++;
            fprintf(stderr, "unexpected exit reason %u\n", exit_info->reason);
            return 1;
        }

        /* Once the guest has silenced the timer, drop the line and unmask
         * the vtimer so that it can fire again. */
        if (irq_level) {
            uint64_t ctl;
            CHECK(hv_vcpu_get_sys_reg(vcpu, HV_SYS_REG_CNTV_CTL_EL0, &ctl));
            if ((ctl & 7) != 5) { /* not ENABLE && ISTATUS && !IMASK */
                irq_level = false;
                CHECK(hv_vcpu_set_vtimer_mask(vcpu, false));
            }
        }
    }

    uint64_t exec_time;
    CHECK(hv_vcpu_get_exec_time(vcpu, &exec_time));
    mach_timebase_info_data_t tb;
    mach_timebase_info(&tb);
    printf("\n--- exit summary ---\n");
    printf("MMIO (data abort) exits: %u\n", st.mmio);
    printf("HVC exits:               %u\n", st.hvc);
    printf("WFI exits:               %u\n", st.wfi);
    printf("VTIMER_ACTIVATED exits:  %u\n", st.vtimer);
    printf("total exits:             %u\n", st.mmio + st.hvc + st.wfi + st.vtimer + st.other);
    printf("guest execution time:    %llu ticks (%llu ns)\n", (unsigned long long)exec_time,
           (unsigned long long)(exec_time * tb.numer / tb.denom));
    printf("virtual clock at exit:   %llu ticks\n", (unsigned long long)mach_absolute_time());

    CHECK(hv_vcpu_destroy(vcpu));
    CHECK(hv_vm_unmap(RAM_BASE, RAM_SIZE));
    CHECK(hv_vm_destroy());
    CHECK(hv_vm_deallocate(ram, RAM_SIZE));
    free(file_image);
    return 0;
}
