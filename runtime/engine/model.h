/* model.h: a model directory on the host: its INI, weights arena and tokenizer. */
#ifndef ARDIFF_ENGINE_MODEL_H
#define ARDIFF_ENGINE_MODEL_H

#include "ardiff.h"
#include "engine/config.h"
#include "engine/textcodec.h"
#include "engine/weights.h"

struct ardiff_model {
    char dir[4096];
    ad_model_config cfg;
    ad_weights w;
    ad_codec *tok;      /* WordPiece or byte-level BPE, as [tokenizer] type says */
};

#endif
