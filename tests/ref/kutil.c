/* kutil.c: see kutil.h. */
#include "ref/kutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void close_list(ocl_dev **devs, int n)
{
    for (int i = 0; i < n; i++) ocl_dev_free(devs[i]);
}

int ku_open_devices(int argc, char **argv, ocl_dev **devs, int *count)
{
    const char *spec = NULL;
    int require = 1;
    *count = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--devices") && i + 1 < argc) spec = argv[++i];
        else if (!strcmp(argv[i], "--require") && i + 1 < argc) require = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--devices SPEC] [--require N]\n", argv[0]);
            return 1;
        }
    }
    int idx[KU_MAX_DEVICES], n = 0;
    if (ardiff_devices_select(spec, idx, KU_MAX_DEVICES, &n) != ARDIFF_OK) {
        fprintf(stderr, "FAIL: no OpenCL device available (install an OpenCL driver such as "
                "pocl-opencl-icd): %s\n", ardiff_last_error());
        return 1;
    }
    if (n < require) {
        fprintf(stderr, "FAIL: %d device(s) selected by '%s' but --require %d\n", n,
                spec ? spec : "(default)", require);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (ocl_dev_open(idx[i], &devs[i]) != ARDIFF_OK) {
            fprintf(stderr, "FAIL: cannot open device %d: %s\n", idx[i], ardiff_last_error());
            close_list(devs, i);
            return 1;
        }
        printf("device %d: %s (%s), options \"%s\", %s in %.0f ms\n", idx[i],
               devs[i]->desc.name, devs[i]->desc.platform, devs[i]->options,
               devs[i]->cache_hit ? "cache hit" : "built", devs[i]->build_ms);
    }
    *count = n;
    return 0;
}

void ku_close_devices(ocl_dev **devs, int count) { close_list(devs, count); }
