"""BayesianOptimization: correctness properties on small, seeded studies."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tunesmith
from tests.space.test_properties import numeric_params
from tunesmith import Tuner
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.oracles import BayesianOptimization, RandomSearch
from tunesmith.oracles._base import config_key
from tunesmith.space import Boolean, Choice, Float, Int, SearchSpace
from tunesmith.trial import (
    BUDGET_RESULTS_ATTR,
    SCORE_ONLY_ATTR,
    BudgetResults,
    Objective,
    Trial,
    TrialState,
)

LOSS = Objective("loss")


def completed(
    space: SearchSpace, units: list[dict[str, float]], values: list[float]
) -> list[Trial]:
    return [
        Trial(i, TrialState.COMPLETED, space.decode(u), v)
        for i, (u, v) in enumerate(zip(units, values, strict=True))
    ]


def random_history(space: SearchSpace, n: int, f, seed: int = 0) -> list[Trial]:
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(n):
        values = space.decode(space.sample(rng))
        trials.append(Trial(i, TrialState.COMPLETED, values, f(values)))
    return trials


SPACE2 = SearchSpace([Float("x", -2.0, 2.0), Float("y", -1.0, 3.0)])


def bowl(values) -> float:
    return (values["x"] - 0.7) ** 2 + (values["y"] - 1.3) ** 2


def _synthetic(name: str):  # type: ignore[no-untyped-def]
    """An objective for the benchmark's synthetic problem ``name``
    (``benchmarks/bayesian/problems.py``, the one definition of each function)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bayesian" / "problems.py"
    module = sys.modules.get("_bench_problems")
    if module is None:
        spec = importlib.util.spec_from_file_location("_bench_problems", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_bench_problems"] = module
        spec.loader.exec_module(module)
    problem = module.PROBLEMS[name]

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        values = {p.name: trial.hp.Float(p.name, p.low, p.high) for p in problem.params}
        return float(problem.loss(values))

    return objective


#: Branin on [-5, 10] x [0, 15]: minimum 0.397887.
branin = _synthetic("branin")
#: Hartmann-6 on the unit cube: minimum -3.32237; about 0 over most of the cube.
hartmann6 = _synthetic("hartmann6")


def test_exported() -> None:
    assert "BayesianOptimization" in tunesmith.__all__
    assert "BayesianOptimization" in tunesmith.oracles.__all__
    assert tunesmith.BayesianOptimization is BayesianOptimization


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_initial": 0}, r"n_initial must be an integer >= 1, got n_initial=0"),
        ({"n_candidates": 4}, r"n_candidates must be an integer >= 16, got n_candidates=4"),
        ({"max_model_trials": True}, r"max_model_trials must be an integer"),
    ],
)
def test_rejects_bad_arguments(kwargs, match) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        BayesianOptimization(**kwargs)


def test_settings_are_recorded() -> None:
    settings = BayesianOptimization(n_initial=4).settings()
    assert settings["oracle"] == "BayesianOptimization" and settings["n_initial"] == 4


class TestInitialDesign:
    def test_spreads_out_before_modelling(self) -> None:
        oracle = BayesianOptimization(n_initial=6)
        trials: list[Trial] = []
        for i in range(6):
            point = oracle.suggest(
                SPACE2, trials, [], objective=LOSS, rng=np.random.default_rng(i)
            )
            trials.append(Trial(i, TrialState.COMPLETED, SPACE2.decode(point), 1.0))
        units = np.array([[SPACE2.encode(t.values)[k] for k in ("x", "y")] for t in trials])
        gaps = np.linalg.norm(units[:, None] - units[None], axis=-1)[np.triu_indices(6, 1)]
        assert gaps.min() > 0.15

    def test_enqueued_configurations_count_and_are_avoided(self) -> None:
        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=0)
        tuner.enqueue({"x": 1.0, "y": 2.0})
        tuner.search(branin, max_trials=4, progress=False)
        values = [t.values for t in tuner.trials]
        assert values[0] == {"x": 1.0, "y": 2.0}
        assert len({config_key(v) for v in values}) == 4


class TestRobustness:
    def test_empty_space_gives_an_empty_point(self) -> None:
        point = BayesianOptimization().suggest(
            SearchSpace(), [], [], objective=LOSS, rng=np.random.default_rng(0)
        )
        assert point == {}

    @pytest.mark.parametrize(
        "values",
        [
            [None] * 8,
            [3.0] * 8,
            [math.nan, math.inf, -math.inf, 1.0, 2.0, math.nan, 1.5, 1.0],
            [1.0, 1e300, -1e300, 2.0, 0.0, 5.0, 1e-300, 3.0],
        ],
        ids=["all-failed", "constant", "non-finite", "huge"],
    )
    def test_degenerate_histories_give_a_fresh_point(self, values) -> None:
        rng = np.random.default_rng(0)
        trials = []
        for i, v in enumerate(values):
            config = SPACE2.decode(SPACE2.sample(rng))
            if v is None:
                trials.append(Trial(i, TrialState.FAILED, config, None, error="boom"))
            else:
                trials.append(Trial(i, TrialState.COMPLETED, config, v))
        point = BayesianOptimization().suggest(
            SPACE2, trials, [], objective=LOSS, rng=np.random.default_rng(1)
        )
        assert set(point) == {"x", "y"}
        assert all(0.0 <= u <= 1.0 for u in point.values())
        assert config_key(SPACE2.decode(point)) not in {config_key(t.values) for t in trials}

    def test_failed_trials_are_not_taken_as_best(self) -> None:
        """A failed trial sits where the best value would be; the oracle must not treat
        its neighbourhood as the incumbent: it still heads for the real optimum."""
        history = random_history(SPACE2, 14, bowl, seed=3)
        failed = Trial(14, TrialState.FAILED, {"x": -1.9, "y": -0.9}, None, error="diverged")
        stopped = Trial(15, TrialState.COMPLETED, {"x": -1.8, "y": -0.8}, math.nan)
        oracle = BayesianOptimization()
        point = oracle.suggest(
            SPACE2, [*history, failed, stopped], [], objective=LOSS, rng=np.random.default_rng(0)
        )
        values = SPACE2.decode(point)
        assert bowl(values) < bowl({"x": -1.9, "y": -0.9})
        assert bowl(values) < np.median([t.value for t in history])

    def test_tuner_survives_failing_objective(self) -> None:
        def flaky(trial) -> float:
            x = trial.hp.Float("x", 0.0, 1.0)
            if x > 0.7:
                raise RuntimeError("diverged")
            return float("nan") if x < 0.1 else (x - 0.4) ** 2

        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=1, max_consecutive_failures=20)
        best = tuner.search(flaky, max_trials=14, progress=False)
        assert best is not None and best.value < 0.01


class TestNoRepeats:
    def test_small_discrete_space_is_tried_without_duplicates(self) -> None:
        def f(trial) -> float:
            a = trial.hp.Choice("act", ["relu", "gelu", "tanh"])
            n = trial.hp.Int("layers", 1, 4)
            return n + (a == "gelu")

        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=0)
        tuner.search(f, max_trials=12, progress=False)
        keys = [config_key(t.values) for t in tuner.trials]
        assert len(set(keys)) == 12

    def test_pending_trials_are_avoided(self) -> None:
        history = random_history(SPACE2, 12, bowl, seed=1)
        oracle = BayesianOptimization()
        first = oracle.suggest(SPACE2, history, [], objective=LOSS, rng=np.random.default_rng(5))
        running = Trial(99, TrialState.RUNNING, SPACE2.decode(first))
        second = oracle.suggest(
            SPACE2, history, [running], objective=LOSS, rng=np.random.default_rng(5)
        )
        gap = math.dist((first["x"], first["y"]), (second["x"], second["y"]))
        assert gap > 0.01

    def test_pending_in_a_discrete_space_is_never_proposed(self) -> None:
        space = SearchSpace([Int("a", 0, 3), Choice("b", ["p", "q"])])
        rng = np.random.default_rng(0)
        history = random_history(space, 4, lambda v: v["a"] + (v["b"] == "q"), seed=2)
        seen = {config_key(t.values) for t in history}
        pending = []
        for i, values in enumerate(
            v
            for v in ({"a": a, "b": b} for a in range(4) for b in "pq")
            if config_key(v) not in seen
        ):
            if i >= 3:
                break
            pending.append(Trial(50 + i, TrialState.RUNNING, values))
        point = BayesianOptimization().suggest(space, history, pending, objective=LOSS, rng=rng)
        key = config_key(space.decode(point))
        assert key not in seen | {config_key(t.values) for t in pending}


class TestMixedAndConditional:
    def test_conditional_parameters_stay_with_their_parent(self) -> None:
        def f(trial) -> float:
            opt = trial.hp.Choice("optimizer", ["adam", "sgd"])
            lr = trial.hp.Float("lr", 1e-4, 1e-1, sampling="log")
            loss = (math.log10(lr) + 2) ** 2
            if opt == "sgd":
                with trial.hp.conditional_scope("optimizer", ["sgd"]):
                    m = trial.hp.Float("momentum", 0.5, 0.99, sampling="reverse_log")
                loss += (m - 0.9) ** 2
            else:
                loss += 0.5
            return loss

        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=3)
        best = tuner.search(f, max_trials=18, progress=False)
        for t in tuner.trials:
            assert ("momentum" in t.values) == (t.values["optimizer"] == "sgd")
        assert best is not None and best.value < 0.5

    def test_mixed_space_values_are_valid(self) -> None:
        space = SearchSpace(
            [
                Float("lr", 1e-5, 1e-1, sampling="log"),
                Int("units", 16, 4096, sampling="log"),
                Int("batch", 16, 256, step=2, sampling="log"),
                Float("drop", 0.0, 0.5, step=0.1),
                Choice("act", ["relu", "gelu", "selu"]),
                Boolean("bn"),
                Choice("width", [32, 64, 128]),
                Float("beta", 0.8, 0.999, sampling="reverse_log"),
                Int("big", 0, 10**9),
            ]
        )

        def f(v) -> float:
            return (math.log10(v["lr"]) + 3) ** 2 + (v["act"] == "relu") + v["drop"]

        history = random_history(space, 12, f)
        oracle = BayesianOptimization()
        for k in range(3):
            point = oracle.suggest(
                space, history, [], objective=LOSS, rng=np.random.default_rng(k)
            )
            values = space.decode(point)
            assert space.validate(values) == values
            history.append(Trial(len(history), TrialState.COMPLETED, values, f(values)))

    def test_space_growing_mid_study(self) -> None:
        def f(trial) -> float:
            x = trial.hp.Float("x", 0.0, 1.0)
            if trial.number >= 5:
                y = trial.hp.Choice("y", ["a", "b"])
                return (x - 0.3) ** 2 + (y == "b")
            return (x - 0.3) ** 2

        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=0)
        tuner.search(f, max_trials=12, progress=False)
        trials = tuner.trials
        assert len(trials) == 12
        assert all(t.state is TrialState.COMPLETED for t in trials)
        # y exists from trial 5 on; the oracle suggests it for every later trial
        assert [("y" in t.values) for t in trials] == [False] * 5 + [True] * 7
        assert tuner.study.space.names == ["x", "y"]
        assert len({config_key(t.values) for t in trials}) == 12


class TestDeterminism:
    def test_same_seed_same_study(self) -> None:
        runs = []
        for _ in range(2):
            tuner = Tuner("loss", oracle=BayesianOptimization(), seed=7)
            tuner.search(branin, max_trials=10, progress=False)
            runs.append([t.values for t in tuner.trials])
        assert runs[0] == runs[1]

    def test_a_fresh_oracle_continues_exactly(self) -> None:
        """Caches only save time: a cold oracle (a resumed study) suggests the same."""
        history = random_history(SPACE2, 20, bowl, seed=4)
        warm = BayesianOptimization()
        for n in range(8, 20):
            warm.suggest(SPACE2, history[:n], [], objective=LOSS, rng=np.random.default_rng(n))
        a = warm.suggest(SPACE2, history, [], objective=LOSS, rng=np.random.default_rng(0))
        b = BayesianOptimization().suggest(
            SPACE2, history, [], objective=LOSS, rng=np.random.default_rng(0)
        )
        assert a == b

    def test_long_history_uses_a_bounded_model(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import tunesmith.oracles._bayesian as bayesian

        sizes: list[int] = []  # rows of every fit and of the model that scores candidates
        real_fit, real_gp = bayesian.fit, bayesian.GaussianProcess

        def fit_spy(layout, x, y, *args, **kwargs):  # type: ignore[no-untyped-def]
            sizes.append(len(y))
            return real_fit(layout, x, y, *args, **kwargs)

        def gp_spy(theta, layout, x, y):  # type: ignore[no-untyped-def]
            sizes.append(len(y))
            return real_gp(theta, layout, x, y)

        monkeypatch.setattr(bayesian, "fit", fit_spy)
        monkeypatch.setattr(bayesian, "GaussianProcess", gp_spy)
        history = random_history(SPACE2, 60, bowl, seed=5)
        oracle = BayesianOptimization(max_model_trials=20, refit_below=10)
        point = oracle.suggest(SPACE2, history, [], objective=LOSS, rng=np.random.default_rng(0))
        assert sizes and max(sizes) == 20  # 60 trials, 20 of them modelled
        assert bowl(SPACE2.decode(point)) < np.median([t.value for t in history])
        cold = BayesianOptimization(max_model_trials=20, refit_below=10).suggest(
            SPACE2, history, [], objective=LOSS, rng=np.random.default_rng(0)
        )
        assert cold == point


def test_maximizes_when_asked() -> None:
    tuner = Tuner("score", oracle=BayesianOptimization(), seed=2)
    best = tuner.search(lambda t: -((t.hp.Float("x", 0.0, 1.0) - 0.6) ** 2), 12, progress=False)
    assert best is not None and best.value > -1e-3


@pytest.mark.slow
def test_beats_random_search_on_branin() -> None:
    """Regret after 30 trials, over 4 seeds: BO's median is far below random search's."""
    regret = {"bo": [], "random": []}
    for seed in range(4):
        for name, oracle in (("bo", BayesianOptimization()), ("random", RandomSearch())):
            tuner = Tuner("loss", oracle=oracle, seed=seed)
            best = tuner.search(branin, max_trials=30, progress=False)
            regret[name].append(best.value - 0.397887)
    assert np.median(regret["bo"]) < 0.2 * np.median(regret["random"])
    # Every seed beats random search's typical run (one seed may still sit in a side basin
    # of Branin after 30 trials: its regret is ~1 there, random's median is higher).
    assert max(regret["bo"]) < np.median(regret["random"])


def test_does_not_cling_to_an_edge_of_the_space() -> None:
    """Branin, seed 18: under a length-scale prior that let a model fitted to a few dozen
    points be sure of one slope across the whole range (0.5 sqrt(d)), the search sat on
    the edge x = 10 (regret 1.5) for 25 trials and more, re-evaluating near-copies of one
    point, while the optimum lies 0.04 away (unit scale) at x = 9.42. Since the constant
    mean and the climb from near the best trials, this run leaves the edge under either
    prior; the test guards the behaviour, whichever part provides it."""
    tuner = Tuner("loss", oracle=BayesianOptimization(), seed=18)
    best = tuner.search(branin, max_trials=25, progress=False)
    assert best is not None and best.value - 0.397887 < 0.1


def test_does_not_spend_trials_on_hopeless_corners() -> None:
    """Hartmann-6 is about 0 over most of the cube. With the plain average of the
    observations as the prior mean (pulled toward the best by the trials clustered near
    it), the model took the far corners, where its variance is largest, for promising:
    of the 33 trials after the initial design, 5, 1 and 5 were hopeless on these seeds
    (none with the constant mean)."""
    hopeless = 0
    for seed in range(3):
        tuner = Tuner("loss", oracle=BayesianOptimization(), seed=seed)
        tuner.search(hartmann6, max_trials=40, progress=False)
        hopeless += sum(t.value > -0.02 for t in tuner.trials[7:])
    assert hopeless <= 2


def test_climbs_only_from_near_the_best_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gradient climb of log EI starts from candidates drawn near the best trials
    and from the best trial itself, never from a Sobol point: from far from the data
    the climb follows the variance into a corner of the box."""
    sobol_rows: list[set[bytes]] = []
    climbs: list[np.ndarray] = []
    real_candidates = BayesianOptimization._candidates
    real_refine = BayesianOptimization._refine

    def candidates(self, enc, rows, y, rng):  # type: ignore[no-untyped-def]
        cands, n_sobol = real_candidates(self, enc, rows, y, rng)
        sobol_rows.append({r.tobytes() for r in cands[:n_sobol]})
        return cands, n_sobol

    def refine(self, enc, gp, best, starts):  # type: ignore[no-untyped-def]
        climbs.append(starts)
        return real_refine(self, enc, gp, best, starts)

    monkeypatch.setattr(BayesianOptimization, "_candidates", candidates)
    monkeypatch.setattr(BayesianOptimization, "_refine", refine)
    tuner = Tuner("loss", oracle=BayesianOptimization(), seed=0)
    tuner.search(hartmann6, max_trials=12, progress=False)
    # One climb per modelled suggestion (trials 8-12), none from a Sobol candidate.
    assert len(climbs) == len(sobol_rows) == 5
    for starts, sobol in zip(climbs, sobol_rows, strict=True):
        assert not any(r.tobytes() in sobol for r in starts)


@pytest.fixture
def front_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records each computation of the acquisition front (made only when stalled): the
    number of candidates it was computed over."""
    import tunesmith.oracles._bayesian as bayesian

    calls: list[int] = []
    real = bayesian.acquisition_front

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(bayesian, "acquisition_front", spy)
    return calls


class TestStalled:
    """Once the last d + 1 trials failed to beat the best, the pick is drawn from the
    acquisition front: of the candidates near the best trials on the first stalled pick
    and every other one after it, of all candidates on the rest; ladder scores
    (SCORE_ONLY_ATTR) and results at several budgets (BUDGET_RESULTS_ATTR) never count as
    a stall."""

    @staticmethod
    def _history(score_only: bool, n: int = 12, budgets: bool = False) -> list[Trial]:
        rng = np.random.default_rng(0)
        space = SearchSpace([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)])
        attrs = {SCORE_ONLY_ATTR: True} if score_only else {}
        trials = []
        for i in range(n):
            v = space.decode(space.sample(rng))
            # The best comes first and every trial after it is worse: with d = 2, a
            # stall of n - 3.
            value = 0.0 if i == 0 else 1.0 + (v["x"] - 0.7) ** 2 + (v["y"] - 0.2) ** 2
            if budgets:  # the best at the full budget, the others after one epoch
                budget = 9.0 if i == 0 else 1.0
                attrs = {BUDGET_RESULTS_ATTR: BudgetResults(((i, budget, value),), 1.0, 9.0)}
            trials.append(Trial(i, TrialState.COMPLETED, v, value, attrs=attrs))
        return trials

    def _fronts(self, calls: list[int], score_only: bool, n: int = 12, **kw: bool) -> int:
        space = SearchSpace([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)])
        point = BayesianOptimization(n_candidates=512).suggest(
            space,
            self._history(score_only, n, **kw),
            [],
            objective=Objective("loss"),
            rng=np.random.default_rng(1),
        )
        assert set(point) == {"x", "y"}
        return len(calls)

    def test_a_stall_draws_from_the_front(self, front_calls: list[int]) -> None:
        assert self._fronts(front_calls, score_only=False) == 1

    def test_ladder_scores_never_stall(self, front_calls: list[int]) -> None:
        assert self._fronts(front_calls, score_only=True) == 0

    def test_results_at_several_budgets_never_stall(self, front_calls: list[int]) -> None:
        # A one-epoch result cannot beat a full-budget one: that is not a stall.
        assert self._fronts(front_calls, score_only=False, budgets=True) == 0

    def test_odd_stalls_look_near_the_best_even_ones_anywhere(
        self, front_calls: list[int]
    ) -> None:
        # d = 2 and the best is trial 0: 12 trials are a stall of 9, 11 trials one of 8.
        self._fronts(front_calls, score_only=False, n=12)
        self._fronts(front_calls, score_only=False, n=11)
        near, anywhere = front_calls
        # Near: the candidates around the best trials and the refined ones, no Sobol point.
        assert 0 < near < 512 < anywhere
        assert anywhere - near == 512


def test_stall_is_judged_on_every_trial_not_the_modelled_subset(front_calls: list[int]) -> None:
    """Past ``max_model_trials`` the model keeps the best half and a spread of the rest, so
    its training set skips recent trials; the stall must still count them. With 10 kept of
    30 (trials 0-3 and 26 the best, 4, 10, 16, 22 and 29 the spread), the model's set holds
    one trial after the best (26) while the study has three: stalled for d = 2."""
    rng = np.random.default_rng(0)
    space = SearchSpace([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)])

    def suggest(best: int) -> None:
        trials = []
        for i in range(30):
            value = -1.0 if i == best else (0.1 * i if i < 4 else float(i))
            trials.append(Trial(i, TrialState.COMPLETED, space.decode(space.sample(rng)), value))
        BayesianOptimization(max_model_trials=10).suggest(
            space, trials, [], objective=Objective("loss"), rng=np.random.default_rng(1)
        )

    suggest(best=26)
    assert len(front_calls) == 1
    suggest(best=28)  # one trial after the best: not stalled
    assert len(front_calls) == 1


class TestBudgetAsInput:
    """With a scheduler's results at every budget (EagerASHA's ladder with
    ``BUDGET_RESULTS_ATTR``), the model takes the budget as an input and judges new
    configurations at the largest budget."""

    @staticmethod
    def history(name: str = "x") -> list[Trial]:
        """Three configurations (x = 0.1, 0.2, 0.3) climbed to budget 9; seven others,
        nearer the optimum at x = 0.8, have only a budget-1 result. The accuracy is
        g(x) less 0.6 at budget 1, 0.3 at budget 3, nothing at 9."""

        def g(x: float) -> float:
            return 1 - 4 * (x - 0.8) ** 2

        trials: list[Trial] = []

        def add(x: float, rung: int, parent: int | None = None) -> int:
            value = g(x) - 0.3 * (2 - rung)
            state = TrialState.COMPLETED
            number = len(trials)
            attrs = {"rung": rung}
            trials.append(
                Trial(
                    number, state, {name: x}, value, parent=parent, budget=3.0**rung, attrs=attrs
                )
            )
            return number

        for x in (0.1, 0.2, 0.3):
            add(x, 2, add(x, 1, add(x, 0)))
        for x in (0.05, 0.4, 0.5, 0.6, 0.7, 0.9, 0.95):
            add(x, 0)
        return trials

    def suggest(self, history: list[Trial], space: SearchSpace, budgets: object) -> list[float]:
        from tunesmith.schedulers import ladder_history

        seen = ladder_history(history, objective=Objective("accuracy"), budgets=budgets)  # type: ignore[arg-type]
        name = next(iter(space)).name
        points = [
            BayesianOptimization().suggest(
                space, seen, [], objective=Objective("accuracy"), rng=np.random.default_rng(s)
            )
            for s in range(3)
        ]
        assert all(set(p) == {name} for p in points)  # the budget is never proposed
        return [space.decode(p)[name] for p in points]

    def test_low_budget_values_lead_the_search_where_ranks_cannot(self) -> None:
        space = SearchSpace([Float("x", 0.0, 1.0)])
        # The ladder's scores rank the three that climbed first, so a model of the scores
        # proposes next to them; a model of the values, with the budget as an input,
        # carries the budget-1 results up to budget 9 and proposes near the optimum.
        assert all(x < 0.4 for x in self.suggest(self.history(), space, None))
        assert all(0.7 < x < 0.9 for x in self.suggest(self.history(), space, (1.0, 9.0)))

    @pytest.mark.parametrize(("target", "low", "high"), [(1.0, 0.85, 0.95), (9.0, 0.3, 0.5)])
    def test_new_configurations_are_judged_at_the_target_budget(
        self, target: float, low: float, high: float
    ) -> None:
        """At budget 1 the best x is 0.9, at budget 9 it is 0.4, and every budget-9 result
        beats every budget-1 one. Judged at budget 1 (Hyperband's level), the incumbent is
        the best budget-1 result: against the budget-9 ones no point could improve, and
        the search went to the edge of the space (x = 1)."""
        space = SearchSpace([Float("x", 0.0, 1.0)])
        trials = []
        for i, x in enumerate(np.linspace(0.05, 0.95, 8)):
            results = [(2 * i, 1.0, 0.5 - 4 * (x - 0.9) ** 2)]
            if i % 2:
                results.append((2 * i + 1, 9.0, 1.0 - 4 * (x - 0.4) ** 2))
            record = BudgetResults(tuple(results), 1.0, 9.0, target=target)
            trials.append(
                Trial(
                    2 * i,
                    TrialState.COMPLETED,
                    {"x": float(x)},
                    results[0][2],
                    budget=1.0,
                    attrs={BUDGET_RESULTS_ATTR: record},
                )
            )
        for s in range(3):
            point = BayesianOptimization().suggest(
                space, trials, [], objective=Objective("accuracy"), rng=np.random.default_rng(s)
            )
            assert set(point) == {"x"}
            assert low < space.decode(point)["x"] < high

    def test_a_parameter_named_budget_keeps_its_name(self) -> None:
        space = SearchSpace([Float("budget", 0.0, 1.0)])
        xs = self.suggest(self.history("budget"), space, (1.0, 9.0))
        assert all(0.7 < x < 0.9 for x in xs)

    def test_expanded_rows_and_running_trials_sit_at_their_budgets(self) -> None:
        from tunesmith.oracles._gp._budget import budget_input, expand
        from tunesmith.schedulers import ladder_history

        space = SearchSpace([Float("x", 0.0, 1.0)])
        seen = ladder_history(self.history(), objective=Objective("accuracy"), budgets=(1.0, 9.0))
        failed = Trial(16, TrialState.FAILED, {"x": 0.45}, budget=3.0)
        running = Trial(17, TrialState.RUNNING, {"x": 0.3}, parent=8, budget=27.0)
        fidelity = budget_input(space, seen)
        assert fidelity is not None and fidelity.max_budget == 9.0
        assert [p.name for p in fidelity.space] == ["x", "budget"]
        rows, pending = expand(fidelity, [*seen, failed], [running])
        # One row per result, numbered as the trial that produced it.
        assert sorted(t.number for t in rows) == list(range(17))
        by = {t.number: t for t in rows}
        assert by[4].values == {"x": 0.2, "budget": 3.0} and by[4].value == pytest.approx(-0.74)
        assert by[16].values == {"x": 0.45, "budget": 3.0} and not by[16].has_value
        # A budget outside the schedule's range is held to it.
        assert pending[0].values == {"x": 0.3, "budget": 9.0}
        assert budget_input(space, self.history()) is None

    def test_a_finite_space_is_still_enumerated(self) -> None:
        from tunesmith.oracles._gp._encoding import Encoding

        space = SearchSpace([Choice("a", [1, 2, 3, 4]), Boolean("b"), Float("budget_", 1.0, 9.0)])
        enc = Encoding(space, pinned="budget_")
        rows = enc.finite_rows(100)
        # Every configuration of (a, b) once, each judged at the largest budget.
        assert rows is not None and rows.shape == (8, 3)
        assert np.all(rows[:, 2] == 1.0)
        assert len({enc.key(enc.point(r)) for r in rows}) == 8
        assert Encoding(space).finite_rows(100) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.lists(numeric_params(), min_size=1, max_size=3),
    names=st.permutations(["budget", "_budget", "a", "b"]),
    with_choice=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_with_budget_results_every_answer_is_a_valid_configuration(
    params: list[Float | Int], names: list[str], with_choice: bool, seed: int
) -> None:
    """Any numeric space (with a choice or not, with a parameter named like the budget or
    not), ladder results at three budgets: the answer names exactly the space's parameters,
    each value valid."""
    import dataclasses

    from tunesmith.schedulers import ladder_history

    dims = [dataclasses.replace(p, name=n) for p, n in zip(params, names, strict=False)]
    if with_choice:
        dims.append(Choice("c", ["x", "y", "z"]))
    space = SearchSpace(dims)
    rng = np.random.default_rng(seed)
    trials: list[Trial] = []
    for _ in range(8):
        values = space.decode(space.sample(rng))
        parent = None
        for rung in range(int(rng.integers(0, 3)) + 1):
            number, value, attrs = len(trials), float(rng.random()), {"rung": rung}
            state = TrialState.COMPLETED
            trials.append(
                Trial(number, state, values, value, parent=parent, budget=3.0**rung, attrs=attrs)
            )
            parent = number
    history = ladder_history(trials, objective=Objective("accuracy"), budgets=(1.0, 9.0))
    point = BayesianOptimization().suggest(
        space, history, [], objective=Objective("accuracy"), rng=rng
    )
    assert set(point) == {p.name for p in space.dimensions}
    for name, value in space.decode(point).items():
        assert space[name].validate(value) == value
