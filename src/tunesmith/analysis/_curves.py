"""Learning curves: what each trial reported step by step, running and stopped ones too."""

from __future__ import annotations

import dataclasses

import numpy as np

from tunesmith.analysis._snapshot import Snapshot
from tunesmith.execution._changes import SCHEDULE_ATTR
from tunesmith.trial import Objective


@dataclasses.dataclass(frozen=True)
class Curve:
    """One trial's reported objective by step.

    Attributes:
        number: The trial's number.
        state: Its state's name: ``"running"``, ``"completed"``, ``"stopped"`` (ended
            early by a scheduler), ``"failed"`` or ``"waiting"``.
        steps: The steps it reported at, ascending.
        values: The objective's value at each step.
        changes: Hyperparameter changes made while it trained (``tunesmith set``,
            population-based training), as (step, "name=value, ...") from its schedule.
    """

    number: int
    state: str
    steps: np.ndarray
    values: np.ndarray
    changes: tuple[tuple[int, str], ...] = ()

    def value_at(self, step: int) -> float:
        """The reported value at ``step``, or the last one before it (NaN if none)."""
        i = int(np.searchsorted(self.steps, step, side="right")) - 1
        return float(self.values[i]) if i >= 0 else float("nan")


@dataclasses.dataclass(frozen=True)
class CurvesData:
    """The plot data of the learning curves.

    Attributes:
        objective: What the values are and which way is better.
        curves: One per trial that reported at least one value, by trial number.
        best_number: The best trial's number (drawn on top), if any.
    """

    objective: Objective
    curves: tuple[Curve, ...]
    best_number: int | None

    def changes(self) -> list[tuple[Curve, int, str]]:
        """Every mid-run change: (the trial's curve, from which step, what changed)."""
        return [(c, step, what) for c in self.curves for step, what in c.changes]

    def by_state(self) -> dict[str, list[Curve]]:
        """The curves grouped by state, in a fixed order (completed, stopped, running,
        failed, waiting)."""
        order = ("completed", "stopped", "running", "failed", "waiting")
        groups: dict[str, list[Curve]] = {s: [] for s in order}
        for c in self.curves:
            groups[c.state].append(c)
        return {s: g for s, g in groups.items() if g}

    @property
    def best(self) -> Curve | None:
        for c in self.curves:
            if c.number == self.best_number:
                return c
        return None


def curves_data(snapshot: Snapshot) -> CurvesData:
    """The learning curves of every trial that reported the objective.

    Example:
        >>> from tunesmith import InMemoryStorage, Objective
        >>> from tunesmith.analysis import load_snapshot
        >>> storage = InMemoryStorage()
        >>> _ = storage.create_study("s", Objective("loss"))
        >>> t = storage.create_trial("s")
        >>> for step, v in enumerate([0.9, 0.5]):
        ...     storage.report("s", t.number, step, v)
        >>> c = curves_data(load_snapshot(storage, "s")).curves[0]
        >>> c.state, c.values.tolist()
        ('running', [0.9, 0.5])
    """
    curves = []
    for t in snapshot.trials:
        points = [(r.step, r.value) for r in t.reports if r.value is not None]
        if not points:
            continue
        steps, values = zip(*points, strict=True)
        changes = tuple(
            (
                int(c["step"]),
                ", ".join(
                    f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in c["values"].items()
                ),
            )
            for c in t.attrs.get(SCHEDULE_ATTR, [])
        )
        curves.append(
            Curve(
                t.number,
                t.state.value,
                np.array(steps),
                np.array(values, dtype=float),
                changes,
            )
        )
    best = snapshot.best
    return CurvesData(snapshot.study.objective, tuple(curves), best.number if best else None)
