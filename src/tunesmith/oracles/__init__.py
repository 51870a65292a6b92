"""Oracles: pick the configurations trials run. Each is seeded and rebuilt from history."""

from collections.abc import Mapping
from typing import Any

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.oracles._base import Oracle, Point
from tunesmith.oracles._bayesian import BayesianOptimization
from tunesmith.oracles._coarse_to_fine import CoarseToFine
from tunesmith.oracles._grid import GridSearch, iter_grid
from tunesmith.oracles._random import RandomSearch

__all__ = [
    "BayesianOptimization",
    "CoarseToFine",
    "GridSearch",
    "Oracle",
    "Point",
    "RandomSearch",
    "from_settings",
    "iter_grid",
]


def from_settings(settings: Mapping[str, Any]) -> Oracle:
    """Rebuilds the oracle a study was created with from its stored settings
    (``Oracle.settings()``), so a worker that joins a study uses the study's oracle.

    Raises:
        InvalidArgumentError: the settings name no oracle of tunesmith.oracles.
    """
    args = {k: v for k, v in settings.items() if k not in ("oracle", "seed")}
    name = settings.get("oracle")
    cls = globals().get(str(name))
    if not (isinstance(cls, type) and issubclass(cls, Oracle)):
        known = sorted(
            n
            for n, c in globals().items()
            if isinstance(c, type) and issubclass(c, Oracle) and c is not Oracle
        )
        raise InvalidArgumentError(
            f"the study's oracle is {name!r}, which is not an oracle of tunesmith.oracles "
            f"({', '.join(known)}). Pass the oracle yourself (Tuner(oracle=...) or "
            "tunesmith worker --oracle module:Class)."
        )
    return cls(**args)
