#!/usr/bin/env bash
# The U-Net train/sample and per-op benchmarks of docs/BENCHMARKS.md, one job at a time on a
# quiet machine: ours vs diffusers / PyTorch, and the CPU's matrix-product peak (peak_gemm.py)
# that bounds them all. Raw output goes to OUT (default .build/bench/<date>, git-ignored).
# Env: BIN, VENV, OUT.
set -x
cd "$(dirname "$0")/../.."
B=${BIN:-.build/release/glyffuser}
V=${VENV:-${GLYFFUSER_VENV:-.venv}}/bin/python
O=${OUT:-.build/bench/$(date +%F)}
mkdir -p "$O"
$B init-model --preset tiny --text-dim 384 --out .build/bench-tiny
$B init-model --preset small --text-dim 384 --out .build/bench-small
{
  $B bench train --preset tiny --batch 32 --json
  $B bench train --preset tiny --batch 32 --precision f32 --json
  $V scripts/peers/bench_unet.py train --model .build/bench-tiny --batch 32
} > $O/train-tiny.jsonl 2>$O/train-tiny.err
{
  $B bench train --preset small --batch 32 --steps 3 --json
  $V scripts/peers/bench_unet.py train --model .build/bench-small --batch 32 --repeats 3 --warmup 1
} > $O/train-small.jsonl 2>$O/train-small.err
{
  $B bench sample --preset small --batch 16 --steps 20 --json
  $V scripts/peers/bench_unet.py sample --model .build/bench-small --batch 16
  $B bench sample --preset small --batch 1 --steps 20 --json
  $V scripts/peers/bench_unet.py sample --model .build/bench-small --batch 1
} > $O/sample-small.jsonl 2>$O/sample-small.err
ROUNDS=3 INTERLEAVE=op KEEP_DIR=$O/ops BENCH_OPS_ARGS="--dtypes f32,bf16" bash scripts/peers/compare.sh ops $B "${VENV:-${GLYFFUSER_VENV:-.venv}}" > $O/ops-compare.txt 2>$O/ops.err
# The same rounds with each side's minimum per line (STAT in compare.sh).
STAT=min OURS_JSON=$(ls $O/ops/ours.*.jsonl | paste -sd,) TORCH_JSON=$(ls $O/ops/torch.*.jsonl | paste -sd,) \
  bash scripts/peers/compare.sh ops $B "${VENV:-${GLYFFUSER_VENV:-.venv}}" > $O/ops-compare-min.txt 2>>$O/ops.err
$V scripts/peers/peak_gemm.py > $O/peak-gemm.jsonl 2>$O/peak-gemm.err
echo done > $O/DONE
