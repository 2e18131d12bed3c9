#!/bin/sh
# rec-eval --compare and the curves:
#  1. two models of the MovieLens-100k random split (bench/splits.py)
#     whose test AUCs differ: the paired interval of the difference;
#  2. the coverage of the 95% interval on data sets of known AUC
#     difference (tests/cli/paired.awk), REPLICATES of them (default 1000);
#  3. the time of --compare (the default 1000 resamples) and of the three
#     pictures on the 10M-row file of bench/big.sh, scored by a k=8 and a
#     k=0 model.
# MovieLens is read from ../shared/data at run time, never copied.
# usage: bench/eval_compare.sh BINDIR [DATADIR]
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
data=${2:-$dir/../../shared/data}
reps=${REPLICATES:-1000}
udata=$data/ml-100k/u.data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== two models on the random split"
if [ -r "$udata" ]; then
	python3 "$dir/splits.py" "$udata" "$work"
	# the defaults (k = 8) against logistic regression (k = 0)
	"$bin/rec-train" -q --task binary --positive 4 \
		-o "$work/k8.rec" "$work/random_train.tsv"
	"$bin/rec-train" -q --task binary --positive 4 -k 0 \
		-o "$work/k0.rec" "$work/random_train.tsv"
	"$bin/rec-predict" -m "$work/k8.rec" "$work/random_test.tsv" > "$work/k8.tsv"
	"$bin/rec-predict" -m "$work/k0.rec" "$work/random_test.tsv" > "$work/k0.tsv"
	(cd "$work" && "$bin/rec-eval" --positive 4 --compare k0.tsv k8.tsv)
else
	echo "skipped: $udata not found"
fi

echo
echo "== coverage of the 95% interval: $reps data sets of 1000 rows"
# AUCs Phi(1/2) and Phi(0.35): a difference of 0.0546318101
covered=0
r=1
while [ $r -le "$reps" ]; do
	awk -v SEED=$((r * 7919 + 13)) -v N=1000 -v MUA=1 -v MUB=0.7 \
		-v A="$work/a.tsv" -v B="$work/b.tsv" -f "$dir/../tests/cli/paired.awk"
	"$bin/rec-eval" --compare "$work/b.tsv" --seed "$r" "$work/a.tsv" |
		awk '$1 == "auc" && NF >= 6 { exit !($5 <= 0.0546318101 && 0.0546318101 <= $6) }' &&
		covered=$((covered + 1))
	r=$((r + 1))
done
awk -v c="$covered" -v n="$reps" 'BEGIN {
	p = c / n
	printf "covered in %d of %d: %.3f (binomial standard error %.3f)\n",
		c, n, p, sqrt(p * (1 - p) / n) }'

echo
echo "== 10M rows: --compare and the pictures"
if [ -r "$udata" ]; then
	sh "$dir/big.sh" "$udata" "$work"
	"$bin/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 -o "$work/k8.rec" "$work/big.tsv"
	"$bin/rec-train" -q --positive 4 -k 0 -p 1 --holdout 0 -o "$work/k0b.rec" "$work/big.tsv"
	"$bin/rec-predict" -m "$work/k8.rec" "$work/big.tsv" > "$work/k8.scored"
	"$bin/rec-predict" -m "$work/k0b.rec" "$work/big.tsv" > "$work/k0.scored"
	rm "$work/big.tsv"
	t() {	# NAME CMD...: wall seconds and peak RSS
		name=$1; shift
		/usr/bin/time -f '%e %M' -o "$work/t" "$@" > "$work/out"
		awk -v name="$name" '{ printf "%-44s %7.2f s %6.0f MB\n", name, $1, $2 / 1024 }' "$work/t"
	}
	t "rec-eval (no curves)" "$bin/rec-eval" --positive 4 "$work/k8.scored"
	t "rec-eval --roc --pr --calibration" "$bin/rec-eval" --positive 4 \
		--roc "$work/roc.svg" --pr "$work/pr.svg" --calibration "$work/cal.svg" \
		"$work/k8.scored"
	ls -l "$work"/*.svg | awk '{ printf "  %s %d bytes\n", $NF, $5 }'
	t "rec-eval --compare (1000 resamples)" "$bin/rec-eval" --positive 4 \
		--compare "$work/k0.scored" "$work/k8.scored"
	cp "$work/out" "$work/out1"
	t "rec-eval --compare, --threads 2" "$bin/rec-eval" --positive 4 \
		--threads 2 --compare "$work/k0.scored" "$work/k8.scored"
	cmp -s "$work/out" "$work/out1" || echo "  the two outputs differ!"
	# each pass over a score order serves 16 resamples, each row's count
	# made from its number: 63 passes over 10M rows in two orders
	sed -n '/^compare/,$p' "$work/out"
else
	echo "skipped: $udata not found"
fi
