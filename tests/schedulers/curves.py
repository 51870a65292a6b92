"""Synthetic learning curves with real checkpoints, shared by the scheduler tests.

A configuration ``x`` in [0, 1] learns towards ``ceiling(x)`` at a speed set by ``x``; its
state after each step is saved as JSON in the trial's folder, and a promoted trial must find
its parent's state at the step before ``resume_step``, or it fails.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tunesmith import RunningTrial, Trial, Tuner
from tunesmith.oracles import Oracle, RandomSearch
from tunesmith.schedulers import Scheduler

STATE = "state.json"


def ceiling(x: float) -> float:
    return 0.9 - 0.6 * (x - 0.7) ** 2


def accuracy(x: float, step: int) -> float:
    """Fast learners (large x) lead early; the ceiling peaks at x = 0.7, so early and late
    rankings differ a little, as real curves do."""
    return ceiling(x) * (1.0 - math.exp(-(step + 1) * (0.2 + x)))


def curve_objective(trial: RunningTrial, *, sleep: float = 0.0) -> float:
    x = trial.hp.Float("x", 0.0, 1.0)
    epochs_done = 0
    if trial.parent_directory is not None:
        state = json.loads((trial.parent_directory / STATE).read_text())
        if state["step"] != trial.resume_step - 1 or state["x"] != x:
            raise RuntimeError(f"bad checkpoint {state} for resume_step {trial.resume_step}")
        epochs_done = state["epochs"]
    budget = trial.budget if trial.budget is not None else 10
    value = 0.0
    for step in range(trial.resume_step, budget):
        time.sleep(sleep)
        epochs_done += 1
        value = accuracy(x, step)
        (trial.directory / STATE).write_text(
            json.dumps({"step": step, "x": x, "epochs": epochs_done})
        )
        trial.report(value, step=step)
        if trial.should_stop():
            break
    return value


def check_asha_paths(trials: Sequence[Trial], promotable: Callable[[int, int], int]) -> None:
    """Each trial starts at its bracket's first rung (rung 0, budget 1, but for
    ``ASHA(brackets=...)``) or continues its parent one rung up in the same bracket; when it
    was promoted, its parent was among the best ``promotable(n, rung)`` of the ``n``
    results its bracket's rung held then (the trials ran one at a time). Rung ``k`` has
    budget ``3**k``."""
    by = {t.number: t for t in trials}
    for t in trials:
        start = t.attrs.get("start_rung", 0)
        assert t.budget == 3.0 ** t.attrs["rung"]
        if t.parent is None:
            assert t.attrs["rung"] == start
            continue
        parent = by[t.parent]
        assert t.attrs["rung"] == parent.attrs["rung"] + 1
        assert parent.attrs.get("start_rung", 0) == start
        rung = [
            u
            for u in trials
            if u.attrs["rung"] == parent.attrs["rung"]
            and u.attrs.get("start_rung", 0) == start
            and u.number < t.number
        ]
        better = sum(1 for u in rung if u.value > parent.value)  # type: ignore[operator]
        assert better < promotable(len(rung), parent.attrs["rung"])


def first_at(trials: Sequence[Trial], budget: float) -> int:
    """The number of the first trial run to ``budget``."""
    return next(t.number for t in trials if t.budget == budget)


def search_curves(
    scheduler: Scheduler, artifacts: Path, n: int, *, oracle: Oracle | None = None, seed: int = 0
) -> list[Trial]:
    """``n`` trials of :func:`curve_objective` under ``scheduler`` (RandomSearch by default),
    one at a time."""
    tuner = Tuner(
        "accuracy",
        scheduler=scheduler,
        oracle=oracle or RandomSearch(),
        seed=seed,
        artifacts=artifacts,
    )
    tuner.search(curve_objective, max_trials=n, progress=False)
    return tuner.trials
