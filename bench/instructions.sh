#!/bin/sh
# Instructions executed (valgrind --tool=callgrind), old build against new,
# on 1M rows of the benchmark file: unlike seconds on a shared machine,
# the count is the same on every run, so a small difference is real.
# usage: bench/instructions.sh OLD_BINDIR NEW_BINDIR [DATADIR]
set -eu
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
data=${3:-$(dirname "$0")/../../shared/data}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "instructions: $udata not found, skipped"; exit 0; }
command -v valgrind >/dev/null || { echo "instructions: no valgrind, skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$(dirname "$0")/big.sh" "$udata" "$work"
head -n 1000000 "$work/big.tsv" > "$work/m.tsv"
"$new/rec-gen" --users 2000 --items 20000 --events 200000 --zipf 0 \
	--seed 4 > "$work/events.tsv"
cut -f1 "$work/events.tsv" | awk '!seen[$0]++' > "$work/users.txt"
for v in old new; do
	eval "b=\$$v"
	"$b/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 \
		-o "$work/$v.k8.rec" "$work/m.tsv"
	"$b/rec-predict" -m "$work/$v.k8.rec" "$work/m.tsv" > "$work/$v.scored"
	"$b/rec-train" -q --task implicit -k 64 -p 1 --holdout 0 \
		-o "$work/$v.top.rec" "$work/events.tsv"
done

# count NAME PRE CMD: instructions of CMD (a program and its arguments,
# after PRE, a shell command that is not counted), with $b the programs
# of build $v and $work the scratch directory
count() {
	name=$1 pre=$2 cmd=$3
	for v in old new; do
		eval "b=\$$v"
		eval "$pre"
		# shellcheck disable=SC2046 # the words of the command
		valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
			$(eval "echo \"$cmd\"") > /dev/null 2> "$work/cg.err"
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err" > "$work/$v.n"
	done
	awk -v name="$name" -v o="$(cat "$work/old.n")" -v n="$(cat "$work/new.n")" \
		'BEGIN { printf "%-30s old %14.0f  new %14.0f  new/old %6.3f\n",
			 name, o, n, n / o }'
}

echo "instructions (callgrind), 1M rows; top-k: 2,000 users x 20,000 items"
count "rec-train -k 0 (1 pass)" : '$b/rec-train -q --positive 4 -k 0 -p 1 --holdout 0 -o $work/$v.k0.rec $work/m.tsv'
count "rec-train -k 8 (1 pass)" : '$b/rec-train -q --positive 4 -k 8 -p 1 --holdout 0 -o $work/$v.k8b.rec $work/m.tsv'
count "rec-train -k 8 (3 passes)" : '$b/rec-train -q --positive 4 -k 8 -p 3 -o $work/$v.k8c.rec $work/m.tsv'
count "rec-update -k 8" 'cp $work/$v.k8.rec $work/$v.u8.rec' '$b/rec-update -q -m $work/$v.u8.rec $work/m.tsv'
count "rec-predict (k 8)" : '$b/rec-predict -m $work/$v.k8.rec $work/m.tsv'
count "rec-eval" : '$b/rec-eval --positive 4 $work/$v.scored'
count "rec-predict --top 10 (k 64)" : '$b/rec-predict -m $work/$v.top.rec --top 10 $work/users.txt'
