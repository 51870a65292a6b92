from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from tests.schedulers.curves import STATE, curve_objective
from tunesmith import InvalidArgumentError, Objective, TrialState, Tuner
from tunesmith.oracles import CoarseToFine, RandomSearch
from tunesmith.oracles._base import config_key
from tunesmith.schedulers import Hyperband, SuccessiveHalving, hyperband_brackets, rungs


class TestBrackets:
    def test_paper_table_for_81_and_3(self) -> None:
        # Li et al. (2018), Table 1: R = 81, eta = 3.
        table = {
            4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
            3: [(34, 3), (11, 9), (3, 27), (1, 81)],
            2: [(15, 9), (5, 27), (1, 81)],
            1: [(8, 27), (2, 81)],
            0: [(5, 81)],
        }
        brackets = hyperband_brackets(81, factor=3)
        assert [b.index for b in brackets] == [4, 3, 2, 1, 0]
        for b in brackets:
            assert list(zip(b.n_configs, b.budgets, strict=True)) == table[b.index]

    def test_min_budget_scales_the_brackets(self) -> None:
        brackets = hyperband_brackets(270, min_budget=10, factor=3)
        assert brackets[0].budgets == (10.0, 30.0, 90.0, 270.0)
        assert brackets[0].n_configs == (27, 9, 3, 1)

    def test_factor_2(self) -> None:
        brackets = hyperband_brackets(8, factor=2)
        assert [b.n_configs for b in brackets] == [(8, 4, 2, 1), (6, 3, 1), (4, 2), (4,)]

    def test_successive_halving_is_one_bracket(self) -> None:
        (b,) = SuccessiveHalving(81, min_budget=9, factor=3, n_configs=20).brackets()
        assert b.n_configs == (20, 6, 2)
        assert b.budgets == (9.0, 27.0, 81.0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"max_budget": 0}, "max_budget must be a positive finite number, got max_budget=0"),
            (
                {"max_budget": math.inf},
                "max_budget must be a positive finite number, got max_budget=inf",
            ),
            ({"max_budget": 9, "factor": 1}, "factor must be an integer >= 2, got factor=1"),
            ({"max_budget": 9, "min_budget": 10}, "min_budget must be <= max_budget"),
            ({"max_budget": 9, "iterations": 0}, "iterations must be a positive integer"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, float], match: str) -> None:
        with pytest.raises(InvalidArgumentError, match=match):
            Hyperband(**kwargs)  # type: ignore[arg-type]


def _search(scheduler: Hyperband | SuccessiveHalving, tmp_path, **tuner) -> Tuner:  # type: ignore[no-untyped-def]
    t = Tuner(
        "accuracy",
        scheduler=scheduler,
        oracle=tuner.pop("oracle", RandomSearch()),
        seed=tuner.pop("seed", 0),
        artifacts=tmp_path / "artifacts",
        **tuner,
    )
    t.search(curve_objective, progress=False)
    return t


class TestHyperbandSearch:
    def test_every_rung_has_the_bracket_size(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        tuner = _search(Hyperband(27), tmp_path, storage=f"sqlite:///{tmp_path}/s.db")
        trials = tuner.trials
        assert all(t.state is TrialState.COMPLETED for t in trials)
        sizes = Counter((t.attrs["bracket"], t.attrs["rung"]) for t in trials)
        for b in Hyperband(27).brackets():
            for rung, n in enumerate(b.n_configs):
                assert sizes[(b.index, rung)] == n
        assert len(trials) == sum(sum(b.n_configs) for b in Hyperband(27).brackets())

    def test_promotes_the_best_of_each_rung_and_resumes(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        tuner = _search(Hyperband(27), tmp_path)
        trials = {t.number: t for t in tuner.trials}
        for b in Hyperband(27).brackets():
            for rung in range(b.n_rungs - 1):
                here = [t for t in trials.values() if t.attrs["bracket"] == b.index]
                current = [t for t in here if t.attrs["rung"] == rung]
                promoted = {t.parent for t in here if t.attrs["rung"] == rung + 1}
                assert len(promoted) == b.n_configs[rung + 1]
                best = sorted(current, key=lambda t: (-t.value, t.number))[: len(promoted)]
                assert promoted == {t.number for t in best}
        for t in trials.values():
            if t.parent is None:
                assert t.reports[0].step == 0
                continue
            parent = trials[t.parent]
            assert t.values == parent.values and t.budget > parent.budget
            # It resumed where its parent stopped: no step is trained twice.
            assert t.reports[0].step == parent.last_step + 1 == parent.budget
            assert t.last_step + 1 == t.budget
            state = json.loads(
                (tmp_path / "artifacts" / "default" / f"trial-{t.number}" / STATE).read_text()
            )
            assert state["epochs"] == t.budget

    def test_ends_by_itself_and_records_the_rungs(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        tuner = _search(Hyperband(9), tmp_path)
        paths = rungs(tuner.trials)
        assert len(paths) == 9 + 5 + 3
        top = [p for p in paths if p.outcome.startswith("reached the top rung")]
        assert len(top) == 1 + 1 + 3 and all(p.last.budget == 9.0 for p in top)
        stopped = [p for p in paths if p.outcome.startswith("not promoted past rung")]
        assert len(stopped) == len(paths) - 5
        deepest = max(paths, key=lambda p: len(p.runs))
        assert [r.budget for r in deepest.runs] == [1.0, 3.0, 9.0]
        assert [r.first_step for r in deepest.runs] == [0, 1, 3]

    def test_iterations_repeat_the_brackets(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        tuner = _search(Hyperband(3, iterations=2), tmp_path)
        assert Counter(t.attrs["iteration"] for t in tuner.trials) == {0: 3 + 1 + 2, 1: 3 + 1 + 2}

    def test_model_based_brackets_learn_from_the_largest_budget(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        hb = Hyperband(27, model_min_trials=4)
        tuner = _search(hb, tmp_path, oracle=CoarseToFine(n_coarse=4, explore=0.0), seed=3)
        trials = tuner.trials
        seen = hb.oracle_history(
            [t for t in trials if t.state.is_finished], objective=Objective("accuracy")
        )
        # Values at the largest budget only; every other configuration is shown tried.
        assert {t.budget for t in seen if t.has_value} == {27.0}
        assert len({config_key(t.values) for t in seen}) == len(seen)
        assert len(seen) == len({config_key(t.values) for t in trials})
        late = [t for t in trials if t.parent is None and t.attrs["bracket"] == 0]
        early = [t for t in trials if t.parent is None and t.attrs["bracket"] == 3]
        # The last bracket's new configurations come from the box around the best ones.
        mean = lambda ts: sum(abs(t.values["x"] - 0.7) for t in ts) / len(ts)  # noqa: E731
        assert mean(late) < mean(early)

    def test_a_failing_slot_runs_again_then_counts_as_done(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        def objective(trial):  # type: ignore[no-untyped-def]
            if trial.hp.Float("x", 0.0, 1.0) > 0.8:
                raise RuntimeError("diverged")
            return curve_objective(trial)

        tuner = Tuner(
            "accuracy",
            scheduler=SuccessiveHalving(9, max_attempts=2),
            oracle=RandomSearch(),
            seed=1,
            artifacts=tmp_path,
            max_consecutive_failures=50,
        )
        tuner.search(objective, progress=False)
        trials = tuner.trials
        failed = [t for t in trials if t.state is TrialState.FAILED]
        assert failed, "the seed should draw some x > 0.8"
        rung0 = [t for t in trials if t.attrs["rung"] == 0 and t.state is TrialState.COMPLETED]
        slots = Counter(t.attrs["slot"] for t in trials if t.attrs["rung"] == 0)
        # A slot holds at most one success and at most two attempts.
        assert max(slots.values()) <= 2 and len(slots) == 9
        assert len(rung0) == 9 - sum(
            1
            for s in slots
            if all(t.state is TrialState.FAILED for t in trials if t.attrs.get("slot") == s)
        )
