#!/usr/bin/env python3
"""Compares two .npy arrays of samples (Swift's `generate --raw`, [n, s, s, 1], and
generate.py's --raw, [n, 1, s, s]: the same order for one channel): exit 1 when the largest
absolute difference exceeds --tolerance (default 1e-4)."""
import argparse
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    a, b = np.load(args.a), np.load(args.b)
    if a.size != b.size:
        sys.exit(f"compare_raw: {a.shape} against {b.shape}")
    diff = float(np.abs(a.reshape(-1) - b.reshape(-1)).max())
    print(f"compare_raw: {a.size} values, largest difference {diff:.2e} (tolerance {args.tolerance:.0e})")
    sys.exit(0 if diff <= args.tolerance else 1)


if __name__ == "__main__":
    main()
