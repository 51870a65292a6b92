"""The main job: tune a PyTorch network on scikit-learn's digits with the torch toolkit.

A dense network over the toolkit's default space, in the notes' order of priority: learning
rate (log scale), the optimizer's β (reverse_log: 1 - β is log-uniform), width, batch size,
then depth and decay; the activation brings its initializer (He, LeCun normal for SELU);
batch norm on or off. The learning rate is tuned for a batch of 32 and scaled linearly with
the batch size, with a one-epoch warmup. Each trial trains up to EPOCHS epochs, reports
validation accuracy and per-layer diagnostics every epoch, stops early, and keeps its best
weights in its own folder. The study lives in SQLite: run the demo again to resume it.

Environment: TUNESMITH_DEMO_DIR (default demo-output), TUNESMITH_DEMO_TRIALS (30),
TUNESMITH_DEMO_EPOCHS (15), TUNESMITH_DEMO_DEVICE (cuda if available, else cpu).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import tunesmith
from tunesmith.integrations.torch import (
    Data,
    DenseHyperModel,
    TaskLoss,
    evaluate,
    find_learning_rate,
)
from tunesmith.oracles import CoarseToFine

OUT = Path(os.environ.get("TUNESMITH_DEMO_DIR", "demo-output"))
MAX_TRIALS = int(os.environ.get("TUNESMITH_DEMO_TRIALS", "30"))
EPOCHS = int(os.environ.get("TUNESMITH_DEMO_EPOCHS", "15"))
DEVICE = os.environ.get("TUNESMITH_DEMO_DEVICE") or None
STUDY = "digits-torch"


def load_data() -> Data:
    """Digits (8x8 images, 10 classes), 75/25 split, standardized on the training part."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    return Data.from_arrays(scaler.transform(x_train), y_train, scaler.transform(x_val), y_val)


def show_diagnostics(console: Console, layers: list[dict[str, object]]) -> None:
    table = Table(title="diagnostics of the best model (validation batch)")
    for column in ("layer", "module", "dead units", "act. mean", "act. std", "grad norm"):
        table.add_column(column, justify="right")

    def fmt(v: object, spec: str) -> str:
        return "-" if v is None else format(v, spec)

    for layer in layers:
        table.add_row(
            str(layer["index"]),
            str(layer["name"]),
            fmt(layer["dead_fraction"], ".1%"),
            fmt(layer["activation_mean"], ".3f"),
            fmt(layer["activation_std"], ".3f"),
            fmt(layer["grad_norm"], ".2e"),
        )
    console.print(table)


def main() -> int:
    torch.set_num_threads(1)  # tiny networks: one thread is faster than several
    OUT.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{OUT / 'digits.db'}"
    data = load_data()
    hypermodel = DenseHyperModel(
        data.n_features,
        10,
        activations=("relu", "elu", "gelu", "selu"),
        optimizers=("adam", "sgd"),
        max_units=256,
        max_layers=3,
        warmup_epochs=1.0,
        lr_scaling="linear",
    )
    tuner = tunesmith.Tuner(
        "val_accuracy",
        oracle=CoarseToFine(n_coarse=15),
        storage=url,
        study=STUDY,
        seed=0,
    )
    best = tuner.search(
        hypermodel.objective(data, epochs=EPOCHS, patience=4, device=DEVICE),
        max_trials=MAX_TRIALS,
    )
    if best is None:
        print("no trial finished with a value", file=sys.stderr)
        return 1

    console = Console()
    console.print(f"\n[bold]best trial {best.number}[/]: val_accuracy = {best.value:.4f}")
    for name, value in best.values.items():
        console.print(f"  {name} = {value!r}")
    console.print(
        f"  best epoch {best.attrs['best_epoch']}, "
        f"learning rate used {best.attrs['learning_rate']:.3g}"
    )
    show_diagnostics(console, best.attrs["diagnostics"])

    # The checkpoint restores the best model: rebuild it from the values, load, check.
    checkpoint = Path(best.attrs["checkpoint"])
    model = hypermodel.build(tunesmith.HyperParameters(values=best.values))
    model.load_state_dict(torch.load(checkpoint, weights_only=True)["model"])
    check = evaluate(model, TaskLoss("classification"), data.x_val, data.y_val)
    console.print(
        f"\nmodel checkpoint: {checkpoint}\n  reloaded: val_accuracy = {check['val_accuracy']:.4f}"
    )

    # The learning-rate finder on the best architecture, from fresh weights.
    torch.manual_seed(0)
    fresh = hypermodel.build(tunesmith.HyperParameters(values=best.values))
    found = find_learning_rate(
        fresh, TaskLoss("classification"), data.x_train, data.y_train, max_lr=10.0
    )
    exploded = "never" if found.diverged_at is None else f"at {found.diverged_at:.3g}"
    console.print(
        f"LR finder (Adam) on that architecture: suggests {found.suggestion:.3g} "
        f"(the loss exploded {exploded})"
    )
    try:
        plot = found.plot(OUT / "lr_finder.png")
        console.print(f"  curve: {plot}")
    except tunesmith.exceptions.MissingDependencyError:
        console.print("  (pip install 'tunesmith[plot]' to draw the curve)")

    console.print(f"\nstudy stored in {url}; run again to resume, or inspect it with:")
    console.print(f"  tunesmith summary --storage {url} --study {STUDY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
