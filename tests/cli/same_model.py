#!/usr/bin/env python3
"""same_model.py [--any-writer] A.rec B.rec: exit 0 when two model files
hold the same bytes apart from the times of creation and of the last save
(and the checksums and compressed bytes that cover them), else 1 with the
first difference.  With --any-writer the header's write version (the
format of the program that wrote the file) may differ too, and optional
chunks (flag bit 0 clear, such as LRND, which newer writers add and older
readers skip) are left out of the comparison; with
--any-runs the number of training runs (train 1, each update one more)
and the journal of the inputs they learned.  Reads the
chunk layout of man/rec-model.5 independently of the library."""
import struct
import sys
import zlib

MAGIC = b"\x89REC\r\n\x1a\n"
TIMES = slice(40, 56)	# CNTR: created and saved, two i64
RUNS = slice(8, 16)	# CNTR: training runs, u64


def chunks(path, any_writer, any_runs):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"same_model: {path}: not a model file")
    out = [("header", data[8:12] if any_writer else data[8:16])]
    pos = 20
    while pos < len(data):
        cid, flags, raw_len, stored_len = struct.unpack_from("<4sIQQ", data, pos)
        stored = data[pos + 32:pos + 32 + stored_len]
        raw = zlib.decompress(stored)
        if len(raw) != raw_len:
            sys.exit(f"same_model: {path}: chunk {cid!r} has the wrong length")
        if any_runs and cid == b"JRNL":	# the inputs each run learned
            pos += 32 + stored_len
            continue
        if any_writer and not flags & 1:	# optional: another writer's
            pos += 32 + stored_len
            continue
        if cid == b"CNTR":
            raw = raw[:TIMES.start] + bytes(TIMES.stop - TIMES.start) + raw[TIMES.stop:]
            if any_runs:
                raw = raw[:RUNS.start] + bytes(RUNS.stop - RUNS.start) + raw[RUNS.stop:]
        else:
            raw = (raw, stored)	# the stored bytes must match too
        out.append((cid.decode("latin-1"), flags, raw))
        pos += 32 + stored_len
    return out


def main():
    args = sys.argv[1:]
    flags = {a for a in args if a.startswith("--")}
    args = [a for a in args if not a.startswith("--")]
    if flags - {"--any-writer", "--any-runs"} or len(args) != 2:
        sys.exit("usage: same_model.py [--any-writer] [--any-runs] A B")
    any_writer, any_runs = "--any-writer" in flags, "--any-runs" in flags
    a = chunks(args[0], any_writer, any_runs)
    b = chunks(args[1], any_writer, any_runs)
    if len(a) != len(b):
        print(f"{len(a)} chunks against {len(b)}")
        return 1
    for x, y in zip(a, b):
        if x != y:
            print(f"chunk {x[0]} differs")
            return 1
    return 0


sys.exit(main())
