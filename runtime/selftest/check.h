/* check.h: the check counter of the kernel suite and of the tests. CHECK records a failure
 * (printed on stderr with file, line and condition) and goes on; check_passed and check_failed
 * count every CHECK of the process. The tests' closing line and fixture paths: tests/check.h. */
#ifndef ARDIFF_SELFTEST_CHECK_H
#define ARDIFF_SELFTEST_CHECK_H

#include <stdio.h>

extern int check_passed, check_failed;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (cond) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#endif
