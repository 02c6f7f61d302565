/* selftest.h: `ardiff selftest` on one device: the device opened the one way (ocl_dev_open),
 * then every kernel family checked against the plain-C references (kernel_suite.h). The
 * references, the suite and its helpers are part of the library so that the shipped program
 * links no test code; the ctest suites run the same suite (tests/test_kernels.c). */
#ifndef ARDIFF_SELFTEST_SELFTEST_H
#define ARDIFF_SELFTEST_SELFTEST_H

#include "ardiff.h"

/* Opens device `index`, runs the kernel suite on it and closes it. *passed and *failed get the
 * suite's checks (each failure is printed on stderr as it happens); gated (cap bytes, may be
 * NULL) gets one line on the optional paths the opening gated (the subgroup reductions: on,
 * refused by their self-test, off or not claimed, and why). Fails only when the device cannot
 * be opened (message in ardiff_last_error). */
ardiff_status ad_selftest_device(int index, int *passed, int *failed, char *gated, size_t cap);

#endif
