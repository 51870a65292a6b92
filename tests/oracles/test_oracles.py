"""RandomSearch, GridSearch and CoarseToFine: seeded, pure, and doing what they promise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith import Tuner
from tunesmith.exceptions import InvalidArgumentError, InvalidSpaceError, SearchSpaceExhausted
from tunesmith.oracles import CoarseToFine, GridSearch, RandomSearch, iter_grid
from tunesmith.space import Boolean, Choice, Condition, Float, Int, SearchSpace
from tunesmith.trial import Objective, Trial, TrialState

OBJ = Objective("loss")


def _done(number: int, values: dict, value: float | None) -> Trial:  # type: ignore[type-arg]
    state = TrialState.COMPLETED if value is not None else TrialState.FAILED
    return Trial(number=number, state=state, values=values, value=value)


class TestRandomSearch:
    def test_seeded_and_reproducible(self) -> None:
        space = SearchSpace([Float("lr", 1e-4, 1.0, sampling="log"), Int("u", 1, 100)])
        a = RandomSearch().suggest(space, [], [], objective=OBJ, rng=np.random.default_rng(5))
        b = RandomSearch().suggest(space, [], [], objective=OBJ, rng=np.random.default_rng(5))
        assert a == b and set(a) == {"lr", "u"}

    def test_never_repeats_in_a_finite_space(self) -> None:
        space = SearchSpace([Int("a", 1, 3), Boolean("b")])
        history: list[Trial] = []
        rng = np.random.default_rng(0)
        for n in range(6):
            values = space.decode(
                RandomSearch().suggest(space, history, [], objective=OBJ, rng=rng)
            )
            history.append(_done(n, values, 1.0))
        assert len({tuple(sorted(t.values.items())) for t in history}) == 6

    def test_avoids_pending(self) -> None:
        space = SearchSpace([Boolean("b")])
        pending = [Trial(number=0, state=TrialState.RUNNING, values={"b": False})]
        for seed in range(10):
            point = RandomSearch().suggest(
                space, [], pending, objective=OBJ, rng=np.random.default_rng(seed)
            )
            assert space.decode(point) == {"b": True}


class TestGridSearch:
    def test_enumerates_in_order_with_conditions(self) -> None:
        space = SearchSpace(
            [
                Choice("opt", ["adam", "sgd"]),
                Float("m", 0.5, 0.9, step=0.4, conditions=[Condition("opt", ["sgd"])]),
                Int("d", 1, 2),
            ]
        )
        assert list(iter_grid(space)) == [
            {"opt": "adam", "d": 1},
            {"opt": "adam", "d": 2},
            {"opt": "sgd", "m": 0.5, "d": 1},
            {"opt": "sgd", "m": 0.5, "d": 2},
            {"opt": "sgd", "m": 0.9, "d": 1},
            {"opt": "sgd", "m": 0.9, "d": 2},
        ]

    def test_refuses_an_infinite_grid(self) -> None:
        space = SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log")])
        with pytest.raises(
            InvalidSpaceError,
            match=r"GridSearch: Float\('lr'\) has no step, "
            r"so the grid is infinite\. Give it step=\.\.\., or use RandomSearch",
        ):
            GridSearch().suggest(space, [], [], objective=OBJ, rng=np.random.default_rng(0))

    def test_runs_the_whole_grid_then_stops(self) -> None:
        tuner = Tuner("loss", oracle=GridSearch(), seed=0)

        def f(trial):  # type: ignore[no-untyped-def]
            return trial.hp.Int("a", 1, 3) + trial.hp.Choice("b", [10, 20])

        tuner.search(f, progress=False)
        seen = sorted((t.values["a"], t.values["b"]) for t in tuner.trials)
        assert seen == [(a, b) for a in (1, 2, 3) for b in (10, 20)]
        space = tuner.storage.load_study("default").space
        with pytest.raises(SearchSpaceExhausted, match="all 6 configurations"):
            GridSearch().suggest(
                space, tuner.trials, [], objective=OBJ, rng=np.random.default_rng(0)
            )

    def test_an_objective_without_hyperparameters_runs_once(self) -> None:
        tuner = Tuner("loss", oracle=GridSearch(), seed=0)
        tuner.search(lambda trial: 1.0, progress=False)  # it used to run without end
        assert [t.state for t in tuner.trials] == [TrialState.COMPLETED]

    def test_a_first_trial_that_fails_before_defining_anything_does_not_end_the_grid(
        self,
    ) -> None:
        calls = []

        def f(trial):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 1:
                raise ValueError("the data failed to load")
            return trial.hp.Int("u", 1, 3)

        tuner = Tuner("loss", oracle=GridSearch(), seed=0, max_consecutive_failures=3)
        tuner.search(f, max_trials=5, progress=False)
        states = [t.state for t in tuner.trials]
        assert states[0] is TrialState.FAILED
        assert sorted(t.values["u"] for t in tuner.trials[1:]) == [1, 2, 3]


class TestCoarseToFine:
    def test_argument_errors(self) -> None:
        with pytest.raises(InvalidArgumentError, match="top_fraction must lie in"):
            CoarseToFine(top_fraction=0.0)
        with pytest.raises(InvalidArgumentError, match=r"got top_fraction='a'\. Try"):
            CoarseToFine(top_fraction="a")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="n_coarse must be a positive integer"):
            CoarseToFine(n_coarse=0)

    def test_box_is_around_the_best_in_unit_space(self) -> None:
        space = SearchSpace([Float("lr", 1e-5, 1.0, sampling="log"), Choice("a", ["x", "y", "z"])])
        history = [
            _done(i, {"lr": 10.0 ** -(i % 5 + 1), "a": "xyz"[i % 3]}, float(abs(i % 5 + 1 - 3)))
            for i in range(20)
        ] + [_done(20, {"lr": 0.5, "a": "x"}, None)]
        oracle = CoarseToFine(n_coarse=5, top_fraction=0.2, margin=0.0, min_width=0.0)
        top = oracle.top_trials(history, OBJ)
        # the best fifth of 20 finished trials: 2, 7, 12 and 17, all at lr 1e-3
        assert [t.number for t in top] == [2, 7, 12, 17]
        assert all(t.values["lr"] == pytest.approx(1e-3) for t in top)
        box = oracle.box(space, top)
        lo, hi = box["lr"]
        assert lo == pytest.approx(0.4) and hi == pytest.approx(0.4)
        assert box["a"] == [0, 1, 2]  # their choices: z, y, x, z

    def test_zooms_into_the_good_region(self) -> None:
        space = SearchSpace([Float("lr", 1e-5, 1.0, sampling="log")])
        oracle = CoarseToFine(n_coarse=10, explore=0.0)
        history: list[Trial] = []
        for n in range(40):
            rng = np.random.default_rng([7, n])
            values = space.decode(oracle.suggest(space, history, [], objective=OBJ, rng=rng))
            history.append(_done(n, values, (math.log10(values["lr"]) + 2.5) ** 2))
        late = [abs(math.log10(t.values["lr"]) + 2.5) for t in history[30:]]
        early = [abs(math.log10(t.values["lr"]) + 2.5) for t in history[:10]]
        assert np.mean(late) < np.mean(early) / 3

    def test_beats_random_search_on_a_smooth_problem(self) -> None:
        def f(trial):  # type: ignore[no-untyped-def]
            x = trial.hp.Float("x", -5.0, 5.0)
            y = trial.hp.Float("y", -5.0, 5.0)
            return (x - 1.2) ** 2 + (y + 0.7) ** 2

        wins = 0
        for seed in range(5):
            c2f = Tuner("loss", oracle=CoarseToFine(n_coarse=10), seed=seed)
            rnd = Tuner("loss", oracle=RandomSearch(), seed=seed)
            c2f.search(f, max_trials=40, progress=False)
            rnd.search(f, max_trials=40, progress=False)
            wins += c2f.best_trial.value < rnd.best_trial.value
        assert wins >= 4
