#!/bin/sh
# The main job on shipped data: generate events, train, score, evaluate.
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== generating 120000 events (rec-gen --seed 7)"
"$bin/rec-gen" --users 2000 --items 1000 --events 120000 --seed 7 > "$work/events.tsv"
head -n 100000 "$work/events.tsv" > "$work/train.tsv"
tail -n 20000 "$work/events.tsv" > "$work/test.tsv"
echo "== rec-train --positive 4 -o model.rec train.tsv"
"$bin/rec-train" --positive 4 -o "$work/model.rec" "$work/train.tsv"
echo "== rec-info model.rec"
"$bin/rec-info" "$work/model.rec"
echo "== rec-predict -m model.rec test.tsv | rec-eval --positive 4"
"$bin/rec-predict" -m "$work/model.rec" "$work/test.tsv" | "$bin/rec-eval" --positive 4
