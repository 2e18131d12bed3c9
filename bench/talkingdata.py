#!/usr/bin/env python3
"""TalkingData ad clicks as a time-split recpipe benchmark, and its baseline.

usage: bench/talkingdata.py [--sklearn] DATADIR OUTDIR

Reads DATADIR/talkingdata-adtracking-sample/train_sample.csv (100,000
clicks, 227 downloads; never copied into the repository) and writes into
OUTDIR (a scratch directory):

  td_train.tsv, td_test.tsv
      ip app device os channel hour is_attributed
      tab-separated with that header line; hour is the hour (0-23) of
      click_time.  attributed_time is dropped: it is set only for
      downloads, so it would leak the label.

The file is a random sample, not in time order, so the rows are sorted by
click_time (a stable sort: rows of the same second keep the file's order)
and the last 20% by time are the test set.

With --sklearn it then fits the baseline of bench/features.sh on those two
files: scikit-learn's LogisticRegression on a one-hot encoding of the six
feature columns (OneHotEncoder(handle_unknown='ignore'): a value unseen in
training contributes nothing, as in recpipe).  C is chosen from C_GRID by
the logloss on a validation slice, the last 20% of the training rows by
time, fitting on the first 80%; the model is then refitted with that C on
all training rows and measured on the test rows.  It prints one figure a
line, with 4 decimals:

  C 0.1000
  auc 0.9...
  logloss 0.0...

--sklearn needs Debian's python3-sklearn (with numpy); the rest needs only
the standard library.
"""
import csv
import os
import sys

COLUMNS = ['ip', 'app', 'device', 'os', 'channel', 'hour']
LABEL = 'is_attributed'
TEST_SHARE = 0.2
C_GRID = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


def read_clicks(path):
    """Rows [ip, app, device, os, channel, hour, label] sorted by click_time."""
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        rows = []
        for r in reader:
            t = r['click_time']     # YYYY-MM-DD HH:MM:SS
            if len(t) != 19 or not t[11:13].isdigit():
                raise ValueError(f'{path}:{reader.line_num}: click_time {t!r}')
            if r[LABEL] not in ('0', '1'):
                raise ValueError(f'{path}:{reader.line_num}: label {r[LABEL]!r}')
            rows.append((t, [r['ip'], r['app'], r['device'], r['os'],
                             r['channel'], str(int(t[11:13])), r[LABEL]]))
    rows.sort(key=lambda tr: tr[0])     # stable: ties keep the file's order
    return [r for _, r in rows]


def split(rows, share=TEST_SHARE):
    """The first (1 - share) of the rows, and the rest."""
    cut = len(rows) - int(round(len(rows) * share))
    return rows[:cut], rows[cut:]


def write(path, rows):
    with open(path, 'w', newline='\n') as f:
        f.write('\t'.join(COLUMNS + [LABEL]) + '\n')
        for r in rows:
            f.write('\t'.join(r) + '\n')


def sklearn_baseline(train, test):
    """The chosen C, test AUC and test logloss of one-hot logistic regression."""
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import log_loss, roc_auc_score
        from sklearn.preprocessing import OneHotEncoder
    except ImportError as e:
        sys.exit(f'talkingdata.py: --sklearn needs scikit-learn and numpy '
                 f'(Debian: python3-sklearn): {e}')

    def xy(rows):
        return (np.array([r[:-1] for r in rows], dtype=object),
                np.array([int(r[-1]) for r in rows]))

    def fit(rows, c):
        x, y = xy(rows)
        enc = OneHotEncoder(handle_unknown='ignore')
        model = LogisticRegression(C=c, max_iter=1000)
        model.fit(enc.fit_transform(x), y)
        return enc, model

    def predict(enc, model, rows):
        x, y = xy(rows)
        return y, model.predict_proba(enc.transform(x))[:, 1]

    fit_rows, valid_rows = split(train)
    losses = []
    for c in C_GRID:
        y, p = predict(*fit(fit_rows, c), valid_rows)
        losses.append((log_loss(y, p, labels=[0, 1]), c))
    best_c = min(losses)[1]     # ties: the smaller C, the stronger penalty
    y, p = predict(*fit(train, best_c), test)
    return best_c, roc_auc_score(y, p), log_loss(y, p, labels=[0, 1])


def main(argv):
    args = argv[1:]
    baseline = '--sklearn' in args
    args = [a for a in args if a != '--sklearn']
    if len(args) != 2:
        sys.exit('usage: talkingdata.py [--sklearn] DATADIR OUTDIR')
    src = os.path.join(args[0], 'talkingdata-adtracking-sample',
                       'train_sample.csv')
    train, test = split(read_clicks(src))
    write(os.path.join(args[1], 'td_train.tsv'), train)
    write(os.path.join(args[1], 'td_test.tsv'), test)
    if baseline:
        c, auc, logloss = sklearn_baseline(train, test)
        print(f'C {c:.4f}')
        print(f'auc {auc:.4f}')
        print(f'logloss {logloss:.4f}')


if __name__ == '__main__':
    main(sys.argv)
