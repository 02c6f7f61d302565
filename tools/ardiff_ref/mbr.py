"""Minimum Bayes risk selection over k candidate strings, as the official AR-Diffusion code does
it (eval_utils/mbr/mbr_select.py; spec section 4.6 and section 9 item 15).

score(c_j) = mean over m != j of BLEU(hyp = c_m, ref = c_j): each candidate is scored as the
*reference* for all the others. The mean is numpy's (pairwise summation, then one division),
reproduced exactly in mean_like_numpy so that the C version (runtime/engine/mbr.c) can match it
bit for bit. The choice is the argmax; ties go to the highest index (the official code sorts by
score with a stable sort and takes the last). k = 1 gives index 0 with score 0.0 (the official
code would take the mean of nothing, NaN, and still pick index 0).
"""
from .bleu import sentence_bleu

_PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


def _pairwise_sum(x):
    """numpy's pairwise summation of a float64 sequence (npy_pairwise_sum)."""
    n = len(x)
    if n < 8:
        s = 0.0
        for v in x:
            s += v
        return s
    if n <= _PAIRWISE_BLOCK:
        r = list(x[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += x[i + j]
            i += 8
        s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in x[i:]:
            s += v
        return s
    half = n // 2
    half -= half % 8
    return _pairwise_sum(x[:half]) + _pairwise_sum(x[half:])


def mean_like_numpy(x):
    """Equals float(numpy.mean(numpy.array(x, dtype=float64))) bit for bit (len(x) >= 1)."""
    return (0.0 + _pairwise_sum(list(x))) / len(x)


def mbr_select(candidates: list[str]) -> tuple[int, list[float]]:
    """(index of the chosen candidate, score of every candidate)."""
    k = len(candidates)
    if k == 0:
        raise ValueError("mbr_select: no candidates")
    if k == 1:
        return 0, [0.0]
    scores = []
    for j, ref in enumerate(candidates):
        utilities = [sentence_bleu(hyp, ref) for m, hyp in enumerate(candidates) if m != j]
        scores.append(mean_like_numpy(utilities))
    best = max(range(k), key=lambda j: (scores[j], j))
    return best, scores
