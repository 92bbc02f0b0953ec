"""Golden fixture for the Swift UNet2DModel, the super-resolution stage's network
(Tests/DiffusionTests/UNet2DGoldenTests.swift).

A tiny random diffusers UNet2DModel shaped like the stage (plain DownBlock2D / UpBlock2D,
UNetMidBlock2D with add_attention=False, 2 input channels: x_t and the upsampled glyph), its
output for fixed inputs, and gradients of a scalar loss w.r.t. the input and three weights.

Pinned: torch==2.13.0+cpu, diffusers==0.42.1, safetensors==0.8.0 (scripts/requirements-dev.txt).
Run:   .venv/bin/python scripts/reference/unet2d.py
"""
import os

import torch
from diffusers import UNet2DModel
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DiffusionTests", "Fixtures", "unet2d-test")

CONFIG = dict(
    sample_size=16, in_channels=2, out_channels=1, block_out_channels=(8, 16, 16),
    layers_per_block=1, down_block_types=("DownBlock2D",) * 3, up_block_types=("UpBlock2D",) * 3,
    mid_block_type="UNetMidBlock2D", add_attention=False, norm_num_groups=4,
)


def main():
    torch.manual_seed(0)
    model = UNet2DModel(**CONFIG)
    # Perturb every parameter so norms' affine terms and zero-initialised layers matter too.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.eval()
    g = torch.Generator().manual_seed(1)
    # A crop smaller than sample_size: the stage is fully convolutional and trains on crops.
    sample = torch.randn(2, 2, 8, 8, generator=g).requires_grad_(True)
    t = torch.tensor([999.0, 10.0])
    out = model(sample, t).sample
    w = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    (out * w).sum().backward()
    names = ["conv_in.weight", "mid_block.resnets.1.conv2.weight", "up_blocks.2.resnets.0.conv_shortcut.weight"]
    params = dict(model.named_parameters())
    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)
    tensors = {
        "sample": sample.detach(), "timesteps": t, "output": out.detach(), "loss_weights": w,
        "grad.sample": sample.grad,
    }
    for n in names:
        tensors["grad." + n] = params[n].grad
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "io.safetensors"))
    print("wrote", OUT, "output norm", out.norm().item())


if __name__ == "__main__":
    main()
