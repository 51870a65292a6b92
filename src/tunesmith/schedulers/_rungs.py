"""The rungs view: each configuration's path through a schedule, and why it ended."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from tunesmith.space import Value
from tunesmith.trial import Trial, TrialState


@dataclasses.dataclass(frozen=True)
class RungRun:
    """One trial of a configuration's path: the rung it ran and how it went.

    Attributes:
        trial: The trial's number.
        rung: Its rung in the bracket (None outside a schedule).
        budget: The budget it ran to.
        state: How it ended (FAILED for an attempt whose worker died, run again after).
        value: Its value at that budget.
        first_step: Its first reported step (the parent's steps are not repeated).
        last_step: Its last reported step.
    """

    trial: int
    rung: int | None
    budget: float | None
    state: TrialState
    value: float | None
    first_step: int | None
    last_step: int | None


@dataclasses.dataclass(frozen=True)
class ConfigurationPath:
    """A configuration from its first trial to its last promotion.

    Attributes:
        values: The configuration.
        bracket: Its bracket (``"iteration/s"`` for Hyperband, ``"asha"``), or None.
        runs: Its trials in order, failed attempts included.
        outcome: Why it went no further, in words.
    """

    values: Mapping[str, Value]
    bracket: str | None
    runs: tuple[RungRun, ...]
    outcome: str

    @property
    def last(self) -> RungRun:
        return self.runs[-1]


def _run(t: Trial) -> RungRun:
    rung = t.attrs.get("rung")
    return RungRun(
        trial=t.number,
        rung=rung if isinstance(rung, int) else None,
        budget=t.budget,
        state=t.state,
        value=t.value,
        first_step=t.reports[0].step if t.reports else None,
        last_step=t.last_step,
    )


def _bracket(t: Trial) -> str | None:
    bracket = t.attrs.get("bracket")
    if bracket is None:
        return None
    if "iteration" in t.attrs:
        return f"{t.attrs['iteration']}/{bracket}"
    return str(bracket)


def _outcome(last: Trial, highest: Mapping[str | None, int]) -> str:
    rung: Any = last.attrs.get("rung")
    where = f"at rung {rung} (budget {last.budget:g})" if rung is not None else ""
    if last.state is TrialState.RUNNING:
        return f"running {where}".strip()
    if last.state is TrialState.WAITING:
        return "waiting"
    if last.state is TrialState.FAILED:
        return f"failed {where}: {last.error}".replace("  ", " ")
    if "stopped" in last.attrs:
        return f"stopped early at step {last.last_step}: {last.attrs['stopped']}"
    if rung is None:
        return str(last.state.value)
    if rung >= last.attrs.get("max_rung", rung):
        return f"reached the top rung {where}"
    if highest.get(_bracket(last), -1) > rung:
        return f"not promoted past rung {rung} (budget {last.budget:g})"
    return f"finished {where}; not promoted so far"


def rungs(trials: Sequence[Trial]) -> list[ConfigurationPath]:
    """Follows each configuration from trial to promoted trial (``parent`` links).

    Args:
        trials: A study's trials (``tuner.trials``, ``storage.list_trials(study)``).

    Returns:
        One path per configuration, in the order the configurations started.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.schedulers import SuccessiveHalving, rungs
        >>> def objective(trial):
        ...     x = trial.hp.Float("x", 0.0, 1.0)
        ...     for step in range(trial.resume_step, trial.budget):
        ...         trial.report(x * (step + 1), step=step)
        ...     return x * trial.budget
        >>> tuner = Tuner("score", scheduler=SuccessiveHalving(9), seed=0)
        >>> _ = tuner.search(objective, progress=False)
        >>> paths = rungs(tuner.trials)
        >>> [len(p.runs) for p in paths].count(3), len(paths)
        (1, 9)
        >>> paths[0].outcome.startswith(("not promoted", "reached the top"))
        True
    """
    by_number = {t.number: t for t in trials}
    children: dict[int, list[Trial]] = {}
    for t in trials:
        if t.parent is not None and t.parent in by_number:
            children.setdefault(t.parent, []).append(t)
    highest: dict[str | None, int] = {}
    for t in trials:
        rung = t.attrs.get("rung")
        if isinstance(rung, int) and t.state is not TrialState.FAILED:
            key = _bracket(t)
            highest[key] = max(highest.get(key, -1), rung)
    paths = []
    for t in trials:
        if t.parent is not None and t.parent in by_number:
            continue
        runs = [t]
        node = t
        while True:
            kids = children.get(node.number, [])
            failed = [k for k in kids if k.state is TrialState.FAILED]
            runs.extend(failed)
            live = [k for k in kids if k.state is not TrialState.FAILED]
            if not live:
                break
            node = live[0]
            runs.append(node)
        # A continuation that failed and was not run again ends the path.
        last = runs[-1] if runs[-1].state is TrialState.FAILED else node
        paths.append(
            ConfigurationPath(
                values=dict(t.values),
                bracket=_bracket(t),
                runs=tuple(_run(r) for r in runs),
                outcome=_outcome(last, highest),
            )
        )
    return paths
