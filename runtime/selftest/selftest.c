/* selftest.c: the kernel suite on one device (selftest.h). */
#include "selftest/selftest.h"

#include <stdio.h>

#include "ocl/dev.h"
#include "selftest/check.h"
#include "selftest/kernel_suite.h"

ardiff_status ad_selftest_device(int index, int *passed, int *failed, char *gated, size_t cap)
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
    const char *note = NULL;
    ocl_sg_state sg = ocl_dev_subgroups(dev, &note);
    if (gated && cap)
        snprintf(gated, cap, "subgroup reductions %s (%s); fp16 arithmetic: no kernel uses it",
                 ocl_sg_state_name(sg), note);
    ocl_dev_free(dev);
    return ARDIFF_OK;
}
