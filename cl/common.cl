/* common.cl: helpers shared by every kernel file (concatenated first into the one program).
 *
 * -D macros (all optional; runtime/ocl/ops_common.c passes the values its launchers assume):
 *   WG             work-group size of every kernel (reqd_work_group_size(WG,1,1)); a power of
 *                  two, <= the device's max work-group size. Default 64.
 *   ATT_MAX_KEYS   most keys one attention row holds in local memory. Default 512.
 *   ATT_MAX_DH     largest head dimension. Default 128.
 *   USE_SUBGROUPS  row_sum / row_max through subgroups (below; set by ocl_dev_open, gated).
 *   SUBGROUPS_FAULT  tests only: a deliberate defect in them (below).
 *   INTEL_CPU_HINTS  set for Intel's CPU runtime only: ITEM_SIMD below spells its hint.
 *
 * Kernels that use barriers never return early, not even for surplus work items: PoCL 3.1
 * crashes on a return ahead of a barrier. Their launchers start exactly one group per row.
 *
 * Also here: the counter-based random stream of docs/rng.md (Philox4x32-10 + a Box-Muller
 * transform built from binary32 +, -, * only), because both rng.cl and denoise.cl use it and
 * denoise.cl is concatenated before rng.cl. Floating-point contraction is switched off for the
 * whole program: the stream must be bit-identical to runtime/engine/rng.c, and no kernel here
 * is bound by multiply-add throughput.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#define WG 64
#endif
#ifndef ATT_MAX_KEYS
#define ATT_MAX_KEYS 512
#endif
#ifndef ATT_MAX_DH
#define ATT_MAX_DH 128
#endif

/* ITEM_SIMD marks the kernels whose work item already computes with explicit vectors (the tiled
 * GEMM, the fused clamping, the per-item attention). Intel's CPU compiler would otherwise also
 * vectorise across work items, which turns those vectors into shuffles and gathers: with the hint
 * (its intel_vec_len_hint extension, 1 = no cross-item vectorisation) the tiled GEMM ran 1.7 to
 * 4.5x faster there and a whole generation 1.4x (docs/kernels.md). Each work item's arithmetic
 * is the same either way. */
#ifdef INTEL_CPU_HINTS
#define ITEM_SIMD __attribute__((intel_vec_len_hint(1)))
#else
#define ITEM_SIMD
#endif

/* lane t of the result: the sum of v_t's eight lanes as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) +
 * (l6 + l7)), for eight vectors at once: three rounds of pairwise adds of even and odd lanes
 * instead of 8 x 7 scalar adds on extracted lanes. gemm.cl's order of the eight partial sums
 * of a dot product, which clamp.cl repeats (attention.cl's att_hsum8 has an order of its own). */
inline float8 hsum8_tree(float8 v0, float8 v1, float8 v2, float8 v3, float8 v4, float8 v5,
                         float8 v6, float8 v7)
{
    const float8 a = (float8)(v0.even, v1.even) + (float8)(v0.odd, v1.odd); /* l0+l1, l2+l3, .. */
    const float8 b = (float8)(v2.even, v3.even) + (float8)(v2.odd, v3.odd);
    const float8 c = (float8)(v4.even, v5.even) + (float8)(v4.odd, v5.odd);
    const float8 d = (float8)(v6.even, v7.even) + (float8)(v6.odd, v7.odd);
    const float8 e = (float8)(a.even, b.even) + (float8)(a.odd, b.odd); /* the two halves */
    const float8 f = (float8)(c.even, d.even) + (float8)(c.odd, d.odd);
    return (float8)(e.even, f.even) + (float8)(e.odd, f.odd);
}

/* finite "minus infinity" for masking (no inf sentinels anywhere) */
#define AD_NEG_BIG (-1e30f)

/* ---- work-group reductions (WG a power of two; fixed order, so results are deterministic) -- */
inline float wg_sum(float v, __local float *red)
{
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float wg_max(float v, __local float *red)
{
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] = fmax(red[lid], red[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

/* ---- row reductions of the work-group kernels (layer norm, attention: variant `group`) ------
 * row_sum / row_max reduce over the work group like wg_sum / wg_max. With -DUSE_SUBGROUPS
 * they reduce within each subgroup (the subgroup reduce built-ins), then every work item adds the
 * subgroups' partials in subgroup order (two barriers instead of log2(WG) + 2). ocl_dev_open
 * passes USE_SUBGROUPS only to a device that claims cl_khr_subgroups or cl_intel_subgroups,
 * and keeps it only if the build succeeds and the start-up self-test passes (runtime/ocl/
 * sg_gate.c); else the program is rebuilt without it. The result differs from wg_sum's in the
 * order of the sums only. The clamping (rounding.cl, clamp.cl) keeps wg_sum: the fused
 * clamping reproduces its exact order.
 * -DSUBGROUPS_FAULT (tests only, ARDIFF_FAULT_SUBGROUPS=1): row_sum counts the first subgroup's
 * partial twice, a wrong result the self-test must refuse (tests/test_gate.c).
 * Every use of a subgroup built-in stays inside this block (test_gate checks the sources). */
#ifdef USE_SUBGROUPS /* BEGIN subgroup block */
#if defined(cl_khr_subgroups)
#pragma OPENCL EXTENSION cl_khr_subgroups : enable
#endif
#if defined(cl_intel_subgroups)
#pragma OPENCL EXTENSION cl_intel_subgroups : enable
#endif
/* red[0 .. subgroups) <- each subgroup's partial p; returns their sum (max) in subgroup order */
inline float sg_combine(float p, int is_max, __local float *red)
{
    if (get_sub_group_local_id() == 0) red[get_sub_group_id()] = p;
    barrier(CLK_LOCAL_MEM_FENCE);
    const int n = (int)get_num_sub_groups();
    float r = red[0];
    for (int i = 1; i < n; i++) r = is_max ? fmax(r, red[i]) : r + red[i];
#ifdef SUBGROUPS_FAULT
    if (!is_max) r += red[0];
#endif
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
inline float row_sum(float v, __local float *red)
{
    return sg_combine(sub_group_reduce_add(v), 0, red);
}
inline float row_max(float v, __local float *red)
{
    return sg_combine(sub_group_reduce_max(v), 1, red);
}
#else /* END subgroup block */
inline float row_sum(float v, __local float *red) { return wg_sum(v, red); }
inline float row_max(float v, __local float *red) { return wg_max(v, red); }
#endif

/* (value, index) pair better for an argmin: smaller value, ties to the lower index */
inline int argmin_better(float va, int ia, float vb, int ib)
{
    return va < vb || (va == vb && ia < ib);
}

/* argmin over the work group; returns the winning index, *best gets its value */
inline int wg_argmin(float v, int idx, __local float *redv, __local int *redi, float *best)
{
    const int lid = get_local_id(0);
    redv[lid] = v;
    redi[lid] = idx;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s && argmin_better(redv[lid + s], redi[lid + s], redv[lid], redi[lid])) {
            redv[lid] = redv[lid + s];
            redi[lid] = redi[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    int r = redi[0];
    *best = redv[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

/* ---- the random stream (docs/rng.md) ------------------------------------------------------ */
inline uint4 philox4x32_10(uint4 c, uint2 k)
{
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k.x += 0x9E3779B9u;
            k.y += 0xBB67AE85u;
        }
        uint hi0 = mul_hi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        uint hi1 = mul_hi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

inline float rng_log_f(float u)
{
    uint bits = as_uint(u);
    int e = (int)((bits >> 23) & 0xffu) - 127;
    float m = as_float((bits & 0x7fffffu) | 0x3f800000u);
    if (m > 0x1.6a09e6p+0f) {
        m = m * 0.5f;
        e = e + 1;
    }
    float x = m - 1.0f;
    float z = x * x;
    float p = 0x1.204376p-4f;
    p = p * x + -0x1.d7a370p-4f;
    p = p * x + 0x1.de4a34p-4f;
    p = p * x + -0x1.fcba9ep-4f;
    p = p * x + 0x1.23d37ep-3f;
    p = p * x + -0x1.555ca0p-3f;
    p = p * x + 0x1.999d58p-3f;
    p = p * x + -0x1.fffff8p-3f;
    p = p * x + 0x1.555554p-2f;
    float v = (x * z) * p;
    float fe = (float)e;
    v = v + fe * -0x1.bd0106p-13f;
    v = v - 0.5f * z;
    float w = x + v;
    w = w + fe * 0x1.63p-1f;
    return w;
}

inline float rng_sqrt_f(float y)
{
    if (y == 0.0f) return 0.0f;
    float g = as_float(0x5f3759dfu - (as_uint(y) >> 1));
    float h = 0.5f * y;
    g = g * (1.5f - (h * g) * g);
    g = g * (1.5f - (h * g) * g);
    g = g * (1.5f - (h * g) * g);
    return y * g;
}

inline float rng_sin_f(float t)
{
    float t2 = t * t;
    float p = 0x1.612462p-33f;
    p = p * t2 + -0x1.ae6456p-26f;
    p = p * t2 + 0x1.71de3ap-19f;
    p = p * t2 + -0x1.a01a02p-13f;
    p = p * t2 + 0x1.111112p-7f;
    p = p * t2 + -0x1.555556p-3f;
    p = p * t2 + 1.0f;
    return t * p;
}

inline float rng_cos_f(float t)
{
    float t2 = t * t;
    float p = -0x1.93974ap-37f;
    p = p * t2 + 0x1.1eed8ep-29f;
    p = p * t2 + -0x1.27e4fcp-22f;
    p = p * t2 + 0x1.a01a02p-16f;
    p = p * t2 + -0x1.6c16c2p-10f;
    p = p * t2 + 0x1.555556p-5f;
    p = p * t2 + -0x1p-1f;
    p = p * t2 + 1.0f;
    return p;
}

/* two words -> two standard normals, bit-exact with runtime/engine/rng.c */
inline float2 rng_box_muller(uint a, uint b)
{
    float u = (float)((a >> 8) + 1u) * 0x1p-24f;
    float y = -2.0f * rng_log_f(u);
    float r = rng_sqrt_f(y);
    uint q = b >> 30;
    float f = (float)((b >> 6) & 0xFFFFFFu) * 0x1p-24f;
    float t = f * 0x1.921fb6p+0f;
    float c = rng_cos_f(t), s = rng_sin_f(t);
    float C, S;
    if (q == 0u) { C = c; S = s; }
    else if (q == 1u) { C = -s; S = c; }
    else if (q == 2u) { C = -c; S = -s; }
    else { C = s; S = -c; }
    return (float2)(r * C, r * S);
}

/* the four normals of channels 4*block .. 4*block+3 at (seed, input, cand, step, position) */
inline float4 rng_normal4(uint seed_lo, uint seed_hi, uint input, uint cand, uint step,
                          uint position, uint block)
{
    uint4 ctr = (uint4)((position << 16) | block, step, cand, input);
    uint4 w = philox4x32_10(ctr, (uint2)(seed_lo, seed_hi));
    float2 n01 = rng_box_muller(w.x, w.y);
    float2 n23 = rng_box_muller(w.z, w.w);
    return (float4)(n01.x, n01.y, n23.x, n23.y);
}
