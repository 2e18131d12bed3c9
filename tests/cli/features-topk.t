# Side features when scoring: top-k over items with features and cold
# items (only in the item attribute table), its scores the same as score
# mode's, rec-info's namespaces and counts, and users the model never saw
# scored from their attributes.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
. "$TESTS/features-data.sh"
find_python

feature_data
# the catalogue: AB's 40 items; the item table adds cold1 and cold2
nitems=$(tail -n +2 AB.tsv | cut -f 2 | sort -u | wc -l)
nusers=$(tail -n +2 AB.tsv | cut -f 1 | sort -u | wc -l)
[ "$nitems" -eq 40 ] || fail "AB.tsv has $nitems items"
"$BIN/rec-train" -q -p 2 --header --task implicit -k 4 --item-features genre \
	--item-attributes items.tsv -o ti.rec AB.tsv || fail "rec-train ti.rec"
cp ti.rec ti.orig
# users for top-k: a header line (the model's files have one), then ids
{ echo user; tail -n +2 AB.tsv | cut -f 1 | sort -u; } > users.in

# check_lists FILE K: rec-predict --top K output: 4 columns, each user's
# ranks 1, 2, ... on consecutive lines, at most K, scores not rising, no
# item twice for a user
check_lists() {
	awk -F '\t' -v K="$2" '
	NF != 4 { print "line " NR ": " NF " columns"; bad = 1; exit }
	$1 != user { user = $1; want = 1; delete seen }
	{
		if ($4 != want || want > K) { print "line " NR ": rank " $4; bad = 1; exit }
		if (want > 1 && $3 + 0 > last + 0) { print "line " NR ": score rises"; bad = 1; exit }
		if ($2 in seen) { print "line " NR ": item twice"; bad = 1; exit }
		seen[$2] = 1; last = $3; want++
	}
	END { exit bad }' "$1" || { head -n 20 "$1" >&2; fail "$1 is not a top-$2 list"; }
}

# ---- cold items compete in top-k ----
cold_case() {
	[ "$(info ti.rec items)" -eq 40 ] || fail "items $(info ti.rec items)"
	[ "$(info ti.rec item_table_ids)" -eq 42 ] || fail "item_table_ids"
	[ "$(info ti.rec cold_items)" -eq 2 ] || fail "cold_items $(info ti.rec cold_items)"
	K=$((nitems + 2))
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top $K users.in
	mv out all.out
	check_lists all.out $K
	[ "$(cut -f 1 all.out | uniq | wc -l)" -eq "$nusers" ] || fail "not every user has a list"
	grep -q '	cold1	' all.out || fail "cold1 is in nobody's list"
	grep -q '	cold2	' all.out || fail "cold2 is in nobody's list"
	# and never without them
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top $K --no-cold-items users.in
	check_lists out $K
	grep -q 'cold' out && fail "--no-cold-items: a cold item recommended"
	[ "$(lines out)" -eq $((nusers * nitems)) ] ||
		fail "--no-cold-items: $(lines out) lines, wanted $((nusers * nitems))"
	# the catalogue's items keep their order and scores among themselves
	grep -v cold all.out | awk 'BEGIN { FS = OFS = "\t" } $1 != u { u = $1; n = 0 } { print $1, $2, $3, ++n }' > warm.out
	awk -F '\t' 'NR == FNR { w[$1 FS $4] = $0; n[$1] = $4; next }
		$4 <= n[$1] { if (w[$1 FS $4] != $0) { print "rank " $4 " of " $1 " differs"; bad = 1 } ; seen++ }
		END { exit bad || seen < 40 * 30 }' warm.out out ||
		fail "cold items changed the order of the catalogue's"
	# --candidates may name cold items
	printf 'cold1\ni1\ncold2\n' > cand3.txt
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top 5 --candidates cand3.txt users.in
	check_lists out 5
	[ "$(lines out)" -eq $((3 * nusers)) ] || fail "--candidates: $(lines out) lines"
	cut -f 2 out | sort | uniq -c | awk -v n="$nusers" '$1 != n { bad = 1 } END { exit bad || NR != 3 }' ||
		fail "--candidates: not cold1, i1 and cold2 for every user"
	printf 'cold2\n' > cand1.txt
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top 5 --candidates cand1.txt --no-cold-items users.in
	expect_no_out
	cmp -s ti.rec ti.orig || fail "top-k changed the model"
	# once an event touches a cold item, it is in the catalogue
	{ head -n 1 AB.tsv; printf 'u1\tcold1\t5\t1600000000\tg1\tcz\t1\t1\t1\t1\tt\t0\n'; } > touch.tsv
	cp ti.orig touched.rec
	expect_exit 0 "$BIN/rec-update" -q -m touched.rec touch.tsv
	[ "$(info touched.rec items)" -eq 41 ] || fail "items after touching cold1"
	[ "$(info touched.rec cold_items)" -eq 1 ] || fail "cold_items after touching cold1"
	expect_exit 0 "$BIN/rec-predict" -m touched.rec --top $K --no-cold-items users.in
	grep -q '	cold1	' out || fail "cold1 is not in the catalogue after an event"
	grep -q '	cold2	' out && fail "cold2 competes with --no-cold-items"
	:
}
run_case cold_case

cold_length_case() {
	K=$((nitems + 2))
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top $K users.in
	[ "$(lines out)" -eq $((nusers * K)) ] ||
		fail "--top $K: $(lines out) lines, wanted $((nusers * K))"
	# with one candidate per catalogue item and both cold ones
	{ tail -n +2 AB.tsv | cut -f 2 | sort -u; echo cold1; echo cold2; } > candall.txt
	expect_exit 0 "$BIN/rec-predict" -m ti.rec --top $K --candidates candall.txt users.in
	[ "$(lines out)" -eq $((nusers * K)) ] || fail "--candidates: $(lines out) lines"
}
run_case cold_length_case

# ---- top-k scores are score mode's for the same pairs ----
# pairs_of TOPK: the pairs of a top-k output as rows of AB's layout, each
# item with its latest genre (none for a cold item)
pairs_of() {
	awk 'BEGIN { FS = OFS = "\t" }
	FILENAME == ARGV[1] { if (FNR > 1) genre[$2] = $6; next }
	FNR == 1 { print "user", "item", "rating", "time", "group", "genre", "c1", "c2", "c3", "c4", "tags", "price" }
	{ print $1, $2, 1, 0, "g0", genre[$2], 0, 0, 0, 0, "t", 0 }' AB.tsv "$1"
}
# same_scores TOPK SCORED: column 3 of TOPK and the last column of SCORED
# (one header line) agree to 6 digits
same_scores() {
	tail -n +2 "$2" | paste "$1" - | awk -F '\t' '
	{ a = $3; b = $NF; d = a - b; if (d < 0) d = -d
	  s = a < 0 ? -a : a; if (d > 1e-6 * (1 + s)) { bad++; if (bad < 4) print "line " NR ": " a " " b } }
	END { exit bad > 0 }' || fail "top-k and score mode differ for $1"
}
consistent_case() {
	K=$((nitems + 2))
	"$BIN/rec-predict" --raw -m ti.rec --top $K users.in > top.out || fail "rec-predict --top"
	pairs_of top.out > pairs.tsv
	"$BIN/rec-predict" --raw -m ti.rec pairs.tsv > scored.out || fail "rec-predict pairs"
	same_scores top.out scored.out
	# a model with lists, numbers, all interactions and tables of both
	# sides, scored by users with attributes
	"$BIN/rec-train" -q -p 2 --header --positive 4 -k 4 --list-sep '|' \
		--item-features genre --numeric year,age --interactions all \
		--user-attributes users.tsv --item-attributes items.tsv \
		-o mix.rec AB.tsv || fail "rec-train mix.rec"
	"$BIN/rec-predict" --raw -m mix.rec --top $K users.in > top.out || fail "rec-predict --top"
	check_lists top.out $K
	pairs_of top.out > pairs.tsv
	"$BIN/rec-predict" --raw -m mix.rec pairs.tsv > scored.out || fail "rec-predict pairs"
	same_scores top.out scored.out
}
run_case consistent_case

shared_case() {
	K=$((nitems + 2))
	{ printf 'id\tbrand\tgenre\n'; tail -n +2 items.tsv |
		awk -F '\t' '{ print $1 "\t" $2 "\tG" NR % 3 }'; } > items_g.tsv
	"$BIN/rec-train" -q -p 1 --header --task implicit -k 4 --item-features genre \
		--item-attributes items_g.tsv -o tg.rec AB.tsv || fail "rec-train tg.rec"
	"$BIN/rec-predict" --raw -m tg.rec --top $K users.in > top.out || fail "rec-predict --top"
	pairs_of top.out > pairs.tsv
	"$BIN/rec-predict" --raw -m tg.rec pairs.tsv > scored.out || fail "rec-predict pairs"
	same_scores top.out scored.out
}
run_case shared_case

# ---- rec-info: namespaces ----
ns_case() {
	"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 4 \
		--features group,c1 --item-features genre --numeric age \
		--user-attributes users.tsv --item-attributes items.tsv \
		-o ns.rec A.tsv || fail "rec-train ns.rec"
	usersA=$(tail -n +2 A.tsv | cut -f 1 | sort -u | wc -l)
	itemsA=$(tail -n +2 A.tsv | cut -f 2 | sort -u | wc -l)
	groupsA=$(tail -n +2 A.tsv | cut -f 5 | sort -u | wc -l)
	genresA=$(tail -n +2 A.tsv | cut -f 6 | sort -u | wc -l)
	c1A=$(tail -n +2 A.tsv | cut -f 7 | sort -u | wc -l)
	expect_exit 0 "$BIN/rec-info" ns.rec
	expect_out "^namespaces +user \\(query side, id\\): $usersA features, [0-9]+ non-zero\$"
	expect_out "^ +item \\(item side, id\\): $itemsA features, [0-9]+ non-zero\$"
	expect_out "^ +group \\(query side, event\\): $groupsA features, $groupsA non-zero\$"
	expect_out "^ +c1 \\(query side, event\\): $c1A features, "
	expect_out "^ +genre \\(item side, event\\): $genresA features, "
	# a numeric column is one feature
	expect_out "^ +age \\(query side, attribute, numeric\\): 1 features, 1 non-zero\$"
	expect_out "^ +region \\(query side, attribute\\): "
	expect_out "^ +brand \\(item side, attribute\\): "
	expect_out "^ +year \\(item side, attribute\\): "
	expect_out "^feature_columns +group,c1\$"
	expect_out "^item_feature_columns +genre\$"
	expect_out "^numeric_columns +age\$"
	expect_out "^interactions +cross\$"
	expect_out "^user_table_ids +60\$"
	expect_out "^item_table_ids +42\$"
	expect_out "^cold_items +2\$"
	[ "$(grep -c '(.* side, ' out)" -eq 9 ] || fail "not 9 namespaces"
	expect_exit 0 "$BIN/rec-info" --json ns.rec
	"$PYTHON" - out "$usersA" "$itemsA" "$groupsA" "$genresA" <<'EOF2' || fail "rec-info --json namespaces"
import json, sys
users, items, groups, genres = map(int, sys.argv[2:])
d = json.load(open(sys.argv[1]))
ns = d["namespaces"]
want = [("user", "query", "id", False), ("item", "item", "id", False),
        ("group", "query", "event", False), ("c1", "query", "event", False),
        ("genre", "item", "event", False), ("age", "query", "attribute", True),
        ("region", "query", "attribute", False),
        ("brand", "item", "attribute", False), ("year", "item", "attribute", False)]
got = [(n["name"], n["side"], n["origin"], n["numeric"]) for n in ns]
assert got == want, got
by = {n["name"]: n for n in ns}
assert by["user"]["features"] == users, by["user"]
assert by["item"]["features"] == items == d["items"], by["item"]
assert by["group"]["features"] == groups, by["group"]
assert by["genre"]["features"] == genres, by["genre"]
assert by["age"]["features"] == 1, by["age"]
# region: r1..r4; brand: b1..b4 (c1, c2 have 4 values)
assert 1 <= by["region"]["features"] <= 4, by["region"]
assert 1 <= by["brand"]["features"] <= 4, by["brand"]
assert sum(n["features"] for n in ns) == d["features"], d["features"]
assert sum(n["nonzero"] for n in ns) == d["weights_nonzero"]
assert all(0 <= n["nonzero"] <= n["features"] for n in ns)
assert d["feature_columns"] == "group,c1" and d["numeric_columns"] == "age"
assert d["user_table_ids"] == 60 and d["item_table_ids"] == 42
assert d["cold_items"] == 2 and d["format_version"] == 2
EOF2
	# a model of ids alone: two namespaces, the ids' counts
	"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -o ids.rec A.tsv ||
		fail "rec-train ids.rec"
	expect_exit 0 "$BIN/rec-info" --json ids.rec
	"$PYTHON" - out "$usersA" "$itemsA" <<'EOF2' || fail "rec-info --json of ids"
import json, sys
users, items = map(int, sys.argv[2:])
d = json.load(open(sys.argv[1]))
got = [(n["name"], n["features"]) for n in d["namespaces"]]
assert got == [("user", users), ("item", items)], got
assert d["format_version"] == 1 and "user_table_ids" not in d
assert sum(n["nonzero"] for n in d["namespaces"]) == d["weights_nonzero"]
EOF2
}
run_case ns_case

# FTRL with a large L1 keeps many weights at exactly 0
ftrl_case() {
	for l1 in 0 5; do
		"$BIN/rec-train" -q -p 1 --holdout 0 --header --positive 4 -k 0 \
			--optimizer ftrl --l1 $l1 --features group,c1 --item-features genre \
			-o ftrl$l1.rec A.tsv || fail "rec-train --l1 $l1"
		expect_exit 0 "$BIN/rec-info" --json ftrl$l1.rec
		mv out ftrl$l1.json
	done
	"$PYTHON" - <<'EOF2' || fail "weights_nonzero with --l1"
import json
a = json.load(open("ftrl0.json"))
b = json.load(open("ftrl5.json"))
assert a["features"] == b["features"], (a["features"], b["features"])
assert a["weights_nonzero"] == a["features"], a["weights_nonzero"]
assert 0 < b["weights_nonzero"] < b["features"] / 2, b["weights_nonzero"]
assert sum(n["nonzero"] for n in b["namespaces"]) == b["weights_nonzero"]
assert b["l1"] == 5 and b["optimizer"] == "ftrl" and "ftrl_alpha" in b
assert "l1" not in json.load(open("ftrl0.json")) or a["l1"] == 0
EOF2
	expect_exit 0 "$BIN/rec-info" ftrl5.rec
	expect_out "^l1 +5\$"
	expect_out "^ftrl_alpha +0\\.1\$"
	expect_out "^ftrl_beta +1\$"
}
run_case ftrl_case

# ---- score mode: unseen users scored from their attributes ----
coldstart_case() {
	"$BIN/rec-train" -q -p 2 --header --positive 4 -k 4 \
		--user-attributes users.tsv -o cs.rec AB.tsv || fail "rec-train cs.rec"
	cp cs.rec cs.orig
	# new1 and new3 with u1's attributes, new2 with another user's
	u1=$(awk -F '\t' '$1 == "u1" { print $2 "\t" $3 }' users.tsv)
	u2=$(awk -F '\t' -v a="$u1" 'NR > 1 { split(a, x, "\t")
		if ($2 != x[1] && $3 != x[2]) { print $2 "\t" $3; exit } }' users.tsv)
	[ -n "$u1" ] && [ -n "$u2" ] || fail "users.tsv"
	{ cat users.tsv; printf 'new1\t%s\nnew2\t%s\nnew3\t%s\n' "$u1" "$u2" "$u1"; } > users3.tsv
	awk 'BEGIN { FS = OFS = "\t" } NR == 1 { print; next }
	     { for (n = 1; n <= 3; n++) { $1 = "new" n; print } }' cand.tsv |
		awk 'NR == 1 || !seen[$1 FS $2]++' > new.tsv
	expect_exit 0 "$BIN/rec-predict" --raw -m cs.rec --user-attributes users3.tsv new.tsv
	cmp -s cs.rec cs.orig || fail "rec-predict changed the model"
	awk -F '\t' 'NR > 1 { s[$1, $2] = $NF; items[$2] = 1 }
	END {
		for (i in items) {
			n++
			if (s["new1", i] != s["new3", i]) { print "new1 and new3 differ on " i; bad = 1 }
			if (s["new1", i] != s["new2", i]) differ++
		}
		if (n != 40) { print n " items"; bad = 1 }
		if (differ < n / 2) { print "new1 and new2 differ on " differ " of " n; bad = 1 }
		exit bad
	}' out || fail "cold-start scores"
	mv out with.out
	# without their attributes the three are the same unseen user
	expect_exit 0 "$BIN/rec-predict" --raw -m cs.rec new.tsv
	awk -F '\t' 'NR > 1 { s[$1, $2] = $NF; items[$2] = 1 }
	END { for (i in items) if (s["new1", i] != s["new2", i] || s["new1", i] != s["new3", i]) bad = 1
	      exit bad }' out || fail "unseen users without attributes score differently"
	cmp -s out with.out && fail "the attributes changed no score"
	# top-k: a user is its id and attributes
	printf 'user\nnew1\nnew2\nnew3\n' > newusers.in
	expect_exit 0 "$BIN/rec-predict" --raw -m cs.rec --user-attributes users3.tsv --top 10 newusers.in
	awk -F '\t' '{ l[$1] = l[$1] " " $2 " " $3 } END { exit !(l["new1"] == l["new3"] && l["new1"] != l["new2"]) }' out ||
		fail "top-k of unseen users with attributes"
}
run_case coldstart_case

done_cases
