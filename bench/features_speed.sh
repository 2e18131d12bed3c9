#!/bin/sh
# Speed of side features: one-thread training on ROWS (default 10M) events
# of rec-gen --columns 8 (user, item, rating and eight categorical columns:
# c1, c3, c5, c7 describe the user, c2, c4, c6, c8 the item), by recpipe
# with and without the columns, and by Vowpal Wabbit on the very same
# events (rec-gen --format vw): linear, and field-aware low-rank
# quadratics over all ten namespaces (--lrqfa uiabcdefgh8).  Then
# rec-predict's score mode over the same file and --top 10 for 1000 users
# (TOPK_USERS), for models of ids only, with the user columns, and with
# the user and the item columns.  Each figure is the median of RUNS
# (default 3) runs; the files are made in a scratch directory.
# A run that fails (an option this build lacks) shows as failed, with its
# message under the table.  Without VWBIN, or if it does not run, the VW
# rows are skipped.
# usage: bench/features_speed.sh BINDIR [VWBIN]
set -eu
bin=$(cd "$1" && pwd)
vw=${2:-}
rows=${ROWS:-10000000}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/notes"

gen="--columns 8 --events $rows --users 100000 --items 20000 --seed 1"
user_cols=c1,c3,c5,c7
item_cols=c2,c4,c6,c8
base_opts="-q -p 1 --holdout 0 --task binary --positive 4 --header"
train_opts="$base_opts -k 8"
user_features="--features $user_cols"
features="$user_features --item-features $item_cols"
# the VW namespaces: u user, i item, a..h the columns c1..c8
vw_lrqfa=uiabcdefgh8
topk_users=${TOPK_USERS:-1000}

# measure NAME COUNT UNIT CMD: median wall seconds over $runs runs of the
# shell command CMD, COUNT UNIT per second, and the median peak RSS
measure() {
	name=$1 count=$2 unit=$3 cmd=$4
	: > "$work/times"
	r=0
	while [ "$r" -lt "$runs" ]; do
		if ! /usr/bin/time -f '%e %M' -o "$work/t" sh -c "$cmd" \
			> /dev/null 2> "$work/err"; then
			printf '%-44s %s\n' "$name" failed
			grep -v '^Command exited' "$work/err" | head -n 1 >> "$work/notes" || :
			return 0
		fi
		cat "$work/t" >> "$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk -v name="$name" -v n="$count" -v unit="$unit" '
		{ t[NR] = $1; m[NR] = $2 }
		END { mid = int((NR + 1) / 2)
		      if (t[mid] <= 0) t[mid] = 0.01
		      printf "%-44s %8.2f s %12.0f %s/s %7.0f MB\n",
			name, t[mid], n / t[mid], unit, m[mid] / 1024 }'
}

# vw_ok: VWBIN runs; sets vw_thread to its one-thread option, if it has one
vw_ok() {
	[ -n "$vw" ] || { echo "VW: skipped, no VWBIN given"; return 1; }
	"$vw" --version > /dev/null 2>&1 ||
		{ echo "VW: skipped, '$vw' does not run"; return 1; }
	if "$vw" --help 2>&1 | grep -q -- '--onethread'; then
		vw_thread=--onethread
	else
		vw_thread=
		echo "VW: no --onethread in this version; its default threads are used"
	fi
}

# shellcheck disable=SC2086 # $gen, $train_opts and the like are words
"$bin/rec-gen" $gen --header > "$work/ev.tsv"
echo "rows: $rows (rec-gen $gen)"
echo "rec-train: $train_opts"
echo

m=$work
measure "rec-train ids only" "$rows" rows \
	"$bin/rec-train $train_opts -o $m/ids.rec $m/ev.tsv"
measure "rec-train + 4 user columns" "$rows" rows \
	"$bin/rec-train $train_opts $user_features -o $m/user.rec $m/ev.tsv"
measure "rec-train + 4 user, 4 item columns" "$rows" rows \
	"$bin/rec-train $train_opts $features -o $m/feat.rec $m/ev.tsv"
measure "rec-train + columns, --interactions all" "$rows" rows \
	"$bin/rec-train $train_opts $features --interactions all -o $m/all.rec $m/ev.tsv"
measure "rec-train + columns, -k 0" "$rows" rows \
	"$bin/rec-train $base_opts $features -k 0 -o $m/lin.rec $m/ev.tsv"

if vw_ok; then
	# shellcheck disable=SC2086
	"$bin/rec-gen" $gen --format vw > "$work/ev.vw"
	vw_opts="$vw_thread -b 24 --loss_function logistic --quiet"
	echo "vw: $vw_opts"
	measure "vw linear" "$rows" rows \
		"$vw $vw_opts -d $m/ev.vw -f $m/linear.vw"
	# --lrqfa is slow: LRQFA_ROWS (default all) times it on the first rows
	lrq_rows=${LRQFA_ROWS:-$rows}
	head -n "$lrq_rows" "$work/ev.vw" > "$work/ev_lrq.vw"
	measure "vw --lrqfa $vw_lrqfa ($lrq_rows rows)" "$lrq_rows" rows \
		"$vw $vw_opts --lrqfa $vw_lrqfa -d $m/ev_lrq.vw -f $m/lrqfa.vw"
	rm -f "$work/ev_lrq.vw"
	rm -f "$work/ev.vw"
fi

# the first event of each of the first $topk_users users, with the header:
# top-k reads a user's query-side columns from its row
awk -F '\t' -v n="$topk_users" 'NR == 1 { print; next }
	!($1 in seen) { seen[$1] = 1; print; if (++k == n) exit }' \
	"$work/ev.tsv" > "$work/users.tsv"
echo
for model in ids user feat; do
	case $model in
	ids) what="ids only" ;;
	user) what="user columns" ;;
	feat) what="user and item columns" ;;
	esac
	if [ ! -s "$work/$model.rec" ]; then
		printf '%-44s %s\n' "rec-predict, model $what" "no model"
		continue
	fi
	measure "rec-predict score, $what" "$rows" rows \
		"$bin/rec-predict -m $m/$model.rec $m/ev.tsv"
	measure "rec-predict --top 10, $what" "$topk_users" users \
		"$bin/rec-predict -m $m/$model.rec --top 10 --threads 1 $m/users.tsv"
done

if [ -s "$work/notes" ]; then
	echo
	echo "failed runs, first line of each message:"
	sort -u "$work/notes" | sed 's/^/  /'
fi
