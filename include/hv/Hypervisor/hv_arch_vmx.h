/*
 * hv_arch_vmx.h - VMCS field encodings and VMX constants (x86 flavour).
 *
 * The values here are Intel's: VMCS field encodings for
 * hv_vmx_vcpu_read_vmcs() and hv_vmx_vcpu_write_vmcs(), the bits of the pin-,
 * processor- and secondary processor-based, VM-exit and VM-entry controls,
 * the basic VM-exit reasons, the interruption-information and
 * interruptibility-state formats, and the MSR numbers of the MSR functions.
 * See the Intel SDM, volume 3C, appendices B and C.
 *
 * A field encoding carries the field's width in bits 14:13 (0 = 16-bit,
 * 1 = 64-bit, 2 = 32-bit, 3 = natural width, 64 bits here) and its kind in
 * bits 11:10 (0 = control, 1 = read-only exit information, 2 = guest state,
 * 3 = host state).
 *
 * Constants are enumerators, as in Apple's header, except those above
 * INT_MAX (CPU_BASED_SECONDARY_CTLS, IRQ_INFO_VALID, VMX_BASIC_TRUE_CTLS and
 * the 0xc00000xx MSR numbers): ISO C11 enumerators must fit in an int, so
 * these are unsigned macros with the same values. With __ASSEMBLER__ defined
 * only the macro __VMCS_HOST_RSP is declared.
 *
 * The x86 flavour's implementation is in progress; these declarations fix its
 * names and values.
 */
#ifndef HVMODEL_HYPERVISOR_HV_ARCH_VMX_H
#define HVMODEL_HYPERVISOR_HV_ARCH_VMX_H

#ifndef __ASSEMBLER__
#include <Hypervisor/hv_base.h>
#endif

#if defined(HVMODEL_FLAVOR_ARM64) && !defined(HVMODEL_FLAVOR_X86)
#error "hvmodel: this header belongs to the x86 flavour (HVMODEL_FLAVOR_X86)"
#endif

/* The encoding of VMCS_HOST_RSP, for assembler sources. */
#define __VMCS_HOST_RSP 0x00006c14

#ifndef __ASSEMBLER__

/* ------------------------------------------------------------------------- */
/* VMCS field encodings                                                      */
/* ------------------------------------------------------------------------- */

/*
 * Apple lets the VMM write the guest-state fields, the exception bitmap and
 * page-fault masks, the VM-entry event fields, the TPR threshold, the PAUSE
 * loop fields, the CR0/CR4 masks and shadows and the CR3 target values. The
 * pin-based, processor-based, secondary processor-based and VM-entry controls
 * are writable only with settings hv_vmx_read_capability() allows; the
 * exit-information fields are read-only; VMCS_CTRL_TSC_OFFSET and
 * VMCS_CTRL_APIC_ACCESS are read-only (use hv_vcpu_set_tsc_relative() and
 * hv_vmx_vcpu_set_apic_address()); the framework owns the rest (host state,
 * EPTP, bitmaps, VPID, VM-exit controls). CR0 is writable only with CD and NW
 * clear, the activity state only as active (0) or HLT (1).
 */
enum {
    /* 16-bit control fields */
    VMCS_VPID = 0x00000000,
    VMCS_CTRL_POSTED_INT_N_VECTOR = 0x00000002,
    VMCS_CTRL_EPTP_INDEX = 0x00000004,

    /* 16-bit guest-state fields */
    VMCS_GUEST_ES = 0x00000800,
    VMCS_GUEST_CS = 0x00000802,
    VMCS_GUEST_SS = 0x00000804,
    VMCS_GUEST_DS = 0x00000806,
    VMCS_GUEST_FS = 0x00000808,
    VMCS_GUEST_GS = 0x0000080a,
    VMCS_GUEST_LDTR = 0x0000080c,
    VMCS_GUEST_TR = 0x0000080e,
    VMCS_GUEST_INT_STATUS = 0x00000810,
    VMCS_GUESTPML_INDEX = 0x00000812,

    /* 16-bit host-state fields */
    VMCS_HOST_ES = 0x00000c00,
    VMCS_HOST_CS = 0x00000c02,
    VMCS_HOST_SS = 0x00000c04,
    VMCS_HOST_DS = 0x00000c06,
    VMCS_HOST_FS = 0x00000c08,
    VMCS_HOST_GS = 0x00000c0a,
    VMCS_HOST_TR = 0x00000c0c,

    /* 64-bit control fields */
    VMCS_CTRL_IO_BITMAP_A = 0x00002000,
    VMCS_CTRL_IO_BITMAP_B = 0x00002002,
    VMCS_CTRL_MSR_BITMAPS = 0x00002004,
    VMCS_CTRL_VMEXIT_MSR_STORE_ADDR = 0x00002006,
    VMCS_CTRL_VMEXIT_MSR_LOAD_ADDR = 0x00002008,
    VMCS_CTRL_VMENTRY_MSR_LOAD_ADDR = 0x0000200a,
    VMCS_CTRL_EXECUTIVE_VMCS_PTR = 0x0000200c,
    VMCS_CTRL_PML_ADDR = 0x0000200e,
    VMCS_CTRL_TSC_OFFSET = 0x00002010,
    VMCS_CTRL_VIRTUAL_APIC = 0x00002012,
    VMCS_CTRL_APIC_ACCESS = 0x00002014,
    VMCS_CTRL_POSTED_INT_DESC_ADDR = 0x00002016,
    VMCS_CTRL_VMFUNC_CTRL = 0x00002018,
    VMCS_CTRL_EPTP = 0x0000201a,
    VMCS_CTRL_EOI_EXIT_BITMAP_0 = 0x0000201c,
    VMCS_CTRL_EOI_EXIT_BITMAP_1 = 0x0000201e,
    VMCS_CTRL_EOI_EXIT_BITMAP_2 = 0x00002020,
    VMCS_CTRL_EOI_EXIT_BITMAP_3 = 0x00002022,
    VMCS_CTRL_EPTP_LIST_ADDR = 0x00002024,
    VMCS_CTRL_VMREAD_BITMAP_ADDR = 0x00002026,
    VMCS_CTRL_VMWRITE_BITMAP_ADDR = 0x00002028,
    VMCS_CTRL_VIRT_EXC_INFO_ADDR = 0x0000202a,
    VMCS_CTRL_XSS_EXITING_BITMAP = 0x0000202c,
    VMCS_CTRL_ENCLS_EXITING_BITMAP = 0x0000202e,
    VMCS_CTRL_SPP_TABLE = 0x00002030,
    VMCS_CTRL_TSC_MULTIPLIER = 0x00002032,
    VMCS_CTRL_ENCLV_EXITING_BITMAP = 0x00002036, /* newer SDKs */

    /* 64-bit read-only exit-information field */
    VMCS_GUEST_PHYSICAL_ADDRESS = 0x00002400,

    /* 64-bit guest-state fields */
    VMCS_GUEST_LINK_POINTER = 0x00002800,
    VMCS_GUEST_IA32_DEBUGCTL = 0x00002802,
    VMCS_GUEST_IA32_PAT = 0x00002804,
    VMCS_GUEST_IA32_EFER = 0x00002806,
    VMCS_GUEST_IA32_PERF_GLOBAL_CTRL = 0x00002808,
    VMCS_GUEST_PDPTE0 = 0x0000280a,
    VMCS_GUEST_PDPTE1 = 0x0000280c,
    VMCS_GUEST_PDPTE2 = 0x0000280e,
    VMCS_GUEST_PDPTE3 = 0x00002810,
    VMCS_GUEST_IA32_BNDCFGS = 0x00002812,
    VMCS_GUEST_IA32_RTIT_CTL = 0x00002814,
    VMCS_GUEST_IA32_PKRS = 0x00002818, /* newer SDKs */

    /* 64-bit host-state fields */
    VMCS_HOST_IA32_PAT = 0x00002c00,
    VMCS_HOST_IA32_EFER = 0x00002c02,
    VMCS_HOST_IA32_PERF_GLOBAL_CTRL = 0x00002c04,
    VMCS_HOST_IA32_PKRS = 0x00002c06, /* newer SDKs */

    /* 32-bit control fields */
    VMCS_CTRL_PIN_BASED = 0x00004000,
    VMCS_CTRL_CPU_BASED = 0x00004002,
    VMCS_CTRL_EXC_BITMAP = 0x00004004,
    VMCS_CTRL_PF_ERROR_MASK = 0x00004006,
    VMCS_CTRL_PF_ERROR_MATCH = 0x00004008,
    VMCS_CTRL_CR3_COUNT = 0x0000400a,
    VMCS_CTRL_VMEXIT_CONTROLS = 0x0000400c,
    VMCS_CTRL_VMEXIT_MSR_STORE_COUNT = 0x0000400e,
    VMCS_CTRL_VMEXIT_MSR_LOAD_COUNT = 0x00004010,
    VMCS_CTRL_VMENTRY_CONTROLS = 0x00004012,
    VMCS_CTRL_VMENTRY_MSR_LOAD_COUNT = 0x00004014,
    VMCS_CTRL_VMENTRY_IRQ_INFO = 0x00004016,
    VMCS_CTRL_VMENTRY_EXC_ERROR = 0x00004018,
    VMCS_CTRL_VMENTRY_INSTR_LEN = 0x0000401a,
    VMCS_CTRL_TPR_THRESHOLD = 0x0000401c,
    VMCS_CTRL_CPU_BASED2 = 0x0000401e,
    VMCS_CTRL_PLE_GAP = 0x00004020,
    VMCS_CTRL_PLE_WINDOW = 0x00004022,

    /* 32-bit read-only exit-information fields */
    VMCS_RO_INSTR_ERROR = 0x00004400,
    VMCS_RO_EXIT_REASON = 0x00004402, /* 15:0 VMX_REASON_*, 31 entry failed */
    VMCS_RO_VMEXIT_IRQ_INFO = 0x00004404,
    VMCS_RO_VMEXIT_IRQ_ERROR = 0x00004406,
    VMCS_RO_IDT_VECTOR_INFO = 0x00004408,
    VMCS_RO_IDT_VECTOR_ERROR = 0x0000440a,
    VMCS_RO_VMEXIT_INSTR_LEN = 0x0000440c,
    VMCS_RO_VMX_INSTR_INFO = 0x0000440e,

    /* 32-bit guest-state fields */
    VMCS_GUEST_ES_LIMIT = 0x00004800,
    VMCS_GUEST_CS_LIMIT = 0x00004802,
    VMCS_GUEST_SS_LIMIT = 0x00004804,
    VMCS_GUEST_DS_LIMIT = 0x00004806,
    VMCS_GUEST_FS_LIMIT = 0x00004808,
    VMCS_GUEST_GS_LIMIT = 0x0000480a,
    VMCS_GUEST_LDTR_LIMIT = 0x0000480c,
    VMCS_GUEST_TR_LIMIT = 0x0000480e,
    VMCS_GUEST_GDTR_LIMIT = 0x00004810,
    VMCS_GUEST_IDTR_LIMIT = 0x00004812,
    VMCS_GUEST_ES_AR = 0x00004814,
    VMCS_GUEST_CS_AR = 0x00004816,
    VMCS_GUEST_SS_AR = 0x00004818,
    VMCS_GUEST_DS_AR = 0x0000481a,
    VMCS_GUEST_FS_AR = 0x0000481c,
    VMCS_GUEST_GS_AR = 0x0000481e,
    VMCS_GUEST_LDTR_AR = 0x00004820,
    VMCS_GUEST_TR_AR = 0x00004822,
    VMCS_GUEST_INTERRUPTIBILITY = 0x00004824,            /* GUEST_INTRBILITY_* bits */
    VMCS_GUEST_IGNORE_IRQ = VMCS_GUEST_INTERRUPTIBILITY, /* older name of the same field */
    VMCS_GUEST_ACTIVITY_STATE = 0x00004826, /* 0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI */
    VMCS_GUEST_SMBASE = 0x00004828,
    VMCS_GUEST_IA32_SYSENTER_CS = 0x0000482a,
    VMCS_GUEST_VMX_TIMER_VALUE = 0x0000482e,

    /* 32-bit host-state field */
    VMCS_HOST_IA32_SYSENTER_CS = 0x00004c00,

    /* Natural-width control fields */
    VMCS_CTRL_CR0_MASK = 0x00006000,
    VMCS_CTRL_CR4_MASK = 0x00006002,
    VMCS_CTRL_CR0_SHADOW = 0x00006004,
    VMCS_CTRL_CR4_SHADOW = 0x00006006,
    VMCS_CTRL_CR3_VALUE0 = 0x00006008,
    VMCS_CTRL_CR3_VALUE1 = 0x0000600a,
    VMCS_CTRL_CR3_VALUE2 = 0x0000600c,
    VMCS_CTRL_CR3_VALUE3 = 0x0000600e,

    /* Natural-width read-only exit-information fields */
    VMCS_RO_EXIT_QUALIFIC = 0x00006400,
    VMCS_RO_IO_RCX = 0x00006402,
    VMCS_RO_IO_RSI = 0x00006404,
    VMCS_RO_IO_RDI = 0x00006406,
    VMCS_RO_IO_RIP = 0x00006408,
    VMCS_RO_GUEST_LIN_ADDR = 0x0000640a,

    /* Natural-width guest-state fields */
    VMCS_GUEST_CR0 = 0x00006800,
    VMCS_GUEST_CR3 = 0x00006802,
    VMCS_GUEST_CR4 = 0x00006804,
    VMCS_GUEST_ES_BASE = 0x00006806,
    VMCS_GUEST_CS_BASE = 0x00006808,
    VMCS_GUEST_SS_BASE = 0x0000680a,
    VMCS_GUEST_DS_BASE = 0x0000680c,
    VMCS_GUEST_FS_BASE = 0x0000680e,
    VMCS_GUEST_GS_BASE = 0x00006810,
    VMCS_GUEST_LDTR_BASE = 0x00006812,
    VMCS_GUEST_TR_BASE = 0x00006814,
    VMCS_GUEST_GDTR_BASE = 0x00006816,
    VMCS_GUEST_IDTR_BASE = 0x00006818,
    VMCS_GUEST_DR7 = 0x0000681a,
    VMCS_GUEST_RSP = 0x0000681c,
    VMCS_GUEST_RIP = 0x0000681e,
    VMCS_GUEST_RFLAGS = 0x00006820,
    VMCS_GUEST_DEBUG_EXC = 0x00006822,
    VMCS_GUEST_SYSENTER_ESP = 0x00006824,
    VMCS_GUEST_SYSENTER_EIP = 0x00006826,
    VMCS_GUEST_IA32_S_CET = 0x00006828,               /* newer SDKs */
    VMCS_GUEST_SSP = 0x0000682a,                      /* newer SDKs */
    VMCS_GUEST_IA32_INTR_SSP_TABLE_ADDR = 0x0000682c, /* newer SDKs */

    /* Natural-width host-state fields */
    VMCS_HOST_CR0 = 0x00006c00,
    VMCS_HOST_CR3 = 0x00006c02,
    VMCS_HOST_CR4 = 0x00006c04,
    VMCS_HOST_FS_BASE = 0x00006c06,
    VMCS_HOST_GS_BASE = 0x00006c08,
    VMCS_HOST_TR_BASE = 0x00006c0a,
    VMCS_HOST_GDTR_BASE = 0x00006c0c,
    VMCS_HOST_IDTR_BASE = 0x00006c0e,
    VMCS_HOST_IA32_SYSENTER_ESP = 0x00006c10,
    VMCS_HOST_IA32_SYSENTER_EIP = 0x00006c12,
    VMCS_HOST_RSP = __VMCS_HOST_RSP,
    VMCS_HOST_RIP = 0x00006c16,
    VMCS_HOST_IA32_S_CET = 0x00006c18,               /* newer SDKs */
    VMCS_HOST_SSP = 0x00006c1a,                      /* newer SDKs */
    VMCS_HOST_IA32_INTR_SSP_TABLE_ADDR = 0x00006c1c, /* newer SDKs */

    /* One past the highest encoding above; VMCS_INVALID names no field. */
    VMCS_MAX = 0x00006d00,
    VMCS_INVALID = VMCS_MAX,
};

/* ------------------------------------------------------------------------- */
/* Control bits                                                              */
/* ------------------------------------------------------------------------- */

/*
 * A control field may have a bit set only if hv_vmx_read_capability() for
 * its HV_VMX_CAP_* id reports it as allowed-1 (high 32 bits), and must have
 * it set if it is reported as allowed-0 (low 32 bits).
 */

/* Pin-based VM-execution controls (VMCS_CTRL_PIN_BASED). */
enum {
    PIN_BASED_INTR = 1 << 0,
    PIN_BASED_NMI = 1 << 3,
    PIN_BASED_VIRTUAL_NMI = 1 << 5,
    PIN_BASED_PREEMPTION_TIMER = 1 << 6,
    PIN_BASED_POSTED_INTR = 1 << 7,
};

/* Primary processor-based VM-execution controls (VMCS_CTRL_CPU_BASED). */
enum {
    CPU_BASED_IRQ_WND = 1 << 2,
    CPU_BASED_TSC_OFFSET = 1 << 3,
    CPU_BASED_HLT = 1 << 7,
    CPU_BASED_INVLPG = 1 << 9,
    CPU_BASED_MWAIT = 1 << 10,
    CPU_BASED_RDPMC = 1 << 11,
    CPU_BASED_RDTSC = 1 << 12,
    CPU_BASED_CR3_LOAD = 1 << 15,
    CPU_BASED_CR3_STORE = 1 << 16,
    CPU_BASED_CR8_LOAD = 1 << 19,
    CPU_BASED_CR8_STORE = 1 << 20,
    CPU_BASED_TPR_SHADOW = 1 << 21,
    CPU_BASED_VIRTUAL_NMI_WND = 1 << 22,
    CPU_BASED_MOV_DR = 1 << 23,
    CPU_BASED_UNCOND_IO = 1 << 24,
    CPU_BASED_IO_BITMAPS = 1 << 25,
    CPU_BASED_MTF = 1 << 27,
    CPU_BASED_MSR_BITMAPS = 1 << 28,
    CPU_BASED_MONITOR = 1 << 29,
    CPU_BASED_PAUSE = 1 << 30,
};
#define CPU_BASED_SECONDARY_CTLS (1u << 31)

/* Secondary processor-based VM-execution controls (VMCS_CTRL_CPU_BASED2). */
enum {
    CPU_BASED2_VIRTUAL_APIC = 1 << 0,
    CPU_BASED2_EPT = 1 << 1,
    CPU_BASED2_DESC_TABLE = 1 << 2,
    CPU_BASED2_RDTSCP = 1 << 3,
    CPU_BASED2_X2APIC = 1 << 4,
    CPU_BASED2_VPID = 1 << 5,
    CPU_BASED2_WBINVD = 1 << 6,
    CPU_BASED2_UNRESTRICTED = 1 << 7,
    CPU_BASED2_APIC_REG_VIRT = 1 << 8,
    CPU_BASED2_VIRT_INTR_DELIVERY = 1 << 9,
    CPU_BASED2_PAUSE_LOOP = 1 << 10,
    CPU_BASED2_RDRAND = 1 << 11,
    CPU_BASED2_INVPCID = 1 << 12,
    CPU_BASED2_VMFUNC = 1 << 13,
    CPU_BASED2_VMCS_SHADOW = 1 << 14,
    CPU_BASED2_ENCLS_EXIT_MAP = 1 << 15,
    CPU_BASED2_RDSEED = 1 << 16,
    CPU_BASED2_PML = 1 << 17,
    CPU_BASED2_EPT_VE = 1 << 18,
    CPU_BASED2_PT_CONCEAL_VMX = 1 << 19,
    CPU_BASED2_XSAVES_XRSTORS = 1 << 20,
    CPU_BASED2_EPT_MODE_BASED_EXEC = 1 << 22,
    CPU_BASED2_EPT_SUBPAGE_WRITE = 1 << 23,
    CPU_BASED2_PT_GUEST_PHYSICAL = 1 << 24,
    CPU_BASED2_TSC_SCALING = 1 << 25,
    CPU_BASED2_USER_WAIT_PAUSE = 1 << 26,
    CPU_BASED2_ENCLV_EXIT_MAP = 1 << 28,
};

/* EPT and VPID capabilities (HV_VMX_CAP_EPT_VPID_CAP). */
enum {
    VMX_EPT_VPID_SUPPORT_EXONLY = 1 << 0,
    VMX_EPT_VPID_SUPPORT_AD = 1 << 21,
    VMX_EPT_VPID_ADV_VMEXIT_INFO = 1 << 22,
};

/* IA32_VMX_BASIC (HV_VMX_CAP_BASIC) bit 55: the TRUE_* capabilities exist. */
#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* VM-exit controls (VMCS_CTRL_VMEXIT_CONTROLS); not among the fields Apple lets the VMM write. */
enum {
    VMEXIT_SAVE_DBG_CONTROLS = 1 << 2,
    VMEXIT_HOST_IA32E = 1 << 9,
    VMEXIT_LOAD_IA32_PERF_GLOBAL_CTRL = 1 << 12,
    VMEXIT_ACK_INTR = 1 << 15,
    VMEXIT_SAVE_IA32_PAT = 1 << 18,
    VMEXIT_LOAD_IA32_PAT = 1 << 19,
    VMEXIT_SAVE_EFER = 1 << 20,
    VMEXIT_LOAD_EFER = 1 << 21,
    VMEXIT_SAVE_VMX_TIMER = 1 << 22,
    VMEXIT_CLEAR_IA32_BNDCFGS = 1 << 23,
    VMEXIT_PT_CONCEAL_VMX = 1 << 24,
    VMEXIT_CLEAR_IA32_RTIT_CTL = 1 << 25,
    VMEXIT_LOAD_CET_STATE = 1 << 28,
    VMEXIT_LOAD_PKRS = 1 << 29,
};

/* VM-entry controls (VMCS_CTRL_VMENTRY_CONTROLS). */
enum {
    VMENTRY_LOAD_DBG_CONTROLS = 1 << 2,
    VMENTRY_GUEST_IA32E = 1 << 9,
    VMENTRY_SMM = 1 << 10,
    VMENTRY_DEACTIVATE_DUAL_MONITOR = 1 << 11,
    VMENTRY_LOAD_IA32_PERF_GLOBAL_CTRL = 1 << 13,
    VMENTRY_LOAD_IA32_PAT = 1 << 14,
    VMENTRY_LOAD_EFER = 1 << 15,
    VMENTRY_LOAD_IA32_BNDCFGS = 1 << 16,
    VMENTRY_PT_CONCEAL_VMX = 1 << 17,
    VMENTRY_LOAD_IA32_RTIT_CTL = 1 << 18,
    VMENTRY_LOAD_CET_STATE = 1 << 20,
    VMENTRY_LOAD_PKRS = 1 << 22,
};

/* ------------------------------------------------------------------------- */
/* Exit reasons                                                              */
/* ------------------------------------------------------------------------- */

/*
 * Basic VM-exit reasons: bits 15:0 of VMCS_RO_EXIT_REASON. 35, 38, 42 and 65
 * are not defined. With bit 31 of the field set, VMX_REASON_VMENTRY_GUEST or
 * VMX_REASON_VMENTRY_MSR means the VM entry itself failed.
 */
enum {
    VMX_REASON_EXC_NMI = 0,
    VMX_REASON_IRQ = 1,
    VMX_REASON_TRIPLE_FAULT = 2,
    VMX_REASON_INIT = 3,
    VMX_REASON_SIPI = 4,
    VMX_REASON_IO_SMI = 5,
    VMX_REASON_OTHER_SMI = 6,
    VMX_REASON_IRQ_WND = 7,
    VMX_REASON_VIRTUAL_NMI_WND = 8,
    VMX_REASON_TASK = 9,
    VMX_REASON_CPUID = 10,
    VMX_REASON_GETSEC = 11,
    VMX_REASON_HLT = 12,
    VMX_REASON_INVD = 13,
    VMX_REASON_INVLPG = 14,
    VMX_REASON_RDPMC = 15,
    VMX_REASON_RDTSC = 16,
    VMX_REASON_RSM = 17,
    VMX_REASON_VMCALL = 18,
    VMX_REASON_VMCLEAR = 19,
    VMX_REASON_VMLAUNCH = 20,
    VMX_REASON_VMPTRLD = 21,
    VMX_REASON_VMPTRST = 22,
    VMX_REASON_VMREAD = 23,
    VMX_REASON_VMRESUME = 24,
    VMX_REASON_VMWRITE = 25,
    VMX_REASON_VMOFF = 26,
    VMX_REASON_VMON = 27,
    VMX_REASON_MOV_CR = 28,
    VMX_REASON_MOV_DR = 29,
    VMX_REASON_IO = 30,
    VMX_REASON_RDMSR = 31,
    VMX_REASON_WRMSR = 32,
    VMX_REASON_VMENTRY_GUEST = 33,
    VMX_REASON_VMENTRY_MSR = 34,
    VMX_REASON_MWAIT = 36,
    VMX_REASON_MTF = 37,
    VMX_REASON_MONITOR = 39,
    VMX_REASON_PAUSE = 40,
    VMX_REASON_VMENTRY_MC = 41,
    VMX_REASON_TPR_THRESHOLD = 43,
    VMX_REASON_APIC_ACCESS = 44,
    VMX_REASON_VIRTUALIZED_EOI = 45,
    VMX_REASON_GDTR_IDTR = 46,
    VMX_REASON_LDTR_TR = 47,
    VMX_REASON_EPT_VIOLATION = 48,
    VMX_REASON_EPT_MISCONFIG = 49,
    VMX_REASON_EPT_INVEPT = 50,
    VMX_REASON_RDTSCP = 51,
    VMX_REASON_VMX_TIMER_EXPIRED = 52,
    VMX_REASON_INVVPID = 53,
    VMX_REASON_WBINVD = 54,
    VMX_REASON_XSETBV = 55,
    VMX_REASON_APIC_WRITE = 56,
    VMX_REASON_RDRAND = 57,
    VMX_REASON_INVPCID = 58,
    VMX_REASON_VMFUNC = 59,
    VMX_REASON_ENCLS = 60,
    VMX_REASON_RDSEED = 61,
    VMX_REASON_PML_FULL = 62,
    VMX_REASON_XSAVES = 63,
    VMX_REASON_XRSTORS = 64,
    VMX_REASON_SPP_EVENT = 66,
    VMX_REASON_UMWAIT = 67,
    VMX_REASON_TPAUSE = 68,
};

/* ------------------------------------------------------------------------- */
/* Event information formats                                                 */
/* ------------------------------------------------------------------------- */

/*
 * Interruption information: VMCS_CTRL_VMENTRY_IRQ_INFO (an event to inject),
 * VMCS_RO_VMEXIT_IRQ_INFO and VMCS_RO_IDT_VECTOR_INFO. Bits 7:0 hold the
 * vector, bits 10:8 the type, bit 11 says an error code is delivered (in the
 * matching *_ERROR field) and bit 31 that the field is valid.
 */
enum {
    IRQ_INFO_VECTOR_MASK = 0xff,
    IRQ_INFO_EXT_IRQ = 0 << 8,
    IRQ_INFO_NMI = 2 << 8,
    IRQ_INFO_HARD_EXC = 3 << 8,
    IRQ_INFO_SOFT_IRQ = 4 << 8,
    IRQ_INFO_PRIV_SOFT_EXC = 5 << 8,
    IRQ_INFO_SOFT_EXC = 6 << 8,
    IRQ_INFO_TYPE_MASK = 7 << 8,
    IRQ_INFO_ERROR_VALID = 1 << 11,
};
#define IRQ_INFO_VALID (1u << 31)

/* Interruptibility state (VMCS_GUEST_INTERRUPTIBILITY). */
enum {
    GUEST_INTRBILITY_STI_BLOCKING = 1 << 0,
    GUEST_INTRBILITY_MOVSS_BLOCKING = 1 << 1,
    GUEST_INTRBILITY_SMI_BLOCKING = 1 << 2,
    GUEST_INTRBILITY_NMI_BLOCKING = 1 << 3,
};

/* ------------------------------------------------------------------------- */
/* MSRs                                                                      */
/* ------------------------------------------------------------------------- */

/*
 * MSR numbers for hv_vcpu_enable_native_msr(), hv_vcpu_enable_managed_msr(),
 * hv_vcpu_set_msr_access(), hv_vcpu_read_msr() and hv_vcpu_write_msr().
 */
enum {
    HV_MSR_IA32_TSC = 0x10,
    HV_MSR_IA32_SPEC_CTRL = 0x48,
    HV_MSR_IA32_PRED_CMD = 0x49,
    HV_MSR_IA32_PMC0 = 0xc1,
    HV_MSR_IA32_PMC1 = 0xc2,
    HV_MSR_IA32_PMC2 = 0xc3,
    HV_MSR_IA32_PMC3 = 0xc4,
    HV_MSR_IA32_PMC4 = 0xc5,
    HV_MSR_IA32_PMC5 = 0xc6,
    HV_MSR_IA32_PMC6 = 0xc7,
    HV_MSR_IA32_PMC7 = 0xc8,
    HV_MSR_IA32_ARCH_CAPABILITIES = 0x10a,
    HV_MSR_IA32_FLUSH_CMD = 0x10b,
    HV_MSR_IA32_SYSENTER_CS = 0x174,
    HV_MSR_IA32_SYSENTER_ESP = 0x175,
    HV_MSR_IA32_SYSENTER_EIP = 0x176,
    HV_MSR_IA32_PERFEVNTSEL0 = 0x186,
    HV_MSR_IA32_PERFEVNTSEL1 = 0x187,
    HV_MSR_IA32_PERFEVNTSEL2 = 0x188,
    HV_MSR_IA32_PERFEVNTSEL3 = 0x189,
    HV_MSR_IA32_PERFEVNTSEL4 = 0x18a,
    HV_MSR_IA32_PERFEVNTSEL5 = 0x18b,
    HV_MSR_IA32_PERFEVNTSEL6 = 0x18c,
    HV_MSR_IA32_PERFEVNTSEL7 = 0x18d,
    HV_MSR_LBR_SELECT = 0x1c8,
    HV_MSR_LASTBRANCH_TOS = 0x1c9,
    HV_MSR_IA32_DEBUGCTL = 0x1d9,
    HV_MSR_LASTINT_FROM_IP = 0x1dd,
    HV_MSR_LASTINT_TO_IP = 0x1de,
    HV_MSR_IA32_FIXED_CTR0 = 0x309,
    HV_MSR_IA32_FIXED_CTR1 = 0x30a,
    HV_MSR_IA32_FIXED_CTR2 = 0x30b,
    HV_MSR_IA32_FIXED_CTR3 = 0x30c,
    HV_MSR_PERF_METRICS = 0x329,
    HV_MSR_IA32_FIXED_CTR_CTRL = 0x38d,
    HV_MSR_IA32_PERF_GLOBAL_STATUS = 0x38e,
    HV_MSR_IA32_PERF_GLOBAL_CTRL = 0x38f,
    HV_MSR_IA32_PERF_GLOBAL_STATUS_RESET = 0x390,
    HV_MSR_IA32_PERF_GLOBAL_STATUS_SET = 0x391,
    HV_MSR_IA32_PERF_GLOBAL_INUSE = 0x392,
    HV_MSR_IA32_A_PMC0 = 0x4c1,
    HV_MSR_IA32_A_PMC1 = 0x4c2,
    HV_MSR_IA32_A_PMC2 = 0x4c3,
    HV_MSR_IA32_A_PMC3 = 0x4c4,
    HV_MSR_IA32_A_PMC4 = 0x4c5,
    HV_MSR_IA32_A_PMC5 = 0x4c6,
    HV_MSR_IA32_A_PMC6 = 0x4c7,
    HV_MSR_IA32_A_PMC7 = 0x4c8,
    HV_MSR_LASTBRANCH_0_FROM_IP = 0x680,
    HV_MSR_LASTBRANCH_1_FROM_IP = 0x681,
    HV_MSR_LASTBRANCH_2_FROM_IP = 0x682,
    HV_MSR_LASTBRANCH_3_FROM_IP = 0x683,
    HV_MSR_LASTBRANCH_4_FROM_IP = 0x684,
    HV_MSR_LASTBRANCH_5_FROM_IP = 0x685,
    HV_MSR_LASTBRANCH_6_FROM_IP = 0x686,
    HV_MSR_LASTBRANCH_7_FROM_IP = 0x687,
    HV_MSR_LASTBRANCH_8_FROM_IP = 0x688,
    HV_MSR_LASTBRANCH_9_FROM_IP = 0x689,
    HV_MSR_LASTBRANCH_10_FROM_IP = 0x68a,
    HV_MSR_LASTBRANCH_11_FROM_IP = 0x68b,
    HV_MSR_LASTBRANCH_12_FROM_IP = 0x68c,
    HV_MSR_LASTBRANCH_13_FROM_IP = 0x68d,
    HV_MSR_LASTBRANCH_14_FROM_IP = 0x68e,
    HV_MSR_LASTBRANCH_15_FROM_IP = 0x68f,
    HV_MSR_LASTBRANCH_16_FROM_IP = 0x690,
    HV_MSR_LASTBRANCH_17_FROM_IP = 0x691,
    HV_MSR_LASTBRANCH_18_FROM_IP = 0x692,
    HV_MSR_LASTBRANCH_19_FROM_IP = 0x693,
    HV_MSR_LASTBRANCH_20_FROM_IP = 0x694,
    HV_MSR_LASTBRANCH_21_FROM_IP = 0x695,
    HV_MSR_LASTBRANCH_22_FROM_IP = 0x696,
    HV_MSR_LASTBRANCH_23_FROM_IP = 0x697,
    HV_MSR_LASTBRANCH_24_FROM_IP = 0x698,
    HV_MSR_LASTBRANCH_25_FROM_IP = 0x699,
    HV_MSR_LASTBRANCH_26_FROM_IP = 0x69a,
    HV_MSR_LASTBRANCH_27_FROM_IP = 0x69b,
    HV_MSR_LASTBRANCH_28_FROM_IP = 0x69c,
    HV_MSR_LASTBRANCH_29_FROM_IP = 0x69d,
    HV_MSR_LASTBRANCH_30_FROM_IP = 0x69e,
    HV_MSR_LASTBRANCH_31_FROM_IP = 0x69f,
    HV_MSR_LASTBRANCH_0_TO_IP = 0x6c0,
    HV_MSR_LASTBRANCH_1_TO_IP = 0x6c1,
    HV_MSR_LASTBRANCH_2_TO_IP = 0x6c2,
    HV_MSR_LASTBRANCH_3_TO_IP = 0x6c3,
    HV_MSR_LASTBRANCH_4_TO_IP = 0x6c4,
    HV_MSR_LASTBRANCH_5_TO_IP = 0x6c5,
    HV_MSR_LASTBRANCH_6_TO_IP = 0x6c6,
    HV_MSR_LASTBRANCH_7_TO_IP = 0x6c7,
    HV_MSR_LASTBRANCH_8_TO_IP = 0x6c8,
    HV_MSR_LASTBRANCH_9_TO_IP = 0x6c9,
    HV_MSR_LASTBRANCH_10_TO_IP = 0x6ca,
    HV_MSR_LASTBRANCH_11_TO_IP = 0x6cb,
    HV_MSR_LASTBRANCH_12_TO_IP = 0x6cc,
    HV_MSR_LASTBRANCH_13_TO_IP = 0x6cd,
    HV_MSR_LASTBRANCH_14_TO_IP = 0x6ce,
    HV_MSR_LASTBRANCH_15_TO_IP = 0x6cf,
    HV_MSR_LASTBRANCH_16_TO_IP = 0x6d0,
    HV_MSR_LASTBRANCH_17_TO_IP = 0x6d1,
    HV_MSR_LASTBRANCH_18_TO_IP = 0x6d2,
    HV_MSR_LASTBRANCH_19_TO_IP = 0x6d3,
    HV_MSR_LASTBRANCH_20_TO_IP = 0x6d4,
    HV_MSR_LASTBRANCH_21_TO_IP = 0x6d5,
    HV_MSR_LASTBRANCH_22_TO_IP = 0x6d6,
    HV_MSR_LASTBRANCH_23_TO_IP = 0x6d7,
    HV_MSR_LASTBRANCH_24_TO_IP = 0x6d8,
    HV_MSR_LASTBRANCH_25_TO_IP = 0x6d9,
    HV_MSR_LASTBRANCH_26_TO_IP = 0x6da,
    HV_MSR_LASTBRANCH_27_TO_IP = 0x6db,
    HV_MSR_LASTBRANCH_28_TO_IP = 0x6dc,
    HV_MSR_LASTBRANCH_29_TO_IP = 0x6dd,
    HV_MSR_LASTBRANCH_30_TO_IP = 0x6de,
    HV_MSR_LASTBRANCH_31_TO_IP = 0x6df,
    HV_MSR_IA32_XSS = 0xda0,
    HV_MSR_LASTBRANCH_INFO_0 = 0xdc0,
    HV_MSR_LASTBRANCH_INFO_1 = 0xdc1,
    HV_MSR_LASTBRANCH_INFO_2 = 0xdc2,
    HV_MSR_LASTBRANCH_INFO_3 = 0xdc3,
    HV_MSR_LASTBRANCH_INFO_4 = 0xdc4,
    HV_MSR_LASTBRANCH_INFO_5 = 0xdc5,
    HV_MSR_LASTBRANCH_INFO_6 = 0xdc6,
    HV_MSR_LASTBRANCH_INFO_7 = 0xdc7,
    HV_MSR_LASTBRANCH_INFO_8 = 0xdc8,
    HV_MSR_LASTBRANCH_INFO_9 = 0xdc9,
    HV_MSR_LASTBRANCH_INFO_10 = 0xdca,
    HV_MSR_LASTBRANCH_INFO_11 = 0xdcb,
    HV_MSR_LASTBRANCH_INFO_12 = 0xdcc,
    HV_MSR_LASTBRANCH_INFO_13 = 0xdcd,
    HV_MSR_LASTBRANCH_INFO_14 = 0xdce,
    HV_MSR_LASTBRANCH_INFO_15 = 0xdcf,
    HV_MSR_LASTBRANCH_INFO_16 = 0xdd0,
    HV_MSR_LASTBRANCH_INFO_17 = 0xdd1,
    HV_MSR_LASTBRANCH_INFO_18 = 0xdd2,
    HV_MSR_LASTBRANCH_INFO_19 = 0xdd3,
    HV_MSR_LASTBRANCH_INFO_20 = 0xdd4,
    HV_MSR_LASTBRANCH_INFO_21 = 0xdd5,
    HV_MSR_LASTBRANCH_INFO_22 = 0xdd6,
    HV_MSR_LASTBRANCH_INFO_23 = 0xdd7,
    HV_MSR_LASTBRANCH_INFO_24 = 0xdd8,
    HV_MSR_LASTBRANCH_INFO_25 = 0xdd9,
    HV_MSR_LASTBRANCH_INFO_26 = 0xdda,
    HV_MSR_LASTBRANCH_INFO_27 = 0xddb,
    HV_MSR_LASTBRANCH_INFO_28 = 0xddc,
    HV_MSR_LASTBRANCH_INFO_29 = 0xddd,
    HV_MSR_LASTBRANCH_INFO_30 = 0xdde,
    HV_MSR_LASTBRANCH_INFO_31 = 0xddf,
};
#define HV_MSR_IA32_EFER           0xc0000080u
#define HV_MSR_IA32_STAR           0xc0000081u
#define HV_MSR_IA32_LSTAR          0xc0000082u
#define HV_MSR_IA32_CSTAR          0xc0000083u
#define HV_MSR_IA32_FMASK          0xc0000084u
#define HV_MSR_IA32_FS_BASE        0xc0000100u
#define HV_MSR_IA32_GS_BASE        0xc0000101u
#define HV_MSR_IA32_KERNEL_GS_BASE 0xc0000102u
#define HV_MSR_IA32_TSC_AUX        0xc0000103u

#endif /* __ASSEMBLER__ */

#endif /* HVMODEL_HYPERVISOR_HV_ARCH_VMX_H */
