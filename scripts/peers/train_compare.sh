#!/usr/bin/env bash
# Issue 7's correctness comparison (docs/RESULTS.md): the tiny preset from the same initial
# weights, trained 2,000 steps (batch 8, lr 5e-4, warm-up 100, cosine) by `glyffuser train` and
# by diffusers on PyTorch (scripts/peers/train_reference.py), one thread each, side by side;
# then both final models are evaluated by the same script on identical noise.
# Usage: scripts/peers/train_compare.sh DATASET_32PX OUT [BIN] [VENV]
set -euo pipefail
data=${1:?data set folder (32 px, caption cache encoded)}
out=${2:?output folder}
bin=${3:-.build/release/glyffuser}
venv=${4:-${GLYFFUSER_VENV:-.venv}}
mkdir -p "$out"
# `train --seed 0` draws its initial weights exactly as `init-model --seed 0` (Philox stream "init").
"$bin" init-model --preset tiny --seed 0 --out "$out/init"
OMP_NUM_THREADS=1 "$bin" train --preset tiny --dataset "$data" --out "$out/swift" --steps 2000 \
  --batch 8 --lr 5e-4 --warmup 100 --val-every 500 --sample-every 0 --checkpoint-every 2000 \
  --keep 1 --seed 0 --ema-decay 0.999 > "$out/swift.log" 2>&1 &
THREADS=1 "$venv/bin/python" scripts/peers/train_reference.py train --dataset "$data" \
  --init "$out/init" --out "$out/diffusers" --steps 2000 --batch 8 --lr 5e-4 --warmup 100 \
  --val-every 500 > "$out/diffusers.log" 2>&1 &
wait
"$venv/bin/python" scripts/peers/train_reference.py eval --dataset "$data" \
  "$out/swift/checkpoints/step-2000/unet" "$out/diffusers/unet" "$out/init" | tee "$out/eval.jsonl"
