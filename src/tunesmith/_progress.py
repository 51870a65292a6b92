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
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from tunesmith.trial import Trial
    from tunesmith.tuner import Tuner


class SearchProgress:
    """Shows trials finished, the best value so far, and failures, while a search runs."""

    def __init__(self, tuner: Tuner, total: int | None, *, enabled: bool) -> None:
        self._tuner = tuner
        self._enabled = enabled
        self._progress: Progress | None = None
        self._task = None
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
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._progress.__enter__()
        done = self._tuner._n_finished()
        self._task = self._progress.add_task(
            "search", total=self._total, completed=done, best=self._best_text()
        )
        return self

    def _best_text(self) -> str:
        best = self._tuner.best_trial
        name = self._tuner.objective.name
        if best is None:
            return f"best {name}: -"
        return f"best {name}: {best.value:.5g} (trial {best.number})"

    def update(self, trial: Trial, finished: int) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, completed=finished, best=self._best_text())
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
