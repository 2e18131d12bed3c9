# Bad input rows, empty input and unreadable files.  By default a bad row
# is skipped, the first 5 are reported as "prog: FILE:LINE: message" and a
# "skipped N bad rows" summary follows; --strict stops at the first one
# with exit 2 and writes no model.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

"$BIN/rec-gen" --events 60 --users 30 --items 20 --seed 21 | binary_labels > good.tsv
[ "$(lines good.tsv)" -eq 60 ] || fail "rec-gen wrote $(lines good.tsv) lines"

# Bad rows: printf format | the message (regex) for the row's line.
# Rows marked "predict" are bad for rec-predict too, which reads only
# the user and item columns.
cat > table <<'EOF'
u1\ti1\n|expected 6 columns, found 2|predict
u1\ti1\tx\t1500000000\tg1\tc1\n|label 'x' is not a number|
u1\ti1\t7\t1500000000\tg1\tc1\n|label '7' is not 0/1 or -1/1|
u1\ti\000x\t1\t1500000000\tg1\tc1\n|NUL byte|predict
LONG|line longer than 1048576 bytes|predict
u1\ti1\t1\t1500000000\tg1\tc1\textra\n|expected 6 columns, found 7|predict
u1\ti1\tnan\t1500000000\tg1\tc1\n|label 'nan' is not a number|
u1\ti1\t1e999\t1500000000\tg1\tc1\n|label '1e999' is not a number|
\ti1\t1\t1500000000\tg1\tc1\n|empty user id|predict
u1\ti1\t 1\t1500000000\tg1\tc1\n|label ' 1' is not a number|
EOF
nbad=$(lines table)

# badrow FORMAT: a bad row of the table on stdout
badrow() {
	if [ "$1" = LONG ]; then
		# 1.5 MiB: well over the 1 MiB limit
		printf 'u1\ti1\t1\t1500000000\tg1\t'
		head -c 1572864 /dev/zero | tr '\0' c
		printf '\n'
	else
		# shellcheck disable=SC2059 # the table holds printf formats
		printf "$1"
	fi
}
# the long row really is as long as it should be
badrow LONG > long.row
[ "$(wc -c < long.row)" -gt 1048577 ] || fail "long row too short"

# ---- one bad row at line 3 of otherwise good data, case by case ----
one_case() {	# N FORMAT MESSAGE PREDICT
	msg=$3 for_predict=$4
	d=case$1
	mkdir "$d" || fail "mkdir $d"
	{ head -n 2 good.tsv; badrow "$2"; tail -n +3 good.tsv; } > "$d/in.tsv"
	[ "$(lines "$d/in.tsv")" -eq 61 ] || fail "case $1: input has $(lines "$d/in.tsv") lines"

	# default: skipped, reported with file and line, model written
	expect_exit 0 "$BIN/rec-train" -q --passes 1 --holdout 0 -o "$d/m.rec" "$d/in.tsv"
	expect_err_lines 1 "^rec-train: $d/in\\.tsv:3: $msg"
	expect_err_lines 1 "^rec-train: skipped 1 bad row\$"
	[ "$(lines err)" -eq 2 ] || { cat err >&2; fail "case $1: more on stderr than the row and the summary"; }
	expect_exit 0 "$BIN/rec-info" "$d/m.rec"
	grep -Eq '^events +60$' out || { cat out >&2; fail "case $1: model does not hold the 60 good events"; }

	# --strict: exit 2 at the row, no model
	expect_exit 2 "$BIN/rec-train" -q --strict --passes 1 --holdout 0 -o "$d/new.rec" "$d/in.tsv"
	expect_err_first "^rec-train: $d/in\\.tsv:3: $msg"
	[ "$(lines err)" -eq 1 ] || { cat err >&2; fail "case $1: --strict said more than the row"; }
	[ ! -e "$d/new.rec" ] || fail "case $1: --strict wrote a model"

	# rec-predict: a row it cannot score is skipped the same way
	if [ -n "$for_predict" ]; then
		expect_exit 0 "$BIN/rec-predict" -m "$d/m.rec" "$d/in.tsv"
		expect_err_lines 1 "^rec-predict: $d/in\\.tsv:3: $msg"
		expect_err_lines 1 "^rec-predict: skipped 1 bad row\$"
		[ "$(lines out)" -eq 60 ] || fail "case $1: rec-predict wrote $(lines out) lines, wanted 60"
		cut -f 1-6 out | cmp -s - good.tsv || fail "case $1: rec-predict did not copy the good rows"
		expect_exit 2 "$BIN/rec-predict" --strict -m "$d/m.rec" "$d/in.tsv"
		expect_err_first "^rec-predict: $d/in\\.tsv:3: $msg"
		[ "$(lines out)" -eq 2 ] || fail "case $1: rec-predict --strict wrote $(lines out) lines, wanted the 2 before the bad row"
	else
		# the label is not read: the row is scored like any other
		expect_exit 0 "$BIN/rec-predict" --strict -m "$d/m.rec" "$d/in.tsv"
		expect_no_err
		[ "$(lines out)" -eq 61 ] || fail "case $1: rec-predict wrote $(lines out) lines, wanted 61"
	fi
	rm -f "$d/in.tsv"
}
i=1
while IFS='|' read -r fmt msg pred; do
	run_case one_case "$i" "$fmt" "$msg" "$pred" < /dev/null
	i=$((i + 1))
done < table

# ---- --strict leaves an existing model as it was, and no stray files ----
untouched_case() {
	mkdir keep
	{ head -n 2 good.tsv; badrow 'u1\ti1\tx\t1\tg1\tc1\n'; tail -n +3 good.tsv; } > keep/in.tsv
	"$BIN/rec-train" -q -o keep/m.rec good.tsv || fail "rec-train failed"
	cp keep/m.rec keep.rec
	expect_exit 2 "$BIN/rec-train" -q --strict -o keep/m.rec keep/in.tsv
	expect_err_first "^rec-train: keep/in\\.tsv:3: label 'x'"
	cmp -s keep/m.rec keep.rec || fail "--strict changed the existing model"
	[ "$(ls -a keep | wc -l)" -eq 4 ] || { ls -a keep >&2; fail "stray files left behind"; }
	# --strict to standard output: nothing written
	expect_exit 2 "$BIN/rec-train" -q --strict keep/in.tsv
	expect_no_out
}
run_case untouched_case

# ---- all the bad rows in one file, each followed by 2 good rows ----
# Only the first 5 are reported, with their own line numbers (the rows
# after the 1.5 MiB line too), then the summary counts all of them.
all_case() {
	: > all.tsv
	: > where
	head -n 5 good.tsv >> all.tsv
	line=5 g=6
	while IFS='|' read -r fmt msg pred; do
		badrow "$fmt" >> all.tsv
		line=$((line + 1))
		echo "$line|$msg" >> where
		sed -n "$g,$((g + 1))p" good.tsv >> all.tsv
		line=$((line + 2)) g=$((g + 2))
	done < table
	ngood=$((5 + 2 * nbad))
	[ "$(lines all.tsv)" -eq $((ngood + nbad)) ] || fail "all.tsv has $(lines all.tsv) lines"

	# a third of the rows are bad: over the default limit, so allowed here
	expect_exit 0 "$BIN/rec-train" -q --max-bad-rows 0.5 --passes 1 --holdout 0 -o all.rec all.tsv
	[ "$(lines err)" -eq 6 ] || { cat err >&2; fail "wanted 5 reports and a summary"; }
	head -n 5 where | while IFS='|' read -r l msg; do
		grep -Eq "^rec-train: all\\.tsv:$l: $msg" err ||
			{ cat err >&2; fail "no report 'all.tsv:$l: $msg'"; }
	done || exit 1
	sed -n 6p err | grep -qx "rec-train: skipped $nbad bad rows" ||
		{ cat err >&2; fail "last line is not 'rec-train: skipped $nbad bad rows'"; }
	expect_exit 0 "$BIN/rec-info" all.rec
	grep -Eq "^events +$ngood\$" out || { cat out >&2; fail "model does not hold the $ngood good events"; }

	# --strict stops at the first bad row, line 6
	expect_exit 2 "$BIN/rec-train" -q --strict -o strict.rec all.tsv
	expect_err_first "^rec-train: all\\.tsv:6: $(head -n 1 where | cut -d '|' -f 2)"
	[ ! -e strict.rec ] || fail "--strict wrote a model"

	# rec-predict: output lines = input lines - rows it found bad
	npred=$(grep -c '|predict$' table)
	expect_exit 0 "$BIN/rec-predict" --max-bad-rows 0.5 -m all.rec all.tsv
	[ "$(lines out)" -eq $((ngood + nbad - npred)) ] ||
		fail "rec-predict wrote $(lines out) lines, wanted $((ngood + nbad - npred))"
	grep -qx "rec-predict: skipped $npred bad rows" err ||
		{ cat err >&2; fail "no 'rec-predict: skipped $npred bad rows'"; }
	rm -f all.tsv
}
run_case all_case

# ---- several bad rows in a second file: its own name and line numbers ----
second_file_case() {
	{ head -n 3 good.tsv; printf 'u1\ti1\n'; printf 'u2\ti2\tyes\t1\tg\tc\n'; } > b.tsv
	expect_exit 0 "$BIN/rec-train" -q --passes 1 --holdout 0 -o two.rec good.tsv b.tsv
	expect_err_lines 1 "^rec-train: b\\.tsv:4: expected 6 columns, found 2\$"
	expect_err_lines 1 "^rec-train: b\\.tsv:5: label 'yes' is not a number\$"
	expect_err_lines 1 "^rec-train: skipped 2 bad rows\$"
	expect_exit 0 "$BIN/rec-info" two.rec
	grep -Eq '^events +63$' out || { cat out >&2; fail "model does not hold the 63 good events"; }
	# on standard input the file is called (stdin) or similar, not "-"
	expect_exit 0 "$BIN/rec-train" -q --max-bad-rows 0.5 --passes 1 --holdout 0 -o stdin.rec - < b.tsv
	expect_err_lines 1 "^rec-train: [^:]+:4: expected 6 columns, found 2\$"
}
run_case second_file_case

# ---- rec-eval skips bad rows alike ----
eval_case() {
	printf 'u\ta\t1\t0.9\nu\tb\t0\t0.1\nu\tc\tx\t0.5\nu\td\t1\tnan\nu\te\t0\t0.2\n' > s.tsv
	expect_exit 0 "$BIN/rec-eval" --max-bad-rows 0.5 s.tsv
	expect_err_lines 1 "^rec-eval: s\\.tsv:3: label 'x' is not a number\$"
	expect_err_lines 1 "^rec-eval: s\\.tsv:4: score 'nan' is not a number\$"
	expect_err_lines 1 "^rec-eval: skipped 2 bad rows\$"
	grep -Eq '^rows +3$' out || { cat out >&2; fail "rec-eval did not count 3 rows"; }
	expect_exit 2 "$BIN/rec-eval" --strict s.tsv
	expect_err_first "^rec-eval: s\\.tsv:3: label 'x' is not a number\$"
}
run_case eval_case

# ---- no usable events: empty input, blank lines, every row bad ----
printf '\n\n\n' > blank.tsv
: > empty.tsv
badrow 'u1\ti1\tx\t1\tg1\tc1\n' > allbad.tsv
badrow 'u1\ti1\n' >> allbad.tsv
no_events_case() {	# WHAT ARGS...
	what=$1
	shift
	expect_exit 2 "$BIN/rec-train" -q -o none.rec "$@"
	expect_err "^rec-train: .*no usable events"
	[ ! -e none.rec ] || fail "$what: a model was written"
}
run_case no_events_case "an empty file" empty.tsv
run_case no_events_case "empty stdin" < /dev/null
run_case no_events_case "empty stdin via -" - < /dev/null
run_case no_events_case "blank lines" blank.tsv
run_case no_events_case "every row bad" allbad.tsv
run_case no_events_case "every row bad, stdin" < allbad.tsv
empty_eval_case() {
	expect_exit 2 "$BIN/rec-eval" empty.tsv
	expect_err_first "^rec-eval: "
	expect_no_out
}
run_case empty_eval_case
empty_predict_case() {	# no rows in, no rows out, no complaint
	"$BIN/rec-train" -q -o p.rec good.tsv || fail "rec-train failed"
	expect_exit 0 "$BIN/rec-predict" -m p.rec empty.tsv
	expect_no_out
	expect_no_err
}
run_case empty_predict_case

# ---- files that cannot be read: every reading program, by name ----
mkdir adir
"$BIN/rec-train" -q -o ok.rec good.tsv || fail "rec-train failed"
cp good.tsv good2.tsv
unreadable_case() {	# PROG FILE
	case $1 in
	rec-train) set -- "$1" "$2" -q -o out.rec good2.tsv "$2" ;;
	rec-predict) set -- "$1" "$2" -m ok.rec good2.tsv "$2" ;;
	rec-eval) set -- "$1" "$2" good2.tsv "$2" ;;
	esac
	prog=$1 file=$2
	shift 2
	expect_exit 2 "$BIN/$prog" "$@"
	expect_err "^$prog: .*$file"
	[ ! -e out.rec ] || fail "$prog: a model was written"
}
for prog in rec-train rec-predict rec-eval; do
	run_case unreadable_case "$prog" no-such-file.tsv
	run_case unreadable_case "$prog" adir
done
missing_message_case() {
	expect_exit 2 "$BIN/rec-train" -q -o out.rec no-such-file.tsv
	expect_err_first "^rec-train: no-such-file\\.tsv: .*(No such file|cannot open)"
}
run_case missing_message_case

done_cases
