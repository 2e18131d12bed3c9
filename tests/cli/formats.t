# Input formats: CSV with a header and named columns (the layout of
# MovieLens' ml-latest-small ratings.csv), RFC 4180 quoting, gzip, CSV by
# file name, several files in order, standard input, TSV with a header.
# The same events written in two formats must train the same model, which
# is checked through rec-predict's scores.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

# ---- data: the same 1500 events as TSV and as ratings.csv ----
"$BIN/rec-gen" --events 1500 --users 150 --items 80 --seed 31 > gen.tsv
# userId,movieId,rating,timestamp with half-star ratings as in MovieLens;
# the TSV twin holds the very same field values
awk 'BEGIN { FS = "\t"; OFS = "\t" }
{
	r = $3 ".0"
	if ($4 % 2 && $3 > 1) r = ($3 - 1) ".5"
	print substr($1, 2), substr($2, 2), r, $4
}' gen.tsv > ratings.tsv
{ echo 'userId,movieId,rating,timestamp'; tr '\t' ',' < ratings.tsv; } > ratings.csv
[ "$(lines ratings.csv)" -eq 1501 ] || fail "ratings.csv has $(lines ratings.csv) lines"
grep -q '\.5,' ratings.csv || fail "no half-star ratings in ratings.csv"
# rows for rec-predict: the first 300 events, in both formats
head -n 300 ratings.tsv > cand.tsv
head -n 301 ratings.csv > cand.csv

# scores FILE: the last column of each data row
scores() {
	awk -F '[,\t]' '{ print $NF }' "$1"
}

# ---- CSV, header, columns by name (ml-latest-small layout) ----
csv_named_case() {
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --user userId --item movieId \
		--label rating --positive 4 -o csv.rec ratings.csv
	expect_no_err
	expect_exit 0 "$BIN/rec-info" csv.rec
	grep -Eq '^column_user +userId$' out || { cat out >&2; fail "column_user is not userId"; }
	grep -Eq '^column_item +movieId$' out || fail "column_item is not movieId"
	grep -Eq '^column_label +rating$' out || fail "column_label is not rating"
	grep -Eq '^events +[1-9]' out || fail "no events learned"
	# the same events as TSV, columns by number, give the same model
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o tsv.rec ratings.tsv
	expect_exit 0 "$BIN/rec-predict" -m tsv.rec cand.tsv
	mv out tsv.scored
	# rec-predict reads CSV the way the model was trained: by the name
	expect_exit 0 "$BIN/rec-predict" -m csv.rec cand.csv
	expect_no_err
	mv out scored.csv
	[ "$(lines scored.csv)" -eq 301 ] || fail "rec-predict wrote $(lines scored.csv) lines, wanted 301"
	head -n 1 scored.csv | grep -qx 'userId,movieId,rating,timestamp,score' ||
		{ head -n 1 scored.csv >&2; fail "header not copied with ',score' appended"; }
	sed 's/,[^,]*$//' scored.csv | cmp -s - cand.csv || fail "CSV rows not copied as they were"
	scores tsv.scored > s.tsv
	tail -n +2 scored.csv | scores /dev/stdin > s.csv
	cmp -s s.tsv s.csv || fail "CSV and TSV of the same events score differently"
	# and rec-eval takes the columns by name from the scored CSV
	expect_exit 0 "$BIN/rec-eval" --label rating --positive 4 scored.csv
	grep -Eq '^rows +300$' out || { cat out err >&2; fail "rec-eval did not read 300 rows"; }
	grep -Eq '^auc +0\.[5-9]' out || { cat out >&2; fail "auc not above 0.5"; }
}
run_case csv_named_case

# ---- RFC 4180 quoting: commas, doubled quotes, a quoted newline ----
quoted_case() {
	printf 'user,item,label\n' > q.csv
	printf 'u1\tMovie, The\t1\nu2\tsay "hi"\t0\nu1\tplain\t0\n' > q.tsv
	printf 'u2\tMovie, The\t1\nu3\tMovie\t0\nu3\tsay "hi"\t1\n' >> q.tsv
	printf 'u1,"Movie, The",1\nu2,"say ""hi""",0\n"u1",plain,0\n' >> q.csv
	printf 'u2,"Movie, The",1\nu3,Movie,"0"\nu3,"say ""hi""",1\n' >> q.csv
	expect_exit 0 "$BIN/rec-train" -q --header --holdout 0 -o q.rec q.csv
	expect_no_err
	expect_exit 0 "$BIN/rec-info" q.rec
	grep -Eq '^items +4$' out || { cat out >&2; fail "wanted 4 items: 'Movie, The', 'say \"hi\"', plain, Movie"; }
	expect_exit 0 "$BIN/rec-train" -q --holdout 0 -o qt.rec q.tsv
	expect_exit 0 "$BIN/rec-predict" -m qt.rec q.tsv
	scores out > s.tsv
	expect_exit 0 "$BIN/rec-predict" -m q.rec q.csv
	expect_no_err
	[ "$(lines out)" -eq 7 ] || fail "rec-predict wrote $(lines out) lines, wanted 7"
	sed 's/,[^,]*$//' out | cmp -s - q.csv || { cat out >&2; fail "quoted rows not copied as they were"; }
	tail -n +2 out | scores /dev/stdin > s.csv
	cmp -s s.tsv s.csv || { paste s.tsv s.csv >&2; fail "quoted CSV and TSV score differently"; }
	# a quoted field may hold a newline: the row is copied whole
	printf 'user,item,label\n"u,4","multi\nline",1\nu5,plain,0\n' > nl.csv
	expect_exit 0 "$BIN/rec-predict" -m q.rec nl.csv
	expect_no_err
	[ "$(lines out)" -eq 4 ] || { cat out >&2; fail "a row with a quoted newline was not kept whole"; }
	sed -n 3p out | grep -Eq '^line",1,[0-9.e-]+$' || { cat out >&2; fail "row with a newline not scored"; }
	# an unterminated quote is a bad row with the line it starts on
	printf 'user,item,label\nu1,plain,0\nu1,"open,1\n' > open.csv
	expect_exit 2 "$BIN/rec-predict" --strict -m q.rec open.csv
	expect_err_first '^rec-predict: open\.csv:3: '
}
run_case quoted_case

# ---- gzip: by content, whatever the name, also on stdin ----
gzip_case() {
	gzip -c ratings.tsv > ratings.tsv.gz
	gzip -c ratings.tsv > ratings.gz.data
	gzip -c cand.csv > cand.csv.gz
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o gz.rec ratings.tsv.gz
	expect_no_err
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o plain.rec ratings.tsv
	expect_exit 0 "$BIN/rec-predict" -m plain.rec cand.tsv
	mv out plain.scored
	expect_exit 0 "$BIN/rec-predict" -m gz.rec cand.tsv
	cmp -s out plain.scored || fail "a model trained from gzip differs"
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o gz2.rec ratings.gz.data
	expect_exit 0 "$BIN/rec-predict" -m gz2.rec cand.tsv
	cmp -s out plain.scored || fail "gzip not recognised by content"
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o gz3.rec < ratings.tsv.gz
	expect_exit 0 "$BIN/rec-predict" -m gz3.rec cand.tsv
	cmp -s out plain.scored || fail "gzip on stdin not read"
	# rec-predict copies the decompressed rows
	gzip -c cand.tsv > cand.tsv.gz
	expect_exit 0 "$BIN/rec-predict" -m plain.rec cand.tsv.gz
	cmp -s out plain.scored || fail "rec-predict of gzip input differs"
	# .csv.gz is CSV by its name
	expect_exit 0 "$BIN/rec-predict" -m csv.rec cand.csv.gz
	cmp -s out scored.csv || fail "rec-predict of .csv.gz differs from .csv"
}
run_case gzip_case

# ---- CSV by file name: a model with no format of its own ----
by_name_case() {
	# plain.rec was trained on TSV without --csv or --tsv
	tail -n +2 cand.csv > nohead.csv
	expect_exit 0 "$BIN/rec-predict" -m plain.rec nohead.csv
	expect_no_err
	[ "$(lines out)" -eq 300 ] || fail "rec-predict wrote $(lines out) lines"
	if grep -Evq '^[^,	]+,[^,	]+,[^,	]+,[^,	]+,[0-9.e-]+$' out; then
		grep -Ev '^[^,	]+,[^,	]+,[^,	]+,[^,	]+,[0-9.e-]+$' out | head -n 3 >&2
		fail "a .csv file's rows are not scored after a comma"
	fi
	scores plain.scored > s.plain
	scores out | cmp -s - s.plain || fail "a .csv file scores differently from its TSV twin"
	# the same rows under another name are TSV: one column, no item
	cp nohead.csv nohead.txt
	# every row bad: past --max-bad-rows, exit 2, with a hint
	expect_exit 2 "$BIN/rec-predict" -m plain.rec nohead.txt
	expect_no_out
	expect_err '^rec-predict: nohead\.txt:1: .*the input looks like CSV: use --csv'
	expect_err 'too many bad rows: 300 of 300 rows read'

	# --csv says so for any name and for stdin, with a comma in the output
	expect_exit 0 "$BIN/rec-predict" --csv -m plain.rec nohead.txt
	scores out | cmp -s - s.plain || fail "--csv on a .txt file"
	expect_exit 0 "$BIN/rec-predict" --csv -m plain.rec < nohead.csv
	sed 's/,[^,]*$//' out | cmp -s - nohead.csv || fail "--csv on stdin: rows not copied with a comma"
	# --tsv over a .csv name: tabs
	cp cand.tsv tabs.csv
	expect_exit 0 "$BIN/rec-predict" --tsv -m plain.rec tabs.csv
	cmp -s out plain.scored || fail "--tsv on a .csv file"
}
run_case by_name_case

# ---- several files, in order; stdin as - among them and alone ----
several_case() {
	head -n 100 cand.tsv > a.tsv
	sed -n '101,250p' cand.tsv > b.tsv
	tail -n +251 cand.tsv > c.tsv
	expect_exit 0 "$BIN/rec-predict" -m plain.rec a.tsv b.tsv c.tsv
	cmp -s out plain.scored || fail "rec-predict a b c differs from a+b+c"
	expect_exit 0 "$BIN/rec-predict" -m plain.rec a.tsv - c.tsv < b.tsv
	cmp -s out plain.scored || fail "rec-predict a - c < b differs"
	expect_exit 0 "$BIN/rec-predict" -m plain.rec - < cand.tsv
	cmp -s out plain.scored || fail "rec-predict - differs"
	expect_exit 0 "$BIN/rec-predict" -m plain.rec < cand.tsv
	cmp -s out plain.scored || fail "rec-predict with no file differs"
	# shellcheck disable=SC2002 # a pipe, not a file, on purpose
	cat cand.tsv | "$BIN/rec-predict" -m plain.rec > out || fail "rec-predict from a pipe failed"
	cmp -s out plain.scored || fail "rec-predict from a pipe differs"
	# training over several files is training over their concatenation
	head -n 700 ratings.tsv > t1.tsv
	tail -n +701 ratings.tsv > t2.tsv
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o two.rec t1.tsv t2.tsv
	expect_exit 0 "$BIN/rec-predict" -m two.rec cand.tsv
	cmp -s out plain.scored || fail "training on two files differs from one"
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o stdin.rec t1.tsv - < t2.tsv
	expect_exit 0 "$BIN/rec-predict" -m stdin.rec cand.tsv
	cmp -s out plain.scored || fail "training on a file and - differs"
	expect_exit 0 "$BIN/rec-train" -q --seed 3 --positive 4 -o stdin2.rec < ratings.tsv
	expect_exit 0 "$BIN/rec-predict" -m stdin2.rec cand.tsv
	cmp -s out plain.scored || fail "training on stdin differs"
	# rec-eval: several files and stdin alike
	expect_exit 0 "$BIN/rec-eval" --positive 4 plain.scored
	mv out eval.one
	head -n 100 plain.scored > e1.tsv
	tail -n +101 plain.scored > e2.tsv
	expect_exit 0 "$BIN/rec-eval" --positive 4 e1.tsv - < e2.tsv
	cmp -s out eval.one || fail "rec-eval over two inputs differs"
}
run_case several_case

# ---- TSV with a header ----
tsv_header_case() {
	"$BIN/rec-gen" --header --events 400 --users 50 --items 40 --seed 32 > h.tsv ||
		fail "rec-gen --header failed"
	head -n 1 h.tsv | grep -q '^user	item	rating	' || fail "rec-gen header unexpected"
	tail -n +2 h.tsv > noh.tsv
	# by number with --header, and by name (which implies a header)
	expect_exit 0 "$BIN/rec-train" -q --seed 4 --header --positive 4 -o hnum.rec h.tsv
	expect_exit 0 "$BIN/rec-train" -q --seed 4 --user user --item item \
		--label rating --positive 4 -o hname.rec h.tsv
	expect_exit 0 "$BIN/rec-train" -q --seed 4 --positive 4 -o noh.rec noh.tsv
	expect_exit 0 "$BIN/rec-predict" -m noh.rec noh.tsv
	mv out noh.scored
	for m in hnum hname; do
		expect_exit 0 "$BIN/rec-predict" -m $m.rec h.tsv
		expect_no_err
		[ "$(lines out)" -eq 401 ] || fail "$m: rec-predict wrote $(lines out) lines"
		head -n 1 out | grep -qx 'user	item	rating	time	group	genre	score' ||
			{ head -n 1 out >&2; fail "$m: header not copied with a tab and 'score'"; }
		tail -n +2 out | cmp -s - noh.scored || fail "$m: a header changes the model or the rows"
	done
	# the header of the first file heads the output; later files' headers
	# are not data
	head -n 201 h.tsv > h1.tsv
	{ head -n 1 h.tsv; tail -n +202 h.tsv; } > h2.tsv
	expect_exit 0 "$BIN/rec-predict" -m hname.rec h1.tsv h2.tsv
	expect_no_err
	[ "$(grep -c '^user	' out)" -eq 1 ] || fail "the header is not printed exactly once"
	head -n 1 out | grep -q '^user	item	rating	.*	score$' || fail "output does not start with the header"
	tail -n +2 out | cmp -s - noh.scored || fail "two header files: rows differ"
	# rec-eval reads the scored output by names
	expect_exit 0 "$BIN/rec-predict" -m hname.rec h.tsv
	mv out h.scored
	expect_exit 0 "$BIN/rec-eval" --label rating --score score --positive 4 h.scored
	grep -Eq '^rows +400$' out || { cat out err >&2; fail "rec-eval by name did not read 400 rows"; }
	# a named column that is not in the header
	expect_exit 2 "$BIN/rec-train" -q --user nosuch -o x.rec h.tsv
	expect_err "^rec-train: h\\.tsv(:1)?: .*'nosuch'"
	[ ! -e x.rec ] || fail "a model was written"
}
run_case tsv_header_case

done_cases
