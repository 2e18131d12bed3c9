#!/usr/bin/env python3
"""Write the MovieLens-100k splits of ../shared/data/README.md into DIR.

random: u.data lines shuffled with random.seed(42), first 80,000 train.
time:   u.data sorted by (time, user, item), first 80,000 train.
The data stay outside the repository; DIR is a scratch directory.
"""
import random
import sys

src, out = sys.argv[1], sys.argv[2]
with open(src) as f:
    rows = f.read().splitlines()

shuffled = list(rows)
random.seed(42)
random.shuffle(shuffled)
by_time = sorted(rows, key=lambda r: tuple(int(x) for x in
                                           (r.split('\t')[3], r.split('\t')[0],
                                            r.split('\t')[1])))
for name, ordered in (('random', shuffled), ('time', by_time)):
    with open(f'{out}/{name}_train.tsv', 'w') as f:
        f.write('\n'.join(ordered[:80000]) + '\n')
    with open(f'{out}/{name}_test.tsv', 'w') as f:
        f.write('\n'.join(ordered[80000:]) + '\n')
