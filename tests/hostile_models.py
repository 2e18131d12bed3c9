#!/usr/bin/env python3
"""Write hostile model files, made from real ones, into a directory.

    python3 tests/hostile_models.py SMALL.rec WIDE.rec OUTDIR [WIDE8.rec]

SMALL.rec is any valid model, WIDE.rec a small valid model with k = 256
factors, WIDE8.rec (optional) the same saved at precision 8.  Every file written is small (a few MB at most) and must be
refused as damaged, quickly and without much memory, by every reader:
tests/cli/hostile.t runs rec-info on each under a memory limit.  The files
are made at test time so that no large blob is kept in the tree.  Every
chunk has valid checksums, so only the sizes and counts are hostile.

Prints the names of the files written, one a line.
"""
import os
import struct
import sys
import zlib

MAGIC = b'\x89REC\r\n\x1a\n'
MIB = 1 << 20


def chunks(image):
    """The chunks of a model file image: [id, flags, raw_len, stored]."""
    assert image[:8] == MAGIC, 'not a model file'
    pos, out = 20, []
    while pos < len(image):
        cid, flags, raw_len, stored_len = struct.unpack_from('<4sIQQ',
                                                             image, pos)
        pos += 32
        out.append([cid, flags, raw_len, image[pos:pos + stored_len]])
        pos += stored_len
    return image[:20], out


def chunk(cid, flags, raw_len, stored):
    head = struct.pack('<4sIQQI', cid, flags, raw_len, len(stored),
                       zlib.crc32(stored))
    return head + struct.pack('<I', zlib.crc32(head))


def join(header, parts):
    return header + b''.join(chunk(c, f, r, s) + s for c, f, r, s in parts)


def deflated(prefix, zeros, level=9):
    """A zlib stream of prefix then zeros zero bytes, made a MiB at a
    time."""
    z = zlib.compressobj(level)
    out = [z.compress(prefix)]
    block = bytes(MIB)
    while zeros > 0:
        n = min(zeros, MIB)
        out.append(z.compress(block if n == MIB else bytes(n)))
        zeros -= n
    out.append(z.flush())
    return b''.join(out)


def replace(parts, cid, new):
    return [new if p[0] == cid else p for p in parts]


def main():
    small_path, wide_path, outdir = sys.argv[1:4]
    wide8_path = sys.argv[4] if len(sys.argv) > 4 else None
    with open(small_path, 'rb') as f:
        small_header, small = chunks(f.read())
    with open(wide_path, 'rb') as f:
        wide_header, wide = chunks(f.read())
    files = {}

    # 16 extra PARA chunks of 200 MiB of zeros each, before the end
    bomb = deflated(b'', 200 * MIB)
    extra = [[b'PARA', 1, 200 * MIB, bomb] for _ in range(16)]
    files['para-bombs.rec'] = join(small_header, small[:-1] + extra +
                                   small[-1:])
    # one PARA of 200 MiB of zeros instead of the real one
    files['para-huge.rec'] = join(small_header,
                                  replace(small, b'PARA',
                                          [b'PARA', 1, 200 * MIB, bomb]))
    # a catalogue of 100 MiB, nearly all zeros
    files['catl-bomb.rec'] = join(
        small_header, replace(small, b'CATL',
                              [b'CATL', 1, 100 * MIB,
                               deflated(struct.pack('<Q', 1), 100 * MIB - 8)]))

    # k = 256 and FEAT claiming 50,000,000 rows: 600 MB of content
    n = 50000000
    feat = [b'FEAT', 1, 8 + 12 * n, deflated(struct.pack('<Q', n), 12 * n)]
    files['feat-50m.rec'] = join(wide_header, replace(wide, b'FEAT', feat))
    # the same with WGHT's raw length agreeing (about 103 GB), stored bytes
    # those of the real chunk
    wght = next(p for p in wide if p[0] == b'WGHT')
    files['feat-wght-50m.rec'] = join(
        wide_header,
        replace(replace(wide, b'FEAT', feat), b'WGHT',
                [b'WGHT', 1, 12 + 4 * n * 514, wght[3]]))
    # counts far beyond the content inside small chunks
    files['catl-count.rec'] = join(
        small_header, replace(small, b'CATL',
                              [b'CATL', 1, 8,
                               zlib.compress(struct.pack('<Q', 1 << 60))]))
    files['feat-count.rec'] = join(
        small_header, replace(small, b'FEAT',
                              [b'FEAT', 1, 8,
                               zlib.compress(struct.pack('<Q', 1 << 31))]))
    # a raw length past what zlib can expand to
    cntr = next(p for p in small if p[0] == b'CNTR')
    files['cntr-huge.rec'] = join(small_header,
                                  replace(small, b'CNTR',
                                          [b'CNTR', 1, 1 << 62, cntr[3]]))
    # STMP claiming 100 MB of stamps
    files['stmp-huge.rec'] = join(
        small_header, small[:-1] +
        [[b'STMP', 1, 100 * MIB, deflated(b'', 100 * MIB)]] + small[-1:])

    if wide8_path:
        with open(wide8_path, 'rb') as f:
            wide8_header, wide8 = chunks(f.read())
        # precision 8: FEAT claiming 50,000,000 rows and QWGT's raw
        # length agreeing (about 13 GB), stored bytes those of the real
        # chunk; and a QWGT far past what zlib can expand to
        qwgt = next(p for p in wide8 if p[0] == b'QWGT')
        files['feat-qwgt-50m.rec'] = join(
            wide8_header,
            replace(replace(wide8, b'FEAT', feat), b'QWGT',
                    [b'QWGT', 1, 12 + n * (5 + 256), qwgt[3]]))
        files['qwgt-huge.rec'] = join(
            wide8_header, replace(wide8, b'QWGT',
                                  [b'QWGT', 1, 1 << 62, qwgt[3]]))
        # a QWGT of 100 MiB of zeros: precision 0, and far too long
        files['qwgt-bomb.rec'] = join(
            wide8_header, replace(wide8, b'QWGT',
                                  [b'QWGT', 1, 100 * MIB,
                                   deflated(b'', 100 * MIB)]))

    for name, image in sorted(files.items()):
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(image)
        print(name)


if __name__ == '__main__':
    main()
