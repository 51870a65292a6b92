"""Schedulers: budgets, promotions and early stops, composed with any oracle."""

import sys
from collections.abc import Mapping
from typing import Any

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.schedulers._asha import ASHA, EagerASHA
from tunesmith.schedulers._base import FIFO, SLOT_ATTR, Assignment, Scheduler
from tunesmith.schedulers._history import model_history
from tunesmith.schedulers._hyperband import (
    Bracket,
    Hyperband,
    SuccessiveHalving,
    hyperband_brackets,
)
from tunesmith.schedulers._ladder import ladder_history
from tunesmith.schedulers._percentile import MedianStopping, PercentileStopping
from tunesmith.schedulers._rungs import ConfigurationPath, RungRun, rungs

__all__ = [
    "ASHA",
    "FIFO",
    "SLOT_ATTR",
    "Assignment",
    "Bracket",
    "ConfigurationPath",
    "EagerASHA",
    "Hyperband",
    "MedianStopping",
    "PercentileStopping",
    "RungRun",
    "Scheduler",
    "SuccessiveHalving",
    "from_settings",
    "hyperband_brackets",
    "ladder_history",
    "model_history",
    "rungs",
]


def from_settings(settings: Mapping[str, Any]) -> Scheduler:
    """Rebuilds the scheduler a study was created with from its stored settings
    (``Scheduler.settings()``), so a resumed study or a joining worker follows the same
    brackets and rungs without being told them again.

    Raises:
        InvalidArgumentError: the settings name no scheduler of tunesmith.schedulers.

    Example:
        >>> from tunesmith.schedulers import Hyperband, from_settings
        >>> again = from_settings(Hyperband(27, iterations=2).settings())
        >>> type(again).__name__, again.max_budget, again.iterations
        ('Hyperband', 27, 2)
    """
    args = {k: v for k, v in settings.items() if k != "scheduler"}
    name = settings.get("scheduler", "FIFO")
    cls = getattr(sys.modules[__name__], str(name), None) if name in __all__ else None
    if not (isinstance(cls, type) and issubclass(cls, Scheduler)) or cls is Scheduler:
        known = [n for n in __all__ if n[0].isupper() and n not in _NOT_SCHEDULERS]
        raise InvalidArgumentError(
            f"the study's scheduler is {name!r}, which is not a scheduler of "
            f"tunesmith.schedulers ({', '.join(known)}). Pass the scheduler yourself "
            "(Tuner(scheduler=...) or tunesmith worker --scheduler module:factory)."
        )
    return cls(**args)


_NOT_SCHEDULERS = (
    "SLOT_ATTR",
    "Assignment",
    "Bracket",
    "ConfigurationPath",
    "RungRun",
    "Scheduler",
)
