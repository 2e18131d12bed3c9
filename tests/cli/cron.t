# The unattended loop over a generated week: scripts/rec-hourly learns
# each hour in place and logs it, scripts/rec-nightly retrains, gates on
# the last day and promotes with rec-promote; a retried hour, an empty
# hour, an update killed mid-way and a nightly model that fails its gate
# all leave the live model as it should be.
. "$TESTS/lib.sh"
PATH="$BIN:$PATH"
export PATH
scripts="$TESTS/../../scripts"
hourly="$scripts/rec-hourly"
nightly="$scripts/rec-nightly"

# a week: 3000 events of history, then 7 days of 4 hours of 150 events
"$BIN/rec-gen" --users 300 --items 150 --events 7200 --seed 17 > all.tsv ||
	fail "rec-gen"
head -n 3000 all.tsv > history.tsv
tail -n +3001 all.tsv | split -l 150 -a 2 - hour. || fail "split"
hours=$(ls hour.* | wc -l)
[ "$hours" -eq 28 ] || fail "$hours hours, wanted 28"

expect_exit 0 "$nightly" --live live.rec --eval history.tsv --gate auc=0.5 \
	--eval-option --positive --eval-option 4 -- --positive 4 history.tsv
expect_err 'promoted to live\.rec'
cp history.tsv so-far.tsv
d=0
for h in hour.*; do
	case $h in
	hour.ah)	# day 2: a retried hour changes nothing
		expect_exit 0 "$hourly" --live live.rec --log hourly.log "$h"
		cp live.rec before.rec
		expect_exit 0 "$hourly" --live live.rec --log hourly.log "$h"
		cmp -s live.rec before.rec || fail "a retried hour changed the model"
		tail -n 1 hourly.log | grep -q 'learned before' ||
			fail "the retry is not logged"
		;;
	hour.aj)	# day 3: an empty hour
		cp live.rec before.rec
		: > empty.tsv
		expect_exit 0 "$hourly" --live live.rec --log hourly.log empty.tsv
		cmp -s live.rec before.rec || fail "an empty hour changed the model"
		tail -n 1 hourly.log | grep -q 'no events in the input' ||
			fail "the empty hour is not logged"
		expect_exit 0 "$hourly" --live live.rec --log hourly.log "$h"
		;;
	hour.am)	# day 4: the update is killed mid-way, then run again
		cp live.rec before.rec
		rm -f fifo && mkfifo fifo || fail "mkfifo"
		rec-update -q -m live.rec fifo 2> killed.err &
		updater=$!
		exec 3> fifo
		head -n 50 "$h" >&3
		sleep 0.2
		kill -9 "$updater" 2>/dev/null
		exec 3>&-
		wait "$updater" 2>/dev/null && fail "the killed update succeeded"
		cmp -s live.rec before.rec || fail "a killed update changed the model"
		expect_exit 0 "$hourly" --live live.rec --log hourly.log "$h"
		cmp -s live.rec before.rec && fail "the hour was not learned after the crash"
		;;
	*)
		expect_exit 0 "$hourly" --live live.rec --log hourly.log "$h"
		;;
	esac
	cat "$h" >> so-far.tsv
	d=$((d + 1))
	if [ $((d % 4)) -eq 0 ]; then	# the end of a day: the nightly job
		day=$((d / 4))
		tail -n 600 so-far.tsv > lastday.tsv
		if [ "$day" -eq 5 ]; then	# a gate the new model fails
			cp live.rec before.rec
			expect_exit 1 "$nightly" --live live.rec --eval lastday.tsv \
				--gate auc=0.999 --eval-option --positive \
				--eval-option 4 -- --positive 4 so-far.tsv
			expect_err 'live\.rec kept: the new model fails the gate'
			cmp -s live.rec before.rec || fail "a failed gate replaced the model"
		else
			expect_exit 0 "$nightly" --live live.rec --eval lastday.tsv \
				--gate auc=0.5 --eval-option --positive \
				--eval-option 4 -- --positive 4 so-far.tsv
			expect_err 'promoted to live\.rec'
			[ -e live.rec.prev ] || fail "no live.rec.prev after a promotion"
		fi
	fi
done
ls live.rec.nightly.* > /dev/null 2>&1 && fail "a nightly candidate left behind"
# the log: a line per hourly run (28 hours, a retry and an empty hour)
[ "$(grep -c ' exit 0: ' hourly.log)" -eq 30 ] ||
	{ cat hourly.log >&2; fail "hourly.log lines"; }
grep -q ' exit 0: rec-update: [0-9]* events learned' hourly.log ||
	fail "no learning logged"
expect_exit 0 "$BIN/rec-info" live.rec
# usage errors of the scripts
expect_exit 2 "$nightly" --live live.rec --eval lastday.tsv so-far.tsv
expect_err 'no gate'
expect_exit 2 "$hourly" so-far.tsv
expect_err 'no live model'
exit 0
