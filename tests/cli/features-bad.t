# Side features, bad input: attribute tables with any problem are an
# error naming the file and line (exit 2, no model written or changed);
# bad feature cells in event rows are bad rows (skipped and counted,
# --strict stops); feature options that cannot work are refused.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
. "$TESTS/features-data.sh"
find_python

feature_data
# a base model with tables of both sides, a list separator and numeric
# columns, for rec-update and rec-predict to be given bad tables
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	--features tags,price --numeric price,age --list-sep '|' \
	--item-features genre --user-attributes users.tsv --item-attributes items.tsv \
	-o base.rec A.tsv || fail "rec-train base.rec"
cp base.rec base.orig

# ---- attribute tables ----
# NAME#printf format of the table#regex of the message after "FILE:"
cat > tables <<'EOF2'
no-header#u1\t31\tr1\nu2\t32\tr2\n#1: .*column 2 is the number '31': the first line is data
one-column#id\nu1\nu2\n#1: an attribute table needs a header line naming an id column and at least one attribute column
twice-named#id\tage\tage\nu1\t30\t31\n#1: column 'age' is named twice in the header
twice-id#id\tage\nu1\t30\nu2\t31\nu3\t32\nu2\t33\n#5: id 'u2' appears again \(first on line 3\)
short-row#id\tage\tregion\nu1\t30\tr1\nu2\t31\n#3: expected 3 columns, found 2
long-row#id\tage\tregion\nu1\t30\tr1\nu2\t31\tr2\tx\n#3: expected 3 columns, found 4
number-abc#id\tage\nu1\t30\nu2\tabc\n#3: numeric column 'age': 'abc' is not a finite number
number-inf#id\tage\nu1\t30\nu2\tinf\n#3: numeric column 'age': 'inf' is not a finite number
number-nan#id\tage\nu1\tnan\n#2: numeric column 'age': 'nan' is not a finite number
list-empty#id\tregion\nu1\tr1|r2\nu2\tr1||r2\n#3: column 'region': a list has an empty value
list-start#id\tregion\nu1\t|r1\n#2: column 'region': a list starts or ends with the separator
list-end#id\tregion\nu1\tr1|\n#2: column 'region': a list starts or ends with the separator
empty-id#id\tage\nu1\t30\n\t31\n#3: .*empty
other-side#id\tgenre\nu1\tb1\n#1: attribute column 'genre' is already a namespace of the item side
id-space#id\titem\nu1\tb1\n#1: attribute column 'item' is already a namespace of the item side
no-rows#id\tage\n#.*the attribute table has no rows
EOF2
[ "$(lines tables)" -eq 16 ] || fail "the table of tables"

table_case() {	# NAME FORMAT MESSAGE
	name=$1 re=$3
	# shellcheck disable=SC2059 # the table holds printf formats
	printf "$2" > "$name.tsv"
	msg_re="$name\\.tsv:$re"
	# rec-train: nothing written, an existing model left as it was
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
		--numeric age --list-sep '|' --item-features genre \
		--user-attributes "$name.tsv" -o "$name.rec" A.tsv
	expect_err_first "^rec-train: $msg_re"
	[ "$(lines err)" -eq 1 ] || { cat err >&2; fail "$name: more than one message"; }
	[ ! -e "$name.rec" ] || fail "$name: rec-train wrote a model"
	cp base.orig old.rec
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
		--numeric age --list-sep '|' --item-features genre \
		--user-attributes "$name.tsv" -o old.rec A.tsv
	cmp -s old.rec base.orig || fail "$name: rec-train changed the existing model"
	# rec-update: refused, the model as it was, no -o OUT
	cp base.orig m.rec
	expect_exit 2 "$BIN/rec-update" -q -m m.rec --user-attributes "$name.tsv" B.tsv
	expect_err_first "^rec-update: $msg_re"
	cmp -s m.rec base.orig || fail "$name: rec-update changed the model"
	expect_exit 2 "$BIN/rec-update" -q -m m.rec -o "$name.rec" \
		--user-attributes "$name.tsv" B.tsv
	[ ! -e "$name.rec" ] || fail "$name: rec-update wrote -o OUT"
	# rec-predict: refused before any output
	expect_exit 2 "$BIN/rec-predict" -m m.rec --user-attributes "$name.tsv" cand.tsv
	expect_err_first "^rec-predict: $msg_re"
	expect_no_out
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 3 --user-attributes "$name.tsv" cand.tsv
	expect_no_out
	cmp -s m.rec base.orig || fail "$name: rec-predict changed the model"
	# the same table as CSV, and gzipped, is refused alike
	tr '\t' ',' < "$name.tsv" > "$name.csv"
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
		--numeric age --list-sep '|' --item-features genre \
		--user-attributes "$name.csv" \
		-o "$name.rec" A.tsv
	expect_err_first "^rec-train: $name\\.csv:$re"
	gzip -c "$name.tsv" > "$name.tsv.gz" || fail "gzip"
	expect_exit 2 "$BIN/rec-update" -q -m m.rec --user-attributes "$name.tsv.gz" B.tsv
	expect_err_first "^rec-update: $name\\.tsv\\.gz:$re"
	[ ! -e "$name.rec" ] || fail "$name: a model written"
	cmp -s m.rec base.orig || fail "$name: rec-update changed the model"
}
while IFS='#' read -r name fmt re; do
	run_case table_case "$name" "$fmt" "$re" < /dev/null
done < tables

# the good rows of a table are what a good table gives: a table that
# fails part way adds nothing
partial_case() {
	printf 'id\tage\nu1\t30\nu2\tabc\n' > part.tsv
	cp base.orig m.rec
	expect_exit 2 "$BIN/rec-predict" --raw -m m.rec --user-attributes part.tsv cand.tsv
	"$BIN/rec-predict" --raw -m m.rec cand.tsv > a.out || fail "rec-predict"
	printf 'id\tage\nu1\t30\n' > ok.tsv
	"$BIN/rec-predict" --raw -m m.rec --user-attributes ok.tsv cand.tsv > b.out ||
		fail "rec-predict with a good table"
	cmp -s a.out b.out && fail "a good table of one row changed nothing"
	:
}
run_case partial_case

# a missing table file: exit 2 with its name
missing_case() {
	expect_exit 2 "$BIN/rec-train" -q --header --positive 4 \
		--user-attributes nosuch.tsv -o never.rec A.tsv
	expect_err_first "^rec-train: nosuch\\.tsv"
	[ ! -e never.rec ] || fail "a model written"
	cp base.orig m.rec
	expect_exit 2 "$BIN/rec-update" -q -m m.rec --item-attributes nosuch.tsv B.tsv
	expect_err_first "^rec-update: nosuch\\.tsv"
	cmp -s m.rec base.orig || fail "rec-update changed the model"
}
run_case missing_case

# ---- bad feature cells in event rows ----
# line 4: an empty list value, line 6: a list ending with the separator,
# line 8: a numeric cell 'nan', line 10: 'abc'; the rest good
bad_rows() {
	awk 'BEGIN { FS = OFS = "\t" }
	     NR == 4 { $11 = "a||b" }
	     NR == 6 { $11 = "a|" }
	     NR == 8 { $12 = "nan" }
	     NR == 10 { $12 = "abc" }
	     { print }' "$1"
}
rows_case() {
	head -n 201 A.tsv > good.tsv
	bad_rows good.tsv > bad.tsv
	awk 'NR != 4 && NR != 6 && NR != 8 && NR != 10' good.tsv > clean.tsv
	o="-q -p 1 --holdout 0 --header --positive 4 -k 4 --features tags,price --numeric price --list-sep |"
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" $o -o bad.rec bad.tsv
	expect_err_lines 1 "^rec-train: bad\\.tsv:4: column 'tags': a list has an empty value \\('a\\|\\|b'\\)\$"
	expect_err_lines 1 "^rec-train: bad\\.tsv:6: column 'tags': a list starts or ends with the separator \\('a\\|'\\)\$"
	expect_err_lines 1 "^rec-train: bad\\.tsv:8: numeric column 'price': 'nan' is not a finite number\$"
	expect_err_lines 1 "^rec-train: bad\\.tsv:10: numeric column 'price': 'abc' is not a finite number\$"
	expect_err_lines 1 "^rec-train: skipped 4 bad rows\$"
	[ "$(lines err)" -eq 5 ] || { cat err >&2; fail "more on stderr than the 4 rows and the summary"; }
	[ "$(info bad.rec events)" -eq 196 ] || fail "events $(info bad.rec events)"
	# the good rows learned as a file of them alone would teach
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" $o -o clean.rec clean.tsv
	same_params bad.rec clean.rec || fail "bad rows changed what the good rows taught"
	# --strict: exit 2 at the first, no model
	# shellcheck disable=SC2086
	expect_exit 2 "$BIN/rec-train" $o --strict -o never.rec bad.tsv
	expect_err_first "^rec-train: bad\\.tsv:4: column 'tags': a list has an empty value"
	[ "$(lines err)" -eq 1 ] || fail "--strict went on"
	[ ! -e never.rec ] || fail "--strict wrote a model"
	# rec-update: the same rows skipped and counted; --strict leaves the
	# model as it was
	bad_rows B.tsv > badB.tsv
	cp bad.rec m.rec
	cp bad.rec m.orig
	expect_exit 0 "$BIN/rec-update" -q -m m.rec badB.tsv
	expect_err_lines 1 "^rec-update: badB\\.tsv:4: column 'tags': a list has an empty value"
	expect_err_lines 1 "^rec-update: badB\\.tsv:8: numeric column 'price': 'nan'"
	expect_err_lines 1 "^rec-update: skipped 4 bad rows\$"
	[ "$(info m.rec events)" -eq $((196 + 996)) ] || fail "events after the update"
	cp m.orig m.rec
	expect_exit 2 "$BIN/rec-update" -q --strict -m m.rec badB.tsv
	expect_err_first "^rec-update: badB\\.tsv:4: "
	cmp -s m.rec m.orig || fail "rec-update --strict changed the model"
	# rec-predict reads the feature columns: the same rows are bad
	expect_exit 0 "$BIN/rec-predict" -m m.rec bad.tsv
	expect_err_lines 1 "^rec-predict: bad\\.tsv:6: column 'tags': a list starts or ends"
	expect_err_lines 1 "^rec-predict: bad\\.tsv:10: numeric column 'price': 'abc'"
	expect_err_lines 1 "^rec-predict: skipped 4 bad rows\$"
	[ "$(lines out)" -eq 197 ] || fail "rec-predict wrote $(lines out) lines"
	expect_exit 2 "$BIN/rec-predict" --strict -m m.rec bad.tsv
	expect_err_first "^rec-predict: bad\\.tsv:4: "
	# 'inf' and an empty numeric cell: inf is refused, empty is no feature
	awk 'BEGIN { FS = OFS = "\t" } NR == 3 { $12 = "inf" } NR == 5 { $12 = "" } { print }' \
		good.tsv > inf.tsv
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" $o -o inf.rec inf.tsv
	expect_err_lines 1 "^rec-train: inf\\.tsv:3: numeric column 'price': 'inf' is not a finite number\$"
	expect_err_lines 1 "^rec-train: skipped 1 bad row\$"
	# without --list-sep, 'a||b' is one value and a good row
	expect_exit 0 "$BIN/rec-train" -q -p 1 --header --positive 4 --features tags \
		-o nolist.rec bad.tsv
	expect_err_lines 0 "tags"
}
run_case rows_case

# ---- feature options that cannot work ----
# NAME|options|regex of the message
cat > options <<'EOF2'
features-user-name|--features user|--features: column 'user'
features-user-number|--features 1|feature column '1' is the user column, which is a feature already
features-item-number|--features 5,2|feature column '2' is the item column, which is a feature already
item-features-item|--item-features item|--item-features: column 'item'
item-features-user|--item-features 1|feature column '1' is the user column
user-renamed|--user group --features group|feature column 'group' is the user column
twice|--features group --item-features group|column 'group' is given twice
missing|--features group,nosuch|A\.tsv:1: no column named 'nosuch' in the header
missing-item|--item-features nosuch|no column named 'nosuch' in the header
past-end|--features 99|column 99
numeric-none|--features group --numeric price|--numeric: 'price' is not a feature column or an attribute column
numeric-no-features|--numeric price|--numeric: 'price' is not a feature column
l1-adagrad|--l1 0.5|l1, ftrl alpha and ftrl beta need the ftrl optimizer
l1-sgd|--optimizer sgd --l1 1|l1, ftrl alpha and ftrl beta need the ftrl optimizer
list-sep-two|--features tags --list-sep ;;|the list separator must be one byte
list-sep-tab|--features tags --list-sep TAB|the list separator cannot be a tab
interactions|--interactions some|--interactions
EOF2
option_case() {	# NAME OPTIONS MESSAGE
	name=$1 re=$3
	# shellcheck disable=SC2086
	set -- $2
	# TAB stands for a tab, which the table cannot hold as an argument
	args=
	for a in "$@"; do
		[ "$a" = TAB ] && a=$(printf '\t')
		args="$args$a
"
	done
	IFS='
'
	# shellcheck disable=SC2086
	set -- $args
	unset IFS
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 "$@" -o "$name.rec" A.tsv
	expect_err_first "^rec-train: .*$re"
	[ ! -e "$name.rec" ] || fail "$name: a model written"
	cp base.orig old.rec
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 "$@" -o old.rec A.tsv
	cmp -s old.rec base.orig || fail "$name: the existing model changed"
}
while IFS='|' read -r name opts re; do
	run_case option_case "$name" "$opts" "$re" < /dev/null
done < options

empty_option_case() {
	for o in --features --item-features --numeric --list-sep; do
		expect_exit 2 "$BIN/rec-train" -q --header --positive 4 "$o" '' -o never.rec A.tsv
		grep -q 'integer' err && { cat err >&2; fail "$o '': the message speaks of an integer"; }
	done
	:
}
run_case empty_option_case
empty_exit_case() {
	for o in --features --item-features --numeric --list-sep; do
		expect_exit 2 "$BIN/rec-train" -q --header --positive 4 "$o" '' -o never.rec A.tsv
		expect_err_first "^rec-train: $o"
		[ ! -e never.rec ] || fail "$o '': a model written"
	done
}
run_case empty_exit_case

item_id_case() {
	printf 'id\tbrand\ni1\tb1\n\tb2\n' > emptyitem.tsv
	expect_exit 2 "$BIN/rec-train" -q --header --positive 4 \
		--item-attributes emptyitem.tsv -o never.rec A.tsv
	expect_err_first "^rec-train: emptyitem\\.tsv:3: "
	grep -q 'user' err && { cat err >&2; fail "an item table's empty id called a user id"; }
	:
}
run_case item_id_case

# An event with more than 1024 features on one side (a list cell of 1100
# values) is a bad row with its file and line, in training passes, in a
# stream and in rec-update; --strict stops there.
wide_case() {
	awk 'BEGIN { OFS = "\t"
		for (i = 0; i < 60; i++) {
			cell = "a|b"
			if (i == 37) { cell = "v0"; for (j = 1; j < 1100; j++) cell = cell "|v" j }
			print "u" i % 7, "i" i % 5, i % 2, cell
		} }' > wide.tsv
	for passes in 1 3; do
		expect_exit 0 "$BIN/rec-train" -q -k 2 -p $passes --features 4 \
			--list-sep '|' -o wide.rec wide.tsv
		grep -q '^rec-train: wide\.tsv:38: an event has more than 1024 features on one side' err ||
			{ cat err >&2; fail "-p $passes: no bad row for line 38"; }
		grep -q 'skipped 1 bad row' err || fail "-p $passes: not counted"
	done
	expect_exit 2 "$BIN/rec-train" -q -k 2 -p 1 --features 4 --list-sep '|' \
		--strict -o wide2.rec wide.tsv
	[ ! -e wide2.rec ] || fail "--strict: a model written"
	cp wide.rec before.rec
	expect_exit 0 "$BIN/rec-update" -q -m wide.rec wide.tsv
	grep -q 'wide\.tsv:38: an event has more than 1024' err ||
		fail "rec-update: no bad row for line 38"
}
run_case wide_case

done_cases
