"""RunningTrial: the handle an objective function receives."""

from __future__ import annotations

import functools
import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.execution._changes import ChangeFeed
from tunesmith.space import HyperParameters, SearchSpace, Value

if TYPE_CHECKING:
    from tunesmith.storage import Storage
    from tunesmith.trial import Objective, Trial

#: Decides, after each report, whether the trial should stop early (a scheduler's hook):
#: returns why (a string, kept in the trial's ``stopped`` attribute), or None to go on.
StopRule = Callable[["RunningTrial", int, "float | None"], "str | None"]


def _scalar(value: Any) -> float | None:
    """``value`` as a float (a number, or a scalar array or tensor), else None: a string
    or a bool is a bug in the objective, not a metric."""
    if isinstance(value, str | bytes | bool | np.bool_):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_number(value: Any) -> float:
    """The reported value as a float."""
    number = _scalar(value)
    if number is None:
        raise InvalidArgumentError(
            f"trial.report: value must be a number, got value={value!r}. Report a float, "
            "e.g. trial.report(loss.item(), step=epoch)."
        )
    return number


class RunningTrial:
    """One trial while it runs: its hyperparameters, its reports, its random generator.

    Objective code reads values with ``trial.hp`` (define-by-run), reports progress with
    ``trial.report(value, step)``, and asks ``trial.should_stop()`` at step boundaries.

    Budgets and checkpoints, when a scheduler sets them (steps count from 0, one per epoch
    by default)::

        model, optimizer = build(trial.hp)
        if trial.parent_directory is not None:          # a promoted configuration
            load(trial.parent_directory / "checkpoint.pt", model, optimizer)
        for epoch in range(trial.resume_step, trial.budget):
            val_accuracy = train_one_epoch(...)
            save(trial.directory / "checkpoint.pt", model, optimizer)
            trial.report(val_accuracy, step=epoch)
            if trial.should_stop():
                break
        return val_accuracy

    The checkpoint a promoted trial resumes from is the one its parent left in its own
    ``directory`` at its last reported step: save the whole training state there (model,
    optimizer, learning-rate schedule, random state) before reporting the step.

    Attributes:
        number: The trial's number in the study.
        hp: The :class:`~tunesmith.space.HyperParameters` handle.
        seed: Seed of this trial; ``rng`` is a NumPy generator made from it. Seed your
            framework from it (``torch.manual_seed(trial.seed)``) for reproducible trials.
        study: The study's name.
        directory: A folder of the trial's own for checkpoints and other files.
        device: The device the worker running this trial is tied to (``"cuda:0"``), or
            None when the search did not assign devices.
        budget: The budget the scheduler gave the trial (an int when whole), or None.
        parent: The trial this one continues (a promotion), or None.
    """

    def __init__(
        self,
        storage: Storage,
        study: str,
        record: Trial,
        space: SearchSpace,
        objective: Objective,
        *,
        sample_new: Callable[..., float],
        stop_rule: StopRule | None = None,
        artifacts: Path | None = None,
        device: str | None = None,
    ) -> None:
        self.storage = storage
        self.device = device
        self._artifacts = artifacts
        self.study = study
        self.number = record.number
        self.seed = int(record.seed if record.seed is not None else 0)
        self.rng = np.random.default_rng(self.seed)
        self.objective = objective
        self.hp = HyperParameters(
            space,
            record.values,
            sample_new=lambda p: sample_new(p, self.rng),
            on_define=lambda s: storage.update_space(study, s),
        )
        # A trial that started before any definition (the first of a define-by-run study)
        # has its values stored at its first report, so babysit shows them and a fork of
        # it while it runs starts from them; the others had theirs stored at creation.
        self._values_stored = bool(record.values)
        self._stop_rule = stop_rule
        self._stop_reason: str | None = None
        self._reached_budget = False
        self._last_step = record.last_step
        budget = record.budget
        self.budget = int(budget) if budget is not None and float(budget).is_integer() else budget
        self.parent = record.parent
        self._resume_step: int | None = None

    @property
    def values(self) -> dict[str, Value]:
        """The values of the hyperparameters met so far."""
        return self.hp.values

    def report(
        self, value: float | None = None, step: int | None = None, **metrics: float
    ) -> None:
        """Records the objective's value at ``step`` (next step if None) and other metrics.

        ``value`` may be left out when ``metrics`` holds the objective by name, as a Keras
        log does: ``trial.report(step=epoch, val_accuracy=0.91, val_loss=0.3)``.
        """
        if value is None and self.objective.name in metrics:
            value = metrics[self.objective.name]
        for name, v in metrics.items():
            if isinstance(v, bool) or not isinstance(v, int | float | np.number):
                raise InvalidArgumentError(
                    f"trial.report: metric {name!r} must be a number, got {name}={v!r}."
                )
        if step is None:
            step = 0 if self._last_step is None else self._last_step + 1
        else:
            step = as_int("trial.report", "step", step, 0, "Report the epoch or batch count.")
        value = None if value is None else _as_number(value)
        if not self._values_stored and self.hp.values:
            self.storage.set_trial_values(self.study, self.number, self.hp.values)
            self._values_stored = True
        self.storage.report(self.study, self.number, step, value, metrics)
        self._last_step = step
        if self.budget is not None and step + 1 >= self.budget:
            self._reached_budget = True
        elif self._stop_rule is not None and self._stop_reason is None:
            reason = self._stop_rule(self, step, value)
            if reason:
                self._stop_reason = reason if isinstance(reason, str) else "the stop rule"
                self.set_attr("stopped", self._stop_reason)

    def should_stop(self) -> bool:
        """True when the trial should end: the scheduler stopped it (it is recorded as
        STOPPED) or it reached its budget (COMPLETED). Check it at step boundaries, then
        return the latest value."""
        return self._stop_reason is not None or self._reached_budget

    @property
    def stop_reason(self) -> str | None:
        """Why the scheduler stopped the trial early, or None."""
        return self._stop_reason

    @property
    def resume_step(self) -> int:
        """The first step to run: 0 for a new configuration; for a promoted one, the step
        after its parent's last report (the parent's checkpoint holds the state there)."""
        if self._resume_step is None:
            last = None
            if self.parent is not None:
                last = self.storage.get_trial(self.study, self.parent).last_step
            self._resume_step = 0 if last is None else last + 1
        return self._resume_step

    @property
    def parent_directory(self) -> Path | None:
        """The folder of the trial this one continues (its checkpoint), or None."""
        return None if self.parent is None else self._folder(self.parent)

    def set_attr(self, key: str, value: Any) -> None:
        """Stores a JSON-serializable attribute on the trial (shown by ``tunesmith trials``)."""
        self.storage.set_trial_attrs(self.study, self.number, {key: value})

    @property
    def directory(self) -> Path:
        """This trial's own folder for checkpoints and files (created on first use):
        ``<artifacts>/trial-<number>``, see :class:`~tunesmith.Tuner`'s ``artifacts``."""
        return self._folder(self.number)

    def _folder(self, number: int) -> Path:
        root = self._artifacts
        if root is None:
            root = Path(tempfile.gettempdir()) / "tunesmith-artifacts" / self.study
        path = root / f"trial-{number}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- mid-run changes (execution/_changes.py) ------------------------------------------
    def changeable(self, *names: str) -> None:
        """Declares the hyperparameters this training loop can change mid-run (learning
        rate, momentum, weight decay, dropout, batch size ...); a change of any other is
        refused. Call it once the names are defined."""
        self._changes.declare(names)

    def poll_changes(self, step: int) -> dict[str, Value]:
        """At a step boundary: the changes asked for since the last call, now in force
        from ``step`` on (recorded in the trial's ``schedule``); empty when none."""
        return self._changes.poll(step)

    @property
    def current_values(self) -> dict[str, Value]:
        """The values in force now: ``values`` with every accepted change applied."""
        return dict(self._changes.current)

    @functools.cached_property
    def _changes(self) -> ChangeFeed:
        return ChangeFeed(self)

    def record(self) -> Trial:
        """The trial as the storage holds it now."""
        return self.storage.get_trial(self.study, self.number)

    def __repr__(self) -> str:
        return f"RunningTrial(number={self.number}, values={self.values!r})"


def objective_value(result: Any, objective: Objective) -> tuple[float | None, str | None]:
    """Reads an objective function's return value: (value, None) or (None, why it failed)."""
    if isinstance(result, Mapping):
        if objective.name not in result:
            return None, (
                f"the objective returned a dict without {objective.name!r} "
                f"(keys: {sorted(result)}); include it, or change Objective's name"
            )
        result = result[objective.name]
    if result is None:
        return None, (
            f"the objective returned None; return the metric ({objective.name}), e.g. "
            f"`return {objective.name}`, or a dict that contains it"
        )
    value = _scalar(result)
    if value is None:
        return None, (
            f"the objective returned {result!r}, which is not a number; return "
            f"{objective.name} as a float"
        )
    if not math.isfinite(value):
        return None, f"the objective returned {value} (non-finite: the run diverged?)"
    return value, None
