/* bench_main.c: ardiff_bench: header (machine, device, driver, CLBlast, kernel set, commit,
 * cache), then the GEMM table (CLBlast, the tiled kernel and OpenBLAS), the kernel table (the
 * set-dependent kernels under both kernel sets) and the clamping table (fused vs GEMM + argmin).
 * Figures are medians over --reps runs after one warm-up; compare them only as ratios within
 * one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <clblast_c.h>

#include "bench.h"
#include "hostinfo.h"
#include "core/clock.h"
#include "ocl/ops.h"

const bench_model bench_models[BENCH_MODELS] = {
    /*            h    d   ct   ffn  H   N    S      V     T */
    {"commongen", 128, 64, 64, 512, 8, 54, 128, 30522, 2000},
    {"xsum", 512, 128, 128, 2048, 8, 50, 512, 30522, 2000},
};

int bench_model_on(const bench_opts *o, const bench_model *m)
{
    return !strcmp(o->model, "all") || !strcmp(o->model, m->name);
}

const char *bench_set_name(int cpu_kernels) { return cpu_kernels ? "cpu" : "gpu"; }

int bench_cpu_set(const ocl_dev *dev)
{
    return ocl_dev_variants(dev)->v[OCL_OP_GEMM_NT] == OCL_GEMM_TILED;
}

ardiff_status bench_use_set(ocl_dev *dev, int cpu)
{
    ocl_variants t;
    ocl_variants_of_set(cpu ? OCL_SET_CPU : OCL_SET_GPU, &t);
    return ocl_dev_set_variants(dev, &t);
}

double bench_now_ms(void) { return ad_now_ms(); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(out, cap, "%s", c + 2);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

static void usage(void)
{
    printf("usage: ardiff_bench [--device SPEC] [--reps N] [--model commongen|xsum|all] [--k K]\n"
           "                    [--only gemm|kernels|clamp|roofline]\n"
           "Times the GEMM shapes (CLBlast, the tiled kernel, OpenBLAS SGEMM) and every kernel of\n"
           "the official CommonGen and XSUM model sizes on one device; the kernels that differ\n"
           "between the gpu and cpu kernel sets under both; clamping fused vs GEMM + argmin\n"
           "for k = 1, 10, 50. roofline: the device's measured peaks (copy-kernel bandwidth,\n"
           "best GEMM GFLOP/s), then the kernel table with each kernel's share of its roof.\n"
           "Defaults: --reps 5 --model all --k 10.\n");
}

int main(int argc, char **argv)
{
    bench_opts o = {5, "all", 10, 0, 0};
    const char *spec = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((!strcmp(a, "--device") || !strcmp(a, "-d")) && v) spec = argv[++i];
        else if (!strcmp(a, "--reps") && v) o.reps = atoi(argv[++i]);
        else if (!strcmp(a, "--model") && v) o.model = argv[++i];
        else if (!strcmp(a, "--k") && v) o.candidates = atoi(argv[++i]);
        else if (!strcmp(a, "--only") && v) only = argv[++i];
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        else { fprintf(stderr, "ardiff_bench: unknown or incomplete option '%s'\n", a); return 2; }
    }
    if (o.reps < 1 || o.candidates < 1 ||
        (strcmp(o.model, "commongen") && strcmp(o.model, "xsum") && strcmp(o.model, "all"))) {
        fprintf(stderr, "ardiff_bench: bad --reps, --k or --model value\n");
        return 2;
    }
    int idx[1], n = 0;
    if (ardiff_devices_select(spec, idx, 1, &n) != ARDIFF_OK) {
        fprintf(stderr, "ardiff_bench: %s\n", ardiff_last_error());
        return 1;
    }
    ocl_dev *dev = NULL;
    double t0 = bench_now_ms();
    if (ocl_dev_open(idx[0], &dev) != ARDIFF_OK) {
        fprintf(stderr, "ardiff_bench: %s\n", ardiff_last_error());
        return 1;
    }
    double startup = bench_now_ms() - t0;

    struct utsname u;
    uname(&u);
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    time_t now = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    printf("# ardiff_bench %s, %s\n", ardiff_version(), date);
    printf("# host: %s %s %s, CPU: %s, %ld online CPUs\n", u.nodename, u.sysname, u.machine, cpu,
           sysconf(_SC_NPROCESSORS_ONLN));
    bench_print_loadavg("at the start (other processes skew timings)");
    printf("# device %d: %s (%s), platform %s (%s), driver %s, %u CUs\n", dev->desc.index,
           dev->desc.name, dev->desc.type, dev->desc.platform, dev->desc.platform_version,
           dev->desc.driver_version, dev->desc.compute_units);
    printf("# CLBlast %d.%d.%d (its built-in tuning database), precision fp32, build options "
           "\"%s\"\n", CLBLAST_VERSION_MAJOR, CLBLAST_VERSION_MINOR, CLBLAST_VERSION_PATCH,
           dev->options);
    const char *env = getenv("ARDIFF_KERNELS");
    int auto_cpu = !strcmp(dev->desc.type, "cpu");
    int cpu_set = bench_cpu_set(dev);
    printf("# kernel set by default: %s (%s), ", bench_set_name(cpu_set),
           cpu_set ? "tiled GEMM, attention and layer norm per work item"
               : "CLBlast GEMMs, attention and layer norm per work group");
    if (env && *env && strcmp(env, "auto"))
        printf("from ARDIFF_KERNELS=%s (auto: %s)\n", env, bench_set_name(auto_cpu));
    else
        printf("auto for a %s device\n", dev->desc.type);
    char table[256];
    if (ocl_variants_format(ocl_dev_variants(dev), table, sizeof table) == ARDIFF_OK)
        printf("# kernel table at open: %s, from %s\n", table, ocl_dev_variants_origin(dev));
    printf("# program %s in %.0f ms; start-up incl. warm-up %.0f ms; reps %d (median)\n",
           dev->cache_hit ? "from the binary cache" : "built from source", dev->build_ms,
           startup, o.reps);
    int rc = 0;
    if (only && strcmp(only, "gemm") && strcmp(only, "kernels") && strcmp(only, "clamp") &&
        strcmp(only, "roofline")) {
        fprintf(stderr, "ardiff_bench: --only takes gemm, kernels, clamp or roofline\n");
        ocl_dev_free(dev);
        return 2;
    }
    if (!only || !strcmp(only, "roofline")) rc |= bench_peak(dev, &o);
    if (!only || !strcmp(only, "gemm")) rc |= bench_gemm(dev, &o);
    if (!only || !strcmp(only, "kernels") || !strcmp(only, "roofline"))
        rc |= bench_kernels(dev, &o);
    if (!only || !strcmp(only, "clamp")) rc |= bench_clamp(dev, &o);
    bench_print_loadavg("at the end");
    ocl_dev_free(dev);
    return rc;
}
