#!/usr/bin/env python3
"""PyTorch CPU peer benchmark for `glyffuser bench ops --json`.

Prints one JSON line per op / shape / dtype / direction, e.g.
  {"op": "conv2d", "shape": "B32 C64 64x64 k3", "dtype": "f32", "direction": "fwd",
   "ms": 12.3, "gflops": 150.0, "layout": "nhwc"}

Pinned: torch 2.13.0+cpu (see scripts/requirements-dev.txt), torch.set_num_threads(2).
Timing: untimed warm-up calls, at least `--warmup` and then more while the warm-up has taken
less than `--warmup-ms` and fewer than WARMUP_MAX_CALLS calls; then the median of `--repeats`
timed calls. The Swift bench uses the same rule (BenchOps.swift), so a sub-millisecond line
gets 10 warm-up calls and a 100 ms one 2. On the 2-core VM the first calls of a sub-millisecond
line run 2-4x slower than later ones, in a plain C loop too (docs/BENCHMARKS.md), and 2 fixed
warm-up calls left the timing in that ramp.

KEYS (the Swift bench must emit exactly these op / shape / dtype / direction strings):
  dtype      "f32"  fp32; NCHW and channels_last are both measured, the faster is
                    printed (its layout in "layout": "nchw" | "nhwc").
             "bf16" torch.autocast("cpu", dtype=torch.bfloat16), faster layout likewise.
  direction  "fwd"      forward only (no autograd graph)
             "bwd"      backward only: gradients w.r.t. every input and parameter
                        (conv/linear: data + weights + bias), graph built once, untimed
             "fwd+bwd"  forward + backward
  op "conv2d"   shape "B{N} C{I}[->{O}] {H}x{W} k{K}[ s{S}]", padding K//2, bias on.
                gflops = 2·N·OH·OW·O·I·K² per direction pass (bwd counts 2×, fwd+bwd 3×).
  op "attention" shape "B{N} T{T} C{C} H{heads}[ L{L}]": q from N×T tokens, C channels,
                C/heads = 64 per head; self-attention (keys = T tokens) or, with L, cross-
                attention over L = 77 text tokens with a key-padding mask (the last
                quarter of each row's keys masked). Inputs are the projected q, k, v
                (projections are "linear" lines). gflops = 4·N·T·L·C (QKᵀ and PV) fwd.
  op "linear"   shape "B{N}x{T} {in}->{out}": x [N·T, in] @ Wᵀ + b. gflops = 2·N·T·in·out.
  op "groupnorm" shape "B{N} C{C} {H}x{W} G32": GroupNorm(32 groups, affine) then SiLU,
                as in every ResNet block. gflops null (memory bound).
  op "silu"     shape "B{N} C{C} {H}x{W}". gflops null.
  op "add"      shape "B{N} C{C} {H}x{W}": x + y, both requiring grad. gflops null.
                (PyTorch's add backward hands the incoming gradient through without a
                copy, so its "bwd" is ~0 ms.)
  For groupnorm / silu / add, "bf16" means bf16 tensors (autocast leaves these ops in
  fp32); conv2d / linear / attention keep fp32 leaves under autocast (mixed precision).

Usage: bench_ops.py [--ops conv2d,attention,...] [--dtypes f32,bf16] [--repeats 5]
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

CONV_SHAPES = [
    "B32 C64 64x64 k3", "B32 C128 32x32 k3", "B32 C256 16x16 k3",
    "B32 C64->128 32x32 k1", "B32 C128->256 16x16 k1",
    "B32 C64 64x64 k3 s2", "B32 C128 32x32 k3 s2",
]
ATTENTION_SHAPES = [
    "B32 T256 C256 H4", "B32 T1024 C128 H2",
    "B32 T256 C256 H4 L77", "B32 T1024 C128 H2 L77",
]
LINEAR_SHAPES = ["B32x1024 128->512", "B32x256 256->1024", "B32x77 768->256"]
MAP_SHAPES = ["B32 C64 64x64", "B32 C128 32x32", "B32 C256 16x16"]
DIRECTIONS = ["fwd", "bwd", "fwd+bwd"]


def parse_conv(key):
    p = key.split()
    n = int(p[0][1:])
    ch = p[1][1:].split("->")
    cin, cout = int(ch[0]), int(ch[-1])
    h, w = map(int, p[2].split("x"))
    k = int(p[3][1:])
    s = int(p[4][1:]) if len(p) > 4 else 1
    return n, cin, cout, h, w, k, s


def parse_map(key):
    p = key.split()
    h, w = map(int, p[2].split("x"))
    return int(p[0][1:]), int(p[1][1:]), h, w


WARMUP_MAX_CALLS = 10


def median_ms(fn, warmup, repeats):
    """warmup = (minimum calls, milliseconds): see the module docstring."""
    min_calls, budget_ms = warmup
    start = time.perf_counter()
    calls = 0
    while calls < min_calls or (
            calls < WARMUP_MAX_CALLS and (time.perf_counter() - start) * 1e3 < budget_ms):
        fn()
        calls += 1
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def measure(make, direction, dtype, warmup, repeats):
    """make() -> (forward: () -> outputs, inputs requiring grad). Returns ms."""
    forward, leaves = make()
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=(dtype == "bf16"))
    if direction == "fwd":
        def run():
            with torch.no_grad(), autocast:
                forward()
        return median_ms(run, warmup, repeats)
    if direction == "bwd":
        with autocast:
            out = forward()
        grad = torch.randn_like(out)

        def run():
            torch.autograd.grad(out, leaves, grad, retain_graph=True)
        return median_ms(run, warmup, repeats)

    grad = None

    def run():
        nonlocal grad
        with autocast:
            out = forward()
        if grad is None:
            grad = torch.randn_like(out)
        torch.autograd.grad(out, leaves, grad)
    return median_ms(run, warmup, repeats)


def conv_case(key, layout, dtype="f32"):
    n, cin, cout, h, w, k, s = parse_conv(key)
    fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
    g = torch.Generator().manual_seed(0)

    def make():
        x = torch.randn(n, cin, h, w, generator=g).to(memory_format=fmt).requires_grad_()
        wt = (torch.randn(cout, cin, k, k, generator=g) * 0.05).to(memory_format=fmt)
        wt.requires_grad_()
        b = torch.zeros(cout, requires_grad=True)
        return (lambda: F.conv2d(x, wt, b, stride=s, padding=k // 2)), (x, wt, b)
    oh = (h + 2 * (k // 2) - k) // s + 1
    ow = (w + 2 * (k // 2) - k) // s + 1
    return make, 2.0 * n * oh * ow * cout * cin * k * k


def attention_case(key, layout, dtype="f32"):
    p = key.split()
    n, t, c, heads = int(p[0][1:]), int(p[1][1:]), int(p[2][1:]), int(p[3][1:])
    keys = int(p[4][1:]) if len(p) > 4 else t
    d = c // heads
    g = torch.Generator().manual_seed(0)

    def make():
        q = torch.randn(n, heads, t, d, generator=g, requires_grad=True)
        k = torch.randn(n, heads, keys, d, generator=g, requires_grad=True)
        v = torch.randn(n, heads, keys, d, generator=g, requires_grad=True)
        mask = None
        if len(p) > 4:  # key padding: the last quarter of the text tokens is padding
            mask = torch.ones(n, 1, 1, keys, dtype=torch.bool)
            mask[..., keys - keys // 4:] = False
        return (lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)), (q, k, v)
    return make, 4.0 * n * t * keys * c


def linear_case(key, layout, dtype="f32"):
    p = key.split()
    n, t = map(int, p[0][1:].split("x"))
    fin, fout = map(int, p[1].split("->"))
    g = torch.Generator().manual_seed(0)

    def make():
        x = torch.randn(n * t, fin, generator=g, requires_grad=True)
        w = torch.randn(fout, fin, generator=g, requires_grad=True)
        b = torch.zeros(fout, requires_grad=True)
        return (lambda: F.linear(x, w, b)), (x, w, b)
    return make, 2.0 * n * t * fin * fout


def map_case(op):
    def case(key, layout, dtype="f32"):
        n, c, h, w = parse_map(key)
        fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
        g = torch.Generator().manual_seed(0)

        def make():
            t = torch.bfloat16 if dtype == "bf16" else torch.float32
            x = torch.randn(n, c, h, w, generator=g).to(t, memory_format=fmt).requires_grad_()
            if op == "groupnorm":
                wt = torch.ones(c, dtype=t, requires_grad=True)
                b = torch.zeros(c, dtype=t, requires_grad=True)
                return (lambda: F.silu(F.group_norm(x, 32, wt, b))), (x, wt, b)
            if op == "silu":
                return (lambda: F.silu(x)), (x,)
            y = torch.randn(n, c, h, w, generator=g).to(t, memory_format=fmt).requires_grad_()
            return (lambda: x + y), (x, y)
        return make, None
    return case


OPS = {
    "conv2d": (CONV_SHAPES, conv_case, ["nchw", "nhwc"]),
    "attention": (ATTENTION_SHAPES, attention_case, ["bhtd"]),
    "linear": (LINEAR_SHAPES, linear_case, ["rowmajor"]),
    "groupnorm": ([s + " G32" for s in MAP_SHAPES], map_case("groupnorm"), ["nchw", "nhwc"]),
    "silu": (MAP_SHAPES, map_case("silu"), ["nchw", "nhwc"]),
    "add": (MAP_SHAPES, map_case("add"), ["nchw", "nhwc"]),
}
PASSES = {"fwd": 1, "bwd": 2, "fwd+bwd": 3}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--dtypes", default="f32,bf16")
    ap.add_argument("--directions", default=",".join(DIRECTIONS))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--warmup-ms", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for op in args.ops.split(","):
        shapes, case, layouts = OPS[op]
        for shape in shapes:
            for dtype in args.dtypes.split(","):
                for direction in args.directions.split(","):
                    best = None
                    for layout in layouts:
                        make, flops = case(shape, layout, dtype)
                        ms = measure(make, direction, dtype, (args.warmup, args.warmup_ms),
                                     args.repeats)
                        if best is None or ms < best[0]:
                            best = (ms, layout, flops)
                    ms, layout, flops = best
                    gflops = None if flops is None else round(
                        flops * PASSES[direction] / (ms * 1e6), 1)
                    print(json.dumps({
                        "op": op, "shape": shape, "dtype": dtype, "direction": direction,
                        "ms": round(ms, 3), "gflops": gflops, "layout": layout,
                        "torch": torch.__version__, "threads": torch.get_num_threads(),
                    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
