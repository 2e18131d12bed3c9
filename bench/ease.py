#!/usr/bin/env python3
"""EASE on MovieLens-100k: lambda chosen on a validation slice of ua.base,
the test figures on ua.test with the defaults, and the same split scored
by an independent numpy EASE (bench/ease_numpy.py), all measured by
rec-eval.

(a) validation: 10 events of each user of ua.base held out at random
    (seed 1), as ua.test holds 10 of each user; rec-train --model ease on
    the rest for each lambda; top-10 without the user's training items.
(b) test: ua.base -> ua.test, top-10 with training items excluded, with
    the defaults (no --l2), and numpy EASE at lambda 300 and at the
    default, with the lists compared item by item.
(c) --max-items on ml-latest-small (9,724 items), when ML-LATEST-SMALL-DIR
    is given: 10 events of each user held out at random (seed 1), top-10
    for every user with the item-item part cut to N items, the others
    ranked by popularity.
usage: ease.py BINDIR ML-100K-DIR [PYTHON-WITH-NUMPY [ML-LATEST-SMALL-DIR]]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

bindir, data = sys.argv[1], sys.argv[2]
numpy_python = sys.argv[3] if len(sys.argv) > 3 else sys.executable
small = sys.argv[4] if len(sys.argv) > 4 else None
here = os.path.dirname(os.path.abspath(__file__))
LAMBDAS = [50, 100, 150, 200, 250, 300, 400, 500, 700, 1000]


def prog(name):
    return os.path.join(bindir, name)


def run(args, out=None):
    with open(out, 'w') if out else open(os.devnull, 'w') as f:
        subprocess.run(args, check=True, stdout=f)


def evaluate(truth, lists):
    r = subprocess.run([prog('rec-eval'), '--json', '--truth', truth, '-k',
                        '10', lists], check=True, capture_output=True,
                       text=True)
    m = json.loads(r.stdout)
    return m['precision@10'], m['ndcg@10']


def users_of(path, out):
    seen = dict.fromkeys(l.split('\t')[0] for l in open(path))
    with open(out, 'w') as f:
        f.writelines(u + '\n' for u in seen)


def ease_lists(work, train, users, opts, name):
    model = os.path.join(work, name + '.rec')
    run([prog('rec-train'), '-q', '--task', 'implicit', '--model', 'ease',
         *opts, '-o', model, train])
    lists = os.path.join(work, name + '.tsv')
    run([prog('rec-predict'), '-m', model, '--top', '10', users], lists)
    return lists


def hold_out(rows, work, prefix):
    """10 events of each user held out at random (seed 1), as ua.test"""
    by_user = {}
    for i, line in enumerate(rows):
        by_user.setdefault(line.split('\t')[0], []).append(i)
    rng = random.Random(1)
    held = set()
    for idx in by_user.values():
        held.update(rng.sample(idx, min(10, len(idx) // 2)))
    fit, val = (os.path.join(work, prefix + n) for n in ('fit.tsv', 'val.tsv'))
    with open(fit, 'w') as f, open(val, 'w') as v:
        for i, line in enumerate(rows):
            (v if i in held else f).write(line)
    users = os.path.join(work, prefix + 'users.txt')
    users_of(val, users)
    return fit, val, users, len(held)


def validation(work):
    rows = open(os.path.join(data, 'ua.base')).readlines()
    fit, val, users, nheld = hold_out(rows, work, 'val-')
    print('(a) validation slice of ua.base: %d fit, %d held out'
          % (len(rows) - nheld, nheld))
    print(f'{"l2":>6} {"prec@10":>8} {"ndcg@10":>8}')
    best = None
    for lam in LAMBDAS:
        p, n = evaluate(val, ease_lists(work, fit, users,
                                        ['--l2', str(lam)], 'val-model'))
        print(f'{lam:>6} {p:8.4f} {n:8.4f}')
        if best is None or n > best[1]:
            best = (lam, n)
    print(f'best NDCG@10 on validation: l2 {best[0]}')


def test(work):
    base, truth = os.path.join(data, 'ua.base'), os.path.join(data, 'ua.test')
    users = os.path.join(work, 'test-users.txt')
    users_of(truth, users)
    print('(b) ua.base -> ua.test, top-10, training items excluded')
    ours = ease_lists(work, base, users, [], 'test')
    p, n = evaluate(truth, ours)
    print(f'{"rec-train --model ease (defaults)":36} prec@10 {p:.4f} '
          f'ndcg@10 {n:.4f}')
    info = subprocess.run([prog('rec-info'), '--json', os.path.join(
        work, 'test.rec')], check=True, capture_output=True, text=True)
    default = json.loads(info.stdout)['l2']
    for lam in sorted({300, default}):
        lists = os.path.join(work, f'numpy-{lam:g}.tsv')
        run([numpy_python, os.path.join(here, 'ease_numpy.py'), base, users,
             str(lam), '10'], lists)
        p, n = evaluate(truth, lists)
        print(f'{"numpy EASE, l2 %g" % lam:36} prec@10 {p:.4f} '
              f'ndcg@10 {n:.4f}')
        if lam == default:
            a = [l.split('\t')[:2] for l in open(ours)]
            b = [l.split('\t')[:2] for l in open(lists)]
            same = sum(x == y for x, y in zip(a, b))
            print(f'lists equal to numpy\'s at l2 {lam:g}: {same} of '
                  f'{len(b)} (user, rank) places')


def max_items(work):
    with open(os.path.join(small, 'ratings.csv')) as f:
        next(f)		# the header
        rows = ['\t'.join(l.split(',')[:2]) + '\n' for l in f]
    fit, val, users, nheld = hold_out(rows, work, 'small-')
    print('(c) ml-latest-small, %d fit, %d held out, top-10, defaults but '
          '--max-items' % (len(rows) - nheld, nheld))
    print(f'{"max-items":>10} {"prec@10":>8} {"ndcg@10":>8} {"train s":>8}')
    for n in (0, 5000, 2000, 1000, 500):
        start = time.monotonic()
        lists = ease_lists(work, fit, users, ['--max-items', str(n)],
                           'small-model')
        seconds = time.monotonic() - start
        p, nd = evaluate(val, lists)
        print(f'{n or "all":>10} {p:8.4f} {nd:8.4f} {seconds:8.2f}')


with tempfile.TemporaryDirectory() as work:
    validation(work)
    test(work)
    if small and os.path.isdir(small):
        max_items(work)
