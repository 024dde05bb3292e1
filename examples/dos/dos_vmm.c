/*
 * dos_vmm.c — a tiny DOS in the style of hvdos: a VMM written against
 * Apple's Hypervisor.framework (Intel/VMX) API that runs a .COM program in
 * real mode and serves its INT 21h calls itself.
 *
 * How the DOS calls reach the VMM: the guest's IDTR limit is 0, so the
 * CPU cannot deliver any interrupt through the real-mode IVT; an INT n
 * raises #GP while being delivered, the exception bitmap makes that #GP a
 * VM exit, and the IDT-vectoring information names the software interrupt
 * that caused it (type 4, vector n). The VMM performs the call and resumes
 * the guest after the INT instruction (its length is in the exit).
 *
 * Served: INT 21h AH=02h (print DL), AH=09h (print the '$'-terminated
 * string at DS:DX), AH=4Ch (exit with AL) and INT 20h (exit 0).
 *
 * Usage: dos-vmm [program.com]   (defaults to the greeting built with it)
 * Exit status: the program's return code, or 1 on an unexpected exit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>
#ifdef HVMODEL_FLAVOR_X86
#include <hvmodel.h>
#endif

#include "x86_dos_hello.h"

#define MEM_SIZE  (1u << 20) /* the real-mode megabyte */
#define PSP_SEG   0x0800u    /* the program's segment: PSP at 0, code at 0x100 */
#define MAX_EXITS 100000u

#define CHECK(call)                                                                                \
    do {                                                                                           \
        hv_return_t r_ = (call);                                                                   \
        if (r_ != HV_SUCCESS) {                                                                    \
            fprintf(stderr, "%s failed: 0x%x\n", #call, (unsigned)r_);                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static hv_vcpuid_t vcpu;
static uint8_t *mem;

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

static uint64_t cap2ctrl(hv_vmx_capability_t cap, uint64_t want)
{
    uint64_t c;
    CHECK(hv_vmx_read_capability(cap, &c));
    return (want | (c & 0xffffffffu)) & (c >> 32);
}

enum { DOS_CONTINUE, DOS_EXIT, DOS_UNSUPPORTED };

static int int21(int *code)
{
    uint64_t ax = rreg(HV_X86_RAX);
    switch ((ax >> 8) & 0xffu) {
    case 0x02: putchar((int)(rreg(HV_X86_RDX) & 0xffu)); return DOS_CONTINUE;
    case 0x09: {
        uint64_t base = rvmcs(VMCS_GUEST_DS_BASE);
        uint16_t off = (uint16_t)rreg(HV_X86_RDX);
        for (unsigned n = 0; n < 0x10000u; n++) {
            uint64_t a = (base + (uint16_t)(off + n)) & (MEM_SIZE - 1);
            if (mem[a] == '$')
                break;
            putchar(mem[a]);
        }
        /* AL = '$' on return, as DOS leaves it */
        wreg(HV_X86_RAX, (ax & ~0xffull) | '$');
        return DOS_CONTINUE;
    }
    case 0x4c: *code = (int)(ax & 0xffu); return DOS_EXIT;
    default: return DOS_UNSUPPORTED;
    }
}

static void setup_segments(void)
{
    static const uint32_t segs[] = {VMCS_GUEST_CS, VMCS_GUEST_DS, VMCS_GUEST_ES,
                                    VMCS_GUEST_FS, VMCS_GUEST_GS, VMCS_GUEST_SS};
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        wvmcs(segs[i], PSP_SEG);
        wvmcs(segs[i] + 0x4000, 0xffff);               /* limit */
        wvmcs(segs[i] + 0x4014, i == 0 ? 0x9b : 0x93); /* access rights */
        wvmcs(segs[i] + 0x6006, PSP_SEG << 4);         /* base */
    }
    wvmcs(VMCS_GUEST_LDTR, 0);
    wvmcs(VMCS_GUEST_LDTR_LIMIT, 0);
    wvmcs(VMCS_GUEST_LDTR_AR, 0x10000); /* unusable */
    wvmcs(VMCS_GUEST_LDTR_BASE, 0);
    wvmcs(VMCS_GUEST_TR, 0);
    wvmcs(VMCS_GUEST_TR_LIMIT, 0);
    wvmcs(VMCS_GUEST_TR_AR, 0x83);
    wvmcs(VMCS_GUEST_TR_BASE, 0);
    wvmcs(VMCS_GUEST_GDTR_LIMIT, 0);
    wvmcs(VMCS_GUEST_GDTR_BASE, 0);
    /* No IVT the CPU may use: every INT n becomes a #GP exit. */
    wvmcs(VMCS_GUEST_IDTR_LIMIT, 0);
    wvmcs(VMCS_GUEST_IDTR_BASE, 0);
}

int main(int argc, char **argv)
{
    CHECK(hv_vm_create(HV_VM_DEFAULT));
    CHECK(hv_vm_allocate((void **)&mem, MEM_SIZE, HV_ALLOCATE_DEFAULT));
    memset(mem, 0, MEM_SIZE);
    uint8_t *psp = mem + (PSP_SEG << 4);
    psp[0] = 0xcd; /* INT 20h at PSP:0, where a RET from the program lands */
    psp[1] = 0x20;
    size_t len = x86_dos_hello_len;
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
            fprintf(stderr, "dos-vmm: cannot open %s\n", argv[1]);
            return 1;
        }
        len = fread(psp + 0x100, 1, 0x10000u - 0x100u - 2u, f);
        fclose(f);
    } else {
        memcpy(psp + 0x100, x86_dos_hello, len);
    }
    CHECK(hv_vm_map(mem, 0, MEM_SIZE, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));

    CHECK(hv_vcpu_create(&vcpu, HV_VCPU_DEFAULT));
    wvmcs(VMCS_CTRL_PIN_BASED, cap2ctrl(HV_VMX_CAP_PINBASED, 0));
    wvmcs(VMCS_CTRL_CPU_BASED,
          cap2ctrl(HV_VMX_CAP_PROCBASED, CPU_BASED_HLT | CPU_BASED_SECONDARY_CTLS));
    wvmcs(VMCS_CTRL_CPU_BASED2, cap2ctrl(HV_VMX_CAP_PROCBASED2, CPU_BASED2_UNRESTRICTED));
    wvmcs(VMCS_CTRL_VMENTRY_CONTROLS, cap2ctrl(HV_VMX_CAP_ENTRY, 0));
    wvmcs(VMCS_CTRL_EXC_BITMAP, 0xffffffff);
    wvmcs(VMCS_CTRL_CR0_MASK, 0x60000000);
    wvmcs(VMCS_CTRL_CR0_SHADOW, 0);
    wvmcs(VMCS_CTRL_CR4_MASK, 0);
    wvmcs(VMCS_CTRL_CR4_SHADOW, 0);
    setup_segments();
    wvmcs(VMCS_GUEST_CR0, 0x20);
    wvmcs(VMCS_GUEST_CR3, 0);
    wvmcs(VMCS_GUEST_CR4, 0x2000);
    wreg(HV_X86_RIP, 0x100);
    wreg(HV_X86_RFLAGS, 0x2);
    wreg(HV_X86_RSP, 0xfffe); /* a word 0 on the stack: RET goes to PSP:0 */

    int code = 1;
    unsigned exits = 0, dos_calls = 0;
    bool done = false;
    while (!done && ++exits <= MAX_EXITS) {
        CHECK(hv_vcpu_run(vcpu));
        uint64_t reason = rvmcs(VMCS_RO_EXIT_REASON);
        uint64_t idt = rvmcs(VMCS_RO_IDT_VECTOR_INFO);
        if (reason == VMX_REASON_IRQ)
            continue;
        /* An INT n whose delivery faulted: the IDT-vectoring information
         * holds the software interrupt. */
        if (reason != VMX_REASON_EXC_NMI || !(idt & IRQ_INFO_VALID) ||
            (idt & IRQ_INFO_TYPE_MASK) != IRQ_INFO_SOFT_IRQ) {
            fflush(stdout);
            fprintf(stderr,
                    "dos-vmm: unexpected exit %llu at %04llx:%04llx (interruption info 0x%llx)\n",
                    (unsigned long long)reason, (unsigned long long)rreg(HV_X86_CS),
                    (unsigned long long)rreg(HV_X86_RIP),
                    (unsigned long long)rvmcs(VMCS_RO_VMEXIT_IRQ_INFO));
            code = 1;
            break;
        }
        dos_calls++;
        unsigned vec = idt & IRQ_INFO_VECTOR_MASK;
        int r = vec == 0x21 ? int21(&code) : vec == 0x20 ? (code = 0, DOS_EXIT) : DOS_UNSUPPORTED;
        if (r == DOS_UNSUPPORTED) {
            fflush(stdout);
            fprintf(stderr, "dos-vmm: INT %02xh AX=%04llx is not supported\n", vec,
                    (unsigned long long)(rreg(HV_X86_RAX) & 0xffff));
            code = 1;
            break;
        }
        done = r == DOS_EXIT;
        wreg(HV_X86_RIP, rreg(HV_X86_RIP) + rvmcs(VMCS_RO_VMEXIT_INSTR_LEN));
    }
    printf("\n--- dos-vmm: the program exited with code %d ---\n", code);
    printf("DOS calls: %u, exits: %u\n", dos_calls, exits);
#ifdef HVMODEL_FLAVOR_X86
    uint64_t insns = 0;
    CHECK(hvm_vcpu_get_instruction_count(vcpu, &insns));
    printf("guest instructions: %llu\n", (unsigned long long)insns);
#endif
    fflush(stdout);
    CHECK(hv_vcpu_destroy(vcpu));
    CHECK(hv_vm_unmap(0, MEM_SIZE));
    CHECK(hv_vm_deallocate(mem, MEM_SIZE));
    CHECK(hv_vm_destroy());
    return done ? code : 1;
}
