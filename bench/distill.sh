#!/bin/sh
# Distillation on the MovieLens-100k random split (read from
# ../shared/data, never copied): a large teacher scores the training
# events; small students learn from those scores (--soft-labels), from a
# blend of them with the true labels, or from the true labels alone
# (--positive 4).  Prints each model's test AUC (rating >=
# 4), file size and scoring speed.
# The teacher's settings and the blend are chosen on a validation slice
# of the training rows (the last 10% of them), never on the test rows.
# usage: bench/distill.sh BINDIR [DATADIR]
set -eu
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$here/../../shared/data}
runs=${RUNS:-3}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "distill: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/splits.py" "$udata" "$work"
train=$work/random_train.tsv test=$work/random_test.tsv
head -n 72000 "$train" > "$work/fit.tsv"
tail -n 8000 "$train" > "$work/valid.tsv"

# auc MODEL FILE: the AUC of rating >= 4 on FILE
auc() {
	"$bin/rec-predict" -m "$1" "$2" |
		"$bin/rec-eval" --positive 4 --json |
		sed 's/.*"auc": \([0-9.e-]*\).*/\1/'
}

# the teacher: k = 64, the passes and factor L2 chosen on the validation
# slice
best= best_auc=0
for opts in "-p 10" "-p 25 --lr 0.02" "-p 25 --lr 0.02 --l2-factors 3" \
	"-p 50 --lr 0.01 --l2-factors 3"; do
	# shellcheck disable=SC2086 # option lists
	"$bin/rec-train" -q --positive 4 -k 64 $opts -o "$work/t.rec" \
		"$work/fit.tsv"
	a=$(auc "$work/t.rec" "$work/valid.tsv")
	echo "teacher candidate -k 64 $opts: validation AUC $a"
	if awk -v a="$a" -v b="$best_auc" 'BEGIN { exit !(a > b) }'; then
		best=$opts best_auc=$a
	fi
done
echo "teacher: --positive 4 -k 64 $best (chosen on the validation slice)"
# shellcheck disable=SC2086
"$bin/rec-train" -q --positive 4 -k 64 $best -o "$work/teacher.rec" "$train"

# soft labels: alpha times the teacher's probability plus (1 - alpha)
# times the true label (rating >= 4), as Hinton et al. blend them; alpha =
# 1 is the teacher alone.  blend ALPHA SCORED OUT
blend() {
	awk -v a="$1" -F '\t' '{ y = $3 >= 4
		printf "%s\t%s\t%.6f\n", $1, $2, a * $5 + (1 - a) * y }' "$2" > "$3"
}
# alpha for each student, chosen on the validation slice: a teacher of
# the fitting part scores it, the students learn from the blend
# shellcheck disable=SC2086
"$bin/rec-train" -q --positive 4 -k 64 $best -o "$work/t.rec" "$work/fit.tsv"
"$bin/rec-predict" -m "$work/t.rec" "$work/fit.tsv" > "$work/fit.scored"
for k in 0 8; do
	best_alpha=1 best_auc=0
	for a in 0.5 0.8 1; do
		blend $a "$work/fit.scored" "$work/blend.tsv"
		"$bin/rec-train" -q --soft-labels -k $k -o "$work/s.rec" \
			"$work/blend.tsv"
		v=$(auc "$work/s.rec" "$work/valid.tsv")
		echo "student k $k, alpha $a: validation AUC $v"
		if awk -v a="$v" -v b="$best_auc" 'BEGIN { exit !(a > b) }'; then
			best_alpha=$a best_auc=$v
		fi
	done
	eval "alpha$k=$best_alpha"
	echo "student k $k: alpha $best_alpha (chosen on the validation slice)"
done

# the teacher's probabilities of the training events
"$bin/rec-predict" -m "$work/teacher.rec" "$train" > "$work/train.scored"

# scoring speed: rows/s over the test rows 500 times (10M rows), median
# of $runs
i=0
while [ $i -lt 500 ]; do cat "$test"; i=$((i + 1)); done > "$work/many.tsv"
rows=$(wc -l < "$work/many.tsv")
speed() {
	: > "$work/times"
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%e' -o "$work/t" \
			"$bin/rec-predict" -m "$1" "$work/many.tsv" > /dev/null
		cat "$work/t" >> "$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk -v rows="$rows" '
		{ t[NR] = $1 } END { printf "%.2f M rows/s", rows / t[int((NR + 1) / 2)] / 1e6 }'
}

printf '%-40s %8s %12s %s\n' model "test AUC" "file bytes" "scoring"
show() {	# show NAME MODEL
	printf '%-40s %8.4f %12d %s\n' "$1" "$(auc "$2" "$test")" \
		"$(wc -c < "$2")" "$(speed "$2")"
}
show "teacher (k 64)" "$work/teacher.rec"
for k in 0 8; do
	"$bin/rec-train" -q --positive 4 -k $k -o "$work/labels$k.rec" "$train"
	blend 1 "$work/train.scored" "$work/soft.tsv"
	"$bin/rec-train" -q --soft-labels -k $k -o "$work/soft$k.rec" \
		"$work/soft.tsv"
	eval "a=\$alpha$k"
	blend "$a" "$work/train.scored" "$work/blend.tsv"
	"$bin/rec-train" -q --soft-labels -k $k -o "$work/blend$k.rec" \
		"$work/blend.tsv"
	show "student k $k on the true labels" "$work/labels$k.rec"
	show "student k $k on the teacher's" "$work/soft$k.rec"
	show "student k $k on the blend, alpha $a" "$work/blend$k.rec"
done
