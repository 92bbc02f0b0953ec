#!/usr/bin/env python3
"""Markdown tables of `make bench-train` / `make bench-sample`, from the JSON lines of one run.

Reads, on stdin, the lines of `glyffuser bench train|sample --json` (ours, one per precision:
auto, f32, bf16) and of `scripts/peers/bench_unet.py` (diffusers, one per dtype and layout), and
prints for each preset and batch one table: every configuration's time, and the ratio
ours-chosen (auto) / peer-best as peer time / our time (above 1: we are faster). The heading
names the CPU, its ISA flags, the commit and the command, so the table can go into
docs/BENCHMARKS.md as it is.
Usage: ... | unet_table.py --command "make bench-train"
"""
import argparse
import datetime
import json
import subprocess
import sys
from collections import OrderedDict


def commit():
    try:
        c = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return c + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def seconds(row):
    return row["s_per_unet_eval"] if row["bench"] == "sample" else row["step_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--command", default="make bench-train")
    args = ap.parse_args()
    rows = [json.loads(line) for line in sys.stdin if line.strip().startswith("{")]
    ours = [r for r in rows if "peer" not in r]
    if not ours:
        sys.exit("unet_table.py: no lines from glyffuser bench on stdin")
    machine = ours[0]
    print(f"CPU: {machine.get('cpu') or 'unknown'} ({', '.join(machine.get('isa', []))}), "
          f"{machine.get('threads', '?')} threads; commit `{commit()}`, "
          f"{datetime.date.today().isoformat()}; `{args.command}`.\n")
    groups = OrderedDict()
    for r in rows:
        preset = r.get("preset", "?")
        groups.setdefault((r["bench"], preset, r["batch"]), []).append(r)
    for (bench, preset, batch), group in groups.items():
        unit = ("s per U-Net eval (2×batch with guidance; img/s over the whole sampling)"
                if bench == "sample" else "s per step")
        print(f"{bench} `{preset}`, batch {batch}, {unit}:\n")
        print("| side | configuration | time | img/s | peak RSS MiB |")
        print("|---|---|---|---|---|")
        chosen = None
        peer_best = None
        for r in group:
            if "peer" in r:
                config = f"{r['dtype']} {'channels_last' if r['layout'] == 'nhwc' else 'NCHW'}"
                side = "diffusers"
                if peer_best is None or seconds(r) < seconds(peer_best):
                    peer_best = r
            else:
                precision = r.get("precision") or r.get("dtype")
                requested = r.get("requested", "")
                config = f"{precision} (auto)" if requested == "auto" else precision
                side = "ours"
                if requested == "auto":
                    chosen = r
            rate = r.get("img_per_s")
            rate = f"{rate:.1f}" if rate is not None else "—"
            print(f"| {side} | {config} | {seconds(r):.4f} | {rate} | {r.get('peak_rss_mib', '—')} |")
        if chosen and peer_best:
            ratio = seconds(peer_best) / seconds(chosen)
            print(f"\nours-chosen ÷ peer-best: **{ratio:.2f}×** faster "
                  f"(peer best: {peer_best['dtype']} {peer_best['layout']})\n")
        else:
            print()
        if bench == "sample" and preset == "tiny" and chosen:
            glyphs = chosen.get("img_per_s")
            if glyphs is not None:
                print(f"`tiny`, batch {batch}, {chosen.get('steps', 20)} steps with guidance: "
                      f"{glyphs:.1f} glyphs/s\n")


if __name__ == "__main__":
    main()
