"""The toolkit under Hyperband: a promoted trial continues its parent's training."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from sklearn.datasets import load_digits

from tunesmith import Tuner
from tunesmith.integrations.torch import Data, DenseHyperModel
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import ASHA, Hyperband
from tunesmith.trial import TrialState


def test_promotions_resume_from_the_parent_checkpoint(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    data = Data.from_arrays(x[:300], y[:300], x[300:450], y[300:450])
    tuner = Tuner(
        "val_accuracy",
        oracle=RandomSearch(),
        scheduler=Hyperband(4, factor=2),
        storage=f"sqlite:///{tmp_path}/hb.db",
        study="hb",
        seed=0,
    )
    tuner.search(
        DenseHyperModel(n_inputs=64, n_outputs=10).objective(data, epochs=4), progress=False
    )
    trials = tuner.trials
    promoted = [t for t in trials if t.parent is not None and t.state is TrialState.COMPLETED]
    assert promoted
    for t in promoted:
        parent = trials[t.parent]
        # The promotion picked up where its parent stopped: no epoch trained twice.
        assert t.reports[0].step == parent.reports[-1].step + 1
        assert t.values == parent.values
        assert t.reports[-1].step + 1 == t.budget


def test_a_promotion_whose_parent_left_no_checkpoint_warns_and_starts_afresh(
    tmp_path: Path, digits: Data
) -> None:
    tuner = Tuner(
        "val_accuracy",
        oracle=RandomSearch(),
        scheduler=ASHA(3),
        seed=0,
        artifacts=tmp_path / "art",
    )
    objective = DenseHyperModel(64, 10, max_layers=1, max_units=32).objective(digits, epochs=3)
    tuner.search(objective, max_trials=3, progress=False)  # three configurations at 1 epoch
    # What a worker pointed at another artifacts folder sees: the parents' folders empty.
    shutil.rmtree(tmp_path / "art")
    with pytest.warns(RuntimeWarning, match=r"promotion of trial \d+ goes on from .* holds no"):
        tuner.search(objective, max_trials=4, progress=False)
    promoted = tuner.trials[3]
    assert promoted.parent is not None and promoted.state is TrialState.COMPLETED
    assert [r.step for r in promoted.reports] == [0, 1, 2]  # trained from the start
