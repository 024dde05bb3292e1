/*
 * vmcs.c — the VMCS store: which encodings exist, who may write them (the
 * access classes of Apple's "VMCS Field IDs" page), the VMX capabilities the
 * model advertises, and the power-on state.
 *
 * Choices where Apple is silent (docs/x86.md): fields Apple does not list as
 * VMM-writable (host state, EPTP, bitmaps, VPID, MSR areas) are the
 * framework's and refuse writes with HV_BAD_ARGUMENT; an unknown encoding,
 * or the high half (access-type bit 0) of a 64-bit field, is HV_BAD_ARGUMENT.
 */
#include <string.h>

#include "x86.h"

/* Every field: its encoding and its access class. */
#define VMCS_FIELDS(F)                                                                             \
    F(VMCS_VPID, VMCS_OWNED)                                                                       \
    F(VMCS_CTRL_POSTED_INT_N_VECTOR, VMCS_OWNED)                                                   \
    F(VMCS_CTRL_EPTP_INDEX, VMCS_OWNED)                                                            \
    F(VMCS_GUEST_ES, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_CS, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_SS, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_DS, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_FS, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_GS, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_LDTR, VMCS_GUEST)                                                                 \
    F(VMCS_GUEST_TR, VMCS_GUEST)                                                                   \
    F(VMCS_GUEST_INT_STATUS, VMCS_GUEST)                                                           \
    F(VMCS_GUESTPML_INDEX, VMCS_GUEST)                                                             \
    F(VMCS_HOST_ES, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_CS, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_SS, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_DS, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_FS, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_GS, VMCS_OWNED)                                                                    \
    F(VMCS_HOST_TR, VMCS_OWNED)                                                                    \
    F(VMCS_CTRL_IO_BITMAP_A, VMCS_OWNED)                                                           \
    F(VMCS_CTRL_IO_BITMAP_B, VMCS_OWNED)                                                           \
    F(VMCS_CTRL_MSR_BITMAPS, VMCS_OWNED)                                                           \
    F(VMCS_CTRL_VMEXIT_MSR_STORE_ADDR, VMCS_OWNED)                                                 \
    F(VMCS_CTRL_VMEXIT_MSR_LOAD_ADDR, VMCS_OWNED)                                                  \
    F(VMCS_CTRL_VMENTRY_MSR_LOAD_ADDR, VMCS_OWNED)                                                 \
    F(VMCS_CTRL_EXECUTIVE_VMCS_PTR, VMCS_OWNED)                                                    \
    F(VMCS_CTRL_PML_ADDR, VMCS_OWNED)                                                              \
    F(VMCS_CTRL_TSC_OFFSET, VMCS_CTRL_RO)                                                          \
    F(VMCS_CTRL_VIRTUAL_APIC, VMCS_CTRL)                                                           \
    F(VMCS_CTRL_APIC_ACCESS, VMCS_CTRL_RO)                                                         \
    F(VMCS_CTRL_POSTED_INT_DESC_ADDR, VMCS_OWNED)                                                  \
    F(VMCS_CTRL_VMFUNC_CTRL, VMCS_OWNED)                                                           \
    F(VMCS_CTRL_EPTP, VMCS_OWNED)                                                                  \
    F(VMCS_CTRL_EOI_EXIT_BITMAP_0, VMCS_OWNED)                                                     \
    F(VMCS_CTRL_EOI_EXIT_BITMAP_1, VMCS_OWNED)                                                     \
    F(VMCS_CTRL_EOI_EXIT_BITMAP_2, VMCS_OWNED)                                                     \
    F(VMCS_CTRL_EOI_EXIT_BITMAP_3, VMCS_OWNED)                                                     \
    F(VMCS_CTRL_EPTP_LIST_ADDR, VMCS_OWNED)                                                        \
    F(VMCS_CTRL_VMREAD_BITMAP_ADDR, VMCS_OWNED)                                                    \
    F(VMCS_CTRL_VMWRITE_BITMAP_ADDR, VMCS_OWNED)                                                   \
    F(VMCS_CTRL_VIRT_EXC_INFO_ADDR, VMCS_OWNED)                                                    \
    F(VMCS_CTRL_XSS_EXITING_BITMAP, VMCS_OWNED)                                                    \
    F(VMCS_CTRL_ENCLS_EXITING_BITMAP, VMCS_OWNED)                                                  \
    F(VMCS_CTRL_SPP_TABLE, VMCS_OWNED)                                                             \
    F(VMCS_CTRL_TSC_MULTIPLIER, VMCS_OWNED)                                                        \
    F(VMCS_CTRL_ENCLV_EXITING_BITMAP, VMCS_OWNED)                                                  \
    F(VMCS_GUEST_PHYSICAL_ADDRESS, VMCS_EXIT_RO)                                                   \
    F(VMCS_GUEST_LINK_POINTER, VMCS_GUEST)                                                         \
    F(VMCS_GUEST_IA32_DEBUGCTL, VMCS_GUEST)                                                        \
    F(VMCS_GUEST_IA32_PAT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_IA32_EFER, VMCS_GUEST)                                                            \
    F(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, VMCS_GUEST)                                                \
    F(VMCS_GUEST_PDPTE0, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_PDPTE1, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_PDPTE2, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_PDPTE3, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_IA32_BNDCFGS, VMCS_GUEST)                                                         \
    F(VMCS_GUEST_IA32_RTIT_CTL, VMCS_GUEST)                                                        \
    F(VMCS_GUEST_IA32_PKRS, VMCS_GUEST)                                                            \
    F(VMCS_HOST_IA32_PAT, VMCS_OWNED)                                                              \
    F(VMCS_HOST_IA32_EFER, VMCS_OWNED)                                                             \
    F(VMCS_HOST_IA32_PERF_GLOBAL_CTRL, VMCS_OWNED)                                                 \
    F(VMCS_HOST_IA32_PKRS, VMCS_OWNED)                                                             \
    F(VMCS_CTRL_PIN_BASED, VMCS_CTRL_CAP)                                                          \
    F(VMCS_CTRL_CPU_BASED, VMCS_CTRL_CAP)                                                          \
    F(VMCS_CTRL_EXC_BITMAP, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_PF_ERROR_MASK, VMCS_CTRL)                                                          \
    F(VMCS_CTRL_PF_ERROR_MATCH, VMCS_CTRL)                                                         \
    F(VMCS_CTRL_CR3_COUNT, VMCS_CTRL)                                                              \
    F(VMCS_CTRL_VMEXIT_CONTROLS, VMCS_CTRL_CAP)                                                    \
    F(VMCS_CTRL_VMEXIT_MSR_STORE_COUNT, VMCS_OWNED)                                                \
    F(VMCS_CTRL_VMEXIT_MSR_LOAD_COUNT, VMCS_OWNED)                                                 \
    F(VMCS_CTRL_VMENTRY_CONTROLS, VMCS_CTRL_CAP)                                                   \
    F(VMCS_CTRL_VMENTRY_MSR_LOAD_COUNT, VMCS_OWNED)                                                \
    F(VMCS_CTRL_VMENTRY_IRQ_INFO, VMCS_CTRL)                                                       \
    F(VMCS_CTRL_VMENTRY_EXC_ERROR, VMCS_CTRL)                                                      \
    F(VMCS_CTRL_VMENTRY_INSTR_LEN, VMCS_CTRL)                                                      \
    F(VMCS_CTRL_TPR_THRESHOLD, VMCS_CTRL)                                                          \
    F(VMCS_CTRL_CPU_BASED2, VMCS_CTRL_CAP)                                                         \
    F(VMCS_CTRL_PLE_GAP, VMCS_CTRL)                                                                \
    F(VMCS_CTRL_PLE_WINDOW, VMCS_CTRL)                                                             \
    F(VMCS_RO_INSTR_ERROR, VMCS_EXIT_RO)                                                           \
    F(VMCS_RO_EXIT_REASON, VMCS_EXIT_RO)                                                           \
    F(VMCS_RO_VMEXIT_IRQ_INFO, VMCS_EXIT_RO)                                                       \
    F(VMCS_RO_VMEXIT_IRQ_ERROR, VMCS_EXIT_RO)                                                      \
    F(VMCS_RO_IDT_VECTOR_INFO, VMCS_EXIT_RO)                                                       \
    F(VMCS_RO_IDT_VECTOR_ERROR, VMCS_EXIT_RO)                                                      \
    F(VMCS_RO_VMEXIT_INSTR_LEN, VMCS_EXIT_RO)                                                      \
    F(VMCS_RO_VMX_INSTR_INFO, VMCS_EXIT_RO)                                                        \
    F(VMCS_GUEST_ES_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_CS_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_SS_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_DS_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_FS_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_GS_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST)                                                           \
    F(VMCS_GUEST_TR_LIMIT, VMCS_GUEST)                                                             \
    F(VMCS_GUEST_GDTR_LIMIT, VMCS_GUEST)                                                           \
    F(VMCS_GUEST_IDTR_LIMIT, VMCS_GUEST)                                                           \
    F(VMCS_GUEST_ES_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_CS_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_SS_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_DS_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_FS_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_GS_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_LDTR_AR, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_TR_AR, VMCS_GUEST)                                                                \
    F(VMCS_GUEST_INTERRUPTIBILITY, VMCS_GUEST)                                                     \
    F(VMCS_GUEST_ACTIVITY_STATE, VMCS_GUEST_COND)                                                  \
    F(VMCS_GUEST_SMBASE, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_IA32_SYSENTER_CS, VMCS_GUEST)                                                     \
    F(VMCS_GUEST_VMX_TIMER_VALUE, VMCS_GUEST)                                                      \
    F(VMCS_HOST_IA32_SYSENTER_CS, VMCS_OWNED)                                                      \
    F(VMCS_CTRL_CR0_MASK, VMCS_CTRL)                                                               \
    F(VMCS_CTRL_CR4_MASK, VMCS_CTRL)                                                               \
    F(VMCS_CTRL_CR0_SHADOW, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_CR4_SHADOW, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_CR3_VALUE0, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_CR3_VALUE1, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_CR3_VALUE2, VMCS_CTRL)                                                             \
    F(VMCS_CTRL_CR3_VALUE3, VMCS_CTRL)                                                             \
    F(VMCS_RO_EXIT_QUALIFIC, VMCS_EXIT_RO)                                                         \
    F(VMCS_RO_IO_RCX, VMCS_EXIT_RO)                                                                \
    F(VMCS_RO_IO_RSI, VMCS_EXIT_RO)                                                                \
    F(VMCS_RO_IO_RDI, VMCS_EXIT_RO)                                                                \
    F(VMCS_RO_IO_RIP, VMCS_EXIT_RO)                                                                \
    F(VMCS_RO_GUEST_LIN_ADDR, VMCS_EXIT_RO)                                                        \
    F(VMCS_GUEST_CR0, VMCS_GUEST_COND)                                                             \
    F(VMCS_GUEST_CR3, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_CR4, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_ES_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_CS_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_SS_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_DS_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_FS_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_GS_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_LDTR_BASE, VMCS_GUEST)                                                            \
    F(VMCS_GUEST_TR_BASE, VMCS_GUEST)                                                              \
    F(VMCS_GUEST_GDTR_BASE, VMCS_GUEST)                                                            \
    F(VMCS_GUEST_IDTR_BASE, VMCS_GUEST)                                                            \
    F(VMCS_GUEST_DR7, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_RSP, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_RIP, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_RFLAGS, VMCS_GUEST)                                                               \
    F(VMCS_GUEST_DEBUG_EXC, VMCS_GUEST)                                                            \
    F(VMCS_GUEST_SYSENTER_ESP, VMCS_GUEST)                                                         \
    F(VMCS_GUEST_SYSENTER_EIP, VMCS_GUEST)                                                         \
    F(VMCS_GUEST_IA32_S_CET, VMCS_GUEST)                                                           \
    F(VMCS_GUEST_SSP, VMCS_GUEST)                                                                  \
    F(VMCS_GUEST_IA32_INTR_SSP_TABLE_ADDR, VMCS_GUEST)                                             \
    F(VMCS_HOST_CR0, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_CR3, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_CR4, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_FS_BASE, VMCS_OWNED)                                                               \
    F(VMCS_HOST_GS_BASE, VMCS_OWNED)                                                               \
    F(VMCS_HOST_TR_BASE, VMCS_OWNED)                                                               \
    F(VMCS_HOST_GDTR_BASE, VMCS_OWNED)                                                             \
    F(VMCS_HOST_IDTR_BASE, VMCS_OWNED)                                                             \
    F(VMCS_HOST_IA32_SYSENTER_ESP, VMCS_OWNED)                                                     \
    F(VMCS_HOST_IA32_SYSENTER_EIP, VMCS_OWNED)                                                     \
    F(VMCS_HOST_RSP, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_RIP, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_IA32_S_CET, VMCS_OWNED)                                                            \
    F(VMCS_HOST_SSP, VMCS_OWNED)                                                                   \
    F(VMCS_HOST_IA32_INTR_SSP_TABLE_ADDR, VMCS_OWNED)

/* Every encoding is a valid VMCS_SLOT argument: access type 0 (the low
 * half of a 64-bit field), index below 32, no bits beyond 14:13 width and
 * 11:10 type. Two fields in one slot are an initializer override, which
 * -Wextra reports. */
#define FIELD_OK(f, c) &&!((f) & ~0x6fffu) && !((f)&1u) && (((f) >> 1) & 0x1ffu) < 32u
_Static_assert(1 VMCS_FIELDS(FIELD_OK), "a VMCS field outside the slot layout");

#define CLASS_OF(f, c) [VMCS_SLOT(f)] = (c),
static const uint8_t class_by_slot[VMCS_SLOTS] = {VMCS_FIELDS(CLASS_OF)};

int vmcs_slot(uint32_t field)
{
    if (field & ~0x6fffu || (field & 1u) || ((field >> 1) & 0x1ffu) >= 32u)
        return -1;
    /* VMCS_SLOT is one-to-one on the encodings that pass this check. */
    unsigned s = VMCS_SLOT(field);
    return class_by_slot[s] == VMCS_NONE ? -1 : (int)s;
}

enum vmcs_class vmcs_class_of(uint32_t field)
{
    int s = vmcs_slot(field);
    return s < 0 ? VMCS_NONE : (enum vmcs_class)class_by_slot[s];
}

/* ---- capabilities ---- */

/* allowed-0 settings (bits that must be 1) in the low word, allowed-1 in the
 * high word, as IA32_VMX_*_CTLS report them. The must-be-1 bits are Intel's
 * default-1 bits plus what the framework insists on (unconditional I/O
 * exiting, MSR bitmaps, secondary controls, EPT, unrestricted guest); the
 * allowed-1 bits are the controls the model implements. */
#define CAP(must, may) (((uint64_t)((may) | (must)) << 32) | (uint32_t)(must))

#define PIN_MUST 0x16u
#define PIN_MAY                                                                                    \
    (PIN_BASED_INTR | PIN_BASED_NMI | PIN_BASED_VIRTUAL_NMI | PIN_BASED_PREEMPTION_TIMER)
#define CPU_MUST                                                                                   \
    (0x04006172u | CPU_BASED_UNCOND_IO | CPU_BASED_MSR_BITMAPS | CPU_BASED_SECONDARY_CTLS)
#define CPU_MAY                                                                                    \
    (CPU_BASED_IRQ_WND | CPU_BASED_TSC_OFFSET | CPU_BASED_HLT | CPU_BASED_INVLPG |                 \
     CPU_BASED_MWAIT | CPU_BASED_RDPMC | CPU_BASED_RDTSC | CPU_BASED_CR3_LOAD |                    \
     CPU_BASED_CR3_STORE | CPU_BASED_CR8_LOAD | CPU_BASED_CR8_STORE | CPU_BASED_TPR_SHADOW |       \
     CPU_BASED_VIRTUAL_NMI_WND | CPU_BASED_MOV_DR | CPU_BASED_MTF | CPU_BASED_MONITOR |            \
     CPU_BASED_PAUSE)
#define CPU2_MUST  (CPU_BASED2_EPT | CPU_BASED2_UNRESTRICTED)
#define CPU2_MAY   (CPU_BASED2_DESC_TABLE | CPU_BASED2_RDTSCP | CPU_BASED2_VPID | CPU_BASED2_WBINVD)
#define ENTRY_MUST 0x11ffu
#define ENTRY_MAY  (VMENTRY_GUEST_IA32E | VMENTRY_LOAD_IA32_PAT | VMENTRY_LOAD_EFER)
#define EXIT_MUST  0x36dffu
#define EXIT_MAY                                                                                   \
    (VMEXIT_HOST_IA32E | VMEXIT_ACK_INTR | VMEXIT_SAVE_IA32_PAT | VMEXIT_LOAD_IA32_PAT |           \
     VMEXIT_SAVE_EFER | VMEXIT_LOAD_EFER | VMEXIT_SAVE_VMX_TIMER)

/* The preemption timer counts down at the virtual TSC rate >> 5 (timer.c). */
#define MISC_TIMER_SHIFT X86_TIMER_SHIFT

uint64_t vmcs_field_cap(uint32_t field)
{
    switch (field) {
    case VMCS_CTRL_PIN_BASED: return CAP(PIN_MUST, PIN_MAY);
    case VMCS_CTRL_CPU_BASED: return CAP(CPU_MUST, CPU_MAY);
    case VMCS_CTRL_CPU_BASED2: return CAP(CPU2_MUST, CPU2_MAY);
    case VMCS_CTRL_VMENTRY_CONTROLS: return CAP(ENTRY_MUST, ENTRY_MAY);
    case VMCS_CTRL_VMEXIT_CONTROLS: return CAP(EXIT_MUST, EXIT_MAY);
    }
    return 0;
}

bool vmx_capability(uint32_t which, uint64_t *value)
{
    switch (which) {
    case HV_VMX_CAP_PINBASED:
    case HV_VMX_CAP_TRUE_PINBASED: *value = vmcs_field_cap(VMCS_CTRL_PIN_BASED); return true;
    case HV_VMX_CAP_PROCBASED:
    case HV_VMX_CAP_TRUE_PROCBASED: *value = vmcs_field_cap(VMCS_CTRL_CPU_BASED); return true;
    case HV_VMX_CAP_PROCBASED2: *value = vmcs_field_cap(VMCS_CTRL_CPU_BASED2); return true;
    case HV_VMX_CAP_ENTRY:
    case HV_VMX_CAP_TRUE_ENTRY: *value = vmcs_field_cap(VMCS_CTRL_VMENTRY_CONTROLS); return true;
    case HV_VMX_CAP_EXIT:
    case HV_VMX_CAP_TRUE_EXIT: *value = vmcs_field_cap(VMCS_CTRL_VMEXIT_CONTROLS); return true;
    case HV_VMX_CAP_BASIC:
        /* revision 1, 4 KiB region, write-back, INS/OUTS info, TRUE ctls */
        *value = 1u | (4096ull << 32) | (6ull << 50) | (1ull << 54) | VMX_BASIC_TRUE_CTLS;
        return true;
    case HV_VMX_CAP_MISC:
        /* timer rate, LMA stored on exit, HLT activity, 4 CR3 targets */
        *value = MISC_TIMER_SHIFT | (1u << 5) | (1u << 6) | (4u << 16);
        return true;
    case HV_VMX_CAP_CR0_FIXED0: *value = 0x80000021ull; return true;
    case HV_VMX_CAP_CR0_FIXED1: *value = 0xffffffffull; return true;
    case HV_VMX_CAP_CR4_FIXED0: *value = 0x2000ull; return true;
    case HV_VMX_CAP_CR4_FIXED1: *value = 0x3767ffull; return true;
    case HV_VMX_CAP_VMCS_ENUM: *value = 0x2eull << 1; return true;
    case HV_VMX_CAP_EPT_VPID_CAP:
        /* 4-level walk, WB, 2 MiB pages, INVEPT, INVVPID */
        *value = (1u << 6) | (1u << 14) | (1u << 16) | (1u << 20) | (1ull << 32);
        return true;
    case HV_VMX_CAP_PREEMPTION_TIMER:
        /* ticks per second of the preemption timer */
        *value = (HVM_CLOCK_HZ * HVM_INSNS_PER_TICK_DEF) >> MISC_TIMER_SHIFT;
        return true;
    }
    return false;
}

/* ---- power-on state ---- */

void vmcs_reset(struct x86_vcpu *v)
{
    memset(v->vmcs, 0, sizeof(v->vmcs));
    /* Intel's INIT state (docs/x86.md): real mode at F000:FFF0. */
    static const uint32_t sel[SEG_N] = {VMCS_GUEST_ES,   VMCS_GUEST_CS, VMCS_GUEST_SS,
                                        VMCS_GUEST_DS,   VMCS_GUEST_FS, VMCS_GUEST_GS,
                                        VMCS_GUEST_LDTR, VMCS_GUEST_TR};
    for (unsigned s = 0; s < SEG_N; s++) {
        uint32_t ar = s == SEG_CS ? 0x9b : s == SEG_LDTR ? 0x82 : s == SEG_TR ? 0x8b : 0x93;
        v->seg[s] = (struct x86_seg){0, 0, 0xffff, ar};
        vmcs_set(v, sel[s], 0);
        vmcs_set(v, sel[s] + 0x4000, 0xffff); /* limit */
        vmcs_set(v, sel[s] + 0x4014, ar);     /* access rights */
        vmcs_set(v, sel[s] + 0x6006, 0);      /* base */
    }
    v->seg[SEG_CS].sel = 0xf000;
    v->seg[SEG_CS].base = 0xffff0000;
    vmcs_set(v, VMCS_GUEST_CS, 0xf000);
    vmcs_set(v, VMCS_GUEST_CS_BASE, 0xffff0000);
    vmcs_set(v, VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, 0xffff);
    vmcs_set(v, VMCS_GUEST_CR0, 0x60000010);
    vmcs_set(v, VMCS_GUEST_RIP, 0xfff0);
    vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2);
    vmcs_set(v, VMCS_GUEST_DR7, 0x400);
    vmcs_set(v, VMCS_GUEST_LINK_POINTER, ~0ull);
    vmcs_set(v, VMCS_GUEST_IA32_PAT, 0x0007040600070406ull);
    vmcs_set(v, VMCS_CTRL_PIN_BASED, PIN_MUST);
    vmcs_set(v, VMCS_CTRL_CPU_BASED, CPU_MUST);
    vmcs_set(v, VMCS_CTRL_CPU_BASED2, CPU2_MUST);
    vmcs_set(v, VMCS_CTRL_VMENTRY_CONTROLS, ENTRY_MUST);
    vmcs_set(v, VMCS_CTRL_VMEXIT_CONTROLS, EXIT_MUST);
    v->dr[6] = 0xffff0ff0;
    v->dr[7] = 0x400;
    v->xcr0 = 1;
    v->load_pending = true;
    v->engine_is_live = false;
    v->vmcs_fresh = true;
}
