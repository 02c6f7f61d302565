"""Noise schedule: the 'sqrt' schedule of Diffusion-LM as the official code discretises it.

Continuous curve abar(s) = 1 - sqrt(s + 1e-4), s in [0, 1].
beta_k = min(1 - abar((k+1)/T) / abar(k/T), 0.999), alpha_k = 1 - beta_k,
alphas_cumprod[k] = prod_{j<=k} alpha_j (float64). Code index k is paper step k+1: index 0 is
NOT noise-free (alphas_cumprod[0] ~ 0.98536).
"""
import math

import numpy as np

MAX_BETA = 0.999


def sqrt_abar(s):
    return 1.0 - math.sqrt(s + 1e-4)


def betas_sqrt(T):
    betas = np.empty(T, dtype=np.float64)
    for k in range(T):
        betas[k] = min(1.0 - sqrt_abar((k + 1) / T) / sqrt_abar(k / T), MAX_BETA)
    return betas


class NoiseSchedule:
    """alphas_cumprod and the quantities derived from it, all float64 numpy arrays [T]."""

    def __init__(self, T=2000, name="sqrt"):
        if name != "sqrt":
            raise ValueError("only the 'sqrt' noise schedule is implemented, got %r" % name)
        self.T = int(T)
        self.name = name
        self.betas = betas_sqrt(self.T)
        self.alphas_cumprod = np.cumprod(1.0 - self.betas)
        self.sqrt_alphas_cumprod = np.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1.0 - self.alphas_cumprod)

    def abar(self, idx):
        """alphas_cumprod at integer index array idx (numpy or torch), float64 numpy."""
        return self.alphas_cumprod[np.asarray(idx, dtype=np.int64)]
