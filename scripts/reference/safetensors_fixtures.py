#!/usr/bin/env python3
"""safetensors interop fixtures for Tests/TensorsTests/IOSafeTensorsFixtureTests.swift.

Pinned: safetensors==0.8.0, torch==2.13.0+cpu (scripts/requirements-dev.txt). Seeded.

  generate (default): writes Tests/TensorsTests/Fixtures/safetensors/golden.safetensors with
      torch's save_file. Each converted tensor is stored next to the values it must decode to:
        bf16 = bf16_source.to(bfloat16),  bf16_as_f32 = bf16.float()  (torch's RNE rounding)
        f16  = f16_source.to(float16),    f16_as_f32  = f16.float()
        f64_as_f32 = f64.float(),  i32_as_i64 = i32.long(),  u8 = arange(256)
  --check-swift: reads Tests/TensorsTests/Fixtures/safetensors/swift_written.safetensors
      (written by Swift's SafeTensors.serialize, see the Swift test for how to regenerate)
      with the pinned Python package and checks every value against the same formulas the
      Swift test uses (swift_expected() below).

Run: /work/venv/bin/python scripts/reference/safetensors_fixtures.py [--check-swift]
"""

import argparse
import math
import struct
import sys
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

SEED = 20261126
ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "Tests/TensorsTests/Fixtures/safetensors"


def f32_from_bits(bits):
    return struct.unpack("<%df" % len(bits), struct.pack("<%dI" % len(bits), *bits))


def golden_tensors():
    g = torch.Generator().manual_seed(SEED)
    t = {}
    t["f32"] = torch.randn(3, 5, generator=g)
    t["f32_special"] = torch.tensor(
        [0.0, -0.0, math.inf, -math.inf, 1e-45, -3.4028234663852886e38, 1.5, -2.75]
    )
    t["scalar"] = torch.tensor(0.125)
    t["empty"] = torch.zeros(0, 3)

    # bf16 rounding cases: exact ties (low 16 bits 0x8000) with even and odd kept LSB,
    # just above/below ties, the largest float (rounds to inf), subnormals, plus random values.
    bf16_bits = [
        0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, 0x7F7FFFFF, 0xFF7FFFFF,
        0x00000001, 0x00018000, 0x80008000, 0x7F7F8000, 0x00000000, 0x80000000,
    ]
    bf16_src = torch.cat(
        [torch.tensor(f32_from_bits(bf16_bits)), torch.randn(52, generator=g) * 100]
    )
    t["bf16_source"] = bf16_src.reshape(4, 16)
    t["bf16"] = t["bf16_source"].to(torch.bfloat16)
    t["bf16_as_f32"] = t["bf16"].float()

    # f16 cases: overflow to inf, largest finite half, ties, half subnormals, underflow to 0.
    f16_special = [
        70000.0, 65504.0, 65519.0, 65520.0, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11,
        2.0**-24, 2.0**-25, 2.0**-26, 3 * 2.0**-25, 6.0e-8, -1e-9, 0.1, -0.1,
    ]
    f16_src = torch.cat([torch.tensor(f16_special), torch.randn(50, generator=g) * 10])
    t["f16_source"] = f16_src.reshape(8, 8)
    t["f16"] = t["f16_source"].to(torch.float16)
    t["f16_as_f32"] = t["f16"].float()

    t["f64"] = torch.randn(2, 3, generator=g, dtype=torch.float64) * 1e3
    t["f64_as_f32"] = t["f64"].float()
    t["i64"] = torch.tensor(
        [[-(2**63), 2**63 - 1, 0], [-1, 1, 123456789012345]], dtype=torch.int64
    )
    t["i32"] = torch.tensor([-(2**31), 2**31 - 1, 0, -7, 42], dtype=torch.int32)
    t["i32_as_i64"] = t["i32"].long()
    t["u8"] = torch.arange(256, dtype=torch.uint8).reshape(16, 16)
    t["bool"] = torch.tensor([True, False, False, True, True])
    return {k: v.contiguous() for k, v in t.items()}


METADATA = {
    "generator": "scripts/reference/safetensors_fixtures.py",
    "seed": str(SEED),
    "text": 'glyph 字 "quoted" \\ back\nslash',
}


def swift_expected():
    """The tensors Swift's interop test serialises (same formulas in the Swift test)."""
    f32 = [i * 0.25 - 3.0 for i in range(12)]
    return {
        "a.f32": ("F32", [3, 4], f32),
        "b.bf16": ("BF16", [2, 3], [1.0, -2.5, 3.140625, 0.0, -0.0, 65280.0]),
        "c.f16": ("F16", [5], [1.0, -2.5, 0.099975586, 65504.0, 2.0**-24]),
        "d.i64": ("I64", [4], [-(2**63), -1, 0, 2**63 - 1]),
        "e.u8": ("U8", [2, 2], [0, 1, 128, 255]),
        "f.i32": ("I32", [3], [-(2**31), 7, 2**31 - 1]),
        "g.f64": ("F64", [2], [0.1, -1e300]),
        "h.bool": ("BOOL", [3], [True, False, True]),
        "i.scalar": ("F32", [], [42.0]),
        "j.empty": ("F32", [0, 4], []),
        "unicode 字": ("U8", [1], [7]),
    }, {"format": "pt", "note": 'from "Swift" \\ 字\n'}


DTYPES = {
    "F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64,
    "U8": torch.uint8, "I32": torch.int32, "F64": torch.float64, "BOOL": torch.bool,
}


def check_swift():
    path = OUT_DIR / "swift_written.safetensors"
    expected, metadata = swift_expected()
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0, "data buffer must start 8-byte aligned"
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata() == metadata, f.metadata()
        assert sorted(f.keys()) == sorted(expected), f.keys()
        for name, (dtype, shape, values) in expected.items():
            t = f.get_tensor(name)
            assert t.dtype == DTYPES[dtype], (name, t.dtype)
            assert list(t.shape) == shape, (name, t.shape)
            want = torch.tensor(values, dtype=DTYPES[dtype]).reshape(shape)
            assert torch.equal(t, want), (name, t, want)
    print(f"ok: {path.relative_to(ROOT)} read by safetensors, {len(expected)} tensors match")


def generate():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / "golden.safetensors"
    save_file(golden_tensors(), str(path), metadata=METADATA)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-swift", action="store_true")
    args = ap.parse_args()
    check_swift() if args.check_swift else generate()
    sys.exit(0)
