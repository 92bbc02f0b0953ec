#!/usr/bin/env python3
"""Draw glyphs with diffusers and transformers from a folder of `glyffuser export-diffusers`.

The same recipe as the Swift pipeline (`GlyphPipeline`), so the same seed gives the same glyphs:
  - prompt → the text encoder's last hidden states of its real tokens ([CLS] … [SEP] for BERT,
    at most `max_tokens` of glyffuser.json), zero-padded to `max_tokens` with a key-padding mask
    (`encoder_attention_mask`); the unconditional input is the empty prompt encoded the same way;
  - image i starts from the unit normals of Glyffuser's RandomStream for seed + i, stream
    "sample" (Philox4x32-10 and Box-Muller, scripts/reference/philox_fixtures.py), times the
    scheduler's init_noise_sigma;
  - the sampler is the diffusers scheduler of that name built `from_config` of the model's
    scheduler config, classifier-free guidance ε = ε(∅) + w·(ε(c) − ε(∅));
  - pixels = round((x + 1)·127.5) clamped to 0…255.
Writes a PNG grid, with --out-dir each glyph as `glyffuser generate --out-dir` names it, and
with --raw the final samples as a .npy array ([count, 1, size, size]).
Needs the packages of scale-out/requirements.txt.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from diffusers import (DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler,
                       EulerAncestralDiscreteScheduler, EulerDiscreteScheduler,
                       HeunDiscreteScheduler, UNet2DConditionModel, UniPCMultistepScheduler)
from transformers import AutoModel, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "scripts", "reference")]
from philox_fixtures import normals  # noqa: E402  (the RandomStream reference)
from pngio import write_grey  # noqa: E402

SAMPLERS = {
    "ddpm": (DDPMScheduler, {}),
    "ddim": (DDIMScheduler, {}),
    "euler": (EulerDiscreteScheduler, {}),
    "heun": (HeunDiscreteScheduler, {}),
    "unipc": (UniPCMultistepScheduler, {}),
    "dpmpp-2m": (DPMSolverMultistepScheduler, {}),
    "euler-a": (EulerAncestralDiscreteScheduler, {}),
}


def encode(tokenizer, encoder, prompt, max_tokens):
    """[max_tokens, D] hidden states, zero past the real tokens, and the [max_tokens] mask."""
    ids = tokenizer(prompt, truncation=True, max_length=max_tokens, return_tensors="pt")
    with torch.no_grad():
        hidden = encoder(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"]).last_hidden_state[0]
    n = hidden.shape[0]
    text = torch.zeros(max_tokens, hidden.shape[1])
    text[:n] = hidden
    mask = torch.zeros(max_tokens)
    mask[:n] = 1
    return text, mask


def start_noise(seed, count, size):
    """Glyffuser's unit normals: image i from seed + i, stream "sample", NHWC order (1 channel)."""
    rows = [np.array(normals(seed + i, "sample", 0, size * size), dtype=np.float32) for i in range(count)]
    return torch.from_numpy(np.stack(rows).reshape(count, 1, size, size))


def generate(folder, prompt, count, steps, guidance, seed, sampler):
    record = json.load(open(os.path.join(folder, "glyffuser.json")))
    unet = UNet2DConditionModel.from_pretrained(folder, subfolder="unet", torch_dtype=torch.float32).eval()
    base = DDPMScheduler.from_pretrained(folder, subfolder="scheduler")
    cls, extra = SAMPLERS[sampler]
    scheduler = cls.from_config(base.config, **extra)
    tokenizer = AutoTokenizer.from_pretrained(os.path.join(folder, "tokenizer"))
    encoder = AutoModel.from_pretrained(os.path.join(folder, "text_encoder"), dtype=torch.float32).eval()
    max_tokens = record["max_tokens"]
    cond, cond_mask = encode(tokenizer, encoder, prompt, max_tokens)
    empty, empty_mask = encode(tokenizer, encoder, "", max_tokens)
    size = unet.config.sample_size
    guided = guidance != 1
    text = torch.stack([cond] * count + ([empty] * count if guided else []))
    mask = torch.stack([cond_mask] * count + ([empty_mask] * count if guided else []))

    scheduler.set_timesteps(steps)
    x = start_noise(seed, count, size) * scheduler.init_noise_sigma
    with torch.no_grad():
        for t in scheduler.timesteps:
            x_in = torch.cat([x, x]) if guided else x
            x_in = scheduler.scale_model_input(x_in, t)
            eps = unet(x_in, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
            if guided:
                eps_c, eps_u = eps.chunk(2)
                eps = eps_u + guidance * (eps_c - eps_u)
            x = scheduler.step(eps, t, x).prev_sample
    return x


def pixels(x):
    """Samples in [−1, 1] as bytes, as Glyffuser writes them: round((x + 1)·127.5), 0…255."""
    return ((x[:, 0].numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)


def grid(images):
    """The glyphs side by side in a square grid on white."""
    n, s, _ = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    canvas = np.full((rows * s, cols * s), 255, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[r * s:(r + 1) * s, c * s:(c + 1) * s] = images[i]
    return canvas


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", help="a folder written by `glyffuser export-diffusers`")
    p.add_argument("--prompt", required=True)
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--guidance", type=float, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sampler", default="dpmpp-2m", choices=sorted(SAMPLERS))
    p.add_argument("--out", default="glyphs.png", help="the grid PNG")
    p.add_argument("--out-dir", help="also each glyph as <prompt>-<seed>.png, as glyffuser generate --out-dir")
    p.add_argument("--raw", help="also the final samples as .npy ([count, 1, size, size])")
    a = p.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    x = generate(a.folder, a.prompt, a.count, a.steps, a.guidance, a.seed, a.sampler)
    images = pixels(x)
    write_grey(a.out, grid(images))
    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
        for i, image in enumerate(images):
            write_grey(os.path.join(a.out_dir, f"{a.prompt}-{a.seed + i}.png"), image)
    if a.raw:
        np.save(a.raw, x.numpy())
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
