"""The search's progress bar (rich)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from tunesmith.trial import Trial, best_trial

if TYPE_CHECKING:
    from tunesmith.tuner import Tuner


class SearchProgress:
    """Shows trials finished, the best value so far, and failures, while a search runs."""

    def __init__(
        self, tuner: Tuner, total: int | None, *, workers: int = 1, enabled: bool
    ) -> None:
        self._tuner = tuner
        self._workers = workers
        self._enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._finished = 0
        self._best: Trial | None = None
        self._total = total
        self._console = Console(stderr=True)

    def __enter__(self) -> SearchProgress:
        if not self._enabled:
            return self
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn(f"[bold]{self._tuner.study_name}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[best]}"),
            TextColumn("{task.fields[running]}"),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._progress.__enter__()
        trials = self._tuner.trials
        self._finished = sum(t.state.is_finished for t in trials)
        self._best = best_trial(trials, self._tuner.objective)
        self._task = self._progress.add_task(
            "search",
            total=self._total,
            completed=self._finished,
            best=self._best_text(),
            running="",
        )
        return self

    def refresh(self) -> None:
        """Reads the study again: trials finished and running in every worker, the best."""
        if self._progress is None or self._task is None:
            return
        trials = self._tuner.trials
        self._finished = sum(t.state.is_finished for t in trials)
        self._best = best_trial(trials, self._tuner.objective)
        running = [t for t in trials if t.state.name == "RUNNING"]
        failed = sum(t.state.name == "FAILED" for t in trials)
        workers = len({t.worker for t in running})
        text = f"{len(running)} running on {workers}/{self._workers} workers"
        if failed:
            text += f", {failed} failed"
        self._progress.update(
            self._task, completed=self._finished, best=self._best_text(), running=text
        )

    def _best_text(self) -> str:
        best = self._best
        name = self._tuner.objective.name
        if best is None:
            return f"best {name}: -"
        return f"best {name}: {best.value:.5g} (trial {best.number})"

    def update(self, trial: Trial) -> None:
        """After a trial of this process ended: the counts, and its error if it failed.
        Kept from the trials seen, so the bar costs no storage read per trial."""
        if self._progress is None or self._task is None:
            return
        self._finished += 1
        self._best = best_trial(
            [t for t in (self._best, trial) if t is not None], self._tuner.objective
        )
        self._progress.update(self._task, completed=self._finished, best=self._best_text())
        if trial.error:
            self._progress.console.print(
                f"[yellow]trial {trial.number} failed:[/] {trial.error.splitlines()[-1]}",
                markup=True,
                highlight=False,
            )

    def note(self, text: str) -> None:
        if self._enabled:
            self._console.print(text, highlight=False)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, traceback)
