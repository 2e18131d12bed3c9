# Every released model file format must keep loading and scoring exactly as
# it did: testdata/model-vN.rec with its inputs and the scores it gave.
. "$TESTS/lib.sh"
data="$TESTS/../../testdata"
n=0
for model in "$data"/model-v*.rec; do
	base=${model%.rec}
	expect_exit 0 "$BIN/rec-info" "$model"
	grep -q '^format_version' out || fail "rec-info $model: no format_version"
	expect_exit 0 "$BIN/rec-predict" -m "$model" "$base.input"
	cmp -s out "$base.scores" || fail "$model no longer scores as it did"
	n=$((n + 1))
done
[ "$n" -ge 1 ] || fail "no model files in testdata"
