/* cmd_devices.c: `ardiff devices`: the flat device list, and with --verbose the kernel start-up
 * times per device: cold (built from source, cache bypassed) and warm (from the binary cache). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ocl/ocl.h"
#include "ocl/ops.h"
#include "core/clock.h"

static void print_bytes(const char *label, uint64_t b)
{
    if (b >= (1ull << 30)) printf("    %-16s %.1f GiB\n", label, b / 1073741824.0);
    else if (b >= (1ull << 20)) printf("    %-16s %.1f MiB\n", label, b / 1048576.0);
    else printf("    %-16s %.1f KiB\n", label, b / 1024.0);
}

static void print_device(const ardiff_device_desc *d)
{
    printf("[%d] %s (%s)\n", d->index, d->name, d->type);
    printf("    %-16s %s (%s)\n", "platform", d->platform, d->platform_version);
    printf("    %-16s %s\n", "vendor", d->vendor);
    printf("    %-16s %u\n", "compute units", d->compute_units);
    print_bytes("global memory", d->global_mem);
    print_bytes("local memory", d->local_mem);
    print_bytes("max alloc", d->max_alloc);
    printf("    %-16s %zu\n", "max work-group", d->max_work_group);
    printf("    %-16s %s\n", "OpenCL C", d->opencl_c_version);
    printf("    %-16s %s\n", "driver", d->driver_version);
    printf("    %-16s %s\n", "fp16", d->fp16 ? "yes" : "no");
    printf("    %-16s %s\n", "subgroups", d->subgroups ? "yes" : "no");
    printf("    %-16s %u bytes\n", "base align", d->base_addr_align);
}

/* Opens the device with the cache on or off; reports program time and total start-up time
 * (context + program + kernel warm-up). */
static int timed_open(const ardiff_device_desc *d, int use_cache, double *prog_ms, double *total_ms,
                      int *hit)
{
    char *saved = getenv("ARDIFF_CACHE") ? strdup(getenv("ARDIFF_CACHE")) : NULL;
    if (!use_cache) setenv("ARDIFF_CACHE", "off", 1);
    char opts[512];
    ops_build_options(d, opts, sizeof opts);
    double t0 = ad_now_ms();
    ocl_dev *dev = NULL;
    ardiff_status st = ocl_dev_open(d->index, opts, &dev);
    if (st == ARDIFF_OK) st = ops_warmup(dev);
    if (st == ARDIFF_OK) st = ocl_finish(dev);
    *total_ms = ad_now_ms() - t0;
    if (dev) {
        *prog_ms = dev->build_ms;
        *hit = dev->cache_hit;
    }
    ocl_dev_free(dev);
    if (saved) { setenv("ARDIFF_CACHE", saved, 1); free(saved); }
    else unsetenv("ARDIFF_CACHE");
    return st == ARDIFF_OK ? 0 : -1;
}

static int print_startup(const ardiff_device_desc *d)
{
    double cold_p = 0, cold_t = 0, warm_p = 0, warm_t = 0, x1, x2;
    int hit = 0, h2;
    if (timed_open(d, 0, &cold_p, &cold_t, &hit) != 0) return -1;
    if (timed_open(d, 1, &x1, &x2, &h2) != 0) return -1; /* makes sure the cache holds it */
    if (timed_open(d, 1, &warm_p, &warm_t, &hit) != 0) return -1;
    const char *dir = ocl_cache_dir();
    printf("    %-16s cold %.0f ms (program %.0f ms, built from source); warm %.0f ms (program "
           "%.0f ms, %s)\n", "start-up", cold_t, cold_p, warm_t, warm_p,
           hit ? "from the binary cache" : dir ? "cache miss" : "cache disabled");
    printf("    %-16s %s\n", "program cache", dir ? dir : "disabled (ARDIFF_CACHE=off)");
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    int verbose = 0;
    char spec[1024] = "";
    for (int i = 1; i < argc; i++) {
        int r = cli_device_arg(argc, argv, &i, spec, sizeof spec);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ardiff devices [--verbose] [--device SPEC]...\n"
                   "Lists every OpenCL device of every platform in one numbered list. --verbose\n"
                   "also builds the kernels on each (listed or selected) device and prints the\n"
                   "cold (from source) and warm (binary cache) start-up times.\n");
            return 0;
        } else {
            fprintf(stderr, "ardiff devices: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    ardiff_device_desc *d = NULL;
    int n = 0;
    if (ardiff_devices_list(&d, &n) != ARDIFF_OK) {
        cli_error("devices");
        return 1;
    }
    int sel[64], nsel = 0;
    if (*spec || getenv("ARDIFF_DEVICE")) {
        if (ardiff_devices_select(spec, sel, 64, &nsel) != ARDIFF_OK) {
            cli_error("devices");
            free(d);
            return 1;
        }
    } else {
        for (int i = 0; i < n && i < 64; i++) sel[nsel++] = i;
    }
    int rc = 0;
    for (int j = 0; j < nsel; j++) {
        print_device(&d[sel[j]]);
        if (verbose && print_startup(&d[sel[j]]) != 0) {
            cli_error("devices --verbose");
            rc = 1;
        }
    }
    free(d);
    return rc;
}
