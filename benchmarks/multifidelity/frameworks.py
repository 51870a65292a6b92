"""Does the framework change the benchmark? The same configurations trained in torch and in Keras.

Keras Tuner's Hyperband trains a Keras model; every other method trains the torch one in
run.py. The two share the architecture, but not the defaults: Keras' Dense layers start
from Glorot-uniform weights and zero biases (torch: uniform within 1/sqrt(fan_in) for
both), its batch norm keeps running statistics with momentum 0.99 and epsilon 1e-3 (torch:
0.9 and 1e-5 in Keras' terms), its Adam uses epsilon 1e-7 (torch 1e-8). This script
trains the same random configurations for 27 epochs three ways: torch, Keras with its own
defaults, and Keras with torch's defaults (`keras_mlp(..., torch_defaults=True)`), and
prints the mean validation accuracy at each rung and the paired differences. A gap between
the first two is the framework's, not the tuner's.

.venv/bin/python benchmarks/multifidelity/frameworks.py --configs 16
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from run import (  # noqa: E402
    ACTIVATIONS,
    BATCH_SIZES,
    MAX_BUDGET,
    Ledger,
    build_mlp,
    keras_mlp,
    load_data,
    train_epoch,
)

RUNGS = (1, 3, 9, 27)


def random_config(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "lr": float(10 ** rng.uniform(-4, -1)),
        "batch_size": int(rng.choice(BATCH_SIZES)),
        "width": int(rng.integers(1, 17) * 16),
        "depth": int(rng.integers(1, 5)),
        "activation": str(rng.choice(ACTIVATIONS)),
        "batch_norm": bool(rng.integers(2)),
        "dropout": float(rng.uniform(0, 0.5)),
        "beta_1": float(1 - 10 ** rng.uniform(math.log10(0.001), math.log10(0.5))),
    }


def torch_curve(cfg: dict[str, Any], seed: int, data: dict[str, torch.Tensor]) -> list[float]:
    model, opt = build_mlp(cfg, seed)
    gen = torch.Generator().manual_seed(seed)
    ledger = Ledger()
    for _ in range(MAX_BUDGET):
        train_epoch(model, opt, data, cfg["batch_size"], gen, ledger)
    return [v for v, _ in ledger.evals]


def keras_curve(
    cfg: dict[str, Any], seed: int, data: dict[str, torch.Tensor], torch_defaults: bool
) -> list[float]:
    import keras

    keras.utils.set_random_seed(seed)
    model = keras_mlp(cfg, torch_defaults=torch_defaults)
    curve = []
    for _ in range(MAX_BUDGET):
        model.fit(
            data["x_train"].numpy(),
            data["y_train"].numpy(),
            batch_size=cfg["batch_size"],
            epochs=1,
            verbose=0,
        )
        with torch.no_grad():
            pred = model(data["x_val"], training=False).argmax(1)
        curve.append(float((pred.cpu() == data["y_val"]).float().mean()))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_data(2000)
    rng = np.random.default_rng(args.seed)
    ways = {
        "torch": lambda c, s: torch_curve(c, s, data),
        "keras": lambda c, s: keras_curve(c, s, data, torch_defaults=False),
        "keras_torch_defaults": lambda c, s: keras_curve(c, s, data, torch_defaults=True),
    }
    curves: dict[str, list[list[float]]] = {w: [] for w in ways}
    for i in range(args.configs):
        cfg = random_config(rng)
        line = []
        for way, train in ways.items():
            start = time.monotonic()
            curves[way].append(train(cfg, args.seed * 1000 + i))
            line.append(f"{way} {curves[way][-1][-1]:.3f} ({time.monotonic() - start:.0f} s)")
        print(f"config {i:2d}: " + ", ".join(line), flush=True)
    print(f"\nmean validation accuracy over {args.configs} random configurations")
    print(f"{'framework':22s}" + "".join(f"{'@' + str(r):>9s}" for r in RUNGS) + "     best")
    for way, cs in curves.items():
        cells = [statistics.fmean(c[r - 1] for c in cs) for r in RUNGS]
        best = statistics.fmean(max(c) for c in cs)
        print(f"{way:22s}" + "".join(f"{x:9.4f}" for x in cells) + f"{best:9.4f}")
    print("\npaired difference from torch (mean ± standard error)")
    for way in list(ways)[1:]:
        cells = []
        for r in [*RUNGS, None]:
            d = [
                (max(k) - max(t)) if r is None else (k[r - 1] - t[r - 1])
                for k, t in zip(curves[way], curves["torch"], strict=True)
            ]
            se = statistics.stdev(d) / math.sqrt(len(d))
            cells.append(f"{statistics.fmean(d):+.4f}±{se:.4f}")
        print(f"{way:22s} " + " ".join(cells))


if __name__ == "__main__":
    main()
