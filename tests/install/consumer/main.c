/*
 * A VMM-side program written as it would be for macOS: it includes the
 * framework's umbrella header and a Darwin header, and uses nothing from the
 * model's own API. The install test builds it against the installed tree,
 * once through CMake's find_package(hvmodel) and once through pkg-config.
 */
#include <Hypervisor/Hypervisor.h>
#include <mach/mach_time.h>

#include <stdint.h>
#include <stdio.h>

#if !defined(__APPLE__) && !defined(HVMODEL_FLAVOR_ARM64)
#error "HVMODEL_FLAVOR_ARM64 was not defined by the package (CMake target or pkg-config)"
#endif

int main(void)
{
    uint32_t n = 0;
    hv_return_t r = hv_vm_get_max_vcpu_count(&n);
    if (r != HV_SUCCESS) {
        fprintf(stderr, "consumer: hv_vm_get_max_vcpu_count returned 0x%x\n", (unsigned)r);
        return 1;
    }
    if (n != 64) {
        fprintf(stderr, "consumer: max vCPU count is %u, expected 64\n", (unsigned)n);
        return 1;
    }

    r = hv_vm_create(NULL);
    if (r != HV_SUCCESS) {
        fprintf(stderr, "consumer: hv_vm_create returned 0x%x\n", (unsigned)r);
        return 1;
    }

    uint64_t t = mach_absolute_time();
    (void)t;

    r = hv_vm_destroy();
    if (r != HV_SUCCESS) {
        fprintf(stderr, "consumer: hv_vm_destroy returned 0x%x\n", (unsigned)r);
        return 1;
    }

    printf("consumer ok\n");
    return 0;
}
