#!/bin/sh
# Top-k speed: top-10 for every one of 20,000 users over 100,000 generated
# items with k = 64, set against the machine's measured FMA peak
# (bench/peak.c: independent fused multiply-add chains on the widest
# vectors the CPU has).  Figures are medians of RUNS runs.
# usage: bench/topk_speed.sh BINDIR
set -eu
bin=$(cd "$1" && pwd)
runs=${RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${CC:-cc} -O2 -std=gnu11 -o "$work/peak" "$here/peak.c" -pthread
"$bin/rec-gen" --users 20000 --items 100000 --events 1000000 --zipf 0 \
	--seed 4 > "$work/events.tsv"
"$bin/rec-train" -q --task implicit -k 64 -p 1 --holdout 0 \
	-o "$work/m.rec" "$work/events.tsv"
cut -f1 "$work/events.tsv" | awk '!seen[$0]++' > "$work/users.txt"
users=$(wc -l < "$work/users.txt")
items=$("$bin/rec-info" "$work/m.rec" | awk '$1 == "items" { print $2 }')
echo "top-10 for $users users over $items items, k = 64"
for t in 1 2; do
	peak=$("$work/peak" $t | awk '{ print $1 }')
	: > "$work/times"
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%e' -o "$work/t" "$bin/rec-predict" -m "$work/m.rec" \
			--top 10 --threads $t "$work/users.txt" > "$work/top.tsv"
		cat "$work/t" >> "$work/times"
		r=$((r + 1))
	done
	sort -n "$work/times" | awk -v u="$users" -v i="$items" -v p="$peak" -v t=$t '
		{ s[NR] = $1 }
		END { m = s[int((NR + 1) / 2)]
		      g = 2 * u * i * 65 / m / 1e9
		      printf "threads %d: %.2f s, %.1f GFLOP/s, peak %.1f GFLOP/s: %.0f%% of peak\n",
			t, m, g, p, 100 * g / p }'
done
