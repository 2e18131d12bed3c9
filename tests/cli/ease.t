# EASE (--model ease): training over A then updating over B is training
# over A+B, bit for bit, with repeated events, new users and new items in
# B, any number of threads and an item limit that B crosses; top-k leaves
# out what a user has met; score mode agrees with top-k; options that do
# not apply, damaged weights and a matrix too large for memory are
# refused with exit 2 and the model as it was.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

# events: rec-gen's users and items, every row a positive; zipf-drawn
# pairs repeat.  B holds users and items A never saw.
"$BIN/rec-gen" --users 300 --items 400 --events 6000 --seed 7 |
	cut -f 1,2,4 > gen.tsv || fail "rec-gen"
"$BIN/rec-gen" --users 50 --items 60 --events 400 --seed 8 |
	awk 'BEGIN { FS = OFS = "\t" }
	     { print "new-" $1, (NR % 2 ? "new-" $2 : $2), $4 }' > new.tsv ||
	fail "rec-gen new"
head -n 4000 gen.tsv > A.tsv
{ tail -n 2000 gen.tsv; cat new.tsv; } | sort -k 3,3n -k 1,2 > B.tsv
cat A.tsv B.tsv > all.tsv
head -n 1200 B.tsv > B1.tsv
tail -n +1201 B.tsv > B2.tsv
awk -F '\t' 'NR == FNR { u[$1]; i[$2]; next }
	!($1 in u) { nu++ } !($2 in i) { ni++ }
	END { exit !(nu > 0 && ni > 0) }' A.tsv B.tsv ||
	fail "B has no new users or no new items"
sort all.tsv | cut -f 1,2 | uniq -d | grep -q . || fail "no repeated pairs"

train() {	# OUT FILE [OPTIONS...]
	out=$1 file=$2; shift 2
	expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease \
		--time 3 "$@" -o "$out" "$file"
}
same() {	# A B: the same model apart from the times and the runs
	"$PYTHON" "$TESTS/same_model.py" --any-runs "$1" "$2" ||
		fail "$1 and $2 differ"
}

# ---- (a) exactness ----
exact_case() {	# NAME [OPTIONS...]: for train and update alike
	name=$1; shift
	mkdir "$name" && cd "$name" || fail "mkdir $name"
	train whole.rec ../all.tsv "$@"
	train part.rec ../A.tsv "$@"
	"$PYTHON" "$TESTS/same_model.py" whole.rec part.rec > /dev/null &&
		fail "$name: A and A+B give the same model"
	expect_exit 0 "$BIN/rec-update" -q -m part.rec --time 3 "$@" ../B.tsv
	same whole.rec part.rec
	# in two updates, on two threads
	train chain.rec ../A.tsv "$@"
	expect_exit 0 "$BIN/rec-update" -q -m chain.rec --threads 2 ../B1.tsv
	expect_exit 0 "$BIN/rec-update" -q -m chain.rec ../B2.tsv
	same whole.rec chain.rec
}
run_case exact_case defaults
run_case exact_case l2 --l2 25
run_case exact_case limited --max-items 150
# A has fewer items than the limit, A+B more: the update crosses it
crossing_case() {
	train a.rec A.tsv --max-items 390
	[ "$(info a.rec items)" -le 390 ] || fail "A alone is over the limit"
	[ "$(info a.rec item_item_items)" = "$(info a.rec items)" ] ||
		fail "A alone: not every item in the item-item part"
	expect_exit 0 "$BIN/rec-update" -q -m a.rec B.tsv
	[ "$(info a.rec item_item_items)" -eq 390 ] || fail "limit not kept"
	[ "$(info a.rec items)" -gt 390 ] || fail "B brought no items past it"
	train ab.rec all.tsv --max-items 390
	same ab.rec a.rec
}
run_case crossing_case
threads_case() {	# the number of threads changes nothing
	train t1.rec all.tsv --threads 1
	train t3.rec all.tsv --threads 3
	same t1.rec t3.rec
}
run_case threads_case

# ---- (b) what the model holds and how it scores ----
train m.rec all.tsv
info_case() {
	[ "$(info m.rec model)" = ease ] || fail "model family"
	[ "$(info m.rec l2)" = 400 ] || fail "default l2"
	users=$(cut -f 1 all.tsv | sort -u | wc -l)
	items=$(cut -f 2 all.tsv | sort -u | wc -l)
	pairs=$(cut -f 1,2 all.tsv | sort -u | wc -l)
	[ "$(info m.rec users)" -eq "$users" ] || fail "users"
	[ "$(info m.rec items)" -eq "$items" ] || fail "items"
	[ "$(info m.rec user_item_pairs)" -eq "$pairs" ] || fail "pairs"
	[ "$(info m.rec events)" -eq 6400 ] || fail "events"
	[ "$(info m.rec gram_nonzero)" -gt "$items" ] || fail "gram_nonzero"
	# the factorization machine's settings are not shown
	grep -Eq '^(factors|lr|passes) ' info.out && fail "FM settings shown"
	# --items: the users of each item add up to the user-item pairs
	"$BIN/rec-info" --items m.rec > items.out || fail "rec-info --items"
	[ "$(awk -F '\t' 'NR > 1 { s += $4 } END { print s }' items.out)" \
		-eq "$pairs" ] || fail "--items: users do not add up"
	:
}
run_case info_case
cut -f 1 all.tsv | sort -u > users.txt
printf 'nobody\n' >> users.txt
topk_case() {
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 users.txt
	mv out top.tsv
	# ten each, none the user has met
	[ "$(lines top.tsv)" -eq $(($(lines users.txt) * 10)) ] ||
		fail "not ten per user"
	awk -F '\t' 'NR == FNR { seen[$1 SUBSEP $2]; next }
		($1 SUBSEP $2) in seen { bad++ } END { exit bad > 0 }' \
		all.tsv top.tsv || fail "a seen item recommended"
	expect_exit 0 "$BIN/rec-predict" -m m.rec --top 10 --include-seen \
		users.txt
	awk -F '\t' 'NR == FNR { seen[$1 SUBSEP $2]; next }
		($1 SUBSEP $2) in seen { n++ } END { exit !(n > 0) }' \
		all.tsv out || fail "--include-seen recommends nothing seen"
	# the unknown user gets the items most users met, best first
	cut -f 1,2 all.tsv | sort -u | cut -f 2 | sort | uniq -c |
		sort -k 1,1nr | head -n 3 | awk '{ print $2 }' > popular
	awk -F '\t' '$1 == "nobody" && $4 <= 3 { print $2 }' top.tsv > got
	cmp -s popular got || fail "unknown user: not the most met items"
	# score mode gives the same scores as the lists
	grep -v '^nobody' top.tsv | head -n 50 > top50.tsv
	cut -f 1,2 top50.tsv > pairs.tsv
	cut -f 3 top50.tsv > want
	expect_exit 0 "$BIN/rec-predict" -m m.rec --raw pairs.tsv
	paste out want |
		awk -F '\t' '{ d = $3 - $4; if (d < 0) d = -d
			if (d > 1e-6 * (1 + ($4 < 0 ? -$4 : $4))) bad++ }
			END { exit bad > 0 }' || fail "score mode differs from top-k"
}
run_case topk_case
eval_case() {	# AUC of held-out pairs against pairs never met
	awk -F '\t' 'NR % 10 == 0 { print $1 "\t" $2 }' all.tsv > test.tsv
	awk -F '\t' 'NR % 10 != 0' all.tsv > fit.tsv
	train fit.rec fit.tsv
	awk -F '\t' '{ print $0 "\t1" }' test.tsv > cand.tsv
	awk -F '\t' 'NR == FNR { seen[$1 SUBSEP $2]; next }
		{ i = "i" (FNR % 400); if (!(($1 SUBSEP i) in seen))
		  print $1 "\t" i "\t0" }' all.tsv test.tsv >> cand.tsv
	expect_exit 0 "$BIN/rec-predict" -m fit.rec --raw cand.tsv
	mv out scored.tsv
	expect_exit 0 "$BIN/rec-eval" --label 3 --score 4 scored.tsv
	awk '$1 == "auc" { exit !($2 > 0.6) }' out ||
		{ cat out >&2; fail "EASE does not rank held-out pairs first"; }
}
run_case eval_case

# ---- (c) what is refused ----
refused_train_case() {	# REGEX OPTIONS...
	pattern=$1; shift
	expect_exit 2 "$BIN/rec-train" -q --model ease "$@" -o x.rec all.tsv
	expect_err "$pattern"
	[ ! -e x.rec ] || fail "a model was written"
}
run_case refused_train_case 'needs task implicit' --task binary
run_case refused_train_case 'needs task implicit' --task regression
run_case refused_train_case 'factors does not apply' --task implicit -k 16
run_case refused_train_case 'does not apply' --task implicit -p 3
run_case refused_train_case 'weight column does not apply' --task implicit \
	--weight 3
run_case refused_train_case 'attributes do not apply' --task implicit \
	--item-attributes all.tsv
run_case refused_train_case 'l2 above 0' --task implicit --l2 0
fm_only_case() {	# EASE's settings are refused for the FM, not ignored
	expect_exit 2 "$BIN/rec-train" -q --task implicit --max-items 5 \
		-o x.rec all.tsv
	expect_err 'max items applies to model ease only'
	expect_exit 2 "$BIN/rec-train" -q --task implicit --l2 2000 \
		-o x.rec all.tsv
	expect_err 'l2 must be in \[0, 1000\] \(model fm'
	[ ! -e x.rec ] || fail "a model was written"
	train big-l2.rec all.tsv --l2 2000
}
run_case fm_only_case
fm_threads_case() {
	expect_exit 2 "$BIN/rec-train" -q --task implicit --threads 2 \
		-o x.rec all.tsv
	expect_err 'threads 2: the factorization machine reads and learns in 2 threads'
}
run_case fm_threads_case
printf 'u1\n\n' > bad-rows.tsv
refused_update_case() {	# REGEX OPTIONS-AND-FILES...
	pattern=$1; shift
	cp m.rec u.rec
	expect_exit 2 "$BIN/rec-update" -q -m u.rec "$@"
	expect_err "$pattern"
	cmp -s m.rec u.rec || fail "the model changed"
}
run_case refused_update_case 'test-only and freeze do not apply' \
	--test-only B.tsv
run_case refused_update_case 'test-only and freeze do not apply' \
	--freeze users B.tsv
run_case refused_update_case 'factors is fixed' -k 16 B.tsv
run_case refused_update_case 'window does not apply' --window 10 B.tsv
run_case refused_update_case 'weight does not apply' --weight 3 B.tsv
run_case refused_update_case 'no usable events|bad' bad-rows.tsv
empty_update_case() {	# a quiet hour: exit 0, the model untouched
	cp m.rec u.rec
	expect_exit 0 "$BIN/rec-update" -m u.rec /dev/null
	expect_err 'no events in the input'
	cmp -s m.rec u.rec || fail "the model changed"
}
run_case empty_update_case
include_seen_fm_case() {
	"$BIN/rec-train" -q --task implicit -p 1 -o fm.rec all.tsv ||
		fail "rec-train fm"
	expect_exit 2 "$BIN/rec-predict" -m fm.rec --top 5 --include-seen \
		users.txt
	expect_err 'include-seen.*ease'
}
run_case include_seen_fm_case

# damaged weights: a negative diagonal in P, and a kept item that is not
# the one the histories choose, each with its checksums made right again
"$PYTHON" - <<'EOF' || fail "could not patch the model"
import struct, zlib
data = open("m.rec", "rb").read()
def patched(change, which=b"EASE"):
    out, pos = bytearray(data[:20]), 20
    while pos < len(data):
        cid, flags, raw_len, stored_len = struct.unpack_from("<4sIQQ", data, pos)
        stored = data[pos + 32:pos + 32 + stored_len]
        if cid == which:
            raw = bytearray(zlib.decompress(stored))
            change(raw)
            stored = zlib.compress(bytes(raw), 0 if cid == b"EASE" else 1)
        head = struct.pack("<4sIQQI", cid, flags, raw_len, len(stored),
                           zlib.crc32(stored) & 0xffffffff)
        out += head + struct.pack("<I", zlib.crc32(head) & 0xffffffff) + stored
        pos += 32 + stored_len
    return out
def negative_diagonal(raw):
    n = struct.unpack_from("<I", raw, 16)[0]
    struct.pack_into("<f", raw, 20 + 4 * n, -1.0)
def other_item(raw):
    struct.pack_into("<I", raw, 20, struct.unpack_from("<I", raw, 24)[0])
def unordered_history(raw):
    # the first user whose history has two items: swap them
    pos = 8
    while True:
        idlen = struct.unpack_from("<I", raw, pos)[0]
        pos += 4 + idlen
        h = struct.unpack_from("<I", raw, pos)[0]
        if h >= 2:
            a, b = struct.unpack_from("<II", raw, pos + 4)
            struct.pack_into("<II", raw, pos + 4, b, a)
            return
        pos += 4 + 4 * h
open("history.rec", "wb").write(patched(unordered_history, b"EUSR"))
open("diag.rec", "wb").write(patched(negative_diagonal))
open("kept.rec", "wb").write(patched(other_item))
open("same.rec", "wb").write(patched(lambda raw: None))
EOF
damaged_case() {	# FILE WHAT
	expect_exit 2 "$BIN/rec-info" "$1"
	expect_err "$1: damaged model file: $2"
	cp "$1" d.rec
	expect_exit 2 "$BIN/rec-update" -q -m d.rec B.tsv
	cmp -s "$1" d.rec || fail "the damaged model changed"
}
run_case damaged_case diag.rec "EASE weights"
run_case damaged_case kept.rec "EASE weights"
run_case damaged_case history.rec "EASE users"
# the patching itself keeps a good model good
run_case expect_exit 0 "$BIN/rec-info" same.rec

# a matrix beyond what the process may have: refused before any work,
# and an update that would need it leaves the model as it was
"$BIN/rec-gen" --users 2000 --items 30000 --events 40000 --zipf 0 \
	--seed 3 | cut -f 1,2,4 > wide.tsv || fail "rec-gen wide"
[ "$(cut -f 2 wide.tsv | sort -u | wc -l)" -gt 17000 ] ||
	fail "wide.tsv: too few items for a matrix over 1 GB"
memory_case() {
	# a sanitizer's runtime needs more address space than the limit
	if ! (ulimit -v 1000000 && "$BIN/rec-info" --version) \
		> /dev/null 2>&1; then
		echo "skipped: the programs do not run under ulimit -v"
		return 0
	fi
	(ulimit -v 1000000
	 "$BIN/rec-train" -q --task implicit --model ease --max-items 0 --time 3 \
		-o w.rec wide.tsv) > out 2> err && fail "trained in 1 GB"
	expect_err 'item-item matrix of [0-9]+ items'
	[ ! -e w.rec ] || fail "a model was written"
	train small.rec A.tsv --max-items 0
	cp small.rec before.rec
	(ulimit -v 1000000
	 "$BIN/rec-update" -q -m small.rec wide.tsv) > out 2> err &&
		fail "updated in 1 GB"
	expect_err 'item-item matrix of [0-9]+ items'
	cmp -s small.rec before.rec || fail "the model changed"
}
run_case memory_case
done_cases
