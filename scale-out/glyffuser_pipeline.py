"""`GlyffuserPipeline`: a diffusers pipeline for folders of `glyffuser export-diffusers`.

    from glyffuser_pipeline import GlyffuserPipeline
    pipe = GlyffuserPipeline.from_pretrained("pipeline", torch_dtype=torch.float32)
    glyphs = pipe("gold", num_images=16, steps=20, guidance=3, seed=7)   # [16, 1, 32, 32] in [−1, 1]

The recipe of the Swift pipeline (`GlyphPipeline`), so the same seed gives the same glyphs:
  - prompt → the text encoder's last hidden states of its real tokens (at most `max_tokens`),
    zero-padded to `max_tokens` with a key-padding mask (`encoder_attention_mask`); the
    unconditional input is the empty prompt encoded the same way;
  - image i starts from the unit normals of Glyffuser's RandomStream for seed + i, stream
    "sample" (Philox4x32-10 and Box-Muller, scripts/reference/philox_fixtures.py), times the
    scheduler's init_noise_sigma;
  - classifier-free guidance ε = ε(∅) + w·(ε(c) − ε(∅)) with the pipeline's scheduler (swap it
    with `pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)` as in diffusers).
"""
import os
import sys

import numpy as np
import torch
from diffusers import DiffusionPipeline

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "scripts", "reference"))
from philox_fixtures import normals  # noqa: E402  (the RandomStream reference)


class GlyffuserPipeline(DiffusionPipeline):
    def __init__(self, unet, scheduler, text_encoder, tokenizer, max_tokens: int = 77,
                 glyffuser_text_encoder: str = "", glyffuser_text_encoder_identity: str = ""):
        super().__init__()
        self.register_modules(unet=unet, scheduler=scheduler, text_encoder=text_encoder, tokenizer=tokenizer)
        # The encoder the U-Net was trained with (name@weights hash), as glyffuser.json records it.
        self.register_to_config(max_tokens=max_tokens, glyffuser_text_encoder=glyffuser_text_encoder,
                                glyffuser_text_encoder_identity=glyffuser_text_encoder_identity)

    @torch.no_grad()
    def encode(self, prompt):
        """[max_tokens, D] hidden states, zero past the real tokens, and the [max_tokens] mask."""
        n_max = self.config.max_tokens
        ids = self.tokenizer(prompt, truncation=True, max_length=n_max, return_tensors="pt")
        hidden = self.text_encoder(input_ids=ids["input_ids"].to(self.device),
                                   attention_mask=ids["attention_mask"].to(self.device)).last_hidden_state[0]
        text = torch.zeros(n_max, hidden.shape[1], device=self.device, dtype=hidden.dtype)
        text[:hidden.shape[0]] = hidden
        mask = torch.zeros(n_max, device=self.device)
        mask[:hidden.shape[0]] = 1
        return text, mask

    def start_noise(self, seed, count):
        """Glyffuser's unit normals: image i from seed + i, stream "sample" (1 channel)."""
        size = self.unet.config.sample_size
        rows = [np.array(normals(seed + i, "sample", 0, size * size), dtype=np.float32) for i in range(count)]
        return torch.from_numpy(np.stack(rows).reshape(count, 1, size, size)).to(self.device)

    @torch.no_grad()
    def __call__(self, prompt, num_images=4, steps=20, guidance=3.0, seed=0):
        cond, cond_mask = self.encode(prompt)
        empty, empty_mask = self.encode("")
        guided = guidance != 1
        text = torch.stack([cond] * num_images + ([empty] * num_images if guided else []))
        mask = torch.stack([cond_mask] * num_images + ([empty_mask] * num_images if guided else []))
        self.scheduler.set_timesteps(steps, device=self.device)
        x = self.start_noise(seed, num_images) * self.scheduler.init_noise_sigma
        for t in self.progress_bar(self.scheduler.timesteps):
            x_in = self.scheduler.scale_model_input(torch.cat([x, x]) if guided else x, t)
            eps = self.unet(x_in.to(self.unet.dtype), t, encoder_hidden_states=text.to(self.unet.dtype),
                            encoder_attention_mask=mask).sample.float()
            if guided:
                eps_c, eps_u = eps.chunk(2)
                eps = eps_u + guidance * (eps_c - eps_u)
            x = self.scheduler.step(eps, t, x).prev_sample
        return x
