"""The toolkit under Hyperband: a promoted trial continues its parent's training."""

from __future__ import annotations

from pathlib import Path

import torch
from sklearn.datasets import load_digits

from tunesmith import Tuner
from tunesmith.integrations.torch import Data, DenseHyperModel
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import Hyperband
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
