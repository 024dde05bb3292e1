/*
 * driver.c — runs a fuzz harness's LLVMFuzzerTestOneInput once on every
 * file named on the command line, or in the directories named (and their
 * subdirectories, one level down), in name order. Used by CTest to check
 * the committed corpus without libFuzzer; a fuzzing build links libFuzzer's
 * own main instead.
 *
 * Exit status: 0 when every input kept the harness's invariants, 1 when one
 * broke, 2 when an argument cannot be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_invariant_failed(const char *what);

static unsigned broken; /* invariants broken by the current input */
static unsigned passed, failed, unreadable;

/* Overrides the harness's aborting version: count and go on. */
void fuzz_invariant_failed(const char *what)
{
    fprintf(stderr, "  invariant broken: %s\n", what);
    broken++;
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (f) {
        for (;;) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                uint8_t *b = realloc(buf, cap);
                if (!b)
                    break;
                buf = b;
            }
            size_t k = fread(buf + n, 1, cap - n, f);
            n += k;
            if (k == 0)
                break;
        }
    }
    if (!f || ferror(f) || !buf) {
        fprintf(stderr, "%s: cannot read\n", path);
        unreadable++;
        if (f)
            fclose(f);
        free(buf);
        return;
    }
    fclose(f);
    broken = 0;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    if (broken) {
        fprintf(stderr, "FAILED %s (%zu bytes)\n", path, n);
        failed++;
    } else {
        passed++;
    }
}

static void run_path(const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: no such file or directory\n", path);
        unreadable++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    if (depth > 1)
        return;
    struct dirent **ents;
    int k = scandir(path, &ents, NULL, alphasort);
    if (k < 0) {
        fprintf(stderr, "%s: cannot list\n", path);
        unreadable++;
        return;
    }
    for (int i = 0; i < k; i++) {
        const char *name = ents[i]->d_name;
        if (name[0] != '.') {
            size_t len = strlen(path) + strlen(name) + 2;
            char *sub = malloc(len);
            if (sub) {
                snprintf(sub, len, "%s/%s", path, name);
                run_path(sub, depth + 1);
                free(sub);
            }
        }
        free(ents[i]);
    }
    free(ents);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        run_path(argv[i], 0);
    printf("%u passed, %u failed\n", passed, failed);
    if (failed)
        return 1;
    return unreadable ? 2 : 0;
}
