# train -> predict -> eval on generated data learns something real.
. "$TESTS/lib.sh"
"$BIN/rec-gen" --events 20000 --seed 5 > train.tsv
"$BIN/rec-gen" --events 5000 --seed 5 --users 1000 > all.tsv
"$BIN/rec-gen" --events 25000 --seed 6 > data.tsv
head -n 20000 data.tsv > train.tsv
tail -n 5000 data.tsv > test.tsv
expect_exit 0 "$BIN/rec-train" -q --positive 4 -o m.rec train.tsv
[ -s m.rec ] || fail "no model written"
expect_exit 0 "$BIN/rec-predict" -m m.rec test.tsv
[ "$(wc -l < out)" -eq 5000 ] || fail "predict wrote $(wc -l < out) lines"
cut -f 1-6 out | cmp -s - test.tsv || fail "predict did not copy its input"
mv out scored.tsv
expect_exit 0 "$BIN/rec-eval" --positive 4 --json scored.tsv
auc=$(sed 's/.*"auc": \([0-9.e-]*\).*/\1/' out)
awk -v a="$auc" 'BEGIN { exit !(a > 0.70) }' || fail "auc $auc too low"
# a gate that the model passes and one that it fails
expect_exit 0 "$BIN/rec-eval" --positive 4 --fail-under auc=0.6 scored.tsv
expect_exit 1 "$BIN/rec-eval" --positive 4 --fail-under auc=0.99 scored.tsv
expect_err 'auc .* is below 0.99'
