# rec-eval --roc, --pr, --calibration and --compare: the pictures, the
# comparison table and JSON, and what each refuses.
#   s.tsv: positives score .9 and .4, negatives .1 and .6: from the top,
#   ROC goes (0, .5), (.5, .5), (.5, 1), (1, 1): AUC .75; precision after
#   each row 1, 1/2, 2/3, 1/2: average precision (1 + 2/3) / 2.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

printf 'u\ta\t1\t3\t0.9\nu\tb\t0\t1\t0.1\nv\tc\t1\t1\t0.4\nv\td\t0\t1\t0.6\n' > s.tsv
# the same rows, scored otherwise: AUC 1
printf 'u\ta\t1\t3\t0.8\nu\tb\t0\t1\t0.2\nv\tc\t1\t1\t0.7\nv\td\t0\t1\t0.3\n' > t.tsv

# svg_ok FILE: well-formed XML, an <svg> root of version 1.1, nothing
# that would load or run something
svg_ok() {
	"$PYTHON" - "$1" <<-'EOF2' || fail "$1 is not a plain SVG"
	import sys, xml.dom.minidom
	d = xml.dom.minidom.parse(sys.argv[1])
	root = d.documentElement
	assert root.tagName == "svg" and root.getAttribute("version") == "1.1"
	text = open(sys.argv[1]).read()
	for bad in ("<script", "href", "@import", "<style", "url("):
	    assert bad not in text, bad
	EOF2
}

curves_case() {
	expect_exit 0 "$BIN/rec-eval" --roc roc.svg --pr pr.svg \
		--calibration cal.svg s.tsv
	expect_no_err
	grep -Eq '^auc +0\.750000$' out || fail "the report changed"
	for f in roc pr cal; do svg_ok $f.svg; done
	ls | grep -q tmp && fail "a temporary file is left"
	grep -q '<title>ROC curve, AUC 0.750000</title>' roc.svg ||
		fail "no AUC in the ROC title"
	grep -q 'scores: s.tsv (4 rows, 2 positive)' roc.svg ||
		fail "no caption"
	# the curve, in pixels: x 90 + 400 fpr, y 450 - 400 tpr
	grep -q 'points="90.00,450.00 90.00,250.00 290.00,250.00 290.00,50.00 490.00,50.00"' roc.svg ||
		{ grep polyline roc.svg >&2; fail "ROC points"; }
	grep -q 'average precision 0.833333' pr.svg || fail "no average precision"
	# (0, 1) (.5, 1) (.5, .5) (1, 2/3) (1, .5)
	grep -q 'points="90.00,50.00 290.00,50.00 290.00,250.00 490.00,183.33 490.00,250.00"' pr.svg ||
		{ grep polyline pr.svg >&2; fail "PR points"; }
	grep -q 'Reliability diagram, 10 bins' cal.svg || fail "calibration title"
	# a dot per bin with rows: .1, .4, .6, .9
	[ "$(grep -c '<circle' cal.svg)" -eq 4 ] || fail "not 4 calibration dots"
	grep -q 'scores \[0.9, 1\]: 1 rows' cal.svg || fail "last bin"
	expect_exit 0 "$BIN/rec-eval" --calibration c3.svg --calibration-bins 3 s.tsv
	grep -q '3 bins' c3.svg || fail "--calibration-bins 3"
	# the axes have ticks and labels
	grep -q '>0.4</text>' roc.svg || fail "no tick labels"
	grep -q '>false positive rate</text>' roc.svg || fail "no axis label"
}
run_case curves_case

# many rows: a bounded picture
big_case() {
	awk 'BEGIN { for (i = 0; i < 200000; i++)
		printf "u\tx\t%d\t%.7f\n", i % 3 == 0, ((i * 7919) % 100003) / 100003 + (i % 3 == 0) * 0.2 }' > big.tsv
	expect_exit 0 "$BIN/rec-eval" --roc roc.svg --pr pr.svg big.tsv
	n=$(grep -o '[0-9.]*,[0-9.]*' roc.svg | wc -l)
	[ "$n" -le 1003 ] || fail "ROC has $n points, at most 1001 + 2"
	n=$(grep -o '[0-9.]*,[0-9.]*' pr.svg | wc -l)
	[ "$n" -le 2003 ] || fail "PR has $n points, at most 2001 + 2"
}
run_case big_case

refused_case() {
	while IFS='|' read -r opts pattern; do
		# shellcheck disable=SC2086
		expect_exit 2 "$BIN/rec-eval" $opts
		expect_err "$pattern"
		ls | grep -q 'x\.svg' && fail "$opts left x.svg"
	done <<-'EOF'
	--roc x.svg --task regression s.tsv|^rec-eval: --roc does not apply to --task regression
	--group 1 --roc x.svg s.tsv|^rec-eval: --roc does not apply to --group: it goes with pointwise metrics$
	--group 1 --pr x.svg s.tsv|^rec-eval: --pr does not apply to --group
	--truth s.tsv --calibration x.svg s.tsv|^rec-eval: --calibration does not apply to --truth
	--calibration-bins 5 s.tsv|^rec-eval: --calibration-bins needs --calibration FILE
	--calibration x.svg --calibration-bins 0 s.tsv|^rec-eval: --calibration-bins
	--roc - s.tsv|^rec-eval: a curve goes to a file
	--roc s.tsv s.tsv|^rec-eval: 's.tsv' is an input
	--roc x.svg --pr x.svg s.tsv|^rec-eval: 'x.svg' is named for two curves
	--bootstrap 10 s.tsv|^rec-eval: --bootstrap and --seed need --compare OTHER
	--compare t.tsv --bootstrap 0 s.tsv|^rec-eval: --bootstrap
	--compare - s.tsv|^rec-eval: --compare: OTHER must be a file
	--compare s.tsv s.tsv|^rec-eval: --compare: 's.tsv' is the input itself
	--compare missing.tsv s.tsv|^rec-eval: .*missing.tsv
	--calibration x.svg --roc y.svg --positive 1 --score 4 s.tsv|^rec-eval: --calibration: calibration needs probabilities, and a score is outside \[0, 1\]
	EOF
	ls | grep -q 'y\.svg' && fail "a curve was written before a refusal"
	# into a directory that is not there: no output, a message
	expect_exit 2 "$BIN/rec-eval" --roc no/such/dir.svg s.tsv
	expect_err "^rec-eval: no/such/dir.svg.*cannot create"
}
run_case refused_case

compare_case() {
	expect_exit 0 "$BIN/rec-eval" --compare t.tsv --bootstrap 200 s.tsv
	expect_no_err
	expect_out '^compare +t\.tsv$'
	expect_out '^# paired bootstrap over rows: 200 resamples, seed 1'
	expect_out '^auc +0\.750000 +1\.000000 +-0\.250000 +-?[0-9.]+ +-?[0-9.]+  (ex|in)cludes 0$'
	expect_out '^logloss '
	expect_out '^rmse '
	expect_out '^mae '
	# against itself: no difference, in every resample
	cp s.tsv same.tsv
	expect_exit 0 "$BIN/rec-eval" --compare same.tsv s.tsv
	expect_out '^auc +0\.750000 +0\.750000 +0\.000000 +0\.000000 +0\.000000  includes 0$'
	# JSON: the same figures, one seed one answer, another seed another
	expect_exit 0 "$BIN/rec-eval" --json --compare t.tsv --seed 7 s.tsv
	mv out j7
	expect_exit 0 "$BIN/rec-eval" --json --compare t.tsv --seed 7 s.tsv
	cmp -s out j7 || fail "--seed 7 twice differs"
	expect_exit 0 "$BIN/rec-eval" --json --compare t.tsv --seed 8 s.tsv
	cmp -s out j7 && fail "--seed 8 is --seed 7"
	"$PYTHON" - <<-'EOF2' || { cat j7 >&2; fail "--json --compare"; }
	import json
	d = json.load(open("j7"))
	assert d["auc"] == 0.75
	c = d["compare"]
	assert c["other"] == "t.tsv" and c["over"] == "rows"
	assert c["resamples"] == 1000 and c["seed"] == 7
	m = c["metrics"]
	assert set(m) == {"auc", "logloss", "rmse", "mae"}, m
	a = m["auc"]
	assert a["this"] == 0.75 and a["other"] == 1 and a["diff"] == -0.25
	assert a["ci95_low"] <= a["ci95_high"]
	assert a["excludes_zero"] == (a["ci95_high"] < 0 or a["ci95_low"] > 0)
	assert 0 < a["resamples_defined"] <= 1000
	EOF2
	# regression: rmse and mae only
	expect_exit 0 "$BIN/rec-eval" --task regression --compare t.tsv s.tsv
	grep -Eq '^(auc|logloss) .*cludes' out && fail "regression compares auc"
	expect_out '^rmse .*cludes 0$'
	# the gates still judge the input alone
	expect_exit 1 "$BIN/rec-eval" --compare t.tsv --fail-under auc=0.8 s.tsv
	expect_err_first '^rec-eval: auc 0\.750000 is below 0\.8$'
}
run_case compare_case

mismatch_case() {
	head -n 3 t.tsv > short.tsv
	expect_exit 2 "$BIN/rec-eval" --compare short.tsv s.tsv
	expect_err '^rec-eval: --compare: s\.tsv:4 has a row and short\.tsv has no more'
	expect_no_out
	{ cat t.tsv; printf 'w\te\t1\t1\t0.5\n'; } > long.tsv
	expect_exit 2 "$BIN/rec-eval" --compare long.tsv s.tsv
	expect_err '^rec-eval: --compare: long\.tsv:5: a row past the last of s\.tsv'
	sed '2s/\t0\t/\t1\t/' t.tsv > label.tsv
	expect_exit 2 "$BIN/rec-eval" --compare label.tsv s.tsv
	expect_err '^rec-eval: --compare: label\.tsv:2: label 1, but s\.tsv:2 has 0$'
	expect_exit 2 "$BIN/rec-eval" --weight 4 --compare label.tsv s.tsv
	sed '1s/\t3\t/\t2\t/' t.tsv > weight.tsv
	expect_exit 2 "$BIN/rec-eval" --weight 4 --compare weight.tsv s.tsv
	expect_err '^rec-eval: --compare: weight\.tsv:1: weight 2, but s\.tsv:1 has 3$'
	# a bad row skipped in one file only shifts the pairs
	{ head -n 2 t.tsv; printf 'u\tz\tx\t1\t0.5\n'; tail -n 2 t.tsv; } > bad.tsv
	expect_exit 2 "$BIN/rec-eval" --compare bad.tsv s.tsv
	expect_err 'rec-eval: --compare: s\.tsv:3 pairs with bad\.tsv:4'
}
run_case mismatch_case

ranking_case() {
	# --group: rows of each user ranked; per-group means compared
	expect_exit 0 "$BIN/rec-eval" --group 1 -k 1 --compare t.tsv s.tsv
	expect_no_err
	expect_out '^# paired bootstrap over groups: 1000 resamples'
	expect_out '^ndcg@1 '
	expect_out '^mrr '
	expect_out '^auc +0\.500000 +1\.000000 +-0\.500000 '
	expect_exit 0 "$BIN/rec-eval" --json --group 1 -k 1,2 --compare t.tsv s.tsv
	"$PYTHON" - <<-'EOF2' || { cat out >&2; fail "--group --json"; }
	import json
	c = json.load(open("out"))["compare"]
	assert c["over"] == "groups"
	keys = set(c["metrics"])
	for m in ("precision", "recall", "ndcg", "map", "hit_rate"):
	    assert {m + "@1", m + "@2"} <= keys, keys
	assert {"mrr", "auc"} <= keys
	EOF2
	# --group reads the input twice: a file
	expect_exit 2 "$BIN/rec-eval" --group 1 --compare t.tsv < s.tsv
	expect_err 'reads the input twice'
	# groups that differ
	sed '3s/^v/w/' t.tsv > groups.tsv
	expect_exit 2 "$BIN/rec-eval" --group 1 --compare groups.tsv s.tsv
	expect_err "^rec-eval: --compare: groups\\.tsv:3: user 'w', but s\\.tsv:3 has 'v'$"
	# --truth: recommendation lists against the same truth, users compared
	printf 'u1\ta\nu2\tb\nu3\tc\n' > truth.tsv
	printf 'u1\ta\t0.9\t1\nu2\tc\t0.8\t1\nu3\ta\t0.7\t1\n' > r1.tsv
	printf 'u1\ta\t0.9\t1\nu2\tb\t0.8\t1\nu3\tc\t0.7\t1\n' > r2.tsv
	expect_exit 0 "$BIN/rec-eval" --truth truth.tsv -k 1 --compare r2.tsv r1.tsv
	expect_out '^# paired bootstrap over users'
	expect_out '^recall@1 +0\.333333 +1\.000000 +-0\.666667 '
}
run_case ranking_case

help_case() {
	expect_exit 0 "$BIN/rec-eval" --help
	for o in --roc --pr --calibration --calibration-bins --compare --bootstrap --seed; do
		grep -q -- "$o " out || fail "--help lacks $o"
	done
}
run_case help_case

done_cases
