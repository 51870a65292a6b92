"""A study read once: its definition and its trials, for every analysis to share."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from tunesmith.trial import Trial, best_trial

if TYPE_CHECKING:
    from tunesmith.space import Hyperparameter
    from tunesmith.storage import Storage
    from tunesmith.study import Study


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A study and its trials as they were when read; analysis never writes back.

    Attributes:
        study: The study record (name, objective, space).
        trials: Every trial, in number order, running ones included.
    """

    study: Study
    trials: tuple[Trial, ...]

    @property
    def finished(self) -> list[Trial]:
        """The trials that count for ranking: finished with a finite value."""
        return [t for t in self.trials if t.has_value]

    @property
    def params(self) -> list[Hyperparameter]:
        """The parameters that vary (Fixed ones left out), in definition order."""
        return self.study.space.dimensions

    @property
    def best(self) -> Trial | None:
        return best_trial(self.trials, self.study.objective)


def load_snapshot(storage: Storage, study: str) -> Snapshot:
    """Reads a study and all its trials once.

    Args:
        storage: Where the study is kept.
        study: The study's name.

    Returns:
        The study with its trials in number order.

    Raises:
        StudyNotFoundError: no study of that name.

    Example:
        >>> from tunesmith import InMemoryStorage, Objective
        >>> storage = InMemoryStorage()
        >>> _ = storage.create_study("s", Objective("loss"))
        >>> load_snapshot(storage, "s").trials
        ()
    """
    record = storage.load_study(study)
    return Snapshot(record, tuple(storage.list_trials(study)))
