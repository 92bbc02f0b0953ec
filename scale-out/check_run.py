#!/usr/bin/env python3
"""Checks a run of scale-out/train.py with several processes: every process drew batches, no
data index was drawn by two processes in the same epoch, the metrics cover steps 1…N in order,
and the loss fell (the mean of the last five steps below 70 % of the first five's)."""
import collections
import glob
import json
import sys


def main(run, steps):
    drawn = collections.defaultdict(dict)  # epoch → index → rank
    ranks = sorted(glob.glob(f"{run}/ranks/rank-*.txt"))
    if len(ranks) < 2:
        sys.exit(f"check_run: {len(ranks)} rank files (expected one per process, at least 2)")
    for path in ranks:
        rank = path.rsplit("-", 1)[1][:-4]
        lines = open(path).read().split("\n")[:-1]
        if not lines:
            sys.exit(f"check_run: rank {rank} drew nothing")
        for line in lines:
            epoch, _step, *indices = line.split()
            for i in indices:
                other = drawn[epoch].setdefault(i, rank)
                if other != rank:
                    sys.exit(f"check_run: index {i} drawn by ranks {other} and {rank} in epoch {epoch}")
    metrics = [json.loads(line) for line in open(f"{run}/metrics.jsonl")]
    if [m["step"] for m in metrics] != list(range(1, steps + 1)):
        sys.exit(f"check_run: metrics.jsonl steps {[m['step'] for m in metrics]}")
    first = sum(m["loss"] for m in metrics[:5]) / 5
    last = sum(m["loss"] for m in metrics[-5:]) / 5
    if not last < 0.7 * first:
        sys.exit(f"check_run: the loss did not fall: {first:.4f} → {last:.4f}")
    print(f"check_run: {len(ranks)} processes drew disjoint data; loss {first:.4f} → {last:.4f} over {steps} steps")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
