# Progress on long inputs: a line of rows read and rows a second every
# few seconds on stderr, only when stderr is a terminal (script(1) gives
# the programs one) and not with -q; never in a pipe or a log.
. "$TESTS/lib.sh"
if ! command -v script > /dev/null 2>&1; then
	echo "skipped: no script(1) to give the programs a terminal"
	exit 0
fi
"$BIN/rec-gen" --events 70000 --seed 2 | cut -f 1,2,3 > part.tsv ||
	fail "rec-gen"
# 70000 rows, a pause, 70000 more: a report, made every 65536 rows once
# two seconds have passed, comes after the pause
slow() {	# PROGRAM ARGS...
	script -qec "sh -c '(cat part.tsv; sleep 2.2; cat part.tsv) | $*'" \
		/dev/null
}
slow "$BIN/rec-split" --train a.tsv --test b.tsv --random 0.1 > tty.out ||
	fail "rec-split under script"
grep -q 'rec-split: [0-9]* rows read, [0-9.]*M rows/s' tty.out ||
	{ cat tty.out >&2; fail "no progress line on a terminal"; }
slow "$BIN/rec-split" -q --train a.tsv --test b.tsv --random 0.1 > q.out ||
	fail "rec-split -q under script"
grep -q 'rows read' q.out && fail "a progress line with -q"
slow "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -o m.rec > t.out ||
	fail "rec-train under script"
grep -q 'rows read' t.out && fail "a progress line from rec-train -q"
# not a terminal: nothing
(cat part.tsv; sleep 2.2; cat part.tsv) |
	"$BIN/rec-split" --train a.tsv --test b.tsv --random 0.1 2> pipe.err ||
	fail "rec-split in a pipe"
grep -q 'rows read' pipe.err && fail "a progress line without a terminal"
exit 0
