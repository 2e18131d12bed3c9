# rec-promote: a new model replaces the live one atomically under its
# lock, the old one kept as LIVE.prev; models of another kind are refused
# unless --force; --rollback swaps the two back; links are followed; an
# update after a promotion builds on the new model.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

"$BIN/rec-gen" --users 200 --items 100 --events 3000 --seed 5 > gen.tsv ||
	fail "rec-gen"
head -n 2000 gen.tsv > old.tsv
tail -n 1000 gen.tsv > new.tsv
"$BIN/rec-train" -q --positive 4 -o base.rec old.tsv || fail "rec-train"
"$BIN/rec-train" -q --positive 4 -k 4 -o other.rec gen.tsv || fail "rec-train"
"$BIN/rec-train" -q --task implicit -o implicit.rec gen.tsv ||
	fail "rec-train implicit"
"$BIN/rec-train" -q --positive 4 --label 3 --time 4 -o timed.rec gen.tsv ||
	fail "rec-train --time"

promote_case() {
	cp base.rec live.rec
	cp other.rec new.rec
	expect_exit 0 "$BIN/rec-promote" new.rec live.rec
	expect_err '^rec-promote: new\.rec is now live\.rec; the model it replaced is live\.rec\.prev$'
	cmp -s live.rec other.rec || fail "live.rec is not the new model"
	cmp -s live.rec.prev base.rec || fail "live.rec.prev is not the old one"
	[ ! -e new.rec ] || fail "new.rec is still there"
	# the next promotion replaces the previous .prev
	cp base.rec new.rec
	expect_exit 0 "$BIN/rec-promote" -q new.rec live.rec
	expect_no_err
	cmp -s live.rec base.rec || fail "second promotion"
	cmp -s live.rec.prev other.rec || fail "second .prev"
	for f in *.tmp.* *.rollback.*; do
		[ ! -e "$f" ] || fail "$f left behind"
	done
}
run_case promote_case

rollback_case() {
	cp base.rec live.rec
	cp other.rec new.rec
	expect_exit 0 "$BIN/rec-promote" -q new.rec live.rec
	expect_exit 0 "$BIN/rec-promote" --rollback live.rec
	expect_err 'live\.rec is the previous model again'
	cmp -s live.rec base.rec || fail "rollback: live.rec"
	cmp -s live.rec.prev other.rec || fail "rollback: live.rec.prev"
	# twice: back to the promoted model
	expect_exit 0 "$BIN/rec-promote" -q --rollback live.rec
	cmp -s live.rec other.rec || fail "second rollback"
	rm live.rec.prev
	expect_exit 2 "$BIN/rec-promote" --rollback live.rec
	expect_err_first '^rec-promote: .*live\.rec\.prev: cannot open'
	cmp -s live.rec other.rec || fail "a failed rollback changed live.rec"
}
run_case rollback_case

refused_case() {	# NEW REGEX [OPTIONS...]: refused, nothing changed
	new=$1 pattern=$2
	shift 2
	cp base.rec live.rec
	rm -f live.rec.prev
	cp "$new" cand.rec
	expect_exit 2 "$BIN/rec-promote" "$@" cand.rec live.rec
	expect_err_first "^rec-promote: $pattern"
	cmp -s live.rec base.rec || fail "live.rec changed"
	[ ! -e live.rec.prev ] || fail "live.rec.prev made"
	cmp -s cand.rec "$new" || fail "the candidate changed"
}
run_case refused_case implicit.rec 'cand\.rec and live\.rec differ in task implicit against binary; --force promotes anyway'
run_case refused_case timed.rec 'cand\.rec and live\.rec differ in columns'
printf 'not a model\n' > text.rec
run_case refused_case text.rec 'cand\.rec: not a recpipe model file'
force_case() {
	cp base.rec live.rec
	cp implicit.rec cand.rec
	expect_exit 0 "$BIN/rec-promote" -q --force cand.rec live.rec
	cmp -s live.rec implicit.rec || fail "--force did not promote"
}
run_case force_case
usage_case() {	# ARGS...: a usage error, nothing changed
	cp base.rec live.rec
	expect_exit 2 "$BIN/rec-promote" "$@"
	expect_err_first '^rec-promote: '
	cmp -s live.rec base.rec || fail "live.rec changed"
}
run_case usage_case live.rec
run_case usage_case live.rec live.rec
run_case usage_case --rollback --force live.rec
run_case usage_case - live.rec

first_case() {	# no live model yet: the new one becomes it, no .prev
	mkdir first && cp base.rec first/new.rec
	expect_exit 0 "$BIN/rec-promote" first/new.rec first/live.rec
	cmp -s first/live.rec base.rec || fail "first promotion"
	[ ! -e first/live.rec.prev ] || fail "a .prev without a live model"
}
run_case first_case

link_case() {	# LIVE a link: the file it names is replaced, the link stays
	mkdir -p store && cp base.rec store/model.rec
	ln -sf store/model.rec link.rec
	cp other.rec cand.rec
	expect_exit 0 "$BIN/rec-promote" -q cand.rec link.rec
	[ -L link.rec ] || fail "the link was replaced"
	cmp -s store/model.rec other.rec || fail "the target was not replaced"
	cmp -s store/model.rec.prev base.rec || fail "no .prev beside the target"
}
run_case link_case

lock_case() {	# a holder of the lock (an update) is waited for
	cp base.rec live.rec
	cp other.rec cand.rec
	"$PYTHON" -c '
import fcntl, os, sys, time
fd = os.open("live.rec.lock", os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
open("held", "w").close()
time.sleep(1)
open("released", "w").close()
' &
	holder=$!
	while [ ! -e held ]; do sleep 0.05; done
	expect_exit 0 "$BIN/rec-promote" -q cand.rec live.rec
	[ -e released ] || fail "promoted while the lock was held"
	wait "$holder"
	cmp -s live.rec other.rec || fail "not promoted"
}
run_case lock_case

update_case() {	# an update after a promotion builds on the new model
	cp base.rec live.rec
	cp other.rec cand.rec
	expect_exit 0 "$BIN/rec-promote" -q cand.rec live.rec
	expect_exit 0 "$BIN/rec-update" -q -m live.rec new.tsv
	cp other.rec want.rec
	"$BIN/rec-update" -q -m want.rec new.tsv || fail "rec-update"
	"$PYTHON" "$TESTS/same_model.py" live.rec want.rec ||
		fail "the update did not build on the promoted model"
}
run_case update_case
done_cases
