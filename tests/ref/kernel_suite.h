/* kernel_suite.h: the kernel checks, runnable on any opened device (tests and `ardiff selftest`). */
#ifndef ARDIFF_TESTS_KERNEL_SUITE_H
#define ARDIFF_TESTS_KERNEL_SUITE_H

#include "ref/kutil.h"

/* Runs every kernel check on dev (results through CHECK, see check.h); every output is
 * appended to dg. */
void kernel_suite_run(ocl_dev *dev, ku_digest *dg);

#endif
