#!/bin/sh
# make bench: every figure of BENCHMARKS.md, in one run on this machine.
# The MovieLens parts read ../shared/data at run time and are skipped
# without it.  usage: bench/run.sh BINDIR [DATADIR]
set -eu
dir=$(dirname "$0")
bin=$1
data=${2:-$dir/../../shared/data}
ml=$data/ml-100k
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "== AUC on MovieLens-100k splits (bench/quality.sh)"
sh "$dir/quality.sh" "$bin" "$data"
echo
echo "== rec-eval --compare and curves (bench/eval_compare.sh)"
sh "$dir/eval_compare.sh" "$bin" "$data"
echo
echo "== threads (bench/threads.sh)"
sh "$dir/threads.sh" "$bin" "$data"
echo
echo "== distillation (bench/distill.sh)"
sh "$dir/distill.sh" "$bin" "$data"
echo
echo "== continuous learning: checkpoints and reloads (bench/live.sh)"
sh "$dir/live.sh" "$bin" "$data"
echo
echo "== day-by-day replay (bench/replay.py)"
if [ -r "$ml/u.data" ]; then
	python3 "$dir/replay.py" "$bin" "$ml/u.data"
else
	echo "skipped: $ml/u.data not found"
fi
echo
echo "== which strategy: update, fine-tune or retrain (bench/strategies.py)"
# the plots are aggregated AUCs only, the same on every run
python3 "$dir/strategies.py" "$bin" "$data" --svg-dir "$dir/figures"
echo
echo "== forgetting on a drifting stream (bench/drift.sh)"
sh "$dir/drift.sh" "$bin"
echo
echo "== top-k quality (bench/implicit.py)"
if [ -r "$ml/ua.base" ]; then
	python3 "$dir/implicit.py" "$bin" "$ml"
else
	echo "skipped: $ml/ua.base not found"
fi
echo
echo "== throughput on 10M rows (bench/speed.sh)"
sh "$dir/speed.sh" "$bin" "$data"
echo
echo "== smaller models: --save-precision 32, 16, 8 (bench/precision.sh)"
sh "$dir/precision.sh" "$bin" "$data"
echo
echo "== top-k speed (bench/topk_speed.sh)"
sh "$dir/topk_speed.sh" "$bin"
echo
echo "== side features: quality (bench/features.sh)"
sh "$dir/features.sh" "$bin" "$data"
echo
echo "== side features: speed against Vowpal Wabbit (bench/features_speed.sh)"
# VW is built outside the repository (see BENCHMARKS.md); VW=path names it
LRQFA_ROWS=${LRQFA_ROWS:-1000000} sh "$dir/features_speed.sh" "$bin" "${VW:-}"
echo
echo "== item-item model: quality, numpy check, --max-items (bench/ease.py)"
if [ -r "$ml/ua.base" ]; then
	# numpy comes from Debian's python3-numpy: the system interpreter
	py=python3
	python3 -c 'import numpy' 2>/dev/null || py=/usr/bin/python3
	python3 "$dir/ease.py" "$bin" "$ml" "$py" "$data/ml-latest-small"
	python3 "$dir/implicit.py" "$bin" "$ml" --model ease
	python3 "$dir/replay.py" "$bin" "$ml/u.data" --task implicit --model ease
	python3 "$dir/replay.py" "$bin" "$ml/u.data" --task implicit
else
	echo "skipped: $ml/ua.base not found"
fi
echo
echo "== item-item model: speed and memory (bench/ease_speed.sh)"
sh "$dir/ease_speed.sh" "$bin" "$data"
