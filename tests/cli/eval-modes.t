# rec-eval's modes read different options: each one a mode does not read
# is refused with exit 2 and a message naming the modes it goes with (the
# table in cmd/rec-eval.c).  And --truth with header lines: --header reads
# one in TRUTH and in each recommendation file; a column of TRUTH given
# by name reads one in TRUTH alone; a header line never counts as a user.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

# user item label weight score, for the pointwise mode and --group
printf 'u\ta\t1\t3\t0.9\nu\tb\t0\t1\t0.1\nv\tc\t1\t1\t0.4\nv\td\t0\t1\t0.6\n' > s.tsv
# truth: u1 likes a, u2 likes b; recommendations: u1 gets a (a hit),
# u2 gets c
printf 'u1\ta\nu2\tb\n' > truth.tsv
{ printf 'user\titem\n'; cat truth.tsv; } > truth_h.tsv
{ printf 'user,item\n'; tr '\t' , < truth.tsv; } > truth_h.csv
printf 'u1\ta\t0.9\t1\nu2\tc\t0.8\t1\n' > recs.tsv
{ printf 'user\titem\tscore\trank\n'; cat recs.tsv; } > recs_h.tsv

refused_case() {
	while IFS='|' read -r opts pattern; do
		# shellcheck disable=SC2086
		expect_exit 2 "$BIN/rec-eval" $opts
		expect_err "$pattern"
		expect_no_out
	done <<-'EOF'
	--truth truth.tsv --positive 4 recs.tsv|^rec-eval: --positive does not apply to --truth: it goes with pointwise metrics or --group$
	--truth truth.tsv --label 3 recs.tsv|^rec-eval: --label does not apply to --truth: it goes with pointwise metrics or --group$
	--truth truth.tsv --score 3 recs.tsv|^rec-eval: --score does not apply to --truth
	--truth truth.tsv --weight 4 recs.tsv|^rec-eval: --weight does not apply to --truth: it goes with pointwise metrics$
	--truth truth.tsv --task regression recs.tsv|^rec-eval: --task does not apply to --truth
	--truth truth.tsv --time 3 recs.tsv|^rec-eval: --time does not apply: no metric of rec-eval reads it$
	--group 1 --weight 4 s.tsv|^rec-eval: --weight does not apply to --group: it goes with pointwise metrics$
	--group 1 --user 1 s.tsv|^rec-eval: --user does not apply to --group: it goes with --truth$
	--group 1 --item 2 s.tsv|^rec-eval: --item does not apply to --group: it goes with --truth$
	--group 1 -m m.rec s.tsv|^rec-eval: -m does not apply to --group: it goes with --truth$
	--group 1 --time 4 s.tsv|^rec-eval: --time does not apply
	--user 1 s.tsv|^rec-eval: --user does not apply to pointwise metrics: it goes with --truth$
	--item 2 s.tsv|^rec-eval: --item does not apply to pointwise metrics
	--time 4 s.tsv|^rec-eval: --time does not apply
	-k 5 s.tsv|^rec-eval: -k does not apply to pointwise metrics: it goes with --truth or --group$
	--model m.rec s.tsv|^rec-eval: -m does not apply to pointwise metrics: it goes with --truth$
	EOF
}
run_case refused_case

accepted_case() {	# what each mode reads is taken
	expect_exit 0 "$BIN/rec-eval" --label 3 --score 5 --weight 4 --task binary \
		--positive 1 s.tsv
	expect_no_err
	expect_exit 0 "$BIN/rec-eval" --group 1 --label 3 --score 5 --task binary \
		--positive 1 -k 1 s.tsv
	expect_no_err
	expect_exit 0 "$BIN/rec-eval" --truth truth.tsv --user 1 --item 2 -k 1 recs.tsv
	expect_no_err
	# --time is not in --help, which lists what rec-eval reads
	expect_exit 0 "$BIN/rec-eval" --help
	grep -q -- '--time' out && fail "--help offers --time"
	grep -q -- '--weight' out || fail "--help lacks --weight"
}
run_case accepted_case

# users N: rec-eval found N users (file out, --json)
users() {
	grep -Eq "^\\{\"users\": $1," out || { cat out err >&2; fail "not $1 users"; }
}

truth_header_case() {
	expect_exit 0 "$BIN/rec-eval" --truth truth.tsv -k 1 --json recs.tsv
	users 2
	mv out plain
	# --header: a header line in both
	expect_exit 0 "$BIN/rec-eval" --truth truth_h.tsv --header -k 1 --json recs_h.tsv
	expect_no_err
	cmp -s out plain || fail "--header with headers in both differs"
	expect_exit 0 "$BIN/rec-eval" --truth truth_h.csv --header -k 1 --json recs_h.tsv
	cmp -s out plain || fail "--header with a CSV truth differs"
	expect_exit 0 "$BIN/rec-eval" --truth truth_h.tsv --header -k 1 --json - < recs_h.tsv
	cmp -s out plain || fail "--header from stdin differs"
	# columns of the truth by name: its header alone
	expect_exit 0 "$BIN/rec-eval" --truth truth_h.tsv --user user --item item \
		-k 1 --json recs.tsv
	expect_no_err
	cmp -s out plain || fail "named truth columns differ"
	expect_exit 0 "$BIN/rec-eval" --truth truth_h.csv --user user --item item \
		-k 1 --json recs.tsv
	cmp -s out plain || fail "named CSV truth columns differ"
	# --header with recommendations as rec-predict writes them: their
	# first line is a recommendation, not a header
	expect_exit 2 "$BIN/rec-eval" --truth truth_h.tsv --header -k 1 recs.tsv
	expect_err "^rec-eval: recs\\.tsv: --header, but its first line is a recommendation"
	expect_no_out
	expect_exit 2 "$BIN/rec-eval" --truth truth_h.tsv --header -k 1 < recs.tsv
	expect_err "^rec-eval: \\(stdin\\): --header, but its first line"
}
run_case truth_header_case

done_cases
