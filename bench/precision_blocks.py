#!/usr/bin/env python3
"""Why precision 8 has a scale per row: the error of one scale per row
against one per block of B rows, on a 32-bit model file's weights.

    precision_blocks.py MODEL.rec

For each layout: bytes a row (values and its share of the scales) and the
root mean square error of the 1 + k values read back, relative to the
root mean square of the values, the same symmetric 8-bit code as
lib/quant.c (q = round(x 127 / r), r the largest magnitude the scale
covers).  Also the spread of the rows' largest magnitudes: the median
ratio of the largest to the smallest row range within a block of 16.
"""
import math
import statistics
import struct
import sys
import zlib


def weights(path):
    img = open(path, 'rb').read()
    pos = 20
    while pos < len(img):
        cid, _, _, stored = struct.unpack_from('<4sIQQ', img, pos)
        body = img[pos + 32:pos + 32 + stored]
        pos += 32 + stored
        if cid == b'WGHT':
            raw = zlib.decompress(body)
            stride = struct.unpack_from('<I', raw)[0]
            n = (len(raw) - 12) // (4 * stride)
            vals = struct.unpack_from('<%df' % (n * stride), raw, 12)
            width = stride // 2
            return [vals[r * stride:r * stride + width] for r in range(n)]
    sys.exit('no WGHT chunk: a model of precision 32 is needed')


def error(rows, block):
    se = 0.0
    for b in range(0, len(rows), block):
        group = rows[b:b + block]
        r = max(abs(x) for row in group for x in row)
        for row in group:
            for x in row:
                q = round(x * 127 / r) if r > 0 else 0
                se += (q * r / 127 - x) ** 2
    return se


rows = weights(sys.argv[1])
width = len(rows[0])
total = sum(x * x for row in rows for x in row)
ranges = [max(abs(x) for x in row) for row in rows]
spread = [max(g) / min(g) for g in (ranges[b:b + 16]
                                    for b in range(0, len(ranges) - 15, 16))
          if min(g) > 0]
print('%s: %d rows of %d values; row ranges within a block of 16 differ '
      'by a median factor of %.1f' % (sys.argv[1].split('/')[-1], len(rows),
                                      width, statistics.median(spread)))
for block in (1, 16, 256, len(rows)):
    name = 'per row' if block == 1 else ('one scale' if block == len(rows)
                                         else 'per %d rows' % block)
    print('  %-12s %6.2f bytes a row  relative RMS error %.5f' %
          (name, width + 4 / block, math.sqrt(error(rows, block) / total)))
