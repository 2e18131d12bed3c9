# rec-merge: copies of a model merge to it, models that differ are refused
# (the output untouched), a merge is the same for the same inputs in the
# same order, counts are united, a merged model is updated and scored,
# a base counts only what the shards learned beyond it, and EASE models
# merge into the model of all their events.
. "$TESTS/lib.sh"

# chunk NAME A B: the chunk NAME has the same content in two model files
chunk() {
	python3 - "$@" <<'EOF' || fail "chunk $1 differs: $2 $3"
import struct, sys, zlib
def content(path, name):
    data = open(path, "rb").read()
    pos = 20
    while pos < len(data):
        cid, _f, raw_len, stored = struct.unpack_from("<4sIQQ", data, pos)
        if cid.decode("latin-1") == name:
            return zlib.decompress(data[pos + 32:pos + 32 + stored])
        pos += 32 + stored
    sys.exit(f"{path}: no chunk {name}")
sys.exit(content(sys.argv[2], sys.argv[1]) != content(sys.argv[3], sys.argv[1]))
EOF
}
T="-q --positive 4 --passes 1 --no-shuffle --holdout 0"

"$BIN/rec-gen" --users 80 --items 50 --events 4000 --seed 5 > gen.tsv
head -n 2000 gen.tsv > a.tsv
tail -n 2000 gen.tsv > b.tsv
"$BIN/rec-gen" --users 30 --items 70 --events 600 --seed 6 |
	sed 's/^u/v/; s/	i/	j/' > c.tsv
cat a.tsv b.tsv c.tsv > abc.tsv
for s in a b c; do
	"$BIN/rec-train" $T -o "$s.rec" "$s.tsv" || fail "rec-train $s"
done

# ---- copies of one model ----
"$BIN/rec-merge" -q -o same.rec a.rec a.rec a.rec || fail "merge of copies"
chunk WGHT a.rec same.rec
"$BIN/rec-predict" --raw -m a.rec abc.tsv > p1
"$BIN/rec-predict" --raw -m same.rec abc.tsv > p2
cmp -s p1 p2 || fail "copies merged score otherwise"
[ "$(info same.rec events_learned)" -eq $((3 * $(info a.rec events_learned))) ] ||
	fail "copies: events not added up"
# with the model itself as the base: the model, counts and all
"$BIN/rec-merge" -q -b a.rec -o same2.rec a.rec a.rec
python3 "$TESTS/same_model.py" a.rec same2.rec || fail "merge over base"
# one model: itself
"$BIN/rec-merge" -q -o one.rec a.rec
python3 "$TESTS/same_model.py" a.rec one.rec || fail "merge of one model"

# ---- the same inputs in the same order: the same model ----
"$BIN/rec-merge" -o m1.rec a.rec b.rec c.rec 2>err || fail "merge"
expect_err '^rec-merge: 3 models merged .*model written to m1\.rec'
sleep 1
"$BIN/rec-merge" -q -o m2.rec a.rec b.rec c.rec
python3 "$TESTS/same_model.py" m1.rec m2.rec || fail "merge not deterministic"
# another order: rows and items in another order, the same scores but for
# the rounding of the means
"$BIN/rec-merge" -q -o m3.rec c.rec b.rec a.rec
"$BIN/rec-predict" --raw -m m1.rec abc.tsv | cut -f 5 > s1
"$BIN/rec-predict" --raw -m m3.rec abc.tsv | cut -f 5 > s3
paste s1 s3 | awk '{ d = $1 - $2; if (d < 0) d = -d
	if (d > 1e-5) { print "line " NR ": " $1 " " $2; bad = 1 } }
	END { exit bad }' || fail "merge in another order scores otherwise"
for k in events_learned items features; do
	[ "$(info m1.rec $k)" = "$(info m3.rec $k)" ] ||
		fail "$k differs with the order of the inputs"
done

# ---- counts united ----
sum=0
for s in a b c; do sum=$((sum + $(info $s.rec events_learned))); done
[ "$(info m1.rec events_learned)" -eq "$sum" ] || fail "events not added up"
[ "$(info m1.rec training_runs)" -eq 3 ] || fail "runs not added up"
items=$(cut -f 2 abc.tsv | sort -u | wc -l)
[ "$(info m1.rec items)" -eq "$items" ] || fail "catalogue not united"

# ---- a merged model learns and scores ----
"$BIN/rec-update" -q -m m1.rec -o up.rec c.tsv || fail "update of merged"
[ "$(info up.rec events_learned)" -eq $((sum + 600)) ] ||
	fail "update of merged: events"
"$BIN/rec-predict" -m up.rec c.tsv > scored || fail "predict of merged"
[ "$(wc -l < scored)" -eq 600 ] || fail "predict of merged: lines"
echo u1 | "$BIN/rec-predict" -m up.rec --top 5 > top || fail "top-k of merged"
[ "$(wc -l < top)" -eq 5 ] || fail "top-k of merged: lines"

# ---- a round of iterative parameter mixing ----
"$BIN/rec-update" -q --relearn -m m1.rec -o s1.rec a.tsv
"$BIN/rec-update" -q --relearn -m m1.rec -o s2.rec b.tsv
cp m1.rec round.rec
"$BIN/rec-merge" -q -b round.rec -o round.rec s1.rec s2.rec ||
	fail "merge over its base"
[ "$(info round.rec events_learned)" -eq $((sum + 4000)) ] ||
	fail "base: events counted twice"
# a shard that was not updated from the base
expect_exit 2 "$BIN/rec-merge" -b up.rec -o x.rec s1.rec
expect_err '^rec-merge: s1\.rec: fewer .* than the base up\.rec'
[ ! -e x.rec ] || fail "x.rec written"

# ---- models that differ: refused, the output untouched ----
cp m1.rec out.rec
refuse() {	# refuse PATTERN REC-TRAIN-OPTION...
	pattern=$1; shift
	"$BIN/rec-train" -q --passes 1 "$@" -o other.rec a.tsv ||
		fail "rec-train $*"
	expect_exit 2 "$BIN/rec-merge" -o out.rec a.rec other.rec
	expect_err "^rec-merge: other\\.rec: $pattern in a\\.rec\$"
	cmp -s m1.rec out.rec || fail "out.rec changed by a refused merge"
}
refuse 'task regression against binary' --task regression
refuse 'loss squared against logistic' --positive 4 --loss squared
refuse 'optimizer ftrl against adagrad' --positive 4 --optimizer ftrl
refuse 'bits 20 against 24' --positive 4 --bits 20
refuse 'factors 4 against 8' --positive 4 --factors 4
refuse 'seed 7 against 1' --positive 4 --seed 7
refuse 'initial factor scale 0.1 against 0.01' --positive 4 --init-std 0.1
refuse 'positive threshold 3 against 4' --positive 3
refuse 'learning rate 0.1 against 0.05' --positive 4 --lr 0.1
awk -F '\t' -v OFS='\t' '{ print $0, "d" NR % 3 }' a.tsv > d.tsv
"$BIN/rec-train" -q --passes 1 --positive 4 --features 5 -o other.rec d.tsv
expect_exit 2 "$BIN/rec-merge" -o out.rec a.rec other.rec
expect_err '^rec-merge: other\.rec: feature'
"$BIN/rec-train" -q --task implicit --model ease -o other.rec a.tsv
"$BIN/rec-train" -q --task implicit -o fm.rec a.tsv
expect_exit 2 "$BIN/rec-merge" -o out.rec fm.rec other.rec
expect_err '^rec-merge: other\.rec: model ease against fm in fm\.rec$'
cmp -s m1.rec out.rec || fail "out.rec changed by a refused merge"
no_temp() {
	for f in *.tmp.*; do
		[ ! -e "$f" ] || fail "temporary file $f left behind"
	done
}
no_temp

# ---- usage and bad input ----
expect_exit 2 "$BIN/rec-merge" a.rec b.rec
expect_err 'no output given'
expect_exit 2 "$BIN/rec-merge" -o x.rec
expect_err 'no model to merge'
expect_exit 2 "$BIN/rec-merge" -o a.rec a.rec b.rec
expect_err "'a\.rec' is both an input and the output"
expect_exit 2 "$BIN/rec-merge" -o x.rec a.rec a.tsv
expect_err '^rec-merge: a\.tsv: '
expect_exit 2 "$BIN/rec-merge" -o x.rec a.rec missing.rec
expect_err '^rec-merge: missing\.rec: cannot open'
[ ! -e x.rec ] || fail "x.rec written"
expect_exit 0 "$BIN/rec-merge" --help
grep -q '^Usage: rec-merge -o OUT' out || fail "--help"

# ---- EASE: the histories united, the model of all the events ----
E="-q --task implicit --model ease"
"$BIN/rec-train" $E -o ea.rec a.tsv
"$BIN/rec-train" $E -o eb.rec b.tsv
"$BIN/rec-train" $E -o ec.rec c.tsv
"$BIN/rec-train" $E -o eall.rec abc.tsv
"$BIN/rec-merge" -q -o emerged.rec ea.rec eb.rec ec.rec
python3 "$TESTS/same_params.py" eall.rec emerged.rec ||
	fail "EASE merge is not the model of all events"

# ---- a model saved at 16 or 8 bits has no optimiser state to merge ----
"$BIN/rec-train" -q --task implicit -o q32.rec a.tsv
"$BIN/rec-train" -q --task implicit --save-precision 16 -o q16.rec b.tsv
expect_exit 2 "$BIN/rec-merge" -o x.rec q32.rec q16.rec
expect_err '^rec-merge: q16\.rec: saved at precision 16'
[ ! -e x.rec ] || fail "a merge of a quantised model wrote x.rec"
