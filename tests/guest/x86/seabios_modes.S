/* Guest for tests/x86/test_x86_seabios_fixes.c: SeaBIOS's way back from
 * 32-bit code to real mode (through 16-bit protected mode, no exit at the
 * CR0 writes), then a real-mode INT whose handler IRETs. Loaded at 0x7c00
 * with every segment base 0; labels are used as (label - start + 0x7c00), as there is no link step. */
.code16
.globl start
start:
  movw $(handler - start + 0x7c00), 0x30 * 4       /* IVT[0x30] = 0000:handler */
  movw $0, 0x30 * 4 + 2
  lgdtl (gdt_desc - start + 0x7c00)
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0                   /* real -> protected: no exit */
  ljmpl $0x08, $(pm32 - start + 0x7c00)
.code32
pm32:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x32, %al
  out %al, $0x80                   /* exit 1: the model syncs in 32-bit mode */
  ljmp $0x18, $(pm16 - start + 0x7c00)
.code16
pm16:
  mov $0x20, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov %cr0, %eax
  and $~1, %eax
  mov %eax, %cr0                   /* protected -> real: no exit */
  ljmp $0, $(real - start + 0x7c00)
real:
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  int $0x30                        /* delivered through the IVT */
  mov $0x42, %al
  out %al, $0x81                   /* exit 2: after the handler's IRET */
  hlt
handler:
  mov $0x16, %bl                   /* a 16-bit handler: IRET pops 6 bytes */
  iret

.p2align 3
gdt:
  .quad 0
  .quad 0x00cf9b000000ffff         /* 0x08: 32-bit code, flat */
  .quad 0x00cf93000000ffff         /* 0x10: 32-bit data, flat */
  .quad 0x00009b000000ffff         /* 0x18: 16-bit code, base 0, limit 64 KiB */
  .quad 0x000093000000ffff         /* 0x20: 16-bit data, base 0, limit 64 KiB */
gdt_end:
gdt_desc:
  .word gdt_end - gdt - 1
  .long (gdt - start + 0x7c00)
