"""Scheduler: decides budgets, promotions and early stops; composes with any oracle."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial

#: The trial attribute that names a trial's place in a schedule (see ``Assignment.slot``).
SLOT_ATTR = "slot"


@dataclasses.dataclass(frozen=True)
class Assignment:
    """What the next trial is: a new configuration, or a promoted one, and its budget.

    Attributes:
        budget: The resource the trial runs to (epochs by default), counted from the start
            of the configuration's training; None lets the objective decide.
        parent: For a promotion, the trial whose configuration continues: the new trial
            takes its values and resumes from its checkpoint. None for a new configuration,
            which the oracle proposes.
        slot: The trial's place in the schedule, unique among the study's trials that did
            not fail (``"hb0-s4-r0-17"``, ``"promote:12"``); the storage refuses a second
            live trial in a slot, so two workers never fill it twice. None: no such place.
        attrs: Recorded on the trial (bracket, rung), for the record and the scheduler.
    """

    budget: float | None = None
    parent: int | None = None
    slot: str | None = None
    attrs: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Scheduler(abc.ABC):
    """Decides what runs next and when a trial stops; pure: history in, decision out.

    The protocol, for implementers:

    - ``assign`` runs in a worker that is about to start a trial, with every trial of the
      study (finished, running, waiting) and the objective. It returns an
      :class:`Assignment`, or None when nothing can start until a running trial finishes
      (the worker asks again shortly). It raises
      :class:`~tunesmith.exceptions.SearchSpaceExhausted` when the schedule is done.
    - ``should_stop`` runs after each report of a running trial when ``stops_early`` is
      True, with the trial's stored record (its reports so far) and every trial of the
      study; it returns why the trial should stop, or None.
    - ``oracle_history`` chooses which finished trials the oracle learns from when it
      proposes a new configuration (trials at several budgets are not comparable), and may
      hand it copies whose values are rescored (see :class:`EagerASHA`).
    - A scheduler keeps no state between calls that it could not rebuild from the trials:
      several workers, and a resumed study, reach the same decisions. No I/O, no threads.
      Every decision is recorded in the trials (budget, parent, attrs), so a crash loses
      nothing that a re-derivation cannot find again.
    """

    #: True when ``should_stop`` may stop a trial (the worker then reads the study's trials
    #: after each report; schedulers that only set budgets leave it False).
    stops_early: bool = False

    #: True for a schedule that ends (it raises SearchSpaceExhausted when done), so a
    #: search may run without max_trials or timeout.
    ends_by_itself: bool = False

    @abc.abstractmethod
    def assign(self, trials: Sequence[Trial], *, objective: Objective) -> Assignment | None:
        """The next trial to start, or None to wait for a running trial to finish."""

    def should_stop(
        self, trial: Trial, trials: Sequence[Trial], *, objective: Objective
    ) -> str | None:
        """Why ``trial`` should stop now, or None to let it go on. Default: never stop."""
        return None

    def enqueued(self) -> Assignment:
        """The budget and attrs of a configuration the user queued (``Tuner.enqueue``).

        Default: no budget, the objective decides.
        """
        return Assignment()

    def oracle_history(self, history: Sequence[Trial], *, objective: Objective) -> Sequence[Trial]:
        """The finished trials the oracle learns from. Default: all of them."""
        return history

    def settings(self) -> dict[str, Any]:
        """The scheduler's name and arguments, stored with the study for the record.

        Each argument is stored as given, under its parameter's name (``None`` stays
        None): ``from_settings`` rebuilds the scheduler from them, and a resumed study whose
        record predates an argument is checked against that argument's default.
        """
        return {"scheduler": type(self).__name__}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items() if k != "scheduler")
        return f"{type(self).__name__}({args})"


class FIFO(Scheduler):
    """The default: each trial runs as the objective decides; nothing stops it early.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import FIFO
        >>> tuner = Tuner("loss", scheduler=FIFO(), seed=0)
        >>> tuner.search(lambda t: t.hp.Float("x", 0, 1), max_trials=3, progress=False).state
        <TrialState.COMPLETED: 'completed'>
    """

    def assign(self, trials: Sequence[Trial], *, objective: Objective) -> Assignment:
        return Assignment()
