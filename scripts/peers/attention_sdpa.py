# PyTorch peer for the fused attention kernels: same shapes as Tests/TensorsTests/AttentionBenchmarkTests.swift.
# Usage: $GLYFFUSER_VENV/bin/python scripts/peers/attention_sdpa.py [shape indices]  (torch 2.13.0+cpu, 2 threads)
import json, sys, time
import torch
import torch.nn.functional as F
torch.set_num_threads(2)
torch.manual_seed(0)
shapes = [  # (B, H, Lq, Lk, D, attended)
    (32, 4, 1024, 1024, 32, None),
    (32, 8, 1024, 1024, 64, None),
    (32, 4, 256, 256, 64, None),
    (32, 8, 256, 256, 32, None),
    (32, 4, 1024, 77, 32, 20),
    (32, 8, 256, 77, 32, 20),
    (32, 8, 256, 16, 32, None),
]
only = [int(a) for a in sys.argv[1:]] or range(len(shapes))
def best(fn, n=5):
    """Best wall and best process CPU time (all threads), ms."""
    fn()
    w, c = [], []
    for _ in range(n):
        s, cs = time.perf_counter(), time.process_time(); fn()
        w.append(time.perf_counter() - s); c.append(time.process_time() - cs)
    return round(min(w) * 1e3, 2), round(min(c) * 1e3, 2)
for idx in only:
    B, H, Lq, Lk, D, att = shapes[idx]
    for layout in ("bshd_view", "bhsd"):
        if layout == "bshd_view":  # tokens-major as a Linear produces it, transposed view (diffusers)
            mk = lambda L: torch.randn(B, L, H, D).transpose(1, 2)
        else:
            mk = lambda L: torch.randn(B, H, L, D)
        q, k, v = mk(Lq), mk(Lk), mk(Lk)
        mask = None
        if att is not None:
            mask = torch.zeros(B, 1, 1, Lk, dtype=torch.bool); mask[..., :att] = True
        with torch.no_grad():
            fwd = best(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
        qg, kg, vg = (t.detach().requires_grad_() for t in (q, k, v))
        go = torch.randn(B, H, Lq, D)
        def fb():
            o = F.scaled_dot_product_attention(qg, kg, vg, attn_mask=mask)
            o.backward(go)
        both = best(fb)
        name = f"b{B}_h{H}_q{Lq}_k{Lk}_d{D}" + (f"_mask{att}" if att else "")
        flops = 4 * B * H * Lq * Lk * D
        for d, (w, c), work in (("fwd", fwd, flops), ("fwd+bwd", both, 3.5 * flops)):
            print(json.dumps({"op": "attention", "shape": name, "layout": layout, "dir": d, "ms": w, "cpu_ms": c, "gflops": round(work / w / 1e6, 1)}))
