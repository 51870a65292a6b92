"""Synthetic studies whose truth is known: only the learning rate and β1 matter."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tunesmith import Boolean, Choice, Condition, Float, Int, Objective, SearchSpace
from tunesmith.storage import InMemoryStorage, SQLStorage, Storage
from tunesmith.trial import TrialState

DISTRACTORS = ("units", "layers", "batch_size", "dropout", "activation", "batch_norm")


def make_space(*, conditional: bool = False) -> SearchSpace:
    params = [
        Float("learning_rate", 1e-5, 1e-1, sampling="log"),
        Float("beta_1", 0.8, 0.999, sampling="reverse_log"),
        Int("units", 16, 256, step=16),
        Int("layers", 1, 4),
        Choice("batch_size", [16, 32, 64, 128]),
        Float("dropout", 0.0, 0.5),
        Choice("activation", ["relu", "gelu", "selu"]),
        Boolean("batch_norm"),
    ]
    if conditional:
        params.append(Float("momentum", 0.5, 0.99, conditions=[Condition("activation", "relu")]))
    return SearchSpace(params)


def true_loss(values: dict[str, object], rng: np.random.Generator) -> float:
    """Bowl in log10(lr) around 1e-3, smaller bowl in log10(1 - β1) around 0.99, noise."""
    lr = float(values["learning_rate"])  # type: ignore[arg-type]
    beta = float(values["beta_1"])  # type: ignore[arg-type]
    return float(
        (np.log10(lr) + 3.0) ** 2 / 4.0
        + 0.35 * (np.log10(1.0 - beta) + 2.0) ** 2
        + 0.02 * rng.normal()
    )


def fill_study(
    storage: Storage,
    name: str = "synthetic",
    *,
    n_trials: int = 300,
    n_steps: int = 5,
    seed: int = 0,
    conditional: bool = False,
    running: int = 0,
    failed_every: int = 0,
    stopped_every: int = 0,
) -> SearchSpace:
    """Random trials of the synthetic objective, each reporting a learning curve."""
    space = make_space(conditional=conditional)
    storage.create_study(name, Objective("val_loss"), space)
    rng = np.random.default_rng(seed)
    for i in range(n_trials):
        values = space.decode(space.sample(rng))
        t = storage.create_trial(name, values=values)
        final = true_loss(values, rng)
        stopped = stopped_every and i % stopped_every == stopped_every - 1
        steps = 2 if stopped else n_steps
        for step in range(steps):
            storage.report(
                name, t.number, step, final + 1.0 / (step + 1), {"train_loss": final * 0.9}
            )
        if i >= n_trials - running:
            continue
        if failed_every and i % failed_every == failed_every - 1:
            storage.finish_trial(name, t.number, TrialState.FAILED, error="diverged")
        elif stopped:
            storage.finish_trial(name, t.number, TrialState.STOPPED, value=final + 0.5)
        else:
            storage.finish_trial(name, t.number, TrialState.COMPLETED, value=final + 1.0 / steps)
    return space


@pytest.fixture
def memory_study() -> Callable[..., InMemoryStorage]:
    def make(**kwargs: object) -> InMemoryStorage:
        storage = InMemoryStorage()
        fill_study(storage, **kwargs)  # type: ignore[arg-type]
        return storage

    return make


@pytest.fixture(scope="session")
def sqlite_study(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small mixed study in SQLite: completed, stopped, failed and running trials.

    Shared by the tests that only read it (analysis never writes trial results, and
    ``test_report_is_read_only`` checks that)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'study.db'}"
    storage = SQLStorage(url)
    fill_study(storage, n_trials=60, running=2, failed_every=13, stopped_every=5)
    storage.close()
    return url
