/* cmd_selftest.c: `ardiff selftest`: builds the kernels on each selected device (through the
 * program cache) and checks every kernel family against the plain-C references of tests/ref. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref/kutil.h"
#include "cli.h"
#include "ref/kernel_suite.h"
#include "ocl/ocl.h"
#include "ocl/ops.h"

int cmd_selftest(int argc, char **argv)
{
    char spec[1024] = "";
    for (int i = 1; i < argc; i++) {
        int r = cli_device_arg(argc, argv, &i, spec, sizeof spec);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ardiff selftest [--device SPEC]...\n"
                   "Builds the kernels on each selected device and checks every kernel family\n"
                   "against the plain-C references (small problems; a few seconds per device).\n");
            return 0;
        }
        fprintf(stderr, "ardiff selftest: unknown option '%s'\n", argv[i]);
        return 2;
    }
    int idx[16], n = 0;
    if (ardiff_devices_select(spec, idx, 16, &n) != ARDIFF_OK) {
        cli_error("selftest");
        return 1;
    }
    ardiff_device_desc *all = NULL;
    int nall = 0;
    if (ardiff_devices_list(&all, &nall) != ARDIFF_OK) {
        cli_error("selftest");
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char opts[512];
        ocl_dev *dev = NULL;
        if (ops_build_options(&all[idx[i]], opts, sizeof opts) != ARDIFF_OK ||
            ocl_dev_open(idx[i], opts, &dev) != ARDIFF_OK || ops_warmup(dev) != ARDIFF_OK) {
            cli_error("selftest");
            ocl_dev_free(dev);
            rc = 1;
            continue;
        }
        int before = check_failed, passed0 = check_passed;
        ku_digest dg = {0};
        kernel_suite_run(dev, &dg);
        ku_digest_free(&dg);
        int failed = check_failed - before, passed = check_passed - passed0;
        printf("device %d (%s): %d checks passed, %d failed\n", idx[i], all[idx[i]].name, passed,
               failed);
        if (failed || !passed) rc = 1;
        ocl_dev_free(dev);
    }
    free(all);
    return rc;
}
