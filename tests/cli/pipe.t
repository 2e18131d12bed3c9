# Standard output: a reader that goes away (| head) ends a program
# quietly; a write that fails (/dev/full, a closed stdout) is an error
# with exit 2 and a message.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

"$BIN/rec-gen" --events 30000 --users 500 --items 300 --seed 51 | binary_labels > data.tsv
"$BIN/rec-train" -q --passes 2 -o m.rec data.tsv || fail "rec-train failed"
"$BIN/rec-predict" -m m.rec data.tsv > scored.tsv || fail "rec-predict failed"
# rec-predict's output must be well over what a pipe and stdio buffer hold
[ "$(wc -c < scored.tsv)" -gt 1000000 ] || fail "scored.tsv too small for the test"

# quiet_head PROG ARGS...: PROG | head -n 1, PROG's status and stderr kept
quiet_head() {
	{ "$@" 2>err; echo $? > status; } | head -n 1 > first
	st=$(cat status)
	# 0 if it finished first; 141 (128 + SIGPIPE) when head was gone
	[ "$st" -eq 0 ] || [ "$st" -eq 141 ] || { cat err >&2; fail "exit $st: $* | head -n 1"; }
	expect_no_err
	[ "$(lines first)" -eq 1 ] || fail "head got nothing: $*"
}
head_case() {
	quiet_head "$@"
}
run_case head_case "$BIN/rec-predict" -m m.rec data.tsv
run_case head_case "$BIN/rec-predict" --raw -m m.rec data.tsv
run_case head_case "$BIN/rec-predict" -m m.rec - < data.tsv
run_case head_case "$BIN/rec-gen" --events 200000
run_case head_case "$BIN/rec-train" -q data.tsv
run_case head_case "$BIN/rec-train" --help
first_line_case() {	# what head got is the first scored row
	quiet_head "$BIN/rec-predict" -m m.rec data.tsv
	head -n 1 scored.tsv | cmp -s - first || fail "head got another first line"
}
run_case first_line_case
# SIGPIPE ignored by whoever started us (some service managers and job
# runners do): the write fails with EPIPE, which must end the program as
# quietly as the signal would
ignored_case() {
	trap '' PIPE
	quiet_head "$@"
}
run_case ignored_case "$BIN/rec-predict" -m m.rec data.tsv
run_case ignored_case "$BIN/rec-gen" --events 200000

# ---- failed writes ----
[ -w /dev/full ] || fail "no /dev/full"
# full_case PROG ARGS...: stdout on a full device
full_case() {
	prog=$1
	shift
	got=0
	"$BIN/$prog" "$@" > /dev/full 2> err || got=$?
	[ "$got" -eq 2 ] || { cat err >&2; fail "exit $got, wanted 2: $prog $* > /dev/full"; }
	case $prog in
	rec-gen) expect_err_first "^rec-gen: .*(error writing|write error)" ;;
	*) expect_err_first "^$prog: error writing" ;;
	esac
}
run_case full_case rec-predict -m m.rec data.tsv
run_case full_case rec-predict -m m.rec --raw data.tsv
run_case full_case rec-predict -m m.rec - < data.tsv
run_case full_case rec-train -q data.tsv
run_case full_case rec-eval scored.tsv
run_case full_case rec-eval --json scored.tsv
run_case full_case rec-info m.rec
run_case full_case rec-info --json m.rec
run_case full_case rec-gen --events 10
for p in rec-train rec-predict rec-eval rec-info rec-gen; do
	run_case full_case "$p" --help
	run_case full_case "$p" --version
done
# small outputs too: a single scored row
head -n 1 data.tsv > one.tsv
run_case full_case rec-predict -m m.rec one.tsv

# stdout closed altogether
closed_case() {	# PROG ARGS...
	prog=$1
	shift
	got=0
	"$BIN/$prog" "$@" 2>err >&- || got=$?
	[ "$got" -eq 2 ] || { cat err >&2; fail "exit $got, wanted 2: $prog $* >&-"; }
	expect_err_first "^$prog: error writing"
}
run_case closed_case rec-predict -m m.rec one.tsv
run_case closed_case rec-eval scored.tsv
run_case closed_case rec-info m.rec

done_cases
