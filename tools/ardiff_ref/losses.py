"""The AR-Diffusion training loss, per token, exactly as the official code computes it.

Spec mapping (spec/ar-diffusion.md; official gaussian_diffusion.py `training_losses_s2s`):
  2.2  e = E[y] (the tied word embedding, NOT detached);
       x0 = e + sqrt(1 - abar_0) * eps0            (sampled x0, Diffusion-LM's q(x0|y))
       x_tau = sqrt(abar_tau) x0 + sqrt(1 - abar_tau) eps, tau per token [B, N]
  2.3  the network predicts x0_hat = g(x_tau, tau, src)
  2.4  mse(n) = mean_d (x0 - x0_hat)^2            target is the NOISY x0
       t0(n)  = mean_d (e - x0_hat)^2             replaces mse where tau_n == 0
       tT(n)  = mean_d (sqrt(abar_{T-1}) x0)^2    (~0: abar_{T-1} ~ 2e-7)
       ce(n)  = -log softmax(E x0 + b)[y]         on the SAMPLED x0, tied head + bias,
                                                  no label smoothing, no ignore_index
       L(n) = mse_or_t0(n) + ce(n) + tT(n); batch loss = mean over all B x N positions
  2.5  pads are targets like any token; `ignore_pad=True` (not official) averages over
       non-pad positions only.
DDP: the official model adds 0 * pooler_output so that the encoder pooler gets a (zero)
gradient; `DiffusionLoss` does the same, which changes no number.
"""
import torch
from torch import nn
import torch.nn.functional as F

from .diffusion import q_sample


class _RoundingCE(torch.autograd.Function):
    """Per-row cross entropy whose gradient has no subnormal floats.

    The forward is F.cross_entropy's. Its gradient, softmax - onehot, holds the probabilities
    of every other word: once training has separated the embeddings, many of them lie between
    exp(-103) and exp(-87), the subnormal range of fp32, and x86 CPUs multiply subnormals
    about 50x slower than normal floats (the two head GEMMs of the backward then took about
    40 % of a CPU step). Here probabilities below exp(-80) (1.8e-35) count as 0: a gradient
    change below 2e-35 per element. GPUs run subnormals at full speed: there the change only
    drops those values.
    """

    @staticmethod
    def forward(ctx, logits, target):
        z = F.log_softmax(logits, dim=-1)                           # what cross_entropy computes
        ctx.save_for_backward(z, target)
        return -z.gather(1, target[:, None]).squeeze(1)

    @staticmethod
    def backward(ctx, grad):
        z, target = ctx.saved_tensors
        # the operations of log_softmax's own backward after nll_loss's, in its order (so the
        # result is torch's, bit for bit, wherever nothing was flushed): g * exp(z), then - g
        # at the target
        p = torch.exp(z.clamp(min=-80.0)).masked_fill_(z <= -80.0, 0.0).mul_(grad[:, None])
        p.scatter_add_(1, target[:, None], -grad[:, None])
        return p, None


def rounding_ce(logits, target):
    """logits [M, V], target [M] long -> [M] cross entropy (see _RoundingCE)."""
    return _RoundingCE.apply(logits, target)


def diffusion_loss(model, ns, tgt_ids, src_ids, src_mask, tau, eps0, eps, ignore_pad=False,
                   pad_id=0, enc=None, ce_grad="flush"):
    """-> (loss scalar, terms dict of [B, N] tensors: mse, t0, mse_t0, tT, ce, loss, weight).

    ce_grad: "flush" (rounding_ce: no subnormal gradients) or "torch" (F.cross_entropy's own
    backward, as before 2026-11-29: bit-for-bit the runs of the models trained until then).

    model: ArDiffusionLM; ns: NoiseSchedule; tgt_ids [B, N] long; src_ids/src_mask [B, S];
    tau [B, N] long code timesteps; eps0, eps [B, N, d] standard normal noise.
    """
    e = model.embed(tgt_ids)                                        # [B, N, d]
    sigma0 = float(ns.sqrt_one_minus_alphas_cumprod[0])
    x0 = e + torch.tensor(sigma0, dtype=e.dtype) * eps0             # sampled x0
    x_t = q_sample(x0, tau.cpu().numpy(), eps, ns)
    if enc is None:
        enc = model.encode(src_ids, src_mask)
    x0_hat = model.denoise(x_t, tau, enc, src_mask).float()         # [B, N, d] (fp32 even
    #                                                      under a bf16 autocast; no-op in fp32)
    mse = ((x0 - x0_hat) ** 2).mean(-1)
    t0 = ((e - x0_hat) ** 2).mean(-1)
    mse_t0 = torch.where(tau == 0, t0, mse)
    sqrt_abar_last = float(ns.sqrt_alphas_cumprod[ns.T - 1])
    tT = ((torch.tensor(sqrt_abar_last, dtype=x0.dtype) * x0) ** 2).mean(-1)
    logits = model.logits(x0)                                       # [B, N, V] = E x0 + b
    # rows of V contiguous: the same values as cross_entropy over logits.transpose(1, 2), but
    # ~1.7x faster fwd+bwd on CPU at V = 6000 (a strided class dim takes a slow path)
    flat, ids = logits.reshape(-1, logits.shape[-1]).float(), tgt_ids.reshape(-1)
    if ce_grad == "flush":
        ce = rounding_ce(flat, ids)
    elif ce_grad == "torch":
        ce = F.cross_entropy(flat, ids, reduction="none")
    else:
        raise ValueError(f"ce_grad must be 'flush' or 'torch', got {ce_grad!r}")
    ce = ce.view(tgt_ids.shape)
    per_token = mse_t0 + ce + tT
    if ignore_pad:
        w = (tgt_ids != pad_id).to(per_token.dtype)
    else:
        w = torch.ones_like(per_token)
    loss = (per_token * w).sum() / w.sum()
    terms = {"mse": mse, "t0": t0, "mse_t0": mse_t0, "tT": tT, "ce": ce, "loss": per_token,
             "weight": w}
    return loss, terms


TERMS = ("loss", "mse_t0", "ce", "tT")


def term_sums(terms):
    """Weighted sums of the terms and the weight sum, one tensor on the terms' device
    ([loss, mse_t0, ce, tT, weight]): read it when needed, not every step."""
    w = terms["weight"].detach()
    return torch.stack([(terms[k].detach() * w).sum() for k in TERMS] + [w.sum()])


def summarise_sums(sums):
    """term_sums as floats -> weighted means of the terms, for logging (t0 over tau == 0
    tokens)."""
    n = float(sums[len(TERMS)])
    return {k: float(sums[i]) / n for i, k in enumerate(TERMS)}


class DiffusionLoss(nn.Module):
    """nn.Module wrapper so that DistributedDataParallel sees every parameter in forward."""

    def __init__(self, model, ns, ignore_pad=False, ce_grad="flush", autocast="none"):
        super().__init__()
        if autocast not in ("none", "bf16"):
            raise ValueError(f"autocast must be 'none' or 'bf16', got {autocast!r}")
        self.model = model
        self.ns = ns
        self.ignore_pad = ignore_pad
        self.ce_grad = ce_grad
        self.autocast = autocast

    def forward(self, tgt_ids, src_ids, src_mask, tau, eps0, eps):
        """The loss; with autocast "bf16" the matrix products run in bfloat16 (torch's autocast
        lists) while the prediction, the loss terms and the cross entropy stay fp32."""
        dev = next(self.model.parameters()).device.type
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=self.autocast == "bf16"):
            return self._forward(tgt_ids, src_ids, src_mask, tau, eps0, eps)

    def _forward(self, tgt_ids, src_ids, src_mask, tau, eps0, eps):
        enc = self.model.encode(src_ids, src_mask)
        loss, terms = diffusion_loss(self.model, self.ns, tgt_ids, src_ids, src_mask, tau, eps0,
                                     eps, self.ignore_pad, self.model.cfg.tok_pad_id, enc=enc,
                                     ce_grad=self.ce_grad)
        loss = loss + 0.0 * self.model.encoder.pooler(enc).sum()   # official: 0 * pooler_output
        return loss, terms
