/* test_variants.c: the per-device kernel-variant table (runtime/ocl/variants.h) without a
 * device: the two kernel sets, the defaults by device type and environment, and the one-line
 * text form a per-device tuning is stored in (format, parse, errors). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ocl/variants.h"

static int same(const ocl_variants *a, const ocl_variants *b)
{
    return !memcmp(a->v, b->v, sizeof a->v) && a->clamp_splits == b->clamp_splits;
}

static void sets(void)
{
    ocl_variants g, c;
    ocl_variants_of_set(OCL_SET_GPU, &g);
    ocl_variants_of_set(OCL_SET_CPU, &c);
    CHECK(g.v[OCL_OP_GEMM_NT] == OCL_GEMM_CLBLAST && g.v[OCL_OP_ATTENTION] == OCL_PER_GROUP &&
              g.v[OCL_OP_LAYERNORM] == OCL_PER_GROUP && g.v[OCL_OP_CLAMP] == OCL_CLAMP_GEMM,
          "gpu set");
    CHECK(c.v[OCL_OP_GEMM_NT] == OCL_GEMM_TILED && c.v[OCL_OP_ATTENTION] == OCL_PER_ITEM &&
              c.v[OCL_OP_LAYERNORM] == OCL_PER_ITEM && c.v[OCL_OP_CLAMP] == OCL_CLAMP_FUSED,
          "cpu set");
    CHECK(!strcmp(ocl_variants_set_name(&g), "gpu") && !strcmp(ocl_variants_set_name(&c), "cpu"),
          "set names");
    c.v[OCL_OP_ATTENTION] = OCL_PER_GROUP;
    CHECK(!strcmp(ocl_variants_set_name(&c), "mixed"), "a mixed table is named so");
}

static void defaults(void)
{
    ardiff_device_desc cpu = {0}, gpu = {0};
    strcpy(cpu.type, "cpu");
    strcpy(gpu.type, "gpu");
    ocl_variants t, want;
    unsetenv("ARDIFF_KERNELS");
    unsetenv("ARDIFF_CLAMP");
    ocl_variants_of_set(OCL_SET_CPU, &want);
    CHECK(ocl_variants_default(&cpu, &t) == ARDIFF_OK && same(&t, &want), "CPU: the cpu set");
    ocl_variants_of_set(OCL_SET_GPU, &want);
    CHECK(ocl_variants_default(&gpu, &t) == ARDIFF_OK && same(&t, &want), "GPU: the gpu set");
    setenv("ARDIFF_KERNELS", "gpu", 1);
    setenv("ARDIFF_CLAMP", "fused", 1);
    want.v[OCL_OP_CLAMP] = OCL_CLAMP_FUSED;
    CHECK(ocl_variants_default(&cpu, &t) == ARDIFF_OK && same(&t, &want),
          "ARDIFF_KERNELS=gpu, ARDIFF_CLAMP=fused on a CPU");
    /* over any table (a stored tuning): the whole set, clamp_splits back to 0; the bits say so */
    int over = 0;
    ocl_variants_of_set(OCL_SET_CPU, &t);
    t.clamp_splits = 5;
    CHECK(ocl_variants_env(&cpu, &t, &over) == ARDIFF_OK && same(&t, &want) &&
              over == (OCL_ENV_KERNELS | OCL_ENV_CLAMP), "ocl_variants_env over a table");
    unsetenv("ARDIFF_KERNELS");
    ocl_variants_of_set(OCL_SET_GPU, &t);
    t.clamp_splits = 5;
    CHECK(ocl_variants_env(&cpu, &t, &over) == ARDIFF_OK && over == OCL_ENV_CLAMP &&
              t.v[OCL_OP_CLAMP] == OCL_CLAMP_FUSED && t.clamp_splits == 5 &&
              t.v[OCL_OP_GEMM_NT] == OCL_GEMM_CLBLAST, "ARDIFF_CLAMP alone changes clamp only");
    unsetenv("ARDIFF_CLAMP");
    CHECK(ocl_variants_env(&cpu, &t, &over) == ARDIFF_OK && over == 0 && t.clamp_splits == 5,
          "no variable: the table as it was");
    setenv("ARDIFF_KERNELS", "gpu", 1);
    setenv("ARDIFF_CLAMP", "fused", 1);
    setenv("ARDIFF_CLAMP", "sideways", 1);
    CHECK(ocl_variants_default(&cpu, &t) == ARDIFF_E_INVALID_ARG &&
              strstr(ardiff_last_error(), "ARDIFF_CLAMP=sideways"), "unknown ARDIFF_CLAMP: %s",
          ardiff_last_error());
    unsetenv("ARDIFF_CLAMP");
    setenv("ARDIFF_KERNELS", "sideways", 1);
    CHECK(ocl_variants_default(&cpu, &t) == ARDIFF_E_INVALID_ARG &&
              strstr(ardiff_last_error(), "ARDIFF_KERNELS=sideways"), "unknown ARDIFF_KERNELS");
    unsetenv("ARDIFF_KERNELS");
}

static void text(void)
{
    ocl_variants t, u;
    char line[256];
    ocl_variants_of_set(OCL_SET_CPU, &t);
    t.v[OCL_OP_LAYERNORM] = OCL_PER_GROUP;
    t.clamp_splits = 7;
    CHECK(ocl_variants_format(&t, line, sizeof line) == ARDIFF_OK, "format");
    CHECK(!strcmp(line, "gemm_nt=tiled attention=item layernorm=group clamp=fused clamp_splits=7"),
          "formatted as '%s'", line);
    ocl_variants_of_set(OCL_SET_GPU, &u);
    CHECK(ocl_variants_parse(line, &u) == ARDIFF_OK && same(&t, &u), "parse(format(t)) == t");
    ocl_variants_of_set(OCL_SET_GPU, &u);
    CHECK(ocl_variants_parse("  clamp=fused\n", &u) == ARDIFF_OK &&
              u.v[OCL_OP_CLAMP] == OCL_CLAMP_FUSED && u.v[OCL_OP_GEMM_NT] == OCL_GEMM_CLBLAST,
          "a partial line changes only what it names");
    ocl_variants before = u;
    CHECK(ocl_variants_parse("attention=item gemm_nt=blas", &u) == ARDIFF_E_INVALID_ARG &&
              strstr(ardiff_last_error(), "gemm_nt=blas") && same(&u, &before),
          "unknown variant refused, table unchanged: %s", ardiff_last_error());
    CHECK(ocl_variants_parse("softmax=item", &u) == ARDIFF_E_INVALID_ARG &&
              strstr(ardiff_last_error(), "softmax"), "unknown op refused");
    CHECK(ocl_variants_parse("clamp_splits=-1", &u) == ARDIFF_E_INVALID_ARG, "negative splits");
    CHECK(ocl_variants_parse("clamp", &u) == ARDIFF_E_INVALID_ARG, "no '='");
    CHECK(ocl_variants_format(&t, line, 20) == ARDIFF_E_INVALID_ARG, "short buffer refused");
}

int main(void)
{
    sets();
    defaults();
    text();
    return check_summary("test_variants");
}
