from __future__ import annotations

import pytest

from tests.schedulers.curves import curve_objective
from tunesmith import Float, InvalidArgumentError, TrialState, Tuner
from tunesmith.exceptions import SchedulerWaiting
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import ASHA, FIFO, Hyperband, SuccessiveHalving


def test_scheduler_must_be_a_scheduler() -> None:
    with pytest.raises(
        InvalidArgumentError, match="scheduler must be a Scheduler, got scheduler='asha'"
    ):
        Tuner("loss", scheduler="asha")  # type: ignore[arg-type]


def test_the_study_records_its_scheduler() -> None:
    tuner = Tuner("loss", scheduler=Hyperband(27, factor=3), seed=0)
    settings = tuner.storage.load_study("default").settings
    scheduler = settings["scheduler"]
    assert scheduler["scheduler"] == "Hyperband" and scheduler["max_budget"] == 27
    assert isinstance(Tuner("loss", seed=0).scheduler, FIFO)


def test_without_a_scheduler_trials_have_no_budget_and_start_at_step_0() -> None:
    tuner = Tuner("loss", seed=0)
    trial = tuner.ask()
    assert trial.budget is None and trial.resume_step == 0 and trial.parent_directory is None
    for step in range(3):
        trial.report(1.0 / (step + 1), step=step)
    assert not trial.should_stop()
    assert tuner.tell(trial, 0.3).state is TrialState.COMPLETED


def test_an_enqueued_configuration_runs_at_max_budget_beside_hyperbands_brackets(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    tuner = Tuner(
        "accuracy", scheduler=Hyperband(9), oracle=RandomSearch(), seed=0, artifacts=tmp_path
    )
    queued = tuner.enqueue({"x": 0.7})
    assert queued.budget == 9.0
    tuner.search(curve_objective, progress=False)
    first = tuner.trials[0]
    assert first.values == {"x": 0.7} and first.budget == 9.0 and first.last_step == 8
    # The brackets still run in full: 9 + 3 + 1, 5 + 1, 3 new and promoted trials.
    assert len(tuner.trials) == 1 + 13 + 6 + 3


def test_an_enqueued_configuration_joins_ashas_rung_0(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tuner = Tuner("accuracy", scheduler=ASHA(9), oracle=RandomSearch(), seed=0, artifacts=tmp_path)
    tuner.enqueue({"x": 0.7})
    tuner.search(curve_objective, max_trials=8, progress=False)
    first = tuner.trials[0]
    assert first.budget == 1.0 and first.attrs["rung"] == 0
    # The best of the first three, it is promoted like any other.
    assert any(t.parent == first.number for t in tuner.trials)


def test_ask_refuses_to_wait_on_its_own_untold_trials() -> None:
    tuner = Tuner(
        "accuracy",
        scheduler=SuccessiveHalving(3),
        oracle=RandomSearch(),
        space=[Float("x", 0.0, 1.0)],
        seed=0,
    )
    asked = [tuner.ask() for _ in range(3)]  # the first rung's three configurations
    assert [t.budget for t in asked] == [1, 1, 1]
    with pytest.raises(SchedulerWaiting, match=r"until trial\(s\) \[0, 1, 2\] finish.*tell"):
        tuner.ask()
    for t, value in zip(asked, (0.1, 0.3, 0.2), strict=True):
        tuner.tell(t, value)
    promoted = tuner.ask()
    assert promoted.parent == 1 and promoted.budget == 3
