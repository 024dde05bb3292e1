/*
 * tpr.c — CR8 under "use TPR shadow" (primary processor-based control bit
 * 21) without "virtualize APIC accesses" (the model does not offer it):
 * SDM vol. 3C, 25.3 and chapter 30 (APIC virtualization).
 *
 * - MOV from CR8 (without CR8-store exiting) reads VTPR[7:4], VTPR being
 *   the 32-bit value at offset 0x80 of the virtual-APIC page.
 * - MOV to CR8 (without CR8-load exiting) raises #GP(0) if bits 63:4 of the
 *   source are set; otherwise it writes bits 3:0 of the source to
 *   VTPR[7:4] and clears the other VTPR bits, then virtualizes the TPR: if
 *   VTPR[7:4] is now below bits 3:0 of the TPR threshold, a trap-like VM
 *   exit "TPR below threshold" (43) follows the instruction (RIP after it,
 *   qualification 0).
 * - The VM-entry checks on these controls (SDM vol. 3C, 27.2.1.1): the
 *   virtual-APIC address 4 KiB aligned, TPR threshold bits 31:4 clear,
 *   threshold[3:0] not above VTPR[7:4]. A failure is VMfailValid with
 *   VM-instruction error 7 (invalid control fields): no exit; hv_vcpu_run
 *   answers HV_ERROR and VMCS_RO_INSTR_ERROR holds 7.
 *
 * Where Apple is silent (docs/x86.md): VMCS_CTRL_VIRTUAL_APIC is a
 * guest-physical address in the vCPU's address space (a VMM knows no host
 * physical address); a page with no RAM behind it fails the entry as an
 * invalid control field. The engine's own CR8 (HV_X86_TPR) is left alone
 * under the TPR shadow.
 */
#include <string.h>

#include "x86.h"

#define VTPR_OFFSET 0x80u

static bool tpr_shadow(const struct x86_vcpu *v)
{
    return (vmcs_get(v, VMCS_CTRL_CPU_BASED) & CPU_BASED_TPR_SHADOW) != 0;
}

/* The 32-bit VTPR (false: no RAM behind the virtual-APIC page). */
static bool vtpr_access(struct x86_vcpu *v, uint32_t *value, bool write)
{
    uint64_t gpa = vmcs_get(v, VMCS_CTRL_VIRTUAL_APIC) + VTPR_OFFSET;
    pthread_mutex_lock(&vm_lock);
    uint8_t *h = stage2_host(vcpu_s2(&v->base), gpa, 4);
    if (h && write)
        hvt_put32(h, *value);
    else if (h)
        *value = hvt_get32(h);
    pthread_mutex_unlock(&vm_lock);
    return h != NULL;
}

bool tpr_entry_check(struct x86_vcpu *v)
{
    if (!tpr_shadow(v))
        return true;
    uint64_t page = vmcs_get(v, VMCS_CTRL_VIRTUAL_APIC);
    uint64_t threshold = vmcs_get(v, VMCS_CTRL_TPR_THRESHOLD);
    uint32_t vtpr = 0;
    bool ok = !(page & 0xfffu) && vtpr_access(v, &vtpr, false) && !(threshold >> 4) &&
              (threshold & 0xfu) <= ((vtpr >> 4) & 0xfu);
    if (!ok)
        vmcs_set(v, VMCS_RO_INSTR_ERROR, 7);
    return ok;
}

int tpr_mov_cr8(struct x86_vcpu *v, bool write, uint64_t *value)
{
    if (!tpr_shadow(v))
        return 0;
    uint32_t vtpr = 0;
    if (!write) {
        vtpr_access(v, &vtpr, false);
        *value = (vtpr >> 4) & 0xfu;
        return 1;
    }
    if (*value >> 4)
        return -1;
    vtpr = (uint32_t)(*value & 0xfu) << 4;
    vtpr_access(v, &vtpr, true);
    return (uint32_t)(*value & 0xfu) < (vmcs_get(v, VMCS_CTRL_TPR_THRESHOLD) & 0xfu) ? 2 : 1;
}
