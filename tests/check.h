/* check.h: a minimal test harness. CHECK records a failure and goes on; the test's main returns
 * check_summary(), which prints "N passed, N failed" and is non-zero on any failure. */
#ifndef ARDIFF_TESTS_CHECK_H
#define ARDIFF_TESTS_CHECK_H

#include <math.h>
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

/* Prints the closing line and returns the exit status. */
int check_summary(const char *suite);

/* Path of a fixture file: $ARDIFF_FIXTURES/<rel> (static buffer). */
const char *check_fixture(const char *rel);

#endif
