"""GridSearch: every combination of the discrete values, in order; kept for comparison."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tunesmith.exceptions import InvalidSpaceError, SearchSpaceExhausted
from tunesmith.oracles._base import Oracle, Point, config_key, seen_keys
from tunesmith.space import Value
from tunesmith.trial import TrialState

if TYPE_CHECKING:
    from tunesmith.space import Hyperparameter, SearchSpace
    from tunesmith.trial import Objective, Trial


def _grid_of(param: Hyperparameter) -> list[Value]:
    grid = param.grid()
    if grid is None:
        raise InvalidSpaceError(
            f"GridSearch: {param.kind}({param.name!r}) has no step, so the grid is infinite. "
            "Give it step=..., or use RandomSearch."
        )
    return grid


def iter_grid(space: SearchSpace) -> Iterator[dict[str, Value]]:
    """Every configuration of a finite space; inactive parameters are left out."""
    params = list(space)
    grids = {p.name: _grid_of(p) for p in params}

    def walk(i: int, values: dict[str, Value]) -> Iterator[dict[str, Value]]:
        if i == len(params):
            yield dict(values)
            return
        p = params[i]
        if not p.is_active(values):
            yield from walk(i + 1, values)
            return
        for v in grids[p.name]:
            values[p.name] = v
            yield from walk(i + 1, values)
        del values[p.name]

    return walk(0, {})


class GridSearch(Oracle):
    """Tries every combination of the parameters' values, first parameter outermost.

    Every parameter must be finite: ``Int``, ``Choice``, ``Boolean``, ``Fixed`` or a
    ``Float`` with a ``step``. With ``k`` trials running elsewhere, the next trial takes one
    of the next ``k + 1`` untried points at random (in order when it runs alone). Kept to
    compare with random search, which explores the important parameters better for the same
    number of trials. Configurations already
    tried (failed ones included) or running are skipped; a parameter met mid-trial takes
    its first value. Raises SearchSpaceExhausted when the grid is done.

    Example:
        >>> from tunesmith.oracles import GridSearch
        >>> from tunesmith.space import Choice, Int, SearchSpace
        >>> space = SearchSpace([Int("depth", 1, 2), Choice("act", ["relu", "gelu"])])
        >>> [v for v in iter_grid(space)][:2]
        [{'depth': 1, 'act': 'relu'}, {'depth': 1, 'act': 'gelu'}]
    """

    ends_by_itself = True

    def suggest(
        self,
        space: SearchSpace,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        *,
        objective: Objective,
        rng: np.random.Generator,
    ) -> Point:
        ran = (TrialState.COMPLETED, TrialState.STOPPED)
        if not space.names and any(t.state in ran for t in history):
            # An objective that defines nothing has one configuration, and it ran.
            raise SearchSpaceExhausted(
                "GridSearch: the objective defines no hyperparameters, so its one "
                "configuration has been tried. Define some with trial.hp (or space=)."
            )
        seen = seen_keys([*history, *pending])
        # In order; with other workers running, one of the next few untried points at
        # random, so workers asking at once do not all reach for the same one.
        ahead: list[dict[str, Value]] = []
        for values in iter_grid(space):
            if config_key(values) not in seen:
                ahead.append(values)
                if len(ahead) > len(pending):
                    break
        if ahead:
            return space.encode(ahead[int(rng.integers(len(ahead)))])
        raise SearchSpaceExhausted(
            f"GridSearch: all {sum(1 for _ in iter_grid(space))} configurations of the grid "
            "have been tried. Widen the space, or switch to RandomSearch to go on."
        )

    def suggest_new(self, param: Hyperparameter, rng: np.random.Generator) -> float:
        return param.to_unit(_grid_of(param)[0])
