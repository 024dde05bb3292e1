/*
 * hv_types.h - types, options and flags of the x86 (Intel VMX) flavour.
 *
 * vCPU ids, guest and host addresses, address spaces, the VM and vCPU option
 * words, memory and MSR permission flags, I/O notifier flags and message, the
 * hv_vm_allocate() flags, and the state records of the in-kernel interrupt
 * controllers (macOS 12.0+). Each option or flag set is a typedef of Apple's
 * fixed-width storage type plus an anonymous enum of its constants.
 *
 * The x86 flavour's implementation is in progress; these declarations fix its
 * names, values and ABI. Under the arm64 flavour this header declares nothing.
 */
#ifndef HVMODEL_HYPERVISOR_HV_TYPES_H
#define HVMODEL_HYPERVISOR_HV_TYPES_H

#include <Hypervisor/hv_base.h>

#if defined(HVMODEL_FLAVOR_X86) && !defined(HVMODEL_FLAVOR_ARM64)

#include <Hypervisor/hv_error.h>

/* ------------------------------------------------------------------------- */
/* Handles and addresses                                                     */
/* ------------------------------------------------------------------------- */

/*
 * A vCPU id, written by hv_vcpu_create(). 32 bits wide, unlike the 64-bit
 * hv_vcpu_t of Apple silicon.
 */
typedef unsigned hv_vcpuid_t;

/* A host (user) virtual address: the memory behind a guest mapping. */
typedef const void *hv_uvaddr_t;

/* A guest physical address. */
typedef uint64_t hv_gpaddr_t;

/*
 * A guest physical address space (a separate EPT), macOS 10.15+. Every vCPU
 * starts in HV_VM_SPACE_DEFAULT; hv_vm_space_create() makes more.
 */
typedef unsigned hv_vm_space_t;

enum {
    HV_VM_SPACE_DEFAULT = 0, /* the space hv_vm_map() and friends act on */
};

/* ------------------------------------------------------------------------- */
/* Capabilities and options                                                  */
/* ------------------------------------------------------------------------- */

/* What hv_capability() reports (macOS 10.15+). */
typedef uint64_t hv_capability_t;

enum {
    HV_CAP_VCPUMAX = 0,      /* how many vCPUs a VM can have */
    HV_CAP_ADDRSPACEMAX = 1, /* how many address spaces a VM can have, the default one included */
};

/* Options of hv_vm_create(). */
typedef uint64_t hv_vm_options_t;

enum {
    HV_VM_DEFAULT = 0,                  /* no options */
    HV_VM_SPECIFY_MITIGATIONS = 1 << 0, /* the MITIGATION bits below are meaningful */
    HV_VM_MITIGATION_A_ENABLE = 1 << 1, /* host side-channel mitigation A */
    HV_VM_MITIGATION_B_ENABLE = 1 << 2, /* host side-channel mitigation B */
    HV_VM_MITIGATION_C_ENABLE = 1 << 3, /* host side-channel mitigation C */
    HV_VM_MITIGATION_D_ENABLE = 1 << 4, /* host side-channel mitigation D */
    HV_VM_MITIGATION_E_ENABLE = 1 << 6, /* host side-channel mitigation E (bit 5 is unused) */
    HV_VM_ACCEL_APIC = 1 << 10,         /* in-kernel APIC, IOAPIC and ATPIC (macOS 12.0+) */
};

/* Options of hv_vcpu_create(). */
typedef uint64_t hv_vcpu_options_t;

enum {
    HV_VCPU_DEFAULT = 0,           /* no options */
    HV_VCPU_ACCEL_RDPMC = 1 << 0,  /* the framework handles RDPMC exits itself */
    HV_VCPU_TSC_RELATIVE = 1 << 1, /* guest TSC follows hv_tsc_clock() plus an offset */
};

/* ------------------------------------------------------------------------- */
/* Memory                                                                    */
/* ------------------------------------------------------------------------- */

/* EPT permissions of a guest memory range (hv_vm_map, hv_vm_protect, ...). */
typedef uint64_t hv_memory_flags_t;

/*
 * HV_MEMORY_UEXEC and the HV_MEMORY_MAXPROT* flags appear only in newer SDK
 * headers; Apple does not document what they do.
 */
enum {
    HV_MEMORY_READ = 1 << 0,          /* the guest may read */
    HV_MEMORY_WRITE = 1 << 1,         /* the guest may write */
    HV_MEMORY_EXEC = 1 << 2,          /* the guest may execute (supervisor mode) */
    HV_MEMORY_UEXEC = 1 << 3,         /* the guest may execute in user mode */
    HV_MEMORY_MAXPROT = 1 << 4,       /* the MAXPROT bits below are meaningful */
    HV_MEMORY_MAXPROT_READ = 1 << 5,  /* maximum permission: read */
    HV_MEMORY_MAXPROT_WRITE = 1 << 6, /* maximum permission: write */
    HV_MEMORY_MAXPROT_EXEC = 1 << 7,  /* maximum permission: execute */
    HV_MEMORY_MAXPROT_UEXEC = 1 << 8, /* maximum permission: user-mode execute */
};

/* Flags of hv_vm_allocate() (macOS 12.0+). */
typedef uint64_t hv_allocate_flags_t;

enum {
    HV_ALLOCATE_DEFAULT = 0, /* the only flag value: ordinary anonymous memory */
};

/* ------------------------------------------------------------------------- */
/* MSRs and time                                                             */
/* ------------------------------------------------------------------------- */

/* Native guest access to a managed MSR (hv_vcpu_set_msr_access, macOS 11.0+). */
typedef uint32_t hv_msr_flags_t;

enum {
    HV_MSR_NONE = 0,       /* every guest access exits */
    HV_MSR_READ = 1 << 0,  /* guest RDMSR runs natively */
    HV_MSR_WRITE = 1 << 1, /* guest WRMSR runs natively */
};

/* hv_vcpu_run_until() deadline meaning "no deadline" (macOS 11.0+). */
#define HV_DEADLINE_FOREVER (~0ull)

/* ------------------------------------------------------------------------- */
/* Port I/O notifiers (macOS 11.0+)                                          */
/* ------------------------------------------------------------------------- */

/* How a port I/O notifier matches and what happens when its queue is full. */
typedef uint32_t hv_ion_flags_t;

enum {
    HV_ION_NONE = 0,           /* match address, size and value exactly */
    HV_ION_ANY_VALUE = 1 << 1, /* match any written value */
    HV_ION_ANY_SIZE = 1 << 2,  /* match any access size */
    HV_ION_EXIT_FULL = 1 << 3, /* exit normally when the port's queue is full */
};

/*
 * The Darwin Mach types the notifier message is built from, with Darwin's
 * sizes, for sources that use them on a host without <mach/message.h>.
 */
#ifndef HVMODEL_HAVE_MACH_PORT_T
#define HVMODEL_HAVE_MACH_PORT_T 1
typedef unsigned int mach_port_t;
#endif
#ifndef HVMODEL_HAVE_MACH_MSG_TYPES
#define HVMODEL_HAVE_MACH_MSG_TYPES 1
typedef unsigned int mach_msg_bits_t;
typedef uint32_t mach_msg_size_t;
typedef int32_t mach_msg_id_t;
typedef unsigned int mach_port_name_t;
typedef unsigned int mach_msg_trailer_type_t;
typedef unsigned int mach_msg_trailer_size_t;

/* 24 bytes, as on Darwin. */
typedef struct {
    mach_msg_bits_t msgh_bits;
    mach_msg_size_t msgh_size;
    mach_port_t msgh_remote_port;
    mach_port_t msgh_local_port;
    mach_port_name_t msgh_voucher_port;
    mach_msg_id_t msgh_id;
} mach_msg_header_t;

/* 8 bytes, as on Darwin. */
typedef struct {
    mach_msg_trailer_type_t msgh_trailer_type;
    mach_msg_trailer_size_t msgh_trailer_size;
} mach_msg_trailer_t;
#endif

/*
 * The message a port I/O notifier sends instead of an exit: the port address,
 * access size and value of the guest write that matched.
 */
typedef struct {
    mach_msg_header_t header;   /* offset 0 */
    uint64_t addr;              /* offset 24: the port address */
    uint64_t size;              /* offset 32: the access size in bytes */
    uint64_t value;             /* offset 40: the value written */
    mach_msg_trailer_t trailer; /* offset 48 */
} hv_ion_message_t;

/* ------------------------------------------------------------------------- */
/* In-kernel interrupt controllers (macOS 12.0+, HV_VM_ACCEL_APIC)           */
/* ------------------------------------------------------------------------- */

/* Why an hv_vcpu_run() exit with the in-kernel APIC needs the VMM. */
typedef uint32_t hv_vm_exitinfo_t;

enum {
    HV_VM_EXITINFO_VMX = 1,              /* an ordinary VMX exit: read the VMCS */
    HV_VM_EXITINFO_INIT_AP = 2,          /* the guest sent INIT to application processors */
    HV_VM_EXITINFO_STARTUP_AP = 3,       /* the guest sent a startup IPI */
    HV_VM_EXITINFO_IOAPIC_EOI = 4,       /* an EOI for a level-triggered IOAPIC vector */
    HV_VM_EXITINFO_INJECT_EXCP = 5,      /* the APIC needs an exception injected */
    HV_VM_EXITINFO_SMI = 6,              /* the guest sent an SMI */
    HV_VM_EXITINFO_APIC_ACCESS_READ = 7, /* an APIC read the VMM must complete */
};

/* Which APIC events the framework handles itself (hv_vcpu_apic_ctrl). */
typedef uint64_t hv_apic_ctrl_t;

enum {
    HV_APIC_CTRL_DEFAULT = 0,          /* nothing extra */
    HV_APIC_CTRL_EOI_ICR_TPR = 1 << 0, /* EOI, ICR and TPR accesses */
    HV_APIC_CTRL_GUEST_IDLE = 1 << 1,  /* idling instructions such as HLT */
    HV_APIC_CTRL_NO_TIMER = 1 << 2,    /* no in-kernel APIC timer */
    HV_APIC_CTRL_IOAPIC_EOI = 1 << 3,  /* report IOAPIC EOIs to the VMM */
};

/* A local vector table entry (hv_vcpu_apic_trigger_lvt). */
typedef uint32_t hv_apic_lvt_flavor_t;

enum {
    HV_APIC_LVT_FLAVOR_TIMER = 1, /* the APIC timer entry, the only one supported */
};

/* Trigger mode of an interrupt sent with hv_vm_lapic_set_intr(). */
typedef uint32_t hv_apic_intr_trigger_t;

enum {
    HV_APIC_EDGE_TRIGGER = 0,      /* edge-triggered */
    HV_APIC_EDGE_TRIGGER_AEOI = 1, /* edge-triggered with automatic EOI */
    HV_APIC_LEVEL_TRIGGER = 2,     /* level-triggered */
};

/* Boot state of a vCPU's local APIC. 32 bits wide, as in Apple's header. */
#ifdef __cplusplus
enum hv_boot_state : uint32_t {
#else
enum hv_boot_state {
#endif
    HV_BS_INIT = 0,    /* waiting for INIT */
    HV_BS_SIPI = 1,    /* waiting for a startup IPI */
    HV_BS_RUNNING = 2, /* running */
};

/* Local APIC state: 240 bytes. */
struct hv_apic_state {
    uint64_t apic_gpa;      /* offset 0: guest physical address of the APIC page */
    uint64_t apic_controls; /* offset 8: hv_apic_ctrl_t bits */
    uint64_t tsc_deadline;  /* offset 16: IA32_TSC_DEADLINE */
    uint32_t apic_id;       /* offset 24 */
    uint32_t ver;
    uint32_t tpr;
    uint32_t apr;
    uint32_t ldr;
    uint32_t dfr;
    uint32_t svr;
    uint32_t isr[8]; /* offset 52: in-service vectors, 32 per word */
    uint32_t tmr[8]; /* trigger-mode vectors */
    uint32_t irr[8]; /* requested vectors */
    uint32_t esr;    /* offset 148 */
    uint32_t lvt[7];
    uint32_t icr[2];
    uint32_t icr_timer;
    uint32_t dcr_timer;
    uint32_t ccr_timer;
    uint32_t esr_pending;
    enum hv_boot_state boot_state; /* offset 204 */
    uint32_t aeoi[8];              /* offset 208: automatic-EOI vectors */
};

/* Version of hv_apic_state_ext_t; store it in .version before a get_state call. */
#define HV_APIC_STATE_EXT_VER (100)

/* Versioned local APIC state (hv_vcpu_apic_get_state, hv_vcpu_apic_put_state). */
typedef struct {
    uint32_t version;           /* offset 0: HV_APIC_STATE_EXT_VER */
    struct hv_apic_state state; /* offset 8 */
} hv_apic_state_ext_t;

/* State of one 8259 interrupt controller: 16 one-byte fields. */
struct hv_atpic_state {
    bool ready;
    uint8_t icw_num;
    uint8_t rd_cmd_reg;
    bool aeoi; /* automatic EOI mode */
    bool poll;
    bool rotate; /* rotate on automatic EOI */
    bool sfn;    /* special fully nested mode */
    uint8_t irq_base;
    uint8_t request;      /* interrupt request register */
    uint8_t service;      /* in-service register */
    uint8_t mask;         /* interrupt mask register */
    bool smm;             /* special mask mode */
    uint8_t last_request; /* for edge detection */
    uint8_t lowprio;      /* lowest-priority line */
    bool intr_raised;
    uint8_t elc; /* edge/level control */
};

/* Version of hv_atpic_state_ext_t; store it in .version before a get_state call. */
#define HV_ATPIC_STATE_EXT_VER (100)

/* Versioned 8259 state (hv_vm_atpic_get_state, hv_vm_atpic_put_state). */
typedef struct {
    uint32_t version;            /* offset 0: HV_ATPIC_STATE_EXT_VER */
    struct hv_atpic_state state; /* offset 4 */
} hv_atpic_state_ext_t;

/* IOAPIC state. */
struct hv_ioapic_state {
    uint64_t rtbl[32]; /* offset 0: redirection table entries */
    uint32_t irr;      /* offset 256 */
    uint32_t ioa_id;   /* offset 260 */
    uint32_t ioregsel; /* offset 264 */
};

/* Version of hv_ioapic_state_ext_t; store it in .version before a get_state call. */
#define HV_IOAPIC_STATE_EXT_VER (100)

/* Versioned IOAPIC state (hv_vm_ioapic_get_state, hv_vm_ioapic_put_state). */
typedef struct {
    uint32_t version;             /* offset 0: HV_IOAPIC_STATE_EXT_VER */
    struct hv_ioapic_state state; /* offset 8 */
} hv_ioapic_state_ext_t;

#endif /* HVMODEL_FLAVOR_X86 */

#endif /* HVMODEL_HYPERVISOR_HV_TYPES_H */
