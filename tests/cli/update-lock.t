# Concurrent rec-updates of one model take turns: none is lost, and the
# model stays loadable for readers all along.
. "$TESTS/lib.sh"


N=4000
"$BIN/rec-gen" --users 300 --items 200 --events 5000 --seed 31 > train.tsv
i=1
while [ $i -le 8 ]; do
	"$BIN/rec-gen" --users 300 --items 200 --events $N --seed $((40 + i)) > in$i.tsv
	i=$((i + 1))
done
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o m.rec train.tsv
[ "$(info m.rec events)" -eq 5000 ] || fail "training events"
cut -f 1,2 in1.tsv | head -n 200 > cand.tsv

# readers keep loading the model while it is being replaced
: > readers.log
(
	r=0
	while [ ! -e updates.done ] && [ $r -lt 2000 ]; do
		"$BIN/rec-predict" --raw -m m.rec cand.tsv > reader.out 2>reader.err ||
			{ echo "reader $r failed: $(cat reader.err)" >> readers.log; }
		[ "$(wc -l < reader.out)" -eq 200 ] ||
			echo "reader $r: $(wc -l < reader.out) lines" >> readers.log
		r=$((r + 1))
	done
	echo "$r reads" > reads.count
) &
reader=$!

i=1 pids=
while [ $i -le 8 ]; do
	"$BIN/rec-update" -q -m m.rec in$i.tsv > up$i.out 2> up$i.err &
	pids="$pids $!"
	i=$((i + 1))
done
i=1
for p in $pids; do
	st=0
	wait "$p" || st=$?
	[ "$st" -eq 0 ] || { cat up$i.err >&2; fail "update $i exited $st"; }
	[ ! -s up$i.err ] || { cat up$i.err >&2; fail "update $i complained"; }
	i=$((i + 1))
done
touch updates.done
wait "$reader"
[ ! -s readers.log ] || { cat readers.log >&2; fail "a reader failed during the updates"; }

expect_exit 0 "$BIN/rec-info" m.rec
[ "$(info m.rec events)" -eq $((5000 + 8 * N)) ] ||
	fail "events $(info m.rec events), want $((5000 + 8 * N)): an update was lost"
[ "$(info m.rec progressive_events)" -eq $((5000 + 8 * N)) ] ||
	fail "progressive_events $(info m.rec progressive_events)"
[ "$(info m.rec training_runs)" -eq 9 ] ||
	fail "training_runs $(info m.rec training_runs), want 9"
expect_exit 0 "$BIN/rec-predict" -m m.rec cand.tsv
[ "$(wc -l < out)" -eq 200 ] || fail "predict after the updates"
for f in m.rec.tmp.*; do
	[ ! -e "$f" ] || fail "temporary file $f left behind"
done

# the same once more (--relearn: the model has learned these inputs), each
# run writing its result elsewhere with -o: the runs still take turns on
# the model, which they do not change
cp m.rec before.rec
i=1 pids=
while [ $i -le 8 ]; do
	"$BIN/rec-update" -q --relearn -m m.rec -o out$i.rec in$i.tsv 2> o$i.err &
	pids="$pids $!"
	i=$((i + 1))
done
i=1
for p in $pids; do
	st=0
	wait "$p" || st=$?
	[ "$st" -eq 0 ] || { cat o$i.err >&2; fail "update -o $i exited $st"; }
	[ "$(info out$i.rec events)" -eq $((5000 + 9 * N)) ] ||
		fail "out$i.rec: events $(info out$i.rec events)"
	i=$((i + 1))
done
cmp -s m.rec before.rec || fail "updates with -o changed the model"
exit 0
