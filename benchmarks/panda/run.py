"""Population-based training vs random search vs successive halving, at equal total epochs.

The task: scikit-learn's digits (600 training, 400 validation, the rest a held-out test set)
and the PyTorch toolkit's dense network over its default space (narrowed to keep it
small). Each method gets the same number of training epochs in all:

- random search: ``population`` configurations, each trained ``epochs`` epochs;
- successive halving (η = 2, written here on tunesmith's forks): twice as many
  configurations at ``epochs / 4``, the better half continued to ``epochs / 2``, the better
  half of those to ``epochs``;
- population-based training: ``population`` members, ``epochs / interval`` generations.

Reported per method, as the mean over seeds: the best validation accuracy (what each method
selects on), the held-out test accuracy of the model it selected, and the wall time.

Run (about 5 minutes on 2 CPU cores)::

    nice python benchmarks/panda/run.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

import tunesmith
from tunesmith.integrations.torch import Data, DenseHyperModel, evaluate
from tunesmith.integrations.torch._layers import TaskLoss
from tunesmith.panda import PopulationBasedTraining, fork_trial
from tunesmith.space import HyperParameters
from tunesmith.trial import TrialState

SPACE = {
    "activations": ("relu", "elu"),
    "optimizers": ("adam", "sgd"),
    "batch_sizes": (16, 32, 64, 128),
    "max_units": 128,
    "max_layers": 3,
}


def load() -> tuple[Data, torch.Tensor, torch.Tensor]:
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    scaler = StandardScaler().fit(x[:600])
    x = scaler.transform(x).astype("float32")
    data = Data.from_arrays(x[:600], y[:600], x[600:1000], y[600:1000])
    return data, torch.as_tensor(x[1000:]), torch.as_tensor(y[1000:]).long()


def test_accuracy(tuner: tunesmith.Tuner, model: DenseHyperModel, x: Any, y: Any) -> float:
    """The held-out accuracy of the selected trial's best weights."""
    best = tuner.best_trial
    assert best is not None
    hp = HyperParameters(tuner.storage.load_study(tuner.study_name).space.copy(), best.values)
    net = model.build(hp)
    state = torch.load(best.attrs["checkpoint"], weights_only=True)
    net.load_state_dict(state["model"])
    return evaluate(net, TaskLoss("classification"), x, y)["val_accuracy"]


def random_search(tuner: tunesmith.Tuner, fn: Any, population: int, epochs: int) -> None:
    tuner.search(fn, max_trials=population, progress=False)


def successive_halving(tuner: tunesmith.Tuner, fn: Any, population: int, epochs: int) -> None:
    storage, study = tuner.storage, tuner.study_name
    rungs = [epochs // 4, epochs // 2, epochs]
    n = 2 * population
    for _ in range(n):  # random configurations, drawn as the network defines them
        storage.create_trial(study, state=TrialState.WAITING, values={}, budget=rungs[0])
    tuner.search(fn, max_trials=storage.count_trials(study), progress=False)
    alive = storage.list_trials(study)
    for budget in rungs[1:]:
        n //= 2
        ranked = sorted(
            (t for t in alive if t.reports and t.state is not TrialState.FAILED),
            key=lambda t: -(t.reports[-1].value or -math.inf),
        )[:n]
        alive = [
            fork_trial(storage, study, t.number, step=t.last_step, budget=budget) for t in ranked
        ]  # type: ignore[arg-type]
        tuner.search(fn, max_trials=storage.count_trials(study), progress=False)
        alive = [storage.get_trial(study, t.number) for t in alive]


def pbt(
    tuner: tunesmith.Tuner, fn: Any, population: int, epochs: int, interval: int, seed: int
) -> None:
    PopulationBasedTraining(
        population=population, interval=interval, generations=epochs // interval, seed=seed
    ).search(tuner, fn)


def run(method: str, seed: int, args: argparse.Namespace) -> dict[str, float]:
    data, x_test, y_test = load()
    model = DenseHyperModel(64, 10, **SPACE)
    fn = model.objective(data, epochs=args.epochs, patience=None, device="cpu", diagnostics=False)
    with tempfile.TemporaryDirectory() as folder:
        tuner = tunesmith.Tuner(
            "val_accuracy",
            oracle=tunesmith.RandomSearch(),
            storage=f"sqlite:///{folder}/b.db",
            study=method,
            seed=seed,
        )
        torch.manual_seed(seed)
        start = time.perf_counter()
        if method == "random":
            random_search(tuner, fn, args.population, args.epochs)
        elif method == "halving":
            successive_halving(tuner, fn, args.population, args.epochs)
        else:
            pbt(tuner, fn, args.population, args.epochs, args.interval, seed)
        seconds = time.perf_counter() - start
        trials = tuner.trials
        n_epochs = sum(len(t.reports) for t in trials)
        best = tuner.best_trial
        return {
            "val_accuracy": float(best.value) if best is not None else math.nan,
            "test_accuracy": test_accuracy(tuner, model, x_test, y_test),
            "epochs": n_epochs,
            "seconds": seconds,
            "trials": len(trials),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    results: dict[str, list[dict[str, float]]] = {}
    for method in ("random", "halving", "pbt"):
        for seed in args.seeds:
            r = run(method, seed, args)
            results.setdefault(method, []).append(r)
            print(f"{method:8s} seed {seed}: " + ", ".join(f"{k}={v:.4g}" for k, v in r.items()))
    print(
        f"\nmean over seeds {args.seeds} (population {args.population}, "
        f"{args.epochs} epochs per run)"
    )
    print(
        f"{'method':8s} {'val acc':>8s} {'± sd':>6s} {'test acc':>9s} {'± sd':>6s} "
        f"{'epochs':>7s} {'seconds':>8s}"
    )
    summary = {}
    for method, rs in results.items():
        val = [r["val_accuracy"] for r in rs]
        test = [r["test_accuracy"] for r in rs]
        summary[method] = {
            "val_accuracy": statistics.mean(val),
            "val_sd": statistics.pstdev(val),
            "test_accuracy": statistics.mean(test),
            "test_sd": statistics.pstdev(test),
            "epochs": statistics.mean(r["epochs"] for r in rs),
            "seconds": statistics.mean(r["seconds"] for r in rs),
        }
        s = summary[method]
        print(
            f"{method:8s} {s['val_accuracy']:8.4f} {s['val_sd']:6.4f} {s['test_accuracy']:9.4f} "
            f"{s['test_sd']:6.4f} {s['epochs']:7.0f} {s['seconds']:8.1f}"
        )
    args.out.write_text(
        json.dumps(
            {
                "args": {k: str(v) for k, v in vars(args).items()},
                "runs": results,
                "summary": summary,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
