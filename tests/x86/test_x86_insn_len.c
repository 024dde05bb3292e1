/*
 * test_x86_insn_len.c — the direct length decode of the instructions that
 * exit most (model/x86/insn.c). Its lengths count every prefix, as the
 * VM-exit instruction length does; where it answers at all it answers as
 * Capstone (the decoder the model falls back to) does, in 16-, 32- and
 * 64-bit code, and it leaves LOCK, a prefix after REX, F2/F3 before a 0F
 * opcode and anything beyond 15 bytes to Capstone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "x86/x86.h"

static uint32_t qlen(unsigned bits, const uint8_t *b, size_t n, bool *io)
{
    return x86_quick_len(b, n, bits, io);
}

#define Q(bits, ...)                                                                               \
    qlen(bits, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), NULL)

static void test_io_lengths_count_every_prefix(void **state)
{
    (void)state;
    bool io = false;
    assert_int_equal(qlen(32, (const uint8_t[]){0xee}, 1, &io), 1); /* out %al, %dx */
    assert_true(io);
    assert_int_equal(qlen(32, (const uint8_t[]){0xe6, 0x80}, 2, &io), 2); /* out %al, $0x80 */
    assert_true(io);
    assert_int_equal(Q(32, 0x66, 0xef), 2);             /* out %ax, %dx */
    assert_int_equal(Q(16, 0xf3, 0x67, 0x6e), 3);       /* rep outsb, 32-bit addresses */
    assert_int_equal(Q(32, 0x26, 0xf3, 0x66, 0x6d), 4); /* rep insw with ES override */
    assert_int_equal(Q(64, 0xf3, 0x48, 0x6f), 3);       /* REX.W before the opcode */
    assert_int_equal(Q(64, 0x66, 0x66, 0x66, 0xe5, 0x10), 5);
    assert_int_equal(qlen(32, (const uint8_t[]){0x0f, 0xa2}, 2, &io), 2);
    assert_false(io);
}

static void test_other_exiting_instructions_have_their_lengths(void **state)
{
    (void)state;
    assert_int_equal(Q(32, 0xf4), 1);                   /* HLT */
    assert_int_equal(Q(32, 0x0f, 0xa2), 2);             /* CPUID */
    assert_int_equal(Q(16, 0x66, 0x0f, 0xa2), 3);       /* CPUID with an operand-size prefix */
    assert_int_equal(Q(32, 0x2e, 0x66, 0x0f, 0x30), 4); /* WRMSR */
    assert_int_equal(Q(64, 0x48, 0x0f, 0x32), 3);       /* RDMSR */
    assert_int_equal(Q(32, 0x0f, 0x31), 2);             /* RDTSC */
    assert_int_equal(Q(32, 0x0f, 0x09), 2);             /* WBINVD */
    assert_int_equal(Q(64, 0x0f, 0x01, 0xf9), 3);       /* RDTSCP */
    assert_int_equal(Q(32, 0x0f, 0x01, 0xc9), 3);       /* MWAIT */
}

static void test_mov_lengths_follow_modrm_sib_and_displacement(void **state)
{
    (void)state;
    assert_int_equal(Q(32, 0x89, 0x03), 2);                               /* mov %eax, (%ebx) */
    assert_int_equal(Q(32, 0x89, 0x04, 0x24), 3);                         /* mov %eax, (%esp) */
    assert_int_equal(Q(32, 0x89, 0x05, 1, 2, 3, 4), 6);                   /* disp32 */
    assert_int_equal(Q(32, 0x8b, 0x44, 0x24, 0x08), 4);                   /* SIB + disp8 */
    assert_int_equal(Q(32, 0x8b, 0x04, 0x25, 1, 2, 3, 4), 7);             /* SIB, no base */
    assert_int_equal(Q(32, 0x8b, 0x80, 1, 2, 3, 4), 6);                   /* disp32 */
    assert_int_equal(Q(16, 0x89, 0x07), 2);                               /* mov %ax, (%bx) */
    assert_int_equal(Q(16, 0x89, 0x06, 0x34, 0x12), 4);                   /* disp16 */
    assert_int_equal(Q(16, 0x67, 0x89, 0x04, 0x24), 4);                   /* 32-bit addressing */
    assert_int_equal(Q(32, 0x67, 0x89, 0x06, 0x34, 0x12), 5);             /* 16-bit addressing */
    assert_int_equal(Q(64, 0x48, 0x89, 0x05, 1, 2, 3, 4), 7);             /* RIP-relative */
    assert_int_equal(Q(64, 0x65, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0), 9); /* %gs:0 */
    assert_int_equal(Q(32, 0x88, 0xc3), 2);                               /* register form */
}

static void test_encodings_left_to_capstone_answer_zero(void **state)
{
    (void)state;
    assert_int_equal(Q(32, 0xf0, 0xee), 0);          /* LOCK */
    assert_int_equal(Q(64, 0x48, 0x66, 0xef), 0);    /* a prefix after REX */
    assert_int_equal(Q(64, 0x48, 0x48, 0xef), 0);    /* two REX prefixes */
    assert_int_equal(Q(32, 0xf3, 0x0f, 0xa2), 0);    /* F3 in the 0F map */
    assert_int_equal(Q(32, 0x90), 0);                /* not an exit the table holds */
    assert_int_equal(Q(32, 0x0f, 0x01, 0xd0), 0);    /* XGETBV */
    assert_int_equal(Q(32, 0xe6), 0);                /* truncated */
    assert_int_equal(Q(32, 0x89, 0x05, 1, 2, 3), 0); /* truncated displacement */
    assert_int_equal(Q(32, 0x40, 0xee), 0);          /* INC %eax outside 64-bit code */
    uint8_t many[16];
    memset(many, 0x66, 15);
    many[15] = 0xee;
    assert_int_equal(qlen(32, many, sizeof(many), NULL), 0); /* 16 bytes */
    memset(many, 0x66, 14);
    many[14] = 0xee;
    assert_int_equal(qlen(32, many, 15, NULL), 15); /* 15 bytes: the limit */
}

/* Every answer equals Capstone's, over two prefixes (of LOCK, REP, 66, 67,
 * the segment overrides and REX) before every opcode of the table and its
 * neighbours, every ModRM byte and a spread of SIB bytes, in every mode. */
static void test_every_answer_agrees_with_capstone(void **state)
{
    (void)state;
    static const uint8_t pre[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x26, 0x2e,
                                  0x36, 0x3e, 0x64, 0x65, 0x40, 0x41, 0x48};
    static const uint8_t ops[][3] = {{0x6c},
                                     {0x6d},
                                     {0x6e},
                                     {0x6f},
                                     {0xec},
                                     {0xed},
                                     {0xee},
                                     {0xef},
                                     {0xe4},
                                     {0xe5},
                                     {0xe6},
                                     {0xe7},
                                     {0x90},
                                     {0xf4},
                                     {0x88},
                                     {0x89},
                                     {0x8a},
                                     {0x8b},
                                     {0x8c},
                                     {0xc7},
                                     {0x0f, 0xa2},
                                     {0x0f, 0x30},
                                     {0x0f, 0x31},
                                     {0x0f, 0x32},
                                     {0x0f, 0x33},
                                     {0x0f, 0x08},
                                     {0x0f, 0x09},
                                     {0x0f, 0x20},
                                     {0x0f, 0x01, 0xf9},
                                     {0x0f, 0x01, 0xc8},
                                     {0x0f, 0x01, 0xc9},
                                     {0x0f, 0x01, 0xd1}};
    const size_t np = sizeof(pre), nops = sizeof(ops) / sizeof(ops[0]);
    unsigned long answered = 0;
    for (unsigned bits = 16; bits <= 64; bits *= 2) {
        csh h = x86_capstone(bits, false);
        assert_true(h != 0);
        cs_insn *insn = cs_malloc(h);
        for (size_t p = 0; p < (np + 1) * (np + 1); p++) {
            uint8_t b[15];
            size_t i = 0;
            if (p % (np + 1))
                b[i++] = pre[p % (np + 1) - 1];
            if (p / (np + 1))
                b[i++] = pre[p / (np + 1) - 1];
            for (size_t o = 0; o < nops; o++) {
                size_t ol = ops[o][2] ? 3 : ops[o][1] ? 2 : 1;
                for (unsigned m = 0; m < 256; m++) {
                    size_t j = i;
                    memcpy(b + j, ops[o], ol);
                    j += ol;
                    b[j++] = (uint8_t)m;
                    b[j++] = (uint8_t)(m * 37u + 5u); /* SIB */
                    for (; j < sizeof(b); j++)
                        b[j] = (uint8_t)(j * 11u);
                    bool io;
                    uint32_t q = qlen(bits, b, sizeof(b), &io);
                    if (!q)
                        continue;
                    answered++;
                    const uint8_t *code = b;
                    size_t left = sizeof(b);
                    uint64_t addr = 0;
                    assert_true(cs_disasm_iter(h, &code, &left, &addr, insn));
                    assert_int_equal(q, insn->size);
                    bool cio = insn->id == X86_INS_IN || insn->id == X86_INS_OUT ||
                               insn->id == X86_INS_INSB || insn->id == X86_INS_INSW ||
                               insn->id == X86_INS_INSD || insn->id == X86_INS_OUTSB ||
                               insn->id == X86_INS_OUTSW || insn->id == X86_INS_OUTSD;
                    assert_int_equal(io, cio);
                }
            }
        }
        cs_free(insn, 1);
    }
    assert_true(answered > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_lengths_count_every_prefix),
        cmocka_unit_test(test_other_exiting_instructions_have_their_lengths),
        cmocka_unit_test(test_mov_lengths_follow_modrm_sib_and_displacement),
        cmocka_unit_test(test_encodings_left_to_capstone_answer_zero),
        cmocka_unit_test(test_every_answer_agrees_with_capstone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
