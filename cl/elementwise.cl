/* elementwise.cl: bias + activation, GEGLU, residual add, scale. fp32.
 * -D macros: WG (see common.cl).
 * Tensors are [rows, cols] views: element (i, c) at off + i*ld + c. Outputs may alias inputs
 * element for element (in place). global = (round_up(cols, WG), rows).
 */

#define ACT_NONE 0
#define ACT_GELU 1
#define ACT_TANH 2
#define ACT_SILU 3

/* erfc(z) for z >= 0 by the Chebyshev-fitted form of Numerical Recipes (Press et al., 2nd ed.,
 * sec. 6.2): t = 1 / (1 + z/2), erfc(z) = t exp(-z^2 + P(t)), fractional error below 1.2e-7 for
 * every z. Written out here instead of the builtin erf because (a) PoCL's erf does not vectorise
 * and cost about 20 ns per element, a sixth of a decoder pass on a CPU, and (b) the same
 * arithmetic on every vendor keeps GELU equal across devices up to exp's rounding. */
inline float erfc_pos(float z)
{
    const float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = mad(p, t, -0.82215223f);
    p = mad(p, t, 1.48851587f);
    p = mad(p, t, -1.13520398f);
    p = mad(p, t, 0.27886807f);
    p = mad(p, t, -0.18628806f);
    p = mad(p, t, 0.09678418f);
    p = mad(p, t, 0.37409196f);
    p = mad(p, t, 1.00002368f);
    p = mad(p, t, -1.26551223f);
    return t * exp(p - z * z);
}

/* GELU, erf form: 0.5 x (1 + erf(x / sqrt 2)); 1 + erf(z) = 2 - erfc(z) for z >= 0 and
 * erfc(-z) below, so the negative tail keeps its relative accuracy */
inline float gelu_erf(float x)
{
    const float z = x * 0.70710678118654752f;
    const float one_plus_erf = z >= 0.0f ? 2.0f - erfc_pos(z) : erfc_pos(-z);
    return 0.5f * x * one_plus_erf;
}

inline float activate(float x, int act)
{
    switch (act) {
    case ACT_GELU: return gelu_erf(x);
    case ACT_TANH: return tanh(x);
    case ACT_SILU: return x / (1.0f + exp(-x));
    default: return x;
    }
}

/* y = act(x + bias[c]); bias ignored when has_bias == 0 (act ACT_NONE: a plain bias add).
 * One kernel per activation, the activation fixed at compile time: with the activation as a
 * run-time argument PoCL kept the switch inside the work-item loop and ran GELU and tanh at
 * about 20 ns per element. */
#define BIAS_ACT_KERNEL(NAME, ACT)                                                              \
    __kernel __attribute__((reqd_work_group_size(WG, 1, 1)))                                     \
    void NAME(__global const float *x, int x_off, int ldx, __global const float *bias, int b_off, \
              int has_bias, __global float *y, int y_off, int ldy, int rows, int cols)          \
    {                                                                                            \
        const int c = get_global_id(0), i = get_global_id(1);                                    \
        if (c >= cols || i >= rows) return;                                                      \
        float t = x[x_off + (size_t)i * ldx + c];                                                \
        if (has_bias) t += bias[b_off + c];                                                      \
        y[y_off + (size_t)i * ldy + c] = activate(t, ACT);                                       \
    }
BIAS_ACT_KERNEL(ardiff_bias_f32, ACT_NONE)
BIAS_ACT_KERNEL(ardiff_bias_gelu_f32, ACT_GELU)
BIAS_ACT_KERNEL(ardiff_bias_tanh_f32, ACT_TANH)
BIAS_ACT_KERNEL(ardiff_bias_silu_f32, ACT_SILU)

/* GEGLU (official order: the first half is the value, the second half the gate):
 *   x [rows, 2F] (+ bias [2F]) -> y[i, c] = x[i, c] * GELU(x[i, F + c]), y [rows, F] */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_geglu_f32(__global const float *x, int x_off, int ldx,
                      __global const float *bias, int b_off, int has_bias,
                      __global float *y, int y_off, int ldy, int rows, int F)
{
    const int c = get_global_id(0), i = get_global_id(1);
    if (c >= F || i >= rows) return;
    __global const float *xr = x + x_off + (size_t)i * ldx;
    float val = xr[c], gate = xr[F + c];
    if (has_bias) {
        val += bias[b_off + c];
        gate += bias[b_off + F + c];
    }
    y[y_off + (size_t)i * ldy + c] = val * gelu_erf(gate);
}

/* y = a + b (the residual add) */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_add_f32(__global const float *a, int a_off, int lda,
                    __global const float *b, int b_off, int ldb,
                    __global float *y, int y_off, int ldy, int rows, int cols)
{
    const int c = get_global_id(0), i = get_global_id(1);
    if (c >= cols || i >= rows) return;
    y[y_off + (size_t)i * ldy + c] = a[a_off + (size_t)i * lda + c] + b[b_off + (size_t)i * ldb + c];
}

/* y = alpha * x */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_scale_f32(__global const float *x, int x_off, int ldx,
                      __global float *y, int y_off, int ldy, int rows, int cols, float alpha)
{
    const int c = get_global_id(0), i = get_global_id(1);
    if (c >= cols || i >= rows) return;
    y[y_off + (size_t)i * ldy + c] = alpha * x[x_off + (size_t)i * ldx + c];
}
