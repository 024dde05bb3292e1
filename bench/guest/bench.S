/*
 * bench.S — the guest programs of the benchmark suite (bench/bench_arm64.c).
 *
 * Linked at 0x40000000, the start of the benchmark's RAM. The image starts
 * with a table of branches, one per program, so that the host enters program
 * k at 0x40000000 + 4 * k without needing the symbol table. Every program
 * takes its iteration count in x0 (0 is allowed: the loop is then skipped),
 * and ends with `hvc #1`; the exits a loop makes on purpose use other
 * immediates or no HVC at all. Runs at EL1 with the MMU off, the same code
 * under the model and under the raw engine.
 */
    .text
    .global _start
_start:
    b compute  /* 0: ALU loop, 8 instructions an iteration */
    b memory   /* 1: 2 loads + 1 store per 8 instructions, x1 = buffer (64 KiB) */
    b hvc_loop /* 2: hvc #0 an iteration */
    b mmio_st  /* 3: str w2, [x1] an iteration, x1 = an unmapped IPA */
    b mmio_ld  /* 4: ldr w2, [x1] an iteration, x1 = an unmapped IPA */
    b mrs_loop /* 5: mrs x2, cntpct_el0 an iteration (trapped to EL2) */

compute:
    mov x2, #1
    cbz x0, 2f
1:  add x1, x1, x2
    eor x3, x3, x1
    add x2, x2, #3
    orr x4, x4, x3, lsr #3
    sub x5, x5, x4
    and x6, x6, x5
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1

memory:
    mov x3, #0
    mov x7, #0xfff8     /* the offset wraps inside 64 KiB */
    add x9, x1, #2048
    cbz x0, 2f
1:  ldr x2, [x1, x3]
    ldr x4, [x9, x3]
    add x6, x2, x4
    str x6, [x1, x3]
    add x3, x3, #8
    and x3, x3, x7
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1

hvc_loop:
    cbz x0, 2f
1:  hvc #0
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1

mmio_st:
    mov w2, #0x41
    cbz x0, 2f
1:  str w2, [x1]
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1

mmio_ld:
    cbz x0, 2f
1:  ldr w2, [x1]
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1

mrs_loop:
    cbz x0, 2f
1:  mrs x2, cntpct_el0
    subs x0, x0, #1
    b.ne 1b
2:  hvc #1
