"""Golden fixture for the Swift UNet2DConditionModel (Tests/DiffusionTests/UNetGoldenTests.swift).

A tiny random diffusers UNet2DConditionModel with the same block structure as the presets
(cross-attention down/up/mid blocks, text_proj, addition_embed_type "text", key-padding mask),
its outputs for fixed inputs, and gradients of a scalar loss w.r.t. the input and three weights.

Pinned: torch==2.13.0+cpu, diffusers==0.42.1, safetensors==0.8.0 (scripts/requirements-dev.txt).
Run:   .venv/bin/python scripts/reference/unet.py [--check-swift DIR]
--check-swift DIR: loads a Swift-saved model folder DIR in diffusers and compares its output with
DIR/swift_output.safetensors (the reverse direction of the round trip).
"""
import argparse
import os
import sys

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import load_file, save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DiffusionTests", "Fixtures", "unet-test")

CONFIG = dict(
    sample_size=8, in_channels=1, out_channels=1, block_out_channels=(8, 16), layers_per_block=1,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 2),
    cross_attention_dim=16, encoder_hid_dim=16, encoder_hid_dim_type="text_proj",
    addition_embed_type="text", addition_embed_type_num_heads=4, norm_num_groups=4,
)


def inputs():
    g = torch.Generator().manual_seed(1)
    sample = torch.randn(2, 1, 8, 8, generator=g)
    text = torch.randn(2, 5, 16, generator=g)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.float32)
    t = torch.tensor([999.0, 10.0])
    return sample, text, mask, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-swift")
    args = ap.parse_args()
    torch.manual_seed(0)
    sample, text, mask, t = inputs()
    if args.check_swift:
        model = UNet2DConditionModel.from_pretrained(args.check_swift).eval()
        with torch.no_grad():
            out = model(sample, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
        swift = load_file(os.path.join(args.check_swift, "swift_output.safetensors"))["output"]
        diff = (out - swift.permute(0, 3, 1, 2)).abs().max().item()
        print(f"diffusers output of the Swift-saved model vs Swift: max abs diff {diff:.3g}")
        sys.exit(0 if diff < 1e-4 else 1)

    model = UNet2DConditionModel(**CONFIG)
    # Perturb every parameter so norms' affine terms and zero-initialised layers matter too.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.eval()
    sample.requires_grad_(True)
    out = model(sample, t, encoder_hidden_states=text, encoder_attention_mask=mask).sample
    w = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    (out * w).sum().backward()
    names = ["conv_in.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight",
             "add_embedding.pool.q_proj.weight"]
    params = dict(model.named_parameters())
    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)
    tensors = {
        "sample": sample.detach(), "text": text, "mask": mask, "timesteps": t,
        "output": out.detach(), "loss_weights": w, "grad.sample": sample.grad,
    }
    for n in names:
        tensors["grad." + n] = params[n].grad
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "io.safetensors"))
    print("wrote", OUT, "output norm", out.norm().item())


if __name__ == "__main__":
    main()
