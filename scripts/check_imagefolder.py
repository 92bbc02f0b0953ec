#!/usr/bin/env python3
"""Check that a glyffuser data set works with the Hugging Face ecosystem.

Usage: /work/venv/bin/python scripts/check_imagefolder.py data/glyphs-64 [--sample N]

1. `datasets.load_dataset("imagefolder", data_dir=DIR)` loads it, with the metadata.jsonl
   columns (caption, character, codepoint, split) attached to the images.
2. Every row's image (decoded by Pillow, an independent PNG decoder) equals the same glyph in
   glyphs.safetensors (read with the `safetensors` package), and the captions / code points
   in the shard's metadata match metadata.jsonl.
3. Counts match glyffuser-dataset.json.

Pinned versions: scripts/requirements-dev.txt (datasets==5.2.0).
"""

import argparse
import json
import pathlib
import sys

import numpy as np
from datasets import load_dataset
from safetensors import safe_open


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("--sample", type=int, default=0, help="check only N rows (0: all)")
    args = parser.parse_args()
    root = args.directory

    manifest = json.loads((root / "glyffuser-dataset.json").read_text())
    ds = load_dataset("imagefolder", data_dir=str(root), split="train")
    print(f"load_dataset: {ds.num_rows} rows, features {sorted(ds.features)}")
    expected_columns = {"image", "caption", "character", "codepoint", "split"}
    assert expected_columns <= set(ds.features), f"missing columns: {expected_columns - set(ds.features)}"
    assert ds.num_rows == manifest["count"], (ds.num_rows, manifest["count"])

    with safe_open(str(root / "glyphs.safetensors"), framework="numpy") as f:
        images = f.get_tensor("images")
        meta = json.loads(f.metadata()["glyffuser"])
    n, h, w = images.shape
    assert images.dtype == np.uint8 and n == manifest["count"] and h == w == manifest["size"]
    by_codepoint = {cp: i for i, cp in enumerate(meta["codepoints"])}

    rows = range(ds.num_rows) if args.sample == 0 else range(min(args.sample, ds.num_rows))
    splits = {"train": 0, "validation": 0}
    for r in rows:
        row = ds[r]
        cp = int(row["codepoint"][2:], 16)
        assert chr(cp) == row["character"], row
        i = by_codepoint[cp]
        assert meta["captions"][i] == row["caption"], (row, meta["captions"][i])
        assert meta["splits"][i] == row["split"], row
        pixels = np.asarray(row["image"].convert("L"))
        assert pixels.shape == (h, w), pixels.shape
        assert np.array_equal(pixels, images[i]), f"image of {row['codepoint']} differs from shard"
        splits[row["split"]] += 1
    print(f"checked {len(rows)} rows: PNG == shard, captions/splits agree; splits {splits}")
    if args.sample == 0:
        assert splits["train"] == manifest["trainCount"], splits
        assert splits["validation"] == manifest["validationCount"], splits
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
