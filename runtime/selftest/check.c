/* check.c: the check counters (check.h). */
#include "selftest/check.h"

int check_passed, check_failed;
