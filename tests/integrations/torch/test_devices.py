"""Workers tied to a device train there, and their promotions resume from that device's
checkpoints (``TUNESMITH_TEST_DEVICE=cuda`` runs this on a GPU)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

import tunesmith
from tunesmith.integrations.torch import Data, DenseHyperModel, _fit
from tunesmith.schedulers import ASHA

DEVICE = os.environ.get("TUNESMITH_TEST_DEVICE", "cpu")


class RecordsWhere(DenseHyperModel):
    """Records the device train() was asked for (None: it chose), and where the trained
    weights ended up."""

    def fit(self, hp: Any, model: Any, data: Any, trial: Any, **options: Any) -> float:
        asked: list[object] = []
        real = _fit.resolve_device
        _fit.resolve_device = lambda d=None: asked.append(d) or real(d)  # type: ignore[assignment]
        try:
            value = super().fit(hp, model, data, trial, **options)
        finally:
            _fit.resolve_device = real
        trial.set_attr("asked_for", [str(a) for a in asked])
        trial.set_attr("trained_on", str(next(model.parameters()).device))
        return value


def test_workers_sharing_a_device_train_and_resume_there(tmp_path: Path, digits: Data) -> None:
    tuner = tunesmith.Tuner(
        "val_accuracy",
        storage=f"sqlite:///{tmp_path}/d.db",
        study="d",
        scheduler=ASHA(3),
        seed=0,
        artifacts=tmp_path,
    )
    model = RecordsWhere(64, 10, max_layers=2, max_units=64)
    # No device passed to train: each worker's own (search(devices=...)) is used.
    tuner.search(
        model.objective(digits, epochs=3), max_trials=8, devices=[DEVICE] * 2, progress=False
    )
    trials = tuner.trials
    assert [t.state.value for t in trials] == ["completed"] * 8
    where = str(torch.device(DEVICE, 0) if DEVICE == "cuda" else torch.device(DEVICE))
    assert {t.attrs["trained_on"] for t in trials} == {where}
    assert all(t.attrs["asked_for"] == [DEVICE] for t in trials)  # the worker's, not None
    assert {t.attrs["device"] for t in trials} == {DEVICE}
    assert len({t.worker for t in trials}) == 2
    promoted = [t for t in trials if t.parent is not None]
    assert promoted  # ASHA(3) promotes the best third of its first results
    for t in promoted:
        # Resumed from the parent's checkpoint: the first step reported is past its budget.
        assert min(r.step for r in t.reports) == trials[t.parent].budget
