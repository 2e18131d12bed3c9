#!/usr/bin/env python3
"""Replay MovieLens-100k in time order, one day at a time.

After a warm-up model trained on the first half of the days, each later day
is first scored by the current model (AUC of rating >= 4 over that day's
events) and then learned by one of three strategies:

  frozen   the warm-up model, never updated
  update   rec-update with the day's events
  retrain  rec-train from scratch on every event so far

Prints the mean AUC over the days scored and each strategy's CPU time for
learning (user and system time of rec-update or rec-train), measured in one
run; scoring costs the same for all three and is left out.

With --task implicit among the options (e.g. --task implicit --model
ease), each day is scored as a ranking instead: top-10 for the day's users,
items they met before left out (rec-predict --exclude the events so far),
against the items they meet that day -> recall@10 and HR@10 per day.  At
the end the updated model is compared with the retrained one, which for
EASE must be the same model (tests/cli/same_model.py --any-runs).
usage: replay.py BINDIR U.DATA [TRAIN-OPTION...]
"""
import json
import os
import resource
import subprocess
import sys
import tempfile

bindir, udata = sys.argv[1], sys.argv[2]
train_opts = sys.argv[3:] or ['--positive', '4']
ranking = 'implicit' in train_opts
here = os.path.dirname(os.path.abspath(__file__))


def run(args, **kw):
    return subprocess.run(args, check=True, **kw)


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def day_auc(model, day_file):
    pred = subprocess.run([f'{bindir}/rec-predict', '-m', model, day_file],
                          check=True, capture_output=True)
    ev = subprocess.run([f'{bindir}/rec-eval', '--positive', '4', '--json'],
                        input=pred.stdout, capture_output=True)
    if ev.returncode != 0:
        return None  # one class only that day
    return json.loads(ev.stdout)['auc']


def day_ranking(model, day_file, so_far, work):
    """recall@10 and HR@10 of the day's users, what they met before left
    out"""
    users = os.path.join(work, 'day-users.txt')
    with open(day_file) as f, open(users, 'w') as out:
        out.writelines(u + '\n' for u in
                       dict.fromkeys(l.split('\t')[0] for l in f))
    lists = os.path.join(work, 'day-lists.tsv')
    with open(lists, 'w') as out:
        run([f'{bindir}/rec-predict', '-m', model, '--top', '10',
             '--exclude', so_far, users], stdout=out)
    ev = subprocess.run([f'{bindir}/rec-eval', '--json', '--truth', day_file,
                         '-k', '10', lists], check=True, capture_output=True)
    m = json.loads(ev.stdout)
    return m['recall@10'], m['hit_rate@10']


with open(udata) as f:
    rows = [line.rstrip('\n').split('\t') for line in f]
rows.sort(key=lambda r: (int(r[3]), int(r[0]), int(r[1])))
days = {}
for r in rows:
    days.setdefault(int(r[3]) // 86400, []).append('\t'.join(r) + '\n')
order = sorted(days)
warm_days, replay_days = order[:len(order) // 2], order[len(order) // 2:]

with tempfile.TemporaryDirectory() as work:
    def write(name, lines):
        path = os.path.join(work, name)
        with open(path, 'w') as f:
            f.writelines(lines)
        return path

    history = write('warm.tsv', [l for d in warm_days for l in days[d]])
    warm = os.path.join(work, 'warm.rec')
    run([f'{bindir}/rec-train', '-q', *train_opts, '-o', warm, history])
    day_files = [write(f'day{d}.tsv', days[d]) for d in replay_days]

    aucs = {'frozen': [], 'update': [], 'retrain': []}
    seconds = {}
    scored_days = 0
    for name in aucs:
        model = os.path.join(work, f'{name}.rec')
        run(['cp', warm, model])
        so_far = os.path.join(work, f'{name}-so-far.tsv')
        run(['cp', history, so_far])
        seconds[name] = 0.0
        for day_file in day_files:
            a = (day_ranking(model, day_file, so_far, work) if ranking
                 else day_auc(model, day_file))
            if a is not None:
                aucs[name].append(a)
            start = cpu()
            if name == 'update':
                run([f'{bindir}/rec-update', '-q', '-m', model, day_file])
            elif name == 'retrain':
                with open(so_far, 'a') as out, open(day_file) as inp:
                    out.write(inp.read())
                run([f'{bindir}/rec-train', '-q', *train_opts, '-o', model,
                     so_far])
            if name != 'retrain':
                with open(so_far, 'a') as out, open(day_file) as inp:
                    out.write(inp.read())
            seconds[name] += cpu() - start
    if ranking:
        same = subprocess.run([sys.executable, os.path.join(
            here, '..', 'tests', 'cli', 'same_model.py'), '--any-runs',
            os.path.join(work, 'update.rec'),
            os.path.join(work, 'retrain.rec')], capture_output=True,
            text=True)
        identical = same.returncode == 0

n = len(aucs['frozen'])
print(f'{len(order)} days; warm-up on the first {len(warm_days)} '
      f'({sum(len(days[d]) for d in warm_days)} events); '
      f'{len(replay_days)} days replayed, {n} scored (both classes)')
print(f'rec-train options: {" ".join(train_opts)}')
if ranking:
    print(f'{"strategy":10} {"recall@10":>9} {"HR@10":>8} {"CPU s":>8}'
          '  (means over the days; CPU of learning only)')
    for name in aucs:
        rec = sum(a[0] for a in aucs[name]) / n
        hr = sum(a[1] for a in aucs[name]) / n
        print(f'{name:10} {rec:9.4f} {hr:8.4f} {seconds[name]:8.2f}')
    ease = 'ease' in train_opts
    print('updated model == retrained model: '
          + ('yes, bit for bit' if identical else
             'NO' if ease else 'no (one pass against a full training)'))
    u, r = aucs['update'], aucs['retrain']
    print(f'update/retrain: recall@10 '
          f'{sum(a[0] for a in u) / sum(a[0] for a in r):.4f}, '
          f'CPU {seconds["update"] / seconds["retrain"]:.3f}')
    sys.exit(0 if identical or not ease else 1)
print(f'{"strategy":10} {"mean AUC":>9} {"CPU s":>8}  (CPU of learning only)')
for name in aucs:
    mean = sum(aucs[name]) / len(aucs[name])
    print(f'{name:10} {mean:9.4f} {seconds[name]:8.2f}')
u, r = aucs['update'], aucs['retrain']
print(f'update/retrain: AUC {sum(u) / sum(r):.4f}, '
      f'CPU {seconds["update"] / seconds["retrain"]:.3f}')
