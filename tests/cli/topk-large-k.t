# rec-predict --top K with K far beyond the catalogue: the lists are those
# of K = the catalogue, and memory follows the catalogue, not K (under a
# 300 MB address-space limit, where K = 100000 once needed gigabytes).
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

"$BIN/rec-gen" --users 300 --items 150 --events 6000 > gen.tsv ||
	fail "rec-gen"
"$BIN/rec-train" -q --task implicit -p 2 -o m.rec gen.tsv || fail "rec-train"
cut -f 1 gen.tsv | sort -u > users
# users the model never saw are ranked too: 5000 users in all, more than
# one batch of rec-predict's
awk 'BEGIN { for (i = 0; i < 4700; i++) print "new" i }' >> users
items=$(cut -f 2 gen.tsv | sort -u | wc -l)
items=$((items + 0))

same_lists_case() {
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top "$items" users
	mv out all
	[ "$(lines all)" -eq $((5000 * items)) ] ||
		fail "--top $items gives $(lines all) lines"
	for k in $((items + 1)) 20000 100000; do
		expect_exit 0 "$BIN/rec-predict" -m m.rec --top "$k" users
		expect_no_err
		cmp -s out all || fail "--top $k differs from --top $items"
	done
	# past the candidates alike
	cut -f 2 gen.tsv | sort -u | head -n 7 > cand
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 7 --candidates cand users
	mv out seven
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 100000 --candidates cand \
		--threads 2 users
	cmp -s out seven || fail "--top 100000 with 7 candidates differs"
}
run_case same_lists_case

memory_case() {
	# a build whose runtime needs more address space (a sanitizer's)
	# cannot run under the limit at all: nothing to measure then
	if ! (ulimit -v 300000 && "$BIN/rec-predict" -m m.rec --top 5 users \
		>/dev/null 2>&1); then
		echo "skipped: rec-predict does not run under ulimit -v"
		return 0
	fi
	for k in 20000 100000; do
		got=0
		(ulimit -v 300000 && exec "$BIN/rec-predict" -m m.rec --top "$k" \
			--threads 4 users) >out 2>err || got=$?
		[ "$got" -eq 0 ] || { cat err >&2; fail "--top $k in 300 MB: exit $got"; }
		cmp -s out all || fail "--top $k in 300 MB differs"
	done
}
run_case memory_case

done_cases
