"""The babysitting view: one trial's curves so far, its schedule of changes, the toolkit's
diagnostics and an estimate of the time left. Data first (:func:`watch_data`, testable
without a terminal), then drawn with rich (:func:`render`)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tunesmith.execution._changes import (
    REFUSED_ATTR,
    REQUESTS_ATTR,
    SCHEDULE_ATTR,
    lineage,
    values_at,
)
from tunesmith.trial import Trial, TrialState, utcnow

if TYPE_CHECKING:
    from rich.console import RenderableType

    from tunesmith.storage import Storage

_BARS = "▁▂▃▄▅▆▇█"
_DIAG_COLUMNS = ("grad_norm", "dead_fraction", "act_mean", "act_std")
_DIAGNOSTIC = re.compile(r"^(grad_norm|dead_fraction|act_mean|act_std)_(\d+)$")


@dataclasses.dataclass(frozen=True)
class WatchData:
    """What the babysitting view shows of one trial.

    Attributes:
        trial: The trial's record.
        objective: The objective's name.
        curves: Per metric (objective, loss, val_loss, learning_rate): (step, value) pairs.
        current: The values in force at the last step (the schedule applied).
        schedule: The accepted changes: ``{"step", "values", "source"}``.
        refused: The refused changes with their reasons.
        pending: Requests not yet picked up by the training loop.
        diagnostics: Per layer index: the last step's gradient norm, dead fraction,
            activation mean and standard deviation.
        lineage: The trial's ancestors and itself, as trial numbers (oldest first).
        eta_seconds: Estimated seconds to the trial's planned last step, or None.
    """

    trial: Trial
    objective: str
    curves: dict[str, list[tuple[int, float]]]
    current: dict[str, Any]
    schedule: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    diagnostics: dict[int, dict[str, float]]
    lineage: list[int]
    eta_seconds: float | None


def watch_data(storage: Storage, study: str, number: int) -> WatchData:
    """Reads what the view shows of trial ``number`` (one read of the study's trials)."""
    objective = storage.load_study(study).objective.name
    chain = lineage(storage, study, number)
    trial = chain[-1]
    curves: dict[str, list[tuple[int, float]]] = {objective: []}
    for name in ("loss", "val_loss", "learning_rate"):
        if name != objective:
            curves[name] = []
    for r in trial.reports:
        if r.value is not None:
            curves[objective].append((r.step, r.value))
        for name in curves:
            if name != objective and name in r.metrics:
                curves[name].append((r.step, r.metrics[name]))
    diagnostics: dict[int, dict[str, float]] = {}
    if trial.reports:
        for key, value in trial.reports[-1].metrics.items():
            m = _DIAGNOSTIC.match(key)
            if m:
                diagnostics.setdefault(int(m.group(2)), {})[m.group(1)] = value
    schedule = list(trial.attrs.get(SCHEDULE_ATTR, []))
    refused = list(trial.attrs.get(REFUSED_ATTR, []))
    handled = {c.get("request") for c in schedule} | {c.get("request") for c in refused}
    pending = [r for r in trial.attrs.get(REQUESTS_ATTR, []) if r["id"] not in handled]
    return WatchData(
        trial=trial,
        objective=objective,
        curves={k: v for k, v in curves.items() if v or k == objective},
        current=values_at(trial, trial.last_step or 0),
        schedule=schedule,
        refused=refused,
        pending=pending,
        diagnostics={k: diagnostics[k] for k in sorted(diagnostics)},
        lineage=[t.number for t in chain],
        eta_seconds=_eta(trial),
    )


def _eta(trial: Trial) -> float | None:
    """Seconds per step so far times the steps left to the planned ``epochs``."""
    planned = trial.attrs.get("epochs", trial.budget)
    if trial.state is not TrialState.RUNNING or planned is None or not trial.reports:
        return None
    started, last = trial.started_at, trial.heartbeat_at
    steps_here = len(trial.reports)
    if started is None or last is None or steps_here == 0:
        return None
    per_step = (last - started).total_seconds() / steps_here
    left = int(planned) - 1 - trial.reports[-1].step
    return max(0.0, per_step * left)


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """The values as a line of block characters (the last ``width`` of them).

    Example:
        >>> sparkline([1, 2, 3, 4])
        '▁▃▆█'
    """
    finite = [v for v in values[-width:] if math.isfinite(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = hi - lo or 1.0
    return "".join(
        _BARS[min(int((v - lo) / span * len(_BARS)), len(_BARS) - 1)] if math.isfinite(v) else " "
        for v in values[-width:]
    )


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def render(data: WatchData) -> RenderableType:
    """The view as a rich renderable (a panel of tables)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    t = data.trial
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("state", t.state.value)
    head.add_row("step", "-" if t.last_step is None else str(t.last_step))
    if data.eta_seconds is not None:
        head.add_row("time left", f"~{data.eta_seconds:.0f} s")
    if len(data.lineage) > 1:
        head.add_row("lineage", " → ".join(f"#{n}" for n in data.lineage))
    if t.value is not None:
        head.add_row("value", _fmt(t.value))
    if t.error:
        head.add_row("error", t.error)

    curves = Table(title="curves so far", expand=False)
    for col in ("metric", "first", "last", "best", "curve"):
        curves.add_column(col)
    for name, points in data.curves.items():
        values = [v for _, v in points]
        if not values:
            curves.add_row(name, "-", "-", "-", "")
            continue
        best = min(values) if "loss" in name or name == "learning_rate" else max(values)
        curves.add_row(name, _fmt(values[0]), _fmt(values[-1]), _fmt(best), sparkline(values))

    in_force = Table(title="hyperparameters in force")
    for col in ("name", "value", "changeable"):
        in_force.add_column(col)
    declared = set(t.attrs.get("changeable", []))
    for name, value in data.current.items():
        in_force.add_row(name, _fmt(value), "yes" if name in declared else "")

    parts: list[Any] = [head, curves, in_force]
    if data.schedule or data.refused or data.pending:
        changes = Table(title="changes")
        for col in ("from step", "change", "by", "status"):
            changes.add_column(col)
        for c in data.schedule:
            changes.add_row(str(c["step"]), _assign(c["values"]), c.get("source", ""), "applied")
        for c in data.pending:
            changes.add_row("next", _assign(c["values"]), c.get("source", ""), "pending")
        for c in data.refused:
            changes.add_row(str(c["step"]), "", "", f"refused: {c['error']}")
        parts.append(changes)
    if data.diagnostics:
        diag = Table(title="diagnostics (last step)")
        for col in ("layer", *_DIAG_COLUMNS):
            diag.add_column(col)
        for index, d in data.diagnostics.items():
            diag.add_row(
                str(index),
                *(_fmt(d[k]) if k in d else "-" for k in _DIAG_COLUMNS),
            )
        parts.append(diag)
    title = f"trial {t.number} · {data.objective}"
    return Panel(Group(*parts), title=title, subtitle=f"{utcnow():%H:%M:%S} UTC")


def _assign(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
