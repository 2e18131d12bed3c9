#!/usr/bin/env python3
"""Top-k quality on MovieLens-100k, every figure made with recpipe itself.

(i)  ua.base / ua.test, every rating an interaction: top-10 for every test
     user, with and without excluding the user's training items ->
     precision@10, recall@10, NDCG@10, and the mean per-user AUC of test
     items against every other catalogue item (training items excluded).
(ii) leave-one-out (He et al. 2017): each user's latest interaction held
     out and ranked among 99 items the user never interacted with, drawn
     with a seed -> HR@10 and NDCG@10, mean and spread over 5 seeds.
Each against a popularity baseline made with the same tools: an implicit
model without factors (-k 0) ranks items by their weight alone.
usage: implicit.py BINDIR ML-100K-DIR [rec-train options for the model]
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

bindir, data = sys.argv[1], sys.argv[2]
model_opts = sys.argv[3:] or []
POPULARITY = ['-k', '0']


def prog(name):
    return os.path.join(bindir, name)


def run(args, out=None):
    with open(out, 'w') if out else open(os.devnull, 'w') as f:
        subprocess.run(args, check=True, stdout=f)


def train(opts, train_file, model, seed=1):
    # EASE has no random state: the seed is refused, not ignored
    seed_opts = [] if 'ease' in opts else ['--seed', str(seed)]
    run([prog('rec-train'), '-q', '--task', 'implicit', *seed_opts,
         *opts, '-o', model, train_file])


def evaluate(args):
    r = subprocess.run([prog('rec-eval'), '--json', *args], check=True,
                       capture_output=True, text=True)
    return json.loads(r.stdout)


def split_ua(work, opts, name):
    base, test = os.path.join(data, 'ua.base'), os.path.join(data, 'ua.test')
    model = os.path.join(work, name + '.rec')
    train(opts, base, model)
    users = os.path.join(work, 'users.txt')
    with open(test) as f, open(users, 'w') as out:
        seen = []
        for line in f:
            u = line.split('\t')[0]
            if not seen or seen[-1] != u:
                seen.append(u)
        out.write(''.join(u + '\n' for u in dict.fromkeys(seen)))
    row = {}
    for label, extra in (('all', []), ('excl', ['--exclude', base])):
        recs = os.path.join(work, f'{name}-{label}.tsv')
        run([prog('rec-predict'), '-m', model, '--top', '10', *extra, users],
            recs)
        m = evaluate(['--truth', test, '-k', '10', recs])
        row[label] = (m['precision@10'], m['recall@10'], m['ndcg@10'])
    # per-user AUC: test items against all other items not in training
    items = sorted({l.split('\t')[1] for l in open(base)})
    trained, truth = {}, {}
    for l in open(base):
        u, i = l.split('\t')[:2]
        trained.setdefault(u, set()).add(i)
    for l in open(test):
        u, i = l.split('\t')[:2]
        truth.setdefault(u, set()).add(i)
    pairs = os.path.join(work, 'pairs.tsv')
    with open(pairs, 'w') as out:
        for u in truth:
            for i in items:
                if i not in trained.get(u, ()):
                    out.write(f'{u}\t{i}\t{int(i in truth[u])}\n')
    scored = os.path.join(work, 'scored.tsv')
    run([prog('rec-predict'), '--raw', '-m', model, pairs], scored)
    m = evaluate(['--group', '1', '--label', '3', '--score', '4', scored])
    row['auc'] = m['auc']
    return row


def leave_one_out(work, opts, name, seed):
    rows = [l.rstrip('\n').split('\t') for l in open(os.path.join(data,
                                                                    'u.data'))]
    by_user = {}
    for r in rows:
        by_user.setdefault(r[0], []).append(r)
    items = sorted({r[1] for r in rows})
    rng = random.Random(seed)
    train_file = os.path.join(work, 'loo-train.tsv')
    cand = os.path.join(work, 'loo-cand.tsv')
    with open(train_file, 'w') as tr, open(cand, 'w') as ca:
        for u, rs in by_user.items():
            rs.sort(key=lambda r: (int(r[3]), int(r[1])))
            held = rs[-1]
            for r in rs[:-1]:
                tr.write('\t'.join(r) + '\n')
            seen = {r[1] for r in rs}
            negatives = rng.sample([i for i in items if i not in seen], 99)
            ca.write(f'{u}\t{held[1]}\t1\n')
            ca.writelines(f'{u}\t{i}\t0\n' for i in negatives)
    model = os.path.join(work, name + '.rec')
    train(opts, train_file, model, seed)
    scored = os.path.join(work, 'loo-scored.tsv')
    run([prog('rec-predict'), '--raw', '-m', model, cand], scored)
    m = evaluate(['--group', '1', '--label', '3', '--score', '4', '-k', '10',
                  scored])
    return m['hit_rate@10'], m['ndcg@10']


with tempfile.TemporaryDirectory() as work:
    print('model options:', ' '.join(model_opts) or '(defaults)')
    print('(i) ua.base/ua.test, top-10 per test user')
    print(f'{"":12} {"":9} {"prec@10":>8} {"rec@10":>8} {"ndcg@10":>8}'
          f' {"AUC":>7}')
    results = {}
    for name, opts in (('model', model_opts), ('popularity', POPULARITY)):
        row = split_ua(work, opts, name)
        results[name] = row
        for label, text in (('all', 'all items'), ('excl', 'excl. train')):
            p, r, n = row[label]
            auc = f'{row["auc"]:7.4f}' if label == 'all' else ''
            print(f'{name:12} {text:11} {p:8.4f} {r:8.4f} {n:8.4f} {auc}')
    m, pop = results['model']['all'], results['popularity']['all']
    print(f'model / popularity (all items): recall@10 {m[1] / pop[1]:.2f}x,'
          f' NDCG@10 {m[2] / pop[2]:.2f}x')
    print('(ii) leave-one-out, 1 held-out item among 99 sampled, 5 seeds')
    for name, opts in (('model', model_opts), ('popularity', POPULARITY)):
        hr, nd = zip(*(leave_one_out(work, opts, name, s)
                       for s in range(1, 6)))
        print(f'{name:12} HR@10 {statistics.mean(hr):.4f} '
              f'± {statistics.stdev(hr):.4f}   NDCG@10 '
              f'{statistics.mean(nd):.4f} ± {statistics.stdev(nd):.4f}')
