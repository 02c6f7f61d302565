/* cmd_selftest.c: `ardiff selftest`: builds the kernels on each selected device (through the
 * program cache) and checks every kernel family against the plain-C references
 * (runtime/selftest: part of the library, so the program links no test code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "selftest/selftest.h"

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
        int passed = 0, failed = 0;
        char gated[768] = "";
        if (ad_selftest_device(idx[i], &passed, &failed, gated, sizeof gated) != ARDIFF_OK) {
            cli_error("selftest");
            rc = 1;
            continue;
        }
        printf("device %d (%s): %d checks passed, %d failed\n  %s\n", idx[i], all[idx[i]].name,
               passed, failed, gated);
        if (failed || !passed) rc = 1;
    }
    free(all);
    return rc;
}
