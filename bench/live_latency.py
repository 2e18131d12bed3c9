#!/usr/bin/env python3
"""live_latency.py BINDIR MODEL REQUESTS [SECONDS]: the time rec-predict
--reload takes to answer one request of a live input: requests for
SECONDS (default 5), each written alone to its standard input and its
answer read back before the next is written.  Prints the median, 90th,
99th percentiles and the largest in microseconds, and how many different
answers the first request got (more than one: models were taken up while
something saved MODEL)."""
import subprocess
import sys
import time


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    bindir, model, requests = sys.argv[1:4]
    seconds = float(sys.argv[4]) if len(sys.argv) == 5 else 5.0
    rows = [line for line in open(requests, "rb") if line.strip()]
    proc = subprocess.Popen([f"{bindir}/rec-predict", "--reload", "-m", model],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            bufsize=0)
    took = []
    scores = set()
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        row = rows[i % len(rows)]
        start = time.perf_counter()
        proc.stdin.write(row)
        answer = proc.stdout.readline()
        took.append(time.perf_counter() - start)
        if not answer:
            sys.exit("live_latency: rec-predict stopped answering")
        if i % len(rows) == 0:
            scores.add(answer)
        i += 1
    proc.stdin.close()
    proc.wait()
    took.sort()
    pick = lambda q: took[min(len(took) - 1, int(q * len(took)))] * 1e6
    print(f"requests {len(took)}: median {pick(0.5):.0f} us, p90 "
          f"{pick(0.9):.0f} us, p99 {pick(0.99):.0f} us, max "
          f"{took[-1] * 1e6:.0f} us; distinct answers to the first "
          f"request: {len(scores)}")


main()
