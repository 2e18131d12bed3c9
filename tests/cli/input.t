# Input hardening: damaged gzip after the first member, --no-header and
# headers that are data, conflicting repeats of an option, a UTF-8 BOM,
# the bad-row limit and the "looks like CSV" hint.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"

"$BIN/rec-gen" --events 200 --users 20 --items 15 --seed 5 |
	awk -F '\t' 'BEGIN { OFS = "\t" } { print $1, $2, ($3 >= 4) }' > ev.tsv
[ "$(wc -l < ev.tsv)" -eq 200 ] || fail "rec-gen"
head -n 100 ev.tsv > a.tsv
tail -n 100 ev.tsv > b.tsv
"$BIN/rec-train" -q --factors 2 -o plain.rec ev.tsv || fail "train"

# ---- gzip: members one after another are fine; damage after one is not ----
gzip_case() {
	{ gzip -c a.tsv; gzip -c b.tsv; } > two.tsv.gz
	expect_exit 0 "$BIN/rec-predict" -m plain.rec two.tsv.gz
	[ "$(wc -l < out)" -eq 200 ] || fail "two members: $(wc -l < out) rows"
	# a bad magic number on the second member
	{ gzip -c a.tsv; gzip -c b.tsv | sed '1s/^\x1f\x8b/\x1f\x8c/'; } > magic.tsv.gz
	expect_exit 2 "$BIN/rec-train" -q -o m.rec magic.tsv.gz
	expect_err '^rec-train: magic\.tsv\.gz:101: read error: bad gzip magic number'
	[ ! -e m.rec ] || fail "a model was written from damaged input"
	# trailing bytes after the member, from a pipe: no <fd:N> in the message
	{ gzip -c a.tsv; printf 'junk'; } > trail.gz
	expect_exit 2 "$BIN/rec-predict" -m plain.rec - < trail.gz
	expect_err '^rec-predict: \(stdin\):101: read error: trailing garbage'
	grep -q '<fd:' err && fail "zlib's descriptor name in a message"
	# the second member cut short
	{ gzip -c a.tsv; gzip -c b.tsv | head -c 30; } > cut.tsv.gz
	expect_exit 2 "$BIN/rec-eval" --group 1 --score 3 cut.tsv.gz
	expect_err 'cut\.tsv\.gz:[0-9]+: read error: gzip member 2 is cut short'
	:
}
run_case gzip_case

# ---- header: --no-header, a header that is data, a missing named column ----
header_case() {
	{ printf 'user\titem\tlabel\n'; cat ev.tsv; } > h.tsv
	"$BIN/rec-train" -q --factors 2 --header -o h.rec h.tsv || fail "train --header"
	# the model expects a header: a headerless first row is refused, not eaten
	expect_exit 2 "$BIN/rec-predict" -m h.rec ev.tsv
	expect_err "ev\\.tsv:1: the header's label column \\(3\\) is the number"
	expect_exit 2 "$BIN/rec-update" --test-only -q -m h.rec ev.tsv
	expect_err "ev\\.tsv:1: the header's label column \\(3\\) is the number"
	# --no-header reads every row
	expect_exit 0 "$BIN/rec-predict" --no-header -m h.rec ev.tsv
	[ "$(wc -l < out)" -eq 200 ] || fail "--no-header: $(wc -l < out) rows"
	cp h.rec u.rec
	expect_exit 0 "$BIN/rec-update" -m u.rec --no-header ev.tsv
	expect_err '^rec-update: 200 events learned'
	# named columns: a first line without the names is an error, exit 2
	"$BIN/rec-train" -q --factors 2 --user user --item item --label label \
		-o n.rec h.tsv || fail "train by name"
	expect_exit 2 "$BIN/rec-predict" -m n.rec ev.tsv
	expect_err "ev\\.tsv:1: no column named 'user' in the header"
	expect_exit 2 "$BIN/rec-update" -q -m n.rec ev.tsv
	expect_err "no column named 'user' in the header"
	# and names cannot be read without a header
	expect_exit 2 "$BIN/rec-predict" --no-header -m n.rec ev.tsv
	expect_err "user column 'user' is a name, but the input has no header"
	expect_exit 0 "$BIN/rec-predict" --no-header --user 1 --item 2 -m n.rec ev.tsv
	[ "$(wc -l < out)" -eq 200 ] || fail "--no-header by number"
	:
}
run_case header_case

# ---- an option given twice: the same value is fine, another is refused ----
repeat_case() {
	expect_exit 2 "$BIN/rec-train" -q --task implicit --task binary -o r.rec ev.tsv
	expect_err "--task given twice with different values: 'implicit' and 'binary'"
	[ ! -e r.rec ] || fail "a model was written"
	expect_exit 0 "$BIN/rec-train" -q --factors 2 --task binary --task binary -o r.rec ev.tsv
	expect_exit 2 "$BIN/rec-train" -q --user 1 --user 2 ev.tsv
	expect_err "--user given twice with different values: '1' and '2'"
	expect_exit 2 "$BIN/rec-eval" --csv --tsv ev.tsv
	expect_err "--csv and --tsv contradict each other"
	expect_exit 2 "$BIN/rec-predict" -m plain.rec --header --no-header ev.tsv
	expect_err "--header and --no-header contradict each other"
	expect_exit 2 "$BIN/rec-train" -q --positive 4 --positive 3 ev.tsv
	expect_err "--positive given twice with different values: '4' and '3'"
	expect_exit 2 "$BIN/rec-train" -q --max-bad-rows 0.2 --max-bad-rows 0.3 ev.tsv
	expect_err "--max-bad-rows given twice"
	# parameter options alike
	expect_exit 2 "$BIN/rec-train" -q --lr 0.1 --lr 0.2 ev.tsv
	expect_err "--lr 0.1 and --lr 0.2 contradict each other"
	expect_exit 2 "$BIN/rec-train" -q --shuffle --no-shuffle ev.tsv
	expect_err "--shuffle and --no-shuffle contradict each other"
	expect_exit 2 "$BIN/rec-update" -q -m plain.rec --half-life 10 --half-life-time 10 ev.tsv
	expect_err "contradict each other"
	expect_exit 0 "$BIN/rec-train" -q --factors 2 --lr 0.1 --lr 0.10 -o r2.rec ev.tsv
	:
}
run_case repeat_case

# ---- --half-life-time with units: seconds of a unix time column ----
"$BIN/rec-gen" --events 200 --users 20 --items 15 --seed 5 |
	awk -F '\t' 'BEGIN { OFS = "\t" } { print $1, $2, ($3 >= 4), $4 }' \
	> timed.tsv || fail "rec-gen"
span_case() {	# SPAN SECONDS
	"$BIN/rec-train" -q --factors 2 --passes 1 --holdout 0 --time 4 \
		-o span.rec timed.tsv || fail "rec-train"
	expect_exit 0 "$BIN/rec-update" -q -m span.rec --half-life-time "$1" \
		timed.tsv
	"$BIN/rec-info" span.rec > info.out || fail "rec-info"
	awk -v want="$2" '$1 == "half_life" { ok = $2 == want }
		$1 == "half_life_unit" { unit = $2 }
		END { exit !(ok && unit == "time") }' info.out ||
		{ cat info.out >&2; fail "--half-life-time $1 is not $2 s"; }
}
run_case span_case 90 90
run_case span_case 90s 90
run_case span_case 2h 7200
run_case span_case 7d 604800
run_case span_case 1.5w 907200
bad_span_case() {	# SPAN
	expect_exit 2 "$BIN/rec-update" -q -m plain.rec --half-life-time "$1" \
		ev.tsv
	expect_err_first "^rec-update: --half-life-time: '$1' is not"
}
run_case bad_span_case xd
run_case bad_span_case -2h
run_case bad_span_case 7y
same_span_case() {	# the same span twice, in two spellings, is one
	"$BIN/rec-train" -q --factors 2 --passes 1 --holdout 0 --time 4 \
		-o span2.rec timed.tsv || fail "rec-train"
	expect_exit 0 "$BIN/rec-update" -q -m span2.rec \
		--half-life-time 2h --half-life-time 7200 timed.tsv
}
run_case same_span_case

# ---- a UTF-8 byte-order mark before the header or the first row ----
bom_case() {
	{ printf '\357\273\277userId,movieId,rating\n'; tr '\t' , < ev.tsv; } > bom.csv
	expect_exit 0 "$BIN/rec-train" -q --factors 2 --passes 1 --holdout 0 \
		--user userId --item movieId --label rating -o bom.rec bom.csv
	expect_exit 0 "$BIN/rec-info" bom.rec
	expect_out '^events +200$'
	gzip -c bom.csv > bom.csv.gz
	expect_exit 0 "$BIN/rec-predict" -m bom.rec bom.csv.gz
	[ "$(wc -l < out)" -eq 201 ] || fail "gzip CSV with a BOM: $(wc -l < out) lines"
	{ printf '\357\273\277'; cat ev.tsv; } > bom.tsv
	expect_exit 0 "$BIN/rec-predict" -m plain.rec bom.tsv
	[ "$(head -n 1 out | cut -f 1)" = "$(head -n 1 ev.tsv | cut -f 1)" ] ||
		fail "the BOM stayed in the first user id"
	gzip -c bom.tsv > bom.tsv.gz
	expect_exit 0 "$BIN/rec-predict" -m plain.rec bom.tsv.gz
	[ "$(head -n 1 out | cut -f 1)" = "$(head -n 1 ev.tsv | cut -f 1)" ] ||
		fail "the BOM stayed in the first user id (gzip)"
	:
}
run_case bom_case

# ---- the bad-row limit ----
limit_case() {
	# ratings 1..5 and no --positive: most rows are "not 0/1"
	"$BIN/rec-gen" --events 3000 --users 50 --items 40 --seed 9 > ratings.tsv
	expect_exit 2 "$BIN/rec-train" -q -o lim.rec ratings.tsv
	expect_err 'too many bad rows: [0-9]+ of 1000 rows read \([0-9.]+%\) are bad, more than --max-bad-rows 0.1 allows; the first: ratings\.tsv:[0-9]+: label'
	[ ! -e lim.rec ] || fail "a model was written past the limit"
	cp plain.rec upd.rec
	expect_exit 2 "$BIN/rec-update" -q -m upd.rec ratings.tsv
	cmp -s plain.rec upd.rec || fail "rec-update changed the model past the limit"
	# at the end: 3 bad rows of 20 is over 0.1, under 0.2
	{ head -n 17 ev.tsv; printf 'u\ti\t7\nu\ti\t8\nu\ti\t9\n'; } > few.tsv
	expect_exit 2 "$BIN/rec-train" -q -o few.rec few.tsv
	expect_err 'too many bad rows: 3 of 20 rows read \(15.0%\)'
	[ ! -e few.rec ] || fail "a model was written past the limit"
	expect_exit 0 "$BIN/rec-train" -q --factors 2 --max-bad-rows 0.2 -o few.rec few.tsv
	expect_err 'skipped 3 bad rows'
	# rec-predict has written what it scored, then exits 2
	{ head -n 17 ev.tsv; printf 'u\nv\nw\n'; } > few2.tsv
	expect_exit 2 "$BIN/rec-predict" -m plain.rec few2.tsv
	[ "$(wc -l < out)" -eq 17 ] || fail "rec-predict wrote $(wc -l < out) lines"
	expect_err 'too many bad rows: 3 of 20'
	:
}
run_case limit_case

# ---- CSV piped into a TSV reader ----
looks_case() {
	printf 'label,score\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n' > s.csv
	expect_exit 2 "$BIN/rec-eval" --label label --score score < s.csv
	expect_err "no column named 'label' in the header; the input looks like CSV: use --csv"
	tail -n +2 s.csv | { expect_exit 2 "$BIN/rec-eval" --label 1 --score 2; }
	expect_err "label column 1 .*|score column 2 missing: row has 1 columns; the input looks like CSV: use --csv"
	expect_exit 0 "$BIN/rec-eval" --csv --label label --score score < s.csv
	# and TSV read as CSV
	tr , '\t' < s.csv > s.tsv
	expect_exit 2 "$BIN/rec-eval" --csv --label label --score score < s.tsv
	expect_err "the input looks like TSV: use --tsv"
	:
}
run_case looks_case

done_cases
