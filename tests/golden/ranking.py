#!/usr/bin/env python3
"""Reference ranking metrics for rec-eval --truth (pure standard library).

usage: ranking.py TRUTH RECS [-k 1,3,5] [--catalogue N]

TRUTH holds held-out user-item pairs, RECS recommendation rows as
rec-predict --top writes them (user, item, score, rank), each user's rows
best first; both are TSV with the user in column 1 and the item in column 2,
other columns ignored.  Prints one JSON object with the keys rec-eval --json
uses: users, precision@K, recall@K, ndcg@K, map@K and hit_rate@K for each K,
mrr and coverage.

Written from the definitions in the header comment of lib/ranking.c, not
from the C code.  Each user is a set of relevant items and a list of
distinct items; every metric but NDCG is computed in exact rational
arithmetic (fractions.Fraction) and rounded once at the end.

  precision@k  hits in the first k / k, even when fewer than k were given
  recall@k     hits in the first k / the user's relevant items
  NDCG@k       sum over hits at rank r <= k of 1/log2(r + 1), divided by
               the same for min(relevant, k) hits at the top
  MAP@k        sum over hits at rank r <= k of precision@r, divided by
               min(relevant, k)
  HR@k         1 if any hit in the first k
  MRR          1 / the rank of the first hit in the whole list, 0 if none
  coverage     distinct items in the evaluated users' first max(k) items,
               over the catalogue size (--catalogue) or, without one, over
               the distinct items of TRUTH and RECS together

Users are those with a pair in TRUTH; a user with no rows in RECS counts 0
in every metric; users of RECS without truth are not evaluated.  A pair
given twice in TRUTH counts once; an item listed twice for a user counts
once, at its first place.
"""
import argparse
import json
import math
import sys
from fractions import Fraction


def read_pairs(path):
    """(user, item) of every non-blank line, in order."""
    pairs = []
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            cols = line.split("\t")
            if len(cols) < 2 or not cols[0] or not cols[1]:
                sys.exit(f"ranking.py: {path}:{lineno}: need a user and an item")
            pairs.append((cols[0], cols[1]))
    return pairs


def gain(rank):
    return 1.0 / math.log2(rank + 1)


def user_metrics(ranked, relevant, ks):
    """Per-user values: {name: value} for every metric at every k."""
    big_r = len(relevant)
    hit_ranks = [r for r, item in enumerate(ranked, 1) if item in relevant]
    out = {}
    for k in ks:
        ranks = [r for r in hit_ranks if r <= k]
        hits = len(ranks)
        n_ideal = min(big_r, k)
        out[f"precision@{k}"] = Fraction(hits, k)
        out[f"recall@{k}"] = Fraction(hits, big_r)
        dcg = math.fsum(gain(r) for r in ranks)
        idcg = math.fsum(gain(r) for r in range(1, n_ideal + 1))
        out[f"ndcg@{k}"] = dcg / idcg
        # precision at the rank of the i-th hit is i / rank
        out[f"map@{k}"] = sum((Fraction(i, r) for i, r in enumerate(ranks, 1)),
                              Fraction(0)) / n_ideal
        out[f"hit_rate@{k}"] = Fraction(1 if hits else 0)
    out["mrr"] = Fraction(1, hit_ranks[0]) if hit_ranks else Fraction(0)
    return out


def evaluate(truth_pairs, rec_pairs, ks, catalogue=None):
    truth = {}
    for user, item in truth_pairs:
        truth.setdefault(user, set()).add(item)
    lists = {}
    for user, item in rec_pairs:
        lst = lists.setdefault(user, [])
        if item not in lst:
            lst.append(item)
    if not truth:
        sys.exit("ranking.py: no pairs in the truth")
    names = ([f"{m}@{k}" for m in ("precision", "recall", "ndcg", "map",
                                    "hit_rate") for k in ks] + ["mrr"])
    sums = {name: [] for name in names}
    covered = set()
    top = max(ks)
    for user, relevant in truth.items():
        ranked = lists.get(user, [])
        covered.update(ranked[:top])
        for name, value in user_metrics(ranked, relevant, ks).items():
            sums[name].append(value)
    n = len(truth)
    result = {"users": n}
    for name in names:
        values = sums[name]
        if all(isinstance(v, Fraction) for v in values):
            result[name] = float(sum(values, Fraction(0)) / n)
        else:
            result[name] = math.fsum(float(v) for v in values) / n
    everything = {item for _, item in truth_pairs} | {item for _, item in rec_pairs}
    size = catalogue if catalogue else len(everything)
    result["coverage"] = float(Fraction(len(covered), size)) if size else 0.0
    return result


def parse_ks(text):
    try:
        ks = [int(x) for x in text.split(",")]
    except ValueError:
        ks = []
    if not ks or any(k < 1 for k in ks):
        sys.exit(f"ranking.py: -k: bad list {text!r}")
    return ks


def main():
    ap = argparse.ArgumentParser(description="Reference ranking metrics.")
    ap.add_argument("truth")
    ap.add_argument("recs")
    ap.add_argument("-k", default="10")
    ap.add_argument("--catalogue", type=int, default=0)
    args = ap.parse_args()
    result = evaluate(read_pairs(args.truth), read_pairs(args.recs),
                      parse_ks(args.k), args.catalogue)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
