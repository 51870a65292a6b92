"""History, curves, parallel coordinates and slices: the plain data behind the plots."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith import Float, InMemoryStorage, Objective, SearchSpace, TrialState
from tunesmith.analysis import (
    contour_data,
    curves_data,
    history_data,
    load_snapshot,
    parallel_data,
)
from tunesmith.exceptions import InvalidArgumentError


class TestParallel:
    def test_log_parameter_gets_a_log_axis(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=50), "synthetic")
        data = parallel_data(snapshot)
        axis = {a.name: a for a in data.axes}["learning_rate"]
        lrs = np.array([t.values["learning_rate"] for t in snapshot.finished])
        assert axis.scale == "log"
        assert axis.coords == pytest.approx(np.log10(lrs))
        assert (axis.lo, axis.hi) == pytest.approx((-5.0, -1.0))
        assert axis.ticks == (-5.0, -4.0, -3.0, -2.0, -1.0)
        assert axis.tick_labels == ("1e-05", "0.0001", "0.001", "0.01", "0.1")
        assert "(log)" in axis.label

    def test_reverse_log_axis_spaces_nines_evenly(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=50), "synthetic")
        axis = {a.name: a for a in parallel_data(snapshot).axes}["beta_1"]
        betas = np.array([t.values["beta_1"] for t in snapshot.finished])
        assert axis.scale == "reverse_log"
        assert axis.coords == pytest.approx(-np.log10(1 - betas))
        assert axis.tick_labels == ("0.9", "0.99", "0.999")
        assert axis.ticks == (1.0, 2.0, 3.0)

    def test_linear_and_categorical_axes(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=50), "synthetic")
        axes = {a.name: a for a in parallel_data(snapshot).axes}
        units = np.array([t.values["units"] for t in snapshot.finished])
        assert axes["units"].scale == "linear"
        assert axes["units"].coords == pytest.approx(units)
        act = axes["activation"]
        assert act.scale == "categorical"
        assert act.tick_labels == ("relu", "gelu", "selu")
        names = [t.values["activation"] for t in snapshot.finished]
        assert act.coords.tolist() == [float(["relu", "gelu", "selu"].index(n)) for n in names]

    def test_inactive_values_get_their_own_tick(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=60, conditional=True), "synthetic")
        axis = {a.name: a for a in parallel_data(snapshot).axes}["momentum"]
        assert axis.tick_labels[0] == "inactive"
        inactive = [t.values.get("momentum") is None for t in snapshot.finished]
        assert any(inactive) and not all(inactive)
        assert np.all(axis.coords[inactive] == axis.ticks[0])
        assert np.all(axis.coords[~np.array(inactive)] > axis.ticks[0])

    def test_only_finished_trials_are_lines(self, memory_study) -> None:
        storage = memory_study(n_trials=40, running=3, failed_every=10)
        data = parallel_data(load_snapshot(storage, "synthetic"))
        assert len(data.numbers) == len(
            [t for t in storage.list_trials("synthetic") if t.has_value]
        )
        assert all(len(a.coords) == len(data.numbers) for a in data.axes)


class TestHistoryAndCurves:
    def test_best_so_far_follows_the_direction(self) -> None:
        storage = InMemoryStorage()
        storage.create_study("acc", Objective("val_accuracy"))
        for v in (0.5, 0.7, 0.6, 0.9):
            t = storage.create_trial("acc")
            storage.finish_trial("acc", t.number, TrialState.COMPLETED, value=v)
        t = storage.create_trial("acc")
        storage.finish_trial("acc", t.number, TrialState.FAILED, error="x")
        data = history_data(load_snapshot(storage, "acc"))
        assert data.best_so_far.tolist() == [0.5, 0.7, 0.7, 0.9]
        assert data.n_failed == 1 and data.n_running == 0

    def test_curves_include_running_and_stopped_trials(self, memory_study) -> None:
        storage = memory_study(n_trials=20, running=2, stopped_every=4)
        data = curves_data(load_snapshot(storage, "synthetic"))
        groups = data.by_state()
        assert len(groups["running"]) == 2
        assert len(groups["stopped"]) == 4
        assert all(len(c.steps) == 2 for c in groups["stopped"])
        best = storage.best_trial("synthetic")
        assert data.best is not None and data.best.number == best.number


class TestContour:
    def test_top_two_parameters_by_default(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=200), "synthetic")
        data = contour_data(snapshot)
        assert [s.axis.name for s in data.slices] == ["learning_rate", "beta_1"]
        lr, beta = data.slices
        assert data.z is not None and data.z.shape == (len(beta.grid), len(lr.grid))
        # The surrogate's valley sits near lr = 1e-3 (coordinate -3).
        assert abs(lr.grid[int(np.argmin(lr.mean))] + 3.0) < 0.5
        assert np.all(np.diff(lr.grid) > 0)

    def test_categorical_slice_uses_indices(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=60), "synthetic")
        data = contour_data(snapshot, ("activation",))
        assert data.z is None
        assert data.slices[0].grid.tolist() == [0.0, 1.0, 2.0]
        assert not any(math.isnan(m) for m in data.slices[0].mean)

    def test_unknown_parameter_is_refused(self, memory_study) -> None:
        snapshot = load_snapshot(memory_study(n_trials=10), "synthetic")
        with pytest.raises(InvalidArgumentError, match=r"'lr' is not a parameter of study"):
            contour_data(snapshot, ("lr", "beta_1"))

    def test_needs_finished_trials(self) -> None:
        storage = InMemoryStorage()
        storage.create_study("s", Objective("loss"), SearchSpace([Float("x", 0.0, 1.0)]))
        with pytest.raises(InvalidArgumentError, match=r"needs at least 2 finished trials"):
            contour_data(load_snapshot(storage, "s"))
