/* selftest.c: the kernel suite on one device (selftest.h). */
#include "selftest/selftest.h"

#include "ocl/dev.h"
#include "selftest/check.h"
#include "selftest/kernel_suite.h"

ardiff_status ad_selftest_device(int index, int *passed, int *failed)
{
    *passed = *failed = 0;
    ocl_dev *dev = NULL;
    ardiff_status st = ocl_dev_open(index, &dev);
    if (st != ARDIFF_OK) return st;
    int failed0 = check_failed, passed0 = check_passed;
    ku_digest dg = {0};
    kernel_suite_run(dev, &dg);
    ku_digest_free(&dg);
    *failed = check_failed - failed0;
    *passed = check_passed - passed0;
    ocl_dev_free(dev);
    return ARDIFF_OK;
}
