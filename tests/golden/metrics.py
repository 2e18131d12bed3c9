#!/usr/bin/env python3
"""Reference metrics for rec-eval golden tests (pure standard library).

Reads scored rows (TSV) and prints JSON with: rows, weight, positives, auc,
logloss, rmse, mae, mean_score, mean_label.  Metrics that are undefined for
the input are omitted (auc with one weighted class, logloss with a score
outside [0, 1], means with total weight 0).

Written independently of the C code: AUC is computed by grouping rows by
exact score value and counting weighted concordant (positive, negative)
pairs, ties counting one half -- not by a rank sum.
"""
import argparse
import json
import math
import sys

EPS = 1e-15


def number(text, what, lineno):
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        sys.exit(f"metrics.py: line {lineno}: bad {what}: {text!r}")
    return x


def read_rows(path, args):
    """Yield (label, score, weight, target): label 0 or 1, the class; target
    the value logloss, rmse, mae and mean_label are taken against: the
    label itself, or with --soft-labels the raw label in [0, 1]."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            cols = line.split("\t")
            need = max(args.label, args.score, args.weight or 0)
            if len(cols) < need:
                sys.exit(f"metrics.py: line {lineno}: {len(cols)} columns, need {need}")
            raw = number(cols[args.label - 1], "label", lineno)
            target = None
            if args.soft_labels:
                if not 0.0 <= raw <= 1.0:
                    sys.exit(f"metrics.py: line {lineno}: soft label not in [0, 1]")
                threshold = 0.5 if args.positive is None else args.positive
                y = 1 if raw >= threshold else 0
                target = raw
            elif args.positive is not None:
                y = 1 if raw >= args.positive else 0
            elif raw in (0.0, 1.0, -1.0):
                y = 1 if raw == 1.0 else 0
            else:
                sys.exit(f"metrics.py: line {lineno}: label must be 0/1 or -1/1")
            s = number(cols[args.score - 1], "score", lineno)
            w = 1.0
            if args.weight:
                w = number(cols[args.weight - 1], "weight", lineno)
                if w < 0:
                    sys.exit(f"metrics.py: line {lineno}: negative weight")
            yield y, s, w, float(y) if target is None else target


def auc(rows):
    """Weighted AUC: sum over (pos, neg) pairs of w_pos*w_neg*[s_pos > s_neg],
    plus one half for s_pos == s_neg, divided by (sum w_pos)*(sum w_neg)."""
    groups = {}  # exact score -> [weighted positives, weighted negatives]
    for y, s, w, _ in rows:
        g = groups.setdefault(s, [0.0, 0.0])
        g[0 if y else 1] += w
    pos = math.fsum(g[0] for g in groups.values())
    neg = math.fsum(g[1] for g in groups.values())
    if pos == 0 or neg == 0:
        return None
    terms = []
    neg_below = 0.0  # weighted negatives with a strictly lower score
    for s in sorted(groups):
        p, n = groups[s]
        terms.append(p * neg_below)
        terms.append(0.5 * p * n)
        neg_below += n
    return math.fsum(terms) / (pos * neg)


def metrics(rows):
    total = math.fsum(w for _, _, w, _ in rows)
    out = {
        "rows": len(rows),
        "weight": total,
        "positives": math.fsum(w for y, _, w, _ in rows if y),
    }
    a = auc(rows)
    if a is not None:
        out["auc"] = a
    if total > 0:
        def mean(f):
            # f of the target (the 0/1 label, or the soft label) and score
            return math.fsum(w * f(t, s) for _, s, w, t in rows) / total
        if all(0.0 <= s <= 1.0 for _, s, _, _ in rows):
            def loss(y, s):
                # cross-entropy: -[y ln p + (1-y) ln(1-p)], a 0/1 y
                # keeping only its own term
                p = min(max(s, EPS), 1.0 - EPS)
                if y == 1.0:
                    return -math.log(p)
                if y == 0.0:
                    return -math.log(1.0 - p)
                return -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p))
            out["logloss"] = mean(loss)
        out["rmse"] = math.sqrt(mean(lambda y, s: (s - y) ** 2))
        out["mae"] = mean(lambda y, s: abs(s - y))
        out["mean_score"] = mean(lambda y, s: s)
        out["mean_label"] = mean(lambda y, s: y)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", help="TSV file of scored rows")
    ap.add_argument("--label", type=int, required=True, help="1-based label column")
    ap.add_argument("--score", type=int, required=True, help="1-based score column")
    ap.add_argument("--weight", type=int, help="1-based weight column (default: all 1)")
    ap.add_argument("--positive", type=float, help="label is 1 when raw label >= X")
    ap.add_argument("--soft-labels", action="store_true",
                    help="labels are probabilities in [0, 1]: logloss, rmse, mae and "
                    "mean_label against them, classes for auc and positives from "
                    "label >= --positive (default 0.5)")
    ap.add_argument("--json", action="store_true", help="accepted for symmetry; output is always JSON")
    args = ap.parse_args()
    for c in (args.label, args.score, args.weight or 1):
        if c < 1:
            ap.error("column numbers are 1-based")
    rows = list(read_rows(args.file, args))
    print(json.dumps(metrics(rows), indent=2))


if __name__ == "__main__":
    main()
