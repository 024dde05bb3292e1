/* Real-mode guest for tests/x86/test_x86_xsetbv.c: XSETBV, then XGETBV. */
.code16
.globl start
start:
  xor %ecx, %ecx       /* XCR0 */
  mov $3, %eax         /* x87 | SSE */
  xor %edx, %edx
  xsetbv               /* at start + 12: exits (reason 55) */
  xgetbv               /* at start + 15: reads the VMM's XCR0 */
  hlt
