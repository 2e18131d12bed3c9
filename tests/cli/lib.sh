# Helpers for the CLI test scripts (sourced).
fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: the test cannot run on this machine (run.sh says so)
skip() { echo "$*"; exit 77; }
# expect_exit STATUS CMD...: run CMD, stdout to out, stderr to err
expect_exit() {
	want=$1; shift
	got=0
	"$@" >out 2>err || got=$?
	[ "$got" -eq "$want" ] || { cat err >&2; fail "exit $got, wanted $want: $*"; }
}
# expect_err PATTERN: stderr (file err) matches the extended regex
expect_err() {
	grep -Eq -- "$1" err || { cat err >&2; fail "stderr lacks /$1/"; }
}
# info MODEL KEY: the value rec-info prints for KEY
info() {
	"$BIN/rec-info" "$1" >info.out || fail "rec-info $1 failed"
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }' \
		info.out || fail "rec-info $1 shows no $2"
}
