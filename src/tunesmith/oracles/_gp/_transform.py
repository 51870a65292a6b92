"""The output transform: standardize, Yeo-Johnson, standardize; ranks when that fails.

Objective values are rarely Gaussian: a few diverged runs put a long tail on a loss, and a
GP fitted to the raw values then spends its variance on the tail. A power transform fitted
by maximum likelihood pulls the tail in; where the values defeat it (non-finite results,
or a tail so long the transformed values still hold outliers), the normal scores of the
ranks are used instead, which no outlier can move.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.optimize
import scipy.special
import scipy.stats

#: Largest |z| the power-transformed values may reach before ranks are used instead.
MAX_ABS_SCORE = 6.0


def normal_scores(y: np.ndarray) -> np.ndarray:
    """The normal quantiles of the ranks (ties share their mean rank)."""
    ranks = scipy.stats.rankdata(y)
    return np.asarray(scipy.special.ndtri((ranks - 0.5) / len(y)))


def yeo_johnson(y: np.ndarray, lam: float) -> np.ndarray:
    """The Yeo-Johnson power transform of ``y`` with exponent ``lam`` (increasing in ``y``)."""
    pos = y >= 0
    out = np.empty_like(y)
    a, b = y[pos], y[~pos]
    out[pos] = np.log1p(a) if abs(lam) < 1e-8 else np.expm1(lam * np.log1p(a)) / lam
    if abs(lam - 2.0) < 1e-8:
        out[~pos] = -np.log1p(-b)
    else:
        out[~pos] = -np.expm1((2.0 - lam) * np.log1p(-b)) / (2.0 - lam)
    return out


def fit_yeo_johnson(y: np.ndarray) -> float:
    """The exponent of greatest Gaussian likelihood, in [-3, 3]."""
    log_jac = float((np.sign(y) * np.log1p(np.abs(y))).sum())
    n = len(y)

    def neg_llf(lam: float) -> float:
        var = float(yeo_johnson(y, lam).var())
        if not var > 0 or not np.isfinite(var):
            return math.inf
        return 0.5 * n * math.log(var) - (lam - 1.0) * log_jac

    result = scipy.optimize.minimize_scalar(neg_llf, bounds=(-3.0, 3.0), method="bounded")
    return float(np.asarray(result.x))


def _standardize(y: np.ndarray) -> np.ndarray | None:
    std = float(y.std())
    if not np.isfinite(std) or std <= 1e-12 * max(1.0, float(np.abs(y).max())):
        return None
    return np.asarray((y - y.mean()) / std)


def transform_outputs(y: np.ndarray) -> np.ndarray | None:
    """Values to minimize mapped to a standardized, roughly Gaussian scale, order kept.

    Returns:
        The transformed values, or None when they are constant (nothing to model).
    """
    y = np.asarray(y, dtype=float)
    if len(y) < 2 or float(y.max()) == float(y.min()):
        return None
    out = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        z = _standardize(y)
        if z is not None and np.all(np.isfinite(z)):
            try:
                out = _standardize(yeo_johnson(z, fit_yeo_johnson(z)))
            except (ValueError, FloatingPointError, OverflowError, np.linalg.LinAlgError):
                out = None
    if out is None or not np.all(np.isfinite(out)) or np.abs(out).max() > MAX_ABS_SCORE:
        scores = normal_scores(y)
        out = (scores - scores.mean()) / scores.std()
    return out
