# rec-eval --compare's interval covers the true difference of two
# scorers' AUCs about 95% of the time.  200 data sets of 1000 rows from
# paired.awk, whose scorers have AUC Phi(1/2) = 0.691462 and Phi(0.35) =
# 0.636831 (a difference of 0.054632); the interval must cover that in
# 180 to 198 of them (a coverage of 0.90 to 0.99: at 0.95 the count has a
# standard deviation of 3).  The seeds are fixed: the count is the same
# on every run.
. "$TESTS/lib.sh"

truth=0.0546318101
covered=0
r=1
while [ $r -le 200 ]; do
	awk -v SEED=$((r * 7919)) -v N=1000 -v MUA=1 -v MUB=0.7 -v A=a.tsv \
		-v B=b.tsv -f "$TESTS/paired.awk"
	"$BIN/rec-eval" --compare b.tsv --seed "$r" a.tsv > out ||
		fail "replicate $r: rec-eval failed"
	# the compare table's auc row: name, this, other, diff, low, high
	awk -v t="$truth" '$1 == "auc" && NF >= 6 { found = 1; ok = $5 <= t && t <= $6 }
		END { exit !found ? 2 : !ok }' out && got=0 || got=$?
	[ "$got" -ne 2 ] || { cat out >&2; fail "no auc row in the comparison"; }
	[ "$got" -eq 0 ] && covered=$((covered + 1))
	r=$((r + 1))
done
echo "covered in $covered of 200"
[ "$covered" -ge 180 ] && [ "$covered" -le 198 ] ||
	fail "the 95% interval covered the true difference in $covered of 200 data sets"
