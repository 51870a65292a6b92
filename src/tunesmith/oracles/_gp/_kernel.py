"""The Matérn 5/2 kernel with one length scale per dimension, over mixed inputs.

Inputs come in two blocks (see :class:`Inputs`): numeric coordinates in [0, 1] with an
activity mask, and categorical values as one-hot rows. The squared distance is

    r² = Σ_j s_j · D_j  +  Σ_c t_c · [cat_c differs],     s_j = 1 / ℓ_j²,  t_c = 1 / λ_c²

where ``D_j = (z_j - z'_j)²`` when the numeric parameter is active in both points, 0 when
it is inactive in both, and 1 when it is active in only one: an inactive parameter adds
nothing to the model, and a point where it is inactive is one length scale away from every
point where it is active. A categorical's "inactive" is a category of its own. Everything is
written as matrix products, so the cost is that of BLAS, not of (n, n, d) arrays.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

SQRT5 = math.sqrt(5.0)


@dataclasses.dataclass(frozen=True)
class Inputs:
    """A batch of points as the kernel reads them.

    Attributes:
        z: (n, d_num) numeric coordinates (warped or not), 0 where inactive.
        mask: (n, d_num) 1.0 where the numeric parameter is active, else 0.0.
        onehot: (n, width) one-hot blocks of the categorical parameters.
    """

    z: np.ndarray
    mask: np.ndarray
    onehot: np.ndarray

    def __len__(self) -> int:
        return int(self.z.shape[0])

    def take(self, rows: np.ndarray | slice) -> Inputs:
        return Inputs(self.z[rows], self.mask[rows], self.onehot[rows])

    def with_z(self, z: np.ndarray) -> Inputs:
        return Inputs(z * self.mask, self.mask, self.onehot)

    @staticmethod
    def concat(parts: list[Inputs]) -> Inputs:
        return Inputs(
            np.concatenate([p.z for p in parts]),
            np.concatenate([p.mask for p in parts]),
            np.concatenate([p.onehot for p in parts]),
        )


def numeric_sq_dist(a: Inputs, b: Inputs, s: np.ndarray) -> np.ndarray:
    """``Σ_j s_j D_j`` between every row of ``a`` and every row of ``b`` (see the module)."""
    za, ma, zb, mb = a.z, a.mask, b.z, b.mask
    r2 = (za * za * s) @ mb.T + ma @ (zb * zb * s).T - 2.0 * (za * s) @ zb.T
    r2 += (ma * s).sum(1)[:, None] + (mb * s).sum(1)[None, :] - 2.0 * (ma * s) @ mb.T
    return np.asarray(r2)


def categorical_dist(a: Inputs, b: Inputs, t_cols: np.ndarray, t_total: float) -> np.ndarray:
    """``Σ_c t_c [cat_c differs]``; ``t_cols`` repeats each ``t_c`` over its one-hot block."""
    if a.onehot.shape[1] == 0:
        return np.zeros((len(a), len(b)))
    return np.asarray(t_total - (a.onehot * t_cols) @ b.onehot.T)


def sq_dist(a: Inputs, b: Inputs, s: np.ndarray, t_cols: np.ndarray, t_total: float) -> np.ndarray:
    """The full scaled squared distance, clipped at 0 against round-off."""
    r2 = numeric_sq_dist(a, b, s) + categorical_dist(a, b, t_cols, t_total)
    return np.asarray(np.maximum(r2, 0.0))


def matern52(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Matérn 5/2 correlation ``k(r)`` and its derivative by ``r²``.

    ``k = (1 + √5 r + 5r²/3) e^{-√5 r}`` and ``dk/d(r²) = -(5/6)(1 + √5 r) e^{-√5 r}``,
    which is finite at ``r = 0``.
    """
    r = np.sqrt(r2)
    e = np.exp(-SQRT5 * r)
    k = (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * e
    dk_dr2 = -(5.0 / 6.0) * (1.0 + SQRT5 * r) * e
    return k, dk_dr2
