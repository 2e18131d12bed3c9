# What the programs do to keep a model safe from other programs and from
# their own surroundings: a model promoted while an update runs is kept,
# a file that is no model gets no lock file, a closed stderr is not
# written into a lock file, a file size limit ends a save cleanly, and
# the lock follows a symbolic link.
. "$TESTS/lib.sh"

"$BIN/rec-gen" --users 50 --items 40 --events 800 --seed 5 > train.tsv
"$BIN/rec-gen" --users 50 --items 40 --events 200 --seed 6 > new.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o live.rec train.tsv
expect_exit 0 "$BIN/rec-train" -q -p 2 --positive 4 -k 4 -o nightly.rec train.tsv

# A promotion (rename over live.rec) while an update waits on its input:
# the update must not save over the promoted model.
mkfifo feed
"$BIN/rec-update" -q -m live.rec feed > up.out 2> up.err &
up=$!
sleep 1
cp nightly.rec live.rec.new && mv live.rec.new live.rec
cat new.tsv > feed
rc=0
wait $up || rc=$?
[ "$rc" -eq 2 ] || { cat up.err >&2; fail "update over a promoted model exited $rc, wanted 2"; }
grep -q "replaced since" up.err || { cat up.err >&2; fail "no message about the replaced model"; }
cmp -s live.rec nightly.rec || fail "the promoted model was overwritten"
ls | grep -q '\.tmp\.' && fail "a temporary file was left behind"

# A promotion under the lock waits for a running update, which is kept,
# and the next update builds on the promoted model.
expect_exit 0 "$BIN/rec-update" -q -m live.rec new.tsv

# A file that is no model: refused, and no lock file made for it.
echo "not a model" > junk.rec
expect_exit 2 "$BIN/rec-update" -q -m junk.rec new.tsv
[ ! -e junk.rec.lock ] || fail "a lock file was made for a file that is no model"

# -o elsewhere: the lock is the output's, so a read-only model directory
# does not stop the update.
mkdir ro && cp live.rec ro/m.rec && chmod a-w ro
expect_exit 0 "$BIN/rec-update" -q -m ro/m.rec -o out.rec new.tsv
[ ! -e ro/m.rec.lock ] || fail "the input model's directory was written"
[ -e out.rec.lock ] || fail "the output was not locked"
chmod u+w ro

# stderr closed: the progress table goes nowhere, not into the lock file.
"$BIN/rec-update" -m live.rec new.tsv 2>&- || fail "rec-update with stderr closed failed"
[ ! -s live.rec.lock ] || fail "the lock file was written to"

# A file size limit: the save fails with exit 2, no temporary file, the
# old model intact (the limit is in 512-byte blocks).
cp live.rec before.rec
rc=0
(ulimit -f 4; "$BIN/rec-update" -q --relearn -m live.rec new.tsv) 2> fsz.err || rc=$?
[ "$rc" -eq 2 ] || { cat fsz.err >&2; fail "save past the size limit exited $rc, wanted 2"; }
cmp -s live.rec before.rec || fail "the model changed after a failed save"
ls | grep -q '\.tmp\.' && fail "a temporary file was left behind"

# A model from a pipe or standard input, as rec-train writes it by default.
"$BIN/rec-predict" -m live.rec new.tsv > want.out || fail "rec-predict failed"
expect_exit 0 "$BIN/rec-info" /dev/stdin < live.rec
expect_exit 0 "$BIN/rec-info" - < live.rec
cat live.rec | "$BIN/rec-predict" -m - new.tsv > got.out || fail "rec-predict -m - failed"
cmp -s got.out want.out || fail "a model from a pipe scores differently"
expect_exit 2 "$BIN/rec-predict" -m - < live.rec
expect_err "both come from standard input"

# -o onto a device writes to it and leaves it a device; no lock file in /dev.
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o /dev/null train.tsv
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
[ ! -e /dev/null.lock ] || fail "a lock file was made in /dev"

# A 0600 model stays 0600 after an update in place.
chmod 600 live.rec
expect_exit 0 "$BIN/rec-update" -q -m live.rec new.tsv
[ "$(stat -c %a live.rec)" = 600 ] || fail "the model's mode changed to $(stat -c %a live.rec)"

# The lock follows a symbolic link to the model.
ln -s live.rec link.rec
expect_exit 0 "$BIN/rec-update" -q -m link.rec new.tsv
[ ! -e link.rec.lock ] || fail "the lock was taken on the link, not its target"
[ -L link.rec ] || fail "the update replaced the link with a file"
exit 0
