#!/bin/sh
# The main job on shipped data: generate events, train, score, evaluate,
# bring the model up to date with newer events, and recommend.
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== generating 130000 events (rec-gen --seed 7)"
"$bin/rec-gen" --users 2000 --items 1000 --events 130000 --seed 7 > "$work/events.tsv"
head -n 100000 "$work/events.tsv" > "$work/train.tsv"
sed -n '100001,110000p' "$work/events.tsv" > "$work/new.tsv"
tail -n 20000 "$work/events.tsv" > "$work/test.tsv"
echo "== rec-train --positive 4 -o model.rec train.tsv"
"$bin/rec-train" --positive 4 -o "$work/model.rec" "$work/train.tsv"
echo "== rec-info model.rec"
"$bin/rec-info" "$work/model.rec"
echo "== rec-predict -m model.rec test.tsv | rec-eval --positive 4"
"$bin/rec-predict" -m "$work/model.rec" "$work/test.tsv" | "$bin/rec-eval" --positive 4
echo "== rec-update -m model.rec new.tsv   (10000 newer events, learned in place)"
"$bin/rec-update" -m "$work/model.rec" "$work/new.tsv"
echo "== rec-predict -m model.rec test.tsv | rec-eval --positive 4 --fail-under auc=0.7"
"$bin/rec-predict" -m "$work/model.rec" "$work/test.tsv" |
	"$bin/rec-eval" --positive 4 --fail-under auc=0.7
echo "== rec-predict -m model.rec --top 3 --exclude train.tsv   (users u1, u2)"
printf 'u1\nu2\n' | "$bin/rec-predict" -m "$work/model.rec" --top 3 --exclude "$work/train.tsv"
echo "== side features: the user's group (column 5) and the item's genre (column 6)"
echo "== rec-train --positive 4 --features 5 --item-features 6 -o side.rec train.tsv"
"$bin/rec-train" -q --positive 4 --features 5 --item-features 6 \
	-o "$work/side.rec" "$work/train.tsv"
"$bin/rec-info" "$work/side.rec" | grep -A 3 '^namespaces'
echo "== rec-predict -m side.rec test.tsv | rec-eval --positive 4   (AUC)"
"$bin/rec-predict" -m "$work/side.rec" "$work/test.tsv" |
	"$bin/rec-eval" --positive 4 | grep '^auc'
echo "== item-item model: rec-train --task implicit --model ease -o ease.rec train.tsv"
"$bin/rec-train" --task implicit --model ease -o "$work/ease.rec" "$work/train.tsv"
echo "== rec-update -m ease.rec new.tsv   (refitted: the same model as a retrain)"
"$bin/rec-update" -m "$work/ease.rec" "$work/new.tsv"
echo "== rec-predict -m ease.rec --top 10 | rec-eval --truth test.tsv -k 10   (each user's own items left out)"
cut -f 1 "$work/test.tsv" | sort -u > "$work/users.txt"
"$bin/rec-predict" -m "$work/ease.rec" --top 10 "$work/users.txt" |
	"$bin/rec-eval" --truth "$work/test.tsv" -k 10 | sed -n '1,5p'
