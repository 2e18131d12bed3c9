#!/bin/sh
# Check rec-eval against goldens from the independent reference in
# metrics.py.  Cases whose golden has no AUC (one class) must make rec-eval
# fail with exit 2 and a message, since AUC is what it is asked for.
set -u
bin=$1
dir=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
tab=$(printf '\t')
while IFS="$tab" read -r name opts; do
	[ -n "$name" ] || continue
	status=0
	# shellcheck disable=SC2086
	"$bin/rec-eval" --json $opts "$dir/$name.tsv" >"$tmp/out" 2>"$tmp/err" || status=$?
	if grep -q '"auc"' "$dir/$name.json"; then
		if [ "$status" -eq 0 ] &&
		   python3 "$dir/compare.py" "$dir/$name.json" "$tmp/out" >"$tmp/diff" 2>&1; then
			pass=$((pass + 1))
		else
			echo "FAIL golden $name (exit $status)"; cat "$tmp/err" "$tmp/diff"
			fail=$((fail + 1))
		fi
	else
		if [ "$status" -eq 2 ] && grep -q '^rec-eval: AUC needs' "$tmp/err"; then
			pass=$((pass + 1))
		else
			echo "FAIL golden $name: expected exit 2 for one-class input, got $status"
			fail=$((fail + 1))
		fi
	fi
done <"$dir/cases.txt"
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
