# Implicit feedback end to end: rec-train --task implicit and its sampling
# options, rec-predict --top K (output format, --exclude, --candidates,
# --threads, unseen users), rec-eval --truth and --group with --fail-under
# gates and bad arguments, and rec-update of an implicit model with the
# exactness contract.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

# expect_info MODEL KEY VALUE
expect_info() {
	v=$(info "$1" "$2") || exit 1
	[ "$v" = "$3" ] || fail "$1: $2 is '$v', wanted '$3'"
}
# check_top FILE K: FILE is rec-predict --top K output: 4 tab-separated
# columns, each user's ranks 1, 2, ... (at most K) on consecutive lines,
# every user once, scores not increasing, no item twice for a user
check_top() {
	awk -F '\t' -v K="$2" '
	NF != 4 { print "line " NR ": " NF " columns"; bad = 1; exit }
	$1 != user {
		if ($1 in done) { print "user " $1 " twice"; bad = 1; exit }
		done[$1] = 1; user = $1; want = 1; delete seen
	}
	{
		if ($4 != want) { print "line " NR ": rank " $4 ", wanted " want; bad = 1; exit }
		if (want > K) { print "line " NR ": rank past " K; bad = 1; exit }
		if (want > 1 && $3 + 0 > last + 0) { print "line " NR ": score rises"; bad = 1; exit }
		if ($2 in seen) { print "line " NR ": item twice"; bad = 1; exit }
		seen[$2] = 1; last = $3; want++
	}
	END { exit bad }' "$1" || { head -n 20 "$1" >&2; fail "$1 is not a top-$2 list"; }
}
# users_of FILE: the users of a top-k output, in order
users_of() {
	awk -F '\t' '$1 != last { print $1; last = $1 }' "$1"
}
# filter_top ALL K [EXCLUDE] [CANDIDATES]: the top-K lists that ALL (a
# longer top-k output) gives when the pairs of EXCLUDE are left out and only
# the items of CANDIDATES (first column) are kept; ranks renumbered
filter_top() {
	awk -F '\t' -v K="$2" -v ex="${3:-}" -v cand="${4:-}" '
	BEGIN {
		OFS = "\t"
		if (ex != "") while ((getline line < ex) > 0) {
			split(line, f, "\t"); drop[f[1] SUBSEP f[2]] = 1
		}
		if (cand != "") { only = 1; while ((getline line < cand) > 0) {
			split(line, f, "\t"); keep[f[1]] = 1
		} }
	}
	$1 != user { user = $1; n = 0 }
	(($1 SUBSEP $2) in drop) { next }
	only && !($2 in keep) { next }
	++n <= K { print $1, $2, $3, n }' "$1"
}

# ---- data: 5000 events to train on, the next 1000 held out ----
"$BIN/rec-gen" --users 150 --items 120 --events 6000 --seed 21 > gen.tsv
head -n 5000 gen.tsv > train.tsv
tail -n 1000 gen.tsv > held.tsv
cut -f 2 train.tsv | sort -u > items
nitems=$(lines items)
"$BIN/rec-train" -q --task implicit -p 5 -o m.rec train.tsv ||
	fail "rec-train --task implicit failed"
# the same with the logistic loss: its negatives get label 0
"$BIN/rec-train" -q --task implicit --loss logistic -p 2 -o l.rec train.tsv ||
	fail "rec-train --task implicit --loss logistic failed"
# the users of the held-out events, in order of first appearance
cut -f 1 held.tsv | awk '!seen[$1]++' > held.users

# ---- rec-train --task implicit ----
train_case() {
	# the implicit defaults: BPR, 64 factors, L2 3, 4 negatives drawn
	# with alpha 0.3, no hold-out
	expect_info m.rec task implicit
	expect_info m.rec loss bpr
	expect_info m.rec factors 64
	expect_info m.rec l2 3
	expect_info m.rec l2_factors 3
	expect_info m.rec negatives 4
	expect_info m.rec sample_alpha 0.3
	expect_info m.rec hard_negatives no
	expect_info m.rec holdout 0
	expect_info m.rec items "$nitems"
	expect_info m.rec events 25000
	# every option given still counts, and is kept in the model
	expect_exit 0 "$BIN/rec-train" -q --task implicit -p 2 -k 4 \
		--negatives 7 --sample-alpha 0 --hard-negatives -o h.rec train.tsv
	expect_no_err
	expect_info h.rec negatives 7
	expect_info h.rec sample_alpha 0
	expect_info h.rec hard_negatives yes
	expect_info h.rec factors 4
	"$BIN/rec-info" --json h.rec > h.json || fail "rec-info --json"
	"$PYTHON" - <<-'EOF' || fail "rec-info --json of an implicit model"
	import json, sys
	d = json.load(open("h.json"))
	want = {"task": "implicit", "loss": "bpr", "negatives": 7,
	        "sample_alpha": 0, "hard_negatives": True}
	for k, v in want.items():
	    if d.get(k) != v:
	        sys.exit("%s is %r, wanted %r" % (k, d.get(k), v))
	EOF
	# the logistic loss on sampled negatives (l.rec, made above)
	expect_info l.rec loss logistic
	expect_info l.rec task implicit
	# seeded: the same model twice
	expect_exit 0 "$BIN/rec-train" -q --task implicit -p 5 -o again.rec train.tsv
	"$BIN/rec-predict" --raw -m m.rec held.tsv > a.out || fail "rec-predict"
	"$BIN/rec-predict" --raw -m again.rec held.tsv > b.out || fail "rec-predict"
	cmp -s a.out b.out || fail "two implicit trainings differ"
	# refused
	expect_exit 2 "$BIN/rec-train" -q --task implicit --hard-negatives \
		--loss logistic -o x.rec train.tsv
	expect_err "hard negatives need the bpr loss"
	expect_exit 2 "$BIN/rec-train" -q --task implicit --label 3 -o x.rec train.tsv
	expect_err "label does not apply to --task implicit"
	expect_exit 2 "$BIN/rec-train" -q --task implicit --positive 4 -o x.rec train.tsv
	expect_err "positive does not apply"
	expect_exit 2 "$BIN/rec-train" -q --task implicit --loss squared -o x.rec train.tsv
	expect_exit 2 "$BIN/rec-train" -q --loss bpr -o x.rec train.tsv
	for bad in "--negatives 0" "--negatives 1001" "--negatives x" \
		   "--sample-alpha -1" "--sample-alpha 10.5" "--sample-alpha nan"; do
		# shellcheck disable=SC2086
		expect_exit 2 "$BIN/rec-train" -q --task implicit $bad -o x.rec train.tsv
		expect_err "^rec-train: "
	done
	[ ! -e x.rec ] || fail "a refused training wrote a model"
}
run_case train_case

# ---- rec-predict --top: the output ----
format_case() {
	# u1 and u2 twice: each user once, in order of first appearance
	printf 'u1\nu2\nu1\nu3\nu2\n' > users
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 users
	expect_no_err
	check_top out 5
	[ "$(lines out)" -eq 15 ] || fail "$(lines out) lines for 3 users"
	[ "$(users_of out | tr '\n' ' ')" = "u1 u2 u3 " ] ||
		fail "users are $(users_of out | tr '\n' ' ')"
	# every item from the catalogue
	cut -f 2 out | sort -u | comm -23 - items | grep -q . &&
		fail "an item that is not in the catalogue"
	# the user column of whole event rows, stdin and -: the same
	mv out top5
	# --raw changes nothing for a BPR model, whose score is the margin
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 --raw users
	cmp -s out top5 || fail "--raw changes a BPR model's lists"
	head -n 1 train.tsv > one.tsv
	u=$(cut -f 1 one.tsv)
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 one.tsv
	mv out fromrow
	printf '%s\n' "$u" | "$BIN/rec-predict" -m m.rec --top 5 > fromid ||
		fail "rec-predict from stdin"
	cmp -s fromrow fromid || fail "a user from an event row differs from its id"
	printf '%s\n' "$u" | "$BIN/rec-predict" -m m.rec --top 5 - > fromdash ||
		fail "rec-predict -"
	cmp -s fromid fromdash || fail "- differs from stdin"
	# K larger than the catalogue: every item once
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 500 users
	check_top out 500
	[ "$(lines out)" -eq $((3 * nitems)) ] ||
		fail "--top 500 wrote $(lines out) lines for 3 users and $nitems items"
	# the top 5 are the first 5 of the top 500
	awk -F '\t' '$4 <= 5' out | cmp -s - top5 || fail "top 5 is not the head of top 500"
	# the scores are the margins score mode gives, to single precision,
	# for a BPR model and for a logistic one (whose user weights count)
	for model in m.rec l.rec; do
		expect_exit 0 "$BIN/rec-predict" -m $model --top 500 --raw users
		awk -F '\t' '{ print $1 "\t" $2 }' out > pairs.tsv
		"$BIN/rec-predict" --raw -m $model pairs.tsv > scored.tsv ||
			fail "score mode"
		paste out scored.tsv | awk -F '\t' '{
			d = $3 - $7; if (d < 0) d = -d
			s = $7 < 0 ? -$7 : $7
			if (d > 1e-5 * (1 + s)) { print "line " NR ": top-k " $3 ", score mode " $7; exit 1 }
		}' || fail "$model: top-k scores differ from score mode"
	done
	# the scores of a logistic model are probabilities, its margins with --raw
	expect_exit 0 "$BIN/rec-predict" -m l.rec --top 3 users
	awk -F '\t' '$3 <= 0 || $3 >= 1 { exit 1 }' out || fail "not probabilities"
	expect_exit 0 "$BIN/rec-predict" -m l.rec --top 3 --raw users
	awk -F '\t' '$3 < 0 || $3 > 1 { n++ } END { exit !n }' out ||
		fail "--raw gives no margin outside [0, 1]"
}
run_case format_case

unseen_case() {
	# users the model never met get a list: the items by weight,
	# the same for every such user
	printf 'nobody\n' > u1
	printf 'ghost\n' > u2
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 u1
	check_top out 5
	[ "$(lines out)" -eq 5 ] || fail "an unseen user got $(lines out) lines"
	cut -f 2- out > nobody.list
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 u2
	cut -f 2- out | cmp -s - nobody.list || fail "two unseen users differ"
	# the ranking score mode gives an unseen user: w0 + w_i
	sed 's/^/nobody	/' items > nobody.tsv
	"$BIN/rec-predict" --raw -m m.rec nobody.tsv | sort -t '	' -k 3,3gr |
		head -n 5 | cut -f 2 > want.items || fail "score mode"
	cut -f 1 nobody.list | cmp -s - want.items ||
		fail "an unseen user's list is not the ranking by item weight"
	# a known user's list is another one
	printf 'u1\n' | "$BIN/rec-predict" -m m.rec --top 5 | cut -f 2- |
		cmp -s - nobody.list && fail "u1 gets the unseen users' list"
	:
}
run_case unseen_case

# ---- --exclude ----
exclude_case() {
	head -n 40 held.users > users
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 40 users
	mv out all40
	# each user's first, third and tenth item, and pairs with unknown
	# items and users
	awk -F '\t' '$4 == 1 || $4 == 3 || $4 == 10 { print $1 "\t" $2 }' all40 > ex.tsv
	printf 'u1\tno-such-item\nno-such-user\ti1\n' >> ex.tsv
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --exclude ex.tsv users
	expect_no_err
	check_top out 10
	filter_top all40 10 ex.tsv > want
	cmp -s out want || { diff out want | head >&2; fail "--exclude removes other than the excluded pairs"; }
	# the training events: no pair of them is recommended
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --exclude train.tsv users
	check_top out 10
	cut -f 1,2 out | sort > rec.pairs
	cut -f 1,2 train.tsv | sort -u > train.pairs
	[ -z "$(comm -12 rec.pairs train.pairs)" ] || fail "a training pair recommended"
	[ "$(lines out)" -eq 400 ] || fail "$(lines out) lines for 40 users"
	# an exclusion is per user: another user still gets the item
	u=$(head -n 1 users)
	top=$(awk -F '\t' -v u="$u" '$1 == u && $4 == 1 { print $2 }' all40)
	printf 'nobody\t%s\n' "$top" > ex1.tsv
	printf '%s\n' "$u" | "$BIN/rec-predict" -m m.rec --top 1 --exclude ex1.tsv |
		cut -f 2 | grep -qx "$top" || fail "excluding for nobody changed $u's list"
	# a missing file
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 10 --exclude nothing.tsv users
	expect_err "nothing.tsv"
}
run_case exclude_case

# ---- --candidates ----
candidates_case() {
	head -n 30 held.users > users
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 500 users
	mv out all
	# seven items of the catalogue (with a second column, ignored), an
	# unknown id and a blank line
	sed -n '3p;10p;17p;40p;41p;90p;100p' items | sed 's/$/	extra/' > cand.tsv
	printf 'no-such-item\tx\n' >> cand.tsv
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 --candidates cand.tsv users
	expect_no_err
	check_top out 5
	filter_top all 5 "" cand.tsv > want
	cmp -s out want || { diff out want | head >&2; fail "--candidates"; }
	# more than there are candidates: all seven, and only them
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 20 --candidates cand.tsv users
	check_top out 20
	[ "$(lines out)" -eq $((30 * 7)) ] || fail "$(lines out) lines, wanted 210"
	filter_top all 20 "" cand.tsv | cmp -s out - || fail "--candidates, K 20"
	# with exclusions
	awk -F '\t' '$4 == 2 { print $1 "\t" $2 }' out > ex.tsv
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 4 --candidates cand.tsv \
		--exclude ex.tsv users
	check_top out 4
	filter_top all 4 ex.tsv cand.tsv | cmp -s out - ||
		fail "--candidates with --exclude"
	# an unseen user's list is restricted too
	printf 'nobody\n' | "$BIN/rec-predict" -m m.rec --top 20 --candidates cand.tsv > nb ||
		fail "rec-predict"
	[ "$(lines nb)" -eq 7 ] || fail "unseen user: $(lines nb) candidates"
	# an empty candidates file is an error, and so is one of blank lines
	: > empty
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 5 --candidates empty users
	expect_err "^rec-predict: empty: no candidate items"
	expect_no_out
	printf '\n\n' > blank
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 5 --candidates blank users
	expect_err "no candidate items"
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 5 --candidates nothing.txt users
	expect_err "nothing.txt"
	# candidates none of which is in the catalogue: empty lists
	printf 'x1\nx2\n' > unknown
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 5 --candidates unknown users
	expect_no_out
}
run_case candidates_case

# ---- --threads ----
threads_case() {
	# every user of the training events, more than one batch of 256 is
	# not needed: several tiles of 8 per thread are
	cut -f 1 train.tsv | awk '!seen[$1]++' > users
	printf 'nobody\nghost\n' >> users
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --threads 1 users
	mv out t1
	check_top t1 10
	for n in 2 7 256; do
		expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --threads $n users
		cmp -s t1 out || fail "--threads $n differs from --threads 1"
	done
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --exclude train.tsv \
		--threads 1 users
	mv out e1
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --exclude train.tsv \
		--threads 2 users
	cmp -s e1 out || fail "--threads 2 --exclude differs from --threads 1"
	cmp -s e1 t1 && fail "--exclude train.tsv changed nothing"
	:
}
run_case threads_case

options_case() {
	printf 'u1\n' > users
	for bad in "--top 0" "--top 100001" "--top x" "--top 5 --threads 0" \
		   "--top 5 --threads 257" "--exclude train.tsv" \
		   "--candidates items" "--threads 2"; do
		# shellcheck disable=SC2086
		expect_exit 2 "$BIN/rec-predict" -m m.rec $bad users
		expect_err "^rec-predict: "
		expect_no_out
	done
	expect_exit 2 "$BIN/rec-predict" -m m.rec --threads 3 users
	expect_err "score mode runs in at most 2 threads"
	expect_exit 2 "$BIN/rec-predict" --top 5 users
	expect_err "no model given"
	expect_exit 2 "$BIN/rec-predict" -m nothing.rec --top 5 users
	expect_err "nothing.rec"
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 100000 --threads 256 users
	[ "$(lines out)" -eq "$nitems" ] || fail "--top 100000: $(lines out) lines"
}
run_case options_case

# ---- rec-eval --truth ----
truth_case() {
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --exclude train.tsv held.users
	mv out recs.tsv
	nusers=$(lines held.users)
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 1,5,10 recs.tsv
	expect_no_err
	expect_out "^users +$nusers\$"
	expect_out "^ +@1 +@5 +@10\$"
	for m in precision recall ndcg map hit_rate; do
		expect_out "^$m( +[0-9]\.[0-9]{6}){3}\$"
	done
	expect_out "^mrr +[0-9]\.[0-9]{6}\$"
	expect_out "^coverage +[0-9]\.[0-9]{6}  \(of the items in truth and lists\)\$"
	expect_out "^# ndcg@k: "
	grep -q '^auc' out && fail "an AUC without groups"
	# the same figures as the reference implementation of the golden tests
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 1,5,10 --json recs.tsv
	[ "$(lines out)" -eq 1 ] || fail "--json is not one line"
	mv out truth.json
	"$PYTHON" "$TESTS/../golden/ranking.py" held.tsv recs.tsv -k 1,5,10 > ref.json ||
		fail "ranking.py"
	"$PYTHON" "$TESTS/../golden/ranking_compare.py" ref.json truth.json ||
		fail "rec-eval --truth differs from ranking.py"
	"$PYTHON" - "$nusers" <<-'EOF' || fail "--json"
	import json, sys
	d = json.load(open("truth.json"))
	keys = ["users"] + ["%s@%d" % (m, k) for m in
	        ("precision", "recall", "ndcg", "map", "hit_rate") for k in (1, 5, 10)]
	keys += ["mrr", "coverage", "definitions"]
	if list(d) != keys:
	    sys.exit("keys %s, wanted %s" % (list(d), keys))
	if d["users"] != int(sys.argv[1]):
	    sys.exit("users %r" % d["users"])
	if not all(isinstance(s, str) for s in d["definitions"]):
	    sys.exit("definitions")
	if not 0 < d["ndcg@10"] < 1 or not d["recall@5"] <= d["recall@10"]:
	    sys.exit("implausible values")
	EOF
	# stdin and -m: coverage over the model's catalogue
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 10 -m m.rec --json < recs.tsv
	covered=$(cut -f 2 recs.tsv | sort -u | wc -l)
	"$PYTHON" - "$covered" "$nitems" <<-'EOF' || fail "coverage with -m"
	import json, sys
	d = json.load(open("out"))
	want = int(sys.argv[1]) / int(sys.argv[2])
	if abs(d["coverage"] - want) > 1e-12:
	    sys.exit("coverage %r, wanted %r" % (d["coverage"], want))
	EOF
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 10 -m m.rec recs.tsv
	expect_out "^coverage .*\(of the model's catalogue\)\$"
	# the gate: just below the value passes, just above fails
	ndcg=$("$PYTHON" -c 'import json; print(repr(json.load(open("truth.json"))["ndcg@10"]))')
	lo=$(awk -v x="$ndcg" 'BEGIN { printf "%.6f", x - 0.001 }')
	hi=$(awk -v x="$ndcg" 'BEGIN { printf "%.6f", x + 0.001 }')
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 1,5,10 \
		--fail-under "ndcg@10=$lo" recs.tsv
	expect_no_err
	expect_exit 1 "$BIN/rec-eval" --truth held.tsv -k 1,5,10 \
		--fail-under "ndcg@10=$hi" recs.tsv
	expect_err "^rec-eval: ndcg@10 [0-9.]+ is below $hi\$"
	expect_out "^ndcg "	# the figures are written all the same
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 10 --fail-under "ndcg@10=$ndcg" recs.tsv
	expect_exit 1 "$BIN/rec-eval" --truth held.tsv -k 10 --fail-over "ndcg@10=$lo" recs.tsv
	expect_err "is above"
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv -k 10 --fail-under mrr=0.01 \
		--fail-under "users=$nusers" --fail-under coverage=0.01 recs.tsv
	expect_exit 1 "$BIN/rec-eval" --truth held.tsv -k 10 --fail-under "users=$((nusers + 1))" recs.tsv
	# one failing check among passing ones
	expect_exit 1 "$BIN/rec-eval" --truth held.tsv -k 5,10 --fail-under "recall@5=0" \
		--fail-under "hit_rate@10=1.01" recs.tsv
	expect_err_lines 1 "is below"
	# a recommendation for no one: every user counts 0
	printf 'nobody\ti1\t1\t1\n' > none.tsv
	expect_exit 1 "$BIN/rec-eval" --truth held.tsv --fail-under ndcg@10=0.000001 none.tsv
	expect_out "^users +$nusers\$"
	expect_out "^ndcg +0\.000000\$"
}
run_case truth_case

truth_errors_case() {
	printf 'u1\ti1\t1\t1\n' > recs.tsv
	for k in 0 -1 "1,,2" "1,2," "" x 5x 1000001 \
		 "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"; do
		expect_exit 2 "$BIN/rec-eval" --truth held.tsv -k "$k" recs.tsv
		expect_err "^rec-eval: -k: "
		expect_no_out
	done
	expect_exit 0 "$BIN/rec-eval" --truth held.tsv \
		-k 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 recs.tsv
	for ck in "foo@10=1" "auc_pr=0.5" "rows=1" "logloss=1"; do
		expect_exit 2 "$BIN/rec-eval" --truth held.tsv --fail-under "$ck" recs.tsv
		expect_err "unknown ranking metric"
		expect_no_out
	done
	for ck in "ndcg=0.1" "mrr@5=0.1" "ndcg@=0.1" "ndcg@0=0.1" "ndcg@10" \
		  "ndcg@10=x" "=1"; do
		expect_exit 2 "$BIN/rec-eval" --truth held.tsv --fail-under "$ck" recs.tsv
		expect_err "^rec-eval: --fail-under: "
		expect_no_out
	done
	# a cut-off not computed: the figures, then an error
	expect_exit 2 "$BIN/rec-eval" --truth held.tsv -k 5 --fail-under ndcg@10=0.1 recs.tsv
	expect_err "metric 'ndcg@10' is not computed"
	expect_out "^ndcg "
	expect_exit 2 "$BIN/rec-eval" --truth held.tsv --fail-under auc=0.5 recs.tsv
	expect_err "metric 'auc' is not available"
	# modes and files
	expect_exit 2 "$BIN/rec-eval" --truth held.tsv --group 1 recs.tsv
	expect_err "two different modes"
	expect_exit 2 "$BIN/rec-eval" --truth nothing.tsv recs.tsv
	expect_err "nothing.tsv"
	: > empty.tsv
	expect_exit 2 "$BIN/rec-eval" --truth empty.tsv recs.tsv
	expect_err "no user-item pairs in the truth"
	expect_exit 2 "$BIN/rec-eval" --truth held.tsv -m nothing.rec recs.tsv
	expect_err "nothing.rec"
	expect_exit 2 "$BIN/rec-eval" -m m.rec recs.tsv
	expect_err "goes with --truth"
}
run_case truth_errors_case

# ---- rec-eval --group ----
group_case() {
	# per held-out user: its held-out items (label 1) and 20 items it
	# has no event with (label 0), scored by the model
	head -n 50 held.users > users
	awk -F '\t' -v OFS='\t' '
	FILENAME == ARGV[1] { want[$1] = 1; next }
	FILENAME == ARGV[2] { item[++n] = $1; next }
	FILENAME == ARGV[3] { had[$1 SUBSEP $2] = 1; next }
	($1 in want) && !(($1 SUBSEP $2) in pos) { pos[$1 SUBSEP $2] = 1; print $1, $2, 1 }
	END {
		srand(3)
		for (u in want) for (j = 0; j < 20; ) {
			i = item[1 + int(rand() * n)]
			if ((u SUBSEP i) in had || (u SUBSEP i) in pos || (u SUBSEP i) in neg) continue
			neg[u SUBSEP i] = 1; print u, i, 0; j++
		}
	}' users items gen.tsv held.tsv > rows.tsv
	"$BIN/rec-predict" -m m.rec rows.tsv > scored.tsv || fail "rec-predict"
	expect_exit 0 "$BIN/rec-eval" --group 1 -k 5,10 --json scored.tsv
	expect_no_err
	mv out group.json
	"$PYTHON" - <<-'EOF' || fail "rec-eval --group"
	import json, math, sys
	groups = {}
	for line in open("scored.tsv"):
	    u, i, y, s = line.rstrip("\n").split("\t")
	    groups.setdefault(u, []).append((float(s), int(y)))
	aucs, ndcg, prec = [], [], []
	for rows in groups.values():
	    pos = [s for s, y in rows if y]
	    neg = [s for s, y in rows if not y]
	    if not pos:
	        continue
	    pairs = sum(1.0 if p > q else 0.5 if p == q else 0.0
	                for p in pos for q in neg)
	    aucs.append(pairs / (len(pos) * len(neg)))
	    ranked = sorted(range(len(rows)), key=lambda j: (-rows[j][0], j))
	    hits = [r for r, j in enumerate(ranked[:10], 1) if rows[j][1]]
	    dcg = sum(1 / math.log2(r + 1) for r in hits)
	    idcg = sum(1 / math.log2(r + 1) for r in range(1, min(len(pos), 10) + 1))
	    ndcg.append(dcg / idcg)
	    prec.append(sum(1 for j in ranked[:5] if rows[j][1]) / 5)
	d = json.load(open("group.json"))
	want = {"users": len(aucs), "auc": sum(aucs) / len(aucs),
	        "ndcg@10": sum(ndcg) / len(ndcg), "precision@5": sum(prec) / len(prec)}
	for k, v in want.items():
	    if abs(d[k] - v) > 1e-9:
	        sys.exit("%s is %r, wanted %r" % (k, d[k], v))
	if "coverage" in d:
	    sys.exit("coverage without --truth")
	# the model has learned something
	if not d["auc"] > 0.6:
	    sys.exit("per-user AUC %r" % d["auc"])
	EOF
	expect_exit 0 "$BIN/rec-eval" --group 1 -k 5,10 scored.tsv
	expect_out "^auc +[0-9]\.[0-9]{6}  \(mean over [0-9]+ groups\)\$"
	grep -q '^coverage' out && fail "coverage without --truth"
	auc=$("$PYTHON" -c 'import json; print(repr(json.load(open("group.json"))["auc"]))')
	expect_exit 0 "$BIN/rec-eval" --group 1 --fail-under "auc=$auc" scored.tsv
	expect_exit 1 "$BIN/rec-eval" --group 1 --fail-under auc=0.999 scored.tsv
	expect_err "^rec-eval: auc [0-9.]+ is below 0.999\$"
	expect_exit 2 "$BIN/rec-eval" --group 1 --fail-under coverage=0.1 scored.tsv
	expect_err "metric 'coverage' is not available"
	# by name, with a header
	{ printf 'user\titem\tclicked\tp\n'; cat scored.tsv; } > named.tsv
	expect_exit 0 "$BIN/rec-eval" --group user --label clicked --score p -k 5,10 --json named.tsv
	cmp -s out group.json || fail "--group by name differs"
	expect_exit 2 "$BIN/rec-eval" --group "" scored.tsv
	# groups without a relevant row are not evaluated, and with none at all
	# there is nothing to evaluate
	awk -F '\t' -v OFS='\t' '{ $3 = 0; print }' scored.tsv > negatives.tsv
	expect_exit 2 "$BIN/rec-eval" --group 1 negatives.tsv
	expect_err "no user has a relevant item"
}
run_case group_case

# ---- rec-update of an implicit model ----
update_case() {
	head -n 3000 train.tsv > A.tsv
	tail -n 2000 train.tsv > B.tsv
	for opts in "" "--hard-negatives" "--loss logistic" \
		    "--negatives 2 --sample-alpha 0 -k 8"; do
		what="implicit ${opts:-defaults}"
		# shellcheck disable=SC2086
		expect_exit 0 "$BIN/rec-train" -q --task implicit -p 1 --holdout 0 $opts \
			-o whole.rec A.tsv B.tsv
		# shellcheck disable=SC2086
		expect_exit 0 "$BIN/rec-train" -q --task implicit -p 1 --holdout 0 $opts \
			-o part.rec A.tsv
		"$BIN/rec-predict" --raw -m part.rec held.tsv > before.out || fail "$what: rec-predict"
		expect_exit 0 "$BIN/rec-update" -m part.rec B.tsv
		expect_err "^ +2000 +[0-9.]+ +[0-9.]+ +0\.[0-9]{6} +[0-9.]+  \(all\)\$"
		expect_err "^rec-update: 2000 events learned; model written to part.rec"
		"$BIN/rec-predict" --raw -m whole.rec held.tsv > whole.out || fail "$what: rec-predict"
		"$BIN/rec-predict" --raw -m part.rec held.tsv > part.out || fail "$what: rec-predict"
		cmp -s before.out part.out && fail "$what: the update changed nothing"
		cmp -s whole.out part.out ||
			fail "$what: train A + update B scores differently from train A+B"
		"$BIN/rec-predict" -m whole.rec --top 10 held.users > whole.top || fail "$what: --top"
		"$BIN/rec-predict" -m part.rec --top 10 held.users > part.top || fail "$what: --top"
		cmp -s whole.top part.top || fail "$what: top-10 lists differ"
		expect_info part.rec events 5000
		expect_info part.rec training_runs 2
		expect_info part.rec items "$nitems"
	done
	# the sampling settings are fixed when the model is trained
	for opt in "--negatives 2" "--sample-alpha 1" "--hard-negatives"; do
		# shellcheck disable=SC2086
		expect_exit 2 "$BIN/rec-update" -m part.rec $opt B.tsv
		expect_err "is fixed when a model is trained"
	done
	# an implicit model reads no label: --label is not needed, and a file
	# of bare user-item pairs is learned
	cut -f 1,2 B.tsv > pairs.tsv
	expect_exit 0 "$BIN/rec-update" -q -m part.rec pairs.tsv
	expect_no_err
	expect_info part.rec events 7000
	# --test-only scores and leaves the model as it is
	cp part.rec kept.rec
	expect_exit 0 "$BIN/rec-update" -m part.rec --test-only held.tsv
	expect_err "1000 events scored; the model was not changed"
	cmp -s part.rec kept.rec || fail "--test-only changed an implicit model"
}
run_case update_case

done_cases
