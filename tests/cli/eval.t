# rec-eval: default columns, --json, --fail-under/--fail-over gates,
# one-class input, unavailable metrics, weights, -1/1 labels and
# --positive.  The small cases are worked out by hand:
#   positives score 0.9 and 0.4, negatives 0.1 and 0.6: 3 of 4 pairs in
#   order, AUC 0.75; logloss -(2 ln 0.9 + 2 ln 0.4) / 4.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

# user item label weight score
printf 'u\ta\t1\t3\t0.9\nu\tb\t0\t1\t0.1\nu\tc\t1\t1\t0.4\nu\td\t0\t1\t0.6\n' > s.tsv

# metric NAME: its value in rec-eval's table (file out)
metric() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' out ||
		{ cat out >&2; fail "rec-eval shows no $1"; }
}
# near X Y: |X - Y| <= 1e-6
near() {
	awk -v x="$1" -v y="$2" 'BEGIN { d = x - y; exit !(d <= 1e-6 && d >= -1e-6) }'
}
# expect_metric NAME VALUE
expect_metric() {
	v=$(metric "$1") || exit 1
	near "$v" "$2" || { cat out >&2; fail "$1 is $v, wanted $2"; }
}
logloss=$(awk 'BEGIN { printf "%.17g", -(2 * log(0.9) + 2 * log(0.4)) / 4 }')

defaults_case() {	# label column 3, score the last column, weight 1
	expect_exit 0 "$BIN/rec-eval" s.tsv
	expect_no_err
	expect_metric rows 4
	expect_metric weight 4
	expect_metric positives 2
	expect_metric auc 0.75
	expect_metric logloss "$logloss"
	expect_metric mean_score 0.5
	expect_metric mean_label 0.5
	# the same by explicit columns, and from stdin
	expect_exit 0 "$BIN/rec-eval" --label 3 --score 5 s.tsv
	mv out explicit
	expect_exit 0 "$BIN/rec-eval" s.tsv
	cmp -s out explicit || fail "--label 3 --score 5 differs from the defaults"
	expect_exit 0 "$BIN/rec-eval" < s.tsv
	cmp -s out explicit || fail "stdin differs"
	expect_exit 0 "$BIN/rec-eval" - < s.tsv
	cmp -s out explicit || fail "- differs"
	# another score column: the weights (3, 1, 1, 1) as scores
	expect_exit 0 "$BIN/rec-eval" --score 4 s.tsv
	expect_metric auc 0.75	# 3 > 1 for a; c ties both negatives: 2 halves
	expect_metric rmse "$(awk 'BEGIN { printf "%.17g", sqrt(6 / 4) }')"
	# the label elsewhere: column 1
	awk 'BEGIN { OFS = "\t" } { print $3, $1, $2, $5 }' s.tsv > first.tsv
	expect_exit 0 "$BIN/rec-eval" --label 1 first.tsv
	cmp -s out explicit || fail "--label 1 differs"
}
run_case defaults_case

json_case() {
	expect_exit 0 "$BIN/rec-eval" --json s.tsv
	expect_no_err
	[ "$(lines out)" -eq 1 ] || fail "--json is not one line"
	"$PYTHON" - "$logloss" <<-'EOF' || { cat out >&2; fail "--json"; }
	import json, sys
	d = json.load(open("out"))
	keys = {"rows", "weight", "positives", "auc", "logloss", "rmse", "mae",
	        "mean_score", "mean_label"}
	if set(d) != keys:
	    sys.exit("keys %s, wanted %s" % (sorted(d), sorted(keys)))
	want = {"rows": 4, "weight": 4, "positives": 2, "auc": 0.75,
	        "logloss": float(sys.argv[1]), "mean_score": 0.5, "mean_label": 0.5,
	        "mae": (0.1 + 0.1 + 0.6 + 0.6) / 4,
	        "rmse": ((0.01 + 0.01 + 0.36 + 0.36) / 4) ** 0.5}
	for k, v in want.items():
	    if abs(d[k] - v) > 1e-9:
	        sys.exit("%s is %r, wanted %r" % (k, d[k], v))
	if not isinstance(d["rows"], int):
	    sys.exit("rows is not an integer")
	EOF
}
run_case json_case

gate_case() {	# STATUS MESSAGE-REGEX ARGS...
	want=$1 re=$2
	shift 2
	expect_exit "$want" "$BIN/rec-eval" "$@" s.tsv
	# the table is printed either way
	grep -Eq '(^auc +0\.750000$|"auc": 0\.75[,}])' out || { cat out >&2; fail "no auc 0.75 in the output"; }
	if [ -n "$re" ]; then
		expect_err_first "^rec-eval: $re"
	else
		expect_no_err
	fi
}
run_case gate_case 0 '' --fail-under auc=0.7
run_case gate_case 0 '' --fail-under auc=0.75	# equal is not below
run_case gate_case 1 'auc 0\.750000 is below 0\.76' --fail-under auc=0.76
run_case gate_case 1 'auc 0\.750000 is below 0\.9' --fail-under auc=0.9 --fail-under rows=1
run_case gate_case 0 '' --fail-under rows=4 --fail-under positives=2
run_case gate_case 0 '' --fail-over logloss=0.6
run_case gate_case 1 'logloss 0\.51[0-9]* is above 0\.5' --fail-over logloss=0.5
run_case gate_case 1 'rmse .* is above 0\.1' --fail-under auc=0.5 --fail-over rmse=0.1
run_case gate_case 0 '' --json --fail-under auc=0.5 --fail-over logloss=1
two_failures_case() {	# each failing check is reported
	expect_exit 1 "$BIN/rec-eval" --fail-under auc=0.8 --fail-over logloss=0.5 s.tsv
	expect_err_lines 1 '^rec-eval: auc .* is below 0\.8$'
	expect_err_lines 1 '^rec-eval: logloss .* is above 0\.5$'
}
run_case two_failures_case
quiet_case() {	# STATUS ARGS...: -q prints nothing, the status still tells
	want=$1
	shift
	expect_exit "$want" "$BIN/rec-eval" -q "$@" s.tsv
	expect_no_out
	if [ "$want" -eq 0 ]; then
		expect_no_err
	else
		expect_err_first '^rec-eval: auc 0\.750000 is below 0\.76'
	fi
}
run_case quiet_case 0
run_case quiet_case 0 --fail-under auc=0.7
run_case quiet_case 1 --fail-under auc=0.76
prometheus_case() {	# the metrics as gauges, labelled, written whole
	expect_exit 1 "$BIN/rec-eval" -q --fail-under auc=0.76 \
		--prometheus m.prom --prometheus-label model=live.rec \
		--prometheus-label 'note=a "b"' s.tsv
	[ -z "$(ls m.prom.tmp.* 2>/dev/null)" ] || fail "a temporary file left"
	"$PYTHON" - <<-'EOF' || { cat m.prom >&2; fail "--prometheus"; }
	import re
	lines = open("m.prom").read().splitlines()
	sample = re.compile(r'^recpipe_eval_([a-z_]+)\{model="live\.rec",'
	                    r'note="a \\"b\\""\} (\S+)$')
	got = {}
	for l in lines:
	    if l.startswith("# HELP ") or l.startswith("# TYPE "):
	        continue
	    m = sample.match(l)
	    assert m, l
	    got[m.group(1)] = float(m.group(2))
	assert got["auc"] == 0.75 and got["rows"] == 4, got
	types = [l for l in lines if l.startswith("# TYPE ")]
	assert all(l.endswith(" gauge") for l in types) and len(types) == len(got)
	EOF
}
run_case prometheus_case
prometheus_k_case() {	# ranking metrics: k is a label
	printf 'u1\ti1\nu1\ti2\nu2\ti3\n' > truth.tsv
	printf 'u1\ti1\t0.9\t1\nu1\ti4\t0.8\t2\nu2\ti5\t0.7\t1\n' > lists.tsv
	expect_exit 0 "$BIN/rec-eval" -q --truth truth.tsv -k 1,2 \
		--prometheus r.prom lists.tsv
	grep -qx 'recpipe_eval_precision{k="1"} 0.5' r.prom &&
		grep -qx 'recpipe_eval_precision{k="2"} 0.25' r.prom &&
		grep -qx 'recpipe_eval_users 2' r.prom ||
		{ cat r.prom >&2; fail "--prometheus with --truth"; }
}
run_case prometheus_k_case
prometheus_bad_case() {	# PATTERN ARGS...
	pattern=$1
	shift
	expect_exit 2 "$BIN/rec-eval" "$@" s.tsv
	expect_err_first "^rec-eval: $pattern"
}
run_case prometheus_bad_case '--prometheus-label needs --prometheus' \
	--prometheus-label a=b
run_case prometheus_bad_case "--prometheus-label: '1a=b'" \
	--prometheus x.prom --prometheus-label 1a=b
run_case prometheus_bad_case "--prometheus-label: 'k=3'" \
	--prometheus x.prom --prometheus-label k=3
run_case prometheus_bad_case "--prometheus-label: 'novalue'" \
	--prometheus x.prom --prometheus-label novalue
per_user_case() {	# each user's values; their means are the report's
	printf 'u1\ti1\nu1\ti2\nu2\ti3\nu3\ti9\n' > truth.tsv
	printf 'u1\ti1\t0.9\t1\nu1\ti4\t0.8\t2\nu2\ti5\t0.7\t1\nu2\ti3\t0.6\t2\n' \
		> lists.tsv
	expect_exit 0 "$BIN/rec-eval" --json --truth truth.tsv -k 1,2 \
		--per-user users.tsv lists.tsv
	mv out report.json
	"$PYTHON" - <<-'EOF' || { cat users.tsv >&2; fail "--per-user"; }
	import csv, json
	rows = list(csv.DictReader(open("users.tsv"), delimiter="\t"))
	assert [r["user"] for r in rows] == ["u1", "u2", "u3"], rows
	assert rows[0]["precision@1"] == "1" and rows[1]["rr"] == "0.5"
	assert rows[2]["hit_rate@2"] == "0" and rows[2]["relevant"] == "1"
	report = json.load(open("report.json"))
	for k in ("precision@2", "recall@2", "ndcg@2", "map@1", "hit_rate@2"):
	    mean = sum(float(r[k]) for r in rows) / len(rows)
	    assert abs(mean - report[k]) < 1e-8, (k, mean, report[k])
	EOF
	# --group: each group's AUC too
	printf 'g1\ta\t1\t0.9\ng1\tb\t0\t0.1\ng2\tc\t1\t0.2\ng2\td\t0\t0.8\n' \
		> groups.tsv
	expect_exit 0 "$BIN/rec-eval" --group 1 --label 3 --score 4 \
		--per-user g.tsv groups.tsv
	grep -qP '^g1\t1\t.*\t1$' g.tsv && grep -qP '^g2\t1\t.*\t0$' g.tsv ||
		{ cat g.tsv >&2; fail "--per-user --group: AUC"; }
	# pointwise metrics have no users
	expect_exit 2 "$BIN/rec-eval" --per-user x.tsv s.tsv
	expect_err_first '^rec-eval: --per-user'
}
run_case per_user_case
quiet_json_case() {
	expect_exit 2 "$BIN/rec-eval" -q --json s.tsv
	expect_err_first '^rec-eval: --json and -q'
}
run_case quiet_json_case

one_class_case() {	# FILE
	expect_exit 2 "$BIN/rec-eval" "$1"
	expect_err_first '^rec-eval: AUC needs'
	expect_exit 2 "$BIN/rec-eval" --fail-under auc=0.5 "$1"
	expect_err '^rec-eval: AUC needs'
}
printf 'u\ta\t1\t0.9\nu\tb\t1\t0.1\n' > positives.tsv
printf 'u\ta\t0\t0.9\nu\tb\t0\t0.1\n' > negatives.tsv
printf 'u\ta\t1\t1\t0.9\nu\tb\t0\t0\t0.1\n' > zero_weight.tsv
run_case one_class_case positives.tsv
run_case one_class_case negatives.tsv
zero_weight_case() {	# a class with no weight is no class
	expect_exit 2 "$BIN/rec-eval" --weight 4 zero_weight.tsv
	expect_err_first '^rec-eval: AUC needs'
}
run_case zero_weight_case

unavailable_case() {	# scores outside [0, 1]: no logloss
	printf 'u\ta\t1\t2.5\nu\tb\t0\t-1\nu\tc\t1\t0.5\n' > margins.tsv
	expect_exit 0 "$BIN/rec-eval" margins.tsv
	expect_metric auc 1
	if grep -q '^logloss' out; then cat out >&2; fail "logloss of scores outside [0, 1]"; fi
	expect_exit 0 "$BIN/rec-eval" --json margins.tsv
	if grep -q '"logloss"' out; then cat out >&2; fail "--json has logloss of scores outside [0, 1]"; fi
	expect_exit 2 "$BIN/rec-eval" --fail-under logloss=0.1 margins.tsv
	expect_err_first "^rec-eval: .*logloss.*not available"
	expect_exit 2 "$BIN/rec-eval" --fail-over logloss=0.1 margins.tsv
	expect_err_first "^rec-eval: .*logloss.*not available"
}
run_case unavailable_case

weight_case() {
	# a weighs 3: pairs (a,b) and (a,d) count 3, (c,b) 1, (c,d) 0: 7/8
	expect_exit 0 "$BIN/rec-eval" --weight 4 s.tsv
	expect_metric weight 6
	expect_metric positives 4
	expect_metric auc 0.875
	expect_metric logloss "$(awk 'BEGIN { printf "%.17g", -(4 * log(0.9) + 2 * log(0.4)) / 6 }')"
	expect_metric mean_label "$(awk 'BEGIN { printf "%.17g", 4 / 6 }')"
	# weight 3 is 3 copies of the row
	{ cat s.tsv; head -n 1 s.tsv; head -n 1 s.tsv; } > copies.tsv
	expect_exit 0 "$BIN/rec-eval" --json --weight 4 s.tsv
	sed 's/"rows": [0-9]*, //' out > weighted
	expect_exit 0 "$BIN/rec-eval" --json copies.tsv
	sed 's/"rows": [0-9]*, //' out > copied
	"$PYTHON" -c '
import json
a, b = json.load(open("weighted")), json.load(open("copied"))
assert set(a) == set(b) and all(abs(a[k] - b[k]) < 1e-12 for k in a), (a, b)' ||
		fail "weight 3 differs from 3 copies"
	# a negative or non-numeric weight is a bad row
	printf 'u\te\t1\t-1\t0.3\nu\tf\t0\tx\t0.3\n' >> s2.tsv
	cat s.tsv s2.tsv > s3.tsv
	expect_exit 0 "$BIN/rec-eval" --max-bad-rows 1 --weight 4 s3.tsv
	expect_err_lines 1 "^rec-eval: s3\\.tsv:5: weight '-1'"
	expect_err_lines 1 "^rec-eval: s3\\.tsv:6: weight 'x'"
	expect_metric auc 0.875
}
run_case weight_case

pm1_case() {	# -1/1 labels are 0/1 labels
	sed 's/	0	/	-1	/' s.tsv > pm1.tsv
	grep -q '	-1	' pm1.tsv || fail "no -1 labels made"
	expect_exit 0 "$BIN/rec-eval" --json pm1.tsv
	mv out pm1
	expect_exit 0 "$BIN/rec-eval" --json s.tsv
	cmp -s out pm1 || { cat out pm1 >&2; fail "-1/1 labels differ from 0/1"; }
}
run_case pm1_case

positive_case() {	# ratings: 5 and 4 are positive at --positive 4
	printf 'u\ta\t5\t0.9\nu\tb\t1\t0.1\nu\tc\t4\t0.4\nu\td\t3\t0.6\n' > rated.tsv
	expect_exit 0 "$BIN/rec-eval" --positive 4 rated.tsv
	expect_no_err
	expect_metric rows 4
	expect_metric positives 2
	expect_metric auc 0.75
	expect_metric logloss "$logloss"
	# --positive 3.5 is the same; --positive 5 leaves one positive
	expect_exit 0 "$BIN/rec-eval" --positive 3.5 rated.tsv
	expect_metric auc 0.75
	expect_exit 0 "$BIN/rec-eval" --positive 5 rated.tsv
	expect_metric positives 1
	expect_metric auc 1
	# without --positive, ratings other than 0/1 are bad rows
	expect_exit 2 "$BIN/rec-eval" rated.tsv
	expect_err "^rec-eval: rated\\.tsv:1: label '5'"
}
run_case positive_case

ties_case() {	# ties count half
	printf 'u\ta\t1\t0.5\nu\tb\t0\t0.5\nu\tc\t1\t0.7\nu\td\t0\t0.2\n' > ties.tsv
	expect_exit 0 "$BIN/rec-eval" ties.tsv
	expect_metric auc 0.875	# (1 half + 3 whole) / 4
}
run_case ties_case

regression_case() {	# raw labels; no binary metrics
	printf 'u\ta\t4\t3.5\nu\tb\t2\t2.5\nu\tc\t5\t4\n' > reg.tsv
	expect_exit 0 "$BIN/rec-eval" --task regression reg.tsv
	expect_metric rmse "$(awk 'BEGIN { printf "%.17g", sqrt((0.25 + 0.25 + 1) / 3) }')"
	expect_metric mae "$(awk 'BEGIN { printf "%.17g", 2 / 3 }')"
	if grep -Eq '^(auc|logloss|positives) ' out; then cat out >&2; fail "binary metrics in a regression"; fi
}
run_case regression_case

done_cases
