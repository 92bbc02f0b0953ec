"""Golden values for NN optimiser tests (Tests/NNTests/OptimTests.swift).

Pinned: torch==2.13.0+cpu, diffusers==0.42.1 (scripts/requirements-dev.txt). Deterministic (no RNG).
Run: .venv/bin/python scripts/reference/optim.py  → prints the arrays pasted into the test.
"""
import torch
from diffusers.optimization import get_cosine_schedule_with_warmup

torch.set_printoptions(precision=10)
p = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.0, 3.5], dtype=torch.float32))
opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
grads = [[0.1, -0.2, 0.3, 0.0, 1.0], [0.05, 0.4, -0.3, 0.2, -1.0], [1.0, 1.0, 1.0, 1.0, 1.0]]
for g in grads:
    p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
    print("adamw:", [float(x) for x in p.detach()])

opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
sched = get_cosine_schedule_with_warmup(opt2, num_warmup_steps=3, num_training_steps=10)
lrs = []
for _ in range(11):
    lrs.append(opt2.param_groups[0]["lr"])
    opt2.step()
    sched.step()
print("cosine:", lrs)
