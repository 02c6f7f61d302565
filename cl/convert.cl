/* convert.cl: storage-format conversions.
 * -D macros: WG (see common.cl).
 *
 * ardiff_half_to_float expands IEEE half values into fp32 with vload_half / vload_half4, which
 * are core OpenCL C 1.2: no cl_khr_fp16 (half arithmetic) is needed, and the conversion is exact
 * (every half is a float: subnormals, infinities and NaNs included). The weight store
 * (runtime/engine/wstore.c) uses it to expand one group of fp16-stored weights into the fp32
 * scratch that the GEMMs and kernels read.
 */

/* dst[dst_off + i] = (float)src[src_off + i] for 0 <= i < n. Work item j converts elements
 * [4j, 4j + 4); global = round_up(ceil(n / 4), WG). vload_half4/vstore4 at p + 4j need only
 * the alignment of one element, so any offsets work. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_half_to_float(__global const half *src, int src_off, __global float *dst,
                          int dst_off, int n)
{
    const int i = get_global_id(0) * 4;
    if (i >= n) return;
    __global const half *s = src + src_off + i;
    __global float *d = dst + dst_off + i;
    if (n - i >= 4) {
        vstore4(vload_half4(0, s), 0, d);
    } else {
        for (int j = 0; j < n - i; j++) d[j] = vload_half(j, s);
    }
}

/* Gathers rows of a half table: dst[dst_off + m * d + c] = (float)src[src_off + ids[ids_off + m]
 * * d + c] for m < M, c < d; an id outside [0, V) gives a zero row (as ardiff_embed_f32).
 * global = (round_up(d, WG), M). Lets the encoder read its [V, h] word embeddings straight from
 * fp16 storage, without expanding the whole table. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void ardiff_half_rows_to_float(__global const half *src, int src_off,
                               __global const int *ids, int ids_off,
                               __global float *dst, int dst_off, int M, int d, int V)
{
    const int c = get_global_id(0), m = get_global_id(1);
    if (c >= d || m >= M) return;
    const int id = ids[ids_off + m];
    dst[dst_off + (size_t)m * d + c] =
        id >= 0 && id < V ? vload_half(src_off + (size_t)id * d + c, src) : 0.0f;
}
