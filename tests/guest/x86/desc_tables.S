/* Descriptor-table instructions for tests/x86/test_x86_descriptor_tables.c,
 * loaded at 0x10000. The 32-bit part expects EBX = 0x400000, ESI = 4,
 * EBP = 0x400110 and DX = a TSS selector; run without descriptor-table
 * exiting, each store is read back by the load after it. */
.code32
.globl start
start:
/* 0x000: protected mode */
  sgdt 0x40(%ebx,%esi,4)
  lgdt 0x40(%ebx,%esi,4)
  sidt %fs:-0x10(%ebp)
  lidt 0x400100
  sgdt 0x10(%bp,%si)
  sldt %edi
  str 0x20(%ebx)
  lldt 0x8(%ebx)
  ltr %dx
  hlt

.org 0x100 /* 64-bit mode */
.code64
  sgdt 0x8(%r9,%r12,8)
  lidt 0x40(%rip)
  sldt %r10d
  ltr %r11w
  hlt
