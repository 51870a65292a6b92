"""Static plots with matplotlib (PNG), drawn without pyplot so no global state is touched."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.analysis._deps import require
from tunesmith.analysis.plots._common import (
    BEST_COLOR,
    STATE_COLORS,
    TIER_COLORS,
    best_last,
    joined,
)

if TYPE_CHECKING:
    from tunesmith.analysis._contour import ContourData
    from tunesmith.analysis._curves import CurvesData
    from tunesmith.analysis._history import HistoryData
    from tunesmith.analysis._importance import Importance
    from tunesmith.analysis._parallel import ParallelData
    from tunesmith.analysis._tiers import TierComparison

_WHAT = "plot(format='png')"


def _figure(width: float, height: float) -> Any:
    figure = require("matplotlib.figure", _WHAT)
    return figure.Figure(figsize=(width, height), layout="constrained")


def _cmap(reverse: bool) -> Any:
    colormaps = require("matplotlib", _WHAT).colormaps
    return colormaps["viridis_r" if reverse else "viridis"]


def _finish(ax: Any, title: str, x: str, y: str) -> None:
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)


def parallel_figure(data: ParallelData) -> Any:
    """One line per trial, coloured by the objective; each axis on its parameter's scale."""
    collections = require("matplotlib.collections", _WHAT)
    colors = require("matplotlib.colors", _WHAT)
    n_axes = len(data.axes) + 1
    fig = _figure(max(6.0, 1.6 * n_axes), 5.0)
    ax = fig.add_subplot()
    order = best_last(data.values, data.objective)
    v = data.values[order]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    span = hi - lo or 1.0
    columns = [(a.coords[order] - a.lo) / ((a.hi - a.lo) or 1.0) for a in data.axes]
    columns.append((v - lo) / span)
    ys = np.column_stack(columns) if len(v) else np.empty((0, n_axes))
    xs = np.arange(n_axes)
    segments = np.stack([np.broadcast_to(xs, ys.shape), ys], axis=-1)
    norm = colors.Normalize(lo, hi)
    cmap = _cmap(data.objective.direction == "min")
    lines = collections.LineCollection(
        segments, array=v, cmap=cmap, norm=norm, linewidths=0.8, alpha=0.5
    )
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label=data.objective.name)
    for i, a in enumerate(data.axes):
        ax.axvline(i, color="black", linewidth=0.8)
        for t, label in zip(a.ticks, a.tick_labels, strict=True):
            y = (t - a.lo) / ((a.hi - a.lo) or 1.0)
            ax.text(i + 0.03, y, label, fontsize=7, va="center")
    ax.axvline(n_axes - 1, color="black", linewidth=0.8)
    for y, value in zip((0.0, 1.0), (lo, hi), strict=True):
        ax.text(n_axes - 1 + 0.03, y, f"{value:.4g}", fontsize=7, va="center")
    ax.set_xticks(xs, [a.label for a in data.axes] + [data.objective.name], rotation=20)
    ax.set_yticks([])
    ax.set_xlim(-0.1, n_axes - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"Parallel coordinates: {len(v)} trials")
    return fig


def importance_figure(result: Importance, tiers: TierComparison | None = None) -> Any:
    """Horizontal bars of each parameter's share of the variance, coloured by tier."""
    names = list(result.scores)[::-1]
    fig = _figure(7.0, max(2.5, 0.8 + 0.35 * len(names)))
    ax = fig.add_subplot()
    role = {r.name: r.tier for r in tiers.rows} if tiers else {}
    ax.barh(
        names,
        [result.scores[n] for n in names],
        xerr=[result.spread[n] for n in names],
        color=[TIER_COLORS[role.get(n)] for n in names],
    )
    ax.set_xlabel("fraction of the objective's variance")
    ax.set_title(f"Importance ({result.method}, {result.n_trials} trials)")
    return fig


def history_figure(data: HistoryData) -> Any:
    """Each finished trial's value by trial number, with the best so far."""
    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot()
    states = np.array(data.states)
    for state in ("completed", "stopped"):
        mask = states == state
        if mask.any():
            ax.scatter(
                data.numbers[mask],
                data.values[mask],
                s=6,
                alpha=0.5,
                color=STATE_COLORS[state],
                label=state,
            )
    ax.step(data.numbers, data.best_so_far, where="post", color=BEST_COLOR, label="best so far")
    _finish(ax, f"Optimization history ({data.objective.direction})", "trial", data.objective.name)
    return fig


def curves_figure(data: CurvesData) -> Any:
    """Every trial's reported objective by step; stopped trials end in a cross."""
    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot()
    for state, curves in data.by_state().items():
        x, y, _ = joined(curves)
        color = STATE_COLORS[state]
        ax.plot(x, y, color=color, linewidth=0.7, alpha=0.5, label=f"{state} ({len(curves)})")
        if state in ("stopped", "running"):
            ax.scatter(
                [c.steps[-1] for c in curves],
                [c.values[-1] for c in curves],
                marker="x" if state == "stopped" else "o",
                s=14,
                color=color,
            )
    best = data.best
    if best is not None:
        ax.plot(
            best.steps, best.values, color=BEST_COLOR, linewidth=2, label=f"best: {best.number}"
        )
    changes = data.changes()
    if changes:
        ax.scatter(
            [step for _, step, _ in changes],
            [c.value_at(step) for c, step, _ in changes],
            marker="^",
            s=30,
            color="black",
            label="hyperparameter changed",
            zorder=3,
        )
    _finish(ax, f"Learning curves: {len(data.curves)} trials", "step", data.objective.name)
    return fig


def contour_figure(data: ContourData) -> Any:
    """Slices of the top parameters and the surrogate's contour over the top two."""
    cols = len(data.slices) + (1 if data.z is not None else 0)
    fig = _figure(4.5 * cols, 4.0)
    axes = fig.subplots(1, cols, squeeze=False)[0]
    for ax, s in zip(axes, data.slices, strict=False):
        ax.scatter(s.axis.coords, s.values, s=5, alpha=0.4, color=STATE_COLORS["completed"])
        ax.plot(s.grid, s.mean, color=BEST_COLOR, linewidth=2, label="surrogate mean")
        ax.set_xticks(s.axis.ticks, s.axis.tick_labels, fontsize=7)
        ax.set_xlabel(s.axis.label)
        ax.set_ylabel(data.objective.name)
    if data.z is not None:
        a, b = data.slices
        ax = axes[-1]
        filled = ax.contourf(
            a.grid, b.grid, data.z, levels=15, cmap=_cmap(data.objective.direction == "min")
        )
        fig.colorbar(filled, ax=ax, label=data.objective.name)
        ax.scatter(
            a.axis.coords, b.axis.coords, s=3, color="white", edgecolors="black", linewidths=0.3
        )
        ax.set_xticks(a.axis.ticks, a.axis.tick_labels, fontsize=7)
        ax.set_yticks(b.axis.ticks, b.axis.tick_labels, fontsize=7)
        ax.set_xlabel(a.axis.label)
        ax.set_ylabel(b.axis.label)
    return fig


def write_png(fig: Any, path: str | Path, *, dpi: int = 110) -> Path:
    """Writes a figure as PNG (through the Agg canvas, whatever pyplot's backend is)."""
    backend = require("matplotlib.backends.backend_agg", _WHAT)
    path = Path(path)
    backend.FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, format="png")
    return path
