/* fuzz_config.c: any bytes as model.ini (runtime/engine/config.c over iniparser).
 *
 * A bad file fails with one line and leaves the config zeroed; a good one satisfies the ranges
 * and cross checks config.h promises (the limits later code relies on), and its vocabulary
 * path stays inside the model directory.
 */
#include <string.h>

#include "engine/config.h"
#include "engine/weights.h" /* AD_MAX_LAYERS */
#include "fuzz_util.h"
#include "ocl/ops.h"        /* OPS_ATT_MAX_KEYS, OPS_ATT_MAX_DH */

static fuzz_file g_file;

static int is_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static void check_config(const ad_model_config *c)
{
    FUZZ_CHECK(c->vocab_size >= 2 && c->hidden_size >= 1, "sizes");
    FUZZ_CHECK(c->encoder_layers >= 1 && c->encoder_layers <= AD_MAX_LAYERS, "encoder_layers");
    FUZZ_CHECK(c->decoder_layers >= 1 && c->decoder_layers <= AD_MAX_LAYERS, "decoder_layers");
    FUZZ_CHECK(c->hidden_size % c->encoder_heads == 0 && c->hidden_size % c->decoder_heads == 0,
               "heads do not divide hidden_size");
    FUZZ_CHECK(c->hidden_size / c->decoder_heads <= OPS_ATT_MAX_DH, "head dim");
    FUZZ_CHECK(c->tgt_len <= c->max_pos_len && c->max_src_len <= c->max_pos_len, "lengths");
    FUZZ_CHECK(c->tgt_len <= OPS_ATT_MAX_KEYS && c->max_src_len <= OPS_ATT_MAX_KEYS, "keys");
    FUZZ_CHECK(c->in_channels == c->out_channels, "channels");
    FUZZ_CHECK(c->layer_norm_eps > 0 && c->end_point_scale > 0, "reals");
    int ids[] = {c->pad_id, c->cls_id, c->sep_id, c->unk_id, c->mask_id};
    for (int i = 0; i < 5; i++)
        FUZZ_CHECK(ids[i] >= 0 && ids[i] < c->vocab_size, "special id %d", ids[i]);
    FUZZ_CHECK(c->steps >= 1 && c->candidates >= 1, "generate defaults");
    FUZZ_CHECK(!strcmp(c->schedule_name, "ar") || !strcmp(c->schedule_name, "uniform"), "schedule");
    FUZZ_CHECK(!strcmp(c->case_name, "none") || !strcmp(c->case_name, "sentence"), "case");
    FUZZ_CHECK(memchr(c->device, 0, sizeof c->device) && memchr(c->vocab, 0, sizeof c->vocab) &&
               memchr(c->vocab_path, 0, sizeof c->vocab_path), "unterminated string");
    FUZZ_CHECK(c->vocab[0] != '/' && !strstr(c->vocab_path, "/../"), "vocab '%s' leaves the "
               "model directory", c->vocab);
    size_t dl = strlen(g_file.path) - strlen(strrchr(g_file.path, '/'));
    FUZZ_CHECK(!strncmp(c->vocab_path, g_file.path, dl) && c->vocab_path[dl] == '/',
               "vocab_path '%s' not under the directory of '%s'", c->vocab_path, g_file.path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_log();
    fuzz_file_init(&g_file, "model.ini");
    fuzz_file_set(&g_file, data, size);
    ad_model_config cfg;
    ardiff_status s = ad_config_load(g_file.path, &cfg);
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(s == ARDIFF_E_FORMAT || s == ARDIFF_E_IO, "status %s", ardiff_status_name(s));
        fuzz_check_message(s);
        FUZZ_CHECK(is_zero(&cfg, sizeof cfg), "config not zeroed after a failure");
        return 0;
    }
    check_config(&cfg);
    return 0;
}
