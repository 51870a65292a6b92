"""Log expected improvement, computed without underflow, and its maximization.

For a minimized objective with incumbent ``best``, posterior mean ``μ`` and standard
deviation ``σ``, ``EI = σ h(u)`` with ``u = (best - μ) / σ`` and
``h(u) = u Φ(u) + φ(u)``. Far from the incumbent ``h`` underflows to 0 in floating point,
and a flat zero gives the candidate search nothing to climb; ``log h`` is computed instead:
directly where ``h`` is large, and for ``u < -1`` as
``log φ(u) + log1p(-|u| √(π/2) erfcx(|u|/√2))`` (the Mills ratio form), with the
asymptote ``-u²/2 - log √(2π) - 2 log |u|`` beyond ``|u| = 1e4``.

When the search has stalled, :func:`acquisition_front` gives the candidates that no other
beats on all of log EI, log probability of improvement and the lower confidence bound at
once: from the most cautious step to the boldest, a range the oracle then draws from.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.optimize
import scipy.special

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi / 2.0)
_SQRT_2 = math.sqrt(2.0)


def log_h(u: np.ndarray) -> np.ndarray:
    """``log(u Φ(u) + φ(u))``, finite for every finite ``u``."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    mid = u > -1.0
    um = u[mid]
    out[mid] = np.log(um * scipy.special.ndtr(um) + np.exp(-0.5 * um * um - _LOG_SQRT_2PI))
    far = u < -1e4
    tail = ~mid & ~far
    a = -u[tail]
    out[tail] = (
        -0.5 * a * a - _LOG_SQRT_2PI + np.log1p(-a * _SQRT_PI_2 * scipy.special.erfcx(a / _SQRT_2))
    )
    a = -u[far]
    out[far] = -0.5 * a * a - _LOG_SQRT_2PI - 2.0 * np.log(a)
    return out


def log_ei(
    mean: np.ndarray, var: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log EI`` for minimization, and its derivatives by the mean and the variance."""
    sd = np.sqrt(var)
    u = (best - mean) / sd
    lh = log_h(u)
    # d log h / du = Φ(u) / h(u), taken in logs so it stays finite far in the tail.
    tau = np.exp(scipy.special.log_ndtr(u) - lh)
    value = np.log(sd) + lh
    d_mean = -tau / sd
    d_var = (1.0 - tau * u) / (2.0 * var)
    return value, d_mean, d_var


def ucb_width(n_observed: int, n_dims: int) -> float:
    """How many standard deviations the lower confidence bound reaches below the mean.

    The GP-UCB schedule of Srinivas et al. (2010) at a confidence of 0.9, halved as is
    usual in practice: it widens slowly as the history grows, so the bound keeps pointing at
    regions the model knows little about.
    """
    n = max(n_observed, 1)
    beta = 2.0 * ((n_dims / 2.0 + 2.0) * math.log(n) + math.log(math.pi**2 / 0.3))
    return math.sqrt(0.5 * beta)


def acquisition_front(mean: np.ndarray, var: np.ndarray, best: float, width: float) -> np.ndarray:
    """Indices of the candidates on the Pareto front of log EI, log PI and the lower
    confidence bound ``mean - width * sd`` (all for minimization), in index order.

    Candidates with a non-finite criterion are left out; an empty front means none was
    finite.
    """
    sd = np.sqrt(var)
    with np.errstate(all="ignore"):
        crit = np.stack(
            [
                log_ei(mean, var, best)[0],
                scipy.special.log_ndtr((best - mean) / sd),
                -(mean - width * sd),
            ],
            axis=1,
        )
    ok = np.flatnonzero(np.all(np.isfinite(crit), axis=1))
    # The lexicographically best remaining candidate is beaten by none: it joins the front,
    # and whatever it dominates leaves. The cost is (candidates x front size), not squared.
    rest = ok[np.lexsort(-crit[ok].T[::-1])]
    front = []
    while len(rest):
        top = crit[rest[0]]
        c = crit[rest]
        dominated = np.all(c <= top, axis=1) & np.any(c < top, axis=1)
        front.append(rest[0])
        dominated[0] = True
        rest = rest[~dominated]
    return np.sort(np.array(front, dtype=int))


def refine(
    score: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    starts: np.ndarray,
    *,
    max_iter: int = 20,
) -> np.ndarray:
    """Climbs ``score`` from each row of ``starts`` inside the unit box, all at once.

    ``score(x)`` takes an (m, k) array and returns the (m,) scores and their (m, k)
    gradients. The rows do not interact, so one L-BFGS-B run on their sum refines the
    whole batch for the cost of numpy calls on (m, k) arrays.
    """
    m, k = starts.shape

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = score(flat.reshape(m, k))
        return -float(value.sum()), -grad.ravel()

    with np.errstate(all="ignore"):
        result = scipy.optimize.minimize(
            fun,
            starts.ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * (m * k),
            options={"maxiter": max_iter},
        )
    x = np.clip(result.x.reshape(m, k), 0.0, 1.0)
    return np.where(np.isfinite(x), x, starts)
