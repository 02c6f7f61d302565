/* layernorm.cl: layer norm over the last dimension, y = (v - mean) / sqrt(var + eps) * g + b,
 * with the biased variance (as torch.nn.LayerNorm), two passes over the row in fp32.
 * -D macros: WG, USE_SUBGROUPS (see common.cl: row_sum). One work group per row;
 * global = rows * WG (gpu kernel set; the cpu set has a work item per row, below).
 * Row i of a [rows, dim] tensor starts at off + i * ld (elements).
 */

/* normalises v = src row (already in global memory) into y */
inline void ln_row(__global const float *v, int dim, float eps, __global const float *g,
                   __global const float *b, __global float *y, __local float *red)
{
    const int lid = get_local_id(0);
    float s = 0.0f;
    for (int c = lid; c < dim; c += WG) s += v[c];
    const float mean = row_sum(s, red) / (float)dim;
    float q = 0.0f;
    for (int c = lid; c < dim; c += WG) {
        float t = v[c] - mean;
        q += t * t;
    }
    const float var = row_sum(q, red) / (float)dim;
    const float inv = 1.0f / sqrt(var + eps);
    for (int c = lid; c < dim; c += WG) y[c] = (v[c] - mean) * inv * g[c] + b[c];
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_layernorm_f32(__global const float *x, int x_off, int ldx,
                          __global const float *g, int g_off,
                          __global const float *b, int b_off,
                          __global float *y, int y_off, int ldy, int rows, int dim, float eps)
{
    __local float red[WG];
    const int row = get_group_id(0);
    ln_row(x + x_off + (size_t)row * ldx, dim, eps, g + g_off, b + b_off,
           y + y_off + (size_t)row * ldy, red);
}

/* s = x + r (written out: the residual stream of a pre-LN block), y = LN(s).
 * s may alias x or r (each element is read and written by the same work item). */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_add_layernorm_f32(__global const float *x, int x_off, int ldx,
                              __global const float *r, int r_off, int ldr,
                              __global float *s, int s_off, int lds,
                              __global const float *g, int g_off,
                              __global const float *b, int b_off,
                              __global float *y, int y_off, int ldy, int rows, int dim, float eps)
{
    __local float red[WG];
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float *xr = x + x_off + (size_t)row * ldx;
    __global const float *rr = r + r_off + (size_t)row * ldr;
    __global float *sr = s + s_off + (size_t)row * lds;
    for (int c = lid; c < dim; c += WG) sr[c] = xr[c] + rr[c];
    /* each work item re-reads only the elements it wrote: no barrier needed for them */
    ln_row(sr, dim, eps, g + g_off, b + b_off, y + y_off + (size_t)row * ldy, red);
}

/* ---- one work item per row: the cpu kernel set (layernorm=item, runtime/ocl/variants.h) -------
 * Same results as above up to the order of the sums (sequential here, a tree above); no local
 * memory and no barriers. global = rows rounded up to WG. */
inline void ln_row_seq(__global const float *v, int dim, float eps, __global const float *g,
                       __global const float *b, __global float *y)
{
    float s = 0.0f;
    for (int c = 0; c < dim; c++) s += v[c];
    const float mean = s / (float)dim;
    float q = 0.0f;
    for (int c = 0; c < dim; c++) {
        const float t = v[c] - mean;
        q = mad(t, t, q);
    }
    const float inv = 1.0f / sqrt(q / (float)dim + eps);
    for (int c = 0; c < dim; c++) y[c] = (v[c] - mean) * inv * g[c] + b[c];
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_layernorm_wi_f32(__global const float *x, int x_off, int ldx,
                             __global const float *g, int g_off,
                             __global const float *b, int b_off,
                             __global float *y, int y_off, int ldy, int rows, int dim, float eps)
{
    const int row = get_global_id(0);
    if (row >= rows) return;
    ln_row_seq(x + x_off + (size_t)row * ldx, dim, eps, g + g_off, b + b_off,
               y + y_off + (size_t)row * ldy);
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_add_layernorm_wi_f32(__global const float *x, int x_off, int ldx,
                                 __global const float *r, int r_off, int ldr,
                                 __global float *s, int s_off, int lds,
                                 __global const float *g, int g_off,
                                 __global const float *b, int b_off,
                                 __global float *y, int y_off, int ldy, int rows, int dim,
                                 float eps)
{
    const int row = get_global_id(0);
    if (row >= rows) return;
    __global const float *xr = x + x_off + (size_t)row * ldx;
    __global const float *rr = r + r_off + (size_t)row * ldr;
    __global float *sr = s + s_off + (size_t)row * lds;
    for (int c = 0; c < dim; c++) sr[c] = xr[c] + rr[c];
    ln_row_seq(sr, dim, eps, g + g_off, b + b_off, y + y_off + (size_t)row * ldy);
}
