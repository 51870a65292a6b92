"""Mid-run changes: asked for, applied by the real training loop at a step boundary, kept
as a schedule; refused when out of range or not changeable; forks and their lineage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tunesmith
from tunesmith.exceptions import ChangeRefusedError
from tunesmith.integrations.torch import Data, train
from tunesmith.panda import fork_trial, lineage, parse_assignments, request_change, values_at
from tunesmith.trial import TrialState, utcnow

from .conftest import VALUES, dense_model


def _tuner(tmp_path: Path, **values: object) -> tunesmith.Tuner:
    """A study whose first trial has VALUES (with ``values`` changed)."""
    tuner = tunesmith.Tuner(
        "val_accuracy",
        oracle=tunesmith.RandomSearch(),
        storage=f"sqlite:///{tmp_path / 'study.db'}",
        study="panda",
        seed=0,
    )
    tuner.enqueue({**VALUES, **values})
    return tuner


def _started(tmp_path: Path, **values: object) -> tuple[tunesmith.Tuner, tunesmith.RunningTrial]:
    tuner = _tuner(tmp_path, **values)
    return tuner, tuner.ask()


def _fit(trial: tunesmith.RunningTrial, digits: Data, epochs: int, **options: object) -> float:
    model = dense_model()
    net = model.build(trial.hp)
    spec = model.training(trial.hp)
    return train(
        net, digits, trial, spec, epochs=epochs, patience=None, device="cpu", **options
    ).value  # type: ignore[arg-type]


class TestChangeMidRun:
    def test_applied_at_the_next_step_and_kept_as_a_schedule(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, trial = _started(tmp_path)
        _fit(trial, digits, 3, keep_checkpoints=10)  # steps 0..2, then a pause
        request_change(tuner.storage, "panda", trial.number, {"learning_rate": 0.002})
        _fit(trial, digits, 6, resume=True)  # goes on from step 3
        record = tuner.tell(trial, 0.5)
        assert [c["step"] for c in record.attrs["schedule"]] == [3]
        assert record.attrs["schedule"][0]["values"] == {"learning_rate": 0.002}
        lrs = [r.metrics["learning_rate"] for r in record.reports]
        assert lrs == pytest.approx([0.01] * 3 + [0.002] * 3)  # the optimizer's own rate
        assert values_at(record, 2)["learning_rate"] == 0.01
        assert values_at(record, 3)["learning_rate"] == 0.002
        assert record.values["learning_rate"] == 0.01  # the start value stays the record's

    def test_batch_size_and_dropout_change_the_live_run(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, trial = _started(tmp_path, dropout=0.2)
        _fit(trial, digits, 1)
        request_change(tuner.storage, "panda", trial.number, {"batch_size": 128, "dropout": 0.0})
        _fit(trial, digits, 2, resume=True)
        assert trial.current_values["batch_size"] == 128
        assert trial.current_values["dropout"] == 0.0
        schedule = trial.record().attrs["schedule"]
        assert schedule == [
            {
                "step": 1,
                "values": {"batch_size": 128, "dropout": 0.0},
                "request": schedule[0]["request"],
                "source": "user",
            }
        ]


class TestRefused:
    def test_out_of_range_and_unchangeable_are_refused_and_nothing_is_stored(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, trial = _started(tmp_path)
        _fit(trial, digits, 1)
        s = tuner.storage
        with pytest.raises(
            ChangeRefusedError, match=r"must lie in \[0.0001, 0.1\], got learning_rate=0.5"
        ):
            request_change(s, "panda", trial.number, {"learning_rate": 0.5})
        with pytest.raises(
            ChangeRefusedError, match="only .*learning_rate.* can change .* got layers=2"
        ):
            request_change(s, "panda", trial.number, {"layers": 2})
        with pytest.raises(
            ChangeRefusedError,
            match=r"learnin_rate is not a hyperparameter of this study, got "
            r"learnin_rate=0\.001; did you mean learning_rate\? Trial 0 can change ",
        ):
            request_change(s, "panda", trial.number, {"learnin_rate": 0.001})
        assert "change_requests" not in trial.record().attrs
        _fit(trial, digits, 2, resume=True)  # the run goes on untouched
        record = tuner.tell(trial, 0.5)
        assert [r.metrics["learning_rate"] for r in record.reports] == pytest.approx([0.01] * 2)
        with pytest.raises(ChangeRefusedError, match="running trial, got state=completed.*fork"):
            request_change(s, "panda", record.number, {"learning_rate": 0.001})

    def test_a_change_asked_before_the_loop_starts_is_checked_when_picked_up(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner = _tuner(tmp_path)
        trial = tuner.ask()  # running, but its loop has declared nothing yet
        request_change(tuner.storage, "panda", trial.number, {"layers": 2})
        _fit(trial, digits, 2)
        record = trial.record()
        assert len(record.attrs["refused_changes"]) == 1
        refusal = record.attrs["refused_changes"][0]
        assert refusal["step"] == 0 and "got layers=2" in refusal["error"]
        assert "schedule" not in record.attrs and len(record.reports) == 2

    def test_assignments_parse_and_bad_ones_explain(self) -> None:
        assert parse_assignments(["learning_rate=3e-4", "batch_size=64", "x=abc"]) == {
            "learning_rate": 3e-4,
            "batch_size": 64,
            "x": "abc",
        }
        with pytest.raises(ChangeRefusedError, match="name=value, got 'lr'"):
            parse_assignments(["lr"])


def _trained(
    tmp_path: Path, digits: Data, epochs: int, keep: int = 1
) -> tuple[tunesmith.Tuner, Any]:
    """A study whose trial 0 (VALUES) trained ``epochs`` epochs, keeping ``keep``
    checkpoints; and the objective that runs its forks."""
    tuner = _tuner(tmp_path)
    fn = dense_model().objective(
        digits, epochs=epochs, patience=None, device="cpu", keep_checkpoints=keep
    )
    tuner.search(fn, max_trials=1, progress=False)
    return tuner, fn


class TestFork:
    def test_fork_goes_on_from_the_checkpoint_with_new_values(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, fn = _trained(tmp_path, digits, 5, keep=5)
        s = tuner.storage
        fork = fork_trial(s, "panda", 0, step=2, values={"learning_rate": 0.001})
        assert fork.state is TrialState.WAITING and fork.parent == 0
        assert fork.attrs["fork"] == {"trial": 0, "step": 2, "changed": {"learning_rate": 0.001}}
        assert dict(fork.values) == {**VALUES, "learning_rate": 0.001}
        tuner.search(fn, max_trials=2, progress=False)
        done = s.get_trial("panda", fork.number)
        assert done.state is TrialState.COMPLETED
        assert [r.step for r in done.reports] == [3, 4]
        assert [r.metrics["learning_rate"] for r in done.reports] == pytest.approx([0.001] * 2)
        assert [t.number for t in lineage(s, "panda", fork.number)] == [0, fork.number]

    def test_fork_refuses_what_a_checkpoint_cannot_take(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, fn = _trained(tmp_path, digits, 3)
        s = tuner.storage
        with pytest.raises(ChangeRefusedError, match="got units=64"):
            fork_trial(s, "panda", 0, step=1, values={"units": 64})
        with pytest.raises(ChangeRefusedError, match=r"steps: 0 … 2\), got step=7"):
            fork_trial(s, "panda", 0, step=7)
        # step 0 was reported, but only the latest checkpoint was kept: the fork says so
        fork = fork_trial(s, "panda", 0, step=0)
        tuner.search(fn, max_trials=2, progress=False)
        failed = s.get_trial("panda", fork.number)
        assert failed.state is TrialState.FAILED
        assert "checkpoints at steps [2], got step=0" in failed.error

    def test_a_fork_whose_worker_died_is_retried_from_the_fork_step(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner, fn = _trained(tmp_path, digits, 4, keep=5)
        s = tuner.storage
        fork = fork_trial(s, "panda", 0, step=1, values={"learning_rate": 0.001})
        s.claim_trial("panda", "lost-host:1:x")  # its worker dies before any checkpoint
        s.fail_stale_trials(
            "panda", stale_before=utcnow(), dead_workers={"lost-host:1:x"}, max_retries=1
        )
        tuner.search(fn, max_trials=2, progress=False)  # runs the retry, creates nothing
        retry = s.list_trials("panda")[-1]
        # The retry keeps the fork's parent (the checkpoint it continues) and names the
        # attempt it replaces.
        assert retry.parent == fork.parent and retry.attrs["retry_of"] == fork.number
        assert retry.state is TrialState.COMPLETED
        assert [r.step for r in retry.reports] == [2, 3]
        assert [r.metrics["learning_rate"] for r in retry.reports] == pytest.approx([0.001] * 2)


def test_bad_trial_numbers_steps_and_budgets_are_clear_errors(tmp_path: Path) -> None:
    from tunesmith.exceptions import InvalidArgumentError, TrialNotFoundError

    tuner = tunesmith.Tuner("loss", storage=f"sqlite:///{tmp_path}/c.db", study="c", seed=0)

    def f(trial):  # type: ignore[no-untyped-def]
        for step in range(3):
            trial.report(trial.hp.Float("lr", 1e-4, 1e-1, sampling="log"), step=step)
        return 0.5

    tuner.search(f, max_trials=1, progress=False)
    storage = tuner.storage
    for number in ("1", True, 1.0, -5):
        with pytest.raises(
            InvalidArgumentError, match="request_change: number must be an integer >= 0"
        ):
            request_change(storage, "c", number, {"lr": 1e-3})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="values must map parameter names"):
        request_change(storage, "c", 0, "lr=1e-3")  # type: ignore[arg-type]
    for budget in (-5, 0, 1, float("nan"), "x"):
        with pytest.raises(
            InvalidArgumentError, match=r"budget must be a finite number >= 2, got budget="
        ):
            fork_trial(storage, "c", 0, step=1, budget=budget)  # type: ignore[arg-type]
    for step in (True, 1.0, -1):
        with pytest.raises(InvalidArgumentError, match="step must be an integer >= 0, got step="):
            fork_trial(storage, "c", 0, step=step)  # type: ignore[arg-type]
    with pytest.raises(TrialNotFoundError):
        lineage(storage, "c", 99)
    assert len(storage.list_trials("c")) == 1  # nothing was queued
    # NumPy integers are trial numbers and steps too
    import numpy as np

    fork = fork_trial(storage, "c", np.int64(0), step=np.int64(1), budget=np.int64(3))
    assert fork.budget == 3 and fork.attrs["fork"]["step"] == 1


def test_the_first_trial_of_a_define_by_run_study_shows_its_values_while_it_runs(
    tmp_path: Path,
) -> None:
    storage_url = f"sqlite:///{tmp_path / 'first.db'}"
    tuner = tunesmith.Tuner("loss", storage=storage_url, study="first", seed=0)
    seen: dict[str, Any] = {}

    def objective(trial: tunesmith.RunningTrial) -> float:
        lr = trial.hp.Float("lr", 1e-4, 1e-1, sampling="log")
        units = trial.hp.Int("units", 8, 64)
        storage = tunesmith.get_storage(storage_url)
        seen.setdefault("before", dict(storage.get_trial("first", trial.number).values))
        for step in range(3):
            trial.report(lr * units / (step + 1), step=step)
        if trial.number == 0:  # (the fork, run next, forks nothing)
            # What babysit shows, and what a fork of the running trial starts from.
            seen["running"] = dict(storage.get_trial("first", trial.number).values)
            seen["fork"] = dict(fork_trial(storage, "first", trial.number, step=1).values)
        return lr * units / 3

    tuner.search(objective, max_trials=1, progress=False)
    finished = tuner.trials[0]
    assert seen["before"] == {}  # nothing was known when it started
    assert seen["running"] == seen["fork"] == dict(finished.values)
    assert set(finished.values) == {"lr", "units"}
