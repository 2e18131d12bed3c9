#!/bin/sh
# make bench: quality figures, then speed figures (see BENCHMARKS.md).
set -eu
dir=$(dirname "$0")
sh "$dir/quality.sh" "$@"
echo
udata=${2:-$dir/../../shared/data}/ml-100k/u.data
if [ -r "$udata" ]; then
	python3 "$dir/replay.py" "$1" "$udata"
else
	echo "replay: $udata not found, skipped"
fi
echo
sh "$dir/drift.sh" "$1"
echo
sh "$dir/speed.sh" "$@"
