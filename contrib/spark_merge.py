#!/usr/bin/env python3
"""spark_merge.py [--bin DIR] EVENTS OUT [SHARDS [REC-TRAIN-OPTION...]]:
train recpipe models on the partitions of an RDD with RDD.pipe and merge
them with rec-merge on the driver.

rec-train is shipped to the executors with SparkContext.addFile, so the
workers need nothing installed but a shell and base64: each partition's
lines go to `rec-train -o shard.rec OPTION...`, and the shard's model
comes back base64 encoded as one line.  The driver writes the shards out
and runs `rec-merge -o OUT` on them.  DIR holds rec-train and rec-merge
(default: the directory of the rec-train found on PATH).  Run with
spark-submit, e.g.

    spark-submit contrib/spark_merge.py hdfs:///events.tsv model.rec 16 \\
        --positive 4 -p 1

or, for a local test, `python3 contrib/spark_merge.py` with pyspark
installed (SPARK_MASTER, default local[2], sets the master).  The
partitions are dealt out by Spark's repartition, so which shard learns an
event may change from run to run; rec-merge's result does not depend on
anything else.  tests/cli/spark.t runs this in local mode when pyspark and
a Java runtime are there, and is skipped otherwise: Debian 12 packages
neither pyspark nor Spark.
"""
import base64
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from pyspark import SparkContext, SparkFiles


def main():
    args = sys.argv[1:]
    bindir = None
    if len(args) >= 2 and args[0] == "--bin":
        bindir, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit(__doc__.split("\n\n")[0])
    if bindir is None:
        found = shutil.which("rec-train")
        if not found:
            sys.exit("spark_merge.py: rec-train is not on PATH; give --bin DIR")
        bindir = os.path.dirname(found)
    events, out = args[0], args[1]
    shards = int(args[2]) if len(args) > 2 else 4
    options = " ".join(shlex.quote(a) for a in args[3:])
    sc = SparkContext(os.environ.get("SPARK_MASTER", "local[2]"),
                      "rec-merge")
    sc.addFile(os.path.join(bindir, "rec-train"))
    # A file added is in the executor's working directory, or in the
    # driver's directory of files in local mode: the command looks in
    # both, and makes its copy executable (a fetched file need not be).
    job = ('d=$(mktemp -d) && for f in ./rec-train "$REC_FILES/rec-train"; '
           'do [ -f "$f" ] && cp "$f" "$d/rec-train" && break; done && '
           'chmod +x "$d/rec-train" && "$d/rec-train" -q -o "$d/shard.rec" ' +
           options + ' && base64 -w0 "$d/shard.rec" && echo; '
           's=$?; rm -rf "$d"; exit $s')
    # pipe takes one command line, split by shlex; its env is the whole
    # environment; checkCode: a partition whose rec-train fails fails the
    # job, rather than leaving a shard out of the merge
    models = (sc.textFile(events).repartition(shards)
              .pipe("sh -c " + shlex.quote(job),
                    env={"REC_FILES": SparkFiles.getRootDirectory(),
                         "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                    checkCode=True)
              .collect())
    sc.stop()
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, m in enumerate(models):
            path = os.path.join(d, f"shard.{i}.rec")
            with open(path, "wb") as f:
                f.write(base64.b64decode(m))
            paths.append(path)
        if not paths:
            sys.exit("spark_merge.py: no partition gave a model")
        subprocess.run([os.path.join(bindir, "rec-merge"), "-q", "-o", out]
                       + paths, check=True)


if __name__ == "__main__":
    main()
