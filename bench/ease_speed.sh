#!/bin/sh
# Speed and memory of EASE (--model ease): training time and peak RSS for
# catalogues of 1,682 items (MovieLens-100k ua.base), about 9,700 items
# (ml-latest-small) and 20,000 generated items (rec-gen, 50,000 users,
# 2M events), on 1 and 2 threads; top-10 for every user of ua; and an
# update of a 1,000-event batch of the 20,000-item model, checked to be
# the model trained on everything.  Each figure is the median of RUNS
# (default 3) runs (the 20,000-item rows: RUNS20, default 1).
# usage: bench/ease_speed.sh BINDIR DATA-DIR
set -eu
bin=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
tests=$(cd "$(dirname "$0")/../tests/cli" && pwd)
runs=${RUNS:-3}
runs20=${RUNS20:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME RUNS CMD: median wall seconds and peak RSS of CMD
measure() {
	name=$1 n=$2 cmd=$3
	: > "$work/times"
	r=0
	while [ "$r" -lt "$n" ]; do
		/usr/bin/time -f '%e %M' -o "$work/t" sh -c "$cmd" \
			> /dev/null 2> "$work/err" ||
			{ cat "$work/err" >&2; echo "$name: failed" >&2; exit 2; }
		cat "$work/t" >> "$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk -v name="$name" '
		{ t[NR] = $1; m[NR] = $2 }
		END { i = int((NR + 1) / 2)
		      printf "%-46s %8.2f s %8.0f MB\n", name, t[i], m[i] / 1024 }'
}

ease="$bin/rec-train -q --task implicit --model ease"
ml=$data/ml-100k
small=$data/ml-latest-small/ratings.csv
"$bin/rec-gen" --users 50000 --items 20000 --events 2000000 --zipf 0.8 \
	--seed 3 | cut -f 1,2,4 > "$work/g20k.tsv"
head -n 1999000 "$work/g20k.tsv" > "$work/g20k-a.tsv"
tail -n 1000 "$work/g20k.tsv" > "$work/g20k-b.tsv"
cut -f 1 "$ml/ua.test" | uniq > "$work/users"

printf '%-46s %10s %11s\n' "run" "time" "peak RSS"
measure "train ua.base (1,682 items), 1 thread" "$runs" \
	"$ease -o $work/ua.rec $ml/ua.base"
measure "train ml-latest-small (9,724 items), 1 thread" "$runs" \
	"$ease --header --user userId --item movieId -o $work/s.rec $small"
measure "train ml-latest-small (9,724 items), 2 threads" "$runs" \
	"$ease --threads 2 --header --user userId --item movieId -o $work/s2.rec $small"
measure "top-10 for all 943 users of ua" "$runs" \
	"$bin/rec-predict -m $work/ua.rec --top 10 $work/users"
measure "train 20,000 generated items, 1 thread" "$runs20" \
	"$ease --time 3 -o $work/g1.rec $work/g20k.tsv"
measure "train 20,000 generated items, 2 threads" "$runs20" \
	"$ease --time 3 --threads 2 -o $work/g2.rec $work/g20k.tsv"
$ease --time 3 --threads 2 -o "$work/ga.rec" "$work/g20k-a.tsv"
cp "$work/ga.rec" "$work/ga0.rec"
measure "update 20,000 items by 1,000 events, 2 threads" 1 \
	"$bin/rec-update -q --threads 2 -m $work/ga.rec $work/g20k-b.tsv"
python3 "$tests/same_model.py" --any-runs "$work/ga.rec" "$work/g2.rec" &&
	echo "updated model == model trained on all 2M events: yes" ||
	{ echo "updated model differs from the retrained one"; exit 1; }
python3 "$tests/same_model.py" --any-runs "$work/g1.rec" "$work/g2.rec" &&
	echo "1 thread == 2 threads: yes" ||
	{ echo "1 and 2 threads differ"; exit 1; }
ls -l "$work/g2.rec" | awk '{ printf "model file, 20,000 items: %.0f MB\n", $5 / 1e6 }'
