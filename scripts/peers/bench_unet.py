#!/usr/bin/env python3
"""PyTorch/diffusers peer for `glyffuser bench sample` and `glyffuser bench train`.

Loads the U-Net config a Swift `glyffuser init-model --text-dim D --out DIR` wrote (same
architecture, diffusers UNet2DConditionModel) and times on PyTorch CPU, 2 threads:
  sample: one U-Net evaluation with classifier-free guidance (batch 2B), median of N
  train:  forward + MSE + backward + clip_grad_norm_ + AdamW step at batch B
for fp32 and bf16 autocast, each in NCHW and channels_last. Prints one JSON line per dtype and
layout with the same fields as the Swift side, plus peak RSS (ru_maxrss) of this process so far.

Pinned: torch==2.13.0+cpu, diffusers==0.42.1 (scripts/requirements-dev.txt).
Usage: bench_unet.py sample|train --model DIR --batch 16 [--tokens 16] [--repeats 5]
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
from diffusers import UNet2DConditionModel


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["sample", "train"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--dtypes", default="f32,bf16")
    ap.add_argument("--preset", help="name for the output (default: the model folder, less bench-)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    config = UNet2DConditionModel.load_config(args.model)
    model = UNet2DConditionModel.from_config(config)
    s, d = config["sample_size"], config["encoder_hid_dim"] or config["cross_attention_dim"]
    b = args.batch * (2 if args.mode == "sample" else 1)
    x = torch.randn(b, 1, s, s)
    text = torch.randn(b, args.tokens, d)
    mask = torch.ones(b, args.tokens)
    t = torch.randint(0, 1000, (b,))
    preset = args.preset or os.path.basename(os.path.normpath(args.model)).removeprefix("bench-")
    for dtype in args.dtypes.split(","):
        for layout in ["nchw", "nhwc"]:
            fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
            m = model.to(memory_format=fmt)
            xi = x.to(memory_format=fmt)
            ctx = (torch.autocast("cpu", dtype=torch.bfloat16) if dtype == "bf16"
                   else torch.autocast("cpu", enabled=False))
            if args.mode == "sample":
                m.eval()

                def step():
                    with torch.no_grad(), ctx:
                        m(xi, t, encoder_hidden_states=text, encoder_attention_mask=mask)
            else:
                m.train()
                opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
                eps = torch.randn_like(xi)

                def step():
                    with ctx:
                        out = m(xi, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
                        loss = torch.nn.functional.mse_loss(out.float(), eps)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
                    opt.step()
            sec = timed(step, args.warmup, args.repeats)
            row = {"bench": args.mode, "peer": "diffusers", "preset": preset,
                   "batch": args.batch, "dtype": dtype, "layout": layout,
                   "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
            if args.mode == "sample":
                row["s_per_unet_eval"] = sec
            else:
                row["step_s"] = sec
                row["img_per_s"] = args.batch / sec
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
