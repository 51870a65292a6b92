"""Parallel coordinates: one line per finished trial, each axis on its parameter's own scale.

An axis's coordinate is the parameter's scale coordinate, labelled with real values:

- ``linear``: the value itself;
- ``log``: ``log10(value)``, ticks at the powers of ten (the learning rate's decades);
- ``reverse_log``: ``-log10(1 - value)``, so 0.9, 0.99, 0.999 sit one unit apart and the
  axis still grows with the value (β's averaging window ``1 / (1 - β)``);
- categorical (``Choice``, ``Boolean``): the value's index, labelled with the value.

A trial where a conditional parameter was inactive sits on an extra "inactive" tick below
the axis.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tunesmith.analysis._snapshot import Snapshot
from tunesmith.trial import Objective

if TYPE_CHECKING:
    from tunesmith.space import Hyperparameter
    from tunesmith.trial import Trial

AxisScale = Literal["linear", "log", "reverse_log", "categorical"]
INACTIVE = "inactive"


@dataclasses.dataclass(frozen=True)
class ParallelAxis:
    """One parameter's axis.

    Attributes:
        name: The parameter's name.
        label: The axis title, naming the scale.
        scale: How values map to coordinates (see the module docstring).
        coords: Per trial, its coordinate on this axis.
        lo, hi: The axis range in coordinates (the inactive tick included).
        ticks: Tick positions, in coordinates.
        tick_labels: What each tick shows (values, not coordinates).
    """

    name: str
    label: str
    scale: AxisScale
    coords: np.ndarray
    lo: float
    hi: float
    ticks: tuple[float, ...]
    tick_labels: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ParallelData:
    """The plot data of parallel coordinates.

    Attributes:
        objective: The colour's meaning.
        numbers: Trial numbers, one line each.
        values: The objective per trial (the colour, and the last axis).
        axes: One per parameter, in definition order.
        best_number: The best trial's number, if any.
    """

    objective: Objective
    numbers: np.ndarray
    values: np.ndarray
    axes: tuple[ParallelAxis, ...]
    best_number: int | None


def _forward(sampling: str, x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if sampling == "log":
            return np.log10(x)  # type: ignore[no-any-return]
        if sampling == "reverse_log":
            return -np.log10(1.0 - x)
    return x


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def coordinates(param: Hyperparameter, raw: Sequence[Any]) -> np.ndarray:
    """Values (None when inactive) as coordinates on the parameter's axis (NaN if inactive)."""
    if hasattr(param, "sampling"):
        x = np.array([math.nan if v is None else float(v) for v in raw])
        return _forward(str(param.sampling), x)
    index: dict[Any, float] = {(type(v), v): float(i) for i, v in enumerate(param.grid() or [])}
    return np.array([math.nan if v is None else index.get((type(v), v), math.nan) for v in raw])


def _numeric_axis(param: Hyperparameter, raw: Sequence[Any]) -> ParallelAxis:
    sampling = str(param.sampling)  # type: ignore[attr-defined]
    coords = coordinates(param, raw)
    lo, hi = (float(c) for c in _forward(sampling, np.array([param.min_value, param.max_value])))  # type: ignore[attr-defined]
    if sampling == "linear":
        ticks = list(np.linspace(lo, hi, 5)) if hi > lo else [lo]
        if param.kind == "Int":
            ticks = sorted({float(round(t)) for t in ticks})
        labels = [_fmt(t) for t in ticks]
        label = param.name
    else:
        ticks = [float(k) for k in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)]
        if len(ticks) < 2:
            ticks = sorted({lo, *ticks, hi})
        if sampling == "log":
            labels = [_fmt(10.0**t) for t in ticks]
            label = f"{param.name} (log)"
        else:
            labels = [_fmt(1.0 - 10.0 ** (-t)) for t in ticks]
            label = f"{param.name} (log of 1 - value)"
    return _with_inactive(param.name, label, sampling, coords, lo, hi, ticks, labels)  # type: ignore[arg-type]


def _categorical_axis(param: Hyperparameter, raw: Sequence[Any]) -> ParallelAxis:
    grid = param.grid() or []
    coords = coordinates(param, raw)
    ticks = [float(i) for i in range(len(grid))]
    return _with_inactive(
        param.name, param.name, "categorical", coords, 0.0, len(grid) - 1.0, ticks,
        [str(v) for v in grid],
    )  # fmt: skip


def _with_inactive(
    name: str,
    label: str,
    scale: AxisScale,
    coords: np.ndarray,
    lo: float,
    hi: float,
    ticks: list[float],
    labels: list[str],
) -> ParallelAxis:
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    missing = ~np.isfinite(coords)
    if missing.any():
        at = lo - 0.1 * (hi - lo)
        coords = np.where(missing, at, coords)
        ticks, labels, lo = [at, *ticks], [INACTIVE, *labels], at
    return ParallelAxis(name, label, scale, coords, lo, hi, tuple(ticks), tuple(labels))


def axis_for(param: Hyperparameter, trials: list[Trial]) -> ParallelAxis:
    """The axis of one parameter over ``trials``."""
    raw = [t.values.get(param.name) for t in trials]
    if hasattr(param, "sampling"):
        return _numeric_axis(param, raw)
    return _categorical_axis(param, raw)


def parallel_data(snapshot: Snapshot) -> ParallelData:
    """Parallel-coordinates data of the finished trials with a value.

    Example:
        >>> from tunesmith import Float, InMemoryStorage, Objective, SearchSpace, TrialState
        >>> from tunesmith.analysis import load_snapshot
        >>> storage = InMemoryStorage()
        >>> space = SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log")])
        >>> _ = storage.create_study("s", Objective("loss"), space)
        >>> t = storage.create_trial("s", values={"lr": 1e-3})
        >>> _ = storage.finish_trial("s", t.number, TrialState.COMPLETED, value=0.5)
        >>> axis = parallel_data(load_snapshot(storage, "s")).axes[0]
        >>> axis.scale, axis.coords.tolist(), axis.tick_labels
        ('log', [-3.0], ('0.0001', '0.001', '0.01', '0.1'))
    """
    trials = snapshot.finished
    best = snapshot.best
    return ParallelData(
        objective=snapshot.study.objective,
        numbers=np.array([t.number for t in trials], dtype=int),
        values=np.array([t.value for t in trials], dtype=float),
        axes=tuple(axis_for(p, trials) for p in snapshot.params),
        best_number=best.number if best else None,
    )
