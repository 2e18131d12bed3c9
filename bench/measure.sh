# measure NAME CMD...: the median wall seconds and peak RSS of CMD (run by
# sh -c, output discarded) over $runs runs, with $rows rows/s; uses the
# scratch directory $work.  Sourced by the speed scripts.
measure() {
	name=$1; shift
	: > "$work/times"
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%e %M' -o "$work/t" sh -c "$*" > /dev/null
		cat "$work/t" >> "$work/times"
		r=$((r + 1))
	done
	report "$name" "$work/times"
}

# report NAME TIMES: the line of measure for the runs in TIMES ("seconds
# KB" lines); the median seconds also into $work/median.
report() {
	sort -n "$2" | awk -v name="$1" -v rows="$rows" -v out="$work/median" '
		{ t[NR] = $1; m[NR] = $2 }
		END { mid = int((NR + 1) / 2)
		      printf "%-40s %8.2f s %8.2f M rows/s %8.0f MB\n",
			name, t[mid], rows / t[mid] / 1e6, m[mid] / 1024
		      print t[mid] > out }'
}

# measure_together NAME1 CMD1 NAME2 CMD2: measure's figures for two
# commands run in turn, $runs times each, so that both meet the same
# load on a shared machine; then the second's speed-up over the first.
measure_together() {
	: > "$work/times1"
	: > "$work/times2"
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%e %M' -o "$work/t" sh -c "$2" > /dev/null
		cat "$work/t" >> "$work/times1"
		/usr/bin/time -f '%e %M' -o "$work/t" sh -c "$4" > /dev/null
		cat "$work/t" >> "$work/times2"
		r=$((r + 1))
	done
	report "$1" "$work/times1"
	mv "$work/median" "$work/median1"
	report "$3" "$work/times2"
	mv "$work/median" "$work/median2"
	awk -v a="$(cat "$work/median1")" -v b="$(cat "$work/median2")" \
		'BEGIN { printf "%-40s %8.2fx\n", "  speed-up", a / b }'
}
