"""The GP posterior for fixed hyperparameters: mean, variance and their input gradients."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from tunesmith.oracles._gp._fit import JITTER, Layout, constant_mean
from tunesmith.oracles._gp._kernel import Inputs, matern52, sq_dist
from tunesmith.oracles._gp._warping import kumaraswamy, kumaraswamy_grads


class GaussianProcess:
    """A GP conditioned on ``(x, y)`` with the hyperparameters ``theta``.

    Its prior mean is a constant, the generalized least-squares estimate
    (:func:`~tunesmith.oracles._gp._fit.constant_mean`), used as a plug-in value: the
    variance leaves out the estimate's own uncertainty.

    Args:
        theta: Hyperparameters as laid out by ``layout``.
        layout: The layout of ``theta``.
        x: Training inputs, numeric coordinates unwarped.
        y: Standardized training targets.
    """

    def __init__(self, theta: np.ndarray, layout: Layout, x: Inputs, y: np.ndarray) -> None:
        self.p = layout.split(theta)
        self.t_total = float(self.p.t.sum())
        self.train = self.warp(x)
        self.y = y
        n = len(x)
        r2 = self._sq_dist(self.train, self.train)
        np.fill_diagonal(r2, 0.0)
        K = self.p.signal * matern52(r2)[0]
        jitter = self.p.noise + JITTER
        for _ in range(6):
            try:
                K_j = K.copy()
                K_j[np.diag_indices(n)] += jitter
                self.chol = scipy.linalg.cho_factor(K_j, lower=True, check_finite=False)
                break
            except np.linalg.LinAlgError:
                jitter *= 10.0
        else:
            raise np.linalg.LinAlgError("GaussianProcess: the kernel matrix is not positive")
        self.level, self.alpha = constant_mean(self.chol, y)

    def warp(self, x: Inputs) -> Inputs:
        return Inputs(kumaraswamy(x.z, self.p.a, self.p.b) * x.mask, x.mask, x.onehot)

    def _sq_dist(self, a: Inputs, b: Inputs) -> np.ndarray:
        return sq_dist(a, b, self.p.s, self.p.t_cols, self.t_total)

    def predict(self, x: Inputs) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function at ``x`` (unwarped)."""
        ks = self.p.signal * matern52(self._sq_dist(self.warp(x), self.train))[0]
        mean = self.level + ks @ self.alpha
        v = scipy.linalg.solve_triangular(self.chol[0], ks.T, lower=True, check_finite=False)
        var = self.p.signal - (v * v).sum(0)
        return mean, np.maximum(var, 1e-12 * self.p.signal)

    def predict_with_grad(
        self, x: Inputs
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients by the numeric coordinates of ``x``.

        Returns:
            ``(mean, var, dmean_dx, dvar_dx)``, the gradients of shape ``x.z.shape``
            (zero in inactive coordinates).
        """
        w, dw_dx, _, _ = kumaraswamy_grads(x.z, self.p.a, self.p.b)
        q = Inputs(w * x.mask, x.mask, x.onehot)
        kc, h = matern52(self._sq_dist(q, self.train))
        ks = self.p.signal * kc
        A = self.p.signal * h
        mean = self.level + ks @ self.alpha
        beta = scipy.linalg.cho_solve(self.chol, ks.T, check_finite=False).T
        var = self.p.signal - (ks * beta).sum(1)
        tz, tm = self.train.z, self.train.mask
        A_alpha = A * self.alpha[None, :]
        A_beta = A * beta
        s, z = self.p.s, q.z
        dmean_dz = 2.0 * s * (z * (A_alpha @ tm) - A_alpha @ tz)
        dvar_dz = -4.0 * s * (z * (A_beta @ tm) - A_beta @ tz)
        chain = dw_dx * x.mask
        floor = 1e-12 * self.p.signal
        dvar = np.where((var > floor)[:, None], dvar_dz * chain, 0.0)
        return mean, np.maximum(var, floor), dmean_dz * chain, dvar
