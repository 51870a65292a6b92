"""The initial design: scrambled Sobol points, placed far from what was already tried."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.stats.qmc


def sobol(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` scrambled Sobol points in ``[0, 1)^d`` (``n`` rounded up to a power of 2)."""
    m = max(1, int(np.ceil(np.log2(max(n, 2)))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(scipy.stats.qmc.Sobol(d, scramble=True, seed=rng).random_base2(m))


def maximin_order(distances: np.ndarray) -> np.ndarray:
    """Candidate indices, farthest first from the points already placed.

    Args:
        distances: (n_candidates, n_existing) distances; with no existing points the
            candidates keep their order.
    """
    if distances.shape[1] == 0:
        return np.arange(distances.shape[0])
    nearest = distances.min(1)
    return np.argsort(-nearest, kind="stable")
