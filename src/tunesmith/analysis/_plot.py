"""One plot of a study, by kind: its data, drawn with plotly (HTML) or matplotlib (PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tunesmith.analysis._contour import contour_data
from tunesmith.analysis._curves import curves_data
from tunesmith.analysis._history import history_data
from tunesmith.analysis._importance import importance
from tunesmith.analysis._output import output_path
from tunesmith.analysis._parallel import parallel_data
from tunesmith.analysis._snapshot import Snapshot, load_snapshot
from tunesmith.analysis._tiers import compare_tiers
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.trial import TrialState

if TYPE_CHECKING:
    from tunesmith.storage import Storage

PlotKind = Literal["parallel", "importance", "history", "curves", "contour"]
PlotFormat = Literal["html", "png"]
PLOT_KINDS: tuple[str, ...] = ("parallel", "importance", "history", "curves", "contour")
_FORMATS = ("html", "png")


def _backend(format: str) -> Any:
    if format not in _FORMATS:
        raise InvalidArgumentError(
            f"plot: unknown format, got format={format!r}. Use 'html' (interactive) or 'png'."
        )
    if format == "html":
        from tunesmith.analysis.plots import _plotly

        return _plotly
    from tunesmith.analysis.plots import _matplotlib

    return _matplotlib


#: Finished trials with a value each kind needs (contour checks its own).
_NEEDS = {"parallel": 1, "importance": 2, "history": 1, "curves": 0}


def _check_enough(snapshot: Snapshot, kind: str) -> None:
    """A plot of too few trials would be a blank figure: refused with the counts."""
    need = _NEEDS.get(kind)
    if need is None:
        return
    have = len(snapshot.finished)
    reported = sum(bool(t.reports) for t in snapshot.trials)
    enough = reported > 0 if kind == "curves" else have >= need
    if kind == "importance" and not snapshot.params:
        enough = False
    if not enough:
        failed = sum(t.state is TrialState.FAILED for t in snapshot.trials)
        what = (
            "a trial that reported a value (trial.report)"
            if kind == "curves"
            else f"{need} finished trial{'s' if need > 1 else ''} with a value"
            + (" and a parameter" if kind == "importance" else "")
        )
        raise InvalidArgumentError(
            f"plot {kind}: needs {what}; study {snapshot.study.name!r} has "
            f"{len(snapshot.trials)} trials, {have} with a value, {failed} failed. Run more "
            "trials first."
        )


def make_figure(snapshot: Snapshot, kind: PlotKind, *, format: PlotFormat = "html") -> Any:
    """One plot of a study: a plotly Figure (``"html"``) or a matplotlib Figure (``"png"``).

    Args:
        snapshot: The study and its trials.
        kind: ``"parallel"``, ``"importance"``, ``"history"``, ``"curves"`` or ``"contour"``
            (slices and contour of the two most important parameters).
        format: ``"html"`` (plotly) or ``"png"`` (matplotlib).

    Returns:
        The figure.

    Raises:
        InvalidArgumentError: an unknown kind or format, or too few trials for the kind.
        MissingDependencyError: the plotting library is not installed.
    """
    backend = _backend(format)
    _check_enough(snapshot, kind)
    if kind == "parallel":
        return backend.parallel_figure(parallel_data(snapshot))
    if kind == "importance":
        result = importance(snapshot)
        return backend.importance_figure(result, compare_tiers(result))
    if kind == "history":
        return backend.history_figure(history_data(snapshot))
    if kind == "curves":
        return backend.curves_figure(curves_data(snapshot))
    if kind == "contour":
        return backend.contour_figure(contour_data(snapshot))
    raise InvalidArgumentError(
        f"plot: unknown kind, got kind={kind!r}. Use one of {', '.join(PLOT_KINDS)}."
    )


def write_plot(
    storage: Storage,
    study: str,
    kind: PlotKind,
    path: str | Path | None = None,
    *,
    format: PlotFormat = "html",
) -> Path:
    """Writes one plot of a study to a file.

    Args:
        storage: Where the study is kept (only read).
        study: The study's name.
        kind: See :func:`make_figure`.
        path: The file to write; ``<study>-<kind>.<format>`` in the current folder if None.
        format: ``"html"`` (self-contained, works offline) or ``"png"``.

    Returns:
        The file written.
    """
    backend = _backend(format)
    if kind not in PLOT_KINDS:
        raise InvalidArgumentError(
            f"plot: unknown kind, got kind={kind!r}. Use one of {', '.join(PLOT_KINDS)}."
        )
    out = output_path(path, f"{study}-{kind}.{format}", storage, "plot")
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("html", "htm", "png") and (suffix == "png") != (format == "png"):
        raise InvalidArgumentError(
            f"plot: the file {str(out)!r} says {suffix} but format={format!r}. Pass "
            f"format={'png' if suffix == 'png' else 'html'!r}, or name a .{format} file."
        )
    fig = make_figure(load_snapshot(storage, study), kind, format=format)
    if format == "html":
        return backend.write_html(fig, out)  # type: ignore[no-any-return]
    return backend.write_png(fig, out)  # type: ignore[no-any-return]
