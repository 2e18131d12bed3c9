# contrib/spark_merge.py: shards trained by rec-train through Spark's
# RDD.pipe, the binary shipped to the executors, merged by rec-merge on
# the driver; in Spark's local mode.  Skipped when pyspark or a Java
# runtime is missing: Debian 12 packages neither pyspark nor Spark, so
# this runs only where they were installed by hand.
. "$TESTS/lib.sh"
. "$TESTS/cases.sh"
find_python
"$PYTHON" -c 'import pyspark' 2>/dev/null ||
	skip "pyspark is not installed (Debian 12 packages no Spark)"
java -version >/dev/null 2>&1 || skip "no Java runtime for Spark"

"$BIN/rec-gen" --users 300 --items 120 --events 8000 --seed 31 > train.tsv
# no rec-train on PATH: the script must ship the one it is given
PATH=/usr/bin:/bin SPARK_MASTER='local[2]' \
	"$PYTHON" "$TESTS/../../contrib/spark_merge.py" --bin "$BIN" \
	"$(pwd)/train.tsv" spark.rec 3 --positive 4 -p 1 --holdout 0 \
	>spark.out 2>&1 || { tail -n 20 spark.out >&2; fail "spark_merge.py"; }
[ "$(info spark.rec events_learned)" -eq 8000 ] || fail "events of the shards"
[ "$(info spark.rec training_runs)" -eq 3 ] || fail "not 3 shards"
# every item of the events is in the merged catalogue
items=$(cut -f2 train.tsv | sort -u | wc -l)
[ "$(info spark.rec items)" -eq "$items" ] || fail "items lost in the merge"
echo "spark: ok"
