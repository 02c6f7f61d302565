/* cmd_devices.c: `ardiff devices`: the flat device list; with --verbose the kernel start-up
 * times per device (cold: built from source, cache bypassed; warm: from the binary cache) and
 * its kernel-variant table with where it came from; with --tune a fresh kernel tuning per device
 * (ocl/tune.h), stored over the old one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ocl/dev.h"
#include "ocl/tune.h"
#include "core/clock.h"
#include "engine/config.h"
#include "engine/forward.h" /* ad_fwd_tune_shapes */

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
    double t0 = ad_now_ms();
    ocl_dev *dev = NULL;
    ardiff_status st = ocl_dev_open(d->index, &dev); /* context, program, kernel warm-up */
    *total_ms = ad_now_ms() - t0;
    if (dev) {
        *prog_ms = ocl_dev_build_ms(dev);
        *hit = ocl_dev_cache_hit(dev);
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

/* the table the device opens with, where it came from, and its tuning file */
static int print_variants(const ardiff_device_desc *d)
{
    ocl_dev *dev = NULL;
    if (ocl_dev_open(d->index, &dev) != ARDIFF_OK) return -1;
    char line[256], path[4200];
    int rc = ocl_variants_format(ocl_dev_variants(dev), line, sizeof line) == ARDIFF_OK ? 0 : -1;
    if (rc == 0) {
        printf("    %-16s %s\n", "kernels", line);
        printf("    %-16s %s\n", "kernels from", ocl_dev_variants_origin(dev));
        printf("    %-16s %s\n", "tuning file",
               ocl_tune_path(dev, path, sizeof path) ? path : "none (program cache off)");
        const char *note = NULL;
        ocl_sg_state s = ocl_dev_subgroups(dev, &note);
        printf("    %-16s %s (%s)\n", "subgroup path", ocl_sg_state_name(s), note);
    }
    ocl_dev_free(dev);
    return rc;
}

/* the shapes `devices --tune` measures on: the model's (--model DIR) or the bundled ones */
static int tune_shapes(const char *model, ocl_tune_shapes *s)
{
    if (!*model) {
        ocl_tune_shapes_bundled(s);
        return 0;
    }
    char path[4200], what[256];
    ad_model_config cfg;
    snprintf(path, sizeof path, "%s/model.ini", model);
    if (ad_config_load(path, &cfg) != ARDIFF_OK) return -1;
    snprintf(what, sizeof what, "model %s", model);
    ad_fwd_tune_shapes(&cfg, cfg.candidates, what, s);
    return 0;
}

/* `devices --tune`: measure on s, store over the old table */
static int retune(const ardiff_device_desc *d, const ocl_tune_shapes *shapes)
{
    ocl_dev *dev = NULL;
    if (ocl_dev_open(d->index, &dev) != ARDIFF_OK) return -1;
    ocl_tune_shapes s = *shapes;
    ocl_variants old = *ocl_dev_variants(dev);
    char oldline[256], newline[256], shp[256], report[4096], path[4200];
    char from[320];
    snprintf(from, sizeof from, "%s", ocl_dev_variants_origin(dev));
    ocl_tune_result r;
    fprintf(stderr, "ardiff: tuning kernels for device %d (%s)...\n", d->index, d->name);
    ardiff_status st = ocl_tune_measure(dev, &s, &r);
    if (st == ARDIFF_OK) st = ocl_tune_store(dev, &s, &r, 1, NULL, NULL);
    if (st == ARDIFF_OK) st = ocl_variants_format(&old, oldline, sizeof oldline);
    if (st == ARDIFF_OK) st = ocl_variants_format(&r.table, newline, sizeof newline);
    if (st == ARDIFF_OK) {
        ocl_tune_shapes_format(&s, shp, sizeof shp);
        ocl_tune_report(&r, report, sizeof report);
        ocl_tune_path(dev, path, sizeof path);
        printf("[%d] %s: tuned in %.1f s on %s (%s)\n", d->index, d->name, r.wall_ms / 1e3, shp,
               s.what);
        for (char *p = report, *e; *p; p = e + 1) {
            e = strchr(p, '\n');
            if (!e) break;
            printf("    %.*s\n", (int)(e - p), p);
        }
        printf("    old: %s\n         from %s\n    new: %s\n    stored in %s\n", oldline, from,
               newline, path);
    }
    ocl_dev_free(dev);
    return st == ARDIFF_OK ? 0 : -1;
}

int cmd_devices(int argc, char **argv)
{
    int verbose = 0, tune = 0;
    char spec[1024] = "", model[4096] = "";
    for (int i = 1; i < argc; i++) {
        int r = cli_device_arg(argc, argv, &i, spec, sizeof spec);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "--tune")) tune = 1;
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            snprintf(model, sizeof model, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ardiff devices [--verbose] [--tune [--model DIR]] [--device SPEC]...\n"
                   "Lists every OpenCL device of every platform in one numbered list. --verbose\n"
                   "also builds the kernels on each (listed or selected) device and prints the\n"
                   "cold (from source) and warm (binary cache) start-up times, and the kernel\n"
                   "variant of each op with where it came from: the environment (ARDIFF_KERNELS,\n"
                   "ARDIFF_CLAMP) beats the stored tuning, which beats the type defaults.\n"
                   "--tune times every op's variants on each (listed or selected) device on the\n"
                   "bundled small model's shapes (--model DIR: that model's; a few seconds),\n"
                   "stores the fastest set beside the program cache (over the old one) and\n"
                   "prints old -> new. The first\n"
                   "generation on a device with no stored set tunes on its own model's shapes\n"
                   "(ARDIFF_TUNE=off: never; docs/kernels.md).\n");
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
    ardiff_device_request req = {spec, NULL, 1}; /* nothing given: every device */
    if (ardiff_devices_resolve(&req, sel, 64, &nsel) != ARDIFF_OK) {
        cli_error("devices");
        free(d);
        return 1;
    }
    ocl_tune_shapes shapes;
    if (*model && !tune) {
        fprintf(stderr, "ardiff devices: --model goes with --tune\n");
        free(d);
        return 2;
    }
    if (tune && tune_shapes(model, &shapes) != 0) {
        cli_error("devices --tune --model");
        free(d);
        return 1;
    }
    int rc = 0;
    for (int j = 0; j < nsel; j++) {
        if (tune) {
            if (retune(&d[sel[j]], &shapes) != 0) {
                cli_error("devices --tune");
                rc = 1;
            }
            continue;
        }
        print_device(&d[sel[j]]);
        if (verbose && (print_startup(&d[sel[j]]) != 0 || print_variants(&d[sel[j]]) != 0)) {
            cli_error("devices --verbose");
            rc = 1;
        }
    }
    free(d);
    return rc;
}
