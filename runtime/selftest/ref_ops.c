/* ref_ops.c: plain-C references (double accumulation); see ref_ops.h. */
#include "selftest/ref_ops.h"

#include <math.h>
#include <stdlib.h>

static void ln_row(const float *v, int dim, const float *g, const float *b, float eps, float *y)
{
    double mean = 0, var = 0;
    for (int c = 0; c < dim; c++) mean += v[c];
    mean /= dim;
    for (int c = 0; c < dim; c++) var += (v[c] - mean) * (v[c] - mean);
    var /= dim;
    double inv = 1.0 / sqrt(var + (double)eps);
    for (int c = 0; c < dim; c++) y[c] = (float)((v[c] - mean) * inv * g[c] + b[c]);
}

void ref_layernorm(const float *x, int rows, int dim, const float *g, const float *b, float eps,
                   float *y)
{
    for (int i = 0; i < rows; i++) ln_row(x + (size_t)i * dim, dim, g, b, eps, y + (size_t)i * dim);
}

void ref_add_layernorm(const float *x, const float *r, int rows, int dim, const float *g,
                       const float *b, float eps, float *s, float *y)
{
    for (size_t i = 0; i < (size_t)rows * dim; i++) s[i] = x[i] + r[i];
    ref_layernorm(s, rows, dim, g, b, eps, y);
}

static double dot_bias(const float *q, const float *bias, const float *k, int dh)
{
    double acc = 0;
    for (int c = 0; c < dh; c++) acc += ((double)q[c] + (bias ? bias[c] : 0.0)) * k[c];
    return acc;
}

void ref_attention(ref_seq q, ref_seq k, ref_seq v, ref_seq R, const float *u, const float *w,
                   const int32_t *mask, size_t m_rs, float *out, size_t o_rs, size_t o_ts,
                   int rows, int Lq, int Lk, int H, int dh, int kv_group)
{
    double *p = malloc(sizeof(double) * (size_t)Lk);
    const double scale = 1.0 / sqrt((double)dh);
    for (int r = 0; r < rows; r++) {
        const int src = r / kv_group;
        for (int h = 0; h < H; h++) {
            const int hc = h * dh;
            for (int i = 0; i < Lq; i++) {
                const float *qi = q.p + r * q.rs + i * q.ts + hc;
                double mx = -INFINITY;
                int any = 0;
                for (int j = 0; j < Lk; j++) {
                    int real = !mask || mask[src * m_rs + j] != 0;
                    double l = dot_bias(qi, u ? u + hc : NULL, k.p + src * k.rs + j * k.ts + hc, dh);
                    if (R.p) l += dot_bias(qi, w ? w + hc : NULL, R.p + r * R.rs + j * R.ts + hc, dh);
                    p[j] = real ? l * scale : NAN;
                    if (real) { any = 1; if (p[j] > mx) mx = p[j]; }
                }
                double sum = 0;
                for (int j = 0; j < Lk; j++) {
                    p[j] = !any ? 1.0 : isnan(p[j]) ? 0.0 : exp(p[j] - mx);
                    sum += p[j];
                }
                for (int c = 0; c < dh; c++) {
                    double acc = 0;
                    for (int j = 0; j < Lk; j++) acc += p[j] * v.p[src * v.rs + j * v.ts + hc + c];
                    out[r * o_rs + i * o_ts + hc + c] = (float)(acc / sum);
                }
            }
        }
    }
    free(p);
}

double ref_gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

void ref_bias_act(const float *x, const float *bias, int rows, int cols, int act, float *y)
{
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < cols; c++) {
            double t = (double)x[(size_t)i * cols + c] + (bias ? bias[c] : 0.0f);
            double o = act == 1 ? ref_gelu(t) : act == 2 ? tanh(t) : act == 3 ? t / (1.0 + exp(-t)) : t;
            y[(size_t)i * cols + c] = (float)o;
        }
}

void ref_geglu(const float *x, const float *bias, int rows, int F, float *y)
{
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < F; c++) {
            const float *xr = x + (size_t)i * 2 * F;
            double val = (double)xr[c] + (bias ? bias[c] : 0.0f);
            double gate = (double)xr[F + c] + (bias ? bias[F + c] : 0.0f);
            y[(size_t)i * F + c] = (float)(val * ref_gelu(gate));
        }
}

void ref_embed(const int32_t *ids, const float *E, const float *P, const float *Ty, int M, int N,
               int d, int V, float *out)
{
    for (int m = 0; m < M; m++)
        for (int c = 0; c < d; c++) {
            double v = ids[m] >= 0 && ids[m] < V ? E[(size_t)ids[m] * d + c] : 0.0;
            if (P) v += P[(size_t)(m % N) * d + c];
            if (Ty) v += Ty[c];
            out[(size_t)m * d + c] = (float)v;
        }
}

void ref_time_embed(const int32_t *t, int M, int C, int T, float *out)
{
    const int half = C / 2;
    for (int m = 0; m < M; m++) {
        double s = t[m] * 1000.0 / T;
        for (int k = 0; k < half; k++) {
            double f = exp(-log(10000.0) * k / half);
            out[(size_t)m * C + k] = (float)cos(s * f);
            out[(size_t)m * C + half + k] = (float)sin(s * f);
        }
        if (C % 2) out[(size_t)m * C + C - 1] = 0.0f;
    }
}

void ref_row_sqnorm(const float *E, int V, int d, float *out)
{
    for (int j = 0; j < V; j++) {
        double s = 0;
        for (int c = 0; c < d; c++) s += (double)E[(size_t)j * d + c] * E[(size_t)j * d + c];
        out[j] = (float)s;
    }
}

double ref_sqdist(const float *x, const float *e, int d)
{
    double s = 0;
    for (int c = 0; c < d; c++) s += ((double)x[c] - e[c]) * ((double)x[c] - e[c]);
    return s;
}

int ref_nearest(const float *x, const float *E, int V, int d, double *best_dist)
{
    int best = 0;
    double bd = INFINITY;
    for (int j = 0; j < V; j++) {
        double s = ref_sqdist(x, E + (size_t)j * d, d);
        if (s < bd) { bd = s; best = j; }
    }
    if (best_dist) *best_dist = bd;
    return best;
}

int ref_argmax(const float *x, const float *E, const float *b, int V, int d)
{
    int best = 0;
    double bv = -INFINITY;
    for (int j = 0; j < V; j++) {
        double s = b ? b[j] : 0.0;
        for (int c = 0; c < d; c++) s += (double)E[(size_t)j * d + c] * x[c];
        if (s > bv) { bv = s; best = j; }
    }
    return best;
}

void ref_denoise(const float *z, const float *x0, const int32_t *a, const int32_t *b,
                 const float *abar, const float *eps, int rows, int N, int d, float *out)
{
    for (int r = 0; r < rows; r++)
        for (int n = 0; n < N; n++) {
            size_t base = ((size_t)r * N + n) * d;
            if (a[n] == b[n]) {
                for (int c = 0; c < d; c++) out[base + c] = z[base + c];
                continue;
            }
            double aa = abar[a[n]], ab = abar[b[n]], rho = aa / ab;
            double cz = sqrt(rho) * (1 - ab) / (1 - aa);
            double cx = sqrt(ab) * (1 - rho) / (1 - aa);
            double var = (1 - rho) * (1 - ab) / (1 - aa);
            double sd = b[n] != 0 && var > 0 ? sqrt(var) : 0.0;
            for (int c = 0; c < d; c++)
                out[base + c] = (float)(cz * z[base + c] + cx * x0[base + c] + sd * eps[base + c]);
        }
}

void ref_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A,
              size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    double *a = malloc(sizeof(double) * (size_t)m * k), *bt = malloc(sizeof(double) * (size_t)n * k);
    if (!a || !bt) { free(a); free(bt); return; }
    for (int i = 0; i < m; i++) /* a[i, p] = op(A)[i, p] */
        for (int p = 0; p < k; p++) a[(size_t)i * k + p] = trans_a ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p];
    for (int j = 0; j < n; j++) /* bt[j, p] = op(B)[p, j] */
        for (int p = 0; p < k; p++) bt[(size_t)j * k + p] = trans_b ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            const double *ar = a + (size_t)i * k, *br = bt + (size_t)j * k;
            double s = 0;
            for (int p = 0; p < k; p++) s += ar[p] * br[p];
            double c = beta != 0.0f ? (double)beta * C[(size_t)i * ldc + j] : 0.0;
            C[(size_t)i * ldc + j] = (float)(alpha * s + c);
        }
    free(a);
    free(bt);
}
