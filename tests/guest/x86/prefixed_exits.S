/* Real-mode guest for tests/x86/test_x86_prefixed_exits.c: instructions
 * that exit, each with redundant prefixes; the exit's instruction length
 * counts them (the bytes are spelled out so the assembler keeps them). */
.code16
.globl start
start:
  mov $0x174, %cx
  .byte 0x3e, 0x0f, 0x30       /* ds wrmsr */
  .byte 0x26, 0x66, 0x0f, 0x32 /* es data16 rdmsr */
  .byte 0x2e, 0x0f, 0xa2       /* cs cpuid */
  .byte 0x36, 0x0f, 0x31       /* ss rdtsc */
  .byte 0x3e, 0x0f, 0x09       /* ds wbinvd, run by the model */
  .byte 0x64, 0xf4             /* fs hlt */
  .byte 0xf0, 0xf4             /* lock hlt: #UD */
  .byte 0xf0, 0xe6, 0x80       /* lock out $0x80, %al: #UD */
  .byte 0xf0, 0x0f, 0xa2       /* lock cpuid: #UD */
  hlt
