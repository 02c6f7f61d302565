/* dev.c: one device's runtime: the one start-up sequence (ocl_dev_open: options, context,
 * in-order queue, program and kernels with the subgroup gate, kernel variants, warm-up), its
 * accessors, the profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"
#include "ops_internal.h"
#include "sg_gate.h"
#include "tune.h"
#include "core/clock.h"

static ardiff_status create_kernels(ocl_dev *dev)
{
    cl_uint n = 0;
    OCL_CHECK(dev, clCreateKernelsInProgram(dev->program, 0, NULL, &n));
    if (n == 0) return ARDIFF_OK;
    cl_kernel *ks = calloc(n, sizeof *ks);
    dev->kernels = calloc(n, sizeof *dev->kernels);
    if (!ks || !dev->kernels) {
        free(ks);
        return ad_fail(ARDIFF_E_OOM, "out of host memory creating kernels");
    }
    cl_int err = clCreateKernelsInProgram(dev->program, n, ks, NULL);
    if (err != CL_SUCCESS) {
        free(ks);
        return ocl_fail(err, "clCreateKernelsInProgram", __FILE__, __LINE__, dev);
    }
    for (cl_uint i = 0; i < n; i++) {
        dev->kernels[i].kernel = ks[i];
        clGetKernelInfo(ks[i], CL_KERNEL_FUNCTION_NAME, sizeof dev->kernels[i].name,
                        dev->kernels[i].name, NULL);
        dev->kernels[i].name[sizeof dev->kernels[i].name - 1] = '\0';
    }
    dev->kernel_count = (int)n;
    free(ks);
    return ARDIFF_OK;
}

/* description, platform and id of device `index` of the flat list */
static ardiff_status find_device(ocl_dev *dev, int index)
{
    ardiff_device_desc *descs = NULL;
    cl_platform_id *plats = NULL;
    cl_device_id *ids = NULL;
    int n = 0;
    AD_TRY(ocl_enumerate(&descs, &plats, &ids, &n));
    ardiff_status st = ARDIFF_OK;
    if (index < 0 || index >= n) {
        st = ad_fail(ARDIFF_E_NO_DEVICE, "device index %d out of range (%d devices)", index, n);
    } else {
        dev->desc = descs[index];
        dev->platform = plats[index];
        dev->device = ids[index];
    }
    free(descs); free(plats); free(ids);
    return st;
}

static ardiff_status open_queue(ocl_dev *dev)
{
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)dev->platform, 0};
    dev->ctx = clCreateContext(props, 1, &dev->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateContext", __FILE__, __LINE__, dev);
    const char *prof = getenv("ARDIFF_PROFILE");
    dev->profile = prof && *prof && strcmp(prof, "0") != 0;
    dev->queue = clCreateCommandQueue(dev->ctx, dev->device,
                                      dev->profile ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateCommandQueue", __FILE__, __LINE__, dev);
    return ARDIFF_OK;
}

/* the program with the device's build options plus `extra`, through the binary cache */
static ardiff_status build_program(ocl_dev *dev, const char *extra)
{
    char *text = NULL;
    size_t len = 0;
    char origin[512];
    AD_TRY(ops_build_options(&dev->desc, dev->options, sizeof dev->options));
    size_t used = strlen(dev->options);
    if ((size_t)snprintf(dev->options + used, sizeof dev->options - used, "%s", extra) >=
        sizeof dev->options - used)
        return ad_fail(ARDIFF_E_INTERNAL, "device %d: build options too long", dev->desc.index);
    AD_TRY(ocl_program_source(&text, &len, origin, sizeof origin));
    double t0 = ad_now_ms();
    ardiff_status st = ocl_program_get(dev, text, len, dev->options, &dev->program,
                                       &dev->cache_hit);
    dev->build_ms = ad_now_ms() - t0;
    dev->source_hash[0] = ocl_hash64(text, len, 1);
    dev->source_hash[1] = ocl_hash64(text, len, 2);
    free(text);
    if (st != ARDIFF_OK) return st;
    AD_INFO("device %d (%s): kernels from %s, %s in %.0f ms", dev->desc.index, dev->desc.name,
            origin, dev->cache_hit ? "program cache hit" : "built from source", dev->build_ms);
    return ARDIFF_OK;
}

static void release_program(ocl_dev *dev)
{
    for (int i = 0; i < dev->kernel_count; i++) clReleaseKernel(dev->kernels[i].kernel);
    free(dev->kernels);
    dev->kernels = NULL;
    dev->kernel_count = 0;
    if (dev->program) clReleaseProgram(dev->program);
    dev->program = NULL;
}

/* The subgroup reductions (cl/common.cl, row_sum and row_max) are an optional path: tried only
 * on a device that claims cl_khr_subgroups or cl_intel_subgroups (unless ARDIFF_SUBGROUPS=off),
 * kept only if the program builds with them and the start-up self-test (sg_gate.h) passes.
 * Otherwise one warning and the program is rebuilt with the work-group reductions, which every
 * device runs. ARDIFF_FAULT_SUBGROUPS=1 (tests only) builds them with a deliberate defect. */
static ardiff_status open_program(ocl_dev *dev)
{
    const char *env = getenv("ARDIFF_SUBGROUPS");
    if (env && *env && strcmp(env, "auto") && strcmp(env, "off"))
        return ad_fail(ARDIFF_E_INVALID_ARG, "ARDIFF_SUBGROUPS=%s: expected auto or off", env);
    int off = env && !strcmp(env, "off");
    if (!dev->desc.subgroups || off) {
        dev->subgroups = off && dev->desc.subgroups ? OCL_SG_OFF : OCL_SG_UNCLAIMED;
        snprintf(dev->subgroups_note, sizeof dev->subgroups_note, "%s",
                 dev->desc.subgroups ? "switched off by ARDIFF_SUBGROUPS=off"
                                     : "the device claims no subgroup extension");
        AD_TRY(build_program(dev, ""));
        return create_kernels(dev);
    }
    const char *fault = getenv("ARDIFF_FAULT_SUBGROUPS");
    int faulty = fault && *fault && strcmp(fault, "0");
    char why[sizeof dev->subgroups_note - 64];
    int passed = 0;
    ardiff_status st = build_program(dev, faulty ? " -DUSE_SUBGROUPS -DSUBGROUPS_FAULT"
                                                 : " -DUSE_SUBGROUPS");
    if (st == ARDIFF_OK) st = create_kernels(dev);
    if (st == ARDIFF_OK) st = ocl_sg_selftest(dev, &passed, why, sizeof why);
    if (st != ARDIFF_OK) {
        snprintf(why, sizeof why, "the build failed: %s", ardiff_last_error());
        why[strcspn(why, "\n")] = '\0'; /* the message's first line, not the whole build log */
    }
    if (passed) {
        dev->subgroups = OCL_SG_ON;
        snprintf(dev->subgroups_note, sizeof dev->subgroups_note, "start-up self-test passed: %s",
                 why);
        AD_INFO("device %d (%s): subgroup reductions on (%s)", dev->desc.index, dev->desc.name,
                dev->subgroups_note);
        return ARDIFF_OK;
    }
    dev->subgroups = OCL_SG_REFUSED;
    snprintf(dev->subgroups_note, sizeof dev->subgroups_note, "%s", why);
    AD_WARN("device %d (%s): subgroup reductions refused by the start-up self-test (%s); using "
            "work-group reductions", dev->desc.index, dev->desc.name, why);
    release_program(dev);
    AD_TRY(build_program(dev, ""));
    return create_kernels(dev);
}

/* the kernel-variant table: type defaults < stored tuning < environment (variants.h) */
static ardiff_status load_variants(ocl_dev *dev)
{
    ocl_variants t;
    char shapes[256] = "", from[160];
    ocl_variants_of_type(&dev->desc, &t);
    snprintf(from, sizeof from, "type defaults (%s device)", dev->desc.type);
    if (ocl_tune_load(dev, &t, shapes, sizeof shapes))
        snprintf(from, sizeof from, "stored tuning (measured on %s)", shapes);
    int over = 0;
    AD_TRY(ocl_variants_env(&dev->desc, &t, &over));
    dev->variants = t;
    dev->variants_env = over;
    snprintf(dev->variants_origin, sizeof dev->variants_origin, "%s%s%s", from,
             over & OCL_ENV_KERNELS ? "; ARDIFF_KERNELS overrides the whole table" : "",
             over & OCL_ENV_CLAMP ? "; ARDIFF_CLAMP overrides clamp" : "");
    char line[256];
    AD_TRY(ocl_variants_format(&t, line, sizeof line));
    AD_INFO("device %d (%s): kernel variants %s, from %s", dev->desc.index, dev->desc.name, line,
            dev->variants_origin);
    return ARDIFF_OK;
}

/* the start-up sequence of dev.h, in order */
static ardiff_status dev_init(ocl_dev *dev, int index)
{
    AD_TRY(find_device(dev, index));
    AD_TRY(open_queue(dev));
    AD_TRY(open_program(dev));
    AD_TRY(load_variants(dev));
    return ops_warmup(dev);
}

ardiff_status ocl_dev_open(int index, ocl_dev **out)
{
    *out = NULL;
    ocl_dev *dev = calloc(1, sizeof *dev);
    if (!dev) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    ardiff_status st = dev_init(dev, index);
    if (st != ARDIFF_OK) {
        ocl_dev_free(dev);
        return st;
    }
    *out = dev;
    return ARDIFF_OK;
}

void ocl_dev_free(ocl_dev *dev)
{
    if (!dev) return;
    if (dev->queue) clFinish(dev->queue);
    if (dev->profile) ocl_prof_print(dev);
    release_program(dev);
    if (dev->gemm_tmp) clReleaseMemObject(dev->gemm_tmp);
    if (dev->queue) clReleaseCommandQueue(dev->queue);
    if (dev->ctx) clReleaseContext(dev->ctx);
    free(dev);
}

cl_kernel ocl_kernel(ocl_dev *dev, const char *name)
{
    for (int i = 0; i < dev->kernel_count; i++)
        if (!strcmp(dev->kernels[i].name, name)) return dev->kernels[i].kernel;
    ad_fail(ARDIFF_E_INTERNAL, "kernel '%s' not found in the program of device %d (%s)", name,
            dev->desc.index, dev->desc.name);
    return NULL;
}

const ardiff_device_desc *ocl_dev_desc(const ocl_dev *dev) { return &dev->desc; }
const char *ocl_dev_options(const ocl_dev *dev) { return dev->options; }
double ocl_dev_build_ms(const ocl_dev *dev) { return dev->build_ms; }
int ocl_dev_cache_hit(const ocl_dev *dev) { return dev->cache_hit; }
const ocl_variants *ocl_dev_variants(const ocl_dev *dev) { return &dev->variants; }

ocl_sg_state ocl_dev_subgroups(const ocl_dev *dev, const char **note)
{
    if (note) *note = dev->subgroups_note;
    return (ocl_sg_state)dev->subgroups;
}

const char *ocl_sg_state_name(ocl_sg_state s)
{
    static const char *const names[] = {"not claimed", "off", "on", "refused"};
    return (unsigned)s <= OCL_SG_REFUSED ? names[s] : "?";
}
const char *ocl_dev_variants_origin(const ocl_dev *dev) { return dev->variants_origin; }

ardiff_status ocl_dev_set_variants(ocl_dev *dev, const ocl_variants *t)
{
    for (int op = 0; op < OCL_OP_COUNT; op++)
        if (!ocl_variant_name((ocl_op)op, t->v[op]))
            return ad_fail(ARDIFF_E_INVALID_ARG, "device %d: variant %d of %s does not exist",
                           dev->desc.index, t->v[op], ocl_op_name((ocl_op)op));
    if (t->clamp_splits < 0)
        return ad_fail(ARDIFF_E_INVALID_ARG, "device %d: clamp_splits %d < 0", dev->desc.index,
                       t->clamp_splits);
    dev->variants = *t;
    return ARDIFF_OK;
}

ardiff_status ocl_prof_event(ocl_dev *dev, const char *name, cl_event ev)
{
    if (!ev) return ARDIFF_OK;
    cl_ulong t0 = 0, t1 = 0;
    cl_int err = clWaitForEvents(1, &ev);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS) return ocl_fail(err, "profiling event", __FILE__, __LINE__, dev);
    int i = 0;
    while (i < dev->prof_count && strcmp(dev->prof[i].name, name)) i++;
    if (i == dev->prof_count) {
        if (i == OCL_PROF_MAX) return ARDIFF_OK;
        snprintf(dev->prof[i].name, sizeof dev->prof[i].name, "%s", name);
        dev->prof_count++;
    }
    dev->prof[i].ms += (double)(t1 - t0) * 1e-6;
    dev->prof[i].calls++;
    return ARDIFF_OK;
}

static int prof_cmp(const void *a, const void *b)
{
    double x = ((const ocl_prof_entry *)a)->ms, y = ((const ocl_prof_entry *)b)->ms;
    return (x < y) - (x > y);
}

void ocl_prof_print(const ocl_dev *dev)
{
    ocl_prof_entry sorted[OCL_PROF_MAX];
    double total = 0;
    memcpy(sorted, dev->prof, sizeof sorted);
    qsort(sorted, (size_t)dev->prof_count, sizeof sorted[0], prof_cmp);
    for (int i = 0; i < dev->prof_count; i++) total += sorted[i].ms;
    fprintf(stderr, "profile of device %d (%s), %s kernel set: %.1f ms of device time\n",
            dev->desc.index, dev->desc.name, ocl_variants_set_name(&dev->variants), total);
    fprintf(stderr, "  %-36s %8s %11s %9s %6s\n", "kernel", "calls", "total ms", "mean ms",
            "share");
    for (int i = 0; i < dev->prof_count; i++)
        fprintf(stderr, "  %-36s %8ld %11.1f %9.3f %5.1f%%\n", sorted[i].name, sorted[i].calls,
                sorted[i].ms, sorted[i].ms / (double)sorted[i].calls,
                total > 0 ? 100.0 * sorted[i].ms / total : 0.0);
}

ardiff_status ocl_finish(ocl_dev *dev)
{
    OCL_CHECK(dev, clFinish(dev->queue));
    return ARDIFF_OK;
}
