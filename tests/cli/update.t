# rec-update: exact continuation of training, in-place and -o saves,
# fixed and tunable options, damaged models, new users and items, frozen
# rows, bad rows and the progressive figures kept in the model.
. "$TESTS/lib.sh"

# samejson A B...: each pair of rec-info --json files describes the same
# model, apart from what differs between equal models: the file's name,
# size and times (the compressed chunks hold the times), the number of
# runs, and the loss summaries, which are averages over different runs
# (train_loss) or the same losses added up in another order
# (progressive_loss: to 12 significant digits)
samejson() {
	python3 -c '
import json, sys
bad = 0
args = sys.argv[1:]
for a, b in zip(args[0::2], args[1::2]):
    x, y = json.load(open(a)), json.load(open(b))
    px, py = x["progressive_loss"], y["progressive_loss"]
    if abs(px - py) > 1e-12 * abs(px):
        print("progressive_loss", a, px, b, py); bad = 1
    for d in (x, y):
        for k in ("created", "saved", "size_bytes", "file", "training_runs",
                  "learned_inputs", "train_loss", "progressive_loss"):
            del d[k]
    if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
        print(a, json.dumps(x, sort_keys=True))
        print(b, json.dumps(y, sort_keys=True))
        bad = 1
sys.exit(bad)' "$@"
}
# no_temp: no temporary file of a save is left behind
no_temp() {
	for f in *.tmp.*; do
		[ ! -e "$f" ] || fail "temporary file $f left behind"
	done
}
# predict MODEL FILE: raw margins of FILE's pairs
predict() {
	"$BIN/rec-predict" --raw -m "$1" "$2" || fail "rec-predict -m $1 $2 failed"
}

# ---- data: A, then B, which brings new users (v*) and items (j*) ----
"$BIN/rec-gen" --users 60 --items 40 --events 3000 --seed 11 > gen.tsv
head -n 2000 gen.tsv > A.tsv
{
	tail -n 1000 gen.tsv
	"$BIN/rec-gen" --users 20 --items 50 --events 300 --seed 12 |
		sed 's/^u/v/; s/	i/	j/'
} > B.tsv
cat A.tsv B.tsv > AB.tsv
[ "$(wc -l < B.tsv)" -eq 1300 ] || fail "B.tsv has $(wc -l < B.tsv) lines"
cut -f 1 A.tsv | sort -u > usersA
cut -f 2 A.tsv | sort -u > itemsA
cut -f 1 AB.tsv | sort -u > users
cut -f 2 AB.tsv | sort -u > items
# B really brings users and items that A lacks
[ "$(comm -13 usersA users | wc -l)" -ge 10 ] || fail "B has no new users"
[ "$(comm -13 itemsA items | wc -l)" -ge 10 ] || fail "B has no new items"
# every user x item pair seen
awk 'NR == FNR { item[++n] = $1; next }
     { for (i = 1; i <= n; i++) print $1 "\t" item[i] }' items users > cand.tsv
[ "$(wc -l < cand.tsv)" -eq $(($(wc -l < users) * $(wc -l < items))) ] ||
	fail "candidate file"

# ---- (a) train over A+B == train over A, then update over B ----
# (logistic, squared and BPR loss; AdaGrad and SGD; k = 0 and 4)
n=0 pairs=
for task in binary regression implicit; do
	case $task in
	binary) taskopt="--positive 4" ;;
	regression) taskopt="--task regression" ;;
	implicit) taskopt="--task implicit" ;;	# BPR over sampled negatives
	esac
	for opt in adagrad sgd; do
		for k in 0 4; do
			what="$task/$opt/k=$k"
			# shellcheck disable=SC2086
			set -- --passes 1 --holdout 0 $taskopt --optimizer $opt -k $k
			expect_exit 0 "$BIN/rec-train" -q "$@" -o whole.rec AB.tsv
			expect_exit 0 "$BIN/rec-train" -q "$@" -o part.rec A.tsv
			predict part.rec cand.tsv > before.out
			expect_exit 0 "$BIN/rec-update" -q -m part.rec B.tsv
			predict whole.rec cand.tsv > whole.out
			predict part.rec cand.tsv > part.out
			[ "$(wc -l < whole.out)" -eq "$(wc -l < cand.tsv)" ] ||
				fail "$what: rec-predict wrote $(wc -l < whole.out) lines"
			cmp -s before.out whole.out &&
				fail "$what: the update changed nothing"
			cmp -s whole.out part.out ||
				fail "$what: train A + update B scores differently from train A+B"
			"$BIN/rec-info" --json whole.rec > "whole-$n.json"
			"$BIN/rec-info" --json part.rec > "part-$n.json"
			pairs="$pairs whole-$n.json part-$n.json"
			n=$((n + 1))
			[ "$(info part.rec training_runs)" -eq 2 ] ||
				fail "$what: training_runs after one update"
			[ "$(info part.rec events)" -eq 3300 ] ||
				fail "$what: events after the update"
		done
	done
done
[ $n -eq 12 ] || fail "$n combinations"
# shellcheck disable=SC2086
samejson $pairs || fail "rec-info: train A + update B differs from train A+B"

# two updates in a row, B1 then B2, are the same as one over B
head -n 600 B.tsv > B1.tsv
tail -n 700 B.tsv > B2.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o whole.rec AB.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o part.rec A.tsv
expect_exit 0 "$BIN/rec-update" -q -m part.rec B1.tsv
expect_exit 0 "$BIN/rec-update" -q -m part.rec B2.tsv
predict whole.rec cand.tsv > whole.out
predict part.rec cand.tsv > part.out
cmp -s whole.out part.out || fail "updates over B1 then B2 differ from training over A+B"
[ "$(info part.rec training_runs)" -eq 3 ] || fail "training_runs after two updates"

# the base model for the rest: binary, k=4, trained over A
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 4 -o base.rec A.tsv
# and its update over B, as the reference
cp base.rec ref.rec
expect_exit 0 "$BIN/rec-update" -q -m ref.rec B.tsv
predict ref.rec cand.tsv > ref.out

# ---- (b) --test-only scores, reports and changes nothing ----
cp base.rec m.rec
cp base.rec orig.rec
expect_exit 0 "$BIN/rec-update" --test-only -m m.rec B.tsv
cmp -s m.rec orig.rec || fail "--test-only changed the model file"
expect_err '^rec-update: 1300 events scored; the model was not changed$'
expect_err 'recent-auc'
[ ! -s out ] || fail "--test-only wrote to standard output"
expect_exit 0 "$BIN/rec-update" -q --test-only -m m.rec -o never.rec B.tsv
[ ! -e never.rec ] || fail "--test-only -o wrote a model"
cmp -s m.rec orig.rec || fail "--test-only -o changed the model file"
[ ! -s err ] || fail "--test-only -q printed: $(cat err)"
no_temp
# the summary of a learning run
cp base.rec m.rec
expect_exit 0 "$BIN/rec-update" -m m.rec B.tsv
expect_err '^rec-update: 1300 events learned; model written to m\.rec \(progressive loss over 3300 events: [0-9.]+\)$'
expect_exit 0 "$BIN/rec-update" -q -m m.rec B.tsv
[ ! -s err ] || fail "-q printed: $(cat err)"

# ---- (c) training-time choices are refused; --lr and friends are kept ----
cp base.rec m.rec
for o in "--factors 3" "--bits 10" "--loss squared" "--task regression" \
	 "--positive 3" "--seed 2" "--optimizer sgd" "--passes 2" \
	 "--holdout 0.2" "--init-std 0.1"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$BIN/rec-update" -q -m m.rec $o B.tsv
	expect_err "^rec-update: ${o%% *} is fixed when a model is trained"
	cmp -s m.rec orig.rec || fail "refused $o changed the model"
done
expect_exit 2 "$BIN/rec-update" -q --freeze users --freeze items -m m.rec B.tsv
expect_err 'leave nothing to learn'
expect_exit 2 "$BIN/rec-update" -q --freeze nothing -m m.rec B.tsv
expect_err "not users or items"
expect_exit 2 "$BIN/rec-update" -q B.tsv
expect_err 'no model given'
cmp -s m.rec orig.rec || fail "a refused run changed the model"
[ "$(info m.rec lr)" = 0.05 ] || fail "default lr is $(info m.rec lr)"
expect_exit 0 "$BIN/rec-update" -q --lr 0.01 --l2 0.5 --l2-factors 2 -m m.rec B1.tsv
[ "$(info m.rec lr)" = 0.01 ] || fail "lr after --lr 0.01 is $(info m.rec lr)"
[ "$(info m.rec l2)" = 0.5 ] || fail "l2 after --l2 0.5 is $(info m.rec l2)"
[ "$(info m.rec l2_factors)" = 2 ] || fail "l2_factors after --l2-factors 2"
# kept from then on
expect_exit 0 "$BIN/rec-update" -q -m m.rec B2.tsv
[ "$(info m.rec lr)" = 0.01 ] || fail "lr did not stay 0.01"
[ "$(info m.rec l2)" = 0.5 ] || fail "l2 did not stay 0.5"
# and used: the same events with the model's own rates give other scores
predict m.rec cand.tsv > lr.out
cmp -s lr.out ref.out && fail "--lr 0.01 --l2 0.5 made no difference"
expect_exit 2 "$BIN/rec-update" -q --lr 0 -m m.rec B.tsv
expect_exit 2 "$BIN/rec-update" -q --lr abc -m m.rec B.tsv

# ---- (d) -o OUT leaves the model and writes OUT ----
cp base.rec m.rec
expect_exit 0 "$BIN/rec-update" -q -m m.rec -o out.rec B.tsv
cmp -s m.rec orig.rec || fail "-o OUT changed the input model"
[ "$(info out.rec events)" -eq 3300 ] || fail "-o OUT: events in OUT"
predict out.rec cand.tsv > o.out
cmp -s o.out ref.out || fail "-o OUT differs from the update in place"
# OUT may exist already: it is replaced
expect_exit 0 "$BIN/rec-update" -q -m m.rec -o out.rec B1.tsv
[ "$(info out.rec events)" -eq 2600 ] || fail "-o OUT over an existing OUT"
cmp -s m.rec orig.rec || fail "second -o OUT changed the input model"
no_temp

# ---- (e) a damaged model is refused and left as it was ----
size=$(wc -c < base.rec)
# one byte in the middle changed
cp base.rec flipped.rec
b=$(od -An -tu1 -j $((size / 2)) -N 1 base.rec | tr -d ' ')
printf '%b' "\\0$(printf %o $(((b + 1) % 256)))" |
	dd of=flipped.rec bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
cmp -s base.rec flipped.rec && fail "flipping a byte"
[ "$(wc -c < flipped.rec)" -eq "$size" ] || fail "flipping a byte changed the size"
dd if=base.rec of=short.rec bs=$((size / 2)) count=1 2>/dev/null
printf 'user\titem\n' > text.rec
: > empty.rec
for bad in flipped short text empty; do
	cp $bad.rec damaged.rec
	expect_exit 2 "$BIN/rec-update" -q -m damaged.rec B.tsv
	expect_err '^rec-update: damaged\.rec'
	cmp -s damaged.rec $bad.rec || fail "$bad model was changed by the refused update"
	expect_exit 2 "$BIN/rec-update" -q -m damaged.rec -o never.rec B.tsv
	[ ! -e never.rec ] || fail "$bad model: -o OUT written"
	expect_exit 2 "$BIN/rec-update" -q --test-only -m damaged.rec B.tsv
	cmp -s damaged.rec $bad.rec || fail "$bad model changed"
done
cp flipped.rec damaged.rec
expect_exit 2 "$BIN/rec-update" -q -m damaged.rec B.tsv
expect_err 'damaged'
expect_exit 2 "$BIN/rec-update" -q -m missing.rec B.tsv
expect_err 'missing\.rec'
[ ! -e missing.rec ] || fail "an update of a missing model created it"
# no rows at all (a quiet hour): exit 0, the model byte for byte as it was;
# rows that are all bad stay an error
cp base.rec m.rec
expect_exit 0 "$BIN/rec-update" -m m.rec /dev/null
expect_err 'no events in the input; m\.rec was not changed'
cmp -s m.rec orig.rec || fail "an update without events changed the model"
expect_exit 0 "$BIN/rec-update" -q -m m.rec - < /dev/null
[ ! -s err ] || { cat err >&2; fail "rec-update -q printed"; }
cmp -s m.rec orig.rec || fail "an empty stdin changed the model"
printf 'u1\ti1\tnot-a-label\n' > allbad.tsv
expect_exit 2 "$BIN/rec-update" -q -m m.rec allbad.tsv
expect_err 'no usable events|bad'
cmp -s m.rec orig.rec || fail "an update of bad rows changed the model"
expect_exit 2 "$BIN/rec-update" -q -m m.rec no-such-file.tsv
expect_err 'no-such-file\.tsv'
cmp -s m.rec orig.rec || fail "an update from a missing file changed the model"

# ---- (e2) a file is learned once: a retry changes nothing ----
retry_case() {
	cp base.rec r.rec
	expect_exit 0 "$BIN/rec-update" -q -m r.rec B1.tsv
	[ "$(info r.rec learned_inputs)" -eq 1 ] || fail "journal: 1 input"
	cp r.rec r1.rec
	# the same bytes again, as a file and on stdin: reported, exit 0,
	# the model byte for byte as it was
	expect_exit 0 "$BIN/rec-update" -m r.rec B1.tsv
	expect_err '^rec-update: B1\.tsv: learned before \([0-9T:-]+Z: the same bytes\); r\.rec was not changed'
	cmp -s r.rec r1.rec || fail "a retried file changed the model"
	expect_exit 0 "$BIN/rec-update" -m r.rec - < B1.tsv
	expect_err '^rec-update: \(stdin\): learned before'
	cmp -s r.rec r1.rec || fail "a retried stdin changed the model"
	# a learned input beside a new one: refused, nothing learned
	expect_exit 2 "$BIN/rec-update" -q -m r.rec B2.tsv B1.tsv
	expect_err 'B1\.tsv: learned before .* while other inputs are new'
	cmp -s r.rec r1.rec || fail "a mixed run changed the model"
	# the same input twice in one run is a repeat too
	expect_exit 2 "$BIN/rec-update" -q -m r.rec B2.tsv B2.tsv
	expect_err 'B2\.tsv: learned before \(earlier in this run'
	cmp -s r.rec r1.rec || fail "an input given twice changed the model"
	# --relearn learns it again
	expect_exit 0 "$BIN/rec-update" -q --relearn -m r.rec B1.tsv
	cmp -s r.rec r1.rec && fail "--relearn learned nothing"
	[ "$(info r.rec learned_inputs)" -eq 1 ] || fail "journal: still 1 input"
	# a new input is learned and joins the journal
	expect_exit 0 "$BIN/rec-update" -q -m r.rec B2.tsv
	[ "$(info r.rec learned_inputs)" -eq 2 ] || fail "journal: 2 inputs"
	# a file that grew (an hour's log appended to) is new bytes: learned,
	# however long the part it shares with what was learned
	"$BIN/rec-gen" --events 20000 --seed 9 > grow.tsv ||
		fail "rec-gen"
	[ "$(wc -c < grow.tsv)" -gt 300000 ] || fail "grow.tsv is too short"
	expect_exit 0 "$BIN/rec-update" -q -m r.rec grow.tsv
	cp r.rec r2.rec
	head -n 5 B2.tsv >> grow.tsv
	expect_exit 0 "$BIN/rec-update" -m r.rec grow.tsv
	cmp -s r.rec r2.rec && fail "a grown file was taken for a retry"
	grep -q 'learned before' err && fail "a grown file was reported learned"
	# --test-only neither reads nor writes the journal
	expect_exit 0 "$BIN/rec-update" -q --test-only -m r.rec B2.tsv
	expect_exit 2 "$BIN/rec-update" -q --test-only --relearn -m r.rec B2.tsv
}
retry_case

# ---- (f) new users and items join ----
cp base.rec m.rec
items0=$(info m.rec items)
[ "$items0" -eq "$(wc -l < itemsA)" ] || fail "items $items0, A has $(wc -l < itemsA)"
printf 'u1\tnew1\t5\nu2\tnew2\t1\nu3\tnew3\t4\nu1\tnew1\t4\nnewuser\ti1\t5\n' > new.tsv
expect_exit 0 "$BIN/rec-update" -q -m m.rec new.tsv
[ "$(info m.rec items)" -eq $((items0 + 3)) ] ||
	fail "items after 3 new ones: $(info m.rec items), was $items0"
[ "$(info m.rec events)" -eq 2005 ] || fail "events after 5 more"
# the new item and user have rows of their own now
printf 'u9\tnew1\nnewuser\ti1\nnewuser\tnew1\n' > newpairs.tsv
predict base.rec newpairs.tsv > newbefore.out
predict m.rec newpairs.tsv > newafter.out
paste newbefore.out newafter.out | awk -F'\t' '$3 == $6 { exit 1 }' ||
	fail "a new user or item did not change its scores"
# the whole B grows the catalogue by its new items
[ "$(info ref.rec items)" -eq "$(wc -l < items)" ] ||
	fail "items after B: $(info ref.rec items), want $(wc -l < items)"

# ---- (g) --freeze items / users keep those rows as they were ----
"$BIN/rec-gen" --users 60 --items 40 --events 2000 --seed 21 > FA.tsv
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -k 0 -o f.rec FA.tsv
x=$(head -n 1 FA.tsv | cut -f 1)
y=$(head -n 1 FA.tsv | cut -f 2)
cut -f 1 FA.tsv | sort -u > usersF
cut -f 2 FA.tsv | sort -u > itemsF
# later events of known users and items, without user x / without item y
"$BIN/rec-gen" --users 60 --items 40 --events 1500 --seed 22 |
	awk -F'\t' 'FILENAME == ARGV[1] { u[$1] = 1; next }
		    FILENAME == ARGV[2] { i[$1] = 1; next }
		    ($1 in u) && ($2 in i)' usersF itemsF - > FB.tsv
awk -F'\t' -v x="$x" '$1 != x' FB.tsv > FBu.tsv
awk -F'\t' -v y="$y" '$2 != y' FB.tsv > FBi.tsv
[ "$(wc -l < FBu.tsv)" -ge 1000 ] || fail "too few events for --freeze items"
[ "$(wc -l < FBi.tsv)" -ge 1000 ] || fail "too few events for --freeze users"
# user x with every item; every user with item y
awk -v x="$x" '{ print x "\t" $1 }' itemsF > candx.tsv
awk -v y="$y" '{ print $1 "\t" y }' usersF > candy.tsv
# diffs: each margin minus the first one
diffs() { awk -F'\t' 'NR == 1 { b = $3 } { printf "%s\t%s\t%.6f\n", $1, $2, $3 - b }'; }
predict f.rec candx.tsv > fx0.out
predict f.rec candy.tsv > fy0.out
diffs < fx0.out > fx0.diff
diffs < fy0.out > fy0.diff

cp f.rec fi.rec
expect_exit 0 "$BIN/rec-update" -q --freeze items -m fi.rec FBu.tsv
predict fi.rec candx.tsv > fx1.out
diffs < fx1.out > fx1.diff
cmp -s fx0.out fx1.out && fail "--freeze items: the global bias did not move"
cmp -s fx0.diff fx1.diff || {
	diff fx0.diff fx1.diff | head >&2
	fail "--freeze items: item weights changed"
}
# the users did learn
predict fi.rec candy.tsv > fy1.out
diffs < fy1.out > fy1.diff
cmp -s fy0.diff fy1.diff && fail "--freeze items: the users learned nothing"
# the same run without --freeze does move the items
cp f.rec fn.rec
expect_exit 0 "$BIN/rec-update" -q -m fn.rec FBu.tsv
predict fn.rec candx.tsv | diffs > fxn.diff
cmp -s fx0.diff fxn.diff && fail "items unchanged even without --freeze"

cp f.rec fu.rec
expect_exit 0 "$BIN/rec-update" -q --freeze users -m fu.rec FBi.tsv
predict fu.rec candy.tsv > fy2.out
diffs < fy2.out > fy2.diff
cmp -s fy0.out fy2.out && fail "--freeze users: the global bias did not move"
cmp -s fy0.diff fy2.diff || {
	diff fy0.diff fy2.diff | head >&2
	fail "--freeze users: user weights changed"
}
predict fu.rec candx.tsv | diffs > fx2.diff
cmp -s fx0.diff fx2.diff && fail "--freeze users: the items learned nothing"
# freezing is for one run only: it is not kept in the model (--relearn:
# fi.rec has learned FBu.tsv, frozen)
expect_exit 0 "$BIN/rec-update" -q --relearn -m fi.rec FBu.tsv
predict fi.rec candx.tsv | diffs > fx3.diff
cmp -s fx1.diff fx3.diff && fail "--freeze items was kept in the model"

# ---- (h) bad rows are skipped and reported; --strict refuses ----
{
	head -n 2 B1.tsv
	printf 'u1\ti1\n'
	sed -n 3,4p B1.tsv
	printf 'u1\ti1\tabc\t1500000000\tg1\tc1\n'
	printf 'u2\ti2\tnan\t1500000000\tg1\tc1\n'
	tail -n +5 B1.tsv
	printf 'u3\ti3\tinf\t1500000000\tg1\tc1\n'
} > bad.tsv
[ "$(wc -l < bad.tsv)" -eq 604 ] || fail "bad.tsv"
cp base.rec m.rec
expect_exit 0 "$BIN/rec-update" -q -m m.rec bad.tsv
expect_err '^rec-update: bad\.tsv:3: '
expect_err '^rec-update: bad\.tsv:6: .*abc'
expect_err '^rec-update: bad\.tsv:7: .*nan'
expect_err '^rec-update: skipped 4 bad rows$'
[ "$(info m.rec events)" -eq 2600 ] || fail "events after 600 good rows"
# the good rows learned exactly as a clean file would
cp base.rec clean.rec
expect_exit 0 "$BIN/rec-update" -q -m clean.rec B1.tsv
predict m.rec cand.tsv > bad.out
predict clean.rec cand.tsv > clean.out
cmp -s bad.out clean.out || fail "bad rows changed what the good rows taught"
cp base.rec m.rec
expect_exit 2 "$BIN/rec-update" -q --strict -m m.rec bad.tsv
expect_err '^rec-update: bad\.tsv:3: '
grep -q 'bad\.tsv:6' err && fail "--strict went on after the first bad row"
cmp -s m.rec orig.rec || fail "--strict: the model changed"
no_temp

# ---- (i) progressive figures over training and updates ----
expect_exit 0 "$BIN/rec-train" -q -p 1 --holdout 0 --positive 4 -o p.rec A.tsv
[ "$(info p.rec progressive_events)" -eq 2000 ] ||
	fail "progressive_events after training: $(info p.rec progressive_events)"
[ "$(info p.rec progressive_loss)" = "$(info p.rec train_loss)" ] ||
	fail "one pass: progressive loss is not the training loss"
expect_exit 0 "$BIN/rec-update" -q -m p.rec B1.tsv
[ "$(info p.rec progressive_events)" -eq 2600 ] || fail "progressive_events after B1"
expect_exit 0 "$BIN/rec-update" -q --test-only -m p.rec B2.tsv
[ "$(info p.rec progressive_events)" -eq 2600 ] || fail "progressive_events after --test-only"
expect_exit 0 "$BIN/rec-update" -q -m p.rec bad.tsv
[ "$(info p.rec progressive_events)" -eq 3200 ] || fail "progressive_events after bad.tsv"
expect_exit 2 "$BIN/rec-update" -q --strict -m p.rec bad.tsv
expect_exit 0 "$BIN/rec-update" -m p.rec B2.tsv
[ "$(info p.rec progressive_events)" -eq 3900 ] || fail "progressive_events after B2"
[ "$(info p.rec events)" -eq 3900 ] || fail "events after B2"
expect_err 'progressive loss over 3900 events'
# a one-pass training with a hold-out learns each of its training events
# once, scored just before: those are progressive figures too
expect_exit 0 "$BIN/rec-train" -q -p 1 --positive 4 -o ph.rec A.tsv
ev=$(info ph.rec events)
if [ "$ev" -le 1500 ] || [ "$ev" -ge 2000 ]; then
	fail "rec-train -p 1 learned $ev events"
fi
[ "$(info ph.rec progressive_events)" -eq "$ev" ] ||
	fail "rec-train -p 1 (hold-out 0.1): progressive_events $(info ph.rec progressive_events), events $ev"
expect_exit 0 "$BIN/rec-update" -q -m ph.rec B1.tsv
[ "$(info ph.rec progressive_events)" -eq $((ev + 600)) ] ||
	fail "progressive_events after rec-train -p 1 and an update"
exit 0
