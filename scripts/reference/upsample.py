"""Golden values for GlyphUpsample (Tests/DiffusionTests/SuperResolutionTests.swift): PyTorch's
F.interpolate(align_corners=False), bilinear and bicubic, of a seeded 2 × 5 × 5 input by 4.

Pinned: torch==2.13.0+cpu (scripts/requirements-dev.txt).
Run:   .venv/bin/python scripts/reference/upsample.py
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DiffusionTests", "Fixtures", "upsample.json")


def main():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, 5, 5, generator=g) * 255
    out = {"input": x.flatten().tolist(), "side": 5, "factor": 4}
    for mode in ["bilinear", "bicubic"]:
        y = F.interpolate(x.double(), scale_factor=4, mode=mode, align_corners=False)
        out[mode] = y.flatten().tolist()
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
