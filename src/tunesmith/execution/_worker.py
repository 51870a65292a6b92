"""The worker loop, shared by a plain search, local worker processes, Dask tasks and the
``tunesmith worker`` command; and the code that starts workers on an executor."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cloudpickle

from tunesmith.exceptions import (
    InvalidArgumentError,
    SearchSpaceExhausted,
    TooManyFailedTrials,
)
from tunesmith.execution._runner import ObjectiveFn, TrialRunner
from tunesmith.oracles import Oracle
from tunesmith.schedulers import Scheduler
from tunesmith.storage import Storage
from tunesmith.trial import Trial, TrialState


@dataclasses.dataclass(frozen=True)
class WorkerResult:
    """What one worker did: its id, device, and how many trials it ran and saw fail."""

    worker: str
    device: str | None
    n_trials: int
    n_failed: int
    exhausted: bool = False


def work(
    runner: TrialRunner,
    fn: ObjectiveFn,
    *,
    max_trials: int | None,
    deadline: float | None,
    max_consecutive_failures: int,
    on_trial: Callable[[Trial], None] | None = None,
) -> WorkerResult:
    """Runs trials until the study holds ``max_trials``, the wall clock passes
    ``deadline`` (``time.time()``), or the oracle is exhausted.

    Raises:
        TooManyFailedTrials: this worker saw that many failures in a row.
    """
    n = failed = in_a_row = 0
    exhausted = False
    while deadline is None or time.time() < deadline:
        try:
            trial = runner.run_one(fn, limit=max_trials)
        except SearchSpaceExhausted:
            exhausted = True
            break
        if trial is None:
            break
        n += 1
        if on_trial is not None:
            on_trial(trial)
        if trial.state is TrialState.FAILED:
            failed += 1
            in_a_row += 1
        else:
            in_a_row = 0
        if in_a_row >= max_consecutive_failures:
            raise TooManyFailedTrials(
                f"{in_a_row} trials failed in a row, so the search stopped. The last, trial "
                f"{trial.number}, failed with: {trial.error}. Fix the objective (or the model "
                "it builds); the full traceback is in the trial record (tunesmith trials "
                f"--storage URL --study {runner.study} --failed)."
            )
    return WorkerResult(runner.worker, runner.device, n, failed, exhausted)


@dataclasses.dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker process needs; it travels pickled (cloudpickle)."""

    index: int
    storage: Storage
    study: str
    oracle: Oracle
    scheduler: Scheduler
    seed: int
    fn: ObjectiveFn
    max_trials: int | None
    deadline: float | None
    max_consecutive_failures: int
    max_retries: int
    heartbeat_interval: float
    stale_after: float
    artifacts: Path | None
    device: str | None


def run_worker(payload: bytes) -> WorkerResult:
    """Entry point of a worker process or task: unpickles a WorkerSpec and works."""
    spec: WorkerSpec = cloudpickle.loads(payload)
    runner = TrialRunner(
        spec.storage,
        spec.study,
        spec.oracle,
        scheduler=spec.scheduler,
        seed=spec.seed,
        heartbeat_interval=spec.heartbeat_interval,
        stale_after=spec.stale_after,
        artifacts=spec.artifacts,
        max_retries=spec.max_retries,
        device=spec.device,
    )
    try:
        return work(
            runner,
            spec.fn,
            max_trials=spec.max_trials,
            deadline=spec.deadline,
            max_consecutive_failures=spec.max_consecutive_failures,
        )
    finally:
        spec.storage.close()


def pickle_specs(specs: Sequence[WorkerSpec]) -> list[bytes]:
    try:
        return [cloudpickle.dumps(s) for s in specs]
    except Exception as e:  # noqa: BLE001 - whatever pickling raises, the cause is one
        raise InvalidArgumentError(
            f"search: workers run in other processes, so the objective, oracle and storage "
            f"must pickle, and pickling failed: {type(e).__name__}: {e}. Use a storage URL "
            "(not InMemoryStorage) and an objective that holds no open files or locks."
        ) from e


def start_workers(executor: Any, payloads: Sequence[bytes]) -> list[Any]:
    """Submits one worker per payload to any executor with ``submit`` (concurrent.futures
    or a Dask ``distributed.Client``); returns the futures."""
    submit = getattr(executor, "submit", None)
    if not callable(submit):
        raise InvalidArgumentError(
            f"search: executor must have a submit() method (a concurrent.futures.Executor "
            f"or a dask.distributed.Client), got executor={executor!r}."
        )
    return [submit(run_worker, p) for p in payloads]


def default_workers(executor: Any) -> int:
    """How many workers to start on an executor when the caller did not say: a Dask
    client's total threads, a concurrent.futures pool's size, else 1."""
    nthreads = getattr(executor, "nthreads", None)
    if callable(nthreads):
        return max(1, int(sum(nthreads().values())))
    return int(getattr(executor, "_max_workers", 1) or 1)
