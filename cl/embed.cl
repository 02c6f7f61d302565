/* embed.cl: embedding gathers and the sinusoidal time features.
 * -D macros: WG (see common.cl). global = (round_up(d, WG), M) where M = rows * N tokens.
 */

#define EMB_POS 1   /* add the position row P[m % N] */
#define EMB_TYPE 2  /* add one fixed row (BERT token type 0) */

/* out[m, c] = E[ids[m], c] (+ P[m % N, c]) (+ Ty[c]); ids int32 [M] at ids_off, E [V, d]
 * rows of length lde, P [*, d] rows of length ldp, out rows of length ldo. An id outside
 * [0, V) yields a zero row (the engine validates ids before upload; this only keeps reads
 * in bounds). */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_embed_f32(__global const int *ids, int ids_off,
                      __global const float *E, int e_off, int lde,
                      __global const float *P, int p_off, int ldp,
                      __global const float *Ty, int t_off, int flags,
                      __global float *out, int o_off, int ldo, int M, int N, int d, int V)
{
    const int c = get_global_id(0), m = get_global_id(1);
    if (c >= d || m >= M) return;
    const int id = ids[ids_off + m];
    float v = 0.0f;
    if (id >= 0 && id < V) v = E[e_off + (size_t)id * lde + c];
    if (flags & EMB_POS) v += P[p_off + (size_t)(m % N) * ldp + c];
    if (flags & EMB_TYPE) v += Ty[t_off + c];
    out[o_off + (size_t)m * ldo + c] = v;
}

/* x[m, c] += P[m % N, c] (the decoder's learned position embedding after the up-projection) */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_pos_add_f32(__global float *x, int x_off, int ldx,
                        __global const float *P, int p_off, int ldp, int M, int N, int d)
{
    const int c = get_global_id(0), m = get_global_id(1);
    if (c >= d || m >= M) return;
    x[x_off + (size_t)m * ldx + c] += P[p_off + (size_t)(m % N) * ldp + c];
}

/* Sinusoidal time features (spec §1.4), one vector per token from its code timestep t[m]:
 *   s = float(t) * t_scale (t_scale = float(1000 / T), rounded once on the host),  half = C / 2,  f_k = exp(-ln(1e4) * k / half)
 *   out[m, k] = cos(s f_k), out[m, half + k] = sin(s f_k), k < half; a last odd column is 0.
 * The float operations follow the order of the official PyTorch code. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_time_embed_f32(__global const int *t, int t_off,
                           __global float *out, int o_off, int ldo, int M, int C, float t_scale)
{
    const int c = get_global_id(0), m = get_global_id(1);
    if (c >= C || m >= M) return;
    const int nh = C / 2; /* "half" is a type in OpenCL C */
    float v = 0.0f;
    if (c < 2 * nh) {
        const int kk = c < nh ? c : c - nh;
        const float s = (float)t[t_off + m] * t_scale;
        const float f = exp((-9.21034037197618f * (float)kk) / (float)nh);
        const float arg = s * f;
        v = c < nh ? cos(arg) : sin(arg);
    }
    out[o_off + (size_t)m * ldo + c] = v;
}
