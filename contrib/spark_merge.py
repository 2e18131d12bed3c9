#!/usr/bin/env python3
"""spark_merge.py EVENTS OUT [SHARDS [REC-TRAIN-OPTION...]]: train recpipe
models on the partitions of an RDD with RDD.pipe and merge them with
rec-merge on the driver.

Each partition's lines go to `rec-train -o shard.rec OPTION...` on a worker
(recpipe installed on every worker); the shard's model comes back base64
encoded as one line, and the driver writes the shards out and runs
`rec-merge -o OUT`.  Run with spark-submit:

    spark-submit contrib/spark_merge.py hdfs:///events.tsv model.rec 16 \\
        --positive 4 -p 1

Not tested by `make check`: Debian 12 packages neither pyspark nor Spark
(only a JRE), so the test suite cannot install them.
"""
import os
import shlex
import subprocess
import sys
import tempfile
import base64

from pyspark import SparkContext


def main():
    events, out = sys.argv[1], sys.argv[2]
    shards = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    options = " ".join(shlex.quote(a) for a in sys.argv[4:])
    # a worker's command: train on stdin, print the model as one line
    job = ("d=$(mktemp -d) && rec-train -q -o $d/shard.rec " + options +
           " && base64 -w0 $d/shard.rec && echo; s=$?; rm -rf $d; exit $s")
    sc = SparkContext(appName="rec-merge")
    models = (sc.textFile(events).repartition(shards)
              .pipe(["sh", "-c", job]).collect())
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, m in enumerate(models):
            path = os.path.join(d, f"shard.{i}.rec")
            with open(path, "wb") as f:
                f.write(base64.b64decode(m))
            paths.append(path)
        subprocess.run(["rec-merge", "-q", "-o", out] + paths, check=True)
    sc.stop()


if __name__ == "__main__":
    main()
