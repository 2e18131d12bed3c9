# Helpers for table-driven CLI test scripts (sourced after lib.sh).
#
# run_case runs one case in a subshell: a failing case is reported and
# counted, and the script goes on, so one run shows every failing case.
# set -e does not apply inside a subshell run as the left side of ||, so
# every step of a case must check itself (... || fail "...").
failures=0
run_case() {
	( "$@" ) || failures=$((failures + 1))
}
# done_cases: the script fails if any case failed
done_cases() {
	[ "$failures" -eq 0 ] || fail "$failures failing case(s), see above"
}
# expect_no_err: nothing on stderr (file err)
expect_no_err() {
	[ ! -s err ] || { cat err >&2; fail "unexpected stderr"; }
}
# expect_no_out: nothing on stdout (file out)
expect_no_out() {
	[ ! -s out ] || { head -n 5 out >&2; fail "unexpected stdout"; }
}
# expect_out PATTERN: stdout (file out) matches the extended regex
expect_out() {
	grep -Eq -- "$1" out || { head -n 20 out >&2; fail "stdout lacks /$1/"; }
}
# expect_err_first PATTERN: the first line of stderr matches the regex
expect_err_first() {
	first=
	IFS= read -r first < err || :
	printf '%s\n' "$first" | grep -Eq -- "$1" ||
		{ cat err >&2; fail "first line of stderr is not /$1/"; }
}
# expect_err_lines N PATTERN: exactly N lines of stderr match the regex
expect_err_lines() {
	n=$(grep -Ec -- "$2" err) || n=0
	[ "$n" -eq "$1" ] ||
		{ cat err >&2; fail "$n lines of stderr match /$2/, wanted $1"; }
}
# lines FILE: its number of lines
lines() {
	n=$(wc -l < "$1") || return 1
	echo $((n))
}
# binary_labels: rec-gen's ratings on stdin made 0/1 (rating >= 4)
binary_labels() {
	awk 'BEGIN { FS = OFS = "\t" } { $3 = ($3 >= 4) ? 1 : 0; print }'
}
# find_python: set PYTHON to the interpreter itself, found once, as a
# version manager's python3 shim is slow to start each time
find_python() {
	PYTHON=$(python3 -c 'import sys; print(sys.executable)') ||
		fail "python3 is needed"
}
