#!/bin/sh
# Iterative parameter mixing against one machine: test AUC after 1 to 5
# rounds with 2, 4 and 8 shards, beside rec-train over all the rows with
# as many passes.  A round: every shard learns its part starting from the
# last merged model (round 1: rec-train -p 1 on the part; then rec-update
# --relearn -m merged), and rec-merge -b merged makes the next model.
# Parts are the training rows dealt out line by line (row n to shard
# n mod N).  Data: the MovieLens-100k random split (80,000 / 20,000), and
# the 10M-row file of bench/big.sh (125 copies of the time split's
# training rows) tested on the time split's 20,000 test rows, whose ids
# are the first copy's.  Built in a scratch directory from ../shared/data.
# usage: bench/merge.sh BINDIR [DATADIR]   (SETS="ml100k big" by default)
set -eu
bin=$(cd "$1" && pwd)
data=${2:-$(dirname "$0")/../../shared/data}
sets=${SETS:-ml100k big}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "merge: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$udata" "$work"
O="--positive 4 --holdout 0"

auc() {	# MODEL TEST: the test AUC, 4 decimals
	"$bin/rec-predict" -m "$1" "$2" |
		"$bin/rec-eval" --positive 4 --json |
		sed -n 's/.*"auc": *\([0-9.]*\).*/\1/p' |
		awk '{ printf "%.4f", $1 }'
}

for set in $sets; do
	case $set in
	ml100k) train=$work/random_train.tsv test=$work/random_test.tsv ;;
	big) train=$work/big.tsv test=$work/time_test.tsv ;;
	esac
	line="| $set | 1 machine, \`rec-train -p R\` |"
	start=$(date +%s)
	for r in 1 2 3 4 5; do
		"$bin/rec-train" -q $O -p $r -o "$work/one.rec" "$train"
		line="$line $(auc "$work/one.rec" "$test") |"
	done
	echo "$line ($(( $(date +%s) - start )) s)"
	for n in 2 4 8; do
		awk -v n=$n -v w="$work" '{ print > (w "/part." (NR % n)) }' \
			"$train"
		line="| $set | $n shards |"
		start=$(date +%s)
		for r in 1 2 3 4 5; do
			i=0
			while [ $i -lt $n ]; do
				if [ $r -eq 1 ]; then
					"$bin/rec-train" -q $O -p 1 \
						-o "$work/shard.$i.rec" \
						"$work/part.$i" &
				else
					"$bin/rec-update" -q --relearn \
						-m "$work/merged.rec" \
						-o "$work/shard.$i.rec" \
						"$work/part.$i" &
				fi
				i=$((i + 1))
			done
			wait
			shards=$(i=0; while [ $i -lt $n ]; do
				echo "$work/shard.$i.rec"; i=$((i + 1)); done)
			if [ $r -eq 1 ]; then
				# shellcheck disable=SC2086
				"$bin/rec-merge" -q -o "$work/merged.rec" $shards
			else
				# shellcheck disable=SC2086
				"$bin/rec-merge" -q -b "$work/merged.rec" \
					-o "$work/merged.rec" $shards
			fi
			line="$line $(auc "$work/merged.rec" "$test") |"
		done
		echo "$line ($(( $(date +%s) - start )) s)"
		rm -f "$work"/part.* "$work"/shard.*
	done
done
