#!/bin/sh
# Quality figures on MovieLens-100k (read from ../shared/data, never copied):
# test AUC of label rating >= 4 on the random and the time split.
# usage: bench/quality.sh BINDIR [DATADIR]
set -eu
bin=$1
data=${2:-$(dirname "$0")/../../shared/data}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "quality: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/splits.py" "$udata" "$work"

auc() {	# auc SPLIT TRAIN-OPTIONS...
	split=$1; shift
	"$bin/rec-train" -q "$@" -o "$work/m.rec" "$work/${split}_train.tsv"
	"$bin/rec-predict" -m "$work/m.rec" "$work/${split}_test.tsv" |
		"$bin/rec-eval" --positive 4 --json |
		sed 's/.*"auc": \([0-9.e-]*\).*/\1/'
}

random_best="--task regression -k 64 --l2-factors 3 --lr 0.02 --holdout 0 -p 25"
time_best="--task binary --positive 4 --l2 0.3"
printf '%-8s %-60s %s\n' split "rec-train options" AUC
for split in random time; do
	printf '%-8s %-60s %.4f\n' $split "--task binary --positive 4 (defaults)" \
		"$(auc $split --task binary --positive 4)"
	[ $split = random ] && best=$random_best || best=$time_best
	# shellcheck disable=SC2086
	printf '%-8s %-60s %.4f\n' $split "$best" "$(auc $split $best)"
done
