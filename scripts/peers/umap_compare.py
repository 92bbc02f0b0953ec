"""Peer check for our UMAP (`Sources/Explain/UMAP`): umap-learn on the same data set.

Loads DATASET/glyphs.safetensors (uint8 images [N, S, S], as `GlyphDataset` reads it), turns
each glyph into S·S ink features 1 − pixel/255 (what `DatasetEmbedding.features` uses), runs
umap-learn with the figures' parameters (n_neighbors 15, min_dist 0.1, spread 1, n_epochs
default = 200 above 10,000 points, learning_rate 1, negative_sample_rate 5, euclidean,
spectral init, random_state = --seed) and times the fit after a small warm-up fit, so numba's
compilation is not counted (its time is printed separately). Then computes sklearn's
trustworthiness (k = 10) of umap-learn's embedding and of ours (OURS_DIR/umap-embedding.safetensors,
written by `glyffuser explain dataset-map` or the UMAPBenchmark test) on the same random subset of
--subset points (default 5,000: sklearn's trustworthiness holds n × n distance matrices, 3.4 GB
at n = 20,500), and prints one JSON line for each.

Note: with random_state set, umap-learn optimises the layout on one thread (its parallel SGD is
not reproducible); its NN-descent still uses numba's threads. --parallel drops random_state.
--exact-knn hands umap-learn the exact k-NN graph (what ours computes) instead of NN-descent's
approximate one, to separate the graph's effect from the layout's.

Pinned: umap-learn==0.5.12 (numba 0.68.1, pynndescent 0.7.0, scikit-learn 1.9.1, scipy 1.17.1).
Run:
  /work/venv/bin/python scripts/peers/umap_compare.py DATASET_DIR --ours OURS_DIR [--threads 2]
  /work/venv/bin/python scripts/peers/umap_compare.py --ab   # find_ab_params for the tests
  ... --ours OURS_DIR --skip-umap-learn --radicals /usr/share/unicode/Unihan_IRGSources.txt.bz2
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument("dataset", nargs="?")
p.add_argument("--ours", help="folder holding our umap-embedding.safetensors")
p.add_argument("--subset", type=int, default=5000)
p.add_argument("--seed", type=int, default=0, help="umap-learn's random_state")
p.add_argument("--subset-seed", type=int, default=0, help="seed of the scored subset")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--parallel", action="store_true", help="no random_state: parallel SGD")
p.add_argument("--skip-umap-learn", action="store_true", help="only score ours")
p.add_argument("--save", help="write umap-learn's embedding here (.npy)")
p.add_argument("--exact-knn", action="store_true",
               help="give umap-learn the exact 15-NN graph (sklearn brute force) instead of NN-descent")
p.add_argument("--ab", action="store_true", help="print find_ab_params for the tests and exit")
p.add_argument("--radicals", metavar="Unihan_IRGSources.txt.bz2",
               help="with --ours: k-means (3) of our map, and how glyphs of some radicals fall in it")
args = p.parse_args()
os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

import numpy as np  # noqa: E402  (after the thread settings)
from safetensors import safe_open  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
import umap  # noqa: E402
from umap.umap_ import find_ab_params  # noqa: E402

if args.ab:
    for spread, min_dist in [(1.0, 0.1), (1.0, 0.5)]:
        a, b = find_ab_params(spread, min_dist)
        print(json.dumps({"spread": spread, "min_dist": min_dist, "a": a, "b": b}))
    sys.exit(0)
if not args.dataset:
    p.error("DATASET_DIR is required")

with safe_open(str(Path(args.dataset) / "glyphs.safetensors"), "np") as f:
    images = f.get_tensor("images")
n, s, _ = images.shape
X = (1.0 - images.reshape(n, s * s).astype(np.float32) / 255.0).astype(np.float32)
subset = np.sort(np.random.default_rng(args.subset_seed).choice(n, size=min(args.subset, n), replace=False))


def score(embedding):
    return float(trustworthiness(X[subset], embedding[subset], n_neighbors=10))


params = dict(n_neighbors=15, min_dist=0.1, spread=1.0, n_epochs=None, learning_rate=1.0,
              negative_sample_rate=5, metric="euclidean", init="spectral")
common = {"n": int(n), "size": int(s), "subset": int(len(subset)), "k": 10}

if not args.skip_umap_learn:
    state = None if args.parallel else args.seed
    t0 = time.perf_counter()
    warm = np.random.default_rng(1).choice(n, size=min(600, n), replace=False)
    umap.UMAP(**params, random_state=state).fit(X[warm])
    warmup = time.perf_counter() - t0
    t0 = time.perf_counter()
    extra = {}
    if args.exact_knn:
        from sklearn.neighbors import NearestNeighbors
        dist, idx = NearestNeighbors(n_neighbors=15, algorithm="brute").fit(X).kneighbors(X)
        extra["precomputed_knn"] = (idx.astype(np.int32), dist.astype(np.float32), None)
    Y = umap.UMAP(**params, random_state=state, **extra).fit_transform(X)
    seconds = time.perf_counter() - t0
    if args.save:
        np.save(args.save, Y)
    print(json.dumps({"impl": "umap-learn " + umap.__version__, "seed": args.seed,
                      "seconds": round(seconds, 1),
                      "warmup_seconds": round(warmup, 1), "threads": args.threads,
                      "parallel_sgd": args.parallel, "exact_knn": args.exact_knn,
                      "trustworthiness": round(score(Y), 4),
                      **common}), flush=True)

if args.ours:
    path = Path(args.ours) / "umap-embedding.safetensors"
    with safe_open(str(path), "np") as f:
        ours = f.get_tensor("embedding")
        meta = f.metadata() or {}
    if ours.shape[0] != n:
        sys.exit(f"{path}: {ours.shape[0]} points, data set has {n}")
    seed = json.loads(meta.get("parameters", "{}")).get("seed")
    print(json.dumps({"impl": "glyffuser", "seed": seed,
                      "seconds": float(meta.get("fit_seconds", "nan")),
                      "threads": int(meta.get("threads", "0")),
                      "trustworthiness": round(score(ours), 4), **common}), flush=True)

    if args.radicals:
        # Which of the map's clusters hold glyphs whose radical sits on the left (left-right
        # compositions) or on top (top-bottom ones); radicals from Unihan kRSUnicode.
        import bz2
        from sklearn.cluster import KMeans
        with safe_open(str(Path(args.dataset) / "glyphs.safetensors"), "np") as f:
            codepoints = json.loads(f.metadata()["glyffuser"])["codepoints"]
        radical = {}
        for line in bz2.open(args.radicals, "rt", encoding="utf-8"):
            if "\tkRSUnicode\t" in line:
                cp, _, value = line.rstrip("\n").split("\t")
                radical[int(cp[2:], 16)] = int(value.split()[0].split(".")[0].rstrip("'\""))
        r = np.array([radical.get(c, 0) for c in codepoints])
        labels = KMeans(3, n_init=10, random_state=0).fit(ours).labels_
        print(json.dumps({"clusters": np.bincount(labels).tolist()}))
        names = {85: "氵", 64: "扌", 9: "亻", 30: "口", 75: "木", 120: "糸", 149: "言", 167: "金",
                 140: "艹", 118: "⺮", 40: "宀", 173: "雨", 61: "心", 72: "日", 86: "火"}
        for number, name in names.items():
            counts = np.bincount(labels[r == number], minlength=3).tolist()
            print(json.dumps({"radical": number, "name": name, "per_cluster": counts},
                             ensure_ascii=False))
