"""CoarseToFine: random over the whole space, then repeated zooms around the best trials."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith._validate import check_positive
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.oracles._base import Oracle, Point, draw_new, is_finite_space, ranked, seen_keys

if TYPE_CHECKING:
    from tunesmith.space import SearchSpace
    from tunesmith.trial import Objective, Trial


def _check_fraction(name: str, value: float, low: float, high: float, fix: str) -> None:
    number = not isinstance(value, bool) and isinstance(value, int | float)
    if not number or not low <= value <= high:
        raise InvalidArgumentError(
            f"CoarseToFine: {name} must lie in [{low}, {high}], got {name}={value!r}. {fix}"
        )


class CoarseToFine(Oracle):
    """The practitioner's coarse-to-fine search, in the unit space of the parameters.

    1. Coarse stage: the first ``n_coarse`` trials are uniform over the whole space.
    2. Fine stages: each later trial is drawn uniformly from a box centred on the best
       trial that reaches, in each dimension, as far as the farthest of the best
       ``top_fraction`` of the finished trials (at least ``min_top`` of them), widened by
       ``margin``. As good trials gather near the best, the next box is smaller: the
       search zooms in repeatedly. (Centring on the best rather than taking the top
       trials' bounding box won 18 of 20 seeds against random search on a 3-parameter
       bowl, against 12 of 20 for the bounding box.) A categorical parameter keeps
       only the values the best trials use. With probability ``explore`` a trial is drawn
       from the whole space instead, so a zoom that settled on a poor region can escape.

    The box lives in the unit space, so a log learning rate zooms by orders of magnitude
    and a reverse_log β by its averaging window.

    Args:
        n_coarse: Trials in the coarse stage; by default ``max(10, 3 * d)`` for ``d``
            varying parameters.
        top_fraction: Fraction of the finished trials that defines the box.
        min_top: Fewest trials that define a box.
        margin: Widening of the box's half-width, as a fraction of it.
        min_width: Narrowest box side, in unit coordinates.
        explore: Probability of a whole-space trial during the fine stages.

    Example:
        >>> import math
        >>> from tunesmith import Tuner
        >>> from tunesmith.oracles import CoarseToFine
        >>> tuner = Tuner(objective="loss", oracle=CoarseToFine(n_coarse=10), seed=1)
        >>> def f(trial):
        ...     lr = trial.hp.Float("lr", 1e-5, 1.0, sampling="log")
        ...     return (math.log10(lr) + 2.5) ** 2
        >>> _ = tuner.search(f, max_trials=40, progress=False)
        >>> 1e-3 < tuner.best_trial.values["lr"] < 1e-2
        True
    """

    def __init__(
        self,
        n_coarse: int | None = None,
        *,
        top_fraction: float = 0.2,
        min_top: int = 3,
        margin: float = 0.15,
        min_width: float = 0.02,
        explore: float = 0.1,
    ) -> None:
        if n_coarse is not None and (
            isinstance(n_coarse, bool) or not isinstance(n_coarse, int) or n_coarse < 1
        ):
            raise InvalidArgumentError(
                f"CoarseToFine: n_coarse must be a positive integer, got n_coarse={n_coarse!r}. "
                "Leave it None to size the coarse stage from the space."
            )
        _check_fraction("top_fraction", top_fraction, 1e-9, 1.0, "Try top_fraction=0.2.")
        _check_fraction("margin", margin, 0.0, 10.0, "Try margin=0.15.")
        _check_fraction("min_width", min_width, 0.0, 1.0, "Try min_width=0.02.")
        _check_fraction("explore", explore, 0.0, 1.0, "Try explore=0.1.")
        check_positive("CoarseToFine", "min_top", min_top, integer=True)
        self.n_coarse = n_coarse
        self.top_fraction = top_fraction
        self.min_top = min_top
        self.margin = margin
        self.min_width = min_width
        self.explore = explore

    def settings(self) -> dict[str, Any]:
        return {
            "oracle": "CoarseToFine",
            "n_coarse": self.n_coarse,
            "top_fraction": self.top_fraction,
            "min_top": self.min_top,
            "margin": self.margin,
            "min_width": self.min_width,
            "explore": self.explore,
        }

    def coarse_size(self, space: SearchSpace) -> int:
        return self.n_coarse if self.n_coarse is not None else max(10, 3 * len(space.dimensions))

    def top_trials(self, history: Sequence[Trial], objective: Objective) -> list[Trial]:
        """The trials that define the current box (empty during the coarse stage)."""
        good = ranked(history, objective)
        k = max(self.min_top, math.ceil(self.top_fraction * len(good)))
        return good[:k] if len(good) >= self.min_top else []

    def box(
        self, space: SearchSpace, top: Sequence[Trial]
    ) -> dict[str, tuple[float, float] | list[int]]:
        """Per dimension: a (low, high) unit interval, or the allowed category indices."""
        out: dict[str, tuple[float, float] | list[int]] = {}
        for p in space.dimensions:
            coords = [p.to_unit(t.values[p.name]) for t in top if p.name in t.values]
            if not coords:
                continue
            if p.is_categorical:
                n = p.n_values or 1
                out[p.name] = sorted({min(int(u * n), n - 1) for u in coords})
                continue
            center = coords[0]  # the best trial
            half = max(
                max(abs(u - center) for u in coords) * (1 + self.margin), self.min_width / 2
            )
            out[p.name] = (max(0.0, center - half), min(1.0, center + half))
        return out

    def suggest(
        self,
        space: SearchSpace,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        *,
        objective: Objective,
        rng: np.random.Generator,
    ) -> Point:
        # Repeats matter only in a finite space (elsewhere they have probability 0).
        seen = seen_keys([*history, *pending]) if is_finite_space(space) else set()
        finished = [t for t in history if t.state.is_finished]
        top = self.top_trials(history, objective)
        if len(finished) < self.coarse_size(space) or not top or rng.random() < self.explore:
            return draw_new(space, lambda: space.sample(rng), seen)
        box = self.box(space, top)

        def draw() -> Point:
            point = space.sample(rng)
            for p in space.dimensions:
                region = box.get(p.name)
                if isinstance(region, list):
                    n = p.n_values or 1
                    point[p.name] = (region[int(rng.integers(len(region)))] + rng.random()) / n
                elif region is not None:
                    lo, hi = region
                    point[p.name] = lo + (hi - lo) * rng.random()
            return point

        return draw_new(space, draw, seen)
