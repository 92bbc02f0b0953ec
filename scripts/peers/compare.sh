#!/usr/bin/env bash
# compare.sh ops BIN VENV — our engine vs PyTorch CPU, per op / shape / dtype / direction.
#
# Runs `BIN bench ops --json` and `VENV/bin/python scripts/peers/bench_ops.py`, joins their
# JSON lines on (op, shape, dtype, direction) and prints ours ms, torch ms and
# ratio = torch_ms / ours_ms (> 1: we are faster). The key strings are defined once, in the
# docstring at the top of scripts/peers/bench_ops.py.
#
# Environment:
#   BENCH_OPS_ARGS   extra arguments for bench_ops.py (e.g. "--ops conv2d --repeats 3")
#   OURS_ARGS        extra arguments for `bench ops` (e.g. "--ops conv2d")
#   ROUNDS           runs of each side, alternating ours / torch (default 1); each side's ms
#                    per line is the median over the rounds. On a shared VM one run of either
#                    side can be 20-40 % off on some lines (both sides drift); alternating
#                    rounds and medians keep one bad minute from deciding a ratio.
#   STAT             how a side's rounds combine per line: median (default) or min. This
#                    VM's slowdowns come in spells of tens of seconds that hit one side's
#                    round and not the other's; the minimum over alternating rounds is each
#                    side's time outside them (the same statistic for both sides).
#   OURS_JSON, TORCH_JSON  reuse saved outputs instead of running (either or both)
#   KEEP_DIR         directory to keep the raw outputs in (default: a temp dir, removed)
#   INTERLEAVE=op    within each round, run both sides op by op (OPS, default all six), the
#                    side that goes first alternating by round; OURS_ARGS and BENCH_OPS_ARGS
#                    must then not carry --ops. Without it each round runs each side's whole
#                    suite, so a slow spell lands on one side only.
#   OPS              the ops INTERLEAVE=op runs (default conv2d,attention,linear,groupnorm,silu,add)
set -euo pipefail

usage() { echo "usage: $0 ops BIN VENV" >&2; exit 2; }
[[ $# -eq 3 && "$1" == "ops" ]] || usage
BIN=$2
VENV=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PY="$VENV/bin/python"
[[ -x "$PY" ]] || { echo "compare.sh: no Python at $PY (make venv, or pass VENV)" >&2; exit 1; }

DIR=${KEEP_DIR:-$(mktemp -d)}
mkdir -p "$DIR"
[[ -n "${KEEP_DIR:-}" ]] || trap 'rm -rf "$DIR"' EXIT

ROUNDS=${ROUNDS:-1}
OPS=${OPS:-conv2d,attention,linear,groupnorm,silu,add}
# Saved outputs stand for every round of their side.
OURS_FILES=(${OURS_JSON:+"$OURS_JSON"})
TORCH_FILES=(${TORCH_JSON:+"$TORCH_JSON"})
# One side's run for the ops in $1 ("" = the arguments as given), appended to round $r's file.
run_ours() {
  [[ -x "$BIN" ]] || { echo "compare.sh: $BIN is not executable (make build)" >&2; exit 1; }
  local ops=()
  [[ -n "$1" ]] && ops=(--ops "$1")
  echo "round $r/$ROUNDS: $BIN bench ops --json ${OURS_ARGS:-} ${ops[*]}" >&2
  # shellcheck disable=SC2086
  "$BIN" bench ops --json ${OURS_ARGS:-} "${ops[@]}" >>"$DIR/ours.$r.jsonl"
}
run_torch() {
  local ops=()
  [[ -n "$1" ]] && ops=(--ops "$1")
  echo "round $r/$ROUNDS: bench_ops.py ${BENCH_OPS_ARGS:-} ${ops[*]}" >&2
  # shellcheck disable=SC2086
  "$PY" "$HERE/bench_ops.py" ${BENCH_OPS_ARGS:-} "${ops[@]}" >>"$DIR/torch.$r.jsonl"
}
for ((r = 1; r <= ROUNDS; r++)); do
  [[ -n "${OURS_JSON:-}" ]] || { : >"$DIR/ours.$r.jsonl"; OURS_FILES+=("$DIR/ours.$r.jsonl"); }
  [[ -n "${TORCH_JSON:-}" ]] || { : >"$DIR/torch.$r.jsonl"; TORCH_FILES+=("$DIR/torch.$r.jsonl"); }
  if [[ "${INTERLEAVE:-}" == op && -z "${OURS_JSON:-}${TORCH_JSON:-}" ]]; then
    # Both sides of an op run back to back, the side that goes first alternating by round:
    # a slow spell of the VM then lands on both sides of the lines it hits, where whole-suite
    # runs put it on one side only.
    for op in ${OPS//,/ }; do
      if ((r % 2)); then run_ours "$op"; run_torch "$op"; else run_torch "$op"; run_ours "$op"; fi
    done
  else
    [[ -n "${OURS_JSON:-}" ]] || run_ours ""
    [[ -n "${TORCH_JSON:-}" ]] || run_torch ""
  fi
done
OURS=$(IFS=,; echo "${OURS_FILES[*]}")
TORCH=$(IFS=,; echo "${TORCH_FILES[*]}")

case "${STAT:=median}" in median | min) ;; *) echo "compare.sh: STAT is median or min" >&2; exit 2 ;; esac
# Rounds per side = files per side (saved outputs may hold more rounds than ROUNDS says).
rounds() { local IFS=,; set -- $1; echo $#; }
echo "per line: the $STAT over $(rounds "$OURS") round(s) of ours, $(rounds "$TORCH") of torch" >&2

"$PY" - "$OURS" "$TORCH" "$STAT" <<'PYEOF'
import json, statistics, sys
combine = min if sys.argv[3] == "min" else statistics.median

def load(paths):
    """Lines of one side, keyed; `ms` is the median (or min) over the rounds that have it."""
    runs = {}
    for path in paths.split(","):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue  # progress text, warnings
                d = json.loads(line)
                runs.setdefault((d["op"], d["shape"], d["dtype"], d["direction"]), []).append(d)
    return {k: dict(v[0], ms=combine([d["ms"] for d in v])) for k, v in runs.items()}

ours, torch = load(sys.argv[1]), load(sys.argv[2])
keys = list(torch) + [k for k in ours if k not in torch]
print(f"{'op':<10} {'shape':<24} {'dtype':<5} {'direction':<9} {'ours ms':>10} {'torch ms':>10} {'ratio':>7}")
for k in keys:
    o, t = ours.get(k), torch.get(k)
    oms = f"{o['ms']:.3f}" if o else "-"
    tms = f"{t['ms']:.3f}" if t else "-"
    ratio = f"{t['ms'] / o['ms']:.2f}" if o and t and o["ms"] > 0 else "-"
    print(f"{k[0]:<10} {k[1]:<24} {k[2]:<5} {k[3]:<9} {oms:>10} {tms:>10} {ratio:>7}")
missing = [k for k in torch if k not in ours]
if missing:
    print(f"({len(missing)} torch lines have no matching line from our bench)", file=sys.stderr)
PYEOF
