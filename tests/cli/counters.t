# rec-info's counters: events_learned counts each event learned once (the
# training rows, not the held-out ones, however many passes), and
# training_steps (also shown as events, its old name) every pass over
# them; both go on through updates and forgetting.  A model saved before
# events_learned was kept shows it as unknown, in text and JSON, and an
# update leaves it unknown.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

"$BIN/rec-gen" --users 50 --items 40 --events 2000 --seed 3 |
	cut -f 1-4 > data.tsv || fail "rec-gen"
head -n 300 data.tsv > new.tsv

passes_case() {	# 3 passes, no hold-out, no early stop
	expect_exit 0 "$BIN/rec-train" -q --positive 4 -p 3 --holdout 0 \
		-o m.rec data.tsv
	[ "$(info m.rec events_learned)" -eq 2000 ] || fail "events_learned"
	[ "$(info m.rec training_steps)" -eq 6000 ] || fail "training_steps"
	[ "$(info m.rec events)" -eq 6000 ] || fail "events (old name)"
	expect_exit 0 "$BIN/rec-update" -q -m m.rec new.tsv
	[ "$(info m.rec events_learned)" -eq 2300 ] || fail "after update"
	[ "$(info m.rec training_steps)" -eq 6300 ] || fail "steps after update"
	expect_exit 0 "$BIN/rec-info" --json m.rec
	"$PYTHON" -c 'import json; d = json.load(open("out"));
assert d["events_learned"] == 2300 and d["training_steps"] == 6300, d' ||
		fail "--json counters"
}
run_case passes_case

holdout_case() {	# held-out rows are not learned
	expect_exit 0 "$BIN/rec-train" -q --positive 4 -p 4 --holdout 0.2 \
		--patience 10 -o h.rec data.tsv
	learned=$(info h.rec events_learned)
	[ "$learned" -lt 2000 ] && [ "$learned" -gt 1400 ] ||
		fail "events_learned $learned with a hold-out of 20%"
	passes=$(info h.rec passes_done)
	[ "$(info h.rec training_steps)" -eq $((learned * passes)) ] ||
		fail "training_steps $(info h.rec training_steps), $passes passes of $learned"
}
run_case holdout_case

ease_case() {	# EASE: every row taken into the histories, once
	cut -f 1,2 data.tsv > imp.tsv
	expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease \
		-o e.rec imp.tsv
	[ "$(info e.rec events_learned)" -eq 2000 ] || fail "EASE learned"
	cut -f 1,2 new.tsv > imp-new.tsv
	expect_exit 0 "$BIN/rec-update" -q -m e.rec imp-new.tsv
	[ "$(info e.rec events_learned)" -eq 2300 ] || fail "EASE update"
}
run_case ease_case

old_case() {	# models of formats 1 to 3, saved before the counter
	for v in 1 2 3; do
		cp "$TESTS/../../testdata/model-v$v.rec" old.rec
		[ "$(info old.rec events_learned)" = unknown ] ||
			fail "v$v: events_learned $(info old.rec events_learned)"
		expect_exit 0 "$BIN/rec-info" --json old.rec
		"$PYTHON" -c 'import json; d = json.load(open("out"));
assert d["events_learned"] is None and d["training_steps"] == d["events"] > 0, d' ||
			fail "v$v: --json"
	done
	# an update of one: the count stays unknown, the steps go on
	cp "$TESTS/../../testdata/model-v1.rec" old.rec
	steps=$(info old.rec training_steps)
	expect_exit 0 "$BIN/rec-update" -q -m old.rec new.tsv
	[ "$(info old.rec events_learned)" = unknown ] || fail "updated v1"
	[ "$(info old.rec training_steps)" -eq $((steps + 300)) ] ||
		fail "updated v1: steps"
}
run_case old_case
done_cases
