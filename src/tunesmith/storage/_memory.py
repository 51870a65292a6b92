"""InMemoryStorage: a real backend for one process, and the test double."""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections.abc import Collection, Mapping
from typing import Any

from tunesmith.exceptions import (
    DuplicatedStudyError,
    DuplicatedTrialError,
    StudyNotFoundError,
    TrialLimitReached,
    TrialNotFoundError,
)
from tunesmith.space import SearchSpace, Value
from tunesmith.storage import _checks
from tunesmith.storage._base import Storage
from tunesmith.study import Study
from tunesmith.trial import Objective, Report, Trial, TrialState, utcnow


@dataclasses.dataclass
class _StudyData:
    study: Study
    trials: list[Trial] = dataclasses.field(default_factory=list)
    reports: list[dict[int, Report]] = dataclasses.field(default_factory=list)
    # configuration hash -> the number of the live trial that holds it (unique trials)
    keys: dict[str, int] = dataclasses.field(default_factory=dict)

    def claim_key(self, study: str, number: int, values: Mapping[str, Value]) -> None:
        key = _checks.config_hash(values)
        holder = self.keys.get(key)
        if holder is not None and holder != number:
            raise DuplicatedTrialError(_checks.duplicated_trial(study, values))
        self.release_key(number)
        self.keys[key] = number

    def release_key(self, number: int) -> None:
        for k, n in list(self.keys.items()):
            if n == number:
                del self.keys[k]


class InMemoryStorage(Storage):
    """Keeps studies in this process's memory; shared by threads, lost at exit.

    Example:
        >>> from tunesmith.storage import InMemoryStorage
        >>> from tunesmith.trial import Objective
        >>> storage = InMemoryStorage()
        >>> storage.create_study("demo", Objective("loss")).name
        'demo'
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[str, _StudyData] = {}

    def __getstate__(self) -> None:
        raise TypeError(
            "InMemoryStorage lives in one process and cannot be sent to another. "
            "Use a SQLite or PostgreSQL URL for workers in several processes."
        )

    def _data(self, name: str) -> _StudyData:
        try:
            return self._studies[name]
        except KeyError:
            raise StudyNotFoundError(_checks.study_not_found(name, list(self._studies))) from None

    def create_study(
        self,
        name: str,
        objective: Objective,
        space: SearchSpace | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Study:
        _checks.check_study_name(name)
        with self._lock:
            if name in self._studies:
                raise DuplicatedStudyError(_checks.duplicated_study(name))
            study = Study(
                name, objective, (space or SearchSpace()).copy(), dict(settings or {}), utcnow()
            )
            self._studies[name] = _StudyData(study)
            return self._copy_study(study)

    @staticmethod
    def _copy_study(study: Study) -> Study:
        return dataclasses.replace(study, space=study.space.copy(), settings=dict(study.settings))

    def load_study(self, name: str) -> Study:
        with self._lock:
            return self._copy_study(self._data(name).study)

    def list_studies(self) -> list[Study]:
        with self._lock:
            return [self._copy_study(d.study) for d in self._studies.values()]

    def delete_study(self, name: str) -> None:
        with self._lock:
            self._data(name)
            del self._studies[name]

    def update_space(self, study: str, space: SearchSpace) -> SearchSpace:
        with self._lock:
            data = self._data(study)
            merged = data.study.space.copy()
            merged.merge(space)
            data.study = dataclasses.replace(data.study, space=merged)
            return merged.copy()

    def create_trial(
        self,
        study: str,
        *,
        state: TrialState = TrialState.RUNNING,
        values: Mapping[str, Value] | None = None,
        seed: int | None = None,
        worker: str | None = None,
        parent: int | None = None,
        budget: float | None = None,
        attrs: Mapping[str, Any] | None = None,
        limit: int | None = None,
        unique: bool = False,
        slot: str | None = None,
    ) -> Trial:
        _checks.check_new_state(state)
        attrs = _checks.with_slot(attrs or {}, slot)
        with self._lock:
            data = self._data(study)
            if limit is not None and len(data.trials) >= limit:
                raise TrialLimitReached(_checks.limit_reached(study, limit))
            _checks.check_slot_free(study, slot, data.trials)
            if unique:
                data.claim_key(study, len(data.trials), values or {})
            now = utcnow()
            running = state is TrialState.RUNNING
            trial = Trial(
                number=len(data.trials),
                state=state,
                values=dict(values or {}),
                started_at=now if running else None,
                heartbeat_at=now if running else None,
                seed=seed,
                worker=worker if running else None,
                parent=parent,
                budget=budget,
                attrs=attrs,
            )
            data.trials.append(trial)
            data.reports.append({})
            return self._with_reports(data, trial)

    def _replace(self, study: str, number: int, **changes: Any) -> Trial:
        data = self._data(study)
        trial = self._get(data, study, number)
        trial = dataclasses.replace(trial, **changes)
        data.trials[number] = trial
        return self._with_reports(data, trial)

    def _get(self, data: _StudyData, study: str, number: int) -> Trial:
        if not 0 <= number < len(data.trials):
            raise TrialNotFoundError(_checks.trial_not_found(study, number))
        return data.trials[number]

    @staticmethod
    def _with_reports(data: _StudyData, trial: Trial) -> Trial:
        reports = data.reports[trial.number]
        return dataclasses.replace(
            trial,
            values=dict(trial.values),
            attrs=dict(trial.attrs),
            reports=tuple(reports[s] for s in sorted(reports)),
        )

    def claim_trial(self, study: str, worker: str) -> Trial | None:
        with self._lock:
            data = self._data(study)
            for t in data.trials:
                if t.state is TrialState.WAITING:
                    now = utcnow()
                    return self._replace(
                        study,
                        t.number,
                        state=TrialState.RUNNING,
                        worker=worker,
                        started_at=now,
                        heartbeat_at=now,
                    )
            return None

    def set_trial_values(
        self,
        study: str,
        number: int,
        values: Mapping[str, Value],
        seed: int | None = None,
        *,
        unique: bool = False,
    ) -> Trial:
        with self._lock:
            data = self._data(study)
            trial = self._get(data, study, number)
            _checks.check_running(study, trial, "set its values")
            if unique:
                data.claim_key(study, number, values)
            else:  # the key always follows the values: unique, or none at all
                data.release_key(number)
            changes: dict[str, Any] = {"values": dict(values)}
            if seed is not None:
                changes["seed"] = seed
            return self._replace(study, number, **changes)

    def set_trial_attrs(self, study: str, number: int, attrs: Mapping[str, Any]) -> Trial:
        with self._lock:
            trial = self._get(self._data(study), study, number)
            return self._replace(study, number, attrs={**trial.attrs, **_checks.json_attrs(attrs)})

    def append_trial_attr(self, study: str, number: int, key: str, item: Any) -> Trial:
        with self._lock:
            trial = self._get(self._data(study), study, number)
            return self._replace(study, number, attrs=_checks.appended(trial.attrs, key, item))

    def report(
        self,
        study: str,
        number: int,
        step: int,
        value: float | None,
        metrics: Mapping[str, float] | None = None,
    ) -> None:
        report = _checks.make_report(step, value, metrics)
        with self._lock:
            data = self._data(study)
            _checks.check_running(study, self._get(data, study, number), "report")
            data.reports[number][report.step] = report
            data.trials[number] = dataclasses.replace(data.trials[number], heartbeat_at=utcnow())

    def heartbeat(self, study: str, number: int) -> None:
        with self._lock:
            data = self._data(study)
            if self._get(data, study, number).state is TrialState.RUNNING:
                self._replace(study, number, heartbeat_at=utcnow())

    def finish_trial(
        self,
        study: str,
        number: int,
        state: TrialState,
        *,
        value: float | None = None,
        values: Mapping[str, Value] | None = None,
        error: str | None = None,
        traceback: str | None = None,
    ) -> Trial:
        _checks.check_final_state(state, value)
        with self._lock:
            data = self._data(study)
            trial = self._get(data, study, number)
            _checks.check_running(study, trial, "finish it")
            if state is TrialState.FAILED:
                data.release_key(number)
            return self._replace(
                study,
                number,
                values=dict(trial.values if values is None else values),
                state=state,
                value=value,
                error=error,
                traceback=traceback,
                finished_at=utcnow(),
            )

    def list_trials(
        self,
        study: str,
        states: Collection[TrialState] | None = None,
        *,
        from_number: int = 0,
    ) -> list[Trial]:
        with self._lock:
            data = self._data(study)
            return [
                self._with_reports(data, t)
                for t in data.trials[max(from_number, 0) :]
                if states is None or t.state in states
            ]

    def fail_stale_trials(
        self,
        study: str,
        *,
        stale_before: datetime.datetime,
        dead_workers: Collection[str] = (),
        max_retries: int = 0,
    ) -> list[int]:
        failed = []
        with self._lock:
            data = self._data(study)
            for t in list(data.trials):
                if _checks.is_stale(t, stale_before, dead_workers):
                    self._replace(
                        study,
                        t.number,
                        state=TrialState.FAILED,
                        error=_checks.stale_error(t),
                        finished_at=utcnow(),
                    )
                    failed.append(t.number)
                    held = [k for k, n in data.keys.items() if n == t.number]
                    data.release_key(t.number)
                    retry = _checks.retry_attrs(t, max_retries)
                    if retry is not None:
                        for k in held:
                            data.keys[k] = len(data.trials)
                        self.create_trial(
                            study,
                            state=TrialState.WAITING,
                            values=t.values,
                            parent=t.parent,
                            budget=t.budget,
                            attrs={**t.attrs, **retry},
                        )
        return failed
