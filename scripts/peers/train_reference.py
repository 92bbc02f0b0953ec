#!/usr/bin/env python3
"""The reference training run for issue 7's correctness check: diffusers on PyTorch CPU.

Trains a diffusers `UNet2DConditionModel`, loaded from a model folder that Swift wrote
(`glyffuser init-model --preset tiny --seed 0` gives exactly the weights `glyffuser train
--preset tiny --seed 0` starts from: both draw them from Philox stream "init" of seed 0), on the
same data set and caption cache as `glyffuser train`, with the same recipe (Sources/Diffusion/
Training/Trainer.swift): x0 = pixel/127.5 - 1, t ~ U{0..999}, linear betas 1e-4..0.02, epsilon
target, MSE; caption dropout to the empty prompt; AdamW (0.9, 0.999, eps 1e-8, weight decay
1e-2); linear warm-up then cosine decay to 0; global-norm clipping at 1.0. Captions are
right-padded with zeros to the cache's max_length (77), as the Swift trainer pads them (the "text"
addition embedding pools over padding too, in diffusers and in Swift alike).

Validation (`eval`) is the Swift definition (Trainer.validationLoss): unweighted MSE on the first
256 validation images at t = 50, 150, ..., 950, mean over all; the noise here comes from a seeded
torch generator, identical for every model evaluated, so `eval` ranks several model folders on
exactly the same inputs (Swift's own numbers use Philox noise: the same quantity, other draws).

Pinned: torch==2.13.0+cpu, diffusers==0.42.1, safetensors==0.8.0 (scripts/requirements-dev.txt).
Usage:
  train_reference.py train --dataset DIR --init MODEL_DIR --out DIR --steps 2000 --batch 8 \
      --lr 5e-4 --warmup 100 [--val-every 250] [--seed 0]
  train_reference.py eval --dataset DIR UNET_DIR [UNET_DIR ...]
Writes OUT/metrics.jsonl (step, loss, lr, grad_norm, val_loss) and OUT/unet/ (final weights).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from diffusers import DDPMScheduler, UNet2DConditionModel
from safetensors import safe_open

VAL_IMAGES = 256


def load_dataset(directory):
    path = os.path.join(directory, "glyphs.safetensors")
    with safe_open(path, "np") as f:
        images = f.get_tensor("images")
        meta = json.loads(f.metadata()["glyffuser"])
    splits = meta["splits"]
    train = [i for i, s in enumerate(splits) if s == "train"]
    val = [i for i, s in enumerate(splits) if s == "validation"]
    return images, train, val


class Captions:
    """The Swift caption cache (TextEncoding/CaptionCacheBuilder): unpadded fp16 hidden states."""

    def __init__(self, directory, encoder="all-MiniLM-L6-v2"):
        path = os.path.join(directory, f"caption_embeddings.{encoder}.safetensors")
        with safe_open(path, "pt") as f:
            meta = f.metadata()
            self.embeddings = f.get_tensor("embeddings").float()
            self.offsets = f.get_tensor("entry_offsets").tolist()
            self.caption_entry = f.get_tensor("caption_entry").tolist()
        self.empty_entry = int(meta["empty_entry"])
        self.dim = int(meta["hidden_size"])
        self.length = int(meta["max_length"])

    def batch(self, indices, dropped=None):
        dropped = dropped or [False] * len(indices)
        entries = [self.empty_entry if d else self.caption_entry[i] for i, d in zip(indices, dropped)]
        lengths = [self.offsets[e + 1] - self.offsets[e] for e in entries]
        length = self.length
        text = torch.zeros(len(entries), length, self.dim)
        mask = torch.zeros(len(entries), length)
        for b, (e, n) in enumerate(zip(entries, lengths)):
            text[b, :n] = self.embeddings[self.offsets[e]:self.offsets[e + 1]]
            mask[b, :n] = 1
        return text, mask


def to_x0(images, indices):
    x = torch.from_numpy(images[indices].astype(np.float32)) / 127.5 - 1
    return x.unsqueeze(1)  # NCHW, one channel


def lr_multiplier(step, warmup, total):
    """NN/LRSchedule.cosine: linear warm-up, then cosine from 1 to 0 over the remaining steps."""
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def validation_loss(model, images, val, captions, scheduler, batch=32, seed=1234):
    model.eval()
    idx = val[:VAL_IMAGES]
    g = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for k in range(10):
        t = (2 * k + 1) * 1000 // 20
        noise_all = torch.randn(len(idx), 1, images.shape[1], images.shape[2], generator=g)
        for lo in range(0, len(idx), batch):
            part = idx[lo:lo + batch]
            x0 = to_x0(images, part)
            noise = noise_all[lo:lo + len(part)]
            ts = torch.full((len(part),), t, dtype=torch.long)
            xt = scheduler.add_noise(x0, noise, ts)
            text, mask = captions.batch(part)
            pred = model(xt, ts, encoder_hidden_states=text, encoder_attention_mask=mask).sample
            total += torch.nn.functional.mse_loss(pred, noise).item() * len(part)
            count += len(part)
    model.train()
    return total / count


def make_scheduler():
    return DDPMScheduler(num_train_timesteps=1000, beta_start=1e-4, beta_end=0.02, beta_schedule="linear")


def train(args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images, train_idx, val_idx = load_dataset(args.dataset)
    captions = Captions(args.dataset)
    scheduler = make_scheduler()
    model = UNet2DConditionModel.from_pretrained(args.init)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
    os.makedirs(args.out, exist_ok=True)
    metrics = open(os.path.join(args.out, "metrics.jsonl"), "w")
    per_epoch = len(train_idx) // args.batch
    order, position = rng.permutation(train_idx), 0
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        if position == per_epoch:
            order, position = rng.permutation(train_idx), 0
        batch = order[position * args.batch:(position + 1) * args.batch].tolist()
        position += 1
        dropped = (rng.random(len(batch)) < args.caption_dropout).tolist()
        text, mask = captions.batch(batch, dropped)
        x0 = to_x0(images, batch)
        noise = torch.randn_like(x0)
        t = torch.randint(0, 1000, (len(batch),))
        xt = scheduler.add_noise(x0, noise, t)
        pred = model(xt, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
        loss = torch.nn.functional.mse_loss(pred, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        # The Swift trainer applies lr · multiplier(step − 1) at step `step` (state.step before the step).
        lr = args.lr * lr_multiplier(step - 1, args.warmup, args.steps)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        row = {"step": step, "loss": loss.item(), "lr": lr, "grad_norm": grad_norm}
        if args.val_every and step % args.val_every == 0:
            row["val_loss"] = validation_loss(model, images, val_idx, captions, scheduler)
            row["elapsed_s"] = time.perf_counter() - start
            print(json.dumps(row), flush=True)
        metrics.write(json.dumps(row) + "\n")
        metrics.flush()
    model.save_pretrained(os.path.join(args.out, "unet"))
    print(json.dumps({"done": args.steps, "seconds": time.perf_counter() - start}), flush=True)


def evaluate(args):
    images, _, val_idx = load_dataset(args.dataset)
    captions = Captions(args.dataset)
    scheduler = make_scheduler()
    for directory in args.unets:
        model = UNet2DConditionModel.from_pretrained(directory)
        loss = validation_loss(model, images, val_idx, captions, scheduler)
        print(json.dumps({"unet": directory, "val_loss": loss}), flush=True)


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("train")
    t.add_argument("--dataset", required=True)
    t.add_argument("--init", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=2000)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--lr", type=float, default=5e-4)
    t.add_argument("--warmup", type=int, default=100)
    t.add_argument("--val-every", type=int, default=250)
    t.add_argument("--caption-dropout", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=0)
    e = sub.add_parser("eval")
    e.add_argument("--dataset", required=True)
    e.add_argument("unets", nargs="+")
    args = ap.parse_args()
    train(args) if args.mode == "train" else evaluate(args)


if __name__ == "__main__":
    main()
