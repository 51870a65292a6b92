"""The Tuner end to end: search, failures, resume, ask/tell, enqueue."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tunesmith import SQLStorage, Tuner
from tunesmith.exceptions import (
    InvalidArgumentError,
    InvalidSpaceError,
    StorageError,
    TooManyFailedTrials,
)
from tunesmith.execution._running import objective_value
from tunesmith.oracles import RandomSearch
from tunesmith.space import Float, Int
from tunesmith.trial import Objective, TrialState


def quadratic(trial):  # type: ignore[no-untyped-def]
    x = trial.hp.Float("x", -3.0, 3.0)
    units = trial.hp.Int("units", 8, 64, step=8)
    trial.report(x**2, step=0, units=units)
    return {"loss": (x - 0.5) ** 2 + units / 640, "units": units}


class TestSearch:
    def test_runs_max_trials_and_finds_a_good_point(self, storage_url: str) -> None:
        tuner = Tuner("loss", storage=storage_url, study="q", seed=1)
        best = tuner.search(quadratic, max_trials=25, progress=False)
        assert len(tuner.trials) == 25
        assert all(t.state is TrialState.COMPLETED for t in tuner.trials)
        assert best is not None and best.value < 0.2
        assert best == tuner.best_trial
        assert [r.metrics for r in best.reports] == [{"units": best.values["units"]}]

    def test_seeded_runs_are_reproducible(self) -> None:
        a = Tuner("loss", seed=3)
        b = Tuner("loss", seed=3)
        a.search(quadratic, max_trials=15, progress=False)
        b.search(quadratic, max_trials=15, progress=False)
        assert [t.values for t in a.trials] == [t.values for t in b.trials]
        c = Tuner("loss", seed=4)
        c.search(quadratic, max_trials=15, progress=False)
        assert [t.values for t in a.trials] != [t.values for t in c.trials]

    def test_failures_are_recorded_and_never_best(self) -> None:
        def f(trial):  # type: ignore[no-untyped-def]
            x = trial.hp.Float("x", 0.0, 1.0)
            kind = trial.number % 5
            if kind == 1:
                raise ValueError("diverged at epoch 3")
            if kind == 2:
                return math.nan
            if kind == 3:
                return None
            if kind == 4:
                return -math.inf
            return x

        tuner = Tuner("loss", seed=0)
        tuner.search(f, max_trials=10, progress=False)
        states = [t.state for t in tuner.trials]
        assert states.count(TrialState.COMPLETED) == 2
        errors = {t.number % 5: t.error for t in tuner.trials if t.error}
        assert errors[1] == "ValueError: diverged at epoch 3"
        assert "returned nan" in errors[2]
        assert "returned None" in errors[3] and "return the metric (loss)" in errors[3]
        assert "returned -inf" in errors[4]
        for bad in ("0.5", True):  # a bug in the objective, not a metric
            value, why = objective_value(bad, Objective("loss"))
            assert value is None and f"returned {bad!r}, which is not a number" in str(why)
        assert objective_value(np.float32(0.5), Objective("loss")) == (0.5, None)
        failed = tuner.trials[1]
        assert "Traceback" in failed.traceback and "diverged at epoch 3" in failed.traceback
        assert failed.values == {"x": failed.values["x"]}
        assert tuner.best_trial.number in (0, 5)

    def test_stops_after_consecutive_failures_with_the_error(self) -> None:
        def broken(trial):  # type: ignore[no-untyped-def]
            trial.hp.Float("x", 0.0, 1.0)
            raise RuntimeError("CUDA out of memory")

        tuner = Tuner("loss", seed=0, max_consecutive_failures=3)
        with pytest.raises(
            TooManyFailedTrials,
            match="3 trials failed in a row.*trial 2, "
            "failed with: RuntimeError: CUDA out of memory",
        ):
            tuner.search(broken, max_trials=10, progress=False)
        assert len(tuner.trials) == 3

    def test_a_bad_definition_fails_the_trial_and_stops_the_search(self) -> None:
        def f(trial):  # type: ignore[no-untyped-def]
            return trial.hp.Float("lr", 0.0, 1.0, sampling="log")

        tuner = Tuner("loss", seed=0)
        with pytest.raises(InvalidSpaceError, match="log sampling needs min_value > 0"):
            tuner.search(f, max_trials=5, progress=False)
        assert tuner.trials[0].state is TrialState.FAILED

    def test_timeout_or_max_trials_is_required(self) -> None:
        with pytest.raises(InvalidArgumentError, match="give max_trials or timeout"):
            Tuner("loss").search(quadratic, progress=False)
        with pytest.raises(InvalidArgumentError, match="max_trials must be a positive integer"):
            Tuner("loss").search(quadratic, max_trials=0, progress=False)

    def test_declared_space_and_define_by_run_together(self) -> None:
        tuner = Tuner("loss", space=[Float("x", -3.0, 3.0)], seed=0)
        tuner.search(quadratic, max_trials=3, progress=False)
        # tuner.study is the stored study, grown by the names the trials defined
        assert tuner.study.space.names == ["x", "units"]

    def test_summary_prints(self, capsys: pytest.CaptureFixture[str]) -> None:
        tuner = Tuner("loss", seed=0, study="demo")
        tuner.search(quadratic, max_trials=4, progress=True)
        out = capsys.readouterr().out
        assert "study 'demo': best 4 by loss (min)" in out and "4 completed" in out


class TestResume:
    def test_resume_continues_exactly_like_an_uninterrupted_run(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        url = f"sqlite:///{tmp_path}/s.db"
        Tuner("loss", storage=url, study="s", seed=9).search(
            quadratic, max_trials=7, progress=False
        )
        resumed = Tuner("loss", storage=url, study="s")
        assert resumed.seed == 9  # the study's own
        resumed.search(quadratic, max_trials=14, progress=False)
        straight = Tuner("loss", seed=9)
        straight.search(quadratic, max_trials=14, progress=False)
        # the first 7 trials kept as they were, the next 7 as an uninterrupted run's
        assert [(t.number, t.values, t.value) for t in resumed.trials] == [
            (t.number, t.values, t.value) for t in straight.trials
        ]

    def test_other_objective_is_refused(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        url = f"sqlite:///{tmp_path}/s.db"
        tuner = Tuner("val_loss", storage=url, study="s", seed=3)
        tuner.tell(tuner.ask(), 0.5)
        with pytest.raises(
            InvalidArgumentError,
            match="optimizes 'val_loss' \\(min\\), got objective='val_accuracy'",
        ):
            Tuner("val_accuracy", storage=url, study="s")
        assert len(Tuner("val_loss", storage=url, study="s").trials) == 1  # nothing lost

    def test_a_study_nothing_ran_in_takes_a_corrected_objective(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        url = f"sqlite:///{tmp_path}/s.db"
        Tuner("val_acc", storage=url, study="s", seed=3)  # a typo, refused at search
        fixed = Tuner("val_accuracy", storage=url, study="s", seed=4)
        assert fixed.study.objective == Objective("val_accuracy", "max")
        assert fixed.seed == 4  # a fresh study: its settings are the corrected script's


class TestAskTell:
    def test_ask_tell_loop(self) -> None:
        tuner = Tuner(Objective("score", "max"), oracle=RandomSearch(), seed=0)
        for _ in range(5):
            trial = tuner.ask()
            x = trial.hp.Float("x", 0.0, 1.0)
            trial.report(x / 2, step=0)
            trial.report(step=1, score=x)
            record = tuner.tell(trial, x)
            assert record.state is TrialState.COMPLETED
            assert [r.value for r in record.reports] == [pytest.approx(x / 2), pytest.approx(x)]
        assert tuner.best_trial.value == max(t.value for t in tuner.trials)

    def test_tell_an_error_or_nan(self) -> None:
        tuner = Tuner("loss", seed=0)
        t = tuner.ask()
        assert tuner.tell(t, error="OOM").error == "OOM"
        t = tuner.ask()
        assert tuner.tell(t, float("nan")).state is TrialState.FAILED
        with pytest.raises(InvalidArgumentError, match="the object ask\\(\\) returned"):
            tuner.tell(3, 1.0)  # type: ignore[arg-type]

    def test_enqueued_configurations_run_first(self) -> None:
        tuner = Tuner("loss", space=[Int("units", 8, 64, step=8), Float("x", -3.0, 3.0)], seed=0)
        tuner.enqueue({"units": 16, "x": 0.5})
        with pytest.raises(InvalidSpaceError, match=r"Int\('units'\): value must lie on the grid"):
            tuner.enqueue({"units": 17, "x": 0.5})
        tuner.search(quadratic, max_trials=3, progress=False)
        assert tuner.trials[0].values == {"units": 16, "x": 0.5}
        assert tuner.best_trial.number == 0


def test_bad_tuner_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="oracle must be an Oracle"):
        Tuner("loss", oracle="random")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="storage must be a Storage, a URL or None"):
        Tuner("loss", storage="study.db")
    with pytest.raises(InvalidArgumentError, match="minimize or maximize it. Give direction="):
        Tuner("throughput")
    with pytest.raises(
        InvalidArgumentError, match="If it is a typo of 'val_accuracy', fix the name; else give"
    ):
        Tuner("val_accurcy")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"study": ["a"]}, r"Tuner: study must be a non-empty string, got study=\['a'\]"),
        ({"study": ""}, "Tuner: study must be a non-empty string, got study=''"),
        ({"study": "../../away"}, r"must not leave or share .*got study='../../away'"),
        ({"study": "/abs"}, r"must not leave or share .*got study='/abs'"),
        ({"study": "."}, r"must not leave or share .*got study='\.'"),
        ({"study": "a//b"}, r"must not leave or share .*got study='a//b'"),
        ({"study": ".."}, r"must not leave or share .*got study='\.\.'"),
        ({"seed": -1}, "Tuner: seed must be an integer >= 0, got seed=-1"),
        ({"seed": 1.5}, "Tuner: seed must be an integer >= 0, got seed=1.5"),
        (
            {"stale_after": 1.0, "heartbeat_interval": 10.0},
            "stale_after must exceed heartbeat_interval.*stale_after=1.0, heartbeat_interval=10.0",
        ),
        ({"artifacts": 5}, "artifacts must be a folder .*got artifacts=5"),
        ({"storage": "sqlite://nofile"}, r"'nofile' reads as a host\. Write sqlite:///nofile"),
        ({"storage": "mysql://x"}, r"must name SQLite or PostgreSQL, got url='mysql://x'"),
        ({"storage": "sqlite:////no/such/folder/a.db"}, "no folder '/no/such/folder'"),
        (
            {"storage": "postgresql+nosuchdriver://u:secret@h/db"},
            r"not installed, got url='postgresql\+nosuchdriver://u:\*\*\*@h/db'",
        ),
    ],
)
def test_bad_arguments_name_the_value_and_the_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Tuner("loss", **kwargs)  # type: ignore[arg-type]


def test_paths_of_any_kind_and_an_endless_timeout_are_fine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    class Folder:  # an os.PathLike that is neither str nor Path (as py.path's is)
        def __fspath__(self) -> str:
            return str(tmp_path / "art")

    tuner = Tuner("loss", seed=0, artifacts=Folder())
    tuner.search(quadratic, max_trials=2, timeout=math.inf, progress=False)
    assert len(tuner.trials) == 2


@pytest.mark.parametrize("devices", ["cuda:0", 5, [], ["cuda:0", ""]])
def test_devices_must_be_a_list_of_names(devices: object) -> None:
    tuner = Tuner("loss", storage=None, seed=0)
    with pytest.raises(InvalidArgumentError, match=re.escape(f"devices={devices!r}. Write")):
        tuner.search(quadratic, max_trials=2, devices=devices, progress=False)  # type: ignore[arg-type]
    assert tuner.trials == []


def test_telling_a_finished_trial_again_is_refused_and_keeps_the_first_value() -> None:
    tuner = Tuner("loss", seed=0)
    trial = tuner.ask()
    trial.hp.Float("x", 0.0, 1.0)
    assert tuner.tell(trial, 0.5).value == 0.5
    with pytest.raises(StorageError, match="is COMPLETED, so it cannot finish it"):
        tuner.tell(trial, 1.0)
    assert tuner.trials[0].value == 0.5


@pytest.mark.parametrize("values", [[("x", 0.5)], "x=0.5", None, {1: 2}])
def test_enqueue_wants_a_mapping_of_names(values: object) -> None:
    tuner = Tuner("loss", seed=0)
    with pytest.raises(InvalidArgumentError, match=r"enqueue: values must map parameter names"):
        tuner.enqueue(values)  # type: ignore[arg-type]
    assert tuner.trials == []


def test_an_enqueued_value_outside_a_later_definition_fails_its_trial_only() -> None:
    """Define-by-run: the space is unknown when the value is queued, so the check comes when
    the trial defines the parameter. The trial fails and says why; the study goes on."""

    def f(trial):  # type: ignore[no-untyped-def]
        return trial.hp.Float("x", 0.0, 1.0) + (trial.hp.Choice("c", ["a", "b"]) == "b")

    tuner = Tuner("loss", seed=0)
    tuner.enqueue({"x": 5.0, "c": "a"})
    with pytest.raises(InvalidSpaceError, match=r"got value=5.0.*given for 'x', e.g. by enqueue"):
        tuner.search(f, max_trials=4, progress=False)
    first = tuner.trials[0]
    assert first.state is TrialState.FAILED and "given for 'x'" in first.error
    tuner.search(f, max_trials=6, progress=False)
    later = tuner.trials[1:]
    assert len(later) == 5 and all(t.state is TrialState.COMPLETED for t in later)
    assert all(0.0 <= t.values["x"] <= 1.0 for t in later)


def test_a_resumed_study_keeps_its_scheduler_and_refuses_another(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tunesmith.schedulers import ASHA, FIFO, Hyperband

    url = f"sqlite:///{tmp_path}/s.db"
    Tuner("loss", storage=url, study="s", scheduler=Hyperband(9, model_min_trials=4))
    resumed = Tuner("loss", storage=url, study="s")
    assert isinstance(resumed.scheduler, Hyperband)
    assert resumed.scheduler.settings() == Hyperband(9, model_min_trials=4).settings()
    with pytest.raises(
        InvalidArgumentError,
        match=r"created with the scheduler Hyperband\(max_budget=9, .*model_min_trials=4\); "
        r"got scheduler=Hyperband\(max_budget=27, .*leave scheduler out",
    ):
        Tuner("loss", storage=url, study="s", scheduler=Hyperband(27))
    with pytest.raises(InvalidArgumentError, match=r"got scheduler=ASHA\(max_budget=9, "):
        Tuner("loss", storage=url, study="s", scheduler=ASHA(9))
    # A study stored before a setting existed ran with its default: only that resumes it.
    old = {k: v for k, v in ASHA(9).settings().items() if k != "brackets"}
    SQLStorage(url).create_study("old", Objective("loss"), settings={"seed": 0, "scheduler": old})
    assert Tuner("loss", storage=url, study="old", scheduler=ASHA(9)).scheduler.brackets == 1
    message = r"created with the scheduler ASHA\(max_budget=9, .*brackets=1\); got .*brackets=2"
    with pytest.raises(InvalidArgumentError, match=message):
        Tuner("loss", storage=url, study="old", scheduler=ASHA(9, brackets=2))
    # A study made without a scheduler (FIFO) may be run by workers with one.
    Tuner("loss", storage=url, study="plain", seed=0)
    assert isinstance(Tuner("loss", storage=url, study="plain").scheduler, FIFO)
    Tuner("loss", storage=url, study="plain", scheduler=Hyperband(9))


def test_reports_take_numbers_and_scalar_arrays_and_refuse_the_rest() -> None:
    import torch

    tuner = Tuner("loss", seed=0)
    trial = tuner.ask()
    trial.report(np.float32(0.25), step=np.int64(0))
    trial.report(torch.tensor(0.5), step=1)
    trial.report(0.75)  # the next step, 2
    for value, step, message in [
        ("abc", None, "value must be a number, got value='abc'"),
        ("0.5", None, "value must be a number, got value='0.5'"),
        ([1.0], None, r"value must be a number, got value=\[1\.0\]"),
        (0.5, "a", "step must be an integer >= 0, got step='a'"),
        (0.5, -1, "step must be an integer >= 0, got step=-1"),
        (0.5, True, "step must be an integer >= 0, got step=True"),
    ]:
        with pytest.raises(InvalidArgumentError, match=message):
            trial.report(value, step=step)  # type: ignore[arg-type]
    stored = tuner.storage.get_trial("default", trial.number).reports
    assert [(r.step, r.value) for r in stored] == [(0, 0.25), (1, 0.5), (2, 0.75)]
