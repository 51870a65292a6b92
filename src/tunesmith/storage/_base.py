"""Storage: the only state workers share.

Every verb is one transaction and safe to call from several threads and processes at once
(backends that cannot be shared across processes, like the in-memory one, say so). Records
go in and out as frozen copies: changing one never changes the storage.

The verbs, in the order a worker uses them:

1. ``create_study`` / ``load_study``; ``update_space`` when define-by-run code met new names.
2. ``claim_trial`` (an enqueued WAITING trial) or ``create_trial`` (a new RUNNING one).
3. ``set_trial_values``, ``report`` per step, ``heartbeat`` while it runs;
   ``set_trial_attrs`` and ``append_trial_attr`` (a change requested mid-run) at any time.
4. ``finish_trial`` with its final state, once: a finished trial never changes again.
5. ``fail_stale_trials`` marks FAILED the running trials whose worker died.

Queries written once on top: ``get_trial``, ``best_trial``, ``count_trials``, and
``snapshot`` (the study with its trials, which a backend may read in one transaction).
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Collection, Mapping
from typing import Any

from tunesmith.exceptions import TrialNotFoundError
from tunesmith.space import SearchSpace, Value
from tunesmith.storage import _checks
from tunesmith.study import Study
from tunesmith.trial import Objective, Trial, TrialState, best_trial

#: The version of the stored layout this tunesmith reads and writes.
SCHEMA_VERSION = 1


class Storage(abc.ABC):
    """Base class of storage backends. A backend is done when it passes
    :class:`tunesmith.testing.StorageContract`."""

    # -- studies ---------------------------------------------------------------------------
    @abc.abstractmethod
    def create_study(
        self,
        name: str,
        objective: Objective,
        space: SearchSpace | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Study:
        """Creates a study. Raises DuplicatedStudyError if the name is taken."""

    @abc.abstractmethod
    def load_study(self, name: str) -> Study:
        """Returns the study. Raises StudyNotFoundError naming the studies there are."""

    @abc.abstractmethod
    def list_studies(self) -> list[Study]:
        """All studies, oldest first."""

    @abc.abstractmethod
    def delete_study(self, name: str) -> None:
        """Removes a study and all its trials."""

    @abc.abstractmethod
    def update_space(self, study: str, space: SearchSpace) -> SearchSpace:
        """Merges ``space`` into the stored one and returns the union.

        Raises InvalidSpaceError if a name is defined differently (nothing is written).
        """

    # -- trials ----------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Creates a trial with the next number (WAITING or RUNNING only).

        With ``unique``, raises DuplicatedTrialError (and creates nothing) when a trial of
        the study that did not fail has the same values: the database's own constraint
        keeps concurrent workers from running one configuration twice.

        With ``limit``, creates it only if the study holds fewer than ``limit`` trials and
        raises TrialLimitReached otherwise; the check and the creation are one transaction,
        so workers racing for the last trials of a budget never overshoot it.

        ``slot`` names the trial's place in a scheduler's plan (kept as ``attrs["slot"]``).
        Within the transaction that numbers the trial, a slot already held by a trial that
        did not fail raises SlotTakenError and creates nothing: two workers that decided the
        same promotion at once never both run it.
        """

    @abc.abstractmethod
    def claim_trial(self, study: str, worker: str) -> Trial | None:
        """Moves the oldest WAITING trial to RUNNING for ``worker``; None if none waits.

        Two workers never claim the same trial.
        """

    @abc.abstractmethod
    def set_trial_values(
        self,
        study: str,
        number: int,
        values: Mapping[str, Value],
        seed: int | None = None,
        *,
        unique: bool = False,
    ) -> Trial:
        """Replaces the values (and seed) of a running trial; ``unique`` as in create_trial."""

    @abc.abstractmethod
    def set_trial_attrs(self, study: str, number: int, attrs: Mapping[str, Any]) -> Trial:
        """Merges ``attrs`` into the trial's attributes (allowed in any state)."""

    @abc.abstractmethod
    def append_trial_attr(self, study: str, number: int, key: str, item: Any) -> Trial:
        """Appends ``item`` to the list held in attribute ``key`` (created if absent), in
        any state, and returns the trial.

        One transaction: items appended at once by several processes are all kept (a read,
        then ``set_trial_attrs``, would lose one of them). Raises InvalidArgumentError if
        ``key`` holds something other than a list, or ``item`` is not JSON-serializable.
        """

    @abc.abstractmethod
    def report(
        self,
        study: str,
        number: int,
        step: int,
        value: float | None,
        metrics: Mapping[str, float] | None = None,
    ) -> None:
        """Records what a running trial measured at ``step``; a repeated step replaces."""

    @abc.abstractmethod
    def heartbeat(self, study: str, number: int) -> None:
        """Records that the running trial's worker is alive."""

    @abc.abstractmethod
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
        """Ends a running trial (COMPLETED, STOPPED or FAILED), with its final values if given.

        A FAILED trial gives up its configuration's uniqueness: it may be tried again.

        Raises StorageError if the trial had already finished: a finished trial is never
        overwritten (a worker that was declared dead cannot clobber its retry's record).
        """

    @abc.abstractmethod
    def list_trials(
        self,
        study: str,
        states: Collection[TrialState] | None = None,
        *,
        from_number: int = 0,
    ) -> list[Trial]:
        """The study's trials in number order, optionally only those in ``states``, and
        only those numbered ``from_number`` or more (a worker that remembers the finished
        trials below reads just the rest)."""

    @abc.abstractmethod
    def fail_stale_trials(
        self,
        study: str,
        *,
        stale_before: datetime.datetime,
        dead_workers: Collection[str] = (),
        max_retries: int = 0,
    ) -> list[int]:
        """Fails RUNNING trials whose last sign of life is older than ``stale_before``,
        or whose worker is in ``dead_workers``; returns their numbers.

        In the same transaction each failed trial that has been retried fewer than
        ``max_retries`` times is queued again: a WAITING trial with the failed one's values,
        budget and ``parent``, whose attrs add ``retry_of`` (the failed trial) and
        ``retries``.
        """

    # -- queries written once ---------------------------------------------------------------
    def snapshot(self, study: str, *, from_number: int = 0) -> tuple[Study, list[Trial]]:
        """The study and its trials numbered ``from_number`` or more: what a worker reads
        before each new trial. The study is read after the trials, so its space holds every
        definition those trials made (define-by-run trials store definitions before they
        finish). A backend where a read costs a round trip overrides this to read both at
        once, in the same order."""
        trials = self.list_trials(study, from_number=from_number)
        return self.load_study(study), trials

    def get_trial(self, study: str, number: int) -> Trial:
        for t in self.list_trials(study):
            if t.number == number:
                return t
        raise TrialNotFoundError(_checks.trial_not_found(study, number))

    def best_trial(self, study: str) -> Trial | None:
        """The best finished trial with a finite value, or None."""
        objective = self.load_study(study).objective
        done = self.list_trials(study, (TrialState.COMPLETED, TrialState.STOPPED))
        return best_trial(done, objective)

    def count_trials(self, study: str, states: Collection[TrialState] | None = None) -> int:
        return len(self.list_trials(study, states))

    def close(self) -> None:  # noqa: B027 - an optional hook
        """Releases connections. Default: nothing to release."""
