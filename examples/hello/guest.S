/*
 * guest.S — the bare-metal guest of the hello demo. It runs at EL1 from RAM
 * at 0x40000000: prints a greeting on the PL011-style UART at 0x09000000
 * (each byte store is an MMIO exit), arms the virtual timer and waits for
 * its interrupt in WFI, prints again from the IRQ handler, then asks the
 * VMM to power off with PSCI SYSTEM_OFF over HVC.
 */
    .equ UART_DR, 0x09000000
    .equ PSCI_SYSTEM_OFF, 0x84000008
    .equ TIMER_TICKS, 240000          /* 10 ms of the 24 MHz counter */

    .text
    .global _start
_start:
    adr x0, vectors
    msr vbar_el1, x0
    adr x0, hello
    bl puts

    /* Arm the virtual timer and sleep until its interrupt. */
    mrs x0, cntvct_el0
    mov x1, #(TIMER_TICKS & 0xffff)
    movk x1, #(TIMER_TICKS >> 16), lsl #16
    add x0, x0, x1
    msr cntv_cval_el0, x0
    mov x0, #1
    msr cntv_ctl_el0, x0              /* ENABLE=1, IMASK=0 */
    msr daifclr, #2                   /* unmask IRQs */
1:  wfi
    cbz x20, 1b                       /* x20 is set by the IRQ handler */

    adr x0, bye
    bl puts
    mov x0, #(PSCI_SYSTEM_OFF & 0xffff)
    movk x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
    hvc #0
    b .                               /* not reached */

/* puts(x0 = NUL-terminated string) */
puts:
    mov x2, #UART_DR & 0xffff
    movk x2, #UART_DR >> 16, lsl #16
2:  ldrb w1, [x0], #1
    cbz w1, 3f
    strb w1, [x2]
    b 2b
3:  ret

irq:
    mov x0, #0
    msr cntv_ctl_el0, x0              /* timer off: its interrupt line drops */
    mov x20, #1
    str x30, [sp, #-16]!
    adr x0, tick
    bl puts
    ldr x30, [sp], #16
    eret

    .balign 2048
vectors:
    .rept 5                           /* current EL with SP0: sync, irq, fiq, serror; SPx sync */
    .balign 128
    b .
    .endr
    .balign 128                       /* current EL with SPx: IRQ (offset 0x280) */
    b irq

hello: .asciz "Hello from a bare-metal arm64 guest on hvmodel!\n"
tick:  .asciz "The virtual timer fired: IRQ taken at VBAR_EL1 + 0x280.\n"
bye:   .asciz "Powering off with PSCI SYSTEM_OFF.\n"
