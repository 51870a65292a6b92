"""Slots: the places of a schedule, and which trial (if any) fills each, read from trials."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tunesmith.schedulers._base import SLOT_ATTR
from tunesmith.trial import TrialState

if TYPE_CHECKING:
    from tunesmith.trial import Objective, Trial


def promotion_slot(parent: int) -> str:
    """The slot of the trial that continues trial ``parent``: each trial is promoted once."""
    return f"promote:{parent}"


class SlotBook:
    """Who holds each slot: the live trial (any state but FAILED) and the failed attempts.

    A slot is *open* while no live trial holds it and fewer than ``max_attempts`` trials in
    it failed (a worker that died mid-trial leaves a FAILED trial: the slot runs again, from
    the parent's checkpoint). It is *done* when its live trial finished, or when every
    attempt failed.
    """

    def __init__(self, trials: Iterable[Trial], *, max_attempts: int) -> None:
        self.max_attempts = max_attempts
        self._live: dict[str, Trial] = {}
        self._failed: dict[str, int] = {}
        for t in trials:
            slot = t.attrs.get(SLOT_ATTR)
            if not isinstance(slot, str):
                continue
            if t.state is TrialState.FAILED:
                self._failed[slot] = self._failed.get(slot, 0) + 1
            else:
                self._live.setdefault(slot, t)

    def live(self, slot: str) -> Trial | None:
        return self._live.get(slot)

    def is_open(self, slot: str) -> bool:
        return slot not in self._live and self._failed.get(slot, 0) < self.max_attempts

    def is_done(self, slot: str) -> bool:
        live = self._live.get(slot)
        if live is not None:
            return live.state.is_finished
        return self._failed.get(slot, 0) >= self.max_attempts


def ranked_values(trials: Sequence[Trial], objective: Objective) -> list[Trial]:
    """Trials with a finite value, best first; ties go to the earlier trial."""
    done = [t for t in trials if t.has_value]
    return sorted(done, key=lambda t: (objective.sort_key(t.value), t.number))  # type: ignore[arg-type]
