/* Real-mode guest for tests/x86/test_x86_exits.c: one instruction per exit
 * kind, in the order the test expects them. */
.code16
.globl start
start:
  mov $0x3f8, %dx
  mov $'H', %al
  out %al, %dx
  mov $'i', %al
  outb %al, $0x80
  in $0x71, %al
  mov %al, %bl
  xor %eax, %eax
  cpuid
  mov $0x1234, %cx
  rdtsc
  vmcall
  movb $0x5a, %ds:0x100   /* ds base 0xd0000 -> unmapped: EPT violation */
  int $0x21
  hlt
