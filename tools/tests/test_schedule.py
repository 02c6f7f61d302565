"""Spec 10.1-10.8 and 10.12: noise schedule, per-token timesteps, grids, training sampler."""
import numpy as np
import pytest
import torch

from ardiff_ref.schedule import NoiseSchedule
from ardiff_ref.timesteps import ARSchedule, UniformSchedule, paper_token_time, make_schedule

T = 2000
NS = (50, 54, 90, 180)


def test_noise_schedule_values():
    ns = NoiseSchedule(T)
    a = ns.alphas_cumprod
    assert a[0] == pytest.approx(0.98536, abs=5e-5)
    assert np.sqrt(1 - a[0]) == pytest.approx(0.1210, abs=5e-5)
    assert a[999] == pytest.approx(0.2958, abs=5e-5)
    assert a[T - 1] == pytest.approx(2.0e-7, rel=0.05)
    assert np.all(np.diff(a) < 0)
    clipped = np.nonzero(ns.betas >= 0.999)[0]
    assert list(clipped) == [T - 1]


@pytest.mark.parametrize("N", NS)
def test_code_boundaries_range_monotone(N):
    s = ARSchedule(T, N)
    tab = s.token_timesteps(np.arange(N + T))          # [N+T, N]
    assert np.all(tab[0] == 0)
    assert np.all(tab[N + T - 1] == T - 1)
    assert tab.dtype == np.int64 and tab.min() >= 0 and tab.max() <= T - 1
    assert np.all(np.diff(tab, axis=1) >= 0)           # left never noisier than right
    assert np.all(np.diff(tab, axis=0) >= 0)           # non-decreasing in sentence time


def test_code_geometry_reference_values():
    for N, last in ((50, 980), (54, 981), (90, 988), (180, 994)):
        row = ARSchedule(T, N).token_timesteps(N - 1)
        assert row[0] == 0 and row[-1] == last
        assert last == round((T - 1) * (N - 1) / (2 * N))
    # spec 4.3 table, XSUM N=50, K=20
    s = ARSchedule(T, 50)
    tab = s.table(20)
    cols = tab[:, [0, 25, 49]]
    assert cols[0].tolist() == [1999, 1999, 1999]
    assert cols[1].tolist() == [1898, 1923, 1947]
    assert cols[-2].tolist() == [62, 546, 1011]
    assert cols[-1].tolist() == [0, 0, 0]
    g = s.grid(20)
    i = g.index(1029)
    assert tab[i, [0, 25, 49]].tolist() == [980, 1235, 1479]
    assert tab[i + 1, [0, 25, 49]].tolist() == [878, 1158, 1427]


def test_code_speeds_left_faster():
    s = ARSchedule(T, 50)
    a, b = s.token_timesteps(2049 - 102 * 5), s.token_timesteps(2049 - 102 * 6)
    v = a - b
    assert v[0] == 102 and v[-1] == 52


def test_grids():
    s = ARSchedule(T, 50)
    g = s.grid(20)
    assert len(g) == 21 and g[0] == 2049 and g[1] == 1947 and g[-3:] == [213, 111, 0]
    assert all(x - y == 102 for x, y in zip(g[:-2], g[1:-1]))
    assert s.grid(3) == [2049, 1366, 683, 0]
    assert s.grid(2) == [2049, 1024, 0]
    assert ARSchedule(T, 90).grid(20)[-3:] == [217, 113, 0]
    assert ARSchedule(T, 54).grid(20)[-3:] == [217, 115, 0]
    assert ARSchedule(T, 180).grid(20)[-3:] == [217, 108, 0]
    u = UniformSchedule(T, 50)
    assert u.grid(5) == [1999, 1599, 1199, 799, 399, 0]
    assert u.grid(20)[:2] == [1999, 1899] and u.grid(20)[-1] == 0 and len(u.grid(20)) == 21
    assert u.grid(2000) == list(range(1999, -1, -1))    # K = T: every index, no extra 0
    with pytest.raises(ValueError):
        s.grid(0)


def test_uniform_equal_rows():
    u = UniformSchedule(T, 12)
    tab = u.table(5)
    assert tab.shape == (6, 12)
    assert np.all(tab == tab[:, :1])
    assert tab[:, 0].tolist() == [1999, 1599, 1199, 799, 399, 0]


def test_paper_boundaries_geometry_speeds():
    for N in NS:
        n = np.arange(1, N + 1)
        assert np.all(paper_token_time(n, 0, N, T) == 0)
        assert np.allclose(paper_token_time(n, N + T, N, T), T)
        assert paper_token_time(N, N, N, T) == pytest.approx(T / 2)
        for t in (0, 7, N // 2, N - 1):
            f = paper_token_time(n, t, N, T)
            assert np.all(f[n <= N - t] == 0)
        ts = np.linspace(0, N + T, 301)
        F = paper_token_time(n[None, :], ts[:, None], N, T)
        assert F.min() >= 0 and F.max() <= T
        assert np.all(np.diff(F, axis=1) >= -1e-9) and np.all(np.diff(F, axis=0) >= -1e-9)
        # line through start point and anchor (unclipped check at an interior time)
        t = N + 500.0
        ns_, ts_ = 0.0, t - N
        f = lambda x: (T - ts_) / (2 * N - ns_) * (x - ns_) + ts_
        assert f(ns_) == ts_ and f(2 * N) == pytest.approx(T)
        assert np.allclose(paper_token_time(n, t, N, T), np.clip(f(n), 0, T))
        # speeds for t_i > t_j >= N: (t_i - t_j)(1 - n/(2N)), strictly decreasing in n
        ti, tj = N + 900.0, N + 700.0
        v = paper_token_time(n, ti, N, T) - paper_token_time(n, tj, N, T)
        assert np.allclose(v, (ti - tj) * (1 - n / (2 * N)))
        assert np.all(np.diff(v) < 0) and v.min() >= (ti - tj) / 2 and v.max() <= ti - tj


def test_anchor_degenerate_cases():
    N = 50
    n = np.arange(1, N + 1)
    # anchor far away: all tokens share (almost) the same time, as in Diffusion-LM
    f = paper_token_time(n, N + 1000, N, T, anchor_scale=1e9)
    assert np.ptp(f) < 1e-3
    # anchor at N+: close to hard AR ordering: one token fully noisy, its left all clean
    f = paper_token_time(n, 1, N, T, anchor_scale=1.0 + 1e-9)
    assert np.all(f[:-1] == 0) and f[-1] == pytest.approx(T, rel=1e-6)
    with pytest.raises(ValueError):
        ARSchedule(T, N, anchor_scale=0.5)


def test_training_sampler_flat_and_clean_fraction():
    N = 50
    s = ARSchedule(T, N)
    g = torch.Generator().manual_seed(0)
    n_draw = 1_000_000
    tau, i = s.sample_training(n_draw, g)
    assert tau.shape == (n_draw, N)
    counts = np.bincount(i.numpy(), minlength=N + T)
    assert len(counts) == N + T and counts.min() > 0
    expected = n_draw / (N + T)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < (N + T) + 6 * np.sqrt(2 * (N + T))     # flat histogram
    clean0 = (tau[:, 0] == 0).float().mean().item()
    assert clean0 == pytest.approx(N / (N + T), abs=0.002)   # ~2.4% for N = 50
    # tau is the schedule's own function of the drawn index
    assert torch.equal(tau[:100], torch.from_numpy(s.token_timesteps(i[:100].numpy())))
    u = UniformSchedule(T, N)
    tau_u, i_u = u.sample_training(1000, torch.Generator().manual_seed(1))
    assert torch.all(tau_u == i_u[:, None]) and i_u.max() < T


def test_make_schedule():
    assert isinstance(make_schedule("ar", T, 9), ARSchedule)
    assert isinstance(make_schedule("uniform", T, 9), UniformSchedule)
    with pytest.raises(ValueError):
        make_schedule("cosine", T, 9)
