"""The ardiff random stream: committed bit vectors, Random123 known answers, distribution."""
import math
import os

import numpy as np
import pytest
import torch

from ardiff_ref import rng

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "rng_vectors.txt")


def _records():
    with open(VECTORS, encoding="ascii") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.split()


def test_random123_known_answers():
    # published Philox4x32-10 answers (Random123 kat_vectors), independent of the file
    cases = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
             ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
             ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
              (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for ctr, key, want in cases:
        got = tuple(int(v) for v in rng.philox4x32_10(ctr, key))
        assert got == want


def test_committed_vector_file_matches():
    kinds = {"philox": 0, "boxmuller": 0, "normal": 0}
    for rec in _records():
        kinds[rec[0]] += 1
        if rec[0] == "philox":
            v = [int(x, 16) for x in rec[1:]]
            got = [int(x) for x in rng.philox4x32_10(tuple(v[:4]), tuple(v[4:6]))]
            assert got == v[6:]
        elif rec[0] == "boxmuller":
            a, b = int(rec[1], 16), int(rec[2], 16)
            n0, n1 = rng.box_muller(np.array([a], np.uint32), np.array([b], np.uint32))
            assert [rng.f32_hex(n0[0]), rng.f32_hex(n1[0])] == rec[3:5]
        else:
            seed = int(rec[1], 16)
            inp, cand, step, pos, ch = (int(x) for x in rec[2:7])
            v = rng.normals_at(seed, inp, cand, step, pos, ch >> 2)[ch & 3]
            assert rng.f32_hex(v) == rec[7]
    assert all(n >= 4 for n in kinds.values())


def test_layout_of_normals():
    a = rng.normals(101, 3, 2, 5, 7, 10)
    assert a.dtype == np.float32 and a.shape == (7, 10)
    for pos in (0, 6):
        for ch in range(10):
            assert a[pos, ch] == rng.normals_at(101, 3, 2, 5, pos, ch >> 2)[ch & 3]
    b = rng.normals_batch(101, [9, 3], 4, 5, 7, 10)
    assert b.shape == (2, 4, 7, 10)
    assert np.array_equal(b[1, 2], a)
    # coordinates are independent streams
    assert not np.array_equal(rng.normals(101, 3, 2, 6, 7, 10), a)
    assert not np.array_equal(rng.normals(102, 3, 2, 5, 7, 10), a)
    assert not np.array_equal(rng.normals(101, 3, 1, 5, 7, 10), a)
    assert not np.array_equal(rng.normals(101, 4, 2, 5, 7, 10), a)
    # a prefix of channels does not depend on d
    assert np.array_equal(rng.normals(101, 3, 2, 5, 7, 6), a[:, :6])
    with pytest.raises(ValueError):
        rng.normals_at(1, 0, 0, 0, 65536, 0)


def test_distribution_mean_var_ks():
    x = rng.normals_batch(2024, range(50), 20, 1, 40, 25).ravel().astype(np.float64)
    n = x.size
    assert n == 1_000_000
    assert abs(x.mean()) < 5 / math.sqrt(n)
    assert abs(x.var() - 1) < 5 * math.sqrt(2 / n)
    xs = torch.from_numpy(np.sort(x))
    cdf = 0.5 * (1 + torch.erf(xs / math.sqrt(2)))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    ks = max((i / n - cdf).max().item(), (cdf - (i - 1) / n).max().item())
    assert ks * math.sqrt(n) < 1.95          # 0.1% level of the Kolmogorov distribution
    # tails exist but are bounded (r <= sqrt(-2 ln 2^-24) ~ 5.77)
    assert np.abs(x).max() <= 5.77 and np.abs(x).max() > 4.0


def test_elementary_functions_accuracy():
    u = np.linspace(2.0 ** -24, 1, 200001).astype(np.float32)
    assert np.max(np.abs(rng.log_f(u) - np.log(u.astype(np.float64)))) < 2e-6
    t = np.linspace(0, np.pi / 2, 20001).astype(np.float32)
    assert np.max(np.abs(rng.sin_f(t) - np.sin(t.astype(np.float64)))) < 3e-7
    assert np.max(np.abs(rng.cos_f(t) - np.cos(t.astype(np.float64)))) < 3e-7
    y = np.linspace(0, 40, 20001).astype(np.float32)
    assert np.max(np.abs(rng.sqrt_f(y) - np.sqrt(y.astype(np.float64)))) < 1e-5
    assert rng.sqrt_f(np.float32(0)) == 0
