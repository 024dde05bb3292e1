/* An installed-tree consumer of the x86 flavour: the headers an Intel-Mac
 * VMM includes, a VM, a vCPU, and a VMCS capability read. */
#include <stdio.h>

#include <Hypervisor/hv.h>
#include <Hypervisor/hv_vmx.h>

int main(void)
{
    uint64_t pin = 0, rip = 0;
    hv_vcpuid_t vcpu;
    if (hv_vm_create(HV_VM_DEFAULT) != HV_SUCCESS || hv_vcpu_create(&vcpu, HV_VCPU_DEFAULT) ||
        hv_vmx_read_capability(HV_VMX_CAP_PINBASED, &pin) ||
        hv_vmx_vcpu_read_vmcs(vcpu, VMCS_GUEST_RIP, &rip) || hv_vcpu_destroy(vcpu) ||
        hv_vm_destroy()) {
        printf("consumer failed\n");
        return 1;
    }
    /* Intel's INIT state: RIP 0xfff0; pin-based default-1 bits 1, 2, 4. */
    printf(rip == 0xfff0 && (pin & 0x16) == 0x16 ? "consumer ok\n" : "consumer wrong values\n");
    return 0;
}
