"""Learning curves mark where a hyperparameter changed mid-run (the trial's schedule)."""

from __future__ import annotations

import math

from tunesmith import InMemoryStorage, Objective
from tunesmith.analysis import curves_data, load_snapshot
from tunesmith.analysis.plots import _matplotlib, _plotly


def _study() -> InMemoryStorage:
    storage = InMemoryStorage()
    storage.create_study("s", Objective("val_accuracy"))
    t = storage.create_trial("s", values={"learning_rate": 0.01})
    for step, v in enumerate([0.5, 0.6, 0.7, 0.8]):
        storage.report("s", t.number, step, v)
    change = {"step": 2, "values": {"learning_rate": 0.002}, "request": "r", "source": "user"}
    storage.append_trial_attr("s", t.number, "schedule", change)
    storage.create_trial("s")  # a trial without changes or reports
    return storage


def test_curves_carry_the_schedule_and_plots_mark_it() -> None:
    data = curves_data(load_snapshot(_study(), "s"))
    (curve,) = data.curves
    assert curve.changes == ((2, "learning_rate=0.002"),)
    assert [(c.number, step, what) for c, step, what in data.changes()] == [
        (0, 2, "learning_rate=0.002")
    ]
    assert curve.value_at(2) == 0.7 and curve.value_at(9) == 0.8
    assert math.isnan(curve.value_at(-1))
    names = [trace.name for trace in _plotly.curves_figure(data).data]
    assert "hyperparameter changed" in names
    ax = _matplotlib.curves_figure(data).axes[0]
    assert "hyperparameter changed" in [h.get_label() for h in ax.collections]
