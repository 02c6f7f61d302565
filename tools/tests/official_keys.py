"""The official CrossAttention_Diffusion_LM state_dict (time_att=True, att_strategy='txl',
transformers 4.25.1 BertModel), written down from reading the official code, independently of
ardiff_ref.model. Returns {name: shape}.
"""


def official_state_dict_shapes(vocab, intermediate, heads, in_ch, out_ch, time_ch, max_pos,
                               enc_layers=6, dec_layers=6, bert_position_ids=True):
    h = intermediate // 4
    s = {}
    e = "encoder.embeddings."
    if bert_position_ids:
        s[e + "position_ids"] = (1, max_pos)
    s[e + "word_embeddings.weight"] = (vocab, h)
    s[e + "position_embeddings.weight"] = (max_pos, h)
    s[e + "token_type_embeddings.weight"] = (2, h)
    s[e + "LayerNorm.weight"] = (h,)
    s[e + "LayerNorm.bias"] = (h,)
    for i in range(enc_layers):
        p = "encoder.encoder.layer.%d." % i
        for n in ("query", "key", "value"):
            s[p + "attention.self.%s.weight" % n] = (h, h)
            s[p + "attention.self.%s.bias" % n] = (h,)
        s[p + "attention.output.dense.weight"] = (h, h)
        s[p + "attention.output.dense.bias"] = (h,)
        s[p + "attention.output.LayerNorm.weight"] = (h,)
        s[p + "attention.output.LayerNorm.bias"] = (h,)
        s[p + "intermediate.dense.weight"] = (intermediate, h)
        s[p + "intermediate.dense.bias"] = (intermediate,)
        s[p + "output.dense.weight"] = (h, intermediate)
        s[p + "output.dense.bias"] = (h,)
        s[p + "output.LayerNorm.weight"] = (h,)
        s[p + "output.LayerNorm.bias"] = (h,)
    s["encoder.pooler.dense.weight"] = (h, h)
    s["encoder.pooler.dense.bias"] = (h,)
    if in_ch != h:
        s["input_up_proj.0.weight"] = (2 * h, in_ch)
        s["input_up_proj.0.bias"] = (2 * h,)
        s["input_up_proj.2.weight"] = (h, 2 * h)
        s["input_up_proj.2.bias"] = (h,)
    if out_ch != h:
        s["output_down_proj.0.weight"] = (2 * h, h)
        s["output_down_proj.0.bias"] = (2 * h,)
        s["output_down_proj.2.weight"] = (out_ch, 2 * h)
        s["output_down_proj.2.bias"] = (out_ch,)
    s["word_embedding.weight"] = (vocab, in_ch)
    s["position_ids"] = (1, max_pos)
    s["position_embeddings.weight"] = (max_pos, h)
    s["LayerNorm.weight"] = (h,)
    s["LayerNorm.bias"] = (h,)
    s["lm_head.weight"] = (vocab, in_ch)
    s["lm_head.bias"] = (vocab,)
    dh = h // heads
    for j in range(dec_layers):
        p = "transformer_blocks.%d." % j
        s[p + "r_w_bias"] = (heads, dh)
        s[p + "r_r_bias"] = (heads, dh)
        s[p + "time_trans.0.weight"] = (4 * time_ch, time_ch)
        s[p + "time_trans.0.bias"] = (4 * time_ch,)
        s[p + "time_trans.2.weight"] = (heads * dh, 4 * time_ch)
        s[p + "time_trans.2.bias"] = (heads * dh,)
        for a in ("attn1", "attn2"):
            for n in ("to_q", "to_k", "to_v"):
                s[p + "%s.%s.weight" % (a, n)] = (heads * dh, h)
            s[p + a + ".to_out.0.weight"] = (h, heads * dh)
            s[p + a + ".to_out.0.bias"] = (h,)
        s[p + "ff.net.0.proj.weight"] = (2 * 4 * h, h)
        s[p + "ff.net.0.proj.bias"] = (2 * 4 * h,)
        s[p + "ff.net.2.weight"] = (h, 4 * h)
        s[p + "ff.net.2.bias"] = (h,)
        for n in ("norm1", "norm2", "norm3"):
            s[p + n + ".weight"] = (h,)
            s[p + n + ".bias"] = (h,)
    return s


# (name, official run flags) of the released configurations (scripts/gen.sh)
RELEASED = {
    "commongen": dict(vocab=30522, intermediate=512, heads=8, in_ch=64, out_ch=64, time_ch=64,
                      max_pos=128, tgt_len=54),
    "iwslt14": dict(vocab=10005, intermediate=1024, heads=4, in_ch=64, out_ch=64, time_ch=64,
                    max_pos=256, tgt_len=90),
    "xsum": dict(vocab=30522, intermediate=2048, heads=8, in_ch=128, out_ch=128, time_ch=128,
                 max_pos=512, tgt_len=50),
}
