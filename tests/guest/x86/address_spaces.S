/* Real-mode guest for tests/x86/test_x86_address_spaces.c: the same code
 * runs in two address spaces that map guest-physical memory differently. */
.code16
.globl start
start:
  mov 0x6000, %al      /* the byte this space holds at GPA 0x6000 */
  outb %al, $0x80      /* exit: the VMM reads it in AL */
  movb $1, 0x9000      /* writable in space 0, read-only in space 1 */
  hlt
