"""The study report: one self-contained HTML page with every plot, importance, the notes'
tiers compared, and the best trial's configuration.

:func:`report_data` computes everything (plain data, testable without plotting);
:func:`render_report` draws it with plotly and inlines plotly.js once, so the page opens
offline.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
from pathlib import Path
from typing import TYPE_CHECKING

from tunesmith.analysis._contour import ContourData, contour_data
from tunesmith.analysis._curves import CurvesData, curves_data
from tunesmith.analysis._encoding import encode
from tunesmith.analysis._history import HistoryData, history_data
from tunesmith.analysis._importance import Importance, importance
from tunesmith.analysis._output import output_path
from tunesmith.analysis._parallel import ParallelData, parallel_data
from tunesmith.analysis._snapshot import Snapshot, load_snapshot
from tunesmith.analysis._surrogate import fit_forest
from tunesmith.analysis._tiers import TierComparison, compare_tiers
from tunesmith.trial import Trial, TrialState

if TYPE_CHECKING:
    from tunesmith.storage import Storage


@dataclasses.dataclass(frozen=True)
class ReportData:
    """Everything the report shows.

    Attributes:
        snapshot: The study and its trials as read.
        counts: Trials per state name.
        best: The best trial, if any finished with a value.
        importance: Functional-ANOVA importance (None with fewer than 2 finished trials).
        quick_importance: Binned-variance importance, the cross-check.
        tiers: The measured ranking against the notes' tiers (None without importance).
        history, curves, parallel: The plots' data.
        contour: Slices and contour of the top two parameters (None without importance).
    """

    snapshot: Snapshot
    counts: dict[str, int]
    best: Trial | None
    importance: Importance | None
    quick_importance: Importance | None
    tiers: TierComparison | None
    history: HistoryData
    curves: CurvesData
    parallel: ParallelData
    contour: ContourData | None


def report_data(snapshot: Snapshot, *, seed: int = 0) -> ReportData:
    """Computes the report's contents from a snapshot (one surrogate, shared).

    Args:
        snapshot: The study and its trials (running ones included).
        seed: Seeds the surrogate.

    Returns:
        The report's data.

    Raises:
        MissingDependencyError: scikit-learn is not installed.
    """
    counts = {s.value: 0 for s in TrialState}
    for t in snapshot.trials:
        counts[t.state.value] += 1
    encoded = encode(snapshot)
    result = quick = tiers = contour = None
    if len(encoded) >= 2 and encoded.names:
        forest = fit_forest(encoded, seed=seed)
        result = importance(snapshot, forest=forest)
        quick = importance(snapshot, method="binned")
        tiers = compare_tiers(result)
        contour = contour_data(snapshot, tuple(result.ranking[:2]), forest=forest)
    return ReportData(
        snapshot=snapshot,
        counts={k: v for k, v in counts.items() if v},
        best=snapshot.best,
        importance=result,
        quick_importance=quick,
        tiers=tiers,
        history=history_data(snapshot),
        curves=curves_data(snapshot),
        parallel=parallel_data(snapshot),
        contour=contour,
    )


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.9em; }
.tunesmith-plot { margin: 1em 0 2em; }
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def _fmt(v: object) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _best_section(data: ReportData) -> str:
    best = data.best
    objective = data.snapshot.study.objective
    if best is None:
        return "<p>No trial has finished with a value yet.</p>"
    rows = "".join(
        f"<tr><th>{_e(k)}</th><td class='num'>{_e(_fmt(v))}</td></tr>"
        for k, v in best.values.items()
    )
    duration = f", ran {best.duration.total_seconds():.1f} s" if best.duration else ""
    return (
        f"<p>Trial {best.number} ({best.state.value}{duration}): "
        f"<b>{_e(objective.name)} = {_e(_fmt(best.value))}</b></p>"
        f"<table id='best-config'>{rows}</table>"
    )


def _importance_section(data: ReportData) -> str:
    result, quick, tiers = data.importance, data.quick_importance, data.tiers
    if result is None or quick is None or tiers is None:
        return "<p>Importance needs at least two finished trials with a value.</p>"
    head = (
        "<tr><th>rank</th><th>parameter</th><th>fANOVA share</th><th>± over trees</th>"
        "<th>binned share</th><th>notes' role</th><th>notes' tier</th></tr>"
    )
    rows = "".join(
        f"<tr><td class='num'>{r.rank}</td><td>{_e(r.name)}</td>"
        f"<td class='num'>{r.score:.1%}</td><td class='num'>{result.spread[r.name]:.1%}</td>"
        f"<td class='num'>{quick.scores[r.name]:.1%}</td>"
        f"<td>{_e(r.role or '-')}</td><td>{_e(r.tier or '-')}</td></tr>"
        for r in tiers.rows
    )
    pairs = "".join(
        f"<tr><td>{_e(a)} x {_e(b)}</td><td class='num'>{v:.1%}</td></tr>"
        for (a, b), v in list(result.pairs.items())[:5]
    )
    findings = "".join(f"<li>{_e(f)}</li>" for f in tiers.findings)
    return (
        f"<p class='note'>Share of the objective's variance each parameter explains alone, "
        f"from a random forest fitted to {result.n_fitted} of {result.n_trials} finished "
        "trials in unit space "
        "(functional ANOVA, computed exactly over the trees); the binned share is the quick "
        "cross-check. Tiers are guessed from the names (see tunesmith.analysis._tiers).</p>"
        f"<table id='importance-table'>{head}{rows}</table>"
        f"<h3>Against the notes' tiers</h3><ul id='tier-findings'>{findings}</ul>"
        + (
            f"<h3>Strongest interactions</h3><table id='pairs-table'>"
            f"<tr><th>pair</th><th>share</th></tr>{pairs}</table>"
            if pairs
            else ""
        )
    )


def render_report(data: ReportData) -> str:
    """The report as one HTML page with plotly.js inlined.

    Raises:
        MissingDependencyError: plotly is not installed.
    """
    from tunesmith.analysis.plots import _plotly as backend

    study = data.snapshot.study
    figures = []
    if data.importance is not None:
        figures.append(("importance", backend.importance_figure(data.importance, data.tiers)))
    figures.append(("parallel", backend.parallel_figure(data.parallel)))
    figures.append(("history", backend.history_figure(data.history)))
    figures.append(("curves", backend.curves_figure(data.curves)))
    if data.contour is not None:
        figures.append(("contour", backend.contour_figure(data.contour)))
    plots = "".join(
        f"<div class='tunesmith-plot'>{backend.figure_div(fig, f'plot-{kind}')}</div>"
        for kind, fig in figures
    )
    counts = ", ".join(f"{n} {s}" for s, n in data.counts.items()) or "no trials"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>tunesmith report: {_e(study.name)}</title><style>{_STYLE}</style>"
        f"<script>{backend.plotly_js()}</script></head><body>"
        f"<h1>Study {_e(study.name)}</h1>"
        f"<p>Objective: {_e(study.objective.name)} ({_e(study.objective.direction)}); "
        f"trials: {_e(counts)}. <span class='note'>Written {now}.</span></p>"
        f"<h2>Best trial</h2>{_best_section(data)}"
        f"<h2>What drives {_e(study.objective.name)}</h2>{_importance_section(data)}"
        f"<h2>Plots</h2>{plots}</body></html>"
    )


def write_report(storage: Storage, study: str, path: str | Path | None = None) -> Path:
    """Writes a study's report as one self-contained HTML page.

    Args:
        storage: Where the study is kept (only read; running studies are fine).
        study: The study's name.
        path: The file to write; ``<study>-report.html`` in the current folder if None.

    Returns:
        The file written.

    Raises:
        StudyNotFoundError: no study of that name.
        MissingDependencyError: plotly or scikit-learn is not installed.
    """
    out = output_path(path, f"{study}-report.html", storage, "report")
    data = report_data(load_snapshot(storage, study))
    out.write_text(render_report(data), encoding="utf-8")
    return out
