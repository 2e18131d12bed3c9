# rec-train --init MODEL: a warm start.  One pass in input order without
# hold-out is rec-update, bit for bit, in several set-ups; the options
# that fix the model's shape are its own and refused by name when given
# otherwise; the run's own settings and the tunable ones may be given;
# --reset-optimizer restarts the step sizes; --l2-init keeps the model
# closer to where it started; the result is an ordinary model.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

same_params() { "$PYTHON" "$TESTS/same_params.py" "$1" "$2"; }
# distance A B: the mean absolute difference of two models' scores of
# the rows of probe.tsv
distance() {
	"$BIN/rec-predict" --raw -m "$1" probe.tsv | cut -f 7 > a.scores
	"$BIN/rec-predict" --raw -m "$2" probe.tsv | cut -f 7 > b.scores
	paste a.scores b.scores |
		awk '{ d = $1 - $2; s += d < 0 ? -d : d } END { printf "%.9f\n", s / NR }'
}

"$BIN/rec-gen" --users 300 --items 200 --events 6000 --seed 71 > old.tsv
"$BIN/rec-gen" --users 300 --items 200 --events 3000 --seed 72 > new.tsv
head -n 500 new.tsv > probe.tsv

# ---- one pass, in order, no hold-out: rec-update, bit for bit ----
# exact NAME TRAIN-OPTIONS [OPTIONS-OF-BOTH-CONTINUATIONS] (split at blanks)
exact() {
	name=$1 opts=$2 more=${3:-}
	# shellcheck disable=SC2086 # option lists
	expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 $opts \
		-o "$name.start.rec" old.tsv
	cp "$name.start.rec" "$name.updated.rec"
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-update" -q -m "$name.updated.rec" $more new.tsv
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" -q --init "$name.start.rec" -p 1 \
		--no-shuffle --holdout 0 $more -o "$name.warm.rec" new.tsv
	same_params "$name.updated.rec" "$name.warm.rec" ||
		fail "$name: --init -p 1 differs from rec-update"
	same_params "$name.start.rec" "$name.warm.rec" > /dev/null &&
		fail "$name: the warm start learned nothing"
	[ "$(info "$name.warm.rec" events_learned)" -eq 9000 ] ||
		fail "$name: events_learned $(info "$name.warm.rec" events_learned)"
	[ "$(info "$name.warm.rec" training_runs)" -eq 2 ] ||
		fail "$name: training_runs"
}
exact adagrad "--positive 4 -k 4"
exact ftrl "--positive 4 -k 4 --optimizer ftrl --l1 0.1"
exact sgd "--positive 4 -k 0 --optimizer sgd"
exact implicit "--task implicit -k 4"
exact features "--positive 4 -k 4 --features 5 --item-features 6"
exact forgetting "--positive 4 -k 4" "--half-life 2000 --lr 0.1"

# ---- an ordinary model: rec-update and rec-predict take it ----
expect_exit 0 "$BIN/rec-train" -q --init adagrad.start.rec -o warm.rec new.tsv
expect_exit 0 "$BIN/rec-update" -q -m warm.rec probe.tsv
[ "$(info warm.rec training_runs)" -eq 3 ] || fail "runs after an update"
[ "$(info warm.rec passes)" -eq 10 ] || fail "the run's passes were not rec-train's default"
expect_exit 0 "$BIN/rec-predict" -m warm.rec probe.tsv
[ "$(lines out)" -eq 500 ] || fail "rec-predict on the warm model"

# ---- the shape is the model's ----
cp adagrad.start.rec before.rec
for opt in "-k 8" "--bits 20" "--seed 5" "--loss squared" \
	"--optimizer sgd" "--init-std 0.1" "--task regression" "--positive 3" \
	"--features 5" "--negatives 2"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$BIN/rec-train" --init adagrad.start.rec $opt \
		-o adagrad.start.rec new.tsv
	expect_err "^rec-train: --"
	cmp -s before.rec adagrad.start.rec || fail "$opt changed the model"
done
expect_exit 2 "$BIN/rec-train" --init adagrad.start.rec -k 8 -o x.rec new.tsv
expect_err "factors 8: the model has 4"
[ ! -e x.rec ] || fail "a refused warm start wrote a model"
# the model's own values may be given, and the tunable ones changed
expect_exit 0 "$BIN/rec-train" -q --init adagrad.start.rec -k 4 --positive 4 \
	--lr 0.1 --l2 2 -p 3 --patience 2 --holdout 0.2 -o x.rec new.tsv
[ "$(info x.rec lr)" = "0.1" ] || fail "--lr was not taken"
[ "$(info x.rec passes)" -eq 3 ] || fail "--passes was not taken"
# refusals that name what is wrong
expect_exit 2 "$BIN/rec-train" --l2-init 1 -o x.rec new.tsv
expect_err "needs --init"
expect_exit 2 "$BIN/rec-train" --reset-optimizer -o x.rec new.tsv
expect_err "needs --init"
expect_exit 2 "$BIN/rec-train" --init adagrad.start.rec --l2-init -1 -o x.rec new.tsv
expect_exit 2 "$BIN/rec-train" --init no-such.rec -o x.rec new.tsv
expect_err "no-such.rec"
expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease -o ease.rec old.tsv
expect_exit 2 "$BIN/rec-train" --init ease.rec -o x.rec new.tsv
expect_err "EASE"

# ---- --reset-optimizer: larger steps, the same start ----
expect_exit 0 "$BIN/rec-train" -q --init adagrad.start.rec -p 1 --holdout 0 \
	--reset-optimizer -o reset.rec new.tsv
same_params adagrad.warm.rec reset.rec > /dev/null &&
	fail "--reset-optimizer changed nothing"
[ "$(distance adagrad.start.rec reset.rec | awk '{ print ($1 > 0) }')" = 1 ] ||
	fail "reset learned nothing"
d_kept=$(distance adagrad.start.rec adagrad.warm.rec)
d_reset=$(distance adagrad.start.rec reset.rec)
awk -v a="$d_reset" -v b="$d_kept" 'BEGIN { exit !(a > b) }' ||
	fail "restarted steps moved the model less ($d_reset) than kept ones ($d_kept)"
# FTRL keeps each weight where it was: one event of a new user and item
# then moves the others only as far as a step from the old weights goes
expect_exit 0 "$BIN/rec-train" -q --init ftrl.start.rec -p 1 --holdout 0 \
	--reset-optimizer -o ftrl.reset.rec probe.tsv
[ "$(distance ftrl.start.rec ftrl.reset.rec | awk '{ print ($1 < 1) }')" = 1 ] ||
	fail "FTRL's reset moved the weights away"

# ---- --l2-init: the stronger the pull, the closer to the start ----
for x in 0 1 100; do
	expect_exit 0 "$BIN/rec-train" -q --init adagrad.start.rec -p 5 \
		--holdout 0 --l2-init $x -o pull$x.rec new.tsv
done
same_params pull0.rec pull0.rec || fail "same_params"
expect_exit 0 "$BIN/rec-train" -q --init adagrad.start.rec -p 5 --holdout 0 \
	-o nopull.rec new.tsv
same_params nopull.rec pull0.rec || fail "--l2-init 0 is not the default"
d0=$(distance adagrad.start.rec pull0.rec)
d1=$(distance adagrad.start.rec pull1.rec)
d100=$(distance adagrad.start.rec pull100.rec)
awk -v a="$d0" -v b="$d1" -v c="$d100" 'BEGIN { exit !(a > b && b > c) }' ||
	fail "the pull did not keep the model closer: $d0 $d1 $d100"

# ---- the starting model is the first to beat on the hold-out ----
# steps far too large make every pass worse than it: it is kept
head -n 500 old.tsv > oldprobe.tsv
expect_exit 0 "$BIN/rec-train" --init adagrad.start.rec --lr 50 -p 3 \
	-o worse.rec new.tsv
expect_err "no pass did better on the hold-out than adagrad.start.rec"
[ "$(info worse.rec passes_done)" -eq 0 ] || fail "passes_done after no better pass"
"$BIN/rec-predict" --raw -m adagrad.start.rec oldprobe.tsv > start.scores
"$BIN/rec-predict" --raw -m worse.rec oldprobe.tsv > worse.scores
cmp -s start.scores worse.scores ||
	fail "the starting model was not kept when no pass beat it"
[ "$(info worse.rec events_learned)" -eq "$(info adagrad.start.rec events_learned)" ] ||
	fail "events counted as learned though no pass was kept"

# ---- a warm start saved over its own model ----
cp adagrad.start.rec self.rec
expect_exit 0 "$BIN/rec-train" -q --init self.rec -o self.rec new.tsv
same_params adagrad.start.rec self.rec > /dev/null &&
	fail "the warm start over its own model saved nothing"
echo "warm: ok"
