"""Optimization history: each finished trial's value and the best so far, by trial number."""

from __future__ import annotations

import dataclasses

import numpy as np

from tunesmith.analysis._snapshot import Snapshot
from tunesmith.trial import Objective


@dataclasses.dataclass(frozen=True)
class HistoryData:
    """The plot data of the optimization history.

    Attributes:
        objective: What the values are and which way is better.
        numbers: Trial numbers of the finished trials with a value, ascending.
        values: Their values.
        best_so_far: The best value among trials up to each number.
        states: Their states' names (``"completed"`` or ``"stopped"``).
        n_failed: How many trials failed (not drawn: they have no value).
        n_running: How many trials are still running or waiting.
    """

    objective: Objective
    numbers: np.ndarray
    values: np.ndarray
    best_so_far: np.ndarray
    states: tuple[str, ...]
    n_failed: int
    n_running: int


def history_data(snapshot: Snapshot) -> HistoryData:
    """The optimization history of a study.

    Example:
        >>> from tunesmith import InMemoryStorage, Objective, TrialState
        >>> from tunesmith.analysis import load_snapshot
        >>> storage = InMemoryStorage()
        >>> _ = storage.create_study("s", Objective("loss"))
        >>> for v in [3.0, 1.0, 2.0]:
        ...     t = storage.create_trial("s")
        ...     _ = storage.finish_trial("s", t.number, TrialState.COMPLETED, value=v)
        >>> history_data(load_snapshot(storage, "s")).best_so_far.tolist()
        [3.0, 1.0, 1.0]
    """
    objective = snapshot.study.objective
    done = snapshot.finished
    values = np.array([t.value for t in done], dtype=float)
    if objective.direction == "max":
        best = np.maximum.accumulate(values) if len(values) else values
    else:
        best = np.minimum.accumulate(values) if len(values) else values
    finished = sum(t.state.is_finished for t in snapshot.trials)
    failed = sum(t.state.name == "FAILED" for t in snapshot.trials)
    return HistoryData(
        objective=objective,
        numbers=np.array([t.number for t in done], dtype=int),
        values=values,
        best_so_far=best,
        states=tuple(t.state.value for t in done),
        n_failed=failed,
        n_running=len(snapshot.trials) - finished,
    )
