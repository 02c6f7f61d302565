"""The ardiff random stream (docs/rng.md), bit-exact, vectorised with numpy.

Philox4x32-10 keyed by the user seed, counter = (position<<16 | channel>>2, step, candidate,
input); each call gives four words, i.e. two Box-Muller pairs, i.e. four consecutive channels.
Box-Muller uses only binary32 +, -, * and bit operations (numpy float32 ufuncs, which round
every operation and never contract), so the C host code and the OpenCL kernels can match it bit
for bit.
"""
import numpy as np

_U32 = np.uint32
_F32 = np.float32

PHILOX_M0 = 0xD2511F53
PHILOX_M1 = 0xCD9E8D57
PHILOX_W0 = 0x9E3779B9
PHILOX_W1 = 0xBB67AE85


def _hexf(s):
    return _F32(float.fromhex(s))


L = [_hexf(s) for s in ("0x1.204376p-4", "-0x1.d7a370p-4", "0x1.de4a34p-4", "-0x1.fcba9ep-4",
                        "0x1.23d37ep-3", "-0x1.555ca0p-3", "0x1.999d58p-3", "-0x1.fffff8p-3",
                        "0x1.555554p-2")]
LN2_LO = _hexf("-0x1.bd0106p-13")
LN2_HI = _hexf("0x1.63p-1")
SQRT2 = _hexf("0x1.6a09e6p+0")
PIO2 = _hexf("0x1.921fb6p+0")
# sine: S3..S13, cosine: C2..C14 (Taylor coefficients rounded to binary32)
S = {k: _hexf(v) for k, v in ((3, "-0x1.555556p-3"), (5, "0x1.111112p-7"), (7, "-0x1.a01a02p-13"),
                              (9, "0x1.71de3ap-19"), (11, "-0x1.ae6456p-26"),
                              (13, "0x1.612462p-33"))}
C = {k: _hexf(v) for k, v in ((2, "-0x1p-1"), (4, "0x1.555556p-5"), (6, "-0x1.6c16c2p-10"),
                              (8, "0x1.a01a02p-16"), (10, "-0x1.27e4fcp-22"),
                              (12, "0x1.1eed8ep-29"), (14, "-0x1.93974ap-37"))}
TWO_M24 = _F32(2.0 ** -24)


# ---------------------------------------------------------------------------------------------
# Philox4x32-10
# ---------------------------------------------------------------------------------------------
def _mulhilo(m, x):
    p = np.uint64(m) * x.astype(np.uint64)
    return (p >> np.uint64(32)).astype(_U32), (p & np.uint64(0xFFFFFFFF)).astype(_U32)


def philox4x32_10(counter, key):
    """counter: 4 uint32 arrays (broadcastable), key: 2 uint32 scalars/arrays -> 4 uint32 arrays."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=_U32) for c in counter)
    c0, c1, c2, c3 = np.broadcast_arrays(c0, c1, c2, c3)
    k0 = np.asarray(key[0], dtype=np.uint64)
    k1 = np.asarray(key[1], dtype=np.uint64)
    for r in range(10):
        if r > 0:
            k0 = (k0 + np.uint64(PHILOX_W0)) & np.uint64(0xFFFFFFFF)
            k1 = (k1 + np.uint64(PHILOX_W1)) & np.uint64(0xFFFFFFFF)
        hi0, lo0 = _mulhilo(PHILOX_M0, c0)
        hi1, lo1 = _mulhilo(PHILOX_M1, c2)
        c0, c1, c2, c3 = (hi1 ^ c1 ^ k0.astype(_U32), lo1,
                          hi0 ^ c3 ^ k1.astype(_U32), lo0)
    return c0, c1, c2, c3


# ---------------------------------------------------------------------------------------------
# binary32 elementary functions built from +, -, * only
# ---------------------------------------------------------------------------------------------
def _bits(x):
    return np.asarray(x, dtype=_F32).view(_U32)


def _from_bits(u):
    return np.asarray(u, dtype=_U32).view(_F32)


def log_f(u):
    """Natural log of positive normal binary32 values (Cephes-style range reduction)."""
    b = _bits(u)
    e = ((b >> _U32(23)) & _U32(0xFF)).astype(np.int32) - np.int32(127)
    m = _from_bits((b & _U32(0x7FFFFF)) | _U32(0x3F800000))
    big = m > SQRT2
    m = np.where(big, m * _F32(0.5), m).astype(_F32)
    e = np.where(big, e + np.int32(1), e)
    x = m - _F32(1)
    z = x * x
    p = np.full_like(x, L[0])
    for i in range(1, 9):
        p = p * x + L[i]
    v = (x * z) * p
    ef = e.astype(_F32)
    v = v + ef * LN2_LO
    v = v - _F32(0.5) * z
    w = x + v
    w = w + ef * LN2_HI
    return w


def sqrt_f(y):
    """Square root of non-negative binary32 values by three Newton steps on 1/sqrt."""
    y = np.asarray(y, dtype=_F32)
    g = _from_bits(_U32(0x5F3759DF) - (_bits(y) >> _U32(1)))
    h = _F32(0.5) * y
    for _ in range(3):
        g = g * (_F32(1.5) - (h * g) * g)
    return np.where(y == _F32(0), _F32(0), y * g).astype(_F32)


def sin_f(t):
    t2 = t * t
    p = np.full_like(t, S[13])
    for i in (11, 9, 7, 5, 3):
        p = p * t2 + S[i]
    p = p * t2 + _F32(1)
    return t * p


def cos_f(t):
    t2 = t * t
    p = np.full_like(t, C[14])
    for i in (12, 10, 8, 6, 4, 2):
        p = p * t2 + C[i]
    p = p * t2 + _F32(1)
    return p


def box_muller(a, b):
    """Two uint32 word arrays -> two float32 standard normal arrays (bit-exact contract)."""
    a = np.asarray(a, dtype=_U32)
    b = np.asarray(b, dtype=_U32)
    u = ((a >> _U32(8)) + _U32(1)).astype(_F32) * TWO_M24
    y = _F32(-2) * log_f(u)
    r = sqrt_f(y)
    q = b >> _U32(30)
    f = ((b >> _U32(6)) & _U32(0xFFFFFF)).astype(_F32) * TWO_M24
    t = f * PIO2
    c, s = cos_f(t), sin_f(t)
    cc = np.select([q == 0, q == 1, q == 2], [c, -s, -c], s)
    ss = np.select([q == 0, q == 1, q == 2], [s, c, -s], -c)
    return (r * cc).astype(_F32), (r * ss).astype(_F32)


# ---------------------------------------------------------------------------------------------
# the coordinate-addressed stream
# ---------------------------------------------------------------------------------------------
def seed_key(seed):
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return _U32(seed & 0xFFFFFFFF), _U32(seed >> 32)


def normals_at(seed, input_idx, candidate, step, position, block):
    """Raw access: the four normals of channels 4*block..4*block+3 at broadcastable coordinates.

    Returns float32 array of shape broadcast(...) + (4,).
    """
    position = np.asarray(position, dtype=_U32)
    block = np.asarray(block, dtype=_U32)
    if np.any(position >= 65536):
        raise ValueError("position must be < 65536")
    c0 = (position << _U32(16)) | block
    x0, x1, x2, x3 = philox4x32_10(
        (c0, np.asarray(step, _U32), np.asarray(candidate, _U32), np.asarray(input_idx, _U32)),
        seed_key(seed))
    n0, n1 = box_muller(x0, x1)
    n2, n3 = box_muller(x2, x3)
    return np.stack([n0, n1, n2, n3], axis=-1)


def normals(seed, input_idx, candidate, step, n_pos, dim):
    """float32 [n_pos, dim]: the noise of one (input, candidate, step)."""
    nb = (dim + 3) // 4
    if nb > 65536:
        raise ValueError("dim too large for the counter layout")
    pos = np.arange(n_pos, dtype=_U32)[:, None]
    blk = np.arange(nb, dtype=_U32)[None, :]
    out = normals_at(seed, input_idx, candidate, step, pos, blk)  # [n_pos, nb, 4]
    return np.ascontiguousarray(out.reshape(n_pos, nb * 4)[:, :dim])


def normals_batch(seed, inputs, n_cand, step, n_pos, dim):
    """float32 [len(inputs), n_cand, n_pos, dim] for the given global input indices."""
    inputs = np.asarray(list(inputs), dtype=_U32)
    nb = (dim + 3) // 4
    inp = inputs[:, None, None, None]
    cand = np.arange(n_cand, dtype=_U32)[None, :, None, None]
    pos = np.arange(n_pos, dtype=_U32)[None, None, :, None]
    blk = np.arange(nb, dtype=_U32)[None, None, None, :]
    out = normals_at(seed, inp, cand, step, pos, blk)  # [B, k, N, nb, 4]
    out = out.reshape(len(inputs), n_cand, n_pos, nb * 4)[..., :dim]
    return np.ascontiguousarray(out)


def f32_hex(x):
    """Bit pattern of a binary32 value as 8 lowercase hex digits."""
    return "%08x" % int(np.asarray(x, dtype=_F32).view(_U32))


# ---------------------------------------------------------------------------------------------
# the committed test vector (tests/fixtures/rng_vectors.txt), read by the C tests
# ---------------------------------------------------------------------------------------------
VECTOR_HEADER = """\
# ardiff random stream test vectors (docs/rng.md). Written by tools/ardiff_ref/rng.py:
#   cd tools && python3 -m ardiff_ref.rng --write ../tests/fixtures/rng_vectors.txt
# Lines starting with '#' and empty lines are comments. Fields are separated by single spaces;
# hex is lowercase without 0x. Three record kinds, told apart by the first field:
#   philox c0 c1 c2 c3 k0 k1 x0 x1 x2 x3
#       Philox4x32-10: counter (c0..c3) and key (k0, k1) -> outputs (x0..x3), 8 hex digits each.
#   boxmuller a b n0 n1
#       Box-Muller of the words a, b (8 hex digits) -> the two normals as binary32 bit patterns.
#   normal seed input candidate step position channel bits
#       One variate of the stream: seed = 16 hex digits (64-bit), input/candidate/step/position/
#       channel in decimal, bits = the binary32 bit pattern (8 hex digits). Every value must
#       match bit for bit.
"""


def vector_lines():
    lines = [VECTOR_HEADER.rstrip("\n")]
    kat = [((0, 0, 0, 0), (0, 0)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0)),
           ((1, 2, 3, 4), (5, 6))]
    for ctr, key in kat:
        out = philox4x32_10(ctr, key)
        lines.append("philox " + " ".join("%08x" % v for v in ctr + key)
                     + " " + " ".join("%08x" % int(v) for v in out))
    words = [(0, 0), (0xFFFFFFFF, 0xFFFFFFFF), (0x000000FF, 0x3FFFFFFF), (0x80000000, 0x40000000),
             (0x12345678, 0x9ABCDEF0), (0xDEADBEEF, 0xC0000000), (0x00000100, 0x7FFFFFC0),
             (0x7FFFFFFF, 0xBFFFFFFF)]
    for a, b in words:
        n0, n1 = box_muller(np.array([a], _U32), np.array([b], _U32))
        lines.append("boxmuller %08x %08x %s %s" % (a, b, f32_hex(n0[0]), f32_hex(n1[0])))
    coords = [(0, 0, 0, 0, 0), (101, 0, 0, 0, 0), (101, 3, 2, 20, 11), (2**40 + 7, 1000, 49, 1, 179),
              (0xFFFFFFFFFFFFFFFF, 4294967295, 4294967295, 4294967295, 65535)]
    for seed, inp, cand, step, pos in coords:
        for ch in range(0, 10):
            v = normals_at(seed, inp, cand, step, pos, ch >> 2)[ch & 3]
            lines.append("normal %016x %d %d %d %d %d %s" % (seed, inp, cand, step, pos, ch,
                                                               f32_hex(v)))
    v = normals_at(7, 5, 3, 2, 40, 127 >> 2)[127 & 3]
    lines.append("normal %016x 5 3 2 40 127 %s" % (7, f32_hex(v)))
    return lines


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="ardiff random stream: write the test vectors")
    ap.add_argument("--write", metavar="PATH", help="write the vector file here")
    args = ap.parse_args(argv)
    text = "\n".join(vector_lines()) + "\n"
    if args.write:
        with open(args.write, "w", encoding="ascii") as f:
            f.write(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
