"""Trials as rows: for DataFrames, CSV and the summary table. Plain data, no plotting."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from tunesmith._validate import as_int
from tunesmith.analysis._output import output_path
from tunesmith.exceptions import MissingDependencyError
from tunesmith.trial import TrialState

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.storage import Storage
    from tunesmith.trial import Trial

_BASE_COLUMNS = [
    "number",
    "state",
    "value",
    "started_at",
    "finished_at",
    "duration_s",
    "last_step",
    "seed",
    "worker",
    "parent",
    "budget",
    "error",
]


def trial_rows(trials: Sequence[Trial], param_names: Sequence[str]) -> list[dict[str, Any]]:
    """One flat dict per trial: the record's fields, then ``hp_<name>`` per parameter, then
    the last reported value of each metric as ``metric_<name>``."""
    metric_names = sorted({m for t in trials for r in t.reports for m in r.metrics})
    rows = []
    for t in trials:
        d = t.duration
        row: dict[str, Any] = {
            "number": t.number,
            "state": t.state.value,
            "value": t.value,
            "started_at": t.started_at.isoformat() if t.started_at else None,
            "finished_at": t.finished_at.isoformat() if t.finished_at else None,
            "duration_s": None if d is None else d.total_seconds(),
            "last_step": t.last_step,
            "seed": t.seed,
            "worker": t.worker,
            "parent": t.parent,
            "budget": t.budget,
            "error": t.error,
        }
        for name in param_names:
            row[f"hp_{name}"] = t.values.get(name)
        for name in metric_names:
            series = t.metric(name)
            row[f"metric_{name}"] = series[max(series)] if series else None
        if t.attrs:
            row["attrs"] = json.dumps(dict(t.attrs), sort_keys=True)
        rows.append(row)
    return rows


def _rows(storage: Storage, study: str) -> list[dict[str, Any]]:
    names = storage.load_study(study).space.names
    return trial_rows(storage.list_trials(study), names)


def trials_dataframe(storage: Storage, study: str) -> pd.DataFrame:
    """All trials of a study as a pandas DataFrame, one row per trial.

    Raises:
        MissingDependencyError: pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            "trials_dataframe needs pandas. Install it with: pip install 'tunesmith[analysis]'"
        ) from None
    rows = _rows(storage, study)
    return pd.DataFrame(rows, columns=_columns(rows) or _BASE_COLUMNS)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def write_csv(storage: Storage, study: str, path: str | Path | None = None) -> str:
    """Writes all trials as CSV to ``path`` (and returns the text); needs no pandas."""
    out = None if path is None else output_path(path, f"{study}-trials.csv", storage, "trials")
    rows = _rows(storage, study)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_columns(rows) or _BASE_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    if out is not None:
        out.write_text(text, encoding="utf-8")
    return text


def summary_table(storage: Storage, study: str, n: int = 10) -> Table:
    """A rich table: the study's counts and its best ``n`` trials with their values."""
    as_int("summary_table", "n", n, 1)
    s = storage.load_study(study)
    trials = storage.list_trials(study)
    counts = {state: sum(t.state is state for t in trials) for state in TrialState}
    ranked = sorted(
        (t for t in trials if t.has_value),
        key=lambda t: (s.objective.sort_key(t.value), t.number),  # type: ignore[arg-type]
    )[:n]
    caption = ", ".join(f"{c} {st.value}" for st, c in counts.items() if c) or "no trials"
    table = Table(
        title=f"study {study!r}: best {len(ranked)} by {s.objective.name} "
        f"({s.objective.direction})",
        caption=caption,
    )
    table.add_column("trial", justify="right")
    table.add_column(s.objective.name, justify="right")
    names = s.space.names
    for name in names:
        table.add_column(name, justify="right")
    for t in ranked:
        table.add_row(
            str(t.number),
            f"{t.value:.6g}",
            *[_fmt(t.values.get(name)) for name in names],
        )
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def worker_table(storage: Storage, study: str) -> Table | None:
    """Trials per worker (and device), when more than one worker ran the study."""
    trials = storage.list_trials(study)
    by_worker: dict[str, list[Trial]] = {}
    for t in trials:
        if t.worker:
            by_worker.setdefault(t.worker, []).append(t)
    if len(by_worker) < 2:
        return None
    table = Table(title=f"study {study!r}: trials by worker")
    for col in ("worker", "device", "trials", "completed", "failed"):
        table.add_column(col, justify="left" if col in ("worker", "device") else "right")
    for worker, ts in by_worker.items():
        devices = sorted({str(t.attrs.get("device")) for t in ts if t.attrs.get("device")})
        table.add_row(
            worker,
            ", ".join(devices) or "-",
            str(len(ts)),
            str(sum(t.state is TrialState.COMPLETED for t in ts)),
            str(sum(t.state is TrialState.FAILED for t in ts)),
        )
    return table


def print_summary(
    storage: Storage, study: str, n: int = 10, console: Console | None = None
) -> None:
    console = console or Console()
    console.print(summary_table(storage, study, n))
    workers = worker_table(storage, study)
    if workers is not None:
        console.print(workers)
