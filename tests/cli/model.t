# Model files: what rec-info shows, damaged and foreign files refused by
# name, where rec-train may write, determinism, and what rec-predict's
# scores are (probabilities, raw margins, ratings for regression).
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

"$BIN/rec-gen" --events 3000 --users 200 --items 100 --seed 41 > ratings.tsv
binary_labels < ratings.tsv > data.tsv
head -n 300 data.tsv > small.tsv
nusers=$(cut -f 1 small.tsv | sort -u | wc -l)
nitems=$(cut -f 2 small.tsv | sort -u | wc -l)
"$BIN/rec-train" -q --seed 5 -o m.rec data.tsv || fail "rec-train failed"

# ---- rec-info: text and JSON ----
info_case() {
	expect_exit 0 "$BIN/rec-train" -q --passes 1 --holdout 0 -o small.rec small.tsv
	expect_exit 0 "$BIN/rec-info" small.rec
	expect_no_err
	for want in "file small.rec" "format_version 1" "events 300" \
		    "features $((nusers + nitems))" "items $nitems"; do
		awk -v k="${want% *}" -v v="${want#* }" \
			'$1 == k && $2 == v { ok = 1 } END { exit !ok }' out ||
			{ cat out >&2; fail "rec-info does not show '$want'"; }
	done
	expect_exit 0 "$BIN/rec-info" --json small.rec
	expect_no_err
	[ "$(lines out)" -eq 1 ] || fail "--json is not one line per model"
	"$PYTHON" -m json.tool out > /dev/null || { cat out >&2; fail "--json is not valid JSON"; }
	mv out small.json
	# several models: one JSON object per line
	expect_exit 0 "$BIN/rec-info" --json small.rec m.rec
	[ "$(lines out)" -eq 2 ] || fail "--json of 2 models is not 2 lines"
	"$PYTHON" - "$nusers" "$nitems" <<-'EOF' || fail "--json values"
	import json, sys
	users, items = int(sys.argv[1]), int(sys.argv[2])
	for line in open("out"):
	    json.loads(line)
	d = json.load(open("small.json"))
	want = {"file": "small.rec", "format_version": 1, "events": 300,
	        "features": users + items, "items": items}
	bad = {k: d.get(k) for k in want if d.get(k) != want[k]}
	if bad:
	    sys.exit("rec-info --json: got %r, wanted %r" % (bad, want))
	for k in ("task", "bits", "factors", "size_bytes", "created", "saved"):
	    if k not in d:
	        sys.exit("rec-info --json lacks %r" % k)
	EOF
}
run_case info_case
items_case() {	# --items: each item, its events and latest time, as met
	"$BIN/rec-train" -q --passes 1 --holdout 0 --time 4 -o timed.rec \
		small.tsv || fail "rec-train --time"
	expect_exit 0 "$BIN/rec-info" --items timed.rec
	expect_no_err
	head -n 1 out | grep -qx 'item	events	last_time' ||
		{ head -n 2 out >&2; fail "--items: header"; }
	# the same table from the data: first-seen order, counts, max time
	awk -F '\t' '!($2 in n) { order[++k] = $2 }
		{ n[$2]++; if ($4 > t[$2]) t[$2] = $4 }
		END { print "item\tevents\tlast_time"
		      for (i = 1; i <= k; i++)
			  print order[i] "\t" n[order[i]] "\t" t[order[i]] }' \
		small.tsv > want
	cmp -s out want || { diff out want | head >&2; fail "--items table"; }
	expect_exit 0 "$BIN/rec-info" --items --json timed.rec
	"$PYTHON" - <<-'EOF' || fail "--items --json"
	import json
	d = json.load(open("out"))
	rows = [l.rstrip("\n").split("\t") for l in open("want")][1:]
	got = [[i["item"], str(i["events"]), "%d" % i["last_time"]]
	       for i in d["items"]]
	assert d["file"] == "timed.rec" and got == rows, (got[:3], rows[:3])
	EOF
}
run_case items_case
explain_case() {	# MODEL-OPTIONS...: the terms add up to the margin
	"$BIN/rec-train" -q --passes 1 --holdout 0 "$@" -o ex.rec data.tsv ||
		fail "rec-train $*"
	head -n 50 data.tsv > ex.tsv
	expect_exit 0 "$BIN/rec-predict" -m ex.rec --raw --explain ex.tsv
	mv out explained
	expect_exit 0 "$BIN/rec-predict" -m ex.rec --raw ex.tsv
	"$PYTHON" - "$@" <<-'EOF' || fail "--explain $*"
	import sys
	plain = [l.rstrip("\n").split("\t") for l in open("out")]
	for row, want in zip(open("explained"), plain):
	    f = row.rstrip("\n").split("\t")
	    assert f[:-1] == want, (f, want)
	    terms = dict(t.split("=") for t in f[-1].split(" "))
	    names = list(terms)
	    assert names[0] == "bias" and names[-1] == "interactions", names
	    assert "user" in names and "item" in names, names
	    if "--features" in sys.argv:
	        assert "5" in names, names
	    total = sum(float(v) for v in terms.values())
	    margin = float(want[-1])
	    assert abs(total - margin) <= 1e-6 * (1 + abs(margin)), (total, margin)
	EOF
}
run_case explain_case
run_case explain_case --features 5 --item-features 6
explain_refused_case() {
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 3 --explain data.tsv
	expect_err_first '^rec-predict: --explain is for score mode'
	"$BIN/rec-train" -q --task implicit --model ease -o ease.rec data.tsv ||
		fail "rec-train ease"
	expect_exit 2 "$BIN/rec-predict" -m ease.rec --explain data.tsv
	expect_err 'EASE score is no sum of weights'
}
run_case explain_refused_case

# ---- damaged, truncated, foreign and newer files ----
size=$(wc -c < m.rec)
[ "$size" -gt 200 ] || fail "model file is only $size bytes"
# flip: one byte in the middle, inverted
cp m.rec flip.rec
mid=$((size / 2))
byte=$(od -An -tu1 -j "$mid" -N 1 m.rec | tr -d ' ')
# shellcheck disable=SC2059 # an octal escape made on purpose
printf "$(printf '\\%03o' $((byte ^ 255)))" |
	dd of=flip.rec bs=1 seek="$mid" conv=notrunc 2>/dev/null
if cmp -s m.rec flip.rec; then fail "flip.rec was not changed"; fi
head -c $((size - 1)) m.rec > trunc1.rec
head -c $((size / 3)) m.rec > trunc3.rec
head -c 12 m.rec > trunc12.rec
: > empty.rec
printf 'user\titem\tlabel\n' > text.rec
printf '\211PNG\r\n\032\n' > png.rec
mkdir dir.rec
# newer: read and write version 6 (one past this format), header CRC made right again;
# nocrc: version 6 without fixing the CRC
"$PYTHON" - <<'EOF' || fail "could not patch the model"
import struct, zlib
d = bytearray(open("m.rec", "rb").read())
n = bytearray(d)
n[8:16] = struct.pack("<II", 6, 6)
open("nocrc.rec", "wb").write(n)
n[16:20] = struct.pack("<I", zlib.crc32(bytes(n[0:16])) & 0xffffffff)
open("newer.rec", "wb").write(n)
w = bytearray(d)			# read version 1, written by version 6
w[12:16] = struct.pack("<I", 6)
w[16:20] = struct.pack("<I", zlib.crc32(bytes(w[0:16])) & 0xffffffff)
open("writer3.rec", "wb").write(w)
EOF
refused_case() {	# FILE REGEX
	expect_exit 2 "$BIN/rec-info" "$1"
	expect_no_out
	expect_err_first "^rec-info: $1: .*$2"
	expect_exit 2 "$BIN/rec-predict" -m "$1" small.tsv
	expect_no_out
	expect_err_first "^rec-predict: $1: .*$2"
}
run_case refused_case flip.rec '(damaged|checksum)'
run_case refused_case trunc1.rec '(damaged|truncated)'
run_case refused_case trunc3.rec '(damaged|truncated)'
run_case refused_case trunc12.rec '(damaged|truncated|not a)'
run_case refused_case empty.rec '(empty|not a|truncated)'
run_case refused_case text.rec 'not a'
run_case refused_case png.rec 'not a'
run_case refused_case dir.rec 'not a regular file|directory'
run_case refused_case no-such.rec 'No such file|cannot open'
run_case refused_case newer.rec 'version 6.*newer|newer.*version 6'
run_case refused_case nocrc.rec '(damaged|checksum)'
writer_case() {	# a newer writer that still writes version 1 is read
	expect_exit 0 "$BIN/rec-info" writer3.rec
	grep -Eq '^format_version +1$' out || { cat out >&2; fail "writer3.rec not read as version 1"; }
	expect_exit 0 "$BIN/rec-predict" -m writer3.rec small.tsv
	mv out w.scored
	expect_exit 0 "$BIN/rec-predict" -m m.rec small.tsv
	cmp -s out w.scored || fail "writer3.rec scores differently"
}
run_case writer_case
several_info_case() {	# rec-info goes on after a bad model, then exits 2
	expect_exit 2 "$BIN/rec-info" flip.rec m.rec
	expect_err "^rec-info: flip\\.rec: "
	expect_out '^file +m\.rec$'
}
run_case several_info_case

# ---- where rec-train writes ----
terminal_case() {
	if ! command -v script > /dev/null 2>&1 ||
	   ! script -qec true /dev/null > /dev/null 2>&1 < /dev/null; then
		echo "skip: no util-linux script(1) to give rec-train a terminal" >&2
		return 0
	fi
	got=0
	script -qec "\"$BIN/rec-train\" -q small.tsv" /dev/null \
		< /dev/null > tty.out 2>&1 || got=$?
	[ "$got" -eq 2 ] || { cat -v tty.out >&2; fail "rec-train to a terminal: exit $got, wanted 2"; }
	grep -q '^rec-train: .*terminal' tty.out ||
		{ cat -v tty.out >&2; fail "rec-train to a terminal: no message"; }
	[ "$(wc -c < tty.out)" -lt 300 ] || fail "rec-train wrote a model to a terminal"
	# -f forces it
	got=0
	script -qec "\"$BIN/rec-train\" -q -f small.tsv" /dev/null \
		< /dev/null > tty.out 2>&1 || got=$?
	[ "$got" -eq 0 ] || { cat -v tty.out >&2; fail "rec-train -f to a terminal: exit $got"; }
}
run_case terminal_case
stdout_case() {	# not a terminal: the model goes to standard output
	"$BIN/rec-train" -q --seed 5 data.tsv > stdout.rec 2> err ||
		{ cat err >&2; fail "rec-train > stdout.rec failed"; }
	expect_no_err
	expect_exit 0 "$BIN/rec-info" stdout.rec
	expect_exit 0 "$BIN/rec-predict" -m stdout.rec small.tsv
	mv out a.scored
	expect_exit 0 "$BIN/rec-predict" -m m.rec small.tsv
	cmp -s out a.scored || fail "the model on stdout differs from the one by -o"
	"$BIN/rec-train" -q --seed 5 -o - data.tsv > dash.rec || fail "rec-train -o - failed"
	expect_exit 0 "$BIN/rec-predict" -m dash.rec small.tsv
	cmp -s out a.scored || fail "the model by -o - differs"
	# and through a pipe
	"$BIN/rec-train" -q --seed 5 data.tsv | cat > pipe.rec || fail "rec-train | cat failed"
	cmp -s pipe.rec stdout.rec ||
		{ expect_exit 0 "$BIN/rec-predict" -m pipe.rec small.tsv
		  cmp -s out a.scored || fail "the model through a pipe differs"; }
}
run_case stdout_case
output_is_input_case() {
	cp small.tsv in.tsv
	expect_exit 2 "$BIN/rec-train" -q -o in.tsv in.tsv
	expect_err_first "^rec-train: .*in\\.tsv"
	cmp -s in.tsv small.tsv || fail "rec-train overwrote its input"
	expect_exit 2 "$BIN/rec-train" -q -o ./in.tsv data.tsv in.tsv
	expect_err_first "^rec-train: .*in\\.tsv"
	cmp -s in.tsv small.tsv || fail "rec-train overwrote its input (./in.tsv)"
	ln -s in.tsv link.tsv
	expect_exit 2 "$BIN/rec-train" -q -o link.tsv in.tsv
	cmp -s in.tsv small.tsv || fail "rec-train overwrote its input through a link"
	ln in.tsv hard.tsv
	expect_exit 2 "$BIN/rec-train" -q -o hard.tsv in.tsv
	cmp -s in.tsv small.tsv || fail "rec-train overwrote its input through a hard link"
	# the input is standard input, redirected from the output file
	# shellcheck disable=SC2094 # the very point of the check
	expect_exit 2 "$BIN/rec-train" -q -o in.tsv < in.tsv
	cmp -s in.tsv small.tsv || fail "rec-train -o in.tsv < in.tsv overwrote its input"
}
run_case output_is_input_case

# ---- determinism: same seed, same scores; another seed, other scores ----
seed_case() {
	expect_exit 0 "$BIN/rec-train" -q --seed 9 -o s1.rec data.tsv
	expect_exit 0 "$BIN/rec-train" -q --seed 9 -o s2.rec data.tsv
	expect_exit 0 "$BIN/rec-train" -q --seed 10 -o s3.rec data.tsv
	"$BIN/rec-predict" --raw -m s1.rec ratings.tsv > p1 || fail "rec-predict s1"
	"$BIN/rec-predict" --raw -m s2.rec ratings.tsv > p2 || fail "rec-predict s2"
	"$BIN/rec-predict" --raw -m s3.rec ratings.tsv > p3 || fail "rec-predict s3"
	cmp -s p1 p2 || fail "two trainings with --seed 9 score differently"
	if cmp -s p1 p3; then fail "--seed 9 and --seed 10 give the same scores"; fi
	# rec-info agrees too, but for the times, the name and the size
	"$BIN/rec-info" --json s1.rec s2.rec > info.json || fail "rec-info --json s1 s2"
	"$PYTHON" -c '
import json
a, b = (json.loads(line) for line in open("info.json"))
for d in a, b:
    for k in ("file", "created", "saved", "size_bytes"):
        d.pop(k, None)
if a != b:
    raise SystemExit("rec-info differs between equal seeds: %r / %r" % (a, b))' ||
		fail "rec-info of two models trained alike"
}
run_case seed_case

# ---- scores ----
count_case() {	# one output line per input line, less the bad rows
	{ head -n 50 data.tsv; printf 'u1\n'; printf 'u1\tx\0y\t1\n'; tail -n 49 data.tsv; } > mixed.tsv
	expect_exit 0 "$BIN/rec-predict" -m m.rec mixed.tsv
	[ "$(lines out)" -eq 99 ] || fail "rec-predict wrote $(lines out) lines, wanted 101 - 2 bad"
	expect_err_lines 1 'skipped 2 bad rows'
}
run_case count_case
unseen_case() {	# unseen users and items: finite scores; unseen both: bias only
	printf 'nobody\ti1\t1\nu1\tnothing\t0\nnobody\tnothing\t1\nnone\tnull\t0\n' > unseen.tsv
	expect_exit 0 "$BIN/rec-predict" -m m.rec unseen.tsv
	expect_no_err
	[ "$(lines out)" -eq 4 ] || fail "rec-predict wrote $(lines out) lines, wanted 4"
	awk -F '\t' '
		$NF !~ /^-?[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?$/ || $NF + 0 <= 0 || $NF + 0 >= 1 {
			print "not a probability: " $0; bad = 1 }
		END { exit bad }' out >&2 || fail "an unseen user or item has no finite score"
	[ "$(sed -n 3p out | cut -f 4)" = "$(sed -n 4p out | cut -f 4)" ] ||
		{ cat out >&2; fail "two unseen pairs score differently"; }
}
run_case unseen_case
raw_case() {	# --raw: margins; the probability is their logistic
	expect_exit 0 "$BIN/rec-predict" -m m.rec ratings.tsv
	cut -f 7 out > prob
	expect_exit 0 "$BIN/rec-predict" --raw -m m.rec ratings.tsv
	expect_no_err
	cut -f 1-6 out | cmp -s - ratings.tsv || fail "--raw did not copy its input"
	cut -f 7 out > raw
	paste raw prob | awk '
		{ p = 1 / (1 + exp(-$1)); d = p - $2; if (d < 0) d = -d
		  if (d > 1e-6) { print "raw " $1 " prob " $2; bad = 1 }
		  if ($1 < 0 || $1 > 1) outside++ }
		END { if (!outside) { print "no margin outside [0, 1]"; bad = 1 }
		      exit bad }' >&2 || fail "--raw does not give margins"
}
run_case raw_case
regression_case() {
	expect_exit 0 "$BIN/rec-train" -q --task regression --seed 2 -o reg.rec ratings.tsv
	expect_exit 0 "$BIN/rec-info" reg.rec
	grep -Eq '^task +regression$' out || { cat out >&2; fail "not a regression model"; }
	grep -Eq '^loss +squared$' out || fail "regression model without squared loss"
	expect_exit 0 "$BIN/rec-predict" -m reg.rec ratings.tsv
	mv out reg.scored
	# ratings 1..5 in, rating-scale predictions out
	awk -F '\t' '{ s += $7; if ($7 > 1.5) big++ }
		END { m = s / NR; exit !(m > 2.5 && m < 4.5 && big > NR / 2) }' reg.scored ||
		fail "regression predictions are not on the rating scale"
	expect_exit 0 "$BIN/rec-eval" --task regression reg.scored
	expect_out '^rmse +[0-9]'
	expect_out '^mae +[0-9]'
	if grep -Eq '^(auc|logloss|positives) ' out; then cat out >&2; fail "rec-eval --task regression reports binary metrics"; fi
	# better than predicting the mean rating
	rmse=$(awk '$1 == "rmse" { print $2 }' out)
	awk -v r="$rmse" -F '\t' '{ s += $3; ss += $3 * $3 }
		END { m = s / NR; exit !(r < sqrt(ss / NR - m * m)) }' ratings.tsv ||
		fail "rmse $rmse is no better than the mean rating"
	expect_exit 0 "$BIN/rec-eval" --task regression --json reg.scored
	expect_out '"rmse": [0-9]'
	expect_out '"mae": [0-9]'
	if grep -Eq '"(auc|logloss|positives)"' out; then cat out >&2; fail "--json of a regression has binary metrics"; fi
	expect_exit 2 "$BIN/rec-eval" --task regression --fail-under auc=0.5 reg.scored
	expect_err "^rec-eval: .*auc"
}
run_case regression_case

done_cases
