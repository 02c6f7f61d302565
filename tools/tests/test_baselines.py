from ardiff_ref.baselines import nearest, words
from ardiff_ref.tasks import lead4


def _brute(queries, keys):
    out = []
    for q in queries:
        best, best_s = 0, -1.0
        for i, k in enumerate(keys):
            u = len(q | k)
            s = len(q & k) / u if u else 0.0
            if s > best_s:
                best, best_s = i, s
        out.append(best)
    return out


def test_nearest_is_jaccard_first_on_ties():
    keys = [words(s) for s in ("a dog runs", "the dog runs fast", "a cat sits", "A dog runs!",
                               "x y z")]
    queries = [words(s) for s in ("dog runs", "cat sits on a mat", "nothing shared", "",
                                  "the dog runs fast", "x y")]
    got = nearest(queries, keys, chunk=2)            # chunks of 2: the seam is covered
    assert got == _brute(queries, keys)
    assert got[0] == 0                               # keys 0 and 3 tie: the first wins
    assert got[2] == 0 and got[3] == 0               # nothing shared -> 0
    assert got[4] == 1 and got[5] == 4


def test_nearest_matches_brute_force_on_random_sets():
    import random
    rs = random.Random(0)
    vocab = ["w%d" % i for i in range(30)]
    keys = [frozenset(rs.sample(vocab, rs.randint(1, 8))) for _ in range(200)]
    queries = [frozenset(rs.sample(vocab, rs.randint(0, 8))) for _ in range(50)]
    assert nearest(queries, keys, chunk=16) == _brute(queries, keys)


def test_lead_and_words():
    assert lead4("Hi Phillip,  this is   a test") == "Hi Phillip, this is"
    assert lead4("short") == "short"
    assert words("The Dog, the dog!") == {"the", "dog"}
