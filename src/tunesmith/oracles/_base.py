"""Oracle: picks where in the unit cube the next trial goes."""

from __future__ import annotations

import abc
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tunesmith.space import Hyperparameter, SearchSpace
    from tunesmith.trial import Objective, Trial

Point = dict[str, float]


class Oracle(abc.ABC):
    """Chooses the next configuration from the history; seeded and pure.

    The protocol, for implementers:

    - ``suggest`` runs once per new trial, in the worker that will run it, with the space
      known so far, the finished trials (``history``), the trials other workers are running
      (``pending``, whose values are set), the study's objective and a generator seeded
      from the study seed and the trial number. It returns unit coordinates for every
      dimension it wants to set; the space decodes them, and a missing coordinate means the
      parameter's default.
    - An oracle keeps no state between calls that it could not rebuild from ``history``:
      a resumed study, or another worker process, continues exactly. No I/O, no threads.
    - ``suggest_new`` gives a value to a parameter that define-by-run code meets for the
      first time, mid-trial.
    - Raise :class:`~tunesmith.exceptions.SearchSpaceExhausted` when nothing is left.
    """

    @abc.abstractmethod
    def suggest(
        self,
        space: SearchSpace,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        *,
        objective: Objective,
        rng: np.random.Generator,
    ) -> Point:
        """Returns the next trial's point in the unit cube."""

    def suggest_new(self, param: Hyperparameter, rng: np.random.Generator) -> float:
        """A coordinate for a parameter met mid-trial. Default: uniform at random."""
        return float(rng.random())

    #: True for an oracle that raises SearchSpaceExhausted after finitely many trials, so a
    #: search may run without max_trials or timeout.
    ends_by_itself: bool = False

    def settings(self) -> dict[str, Any]:
        """The oracle's name and arguments, stored with the study for the record."""
        return {"oracle": type(self).__name__}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items() if k != "oracle")
        return f"{type(self).__name__}({args})"


def config_key(values: Mapping[str, Any]) -> Hashable:
    """A hashable identity of a configuration (the values of its active parameters)."""
    return frozenset((k, (type(v).__name__, v)) for k, v in values.items())


def seen_keys(trials: Iterable[Trial]) -> set[Hashable]:
    return {config_key(t.values) for t in trials if t.values}


def is_finite_space(space: SearchSpace) -> bool:
    return all(p.n_values is not None for p in space)


def ranked(history: Sequence[Trial], objective: Objective) -> list[Trial]:
    """Trials with a finite value, best first (ties: earlier first)."""
    done = [t for t in history if t.has_value]
    return sorted(done, key=lambda t: (objective.sort_key(t.value), t.number))  # type: ignore[arg-type]


def draw_new(
    space: SearchSpace,
    draw: Any,
    seen: set[Hashable],
    *,
    tries: int = 64,
) -> Point:
    """Calls ``draw()`` until its point decodes to a configuration not in ``seen``.

    In a continuous space a repeat has probability zero, so one draw is taken. In a finite
    space up to ``tries`` draws are made; the last is kept if all repeat (a nearly used-up
    space is better served by a repeat than by a stall).
    """
    point: Point = draw()
    if not seen or not is_finite_space(space):
        return point
    for _ in range(tries):
        if config_key(space.decode(point)) not in seen:
            return point
        point = draw()
    return point
