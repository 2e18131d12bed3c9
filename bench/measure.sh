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
	sort -n "$work/times" | awk -v name="$name" -v rows="$rows" '
		{ t[NR] = $1; m[NR] = $2 }
		END { mid = int((NR + 1) / 2)
		      printf "%-40s %8.2f s %8.2f M rows/s %8.0f MB\n",
			name, t[mid], rows / t[mid] / 1e6, m[mid] / 1024 }'
}
