/* 32-bit protected-mode guest (paging on) for the event-injection and
 * window/timer tests, loaded at 0x10000; each test enters at an offset. */
.code32
.globl start
start:
/* 0x000: where injected events interrupt */
  nop
  nop
  nop
  hlt

.org 0x100 /* interrupt and exception handler */
  hlt

.org 0x200 /* NMI handler that returns */
  nop
  iret

.org 0x280 /* NMI handler that stops */
  hlt

.org 0x300 /* STI shadow under an interrupt window */
  cli
  nop
  nop
  sti
  nop
  nop
  hlt

.org 0x400 /* blocking by STI seen at an exit */
  sti
  hlt

.org 0x500 /* blocking by MOV SS seen at an exit */
  mov $0x10, %eax
  mov %eax, %ss
  hlt

.org 0x600 /* 200 instructions for the preemption timer */
  .rept 200
  nop
  .endr
  hlt
