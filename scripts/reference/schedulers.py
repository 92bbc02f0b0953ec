#!/usr/bin/env python3
"""Golden values for Sources/Diffusion/Schedules and Sources/Diffusion/Samplers.

Pinned: diffusers 0.42.1, torch 2.13.0+cpu, numpy 2.4.6 (scripts/requirements-dev.txt).
Seeded: every random tensor comes from torch.Generator().manual_seed(SEED + k).

Writes Tests/DiffusionTests/Fixtures/schedulers.json with
  schedules: betas and alphas_cumprod of each beta schedule (T = 1000);
  tables:    timesteps, sigmas and init_noise_sigma of each scheduler class for 1, 5, 20, 50 steps
             under each timestep spacing (and Karras sigmas where the class supports them);
  loops:     a 10-step full sampling loop per scheduler configuration, driven by the deterministic
             dummy model  model(x_in, t) = 0.1 * x_in + t / 1000  (x_in = scale_model_input(x_t)),
             with the noise each stochastic scheduler draws replaced (in call order) by pre-drawn
             tensors that are saved in the fixture.

Run:  /work/venv/bin/python scripts/reference/schedulers.py
"""

import json
import os

import diffusers
import numpy as np
import torch
from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    HeunDiscreteScheduler,
    UniPCMultistepScheduler,
)
from diffusers.schedulers import (
    scheduling_ddim,
    scheduling_ddpm,
    scheduling_dpmsolver_multistep,
    scheduling_euler_ancestral_discrete,
    scheduling_euler_discrete,
)

assert diffusers.__version__ == "0.42.1", diffusers.__version__
assert torch.__version__.startswith("2.13.0"), torch.__version__

SEED = 20240
SHAPE = (2, 4, 4, 1)  # B, H, W, C: the dummy model is element-wise, so layout does not matter
OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "Tests", "DiffusionTests", "Fixtures", "schedulers.json"
)

CLASSES = {
    "ddpm": DDPMScheduler,
    "ddim": DDIMScheduler,
    "dpmsolver_multistep": DPMSolverMultistepScheduler,
    "euler": EulerDiscreteScheduler,
    "euler_ancestral": EulerAncestralDiscreteScheduler,
    "heun": HeunDiscreteScheduler,
    "unipc": UniPCMultistepScheduler,
}
KARRAS = {"dpmsolver_multistep", "euler", "heun", "unipc"}
NOISY_MODULES = [
    scheduling_ddpm,
    scheduling_ddim,
    scheduling_dpmsolver_multistep,
    scheduling_euler_ancestral_discrete,
    scheduling_euler_discrete,
]


def floats(t):
    """Float32 values written as their shortest round-trip decimal (every table here is float32)."""
    return [float(str(v)) if np.isfinite(v) else float(v)
            for v in np.asarray(t, dtype=np.float32).reshape(-1)]


def schedules():
    out = []
    cases = [
        ("linear", dict(beta_schedule="linear", beta_start=1e-4, beta_end=0.02)),
        ("scaled_linear", dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)),
        ("squaredcos_cap_v2", dict(beta_schedule="squaredcos_cap_v2")),
        ("linear_zero_snr", dict(beta_schedule="linear", rescale_betas_zero_snr=True)),
        (
            "scaled_linear_zero_snr",
            dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                 rescale_betas_zero_snr=True),
        ),
        ("linear_T100", dict(beta_schedule="linear", num_train_timesteps=100)),
    ]
    for name, cfg in cases:
        s = DDPMScheduler(**cfg)
        out.append(dict(name=name, config=cfg, betas=floats(s.betas),
                        alphas_cumprod=floats(s.alphas_cumprod)))
    return out


def tables():
    out = []
    base = dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
    for cls_name, cls in CLASSES.items():
        variants = []
        for spacing in ["leading", "trailing", "linspace"]:
            variants.append(dict(timestep_spacing=spacing, steps_offset=1 if spacing == "leading" else 0))
        if cls_name in KARRAS:
            variants.append(dict(timestep_spacing="linspace", use_karras_sigmas=True))
            variants.append(dict(timestep_spacing="leading", steps_offset=1, use_karras_sigmas=True))
        if cls_name in ("dpmsolver_multistep", "euler"):
            variants.append(dict(timestep_spacing="trailing", rescale_betas_zero_snr=True))
        if cls_name == "ddim":
            variants.append(dict(timestep_spacing="leading", set_alpha_to_one=False))
        if cls_name in ("dpmsolver_multistep", "unipc"):  # DPM truncates Karras t for cosine
            variants.append(dict(beta_schedule="squaredcos_cap_v2", use_karras_sigmas=True))
        for v in variants:
            cfg = dict(base, **v)
            if cfg["beta_schedule"] == "squaredcos_cap_v2":
                del cfg["beta_start"], cfg["beta_end"]
            for steps in [1, 5, 20, 50]:
                s = cls(**cfg)
                s.set_timesteps(steps)
                entry = dict(scheduler=cls_name, config=cfg, steps=steps,
                             timesteps=floats(s.timesteps),
                             init_noise_sigma=float(s.init_noise_sigma))
                if hasattr(s, "sigmas") and cls_name not in ("ddpm", "ddim"):
                    entry["sigmas"] = floats(s.sigmas)
                out.append(entry)
    return out


class NoiseFeed:
    """Replaces diffusers' randn_tensor: returns pre-drawn tensors in call order."""

    def __init__(self, count):
        g = torch.Generator().manual_seed(SEED + 1)
        self.pool = [torch.randn(SHAPE, generator=g, dtype=torch.float32) for _ in range(count)]
        self.used = 0

    def __call__(self, shape, generator=None, device=None, dtype=None, layout=None):
        assert tuple(shape) == SHAPE, shape
        t = self.pool[self.used]
        self.used += 1
        return t.clone()


def dummy_model(x_in, t):
    return 0.1 * x_in + float(t) / 1000.0


def run_loop(name, cls_name, cfg, steps=10, eta=None):
    s = CLASSES[cls_name](**cfg)
    s.set_timesteps(steps)
    g = torch.Generator().manual_seed(SEED)
    x_unit = torch.randn(SHAPE, generator=g, dtype=torch.float32)
    feed = NoiseFeed(64)
    saved = [m.randn_tensor for m in NOISY_MODULES]
    for m in NOISY_MODULES:
        m.randn_tensor = feed
    try:
        x = x_unit * s.init_noise_sigma
        samples, x0s, model_ts = [], [], []
        for t in s.timesteps:
            x_in = s.scale_model_input(x, t)
            out = dummy_model(x_in, t)
            model_ts.append(float(t))
            kwargs = {} if eta is None else {"eta": eta}
            r = s.step(out, t, x, **kwargs)
            x = r.prev_sample
            samples.append(floats(x))
            if cls_name in ("dpmsolver_multistep", "unipc"):
                x0s.append(floats(s.model_outputs[-1]))  # the x0 prediction (data-prediction form)
            else:
                x0s.append(floats(r.pred_original_sample))
    finally:
        for m, f in zip(NOISY_MODULES, saved):
            m.randn_tensor = f
    # UniPC bh1 multiplies B(h) = -inf by a zero predictor residual on the last step (final
    # sigma 0): diffusers returns NaN there. Keep the finite steps and flag it.
    nan_last = bool(torch.isnan(x).any())
    if nan_last:
        samples, x = samples[:-1], None
    return dict(name=name, scheduler=cls_name, config=cfg, steps=steps,
                eta=eta, shape=list(SHAPE), x_T_unit=floats(x_unit),
                init_noise_sigma=float(s.init_noise_sigma),
                noise=[floats(n) for n in feed.pool[: feed.used]],
                model_timesteps=model_ts, samples=samples, pred_x0=x0s,
                final=None if nan_last else floats(x), diffusers_nan_last_step=nan_last)


def loops():
    sd = dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
    lin = dict(beta_schedule="linear", beta_start=1e-4, beta_end=0.02)
    return [
        run_loop("ddpm", "ddpm", dict(lin, clip_sample=False)),
        run_loop("ddpm_cosine_trailing_v", "ddpm",
                 dict(beta_schedule="squaredcos_cap_v2", timestep_spacing="trailing",
                      prediction_type="v_prediction", clip_sample=False)),
        run_loop("ddpm_threshold", "ddpm",
                 dict(sd, thresholding=True, sample_max_value=2.0, clip_sample=False)),
        run_loop("ddim", "ddim", dict(sd, clip_sample=False, set_alpha_to_one=False, steps_offset=1)),
        run_loop("ddim_eta_zero_snr_v", "ddim",
                 dict(lin, clip_sample=True, timestep_spacing="trailing",
                      rescale_betas_zero_snr=True, prediction_type="v_prediction"), eta=0.5),
        run_loop("ddim_sample_linspace", "ddim",
                 dict(lin, clip_sample=False, timestep_spacing="linspace", prediction_type="sample")),
        run_loop("dpmpp_2m", "dpmsolver_multistep", dict(sd)),
        run_loop("dpmpp_2m_karras", "dpmsolver_multistep", dict(sd, use_karras_sigmas=True)),
        run_loop("dpmpp_2m_v_trailing_zero_snr", "dpmsolver_multistep",
                 dict(lin, prediction_type="v_prediction", timestep_spacing="trailing",
                      rescale_betas_zero_snr=True)),
        run_loop("sde_dpmpp_2m", "dpmsolver_multistep", dict(sd, algorithm_type="sde-dpmsolver++")),
        run_loop("dpmpp_2m_heun_leading", "dpmsolver_multistep",
                 dict(sd, solver_type="heun", timestep_spacing="leading", steps_offset=1)),
        run_loop("sde_dpmpp_2m_heun_karras", "dpmsolver_multistep",
                 dict(sd, algorithm_type="sde-dpmsolver++", solver_type="heun",
                      use_karras_sigmas=True)),
        run_loop("dpmpp_1s_threshold_x0", "dpmsolver_multistep",
                 dict(lin, solver_order=1, prediction_type="sample", thresholding=True,
                      sample_max_value=1.5)),
        run_loop("euler", "euler", dict(sd)),
        run_loop("euler_karras_leading", "euler",
                 dict(sd, use_karras_sigmas=True, timestep_spacing="leading", steps_offset=1)),
        run_loop("euler_v_trailing", "euler",
                 dict(lin, prediction_type="v_prediction", timestep_spacing="trailing")),
        run_loop("euler_ancestral", "euler_ancestral", dict(sd)),
        run_loop("euler_ancestral_leading_v", "euler_ancestral",
                 dict(sd, timestep_spacing="leading", steps_offset=1, prediction_type="v_prediction")),
        run_loop("heun", "heun", dict(sd)),
        run_loop("heun_karras", "heun", dict(sd, use_karras_sigmas=True)),
        run_loop("unipc", "unipc", dict(sd)),
        run_loop("unipc_bh1_karras", "unipc", dict(sd, solver_type="bh1", use_karras_sigmas=True)),
        run_loop("unipc_v_trailing_order1", "unipc",
                 dict(lin, prediction_type="v_prediction", timestep_spacing="trailing",
                      solver_order=1)),
        run_loop("unipc_20", "unipc", dict(sd), steps=20),
    ]


def main():
    torch.manual_seed(SEED)
    doc = dict(
        generator="scripts/reference/schedulers.py",
        versions=dict(diffusers=diffusers.__version__, torch=torch.__version__, numpy=np.__version__),
        model="model(x_in, t) = 0.1 * x_in + t / 1000",
        schedules=schedules(), tables=tables(), loops=loops())
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
