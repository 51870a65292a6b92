"""RandomSearch: uniform over the unit cube, so every scale samples as it should."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tunesmith.oracles._base import Oracle, Point, draw_new, is_finite_space, seen_keys

if TYPE_CHECKING:
    from tunesmith.space import SearchSpace
    from tunesmith.trial import Objective, Trial


class RandomSearch(Oracle):
    """Samples each trial uniformly in the unit cube.

    Uniform in the unit cube is uniform on each parameter's own scale: log-uniform for a
    ``log`` learning rate, log-uniform ``1 - β`` for ``reverse_log``. Preferred over a grid:
    with the same budget it tries as many distinct values of each important parameter as
    there are trials. In a finite space it does not repeat a configuration already tried or
    running while an untried one can be drawn.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.oracles import RandomSearch
        >>> tuner = Tuner(objective="loss", oracle=RandomSearch(), seed=0)
        >>> _ = tuner.search(lambda t: (t.hp.Float("x", -1, 1) - 0.3) ** 2, max_trials=20,
        ...                  progress=False)
        >>> abs(tuner.best_trial.values["x"] - 0.3) < 0.2
        True
    """

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
        return draw_new(space, lambda: space.sample(rng), seen)
