"""Time schedules: which noise level each token has at each sentence-level step.

One seam, `TimeSchedule`, implemented by the AR-Diffusion schedule and by the uniform
(Diffusion-LM / GENIE-style) schedule. Both the training-time sampler (`sample_training`) and
the generation loop (`table`) go through it, so the per-token timestep formula lives here only.

AR (code convention, spec 3.3): positions x = 0..N-1, sentence indices i = 0..N+T-1,
  start  (x_s, t_s) = (max(N-1-i, 0), max(i-(N-1), 0)), anchor (x_e, t_e) = (floor(s*N), T-1),
  tau(x, i) = clamp(rint(((x - x_e) / (x_s - x_e)) * (t_s - t_e) + t_e), 0, T-1)
  evaluated in binary32 in exactly that order (as the official torch code does), rint = round
  half to even.
Uniform: sentence indices i = 0..T-1 and tau(x, i) = i for every x.
Generation grid (both): M = number of sentence indices (N+T or T), stride = M // K,
  points = [M-1, M-1-stride, ...][:K], then 0 appended if the last point is not 0:
  K+1 points, K network calls.
"""
import numpy as np
import torch

F32 = np.float32


class TimeSchedule:
    """Interface. T: diffusion steps, N: (padded) target length."""

    name = "abstract"

    def __init__(self, T, N):
        self.T, self.N = int(T), int(N)

    @property
    def num_indices(self):                   # number of sentence-level indices
        raise NotImplementedError

    def token_timesteps(self, i):
        """Sentence index (int or int array [B]) -> int64 array [..., N] of code timesteps."""
        raise NotImplementedError

    def grid(self, K):
        """K+1 sentence indices from num_indices-1 down to 0 (K network calls); K indices (K-1
        calls) when the K-th is already 0, i.e. K = num_indices (uniform K = T)."""
        M = self.num_indices
        if not 1 <= K <= M:
            raise ValueError("steps K must be in [1, %d], got %d" % (M, K))
        stride = M // K
        pts = list(range(M - 1, -1, -stride))[:K]
        if pts[-1] != 0:
            pts.append(0)
        return pts

    def table(self, K):
        """int32 [len(grid), N]: per-step per-token timesteps; row s-1 -> row s is step s."""
        return np.stack([self.token_timesteps(i) for i in self.grid(K)]).astype(np.int32)

    def sample_training(self, batch_size, generator):
        """Training draw: i ~ Uniform{0..num_indices-1} per sequence -> (tau [B, N] long, i [B])."""
        i = torch.randint(0, self.num_indices, (batch_size,), generator=generator)
        tau = torch.from_numpy(self.token_timesteps(i.numpy()))
        return tau, i


class ARSchedule(TimeSchedule):
    name = "ar"

    def __init__(self, T, N, anchor_scale=2.0):
        super().__init__(T, N)
        self.anchor_scale = float(anchor_scale)
        self.anchor_x = int(self.anchor_scale * self.N)
        if self.anchor_x <= self.N - 1:
            raise ValueError("anchor must lie beyond the last position")

    @property
    def num_indices(self):
        return self.N + self.T

    def token_timesteps(self, i):
        i = np.asarray(i, dtype=np.int64)
        N, T = self.N, self.T
        xs = np.maximum(N - 1 - i, 0).astype(F32)[..., None]
        ts = np.maximum(i - (N - 1), 0).astype(F32)[..., None]
        xe, te = F32(self.anchor_x), F32(T - 1)
        x = np.arange(N, dtype=F32)
        t = ((x - xe) / (xs - xe)) * (ts - te) + te
        return np.clip(np.rint(t), 0, T - 1).astype(np.int64)


class UniformSchedule(TimeSchedule):
    name = "uniform"

    @property
    def num_indices(self):
        return self.T

    def token_timesteps(self, i):
        i = np.asarray(i, dtype=np.int64)
        return np.broadcast_to(i[..., None], i.shape + (self.N,)).copy()


def make_schedule(name, T, N, anchor_scale=2.0):
    if name == "ar":
        return ARSchedule(T, N, anchor_scale)
    if name == "uniform":
        return UniformSchedule(T, N)
    raise ValueError("unknown time schedule %r (ar, uniform)" % name)


def paper_token_time(n, t, N, T, anchor_scale=2.0):
    """Continuous paper convention F(n, t): n in 1..N, t in [0, N+T] -> [0, T] (float64).

    Start (n_s, t_s) = (clip(N - t, 0, N), clip(t - N, 0, T)), anchor (s*N, T), F is the line
    through them clipped to [0, T].
    """
    n = np.asarray(n, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    ns, ts = np.clip(N - t, 0, N), np.clip(t - N, 0, T)
    ne, te = anchor_scale * N, float(T)
    return np.clip((te - ts) / (ne - ns) * (n - ns) + ts, 0, T)
