/* ops_warmup.c: launch every kernel once on tiny buffers at start-up. PoCL (and some GPU
 * drivers) finish compiling a kernel for its local size on its first launch; doing that here
 * keeps the first generation step from paying for it. */
#include "ops_internal.h"

enum { WU_FLOATS = 4096, WU_INTS = 64 };

static ardiff_status warm_all(ocl_dev *dev, ocl_buf *f, ocl_buf *f2, ocl_buf *f3, ocl_buf *iz)
{
    /* tiny shapes: 2 rows, 3 tokens, 2 heads of dim 4, 8 channels, vocabulary 5 */
    ops_seq s = {f, 0, 24, 8};
    ops_seq_out o = {f2, 0, 24, 8};
    AD_TRY(ops_layernorm(dev, f, 0, 8, f, 64, f, 72, f2, 0, 8, 2, 8, 1e-12f));
    AD_TRY(ops_add_layernorm(dev, f, 0, 8, f, 16, 8, f3, 0, 8, f, 64, f, 72, f2, 0, 8, 2, 8, 1e-12f));
    AD_TRY(ops_attention_self_time(dev, s, s, s, s, f, 0, f, 8, o, 2, 3, 2, 4));
    AD_TRY(ops_attention_cross(dev, s, s, s, iz, 0, 3, o, 2, 3, 3, 2, 4, 1));
    AD_TRY(ops_bias_act(dev, f, 0, 8, f, 0, f2, 0, 8, 2, 8, OPS_ACT_GELU));
    AD_TRY(ops_geglu(dev, f, 0, 8, NULL, 0, f2, 0, 4, 2, 4));
    AD_TRY(ops_add(dev, f, 0, 8, f, 8, 8, f2, 0, 8, 2, 8));
    AD_TRY(ops_scale(dev, f, 0, 8, f2, 0, 8, 2, 8, 0.5f));
    AD_TRY(ops_embed_tokens(dev, iz, 0, f, 0, f2, 0, 6, 8, 5));
    AD_TRY(ops_pos_add(dev, f2, 0, f, 0, 2, 3, 8));
    AD_TRY(ops_time_embed(dev, iz, 0, f2, 0, 6, 8, 2000));
    AD_TRY(ops_row_sqnorm(dev, f, 0, f3, 0, 5, 8));
    AD_TRY(ops_round_nearest(dev, f, 0, f, 0, f3, 0, f3, 64, f2, 0, iz, 32, 6, 5, 8));
    AD_TRY(ops_round_argmax(dev, f, 0, f, 0, NULL, 0, f3, 64, iz, 32, 6, 5, 8));
    AD_TRY(ops_rng_normal(dev, f2, 0, iz, 0, iz, 0, 2, 3, 8, 1, 0));
    AD_TRY(ops_denoise_step(dev, f, 0, f, 0, f2, 0, iz, 0, 0, f, 8, iz, 0, iz, 0, 2, 3, 8, 1, 1));
    return ocl_finish(dev);
}

ardiff_status ops_warmup(ocl_dev *dev)
{
    ocl_buf *f = NULL, *f2 = NULL, *f3 = NULL, *iz = NULL;
    ardiff_status st = ocl_buf_alloc(dev, WU_FLOATS * sizeof(float), &f);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, WU_FLOATS * sizeof(float), &f2);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, WU_FLOATS * sizeof(float), &f3);
    if (st == ARDIFF_OK) st = ocl_buf_alloc(dev, WU_INTS * sizeof(int32_t), &iz);
    /* ones as floats and zeros as ints: finite inputs, valid ids and timesteps */
    if (st == ARDIFF_OK) {
        float ones[WU_FLOATS];
        for (int i = 0; i < WU_FLOATS; i++) ones[i] = 1.0f;
        st = ocl_buf_write(dev, f, 0, ones, sizeof ones);
    }
    if (st == ARDIFF_OK) st = ocl_buf_fill_zero(dev, iz);
    if (st == ARDIFF_OK) st = warm_all(dev, f, f2, f3, iz);
    if (st != ARDIFF_OK) st = ad_fail_prefix(st, "kernel warm-up on device %d", dev->desc.index);
    ocl_buf_free(f);
    ocl_buf_free(f2);
    ocl_buf_free(f3);
    ocl_buf_free(iz);
    return st;
}
