/* 32-bit protected-mode guest (paging on) for
 * tests/x86/test_x86_protected_mode.c, loaded at 0x10000: each test enters
 * at its own offset. The page tables map linear 0x400000 -> GPA 0x50000,
 * 0x401000 -> GPA 0x200000 (no RAM), 0x402000 not present, 0x403000
 * read-only. */
.code32
.globl start
start:
/* 0x000: port I/O */
  mov $0x3f8, %dx
  mov $'P', %al
  out %al, %dx
  out %eax, $0x80
  in %dx, %ax
  mov $3, %ecx
  mov $0x400010, %esi
  rep outsb
  mov $0x400020, %esi
  rep outsb %es:(%esi), (%dx)
  mov $0x400030, %edi
  insb
  hlt

.org 0x100 /* CPUID, RDMSR, WRMSR */
  xor %eax, %eax
  cpuid
  mov $0x1234, %ecx
  rdmsr
  wrmsr
  hlt

.org 0x200 /* EPT violations reached through the guest's page tables */
  movl $0x11223344, 0x401abc
  mov 0x401ff0, %eax
  movl $0x55, 0x400100
  mov $0x401800, %eax
  jmp *%eax

.org 0x300 /* control registers */
  mov %cr0, %eax
  mov %ebx, %cr0
  mov %ecx, %cr4
  mov %edi, %cr3
  mov %eax, %cr3
  mov %cr3, %edx
  clts
  lmsw %si
  hlt

.org 0x400 /* #PF */
  mov 0x402010, %eax
  movl $1, 0x403020
  hlt

.org 0x500 /* #GP with an error code: a selector beyond the GDT limit */
  mov $0x58, %ax
  mov %ax, %ds
  hlt

.org 0x600 /* #UD with an IDT that cannot deliver it */
  ud2

.org 0x700 /* INT n whose frame goes to memory the VMM made read-only */
  int $0x30
  hlt
.org 0x710 /* its handler */
  hlt
