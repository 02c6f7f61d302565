/* kutil.h: opening the devices a kernel test selects (test_kernels, test_gemm, test_rng, ...);
 * the rest of the kernel-test helpers (inputs, uploads, error measures) are selftest/kutil.h.
 * Tests see the device's insides (ocl.h). */
#ifndef ARDIFF_TESTS_KUTIL_H
#define ARDIFF_TESTS_KUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ocl/ocl.h"
#include "ocl/ops.h"
#include "selftest/kutil.h"

#define KU_MAX_DEVICES 8

/* Parses --devices SPEC (default: ardiff_devices_select(NULL)) and --require N from argv and
 * opens every selected device (ocl_dev_open: the one start-up sequence). Prints why and
 * returns non-zero when no device can be opened or fewer than N were selected (the caller
 * fails: kernel tests never skip). */
int ku_open_devices(int argc, char **argv, ocl_dev **devs, int *count);
void ku_close_devices(ocl_dev **devs, int count);

#endif
