"""The CPU's practical matrix-product peak, fp32 and bf16, as PyTorch reaches it (2 threads).

Used in docs/BENCHMARKS.md to turn FLOP counts into a lower bound on step time: no engine on
this CPU does a U-Net training step faster than (its FLOPs) / (this rate), so a speed target
below that bound cannot be met by software. One JSON line per dtype:
  {"bench": "peak_gemm", "dtype": "bf16", "n": 2048, "gflops": ...}
Run: .venv/bin/python scripts/peers/peak_gemm.py   (torch pinned in scripts/requirements-dev.txt)
"""

import json
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)
for dtype, name in [(torch.float32, "f32"), (torch.bfloat16, "bf16")]:
    for n in (1024, 2048, 4096):
        a = torch.randn(n, n, dtype=dtype)
        b = torch.randn(n, n, dtype=dtype)
        for _ in range(2):
            a @ b
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t)
        print(json.dumps({"bench": "peak_gemm", "dtype": name, "n": n, "gflops": 2 * n**3 / best / 1e9}), flush=True)
