#!/bin/sh
# Forgetting on a drifting stream: rec-gen --drift turns every user's tastes
# as the stream goes on.  A model is warmed up on the first 60,000 events,
# then rec-update learns the other 240,000 with and without --half-life;
# the progressive AUC over all of them (each event scored before it is
# learned) is compared.
# usage: bench/drift.sh BINDIR
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/rec-gen" --events 300000 --users 2000 --items 1000 --drift 0.05 \
	--seed 9 > "$work/drift.tsv"
head -n 60000 "$work/drift.tsv" > "$work/warm.tsv"
tail -n +60001 "$work/drift.tsv" > "$work/rest.tsv"
"$bin/rec-train" -q --positive 4 -p 1 --holdout 0 -o "$work/warm.rec" "$work/warm.tsv"
printf '%-22s %s\n' "rec-update" "progressive AUC over 240000 events"
for h in 0 1000 10000 50000; do
	cp "$work/warm.rec" "$work/m.rec"
	auc=$("$bin/rec-update" -m "$work/m.rec" --half-life $h --window 1000000 \
		"$work/rest.tsv" 2>&1 | awk '/\(all\)/ { print $4 }')
	printf '%-22s %s\n' "--half-life $h" "$auc"
done
