#!/usr/bin/env python3
"""Compare rec-eval --truth --json output against a ranking golden file.

usage: ranking_compare.py GOLDEN.json ACTUAL.json [--tol 1e-9]

The metrics are "users", "mrr", "auc", "coverage" and NAME@K for NAME in
precision, recall, ndcg, map and hit_rate.  Every metric in GOLDEN must be
in ACTUAL and equal: integers exactly, other numbers within the tolerance
(relative or absolute).  ACTUAL must not have a metric GOLDEN lacks (a
cut-off that was not asked for, or an AUC without groups), must not give a
key twice, and must carry "definitions", a non-empty list of strings.
Exit 0 when they match, 1 otherwise, with one line per difference.
"""
import argparse
import json
import math
import re
import sys

METRIC = re.compile(r"^(users|mrr|auc|coverage|"
                    r"(precision|recall|ndcg|map|hit_rate)@[1-9][0-9]*)$")


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"key {key!r} given twice")
        seen[key] = value
    return seen


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f, object_pairs_hook=no_duplicates)
    except (OSError, ValueError) as e:
        sys.exit(f"ranking_compare.py: {path}: {e}")
    if not isinstance(data, dict):
        sys.exit(f"ranking_compare.py: {path}: not a JSON object")
    return data


def differences(golden, actual, tol):
    for key in golden:
        if not METRIC.match(key):
            yield f"golden key {key!r} is not a ranking metric"
    for key in actual:
        if METRIC.match(key) and key not in golden:
            yield f"{key}: expected absent, got {actual[key]!r}"
        elif not METRIC.match(key) and key != "definitions":
            yield f"unknown key {key!r}"
    for key, g in golden.items():
        if key not in actual:
            yield f"{key}: expected {g!r}, missing"
            continue
        a = actual[key]
        if not is_number(a) or not math.isfinite(a):
            yield f"{key}: expected {g!r}, got {a!r}"
        elif isinstance(g, int):
            if not isinstance(a, int) or a != g:
                yield f"{key}: expected {g!r}, got {a!r}"
        elif not math.isclose(a, g, rel_tol=tol, abs_tol=tol):
            yield f"{key}: expected {g!r}, got {a!r} (diff {a - g:.3g})"
    d = actual.get("definitions")
    if not (isinstance(d, list) and d and all(isinstance(s, str) for s in d)):
        yield f"definitions: expected a list of strings, got {d!r}"


def main():
    ap = argparse.ArgumentParser(description="Compare rec-eval ranking JSON with a golden file.")
    ap.add_argument("golden")
    ap.add_argument("actual")
    ap.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args()
    diffs = list(differences(load(args.golden), load(args.actual), args.tol))
    for d in diffs:
        print(f"{args.actual}: {d}")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
