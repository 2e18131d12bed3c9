#!/bin/sh
# The 10M-row benchmark file: 125 copies of the MovieLens-100k time-split
# training rows (user, item, rating), user and item ids offset per copy,
# written to WORK/big.tsv (with the splits beside it).
# usage: bench/big.sh UDATA WORK
set -eu
python3 "$(dirname "$0")/splits.py" "$1" "$2"
awk -F'\t' 'NR == FNR { u[NR] = $1; i[NR] = $2; r[NR] = $3; n = NR; next }
	END { for (c = 0; c < 125; c++) for (k = 1; k <= n; k++)
		printf "%d\t%d\t%s\n", u[k] + c * 1000, i[k] + c * 2000, r[k] }' \
	"$2/time_train.tsv" /dev/null > "$2/big.tsv"
