# Paired bootstrap (1,000 resamples of the 50 inputs, seed 0) of SacreBLEU differences between rows
# of this study. Run from the repository root with build/pyenv/bin/python; prints bootstrap.txt.
import json, random, sacrebleu, sys
refs=[l.rstrip('\n') for l in open('../shared/data/multi30k-de-en/valid.tgt')][:50]
def out(n): return [json.loads(l)['output'] for l in open('bench/results/claim-multi30k-long/runs/%s.jsonl'%n)]
pairs=[('ar-K20-k1-a2','uniform-K20-k1'),('ar-K20-k1-a2','uniform-K2000-k1'),('ar-K20-k10-a2','uniform-K20-k10'),('ar-K20-k10-a2','uniform-K2000-k1'),('ar-K20-k10-a2','uniform-K100-k10')]
rng=random.Random(0)
idx=[[rng.randrange(50) for _ in range(50)] for _ in range(1000)]
for a,b in pairs:
    A,B=out(a),out(b)
    ba=sacrebleu.corpus_bleu(A,[refs]).score; bb=sacrebleu.corpus_bleu(B,[refs]).score
    d=[]
    for I in idx:
        d.append(sacrebleu.corpus_bleu([A[i] for i in I],[[refs[i] for i in I]]).score-sacrebleu.corpus_bleu([B[i] for i in I],[[refs[i] for i in I]]).score)
    d.sort()
    print("%s %.2f vs %s %.2f: diff %+.2f, 95%% bootstrap interval [%+.2f, %+.2f], P(AR>=uniform) %.2f"%(a,ba,b,bb,ba-bb,d[25],d[974],sum(x>=0 for x in d)/1000))
