#!/bin/sh
# Acceptance figures of side features: test AUC with and without user and
# item attributes (--user-attributes, --item-attributes, --list-sep) and
# event columns (--features), on
#   (a) MovieLens-100k, random split (bench/splits.py), label rating >= 4;
#   (b) MovieLens-100k, time split: all test rows, and the rows of users
#       unseen in training (the cold-start part, 85% of them);
#   (c) TalkingData ad clicks, last 20% by time as test, against
#       scikit-learn's one-hot logistic regression (bench/talkingdata.py);
#   (d) MovieLens latest-small, global time split, with and without genres.
# The data are read from ../shared/data at run time; every file made from
# them goes to a scratch directory, never into the repository.  Each
# figure is one function below, with its settings in it.  A run that fails
# (an option this build lacks) shows n/a, and its message is listed under
# the table.  KEEP=1 keeps the scratch directory (its path on stderr).
# usage: bench/features.sh BINDIR [DATADIR]
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
data=${2:-$dir/../../shared/data}
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
	echo "features: scratch directory $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi
: > "$work/notes"

# note MESSAGE: remembered for the end of the table, once each
note() {
	grep -qxF -- "$1" "$work/notes" || printf '%s\n' "$1" >> "$work/notes"
}

# train MODEL TRAIN-FILE REC-TRAIN-OPTIONS...: 0, or 1 after a note
train() {
	model=$1 file=$2
	shift 2
	if "$bin/rec-train" -q "$@" -o "$model" "$file" 2> "$work/err"; then
		return 0
	fi
	note "$(head -n 1 "$work/err")"
	rm -f "$model"
	return 1
}

# metric NAME MODEL TEST-FILE REC-EVAL-OPTIONS...: NAME from rec-eval --json
# of MODEL's scores on TEST-FILE, or n/a.  rec-predict is also given
# $attrs, the attribute tables of the model: rows of users and items unseen
# in training are scored with their attributes from there.
attrs=
metric() {
	name=$1 model=$2 file=$3
	shift 3
	[ -r "$model" ] || { echo n/a; return; }
	# shellcheck disable=SC2086 # options are words
	"$bin/rec-predict" -m "$model" $attrs "$file" 2> "$work/err.predict" |
		"$bin/rec-eval" --json "$@" 2> "$work/err.eval" > "$work/json" || :
	v=$(sed -n "s/.*\"$name\": \([0-9.e+-]*\).*/\1/p" "$work/json")
	if [ -n "$v" ]; then
		printf '%.4f' "$v"
	else
		for e in "$work/err.predict" "$work/err.eval"; do
			[ -s "$e" ] && note "$(head -n 1 "$e")"
		done
		echo n/a
	fi
}

# row SETTING VALUE...: one line of a table
row() {
	printf '%-46s' "$1"
	shift
	printf ' %12s' "$@"
	echo
}

# ---- MovieLens-100k: the splits, the attribute tables, unseen users ----
ml=$data/ml-100k
ml_ready=
if [ -r "$ml/u.data" ] && [ -r "$ml/u.user" ] && [ -r "$ml/u.item" ]; then
	python3 "$dir/splits.py" "$ml/u.data" "$work"
	python3 "$dir/ml100k_attributes.py" "$data" "$work"
	# the attribute groups of (b): genres alone, year and decade alone
	cut -f 1,4 "$work/items.tsv" > "$work/items_genres.tsv"
	cut -f 1-3 "$work/items.tsv" > "$work/items_year.tsv"
	# time-split test rows of users with no training row
	awk -F '\t' 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' \
		"$work/time_train.tsv" "$work/time_test.tsv" > "$work/time_test_unseen.tsv"
	ml_ready=1
fi

# (a) random split, rec-train's defaults: ids, + users, + items, + both;
# then the setting chosen on a validation slice of the training rows, ids
# only and with both tables.  Age and release year are numbers
# (--numeric): as categories (61 and 71 values) they overfit.
fig_a() {
	base="--task binary --positive 4"
	tuned="--task regression -k 64 --l2-factors 4 --lr 0.02 --holdout 0 -p 25"
	users="--user-attributes $work/users.tsv"
	items="--item-attributes $work/items.tsv --list-sep |"
	echo "== (a) MovieLens-100k random split, rating >= 4"
	row "setting" AUC
	for setting in ids users items both all tuned_ids tuned_both; do
		opts=$base
		case $setting in
		ids) attrs='' what="defaults: ids only" ;;
		users) attrs="$users --numeric age" what="defaults: + user attributes" ;;
		items) attrs="$items --numeric year" what="defaults: + item attributes" ;;
		both) attrs="$users $items --numeric age,year"
			what="defaults: + user and item attributes" ;;
		all) attrs="$users $items --numeric age,year --interactions all"
			what="  the same, --interactions all" ;;
		tuned_ids) attrs='' opts="--positive 4 $tuned"
			what="tuned (see below): ids only" ;;
		tuned_both) attrs="$users $items --numeric age,year"
			opts="--positive 4 $tuned"
			what="tuned: + user and item attributes" ;;
		esac
		# shellcheck disable=SC2086 # options are words
		train "$work/a.rec" "$work/random_train.tsv" $opts $attrs || :
		row "$what" "$(metric auc "$work/a.rec" "$work/random_test.tsv" --positive 4)"
	done
	echo "tuned: rec-train $tuned"
}

# (b) time split: AUC on all test rows and on the rows of unseen users, for
# ids only, each group of attributes and all of them
fig_b() {
	base="--task binary --positive 4"
	echo "== (b) MovieLens-100k time split, rating >= 4 ($(wc -l < "$work/time_test_unseen.tsv") of $(wc -l < "$work/time_test.tsv") test rows from unseen users)"
	row "setting" "AUC all" "AUC unseen"
	for setting in ids demographics genres year items all; do
		case $setting in
		ids) attrs='' what="ids only" ;;
		demographics) what="+ user demographics"
			attrs="--user-attributes $work/users.tsv --numeric age" ;;
		genres) what="+ genres"
			attrs="--item-attributes $work/items_genres.tsv --list-sep |" ;;
		year) what="+ release year and decade"
			attrs="--item-attributes $work/items_year.tsv --numeric year" ;;
		items) what="+ genres, year and decade"
			attrs="--item-attributes $work/items.tsv --list-sep | --numeric year" ;;
		all) what="+ all of them"
			attrs="--user-attributes $work/users.tsv --item-attributes $work/items.tsv --list-sep | --numeric age,year" ;;
		esac
		# shellcheck disable=SC2086
		train "$work/b.rec" "$work/time_train.tsv" $base $attrs || :
		row "$what" \
			"$(metric auc "$work/b.rec" "$work/time_test.tsv" --positive 4)" \
			"$(metric auc "$work/b.rec" "$work/time_test_unseen.tsv" --positive 4)"
	done
}

# (c) TalkingData: ip as the user, app as the item, the other columns as
# query-side features; the same as logistic regression (-k 0); and
# scikit-learn's one-hot logistic regression on the same six columns
fig_c() {
	td=$data/talkingdata-adtracking-sample/train_sample.csv
	echo "== (c) TalkingData ad clicks, last 20% by click time as test"
	if [ ! -r "$td" ]; then
		echo "skipped: $td not found"
		return
	fi
	# the files for recpipe, and scikit-learn's figures when it is there
	py=$(sklearn_python) || py=
	if [ -n "$py" ]; then
		"$py" "$dir/talkingdata.py" --sklearn "$data" "$work" \
			> "$work/sklearn" 2> "$work/err" ||
			{ note "$(tail -n 1 "$work/err")"; : > "$work/sklearn"; }
	else
		python3 "$dir/talkingdata.py" "$data" "$work"
	fi
	base="--task binary --label is_attributed --header --user ip --item app"
	attrs=
	feats="--features device,os,channel,hour"
	row "setting" AUC logloss
	for setting in ids features linear; do
		case $setting in
		ids) opts=$base what="ip, app (ids only)" ;;
		features) opts="$base $feats" what="+ device, os, channel, hour" ;;
		linear) opts="$base $feats -k 0" what="+ device, os, channel, hour, -k 0" ;;
		esac
		# shellcheck disable=SC2086
		train "$work/c.rec" "$work/td_train.tsv" $opts || :
		row "$what" \
			"$(metric auc "$work/c.rec" "$work/td_test.tsv" --label is_attributed)" \
			"$(metric logloss "$work/c.rec" "$work/td_test.tsv" --label is_attributed)"
	done
	if [ -z "$py" ]; then
		row "scikit-learn LR: skipped, no python3 with sklearn" - -
	elif [ -s "$work/sklearn" ]; then
		c=$(sed -n 's/^C //p' "$work/sklearn")
		row "scikit-learn LR, one-hot of all six, C=$c" \
			"$(sed -n 's/^auc //p' "$work/sklearn")" \
			"$(sed -n 's/^logloss //p' "$work/sklearn")"
	else
		row "scikit-learn LR, one-hot of all six" n/a n/a
	fi
}

# sklearn_python: an interpreter that has scikit-learn (a version
# manager's python3 may lack Debian's python3-sklearn)
sklearn_python() {
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import numpy, sklearn' 2> /dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# (d) MovieLens latest-small: ratings sorted by (timestamp, user, item),
# the first 80% train; movies.csv's genres as an item attribute table
fig_d() {
	mls=$data/ml-latest-small
	echo "== (d) MovieLens latest-small, global time split, rating >= 4"
	if [ ! -r "$mls/ratings.csv" ] || [ ! -r "$mls/movies.csv" ]; then
		echo "skipped: $mls/ratings.csv or movies.csv not found"
		return
	fi
	python3 - "$mls" "$work" <<'EOF'
import csv, sys
src, out = sys.argv[1], sys.argv[2]
with open(f'{src}/ratings.csv', newline='') as f:
    rows = [(int(r['timestamp']), int(r['userId']), int(r['movieId']),
             r['rating']) for r in csv.DictReader(f)]
rows.sort()
cut = int(len(rows) * 0.8)
for name, part in (('train', rows[:cut]), ('test', rows[cut:])):
    with open(f'{out}/mls_{name}.tsv', 'w') as f:
        f.writelines(f'{u}\t{i}\t{r}\t{t}\n' for t, u, i, r in part)
with open(f'{src}/movies.csv', newline='', encoding='utf-8') as f, \
        open(f'{out}/mls_items.tsv', 'w') as o:
    o.write('item\tgenres\n')
    for r in csv.DictReader(f):
        o.write(f"{r['movieId']}\t{r['genres']}\n")
EOF
	base="--task binary --positive 4"
	row "setting" AUC
	for setting in ids genres; do
		case $setting in
		ids) attrs='' what="ids only" ;;
		genres) what="+ genres"
			attrs="--item-attributes $work/mls_items.tsv --list-sep |" ;;
		esac
		# shellcheck disable=SC2086
		train "$work/d.rec" "$work/mls_train.tsv" $base $attrs || :
		row "$what" "$(metric auc "$work/d.rec" "$work/mls_test.tsv" --positive 4)"
	done
}

if [ -n "$ml_ready" ]; then
	fig_a
	echo
	fig_b
else
	echo "== (a), (b) skipped: $ml/u.data, u.user or u.item not found"
fi
echo
fig_c
echo
fig_d
if [ -s "$work/notes" ]; then
	echo
	echo "n/a: runs that failed, first line of each message:"
	sed 's/^/  /' "$work/notes"
fi
