"""Tuner: wires a study's objective, space, oracle and storage, and runs the search."""

from __future__ import annotations

import inspect
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tunesmith import schedulers
from tunesmith._validate import check_int_at_least, check_positive
from tunesmith.exceptions import InvalidArgumentError, StudyNotFoundError
from tunesmith.execution import ObjectiveFn, RunningTrial, TrialRunner
from tunesmith.execution._local import LocalWorkers
from tunesmith.execution._worker import (
    WorkerResult,
    WorkerSpec,
    default_workers,
    pickle_specs,
    start_workers,
    work,
)
from tunesmith.oracles import CoarseToFine, Oracle, from_settings
from tunesmith.schedulers import Scheduler
from tunesmith.space import Hyperparameter, SearchSpace
from tunesmith.storage import Storage, get_storage
from tunesmith.storage._checks import check_study_name
from tunesmith.study import Study
from tunesmith.trial import Objective, Trial


def artifacts_dir(
    storage: Storage,
    study: str,
    artifacts: str | Path | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Path:
    """The study's folder for trial files: see Tuner's ``artifacts``. Without
    ``artifacts``, the folder the study was created with (its stored ``settings``), so
    every worker finds the checkpoints the others wrote."""
    if artifacts is None and settings is not None:
        artifacts = settings.get("artifacts")
    if artifacts is not None:
        return Path(artifacts).absolute() / study
    url = getattr(storage, "url", "")
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///") :])
        return db.parent / f"{db.stem}-artifacts" / study
    root = Path(tempfile.gettempdir()) / "tunesmith-artifacts"
    if not url or url == "sqlite:///:memory:":
        # A study that dies with this process: a folder of its own (made on first use),
        # so a later run's trial-0 never meets this run's checkpoints.
        root = root / secrets.token_hex(6)
    return root / study


def check_same_scheduler(study: str, stored: Mapping[str, Any], scheduler: Scheduler) -> None:
    """A scheduled study resumes under the scheduler it was created with: other budgets or
    brackets would not match the rungs its trials already ran. (A study created without
    one, FIFO, may be run under any: its trials have no rungs to contradict.) A setting
    the stored record lacks (the study predates it) was the argument's default then."""
    if stored.get("scheduler", "FIFO") == "FIFO":
        return
    given = scheduler.settings()
    defaults = {
        name: p.default
        for name, p in inspect.signature(type(scheduler)).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    same = stored.get("scheduler", "FIFO") == given["scheduler"] and all(
        stored[k] == v if k in stored else defaults.get(k, v) == v for k, v in given.items()
    )
    if not same:
        shown = dict(stored)
        if stored.get("scheduler") == given["scheduler"]:  # the record's gaps: defaults
            shown.update((k, defaults[k]) for k in given if k not in stored and k in defaults)
        args = ", ".join(f"{k}={v!r}" for k, v in shown.items() if k != "scheduler")
        raise InvalidArgumentError(
            f"study {study!r} was created with the scheduler "
            f"{stored.get('scheduler', 'FIFO')}({args}); got "
            f"scheduler={scheduler!r}. Its trials ran that schedule's rungs: leave scheduler "
            "out (or pass the same one) to resume it, or give another study name."
        )


class Tuner:
    """Tunes an objective function: the entry point for most users.

    The study named ``study`` is created in ``storage`` on first use and resumed on later
    runs: finished trials are kept, a trial whose process died is marked failed, and the
    oracle goes on from the stored history.

    Args:
        objective: The metric to optimize: a name (``"val_accuracy"`` maximizes,
            ``"val_loss"`` minimizes) or an :class:`Objective`.
        oracle: Picks configurations; default :class:`~tunesmith.oracles.CoarseToFine`, or
            for a resumed study the oracle it was created with.
        scheduler: Decides budgets, promotions and early stops
            (:class:`~tunesmith.schedulers.Hyperband`, ``ASHA``, ``MedianStopping``); default
            :class:`~tunesmith.schedulers.FIFO`, which lets every trial run, or for a
            resumed study the scheduler it was created with (another one is refused,
            unless the study was created without one).
        storage: A URL (``"sqlite:///study.db"``, ``"postgresql://..."``), a Storage, or
            None to keep the study in memory.
        study: The study's name; ``"default"`` if None.
        space: Definitions declared up front (define-by-run code may add more).
        seed: The study's seed; drawn at random and stored if None. A resumed study keeps
            the seed it was created with unless one is given.
        max_consecutive_failures: The search stops with TooManyFailedTrials after this many
            failed trials in a row.
        heartbeat_interval: Seconds between heartbeats of a running trial.
        stale_after: A running trial without a heartbeat for this long is marked failed.
        max_retries: A trial whose worker died (killed, machine lost) is run again as a new
            trial with the same values, up to this many times.
        artifacts: Folder for trial files (checkpoints); each study gets a subfolder and
            each trial ``trial-<n>`` in it. A new study stores it (absolute), so a
            ``tunesmith worker`` or a later Tuner without ``artifacts`` uses it too. By
            default the stored one, else beside a SQLite file (``study.db`` →
            ``study-artifacts/``), else in the system's temporary folder.

    Example:
        >>> from tunesmith import Tuner
        >>> tuner = Tuner("loss", seed=0)
        >>> def objective(trial):
        ...     x = trial.hp.Float("x", -5.0, 5.0)
        ...     return (x - 1.0) ** 2
        >>> best = tuner.search(objective, max_trials=30, progress=False)
        >>> abs(best.values["x"] - 1.0) < 0.5
        True
    """

    def __init__(
        self,
        objective: Objective | str,
        *,
        oracle: Oracle | None = None,
        scheduler: Scheduler | None = None,
        storage: Storage | str | None = None,
        study: str | None = None,
        space: SearchSpace | Iterable[Hyperparameter] | None = None,
        seed: int | None = None,
        max_consecutive_failures: int = 5,
        heartbeat_interval: float = 5.0,
        stale_after: float = 60.0,
        artifacts: str | Path | None = None,
        max_retries: int = 1,
    ) -> None:
        self.objective = Objective.coerce(objective)
        self.oracle = oracle if oracle is not None else CoarseToFine()
        if not isinstance(self.oracle, Oracle):
            raise InvalidArgumentError(
                f"Tuner: oracle must be an Oracle, got oracle={oracle!r}. "
                "Use e.g. tunesmith.oracles.RandomSearch()."
            )
        self.scheduler = scheduler if scheduler is not None else schedulers.FIFO()
        if not isinstance(self.scheduler, Scheduler):
            raise InvalidArgumentError(
                f"Tuner: scheduler must be a Scheduler, got scheduler={scheduler!r}. "
                "Use e.g. tunesmith.schedulers.Hyperband(max_budget=81)."
            )
        check_positive("Tuner", "max_consecutive_failures", max_consecutive_failures, integer=True)
        check_positive("Tuner", "heartbeat_interval", heartbeat_interval)
        check_positive("Tuner", "stale_after", stale_after)
        check_int_at_least("Tuner", "max_retries", max_retries, 0)
        if stale_after <= heartbeat_interval:
            raise InvalidArgumentError(
                f"Tuner: stale_after must exceed heartbeat_interval, or a live trial is "
                f"failed between two heartbeats; got stale_after={stale_after!r}, "
                f"heartbeat_interval={heartbeat_interval!r}. Keep stale_after several "
                "heartbeats long (the defaults are 60 and 5)."
            )
        if seed is not None:
            check_int_at_least("Tuner", "seed", seed, 0)
        if artifacts is not None and not isinstance(artifacts, str | os.PathLike):
            raise InvalidArgumentError(
                f"Tuner: artifacts must be a folder (a str or Path), got artifacts={artifacts!r}."
            )
        self.study_name = "default" if study is None else study
        check_study_name(self.study_name, "Tuner", "study")
        self.storage = get_storage(storage)
        self.max_consecutive_failures = max_consecutive_failures
        declared = space if isinstance(space, SearchSpace) else SearchSpace(space or ())
        settings = self._open_study(declared, seed, artifacts).settings
        stored = settings.get("scheduler", {})
        if scheduler is None:
            self.scheduler = schedulers.from_settings(stored)  # a resumed study's own
        else:
            check_same_scheduler(self.study_name, stored, self.scheduler)
        if oracle is None and "oracle" in settings:
            self.oracle = from_settings(settings["oracle"])  # a resumed study's own
        self.seed = int(seed if seed is not None else settings["seed"])
        self.runner = TrialRunner(
            self.storage,
            self.study_name,
            self.oracle,
            seed=self.seed,
            heartbeat_interval=heartbeat_interval,
            stale_after=stale_after,
            artifacts=artifacts_dir(self.storage, self.study_name, artifacts, settings),
            max_retries=max_retries,
            scheduler=self.scheduler,
        )

    def _open_study(
        self, declared: SearchSpace, seed: int | None, artifacts: str | Path | None
    ) -> Study:
        try:
            study = self.storage.load_study(self.study_name)
        except StudyNotFoundError:
            settings: dict[str, Any] = {
                "seed": seed if seed is not None else secrets.randbits(32),
                "oracle": self.oracle.settings(),
                "scheduler": self.scheduler.settings(),
            }
            if artifacts is not None:
                # Stored absolute, so a worker started elsewhere (tunesmith worker, babysit)
                # finds the checkpoints this study's trials write.
                settings["artifacts"] = str(Path(artifacts).absolute())
            return self.storage.create_study(self.study_name, self.objective, declared, settings)
        if study.objective != self.objective:
            if not self.storage.count_trials(self.study_name):
                # Nothing ran under the stored objective (a mistyped one is refused at the
                # first search, after the study was saved): the corrected script starts over.
                self.storage.delete_study(self.study_name)
                return self._open_study(declared, seed, artifacts)
            raise InvalidArgumentError(
                f"study {self.study_name!r} optimizes {study.objective.name!r} "
                f"({study.objective.direction}), got objective={self.objective.name!r} "
                f"({self.objective.direction}). Use the study's objective to resume it, or "
                "give another study name."
            )
        if len(declared):
            self.storage.update_space(self.study_name, declared)
            study = self.storage.load_study(self.study_name)
        return study

    # -- search ---------------------------------------------------------------------------
    def search(
        self,
        fn: ObjectiveFn,
        max_trials: int | None = None,
        *,
        timeout: float | None = None,
        workers: int | None = None,
        devices: Sequence[str] | None = None,
        executor: Any = None,
        progress: bool = True,
    ) -> Trial | None:
        """Runs trials of ``fn`` until the study holds ``max_trials`` trials.

        ``fn`` receives a :class:`~tunesmith.execution.RunningTrial` and returns the
        objective's value (or a dict of metrics that holds it). An exception, None, NaN
        or inf fails that trial only.

        Args:
            fn: The objective function. With several workers it travels to other processes
                (cloudpickle): a function of a script or module, or a lambda, all work.
            max_trials: Trials the study should hold, of any state (a resumed study counts
                the trials it already has; a retry of a trial whose worker died does not
                count). None runs until ``timeout``, until the oracle is exhausted, or until the
                scheduler's schedule is done.
            timeout: Seconds after which no new trial starts.
            workers: Trials run at once, each worker in its own process, all sharing the
                study through the storage (which must then be a URL: SQLite or
                PostgreSQL). Default: one per device, the executor's size, or 1 (in this
                process).
            devices: Ties workers to devices: worker ``i`` runs on ``devices[i % len]``
                and each trial reads it as ``trial.device``. One per GPU:
                ``devices=["cuda:0", "cuda:1"]``; two trials sharing one GPU:
                ``devices=["cuda:0"], workers=2``.
            executor: Where the workers run: a ``concurrent.futures.Executor`` or a
                ``dask.distributed.Client``. Default: local processes.
            progress: Show a progress bar and, at the end, a summary table.

        Returns:
            The best trial so far, or None if no trial has a value.

        Raises:
            TooManyFailedTrials: ``max_consecutive_failures`` trials failed in a row (in
                one worker).
        """
        if not callable(fn):
            raise InvalidArgumentError(
                f"search: fn must be a callable taking a trial, got fn={fn!r}."
            )
        for name, value, integer in (
            ("max_trials", max_trials, True),
            ("timeout", timeout, False),
            ("workers", workers, True),
        ):
            if value is not None:  # timeout=inf: no timeout
                check_positive("search", name, value, integer=integer, finite=name != "timeout")
        ends = self.oracle.ends_by_itself or self.scheduler.ends_by_itself
        if max_trials is None and timeout is None and not ends:
            raise InvalidArgumentError(
                "search: give max_trials or timeout; without them a search over this space "
                "would never end."
            )
        if devices is not None:
            given = devices
            listed = isinstance(devices, Iterable) and not isinstance(devices, str | bytes)
            devices = list(devices) if listed else []
            if not devices or not all(isinstance(d, str) and d for d in devices):
                raise InvalidArgumentError(
                    f"search: devices must be a non-empty list of device names, got "
                    f"devices={given!r}. Write devices=['cuda:0', 'cuda:1']."
                )
        from tunesmith._progress import SearchProgress

        deadline = None if timeout is None else time.time() + timeout
        self.runner.fail_stale()
        if workers is None:
            if devices:
                workers = len(devices)
            elif executor is not None:
                workers = default_workers(executor)
            else:
                workers = 1
        with SearchProgress(self, max_trials, workers=workers, enabled=progress) as bar:
            if workers == 1 and executor is None and not devices:
                result = work(
                    self.runner,
                    fn,
                    max_trials=max_trials,
                    deadline=deadline,
                    max_consecutive_failures=self.max_consecutive_failures,
                    on_trial=bar.update,
                )
                if result.exhausted:
                    bar.note("the oracle has no configuration left to try: the search is done")
            else:
                self._search_in_workers(fn, max_trials, deadline, workers, devices, executor, bar)
        if progress:
            from tunesmith.analysis import print_summary

            print_summary(self.storage, self.study_name)
        return self.best_trial

    def _search_in_workers(
        self,
        fn: ObjectiveFn,
        max_trials: int | None,
        deadline: float | None,
        workers: int,
        devices: list[str] | None,
        executor: Any,
        bar: Any,
    ) -> list[WorkerResult]:
        specs = [
            WorkerSpec(
                index=i,
                storage=self.storage,
                study=self.study_name,
                oracle=self.oracle,
                scheduler=self.scheduler,
                seed=self.seed,
                fn=fn,
                max_trials=max_trials,
                deadline=deadline,
                max_consecutive_failures=self.max_consecutive_failures,
                max_retries=self.runner.max_retries,
                heartbeat_interval=self.runner.heartbeat_interval,
                stale_after=self.runner.stale_after,
                artifacts=self.runner.artifacts,
                device=devices[i % len(devices)] if devices else None,
            )
            for i in range(workers)
        ]
        payloads = pickle_specs(specs)
        if executor is None:
            results = LocalWorkers(payloads).run(poll=bar.refresh)
            bar.refresh()
            return results
        futures = start_workers(executor, payloads)
        while not all(f.done() for f in futures):
            time.sleep(0.25)
            bar.refresh()
        bar.refresh()
        return [f.result() for f in futures]

    # -- ask / tell -----------------------------------------------------------------------
    def ask(self) -> RunningTrial:
        """Starts a trial for a loop of your own; read values with ``trial.hp``.

        Example:
            >>> tuner = Tuner("loss", seed=0)
            >>> trial = tuner.ask()
            >>> x = trial.hp.Float("x", 0.0, 1.0)
            >>> tuner.tell(trial, (x - 0.5) ** 2).state.name
            'COMPLETED'

        Raises:
            SchedulerWaiting: the scheduler can start nothing until trials this tuner asked
                for are told (a Hyperband rung waits on them); tell them first.
        """
        return self.runner.start_trial()

    def tell(
        self, trial: RunningTrial, value: Any = None, *, error: BaseException | str | None = None
    ) -> Trial:
        """Finishes a trial from ``ask()``: its value (or metrics dict), or the error that
        ended it. A None or non-finite value fails the trial."""
        if not isinstance(trial, RunningTrial):
            raise InvalidArgumentError(
                f"tell: trial must be the object ask() returned, got trial={trial!r}."
            )
        return self.runner.finish(trial, value, error=error)

    def enqueue(self, values: Mapping[str, Any]) -> Trial:
        """Queues a configuration to run next (e.g. a known good one, or the defaults)."""
        return self.runner.enqueue(values)

    # -- results --------------------------------------------------------------------------
    @property
    def study(self) -> Study:
        """The study as stored now: its space holds every name a trial has defined."""
        return self.storage.load_study(self.study_name)

    @property
    def trials(self) -> list[Trial]:
        """Every trial of the study, in number order."""
        return self.storage.list_trials(self.study_name)

    @property
    def best_trial(self) -> Trial | None:
        """The best finished trial with a finite value, or None."""
        return self.storage.best_trial(self.study_name)

    def results_summary(self, n: int = 10) -> None:
        """Prints the best ``n`` trials and the study's counts."""
        from tunesmith.analysis import print_summary

        print_summary(self.storage, self.study_name, n=n)
