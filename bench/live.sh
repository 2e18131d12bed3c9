#!/bin/sh
# Continuous learning on the 10M-row file of bench/speed.sh:
# (1) rec-update reading the file from a pipe, in one run and with
#     --checkpoint every 1M and every 100k events (each save included);
# (2) the time rec-predict --reload takes to answer a request of a live
#     input, alone, and while rec-update --checkpoint 1s learns the file,
#     over and over, into the model it scores with (a reload each second).
# usage: bench/live.sh BINDIR [DATADIR]
set -eu
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$here/../../shared/data}
runs=${RUNS:-3}
udata=$data/ml-100k/u.data
[ -r "$udata" ] || { echo "live: $udata not found, skipped"; exit 0; }
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/big.sh" "$udata" "$work"
rows=$(wc -l < "$work/big.tsv")
"$bin/rec-train" -q --positive 4 -k 8 -p 1 --holdout 0 -o "$work/k8.rec" \
	"$work/big.tsv"

. "$(dirname "$0")/measure.sh"

echo "rows: $rows; model $(wc -c < "$work/k8.rec") bytes"
for every in none 1000000 100000; do
	opt=
	[ $every = none ] || opt="--checkpoint $every"
	measure "rec-update -k 8 from a pipe, checkpoint $every" \
		"cp $work/k8.rec $work/u.rec && cat $work/big.tsv | $bin/rec-update -q -m $work/u.rec $opt"
done

head -n 100 "$work/big.tsv" > "$work/requests.tsv"
cp "$work/k8.rec" "$work/live.rec"
echo "rec-predict --reload, alone:"
"$python" "$here/live_latency.py" "$bin" "$work/live.rec" \
	"$work/requests.tsv" 10
echo "rec-predict --reload, while rec-update --checkpoint 1s learns the file:"
while cat "$work/big.tsv"; do :; done |
	"$bin/rec-update" -q -m "$work/live.rec" --checkpoint 1s &
updater=$!
"$python" "$here/live_latency.py" "$bin" "$work/live.rec" \
	"$work/requests.tsv" 10
kill -TERM $updater 2>/dev/null || true
wait $updater || true
