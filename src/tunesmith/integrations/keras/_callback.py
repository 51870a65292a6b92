"""The Keras callback that ties model.fit to a tunesmith trial."""

from __future__ import annotations

import math
from typing import Any

import keras

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.execution import RunningTrial
from tunesmith.integrations.keras import _checkpoint
from tunesmith.integrations.keras._compat import NON_FINITE, OnceWarner
from tunesmith.trial import Objective


class BestSoFar:
    """The best objective value of a trial across its executions (whose weights are kept)."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        self.value: float | None = None
        self.step: int | None = None

    def improves(self, value: float) -> bool:
        return self.value is None or self.objective.is_better(value, self.value)


class TrialCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Reports each epoch's logs to the trial and keeps the trial's weights.

    After each epoch: the objective must be in the logs (else the search stops with the
    fix); a non-finite objective ends training (the trial then fails); the full state is
    saved for a later continuation when the trial has a budget (``save_last``); the
    weights of the best epoch so far are saved; the logs are reported as step ``epoch``
    (``report``); and training stops when the trial should stop (a scheduler's decision,
    or its budget reached).

    Args:
        trial: The running trial.
        best: The trial's best value so far, shared by its executions.
        report: Report the epochs to the trial (the first execution only).
        save_last: Save weights and optimizer state after every epoch.
        warner: Issues the non-finite warning once per tuner.
    """

    def __init__(
        self,
        trial: RunningTrial,
        best: BestSoFar,
        *,
        report: bool,
        save_last: bool,
        warner: OnceWarner,
    ) -> None:
        super().__init__()
        self.trial = trial
        self.best = best
        self.report = report
        self.save_last = save_last
        self.warner = warner
        self.diverged = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        name = self.best.objective.name
        if name not in logs:
            raise InvalidArgumentError(
                f"tuner: the objective {name!r} is not among the metrics model.fit logs "
                f"({', '.join(sorted(logs)) or 'none'}). Pass validation_data (for val_ "
                "metrics), compile the model with that metric, or change objective=."
            )
        value = float(logs[name])
        if not math.isfinite(value):
            self.diverged = True
            self.warner.warn(
                "non_finite", NON_FINITE.format(number=self.trial.number, metric=name, value=value)
            )
            self.model.stop_training = True
            return
        folder = self.trial.directory
        if self.save_last:
            _checkpoint.save_last(self.model, folder)
        if self.best.improves(value):
            self.best.value, self.best.step = value, epoch
            _checkpoint.save_best(self.model, folder)
        if self.report:
            metrics = {k: float(v) for k, v in logs.items() if _is_number(v)}
            self.trial.report(step=epoch, **metrics)
            if self.trial.should_stop():
                self.model.stop_training = True


def _is_number(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False
