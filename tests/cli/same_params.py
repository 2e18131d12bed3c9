#!/usr/bin/env python3
"""same_params.py A.rec B.rec: exit 0 when two model files hold the same
learned state, bit for bit: every chunk's content (parameters, random
generator, feature keys, weights and optimiser sums, catalogue, namespaces,
attribute tables, catalogue features) is the same, and of the counters the
events learned; else 1 with the first difference.  The rest of the counters
(times, runs, losses) may differ: a model trained over A then updated over
B has had two runs, one trained over A+B one.  Reads the chunk layout of
man/rec-model.5 independently of the library."""
import struct
import sys
import zlib

MAGIC = b"\x89REC\r\n\x1a\n"


def chunks(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"same_params: {path}: not a model file")
    read_version = struct.unpack_from("<I", data, 8)[0]
    out = {}
    order = []
    pos = 20
    while pos < len(data):
        cid, _flags, raw_len, stored_len = struct.unpack_from("<4sIQQ", data, pos)
        raw = zlib.decompress(data[pos + 32:pos + 32 + stored_len])
        if len(raw) != raw_len:
            sys.exit(f"same_params: {path}: chunk {cid!r} has the wrong length")
        name = cid.decode("latin-1")
        if name == "JRNL":	# which inputs were learned: bookkeeping
            pos += 32 + stored_len
            continue
        if name == "CNTR":
            raw = struct.unpack_from("<Q", raw, 0)[0]	# events learned
        out[name] = raw
        order.append(name)
        pos += 32 + stored_len
    return read_version, order, out


def main():
    va, oa, a = chunks(sys.argv[1])
    vb, ob, b = chunks(sys.argv[2])
    if va != vb:
        print(f"read version {va} against {vb}")
        return 1
    if oa != ob:
        print(f"chunks {oa} against {ob}")
        return 1
    for name in oa:
        if a[name] != b[name]:
            x, y = a[name], b[name]
            if isinstance(x, bytes):
                at = next((i for i in range(min(len(x), len(y)))
                           if x[i] != y[i]), min(len(x), len(y)))
                print(f"chunk {name} differs ({len(x)} and {len(y)} bytes, "
                      f"first at byte {at})")
            else:
                print(f"chunk {name} differs: {x} and {y}")
            return 1
    return 0


sys.exit(main())
