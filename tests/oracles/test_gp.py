"""The numerical parts of the GP oracle: kernel, warping, fit, transform, log EI, design."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from tunesmith.oracles._bayesian import stall_length
from tunesmith.oracles._gp._acquisition import acquisition_front, log_ei, log_h, refine, ucb_width
from tunesmith.oracles._gp._design import maximin_order, sobol
from tunesmith.oracles._gp._fit import Layout, constant_mean, fit, neg_log_posterior
from tunesmith.oracles._gp._kernel import Inputs, matern52, sq_dist
from tunesmith.oracles._gp._model import GaussianProcess
from tunesmith.oracles._gp._transform import (
    fit_yeo_johnson,
    transform_outputs,
    yeo_johnson,
)
from tunesmith.oracles._gp._warping import (
    kumaraswamy,
    kumaraswamy_grads,
    kumaraswamy_inverse,
)

LAYOUT = Layout(3, (3, 4))


def mixed_inputs(n: int, seed: int) -> Inputs:
    """Three numeric dimensions (some inactive) and two categoricals (2 and 3 values + off)."""
    rng = np.random.default_rng(seed)
    mask = (rng.random((n, 3)) > 0.25).astype(float)
    onehot = np.concatenate(
        [np.eye(3)[rng.integers(3, size=n)], np.eye(4)[rng.integers(4, size=n)]], axis=1
    )
    return Inputs(rng.random((n, 3)) * mask, mask, onehot)


def fd_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return np.array([(f(x + e) - f(x - e)) / (2 * eps) for e in np.eye(len(x)) * eps])


class TestKernel:
    def test_distance_follows_the_activity_rule(self) -> None:
        x = mixed_inputs(9, 0)
        s, t = np.array([1.0, 4.0, 0.5]), np.array([2.0, 3.0])
        got = sq_dist(x, x, s, np.repeat(t, (3, 4)), float(t.sum()))
        cats = [x.onehot[:, :3].argmax(1), x.onehot[:, 3:].argmax(1)]
        for i in range(9):
            for k in range(9):
                want = 0.0
                for j in range(3):
                    mi, mk = x.mask[i, j], x.mask[k, j]
                    if mi and mk:
                        want += s[j] * (x.z[i, j] - x.z[k, j]) ** 2
                    elif mi != mk:
                        want += s[j]
                want += sum(t[c] * (cats[c][i] != cats[c][k]) for c in range(2))
                assert got[i, k] == pytest.approx(want, abs=1e-12)

    def test_kernel_matrix_is_positive_semidefinite(self) -> None:
        x = mixed_inputs(40, 1)
        s, t = np.full(3, 9.0), np.array([0.5, 2.0])
        K = matern52(sq_dist(x, x, s, np.repeat(t, (3, 4)), float(t.sum())))[0]
        assert np.allclose(K, K.T)
        assert np.linalg.eigvalsh(K).min() > -1e-10

    def test_matern_derivative_matches_finite_differences(self) -> None:
        r2 = np.array([0.0, 1e-3, 0.3, 2.0, 10.0])
        k, dk = matern52(r2)
        assert k[0] == 1.0 and np.all(np.diff(k) < 0)
        numeric = (matern52(r2 + 1e-7)[0] - matern52(np.maximum(r2 - 1e-7, 0))[0]) / (
            r2 + 1e-7 - np.maximum(r2 - 1e-7, 0)
        )
        assert np.allclose(dk, numeric, rtol=1e-4, atol=1e-4)


class TestWarping:
    def test_identity_at_one(self) -> None:
        x = np.linspace(0.01, 0.99, 11)
        assert np.allclose(kumaraswamy(x, np.ones(1), np.ones(1)), x)

    @pytest.mark.parametrize(("a", "b"), [(0.3, 0.5), (2.0, 0.4), (3.5, 3.0), (0.25, 4.0)])
    def test_monotone_and_invertible(self, a: float, b: float) -> None:
        x = np.linspace(0.001, 0.999, 500)
        w = kumaraswamy(x, np.array(a), np.array(b))
        assert np.all(np.diff(w) > 0)
        assert np.allclose(kumaraswamy_inverse(w, np.array(a), np.array(b)), x, atol=1e-6)

    def test_gradients_match_finite_differences(self) -> None:
        x, a, b = np.array([0.1, 0.5, 0.9]), np.array([0.7, 1.3, 2.2]), np.array([1.8, 0.6, 1.0])
        _, dx, dla, dlb = kumaraswamy_grads(x, a, b)
        eps = 1e-7
        assert np.allclose(
            dx, (kumaraswamy(x + eps, a, b) - kumaraswamy(x - eps, a, b)) / (2 * eps), rtol=1e-5
        )
        up, down = np.exp(eps), np.exp(-eps)
        num_a = (kumaraswamy(x, a * up, b) - kumaraswamy(x, a * down, b)) / (2 * eps)
        num_b = (kumaraswamy(x, a, b * up) - kumaraswamy(x, a, b * down)) / (2 * eps)
        assert np.allclose(dla, num_a, rtol=1e-5, atol=1e-9)
        assert np.allclose(dlb, num_b, rtol=1e-5, atol=1e-9)


class TestFit:
    def test_gradient_matches_finite_differences(self) -> None:
        x, y = mixed_inputs(15, 2), np.random.default_rng(2).standard_normal(15)
        theta = LAYOUT.default() + 0.3 * np.random.default_rng(3).standard_normal(LAYOUT.size)
        _, grad = neg_log_posterior(theta, LAYOUT, x, y)
        numeric = fd_grad(lambda t: neg_log_posterior(t, LAYOUT, x, y)[0], theta)
        assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-4)

    def test_constant_mean_is_generalized_least_squares(self) -> None:
        # Ten trials close together near the best (-2), five spread out at the level of
        # the space (+1): the cluster counts about as one, so the mean sits near +1,
        # far above the plain average (-1).
        rng = np.random.default_rng(8)
        z = np.concatenate([0.5 + 0.01 * rng.standard_normal((10, 2)), rng.random((5, 2))])
        x = Inputs(z, np.ones_like(z), np.zeros((15, 0)))
        y = np.concatenate([np.full(10, -2.0), np.full(5, 1.0)])
        layout = Layout(2, ())
        p = layout.split(layout.default())
        K = p.signal * matern52(sq_dist(x, x, p.s, p.t_cols, 0.0))[0]
        K[np.diag_indices(15)] += p.noise + 1e-8
        level, alpha = constant_mean(scipy.linalg.cho_factor(K, lower=True), y)
        ones = np.linalg.solve(K, np.ones(15))
        assert level == pytest.approx(ones @ y / ones.sum())
        assert np.allclose(alpha, np.linalg.solve(K, y - level))
        assert level > 0.0 > y.mean()

    def test_fit_improves_on_its_start_and_learns_the_relevant_dimension(self) -> None:
        rng = np.random.default_rng(4)
        layout = Layout(2, ())
        z = rng.random((30, 2))
        x = Inputs(z, np.ones_like(z), np.zeros((30, 0)))
        y = np.sin(6 * z[:, 0])
        y = (y - y.mean()) / y.std()
        start = layout.default()
        theta = fit(layout, x, y, [start])
        assert (
            neg_log_posterior(theta, layout, x, y)[0] < neg_log_posterior(start, layout, x, y)[0]
        )
        length = np.exp(theta[:2])
        assert length[0] < length[1]

    def test_warping_is_kept_only_where_the_data_pay_for_it(self) -> None:
        layout = Layout(1, ())
        z = np.linspace(0.0, 1.0, 60)[:, None]
        x = Inputs(z, np.ones_like(z), np.zeros((60, 0)))
        # Steep near 0 and flat beyond: a bend of the input explains it far better.
        steep = np.log(z[:, 0] + 1e-3)
        steep = (steep - steep.mean()) / steep.std()
        assert layout.is_warped(fit(layout, x, steep, [layout.default()]))
        # A smooth bump on six points: the two warping parameters are not worth their cost.
        few = Inputs(z[::12], np.ones_like(z[::12]), np.zeros((5, 0)))
        bump = np.sin(3.0 * z[::12, 0])
        bump = (bump - bump.mean()) / bump.std()
        assert not layout.is_warped(fit(layout, few, bump, [layout.default()]))

    def test_posterior_gradients_match_finite_differences(self) -> None:
        x, y = mixed_inputs(12, 5), np.random.default_rng(5).standard_normal(12)
        theta = LAYOUT.default() + 0.3 * np.random.default_rng(6).standard_normal(LAYOUT.size)
        gp = GaussianProcess(theta, LAYOUT, x, y)
        q = mixed_inputs(4, 7)
        mean, var, dmean, dvar = gp.predict_with_grad(q)
        m2, v2 = gp.predict(q)
        assert np.allclose(mean, m2) and np.allclose(var, v2)
        for j in range(3):
            e = np.zeros_like(q.z)
            e[:, j] = 1e-6
            mp, vp = gp.predict(q.with_z(q.z + e))
            mm, vm = gp.predict(q.with_z(q.z - e))
            assert np.allclose((mp - mm) / 2e-6, dmean[:, j], atol=1e-5)
            assert np.allclose((vp - vm) / 2e-6, dvar[:, j], atol=1e-5)
        assert np.all(dmean[q.mask == 0] == 0)

    def test_interpolates_noiseless_data(self) -> None:
        layout = Layout(1, ())
        z = np.linspace(0, 1, 8)[:, None]
        x = Inputs(z, np.ones_like(z), np.zeros((8, 0)))
        y = np.cos(5 * z[:, 0])
        y = (y - y.mean()) / y.std()
        gp = GaussianProcess(fit(layout, x, y, [layout.default()]), layout, x, y)
        mean, var = gp.predict(x)
        assert np.allclose(mean, y, atol=0.1)
        assert var.max() < 0.05

    def test_far_from_the_data_expects_the_constant_mean(self) -> None:
        layout = Layout(1, ())
        z = np.linspace(0.0, 0.2, 6)[:, None]
        x = Inputs(z, np.ones_like(z), np.zeros((6, 0)))
        y = np.linspace(-1.0, 1.0, 6)
        theta = layout.default()
        theta[0] = np.log(0.05)  # a short length scale: z = 1 is far from every point
        gp = GaussianProcess(theta, layout, x, y)
        mean, var = gp.predict(Inputs(np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 0))))
        assert mean[0] == pytest.approx(gp.level, abs=1e-6)
        assert var[0] == pytest.approx(gp.p.signal, rel=1e-6)


class TestTransform:
    def test_keeps_order_and_standardizes(self) -> None:
        y = np.random.default_rng(0).lognormal(sigma=2.0, size=40)
        z = transform_outputs(y)
        assert z is not None
        assert np.array_equal(np.argsort(z), np.argsort(y))
        assert z.mean() == pytest.approx(0, abs=1e-9) and z.std() == pytest.approx(1)
        assert abs(scipy.stats.skew(z)) < abs(scipy.stats.skew(y))

    def test_yeo_johnson_matches_scipy(self) -> None:
        y = np.random.default_rng(1).standard_normal(30) * 2
        lam = fit_yeo_johnson(y)
        assert lam == pytest.approx(scipy.stats.yeojohnson_normmax(y), abs=1e-3)
        for lmb in (-1.0, 0.0, 0.5, 2.0):
            assert np.allclose(yeo_johnson(y, lmb), scipy.stats.yeojohnson(y, lmb))

    def test_constant_gives_none(self) -> None:
        assert transform_outputs(np.full(5, 3.0)) is None
        assert transform_outputs(np.array([1.0])) is None

    def test_extreme_outliers_fall_back_to_ranks(self) -> None:
        y = np.array([1.0, 2.0, 3.0, 4.0, 1e300])
        z = transform_outputs(y)
        assert z is not None and np.all(np.isfinite(z))
        # the normal quantiles of the ranks' midpoints, standardized
        q = scipy.stats.norm.ppf([0.1, 0.3, 0.5, 0.7, 0.9])
        assert np.allclose(z, q / q.std())


class TestLogEI:
    def test_matches_naive_where_naive_is_accurate(self) -> None:
        mean = np.linspace(-3, 6, 50)
        var = np.full(50, 0.7)
        sd = np.sqrt(var)
        u = (0.0 - mean) / sd
        naive = sd * (u * scipy.stats.norm.cdf(u) + scipy.stats.norm.pdf(u))
        value, _, _ = log_ei(mean, var, 0.0)
        ok = naive > 1e-200
        assert np.allclose(value[ok], np.log(naive[ok]), rtol=1e-6, atol=1e-9)

    def test_finite_and_decreasing_where_naive_underflows(self) -> None:
        u = -np.array([40.0, 60.0, 100.0, 1e3, 1e5, 1e8])
        naive = u * scipy.stats.norm.cdf(u) + scipy.stats.norm.pdf(u)
        assert np.all(naive == 0)
        lh = log_h(u)
        assert np.all(np.isfinite(lh)) and np.all(np.diff(lh) < 0)
        # Continuous across the switch points.
        for edge in (-1.0, -1e4):
            assert log_h(np.array([edge - 1e-9]))[0] == pytest.approx(
                log_h(np.array([edge + 1e-9]))[0], rel=1e-6
            )

    def test_derivatives_match_finite_differences(self) -> None:
        mean, var = np.array([-1.0, 0.5, 3.0, 12.0]), np.array([0.3, 1.2, 0.5, 0.01])
        _, d_mean, d_var = log_ei(mean, var, 0.2)
        eps = 1e-6
        num_mean = (log_ei(mean + eps, var, 0.2)[0] - log_ei(mean - eps, var, 0.2)[0]) / (2 * eps)
        num_var = (log_ei(mean, var + eps, 0.2)[0] - log_ei(mean, var - eps, 0.2)[0]) / (2 * eps)
        assert np.allclose(d_mean, num_mean, rtol=1e-4)
        assert np.allclose(d_var, num_var, rtol=1e-4)

    def test_refine_climbs_each_start(self) -> None:
        target = np.array([[0.2, 0.7], [0.9, 0.1]])

        def score(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return -((x - target) ** 2).sum(1), -2 * (x - target)

        out = refine(score, np.full((2, 2), 0.5))
        assert np.allclose(out, target, atol=1e-4)


class TestDesign:
    def test_sobol_is_in_the_cube_and_seeded(self) -> None:
        a = sobol(100, 3, np.random.default_rng(0))
        assert a.shape == (128, 3) and a.min() >= 0 and a.max() < 1
        assert np.array_equal(a, sobol(100, 3, np.random.default_rng(0)))
        assert not np.array_equal(a, sobol(100, 3, np.random.default_rng(1)))

    def test_maximin_prefers_the_farthest(self) -> None:
        dist = np.array([[0.1, 0.5], [0.9, 0.8], [0.3, 0.2]])
        assert maximin_order(dist)[0] == 1
        assert list(maximin_order(np.zeros((3, 0)))) == [0, 1, 2]


def test_log_h_at_zero() -> None:
    assert log_h(np.array([0.0]))[0] == pytest.approx(math.log(1 / math.sqrt(2 * math.pi)))


class TestAcquisitionFront:
    def test_holds_each_criterions_best_and_drops_dominated(self) -> None:
        best = 0.0
        # 0: the safest step (best mean, tiny sd); 1: the boldest (high sd);
        # 2: worse than 0 on mean with the same sd (dominated); 3: EI's best.
        mean = np.array([-0.1, 1.0, 0.5, -0.05])
        var = np.array([1e-6, 4.0, 1e-6, 0.04])
        front = acquisition_front(mean, var, best, width=2.0)
        ei = log_ei(mean, var, best)[0]
        lcb = mean - 2.0 * np.sqrt(var)
        assert int(np.argmax(ei)) in front
        assert int(np.argmin(lcb)) in front
        assert 2 not in front
        assert list(front) == sorted(front)

    def test_matches_the_pairwise_definition_ties_included(self) -> None:
        rng = np.random.default_rng(0)
        for _ in range(100):
            n = int(rng.integers(1, 40))
            # Rounded, so equal criteria (neither dominates the other) occur often.
            mean = rng.normal(size=n).round(1)
            var = (rng.random(n) + 0.01).round(2)
            sd = np.sqrt(var)
            crit = np.stack(
                [
                    log_ei(mean, var, -0.5)[0],
                    scipy.stats.norm.logcdf((-0.5 - mean) / sd),
                    -(mean - 2.0 * sd),
                ],
                axis=1,
            )
            at_least = np.all(crit[None, :, :] >= crit[:, None, :], axis=2)
            better = np.any(crit[None, :, :] > crit[:, None, :], axis=2)
            expected = np.flatnonzero(~np.any(at_least & better, axis=1))
            assert list(acquisition_front(mean, var, -0.5, width=2.0)) == list(expected)

    def test_non_finite_candidates_are_left_out(self) -> None:
        front = acquisition_front(
            np.array([0.0, np.nan, -1.0]), np.array([1.0, 1.0, 1.0]), 0.0, width=1.0
        )
        assert list(front) == [2]

    def test_ucb_width_grows_slowly_with_the_history(self) -> None:
        widths = [ucb_width(n, 6) for n in (1, 10, 100, 1000)]
        assert widths == sorted(widths)
        assert 1.0 < widths[0] < widths[-1] < 8.0


def test_stall_length_counts_trials_since_the_best() -> None:
    y = np.array([3.0, 1.0, 2.0, 2.5, 1.5])  # best at index 1, then 3 without a gain
    assert stall_length(y, n_dims=2) == 1
    assert stall_length(y, n_dims=1) == 2
    assert stall_length(y, n_dims=3) == 0
    assert stall_length(np.array([3.0, 2.0, 1.0]), n_dims=0) == 0
    # Failed trials (NaN) beat nothing; with nothing finite there is nothing to stall on.
    assert stall_length(np.array([1.0, np.nan, np.nan]), n_dims=1) == 1
    assert stall_length(np.array([np.nan, np.nan]), n_dims=0) == 0
