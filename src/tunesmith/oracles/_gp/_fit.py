"""Fitting the GP's hyperparameters: the marginal likelihood with priors, by L-BFGS-B.

The hyperparameters live in one vector ``theta`` of logs (see :class:`Layout`): a length
scale per numeric dimension, one per categorical, Kumaraswamy ``a`` and ``b`` per numeric
dimension, the signal variance and the noise variance. Each has a Gaussian prior on its
log, so few observations give a sensible model rather than a degenerate one; the length
scale prior grows with the square root of the dimension (see :meth:`Layout.prior`). The
constant prior mean is not in ``theta``: for each ``theta`` it takes its best value in
closed form (:func:`constant_mean`).

The warping is a model choice, not a free gift: :func:`fit` fits the kernel with and
without it and keeps the warped fit only when it raises the log posterior by more than the
Bayesian information criterion charges for its ``2 d`` parameters (``d log n``). With a
few dozen points a bend of the inputs is rarely worth that, and an unwarranted one bends
the space where the data are thin (it made BO slower to converge in 25 trials).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.optimize

from tunesmith.oracles._gp._kernel import Inputs, matern52, sq_dist
from tunesmith.oracles._gp._warping import kumaraswamy_grads

JITTER = 1e-8
#: The centre of the prior on the noise variance (of the standardized objective).
NOISE_PRIOR = 1e-4
_LOG_2PI = math.log(2.0 * math.pi)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where each hyperparameter sits in ``theta``.

    Args:
        n_numeric: Numeric dimensions (each has a length scale and a warping).
        cat_widths: One-hot width of each categorical (its values plus "inactive").
    """

    n_numeric: int
    cat_widths: tuple[int, ...]

    @property
    def n_cat(self) -> int:
        return len(self.cat_widths)

    @property
    def size(self) -> int:
        return 3 * self.n_numeric + self.n_cat + 2

    def split(self, theta: np.ndarray) -> Params:
        d, c = self.n_numeric, self.n_cat
        e = np.exp(theta)
        return Params(
            s=e[:d] ** -2.0,
            t=e[d : d + c] ** -2.0,
            a=e[d + c : 2 * d + c],
            b=e[2 * d + c : 3 * d + c],
            signal=float(e[-2]),
            noise=float(e[-1]),
            t_cols=np.repeat(e[d : d + c] ** -2.0, self.cat_widths),
        )

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Means and standard deviations of the Gaussian priors on ``theta``.

        Length scales: log-normal around ``sqrt(d) / 3`` (a longer scale in more
        dimensions, after Hvarfner et al., 2024, but shorter than theirs: their prior,
        tried here, left the model too smooth to leave a basin in 25-100 trials; and
        shorter than the ``0.5 sqrt(d)`` used before, under which a model fitted to a few
        dozen points could be sure of a slope across the whole range and cling to an edge
        of the space, as Branin's runs did). Warping:
        log-normal around the identity, bounded to [1/2, 2] (wider warps let a few points
        bend the space so far that the edges looked unexplored; see the benchmark notes).
        Signal variance around 1 (``y`` is standardized). Noise: log-normal around
        ``1e-4`` with a standard deviation of 3 (a factor of 20), so a deterministic
        objective is interpolated and a noisy one still finds its level; a tight prior
        around ``e^-4`` held the noise near 2% of the variance, which hid the differences
        between good configurations and slowed the last steps to an optimum.
        """
        d, c = self.n_numeric, self.n_cat
        scale_mean = math.log(1.0 / 3.0) + 0.5 * math.log(max(d + c, 1))
        mean = np.concatenate(
            [np.full(d + c, scale_mean), np.zeros(2 * d), [0.0, math.log(NOISE_PRIOR)]]
        )
        std = np.concatenate([np.full(d + c, 1.0), np.full(2 * d, 0.5), [1.0, 3.0]])
        return mean, std

    def bounds(self, *, warp: bool = True) -> list[tuple[float, float]]:
        """L-BFGS-B bounds on ``theta``; ``warp=False`` pins the warping to the identity."""
        d, c = self.n_numeric, self.n_cat
        warping = (math.log(0.5), math.log(2.0)) if warp else (0.0, 0.0)
        return (
            [(math.log(0.01), math.log(100.0))] * (d + c)
            + [warping] * (2 * d)
            + [(math.log(0.01), math.log(100.0)), (math.log(1e-6), math.log(1.0))]
        )

    @property
    def warping(self) -> slice:
        """Where the Kumaraswamy log-parameters sit in ``theta``."""
        d, c = self.n_numeric, self.n_cat
        return slice(d + c, 3 * d + c)

    def unwarped(self, theta: np.ndarray) -> np.ndarray:
        """``theta`` with the warping set to the identity."""
        out = np.array(theta, dtype=float)
        out[self.warping] = 0.0
        return out

    def is_warped(self, theta: np.ndarray) -> bool:
        return bool(np.any(np.asarray(theta)[self.warping] != 0.0))

    def default(self) -> np.ndarray:
        """The start of a fit with no better guess: the prior means, inside the bounds."""
        mean, _ = self.prior()
        lo, hi = np.array(self.bounds()).T
        return np.asarray(np.clip(mean, lo, hi))


@dataclasses.dataclass(frozen=True)
class Params:
    """``theta`` unpacked: inverse squared length scales ``s`` (numeric) and ``t``
    (categorical, ``t_cols`` repeated over one-hot columns), warping ``a``, ``b``, and the
    signal and noise variances."""

    s: np.ndarray
    t: np.ndarray
    a: np.ndarray
    b: np.ndarray
    signal: float
    noise: float
    t_cols: np.ndarray


def constant_mean(chol: tuple[np.ndarray, bool], y: np.ndarray) -> tuple[float, np.ndarray]:
    """The constant prior mean that maximizes the likelihood, and ``K^-1 (y - mean)``.

    ``chol`` is the Cholesky factor of ``K`` (as :func:`scipy.linalg.cho_factor` gives
    it). The mean is the generalized least-squares estimate ``1' K^-1 y / 1' K^-1 1``:
    observations that are close together share their weight, so a cluster of good trials
    near the incumbent counts about as one, and the mean settles at the level of the space
    at large. Far from the data the model then expects that level, not the plain average
    of ``y`` (which the cluster pulls toward the best), and stops taking the corners of the
    box, where its variance is largest, for promising.
    """
    ones = scipy.linalg.cho_solve(chol, np.ones(len(y)), check_finite=False)
    k_inv_y = scipy.linalg.cho_solve(chol, y, check_finite=False)
    level = float(k_inv_y.sum() / ones.sum())
    return level, k_inv_y - level * ones


def neg_log_posterior(
    theta: np.ndarray, layout: Layout, x: Inputs, y: np.ndarray
) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus negative log prior, and its gradient.

    ``x`` holds unwarped numeric coordinates; ``y`` is standardized. The constant mean is
    profiled out (set to its best value for ``theta``, :func:`constant_mean`); since it
    is optimal, the gradient is that of the likelihood with the mean held fixed.
    """
    p = layout.split(theta)
    n, d = x.z.shape
    w, _, dw_dla, dw_dlb = kumaraswamy_grads(x.z, p.a, p.b)
    z = w * x.mask
    inp = Inputs(z, x.mask, x.onehot)
    r2 = sq_dist(inp, inp, p.s, p.t_cols, float(p.t.sum()))
    np.fill_diagonal(r2, 0.0)
    kc, h = matern52(r2)
    K = p.signal * kc
    K[np.diag_indices(n)] += p.noise + JITTER
    try:
        chol = scipy.linalg.cho_factor(K, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    level, alpha = constant_mean(chol, y)
    nll = (
        0.5 * float((y - level) @ alpha)
        + float(np.log(np.diag(chol[0])).sum())
        + 0.5 * n * _LOG_2PI
    )
    K_inv, info = scipy.linalg.lapack.dpotri(chol[0], lower=1)
    if info != 0:
        return 1e10, np.zeros_like(theta)
    K_inv = np.tril(K_inv) + np.tril(K_inv, -1).T
    W = np.outer(alpha, alpha) - K_inv
    G = 0.5 * p.signal * W * h
    GM, GZ, g1 = G @ x.mask, G @ z, G.sum(1)
    grad = np.empty_like(theta)
    # Length scales: Σ_ik G_ik D_j,ik, written with matrix products.
    sum_gd = 2.0 * ((z * z * GM).sum(0) - (z * GZ).sum(0) + g1 @ x.mask - (x.mask * GM).sum(0))
    grad[:d] = -2.0 * p.s * sum_gd
    c = layout.n_cat
    if c:
        GO = (x.onehot * (G @ x.onehot)).sum(0)
        same = np.add.reduceat(GO, np.cumsum((0,) + layout.cat_widths[:-1]))
        grad[d : d + c] = -2.0 * p.t * (G.sum() - same)
    # Warping: through the warped coordinates.
    dL_dz = 4.0 * p.s * (z * GM - x.mask * GZ)
    grad[d + c : 2 * d + c] = (dL_dz * dw_dla * x.mask).sum(0)
    grad[2 * d + c : 3 * d + c] = (dL_dz * dw_dlb * x.mask).sum(0)
    grad[-2] = 0.5 * p.signal * float((W * kc).sum())
    grad[-1] = 0.5 * p.noise * float(np.trace(W))
    mean, std = layout.prior()
    dev = (theta - mean) / std
    value = nll + 0.5 * float(dev @ dev)
    grad = -grad + dev / std
    return value, grad


def _minimize(
    layout: Layout,
    x: Inputs,
    y: np.ndarray,
    starts: Sequence[np.ndarray],
    bounds: list[tuple[float, float]],
    max_iter: int,
) -> tuple[np.ndarray, float]:
    """The best ``(theta, value)`` that L-BFGS-B reaches from ``starts`` within ``bounds``."""
    lo, hi = np.array(bounds).T
    best_theta, best_value = np.clip(starts[0], lo, hi), math.inf
    for start in starts:
        x0 = np.clip(start, lo, hi)
        with np.errstate(all="ignore"):
            result = scipy.optimize.minimize(
                neg_log_posterior,
                x0,
                args=(layout, x, y),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": max_iter},
            )
        value = float(result.fun)
        if math.isfinite(value) and value < best_value and np.all(np.isfinite(result.x)):
            best_theta, best_value = np.clip(result.x, lo, hi), value
    return np.asarray(best_theta), best_value


def fit(
    layout: Layout,
    x: Inputs,
    y: np.ndarray,
    starts: Sequence[np.ndarray],
    *,
    warp: bool | None = None,
    max_iter: int = 100,
) -> np.ndarray:
    """The ``theta`` of least :func:`neg_log_posterior` reached from ``starts``.

    Args:
        layout: Where each hyperparameter sits in ``theta``.
        x: Training inputs, numeric coordinates unwarped.
        y: Standardized training targets.
        starts: Values of ``theta`` to start L-BFGS-B from.
        warp: True fits with warping, False without; None fits both and keeps the warping
            only where it pays for itself (see the module docstring): the unwarped kernel
            is fitted first (from ``starts`` with their warping removed), the warped one
            from that fit and from the ``starts`` that were warped.
        max_iter: L-BFGS-B iterations per start.

    Returns:
        The fitted ``theta``.
    """
    if warp or (warp is None and layout.n_numeric == 0):
        return _minimize(layout, x, y, starts, layout.bounds(warp=bool(warp)), max_iter)[0]
    plain, plain_value = _minimize(
        layout, x, y, [layout.unwarped(s) for s in starts], layout.bounds(warp=False), max_iter
    )
    if warp is False:
        return plain
    warm = [s for s in starts if layout.is_warped(s)]
    warped, warped_value = _minimize(layout, x, y, [plain, *warm], layout.bounds(), max_iter)
    penalty = 0.5 * (2 * layout.n_numeric) * math.log(max(len(y), 2))
    return warped if plain_value - warped_value > penalty else plain
