#!/usr/bin/env python3
"""same_model.py [--any-writer] A.rec B.rec: exit 0 when two model files
hold the same bytes apart from the times of creation and of the last save
(and the checksums and compressed bytes that cover them), else 1 with the
first difference.  With --any-writer the header's write version (the
format of the program that wrote the file) may differ too.  Reads the
chunk layout of man/rec-model.5 independently of the library."""
import struct
import sys
import zlib

MAGIC = b"\x89REC\r\n\x1a\n"
TIMES = slice(40, 56)	# CNTR: created and saved, two i64


def chunks(path, any_writer):
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
        if cid == b"CNTR":
            raw = raw[:TIMES.start] + bytes(TIMES.stop - TIMES.start) + raw[TIMES.stop:]
        else:
            raw = (raw, stored)	# the stored bytes must match too
        out.append((cid.decode("latin-1"), flags, raw))
        pos += 32 + stored_len
    return out


def main():
    args = sys.argv[1:]
    any_writer = args[:1] == ["--any-writer"]
    if any_writer:
        args = args[1:]
    a, b = chunks(args[0], any_writer), chunks(args[1], any_writer)
    if len(a) != len(b):
        print(f"{len(a)} chunks against {len(b)}")
        return 1
    for x, y in zip(a, b):
        if x != y:
            print(f"chunk {x[0]} differs")
            return 1
    return 0


sys.exit(main())
