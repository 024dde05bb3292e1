/* A DOS .COM program: loaded at offset 0x100 of its segment (CS = DS = ES
 * = SS), it prints with INT 21h AH=09h and ends with AH=4Ch. Assembled
 * without a link step, so addresses are written as (label - start + 0x100). */
.code16
.globl start
start:
  mov $0x09, %ah
  mov $(greeting - start + 0x100), %dx
  int $0x21                     /* print the '$'-terminated string at DS:DX */
  mov $0x02, %ah
  mov $'!', %dl
  int $0x21                     /* print one character */
  mov $0x4c00, %ax
  int $0x21                     /* exit with return code 0 */
greeting:
  .ascii "Hello from a real-mode DOS program on hvmodel$"
