#!/usr/bin/env python3
"""Write the hand-made seed inputs of the fuzz corpus.

    python3 tests/fuzz/make_seeds.py build/bin [TARGET...]

BIN is the directory of the built programs: the model seeds are files
written by rec-train and rec-update, so they must be made again whenever
the model file format changes.  TARGETs (fuzz_reader, fuzz_eval,
fuzz_model, fuzz_merge) limit the seeds written to theirs; none: all.  Inputs a fuzzing campaign found (found_*)
are kept as files and not touched here.  Every seed stays under 16 KiB.
"""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')
TESTDATA = os.path.join(HERE, '..', '..', 'testdata', 'model-v1.rec')
TESTDATA_V2 = os.path.join(HERE, '..', '..', 'testdata', 'model-v2.rec')
MAX_SEED = 16384


def opts(fmt=0, header=0, haspos=0, regr=0, posidx=0, layout=0, time=0,
         weight=0, score=0, nolabel=0, twice=0, need=7, factors=2,
         holdout=0, shuffle=1, bits=9, gz=0, implicit=0):
    """The 4 option bytes of a fuzz_reader input (see fuzz_reader.c)."""
    b0 = fmt | header << 2 | haspos << 3 | regr << 4 | posidx << 5
    b1 = (layout | time << 2 | weight << 3 | score << 4 | nolabel << 6 |
          twice << 7)
    b2 = need | factors << 4 | holdout << 6 | shuffle << 7
    b3 = (bits - 1) | gz << 5 | implicit << 6
    return bytes([b0, b1, b2, b3])


def reader_seeds():
    s = {}
    s['tsv_basic'] = opts() + b"u1\ti1\t1\nu2\ti2\t0\nu1\ti2\t-1\nu3\ti1\t1\n"
    s['tsv_named_header'] = opts(
        header=1, haspos=1, regr=1, posidx=2, layout=2, time=1,
        weight=1) + (b"user\titem\trating\ttime\tweight\n"
                     b"u1\ti1\t4\t1500000000\t1\n"
                     b"u2\ti1\t2\t1500000100\t0.5\n"
                     b"u1\ti3\t5\t1500000200\t2\n")
    s['tsv_regression_time'] = opts(
        regr=1, time=1, weight=1, holdout=1, factors=3) + (
        b"u1\ti1\t3.5\t10\t1\nu2\ti2\t-2.25\t11\t0\n"
        b"u3\ti1\t1e3\t12\t1.5\nu1\ti2\t+4\t13\t.5\n")
    s['csv_quotes'] = opts(fmt=1) + (
        b'u1,"i,1",1\n"u""2",i2,0\n"multi\nline",i3,1\n"",i4,1\n'
        b'u5,,0\nu6,i6,"1"\n')
    s['csv_by_name_header'] = opts(fmt=2, header=1, layout=3, score=3,
                                   need=15) + (
        b"user,item,label,score\nu1,i1,1,0.9\nu2,i2,0,0.1\nu3,i3,1,x\n")
    s['csv_unterminated'] = opts(fmt=1) + b'u1,i1,1\nu2,"i2,0\nu3,i3,1\n'
    s['csv_bad_quote'] = opts(fmt=1) + (
        b'u1,i1,1\nu2,i"2,0\nu3,"i3"x,1\nu4,i4,0\n')
    s['tsv_bad_rows'] = opts(weight=1) + (
        b"u1\ti1\t1\t\t1\n"            # 5 columns: sets the count
        b"u2\ti2\t0\n"                 # too few
        b"u3\ti3\tx\t\t1\n"            # label not a number
        b"\ti4\t1\t\t1\n"              # empty user
        b"u5\t\t1\t\t1\n"              # empty item
        b"u6\ti6\t2\t\t1\n"            # not 0/1
        b"u7\ti7\t1\t\t-1\n"           # negative weight
        b"u8\ti8\tnan\t\t1\n"
        b"u9\ti9\tinf\t\t1\n"
        b"u10\ti10\t1e400\t\t1\n"
        b"u11\ti11\t0x1\t\t1\n"
        b"u12\ti12\t 1\t\t1\n"
        b"u13\ti13\t1\t\t1e6\n"
        b"u14\ti14\t-1\t\t0\n")
    s['tsv_nul'] = opts() + (
        b"u1\ti1\t1\nu\x002\ti2\t0\nu3\ti3\t1\x00\nu4\ti4\t0\n")
    s['csv_nul'] = opts(fmt=1) + (
        b"u1,i1,1\nu\x002,i2,0\n\"u3\x00\",i3,1\nu4,i4,0\n")
    s['tsv_crlf'] = opts(header=1) + (
        b"a\tb\tc\r\nu1\ti1\t1\r\n\r\nu2\ti2\t0\r\nu3\ti3\t1")
    s['csv_crlf'] = opts(fmt=1) + b'u1,i1,1\r\n"u\r\n2",i2,0\r\nu3,i3,1\r\n'
    s['gzip_tsv'] = opts() + gzip.compress(
        b"u1\ti1\t1\nu2\ti2\t0\nu3\ti1\t1\n", mtime=0)
    bad_crc = bytearray(gzip.compress(b"u1\ti1\t1\nu2\ti2\t0\n" * 20,
                                      mtime=0))
    bad_crc[-6] ^= 1
    s['gzip_bad_crc'] = opts() + bytes(bad_crc)
    s['gzip_by_harness'] = opts(fmt=1, gz=1, twice=1) + b"u1,i1,1\nu2,i2,0\n"
    long_tail = b"x" * 1500000
    s['gzip_tsv_line_over_max'] = opts(need=0) + gzip.compress(
        b"u1\ti1\t1\t" + long_tail + b"\nu2\ti2\t0\tx\n", mtime=0)
    s['gzip_csv_line_over_max'] = opts(fmt=1) + gzip.compress(
        b"u1,i1,1," + long_tail + b"\nu2,i2,0,x\n", mtime=0)
    s['two_files_header'] = opts(header=1, layout=2, twice=1) + (
        b"user\titem\trating\nu1\ti1\t1\nu2\ti2\t0\n")
    s['two_files_split'] = opts(fmt=1, header=1, layout=2, twice=1,
                                time=1) + (
        b"user,item,rating,time\nu1,i1,1,5\nu2,i2,0,6\n\f"
        b"time,rating,item,user\n7,1,i3,u3\n8,0,i1,u2\n")
    s['two_files_split_tsv'] = opts(twice=1) + (
        b"u1\ti1\t1\nu2\ti2\t0\n\fu3\ti3\t1\t9\nu4\ti4\t0\t9\n")
    s['header_missing_name'] = opts(layout=2) + b"u\ti\tr\nu1\ti1\t1\n"
    s['eval_score_last'] = opts(score=1, need=4 | 8) + (
        b"u1\ti1\t1\t0.7\nu2\ti2\t0\t0.2\n")
    s['need_none'] = opts(need=0, nolabel=1) + b"u1\ti1\nu2\ti2\t\n"
    s['blank_lines'] = opts() + b"\n\n\nu1\ti1\t1\n\n"
    s['empty_content'] = opts()
    s['empty_input'] = b""
    s['no_newline'] = opts(fmt=1) + b"u1,i1,1"
    s['positive_threshold'] = opts(haspos=1, posidx=7) + (
        b"u1\ti1\t2.5\nu2\ti2\t2.4999\nu3\ti3\t-7\n")
    s['implicit_tsv'] = opts(implicit=1, need=3, nolabel=1, factors=1) + (
        b"u1\ti1\nu2\ti2\nu1\ti3\nu3\ti1\nu2\ti1\n")
    s['implicit_csv_weight'] = opts(implicit=1, fmt=1, weight=1, holdout=1,
                                    shuffle=0) + (
        b"u1,i1,1,,2\nu2,i2,0,,0\nu3,i1,x,,1\nu1,i3,1,,0.5\n")
    s['stream_loss_rounding'] = opts(regr=1, weight=1, shuffle=0,
                                     factors=0) + (
        b"u3\ti1\t1e3\t\t2.15\nu2\ti2\t-2.25\t\t0\n")
    return s


def eval_opt(fmt=0, header=0, regr=0, haspos=0, weight=0, score=0, ks=0):
    """The option byte of a fuzz_eval input (see fuzz_eval.c)."""
    return bytes([fmt | header << 2 | regr << 3 | haspos << 4 |
                  weight << 5 | score << 6 | ks << 7])


def eval_seeds():
    s = {}
    s['tsv_scored'] = eval_opt() + (
        b"u1\ti1\t1\t0.9\nu1\ti2\t0\t0.2\nu2\ti1\t1\t0.4\n"
        b"u2\ti3\t0\t0.4\nu3\ti2\t-1\t0.7\n")
    s['tsv_ties_signed_zero'] = eval_opt(ks=1) + (
        b"g1\ti1\t1\t0\ng1\ti2\t0\t-0\ng1\ti3\t1\t-0.0\n"
        b"g2\ti1\t0\t1e300\ng2\ti2\t1\t-1e300\ng2\ti4\t0\t5\n")
    s['csv_named_weight_score'] = eval_opt(fmt=2, header=1, weight=1,
                                           score=1, ks=1) + (
        b"user,item,label,weight,score,extra\n"
        b"u1,i1,1,2,0.8,x\nu1,i2,0,0.5,0.3,x\n\"u,2\",i1,0,1,0.9,x\n"
        b"\"u,2\",i3,1,1e6,0.1,x\nu3,i1,1,0,0.5,x\n")
    s['regression_positive'] = eval_opt(regr=1, haspos=1) + (
        b"u1\ti1\t4.5\t3.9\nu1\ti2\t0.25\t1.2\nu2\ti1\t-3\t-2\n")
    s['regression_raw'] = eval_opt(regr=1, weight=1) + (
        b"u1\ti1\t4.5\t1\t3.9\nu1\ti2\t1\t0\t1.2\n"
        b"u2\ti1\t1e9\t1e-300\t-1e308\nu2\ti2\tx\t1\t1\n")
    s['truth_and_recs'] = eval_opt(header=1, ks=1) + (
        b"user\titem\nu1\ti1\nu1\ti3\nu2\ti2\nu3\ti9\n\f"
        b"u1\ti3\t0.9\nu1\ti2\t0.5\nu1\ti1\t0.1\nu2\ti1\t0.8\n"
        b"u4\ti1\t0.3\n")
    s['bad_rows'] = eval_opt(weight=1, score=1) + (
        b"u1\ti1\t1\t1\t0.5\nu2\ti2\t0\t-1\t0.5\nu3\ti3\t2\t1\t0.5\n"
        b"u4\ti4\t0\t1\tnan\n\ti5\t1\t1\t0.1\nu6\ti6\t0\t1\n")
    s['header_missing_column'] = eval_opt(fmt=1, header=1) + (
        b"user,item,rating\nu1,i1,1,0.5\n")
    s['empty'] = b''
    return s


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                          check=True).stdout


def make_models(bindir, work):
    """Small model files from the programs, by name."""
    b = lambda p: os.path.join(bindir, p)
    gen = lambda *a: run([b('rec-gen'), '--users', '5', '--items', '5'] +
                         list(a))
    # one pass and no holdout unless the model says otherwise: rec-train
    # refuses an option given twice with two values
    once = lambda a: ((['-p', '1'] if '-p' not in a else []) +
                      (['--holdout', '0'] if '--holdout' not in a else []))
    train = lambda data, out, *a: run([b('rec-train'), '-q'] + once(a) +
                                      ['-o', os.path.join(work, out)] +
                                      list(a), data)
    train(gen('--events', '50'), 'k2.rec', '-k', '2', '--positive', '4')
    train(gen('--events', '50', '--seed', '2'), 'k0.rec', '-k', '0',
          '--positive', '4')
    train(gen('--events', '60', '--seed', '3'), 'reg.rec', '-k', '3',
          '-p', '2', '--holdout', '0.3', '--task', 'regression', '-b', '6',
          '--time', '4')
    train(gen('--events', '40', '--seed', '4', '--header'), 'named.rec',
          '-k', '1', '--user', 'user', '--item', 'item', '--label',
          'rating', '--positive', '3', '--optimizer', 'sgd', '--no-shuffle')
    train(gen('--events', '50', '--seed', '5'), 'bits1.rec', '-k', '2',
          '--positive', '4', '-b', '1')
    pairs = lambda events: b''.join(b'\t'.join(l.split(b'\t')[:2]) + b'\n'
                                    for l in events.splitlines())
    train(pairs(gen('--events', '50', '--seed', '6')), 'implicit.rec',
          '-k', '2', '--task', 'implicit')
    run([b('rec-update'), '-q', '-m', os.path.join(work, 'k2.rec'), '-o',
         os.path.join(work, 'updated.rec'), '--half-life', '20'],
        gen('--events', '30', '--seed', '7'))
    # format 3, EASE: the histories and P; items past --max-items scored
    # by popularity; an update that brings new users, new items and pairs
    # met before.  EASE has no passes: -p does not apply.
    ease = lambda data, out, *a: run([b('rec-train'), '-q', '--task',
                                      'implicit', '--model', 'ease', '-o',
                                      os.path.join(work, out)] + list(a),
                                     data)
    ease_pairs = pairs(gen('--events', '40', '--seed', '8'))
    ease(ease_pairs, 'ease.rec', '--l2', '10')
    ease(ease_pairs, 'ease_max.rec', '--l2', '2', '--max-items', '3')
    ease(ease_pairs, 'ease_max4.rec', '--l2', '2', '--max-items', '4')
    run([b('rec-update'), '-q', '-m', os.path.join(work, 'ease.rec'), '-o',
         os.path.join(work, 'ease_updated.rec')],
        pairs(run([b('rec-gen'), '--users', '7', '--items', '7',
                   '--events', '20', '--seed', '9'])))
    # format 5: weights and factors at precision 16 and 8 (QWGT), the
    # FTRL one with a forgetting stamp chunk too
    train(gen('--events', '50'), 'q16.rec', '-k', '2', '--positive', '4',
          '--save-precision', '16')
    train(gen('--events', '50'), 'q8.rec', '-k', '2', '--positive', '4',
          '--save-precision', '8')
    train(gen('--events', '50', '--seed', '10'), 'q8_ftrl.rec', '-k', '3',
          '--positive', '4', '--optimizer', 'ftrl', '--l1', '0.5',
          '--save-precision', '8')
    models = {}
    for name in ('k2', 'k0', 'reg', 'named', 'bits1', 'implicit',
                 'updated', 'ease', 'ease_max', 'ease_max4',
                 'ease_updated', 'q16', 'q8', 'q8_ftrl'):
        with open(os.path.join(work, name + '.rec'), 'rb') as f:
            models[name] = f.read()
    if os.path.exists(TESTDATA):
        with open(TESTDATA, 'rb') as f:
            models['testdata_v1'] = f.read()
    if os.path.exists(TESTDATA_V2):
        with open(TESTDATA_V2, 'rb') as f:
            models['testdata_v2'] = f.read()
    return models


def chunks(img):
    """The (id, flags, raw content) of each chunk of a model file."""
    pos, res = 20, []
    while pos + 32 <= len(img):
        cid, flags, _, stored = struct.unpack_from('<IIQQ', img, pos)
        pos += 32
        data = img[pos:pos + stored]
        pos += stored
        res.append((cid, flags, zlib.decompress(data) if stored else b''))
    return res


def listing(chs):
    """A fuzz_model chunk list (see fuzz_model.c)."""
    return b''.join(struct.pack('<III', c, f, len(d)) + d for c, f, d in chs)


def frame(chs):
    """A model file around chunks, checksums right."""
    head = b'\x89REC\r\n\x1a\n' + struct.pack('<II', 1, 1)
    out = head + struct.pack('<I', zlib.crc32(head))
    for c, f, d in chs:
        s = zlib.compress(d, 1)
        h = struct.pack('<IIQQI', c, f, len(d), len(s), zlib.crc32(s))
        out += h + struct.pack('<I', zlib.crc32(h)) + s
    return out


def model_seeds(models):
    s = {}
    for name, img in models.items():
        s['model_' + name] = img
        s['chunks_' + name] = listing(chunks(img))
    k2 = models['k2']
    for n in (7, 19, 20, 51, 52, 300, len(k2) - 33, len(k2) - 1):
        s['trunc_k2_%d' % n] = k2[:n]
    for at in (3, 9, 17, 25, 45, 60, 200, len(k2) - 5):
        b = bytearray(k2)
        b[at] ^= 0x40
        s['flip_k2_%d' % at] = bytes(b)
    s['trailing_k2'] = k2 + b'\0'
    chs = chunks(k2)
    xtra = struct.unpack('<I', b'XTRA')[0]
    # an unknown optional chunk is skipped; an unknown required one refused
    s['optional_chunk'] = frame(chs[:2] + [(xtra, 0, b'hello')] + chs[2:])
    s['required_chunk'] = frame(chs[:2] + [(xtra, 1, b'hello')] + chs[2:])
    s['chunks_reordered'] = listing(chs[::-1][1:] + chs[-1:])
    s['chunks_duplicate'] = listing(chs[:1] + chs[:-1] + chs[-1:])
    s['chunks_missing_end'] = listing(chs[:-1])
    # EASE weights without the users they were fitted from (once a NULL
    # dereference); and max_items retuned from 3 to 4 after the fit, as
    # rec_model_retune and a save before the next update leave it
    ease = chunks(models['ease_max'])
    eusr, para = (struct.unpack('<I', x)[0] for x in (b'EUSR', b'PARA'))
    s['chunks_ease_no_users'] = listing([c for c in ease if c[0] != eusr])
    para4 = [c for c in chunks(models['ease_max4']) if c[0] == para]
    s['chunks_ease_retuned'] = listing(para4 + [c for c in ease
                                                if c[0] != para])
    # QWGT damaged in ways the loader must see: an infinite half, a NaN
    # range, a -128, and beside a WGHT
    qwgt, wght = (struct.unpack('<I', x)[0] for x in (b'QWGT', b'WGHT'))
    for name, at, patch in (('q16', 12 + 2, b'\x00\x7c'),
                            ('q8', 12, struct.pack('<f', float('nan'))),
                            ('q8', 12 + 4 + 1, b'\x80')):
        chs = [(c, f, bytearray(d)) for c, f, d in chunks(models[name])]
        for c, f, d in chs:
            if c == qwgt:
                d[at:at + len(patch)] = patch
        s['chunks_bad_%s_%d' % (name, at)] = listing(
            [(c, f, bytes(d)) for c, f, d in chs])
    s['chunks_q16_and_wght'] = listing(
        [c for c in chunks(k2) if c[0] == wght] + chunks(models['q16']))
    v2 = bytearray(k2)
    v2[8] = 2
    v2[16:20] = struct.pack('<I', zlib.crc32(bytes(v2[:16])))
    s['version2'] = bytes(v2)
    s['magic_only'] = k2[:8]
    s['empty'] = b''
    return s


def merge_input(opt, *parts):
    """A fuzz_merge input (see fuzz_merge.c): the option byte, then the
    parts, each but the last after its u32 length."""
    out = bytes([opt])
    for p in parts[:-1]:
        out += struct.pack('<I', len(p)) + p
    return out + parts[-1]


def merge_opt(base=0, n=2, copies=0):
    """The option byte of a fuzz_merge input."""
    return base | (n - 1) << 1 | copies << 3


def merge_seeds(bindir, work):
    """Pairs (and more) of small models for rec_model_merge: shards
    trained with the same parameters, which merge, and models that differ
    in a parameter, a quantised one, a base not updated from, which are
    refused."""
    b = lambda p: os.path.join(bindir, p)
    w = lambda p: os.path.join(work, p)
    gen = lambda seed, n=5: run([b('rec-gen'), '--users', str(n), '--items',
                                 str(n), '--events', '30', '--seed',
                                 str(seed)])
    pairs = lambda events: b''.join(b'\t'.join(l.split(b'\t')[:2]) + b'\n'
                                    for l in events.splitlines())
    fm = ['-p', '1', '--holdout', '0', '-b', '8']

    def train(out, data, *a):
        run([b('rec-train'), '-q', '-o', w(out)] + list(a), data)
        with open(w(out), 'rb') as f:
            return f.read()

    def update(model, out, data):
        run([b('rec-update'), '-q', '-m', w(model), '-o', w(out)], data)
        with open(w(out), 'rb') as f:
            return f.read()

    k2 = fm + ['-k', '2', '--positive', '4']
    a = train('a.rec', gen(21), *k2)
    bb = train('b.rec', gen(22), *k2)
    c = train('c.rec', gen(23, 7), *k2)
    upd1 = update('a.rec', 'u1.rec', gen(24))
    upd2 = update('a.rec', 'u2.rec', gen(25, 7))
    ftrl = fm + ['-k', '1', '--positive', '4', '--optimizer', 'ftrl',
                 '--l1', '0.1']
    f1 = train('f1.rec', gen(26), *ftrl)
    f2 = train('f2.rec', gen(27), *ftrl)
    reg = fm + ['-k', '2', '--task', 'regression']
    r1 = train('r1.rec', gen(28), *reg)
    r2 = train('r2.rec', gen(29), *reg)
    ease = ['--task', 'implicit', '--model', 'ease', '--l2', '5']
    e1 = train('e1.rec', pairs(gen(30)), *ease)
    e2 = train('e2.rec', pairs(gen(31, 6)), *ease)
    implicit = train('i.rec', pairs(gen(32)), *(fm + ['-k', '2', '--task',
                                                      'implicit']))
    # attribute tables: the same table in both, or one that gives an id
    # another row
    with open(w('users.tsv'), 'w') as f:
        f.write('id\tregion\nu1\tr1\nu2\tr2\nu3\tr1\n')
    with open(w('users2.tsv'), 'w') as f:
        f.write('id\tregion\nu1\tr2\nu4\tr1\n')
    t1 = train('t1.rec', gen(33), *(k2 + ['--user-attributes',
                                          w('users.tsv')]))
    t2 = train('t2.rec', gen(34), *(k2 + ['--user-attributes',
                                          w('users.tsv')]))
    t3 = train('t3.rec', gen(35), *(k2 + ['--user-attributes',
                                          w('users2.tsv')]))
    k3 = train('k3.rec', gen(22), *(fm + ['-k', '3', '--positive', '4']))
    bits = train('bits.rec', gen(22), *(fm[:-1] + ['7', '-k', '2',
                                                   '--positive', '4']))
    q8 = train('q8.rec', gen(22), *(k2 + ['--save-precision', '8']))
    s = {}
    s['match_k2'] = merge_input(merge_opt(), a, bb)
    s['match_three'] = merge_input(merge_opt(n=3), a, bb, c)
    s['match_one'] = merge_input(merge_opt(n=1), c)
    s['match_base'] = merge_input(merge_opt(base=1), a, upd1, upd2)
    s['match_ftrl'] = merge_input(merge_opt(), f1, f2)
    s['match_regression'] = merge_input(merge_opt(), r1, r2)
    s['match_ease'] = merge_input(merge_opt(), e1, e2)
    s['match_tables'] = merge_input(merge_opt(), t1, t2)
    s['copies_k2'] = merge_input(merge_opt(n=3, copies=1), a)
    s['copies_base'] = merge_input(merge_opt(base=1, copies=1), a, upd1)
    s['copies_ftrl'] = merge_input(merge_opt(n=4, copies=1), f1)
    s['chunks_k2'] = merge_input(merge_opt(), listing(chunks(a)),
                                 listing(chunks(bb)))
    s['refused_base'] = merge_input(merge_opt(base=1), upd1, a, bb)
    s['refused_table_row'] = merge_input(merge_opt(), t1, t3)
    s['refused_factors'] = merge_input(merge_opt(), a, k3)
    s['refused_task'] = merge_input(merge_opt(), a, r1)
    s['refused_bits'] = merge_input(merge_opt(), a, bits)
    s['refused_quantised'] = merge_input(merge_opt(), a, q8)
    s['refused_family'] = merge_input(merge_opt(), implicit, e1)
    return s


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        if len(data) >= MAX_SEED:
            sys.exit('make_seeds: %s/%s: %d bytes, over the limit' %
                     (target, name, len(data)))
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
    print('%s: %d seeds' % (target, len(seeds)))


def main():
    targets = ('fuzz_reader', 'fuzz_eval', 'fuzz_model', 'fuzz_merge')
    if len(sys.argv) < 2 or any(t not in targets for t in sys.argv[2:]):
        sys.exit('usage: make_seeds.py BINDIR [%s...]' % '|'.join(targets))
    wanted = sys.argv[2:] or targets
    if 'fuzz_reader' in wanted:
        write('fuzz_reader', reader_seeds())
    if 'fuzz_eval' in wanted:
        write('fuzz_eval', eval_seeds())
    work = tempfile.mkdtemp()
    try:
        if 'fuzz_model' in wanted:
            write('fuzz_model', model_seeds(make_models(sys.argv[1],
                                                        work)))
        if 'fuzz_merge' in wanted:
            write('fuzz_merge', merge_seeds(sys.argv[1], work))
    finally:
        shutil.rmtree(work)


if __name__ == '__main__':
    main()
