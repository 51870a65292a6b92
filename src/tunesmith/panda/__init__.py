"""Panda: babysit one model as it trains (mid-run changes, forks, a live view), and
population-based training, its automated form.

A change of a hyperparameter mid-run is a record in the storage: the training loop applies
it at its next step boundary and keeps it in the trial's ``schedule`` (value from step k on).
"""

from tunesmith.execution._changes import (
    fork_trial,
    lineage,
    parse_assignments,
    request_change,
    values_at,
)
from tunesmith.panda._pbt import PopulationBasedTraining, Segment
from tunesmith.panda._view import WatchData, render, sparkline, watch_data

__all__ = [
    "PopulationBasedTraining",
    "Segment",
    "WatchData",
    "fork_trial",
    "lineage",
    "parse_assignments",
    "render",
    "request_change",
    "sparkline",
    "values_at",
    "watch_data",
]
