from __future__ import annotations

import pytest

from tunesmith import InvalidArgumentError, TrialState, Tuner
from tunesmith.schedulers import FIFO, Hyperband


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
