#!/bin/sh
# make bench: quality figures, then speed figures (see BENCHMARKS.md).
set -eu
dir=$(dirname "$0")
sh "$dir/quality.sh" "$@"
echo
sh "$dir/speed.sh" "$@"
