# Soft labels (--task binary --soft-labels): labels that are probabilities
# in [0, 1], such as a teacher model's scores, learned with the logistic
# loss as they are.  Round trip through rec-train, rec-info, rec-update,
# rec-predict and rec-eval; 0/1 labels learn as without the option; bad
# labels are bad rows; conflicting options are refused; the model file
# that keeps the setting is format 4.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python

# versions MODEL: "READ WRITE", the versions in the file's header
versions() {
	"$PYTHON" -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
print(*struct.unpack_from("<II", d, 8))' "$1" || fail "cannot read $1"
}
# same_but_soft PLAIN SOFT: the two model files hold the same learned
# state, chunk for chunk, and their parameter lists differ only by the
# soft-label key that SOFT has on top
same_but_soft() {
	"$PYTHON" - "$1" "$2" <<-'EOF'
	import struct, sys, zlib
	def chunks(path):
	    d = open(path, "rb").read()
	    out, pos = {}, 20
	    while pos < len(d):
	        cid, _, raw_len, stored = struct.unpack_from("<4sIQQ", d, pos)
	        body = d[pos + 32:pos + 32 + stored]
	        out[cid.decode("latin-1")] = zlib.decompress(body) if stored else b""
	        pos += 32 + stored
	    return out
	def params(raw):
	    n, = struct.unpack_from("<I", raw, 0)
	    pos, out = 4, []
	    for _ in range(n):
	        kl = raw[pos]; key = raw[pos + 1:pos + 1 + kl].decode(); pos += 1 + kl
	        t = chr(raw[pos]); pos += 1
	        if t in "if":
	            v = raw[pos:pos + 8]; pos += 8
	        elif t == "s":
	            ln, = struct.unpack_from("<I", raw, pos); v = raw[pos + 4:pos + 4 + ln]; pos += 4 + ln
	        else:
	            v = b""
	        out.append((key, t, v))
	    return out
	a, b = chunks(sys.argv[1]), chunks(sys.argv[2])
	if sorted(a) != sorted(b):
	    sys.exit(f"chunks {sorted(a)} against {sorted(b)}")
	for name in a:
	    if name in ("PARA", "JRNL"):
	        continue
	    x, y = a[name], b[name]
	    if name == "CNTR":	# events learned; the rest holds times
	        x, y = x[:8], y[:8]
	    if x != y:
	        sys.exit(f"chunk {name} differs")
	want_params = params(a["PARA"]) + [("input.soft_labels", "i", struct.pack("<q", 1))]
	if params(b["PARA"]) != want_params:
	    sys.exit(f"parameters {params(b['PARA'])} against {want_params}")
	EOF
}

# ---- data: a teacher's scores as the labels of a student ----
"$BIN/rec-gen" --users 50 --items 40 --events 2000 --seed 41 > gen.tsv
binary_labels < gen.tsv > bin.tsv
"$BIN/rec-train" -q --positive 4 -k 4 -p 3 --seed 5 -o teacher.rec gen.tsv ||
	fail "rec-train of the teacher"
# user, item, the teacher's probability, time
"$BIN/rec-predict" -m teacher.rec gen.tsv |
	awk 'BEGIN { FS = OFS = "\t" } { print $1, $2, $NF, $4 }' > soft.tsv ||
	fail "rec-predict of the teacher"
head -n 1500 soft.tsv > A.tsv
tail -n 500 soft.tsv > B.tsv
awk -F '\t' '$3 != 0 && $3 != 1 { n++ } END { exit n < 1000 }' soft.tsv ||
	fail "the teacher's scores are not soft labels"

# ---- round trip: train, rec-info, update, predict ----
round_trip_case() {
	o="--soft-labels -k 4 -p 1 --no-shuffle --holdout 0 --seed 7"
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" -q $o -o whole.rec soft.tsv
	expect_no_err
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" -q $o -o part.rec A.tsv
	[ "$(info part.rec soft_labels)" = yes ] || fail "rec-info does not show soft_labels yes"
	[ "$(info part.rec format_version)" -eq 4 ] || fail "soft labels: format_version"
	"$BIN/rec-info" --json part.rec > info.json || fail "rec-info --json"
	grep -q '"soft_labels": true' info.json || { cat info.json >&2; fail "rec-info --json: no soft_labels true"; }
	# rec-update reads soft labels as the model says, and reports a
	# window AUC (labels from 0.5 up count as positive)
	expect_exit 0 "$BIN/rec-update" -m part.rec B.tsv
	expect_err 'events learned'
	grep -E '^ +500 ' err | awk '{ exit !($4 ~ /^0\.[0-9]+$/) }' ||
		{ cat err >&2; fail "rec-update: no recent AUC over soft labels"; }
	[ "$(info part.rec soft_labels)" = yes ] || fail "rec-update lost soft_labels"
	# exact: train over A then update over B is training over A+B
	"$PYTHON" "$TESTS/same_params.py" whole.rec part.rec ||
		fail "soft labels: train A + update B differs from train A+B"
	expect_exit 0 "$BIN/rec-predict" -m part.rec B.tsv
	mv out student.tsv
	[ "$(lines student.tsv)" -eq 500 ] || fail "rec-predict wrote $(lines student.tsv) lines"
	awk -F '\t' '!($NF >= 0 && $NF <= 1) { exit 1 }' student.tsv ||
		fail "rec-predict: a score outside [0, 1]"
	expect_exit 0 "$BIN/rec-eval" --soft-labels --label 3 student.tsv
	grep -Eq '^logloss +0\.[0-9]+$' out || { cat out >&2; fail "rec-eval --soft-labels: no logloss"; }
}
run_case round_trip_case

# ---- 0/1 labels: --soft-labels learns exactly as without it ----
same_case() {
	for o in "-p 3 --seed 3" "-p 1 --no-shuffle --holdout 0" \
		"--optimizer ftrl --l1 0.1 -p 2"; do
		# shellcheck disable=SC2086
		expect_exit 0 "$BIN/rec-train" -q $o -o plain.rec bin.tsv
		# shellcheck disable=SC2086
		expect_exit 0 "$BIN/rec-train" -q --soft-labels $o -o soft.rec bin.tsv
		same_but_soft plain.rec soft.rec ||
			fail "$o: 0/1 labels with --soft-labels learn differently"
		"$BIN/rec-predict" --raw -m plain.rec bin.tsv > plain.out &&
			"$BIN/rec-predict" --raw -m soft.rec bin.tsv > soft.out ||
			fail "rec-predict"
		cmp -s plain.out soft.out || fail "$o: 0/1 labels score differently with --soft-labels"
		# and an update of each over 0/1 labels keeps them equal
		expect_exit 0 "$BIN/rec-update" -q -m plain.rec bin.tsv
		expect_exit 0 "$BIN/rec-update" -q -m soft.rec bin.tsv
		same_but_soft plain.rec soft.rec ||
			fail "$o: rec-update of 0/1 labels differs with soft labels"
	done
	# without the option the file is what it was: no key, format 1
	[ "$(versions plain.rec)" = "2 4" ] || fail "ftrl model: versions $(versions plain.rec)"
	expect_exit 0 "$BIN/rec-train" -q -o ids.rec bin.tsv
	[ "$(versions ids.rec)" = "1 4" ] || fail "ids model: versions $(versions ids.rec)"
	"$BIN/rec-info" ids.rec > ids.info || fail "rec-info"
	! grep -q soft_labels ids.info || fail "rec-info shows soft_labels of a model without"
}
run_case same_case

# ---- bad soft labels: bad rows with file and line; --strict stops ----
bad_case() {
	head -n 20 A.tsv > bad.tsv
	printf 'u1\ti1\t-0.1\t1\nu1\ti2\t1.5\t2\nu2\ti1\tnan\t3\nu3\ti3\tabc\t4\nu4\ti4\t\t5\nu5\ti5\t-1\t6\n' >> bad.tsv
	expect_exit 0 "$BIN/rec-train" -q --soft-labels -p 1 --holdout 0 \
		--max-bad-rows 0.5 -o bad.rec bad.tsv
	expect_err "^rec-train: bad\\.tsv:21: soft label '-0\\.1' is not in \\[0, 1\\]"
	expect_err "^rec-train: bad\\.tsv:22: soft label '1\\.5' is not in \\[0, 1\\]"
	expect_err "^rec-train: bad\\.tsv:23: label 'nan' is not a number"
	expect_err "^rec-train: bad\\.tsv:24: label 'abc' is not a number"
	expect_err "^rec-train: bad\\.tsv:25: label '' is not a number"
	expect_err '6 bad rows'
	[ "$(info bad.rec events)" -eq 20 ] || fail "bad rows were learned"
	# the default limit: 6 of 26 is too many
	expect_exit 2 "$BIN/rec-train" -q --soft-labels -o never.rec bad.tsv
	expect_err 'too many bad rows: 6 of 26'
	[ ! -e never.rec ] || fail "a model written past the bad-row limit"
	expect_exit 2 "$BIN/rec-train" -q --soft-labels --strict -o never.rec bad.tsv
	expect_err_first "^rec-train: bad\\.tsv:21: soft label '-0\\.1' is not in \\[0, 1\\]"
	[ ! -e never.rec ] || fail "--strict: a model written"
	# rec-update --strict: exit 2, the model as it was
	cp bad.rec before.rec
	expect_exit 2 "$BIN/rec-update" -q --strict -m bad.rec bad.tsv
	expect_err_first "^rec-update: bad\\.tsv:21: soft label"
	cmp -s bad.rec before.rec || fail "rec-update --strict changed the model"
	# rec-eval --soft-labels counts them too
	awk 'BEGIN { FS = OFS = "\t" } { print $3, 0.5 }' bad.tsv > scored.tsv
	expect_exit 2 "$BIN/rec-eval" --soft-labels --strict --label 1 --score 2 scored.tsv
	expect_err_first "^rec-eval: scored\\.tsv:21: soft label '-0\\.1' is not in \\[0, 1\\]"
	# and without --soft-labels, a soft label is not 0/1
	expect_exit 2 "$BIN/rec-eval" --strict --label 1 --score 2 scored.tsv
	expect_err_first "^rec-eval: scored\\.tsv:1: label '.*' is not 0/1 or -1/1"
}
run_case bad_case

# ---- options that do not go with soft labels: exit 2 ----
refused_case() {	# REGEX PROGRAM ARGS...
	re=$1
	shift
	expect_exit 2 "$@"
	expect_no_out
	expect_err_first "$re"
}
"$BIN/rec-train" -q --soft-labels -p 1 -o model.rec A.tsv || fail "rec-train"
"$BIN/rec-predict" -m model.rec A.tsv > scored.tsv || fail "rec-predict"
run_case refused_case '^rec-train: --soft-labels and --positive exclude each other' \
	"$BIN/rec-train" --soft-labels --positive 4 -o x.rec gen.tsv
run_case refused_case '^rec-train: --soft-labels and --positive exclude each other' \
	"$BIN/rec-train" --positive 0.5 --soft-labels -o x.rec gen.tsv
run_case refused_case '^rec-train: --soft-labels needs --task binary' \
	"$BIN/rec-train" --soft-labels --task regression -o x.rec gen.tsv
run_case refused_case '^rec-train: --soft-labels needs --task binary' \
	"$BIN/rec-train" --task implicit --soft-labels -o x.rec gen.tsv
run_case refused_case '^rec-train: --soft-labels needs the logistic loss' \
	"$BIN/rec-train" --soft-labels --loss squared -o x.rec soft.tsv
run_case refused_case '^rec-update: --soft-labels is fixed when a model is trained' \
	"$BIN/rec-update" --soft-labels -m model.rec B.tsv
run_case refused_case '^rec-eval: --soft-labels needs --task binary' \
	"$BIN/rec-eval" --soft-labels --task regression --label 3 scored.tsv
run_case refused_case '^rec-eval: --soft-labels does not apply to --group' \
	"$BIN/rec-eval" --soft-labels --group 1 --label 3 scored.tsv
run_case refused_case '^rec-eval: --soft-labels does not apply to --truth' \
	"$BIN/rec-eval" --soft-labels --truth A.tsv scored.tsv
run_case refused_case '^rec-eval: --calibration does not take --soft-labels' \
	"$BIN/rec-eval" --soft-labels --calibration c.svg --label 3 scored.tsv
run_case refused_case '^rec-eval: --compare does not take --soft-labels' \
	"$BIN/rec-eval" --soft-labels --compare scored.tsv --label 3 A.tsv
[ ! -e x.rec ] || fail "a refused run wrote a model"

# ---- the format: soft labels make a format 4 file ----
format_case() {
	[ "$(versions model.rec)" = "4 4" ] || fail "soft labels: versions $(versions model.rec)"
	# with side features (format 2 on their own) it is still 4
	expect_exit 0 "$BIN/rec-train" -q --soft-labels --interactions all -p 1 -o f.rec A.tsv
	[ "$(versions f.rec)" = "4 4" ] || fail "soft labels, all interactions: versions $(versions f.rec)"
	# a format 3 reader would skip the key and read the labels as 0/1:
	# the file must ask for format 4, and a reader of format 4 refuses
	# a newer one
	"$PYTHON" - <<-'EOF' || fail "could not patch the model"
	import struct, zlib
	d = bytearray(open("model.rec", "rb").read())
	d[8:16] = struct.pack("<II", 6, 6)
	d[16:20] = struct.pack("<I", zlib.crc32(bytes(d[0:16])) & 0xffffffff)
	open("newer.rec", "wb").write(d)
	EOF
	expect_exit 2 "$BIN/rec-info" newer.rec
	expect_err 'version 6.*newer'
	# rec-promote: a soft-label model does not replace a 0/1 one
	"$BIN/rec-train" -q -p 1 -o hard.rec bin.tsv || fail "rec-train"
	cp hard.rec live.rec
	expect_exit 2 "$BIN/rec-promote" model.rec live.rec
	expect_err 'soft labels'
	cmp -s hard.rec live.rec || fail "rec-promote replaced a model of another kind"
}
run_case format_case

done_cases
