# A model that cannot be written (here: a file size limit, as a full disk
# would do) is an error: exit 2, a message naming the file, the old model
# intact and no temporary file left behind.
. "$TESTS/lib.sh"

# limited CMD...: run CMD with files limited to 16 blocks (8 or 16 KiB,
# by the shell's unit), getting EFBIG rather than SIGXFSZ
# shellcheck disable=SC2317
limited() {
	(
		trap '' XFSZ
		ulimit -f 16
		exec "$@"
	)
}
# no_temp: no MODEL.tmp.* file is left
no_temp() {
	for f in *.tmp.*; do
		[ ! -e "$f" ] || fail "$1: temporary file $f left behind"
	done
}

"$BIN/rec-gen" --users 500 --items 300 --events 5000 --seed 61 > train.tsv
"$BIN/rec-gen" --users 500 --items 300 --events 2000 --seed 62 > new.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -o m.rec train.tsv
size=$(wc -c < m.rec)
[ "$size" -gt 32768 ] || fail "model of $size bytes fits under the limit"
cp m.rec orig.rec

# the limit lets the programs run: a test-only update writes nothing
expect_exit 0 limited "$BIN/rec-update" --test-only -m m.rec new.tsv
expect_err 'events scored'

# rec-update in place
expect_exit 2 limited "$BIN/rec-update" -q -m m.rec new.tsv
expect_err '^rec-update: m\.rec: .*cannot write'
cmp -s m.rec orig.rec || fail "rec-update: the old model was changed"
no_temp "rec-update"
expect_exit 0 "$BIN/rec-info" m.rec

# rec-update -o onto an existing file, and onto a new one
cp orig.rec other.rec
expect_exit 2 limited "$BIN/rec-update" -q -m m.rec -o other.rec new.tsv
expect_err '^rec-update: other\.rec: .*cannot write'
cmp -s other.rec orig.rec || fail "rec-update -o: the existing output was changed"
cmp -s m.rec orig.rec || fail "rec-update -o: the model was changed"
no_temp "rec-update -o"
expect_exit 2 limited "$BIN/rec-update" -q -m m.rec -o fresh.rec new.tsv
expect_err '^rec-update: fresh\.rec: .*cannot write'
[ ! -e fresh.rec ] || fail "rec-update -o: a partial new output was left"
no_temp "rec-update -o (new file)"

# rec-train -o onto an existing model, and onto a new file
expect_exit 2 limited "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -o m.rec new.tsv
expect_err '^rec-train: m\.rec: .*cannot write'
cmp -s m.rec orig.rec || fail "rec-train -o: the old model was changed"
no_temp "rec-train -o"
expect_exit 2 limited "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -o fresh.rec new.tsv
expect_err '^rec-train: fresh\.rec: .*cannot write'
[ ! -e fresh.rec ] || fail "rec-train -o: a partial new model was left"
no_temp "rec-train -o (new file)"
# (several passes and a hold-out take the other way through rec-train)
expect_exit 2 limited "$BIN/rec-train" -q -p 2 --positive 4 -o m.rec new.tsv
expect_err '^rec-train: m\.rec: .*cannot write'
cmp -s m.rec orig.rec || fail "rec-train -p 2 -o: the old model was changed"
no_temp "rec-train -p 2 -o"

# to standard output: the error is reported, not hidden
# shellcheck disable=SC2016
expect_exit 2 limited sh -c '"$1" -q -p 1 --holdout 0 --positive 4 train.tsv > stdout.rec' sh "$BIN/rec-train"
expect_err '^rec-train: .*(standard output|stdout)'

# and all is well again without the limit: the lock was released
expect_exit 0 "$BIN/rec-update" -q -m m.rec new.tsv
[ "$("$BIN/rec-info" m.rec | awk '$1 == "events" { print $2 }')" -eq 7000 ] ||
	fail "update after the failures"
no_temp "the last update"
exit 0
