"""RunningTrial: the handle an objective function receives."""

from __future__ import annotations

import functools
import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.execution._changes import ChangeFeed
from tunesmith.space import HyperParameters, SearchSpace, Value

if TYPE_CHECKING:
    from tunesmith.storage import Storage
    from tunesmith.trial import Objective, Trial

#: Decides, after each report, whether the trial should stop early (a scheduler's hook).
StopRule = Callable[["RunningTrial", int, "float | None"], bool]


class RunningTrial:
    """One trial while it runs: its hyperparameters, its reports, its random generator.

    Objective code reads values with ``trial.hp`` (define-by-run), reports progress with
    ``trial.report(value, step)``, and asks ``trial.should_stop()`` at step boundaries.

    Attributes:
        number: The trial's number in the study.
        hp: The :class:`~tunesmith.space.HyperParameters` handle.
        seed: Seed of this trial; ``rng`` is a NumPy generator made from it. Seed your
            framework from it (``torch.manual_seed(trial.seed)``) for reproducible trials.
        study: The study's name.
        directory: A folder of the trial's own for checkpoints and other files.
        device: The device the worker running this trial is tied to (``"cuda:0"``), or
            None when the search did not assign devices.
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
        self._stop_rule = stop_rule
        self._should_stop = False
        self._last_step = record.last_step

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
        value = None if value is None else float(value)
        self.storage.report(self.study, self.number, step, value, metrics)
        self._last_step = step
        if self._stop_rule is not None and not self._should_stop:
            self._should_stop = self._stop_rule(self, step, value)

    def should_stop(self) -> bool:
        """True when the scheduler wants this trial ended; check it at step boundaries,
        then return the latest value: the trial is recorded as STOPPED."""
        return self._should_stop

    def set_attr(self, key: str, value: Any) -> None:
        """Stores a JSON-serializable attribute on the trial (shown by ``tunesmith trials``)."""
        self.storage.set_trial_attrs(self.study, self.number, {key: value})

    @property
    def directory(self) -> Path:
        """This trial's own folder for checkpoints and files (created on first use):
        ``<artifacts>/trial-<number>``, see :class:`~tunesmith.Tuner`'s ``artifacts``."""
        root = self._artifacts
        if root is None:
            root = Path(tempfile.gettempdir()) / "tunesmith-artifacts" / self.study
        path = root / f"trial-{self.number}"
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
    try:
        value = float(result)
    except (TypeError, ValueError):
        return None, (
            f"the objective returned {result!r}, which is not a number; return "
            f"{objective.name} as a float"
        )
    if not math.isfinite(value):
        return None, f"the objective returned {value} (non-finite: the run diverged?)"
    return value, None
