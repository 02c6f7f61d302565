/* model.c: opening a model directory (model.ini, model.safetensors, vocab) and describing it. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "engine/safetensors.h"

static ardiff_status check_model(const ad_model_config *c, const char *ini)
{
    if (!c->rescale_timesteps)
        return ad_fail(ARDIFF_E_UNSUPPORTED, "%s: rescale_timesteps = false is not supported (every "
                       "official model uses true)", ini);
    return ARDIFF_OK;
}

ardiff_status ardiff_model_open(const char *dir, ardiff_model **out)
{
    *out = NULL;
    struct stat sb;
    if (!dir || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return ad_fail(ARDIFF_E_IO, "%s: not a model directory", dir ? dir : "(null)");
    ardiff_model *m = calloc(1, sizeof *m);
    if (!m) return ad_fail(ARDIFF_E_OOM, "out of host memory");
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    char ini[4200], st_path[4200];
    snprintf(ini, sizeof ini, "%s/model.ini", dir);
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    ad_safetensors *st = NULL;
    ardiff_status s = ad_config_load(ini, &m->cfg);
    if (s == ARDIFF_OK) s = check_model(&m->cfg, ini);
    if (s == ARDIFF_OK) s = ad_st_open(st_path, &st);
    if (s == ARDIFF_OK) s = ad_weights_load(&m->cfg, st, &m->w);
    ad_st_free(st);
    if (s == ARDIFF_OK) s = ad_codec_load(&m->cfg, &m->tok); /* checks vocab_size too */
    if (s != ARDIFF_OK) {
        ardiff_model_free(m);
        return s;
    }
    *out = m;
    return ARDIFF_OK;
}

void ardiff_model_free(ardiff_model *m)
{
    if (!m) return;
    ad_weights_free(&m->w);
    ad_codec_free(m->tok);
    free(m);
}

const char *ardiff_model_device(const ardiff_model *m) { return m->cfg.device; }

void ardiff_params_default(const ardiff_model *m, ardiff_params *p)
{
    memset(p, 0, sizeof *p);
    p->steps = m->cfg.steps;
    p->candidates = m->cfg.candidates;
    p->schedule = m->cfg.schedule == AD_SCHED_UNIFORM ? ARDIFF_SCHEDULE_UNIFORM : ARDIFF_SCHEDULE_AR;
    p->anchor_scale = m->cfg.end_point_scale;
    p->seed = 0;
    p->batch = 8;
    p->sentence_case = m->cfg.sentence_case;
    p->avoid_repeats = m->cfg.avoid_repeats;
}

ardiff_status ardiff_model_describe(const ardiff_model *m, char *buf, size_t cap)
{
    const ad_model_config *c = &m->cfg;
    size_t params = m->w.total;
    snprintf(buf, cap,
             "model            %s\n"
             "parameters       %zu (%.1f MB as fp32)\n"
             "encoder          %d layers, hidden %d, %d heads, FFN %d, max source %d tokens\n"
             "decoder          %d layers, hidden %d, %d heads (head dim %d), GEGLU FFN %d\n"
             "diffusion space  d_emb %d (in %d, out %d), time features %d, %s\n"
             "target length    N = %d (max positions %d)\n"
             "vocabulary       %d (%s, %s, %s)\n"
             "diffusion        T = %d, %s schedule, anchor scale %g, rescaled timesteps %s\n"
             "generate         steps %d, candidates %d, schedule %s, case %s, repeats %s\n",
             m->dir, params, params * 4.0 / 1e6, c->encoder_layers, c->hidden_size,
             c->encoder_heads, c->encoder_intermediate_size, c->max_src_len, c->decoder_layers,
             c->hidden_size, c->decoder_heads, c->hidden_size / c->decoder_heads,
             4 * c->hidden_size, c->in_channels, c->in_channels, c->out_channels,
             c->time_channels,
             c->time_att ? "key-side in self-attention (time_att)" : "added to the input (time_att false)",
             c->tgt_len, c->max_pos_len, c->vocab_size, c->tokenizer_type,
             c->vocab, c->lowercase ? "lowercased" : "cased", c->diffusion_steps,
             c->noise_schedule, c->end_point_scale, c->rescale_timesteps ? "yes" : "no", c->steps,
             c->candidates, c->schedule_name, c->case_name, c->repeats_name);
    return ARDIFF_OK;
}
