"""Interactive plots with plotly; HTML files embed plotly.js so they open offline."""

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
    colorscale_reversed,
    joined,
)

if TYPE_CHECKING:
    from tunesmith.analysis._contour import ContourData
    from tunesmith.analysis._curves import CurvesData
    from tunesmith.analysis._history import HistoryData
    from tunesmith.analysis._importance import Importance
    from tunesmith.analysis._parallel import ParallelAxis, ParallelData
    from tunesmith.analysis._tiers import TierComparison

_WHAT = "plot(format='html')"


def _go() -> Any:
    return require("plotly.graph_objects", _WHAT)


def _layout(title: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "template": "plotly_white",
        "margin": {"l": 70, "r": 30, "t": 60, "b": 50},
        **kwargs,
    }


def _xy_layout(title: str, x: str, y: str) -> dict[str, Any]:
    return _layout(title, xaxis={"title": {"text": x}}, yaxis={"title": {"text": y}})


def parallel_figure(data: ParallelData) -> Any:
    """One line per trial, coloured by the objective; each axis on its parameter's scale."""
    go = _go()
    order = best_last(data.values, data.objective)
    dims = [
        {
            "label": a.label,
            "values": a.coords[order],
            "range": [a.lo, a.hi],
            "tickvals": list(a.ticks),
            "ticktext": list(a.tick_labels),
        }
        for a in data.axes
    ]
    dims.append({"label": data.objective.name, "values": data.values[order]})
    trace = go.Parcoords(
        line={
            "color": data.values[order],
            "colorscale": "Viridis",
            "reversescale": colorscale_reversed(data.objective),
            "showscale": True,
            "colorbar": {"title": {"text": data.objective.name}},
        },
        dimensions=dims,
    )
    n = len(data.values)
    layout = _layout(f"Parallel coordinates: {n} trials, coloured by {data.objective.name}")
    layout["margin"] = {"l": 80, "r": 60, "t": 110, "b": 40}
    return go.Figure(trace, layout)


def importance_figure(result: Importance, tiers: TierComparison | None = None) -> Any:
    """Horizontal bars of each parameter's share of the variance, coloured by the notes'
    tier when ``tiers`` is given."""
    go = _go()
    names = list(result.scores)[::-1]
    role = {r.name: r for r in tiers.rows} if tiers else {}
    colors = [TIER_COLORS[role[n].tier if n in role else None] for n in names]
    text = [
        f"tier {role[n].tier}: {role[n].role}" if n in role and role[n].tier else "no tier"
        for n in names
    ]
    bars = go.Bar(
        x=[result.scores[n] for n in names],
        y=names,
        orientation="h",
        marker={"color": colors},
        error_x={"type": "data", "array": [result.spread[n] for n in names], "visible": True},
        hovertext=text,
        name="main effect",
    )
    label = {"fanova": "functional ANOVA (random-forest surrogate)", "binned": "binned variance"}
    return go.Figure(
        bars,
        _layout(
            f"Importance: {label[result.method]}, {result.n_trials} trials",
            xaxis={"title": {"text": "fraction of the objective's variance"}, "tickformat": ".0%"},
            height=max(300, 60 + 28 * len(names)),
        ),
    )


def history_figure(data: HistoryData) -> Any:
    """Each finished trial's value by trial number, with the best so far."""
    go = _go()
    traces = []
    states = np.array(data.states)
    for state in ("completed", "stopped"):
        mask = states == state
        if mask.any():
            traces.append(
                go.Scattergl(
                    x=data.numbers[mask],
                    y=data.values[mask],
                    mode="markers",
                    marker={"color": STATE_COLORS[state], "size": 5, "opacity": 0.6},
                    name=state,
                )
            )
    traces.append(
        go.Scatter(
            x=data.numbers,
            y=data.best_so_far,
            mode="lines",
            line={"color": BEST_COLOR, "shape": "hv", "width": 2},
            name="best so far",
        )
    )
    extra = f"; {data.n_failed} failed" if data.n_failed else ""
    extra += f"; {data.n_running} running" if data.n_running else ""
    title = f"Optimization history ({data.objective.direction} {data.objective.name}{extra})"
    return go.Figure(traces, _xy_layout(title, "trial", data.objective.name))


def curves_figure(data: CurvesData) -> Any:
    """Every trial's reported objective by step; stopped trials end in a cross."""
    go = _go()
    traces = []
    for state, curves in data.by_state().items():
        x, y, numbers = joined(curves)
        traces.append(
            go.Scattergl(
                x=x,
                y=y,
                customdata=numbers,
                mode="lines",
                line={"color": STATE_COLORS[state], "width": 1},
                opacity=0.5,
                name=f"{state} ({len(curves)})",
                hovertemplate="trial %{customdata}<br>step %{x}: %{y}<extra></extra>",
            )
        )
        if state in ("stopped", "running"):
            traces.append(
                go.Scattergl(
                    x=[c.steps[-1] for c in curves],
                    y=[c.values[-1] for c in curves],
                    mode="markers",
                    marker={
                        "color": STATE_COLORS[state],
                        "symbol": "x" if state == "stopped" else "circle-open",
                        "size": 6,
                    },
                    name=f"{state}: last report",
                )
            )
    best = data.best
    if best is not None:
        traces.append(
            go.Scatter(
                x=best.steps,
                y=best.values,
                mode="lines+markers",
                line={"color": BEST_COLOR, "width": 3},
                name=f"best: trial {best.number}",
            )
        )
    changes = data.changes()
    if changes:
        traces.append(
            go.Scatter(
                x=[step for _, step, _ in changes],
                y=[c.value_at(step) for c, step, _ in changes],
                text=[f"trial {c.number} from step {step}: {what}" for c, step, what in changes],
                mode="markers",
                marker={"symbol": "triangle-up", "size": 9, "color": "black"},
                name="hyperparameter changed",
                hovertemplate="%{text}<extra></extra>",
            )
        )
    title = f"Learning curves: {len(data.curves)} trials"
    return go.Figure(traces, _xy_layout(title, "step", data.objective.name))


def _ticks(axis: ParallelAxis) -> dict[str, Any]:
    """A parameter's axis title and ticks (values shown at their coordinates)."""
    return {
        "title_text": axis.label,
        "tickvals": list(axis.ticks),
        "ticktext": list(axis.tick_labels),
    }


def contour_figure(data: ContourData) -> Any:
    """Slices of the top parameters and the surrogate's contour over the top two."""
    go = _go()
    subplots = require("plotly.subplots", _WHAT)
    cols = len(data.slices) + (1 if data.z is not None else 0)
    titles = [f"slice: {s.axis.name}" for s in data.slices]
    if data.z is not None:
        titles.append(f"contour: {data.slices[0].axis.name} x {data.slices[1].axis.name}")
    fig = subplots.make_subplots(rows=1, cols=cols, subplot_titles=titles)
    name = data.objective.name
    for col, s in enumerate(data.slices, start=1):
        fig.add_trace(
            go.Scattergl(
                x=s.axis.coords,
                y=s.values,
                mode="markers",
                marker={"size": 4, "opacity": 0.5, "color": STATE_COLORS["completed"]},
                name=f"trials ({s.axis.name})",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=s.grid,
                y=s.mean,
                mode="lines",
                line={"color": BEST_COLOR, "width": 2},
                name="surrogate mean",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(**_ticks(s.axis), row=1, col=col)
        fig.update_yaxes(title_text=name, row=1, col=col)
    if data.z is not None:
        a, b = data.slices
        col = cols
        fig.add_trace(
            go.Contour(
                x=a.grid,
                y=b.grid,
                z=data.z,
                colorscale="Viridis",
                reversescale=colorscale_reversed(data.objective),
                colorbar={"title": {"text": name}},
                name="surrogate mean",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scattergl(
                x=a.axis.coords,
                y=b.axis.coords,
                mode="markers",
                marker={"size": 3, "color": "white", "line": {"width": 0.5, "color": "black"}},
                name="trials",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(**_ticks(a.axis), row=1, col=col)
        fig.update_yaxes(**_ticks(b.axis), row=1, col=col)
    fig.update_layout(
        **_layout(f"Slices and contour ({name})", height=460),
        legend={"orientation": "h", "x": 0.0, "y": -0.25},
    )
    return fig


def plotly_js() -> str:
    """plotly.js itself, to inline in a page."""
    offline = require("plotly.offline", _WHAT)
    return str(offline.get_plotlyjs())


def figure_div(fig: Any, div_id: str) -> str:
    """A figure as an HTML fragment (no plotly.js), for a page that inlines it once."""
    pio = require("plotly.io", _WHAT)
    return str(
        pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id,
            validate=False,
            config={"responsive": True, "displaylogo": False},
        )
    )


def write_html(fig: Any, path: str | Path) -> Path:
    """Writes one figure as a self-contained HTML file (plotly.js inlined)."""
    pio = require("plotly.io", _WHAT)
    path = Path(path)
    path.write_text(
        pio.to_html(fig, include_plotlyjs=True, full_html=True, validate=False), encoding="utf-8"
    )
    return path
