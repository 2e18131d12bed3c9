# rec-split: every row goes to exactly one of the two files, in input
# order; --random and --users follow their seed; --by-time is a global
# cut in time; --last holds out each user's latest rows; a header goes to
# both files; mistakes leave no output behind.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

"$BIN/rec-gen" --users 300 --items 200 --events 6000 --seed 9 |
	cut -f 1-4 > ev.tsv || fail "rec-gen"
n=$(lines ev.tsv)

# both files together are the input, each in input order
partition() {	# TRAIN TEST
	sort "$1" "$2" | cmp -s - sorted.tsv || fail "$1 + $2 is not the input"
	for f in "$1" "$2"; do
		awk 'NR == FNR { at[$0] = NR; next }
		     { if (at[$0] < last) bad = 1; last = at[$0] }
		     END { exit bad }' ev.tsv "$f" ||
			fail "$f is not in input order"
	done
}
sort ev.tsv > sorted.tsv
[ "$(uniq -d sorted.tsv | wc -l)" -eq 0 ] || fail "rec-gen repeated a row"

random_case() {
	expect_exit 0 "$BIN/rec-split" --train a.tsv --test b.tsv --random 0.2 \
		--seed 3 ev.tsv
	expect_err "rec-split: [0-9]+ rows to a\\.tsv, [0-9]+ to b\\.tsv"
	partition a.tsv b.tsv
	t=$(lines b.tsv)
	[ "$t" -gt $((n * 17 / 100)) ] && [ "$t" -lt $((n * 23 / 100)) ] ||
		fail "--random 0.2 put $t of $n rows in the test file"
	# the same seed, the same split, from stdin too; another seed, another
	expect_exit 0 "$BIN/rec-split" -q --train a2.tsv --test b2.tsv \
		--random 0.2 --seed 3 < ev.tsv
	expect_no_err
	cmp -s b.tsv b2.tsv || fail "the same seed split differently"
	expect_exit 0 "$BIN/rec-split" -q --train a3.tsv --test b3.tsv \
		--random 0.2 --seed 4 ev.tsv
	cmp -s b.tsv b3.tsv && fail "another seed split the same"
	:
}
run_case random_case

users_case() {
	expect_exit 0 "$BIN/rec-split" -q --train a.tsv --test b.tsv \
		--users 0.25 ev.tsv
	partition a.tsv b.tsv
	cut -f 1 a.tsv | sort -u > ua
	cut -f 1 b.tsv | sort -u > ub
	[ "$(comm -12 ua ub | wc -l)" -eq 0 ] || fail "a user in both files"
	t=$(lines ub)
	all=$(cut -f 1 ev.tsv | sort -u | wc -l)
	[ "$t" -gt $((all * 18 / 100)) ] && [ "$t" -lt $((all * 32 / 100)) ] ||
		fail "--users 0.25 held out $t of $all users"
}
run_case users_case

by_time_case() {
	expect_exit 0 "$BIN/rec-split" --train a.tsv --test b.tsv --by-time 0.1 \
		--time 4 ev.tsv
	expect_err 'rows held in memory'
	partition a.tsv b.tsv
	[ "$(lines b.tsv)" -eq $((n / 10)) ] || fail "--by-time 0.1 count"
	latest=$(cut -f 4 a.tsv | sort -n | tail -n 1)
	first=$(cut -f 4 b.tsv | sort -n | head -n 1)
	[ "$first" -ge "$latest" ] || fail "a test row before a training row"
}
run_case by_time_case

last_case() {	# N
	expect_exit 0 "$BIN/rec-split" -q --train a.tsv --test b.tsv \
		--last "$1" --time 4 ev.tsv
	partition a.tsv b.tsv
	# each user with more than N rows: its N latest in the test file
	awk -F '\t' -v n="$1" '
		FILENAME == "ev.tsv" { c[$1]++; next }
		FILENAME == "a.tsv" { if ($4 > tr[$1]) tr[$1] = $4; next }
		{ te[$1]++; if (!($1 in lo) || $4 < lo[$1]) lo[$1] = $4 }
		END {
			for (u in c) {
				want = c[u] > n ? n : 0
				if (te[u] + 0 != want) { print u, te[u]; bad = 1 }
				if (want && lo[u] < tr[u]) { print u, "order"; bad = 1 }
			}
			exit bad
		}' ev.tsv a.tsv b.tsv || fail "--last $1"
}
run_case last_case 1
run_case last_case 3

header_case() {	# CSV with a header: to both files; columns by name
	{ printf 'user,item,rating,time\n'; tr '\t' , < ev.tsv; } > ev.csv
	expect_exit 0 "$BIN/rec-split" -q --train a.csv --test b.csv \
		--header --by-time 0.2 --time time ev.csv
	for f in a.csv b.csv; do
		[ "$(head -n 1 $f)" = user,item,rating,time ] ||
			fail "$f lacks the header"
	done
	[ $(($(lines a.csv) + $(lines b.csv))) -eq $((n + 2)) ] ||
		fail "rows lost or added"
}
run_case header_case

refused_case() {	# REGEX ARGS...: exit 2, no file left behind
	pattern=$1
	shift
	mkdir -p dest && rm -f dest/*
	expect_exit 2 "$BIN/rec-split" "$@"
	expect_err_first "^rec-split: $pattern"
	[ -z "$(ls dest)" ] || fail "files left: $(ls dest)"
}
run_case refused_case 'no method' --train dest/a --test dest/b ev.tsv
run_case refused_case 'one method' --train dest/a --test dest/b --random 0.1 \
	--users 0.1 ev.tsv
run_case refused_case '--train FILE and --test FILE' --test dest/b \
	--random 0.1 ev.tsv
run_case refused_case '--train and --test name the same file' --train dest/a --test dest/a \
	--random 0.1 ev.tsv
run_case refused_case '--by-time orders rows by time' --train dest/a \
	--test dest/b --by-time 0.1 ev.tsv
run_case refused_case '--seed applies to --random and --users' \
	--train dest/a --test dest/b --by-time 0.1 --time 4 --seed 3 ev.tsv
run_case refused_case '--random' --train dest/a --test dest/b --random 1.5 \
	ev.tsv
run_case refused_case 'no-such\.tsv' --train dest/a --test dest/b \
	--random 0.1 no-such.tsv
done_cases
