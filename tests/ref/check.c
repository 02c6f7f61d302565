/* check.c: the test harness helpers (see check.h; the counters: selftest/check.c). */
#include "check.h"

#include <stdlib.h>

int check_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed ? 1 : (check_passed ? 0 : 1); /* a test that checked nothing fails */
}

const char *check_fixture(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("ARDIFF_FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/fixtures", rel);
    return path;
}
