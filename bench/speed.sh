#!/bin/sh
# Throughput and peak memory on a 10M-row file: 125 copies of the
# MovieLens-100k time-split training rows (user, item, rating), user and
# item ids offset per copy.  The file is built in a scratch directory from
# ../shared/data at run time.  Each figure is the median of RUNS runs.
# usage: bench/speed.sh BINDIR [DATADIR]
set -eu
bin=$(cd "$1" && pwd)
data=${2:-$(dirname "$0")/../../shared/data}
runs=${RUNS:-3}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "speed: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$udata" "$work"
rows=$(wc -l < "$work/big.tsv")

. "$(dirname "$0")/measure.sh"

echo "rows: $rows"
measure "rec-train -k 0 (1 pass)" "$bin/rec-train -q --positive 4 -k 0 -p 1 --holdout 0 -o $work/k0.rec $work/big.tsv"
measure "rec-train -k 8 (1 pass)" "$bin/rec-train -q --positive 4 -k 8 -p 1 --holdout 0 -o $work/k8.rec $work/big.tsv"
measure "rec-update -k 8 (load, pass, save)" "cp $work/k8.rec $work/u8.rec && $bin/rec-update -q -m $work/u8.rec $work/big.tsv"
measure "rec-predict (k 8, with output)" "$bin/rec-predict -m $work/k8.rec $work/big.tsv > $work/scored.tsv"
measure "rec-eval (AUC and the rest)" "$bin/rec-eval --positive 4 $work/scored.tsv"
