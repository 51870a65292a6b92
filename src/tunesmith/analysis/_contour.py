"""Slice and contour view of the two most important parameters.

The slices show each trial's value against one parameter, with the surrogate's marginal
(its prediction averaged over every other parameter) as a line; the contour shows the
surrogate's marginal over both parameters, with the trials on top. Axes use the same
coordinates as parallel coordinates (log decades for log parameters, and so on).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tunesmith.analysis._encoding import encode
from tunesmith.analysis._importance import importance
from tunesmith.analysis._parallel import ParallelAxis, axis_for, coordinates
from tunesmith.analysis._snapshot import Snapshot
from tunesmith.analysis._surrogate import Forest, fit_forest, marginal
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.trial import Objective

_GRID = 40


@dataclasses.dataclass(frozen=True)
class SliceData:
    """One parameter against the objective.

    Attributes:
        axis: The parameter's axis (trial coordinates, ticks, labels).
        values: The objective per trial (same order as ``axis.coords``).
        grid: Coordinates along the axis where the surrogate's marginal is given.
        mean: The surrogate's marginal at ``grid``.
    """

    axis: ParallelAxis
    values: np.ndarray
    grid: np.ndarray
    mean: np.ndarray


@dataclasses.dataclass(frozen=True)
class ContourData:
    """The plot data of the slice/contour view.

    Attributes:
        objective: What the values are.
        slices: One per parameter shown (two, or one if the space has one).
        z: The surrogate's marginal over both parameters, ``(len(slices[1].grid),
            len(slices[0].grid))``; None with one parameter.
        numbers: Trial numbers of the points.
    """

    objective: Objective
    slices: tuple[SliceData, ...]
    z: np.ndarray | None
    numbers: np.ndarray


def _unit_grid(n_values: int | None) -> np.ndarray:
    n = n_values if n_values is not None and n_values <= _GRID else _GRID
    return (np.arange(n) + 0.5) / n


def contour_data(
    snapshot: Snapshot,
    params: tuple[str, ...] | None = None,
    *,
    forest: Forest | None = None,
    seed: int = 0,
) -> ContourData:
    """Slices and contour of two parameters (the two most important by default).

    Args:
        snapshot: The study and its trials.
        params: One or two parameter names; by default the top two by fanova importance.
        forest: A surrogate already fitted to ``encode(snapshot)``, to reuse it.
        seed: Seeds the surrogate when it is fitted here.

    Returns:
        The slices and the contour.

    Raises:
        InvalidArgumentError: a name that is not a parameter of the study, or no finished
            trial to fit a surrogate to.
        MissingDependencyError: scikit-learn is not installed.
    """
    encoded = encode(snapshot)
    if len(encoded) < 2:
        raise InvalidArgumentError(
            f"contour_data: needs at least 2 finished trials with a value, got "
            f"{len(encoded)} in study {snapshot.study.name!r}. Wait for more trials."
        )
    names = encoded.names
    if not names:
        raise InvalidArgumentError(
            f"contour_data: study {snapshot.study.name!r} has no parameters to plot. Define "
            "some with trial.hp."
        )
    if params is not None and (
        isinstance(params, str) or not 1 <= len(params) <= 2 or len(set(params)) != len(params)
    ):
        raise InvalidArgumentError(
            f"contour_data: params must be one or two distinct parameter names, got "
            f"params={params!r}. Write e.g. params=({names[0]!r},)."
        )
    forest = forest if forest is not None else fit_forest(encoded, seed=seed)
    if params is None:
        params = tuple(importance(snapshot, forest=forest).ranking[:2])
    for name in params:
        if name not in names:
            raise InvalidArgumentError(
                f"contour_data: {name!r} is not a parameter of study "
                f"{snapshot.study.name!r}, got params={params!r}. Use some of {names}."
            )
    trials = snapshot.finished
    dims = tuple(names.index(n) for n in params)
    slices = []
    grids = []
    for d in dims:
        param = encoded.params[d]
        grid = param.grid()
        unit = _unit_grid(len(grid) if grid is not None else None)
        coords = coordinates(param, [param.from_unit(u) for u in unit])
        # A rounded (Int) grid can repeat a value; keep each once.
        keep = np.sort(np.unique(coords, return_index=True)[1])
        unit, coords = unit[keep], coords[keep]
        grids.append(unit)
        slices.append(
            SliceData(
                axis_for(param, trials),
                encoded.values,
                coords,
                marginal(forest, (d,), (unit,)),
            )
        )
    z = marginal(forest, dims, tuple(grids)).T if len(dims) == 2 else None
    return ContourData(snapshot.study.objective, tuple(slices), z, encoded.numbers)
