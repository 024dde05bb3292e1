#!/usr/bin/env python3
"""Writes the seed inputs of the x86 fuzz harnesses (fuzz_api_x86.c and
fuzz_guest_x86.c) into fuzz/corpus/api_x86/ and fuzz/corpus/guest_x86/.

    python3 fuzz/seeds_x86.py [CORPUS_DIR]   (default: fuzz/corpus)

The output is deterministic: each seed is a small hand-written program in
the harness's input format (see the comment at the top of each harness).
Files named regress-* in those directories are inputs that once broke an
invariant; this script leaves them alone.
"""
import os
import struct
import sys

# ---------------------------------------------------------------- api_x86

# Op numbers (the op byte modulo 20 in LLVMFuzzerTestOneInput).
VM_CREATE, VM_DESTROY, ALLOCATE, MAP, UNMAP, PROTECT = 0, 1, 2, 3, 5, 6
VCPU_CREATE, VCPU_DESTROY, REG, VMCS, CAPS, MSR, FP_TSC = 7, 8, 9, 10, 12, 13, 14
WRITE_CODE, RUN, INTERRUPT, WORKER, TRACE_MISC = 15, 16, 17, 18, 19

# Snippet numbers of fuzz_api_x86.c (its `snippets` table).
S_HLT, S_OUT80, S_IN71, S_OUTDX, S_INDX, S_CPUID, S_RDMSR, S_WRMSR, S_RDTSC = range(9)
S_MOVCR0, S_MOVCR3, S_VMCALL, S_STI, S_CLI, S_JMPSELF, S_INT10, S_INT3, S_UD2 = range(9, 18)
S_LOAD8000, S_STORE9000, S_INCEAX, S_MOVAX, S_MOVDS, S_REPOUTSB, S_LGDT, S_NOP = range(18, 26)


def u16(x):
    return list(struct.pack("<H", x))


def u32(x):
    return list(struct.pack("<I", x))


def u64(x):
    return list(struct.pack("<Q", x))


def vm_up(pages=16):
    """Creates the VM, maps `pages` pages of the pool RWX at GPA 0 and
    creates the vCPU."""
    return [VM_CREATE, 0,
            MAP, 0, 0, 0, 0, pages - 1, 7, 0, 0,
            VCPU_CREATE, 3]


def code(*snippets, flags=0x00, page=0, off=0):
    return [WRITE_CODE, flags | (len(snippets) - 1), page, off] + list(snippets)


def run(budget=1000, b=0x00, *extra):
    return [RUN, b] + u16(budget) + list(extra)


def vmcs_write(field_index, value, b=0):
    return [VMCS, field_index, b, 3] + u64(value)


API_SEEDS = {
    "lifecycle": [VM_CREATE, 0, VM_CREATE, 0, VCPU_CREATE, 3, VCPU_CREATE, 3,
                  VM_DESTROY, VCPU_DESTROY, 4, VM_DESTROY],
    "vm-options": [VM_CREATE, 2, VM_CREATE, 3, 40, VM_CREATE, 1 | (0x1f << 2), VM_DESTROY],
    "no-vm": [MAP, 0, 0, 0, 0, 1, 7, 0, 0, UNMAP, 0, 0, 0, 0, 1, VCPU_CREATE, 3,
              REG, 2, VMCS, 5, 0, MSR, 0, 1, RUN, 0, 10, 0, INTERRUPT, 1,
              FP_TSC, 0, 0, 0, 5, CAPS, 3, 1],
    "map-errors": [VM_CREATE, 0,
                   MAP, 0, 0, 0, 0, 1, 0x80, 9, 0, 0,       # unknown flag bit
                   MAP, 0, 0, 1, 2, 0x34, 0x12, 7, 0, 0,     # odd size
                   MAP, 0, 4, 0, 0, 1, 7, 0, 0,              # at the top of the space
                   MAP, 0, 0, 1, 0, 1, 7, 6, 0,              # NULL host
                   MAP, 0, 0, 1, 0, 1, 7, 7, 3,              # misaligned host
                   MAP, 0, 0, 1, 0, 3, 7, 0, 0,
                   MAP, 0, 0, 2, 0, 3, 7, 0, 8,              # overlaps
                   MAP, 3, 1, 0, 1, 0, 0, 7, 0, 0,           # another address space
                   UNMAP, 0, 0, 9, 0, 0,                     # a hole
                   PROTECT, 0, 0, 1, 0, 1, 1,
                   UNMAP, 3, 0, 1, 0, 1, 1],
    "allocate-map": [VM_CREATE, 0, ALLOCATE, 4 << 1, ALLOCATE, 0x80 | (2 << 1), 5,
                     ALLOCATE, 0x30, ALLOCATE, 0x40 | (1 << 1), 1,
                     MAP, 0, 0, 0, 0, 1, 7, 4, 0,
                     ALLOCATE, 1, ALLOCATE, 3, ALLOCATE, 7,
                     UNMAP, 0, 0, 0, 0, 1, ALLOCATE, 1],
    "regs": vm_up() + [REG, 0x20 | 2, REG, 2, 3] + u64(0x1122334455667788)
    + [REG, 8, 0, 0x10, REG, 18, 1, 0x33, 0x12, REG, 36, 1, 0x11, 0x00,
       REG, 50, 0, 7, REG, 50, 0, 6, REG, 47, 3] + u64(0xffffffff00000000)
    + [REG, 0x80, 200, 0, REG, 0x40, 1, 0x20 | 5, REG, 37, 0, 9, REG, 0x30 | 0x20, 1],
    "vmcs-classes": vm_up() + vmcs_write(4, 0x12345) + vmcs_write(21, 5)
    + vmcs_write(55, 1) + vmcs_write(100, 0x60000020) + vmcs_write(100, 0x20)
    + vmcs_write(37, 0, b=1) + vmcs_write(38, 0xffffffff) + vmcs_write(84, 2)
    + vmcs_write(84, 1) + vmcs_write(0, 1) + vmcs_write(43, 0x36dff)
    + [VMCS, 230, 5, 0, 0, VMCS, 250, 0xff, 0x7f, 0, 0, 0, 1, 0],
    "caps": [CAPS, 0, 0, CAPS, 0, 1, CAPS, 4, 3, CAPS, 1, 5, CAPS, 1, 32, CAPS, 1, 17,
             CAPS, 5, 0, CAPS, 2, 3, CAPS, 2, 9, CAPS, 3, 0, VM_CREATE, 0, CAPS, 3, 1,
             CAPS, 7, 0],
    "msrs": vm_up() + [MSR, 0, 1, MSR, 1, 2, 3] + u64(0x8000)
    + [MSR, 1, 4, 1, 0x01, MSR, 1, 9, 3] + u64(0xfffff00000) + [MSR, 1, 0, 3] + u64(12345)
    + [MSR, 2 | 0x10, 1, MSR, 2, 4, MSR, 3, 0, MSR, 0x80, 0xef, 0xbe, 0xad, 0xde,
       MSR, 0x20, 13],
    "fpstate-tsc": vm_up() + [FP_TSC, 1, 1, FP_TSC, 1, 0, 3, 0xaa, 7, 0xbb, 200, 0xcc,
                              FP_TSC, 1, 0x40 | 1, 0, 2, FP_TSC, 0, 0, 2] + u32(77777)
    + [FP_TSC, 0, 1, 1, 50, FP_TSC, 0, 2, 0x10, 0, FP_TSC, 0, 3, FP_TSC, 0, 0x43],
    "tsc-relative": [VM_CREATE, 0, VCPU_CREATE, 2 | (2 << 2), FP_TSC, 0, 1, 1, 200,
                     FP_TSC, 0, 0, 1, 0x34, 0x12, VCPU_DESTROY, 4, VCPU_CREATE, 3,
                     FP_TSC, 0, 1, 1, 5],
    "run-io": vm_up() + code(S_OUT80, S_IN71, S_OUTDX, S_INDX, S_HLT) + run() + run() + run()
    + run() + run(),
    "run-cpuid-msr": vm_up() + code(S_CPUID, S_RDMSR, S_WRMSR, S_RDTSC, S_VMCALL, S_HLT)
    + run() * 6,
    "run-exceptions": vm_up() + code(S_INT3, S_UD2, S_INT10, flags=0x20) + run() * 3,
    "run-ivt": vm_up() + code(S_INT10, S_UD2, S_HLT, flags=0x10) + run(2000) * 3,
    "run-cr-ldgt": vm_up() + code(S_MOVCR0, S_MOVCR3, S_LGDT, S_HLT, flags=0x40) + run() * 4,
    "run-ept": vm_up(4) + code(S_LOAD8000, S_STORE9000, S_MOVAX, S_MOVDS, S_LOAD8000)
    + run() * 3,
    "run-protect": vm_up() + [PROTECT, 0, 0, 0, 0, 15, 5] + code(S_STORE9000, S_HLT)
    + [PROTECT, 0, 0, 0, 0, 15, 1] + run() + [PROTECT, 0, 0, 0, 0, 15, 7] + run(),
    "run-loop-budget": vm_up() + code(S_INCEAX, S_JMPSELF) + run(3000) + run(50) + run(1),
    "run-until": vm_up() + code(S_NOP, S_JMPSELF) + run(3000, 1, 20) + run(3000, 3)
    + run(3000, 1, 1),
    "kick-then-run": vm_up() + code(S_NOP, S_HLT) + [INTERRUPT, 1] + run() + run()
    + [INTERRUPT, 3, INTERRUPT, 0x12, 1, INTERRUPT, 0x61, INTERRUPT, 0x60],
    "worker": vm_up() + code(S_JMPSELF) + [WORKER, 0, WORKER, 0, WORKER, 3, WORKER, 2, 100, 0]
    + run(4000, 0x04, 0) + run(4000, 0x0c, 0, 50, 0) + [WORKER, 1, WORKER, 0, VM_DESTROY],
    "worker-memory": vm_up() + code(S_LOAD8000, S_JMPSELF) + run(2000, 0x08, 0x09, 7)
    + run(2000, 0x08, 0xc9, 1) + run(2000, 0x08, 0x89, 0) + [WORKER, 1],
    "misc": vm_up() + [TRACE_MISC, 0, 0, TRACE_MISC, 0, 1, TRACE_MISC, 0, 2,
                       TRACE_MISC, 0, 0x42, TRACE_MISC, 0, 3, TRACE_MISC, 0, 0x43, 1, 0, 0, 0, 0,
                       0, 0, 0, TRACE_MISC, 0, 4, 1, TRACE_MISC, 0, 5, TRACE_MISC, 0, 0x45,
                       TRACE_MISC, 0, 6, 0xf8, 3, TRACE_MISC, 0, 7, 0, 0,
                       TRACE_MISC, 0, 0x87, 5, 0],
    "trace-run": [TRACE_MISC, 1, 0, TRACE_MISC, 1, 1] + vm_up() + [TRACE_MISC, 1, 0]
    + code(S_OUT80, S_CPUID, S_HLT) + run() * 3 + [REG, 2, 1, 5, MSR, 1, 1, 0, 7,
                                                   FP_TSC, 1, 0, 1, 1, 1, VM_DESTROY],
}

# ---------------------------------------------------------------- guest_x86

REAL, PROT, LONG = 0, 1, 2
SNIPPETS, UNTIL, EXC_ALL, EXC_UD_GP_PF, EXC_SEED, CR_MASK, TIMER = 4, 8, 0x10, 0x20, 0x30, 0x40, 0x80


def guest(h0, h1=0, h2=0x30, seed=0x12345678, timer=0, code=b""):
    return bytes([h0, h1, h2]) + struct.pack("<I", seed) + bytes([timer]) + bytes(code)


def esc(*raw):
    """Raw bytes in snippet mode: each one escaped."""
    out = []
    for b in raw:
        out += [0xc0, b]
    return out


GUEST_SEEDS = {}
for mode, name in ((REAL, "real"), (PROT, "pmode"), (LONG, "lmode")):
    GUEST_SEEDS[f"{name}-io"] = guest(mode | SNIPPETS, code=[1, 2, 3, 4, 5, 6, 7])
    GUEST_SEEDS[f"{name}-insns"] = guest(mode | SNIPPETS, 0xff, 0x37,
                                         code=list(range(8, 26)))
    GUEST_SEEDS[f"{name}-exceptions"] = guest(mode | SNIPPETS | EXC_UD_GP_PF,
                                              code=[28, 29, 30, 37])
    GUEST_SEEDS[f"{name}-idt"] = guest(mode | SNIPPETS, code=[29, 30])
    GUEST_SEEDS[f"{name}-ept"] = guest(mode | SNIPPETS | EXC_ALL, code=[40, 32, 41, 31, 0])
    GUEST_SEEDS[f"{name}-cr-masks"] = guest(mode | SNIPPETS | CR_MASK, 0x06,
                                            code=[13, 14, 15, 16, 17, 0])
    GUEST_SEEDS[f"{name}-timer"] = guest(mode | SNIPPETS | TIMER | UNTIL, timer=3,
                                         code=[34, 35, 36])
    GUEST_SEEDS[f"{name}-stack"] = guest(mode | SNIPPETS | EXC_SEED, seed=0xdeadbeef,
                                         code=[38, 39, 43, 44, 26, 27, 45])
GUEST_SEEDS["real-raw-prefixes"] = guest(REAL, code=[0x66, 0xe5, 0x40, 0x64, 0x0f, 0xa2,
                                                     0xf3, 0x6e, 0x67, 0xe4, 0x60])
GUEST_SEEDS["pmode-raw-string-io"] = guest(PROT, code=[0xba, 0xf8, 0x03, 0, 0, 0xbe, 0, 0x80,
                                                       0, 0, 0xf3, 0x6e, 0x6c, 0x66, 0x6f])
GUEST_SEEDS["lmode-raw-rex"] = guest(LONG, code=[0x48, 0x0f, 0x22, 0xd8, 0x41, 0x0f, 0x20,
                                                 0xc0, 0x48, 0xe7, 0x70])
GUEST_SEEDS["real-escaped"] = guest(REAL | SNIPPETS, code=esc(0xb0, 0x41, 0xe6, 0xe9) + [0])


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                                "corpus")
    for sub, seeds in (("api_x86", API_SEEDS), ("guest_x86", GUEST_SEEDS)):
        d = os.path.join(root, sub)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(bytes(data))
    print(f"{len(API_SEEDS)} api_x86 and {len(GUEST_SEEDS)} guest_x86 seeds written")


if __name__ == "__main__":
    main()
