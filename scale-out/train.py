#!/usr/bin/env python3
"""Train Glyffuser's U-Net with diffusers + accelerate: one GPU, several, several nodes, or CPU.

    glyffuser init-model --preset tiny --text-dim 384 --out init      # the preset, as Swift has it
    accelerate launch scale-out/train.py --data data/glyphs-32 --init init --out runs/gpu
    torchrun --nproc_per_node 2 scale-out/train.py …                  # CPU: gloo, 2 processes

The recipe of `glyffuser train` (Trainer.swift): ε-prediction on the model's noise schedule,
uniform timesteps, captions replaced by the empty prompt with probability --caption-dropout
(classifier-free guidance), min-SNR-γ weighting (Hang et al. 2023) when --min-snr-gamma is given,
AdamW (β 0.9/0.999, ε 1e-8, weight decay 0.01), gradient clipping at 1, linear warm-up then
cosine decay to zero, an EMA of the weights (the exported model). The data set is Glyffuser's
folder: images from its shard (glyphs.safetensors), captions and splits from metadata.jsonl as
`glyffuser dataset build` cleaned them (not redone); the training split only. Prompts become what
the Swift pipeline gives the U-Net: the text encoder's last hidden states of the real tokens,
zero-padded to max_tokens with a key-padding mask (the encoder named by the init folder's
glyffuser.json, from --encoder-dir or the Glyffuser encoder cache; encoded once, up front).

Writes RUN/metrics.jsonl (the lines `glyffuser plot` and `serve --run` read), accelerate
checkpoints RUN/checkpoints/step-N (--resume-from-checkpoint latest), RUN/ranks/rank-R.txt (the
data indices each process drew: a line "epoch step i…" per step) and, at the end, RUN/model: a model folder
`glyffuser generate`, `eval` and `serve` load unchanged (EMA weights, scheduler_config.json,
glyffuser.json with the steps trained).
"""
import argparse
import json
import math
import os
import shutil
import time

import numpy as np
import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import set_seed
from diffusers import DDPMScheduler, UNet2DConditionModel
from diffusers.training_utils import EMAModel
from safetensors import safe_open
from transformers import AutoModel, AutoTokenizer


def load_dataset(folder, size):
    """Training-split images in [−1, 1] ([N, 1, size, size]) and their captions."""
    shard = safe_open(os.path.join(folder, "glyphs.safetensors"), "np")
    images = shard.get_tensor("images")
    meta = json.loads(shard.metadata()["glyffuser"])
    rows = [json.loads(line) for line in open(os.path.join(folder, "metadata.jsonl"), encoding="utf-8")]
    if len(rows) != images.shape[0]:
        raise SystemExit(f"{folder}: metadata.jsonl has {len(rows)} rows, the shard {images.shape[0]} images")
    for row, cp in zip(rows, meta["codepoints"]):
        if row["codepoint"] != f"U+{cp:04X}":
            raise SystemExit(f"{folder}: metadata.jsonl and the shard disagree at {row['codepoint']}")
    keep = [i for i, row in enumerate(rows) if row.get("split", "train") == "train"]
    x = images[keep]
    if x.shape[1] != size:
        factor = x.shape[1] // size  # the box filter of GlyphDownsample
        x = x.reshape(len(keep), size, factor, size, factor).mean(axis=(2, 4))
    x = torch.from_numpy((x.astype(np.float32) / 127.5 - 1)[:, None])
    return x, [rows[i]["caption"] for i in keep]


def encoder_folder(record, given):
    if given:
        return given
    cache = os.environ.get("GLYFFUSER_ENCODERS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "glyffuser", "encoders")
    return os.path.join(cache, record["text_encoder"])


@torch.no_grad()
def encode_captions(folder, captions, max_tokens, batch=256):
    """Per caption the hidden states of its real tokens ([n, D], fp16 like Swift's caption
    cache; no padding stored), index 0 the empty prompt."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, dtype=torch.float32).eval()
    texts = [""] + captions
    out = []
    for start in range(0, len(texts), batch):
        ids = tokenizer(texts[start:start + batch], truncation=True, max_length=max_tokens,
                        padding=True, return_tensors="pt")
        hidden = model(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"]).last_hidden_state
        for row, n in zip(hidden, ids["attention_mask"].sum(dim=1).tolist()):
            out.append(row[:n].to(torch.float16).clone())
    return out


def conditioning(states, rows, max_tokens):
    """The batch the U-Net sees: states zero-padded to max_tokens, and the key-padding mask."""
    dim = states[0].shape[1]
    text = torch.zeros(len(rows), max_tokens, dim)
    mask = torch.zeros(len(rows), max_tokens)
    for i, r in enumerate(rows):
        n = states[r].shape[0]
        text[i, :n] = states[r].float()
        mask[i, :n] = 1
    return text, mask


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="a Glyffuser data set folder")
    p.add_argument("--init", required=True, help="a folder from `glyffuser init-model` (config, scheduler, record)")
    p.add_argument("--out", required=True)
    p.add_argument("--encoder-dir", help="the text encoder's folder (default: the Glyffuser encoder cache)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=32, help="images per process per step")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--caption-dropout", type=float, default=0.1)
    p.add_argument("--min-snr-gamma", type=float)
    p.add_argument("--ema-decay", type=float, default=0.9999)
    p.add_argument("--gradient-accumulation-steps", type=int, default=1)
    p.add_argument("--mixed-precision", default="no", choices=["no", "bf16", "fp16"])
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--resume-from-checkpoint", help="a checkpoint folder, or `latest`")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    accelerator = Accelerator(mixed_precision=a.mixed_precision,
                              gradient_accumulation_steps=a.gradient_accumulation_steps)
    set_seed(a.seed, device_specific=True)
    record = json.load(open(os.path.join(a.init, "glyffuser.json")))
    unet = UNet2DConditionModel.from_pretrained(a.init, torch_dtype=torch.float32)
    noise_scheduler = DDPMScheduler.from_pretrained(a.init)
    if noise_scheduler.config.prediction_type != "epsilon":
        raise SystemExit("train.py trains ε-prediction models (the init folder's scheduler says "
                         f"{noise_scheduler.config.prediction_type})")
    images, captions = load_dataset(a.data, unet.config.sample_size)
    states = encode_captions(encoder_folder(record, a.encoder_dir), captions, record["max_tokens"])
    if states[0].shape[-1] != record["text_dim"]:
        raise SystemExit(f"the encoder gives {states[0].shape[-1]}-d text; the model needs {record['text_dim']}-d")

    indices = torch.utils.data.TensorDataset(torch.arange(len(captions)))
    loader = torch.utils.data.DataLoader(indices, batch_size=a.batch, shuffle=True, drop_last=True,
                                         generator=torch.Generator().manual_seed(a.seed))
    optimizer = torch.optim.AdamW(unet.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def schedule(step):  # linear warm-up, then cosine to zero over the run
        if step < a.warmup:
            return (step + 1) / a.warmup
        progress = (step - a.warmup) / max(1, a.steps - a.warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    # The schedule counts optimizer steps: it is stepped here, not prepared (accelerate would
    # step it once per process), and checkpointed beside the rest.
    unet, optimizer, loader = accelerator.prepare(unet, optimizer, loader)
    accelerator.register_for_checkpointing(lr_scheduler)
    ema = EMAModel(accelerator.unwrap_model(unet).parameters(), decay=a.ema_decay)
    ema.to(accelerator.device)
    accelerator.register_for_checkpointing(ema)

    step = 0
    checkpoints = os.path.join(a.out, "checkpoints")
    if a.resume_from_checkpoint:
        path = a.resume_from_checkpoint
        if path == "latest":
            found = sorted((d for d in os.listdir(checkpoints) if d.startswith("step-")),
                           key=lambda d: int(d[5:])) if os.path.isdir(checkpoints) else []
            path = os.path.join(checkpoints, found[-1]) if found else None
        if path:
            accelerator.load_state(path)
            step = int(os.path.basename(path)[5:])
            accelerator.print(f"resumed from {path} at step {step}")

    alphas = noise_scheduler.alphas_cumprod.to(accelerator.device)
    os.makedirs(os.path.join(a.out, "ranks"), exist_ok=True)
    ranks = open(os.path.join(a.out, "ranks", f"rank-{accelerator.process_index}.txt"), "a")
    metrics = open(os.path.join(a.out, "metrics.jsonl"), "a") if accelerator.is_main_process else None
    generator = torch.Generator(device="cpu").manual_seed(a.seed * 1000 + accelerator.process_index + step)
    epoch = 0
    unet.train()
    while step < a.steps:
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(epoch)
        for (batch,) in loader:
            if step >= a.steps:
                break
            started = time.monotonic()
            with accelerator.accumulate(unet):
                ranks.write(f"{epoch} {step + 1} " + " ".join(str(i) for i in batch.tolist()) + "\n")
                x0 = images[batch.cpu()].to(accelerator.device)
                dropped = torch.rand(len(batch), generator=generator) < a.caption_dropout
                rows = torch.where(dropped, torch.zeros_like(batch.cpu()), batch.cpu() + 1)
                text, mask = conditioning(states, rows.tolist(), record["max_tokens"])
                text, mask = text.to(accelerator.device), mask.to(accelerator.device)
                noise = torch.randn(x0.shape, generator=generator).to(accelerator.device)
                t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (len(batch),),
                                  generator=generator).to(accelerator.device)
                xt = noise_scheduler.add_noise(x0, noise, t)
                pred = unet(xt, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
                loss = F.mse_loss(pred.float(), noise, reduction="none").mean(dim=(1, 2, 3))
                if a.min_snr_gamma:
                    snr = alphas[t] / (1 - alphas[t])
                    loss = loss * torch.clamp(snr, max=a.min_snr_gamma) / snr
                loss = loss.mean()
                accelerator.backward(loss)
                grad_norm = accelerator.clip_grad_norm_(unet.parameters(), 1.0) if accelerator.sync_gradients else None
                lr = optimizer.param_groups[0]["lr"]
                optimizer.step()
                optimizer.zero_grad()
            if not accelerator.sync_gradients:
                continue
            ema.step(accelerator.unwrap_model(unet).parameters())
            lr_scheduler.step()
            step += 1
            mean_loss = accelerator.gather(loss.detach()[None]).mean().item()
            seconds = time.monotonic() - started
            if metrics:
                metrics.write(json.dumps({
                    "step": step, "epoch": epoch, "loss": mean_loss, "lr": lr,
                    "grad_norm": float(grad_norm) if grad_norm is not None else 0.0,
                    "img_per_s": len(batch) * accelerator.num_processes / max(seconds, 1e-9)}) + "\n")
                metrics.flush()
            if step % a.checkpoint_every == 0 or step == a.steps:
                accelerator.save_state(os.path.join(checkpoints, f"step-{step}"))
        epoch += 1
    ranks.close()
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        model = accelerator.unwrap_model(unet)
        ema.copy_to(model.parameters())
        folder = os.path.join(a.out, "model")
        temp = folder + ".tmp"
        shutil.rmtree(temp, ignore_errors=True)
        model.save_pretrained(temp)
        shutil.copy(os.path.join(a.init, "scheduler_config.json"), temp)
        record["training_steps"] = step
        with open(os.path.join(temp, "glyffuser.json"), "w") as f:
            json.dump(record, f, indent=2, sort_keys=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(temp, folder)
        print(f"wrote {folder} ({step} steps, EMA weights)")
    accelerator.end_training()


if __name__ == "__main__":
    main()
