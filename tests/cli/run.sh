#!/bin/sh
# End-to-end tests of the programs: every tests/cli/*.t script is run with
# BIN set to the directory of the programs and a fresh scratch directory as
# the working directory.  A script passes when it exits 0; one that exits
# 77 (skip, in lib.sh) could not run here, and its last line says why.
set -u
BIN=$(cd "$1" && pwd)
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
export TESTS="$dir"
pass=0 fail=0 skipped=0
for t in "$dir"/*.t; do
	work=$(mktemp -d)
	status=0
	(cd "$work" && sh -eu "$t") >"$work.log" 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		pass=$((pass + 1))
	elif [ "$status" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "SKIP cli $(basename "$t"): $(tail -n 1 "$work.log")"
	else
		fail=$((fail + 1))
		echo "FAIL cli $(basename "$t")"
		sed 's/^/    /' "$work.log" | tail -n 30
	fi
	rm -rf "$work" "$work.log"
done
echo "cli: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
