"""Percentile and median stopping: end a trial whose curve trails the others' at its step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.schedulers._base import Assignment, Scheduler
from tunesmith.trial import TrialState

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial


def _best_up_to(trial: Trial, step: int, objective: Objective) -> float | None:
    values = [
        r.value
        for r in trial.reports
        if r.step <= step and r.value is not None and np.isfinite(r.value)
    ]
    if not values:
        return None
    return max(values) if objective.direction == "max" else min(values)


class PercentileStopping(Scheduler):
    """Stops a trial whose best value so far is outside the best ``percentile`` % of the
    other trials' best values at the same step.

    Only trials that reported at or past the step count; nothing stops before
    ``warmup_steps`` or while fewer than ``min_trials`` others can be compared. Each trial
    runs to the budget its objective chooses; a stopped trial is recorded as STOPPED with
    the reason in its ``stopped`` attribute.

    Args:
        percentile: The share of trials, in percent, that goes on at each step (50 keeps
            the better half: median stopping).
        min_trials: Fewest other trials at the step before any trial is stopped.
        warmup_steps: Steps before which no trial is stopped.

    Example:
        >>> from tunesmith.schedulers import PercentileStopping
        >>> PercentileStopping(25.0, min_trials=3)
        PercentileStopping(percentile=25.0, min_trials=3, warmup_steps=0)
    """

    stops_early = True

    def __init__(self, percentile: float, *, min_trials: int = 5, warmup_steps: int = 0) -> None:
        where = type(self).__name__
        number = not isinstance(percentile, bool) and isinstance(percentile, int | float)
        if not number or not 0.0 < percentile <= 100.0:
            raise InvalidArgumentError(
                f"{where}: percentile must lie in (0, 100], got percentile={percentile!r}. "
                "It is the share of trials kept at each step; 50 is median stopping."
            )
        for name, value in (("min_trials", min_trials), ("warmup_steps", warmup_steps)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgumentError(
                    f"{where}: {name} must be a non-negative integer, got {name}={value!r}."
                )
        self.percentile = float(percentile)
        self.min_trials = min_trials
        self.warmup_steps = warmup_steps

    def settings(self) -> dict[str, Any]:
        return {
            "scheduler": type(self).__name__,
            "percentile": self.percentile,
            "min_trials": self.min_trials,
            "warmup_steps": self.warmup_steps,
        }

    def assign(self, trials: Sequence[Trial], *, objective: Objective) -> Assignment:
        return Assignment()

    def should_stop(
        self, trial: Trial, trials: Sequence[Trial], *, objective: Objective
    ) -> str | None:
        step = trial.last_step
        if step is None or step < self.warmup_steps:
            return None
        mine = _best_up_to(trial, step, objective)
        if mine is None:
            return None
        others = []
        for t in trials:
            if t.number == trial.number or t.state is TrialState.FAILED:
                continue
            if t.last_step is None or t.last_step < step:
                continue
            best = _best_up_to(t, step, objective)
            if best is not None:
                others.append(best)
        if len(others) < max(self.min_trials, 1):
            return None
        if objective.direction == "max":
            threshold = float(np.percentile(others, 100.0 - self.percentile))
            worse = mine < threshold
        else:
            threshold = float(np.percentile(others, self.percentile))
            worse = mine > threshold
        if not worse:
            return None
        return (
            f"{type(self).__name__} at step {step}: best {objective.name} so far {mine:.6g} "
            f"is outside the best {self.percentile:g}% of {len(others)} trials at that step "
            f"(threshold {threshold:.6g})"
        )


class MedianStopping(PercentileStopping):
    """Stops a trial whose best value so far is worse than the median of the other trials'
    at the same step (Google Vizier's rule); see :class:`PercentileStopping`.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import MedianStopping
        >>> def objective(trial):
        ...     x = trial.hp.Float("x", 0.0, 1.0)
        ...     for step in range(10):
        ...         trial.report(x * (step + 1), step=step)
        ...         if trial.should_stop():
        ...             break
        ...     return x * (step + 1)
        >>> tuner = Tuner("score", scheduler=MedianStopping(min_trials=3), seed=0)
        >>> _ = tuner.search(objective, max_trials=12, progress=False)
        >>> any(t.state.name == "STOPPED" for t in tuner.trials)
        True
    """

    def __init__(self, *, min_trials: int = 5, warmup_steps: int = 0) -> None:
        super().__init__(50.0, min_trials=min_trials, warmup_steps=warmup_steps)

    def settings(self) -> dict[str, Any]:
        return {
            "scheduler": "MedianStopping",
            "min_trials": self.min_trials,
            "warmup_steps": self.warmup_steps,
        }
