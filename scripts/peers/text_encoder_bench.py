"""Peer benchmark for `glyffuser encode`: the same work with transformers on PyTorch CPU.

Encodes every distinct caption of a data set's metadata.jsonl (plus the empty prompt) with
all-MiniLM-L6-v2 from the encoder cache, as `glyffuser encode` does: BertTokenizer (fast),
max_length 77 with truncation, batches of 64 captions sorted by token count, last hidden states
copied out without padding. (sentence-transformers runs this same BertModel forward and then
mean-pools; it is not installed here, so this script calls transformers directly.)

Pinned: torch==2.13.0+cpu, transformers==5.24.0. Run:
  /work/venv/bin/python scripts/peers/text_encoder_bench.py DATASET_DIR [--threads 2] [--batch 64]
"""
import argparse
import json
import os
import resource
import time
from pathlib import Path

import torch
from transformers import BertModel, BertTokenizerFast

p = argparse.ArgumentParser()
p.add_argument("dataset")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--max-length", type=int, default=77)
args = p.parse_args()
torch.set_num_threads(args.threads)

folder = Path(os.environ.get("GLYFFUSER_ENCODERS", Path.home() / ".cache/glyffuser/encoders")) / "all-MiniLM-L6-v2"
captions = [json.loads(l)["caption"] for l in open(Path(args.dataset) / "metadata.jsonl") if l.strip()]
texts = list(dict.fromkeys(captions + [""]))

t0 = time.perf_counter()
c0 = time.process_time()
tok = BertTokenizerFast(str(folder / "vocab.txt"))
model = BertModel.from_pretrained(str(folder)).eval()
t_load = time.perf_counter() - t0
ids = tok(texts, truncation=True, max_length=args.max_length)["input_ids"]
order = sorted(range(len(texts)), key=lambda i: (-len(ids[i]), i))
states = [None] * len(texts)
tokens = 0
with torch.inference_mode():
    for s in range(0, len(order), args.batch):
        batch = order[s : s + args.batch]
        L = max(len(ids[i]) for i in batch)
        x = torch.zeros(len(batch), L, dtype=torch.long)
        m = torch.zeros(len(batch), L, dtype=torch.long)
        for b, i in enumerate(batch):
            x[b, : len(ids[i])] = torch.tensor(ids[i])
            m[b, : len(ids[i])] = 1
        h = model(input_ids=x, attention_mask=m).last_hidden_state
        for b, i in enumerate(batch):
            states[i] = h[b, : len(ids[i])].clone()
            tokens += len(ids[i])
wall = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({
    "peer": f"transformers {__import__('transformers').__version__} / torch {torch.__version__}",
    "threads": args.threads, "captions": len(captions), "distinct": len(texts), "tokens": tokens,
    "load_s": round(t_load, 2), "total_wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
    "captions_per_s": round(len(texts) / wall, 1), "loadavg": os.getloadavg()[0],
}))
