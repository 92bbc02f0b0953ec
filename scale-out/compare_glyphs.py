#!/usr/bin/env python3
"""Compares two folders of glyph PNGs with the same names (Swift's and diffusers' drawings of the
same prompts and seeds): per glyph the largest difference in grey levels and the share of pixels
that differ. Exit 1 when a glyph differs by more than --max-level or in more than --max-share of
its pixels, or a file is missing."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngio import read_grey  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--max-level", type=int, default=1)
    p.add_argument("--max-share", type=float, default=0.005)
    args = p.parse_args()
    names = sorted(n for n in os.listdir(args.a) if n.endswith(".png"))
    if not names:
        sys.exit(f"compare_glyphs: no PNGs in {args.a}")
    worst, failed = 0, False
    for name in names:
        other = os.path.join(args.b, name)
        if not os.path.exists(other):
            print(f"compare_glyphs: {name} missing from {args.b}")
            failed = True
            continue
        a = read_grey(os.path.join(args.a, name)).astype(np.int32)
        b = read_grey(other).astype(np.int32)
        if a.shape != b.shape:
            print(f"compare_glyphs: {name}: {a.shape} against {b.shape}")
            failed = True
            continue
        diff = np.abs(a - b)
        share = float((diff > 0).mean())
        worst = max(worst, int(diff.max()))
        ok = diff.max() <= args.max_level and share <= args.max_share
        failed |= not ok
        print(f"{name}: max difference {diff.max()} levels, {100 * share:.2f} % of pixels differ"
              + ("" if ok else "  <- too different"))
    print(f"compare_glyphs: {len(names)} glyphs, largest difference {worst} levels")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
