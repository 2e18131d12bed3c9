# Hostile model files: chunks that inflate to gigabytes, counts far past
# their chunks.  tests/hostile_models.py makes them here from two real
# models; each must be refused as damaged (exit 2) at once and within a
# small address space, never with "out of memory".
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

"$BIN/rec-gen" --events 3000 --users 200 --items 100 --seed 41 > ratings.tsv
binary_labels < ratings.tsv > data.tsv
"$BIN/rec-train" -q --seed 5 -o small.rec data.tsv || fail "rec-train failed"
"$BIN/rec-train" -q --seed 5 --factors 256 --passes 1 -o wide.rec data.tsv ||
	fail "rec-train --factors 256 failed"
"$BIN/rec-train" -q --seed 5 --factors 256 --passes 1 --save-precision 8 \
	-o wide8.rec data.tsv || fail "rec-train --save-precision 8 failed"
mkdir hostile
"$PYTHON" "$TESTS/../hostile_models.py" small.rec wide.rec hostile wide8.rec > names ||
	fail "hostile_models.py failed"
[ "$(lines names)" -ge 12 ] || fail "too few hostile files"

# 400 MB of address space, 10 s of CPU: a sanitizer build reserves more
# address space than that for itself, so it runs with the CPU limit only
limit=400000
(ulimit -v $limit && "$BIN/rec-info" --version) > /dev/null 2>&1 || limit=

refused_case() {
	f=hostile/$1
	[ "$(wc -c < "$f")" -le 10000000 ] || fail "$f is over 10 MB"
	start=$(date +%s)
	got=0
	(
		[ -z "$limit" ] || ulimit -v $limit
		ulimit -t 10
		exec "$BIN/rec-info" "$f"
	) > out 2> err || got=$?
	end=$(date +%s)
	[ "$got" -eq 2 ] || { cat err >&2; fail "$f: exit $got, wanted 2"; }
	expect_err "^rec-info: $f: damaged model file: "
	grep -q "out of memory" err && fail "$f: out of memory, not damage"
	[ $((end - start)) -le 5 ] || fail "$f took $((end - start)) s"
	[ ! -s out ] || fail "$f: rec-info printed something"
}
while read -r name; do
	run_case refused_case "$name"
done < names

# the real models still load under the same limits
for f in small.rec wide.rec wide8.rec; do
	( [ -z "$limit" ] || ulimit -v $limit; exec "$BIN/rec-info" "$f" ) \
		> out 2> err || { cat err >&2; fail "$f refused"; }
done
done_cases
