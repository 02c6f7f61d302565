/* fuzz_util.h: what the libFuzzer harnesses in tests/fuzz share (docs/fuzzing.md).
 *
 * The readers under test take a path (iniparser takes nothing else), so a harness writes each
 * input into one in-memory file (memfd) and passes "/proc/self/fd/N"; without memfd or /proc a
 * temporary file under $TMPDIR is used instead. FUZZ_CHECK states a property the code must
 * keep; a broken one aborts, which libFuzzer records as a crash with the input that caused it.
 */
#ifndef ARDIFF_FUZZ_UTIL_H
#define ARDIFF_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ardiff.h"

#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz: %s:%d: property broken: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* A file whose whole content is replaced by each input. */
typedef struct fuzz_file {
    int fd;
    char path[4096];
} fuzz_file;

/* Creates it on first use (name: the file's role, for the memfd's name). Aborts on failure:
 * a harness that cannot make its file tests nothing. */
void fuzz_file_init(fuzz_file *f, const char *name);
/* Makes data[0..size) the file's content. */
void fuzz_file_set(fuzz_file *f, const uint8_t *data, size_t size);

/* Silences the library's log (a warning per unknown key would flood the fuzzer's output). */
void fuzz_quiet_log(void);

/* $ARDIFF_FIXTURES/<rel>, or the source tree's tests/fixtures/<rel> (ARDIFF_FUZZ_FIXTURES, set
 * at build time). Static buffer. */
const char *fuzz_fixture(const char *rel);

/* One line, non-empty, no control characters (a hostile file must not be able to break the
 * line or send terminal escapes): what every parser failure message must be. */
void fuzz_check_message(ardiff_status s);

#endif
