"""Multi-fidelity benchmark: best validation accuracy against total epochs consumed.

Tunes a small PyTorch MLP on mnist1d (generated locally by its package) with eight
hyperparameters: learning rate (log), batch size, width, depth, activation, batch norm,
dropout and Adam's beta_1 (reverse_log). Methods, each given the same epoch budget:

- ``random``: tunesmith RandomSearch, every trial at ``max_budget`` epochs.
- ``hyperband``: tunesmith Hyperband + RandomSearch (promotions resume from checkpoints).
- ``hyperband_model``: tunesmith Hyperband + CoarseToFine (model-based brackets).
- ``hyperband_bo``: tunesmith Hyperband + BayesianOptimization (model-based brackets).
- ``asha_bo``: tunesmith ASHA + BayesianOptimization; ``asha_finish_bo``: the same with
  ``finish_after=2`` (the best of two results at 9 epochs goes on to 27);
  ``asha_brackets2_bo`` / ``asha_brackets4_bo``: the same with ``brackets=2`` / ``4``
  (asynchronous Hyperband: new configurations also start at 3 or at 3, 9 and 27 epochs).
- ``eager_asha``: tunesmith EagerASHA + CoarseToFine, both with their defaults;
  ``eager_asha_bo``: EagerASHA + BayesianOptimization (defaults); ``eager_asha_random``:
  EagerASHA + RandomSearch (what the promotion rule does without a model).
- ``optuna_hb``: Optuna TPE + HyperbandPruner; ``optuna_sh``: TPE + SuccessiveHalvingPruner.
- ``kt_hyperband``: Keras Tuner's Hyperband on Keras 3 with the torch backend (no TensorFlow).

Every method trains with the same loop and counts every epoch it trains; after each epoch it
records the model's validation and test accuracy. The incumbent at ``E`` epochs is the
evaluation with the best validation accuracy among the first ``E`` epochs trained.

Run (one process per seed, niced; results land in benchmarks/multifidelity/results/)::

    nice -n 10 .venv/bin/python benchmarks/multifidelity/run.py --seed 0  # and 1, 2
    .venv/bin/python benchmarks/multifidelity/report.py
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from methods import METHODS, TUNESMITH  # noqa: E402

HERE = Path(__file__).parent
MAX_BUDGET = 27
FACTOR = 3
ACTIVATIONS = ["relu", "elu", "gelu", "selu"]
# Keras Tuner's model: Keras' own initializers and batch-norm settings (see keras_mlp).
TORCH_DEFAULTS_IN_KERAS = False
BATCH_SIZES = [32, 64, 128, 256]


# -- data -------------------------------------------------------------------------------
def load_data(n_train: int) -> dict[str, torch.Tensor]:
    """mnist1d (4,000 + 1,000 series of length 40), standardized; its train split gives
    ``n_train`` training and 1,000 validation series, its test split the test set."""
    from mnist1d.data import get_dataset_args, make_dataset

    d = make_dataset(get_dataset_args())
    x, y = np.asarray(d["x"], np.float32), np.asarray(d["y"], np.int64)
    mean, std = x[:n_train].mean(0), x[:n_train].std(0) + 1e-6
    xt = (np.asarray(d["x_test"], np.float32) - mean) / std
    x = (x - mean) / std
    return {
        "x_train": torch.tensor(x[:n_train]),
        "y_train": torch.tensor(y[:n_train]),
        "x_val": torch.tensor(x[3000:4000]),
        "y_val": torch.tensor(y[3000:4000]),
        "x_test": torch.tensor(xt),
        "y_test": torch.tensor(np.asarray(d["y_test"], np.int64)),
    }


# -- the epoch ledger -------------------------------------------------------------------
class Ledger:
    """Counts every epoch a method trains and keeps each epoch's accuracies."""

    def __init__(self) -> None:
        self.evals: list[tuple[float, float]] = []

    def add(self, val: float, test: float) -> None:
        self.evals.append((val, test))

    @property
    def epochs(self) -> int:
        return len(self.evals)


# -- the MLP, in plain torch ------------------------------------------------------------
def build_mlp(cfg: dict[str, Any], seed: int) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    layers: list[torch.nn.Module] = []
    width_in = 40
    act = {
        "relu": torch.nn.ReLU,
        "elu": torch.nn.ELU,
        "gelu": torch.nn.GELU,
        "selu": torch.nn.SELU,
    }[cfg["activation"]]
    for _ in range(cfg["depth"]):
        layers.append(torch.nn.Linear(width_in, cfg["width"]))
        if cfg["batch_norm"]:
            layers.append(torch.nn.BatchNorm1d(cfg["width"]))
        layers.append(act())
        if cfg["dropout"] > 0:
            layers.append(torch.nn.Dropout(cfg["dropout"]))
        width_in = cfg["width"]
    layers.append(torch.nn.Linear(width_in, 10))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(cfg["beta_1"], 0.999))
    return model, opt


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train_epoch(
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    data: dict[str, torch.Tensor],
    batch_size: int,
    gen: torch.Generator,
    ledger: Ledger,
) -> float:
    model.train()
    n = len(data["x_train"])
    order = torch.randperm(n, generator=gen)
    for i in range(0, n - 1, batch_size):  # n - 1: no batch of one (batch norm)
        idx = order[i : i + batch_size]
        if len(idx) < 2:
            break
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data["x_train"][idx]), data["y_train"][idx])
        if not torch.isfinite(loss):
            break
        loss.backward()
        opt.step()
    val = accuracy(model, data["x_val"], data["y_val"])
    ledger.add(val, accuracy(model, data["x_test"], data["y_test"]))
    return val


# -- tunesmith --------------------------------------------------------------------------
def tunesmith_config(hp: Any) -> dict[str, Any]:
    return {
        "lr": hp.Float("lr", 1e-4, 1e-1, sampling="log"),
        "batch_size": hp.Choice("batch_size", BATCH_SIZES),
        "width": hp.Int("width", 16, 256, step=16),
        "depth": hp.Int("depth", 1, 4),
        "activation": hp.Choice("activation", ACTIVATIONS),
        "batch_norm": hp.Boolean("batch_norm"),
        "dropout": hp.Float("dropout", 0.0, 0.5),
        "beta_1": hp.Float("beta_1", 0.5, 0.999, sampling="reverse_log"),
    }


def run_tunesmith(method: str, seed: int, data: dict[str, torch.Tensor], budget: int) -> Ledger:
    from tunesmith import Tuner
    from tunesmith.oracles import BayesianOptimization, CoarseToFine, RandomSearch
    from tunesmith.schedulers import ASHA, FIFO, EagerASHA, Hyperband

    ledger = Ledger()

    def objective(trial: Any) -> float:
        cfg = tunesmith_config(trial.hp)
        model, opt = build_mlp(cfg, trial.seed)
        gen = torch.Generator().manual_seed(trial.seed)
        if trial.parent_directory is not None:
            state = torch.load(trial.parent_directory / "ckpt.pt", weights_only=False)
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            gen.set_state(state["generator"])
            torch.set_rng_state(state["torch_rng"])
        val = 0.0
        for epoch in range(trial.resume_step, trial.budget or MAX_BUDGET):
            val = train_epoch(model, opt, data, cfg["batch_size"], gen, ledger)
            if trial.budget is not None and epoch + 1 == trial.budget < MAX_BUDGET:
                torch.save(
                    {
                        "model": model.state_dict(),
                        "optimizer": opt.state_dict(),
                        "generator": gen.get_state(),
                        "torch_rng": torch.get_rng_state(),
                    },
                    trial.directory / "ckpt.pt",
                )
            trial.report(val, step=epoch)
        return val

    with tempfile.TemporaryDirectory() as tmp:
        if method == "random":
            tuner = Tuner(
                "val_accuracy", oracle=RandomSearch(), scheduler=FIFO(), seed=seed, artifacts=tmp
            )
            while ledger.epochs < budget:
                tuner.search(objective, max_trials=len(tuner.trials) + 1, progress=False)
            return ledger
        oracle: Any
        scheduler: Any
        if method.startswith("asha_"):
            oracle = BayesianOptimization()
            scheduler = ASHA(
                MAX_BUDGET,
                factor=FACTOR,
                finish_after=2 if method == "asha_finish_bo" else None,
                brackets={"asha_brackets2_bo": 2, "asha_brackets4_bo": 4}.get(method, 1),
                model_min_trials=9,
            )
        elif method.startswith("eager_asha"):
            oracle = {
                "eager_asha_bo": BayesianOptimization,
                "eager_asha_random": RandomSearch,
            }.get(method, CoarseToFine)()
            scheduler = EagerASHA(MAX_BUDGET, factor=FACTOR)
        else:
            oracle = {
                "hyperband": RandomSearch(),
                "hyperband_bo": BayesianOptimization(),
            }.get(method) or CoarseToFine(n_coarse=9, top_fraction=0.15, explore=1 / 3)
            scheduler = Hyperband(MAX_BUDGET, factor=FACTOR, iterations=50, model_min_trials=9)
        tuner = Tuner("val_accuracy", oracle=oracle, scheduler=scheduler, seed=seed, artifacts=tmp)
        while ledger.epochs < budget:
            tuner.search(objective, max_trials=len(tuner.trials) + 1, progress=False)
    return ledger


# -- Optuna -----------------------------------------------------------------------------
def run_optuna(method: str, seed: int, data: dict[str, torch.Tensor], budget: int) -> Ledger:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ledger = Ledger()
    pruner: optuna.pruners.BasePruner
    if method == "optuna_hb":
        pruner = optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=MAX_BUDGET, reduction_factor=FACTOR
        )
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=FACTOR)
    # A fixed study name: HyperbandPruner puts a trial in a bracket by a hash of the study's
    # name and the trial's number, and an unnamed study's name holds a random UUID.
    study = optuna.create_study(
        study_name=f"mnist1d-seed{seed}",
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner,
    )

    def objective(trial: optuna.Trial) -> float:
        cfg = {
            "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
            "batch_size": trial.suggest_categorical("batch_size", BATCH_SIZES),
            "width": trial.suggest_int("width", 16, 256, step=16),
            "depth": trial.suggest_int("depth", 1, 4),
            "activation": trial.suggest_categorical("activation", ACTIVATIONS),
            "batch_norm": trial.suggest_categorical("batch_norm", [False, True]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            # Optuna has no reverse_log: sample 1 - beta_1 on a log scale.
            "beta_1": 1 - trial.suggest_float("one_minus_beta_1", 1e-3, 0.5, log=True),
        }
        model, opt = build_mlp(cfg, seed * 100_003 + trial.number)
        gen = torch.Generator().manual_seed(seed * 100_003 + trial.number)
        val = 0.0
        for epoch in range(MAX_BUDGET):
            val = train_epoch(model, opt, data, cfg["batch_size"], gen, ledger)
            trial.report(val, epoch + 1)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return val

    while ledger.epochs < budget:
        study.optimize(objective, n_trials=1)
    return ledger


# -- Keras Tuner ------------------------------------------------------------------------
def keras_mlp(cfg: dict[str, Any], torch_defaults: bool) -> Any:
    """The MLP of ``build_mlp`` in Keras, compiled with Adam. With ``torch_defaults``, it
    starts and normalizes as torch's does: weights and biases uniform within
    1/sqrt(fan_in), batch norm momentum 0.9 (torch's 0.1) and epsilon 1e-5, Adam epsilon
    1e-8; without, Keras' own defaults (Glorot-uniform weights, zero biases, momentum 0.99,
    epsilon 1e-3, Adam epsilon 1e-7). frameworks.py measures what that changes."""
    import keras

    def dense(units: int, fan_in: int) -> Any:
        if not torch_defaults:
            return keras.layers.Dense(units)
        bound = 1 / math.sqrt(fan_in)
        return keras.layers.Dense(
            units,
            kernel_initializer=keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"),
            bias_initializer=keras.initializers.RandomUniform(-bound, bound),
        )

    inputs = keras.Input((40,))
    h, width_in = inputs, 40
    for _ in range(cfg["depth"]):
        h = dense(cfg["width"], width_in)(h)
        if cfg["batch_norm"]:
            bn = {"momentum": 0.9, "epsilon": 1e-5} if torch_defaults else {}
            h = keras.layers.BatchNormalization(**bn)(h)
        h = keras.layers.Activation(cfg["activation"])(h)
        if cfg["dropout"] > 0:
            h = keras.layers.Dropout(cfg["dropout"])(h)
        width_in = cfg["width"]
    model = keras.Model(inputs, dense(10, width_in)(h))
    adam = {"epsilon": 1e-8} if torch_defaults else {}
    model.compile(
        optimizer=keras.optimizers.Adam(cfg["lr"], beta_1=cfg["beta_1"], **adam),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def run_keras_tuner(seed: int, data: dict[str, torch.Tensor], budget: int) -> Ledger:
    import keras
    import keras_tuner as kt

    ledger = Ledger()
    xs = {k: v.numpy() for k, v in data.items()}

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            with torch.no_grad():  # the torch backend: call the model, skip predict()
                val = float(
                    (self.model(data["x_val"], training=False).argmax(1) == data["y_val"])
                    .float()
                    .mean()
                )
                test = float(
                    (self.model(data["x_test"], training=False).argmax(1) == data["y_test"])
                    .float()
                    .mean()
                )
            ledger.add(val, test)
            if ledger.epochs >= budget:
                self.model.stop_training = True

    class MLP(kt.HyperModel):
        def build(self, hp: kt.HyperParameters) -> keras.Model:
            cfg = {
                "activation": hp.Choice("activation", ACTIVATIONS),
                "batch_norm": hp.Boolean("batch_norm"),
                "dropout": hp.Float("dropout", 0.0, 0.5),
                "width": hp.Int("width", 16, 256, step=16),
                "depth": hp.Int("depth", 1, 4),
                "beta_1": hp.Float("beta_1", 0.5, 0.999, sampling="reverse_log"),
                "lr": hp.Float("lr", 1e-4, 1e-1, sampling="log"),
            }
            return keras_mlp(cfg, torch_defaults=TORCH_DEFAULTS_IN_KERAS)

        def fit(self, hp: kt.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            if ledger.epochs >= budget:
                raise kt.errors.FatalError("epoch budget spent")
            return model.fit(
                *args, batch_size=hp.Choice("batch_size", BATCH_SIZES), **{**kwargs, "verbose": 0}
            )

    with tempfile.TemporaryDirectory() as tmp:
        keras.utils.set_random_seed(seed)
        tuner = kt.Hyperband(
            MLP(),
            objective="val_accuracy",
            max_epochs=MAX_BUDGET,
            factor=FACTOR,
            hyperband_iterations=50,
            seed=seed,
            directory=tmp,
            project_name="kt",
            overwrite=True,
        )
        try:
            tuner.search(
                xs["x_train"],
                xs["y_train"],
                validation_data=(xs["x_val"], xs["y_val"]),
                callbacks=[Record()],
                verbose=0,
            )
        except kt.errors.FatalError:
            pass
    return ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--methods", nargs="*", default=METHODS, choices=METHODS)
    parser.add_argument("--budget", type=int, default=400, help="epochs per method")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--out", default=str(HERE / "results"), help="folder for the results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_data(args.n_train)
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    for method in args.methods:
        start = time.monotonic()
        if method in TUNESMITH:
            ledger = run_tunesmith(method, args.seed, data, args.budget)
        elif method.startswith("optuna"):
            ledger = run_optuna(method, args.seed, data, args.budget)
        else:
            ledger = run_keras_tuner(args.seed, data, args.budget)
        seconds = time.monotonic() - start
        record = {
            "method": method,
            "seed": args.seed,
            "budget": args.budget,
            "n_train": args.n_train,
            "max_budget": MAX_BUDGET,
            "factor": FACTOR,
            "seconds": seconds,
            "evals": ledger.evals[: args.budget],
        }
        (out / f"{method}-seed{args.seed}.json").write_text(json.dumps(record))
        best = max(v for v, _ in ledger.evals[: args.budget]) if ledger.evals else math.nan
        print(
            f"{method:16s} seed {args.seed}: {ledger.epochs} epochs, best val {best:.4f}, "
            f"{seconds:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
