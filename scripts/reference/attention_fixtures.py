#!/usr/bin/env python3
"""Golden values for the fused attention kernels (Tests/TensorsTests/AttentionGoldenTests.swift).

Writes Tests/TensorsTests/Fixtures/attention/attention_golden.safetensors with, for each case
prefix ("masked.", "cross."):
  q [B, Lq, H, D], k, v [B, Lk, H, D], mask [B, Lk] (U8, 1 = attend), grad_out [B, Lq, H, D],
  out [B, Lq, H, D], logsumexp [B, H, Lq], dq, dk, dv  (all F32 except mask).
Inputs are drawn in float32 (seeded); outputs come from
torch.nn.functional.scaled_dot_product_attention evaluated in float64 on those exact inputs
(heads moved to dim 1 by a transposed view, as diffusers does), then rounded to float32.

Pinned: torch 2.13.0 (CPU), safetensors (scripts/requirements-dev.txt).
Run: /work/venv/bin/python scripts/reference/attention_fixtures.py   (or $GLYFFUSER_VENV/bin/python)
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file

assert torch.__version__.startswith("2.13.0"), f"pinned torch 2.13.0, found {torch.__version__}"

CASES = {
    # name: (B, H, Lq, Lk, D, attended keys per batch element)
    "masked": (2, 3, 5, 7, 12, [[1, 0, 1, 1, 0, 1, 1], [0, 1, 1, 1, 1, 1, 0]]),
    # cross-attention-like: 77 text tokens, a different number attended per batch element,
    # lengths not multiples of the 64 tile, D not a multiple of 8.
    "cross": (2, 1, 66, 77, 20, [[1] * 20 + [0] * 57, [1] * 9 + [0] * 68]),
}


def case(gen, b, h, lq, lk, d, mask_rows):
    rnd = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float32)
    q, k, v, go = rnd(b, lq, h, d), rnd(b, lk, h, d), rnd(b, lk, h, d), rnd(b, lq, h, d)
    mask = torch.tensor(mask_rows, dtype=torch.uint8)
    q64, k64, v64 = (t.double().requires_grad_() for t in (q, k, v))
    attn_mask = mask.bool()[:, None, None, :]  # [B, 1, 1, Lk], True = attend
    heads_first = lambda t: t.transpose(1, 2)  # [B, L, H, D] -> [B, H, L, D] view
    out = F.scaled_dot_product_attention(
        heads_first(q64), heads_first(k64), heads_first(v64), attn_mask=attn_mask
    ).transpose(1, 2)
    out.backward(go.double())
    scores = heads_first(q64).detach() @ heads_first(k64).detach().transpose(-1, -2) / d**0.5
    lse = torch.logsumexp(scores.masked_fill(~attn_mask, float("-inf")), dim=-1)  # [B, H, Lq]
    f32 = lambda t: t.detach().float().contiguous().numpy()
    return {
        "q": f32(q), "k": f32(k), "v": f32(v), "mask": mask.numpy(), "grad_out": f32(go),
        "out": f32(out), "logsumexp": f32(lse),
        "dq": f32(q64.grad), "dk": f32(k64.grad), "dv": f32(v64.grad),
    }


def main():
    gen = torch.Generator().manual_seed(20_231_126)
    tensors = {}
    for name, (b, h, lq, lk, d, mask_rows) in CASES.items():
        for key, value in case(gen, b, h, lq, lk, d, mask_rows).items():
            tensors[f"{name}.{key}"] = value
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "Tests/TensorsTests/Fixtures/attention/attention_golden.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(tensors, path, metadata={"generator": "scripts/reference/attention_fixtures.py"})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
