"""Kumaraswamy input warping: a learned monotone bend of each numeric dimension.

``w(x) = 1 - (1 - x**a)**b`` maps [0, 1] onto itself, increasing for every ``a, b > 0``;
``a = b = 1`` is the identity. Fitted with the kernel, it lets a stationary GP model a
function that changes fast at one end of a range and slowly at the other (a learning rate
near its divergence point, a regularizer near zero).
"""

from __future__ import annotations

import numpy as np

#: Inputs are clipped to [EPS, 1 - EPS] so every derivative stays finite.
EPS = 1e-6


def kumaraswamy(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The warped inputs ``w(x)``; ``a`` and ``b`` broadcast over the last axis."""
    c = np.clip(x, EPS, 1.0 - EPS)
    return np.asarray(1.0 - (1.0 - c**a) ** b)


def kumaraswamy_inverse(w: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ``x`` with ``kumaraswamy(x, a, b) == w`` (for ``w`` inside the warped range)."""
    c = np.clip(w, 0.0, 1.0)
    return np.asarray((1.0 - (1.0 - c) ** (1.0 / b)) ** (1.0 / a))


def kumaraswamy_grads(
    x: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``w(x)`` and its derivatives by ``x``, ``log a`` and ``log b``, elementwise."""
    c = np.clip(x, EPS, 1.0 - EPS)
    t = c**a
    q = 1.0 - t
    qb1 = q ** (b - 1.0)
    w = 1.0 - q * qb1
    dw_dx = a * b * t / c * qb1
    dw_dloga = a * b * qb1 * t * np.log(c)
    dw_dlogb = -b * q * qb1 * np.log(q)
    return w, dw_dx, dw_dloga, dw_dlogb
