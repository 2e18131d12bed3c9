# Data for the side-feature tests (sourced after lib.sh): made from
# rec-gen's events with awk, in the scratch directory.
#
# feature_data: 
#   AB.tsv  3000 events with a header: user item rating time group genre
#           c1 c2 c3 c4 tags price; group, c1 and c3 follow the user, genre,
#           c2 and c4 the item; tags is a list of 1 to 3 values parted by
#           '|', price a number (negative, 0 or positive)
#   A.tsv   its header and first 2000 events; B.tsv its header and the
#           other 1000, in which items i1, i2 and i3 have another genre and
#           c2 (their latest item features change)
#   users.tsv  id, age (20 + c3), region (r + c1) of every user of AB
#   items.tsv  id, brand (b + c2), year (1990 + c4) of every item of AB,
#           and of cold1 and cold2, which no event has
#   cand.tsv   every user of AB x every item of AB, with AB's header and
#           columns (each item with its genre and c2 in B, each user with
#           its group and c1, a fixed tags and price)
feature_data() {
	"$BIN/rec-gen" --users 60 --items 40 --events 3000 --seed 11 \
		--columns 4 --header |
	awk 'BEGIN { FS = OFS = "\t" }
	NR == 1 { print $0, "tags", "price"; next }
	{
		n = 1 + NR % 3
		tags = "t" $9
		if (n > 1) tags = tags "|s" $10
		if (n > 2) tags = tags "|r" ($9 + $10) % 5
		price = ($10 - 15) * 2.5
		if (NR > 2001 && ($2 == "i1" || $2 == "i2" || $2 == "i3")) {
			$6 = $6 "x"
			$8 = 9
		}
		print $0, tags, price
	}' > AB.tsv || fail "making AB.tsv"
	[ "$(wc -l < AB.tsv)" -eq 3001 ] || fail "AB.tsv has $(wc -l < AB.tsv) lines"
	head -n 2001 AB.tsv > A.tsv
	{ head -n 1 AB.tsv; tail -n +2002 AB.tsv; } > B.tsv
	# B changes the genre of items A has
	awk -F '\t' 'FNR == 1 { next }
		NR == FNR { g[$2] = $6; next }
		($2 in g) && g[$2] != $6 { changed[$2] = 1 }
		END { n = 0; for (i in changed) n++; exit n < 2 }' A.tsv B.tsv ||
		fail "B.tsv changes no item's genre"
	# prices of every sign, lists of 1, 2 and 3 values
	awk -F '\t' 'NR > 1 { s[$12 < 0 ? "-" : $12 > 0 ? "+" : "0"] = 1
		t[split($11, x, "|")] = 1 }
		END { exit !(("-" in s) && ("0" in s) && ("+" in s) &&
			     (1 in t) && (2 in t) && (3 in t)) }' AB.tsv ||
		fail "AB.tsv lacks a kind of price or list"
	tail -n +2 AB.tsv | cut -f 1,7,9 | sort -u |
		awk 'BEGIN { OFS = "\t"; print "id", "age", "region" }
		     { print $1, 20 + $3, "r" $2 }' > users.tsv
	{
		tail -n +2 AB.tsv | cut -f 2,8,10 | sort -u -k 1,1 |
			awk 'BEGIN { OFS = "\t"; print "id", "brand", "year" }
			     { print $1, "b" $2, 1990 + $3 }'
		printf 'cold1\tb1\t1995\ncold2\tb7\t2001\n'
	} > items.tsv
	[ "$(wc -l < users.tsv)" -eq 61 ] || fail "users.tsv: $(wc -l < users.tsv) lines"
	[ "$(wc -l < items.tsv)" -eq 43 ] || fail "items.tsv: $(wc -l < items.tsv) lines"
	# every user x item pair, with the latest features of both
	awk 'BEGIN { FS = OFS = "\t" }
	NR == 1 { print; next }
	{ ug[$1] = $5; uc[$1] = $7; ig[$2] = $6; ic[$2] = $8 }
	END {
		for (u in ug) for (i in ig)
			print u, i, 3, 1600000000, ug[u], ig[i], uc[u], ic[i],
			      1, 1, "t1|s1", 10
	}' AB.tsv | { IFS= read -r h; echo "$h"; sort; } > cand.tsv
	[ "$(wc -l < cand.tsv)" -eq 2401 ] || fail "cand.tsv: $(wc -l < cand.tsv) lines"
}

# info MODEL KEY: the value rec-info prints for KEY
info() {
	"$BIN/rec-info" "$1" >info.out || fail "rec-info $1 failed"
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }' \
		info.out || fail "rec-info $1 shows no $2"
}

# same_params A B: the two models hold the same learned state, bit for bit
same_params() {
	"$PYTHON" "$TESTS/same_params.py" "$1" "$2"
}
