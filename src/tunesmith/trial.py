"""Trial records, their states, and the objective a study optimizes.

A :class:`Trial` is a frozen record: the storage creates it and hands out copies; the worker
running a trial changes it only through the storage.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import enum
import math
from collections.abc import Mapping
from typing import Any, Literal

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.space import Value

Direction = Literal["min", "max"]

_MAXIMIZE_HINTS = ("acc", "accuracy", "auc", "f1", "precision", "recall", "r2", "score", "iou")
_MINIMIZE_HINTS = ("loss", "error", "err", "mse", "mae", "rmse", "nll", "perplexity", "regret")


class TrialState(enum.Enum):
    """Where a trial is in its life.

    ``WAITING`` (enqueued, not yet claimed) → ``RUNNING`` → ``COMPLETED`` | ``STOPPED``
    (ended early by a scheduler; its last report counts) | ``FAILED`` (raised, returned a
    non-finite value, or its worker died).
    """

    WAITING = "waiting"
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETED, TrialState.STOPPED, TrialState.FAILED)


@dataclasses.dataclass(frozen=True)
class Objective:
    """The metric a study optimizes and its direction.

    Args:
        name: The metric's name, e.g. ``"val_accuracy"``.
        direction: ``"min"`` or ``"max"``. When None it is inferred from the name:
            accuracy, AUC, F1 and score-like names maximize; loss and error-like names
            minimize.

    Example:
        >>> Objective("val_accuracy").direction
        'max'
        >>> Objective("val_loss").direction
        'min'
    """

    name: str
    direction: Direction = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgumentError(
                f"Objective: name must be a non-empty string, got name={self.name!r}. "
                "Name the metric, e.g. Objective('val_accuracy')."
            )
        direction = self.direction
        if direction is None:
            direction = self._infer(self.name)
        aliases = {"minimize": "min", "maximize": "max"}
        direction = aliases.get(str(direction).lower(), str(direction).lower())  # type: ignore[assignment]
        if direction not in ("min", "max"):
            raise InvalidArgumentError(
                f"Objective({self.name!r}): direction must be 'min' or 'max', "
                f"got direction={self.direction!r}."
            )
        object.__setattr__(self, "direction", direction)

    @staticmethod
    def _infer(name: str) -> Direction:
        tokens = name.lower().replace("-", "_").split("_")
        last = tokens[-1]
        if last in _MINIMIZE_HINTS or name.lower().endswith(("loss", "error")):
            return "min"
        if last in _MAXIMIZE_HINTS:
            return "max"
        give = f"direction='min' or direction='max', e.g. Objective({name!r}, 'max')"
        close = difflib.get_close_matches(last, [*_MINIMIZE_HINTS, *_MAXIMIZE_HINTS], 1, 0.75)
        if close:  # val_accurcy: a typo is likelier than a metric of its own
            typo = name[: len(name) - len(last)] + close[0]
            advice = f"If it is a typo of {typo!r}, fix the name; else give {give}."
        else:
            advice = f"Give {give}."
        raise InvalidArgumentError(
            f"Objective({name!r}): cannot tell whether to minimize or maximize it. {advice}"
        )

    @classmethod
    def coerce(cls, objective: Objective | str) -> Objective:
        return objective if isinstance(objective, Objective) else cls(objective)

    def is_better(self, a: float, b: float) -> bool:
        """True when value ``a`` is strictly better than ``b``."""
        return a > b if self.direction == "max" else a < b

    def sort_key(self, value: float) -> float:
        """A key that sorts best first."""
        return -value if self.direction == "max" else value


@dataclasses.dataclass(frozen=True)
class Report:
    """What a trial reported at one step: the objective's value and any other metrics."""

    step: int
    value: float | None
    metrics: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Trial:
    """One configuration tried once; a frozen copy of what the storage holds.

    Attributes:
        number: Unique and increasing within the study, from 0.
        state: See :class:`TrialState`.
        values: The hyperparameter values of the active parameters.
        value: The final objective value (None unless COMPLETED or STOPPED).
        reports: What the trial reported, by step, in step order.
        started_at, finished_at, heartbeat_at: Times in UTC.
        error: On failure, the error's one-line message; ``traceback`` the whole of it.
        seed: The seed the trial's random generator was made from.
        worker: Who ran it (host, process).
        parent: The trial this one continues or retries, if any.
        budget: The resource it ran to (epochs by default), when a scheduler sets one.
        attrs: Free-form attributes set by the user or the system.
    """

    number: int
    state: TrialState
    values: Mapping[str, Value] = dataclasses.field(default_factory=dict)
    value: float | None = None
    reports: tuple[Report, ...] = ()
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    heartbeat_at: datetime.datetime | None = None
    error: str | None = None
    traceback: str | None = None
    seed: int | None = None
    worker: str | None = None
    parent: int | None = None
    budget: float | None = None
    attrs: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def last_step(self) -> int | None:
        return self.reports[-1].step if self.reports else None

    @property
    def has_value(self) -> bool:
        """True when the trial counts for ranking: finished with a finite value."""
        return (
            self.state in (TrialState.COMPLETED, TrialState.STOPPED)
            and self.value is not None
            and math.isfinite(self.value)
        )

    def metric(self, name: str) -> dict[int, float]:
        """One reported metric by step (the objective's own name reads ``value``)."""
        out: dict[int, float] = {}
        for r in self.reports:
            if name in r.metrics:
                out[r.step] = r.metrics[name]
        return out


#: Set in the attrs of the trial a storage queues again after its worker died: the number
#: of the failed trial it repeats (same values, budget and parent; see
#: ``Storage.fail_stale_trials``).
RETRY_OF_ATTR = "retry_of"

#: Set (True) in the attrs of a trial that a scheduler hands its oracle with a score in
#: place of the objective's value (EagerASHA's ladder history): the scores rank the
#: configurations, but a new configuration cannot beat the best on arrival, so their order
#: says nothing about whether the search is still making progress.
SCORE_ONLY_ATTR = "score_only"

#: Set in the attrs of a trial a multi-fidelity scheduler hands its oracle (EagerASHA's
#: ladder, Hyperband's and ASHA's BOHB rule): a :class:`BudgetResults` with the
#: configuration's own results at every budget it finished, so an oracle that models the
#: budget can learn from the values themselves.
BUDGET_RESULTS_ATTR = "budget_results"

#: ``(trial number, budget, value)``: one result of a configuration at one budget.
BudgetResult = tuple[int, float, float]


@dataclasses.dataclass(frozen=True)
class BudgetResults:
    """A configuration's results at each budget it finished, and the schedule's budgets.

    Attributes:
        results: ``(trial number, budget, value)`` for each trial of the configuration
            (the first and each promotion that has a value), smallest budget first.
        min_budget: The schedule's smallest budget.
        max_budget: The schedule's largest budget.
        target: The budget at which a new configuration is judged; None: ``max_budget``.
    """

    results: tuple[BudgetResult, ...]
    min_budget: float
    max_budget: float
    target: float | None = None


def best_trial(trials: list[Trial] | tuple[Trial, ...], objective: Objective) -> Trial | None:
    """The best trial with a finite value; ties go to the earlier trial."""
    ranked = [t for t in trials if t.has_value]
    if not ranked:
        return None
    return min(ranked, key=lambda t: (objective.sort_key(t.value), t.number))  # type: ignore[arg-type]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
