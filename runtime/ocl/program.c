/* program.c: the kernel sources (embedded or from $ARDIFF_CL_DIR) and building them, through the
 * binary cache. A build failure returns ARDIFF_E_BUILD with the options and the whole log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

struct ad_cl_source {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct ad_cl_source ad_cl_sources[];
extern const int ad_cl_source_count;

/* Options every program gets; callers add -D specialisation after these. -w: a driver's compiler
 * must not print warnings on the user's terminal (PoCL on a CPU without AVX-512 printed "25
 * warnings generated." at every cold build: clang's psABI note on the fused clamp's float16
 * vectors, harmless inside one program); errors still fail the build with the whole log. */
static const char *const BASE_OPTIONS = "-cl-std=CL1.2 -w";

static ardiff_status read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ad_fail(ARDIFF_E_IO, "%s: cannot open kernel source: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return ad_fail(ARDIFF_E_IO, "%s: cannot seek", path); }
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return ad_fail(ARDIFF_E_IO, "%s: cannot read kernel source", path);
    }
    fclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = (size_t)n;
    return ARDIFF_OK;
}

/* Order: common.cl first (shared helpers), then the rest in name order. */
static int source_order(int *order)
{
    int n = 0;
    for (int j = 0; j < ad_cl_source_count; j++)
        if (!strcmp(ad_cl_sources[j].name, "common.cl")) order[n++] = j;
    for (int j = 0; j < ad_cl_source_count; j++)
        if (strcmp(ad_cl_sources[j].name, "common.cl")) order[n++] = j;
    return n;
}

ardiff_status ocl_program_source(char **text, size_t *len, char *origin, size_t origin_len)
{
    const char *dir = getenv("ARDIFF_CL_DIR");
    int order[256];
    int n = source_order(order);
    size_t cap = 1, used = 0;
    char **parts = calloc((size_t)n + 1, sizeof *parts);
    size_t *plen = calloc((size_t)n + 1, sizeof *plen);
    ardiff_status st = ARDIFF_OK;
    if (!parts || !plen) st = ad_fail(ARDIFF_E_OOM, "out of host memory");
    for (int k = 0; st == ARDIFF_OK && k < n; k++) {
        const struct ad_cl_source *s = &ad_cl_sources[order[k]];
        if (dir && *dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, s->name);
            st = read_file(path, &parts[k], &plen[k]);
        } else {
            parts[k] = malloc(s->len + 1);
            if (!parts[k]) { st = ad_fail(ARDIFF_E_OOM, "out of host memory"); break; }
            memcpy(parts[k], s->text, s->len);
            parts[k][s->len] = '\0';
            plen[k] = s->len;
        }
        cap += plen[k] + strlen(s->name) + 32;
    }
    char *out = st == ARDIFF_OK ? malloc(cap) : NULL;
    if (st == ARDIFF_OK && !out) st = ad_fail(ARDIFF_E_OOM, "out of host memory");
    for (int k = 0; st == ARDIFF_OK && k < n; k++) {
        /* #line keeps build-log line numbers pointing into the right file */
        used += (size_t)snprintf(out + used, cap - used, "#line 1 \"%s\"\n", ad_cl_sources[order[k]].name);
        memcpy(out + used, parts[k], plen[k]);
        used += plen[k];
        out[used++] = '\n';
    }
    for (int k = 0; parts && k < n; k++) free(parts[k]);
    free(parts);
    free(plen);
    if (st != ARDIFF_OK) { free(out); return st; }
    out[used] = '\0';
    *text = out;
    *len = used;
    snprintf(origin, origin_len, "%s", dir && *dir ? dir : "embedded sources");
    return ARDIFF_OK;
}

static ardiff_status build_failure(ocl_dev *dev, cl_program prog, const char *options, cl_int err)
{
    size_t n = 0;
    clGetProgramBuildInfo(prog, dev->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = malloc(n + 1);
    if (log && n) clGetProgramBuildInfo(prog, dev->device, CL_PROGRAM_BUILD_LOG, n, log, NULL);
    if (log) log[n] = '\0';
    ardiff_status st = ad_fail_log(ARDIFF_E_BUILD, log ? log : "(no log)",
                                   "kernel build failed on device %d (%s): %s (%d); options: "
                                   "\"%s\"; build log:",
                                   dev->desc.index, dev->desc.name, ocl_error_name(err), (int)err,
                                   options);
    free(log);
    return st;
}

static ardiff_status from_binary(ocl_dev *dev, const unsigned char *bin, size_t len,
                                 const char *options, cl_program *out)
{
    cl_int err, bin_status = CL_SUCCESS;
    cl_program p = clCreateProgramWithBinary(dev->ctx, 1, &dev->device, &len, &bin, &bin_status, &err);
    if (err != CL_SUCCESS || bin_status != CL_SUCCESS) {
        if (p) clReleaseProgram(p);
        return ARDIFF_E_BUILD;
    }
    if (clBuildProgram(p, 1, &dev->device, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(p);
        return ARDIFF_E_BUILD;
    }
    *out = p;
    return ARDIFF_OK;
}

static void store_binary(ocl_dev *dev, cl_program p, const char *key)
{
    size_t len = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || !len)
        return;
    unsigned char *bin = malloc(len);
    if (!bin) return;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        ocl_cache_store(key, bin, len);
    (void)dev;
    free(bin);
}

ardiff_status ocl_program_get(ocl_dev *dev, const char *text, size_t len, const char *options,
                              cl_program *out, int *cache_hit)
{
    char opts[1536];
    snprintf(opts, sizeof opts, "%s %s", BASE_OPTIONS, options ? options : "");
    *cache_hit = 0;
    char key[4096];
    ocl_cache_key(dev, text, len, opts, key, sizeof key);
    size_t bin_len = 0;
    unsigned char *bin = ocl_cache_load(key, &bin_len);
    if (bin) {
        ardiff_status st = from_binary(dev, bin, bin_len, opts, out);
        free(bin);
        if (st == ARDIFF_OK) {
            *cache_hit = 1;
            return ARDIFF_OK;
        }
        AD_WARN("cached kernel binary for device %d rejected by the driver; rebuilding",
                dev->desc.index);
    }
    cl_int err;
    cl_program p = clCreateProgramWithSource(dev->ctx, 1, &text, &len, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateProgramWithSource", __FILE__, __LINE__, dev);
    err = clBuildProgram(p, 1, &dev->device, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        ardiff_status st = build_failure(dev, p, opts, err);
        clReleaseProgram(p);
        return st;
    }
    store_binary(dev, p, key);
    *out = p;
    return ARDIFF_OK;
}
