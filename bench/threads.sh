#!/bin/sh
# Thread scaling on the 10M-row file of bench/speed.sh: rec-train -k 8 one
# pass, rec-predict score mode and rec-eval of the scored file (pointwise
# metrics), with --threads 1 and 2, each pinned by
# taskset to one core and to two, the two thread counts in turn; and the
# time split's test AUC of a
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
# one thread and two in turn, so that both meet the same load
for cores in 0 0,1; do
	measure_together \
		"rec-train -k 8, --threads 1, cores $cores" \
		"taskset -c $cores $train --threads 1 -o $work/t.rec $work/big.tsv" \
		"rec-train -k 8, --threads 2, cores $cores" \
		"taskset -c $cores $train --threads 2 -o $work/t.rec $work/big.tsv"
	measure_together \
		"rec-predict, --threads 1, cores $cores" \
		"taskset -c $cores $bin/rec-predict --threads 1 -m $work/k8.rec $work/big.tsv" \
		"rec-predict, --threads 2, cores $cores" \
		"taskset -c $cores $bin/rec-predict --threads 2 -m $work/k8.rec $work/big.tsv"
	measure_together \
		"rec-eval, --threads 1, cores $cores" \
		"taskset -c $cores $bin/rec-eval --positive 4 --threads 1 $work/scored.tsv" \
		"rec-eval, --threads 2, cores $cores" \
		"taskset -c $cores $bin/rec-eval --positive 4 --threads 2 $work/scored.tsv"
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
