#!/bin/sh
# Two builds side by side: the throughput figures of bench/speed.sh and a
# top-k run, each measured for OLD and NEW in turn, RUNS times, so that both
# see the same load.  Prints the median seconds of each and NEW's speed as a
# share of OLD's.  Build an older version with, e.g.,
#   git worktree add /tmp/old v0 && make -C /tmp/old all
# usage: bench/compare.sh OLD_BINDIR NEW_BINDIR [DATADIR]
set -eu
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
data=${3:-$(dirname "$0")/../../shared/data}
runs=${RUNS:-5}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "compare: $udata not found, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$udata" "$work"
"$new/rec-gen" --users 20000 --items 100000 --events 1000000 --zipf 0 \
	--seed 4 > "$work/events.tsv"
cut -f1 "$work/events.tsv" | awk '!seen[$0]++' > "$work/users.txt"
for v in old new; do
	eval "b=\$$v"
	"$b/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 \
		-o "$work/$v.k8.rec" "$work/big.tsv"
	"$b/rec-predict" -m "$work/$v.k8.rec" "$work/big.tsv" > "$work/$v.scored"
	"$b/rec-train" -q --task implicit -k 64 -p 1 --holdout 0 \
		-o "$work/$v.top.rec" "$work/events.tsv"
done

# compare NAME CMD: CMD with $b for the programs and $v for the build
compare() {
	name=$1 cmd=$2
	: > "$work/old.t"
	: > "$work/new.t"
	r=0
	while [ $r -lt "$runs" ]; do
		for v in old new; do
			eval "b=\$$v"
			/usr/bin/time -f '%e' -o "$work/t" sh -c "$(eval "echo \"$cmd\"")" \
				> /dev/null
			cat "$work/t" >> "$work/$v.t"
		done
		r=$((r + 1))
	done
	o=$(sort -n "$work/old.t" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
	n=$(sort -n "$work/new.t" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
	awk -v name="$name" -v o="$o" -v n="$n" 'BEGIN {
		printf "%-30s old %7.2f s  new %7.2f s  new speed %6.1f%% of old\n",
			name, o, n, 100 * o / n }'
}

echo "rows: $(wc -l < "$work/big.tsv"), runs: $runs (medians)"
compare "rec-train -k 0 (1 pass)" '$b/rec-train -q --positive 4 -k 0 -p 1 --holdout 0 -o $work/$v.k0.rec $work/big.tsv'
compare "rec-train -k 8 (1 pass)" '$b/rec-train -q --positive 4 -k 8 -p 1 --holdout 0 -o $work/$v.k8b.rec $work/big.tsv'
compare "rec-update -k 8" 'cp $work/$v.k8.rec $work/$v.u8.rec && $b/rec-update -q -m $work/$v.u8.rec $work/big.tsv'
compare "rec-predict (k 8)" '$b/rec-predict -m $work/$v.k8.rec $work/big.tsv'
compare "rec-eval" '$b/rec-eval --positive 4 $work/$v.scored'
compare "rec-predict --top 10 (k 64)" '$b/rec-predict -m $work/$v.top.rec --top 10 $work/users.txt'
