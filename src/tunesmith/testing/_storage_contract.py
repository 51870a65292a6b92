"""StorageContract: the tests every storage backend must pass.

Subclass it in a test module and provide a ``storage`` fixture that yields a fresh, empty
backend::

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self):
            yield MyStorage(...)
"""

from __future__ import annotations

import math
import threading
import time

import pytest

from tunesmith.exceptions import (
    DuplicatedStudyError,
    DuplicatedTrialError,
    InvalidArgumentError,
    InvalidSpaceError,
    StorageError,
    StudyNotFoundError,
    TrialLimitReached,
    TrialNotFoundError,
)
from tunesmith.space import Choice, Float, Int, SearchSpace
from tunesmith.storage import Storage
from tunesmith.trial import RETRY_OF_ATTR, Objective, TrialState


class StorageContract:
    """Behaviour every :class:`~tunesmith.storage.Storage` shares.

    The subclass (or a conftest.py) provides a ``storage`` fixture: a fresh, empty backend.
    """

    @pytest.fixture
    def study(self, storage: Storage) -> str:
        space = SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log"), Int("units", 8, 64)])
        storage.create_study("s", Objective("val_loss"), space, {"seed": 3})
        return "s"

    # -- studies ---------------------------------------------------------------------------
    def test_create_and_load_study(self, storage: Storage, study: str) -> None:
        loaded = storage.load_study(study)
        assert loaded.objective == Objective("val_loss", "min")
        assert loaded.space.names == ["lr", "units"]
        assert loaded.space["lr"] == Float("lr", 1e-4, 1e-1, sampling="log")
        assert loaded.settings == {"seed": 3}
        assert loaded.created_at is not None

    def test_duplicate_study_is_refused(self, storage: Storage, study: str) -> None:
        with pytest.raises(DuplicatedStudyError, match="'s' already exists"):
            storage.create_study(study, Objective("val_loss"))

    def test_missing_study_names_the_known_ones(self, storage: Storage, study: str) -> None:
        with pytest.raises(StudyNotFoundError, match="no study named 'nope'.*'s'"):
            storage.load_study("nope")

    def test_list_and_delete_studies(self, storage: Storage, study: str) -> None:
        storage.create_study("t", Objective("acc"))
        storage.create_trial("t")
        assert [s.name for s in storage.list_studies()] == ["s", "t"]
        storage.delete_study("t")
        assert [s.name for s in storage.list_studies()] == ["s"]
        with pytest.raises(StudyNotFoundError):
            storage.list_trials("t")

    def test_update_space_merges_and_refuses_conflicts(self, storage: Storage, study: str) -> None:
        merged = storage.update_space(study, SearchSpace([Choice("act", ["relu", "gelu"])]))
        assert merged.names == ["lr", "units", "act"]
        assert storage.load_study(study).space.names == ["lr", "units", "act"]
        with pytest.raises(InvalidSpaceError, match="already defined"):
            storage.update_space(study, SearchSpace([Int("units", 8, 128)]))
        assert storage.load_study(study).space["units"] == Int("units", 8, 64)

    # -- trials ----------------------------------------------------------------------------
    def test_trial_numbers_increase_from_zero(self, storage: Storage, study: str) -> None:
        numbers = [storage.create_trial(study).number for _ in range(4)]
        assert numbers == [0, 1, 2, 3]

    def test_created_trial_records_what_was_given(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(
            study,
            values={"lr": 0.01, "units": 9},
            seed=7,
            worker="w1",
            parent=None,
            budget=3.0,
            attrs={"note": "x"},
        )
        assert t.state is TrialState.RUNNING
        assert dict(t.values) == {"lr": 0.01, "units": 9}
        assert (t.seed, t.worker, t.budget) == (7, "w1", 3.0)
        assert dict(t.attrs) == {"note": "x"}
        assert t.started_at is not None and t.heartbeat_at is not None
        assert storage.get_trial(study, t.number) == t

    def test_finish_completed(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study, values={"lr": 0.01})
        done = storage.finish_trial(
            study, t.number, TrialState.COMPLETED, value=0.5, values={"lr": 0.01, "units": 12}
        )
        assert done.state is TrialState.COMPLETED and done.value == 0.5
        assert dict(done.values) == {"lr": 0.01, "units": 12}
        assert done.finished_at is not None and done.finished_at >= done.started_at
        assert storage.best_trial(study) == done

    def test_finished_trial_is_never_overwritten(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        storage.finish_trial(study, t.number, TrialState.COMPLETED, value=1.0)
        with pytest.raises(StorageError, match="is COMPLETED, so it cannot finish it"):
            storage.finish_trial(study, t.number, TrialState.FAILED, error="late")
        with pytest.raises(StorageError, match="cannot report"):
            storage.report(study, t.number, 5, 0.1)
        assert storage.get_trial(study, t.number).value == 1.0

    def test_completed_needs_a_finite_value(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        with pytest.raises(InvalidArgumentError, match="needs a finite value"):
            storage.finish_trial(study, t.number, TrialState.COMPLETED, value=math.nan)
        assert storage.get_trial(study, t.number).state is TrialState.RUNNING

    def test_failed_keeps_error_and_traceback(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        f = storage.finish_trial(
            study, t.number, TrialState.FAILED, error="E: x", traceback="Traceback...\nE: x"
        )
        assert (f.state, f.value, f.error) == (TrialState.FAILED, None, "E: x")
        assert f.traceback.endswith("E: x")
        assert storage.best_trial(study) is None

    def test_reports_in_step_order_with_metrics(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        storage.report(study, t.number, 2, 0.3, {"acc": 0.8})
        storage.report(study, t.number, 0, 0.9, {"acc": 0.5})
        storage.report(study, t.number, 1, math.nan, {"acc": 0.6, "loss": math.inf})
        storage.report(study, t.number, 2, 0.25, {"acc": 0.82})  # a repeated step replaces
        reports = storage.get_trial(study, t.number).reports
        assert [r.step for r in reports] == [0, 1, 2]
        assert math.isnan(reports[1].value) and reports[1].metrics["loss"] == math.inf
        assert reports[2].value == 0.25 and reports[2].metrics == {"acc": 0.82}

    def test_report_rejects_bad_steps(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        with pytest.raises(InvalidArgumentError, match="step must be a non-negative integer"):
            storage.report(study, t.number, -1, 0.1)

    def test_best_trial_direction_and_non_finite(self, storage: Storage, study: str) -> None:
        for v in (0.5, 0.2, 0.9):
            t = storage.create_trial(study)
            storage.finish_trial(study, t.number, TrialState.COMPLETED, value=v)
        t = storage.create_trial(study)
        storage.finish_trial(study, t.number, TrialState.FAILED, error="nan")
        assert storage.best_trial(study).value == 0.2  # val_loss: min

    def test_claim_takes_waiting_trials_in_order_once(self, storage: Storage, study: str) -> None:
        a = storage.create_trial(study, state=TrialState.WAITING, values={"lr": 0.001})
        b = storage.create_trial(study, state=TrialState.WAITING, values={"lr": 0.002})
        assert a.state is TrialState.WAITING and a.started_at is None
        first = storage.claim_trial(study, "w1")
        second = storage.claim_trial(study, "w2")
        assert (first.number, second.number) == (a.number, b.number)
        assert first.state is TrialState.RUNNING and first.worker == "w1"
        assert storage.claim_trial(study, "w3") is None

    def test_concurrent_claims_never_share_a_trial(self, storage: Storage, study: str) -> None:
        for _ in range(20):
            storage.create_trial(study, state=TrialState.WAITING)
        claimed: list[int] = []
        lock = threading.Lock()

        def claim(worker: str) -> None:
            while (t := storage.claim_trial(study, worker)) is not None:
                with lock:
                    claimed.append(t.number)

        threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(claimed) == list(range(20))

    def test_concurrent_creates_number_uniquely(self, storage: Storage, study: str) -> None:
        numbers: list[int] = []
        lock = threading.Lock()

        def create() -> None:
            for _ in range(10):
                n = storage.create_trial(study).number
                with lock:
                    numbers.append(n)

        threads = [threading.Thread(target=create) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(numbers) == list(range(40))

    def test_list_trials_filters_by_state(self, storage: Storage, study: str) -> None:
        a = storage.create_trial(study)
        storage.create_trial(study)
        storage.finish_trial(study, a.number, TrialState.COMPLETED, value=1.0)
        assert [t.number for t in storage.list_trials(study, (TrialState.RUNNING,))] == [1]
        assert storage.count_trials(study) == 2
        assert storage.count_trials(study, (TrialState.COMPLETED,)) == 1

    def test_missing_trial(self, storage: Storage, study: str) -> None:
        with pytest.raises(TrialNotFoundError, match="no trial number 9"):
            storage.get_trial(study, 9)

    def test_attrs_merge_and_must_be_json(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study, attrs={"a": 1})
        storage.set_trial_attrs(study, t.number, {"b": [1, 2]})
        assert dict(storage.get_trial(study, t.number).attrs) == {"a": 1, "b": [1, 2]}
        with pytest.raises(InvalidArgumentError, match="JSON-serializable"):
            storage.set_trial_attrs(study, t.number, {"c": object()})

    def test_append_attr_keeps_concurrent_items(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study, attrs={"a": 1})
        storage.finish_trial(study, t.number, TrialState.COMPLETED, value=1.0)

        def append(i: int) -> None:
            storage.append_trial_attr(study, t.number, "log", {"i": i})

        threads = [threading.Thread(target=append, args=(i,)) for i in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        attrs = storage.get_trial(study, t.number).attrs
        assert sorted(item["i"] for item in attrs["log"]) == list(range(8))
        assert attrs["a"] == 1
        with pytest.raises(InvalidArgumentError, match="must hold a list"):
            storage.append_trial_attr(study, t.number, "a", 2)
        with pytest.raises(InvalidArgumentError, match="JSON-serializable"):
            storage.append_trial_attr(study, t.number, "log", object())
        with pytest.raises(TrialNotFoundError):
            storage.append_trial_attr(study, 99, "log", 1)

    def test_set_values_of_a_running_trial(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study)
        t2 = storage.set_trial_values(study, t.number, {"lr": 0.05}, seed=11)
        assert dict(t2.values) == {"lr": 0.05} and t2.seed == 11

    def test_heartbeat_and_stale_trials_fail(self, storage: Storage, study: str) -> None:
        old = storage.create_trial(study, worker="dead-host:1:x")
        fresh = storage.create_trial(study, worker="w2")
        by_worker = storage.create_trial(study, worker="gone")
        done = storage.create_trial(study, worker="w3")
        storage.finish_trial(study, done.number, TrialState.COMPLETED, value=1.0)
        time.sleep(0.02)
        storage.heartbeat(study, fresh.number)
        failed = storage.fail_stale_trials(
            study,
            stale_before=storage.get_trial(study, fresh.number).heartbeat_at,
            dead_workers={"gone"},
        )
        assert sorted(failed) == [old.number, by_worker.number]
        t = storage.get_trial(study, old.number)
        assert t.state is TrialState.FAILED and "heartbeats" in t.error
        assert storage.get_trial(study, fresh.number).state is TrialState.RUNNING
        assert storage.get_trial(study, done.number).state is TrialState.COMPLETED

    def test_records_are_copies(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study, values={"lr": 0.01})
        t.values["lr"] = 0.5  # type: ignore[index]
        assert storage.get_trial(study, t.number).values["lr"] == 0.01
        s = storage.load_study(study)
        s.space.add(Int("extra", 1, 2))
        assert "extra" not in storage.load_study(study).space

    def test_create_with_a_limit_never_overshoots(self, storage: Storage, study: str) -> None:
        made: list[int] = []
        lock = threading.Lock()

        def create() -> None:
            while True:
                try:
                    t = storage.create_trial(study, limit=25)
                except TrialLimitReached:
                    return
                with lock:
                    made.append(t.number)

        threads = [threading.Thread(target=create) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(made) == list(range(25))
        with pytest.raises(TrialLimitReached, match="already holds 25 trials"):
            storage.create_trial(study, limit=25)
        assert storage.count_trials(study) == 25

    def test_stale_trials_are_retried_up_to_max_retries(
        self, storage: Storage, study: str
    ) -> None:
        t = storage.create_trial(study, values={"lr": 0.01}, worker="gone", budget=9.0)
        assert storage.fail_stale_trials(
            study, stale_before=t.started_at, dead_workers={"gone"}, max_retries=1
        ) == [t.number]
        retry = storage.list_trials(study, (TrialState.WAITING,))
        assert len(retry) == 1
        r = retry[0]
        assert dict(r.values) == {"lr": 0.01} and r.parent is None and r.budget == 9.0
        assert dict(r.attrs) == {RETRY_OF_ATTR: t.number, "retries": 1}
        claimed = storage.claim_trial(study, "gone")
        assert claimed.number == r.number
        assert storage.fail_stale_trials(
            study, stale_before=t.started_at, dead_workers={"gone"}, max_retries=1
        ) == [r.number]
        assert storage.list_trials(study, (TrialState.WAITING,)) == []
        # A second call finds nothing left to fail.
        assert (
            storage.fail_stale_trials(
                study, stale_before=t.started_at, dead_workers={"gone"}, max_retries=1
            )
            == []
        )

    def test_unique_trials_refuse_a_live_duplicate(self, storage: Storage, study: str) -> None:
        a = storage.create_trial(study, values={"lr": 0.01, "units": 8}, unique=True)
        with pytest.raises(DuplicatedTrialError, match="already has a trial with values"):
            storage.create_trial(study, values={"units": 8, "lr": 0.01}, unique=True)
        assert storage.count_trials(study) == 1  # nothing created, no number used
        b = storage.create_trial(study, values={"lr": 0.02, "units": 8}, unique=True)
        with pytest.raises(DuplicatedTrialError):
            storage.set_trial_values(study, b.number, {"lr": 0.01, "units": 8}, unique=True)
        # Not asking for uniqueness is never refused; the empty configuration is one too.
        storage.create_trial(study, values={"lr": 0.01, "units": 8})
        storage.create_trial(study, unique=True)
        with pytest.raises(DuplicatedTrialError):
            storage.create_trial(study, unique=True)
        storage.create_trial(study)
        # A failed trial frees its configuration.
        storage.finish_trial(study, a.number, TrialState.FAILED, error="x")
        c = storage.create_trial(study, values={"lr": 0.01, "units": 8}, unique=True)
        assert c.number == 5

    def test_retry_keeps_the_configuration_reserved(self, storage: Storage, study: str) -> None:
        t = storage.create_trial(study, values={"lr": 0.01}, worker="gone", unique=True)
        storage.fail_stale_trials(
            study, stale_before=t.started_at, dead_workers={"gone"}, max_retries=1
        )
        with pytest.raises(DuplicatedTrialError):
            storage.create_trial(study, values={"lr": 0.01}, unique=True)

    def test_list_trials_from_a_number(self, storage: Storage, study: str) -> None:
        for _ in range(5):
            storage.create_trial(study)
        storage.report(study, 3, 0, 0.5)
        tail = storage.list_trials(study, from_number=3)
        assert [t.number for t in tail] == [3, 4]
        assert tail[0].reports[0].value == 0.5
        assert [t.number for t in storage.list_trials(study, from_number=9)] == []
        assert len(storage.list_trials(study, from_number=0)) == 5

    def test_snapshot_reads_the_study_with_its_trials(self, storage: Storage, study: str) -> None:
        for _ in range(3):
            storage.create_trial(study)
        storage.report(study, 2, 0, 0.25)
        loaded, trials = storage.snapshot(study, from_number=1)
        assert loaded == storage.load_study(study)
        assert trials == storage.list_trials(study, from_number=1)
        assert [t.number for t in trials] == [1, 2] and trials[1].reports[0].value == 0.25
        with pytest.raises(StudyNotFoundError, match="no study named 'nope'"):
            storage.snapshot("nope")

    def test_written_records_are_what_a_read_returns(self, storage: Storage, study: str) -> None:
        # Backends may build the returned record from what they wrote instead of reading
        # it back: it must be the same record a later read gives.
        waiting = storage.create_trial(study, state=TrialState.WAITING, values={"lr": 0.1})
        assert storage.get_trial(study, waiting.number) == waiting
        t = storage.create_trial(study, values={"units": 9}, parent=0, budget=1.5, slot="b/0")
        assert storage.get_trial(study, t.number) == t
        storage.report(study, t.number, 0, 0.5, {"acc": 0.7})
        values = storage.set_trial_values(study, t.number, {"units": 10}, seed=4)
        assert storage.get_trial(study, t.number) == values and values.reports[0].value == 0.5
        done = storage.finish_trial(study, t.number, TrialState.STOPPED, value=0.4)
        assert storage.get_trial(study, t.number) == done
        assert done.reports[0].metrics == {"acc": 0.7} and done.seed == 4
