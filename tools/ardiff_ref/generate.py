"""Reference generation: encoder once, K decoder calls with clamping and the skip posterior,
final argmax, detokenisation and MBR. Noise comes from the ardiff stream (rng.py):
step 0 is z_T, step s (1-based) the noise of the s-th step, candidate c of global input i uses
coordinates (seed, i, c, step, position, channel).
"""
import torch

from . import rng
from .diffusion import final_ids
from .sampler import sample_loop
from .schedule import NoiseSchedule
from .timesteps import make_schedule
from .tokenizer import sentence_case


def batch_sources(tok, lines, max_src_len):
    """-> (list of id lists, ids [B, S] padded with pad_id, mask [B, S] int64)."""
    seqs = [tok.encode_source(line, max_src_len) for line in lines]
    S = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), S), tok.pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), S), dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
        mask[b, :len(s)] = 1
    return seqs, ids, mask


def avoid_repeats(candidates, scores, choice):
    """[generate] repeats = avoid (ardiff's ad_mbr_avoid_repeats; not official): the highest MBR
    score among the candidates without a back-to-back repeated word (metrics.has_repeat), ties
    to the highest index as in MBR; `choice` when every candidate repeats a word."""
    from .metrics import has_repeat
    pick = -1
    for j, c in enumerate(candidates):
        if not has_repeat(c) and (pick < 0 or scores[j] >= scores[pick]):
            pick = j
    return choice if pick < 0 else pick


def mbr_choose(candidates):
    """MBR over one input's candidate strings (ardiff_ref.mbr, candidate-as-reference BLEU)."""
    from .mbr import mbr_select    # written separately; fail loudly if missing
    idx, scores = mbr_select(list(candidates))
    return int(idx), [float(s) for s in scores]


@torch.no_grad()
def generate(model, tok, lines, seed, candidates, steps, schedule="ar", input_offset=0,
             record=False, use_mbr=True, case=None, repeats=None):
    """Generate for every line; lines without any token (empty or blank) get an empty output and
    take no part in the batch (as in ardiff). The batch holds the other lines in order; batch row
    b is global input `inputs[b]` (= input_offset + its line number). case: None (the model's
    [generate] case), "none" or "sentence" (applied to the chosen outputs, not the candidates).
    repeats: None (the model's [generate] repeats), "keep" (MBR) or "avoid" (avoid_repeats)."""
    cfg = model.cfg
    if cfg.in_channels != cfg.out_channels:
        raise ValueError("sampling needs in_channels == out_channels")
    model.eval()
    N, d, k = cfg.tgt_len, cfg.in_channels, int(candidates)
    ns = NoiseSchedule(cfg.diffusion_steps, cfg.noise_schedule)
    sched = make_schedule(schedule, cfg.diffusion_steps, N, cfg.end_point_scale)
    table = sched.table(int(steps))
    kept = [i for i, line in enumerate(lines) if tok.tokenize(line)]
    src_lists, src_ids, src_mask = batch_sources(tok, [lines[i] for i in kept], cfg.max_src_len)
    enc = model.encode(src_ids, src_mask)
    inputs = [input_offset + i for i in kept]

    def noise(step):
        return torch.from_numpy(rng.normals_batch(seed, inputs, k, step, N, d))

    z_T = noise(0)
    z, trace = sample_loop(model, enc, src_mask, z_T, table, ns, noise, record=record)
    ids = final_ids(z, model.word_embedding.weight, model.lm_head.bias)   # [B, k, N]
    texts = [[tok.decode(ids[b, c].tolist()) for c in range(k)] for b in range(len(kept))]
    out = {"lines": list(lines), "kept": kept, "inputs": inputs, "src_lists": src_lists,
           "src_ids": src_ids, "src_mask": src_mask, "enc": enc, "table": table,
           "grid": sched.grid(int(steps)), "z_T": z_T, "z_final": z, "ids": ids, "texts": texts,
           "trace": trace}
    if use_mbr:
        choice = [mbr_choose(t) for t in texts]
        if (repeats or cfg.gen_repeats) == "avoid":
            choice = [(avoid_repeats(t, c[1], c[0]), c[1]) for t, c in zip(texts, choice)]
        out["mbr_index"] = [c[0] for c in choice]
        out["mbr_scores"] = [c[1] for c in choice]
        outputs = [""] * len(lines)
        for b, i in enumerate(kept):
            outputs[i] = texts[b][choice[b][0]]
            if (case or cfg.gen_case) == "sentence":
                outputs[i] = sentence_case(outputs[i])
        out["outputs"] = outputs
    return out
