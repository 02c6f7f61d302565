/* kernel_suite.h: the kernel checks, runnable on any opened device (tests and `ardiff selftest`). */
#ifndef ARDIFF_SELFTEST_KERNEL_SUITE_H
#define ARDIFF_SELFTEST_KERNEL_SUITE_H

#include "selftest/kutil.h"

/* Runs every kernel check on dev (results through CHECK, selftest/check.h); every output is
 * appended to dg. */
void kernel_suite_run(ocl_dev *dev, ku_digest *dg);

#endif
