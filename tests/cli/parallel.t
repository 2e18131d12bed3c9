# scripts/rec-parallel-train: shards of the input trained by GNU parallel
# and merged; then a round of iterative parameter mixing over the merged
# model.  Skipped when GNU parallel is not installed (.ci/run installs it).
. "$TESTS/lib.sh"
parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
	skip "GNU parallel is not installed (apt-get install parallel)"
PATH="$BIN:$TESTS/../../scripts:$PATH"
export PATH
# parallel keeps its state under $HOME: a scratch one
HOME=$(pwd)
export HOME

rec-gen --users 300 --items 120 --events 20000 --seed 21 > gen.tsv
head -n 16000 gen.tsv > train.tsv
tail -n 4000 gen.tsv > test.tsv
O="--positive 4 --passes 1 --holdout 0"

rec-parallel-train -o par.rec -j 4 --block 40k $O < train.tsv ||
	fail "rec-parallel-train"
[ "$(info par.rec events_learned)" -eq 16000 ] || fail "events of the shards"
[ "$(info par.rec training_runs)" -eq 4 ] || fail "not 4 shards"
items=$(cut -f 2 train.tsv | sort -u | wc -l)
[ "$(info par.rec items)" -eq "$items" ] || fail "catalogue of the shards"
rec-predict -m par.rec test.tsv | rec-eval --positive 4 --json > eval.json ||
	fail "scoring the merged model"
auc=$(sed -n 's/.*"auc": *\([0-9.]*\).*/\1/p' eval.json)
awk -v a="$auc" 'BEGIN { exit !(a > 0.6) }' || fail "auc $auc of the merge"

# a round of iterative parameter mixing over the merged model, in place
rec-parallel-train -o par.rec -m par.rec -j 4 --block 40k < train.tsv ||
	fail "rec-parallel-train -m"
[ "$(info par.rec events_learned)" -eq 32000 ] || fail "events after a round"

# errors: no output, a bad -j, a job that fails (OUT untouched)
cp par.rec before.rec
expect_exit 2 rec-parallel-train -j 2 < train.tsv
expect_err 'no output given'
expect_exit 2 rec-parallel-train -o par.rec -j x < train.tsv
expect_err '\-j x: not a number'
expect_exit 2 rec-parallel-train -o par.rec -j 2 --factors 9999 < train.tsv
expect_err 'failed'
cmp -s before.rec par.rec || fail "par.rec changed by a failed run"
expect_exit 0 rec-parallel-train --help
grep -q -- '--sshlogin' out || fail "--help lacks --sshlogin"
