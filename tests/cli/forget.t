# rec-update --forget-users FILE: a factorization machine loses the rows
# of the users' hashed ids and their attribute table rows, and scores
# them as users it never saw; EASE loses their histories and the items
# only they met, and is the model trained without their events, bit for
# bit; a retried file changes nothing; a file whose users the model does
# not know exits 1, an empty one 0, a bad one 2, and each leaves the
# model as it was; events beside the file are refused.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
. "$TESTS/features-data.sh"
find_python

"$BIN/rec-gen" --users 80 --items 60 --events 4000 --seed 5 |
	cut -f 1-4 > data.tsv || fail "rec-gen"
# scores USER MODEL: the user's score for every item, one a line
scores() {
	cut -f 2 data.tsv | sort -u | awk -v u="$1" '{ print u "\t" $1 }' |
		"$BIN/rec-predict" -m "$2" | cut -f 3
}

# ---- the factorization machine ----
fm_case() {	# TRAIN-OPTIONS...
	expect_exit 0 "$BIN/rec-train" -q --positive 4 -k 4 --holdout 0 \
		"$@" -o m.rec data.tsv
	# an update with a half-life: rows with forgetting stamps
	tail -n 500 data.tsv > tail.tsv
	expect_exit 0 "$BIN/rec-update" -q -m m.rec --half-life 1000 tail.tsv
	rows=$(info m.rec features)
	learned=$(info m.rec events_learned)
	scores never-seen m.rec > unseen.out || fail "scores of an unseen user"
	scores u7 m.rec > u7.before || fail "scores of u7"
	cmp -s unseen.out u7.before && fail "u7 scores as an unseen user"
	printf '# to forget\nu7\n\nu9\nnobody\n' > forget.txt
	expect_exit 0 "$BIN/rec-update" -m m.rec --forget-users forget.txt
	expect_err "forget.txt: 1 of 3 users are not in m.rec \('nobody'\)"
	expect_err "2 users forgotten \(2 feature rows removed"
	[ "$(info m.rec features)" -eq $((rows - 2)) ] ||
		fail "features $(info m.rec features), wanted $((rows - 2))"
	# the counters count what was learned
	[ "$(info m.rec events_learned)" -eq "$learned" ] ||
		fail "events_learned changed"
	scores u7 m.rec > u7.after || fail "scores of u7 after"
	cmp -s unseen.out u7.after || fail "u7 does not score as unseen"
	# a retry of the same file: recognised, nothing written
	cp m.rec kept.rec
	expect_exit 0 "$BIN/rec-update" -m m.rec --forget-users forget.txt
	expect_err "forgotten before .*m.rec was not changed"
	cmp -s m.rec kept.rec || fail "a retry changed the model"
	# learned again, u7 is a new user: the same as met for the first time
	printf 'u7\ti1\t5\t1\n' > back.tsv
	expect_exit 0 "$BIN/rec-update" -q -m m.rec back.tsv
	[ "$(info m.rec features)" -eq $((rows - 1)) ] ||
		fail "u7 learned again: no new row"
}
run_case fm_case
run_case fm_case --optimizer ftrl --l1 0.1
run_case fm_case --optimizer sgd

# ---- attribute tables: the user's row goes too ----
table_case() {
	feature_data
	expect_exit 0 "$BIN/rec-train" -q --header --positive 4 -k 4 \
		--holdout 0 --user-attributes users.tsv -o t.rec AB.tsv
	ids=$(info t.rec user_table_ids)
	rows=$(info t.rec features)
	u=$(sed -n 2p users.tsv | cut -f 1)
	printf '%s\n' "$u" > one.txt
	expect_exit 0 "$BIN/rec-update" -m t.rec --forget-users one.txt
	expect_err "1 users forgotten \(1 feature rows removed, 0 reset, 1 attribute table rows removed"
	[ "$(info t.rec user_table_ids)" -eq $((ids - 1)) ] ||
		fail "user_table_ids $(info t.rec user_table_ids)"
	[ "$(info t.rec features)" -eq $((rows - 1)) ] || fail "features"
	# a user known only from the table is known
	printf 'tabled\t30\tr1\n' > more.tsv
	{ head -n 1 users.tsv; cat more.tsv; } > more-users.tsv
	expect_exit 0 "$BIN/rec-update" -q -m t.rec --header \
		--user-attributes more-users.tsv B.tsv
	printf 'tabled\n' > tabled.txt
	expect_exit 0 "$BIN/rec-update" -m t.rec --forget-users tabled.txt
	expect_err "1 users forgotten \(0 feature rows removed, 0 reset, 1 attribute table rows"
}
run_case table_case

# ---- EASE: the model trained without the user's events ----
same_chunks() {	# A B: histories, weights and catalogue ids the same
	"$PYTHON" - "$1" "$2" <<-'EOF' || fail "$1 and $2 differ"
	import struct, sys, zlib
	def chunks(path):
	    data, pos, out = open(path, "rb").read(), 20, {}
	    while pos < len(data):
	        cid, _f, _r, n = struct.unpack_from("<4sIQQ", data, pos)
	        out[cid] = zlib.decompress(data[pos + 32:pos + 32 + n])
	        pos += 32 + n
	    return out
	a, b = chunks(sys.argv[1]), chunks(sys.argv[2])
	for cid in (b"PARA", b"RNGS", b"FEAT", b"WGHT", b"EUSR", b"EASE"):
	    if a[cid] != b[cid]:
	        sys.exit("chunk %s differs" % cid.decode())
	EOF
	"$BIN/rec-info" --items "$1" | cut -f 1 > items1
	"$BIN/rec-info" --items "$2" | cut -f 1 > items2
	cmp -s items1 items2 || fail "$1 and $2: other catalogues"
}
ease_case() {	# TRAIN-OPTIONS...
	cut -f 1,2,4 data.tsv > imp.tsv
	# u3 also met an item nobody else did; its events come last, so the
	# other items come in the same order with and without them
	awk '$1 != "u3"' imp.tsv > rest.tsv
	{ cat rest.tsv; awk '$1 == "u3"' imp.tsv; printf 'u3\tsolo\t9\n'; } > all.tsv
	expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease \
		--time 3 "$@" -o all.rec all.tsv
	expect_exit 0 "$BIN/rec-train" -q --task implicit --model ease \
		--time 3 "$@" -o rest.rec rest.tsv
	items=$(info all.rec items)
	printf 'u3\n' > u3.txt
	expect_exit 0 "$BIN/rec-update" -m all.rec --forget-users u3.txt
	expect_err "1 users forgotten, 1 items only they had met; EASE refitted"
	[ "$(info all.rec items)" -eq $((items - 1)) ] || fail "solo kept"
	same_chunks all.rec rest.rec
	printf 'u1\nu2\nu3\n' > users.txt
	"$BIN/rec-predict" -m all.rec --top 5 < users.txt > top1 || fail "top"
	"$BIN/rec-predict" -m rest.rec --top 5 < users.txt > top2 || fail "top"
	cmp -s top1 top2 || fail "top-5 lists differ"
	# forgetting again: a user no longer there
	printf 'u3\n\n' > u3-again.txt
	cp all.rec kept.rec
	expect_exit 1 "$BIN/rec-update" -m all.rec --forget-users u3-again.txt
	expect_err "none of its users is in all.rec; all.rec was not changed"
	cmp -s all.rec kept.rec || fail "changed"
}
run_case ease_case
run_case ease_case --max-items 30 --l2 50

# ---- nothing to forget, bad files, refused combinations ----
errors_case() {
	expect_exit 0 "$BIN/rec-train" -q --positive 4 -o m.rec data.tsv
	cp m.rec kept.rec
	unchanged() { cmp -s m.rec kept.rec || fail "$1: the model changed"; }
	printf 'x1\nx2\nx3\nx4\n' > typo.txt
	expect_exit 1 "$BIN/rec-update" -m m.rec --forget-users typo.txt
	expect_err "typo.txt: 4 of 4 users are not in m.rec \('x1', 'x2', 'x3', \.\.\.\)"
	expect_err "none of its users is in m.rec; m.rec was not changed"
	unchanged "unknown users"
	: > empty.txt
	expect_exit 0 "$BIN/rec-update" -m m.rec --forget-users empty.txt
	expect_err "empty.txt lists no users; m.rec was not changed"
	unchanged "an empty file"
	printf '# only a comment\n\n' > comment.txt
	expect_exit 0 "$BIN/rec-update" -m m.rec --forget-users comment.txt
	unchanged "comments"
	printf 'u1\nu2\0\n' > nul.txt
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users nul.txt
	expect_err "^rec-update: nul.txt:2: NUL byte"
	unchanged "a NUL byte"
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users missing.txt
	expect_err "missing.txt: cannot open"
	printf 'u1\n' > u1.txt
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users u1.txt data.tsv
	expect_err "reads no events"
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users u1.txt --lr 0.1
	expect_err "learns nothing"
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users u1.txt --test-only
	expect_exit 2 "$BIN/rec-update" -m m.rec --forget-users u1.txt --user 2
	unchanged "refused options"
	printf 'not a model\n' > bad.rec
	expect_exit 2 "$BIN/rec-update" -m bad.rec --forget-users u1.txt
	# -o OUT: the model stays, OUT has the users forgotten
	expect_exit 0 "$BIN/rec-update" -q -m m.rec -o out.rec --forget-users u1.txt
	unchanged "-o OUT"
	[ "$(info out.rec features)" -eq $(($(info m.rec features) - 1)) ] ||
		fail "-o OUT: u1 kept"
	# no events read: stdin is left alone
	expect_exit 0 "$BIN/rec-update" -q -m m.rec --forget-users u1.txt < /dev/null
	[ "$(info m.rec features)" -eq "$(info out.rec features)" ] ||
		fail "in place"
}
run_case errors_case
done_cases
