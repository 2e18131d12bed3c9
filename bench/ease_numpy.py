#!/usr/bin/env python3
"""EASE (Steck 2019) in numpy, in doubles: an independent check of
rec-train --model ease.

Reads user/item events (TSV, columns 1 and 2; each pair counts once),
fits B = I - P diagMat(1/diag P) with P = (X'X + lambda I)^-1 and writes,
for each user in USERS, the top K items the user has not met, in
rec-predict's --top format (user, item, score, rank), so that rec-eval
measures both with the same code.
usage: ease_numpy.py TRAIN USERS LAMBDA K > lists.tsv
"""
import sys

import numpy as np


def main():
    train, users_file, lam, k = sys.argv[1], sys.argv[2], float(sys.argv[3]), \
        int(sys.argv[4])
    user_index, item_index, items = {}, {}, []
    pairs = set()
    with open(train) as f:
        for line in f:
            u, i = line.rstrip('\n').split('\t')[:2]
            if i not in item_index:
                item_index[i] = len(items)
                items.append(i)
            pairs.add((user_index.setdefault(u, len(user_index)),
                       item_index[i]))
    X = np.zeros((len(user_index), len(items)))
    for u, i in pairs:
        X[u, i] = 1
    G = X.T @ X
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)
    B[np.diag_indices_from(B)] = 0
    out = sys.stdout
    with open(users_file) as f:
        wanted = [line.rstrip('\n').split('\t')[0] for line in f]
    popularity = X.sum(axis=0) / max(len(user_index), 1)
    for u in wanted:
        if u in user_index:
            x = X[user_index[u]]
            scores = x @ B
            scores[x > 0] = -np.inf
        else:
            scores = popularity.copy()
        # best first; equal scores keep the item met first
        order = np.argsort(-scores, kind='stable')[:k]
        for rank, i in enumerate(order, 1):
            out.write(f'{u}\t{items[i]}\t{scores[i]:.9g}\t{rank}\n')


main()
