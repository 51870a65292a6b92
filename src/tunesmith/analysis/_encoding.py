"""Finished trials as a matrix in the unit cube: the common input of importance and plots.

Each parameter's values go through its own ``to_unit``, so a log parameter is spread evenly
over its decades, a reverse_log one over the decades of ``1 - value``, and a categorical one
gives each value an equal cell. An inactive (conditional) or unreadable value is NaN.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.exceptions import InvalidSpaceError

if TYPE_CHECKING:
    from tunesmith.analysis._snapshot import Snapshot
    from tunesmith.space import Hyperparameter
    from tunesmith.trial import Trial


@dataclasses.dataclass(frozen=True)
class Encoded:
    """The finished trials as numbers.

    Attributes:
        params: The parameters, one column each.
        unit: ``(n_trials, n_params)`` unit coordinates; NaN where a parameter was inactive.
        values: The objective's value per trial.
        numbers: The trial numbers, in the same row order.
    """

    params: tuple[Hyperparameter, ...]
    unit: np.ndarray
    values: np.ndarray
    numbers: np.ndarray

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def __len__(self) -> int:
        return len(self.values)


def unit_column(param: Hyperparameter, trials: Sequence[Trial]) -> np.ndarray:
    """One parameter's unit coordinates over ``trials`` (NaN when inactive or invalid)."""
    cache: dict[Any, float] = {}
    out = np.empty(len(trials))
    name = param.name
    for i, t in enumerate(trials):
        v = t.values.get(name)
        if v is None:
            out[i] = math.nan
            continue
        key = (type(v), v)
        u = cache.get(key)
        if u is None:
            try:
                u = param.to_unit(v)
            except InvalidSpaceError:
                u = math.nan
            cache[key] = u
        out[i] = u
    return out


def encode(snapshot: Snapshot) -> Encoded:
    """Encodes the snapshot's finished trials (those with a finite value).

    Example:
        >>> from tunesmith import Float, InMemoryStorage, Objective, SearchSpace, TrialState
        >>> from tunesmith.analysis import load_snapshot
        >>> storage = InMemoryStorage()
        >>> space = SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log")])
        >>> _ = storage.create_study("s", Objective("loss"), space)
        >>> t = storage.create_trial("s", values={"lr": 1e-2})
        >>> _ = storage.finish_trial("s", t.number, TrialState.COMPLETED, value=0.5)
        >>> encode(load_snapshot(storage, "s")).unit.round(3).tolist()
        [[0.667]]
    """
    trials = snapshot.finished
    params = tuple(snapshot.params)
    unit = np.empty((len(trials), len(params)))
    for j, p in enumerate(params):
        unit[:, j] = unit_column(p, trials)
    values = np.array([t.value for t in trials], dtype=float)
    numbers = np.array([t.number for t in trials], dtype=int)
    return Encoded(params, unit, values, numbers)
