#!/usr/bin/env python3
"""Draw glyphs with diffusers from a folder of `glyffuser export-diffusers` (GlyffuserPipeline).

The same seed gives the Swift pipeline's glyphs (see glyffuser_pipeline.py for the recipe).
Writes a PNG grid, with --out-dir each glyph as `glyffuser generate --out-dir` names it, and
with --raw the final samples as a .npy array ([count, 1, size, size]).
Needs the packages of scale-out/requirements.txt.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
from diffusers import (DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler,
                       EulerAncestralDiscreteScheduler, EulerDiscreteScheduler,
                       HeunDiscreteScheduler, UniPCMultistepScheduler)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glyffuser_pipeline import GlyffuserPipeline  # noqa: E402
from pngio import write_grey  # noqa: E402

SAMPLERS = {
    "ddpm": DDPMScheduler,
    "ddim": DDIMScheduler,
    "euler": EulerDiscreteScheduler,
    "heun": HeunDiscreteScheduler,
    "unipc": UniPCMultistepScheduler,
    "dpmpp-2m": DPMSolverMultistepScheduler,
    "euler-a": EulerAncestralDiscreteScheduler,
}


def pixels(x):
    """Samples in [−1, 1] as bytes, as Glyffuser writes them: round((x + 1)·127.5), 0…255."""
    return ((x[:, 0].numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)


def grid(images):
    """The glyphs side by side in a square grid on white."""
    n, s, _ = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    canvas = np.full((rows * s, cols * s), 255, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[r * s:(r + 1) * s, c * s:(c + 1) * s] = images[i]
    return canvas


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", help="a folder written by `glyffuser export-diffusers`")
    p.add_argument("--prompt", required=True)
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--guidance", type=float, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sampler", default="dpmpp-2m", choices=sorted(SAMPLERS))
    p.add_argument("--out", default="glyphs.png", help="the grid PNG")
    p.add_argument("--out-dir", help="also each glyph as <prompt>-<seed>.png, as glyffuser generate --out-dir")
    p.add_argument("--raw", help="also the final samples as .npy ([count, 1, size, size])")
    a = p.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    pipe = GlyffuserPipeline.from_pretrained(a.folder, torch_dtype=torch.float32)
    pipe.scheduler = SAMPLERS[a.sampler].from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    x = pipe(a.prompt, num_images=a.count, steps=a.steps, guidance=a.guidance, seed=a.seed)
    images = pixels(x)
    write_grey(a.out, grid(images))
    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
        for i, image in enumerate(images):
            write_grey(os.path.join(a.out_dir, f"{a.prompt}-{a.seed + i}.png"), image)
    if a.raw:
        np.save(a.raw, x.numpy())
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
