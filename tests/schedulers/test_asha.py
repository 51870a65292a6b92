from __future__ import annotations

from collections import Counter

from tests.schedulers.curves import check_asha_paths, curve_objective
from tunesmith import InMemoryStorage, Objective, TrialState, Tuner
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
    check_asha_paths(trials, lambda n: n // 3)
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
