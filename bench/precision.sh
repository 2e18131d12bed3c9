#!/bin/sh
# --save-precision 32, 16 and 8: file size, load time and the quality each
# costs.  MovieLens-100k (read from ../shared/data, never copied): AUC of
# rating >= 4 on bench/splits.py's random split with the default binary
# model and bench/quality.sh's k = 64 regression model; precision@10 on
# ua.base/ua.test with the implicit model as bench/implicit.py measures it
# (top 10 of each test user, training items excluded); and the 10M-row
# file of bench/big.sh (-k 8, one pass), AUC on the time split's test
# rows.  Each precision is its own rec-train run: training is
# deterministic, so the three models differ only in how they are saved.
# Load time: the median of RUNS runs of rec-predict scoring one row.
# bench/precision_blocks.py shows why precision 8 has a scale per row.
# usage: bench/precision.sh BINDIR [DATADIR]
set -eu
bin=$(cd "$1" && pwd)
data=${2:-$(dirname "$0")/../../shared/data}
runs=${RUNS:-7}
ml=$data/ml-100k
[ -r "$ml/u.data" ] || { echo "precision: $ml/u.data not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$ml/u.data" "$work"

# load_ms MODEL ROW: median milliseconds of rec-predict on one row
load_ms() {
	: > "$work/times"
	r=0
	while [ $r -lt "$runs" ]; do
		t0=$(date +%s%N)
		"$bin/rec-predict" -m "$1" "$2" > /dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >> "$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk '{ t[NR] = $1 } END {
		printf "%.1f", t[int((NR + 1) / 2)] / 1000 }'
}

# auc MODEL TEST: AUC of rating >= 4
auc() {
	"$bin/rec-predict" -m "$1" "$2" | "$bin/rec-eval" --positive 4 --json |
		sed 's/.*"auc": \([0-9.e-]*\).*/\1/'
}

# row NAME BITS MODEL METRIC VALUE
row() {
	printf '%-26s %4s %12s %10s  %-14s %.5f\n' "$1" "$2" \
		"$(wc -c < "$3")" "$(load_ms "$3" "$work/one.tsv")" "$4" "$5"
}

head -n 1 "$work/random_test.tsv" > "$work/one.tsv"
printf '%-26s %4s %12s %10s  %-14s %s\n' model bits bytes "load ms" metric value
for p in 32 16 8; do
	m=$work/bin$p.rec
	"$bin/rec-train" -q --task binary --positive 4 --save-precision $p \
		-o "$m" "$work/random_train.tsv"
	row "binary, defaults" $p "$m" "AUC random" "$(auc "$m" "$work/random_test.tsv")"
done
for p in 32 16 8; do
	m=$work/reg$p.rec
	"$bin/rec-train" -q --task regression -k 64 --l2-factors 3 --lr 0.02 \
		--holdout 0 -p 25 --save-precision $p -o "$m" \
		"$work/random_train.tsv"
	row "regression, k 64" $p "$m" "AUC random" "$(auc "$m" "$work/random_test.tsv")"
done
# one scale per row, not per block of rows: the error of each layout
for m in bin32 reg32; do
	python3 "$(dirname "$0")/precision_blocks.py" "$work/$m.rec"
done
cut -f1 "$ml/ua.test" | uniq | awk '!seen[$0]++' > "$work/users.txt"
for p in 32 16 8; do
	m=$work/imp$p.rec
	"$bin/rec-train" -q --task implicit --seed 1 --save-precision $p \
		-o "$m" "$ml/ua.base"
	"$bin/rec-predict" -m "$m" --top 10 --exclude "$ml/ua.base" \
		"$work/users.txt" > "$work/recs.tsv"
	p10=$("$bin/rec-eval" --json --truth "$ml/ua.test" -k 10 "$work/recs.tsv" |
		sed 's/.*"precision@10": \([0-9.e-]*\).*/\1/')
	row "implicit (ua), k 64" $p "$m" "P@10 ua.test" "$p10"
done
for p in 32 16 8; do
	m=$work/big$p.rec
	"$bin/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 \
		--save-precision $p -o "$m" "$work/big.tsv"
	row "10M rows, k 8, 1 pass" $p "$m" "AUC time" "$(auc "$m" "$work/time_test.tsv")"
done
