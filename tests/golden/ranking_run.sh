#!/bin/sh
# Check rec-eval's ranking metrics against goldens from the independent
# reference in ranking.py: for each case NAME in ranking/, run
#   rec-eval --truth ranking/NAME.truth.tsv -k 1,3,5 --json ranking/NAME.recs.tsv
# and compare with ranking/NAME.json (ranking_compare.py, 1e-9).
# Regenerate a golden, after a deliberate change of a definition, with
#   python3 ranking.py ranking/NAME.truth.tsv ranking/NAME.recs.tsv \
#       -k 1,3,5 > ranking/NAME.json
set -u
bin=$1
dir=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for truth in "$dir"/ranking/*.truth.tsv; do
	name=$(basename "$truth" .truth.tsv)
	recs=$dir/ranking/$name.recs.tsv
	status=0
	"$bin/rec-eval" --truth "$truth" -k 1,3,5 --json "$recs" \
		>"$tmp/out" 2>"$tmp/err" || status=$?
	if [ "$status" -eq 0 ] &&
	   python3 "$dir/ranking_compare.py" "$dir/ranking/$name.json" \
		"$tmp/out" >"$tmp/diff" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL golden ranking $name (exit $status)"
		cat "$tmp/err" "$tmp/diff"
		fail=$((fail + 1))
	fi
done
[ "$pass" -gt 0 ] || { echo "FAIL golden ranking: no cases found"; fail=1; }
echo "golden ranking: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
