"""Schedulers: budgets, promotions and early stops, composed with any oracle."""

from tunesmith.schedulers._asha import ASHA, EagerASHA
from tunesmith.schedulers._base import FIFO, SLOT_ATTR, Assignment, Scheduler
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
    "hyperband_brackets",
    "ladder_history",
    "rungs",
]
