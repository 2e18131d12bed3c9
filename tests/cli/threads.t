# rec-train --threads 2: one pass over a stream read by one thread and
# learned by another gives the model of one thread, bit for bit, run after
# run, with bad rows, forgetting and a warm start too; the cases it does
# not apply to are refused rather than run on one thread unannounced.
# rec-predict --threads 2 writes the bytes one thread writes; rec-eval
# --threads N prints and draws what one thread does.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python
same() { "$PYTHON" "$TESTS/same_model.py" "$1" "$2"; }

# more rows than one batch of the reader thread, and new ids to the end
"$BIN/rec-gen" --users 3000 --items 800 --events 30000 --seed 81 > a.tsv
"$BIN/rec-gen" --users 3500 --items 900 --events 12000 --seed 82 > b.tsv

# train NAME THREADS OPTIONS... FILE
train() {
	name=$1 n=$2; shift 2
	expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --threads "$n" \
		-o "$name.rec" "$@"
}
for opts in "--positive 4 -k 8" "--positive 4 -k 0 --optimizer ftrl --l1 0.5" \
	"--task regression -k 4 --optimizer sgd"; do
	# shellcheck disable=SC2086 # option lists
	train one 1 $opts a.tsv
	# shellcheck disable=SC2086
	train two 2 $opts a.tsv
	# shellcheck disable=SC2086
	train again 2 $opts a.tsv
	same one.rec two.rec || fail "$opts: 2 threads differ from 1"
	same two.rec again.rec || fail "$opts: two runs with 2 threads differ"
done

# a warm start with forgetting, over both threads
train start 1 --positive 4 -k 4 a.tsv
expect_exit 0 "$BIN/rec-train" -q --init start.rec -p 1 --holdout 0 \
	--half-life 5000 -o warm1.rec b.tsv
expect_exit 0 "$BIN/rec-train" -q --init start.rec -p 1 --holdout 0 \
	--half-life 5000 --threads 2 -o warm2.rec b.tsv
same warm1.rec warm2.rec || fail "a warm start with forgetting differs"

# bad rows: the same skipped, the same model; --strict stops both alike
{ head -n 20000 a.tsv; printf 'u1\ti1\tnot-a-label\t1\tg\tc\n'; tail -n 10000 a.tsv; } > bad.tsv
expect_exit 0 "$BIN/rec-train" -p 1 --holdout 0 --positive 4 -o bad1.rec bad.tsv
cp err bad1.err
expect_exit 0 "$BIN/rec-train" -p 1 --holdout 0 --positive 4 --threads 2 \
	-o bad2.rec bad.tsv
grep -q 'bad.tsv:20001' err || { cat err >&2; fail "the bad row was not reported"; }
same bad1.rec bad2.rec || fail "bad rows: 2 threads differ"
expect_exit 2 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 --threads 2 \
	--strict -o strict.rec bad.tsv
expect_err 'bad.tsv:20001'
[ ! -e strict.rec ] || fail "--strict wrote a model"
# no usable event
: > empty.tsv
expect_exit 2 "$BIN/rec-train" -q -p 1 --holdout 0 --threads 2 -o e.rec empty.tsv
expect_err "no usable events"

# refused where it does not apply
expect_exit 2 "$BIN/rec-train" -q --threads 2 -o x.rec a.tsv
expect_err "threads 2: .*-p 1 --holdout 0"
expect_exit 2 "$BIN/rec-train" -q -p 1 --holdout 0 --threads 3 -o x.rec a.tsv
expect_exit 2 "$BIN/rec-train" -q -p 1 --holdout 0 --threads 2 \
	--task implicit -o x.rec a.tsv
expect_exit 2 "$BIN/rec-train" -q -p 1 --holdout 0 --threads 2 \
	--features 5 -o x.rec a.tsv
[ ! -e x.rec ] || fail "a refused run wrote a model"
# rec-predict --threads 2: the same bytes as one thread, headers, CSV,
# several files and bad rows included
awk -F '\t' 'BEGIN { OFS = "," } { $1 = $1; print }' b.tsv > b.csv
{ printf 'user\titem\trating\ttime\tg\tc\n'; head -n 5000 b.tsv; } > h.tsv
{ head -n 20000 a.tsv; echo lonely; tail -n 10000 a.tsv; } > pbad.tsv
for args in "a.tsv" "--raw a.tsv pbad.tsv" "--header h.tsv" "b.csv a.tsv"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-predict" -m one.rec $args
	mv out one.out
	cp err one.err
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-predict" --threads 2 -m one.rec $args
	cmp -s one.out out || fail "rec-predict $args: 2 threads write otherwise"
	cmp -s one.err err || fail "rec-predict $args: 2 threads report otherwise"
done
[ "$(head -n 1 out)" != "" ] || fail "no output"
# models whose margin the reading thread computes whole: side features
# (columns 5 and 6 of rec-gen), and the item-item model
expect_exit 0 "$BIN/rec-train" -q -p 2 --positive 4 -k 4 --features 5,6 \
	-o feat.rec a.tsv
expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease -o ease.rec \
	a.tsv
for m in feat ease; do
	expect_exit 0 "$BIN/rec-predict" -m $m.rec b.tsv
	mv out one.out
	expect_exit 0 "$BIN/rec-predict" --threads 2 -m $m.rec b.tsv
	cmp -s one.out out || fail "rec-predict, $m model: 2 threads write otherwise"
done
expect_exit 2 "$BIN/rec-predict" --threads 2 --strict -m one.rec a.tsv pbad.tsv
expect_err 'pbad.tsv:20001'
[ "$(lines out)" -eq 50000 ] || fail "the rows before the bad one were not all written"
expect_exit 2 "$BIN/rec-predict" --threads 3 -m one.rec a.tsv
expect_exit 2 "$BIN/rec-predict" --threads 2 --explain -m one.rec a.tsv
expect_exit 2 "$BIN/rec-predict" --threads 2 --reload -m one.rec a.tsv

# rec-eval --threads N: rows enough for each class to be sorted in a
# thread of its own; weights from column 4 (the time, in part 0), soft
# labels, a second scorer, curves, and bad rows
"$BIN/rec-gen" --users 4000 --items 900 --events 300000 --seed 83 > c.tsv
expect_exit 0 "$BIN/rec-predict" -m warm1.rec c.tsv
mv out c.scored
expect_exit 0 "$BIN/rec-predict" -m start.rec c.tsv
mv out c.other
awk -F '\t' 'BEGIN { OFS = "\t" } { $3 = $3 / 5; $4 = NR % 3; print }' \
	c.scored > c.soft
{ head -n 70000 c.scored; echo 'u\ti\t1\t2\tg\tc\tnot-a-score'; tail -n 70000 c.scored; } > c.bad
for args in "--positive 4 c.scored" "--positive 4 --json c.scored c.bad" \
	"--soft-labels --weight 4 c.soft" "--task regression c.scored" \
	"--positive 4 --compare c.other --bootstrap 40 c.scored" \
	"--positive 4 --roc roc.svg --pr pr.svg --calibration cal.svg c.scored"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-eval" $args
	mv out one.out
	cp err one.err
	for svg in roc pr cal; do [ ! -e $svg.svg ] || mv $svg.svg one-$svg.svg; done
	for n in 2 5; do
		# shellcheck disable=SC2086
		expect_exit 0 "$BIN/rec-eval" --threads $n $args
		cmp -s one.out out || fail "rec-eval $args: $n threads print otherwise"
		cmp -s one.err err || fail "rec-eval $args: $n threads report otherwise"
		for svg in roc pr cal; do
			[ ! -e one-$svg.svg ] || cmp -s one-$svg.svg $svg.svg ||
				fail "rec-eval $args: $n threads draw $svg otherwise"
		done
	done
	rm -f one-*.svg
done
expect_exit 0 "$BIN/rec-eval" --threads 2 --positive 4 --json c.scored c.bad
grep -q 'c.bad:70001' err || fail "rec-eval: the bad row was not reported"
grep -q '"rows": 440000' out || fail "rec-eval: rows miscounted"
expect_exit 2 "$BIN/rec-eval" --threads 2 --strict --positive 4 c.bad
expect_err 'c.bad:70001'
expect_exit 2 "$BIN/rec-eval" --threads 0 c.scored
expect_exit 2 "$BIN/rec-eval" --threads 257 c.scored
expect_exit 2 "$BIN/rec-eval" --threads 2 --group 1 c.scored
expect_err "threads does not apply to --group"
echo "threads: ok"
