from __future__ import annotations

import itertools

import numpy as np
import pytest

from tunesmith import Float, InMemoryStorage, Objective, SearchSpace, TrialState
from tunesmith.analysis import importance, load_snapshot
from tunesmith.analysis._surrogate import Forest, Leaves, decompose, marginal
from tunesmith.exceptions import InvalidArgumentError

from .conftest import DISTRACTORS


class TestKnownTruth:
    """Only the learning rate and β1 drive the loss; six distractors do not."""

    @pytest.mark.parametrize("method", ["fanova", "binned"])
    @pytest.mark.parametrize("seed", [0, 1])
    def test_learning_rate_then_beta_rank_first(self, memory_study, method, seed) -> None:
        snapshot = load_snapshot(memory_study(n_trials=300, seed=seed), "synthetic")
        result = importance(snapshot, method=method)
        assert result.ranking[:2] == ["learning_rate", "beta_1"]
        assert set(result.ranking[2:]) == set(DISTRACTORS)
        third = result.scores[result.ranking[2]]
        assert result.scores["beta_1"] > 3 * third + 0.02
        assert result.n_trials == 300

    def test_scores_are_fractions_that_sum_below_one(self, memory_study) -> None:
        result = importance(load_snapshot(memory_study(n_trials=200), "synthetic"))
        assert all(0.0 <= s <= 1.0 for s in result.scores.values())
        total = sum(result.scores.values()) + sum(result.pairs.values())
        assert 0.8 < total <= 1.0 + 1e-9  # additive truth: main effects carry it

    def test_only_finished_trials_with_values_count(self, memory_study) -> None:
        storage = memory_study(n_trials=120, running=5, failed_every=10)
        result = importance(load_snapshot(storage, "synthetic"))
        finished = [t for t in storage.list_trials("synthetic") if t.has_value]
        assert result.n_trials == len(finished) < 120

    def test_conditional_parameter_inactive_values_are_handled(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=200, conditional=True), "synthetic")
        for method in ("fanova", "binned"):
            result = importance(snapshot, method=method)
            assert result.ranking[:2] == ["learning_rate", "beta_1"]
            assert "momentum" in result.scores

    def test_same_seed_same_scores(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=100), "synthetic")
        assert importance(snapshot, seed=3) == importance(snapshot, seed=3)


def test_interaction_shows_as_a_pair() -> None:
    space = SearchSpace([Float("a", 0.0, 1.0), Float("b", 0.0, 1.0), Float("c", 0.0, 1.0)])
    storage = InMemoryStorage()
    storage.create_study("xor", Objective("loss"), space)
    rng = np.random.default_rng(0)
    for _ in range(400):
        v = space.decode(space.sample(rng))
        t = storage.create_trial("xor", values=v)
        loss = float((v["a"] > 0.5) != (v["b"] > 0.5))  # pure interaction of a and b
        storage.finish_trial("xor", t.number, TrialState.COMPLETED, value=loss)
    result = importance(load_snapshot(storage, "xor"))
    assert next(iter(result.pairs)) == ("a", "b")
    assert result.pairs[("a", "b")] > 0.5
    assert max(result.scores.values()) < 0.2


class TestExactDecomposition:
    """The closed forms over leaves against hand-computed functional ANOVA."""

    @staticmethod
    def grid_forest(f, n: int = 4) -> Forest:  # type: ignore[no-untyped-def]
        """A one-tree forest: the n x n grid of cells with f at each cell's centre."""
        cuts = np.linspace(0.0, 1.0, n + 1)
        lo, hi, values = [], [], []
        for i, j in itertools.product(range(n), range(n)):
            lo.append([cuts[i], cuts[j]])
            hi.append([cuts[i + 1], cuts[j + 1]])
            values.append(f((cuts[i] + cuts[i + 1]) / 2, (cuts[j] + cuts[j + 1]) / 2))
        leaves = Leaves(np.array(lo), np.array(hi), np.array(values, dtype=float))
        return Forest((leaves,), 2, n * n)

    def test_additive_function_splits_by_variance(self) -> None:
        forest = self.grid_forest(lambda x, y: 3 * (x > 0.5) + 1 * (y > 0.5))
        parts = decompose(forest)
        # Var(3 * Bernoulli) = 9/4, Var(1 * Bernoulli) = 1/4, total 10/4.
        assert parts.main == pytest.approx([0.9, 0.1])
        assert parts.pairs[(0, 1)] == pytest.approx(0.0, abs=1e-12)

    def test_product_function_has_its_interaction(self) -> None:
        forest = self.grid_forest(lambda x, y: float((x > 0.5) * (y > 0.5)))
        parts = decompose(forest)
        # f = AB with A, B ~ Bernoulli(1/2): Var f = 3/16, each main 1/16, pair 1/16.
        assert parts.main == pytest.approx([1 / 3, 1 / 3])
        assert parts.pairs[(0, 1)] == pytest.approx(1 / 3)

    def test_marginal_averages_the_other_parameter(self) -> None:
        forest = self.grid_forest(lambda x, y: 3 * (x > 0.5) + 1 * (y > 0.5))
        grid = np.array([0.25, 0.75])
        assert marginal(forest, (0,), (grid,)) == pytest.approx([0.5, 3.5])
        assert marginal(forest, (0, 1), (grid, grid)) == pytest.approx(
            np.array([[0.0, 1.0], [3.0, 4.0]])
        )


def test_too_few_trials_are_refused_and_a_constant_value_scores_zeros() -> None:
    storage = InMemoryStorage()
    storage.create_study("s", Objective("loss"), SearchSpace([Float("x", 0.0, 1.0)]))
    for n in (0, 1):
        with pytest.raises(InvalidArgumentError, match=rf"at least 2 finished .*got {n} in"):
            importance(load_snapshot(storage, "s"))
        t = storage.create_trial("s", values={"x": 0.2 + 0.5 * n})
        storage.finish_trial("s", t.number, TrialState.COMPLETED, value=1.0)
    for method in ("fanova", "binned"):
        result = importance(load_snapshot(storage, "s"), method=method)  # type: ignore[arg-type]
        assert result.scores == {"x": 0.0} and result.n_trials == 2


def test_unknown_method_is_refused(memory_study) -> None:
    snapshot = load_snapshot(memory_study(n_trials=5), "synthetic")
    with pytest.raises(InvalidArgumentError, match=r"unknown method, got method='shap'"):
        importance(snapshot, method="shap")  # type: ignore[arg-type]
