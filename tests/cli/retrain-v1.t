# The same events and options still make the same model, byte for byte,
# as the release that wrote testdata/model-v1.rec (testdata/README.md has
# the commands); only the times of creation and saving may differ, and
# the header's write version, which names the format of the program that
# wrote the file (read version 1: format 1 readers still load it), and
# the optional chunks newer writers add (LRND, the events learned).
. "$TESTS/lib.sh"
data="$TESTS/../../testdata"
"$BIN/rec-gen" --users 40 --items 30 --events 600 --seed 11 > train.tsv
expect_exit 0 "$BIN/rec-train" -q --positive 4 -k 4 -p 3 --holdout 0.1 \
	--seed 3 -o m.rec train.tsv
python3 "$TESTS/same_model.py" --any-writer m.rec "$data/model-v1.rec" ||
	fail "retraining no longer gives testdata/model-v1.rec"
