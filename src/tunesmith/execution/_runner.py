"""TrialRunner: one worker's loop over a study — claim or create, suggest, run, finish."""

from __future__ import annotations

import datetime
import random
import time
import traceback as tb
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith._validate import check_values
from tunesmith.exceptions import (
    DuplicatedTrialError,
    SchedulerWaiting,
    SlotTakenError,
    StorageError,
    TrialLimitReached,
    TunesmithError,
)
from tunesmith.execution._liveness import Heartbeat, dead_local_workers, new_worker_id
from tunesmith.execution._running import RunningTrial, StopRule, objective_value
from tunesmith.oracles import Oracle
from tunesmith.oracles._base import is_finite_space
from tunesmith.schedulers import Assignment, Scheduler
from tunesmith.space import Value
from tunesmith.storage import Storage
from tunesmith.study import Study
from tunesmith.trial import RETRY_OF_ATTR, Trial, TrialState, utcnow

ObjectiveFn = Callable[[RunningTrial], Any]

#: Tries at a unique configuration before a repeat is accepted (only a space whose every
#: configuration is taken by a live trial gets that far).
_ATTEMPTS = 64


class _Trials(list[Trial]):
    """A study's trials in number order (index = number), knowing that those before
    ``window`` are finished, so the scans an ask makes skip them."""

    window: int = 0

    def unfinished_part(self) -> list[Trial]:
        return self[self.window :]


def _unfinished_part(trials: list[Trial]) -> list[Trial]:
    """The trials that may be unfinished: all but a known finished prefix."""
    return trials.unfinished_part() if isinstance(trials, _Trials) else trials


def trial_seed(study_seed: int, number: int) -> int:
    """The seed of trial ``number``: fixed by the study's seed, distinct per trial."""
    return int(np.random.SeedSequence([study_seed, number]).generate_state(1)[0])


class TrialRunner:
    """Runs the trials of one study in this process, coordinating only through storage.

    Args:
        storage: Where the study lives.
        study: The study's name (it must exist).
        oracle: Picks each new trial's configuration.
        seed: The study's seed; trial ``n`` draws from a generator seeded by ``(seed, n)``.
        heartbeat_interval: Seconds between heartbeats of a running trial.
        stale_after: A running trial with no heartbeat for this long is failed.
        stop_rule: Decides after each report whether the trial stops early.
        worker: This worker's id (default ``host:pid:random``).
        artifacts: The study's folder for trial files; each trial gets ``trial-<n>`` in it.
        max_retries: A trial whose worker died is run again, as a new trial with the same
            values, up to this many times.
        device: The device this worker's trials run on (``"cuda:1"``), told to each trial.
        scheduler: Decides each new trial's budget, or a promotion, and early stops; None
            runs each trial as the objective decides.
        poll_interval: Seconds to wait before asking the scheduler again when it has
            nothing to start until running trials finish.
    """

    def __init__(
        self,
        storage: Storage,
        study: str,
        oracle: Oracle,
        *,
        seed: int,
        heartbeat_interval: float = 5.0,
        stale_after: float = 60.0,
        stop_rule: StopRule | None = None,
        worker: str | None = None,
        artifacts: Path | None = None,
        max_retries: int = 0,
        device: str | None = None,
        scheduler: Scheduler | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        self.storage = storage
        self.study = study
        self.oracle = oracle
        self.seed = seed
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self.stop_rule = stop_rule
        self.worker = worker or new_worker_id()
        self.artifacts = artifacts
        self.max_retries = max_retries
        self.device = device
        self.scheduler = scheduler
        self.poll_interval = poll_interval
        if stop_rule is None and scheduler is not None and scheduler.stops_early:
            self.stop_rule = self._scheduler_stop_rule
        self._beat = Heartbeat(storage, study, heartbeat_interval)
        self._done: list[Trial] = []  # trials 0, 1, ... while each is finished
        self._done_ahead: dict[int, Trial] = {}  # finished ones past the first unfinished

    def _all_trials(self) -> list[Trial]:
        """All the study's trials, in number order. A finished trial never changes again
        (but for attributes set afterwards, which no oracle or scheduler reads), so those
        already seen are remembered and only the trials from the first unfinished one on
        are read: an ask costs the running window, not the whole study."""
        return self._remember(self.storage.list_trials(self.study, from_number=len(self._done)))

    def _snapshot(self) -> tuple[Study, list[Trial]]:
        """The study and all its trials, read together (as ``_all_trials`` reads them)."""
        study, fresh = self.storage.snapshot(self.study, from_number=len(self._done))
        return study, self._remember(fresh)

    def _remember(self, fresh: list[Trial]) -> list[Trial]:
        trials = _Trials(self._done)
        trials.window = len(trials)
        trials.extend(fresh)
        self._done_ahead.update((t.number, t) for t in fresh if t.state.is_finished)
        while len(self._done) in self._done_ahead:
            self._done.append(self._done_ahead.pop(len(self._done)))
        return trials

    # -- liveness -----------------------------------------------------------------------
    def fail_stale(self, trials: list[Trial] | None = None) -> list[int]:
        """Fails running trials whose worker died (and queues their retries); returns
        their numbers."""
        if trials is None:
            trials = self.storage.list_trials(self.study, (TrialState.RUNNING,))
        running = [t for t in _unfinished_part(trials) if t.state is TrialState.RUNNING]
        if not running:
            return []
        dead = dead_local_workers(t.worker for t in running)
        stale_before = utcnow() - datetime.timedelta(seconds=self.stale_after)
        if not dead and all(
            (t.heartbeat_at or t.started_at or utcnow()) >= stale_before for t in running
        ):
            return []
        return self.storage.fail_stale_trials(
            self.study, stale_before=stale_before, dead_workers=dead, max_retries=self.max_retries
        )

    # -- ask ------------------------------------------------------------------------------
    def start_trial(self, *, limit: int | None = None) -> RunningTrial:
        """Claims an enqueued trial, or creates one where the oracle points; it is RUNNING
        and beating when this returns.

        Args:
            limit: Create no trial once the study holds this many (retries of trials whose
                worker died are not counted against it).

        Raises:
            SearchSpaceExhausted: the oracle has nothing left (nothing is created).
            TrialLimitReached: the study holds ``limit`` trials and none waits.
            SchedulerWaiting: the scheduler waits on running trials that this runner
                started and was not told about (``Tuner.ask`` without ``tell``).
        """
        study, trials = self._snapshot()
        if self.fail_stale(trials):
            trials = self._all_trials()
        waiting = any(t.state is TrialState.WAITING for t in _unfinished_part(trials))
        record = self.storage.claim_trial(self.study, self.worker) if waiting else None
        if record is not None:
            record = self.storage.set_trial_values(
                self.study, record.number, record.values, seed=trial_seed(self.seed, record.number)
            )
            if self.device is not None:
                record = self.storage.set_trial_attrs(
                    self.study, record.number, {"device": self.device}
                )
        else:
            study, trials = self._wait_for_space(study, trials)
            record = self._create(study, trials, limit)
        running = RunningTrial(
            self.storage,
            self.study,
            record,
            study.space.copy(),
            study.objective,
            sample_new=self.oracle.suggest_new,
            stop_rule=self.stop_rule,
            artifacts=self.artifacts,
            device=self.device,
        )
        self._beat.add(record.number)
        return running

    def _suggest(self, study: Study, trials: list[Trial], number: int) -> dict[str, Value]:
        tail = _unfinished_part(trials)
        history = trials[: len(trials) - len(tail)] + [t for t in tail if t.state.is_finished]
        if self.scheduler is not None:
            history = list(self.scheduler.oracle_history(history, objective=study.objective))
        pending = [t for t in tail if t.state is TrialState.RUNNING and t.number != number]
        rng = np.random.default_rng(trial_seed(self.seed, number) ^ 0x5EED)
        point = self.oracle.suggest(
            study.space, history, pending, objective=study.objective, rng=rng
        )
        return study.space.decode(point)

    def _create(self, study: Study, trials: list[Trial], limit: int | None) -> Trial:
        if limit is not None:
            limit += sum(1 for t in trials if RETRY_OF_ATTR in t.attrs)
            if len(trials) >= limit:
                raise TrialLimitReached(f"study {self.study!r} holds its {limit} trials")
        while True:
            assignment, trials = self._assign(study, trials)
            try:
                if assignment.parent is not None:
                    return self._promote(assignment, limit)
                return self._create_new(study, trials, limit, assignment)
            except SlotTakenError:
                trials = self._all_trials()  # another worker filled it

    def _assign(self, study: Study, trials: list[Trial]) -> tuple[Assignment, list[Trial]]:
        """The scheduler's next assignment; waits while it has nothing to start."""
        if self.scheduler is None:
            return Assignment(), trials
        while True:
            assignment = self.scheduler.assign(trials, objective=study.objective)
            if assignment is not None:
                return assignment, trials
            running = [t for t in _unfinished_part(trials) if t.state is TrialState.RUNNING]
            if running and all(t.worker == self.worker for t in running):
                raise SchedulerWaiting(
                    f"ask: the scheduler {self.scheduler!r} can start nothing until trial(s) "
                    f"{[t.number for t in running]} finish, and this tuner holds them. Tell "
                    "their results (tuner.tell) before asking for another trial."
                )
            time.sleep(self.poll_interval)
            trials = self._all_trials()
            if self.fail_stale(trials):
                trials = self._all_trials()

    def _promote(self, assignment: Assignment, limit: int | None) -> Trial:
        """A new trial that continues ``assignment.parent``: same values, same seed."""
        parent = self.storage.get_trial(self.study, assignment.parent)  # type: ignore[arg-type]
        return self.storage.create_trial(
            self.study,
            values=parent.values,
            seed=parent.seed,
            worker=self.worker,
            parent=parent.number,
            budget=assignment.budget,
            attrs=self._attrs(assignment),
            slot=assignment.slot,
            limit=limit,
        )

    def _attrs(self, assignment: Assignment) -> dict[str, Any]:
        attrs = dict(assignment.attrs)
        if self.device is not None:
            attrs["device"] = self.device
        return attrs

    def _create_new(
        self, study: Study, trials: list[Trial], limit: int | None, assignment: Assignment
    ) -> Trial:
        # The database refuses a configuration another live trial has (a race between
        # workers, or a used-up finite space): ask the oracle again, knowing what the
        # others chose.
        attrs = self._attrs(assignment)
        record: Trial | None = None
        for attempt in range(_ATTEMPTS):
            # The last attempt runs a repeat rather than stall (a used-up space).
            unique = self._unique(study, trials) and attempt < _ATTEMPTS - 1
            predicted = len(trials)  # numbers are dense: the next, unless another wins it
            values = self._suggest(study, trials, predicted)
            try:
                record = self.storage.create_trial(
                    self.study,
                    values=values,
                    seed=trial_seed(self.seed, predicted),
                    worker=self.worker,
                    attrs=attrs,
                    limit=limit,
                    unique=unique,
                    budget=assignment.budget,
                    slot=assignment.slot,
                )
            except DuplicatedTrialError:
                # Workers that lost the race back off a little, at random, so the herd
                # thins out instead of colliding again on the same next configuration.
                time.sleep(random.uniform(0, 0.005 * min(attempt + 1, 20)))
                study, trials = self._wait_for_space(*self._snapshot())
                continue
            break
        assert record is not None  # the last attempt does not ask for uniqueness
        if record.number == predicted:
            return record
        # Another worker took the number we planned for: draw again with our own, so a
        # trial's draw depends on its number only.
        for attempt in range(_ATTEMPTS):
            trials = self._all_trials()
            values = self._suggest(study, trials, record.number)
            try:
                return self.storage.set_trial_values(
                    self.study,
                    record.number,
                    values,
                    seed=trial_seed(self.seed, record.number),
                    unique=unique and attempt < _ATTEMPTS - 1,
                )
            except DuplicatedTrialError:
                continue
        return record

    @staticmethod
    def _unique(study: Study, trials: list[Trial]) -> bool:
        """Whether a new trial must not repeat a live one: in any known space (a finite
        one runs out of new configurations, and in a continuous one a deterministic oracle
        gives two racing workers the same point); and while the space is unknown
        (define-by-run, nothing finished), the empty configuration is unique too, so one
        worker discovers the space while the others wait."""
        if len(study.space):
            return True
        return not any(t.state.is_finished for t in trials)

    def _wait_for_space(self, study: Study, trials: list[Trial]) -> tuple[Study, list[Trial]]:
        """Define-by-run with several workers: while the study's first trial is still
        discovering the space (it started with none, and nothing has finished), wait
        instead of guessing blind, which in a finite space would repeat its configuration.
        The wait ends when a trial finishes, when the definitions met so far show the space
        is not finite (a blind guess then almost never repeats, and the database refuses
        one that does), or when the discovering trial dies."""

        def discovering(study: Study, ts: list[Trial]) -> bool:
            if any(t.state.is_finished for t in ts):
                return False
            if len(study.space) and not is_finite_space(study.space):
                return False
            return any(
                t.state is TrialState.RUNNING and not t.values and t.worker != self.worker
                for t in ts
            )

        while discovering(study, trials):
            time.sleep(0.05)
            study, trials = self._snapshot()
            if self.fail_stale(trials):
                trials = self._all_trials()
        return study, trials

    # -- tell -----------------------------------------------------------------------------
    def finish(
        self,
        running: RunningTrial,
        result: Any = None,
        *,
        error: BaseException | str | None = None,
    ) -> Trial:
        """Records how a trial ended: its result, or the error that ended it."""
        self._beat.discard(running.number)
        values = running.hp.values
        message = trace = None
        if error is not None:
            if isinstance(error, BaseException):
                message = f"{type(error).__name__}: {error}"
                trace = "".join(tb.format_exception(error))
            else:
                message = error
            return self._finish_trial(
                running.number, TrialState.FAILED, values=values, error=message, traceback=trace
            )
        value, why = objective_value(result, running.objective)
        if why is not None:
            return self._finish_trial(running.number, TrialState.FAILED, values=values, error=why)
        state = TrialState.STOPPED if running.stop_reason is not None else TrialState.COMPLETED
        return self._finish_trial(running.number, state, value=value, values=values)

    def _finish_trial(self, number: int, state: TrialState, **fields: Any) -> Trial:
        """``storage.finish_trial``, tried once more when the database failed it: a trial
        that took hours is not lost to a connection the server dropped a moment ago (the
        second try opens a new one). If the first try had in fact committed, the record
        it wrote is returned."""
        try:
            return self.storage.finish_trial(self.study, number, state, **fields)
        except StorageError as first:
            try:
                return self.storage.finish_trial(self.study, number, state, **fields)
            except StorageError:
                record = self.storage.get_trial(self.study, number)
                ours = (
                    record.state is state
                    and record.worker == self.worker
                    and record.value == fields.get("value")
                    and record.error == fields.get("error")
                )
                if ours:  # what this call wrote, not an earlier finish of the trial
                    return record
                raise first from None

    def _scheduler_stop_rule(
        self, running: RunningTrial, step: int, value: float | None
    ) -> str | None:
        trials = self._all_trials()
        trial = next(t for t in trials if t.number == running.number)
        assert self.scheduler is not None  # installed only with a scheduler
        return self.scheduler.should_stop(trial, trials, objective=running.objective)

    def run_one(self, fn: ObjectiveFn, *, limit: int | None = None) -> Trial | None:
        """Runs one trial of ``fn`` to its end; the objective's errors fail only the trial.

        Returns None when ``limit`` trials exist and nothing waits to be claimed.
        """
        try:
            running = self.start_trial(limit=limit)
        except TrialLimitReached:
            return None
        try:
            result = fn(running)
        except (KeyboardInterrupt, SystemExit) as e:
            self.finish(running, error=f"interrupted ({type(e).__name__})")
            raise
        except Exception as e:  # noqa: BLE001 - the objective's failure is the trial's
            record = self.finish(running, error=e)
            if isinstance(e, TunesmithError):
                raise  # misuse of tunesmith (a bad definition): it would recur every trial
            return record
        return self.finish(running, result)

    def enqueue(self, values: Mapping[str, Any]) -> Trial:
        """Adds a configuration to run before the oracle's own (WAITING until claimed)."""
        check_values("enqueue", values, "tuner.enqueue({'learning_rate': 1e-3, 'units': 64})")
        space = self.storage.load_study(self.study).space
        # Under a scheduler it gets the budget (and rung) the scheduler gives queued ones.
        planned = self.scheduler.enqueued() if self.scheduler is not None else None
        return self.storage.create_trial(
            self.study,
            state=TrialState.WAITING,
            values=space.validate(values),
            budget=None if planned is None else planned.budget,
            attrs=None if planned is None else dict(planned.attrs),
        )
