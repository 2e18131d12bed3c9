#!/bin/sh
# Thread scaling on the 10M-row file of bench/speed.sh: rec-train -k 8 one
# pass, rec-predict score mode and rec-eval of the scored file (pointwise
# metrics), with --threads 1 and 2, each pinned by
# taskset to one core and to two; and the time split's test AUC of a
# model trained with each (the same model: the figure checks it).
# usage: bench/threads.sh BINDIR [DATADIR]
set -eu
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$here/../../shared/data}
runs=${RUNS:-5}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "threads: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/big.sh" "$udata" "$work"
rows=$(wc -l < "$work/big.tsv")
. "$here/measure.sh"

echo "rows: $rows; cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
train="$bin/rec-train -q --positive 4 -k 8 -p 1 --holdout 0"
"$bin/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 -o "$work/k8.rec" \
	"$work/big.tsv"
"$bin/rec-predict" -m "$work/k8.rec" "$work/big.tsv" > "$work/scored.tsv"
for cores in 0 0,1; do
	for n in 1 2; do
		measure "rec-train -k 8, --threads $n, cores $cores" \
			"taskset -c $cores $train --threads $n -o $work/t.rec $work/big.tsv"
	done
	for n in 1 2; do
		measure "rec-predict, --threads $n, cores $cores" \
			"taskset -c $cores $bin/rec-predict --threads $n -m $work/k8.rec $work/big.tsv"
	done
	for n in 1 2; do
		measure "rec-eval, --threads $n, cores $cores" \
			"taskset -c $cores $bin/rec-eval --positive 4 --threads $n $work/scored.tsv"
	done
done

# the time split's test AUC, one and two threads
for n in 1 2; do
	"$bin/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 --threads $n \
		-o "$work/time$n.rec" "$work/time_train.tsv"
	printf 'time split test AUC, --threads %d: ' $n
	"$bin/rec-predict" -m "$work/time$n.rec" "$work/time_test.tsv" |
		"$bin/rec-eval" --positive 4 --json |
		sed 's/.*"auc": \([0-9.e-]*\).*/\1/'
done
cmp -s "$work/time1.rec" "$work/time2.rec" &&
	echo "the two models are the same bytes" ||
	python3 "$here/../tests/cli/same_model.py" "$work/time1.rec" \
		"$work/time2.rec"
