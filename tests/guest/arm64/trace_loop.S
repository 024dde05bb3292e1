/* trace_loop.S — guests that exit again and again, for the trace tests. */
    .include "guest.inc"
    .text
    .global _start
_start:
    b .

    /* Each round: x3 = x1 + x2, report it with HVC #1, then x1 += 1. */
    .global add_loop
add_loop:
    add x3, x1, x2
    hvc #1
    add x1, x1, #1
    b add_loop
