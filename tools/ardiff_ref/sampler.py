"""The skip sampler loop (spec 4.1-4.2): K network calls over a per-token timestep table.

z holds k candidates per input, flattened input-major: row = input * k + candidate.
C twin: runtime/engine/sampler.c (ad_sample_loop), with cl/denoise.cl for skip_step.
"""
import torch

from .diffusion import nearest_embedding, skip_step


@torch.no_grad()
def sample_loop(model, enc, src_mask, z, table, ns, noise_for_step, record=False):
    """Run K = len(table) - 1 steps.

    model: ArDiffusionLM (only .denoise and .word_embedding are used)
    enc [B, S, h], src_mask [B, S]; z [B, k, N, d] = z_T (step-0 noise)
    table: int array [K+1, N] (TimeSchedule.table); ns: NoiseSchedule
    noise_for_step(s) -> [B, k, N, d] float32 noise of step s (1-based)
    Returns (z_final [B, k, N, d], trace) where trace holds per-step tensors if record.
    """
    B, k, N, d = z.shape
    E = model.word_embedding.weight
    enc_r = enc.repeat_interleave(k, dim=0)               # [B*k, S, h]
    mask_r = src_mask.repeat_interleave(k, dim=0)
    zf = z.reshape(B * k, N, d)
    trace = {"x0": [], "x0_clamped": [], "clamp_ids": [], "z": [], "clamp_margin_min": []}
    for s in range(1, len(table)):
        a, b = table[s - 1], table[s]
        tau = torch.as_tensor(a, dtype=torch.long).expand(B * k, N)
        x0 = model.denoise(zf, tau, enc_r, mask_r)        # [B*k, N, d]
        x0c, ids, margin = nearest_embedding(x0, E)
        eps = noise_for_step(s).reshape(B * k, N, d)
        zf = skip_step(zf, x0c, a, b, eps, ns)
        if record:
            trace["x0"].append(x0.reshape(B, k, N, d))
            trace["x0_clamped"].append(x0c.reshape(B, k, N, d))
            trace["clamp_ids"].append(ids.reshape(B, k, N))
            trace["z"].append(zf.reshape(B, k, N, d))
            trace["clamp_margin_min"].append(float(margin.min()))
    return zf.reshape(B, k, N, d), trace
