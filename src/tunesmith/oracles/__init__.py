"""Oracles: pick the configurations trials run. Each is seeded and rebuilt from history."""

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
    "iter_grid",
]
