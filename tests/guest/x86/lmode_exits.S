/* 64-bit long-mode guest (4-level paging) for
 * tests/x86/test_x86_long_mode.c, loaded at 0x10000; each test enters at
 * its own offset. Linear 0x400000 -> GPA 0x50000, 0x401000 -> GPA 0x200000
 * (no RAM), 0x403000 read-only. */
.code64
.globl start
start:
/* 0x000: port I/O */
  mov $0x3f8, %dx
  mov $'L', %al
  out %al, %dx
  mov $3, %ecx
  mov $0x400010, %esi
  rep outsb
  hlt

.org 0x100 /* CPUID, RDMSR */
  cpuid
  mov $0x1234, %ecx
  rdmsr
  hlt

.org 0x200 /* EPT violation through 4-level paging */
  movq $1, 0x401abc
  hlt

.org 0x300 /* #PF: write to a read-only page with CR0.WP */
  movl $1, 0x403020
  hlt

.org 0x400 /* #GP with the selector as error code */
  mov $0x58, %ax
  mov %ax, %ds
  hlt

.org 0x500 /* CR4 write under the CR4 mask */
  mov %rcx, %cr4
  hlt

.org 0x600 /* injected events interrupt here */
  nop
  hlt

.org 0x700 /* handler */
  hlt

.org 0x800 /* implicit stack accesses with RSP on a page with no RAM */
  push %rbx
  pop %rax
  hlt
.org 0x810 /* LEAVE with RBP on a page with no RAM */
  leave
  hlt
