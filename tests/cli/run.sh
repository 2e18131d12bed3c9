#!/bin/sh
# End-to-end tests of the programs: every tests/cli/*.t script is run with
# BIN set to the directory of the programs and a fresh scratch directory as
# the working directory.  A script passes when it exits 0.
set -u
BIN=$(cd "$1" && pwd)
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
export TESTS="$dir"
pass=0 fail=0
for t in "$dir"/*.t; do
	work=$(mktemp -d)
	if (cd "$work" && sh -eu "$t") >"$work.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL cli $(basename "$t")"
		sed 's/^/    /' "$work.log" | tail -n 30
	fi
	rm -rf "$work" "$work.log"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
