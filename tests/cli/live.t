# Continuous learning, both ends at once: a writer feeds events into a
# pipe, rec-update --checkpoint learns them and saves the model at each
# checkpoint, rec-predict --reload answers requests from another pipe and
# picks each saved model up; SIGHUP forces a checkpoint; SIGTERM stops
# the updater with every event the writer wrote learned and saved, and a
# line the writer had not finished left out.  The stream learned in parts
# is the stream learned at once, bit for bit.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

# wait_for TEST...: run TEST until it succeeds, for 60 s at most
wait_for() {
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ $tries -lt 600 ] || fail "waited a minute for: $*"
		sleep 0.1
	done
}
events_are() {
	[ "$("$BIN/rec-info" live.rec |
		awk '$1 == "events" { print $2 }')" = "$1" ]
}
lines_at_least() { [ -e "$1" ] && [ "$(lines "$1")" -ge "$2" ]; }
# score_of MODEL: the score of the request row under MODEL
score_of() { "$BIN/rec-predict" -m "$1" request.tsv | awk '{ print $NF }'; }
# answer N: the scorer's Nth answer, once it has come
answer() {
	wait_for lines_at_least answers.out "$1"
	sed -n "${1}p" answers.out | awk '{ print $NF }'
}

"$BIN/rec-gen" --users 200 --items 150 --events 4000 --seed 61 > train.tsv
"$BIN/rec-gen" --users 200 --items 150 --events 4000 --seed 62 > stream.tsv
head -n 1 stream.tsv > request.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 \
	-o start.rec train.tsv
cp start.rec live.rec

mkfifo events requests
"$BIN/rec-update" -m live.rec --checkpoint 1000 < events 2> update.err &
updater=$!
"$BIN/rec-predict" --reload -m live.rec < requests > answers.out \
	2> predict.err &
scorer=$!
exec 3> events 4> requests

# the scorer answers at once, with the model it started with
cat request.tsv >&4
[ "$(answer 1)" = "$(score_of start.rec)" ] || fail "first answer"

# two checkpoints come after 2000 events; the 500 after them wait
head -n 2500 stream.tsv >&3
wait_for events_are 6000
cp live.rec at2000.rec
cat request.tsv >&4
[ "$(answer 2)" = "$(score_of at2000.rec)" ] ||
	fail "the scorer did not take the checkpoint's model"
[ "$(answer 2)" != "$(answer 1)" ] || fail "the checkpoint changed no score"

# SIGHUP saves the 500 at once
kill -HUP $updater
wait_for events_are 6500
cat request.tsv >&4
[ "$(answer 3)" = "$(score_of live.rec)" ] || fail "answer after SIGHUP"

# SIGTERM: every whole line written is learned; the half line is not
sed -n '2501,3700p' stream.tsv >&3
printf 'u1\ti1' >&3
kill -TERM $updater
st=0
wait $updater || st=$?
[ "$st" -eq 0 ] || { cat update.err >&2; fail "updater exited $st"; }
events_are 7700 || fail "events $("$BIN/rec-info" live.rec | grep '^events')"
grep -q 'stopped by SIGTERM after 3700 events' update.err ||
	{ cat update.err >&2; fail "no stop message"; }
grep -q 'the last 5 bytes of (stdin), a line not finished' update.err ||
	{ cat update.err >&2; fail "the half line was not reported"; }
[ "$(grep -c 'checkpoint [0-9]*:' update.err)" -eq 5 ] ||
	{ cat update.err >&2; fail "checkpoints: wanted 1000, 2000, HUP, 3000, end"; }
ls live.rec.tmp* 2>/dev/null && fail "a temporary file was left"
exec 3>&-

# the scorer takes the last save too
cat request.tsv >&4
[ "$(answer 4)" = "$(score_of live.rec)" ] || fail "answer after the stop"
[ "$(answer 4)" != "$(answer 3)" ] || fail "the last events changed no score"

# learned in parts = learned at once
cp start.rec whole.rec
head -n 3700 stream.tsv > first.tsv
expect_exit 0 "$BIN/rec-update" -q -m whole.rec first.tsv
"$PYTHON" "$TESTS/same_params.py" whole.rec live.rec ||
	fail "the checkpointed stream differs from one update over it"

# a model of another kind put in place is reported and not used
expect_exit 0 "$BIN/rec-train" -q --task regression -o other.rec train.tsv
cp other.rec other.tmp
mv other.tmp live.rec	# renamed into place, as saves and rec-promote do
cat request.tsv >&4
wait_for grep -q 'another kind (task regression against binary)' predict.err
[ "$(answer 5)" = "$(answer 4)" ] || fail "a model of another kind was used"
exec 4>&-
st=0
wait $scorer || st=$?
[ "$st" -eq 0 ] || { cat predict.err >&2; fail "scorer exited $st"; }

# a model promoted while the stream runs is not overwritten: the updater
# stops at its next checkpoint, saying what it did not save
cp start.rec live.rec
mkfifo events2
"$BIN/rec-update" -m live.rec --checkpoint 100 < events2 2> update2.err &
updater=$!
exec 3> events2
head -n 100 stream.tsv >&3
wait_for events_are 4100
cp whole.rec promoted.rec
expect_exit 0 "$BIN/rec-promote" promoted.rec live.rec
sed -n '101,200p' stream.tsv >&3
st=0
wait $updater || st=$?
exec 3>&-
[ "$st" -eq 2 ] || { cat update2.err >&2; fail "updater exited $st, wanted 2"; }
grep -q 'the 100 events learned since the last checkpoint are not saved' \
	update2.err || { cat update2.err >&2; fail "no message on the lost part"; }
cmp -s live.rec whole.rec || fail "the promoted model was overwritten"

# the options that do not go with it
expect_exit 2 "$BIN/rec-update" -m start.rec --checkpoint 0 first.tsv
expect_err "checkpoint"
expect_exit 2 "$BIN/rec-update" -m start.rec --checkpoint 5x first.tsv
expect_exit 2 "$BIN/rec-update" -m start.rec --checkpoint 10 --test-only first.tsv
expect_err "test-only"
expect_exit 2 "$BIN/rec-update" -m start.rec --checkpoint 10 --relearn first.tsv
expect_exit 2 "$BIN/rec-predict" --reload --top 3 -m start.rec request.tsv
expect_err "reload"
# an empty stream writes nothing
cp start.rec empty.rec
expect_exit 0 "$BIN/rec-update" -m empty.rec --checkpoint 1s < /dev/null
expect_err "no events"
cmp -s start.rec empty.rec || fail "an empty stream changed the model"
# a file, checkpointed by time, is learned as a whole
cp start.rec timed.rec
expect_exit 0 "$BIN/rec-update" -q -m timed.rec --checkpoint 1h first.tsv
"$PYTHON" "$TESTS/same_params.py" whole.rec timed.rec ||
	fail "a file learned with --checkpoint 1h differs"
echo "live: ok"
