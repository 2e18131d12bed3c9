# --save-precision 32|16|8: the default file is unchanged, 16 and 8 score
# within a stated distance of 32 and are stable when saved again, and a
# model saved without its optimiser state is not updated.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

"$BIN/rec-gen" --events 4000 --users 200 --items 120 --seed 51 > ratings.tsv
binary_labels < ratings.tsv > data.tsv
head -n 3000 data.tsv > a.tsv
tail -n 1000 data.tsv > b.tsv
cut -f1,2 data.tsv > pairs.tsv

# same FILE FILE: the same bytes but for the times of CNTR (created, saved)
# and of the journal's entries
same() {
	"$PYTHON" - "$1" "$2" <<-'EOF'
	import struct, sys, zlib
	def norm(path):
	    img = open(path, 'rb').read()
	    pos, out = 20, [img[:20]]
	    while pos < len(img):
	        cid, flags, raw, stored = struct.unpack_from('<4sIQQ', img, pos)
	        head, body = img[pos:pos + 32], img[pos + 32:pos + 32 + stored]
	        pos += 32 + stored
	        if cid == b'CNTR':
	            d = zlib.decompress(body)
	            out.append(cid + d[:40] + bytes(16) + d[56:])
	        elif cid == b'JRNL':
	            d = bytearray(zlib.decompress(body))
	            for at in range(4 + 40, len(d), 48):
	                d[at:at + 8] = bytes(8)
	            out.append(cid + bytes(d))
	        else:
	            out.append(head + body)
	    return out
	sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)
	EOF
}

# scores MODEL: rec-predict's score of every pair, one a line
scores() {
	"$BIN/rec-predict" -m "$1" pairs.tsv | awk -F '\t' '{ print $NF }'
}

for p in 32 16 8; do
	"$BIN/rec-train" -q --seed 5 -k 8 --save-precision $p -o m$p.rec data.tsv ||
		fail "rec-train --save-precision $p"
done
"$BIN/rec-train" -q --seed 5 -k 8 -o default.rec data.tsv || fail "rec-train"
scores m32.rec > s32

default_case() {	# 32 is the default and today's file
	same default.rec m32.rec || fail "--save-precision 32 differs from the default"
	expect_exit 0 "$BIN/rec-info" m32.rec
	expect_out '^format_version +1$'
	expect_out '^writer_version +4$'
	expect_out '^precision +32$'
	expect_out '^optimiser_state +yes$'
}
run_case default_case

# quantised_case BITS TOLERANCE: smaller, read version 5, scores (the
# probabilities) within TOLERANCE of 32's
quantised_case() {
	expect_exit 0 "$BIN/rec-info" m$1.rec
	expect_out "^precision +$1\$"
	expect_out '^format_version +5$'
	expect_out '^writer_version +5$'
	expect_out '^optimiser_state +no$'
	[ "$(wc -c < m$1.rec)" -lt "$(wc -c < m32.rec)" ] || fail "m$1.rec is not smaller"
	scores m$1.rec > s$1
	[ "$(lines s$1)" -eq 4000 ] || fail "rec-predict -m m$1.rec: $(lines s$1) scores"
	paste s32 s$1 | awk -v tol="$2" '{ d = $1 - $2; if (d < 0) d = -d
		if (d > m) m = d } END { if (m > tol) { print "max " m; exit 1 } }' ||
		fail "precision $1: a score moved more than $2"
	# top-k works on it too
	printf 'u1\nu2\n' > users.txt
	expect_exit 0 "$BIN/rec-predict" -m m$1.rec --top 5 users.txt
	[ "$(lines out)" -eq 10 ] || fail "precision $1: top 5 gave $(lines out) lines"
}
run_case quantised_case 16 0.002
run_case quantised_case 8 0.02

# stable_case BITS: a model loaded at its precision and saved again (a
# save that changes something else: a user forgotten) is the file the
# 32-bit model makes with the same change, saved at that precision
stable_case() {
	echo u1 > u1.txt
	expect_exit 0 "$BIN/rec-update" -q -m m32.rec -o f32_$1.rec --save-precision $1 --forget-users u1.txt
	expect_exit 0 "$BIN/rec-update" -q -m m$1.rec -o f$1.rec --forget-users u1.txt
	same f32_$1.rec f$1.rec || fail "precision $1 saved again differs"
	expect_exit 0 "$BIN/rec-info" f$1.rec
	expect_out "^precision +$1\$"
}
run_case stable_case 16
run_case stable_case 8

refusal_case() {	# a quantised model is not trained further
	for p in 16 8; do
		cp m$p.rec u$p.rec
		expect_exit 2 "$BIN/rec-update" -m u$p.rec b.tsv
		expect_err "^rec-update: u$p\\.rec: saved at precision $p, without the optimiser state"
		cmp -s m$p.rec u$p.rec || fail "a refused update changed u$p.rec"
		# scoring alone is fine
		expect_exit 0 "$BIN/rec-update" -q --test-only -m u$p.rec b.tsv
		expect_exit 2 "$BIN/rec-train" --init u$p.rec -o x.rec b.tsv
		expect_err "--init u$p\\.rec: saved at precision $p.*--reset-optimizer"
		# unless the optimiser starts afresh: a model of precision 32
		expect_exit 0 "$BIN/rec-train" -q --init u$p.rec --reset-optimizer -o x$p.rec b.tsv
		expect_exit 0 "$BIN/rec-info" x$p.rec
		expect_out '^precision +32$'
		expect_out '^optimiser_state +yes$'
	done
	# a 32-bit model is not quantised in place: nothing could update it
	cp m32.rec live.rec
	expect_exit 2 "$BIN/rec-update" -m live.rec --save-precision 8 b.tsv
	expect_err 'in place would drop the optimiser state'
	cmp -s m32.rec live.rec || fail "a refused update changed live.rec"
	# a model of another precision is not saved at 32 as if it had state
	expect_exit 2 "$BIN/rec-update" -m m16.rec -o y.rec --save-precision 32 --forget-users u1.txt
	expect_err 'no optimiser state to save at 32'
	[ ! -e y.rec ] || fail "y.rec written"
	# bad values, EASE
	expect_exit 2 "$BIN/rec-train" --save-precision 12 -o z.rec a.tsv
	expect_err "'12' is not 32, 16 or 8"
	expect_exit 2 "$BIN/rec-train" --task implicit --model ease --save-precision 16 -o z.rec a.tsv
	expect_err 'applies to the factorization machine'
	[ ! -e z.rec ] || fail "z.rec written"
}
run_case refusal_case

serve_copy_case() {	# the hourly job: update the 32-bit model, serve a copy
	"$BIN/rec-train" -q --seed 5 -k 8 -p 1 --no-shuffle --holdout 0 -o master.rec a.tsv ||
		fail "rec-train a.tsv"
	expect_exit 0 "$BIN/rec-update" -q -m master.rec -o serve.rec --save-precision 16 b.tsv
	expect_exit 0 "$BIN/rec-info" serve.rec
	expect_out '^precision +16$'
	expect_exit 0 "$BIN/rec-info" master.rec
	expect_out '^precision +32$'
	# the master is untouched (-o), updates in place as before, and the
	# exactness contract holds for it: a then b in one run, or a then
	# an update with b, the same parameters
	expect_exit 0 "$BIN/rec-update" -q -m master.rec b.tsv
	"$BIN/rec-train" -q --seed 5 -k 8 -p 1 --no-shuffle --holdout 0 -o whole.rec a.tsv b.tsv ||
		fail "rec-train a.tsv b.tsv"
	scores master.rec > s.master
	scores whole.rec > s.whole
	cmp -s s.master s.whole || fail "train a + update b is not train a b"
	# rec-train writes the precision to stdout too
	"$BIN/rec-train" -q --seed 5 -k 8 --save-precision 8 -f data.tsv > out8.rec ||
		fail "rec-train to stdout"
	same out8.rec m8.rec || fail "precision 8 to stdout differs from -o"
}
run_case serve_copy_case

done_cases
