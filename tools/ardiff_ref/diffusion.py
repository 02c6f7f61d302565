"""Forward process, exact skip posterior, clamping and final decoding (spec 2.2, 4.2, 4.4).

All per-token: every function takes timesteps shaped like the token grid ([..., N]) and
broadcasts them over the embedding channel.
"""
import numpy as np
import torch


def q_sample(x0, tau, noise, ns):
    """x_tau = sqrt(abar_tau) x0 + sqrt(1 - abar_tau) eps, per token. x0 [..., N, d], tau [..., N]."""
    a = torch.from_numpy(ns.alphas_cumprod[np.asarray(tau)]).to(x0.device, x0.dtype)[..., None]
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def skip_coefficients(a, b, ns):
    """Exact posterior q(z_b | z_a, x0) for b <= a, per token; float64 -> float32 arrays.

    rho = abar_a / abar_b; mean = cz * z_a + cx * x0 with
      cz = sqrt(rho) (1 - abar_b) / (1 - abar_a),  cx = sqrt(abar_b) (1 - rho) / (1 - abar_a),
      var = (1 - rho) (1 - abar_b) / (1 - abar_a),  sigma = sqrt(var) if b != 0 else 0.
    a == b gives exactly cz = 1, cx = 0, sigma = 0 (identity, no NaN).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if np.any(b > a):
        raise ValueError("skip posterior needs b <= a")
    aa, ab = ns.alphas_cumprod[a], ns.alphas_cumprod[b]
    rho = aa / ab
    cz = np.sqrt(rho) * (1 - ab) / (1 - aa)
    cx = np.sqrt(ab) * (1 - rho) / (1 - aa)
    var = np.maximum((1 - rho) * (1 - ab) / (1 - aa), 0.0)
    sigma = np.where(b != 0, np.sqrt(var), 0.0)
    same = a == b
    cz, cx, sigma = np.where(same, 1.0, cz), np.where(same, 0.0, cx), np.where(same, 0.0, sigma)
    return cz.astype(np.float32), cx.astype(np.float32), sigma.astype(np.float32)


def skip_step(z, x0, a, b, eps, ns):
    """z_b = (cz * z_a + cx * x0) + sigma * eps, in float32, in that order. a, b: [..., N]."""
    cz, cx, sg = (torch.from_numpy(c).to(z.device)[..., None] for c in skip_coefficients(a, b, ns))
    return (cz * z + cx * x0) + sg * eps


def nearest_embedding(x, E):
    """Clamp every vector of x [..., d] to its L2-nearest row of E [V, d] (whole vocabulary).

    dist = |E_v|^2 + |x|^2 - 2 x.E_v, clamped at 0; ties go to the lowest id.
    Returns (E[ids], ids, margin) where margin = second-best minus best distance.
    """
    flat = x.reshape(-1, x.shape[-1])
    dist = (E * E).sum(-1)[None, :] + (flat * flat).sum(-1)[:, None] - 2.0 * flat @ E.t()
    dist = dist.clamp_min(0.0)
    ids = dist.argmin(-1)
    two = torch.topk(dist, k=min(2, E.shape[0]), dim=-1, largest=False).values
    margin = (two[:, -1] - two[:, 0]) if two.shape[1] > 1 else torch.zeros_like(two[:, 0])
    shape = x.shape[:-1]
    return E[ids].reshape(x.shape), ids.reshape(shape), margin.reshape(shape)


def final_ids(z, E, bias):
    """argmax over the vocabulary of E.z + b (the tied, biased lm_head): [..., N] int64."""
    return (z @ E.t() + bias).argmax(-1)
