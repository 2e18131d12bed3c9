#!/usr/bin/env python3
"""Which strategy keeps a model fresh best: update, fine-tune or retrain?

Each data set is replayed in time order, in batches (MovieLens-100k: days;
MovieLens latest-small: calendar months, UTC).  A model is trained with
rec-train's defaults (--positive 4) on the first half of the batches, the
warm-up; then each later batch is first scored by the current model of each
strategy (AUC of rating >= 4 over the batch's events; a batch of one class
is not scored) and then learned by it:

  frozen     the warm-up model, never updated
  update     rec-update with the batch
  fine-tune  rec-train --init CURRENT -o CURRENT over the last N batches
             (rec-train's defaults otherwise: passes, shuffle, hold-out,
             early stopping)
  retrain    rec-train from scratch on every batch so far
  periodic   rec-train from scratch on everything so far after every R-th
             batch (R = 7 days on MovieLens-100k: weekly; R = 3 months on
             latest-small: quarterly), rec-update with the batches between

N and --l2-init of fine-tune are chosen on the warm-up period alone: its
first half trains a model, and fine-tune is replayed over its second half
(the validation tail) for every N of a small grid and --l2-init in
{0, 1, 10}; the best mean next-batch AUC there wins (ties: the smaller N,
then the smaller pull).  update and frozen are replayed over the same tail
for reference.

For each strategy: the mean next-batch AUC over the batches scored (plain
and weighted by the batch's events; its paired difference from retrain,
with the standard error of that mean over the batches), the AUC of its
final model on the warm-up's last week (MovieLens-100k) or last quarter
(latest-small: its last month holds 64 events), which every model learned
early on (forgetting), and the CPU seconds spent
learning (user + system time of the rec-update and rec-train children;
scoring is left out).  Writes a Markdown table per data set to stdout and,
with --svg-dir, an SVG plot of the next-batch AUC of every strategy over
time: strategies-ml100k.svg, strategies-mllatest.svg.  The data are read
at run time and converted in a scratch directory; only aggregated figures
leave it.

With --json FILE, every figure, the AUC of each batch too, is written to
FILE (the batches' months or days and event counts, no events).

usage: strategies.py BINDIR DATADIR [--svg-dir DIR] [--json FILE]
                     [--only NAME]
"""
import argparse
import calendar
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TRAIN = ['--positive', '4']
L2_INIT_GRID = [0, 1, 10]
PULL_SWEEP = (0, 1, 10, 100, 1000)
STRATEGIES = ['frozen', 'update', 'fine-tune', 'retrain', 'periodic']

DATASETS = {
    'ml100k': {
        'title': 'MovieLens-100k',
        'path': 'ml-100k/u.data',
        'unit': 'day', 'units': 'days',
        'grid': [1, 3, 7, 14],
        'retrain_every': 7,       # weekly retrain, daily updates
        'forget_batches': 7,      # the warm-up's last week
        'periodic': 'weekly retrain + daily updates',
        'forget': "warm-up's last week",
    },
    'mllatest': {
        'title': 'MovieLens latest-small',
        'path': 'ml-latest-small/ratings.csv',
        'unit': 'month', 'units': 'months',
        'grid': [1, 3, 6, 12],
        'retrain_every': 3,       # quarterly retrain, monthly updates
        'forget_batches': 3,      # its last quarter (a month: 64 events)
        'periodic': 'quarterly retrain + monthly updates',
        'forget': "warm-up's last quarter",
    },
}


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def read_events(name, path):
    """rows (user, item, rating, time) as strings, in time order"""
    rows = []
    with open(path, newline='') as f:
        if path.endswith('.csv'):
            reader = csv.reader(f)
            header = next(reader)
            if header[:4] != ['userId', 'movieId', 'rating', 'timestamp']:
                sys.exit(f'strategies.py: {path}: unexpected header {header}')
            rows = [r[:4] for r in reader]
        else:
            rows = [line.rstrip('\n').split('\t')[:4] for line in f]
    rows.sort(key=lambda r: (int(r[3]), int(r[0]), int(r[1])))
    return rows


def batch_key(name, t):
    if name == 'ml100k':
        return t // 86400
    g = time.gmtime(t)
    return g.tm_year * 12 + g.tm_mon - 1


def key_time(name, key):
    """unix time of the start of a batch"""
    if name == 'ml100k':
        return key * 86400
    return calendar.timegm((key // 12, key % 12 + 1, 1, 0, 0, 0))


def key_label(name, key):
    fmt = '%Y-%m-%d' if name == 'ml100k' else '%Y-%m'
    return time.strftime(fmt, time.gmtime(key_time(name, key)))


class Bench:
    def __init__(self, bindir, work):
        self.bindir = bindir
        self.work = work

    def run(self, prog, *args):
        subprocess.run([os.path.join(self.bindir, prog), *args], check=True)

    def auc(self, model, path):
        pred = subprocess.run(
            [os.path.join(self.bindir, 'rec-predict'), '-m', model, path],
            check=True, capture_output=True)
        ev = subprocess.run(
            [os.path.join(self.bindir, 'rec-eval'), '--positive', '4',
             '--json'], input=pred.stdout, check=True, capture_output=True)
        return json.loads(ev.stdout)['auc']

    def train(self, out, files, extra=()):
        self.run('rec-train', '-q', *TRAIN, *extra, '-o', out, *files)

    def replay(self, strategy, start_model, batches, first, last, so_far,
               n=1, l2_init=0, retrain_every=7):
        """Replay batches[first:last] with one strategy from start_model.
        batches: list of dicts with 'file', 'events', 'scored' (both
        classes).  so_far: a file of every event before batch first.
        Returns per-batch AUC (None when not scored), CPU seconds spent
        learning and the final model's path."""
        model = os.path.join(self.work, f'{strategy}.rec')
        subprocess.run(['cp', start_model, model], check=True)
        history = os.path.join(self.work, f'{strategy}-so-far.tsv')
        subprocess.run(['cp', so_far, history], check=True)
        aucs, seconds = [], 0.0
        for i in range(first, last):
            b = batches[i]
            aucs.append(self.auc(model, b['file']) if b['scored'] else None)
            with open(history, 'a') as out, open(b['file']) as inp:
                out.write(inp.read())
            retrain = (strategy == 'retrain' or
                       strategy == 'periodic' and
                       (i - first + 1) % retrain_every == 0)
            start = cpu()
            if strategy == 'frozen':
                pass
            elif retrain:
                self.train(model, [history])
            elif strategy in ('update', 'periodic'):
                self.run('rec-update', '-q', '-m', model, b['file'])
            elif strategy == 'fine-tune':
                recent = [c['file'] for c in batches[max(0, i - n + 1):i + 1]]
                self.train(model, recent, ['--init', model,
                                           '--l2-init', str(l2_init)])
            else:
                raise ValueError(strategy)
            seconds += cpu() - start
        return aucs, seconds, model


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float('nan')


def paired_gap(aucs, ref):
    """mean of aucs - ref over the batches both scored, and its standard
    error"""
    d = [a - r for a, r in zip(aucs, ref) if a is not None and r is not None]
    m = sum(d) / len(d)
    var = sum((x - m) ** 2 for x in d) / (len(d) - 1)
    return m, (var / len(d)) ** 0.5


def weighted_mean(aucs, batches):
    pairs = [(a, b['events']) for a, b in zip(aucs, batches) if a is not None]
    return sum(a * w for a, w in pairs) / sum(w for _, w in pairs)


def run_dataset(name, bindir, datadir, svg_dir, record):
    cfg = DATASETS[name]
    path = os.path.join(datadir, cfg['path'])
    if not os.path.exists(path):
        print(f'### {cfg["title"]}\n\nskipped: {path} not found\n')
        return
    rows = read_events(name, path)
    groups = {}
    for r in rows:
        groups.setdefault(batch_key(name, int(r[3])), []).append(r)
    keys = sorted(groups)
    with tempfile.TemporaryDirectory() as work:
        bench = Bench(bindir, work)
        batches = []
        for k in keys:
            f = os.path.join(work, f'batch{k}.tsv')
            with open(f, 'w') as out:
                out.writelines('\t'.join(r) + '\n' for r in groups[k])
            pos = sum(float(r[2]) >= 4 for r in groups[k])
            batches.append({'key': k, 'file': f, 'events': len(groups[k]),
                            'scored': 0 < pos < len(groups[k])})

        def concat(fname, lo, hi):
            p = os.path.join(work, fname)
            with open(p, 'w') as out:
                for b in batches[lo:hi]:
                    with open(b['file']) as inp:
                        out.write(inp.read())
            return p

        nb = len(batches)
        warm_end = nb // 2            # replay batches: [warm_end, nb)
        pre_end = warm_end // 2       # validation tail: [pre_end, warm_end)

        # choosing N and --l2-init on the warm-up period alone
        pre_hist = concat('pre.tsv', 0, pre_end)
        pre_model = os.path.join(work, 'pre.rec')
        bench.train(pre_model, [pre_hist])
        grid = {}
        for n in cfg['grid']:
            for x in L2_INIT_GRID:
                aucs, sec, _ = bench.replay('fine-tune', pre_model, batches,
                                            pre_end, warm_end, pre_hist,
                                            n=n, l2_init=x)
                grid[n, x] = (mean(aucs), sec)
        ref = {}
        for s in ('frozen', 'update'):
            aucs, sec, _ = bench.replay(s, pre_model, batches, pre_end,
                                        warm_end, pre_hist)
            ref[s] = (mean(aucs), sec)
        best_auc = max(a for a, _ in grid.values())
        n_best, x_best = min(k for k, v in grid.items() if v[0] == best_auc)

        # the replay proper
        warm_hist = concat('warm.tsv', 0, warm_end)
        warm_model = os.path.join(work, 'warm.rec')
        bench.train(warm_model, [warm_hist])
        forget_file = concat('forget.tsv', warm_end - cfg['forget_batches'],
                             warm_end)
        results = {}
        for s in STRATEGIES:
            aucs, sec, final = bench.replay(
                s, warm_model, batches, warm_end, nb, warm_hist,
                n=n_best, l2_init=x_best,
                retrain_every=cfg['retrain_every'])
            results[s] = {'aucs': aucs, 'cpu': sec,
                          'forget': bench.auc(final, forget_file)}
        # what the pull towards the starting model does, measured over
        # the replay (a measurement, not a choice: x_best stays)
        pulls = {}
        for x in PULL_SWEEP:
            aucs, sec, final = bench.replay(
                'fine-tune', warm_model, batches, warm_end, nb, warm_hist,
                n=n_best, l2_init=x, retrain_every=cfg['retrain_every'])
            pulls[x] = (mean(aucs), bench.auc(final, forget_file))

    # report
    replayed = batches[warm_end:]
    scored = sum(b['scored'] for b in replayed)
    u = cfg['units']
    fb = cfg['forget_batches']
    forget_events = sum(b['events'] for b in batches[warm_end - fb:warm_end])
    warm_events = sum(b['events'] for b in batches[:warm_end])
    print(f'### {cfg["title"]}\n')
    print(f'{nb} {u} with events, {key_label(name, keys[0])} to '
          f'{key_label(name, keys[-1])}, {len(rows)} events.  Warm-up: the '
          f'first {warm_end} {u} ({warm_events} events, to '
          f'{key_label(name, keys[warm_end - 1])}); '
          f'{nb - warm_end} {u} replayed, {scored} scored (both classes).  '
          f'Periodic: {cfg["periodic"]}.  Forgetting: AUC on the '
          f'{cfg["forget"]} ({fb} {u if fb > 1 else cfg["unit"]}, '
          f'{forget_events} events).\n')
    print(f'Choosing fine-tune\'s N on the warm-up alone: a model trained on '
          f'its first {pre_end} {u}, fine-tune replayed over the next '
          f'{warm_end - pre_end} {u}; mean next-{cfg["unit"]} AUC '
          f'(CPU seconds):\n')
    print('| N | ' + ' | '.join(f'--l2-init {x}' for x in L2_INIT_GRID) + ' |')
    print('|---|' + '---|' * len(L2_INIT_GRID))
    for n in cfg['grid']:
        cells = []
        for x in L2_INIT_GRID:
            a, sec = grid[n, x]
            c = f'{a:.4f} ({sec:.1f})'
            cells.append(f'**{c}**' if (n, x) == (n_best, x_best) else c)
        print(f'| {n} {u if n > 1 else cfg["unit"]} | ' + ' | '.join(cells)
              + ' |')
    print(f'\nOn the same tail: update {ref["update"][0]:.4f} '
          f'({ref["update"][1]:.1f} s), frozen {ref["frozen"][0]:.4f}.  '
          f'Chosen: N = {n_best}, --l2-init {x_best}.\n')
    print(f'| strategy | mean next-{cfg["unit"]} AUC | weighted by events '
          f'| minus retrain (± s.e.) '
          f'| AUC on the {cfg["forget"]} | CPU seconds learning |')
    print('|---|---|---|---|---|---|')
    labels = strategy_labels(cfg, n_best, x_best)
    for s in STRATEGIES:
        r = results[s]
        gap = '(reference)'
        if s != 'retrain':
            gap = '{:+.4f} ± {:.4f}'.format(
                *paired_gap(r['aucs'], results['retrain']['aucs']))
        print(f'| {labels[s]} | {mean(r["aucs"]):.4f} | '
              f'{weighted_mean(r["aucs"], replayed):.4f} | {gap} | '
              f'{r["forget"]:.4f} | {r["cpu"]:.2f} |')
    print(f'\nWhat --l2-init does to fine-tuning (last {n_best} '
          f'{u if n_best > 1 else cfg["unit"]}) over the replay: '
          + ', '.join(f'--l2-init {x}: next-{cfg["unit"]} AUC {a:.4f}, '
                      f'{cfg["forget"]} {f:.4f}'
                      for x, (a, f) in pulls.items()) + '.')
    print('\nPaired against update (mean difference ± s.e.): ' + ', '.join(
        '{} {:+.4f} ± {:.4f}'.format(s, *paired_gap(
            results[s]['aucs'], results['update']['aucs']))
        for s in STRATEGIES if s != 'update') + '.')
    print()
    record[name] = {
        'batches': [key_label(name, b['key']) for b in replayed],
        'events': [b['events'] for b in replayed],
        'pull_sweep': {str(x): list(v) for x, v in pulls.items()},
        'fine_tune': {'n': n_best, 'l2_init': x_best,
                      'grid': [[n, x, a, sec]
                               for (n, x), (a, sec) in grid.items()]},
        'strategies': {s: results[s] for s in STRATEGIES}}
    if svg_dir:
        os.makedirs(svg_dir, exist_ok=True)
        out = os.path.join(svg_dir, f'strategies-{name}.svg')
        xs = [key_time(name, b['key']) for b in replayed]
        series = [(labels[s], results[s]['aucs'], mean(results[s]['aucs']))
                  for s in STRATEGIES]
        with open(out, 'w') as f:
            f.write(svg_plot(
                f'{cfg["title"]}: next-{cfg["unit"]} AUC (rating >= 4), '
                f'each {cfg["unit"]} scored before it is learned',
                xs, series, name == 'ml100k', labels['retrain']))
        print(f'(plot: {out})\n')


def strategy_labels(cfg, n, x):
    u = cfg['units'] if n > 1 else cfg['unit']
    return {
        'frozen': 'frozen (warm-up model)',
        'update': f'update (rec-update each {cfg["unit"]})',
        'fine-tune': f'fine-tune (--init, last {n} {u}, --l2-init {x})',
        'retrain': f'retrain (from scratch each {cfg["unit"]})',
        'periodic': cfg['periodic'],
    }


COLOURS = ['#888888', '#0072b2', '#d55e00', '#009e73', '#cc79a7']
DASHES = ['6,4', '', '', '', '2,3']
SMOOTH = 15   # batches in the moving mean of the lower panel


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def nice_ticks(lo, hi, count):
    """round tick values covering [lo, hi], about count of them"""
    raw = (hi - lo) / count
    step = min(m * 10 ** e for e in range(-4, 2) for m in (1, 2, 5)
               if m * 10 ** e >= raw)
    first = -(-lo // step) * step
    ticks, k = [], 0
    while first + k * step <= hi + step * 1e-6:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks, step


def panel(o, box, xs, x1, lines, lo, hi, ylabel, daily, zero=False):
    """one plot in box (left, top, width, height): lines are
    (values with None for gaps, colour, dash)"""
    left, top, pw, ph = box
    x0 = xs[0]

    def X(t):
        return left + (t - x0) / (x1 - x0) * pw

    def Y(a):
        return top + (hi - a) / (hi - lo) * ph

    ticks, step = nice_ticks(lo, hi, 6)
    digits = max(0, -int(f'{step:e}'.split('e')[1]))
    for a in ticks:
        y = Y(a)
        stroke = '#b0b0b0' if zero and abs(a) < step / 2 else '#e4e4e4'
        o.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" '
                 f'y2="{y:.1f}" stroke="{stroke}"/>')
        o.append(f'<text x="{left - 6}" y="{y + 4:.1f}" '
                 f'text-anchor="end">{a:+.{digits}f}</text>' if zero else
                 f'<text x="{left - 6}" y="{y + 4:.1f}" '
                 f'text-anchor="end">{a:.{digits}f}</text>')
    # x ticks: the first of each month (daily) or January of some years
    g = time.gmtime(x0)
    yr, mo = g.tm_year, g.tm_mon
    every = 1 if daily else max(1, round((x1 - x0) / (365.25 * 86400) / 10))
    while True:
        if daily:
            yr, mo = (yr + 1, 1) if mo == 12 else (yr, mo + 1)
            label = time.strftime('%b %Y', (yr, mo, 1, 0, 0, 0, 0, 1, 0))
        else:
            yr, mo = yr + 1, 1
            if yr % every:
                continue
            label = str(yr)
        t = calendar.timegm((yr, mo, 1, 0, 0, 0))
        if t > x1:
            break
        x = X(t)
        o.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                 f'y2="{top + ph}" stroke="#f0f0f0"/>')
        o.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" '
                 f'y2="{top + ph + 5}" stroke="black"/>')
        o.append(f'<text x="{x:.1f}" y="{top + ph + 19}" '
                 f'text-anchor="middle">{label}</text>')
    o.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" '
             f'fill="none" stroke="black"/>')
    cy = top + ph / 2
    o.append(f'<text x="{left - 52}" y="{cy:.0f}" text-anchor="middle" '
             f'transform="rotate(-90 {left - 52} {cy:.0f})">'
             f'{esc(ylabel)}</text>')
    for values, colour, dash in lines:
        runs, cur = [], []
        for t, a in zip(xs, values):
            if a is None:
                if cur:
                    runs.append(cur)
                cur = []
            else:
                cur.append((X(t), Y(min(hi, max(lo, a)))))
        if cur:
            runs.append(cur)
        extra = f' stroke-dasharray="{dash}"' if dash else ''
        for r in runs:
            pts = ' '.join(f'{x:.1f},{y:.1f}' for x, y in r)
            o.append(f'<polyline points="{pts}" fill="none" '
                     f'stroke="{colour}" stroke-width="1.4"{extra}/>')


def moving_gap(aucs, ref, width):
    """mean over the width batches around each batch of aucs - ref, over
    the batches both scored"""
    half = width // 2
    out = []
    for i in range(len(aucs)):
        d = [a - r for a, r in zip(aucs[max(0, i - half):i + half + 1],
                                   ref[max(0, i - half):i + half + 1])
             if a is not None and r is not None]
        out.append(sum(d) / len(d) if d else None)
    return out


def svg_plot(title, xs, series, daily, ref):
    """A self-contained SVG 1.1 figure: above, every strategy's AUC on each
    batch (a gap where a batch was not scored); below, its moving mean
    difference from the strategy ref"""
    unit = 'day' if daily else 'month'
    W, H = 900, 760
    left, pw = 80, 800
    top1, ph1 = 50, 300
    top2, ph2 = top1 + ph1 + 60, 180
    x1 = xs[-1] + (86400 if daily else 31 * 86400)
    o = ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
         f'width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<title>{esc(title)}</title>',
         f'<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2:.0f}" y="24" text-anchor="middle" '
         f'font-size="15">{esc(title)}</text>']
    values = [a for _, aucs, _ in series for a in aucs if a is not None]
    lo = max(0.0, int(min(values) * 20) / 20)
    hi = min(1.0, int(max(values) * 20 + 0.999) / 20)
    panel(o, (left, top1, pw, ph1), xs, x1,
          [(aucs, c, d) for (_, aucs, _), c, d in
           zip(series, COLOURS, DASHES)],
          lo, hi, f'AUC of the next {unit}', daily)
    ref_aucs = dict((s[0], s[1]) for s in series)[ref]
    gaps = [moving_gap(aucs, ref_aucs, SMOOTH) for _, aucs, _ in series]
    gv = [g for gap in gaps for g in gap if g is not None]
    glo, ghi = min(gv + [0.0]), max(gv + [0.0])
    pad = (ghi - glo) * 0.05 or 0.01
    panel(o, (left, top2, pw, ph2), xs, x1,
          [(g, c, d) for g, c, d in zip(gaps, COLOURS, DASHES)],
          glo - pad, ghi + pad,
          f'minus {ref.split(" (")[0]}', daily, zero=True)
    o.append(f'<text x="{left + pw / 2:.0f}" y="{top2 - 10}" '
             f'text-anchor="middle">difference from {esc(ref)}, mean of '
             f'the {SMOOTH} {unit}s around each {unit}</text>')
    ly = top2 + ph2 + 42
    for i, ((label, _, m), colour, dash) in enumerate(
            zip(series, COLOURS, DASHES)):
        y = ly + i * 22
        extra = f' stroke-dasharray="{dash}"' if dash else ''
        o.append(f'<line x1="{left}" y1="{y}" x2="{left + 30}" y2="{y}" '
                 f'stroke="{colour}" stroke-width="2.5"{extra}/>')
        o.append(f'<text x="{left + 38}" y="{y + 4}">{esc(label)}: mean '
                 f'next-{unit} AUC {m:.4f}</text>')
    o.append('</svg>')
    return '\n'.join(o) + '\n'


def main():
    p = argparse.ArgumentParser(
        description='update, fine-tune or retrain: a replay of MovieLens')
    p.add_argument('bindir')
    p.add_argument('datadir')
    p.add_argument('--svg-dir', help='write strategies-NAME.svg there')
    p.add_argument('--json', metavar='FILE',
                   help='write every figure, per batch too, to FILE')
    p.add_argument('--only', choices=sorted(DATASETS), action='append',
                   help='this data set only (may be repeated)')
    a = p.parse_args()
    print(f'rec-train options: {" ".join(TRAIN)} (otherwise the defaults)\n')
    record = {}
    for name in DATASETS:
        if a.only and name not in a.only:
            continue
        run_dataset(name, a.bindir, a.datadir, a.svg_dir, record)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(record, f, indent=1)


if __name__ == '__main__':
    main()
