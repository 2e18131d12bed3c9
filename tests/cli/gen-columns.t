# rec-gen --columns and --format vw: without them the output is what it
# always was; the extra columns follow the user (odd) or the item (even)
# with their stated cardinalities; the Vowpal Wabbit form holds the same
# events; bad values are refused.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

gen() {	# OPTIONS...: a small stream
	"$BIN/rec-gen" --events 5000 --users 300 --items 2000 --seed 61 "$@"
}
gen > plain.tsv || fail "rec-gen"
gen --columns 8 > c8.tsv || fail "rec-gen --columns 8"
gen --columns 8 --format vw > c8.vw || fail "rec-gen --columns 8 --format vw"

# ---- no extra column: the same bytes as before the options existed ----
unchanged_case() {
	gen --columns 0 | cmp -s - plain.tsv || fail "--columns 0 changed the output"
	gen --format tsv | cmp -s - plain.tsv || fail "--format tsv changed the output"
	# the first six columns do not depend on the extra ones
	cut -f 1-6 c8.tsv | cmp -s - plain.tsv || fail "--columns 8 changed columns 1-6"
}
run_case unchanged_case

# ---- header and shape ----
header_case() {
	expect_exit 0 gen --header --columns 3
	first=
	IFS= read -r first < out || :
	[ "$first" = "user	item	rating	time	group	genre	c1	c2	c3" ] ||
		fail "header is '$first'"
	[ "$(lines out)" -eq 5001 ] || fail "$(lines out) lines with the header"
	awk -F '\t' 'NF != 14 { bad = 1 } END { exit bad }' c8.tsv ||
		fail "a row of --columns 8 without 14 fields"
}
run_case header_case

# ---- odd columns are a function of the user, even ones of the item; each
# takes values 1..its cardinality (4, 30, 200, 1000) and, here, all of them
# for the small ones ----
function_case() {
	awk -F '\t' '
		{ for (j = 1; j <= 8; j++) {
			id = (j % 2) ? $1 : $2
			v = $(6 + j)
			if (v !~ /^[0-9]+$/ || v < 1 || v > card[j]) {
				print "column c" j " value " v " out of range"; bad = 1 }
			if ((j, id) in seen && seen[j, id] != v) {
				print "c" j " differs for " id; bad = 1 }
			seen[j, id] = v
			if (!((j, v) in val)) { val[j, v] = 1; n[j]++ }
		} }
		BEGIN { split("4 4 30 30 200 200 1000 1000", card, " ") }
		END { for (j = 1; j <= 4; j++) if (n[j] != card[j]) {
			print "c" j " has " n[j] " values, not " card[j]; bad = 1 }
		      exit bad }' c8.tsv || fail "extra columns"
}
run_case function_case

# ---- a different seed gives different values ----
seed_case() {
	"$BIN/rec-gen" --events 5000 --users 300 --items 2000 --seed 62 \
		--columns 8 > s62.tsv || fail "rec-gen --seed 62"
	# users in both streams: their user columns differ
	awk -F '\t' 'NR == FNR { a[$1] = $7 " " $9 " " $11 " " $13; next }
		$1 in a { both++; if (a[$1] == $7 " " $9 " " $11 " " $13) same++ }
		END { if (both == 0 || same > 0) { print both, same; exit 1 } }' \
		c8.tsv s62.tsv || fail "the seed does not change the columns"
}
run_case seed_case

# ---- the Vowpal Wabbit form: the same events, label 1 for rating >= 4 ----
vw_case() {
	[ "$(lines c8.vw)" -eq 5000 ] || fail "$(lines c8.vw) VW lines"
	awk -F '\t' '{ printf "%s |u %s |i %s |a %s |b %s |c %s |d %s |e %s |f %s |g %s |h %s\n",
		($3 >= 4) ? 1 : -1, $1, $2, $7, $8, $9, $10, $11, $12, $13, $14 }' \
		c8.tsv | cmp -s - c8.vw || { diff c8.vw - | head -n 5 >&2
		fail "the VW form differs from the TSV one"; }
	gen --format vw > plain.vw || fail "rec-gen --format vw"
	awk -F '\t' '{ printf "%s |u %s |i %s\n", ($3 >= 4) ? 1 : -1, $1, $2 }' \
		plain.tsv | cmp -s - plain.vw || fail "VW form without columns"
	# namespaces past z skip u and i and go on in capitals
	expect_exit 0 "$BIN/rec-gen" --events 1 --columns 50 --format vw
	tr ' ' '\n' < out | sed -n 's/^|//p' | tr -d '\n' > spaces
	[ "$(cat spaces)" = "uiabcdefghjklmnopqrstvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" ] ||
		fail "namespaces are '$(cat spaces)'"
}
run_case vw_case

# ---- the values are part of the output format: pinned ----
pinned_case() {
	expect_exit 0 "$BIN/rec-gen" --events 1 --columns 8 --seed 1
	first=
	IFS= read -r first < out || :
	[ "$first" = "u233	i142	1	1500000058	g5	c10	1	1	13	25	33	64	132	736" ] ||
		fail "first event of seed 1 is '$first'"
}
run_case pinned_case

# ---- bad values ----
bad_case() {	# REGEX ARGS...
	re=$1
	shift
	expect_exit 2 "$BIN/rec-gen" "$@"
	expect_no_out
	expect_err_first "^rec-gen: .*$re"
}
run_case bad_case "--columns.*'51'.*\[0, 50\]" --columns 51
run_case bad_case "--columns.*'-1'" --columns -1
run_case bad_case "--columns.*'x'" --columns x
run_case bad_case "--format.*'csv'" --format csv
run_case bad_case "--header.*--format vw" --format vw --header

done_cases
