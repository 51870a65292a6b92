"""keras_tuner's read-side views over tunesmith's trials: Trial, metrics and the oracle."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tunesmith._validate import as_int
from tunesmith.space import HyperParameters, SearchSpace
from tunesmith.trial import Objective, TrialState
from tunesmith.trial import Trial as Record

_STATUS = {
    TrialState.WAITING: "IDLE",
    TrialState.RUNNING: "RUNNING",
    TrialState.COMPLETED: "COMPLETED",
    TrialState.STOPPED: "COMPLETED",
    TrialState.FAILED: "FAILED",
}


def trial_id(number: int) -> str:
    """keras_tuner's zero-padded trial id for a tunesmith trial number."""
    return f"{number:02d}"


class TrialMetrics:
    """A trial's per-epoch metrics, read as keras_tuner's ``trial.metrics`` is.

    Args:
        record: The tunesmith trial.
        objective: The study's objective (its direction ranks the objective's own values;
            other metrics take the direction their name suggests, else ``min``).
    """

    def __init__(self, record: Record, objective: Objective) -> None:
        self._record = record
        self._objective = objective

    def exists(self, name: str) -> bool:
        return bool(self._record.metric(name))

    def get_history(self, name: str) -> list[float]:
        """The metric's values in step order."""
        by_step = self._record.metric(name)
        return [by_step[s] for s in sorted(by_step)]

    def get_last_value(self, name: str) -> float | None:
        history = self.get_history(name)
        return history[-1] if history else None

    def get_best_value(self, name: str) -> float | None:
        history = [v for v in self.get_history(name) if math.isfinite(v)]
        if not history:
            return None
        return max(history) if self._direction(name) == "max" else min(history)

    def _direction(self, name: str) -> str:
        if name == self._objective.name:
            return self._objective.direction
        try:
            return Objective(name).direction
        except ValueError:
            return "min"


@dataclasses.dataclass(frozen=True)
class Trial:
    """One trial as keras_tuner shows it (``oracle.get_best_trials()`` returns these).

    Attributes:
        trial_id: The zero-padded trial number, ``"03"``.
        hyperparameters: The trial's values, readable with ``hp.get(name)`` or ``hp.values``.
        score: The objective's value (best epoch, averaged over executions), or None.
        status: ``"COMPLETED"``, ``"RUNNING"``, ``"FAILED"`` or ``"IDLE"``.
        best_step: The epoch whose weights were kept, when known.
        metrics: Per-epoch metrics (``get_history``, ``get_best_value``, ...).
        record: The tunesmith trial underneath.
    """

    trial_id: str
    hyperparameters: HyperParameters
    score: float | None
    status: str
    best_step: int | None
    metrics: TrialMetrics
    record: Record

    @classmethod
    def from_record(cls, record: Record, space: SearchSpace, objective: Objective) -> Trial:
        best_step = record.attrs.get("best_step")
        return cls(
            trial_id=trial_id(record.number),
            hyperparameters=HyperParameters(space.copy(), record.values),
            score=record.value,
            status=_STATUS[record.state],
            best_step=None if best_step is None else int(best_step),
            metrics=TrialMetrics(record, objective),
            record=record,
        )

    def summary(self) -> None:
        """Prints the trial as keras_tuner's results summary does."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        if self.record.error:
            print(self.record.error)


def best_records(records: Sequence[Record], objective: Objective) -> list[Record]:
    """Trials with a value, best first (ties: earlier first), one per configuration: a
    configuration continued by later trials (Hyperband promotions) shows its best run."""
    ranked = sorted(
        (r for r in records if r.has_value),
        key=lambda r: (objective.sort_key(r.value), r.number),  # type: ignore[arg-type]
    )
    seen: set[frozenset[tuple[str, Any]]] = set()
    out = []
    for r in ranked:
        key = frozenset((k, repr(v)) for k, v in r.values.items())
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


class OracleView:
    """``tuner.oracle``: keras_tuner's read-side oracle API over tunesmith's study.

    Args:
        records: Returns the study's trials, in number order.
        space: Returns the study's space.
        objective: The study's objective.
        max_trials: The trial budget, if any.
    """

    def __init__(
        self,
        records: Callable[[], list[Record]],
        space: Callable[[], SearchSpace],
        objective: Objective,
        max_trials: int | None,
    ) -> None:
        self._records = records
        self._space = space
        self.objective = objective
        self.max_trials = max_trials

    @property
    def hyperparameters(self) -> HyperParameters:
        """The search space met so far (defaults as values)."""
        space = self._space()
        return HyperParameters(space.copy(), space.defaults())

    def get_space(self) -> HyperParameters:
        return self.hyperparameters

    @property
    def trials(self) -> Mapping[str, Trial]:
        """Every trial, by trial id."""
        space = self._space()
        return {
            trial_id(r.number): Trial.from_record(r, space, self.objective)
            for r in self._records()
        }

    def get_trial(self, trial_id: str) -> Trial:
        return self.trials[trial_id]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The best ``num_trials`` trials, best first."""
        num_trials = as_int(
            "get_best_trials",
            "num_trials",
            num_trials,
            1,
            "Ask for 1 or more: get_best_models(1), get_best_hyperparameters(3).",
        )
        space = self._space()
        best = best_records(self._records(), self.objective)[:num_trials]
        return [Trial.from_record(r, space, self.objective) for r in best]
