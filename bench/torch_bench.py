#!/usr/bin/env python3
"""The lesson benchmarks in PyTorch on the CPU, what a Python learner would run
instead of nnlab: eager mode, the default thread count unless --threads says.

  weather: 89-100-50-1 (relu, relu, linear), Adam(1e-3), MSE, batch 32, 767
           training samples shuffled each epoch, the 164 validation samples
           evaluated after each epoch, 200 epochs: prints the fit's seconds.
  cifar:   the lesson's dropout CNN (3x Conv2D(32, 3x3, relu) with 2x2 max
           pooling after the first two, Dropout(0.2), Flatten, Dense(32, relu),
           Dense(10)), Adam(1e-3), cross-entropy from logits, batch 32, one
           epoch of 1,000 images and 32 validation images: prints images/s.

Both run on random inputs of the lesson's shapes: the time does not depend on
the values. nnlab's counterparts: go test ./lab -bench 'Weather200Epochs|CIFARDropout'
(bench/run.sh runs both side by side). One line of JSON per run.
"""
import argparse
import json
import time

import torch
from torch import nn


def weather(epochs):
    torch.manual_seed(0)
    xt, yt = torch.randn(767, 89), torch.randn(767, 1)
    xv, yv = torch.randn(164, 89), torch.randn(164, 1)
    model = nn.Sequential(nn.Linear(89, 100), nn.ReLU(), nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(767)
        for i in range(0, 767, 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for i in range(0, 164, 32):
                loss_fn(model(xv[i:i + 32]), yv[i:i + 32])
    return time.perf_counter() - t0


def cifar(n):
    torch.manual_seed(0)
    xt, yt = torch.rand(n, 3, 32, 32), torch.randint(0, 10, (n,))
    xv, yv = torch.rand(32, 3, 32, 32), torch.randint(0, 10, (32,))
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.Dropout(0.2),
        nn.Flatten(), nn.Linear(4 * 4 * 32, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    model.train()
    perm = torch.randperm(n)
    for i in range(0, n, 32):
        idx = perm[i:i + 32]
        opt.zero_grad()
        loss = loss_fn(model(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        loss_fn(model(xv), yv)
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["weather", "cifar"])
    p.add_argument("--epochs", type=int, default=200, help="weather: epochs (200)")
    p.add_argument("--n", type=int, default=1000, help="cifar: training images (1000)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    out = {"what": a.what, "torch": torch.__version__, "threads": torch.get_num_threads()}
    if a.what == "weather":
        out["fit_s"] = weather(a.epochs)
    else:
        out["images_per_s"] = cifar(a.n)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
