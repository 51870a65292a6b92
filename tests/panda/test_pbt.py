"""Population-based training: exploit and explore through forks, over the real toolkit and
over worker processes; a resumed run makes the same decisions and adds nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tunesmith
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import Data
from tunesmith.panda import PopulationBasedTraining, Segment, lineage
from tunesmith.trial import Objective, Trial, TrialState

from .conftest import dense_model


def climb(trial: tunesmith.RunningTrial) -> float:
    """A toy run: the score climbs by ``lr`` per step, so higher rates win; a forked trial
    goes on from its parent's last score."""
    trial.hp.Float("lr", 0.01, 1.0, sampling="log")
    trial.changeable("lr")
    record = trial.record()
    parent = record.parent is not None and trial.storage.get_trial(trial.study, record.parent)
    score = parent.reports[-1].value if parent else 0.0
    for step in range(parent.last_step + 1 if parent else 0, int(record.budget)):  # type: ignore[union-attr]
        score += trial.current_values["lr"]
        trial.report(score, step=step)
    return score


def _info(t: Trial) -> dict[str, int]:
    return t.attrs["pbt"]


class TestPopulation:
    def test_bottom_members_fork_top_members_and_explore(self) -> None:
        tuner = tunesmith.Tuner("score", seed=0)
        pbt = PopulationBasedTraining(population=4, interval=2, generations=3, seed=1)
        best = pbt.search(tuner, climb)
        trials = tuner.trials
        assert len(trials) == pbt.n_trials == 12
        assert all(t.state is TrialState.COMPLETED for t in trials)
        by_number = {t.number: t for t in trials}
        for t in trials:
            g = _info(t)["generation"]
            assert t.budget == 2 * (g + 1)
            assert [r.step for r in t.reports] == [2 * g, 2 * g + 1]
            if g == 0:
                assert t.parent is None
                continue
            parent = by_number[t.parent]  # type: ignore[index]
            assert _info(parent)["generation"] == g - 1
            if "exploited" in _info(t):  # a bottom member took a top member's state
                assert parent.number == _info(t)["exploited"]
                assert _info(parent)["member"] != _info(t)["member"]
                peers = [p for p in trials if _info(p)["generation"] == g - 1]
                assert parent.reports[-1].value == max(p.reports[-1].value for p in peers)
                assert t.values["lr"] != parent.values["lr"]  # explored
            else:
                assert _info(parent)["member"] == _info(t)["member"]
                assert t.values == parent.values
        assert sum("exploited" in _info(t) for t in trials) == 2  # one per later generation
        assert best is not None and _info(best)["generation"] == 2
        assert len(lineage(tuner.storage, "default", best.number)) == 3
        # a second call resumes a finished run: same study, nothing added
        pbt.search(tuner, climb)
        assert len(tuner.trials) == 12

    def test_a_named_hyperparameter_the_loop_cannot_change_is_an_error(self) -> None:
        tuner = tunesmith.Tuner("score", seed=0)
        pbt = PopulationBasedTraining(
            population=4, interval=2, generations=3, seed=1, hyperparameters=["lr", "nope"]
        )
        with pytest.raises(InvalidArgumentError, match=r"got \['nope'\] among"):
            pbt.search(tuner, climb)
        first = [t for t in tuner.trials if _info(t)["generation"] == 0]
        assert len(first) == 4 and all(t.state is TrialState.COMPLETED for t in first)

    def test_a_failed_member_is_replaced_by_a_top_one(self) -> None:
        pbt = PopulationBasedTraining(population=4, quantile=0.25, seed=0)
        objective = Objective("score")
        trial = Trial(0, TrialState.COMPLETED, attrs={"changeable": []})
        segments = [
            Segment(0, 0, trial, 1.0),
            Segment(1, 0, trial, None),  # failed: no score
            Segment(2, 0, trial, 3.0),
            Segment(3, 0, trial, 2.0),
        ]
        decisions = pbt.decide(
            segments, objective, tunesmith.SearchSpace(), np.random.default_rng(0)
        )
        assert decisions[1] == (2, {}) and decisions[0] == (2, {})  # failed + bottom → top
        assert decisions[2] == (2, {}) and decisions[3] == (3, {})

    def test_arguments_are_checked(self) -> None:
        with pytest.raises(
            InvalidArgumentError,
            match="at least 2 members to exploit one another, got population=1",
        ):
            PopulationBasedTraining(population=1)
        with pytest.raises(
            InvalidArgumentError,
            match=r"quantile must be a finite number in \(0, 0.5\], got quantile=0.7",
        ):
            PopulationBasedTraining(quantile=0.7)
        for kwargs, match in [
            ({"quantile": "0.25"}, "quantile must be a finite number .*got quantile='0.25'"),
            (
                {"perturb": (float("nan"),)},
                r"perturb\[0\] must be a finite number > 0, got perturb\[0\]=nan",
            ),
            ({"perturb": 1.2}, "perturb must be a non-empty list, got perturb=1.2"),
            (
                {"resample_probability": "x"},
                r"resample_probability must be a finite number in \[0, 1\], got .*='x'",
            ),
            (
                {"hyperparameters": "lr"},
                "hyperparameters must be a non-empty list, got hyperparameters='lr'",
            ),
            ({"hyperparameters": 5}, "got hyperparameters=5"),
            ({"seed": -1}, "seed must be an integer >= 0, got seed=-1"),
        ]:
            with pytest.raises(InvalidArgumentError, match=match):
                PopulationBasedTraining(**kwargs)  # type: ignore[arg-type]
        # NumPy numbers and arrays are as good as Python's
        pbt = PopulationBasedTraining(
            quantile=np.float32(0.25),
            perturb=np.array([0.8, 1.25]),
            hyperparameters=("learning_rate",),
            seed=np.int64(3),
        )
        assert (pbt.quantile, pbt.perturb, pbt.seed) == (0.25, (0.8, 1.25), 3)
        assert pbt.hyperparameters == ["learning_rate"]


class TestWithTheToolkit:
    def test_exploiting_members_go_on_from_the_donors_checkpoint(
        self, tmp_path: Path, digits: Data
    ) -> None:
        tuner = tunesmith.Tuner(
            "val_accuracy", storage=f"sqlite:///{tmp_path / 's.db'}", study="pbt", seed=0
        )
        pbt = PopulationBasedTraining(
            population=3, interval=1, generations=2, quantile=0.34, seed=0
        )
        fn = dense_model().objective(digits, epochs=50, patience=None, device="cpu")
        pbt.search(tuner, fn)
        trials = tuner.trials
        assert len(trials) == 6 and all(t.state is TrialState.COMPLETED for t in trials)
        later = [t for t in trials if _info(t)["generation"] == 1]
        assert all([r.step for r in t.reports] == [1] for t in later)
        exploited = [t for t in later if "exploited" in _info(t)]
        assert len(exploited) == 1
        donor = tuner.storage.get_trial("pbt", exploited[0].parent)  # type: ignore[arg-type]
        changed = {k for k in donor.values if donor.values[k] != exploited[0].values[k]}
        assert changed and changed <= set(donor.attrs["changeable"])  # the model's shape stays


@pytest.mark.slow
def test_segments_run_on_worker_processes(tmp_path: Path) -> None:
    tuner = tunesmith.Tuner("score", storage=f"sqlite:///{tmp_path / 's.db'}", study="w", seed=0)
    pbt = PopulationBasedTraining(population=4, interval=1, generations=2, seed=3)
    pbt.search(tuner, climb, workers=2)
    trials = tuner.trials
    assert len(trials) == 8 and all(t.state is TrialState.COMPLETED for t in trials)
    assert len({t.worker for t in trials}) >= 2
