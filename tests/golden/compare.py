#!/usr/bin/env python3
"""Compare rec-eval --json output against a golden file.

usage: compare.py GOLDEN.json ACTUAL.json [--tol 1e-9]

Every metric in GOLDEN must be in ACTUAL and equal: integers exactly, other
numbers within the tolerance (relative or absolute).  ACTUAL must not have a
metric that GOLDEN lacks (a metric that should be undefined).  Keys that are
not metrics known here are ignored.  Exit 0 when they match, 1 otherwise.
"""
import argparse
import json
import math
import sys

METRICS = ("rows", "weight", "positives", "auc", "logloss",
           "rmse", "mae", "mean_score", "mean_label")


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def differences(golden, actual, tol):
    for key in METRICS:
        if key not in golden:
            if key in actual:
                yield f"{key}: expected absent, got {actual[key]!r}"
            continue
        g = golden[key]
        if key not in actual:
            yield f"{key}: expected {g!r}, missing"
            continue
        a = actual[key]
        if not is_number(a) or not math.isfinite(a):
            yield f"{key}: expected {g!r}, got {a!r}"
        elif isinstance(g, int):
            if a != g:
                yield f"{key}: expected {g!r}, got {a!r}"
        elif not math.isclose(a, g, rel_tol=tol, abs_tol=tol):
            yield f"{key}: expected {g!r}, got {a!r} (diff {a - g:.3g})"


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"compare.py: {path}: {e}")
    if not isinstance(data, dict):
        sys.exit(f"compare.py: {path}: not a JSON object")
    return data


def main():
    ap = argparse.ArgumentParser(description="Compare rec-eval JSON with a golden file.")
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
