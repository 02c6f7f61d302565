/* variants.c: the per-device kernel-variant table (variants.h). */
#include "variants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const char *const OP_NAMES[OCL_OP_COUNT] = {"gemm_nt", "attention", "layernorm", "clamp"};
static const char *const VARIANT_NAMES[OCL_OP_COUNT][2] = {
    {"clblast", "tiled"}, {"group", "item"}, {"group", "item"}, {"gemm", "fused"}};
#define SPLITS_KEY "clamp_splits"

void ocl_variants_of_set(int set, ocl_variants *t)
{
    memset(t, 0, sizeof *t);
    for (int op = 0; op < OCL_OP_COUNT; op++) t->v[op] = set == OCL_SET_CPU;
}

const char *ocl_variants_set_name(const ocl_variants *t)
{
    int g = t->v[OCL_OP_GEMM_NT];
    if (t->v[OCL_OP_ATTENTION] != g || t->v[OCL_OP_LAYERNORM] != g) return "mixed";
    return g ? "cpu" : "gpu";
}

void ocl_variants_of_type(const ardiff_device_desc *desc, ocl_variants *t)
{
    ocl_variants_of_set(!strcmp(desc->type, "cpu") ? OCL_SET_CPU : OCL_SET_GPU, t);
}

/* ARDIFF_KERNELS: the whole set (clamp_splits back to 0 with it) */
static ardiff_status set_from_env(const ardiff_device_desc *d, ocl_variants *t, int *over)
{
    const char *env = getenv("ARDIFF_KERNELS");
    if (!env || !*env || !strcmp(env, "auto")) return ARDIFF_OK;
    if (strcmp(env, "cpu") && strcmp(env, "gpu"))
        return ad_fail(ARDIFF_E_INVALID_ARG, "ARDIFF_KERNELS=%s: expected auto, gpu or cpu", env);
    int cpu = !strcmp(env, "cpu");
    ocl_variants_of_set(cpu ? OCL_SET_CPU : OCL_SET_GPU, t);
    *over |= OCL_ENV_KERNELS;
    AD_INFO("device %d (%s): %s kernel set (ARDIFF_KERNELS)", d->index, d->name,
            cpu ? "cpu (tiled GEMM, fused clamping; attention and layer norm per work item)"
                : "gpu (CLBlast GEMMs; attention and layer norm per work group)");
    return ARDIFF_OK;
}

/* ARDIFF_CLAMP: the clamping variant over the rest */
static ardiff_status clamp_from_env(const ardiff_device_desc *d, ocl_variants *t, int *over)
{
    const char *env = getenv("ARDIFF_CLAMP");
    if (!env || !*env || !strcmp(env, "auto")) return ARDIFF_OK;
    if (strcmp(env, "gemm") && strcmp(env, "fused"))
        return ad_fail(ARDIFF_E_INVALID_ARG, "ARDIFF_CLAMP=%s: expected auto, gemm or fused", env);
    t->v[OCL_OP_CLAMP] = !strcmp(env, "fused") ? OCL_CLAMP_FUSED : OCL_CLAMP_GEMM;
    *over |= OCL_ENV_CLAMP;
    AD_INFO("device %d (%s): clamping %s (ARDIFF_CLAMP)", d->index, d->name,
            t->v[OCL_OP_CLAMP] == OCL_CLAMP_FUSED ? "fused (cl/clamp.cl)" : "GEMM + argmin");
    return ARDIFF_OK;
}

ardiff_status ocl_variants_env(const ardiff_device_desc *desc, ocl_variants *t, int *overridden)
{
    ocl_variants v = *t;
    int over = 0;
    AD_TRY(set_from_env(desc, &v, &over));
    AD_TRY(clamp_from_env(desc, &v, &over));
    *t = v;
    if (overridden) *overridden = over;
    return ARDIFF_OK;
}

ardiff_status ocl_variants_default(const ardiff_device_desc *desc, ocl_variants *t)
{
    ocl_variants v;
    ocl_variants_of_type(desc, &v);
    AD_TRY(ocl_variants_env(desc, &v, NULL));
    *t = v;
    return ARDIFF_OK;
}

const char *ocl_op_name(ocl_op op)
{
    return (int)op >= 0 && op < OCL_OP_COUNT ? OP_NAMES[op] : NULL;
}

const char *ocl_variant_name(ocl_op op, int variant)
{
    if ((int)op < 0 || op >= OCL_OP_COUNT || variant < 0 || variant > 1) return NULL;
    return VARIANT_NAMES[op][variant];
}

ardiff_status ocl_variants_format(const ocl_variants *t, char *buf, size_t cap)
{
    size_t used = 0;
    for (int op = 0; op < OCL_OP_COUNT; op++) {
        const char *name = ocl_variant_name((ocl_op)op, t->v[op]);
        int n = snprintf(buf + used, cap - used, "%s=%s ", OP_NAMES[op], name ? name : "?");
        if (n < 0 || (size_t)n >= cap - used)
            return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: buffer of %zu bytes too small",
                           cap);
        used += (size_t)n;
    }
    int n = snprintf(buf + used, cap - used, SPLITS_KEY "=%d", t->clamp_splits);
    if (n < 0 || (size_t)n >= cap - used)
        return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: buffer of %zu bytes too small", cap);
    return ARDIFF_OK;
}

/* one "key=value" item (NUL-terminated) into t */
static ardiff_status parse_item(char *item, ocl_variants *t)
{
    char *eq = strchr(item, '=');
    if (!eq) return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: '%s' is not key=value", item);
    *eq = '\0';
    const char *key = item, *val = eq + 1;
    if (!strcmp(key, SPLITS_KEY)) {
        char *end = NULL;
        long s = strtol(val, &end, 10);
        if (!*val || *end || s < 0 || s > (1 << 24))
            return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: " SPLITS_KEY "=%s: expected "
                           "a count from 0", val);
        t->clamp_splits = (int)s;
        return ARDIFF_OK;
    }
    for (int op = 0; op < OCL_OP_COUNT; op++) {
        if (strcmp(key, OP_NAMES[op])) continue;
        for (int v = 0; v < 2; v++)
            if (!strcmp(val, VARIANT_NAMES[op][v])) {
                t->v[op] = v;
                return ARDIFF_OK;
            }
        return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: %s=%s: expected %s or %s", key,
                       val, VARIANT_NAMES[op][0], VARIANT_NAMES[op][1]);
    }
    return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: unknown op '%s'", key);
}

ardiff_status ocl_variants_parse(const char *text, ocl_variants *t)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        return ad_fail(ARDIFF_E_INVALID_ARG, "kernel variants: text longer than %zu bytes",
                       sizeof buf - 1);
    snprintf(buf, sizeof buf, "%s", text);
    ocl_variants v = *t;
    for (char *save = NULL, *it = strtok_r(buf, " \t\r\n", &save); it;
         it = strtok_r(NULL, " \t\r\n", &save))
        AD_TRY(parse_item(it, &v));
    *t = v;
    return ARDIFF_OK;
}
