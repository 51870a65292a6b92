"""Oracles: pick the configurations trials run. Each is seeded and rebuilt from history."""

import sys
from collections.abc import Mapping
from typing import Any

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.oracles._base import Oracle, Point
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


def __getattr__(name: str) -> Any:
    # BayesianOptimization pulls in scipy.stats (half a second): imported on first use, so
    # `import tunesmith` and every worker process start fast.
    if name == "BayesianOptimization":
        from tunesmith.oracles._bayesian import BayesianOptimization

        globals()[name] = BayesianOptimization
        return BayesianOptimization
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def from_settings(settings: Mapping[str, Any]) -> Oracle:
    """Rebuilds the oracle a study was created with from its stored settings
    (``Oracle.settings()``), so a worker that joins a study uses the study's oracle.

    Raises:
        InvalidArgumentError: the settings name no oracle of tunesmith.oracles.
    """
    args = {k: v for k, v in settings.items() if k not in ("oracle", "seed")}
    name = settings.get("oracle")
    cls = getattr(sys.modules[__name__], str(name), None) if name in __all__ else None
    if not (isinstance(cls, type) and issubclass(cls, Oracle)):
        known = [n for n in __all__ if n[0].isupper() and n not in ("Oracle", "Point")]
        raise InvalidArgumentError(
            f"the study's oracle is {name!r}, which is not an oracle of tunesmith.oracles "
            f"({', '.join(known)}). Pass the oracle yourself (Tuner(oracle=...) or "
            "tunesmith worker --oracle module:Class)."
        )
    return cls(**args)
