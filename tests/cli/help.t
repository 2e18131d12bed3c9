# --help, --version, unknown options and bad option values, for every
# program: help and version on stdout with exit 0 and a quiet stderr;
# usage errors exit 2 with a message that starts with the program's name.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

version=$(sed -n 's/^#define REC_VERSION "\(.*\)"$/\1/p' "$TESTS/../../lib/rec.h")
[ -n "$version" ] || fail "no REC_VERSION in lib/rec.h"

# the programs the project promises, and any other rec-* that was built
programs="rec-train rec-predict rec-eval rec-info rec-promote rec-split rec-gen"
for p in "$BIN"/rec-*; do
	p=${p##*/}
	case " $programs " in *" $p "*) ;; *) programs="$programs $p" ;; esac
done
for p in $programs; do
	[ -x "$BIN/$p" ] || fail "$p was not built"
done
set -f	# the words of the tables below are taken as they are

help_case() {	# PROG OPTION
	expect_exit 0 "$BIN/$1" "$2" </dev/null
	first=
	IFS= read -r first < out || :
	case $first in
	"Usage: $1"*) ;;
	*) head -n 3 out >&2; fail "$1 $2: stdout does not begin 'Usage: $1'" ;;
	esac
	expect_no_err
}
version_case() {	# PROG OPTION
	expect_exit 0 "$BIN/$1" "$2" </dev/null
	first=
	IFS= read -r first < out || :
	case $first in
	"$1 $version" | "$1 (recpipe) $version") ;;
	*) cat out >&2; fail "$1 $2: not '$1 $version' or '$1 (recpipe) $version'" ;;
	esac
	expect_no_err
}
unknown_case() {	# PROG REGEX ARGS...: getopt refuses ARGS
	prog=$1 re=$2
	shift 2
	expect_exit 2 "$BIN/$prog" "$@" </dev/null
	expect_no_out
	# getopt may name the program by the path it was run as
	expect_err_first "^(.*/)?$prog: .*$re"
	grep -qx "Try '$prog --help' for more information." err || { cat err >&2
		fail "$prog $*: no \"Try '$prog --help' for more information.\""; }
}
for p in $programs; do
	run_case help_case "$p" --help
	run_case help_case "$p" -h
	run_case version_case "$p" --version
	run_case version_case "$p" -V
	run_case unknown_case "$p" "option.*--no-such-option" --no-such-option
	run_case unknown_case "$p" "option.*Z" -Z
done
# an option without its argument
run_case unknown_case rec-train "bits.* requires an argument" --bits
run_case unknown_case rec-predict "requires an argument.*m" -m
run_case unknown_case rec-eval "fail-under.* requires an argument" --fail-under

# Bad option values: PROG | ARGS | what the message must say (after
# "PROG: ").  Every one exits 2 before any input is read.
bad_value_case() {	# PROG REGEX ARGS...
	prog=$1 re=$2
	shift 2
	expect_exit 2 "$BIN/$prog" "$@" </dev/null
	expect_no_out
	expect_err_first "^$prog: .*$re"
}
while IFS='|' read -r prog args re; do
	case $prog in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086 # the arguments are words of the table
	run_case bad_value_case "$prog" "$re" $args
done <<'EOF'
rec-train|--bits 99|--bits.*'99'.*\[1, 32\]
rec-train|--bits 0|--bits.*'0'
rec-train|-b x|--bits.*'x'
rec-train|--bits 1e3|--bits.*'1e3'
rec-train|--factors -1|--factors.*'-1'.*\[0, 256\]
rec-train|--factors 257|--factors.*'257'
rec-train|-k 2.5|--factors.*'2.5'
rec-train|--lr abc|--lr.*'abc'
rec-train|--lr 0|--lr.*'0'
rec-train|--lr nan|--lr.*'nan'
rec-train|--lr inf|--lr.*'inf'
rec-train|--lr 0.1x|--lr.*'0.1x'
rec-train|--l2 -1|--l2.*'-1'
rec-train|--holdout 1.5|--holdout.*'1.5'
rec-train|--holdout -0.1|--holdout.*'-0.1'
rec-train|--passes 0|--passes.*'0'
rec-train|--patience 0|--patience.*'0'
rec-train|--seed -1|--seed.*'-1'
rec-train|--task foo|--task.*'foo'
rec-train|--loss foo|--loss.*'foo'
rec-train|--optimizer foo|--optimizer.*'foo'
rec-train|--positive abc|--positive.*'abc'
rec-train|--task regression --loss logistic|(regression.*(squared|logistic)|logistic.*(binary|regression))
rec-eval|--fail-under foo|--fail-under.*'foo'.*METRIC=VALUE
rec-eval|--fail-under nosuch=1|--fail-under.*nosuch
rec-eval|--fail-under auc=x|--fail-under.*'x'
rec-eval|--fail-over logloss|--fail-over.*'logloss'
rec-eval|--task foo|--task.*'foo'
rec-eval|--user 1|--user
rec-predict|--raw|no model
rec-info||no model
rec-gen|--events -1|--events.*'-1'
rec-gen|--events x|--events.*'x'
EOF

# an empty column name is refused; it cannot be written in the table
run_case bad_value_case rec-train "--user.*empty" --user ''
run_case bad_value_case rec-eval "--label.*empty" --label ''

done_cases
