"""TrialRunner: one worker's loop over a study — claim or create, suggest, run, finish."""

from __future__ import annotations

import datetime
import time
import traceback as tb
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.exceptions import InvalidSpaceError, SlotTakenError, TunesmithError
from tunesmith.execution._liveness import Heartbeat, dead_local_workers, new_worker_id
from tunesmith.execution._running import RunningTrial, StopRule, objective_value
from tunesmith.oracles import Oracle
from tunesmith.schedulers import Assignment, Scheduler
from tunesmith.space import SearchSpace, Value
from tunesmith.storage import Storage
from tunesmith.trial import Trial, TrialState, utcnow

ObjectiveFn = Callable[[RunningTrial], Any]


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
        self.scheduler = scheduler
        self.poll_interval = poll_interval
        if stop_rule is None and scheduler is not None and scheduler.stops_early:
            self.stop_rule = self._scheduler_stop_rule
        self._beats: dict[int, Heartbeat] = {}
        self._spaces: dict[int, SearchSpace] = {}

    # -- liveness -----------------------------------------------------------------------
    def fail_stale(self, trials: list[Trial] | None = None) -> list[int]:
        """Fails running trials whose worker died; returns their numbers."""
        if trials is None:
            trials = self.storage.list_trials(self.study, (TrialState.RUNNING,))
        running = [t for t in trials if t.state is TrialState.RUNNING]
        if not running:
            return []
        dead = dead_local_workers(t.worker for t in running)
        stale_before = utcnow() - datetime.timedelta(seconds=self.stale_after)
        if not dead and all(
            (t.heartbeat_at or t.started_at or utcnow()) >= stale_before for t in running
        ):
            return []
        return self.storage.fail_stale_trials(
            self.study, stale_before=stale_before, dead_workers=dead
        )

    # -- ask ------------------------------------------------------------------------------
    def start_trial(self) -> RunningTrial:
        """Claims an enqueued trial, or creates one where the oracle points; it is RUNNING
        and beating when this returns.

        Raises:
            SearchSpaceExhausted: the oracle has nothing left (nothing is created).
        """
        record = self.storage.claim_trial(self.study, self.worker)
        if record is not None:
            record = self.storage.set_trial_values(
                self.study, record.number, record.values, seed=trial_seed(self.seed, record.number)
            )
        else:
            record = self._create()
        study = self.storage.load_study(self.study)
        running = RunningTrial(
            self.storage,
            self.study,
            record,
            study.space.copy(),
            study.objective,
            sample_new=self.oracle.suggest_new,
            stop_rule=self.stop_rule,
            artifacts=self.artifacts,
        )
        self._spaces[record.number] = study.space
        self._beats[record.number] = Heartbeat(
            self.storage, self.study, record.number, self.heartbeat_interval
        ).start()
        return running

    def _suggest(self, number: int) -> tuple[dict[str, Value], list[Trial]]:
        study = self.storage.load_study(self.study)
        trials = self.storage.list_trials(self.study)
        self.fail_stale(trials)
        history = [t for t in trials if t.state.is_finished]
        if self.scheduler is not None:
            history = list(self.scheduler.oracle_history(history))
        pending = [t for t in trials if t.state is TrialState.RUNNING and t.number != number]
        rng = np.random.default_rng(trial_seed(self.seed, number) ^ 0x5EED)
        point = self.oracle.suggest(
            study.space, history, pending, objective=study.objective, rng=rng
        )
        return study.space.decode(point), trials

    def _assign(self) -> Assignment:
        """The scheduler's next assignment; waits while it has nothing to start."""
        if self.scheduler is None:
            return Assignment()
        while True:
            trials = self.storage.list_trials(self.study)
            if self.fail_stale(trials):
                trials = self.storage.list_trials(self.study)
            study = self.storage.load_study(self.study)
            assignment = self.scheduler.assign(trials, objective=study.objective)
            if assignment is not None:
                return assignment
            time.sleep(self.poll_interval)

    def _create(self) -> Trial:
        while True:
            assignment = self._assign()
            try:
                if assignment.parent is not None:
                    return self._promote(assignment)
                return self._create_new(assignment)
            except SlotTakenError:
                continue  # another worker filled the slot first: ask again

    def _promote(self, assignment: Assignment) -> Trial:
        """A new trial that continues ``assignment.parent``: same values, same seed."""
        parent = self.storage.get_trial(self.study, assignment.parent)  # type: ignore[arg-type]
        return self.storage.create_trial(
            self.study,
            values=parent.values,
            seed=parent.seed,
            worker=self.worker,
            parent=parent.number,
            budget=assignment.budget,
            attrs=assignment.attrs,
            slot=assignment.slot,
        )

    def _create_new(self, assignment: Assignment) -> Trial:
        predicted = self.storage.count_trials(self.study)
        values, _ = self._suggest(predicted)
        record = self.storage.create_trial(
            self.study,
            values=values,
            seed=trial_seed(self.seed, predicted),
            worker=self.worker,
            budget=assignment.budget,
            attrs=assignment.attrs,
            slot=assignment.slot,
        )
        if record.number != predicted:
            # Another worker took the number we planned for: draw again with our own.
            values, _ = self._suggest(record.number)
            record = self.storage.set_trial_values(
                self.study, record.number, values, seed=trial_seed(self.seed, record.number)
            )
        return record

    # -- tell -----------------------------------------------------------------------------
    def finish(
        self,
        running: RunningTrial,
        result: Any = None,
        *,
        error: BaseException | str | None = None,
    ) -> Trial:
        """Records how a trial ended: its result, or the error that ended it."""
        beat = self._beats.pop(running.number, None)
        if beat is not None:
            beat.stop()
        known = self._spaces.pop(running.number, None)
        values = running.hp.values
        message = trace = None
        if error is None:
            try:
                if known is None or len(running.hp.space) != len(known):
                    self.storage.update_space(self.study, running.hp.space)
            except InvalidSpaceError as e:
                error = e
        if error is not None:
            if isinstance(error, BaseException):
                message = f"{type(error).__name__}: {error}"
                trace = "".join(tb.format_exception(error))
            else:
                message = error
            return self.storage.finish_trial(
                self.study,
                running.number,
                TrialState.FAILED,
                values=values,
                error=message,
                traceback=trace,
            )
        value, why = objective_value(result, running.objective)
        if why is not None:
            return self.storage.finish_trial(
                self.study, running.number, TrialState.FAILED, values=values, error=why
            )
        state = TrialState.STOPPED if running.stop_reason is not None else TrialState.COMPLETED
        return self.storage.finish_trial(
            self.study, running.number, state, value=value, values=values
        )

    def _scheduler_stop_rule(
        self, running: RunningTrial, step: int, value: float | None
    ) -> str | None:
        trials = self.storage.list_trials(self.study)
        trial = next(t for t in trials if t.number == running.number)
        return self.scheduler.should_stop(trial, trials, objective=running.objective)  # type: ignore[union-attr]

    def run_one(self, fn: ObjectiveFn) -> Trial:
        """Runs one trial of ``fn`` to its end; the objective's errors fail only the trial."""
        running = self.start_trial()
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
        space = self.storage.load_study(self.study).space
        return self.storage.create_trial(
            self.study, state=TrialState.WAITING, values=space.validate(values)
        )
