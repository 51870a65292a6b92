"""Execution: where and how trials run; workers coordinate only through storage."""

from tunesmith.execution._liveness import Heartbeat, new_worker_id
from tunesmith.execution._runner import ObjectiveFn, TrialRunner, trial_seed
from tunesmith.execution._running import RunningTrial, StopRule, objective_value

__all__ = [
    "Heartbeat",
    "ObjectiveFn",
    "RunningTrial",
    "StopRule",
    "TrialRunner",
    "new_worker_id",
    "objective_value",
    "trial_seed",
]
