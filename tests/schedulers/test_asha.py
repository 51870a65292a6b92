from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.schedulers.curves import (
    check_asha_paths,
    curve_objective,
    first_at,
    search_curves,
)
from tunesmith import (
    InMemoryStorage,
    InvalidArgumentError,
    Objective,
    Trial,
    TrialState,
    Tuner,
)
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import ASHA


def test_rungs_and_budgets() -> None:
    assert ASHA(27).budgets == (1.0, 3.0, 9.0, 27.0)
    # Budgets count down from max_budget, as in Hyperband; rung 0 is at least min_budget.
    assert ASHA(100, min_budget=4, factor=3).budgets == (11.0, 33.0, 100.0)


def test_never_waits_and_promotes_the_top_third(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tuner = Tuner("accuracy", scheduler=ASHA(9), oracle=RandomSearch(), seed=0, artifacts=tmp_path)
    tuner.search(curve_objective, max_trials=40, progress=False)
    trials = tuner.trials
    assert len(trials) == 40 and all(t.state is TrialState.COMPLETED for t in trials)
    # When it was promoted, the parent was in the top third of its rung so far.
    check_asha_paths(trials, lambda n, _: n // 3)
    assert Counter(t.parent for t in trials if t.parent is not None).most_common(1)[0][1] == 1
    assert max(t.attrs["rung"] for t in trials) == 2


def test_a_promotion_taken_by_another_worker_is_not_made_twice() -> None:
    storage = InMemoryStorage()
    storage.create_study("s", Objective("accuracy"))
    asha = ASHA(9)
    for x in (0.1, 0.2, 0.9):
        t = storage.create_trial(
            "s",
            values={"x": x},
            budget=1.0,
            attrs=asha.assign([], objective=Objective("accuracy")).attrs,
        )
        storage.finish_trial("s", t.number, TrialState.COMPLETED, value=x)
    first = asha.assign(storage.list_trials("s"), objective=Objective("accuracy"))
    assert first.parent == 2 and first.slot == "promote:2" and first.budget == 3.0
    storage.create_trial(
        "s", values={"x": 0.9}, parent=2, budget=3.0, attrs=first.attrs, slot=first.slot
    )
    second = asha.assign(storage.list_trials("s"), objective=Objective("accuracy"))
    assert second.parent is None and second.budget == 1.0


def test_finish_after_lets_the_best_below_the_top_go_on_with_one_rival(tmp_path: Path) -> None:
    trials = search_curves(ASHA(27, finish_after=2), tmp_path / "f", 40)
    assert all(t.state is TrialState.COMPLETED for t in trials)
    # Rung 2 (budget 9) promotes its best of two or more; the rungs below, the top third.
    check_asha_paths(trials, lambda n, rung: max(n // 3, 1 if rung == 2 and n >= 2 else 0))
    plain = search_curves(ASHA(27), tmp_path / "p", 40)
    # Same seed, same oracle: the same trials up to the first finish, which comes sooner.
    first = first_at(trials, 27.0)
    assert first < first_at(plain, 27.0)
    assert [t.values for t in trials[:first]] == [t.values for t in plain[:first]]
    # The second rung-2 result is the first that can finish; the rungs below are ASHA's.
    at_9 = [t.number for t in trials if t.budget == 9.0 and t.number < first]
    assert len(at_9) == 2
    assert sum(t.budget == 3.0 for t in trials[:first]) == sum(
        t.budget == 3.0 for t in plain[:first]
    )


def test_finish_after_settings_and_bad_values() -> None:
    assert ASHA(27).settings()["finish_after"] is None
    assert ASHA(27, finish_after=2).settings() == {
        "scheduler": "ASHA",
        "max_budget": 27,
        "min_budget": 1,
        "factor": 3,
        "finish_after": 2,
        "brackets": 1,
        "max_attempts": 2,
        "model_min_trials": 10,
    }
    # Every rung but the one below the top keeps ASHA's top third.
    asha = ASHA(27, finish_after=2)
    assert [asha.promotable(2, rung) for rung in range(3)] == [0, 0, 1]
    assert [ASHA(27).promotable(2, rung) for rung in range(3)] == [0, 0, 0]
    assert asha.promotable(1, 2) == 0 and asha.promotable(6, 2) == 2
    for bad in (0, -1, 1.5, "2"):
        message = rf"ASHA: finish_after .*got finish_after={bad!r}"
        with pytest.raises(InvalidArgumentError, match=message):
            ASHA(27, finish_after=bad)  # type: ignore[arg-type]


def test_brackets_start_new_configurations_deeper_in_hyperbands_shares(tmp_path: Path) -> None:
    trials = search_curves(ASHA(27, brackets=4), tmp_path, 150)
    assert all(t.state is TrialState.COMPLETED for t in trials)
    # Promotions stay in their bracket, from the top third of its rung.
    check_asha_paths(trials, lambda n, _: n // 3)
    # New configurations go to the bracket furthest behind Hyperband's 27 : 12 : 6 : 4.
    starts = [t.attrs["start_rung"] for t in trials if t.parent is None]
    assert Counter(starts[:49]) == {0: 27, 1: 12, 2: 6, 3: 4}
    assert starts[:4] == [0, 1, 2, 3]
    # Every bracket reaches the top rung: a slow starter first judged at 9 epochs can win.
    assert {t.attrs["start_rung"] for t in trials if t.budget == 27.0} == {0, 1, 2, 3}
    # One bracket is ASHA as it was before brackets, trial for trial (recorded then).
    one = search_curves(ASHA(27, brackets=1), tmp_path / "one", 40)
    assert [(int(t.budget), t.parent) for t in one] == ASHA_27_BEFORE_BRACKETS
    assert all("start_rung" not in t.attrs for t in one)


#: ``search_curves(ASHA(27), ..., 40)``'s (budget, parent), recorded before ``brackets`` was.
ASHA_27_BEFORE_BRACKETS = [
    (1, None), (1, None), (1, None), (3, 1), (1, None), (1, None), (3, 5), (1, None),
    (3, 7), (9, 6), (1, None), (3, 10), (1, None), (1, None), (3, 13), (1, None), (3, 15),
    (9, 14), (1, None), (1, None), (3, 19), (1, None), (1, None), (1, None), (3, 23),
    (1, None), (1, None), (3, 26), (9, 27), (27, 17), (1, None), (1, None), (3, 31),
    (1, None), (1, None), (1, None), (3, 35), (1, None), (3, 37), (9, 38),
]  # fmt: skip


def test_brackets_count_a_failed_configuration_and_its_retry_once() -> None:
    asha = ASHA(27, brackets=2)  # shares 27 : 12

    def trial(number: int, start: int, state: TrialState, **attrs: object) -> Trial:
        attrs = {"bracket": "asha", "rung": start, "start_rung": start, **attrs}
        return Trial(number, state, {"x": number / 10}, budget=3.0**start, attrs=attrs)

    # Three started at rung 0, one at rung 1 that failed and is queued again.
    trials = [trial(n, 0, TrialState.RUNNING) for n in range(3)]
    trials += [trial(3, 1, TrialState.FAILED), trial(4, 1, TrialState.WAITING, retry_of=3)]
    # 3/27 against 1/12: bracket 1 is furthest behind (counting the retry: 2/12, bracket 0).
    assert asha.assign(trials, objective=Objective("accuracy")).attrs["start_rung"] == 1


def test_brackets_resume_from_the_stored_trials(tmp_path: Path) -> None:
    # Two sessions on one SQLite study make the decisions one session makes: the shares and
    # the brackets' rungs are read from the trials, nothing is kept in between.
    url = f"sqlite:///{tmp_path}/study.db"
    for n in (35, 90):
        tuner = Tuner(
            "accuracy",
            scheduler=ASHA(27, brackets=3),
            oracle=RandomSearch(),
            storage=url,
            study="s",
            seed=0,
            artifacts=tmp_path / "a",
        )
        tuner.search(curve_objective, max_trials=n, progress=False)
    resumed = tuner.trials
    once = search_curves(ASHA(27, brackets=3), tmp_path / "once", 90)
    assert [(t.values, t.budget, t.parent, t.attrs) for t in resumed] == [
        (t.values, t.budget, t.parent, t.attrs) for t in once
    ]
    check_asha_paths(resumed, lambda n, _: n // 3)


def test_brackets_settings_and_bad_values() -> None:
    assert ASHA(27).settings()["brackets"] == 1
    assert ASHA(27, brackets=3).shares == (27, 12, 6)
    for bad in (0, 1.5, "2"):
        with pytest.raises(InvalidArgumentError, match=rf"ASHA: brackets .*got brackets={bad!r}"):
            ASHA(27, brackets=bad)  # type: ignore[arg-type]
    message = r"at most the number of rungs, 4 for max_budget=27.*got brackets=5"
    with pytest.raises(InvalidArgumentError, match=message):
        ASHA(27, brackets=5)


def test_budgets_must_be_finite_and_errors_name_the_class() -> None:
    from tunesmith.schedulers import EagerASHA

    # An infinite budget has no rungs: refused at once (it used to loop forever).
    with pytest.raises(InvalidArgumentError, match=r"^ASHA: max_budget .*got max_budget=inf"):
        ASHA(float("inf"))
    with pytest.raises(InvalidArgumentError, match=r"^EagerASHA: max_budget .*max_budget=0"):
        EagerASHA(0)
