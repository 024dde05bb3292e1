/*
 * bench_x86.S — the guest programs of the x86 benchmark suite
 * (bench/bench_x86.c).
 *
 * 32-bit protected mode with paging off (flat segments), loaded at 0x10000
 * in the benchmark's RAM and assembled without a link step (GNU as --64
 * with .code32, then objcopy -O binary). Program k starts at
 * 0x10000 + 0x100 * k. Every program takes its iteration count in %edi
 * (0 is allowed: the loop is then skipped) and ends with `hlt`; the exits a
 * loop makes on purpose are its OUT, CPUID or MMIO access. The same code
 * runs under the model (a VMX guest) and under the raw engine.
 */
    .code32
    .text
start:

.org 0x000 /* 0: ALU loop, 8 instructions an iteration */
    mov $1, %edx
    test %edi, %edi
    jz 2f
1:  add %edx, %eax
    xor %eax, %ebx
    add $3, %edx
    or %ebx, %esi
    sub %esi, %ebp
    and %ebp, %ecx
    dec %edi
    jnz 1b
2:  hlt

.org 0x100 /* 1: 2 loads + 1 store per 8 instructions, %ebx = buffer (64 KiB) */
    xor %edx, %edx
    test %edi, %edi
    jz 2f
1:  mov (%ebx,%edx), %eax
    mov 2048(%ebx,%edx), %esi
    add %esi, %eax
    mov %eax, (%ebx,%edx)
    add $4, %edx
    and $0xfffc, %edx /* the offset wraps inside 64 KiB */
    dec %edi
    jnz 1b
2:  hlt

.org 0x200 /* 2: out %al, %dx an iteration, %dx = port */
    test %edi, %edi
    jz 2f
1:  out %al, %dx
    dec %edi
    jnz 1b
2:  hlt

.org 0x300 /* 3: cpuid an iteration */
    test %edi, %edi
    jz 2f
1:  cpuid
    dec %edi
    jnz 1b
2:  hlt

.org 0x400 /* 4: mov %eax, (%ebx) an iteration (2 bytes), %ebx = an unmapped GPA */
    test %edi, %edi
    jz 2f
1:  mov %eax, (%ebx)
    dec %edi
    jnz 1b
2:  hlt

.org 0x500 /* 5: mov (%ebx), %eax an iteration (2 bytes), %ebx = an unmapped GPA */
    test %edi, %edi
    jz 2f
1:  mov (%ebx), %eax
    dec %edi
    jnz 1b
2:  hlt
