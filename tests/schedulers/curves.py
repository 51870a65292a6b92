"""Synthetic learning curves with real checkpoints, shared by the scheduler tests.

A configuration ``x`` in [0, 1] learns towards ``ceiling(x)`` at a speed set by ``x``; its
state after each step is saved as JSON in the trial's folder, and a promoted trial must find
its parent's state at the step before ``resume_step``, or it fails.
"""

from __future__ import annotations

import json
import math
import time

from tunesmith import RunningTrial

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
