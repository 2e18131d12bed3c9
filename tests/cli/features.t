# Side features: training over A then updating over B is training over
# A+B, bit for bit, with feature columns, attribute tables, lists,
# numbers, all interactions, FTRL and implicit feedback; options that
# contradict the model are refused and leave it as it was; newer
# attribute tables replace the rows of their ids and keep the others.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
. "$TESTS/features-data.sh"
find_python

feature_data

# ---- (a) exactness: train A + update B == train A+B ----
# exact_case NAME TRAIN-OPTIONS UPDATE-OPTIONS (options split at blanks)
exact_case() {
	name=$1 topts=$2 uopts=$3
	mkdir "$name" || fail "mkdir $name"
	# shellcheck disable=SC2086 # option lists
	expect_exit 0 "$BIN/rec-train" -q -p 1 --no-shuffle --holdout 0 \
		--header $topts -o "$name/whole.rec" AB.tsv
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" -q -p 1 --no-shuffle --holdout 0 \
		--header $topts -o "$name/part.rec" A.tsv
	"$BIN/rec-predict" --raw -m "$name/part.rec" cand.tsv > "$name/before.out" ||
		fail "$name: rec-predict before the update"
	# the comparison does see a difference where there is one
	same_params "$name/whole.rec" "$name/part.rec" > "$name/diff" &&
		fail "$name: train A and train A+B give the same model"
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-update" -q -m "$name/part.rec" $uopts B.tsv
	same_params "$name/whole.rec" "$name/part.rec" ||
		fail "$name: train A + update B differs from train A+B"
	"$BIN/rec-predict" --raw -m "$name/whole.rec" cand.tsv > "$name/whole.out" ||
		fail "$name: rec-predict whole"
	"$BIN/rec-predict" --raw -m "$name/part.rec" cand.tsv > "$name/part.out" ||
		fail "$name: rec-predict part"
	[ "$(lines "$name/whole.out")" -eq 2401 ] ||
		fail "$name: rec-predict wrote $(lines "$name/whole.out") lines"
	cmp -s "$name/before.out" "$name/whole.out" &&
		fail "$name: the update changed no score"
	cmp -s "$name/whole.out" "$name/part.out" ||
		fail "$name: train A + update B scores differently from train A+B"
	[ "$(info "$name/part.rec" events)" -eq 3000 ] ||
		fail "$name: events after the update"
	[ "$(info "$name/part.rec" training_runs)" -eq 2 ] ||
		fail "$name: training_runs after the update"
	[ "$(info "$name/part.rec" format_version)" -eq 2 ] ||
		fail "$name: format_version of a model with side features"
	rm -rf "$name"
}
run_case exact_case features "--positive 4 -k 4 --features group,c1" ""
# items i1, i2 and i3 change genre and c2 in B: the catalogue keeps the
# latest values, as one run over A+B does
run_case exact_case item-features "--positive 4 -k 4 --item-features genre,c2" ""
run_case exact_case tables \
	"--positive 4 -k 4 --user-attributes users.tsv --item-attributes items.tsv" \
	"--user-attributes users.tsv --item-attributes items.tsv"
run_case exact_case lists "--positive 4 -k 4 --features tags,group --list-sep |" ""
run_case exact_case numeric "--positive 4 -k 4 --features price --numeric price" ""
run_case exact_case numeric-table \
	"--task regression -k 4 --user-attributes users.tsv --numeric age" \
	"--user-attributes users.tsv"
run_case exact_case all \
	"--positive 4 -k 4 --features group,c1 --item-features genre,c2 --interactions all" ""
run_case exact_case ftrl-k0 \
	"--positive 4 -k 0 --optimizer ftrl --l1 0.5 --features group --item-features genre" ""
run_case exact_case ftrl-k4 \
	"--positive 4 -k 4 --optimizer ftrl --l1 0.5 --features group --item-features genre" ""
# negatives are drawn from the catalogue, each with its latest features
# and its attributes
run_case exact_case implicit \
	"--task implicit -k 4 --item-features genre,c2 --item-attributes items.tsv" \
	"--item-attributes items.tsv"
run_case exact_case implicit-logistic \
	"--task implicit --loss logistic -k 4 --features group --item-features genre --interactions all" ""
run_case exact_case implicit-hard \
	"--task implicit --hard-negatives -k 4 --features tags --item-features genre,c2 --list-sep | --item-attributes items.tsv" \
	"--item-attributes items.tsv"
# everything at once
run_case exact_case everything \
	"--task regression -k 4 --optimizer ftrl --l1 0.2 --interactions all --features tags,price,group --item-features genre,c2 --numeric price,age,year --list-sep | --user-attributes users.tsv --item-attributes items.tsv" \
	"--user-attributes users.tsv --item-attributes items.tsv"

# two updates in a row, over the two halves of B, are one over B
twice_case() {
	head -n 501 B.tsv > B1.tsv
	{ head -n 1 B.tsv; tail -n +502 B.tsv; } > B2.tsv
	o="-q -p 1 --holdout 0 --header --positive 4 -k 4 --features tags --item-features genre --list-sep | --user-attributes users.tsv"
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" $o -o whole2.rec AB.tsv
	# shellcheck disable=SC2086
	expect_exit 0 "$BIN/rec-train" $o -o part2.rec A.tsv
	expect_exit 0 "$BIN/rec-update" -q -m part2.rec B1.tsv
	expect_exit 0 "$BIN/rec-update" -q -m part2.rec B2.tsv
	same_params whole2.rec part2.rec ||
		fail "updates over B1 then B2 differ from training over A+B"
}
run_case twice_case

# --test-only scores with the features and changes nothing
test_only_case() {
	"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
		--features tags --item-features genre --list-sep '|' \
		--user-attributes users.tsv -o to.rec A.tsv || fail "rec-train to.rec"
	cp to.rec to.orig
	expect_exit 0 "$BIN/rec-update" --test-only -m to.rec B.tsv
	expect_err '^rec-update: 1000 events scored; the model was not changed$'
	cmp -s to.rec to.orig || fail "--test-only changed the model"
}
run_case test_only_case

# ---- (b) options that contradict the model are refused ----
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	--features group,c1 --item-features genre -o f.rec A.tsv ||
	fail "rec-train f.rec"
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	-o plain.rec A.tsv || fail "rec-train plain.rec"
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	--features tags --list-sep '|' -o list.rec A.tsv ||
	fail "rec-train list.rec"
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	--features group --numeric c3 --item-features c4 -o num.rec A.tsv 2>err &&
	fail "--numeric naming no feature column was accepted"
"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
	--features group,c3 --numeric c3 -o num.rec A.tsv ||
	fail "rec-train num.rec"
for m in f plain list num; do cp $m.rec $m.orig; done

# refuse_case MODEL REGEX OPTIONS...: rec-update and rec-predict refuse
# the options with exit 2 and the message, and the model stays as it was
refuse_case() {
	model=$1 re=$2
	shift 2
	cp "$model.orig" m.rec
	expect_exit 2 "$BIN/rec-update" -q -m m.rec "$@" B.tsv
	expect_err_first "^rec-update: $re"
	cmp -s m.rec "$model.orig" || fail "refused rec-update $* changed the model"
	expect_exit 2 "$BIN/rec-update" -q -m m.rec -o never.rec "$@" B.tsv
	[ ! -e never.rec ] || fail "refused rec-update $* wrote -o OUT"
	expect_exit 2 "$BIN/rec-update" -q --test-only -m m.rec "$@" B.tsv
	expect_exit 2 "$BIN/rec-predict" -m m.rec "$@" cand.tsv
	expect_err_first "^rec-predict: $re"
	expect_no_out
	expect_exit 2 "$BIN/rec-predict" -m m.rec --top 5 "$@" cand.tsv
	expect_no_out
	cmp -s m.rec "$model.orig" || fail "refused rec-predict $* changed the model"
}
run_case refuse_case f "--features group: the model was trained with --features group,c1, which is fixed then" --features group
run_case refuse_case f "--features c1,group: the model was trained with --features group,c1" --features c1,group
run_case refuse_case f "--features 5,7: the model was trained with --features group,c1" --features 5,7
run_case refuse_case f "--item-features genre,c2: the model was trained with --item-features genre" --item-features genre,c2
run_case refuse_case plain "--features group: the model was trained without --features, which is fixed then" --features group
run_case refuse_case plain "--item-features genre: the model was trained without --item-features" --item-features genre
run_case refuse_case f "--user-attributes users\\.tsv: the model was trained without --user-attributes" --user-attributes users.tsv
run_case refuse_case f "--item-attributes items\\.tsv: the model was trained without --item-attributes" --item-attributes items.tsv
run_case refuse_case list "--list-sep ;: the model was trained with --list-sep \\|, which is fixed then" --list-sep ';'
run_case refuse_case f "--list-sep \\|: the model was trained without --list-sep" --list-sep '|'
run_case refuse_case num "--numeric group: the model was trained with --numeric c3" --numeric group
run_case refuse_case f ".*interactions.* fixed" --interactions all

# the model's own values are accepted, and change nothing
accept_case() {
	cp f.orig m.rec
	cp f.orig given.rec
	expect_exit 0 "$BIN/rec-update" -q -m m.rec B.tsv
	expect_exit 0 "$BIN/rec-update" -q -m given.rec --features group,c1 \
		--item-features genre --interactions cross B.tsv
	same_params m.rec given.rec || fail "giving the model's own values changed the update"
	"$BIN/rec-predict" -m f.orig cand.tsv > plain.out || fail "rec-predict"
	expect_exit 0 "$BIN/rec-predict" -m f.orig --features group,c1 \
		--item-features genre --interactions cross cand.tsv
	cmp -s out plain.out || fail "rec-predict with the model's own values scores differently"
	cp list.orig l.rec
	expect_exit 0 "$BIN/rec-update" -q -m l.rec --list-sep '|' --features tags B.tsv
	expect_exit 0 "$BIN/rec-predict" -m num.orig --numeric c3 --features group,c3 cand.tsv
	cmp -s f.orig f.rec && cmp -s num.orig num.rec ||
		fail "the models changed"
}
run_case accept_case

comma_case() {
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
		--features 'group,' -o never.rec A.tsv
	expect_err_first "^rec-train: --features: an empty column in 'group,'"
	[ ! -e never.rec ] || fail "a model written"
	expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
		--features 'group,,c1' -o never.rec A.tsv
	expect_err_first "^rec-train: --features: an empty column in 'group,,c1'"
}
run_case comma_case
comma_refused_case() {
	rm -f never.rec
	for l in ',group' 'group,,c1'; do
		expect_exit 2 "$BIN/rec-train" -q -p 1 --header --positive 4 \
			--features "$l" -o never.rec A.tsv
		expect_err_first "^rec-train: --features: an empty column"
		[ ! -e never.rec ] || fail "--features '$l': a model written"
	done
}
run_case comma_refused_case

ftrl_version_case() {
	"$BIN/rec-train" -q -p 1 --header --positive 4 --optimizer ftrl \
		-o fv.rec A.tsv || fail "rec-train --optimizer ftrl"
	[ "$(info fv.rec format_version)" -eq 2 ] ||
		fail "--optimizer ftrl: format_version $(info fv.rec format_version)"
}
run_case ftrl_version_case
version_case() {
	"$BIN/rec-train" -q -p 1 --header --positive 4 --optimizer ftrl --l1 0.1 \
		-o fv.rec A.tsv || fail "rec-train --optimizer ftrl --l1 0.1"
	[ "$(info fv.rec format_version)" -eq 2 ] || fail "--l1 0.1: format_version"
	"$BIN/rec-train" -q -p 1 --header --positive 4 --interactions all \
		-o fa.rec A.tsv || fail "rec-train --interactions all"
	[ "$(info fa.rec format_version)" -eq 2 ] || fail "--interactions all: format_version"
	"$BIN/rec-train" -q -p 1 --header --positive 4 -o f1.rec A.tsv ||
		fail "rec-train"
	[ "$(info f1.rec format_version)" -eq 1 ] || fail "ids only: format_version"
	[ "$(info f1.rec writer_version)" -eq 4 ] || fail "ids only: writer_version"
}
run_case version_case

# ---- (c) newer attribute tables ----
# users2.tsv: u1 with the attributes of another user (whose values the
# model has rows for), and a new id v1; nothing of the other users
newer_case() {
	"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
		--user-attributes users.tsv -o t.rec A.tsv || fail "rec-train t.rec"
	cp t.rec t.orig
	[ "$(info t.rec user_table_ids)" -eq 60 ] || fail "user_table_ids $(info t.rec user_table_ids)"
	u1=$(awk -F '\t' '$1 == "u1"' users.tsv)
	other=$(awk -F '\t' -v u="$u1" 'NR > 1 && $1 != "u1" {
		split(u, a, "\t"); if ($2 != a[2] && $3 != a[3]) { print; exit } }' users.tsv)
	[ -n "$u1" ] && [ -n "$other" ] || fail "users.tsv lacks u1 or another user"
	printf 'id\tage\tregion\n' > users2.tsv
	printf '%s\n' "$other" | awk 'BEGIN { FS = OFS = "\t" }
		{ $1 = "u1"; print; $1 = "v1"; print }' >> users2.tsv
	# rec-predict with the newer table: u1's scores change, nobody
	# else's, and the model file does not
	"$BIN/rec-predict" --raw -m t.rec cand.tsv > old.out || fail "rec-predict"
	expect_exit 0 "$BIN/rec-predict" --raw -m t.rec --user-attributes users2.tsv cand.tsv
	cmp -s t.rec t.orig || fail "rec-predict with a newer table changed the model file"
	paste old.out out | awk -F '\t' '
		NR == 1 { next }
		$1 == "u1" { u1++; if ($13 != $26) moved++; next }
		$13 != $26 { print "line " NR ": user " $1 " moved"; bad = 1 }
		END { if (!u1 || moved < u1 / 2) { print "u1 moved " moved " of " u1; bad = 1 }
		      exit bad }' || fail "rec-predict with a newer table"
	# rec-update keeps the newer table: the ids of both, u1 replaced
	expect_exit 0 "$BIN/rec-update" -q -m t.rec --user-attributes users2.tsv B.tsv
	[ "$(info t.rec user_table_ids)" -eq 61 ] ||
		fail "user_table_ids after the update: $(info t.rec user_table_ids)"
	"$BIN/rec-predict" --raw -m t.rec cand.tsv > kept.out || fail "rec-predict"
	# giving users2.tsv again changes nothing
	expect_exit 0 "$BIN/rec-predict" --raw -m t.rec --user-attributes users2.tsv cand.tsv
	cmp -s out kept.out || fail "the updated model does not hold users2.tsv's rows"
	# giving the old table puts back u1's old row only: the other users
	# kept theirs
	expect_exit 0 "$BIN/rec-predict" --raw -m t.rec --user-attributes users.tsv cand.tsv
	paste kept.out out | awk -F '\t' '
		NR == 1 { next }
		$1 == "u1" { u1++; if ($13 != $26) moved++; next }
		$13 != $26 { print "line " NR ": user " $1 " moved"; bad = 1 }
		END { if (!u1 || moved < u1 / 2) { print "u1 moved " moved " of " u1; bad = 1 }
		      exit bad }' || fail "the update did not keep the old rows of other ids"
	# and the same update with the old table does not give the same model
	cp t.orig same.rec
	expect_exit 0 "$BIN/rec-update" -q -m same.rec --user-attributes users.tsv B.tsv
	same_params same.rec t.rec > /dev/null && fail "the newer table made no difference"
	[ "$(info same.rec user_table_ids)" -eq 60 ] || fail "user_table_ids with the same table"
	"$BIN/rec-info" --json t.rec | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (d["user_table_ids"] == 61 and d["item_table_ids"] == 0))' ||
		fail "rec-info --json: table sizes"
}
run_case newer_case

done_cases
