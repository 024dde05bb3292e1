/*
 * apic.c — the in-kernel APIC, I/O APIC and 8259 of macOS 12
 * (HV_VM_ACCEL_APIC) are not modelled: hv_vm_create refuses the option and
 * every call answers HV_UNSUPPORTED, as on a host without the feature, so
 * VMMs that reference the symbols still link and fall back to their own.
 */
#include "x86.h"

#define HVM_API __attribute__((visibility("default")))

HVM_API hv_return_t hv_vm_lapic_set_intr(hv_vcpuid_t vcpu, uint8_t vector,
                                         hv_apic_intr_trigger_t trig)
{
    (void)vcpu;
    (void)vector;
    (void)trig;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_lapic_msi(uint64_t addr, uint64_t data)
{
    (void)addr;
    (void)data;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_assert_irq(int intin)
{
    (void)intin;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_deassert_irq(int intin)
{
    (void)intin;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_pulse_irq(int intin)
{
    (void)intin;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_read(hv_gpaddr_t gpa, uint32_t *datap)
{
    (void)gpa;
    (void)datap;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_write(hv_gpaddr_t gpa, uint32_t data)
{
    (void)gpa;
    (void)data;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_get_state(hv_ioapic_state_ext_t *state)
{
    (void)state;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_ioapic_put_state(const hv_ioapic_state_ext_t *state)
{
    (void)state;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_send_ioapic_intr(uint64_t data)
{
    (void)data;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_assert_irq(int irq)
{
    (void)irq;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_deassert_irq(int irq)
{
    (void)irq;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_port_read(int port, uint8_t *valuep)
{
    (void)port;
    (void)valuep;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_port_write(int port, uint8_t value)
{
    (void)port;
    (void)value;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_get_state(hv_atpic_state_ext_t *state, bool is_primary)
{
    (void)state;
    (void)is_primary;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_atpic_put_state(const hv_atpic_state_ext_t *state, bool is_primary)
{
    (void)state;
    (void)is_primary;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vm_set_apic_bus_freq(uint64_t freq)
{
    (void)freq;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_inject_extint(hv_vcpuid_t vcpu)
{
    (void)vcpu;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_read(hv_vcpuid_t vcpu, uint32_t offset, uint32_t *data)
{
    (void)vcpu;
    (void)offset;
    (void)data;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_write(hv_vcpuid_t vcpu, uint32_t offset, uint32_t data,
                                       bool *no_side_effect)
{
    (void)vcpu;
    (void)offset;
    (void)data;
    (void)no_side_effect;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_get_state(hv_vcpuid_t vcpu, hv_apic_state_ext_t *state)
{
    (void)vcpu;
    (void)state;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_put_state(hv_vcpuid_t vcpu, const hv_apic_state_ext_t *state)
{
    (void)vcpu;
    (void)state;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_info(hv_vcpuid_t vcpu, hv_vm_exitinfo_t *code)
{
    (void)vcpu;
    (void)code;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_init_ap(hv_vcpuid_t vcpu, bool is_actv[], unsigned count)
{
    (void)vcpu;
    (void)is_actv;
    (void)count;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_startup_ap(hv_vcpuid_t vcpu, bool is_actv[], unsigned count,
                                            uint64_t *ap_rip)
{
    (void)vcpu;
    (void)is_actv;
    (void)count;
    (void)ap_rip;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_ioapic_eoi(hv_vcpuid_t vcpu, uint8_t *vec)
{
    (void)vcpu;
    (void)vec;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_apic_access_read(hv_vcpuid_t vcpu, uint32_t *value)
{
    (void)vcpu;
    (void)value;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_exit_inject_excp(hv_vcpuid_t vcpu, uint8_t *vec, bool *valid,
                                             uint32_t *code, bool *restart)
{
    (void)vcpu;
    (void)vec;
    (void)valid;
    (void)code;
    (void)restart;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_lsc_enter_r32(hv_vcpuid_t vcpu, bool is_load, uint64_t rip,
                                               unsigned ilen, uint16_t cs, hv_x86_reg_t reg,
                                               uint64_t uva[], unsigned count)
{
    (void)vcpu;
    (void)is_load;
    (void)rip;
    (void)ilen;
    (void)cs;
    (void)reg;
    (void)uva;
    (void)count;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_lsc_enter_imm32(hv_vcpuid_t vcpu, uint64_t rip, unsigned ilen,
                                                 uint16_t cs, uint32_t imm32, uint64_t uva[],
                                                 unsigned count)
{
    (void)vcpu;
    (void)rip;
    (void)ilen;
    (void)cs;
    (void)imm32;
    (void)uva;
    (void)count;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_lsc_invalidate(hv_vcpuid_t vcpu)
{
    (void)vcpu;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_ctrl(hv_vcpuid_t vcpu, hv_apic_ctrl_t ctrls)
{
    (void)vcpu;
    (void)ctrls;
    return HV_UNSUPPORTED;
}

HVM_API hv_return_t hv_vcpu_apic_trigger_lvt(hv_vcpuid_t vcpu, hv_apic_lvt_flavor_t flavor)
{
    (void)vcpu;
    (void)flavor;
    return HV_UNSUPPORTED;
}
