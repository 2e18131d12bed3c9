#!/bin/sh
# Two builds side by side, on the same data and the same load.
#   time (default): the throughput figures of bench/speed.sh on 10M rows
#     and top-k for 20,000 users over 100,000 items; each measurement runs
#     OLD and NEW in turn, RUNS times (default 5), and prints the medians.
#   MODE=instructions: instructions executed (valgrind's callgrind) on 1M
#     rows and top-k for 2,000 users over 20,000 items: unlike seconds on a
#     shared machine, the count is the same on every run.
# Build an older version with, e.g.,
#   git worktree add /tmp/old v0 && make -C /tmp/old all
# usage: [MODE=instructions] bench/compare.sh OLD_BINDIR NEW_BINDIR [DATADIR]
set -eu
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
data=${3:-$(dirname "$0")/../../shared/data}
mode=${MODE:-time}
runs=${RUNS:-5}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "compare: $udata not found, skipped"; exit 0; }
if [ "$mode" = instructions ]; then
	command -v valgrind >/dev/null ||
		{ echo "compare: no valgrind, skipped"; exit 0; }
	rows=1000000 users=2000 items=20000 events=200000
else
	rows=10000000 users=20000 items=100000 events=1000000
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$udata" "$work"
head -n "$rows" "$work/big.tsv" > "$work/rows.tsv"
"$new/rec-gen" --users $users --items $items --events $events --zipf 0 \
	--seed 4 > "$work/events.tsv"
cut -f1 "$work/events.tsv" | awk '!seen[$0]++' > "$work/users.txt"
for v in old new; do
	eval "b=\$$v"
	"$b/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 \
		-o "$work/$v.k8.rec" "$work/rows.tsv"
	"$b/rec-predict" -m "$work/$v.k8.rec" "$work/rows.tsv" > "$work/$v.scored"
	"$b/rec-train" -q --task implicit -k 64 -p 1 --holdout 0 \
		-o "$work/$v.top.rec" "$work/events.tsv"
done

# One measurement of CMD (a program and its arguments) into file $1.
measure_time() {
	out=$1
	shift
	/usr/bin/time -f '%e' -o "$work/t" "$@" > /dev/null
	cat "$work/t" >> "$out"
}
measure_instructions() {
	out=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" \
		> /dev/null 2> "$work/cg.err"
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err" >> "$out"
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# compare NAME PRE CMD: CMD (a program and its arguments) after PRE (a
# shell command, not measured), with $b the programs of build $v and $work
# the scratch directory
compare() {
	name=$1 pre=$2 cmd=$3
	: > "$work/old.m"
	: > "$work/new.m"
	n=$([ "$mode" = instructions ] && echo 1 || echo "$runs")
	r=0
	while [ $r -lt "$n" ]; do
		for v in old new; do
			eval "b=\$$v"
			eval "$pre"
			# shellcheck disable=SC2046 # the words of the command
			"measure_$mode" "$work/$v.m" $(eval "echo \"$cmd\"")
		done
		r=$((r + 1))
	done
	awk -v name="$name" -v mode="$mode" -v o="$(median "$work/old.m")" \
		-v n="$(median "$work/new.m")" 'BEGIN {
		if (mode == "instructions")
			printf "%-30s old %14.0f  new %14.0f  new/old %6.3f\n",
				name, o, n, n / o
		else
			printf "%-30s old %7.2f s  new %7.2f s  new speed %6.1f%% of old\n",
				name, o, n, 100 * o / n }'
}

if [ "$mode" = instructions ]; then
	echo "instructions (callgrind), $rows rows; top-k: $users users x $items items"
else
	echo "rows: $rows, runs: $runs (medians); top-k: $users users x $items items"
fi
compare "rec-train -k 0 (1 pass)" : '$b/rec-train -q --positive 4 -k 0 -p 1 --holdout 0 -o $work/$v.k0.rec $work/rows.tsv'
compare "rec-train -k 8 (1 pass)" : '$b/rec-train -q --positive 4 -k 8 -p 1 --holdout 0 -o $work/$v.k8b.rec $work/rows.tsv'
[ "$mode" = instructions ] &&
	compare "rec-train -k 8 (3 passes)" : '$b/rec-train -q --positive 4 -k 8 -p 3 -o $work/$v.k8c.rec $work/rows.tsv'
compare "rec-update -k 8" 'cp $work/$v.k8.rec $work/$v.u8.rec' '$b/rec-update -q -m $work/$v.u8.rec $work/rows.tsv'
compare "rec-predict (k 8)" : '$b/rec-predict -m $work/$v.k8.rec $work/rows.tsv'
compare "rec-eval" : '$b/rec-eval --positive 4 $work/$v.scored'
compare "rec-predict --top 10 (k 64)" : '$b/rec-predict -m $work/$v.top.rec --top 10 $work/users.txt'
