"""Between a search space's unit coordinates and the arrays the GP reads.

A configuration is a row of unit coordinates, one per varying parameter, NaN where the
parameter is inactive (or unknown to an older trial). Ordered parameters (Float, Int,
ordered Choice) stay numeric; a grid of at most ``MAX_SNAP`` values is snapped to its
cells' centres inside the acquisition, so the model scores exactly the configuration
that will run. Unordered choices become one-hot blocks with an extra "inactive" column.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.oracles._base import config_key
from tunesmith.oracles._gp._fit import Layout
from tunesmith.oracles._gp._kernel import Inputs
from tunesmith.space import Choice, Float, Hyperparameter, Int, SearchSpace

#: Largest grid snapped to its values inside the acquisition; larger ones are treated as
#: continuous and rounded once, at the end.
MAX_SNAP = 256
_MISSING = object()


def grid_size(param: Hyperparameter) -> int | None:
    """The number of values of a finite parameter, without listing them; None if infinite."""
    if isinstance(param, Choice):
        return len(param.values)
    if isinstance(param, Int | Float):
        if param.n_grid is not None:
            return param.n_grid
        if isinstance(param, Int):
            return int(param.max_value) - int(param.min_value) + 1
        return 1 if param.min_value == param.max_value else None
    return None


class Encoding:
    """How one search space maps to GP inputs.

    Args:
        space: The space; its varying parameters are the columns, in order.
        pinned: A parameter held at ``pinned_at`` in every configuration the acquisition
            scores (the budget, see ``_budget.py``): never climbed, and not part of a
            configuration's identity.
        pinned_at: Where ``pinned`` is held, on its unit scale (1: the top of its range).
    """

    def __init__(
        self, space: SearchSpace, pinned: str | None = None, pinned_at: float = 1.0
    ) -> None:
        self.space = space
        self.pinned = pinned
        self.pinned_at = pinned_at
        #: The space without the pinned parameter: what the oracle proposes from.
        self.base_space = (
            space if pinned is None else SearchSpace([p for p in space if p.name != pinned])
        )
        self.dims = space.dimensions
        self.column = {p.name: j for j, p in enumerate(self.dims)}
        self.numeric = np.array([j for j, p in enumerate(self.dims) if not p.is_categorical])
        self.numeric = self.numeric.astype(int)
        self.categorical = [j for j, p in enumerate(self.dims) if p.is_categorical]
        self.n_values = [grid_size(self.dims[j]) or 1 for j in self.categorical]
        self.layout = Layout(len(self.numeric), tuple(n + 1 for n in self.n_values))
        self.centers: dict[int, np.ndarray] = {}
        for j in self.numeric:
            size = grid_size(self.dims[j])
            if size is not None and size <= MAX_SNAP:
                p = self.dims[j]
                self.centers[j] = np.array(sorted(p.to_unit(v) for v in p.grid() or ()))
        pin = self.column.get(pinned) if pinned is not None else None
        #: Positions, inside the numeric block, of the coordinates refined by gradient.
        self.continuous = np.array(
            [k for k, j in enumerate(self.numeric) if j not in self.centers and j != pin],
            dtype=int,
        )
        self.is_conditional = any(p.conditions for p in space)
        self._units: list[dict[Any, float]] = [{} for _ in self.dims]
        self._trial_rows: dict[int, tuple[Any, np.ndarray]] = {}

    @property
    def n_dims(self) -> int:
        return len(self.dims)

    # -- configurations -> rows -----------------------------------------------------------
    def row(self, values: Mapping[str, Any]) -> np.ndarray:
        """Unit coordinates of a configuration, NaN where a parameter has no value."""
        out = np.full(self.n_dims, np.nan)
        for j, p in enumerate(self.dims):
            v = values.get(p.name, _MISSING)
            if v is _MISSING:
                continue
            cache = self._units[j]
            key = (type(v), v)
            u = cache.get(key)
            if u is None:
                try:
                    u = p.to_unit(v)
                except (InvalidSpaceError, TypeError, ValueError):
                    u = math.nan
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = u
            out[j] = u
        return out

    def trial_rows(self, trials: Sequence[Any]) -> np.ndarray:
        """``rows`` of the trials' values, cached by trial number (checked against the
        values, so a stale entry is never used)."""
        cache = self._trial_rows
        out = []
        for t in trials:
            hit = cache.get(t.number)
            if hit is None or hit[0] != t.values:
                hit = cache[t.number] = (t.values, self.row(t.values))
            out.append(hit[1])
        return np.array(out) if out else np.empty((0, self.n_dims))

    def rows(self, configurations: Iterable[Mapping[str, Any]]) -> np.ndarray:
        out = [self.row(v) for v in configurations]
        return np.array(out) if out else np.empty((0, self.n_dims))

    # -- rows <-> GP inputs ---------------------------------------------------------------
    def pin(self, units: np.ndarray) -> np.ndarray:
        """A copy of ``units`` with the pinned coordinate at ``pinned_at``."""
        out = units.copy()
        if self.pinned is not None and self.pinned in self.column:
            out[:, self.column[self.pinned]] = self.pinned_at
        return out

    def at_pin(self, units: np.ndarray) -> np.ndarray:
        """Which of the rows ``units`` sit where the pinned coordinate is held (all of them
        when nothing is pinned)."""
        if self.pinned is None or self.pinned not in self.column:
            return np.ones(len(units), dtype=bool)
        column = units[:, self.column[self.pinned]]
        return np.asarray(np.abs(column - self.pinned_at) < 1e-9)

    def key(self, point: Mapping[str, float]) -> Hashable:
        """The identity of the configuration at ``point`` (the pinned parameter left out)."""
        values = self.space.decode(point)
        if self.pinned is not None:
            values.pop(self.pinned, None)
        return config_key(values)

    def snap(self, units: np.ndarray) -> np.ndarray:
        """Moves each discrete coordinate to the centre of its value's cell, and the pinned
        one to where it is pinned."""
        out = self.pin(units)
        for j, c in self.centers.items():
            col = out[:, j]
            idx = np.searchsorted((c[1:] + c[:-1]) / 2.0, np.nan_to_num(col))
            out[:, j] = np.where(np.isnan(col), np.nan, c[idx])
        for j, n in zip(self.categorical, self.n_values, strict=True):
            col = out[:, j]
            k = np.clip(np.floor(np.nan_to_num(col) * n), 0, n - 1)
            out[:, j] = np.where(np.isnan(col), np.nan, (k + 0.5) / n)
        return out

    def deactivate(self, units: np.ndarray) -> np.ndarray:
        """Sets the coordinates of parameters that the row's own values deactivate to NaN."""
        if not self.is_conditional:
            return units
        out = units.copy()
        active: dict[str, np.ndarray] = {}
        m = len(units)
        for p in self.space:
            on = np.ones(m, dtype=bool)
            for cond in p.conditions:
                parent = self.space[cond.parent]
                on &= active.get(parent.name, np.zeros(m, dtype=bool))
                if parent.is_fixed:
                    on &= parent.default_value in cond.values
                    continue
                col = out[:, self.column[parent.name]]
                uniq, inverse = np.unique(np.nan_to_num(col, nan=0.5), return_inverse=True)
                ok = np.array([parent.from_unit(u) in cond.values for u in uniq], dtype=bool)
                on &= ok[inverse.ravel()]
            active[p.name] = on
            if p.name in self.column:
                out[~on, self.column[p.name]] = np.nan
        return out

    def inputs(self, units: np.ndarray) -> Inputs:
        """GP inputs of rows of unit coordinates (NaN: inactive)."""
        num = units[:, self.numeric]
        mask = (~np.isnan(num)).astype(float)
        blocks = []
        for j, n in zip(self.categorical, self.n_values, strict=True):
            col = units[:, j]
            k = np.clip(np.floor(np.nan_to_num(col) * n), 0, n - 1).astype(int)
            k = np.where(np.isnan(col), n, k)
            blocks.append(np.eye(n + 1)[k])
        onehot = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(units), 0))
        return Inputs(np.nan_to_num(num), mask, onehot)

    def point(self, row: np.ndarray) -> dict[str, float]:
        """The oracle's answer for a row; large grids are rounded to a value here."""
        out: dict[str, float] = {}
        for j, p in enumerate(self.dims):
            u = float(row[j])
            if not math.isfinite(u):
                u = 0.5
            elif j not in self.centers and grid_size(p) is not None:
                u = p.to_unit(p.from_unit(u))
            out[p.name] = u
        return out

    def finite_rows(self, limit: int) -> np.ndarray | None:
        """Every configuration of a finite space with at most ``limit`` of them, else None;
        the pinned parameter is not counted (it is held where it is pinned)."""
        from tunesmith.oracles._grid import iter_grid

        sizes = [grid_size(p) for p in self.dims if p.name != self.pinned]
        if any(s is None for s in sizes) or math.prod(s or 1 for s in sizes) > limit:
            return None
        return self.pin(self.rows(iter_grid(self.base_space)))
