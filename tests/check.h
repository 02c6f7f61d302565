/* check.h: a minimal test harness. CHECK (selftest/check.h, shared with the kernel suite of
 * `ardiff selftest`) records a failure and goes on; the test's main returns check_summary(),
 * which prints "N passed, N failed" and is non-zero on any failure. */
#ifndef ARDIFF_TESTS_CHECK_H
#define ARDIFF_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

#include "selftest/check.h"

/* Prints the closing line and returns the exit status. */
int check_summary(const char *suite);

/* Path of a fixture file: $ARDIFF_FIXTURES/<rel> (static buffer). */
const char *check_fixture(const char *rel);

#endif
