from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tunesmith
from tunesmith.exceptions import InvalidArgumentError
from tunesmith.integrations.torch import (
    Data,
    DenseHyperModel,
    DenseNetwork,
    DenseSpec,
    HyperModel,
    OptimizerSpec,
    TaskLoss,
    TrainingSpec,
    evaluate,
    train,
)
from tunesmith.trial import TrialState

#: Where the training tests train; TUNESMITH_TEST_DEVICE=cuda runs them on a GPU.
DEVICE = os.environ.get("TUNESMITH_TEST_DEVICE", "cpu")

SMALL = {
    "activations": ("relu", "selu"),
    "optimizers": ("adam",),
    "batch_sizes": (32, 64),
    "max_units": 64,
    "max_layers": 2,
}


def tuner(tmp_path: Path, objective: str = "val_accuracy", **kwargs: object) -> tunesmith.Tuner:
    return tunesmith.Tuner(
        objective,
        oracle=tunesmith.RandomSearch(),
        storage=f"sqlite:///{tmp_path / 'study.db'}",
        study="digits",
        seed=0,
        **kwargs,  # type: ignore[arg-type]
    )


class TestThroughTheTuner:
    def test_a_real_search_reports_every_epoch_and_keeps_the_best_model(
        self, tmp_path: Path, digits: Data
    ) -> None:
        t = tuner(tmp_path)
        model = DenseHyperModel(64, 10, **SMALL)
        best = t.search(
            model.objective(digits, epochs=4, device=DEVICE), max_trials=3, progress=False
        )
        assert best is not None
        assert [tr.state for tr in t.trials] == [TrialState.COMPLETED] * 3
        assert best.value > 0.5  # chance is 0.1

        # the study in SQLite, reopened from disk, holds the reports and attributes
        again = tuner(tmp_path).storage.get_trial("digits", best.number)
        assert sorted(again.metric("val_accuracy")) == [0, 1, 2, 3]
        assert set(again.reports[-1].metrics) >= {
            "loss",
            "val_loss",
            "grad_norm_1",
            "dead_fraction_1",
            "act_std_1",
        }
        assert max(again.metric("val_accuracy").values()) == best.value
        assert again.attrs["best_epoch"] in range(4)
        assert again.attrs["diagnostics"][0]["name"] == "hidden.0.0"

        # the checkpoint restores the best model: same accuracy as the trial's value
        path = Path(again.attrs["checkpoint"])
        assert path.is_file() and path.parent.name == f"trial-{best.number}"
        hp = tunesmith.HyperParameters(values=best.values)
        net = model.build(hp)
        net.load_state_dict(torch.load(path, weights_only=True, map_location="cpu")["model"])
        metrics = evaluate(net, TaskLoss("classification"), digits.x_val, digits.y_val)
        # on the CPU exactly; from a GPU, rounding may flip one example
        assert metrics["val_accuracy"] == pytest.approx(
            best.value, abs=0 if DEVICE == "cpu" else 0.004
        )

    def test_objective_must_be_a_reported_metric(self, tmp_path: Path, digits: Data) -> None:
        t = tuner(tmp_path, objective="val_f1")
        model = DenseHyperModel(64, 10, **SMALL)
        with pytest.raises(InvalidArgumentError, match="got objective='val_f1'"):
            t.search(
                model.objective(digits, epochs=1, device=DEVICE), max_trials=1, progress=False
            )


def new_model() -> DenseNetwork:
    torch.manual_seed(0)
    return DenseNetwork(DenseSpec(64, 10, depth=2, width=32, dropout=0.2))


SPEC = TrainingSpec(
    OptimizerSpec(learning_rate=3e-3), batch_size=64, decay="inverse_time", warmup_epochs=0.5
)


class TestTrainingLoop:
    def test_early_stopping_after_patience_epochs_without_improvement(
        self, tmp_path: Path, digits: Data
    ) -> None:
        t = tuner(tmp_path, objective="val_loss")
        trial = t.ask()
        # min_delta so large that nothing after the first epoch counts as improvement
        result = train(
            new_model(),
            digits,
            trial,
            SPEC,
            epochs=10,
            patience=2,
            min_delta=100.0,
            device=DEVICE,
            diagnostics=False,
        )
        assert (result.stop_reason, result.epochs_run, result.best_epoch) == (
            "early_stopping",
            3,
            0,
        )
        assert sorted(trial.record().metric("val_loss")) == [0, 1, 2]
        assert result.value == trial.record().metric("val_loss")[0]

    def test_a_resumed_run_matches_a_straight_one(self, tmp_path: Path, digits: Data) -> None:
        t = tuner(tmp_path, objective="val_loss")
        straight_trial, resumed_trial = t.ask(), t.ask()
        resumed_trial.seed = straight_trial.seed  # same shuffling, so the runs can match
        straight = train(
            new_model(), digits, straight_trial, SPEC, epochs=4, patience=None, device=DEVICE
        )
        first = train(
            new_model(), digits, resumed_trial, SPEC, epochs=2, patience=None, device=DEVICE
        )
        assert first.epochs_run == 2
        assert [h["val_loss"] for h in first.history] == [
            h["val_loss"] for h in straight.history[:2]
        ]
        # a fresh model and optimizer: everything comes back from the checkpoint
        second = train(
            new_model(),
            digits,
            resumed_trial,
            SPEC,
            epochs=4,
            patience=None,
            device=DEVICE,
            resume=True,
        )
        assert [h["val_loss"] for h in second.history] == [
            h["val_loss"] for h in straight.history[2:]
        ]
        assert second.value == straight.value

    def test_resume_from_another_trials_checkpoints(self, tmp_path: Path, digits: Data) -> None:
        t = tuner(tmp_path, objective="val_loss")
        low, high = t.ask(), t.ask()
        train(new_model(), digits, low, SPEC, epochs=2, patience=None, device=DEVICE)
        promoted = train(
            new_model(),
            digits,
            high,
            SPEC,
            epochs=3,
            patience=None,
            device=DEVICE,
            resume_from=low.directory,
        )
        assert len(promoted.history) == 1
        assert sorted(high.record().metric("val_loss")) == [2]
        assert (high.directory / "best.pt").is_file()
        # A mistyped folder is an error, not a silent fresh start (nor a new folder).
        typo = tmp_path / "no-such-run"
        with pytest.raises(InvalidArgumentError, match="resume_from must be a folder of"):
            train(new_model(), digits, t.ask(), SPEC, epochs=2, device=DEVICE, resume_from=typo)
        assert not typo.exists()

    def test_scheduler_stop_is_obeyed(self, tmp_path: Path, digits: Data) -> None:
        t = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path)
        t.runner.stop_rule = lambda trial, step, value: step >= 1
        trial = t.ask()
        result = train(
            new_model(), digits, trial, SPEC, epochs=10, device=DEVICE, diagnostics=False
        )
        assert (result.stop_reason, result.epochs_run) == ("scheduler", 2)
        assert t.tell(trial, result.value).state is TrialState.STOPPED

    def test_selu_on_raw_inputs_is_warned_about(self, tmp_path: Path, digits: Data) -> None:
        raw = Data(digits.x_train * 5 + 3, digits.y_train, digits.x_val, digits.y_val)
        net = DenseNetwork(DenseSpec(64, 10, depth=1, width=32, activation="selu"))
        with pytest.warns(
            tunesmith.integrations.torch.SelfNormalizationWarning, match="not standardized"
        ):
            train(
                net,
                raw,
                tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path).ask(),
                SPEC,
                epochs=1,
                device=DEVICE,
            )

    def test_lr_finder_as_a_step_of_the_trial(self, tmp_path: Path, digits: Data) -> None:
        trial = tunesmith.Tuner("val_accuracy", seed=0, artifacts=tmp_path).ask()
        result = train(new_model(), digits, trial, SPEC, epochs=1, device=DEVICE, find_lr=True)
        found = trial.record().attrs["lr_finder"]
        assert result.learning_rate == found["suggestion"]
        assert found["diverged_at"] is None or found["suggestion"] < found["diverged_at"]
        assert Path(found["plot"]) == trial.directory / "lr_finder.png"
        assert Path(found["plot"]).read_bytes()[:4] == b"\x89PNG"


def test_without_torch_the_core_imports_and_the_toolkit_names_the_extra() -> None:
    # A finder that refuses torch, as a machine without it would (sys.modules['torch'] =
    # None would also break scipy, which probes that entry).
    code = (
        "import sys\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import tunesmith\n"
        "try:\n"
        "    import tunesmith.integrations.torch\n"
        "except tunesmith.exceptions.MissingDependencyError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'tunesmith[torch]'" in out.stdout


def test_a_diverging_run_fails_its_trial(tmp_path: Path, digits: Data) -> None:
    class Exploding(HyperModel):
        def build(self, hp: tunesmith.HyperParameters) -> DenseNetwork:
            return DenseNetwork(DenseSpec(64, 10, width=32))

        def training(self, hp: tunesmith.HyperParameters) -> TrainingSpec:
            return TrainingSpec(OptimizerSpec("sgd", learning_rate=1e4))

    t = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path)
    t.search(Exploding().objective(digits, epochs=3, device=DEVICE), max_trials=1, progress=False)
    (trial,) = t.trials
    assert trial.state is TrialState.FAILED
    assert "non-finite" in (trial.error or "")
    assert len(trial.reports) == 1  # stopped at the first non-finite epoch


def test_in_memory_studies_never_share_checkpoint_folders(tmp_path: Path) -> None:
    first, second = (
        tunesmith.Tuner("val_loss", seed=0).ask(),
        tunesmith.Tuner("val_loss", seed=0).ask(),
    )
    assert first.number == second.number == 0
    assert first.directory != second.directory
    for trial in (first, second):
        shutil.rmtree(trial.directory.parent.parent)  # <tmp>/tunesmith-artifacts/<own>/
    on_disk = tuner(tmp_path, objective="val_loss").ask().directory
    assert on_disk == tmp_path / "study-artifacts" / "digits" / "trial-0"


def test_train_goes_to_the_device_its_worker_is_tied_to(
    tmp_path: Path, digits: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunesmith.integrations.torch import _fit

    asked: list[object] = []
    real = _fit.resolve_device
    monkeypatch.setattr(_fit, "resolve_device", lambda d=None: asked.append(d) or real(d))
    t = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path)
    t.runner.device = DEVICE  # what search(devices=[DEVICE]) gives each worker
    trial = t.ask()
    assert trial.device == DEVICE
    train(new_model(), digits, trial, SPEC, epochs=1, diagnostics=False)
    assert asked == [DEVICE]  # not None: the worker's device, not "cuda if available"
    # An explicit device still wins over the worker's.
    asked.clear()
    train(new_model(), digits, t.ask(), SPEC, epochs=1, diagnostics=False, device="cpu")
    assert asked == ["cpu"]


def test_the_objective_pickles_for_worker_processes(tmp_path: Path, digits: Data) -> None:
    fn = pickle.loads(pickle.dumps(DenseHyperModel(64, 10, **SMALL).objective(digits, epochs=1)))
    t = tunesmith.Tuner("val_accuracy", seed=0, artifacts=tmp_path)
    assert t.search(fn, max_trials=1, progress=False) is not None


def test_data_must_be_a_data(tmp_path: Path, digits: Data) -> None:
    trial = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path).ask()
    with pytest.raises(InvalidArgumentError, match=r"got data=tuple\. Build it with Data"):
        train(new_model(), (digits.x_train, digits.y_train), trial, SPEC)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"patience": 0}, "patience must be an integer >= 1, got patience=0"),
        ({"diagnostics_examples": -6}, "diagnostics_examples must be an integer >= 1"),
        ({"keep_checkpoints": 0}, "keep_checkpoints must be an integer >= 1"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got epochs=0"),
    ],
)
def test_train_settings_are_checked_before_training(
    tmp_path: Path, digits: Data, kwargs: dict[str, object], match: str
) -> None:
    trial = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path).ask()
    with pytest.raises(InvalidArgumentError, match=match):
        train(new_model(), digits, trial, SPEC, **{"epochs": 2, **kwargs})  # type: ignore[arg-type]
    assert trial.record().reports == ()


def test_a_dense_model_refuses_a_warmup_longer_than_the_run_before_any_trial() -> None:
    model = DenseHyperModel(64, 10, warmup_epochs=3.0)
    with pytest.raises(
        InvalidArgumentError,
        match=r"DenseHyperModel.objective: .*warmup_epochs=3\.0 with epochs=2;",
    ):
        model.objective(None, epochs=2)
    model.objective(None, epochs=3)  # as long as the run: fine


def test_a_warmup_longer_than_the_run_is_refused(tmp_path: Path, digits: Data) -> None:
    trial = tunesmith.Tuner("val_loss", seed=0, artifacts=tmp_path).ask()
    spec = dataclasses.replace(SPEC, warmup_epochs=2.5)
    match = r"train: .*warmup_epochs=2\.5 with epochs=2;"
    with pytest.raises(InvalidArgumentError, match=match):
        train(new_model(), digits, trial, spec, epochs=2)
    assert trial.record().reports == ()  # refused before any training


def test_data_refuses_targets_that_are_not_its_tasks() -> None:
    x = np.zeros((4, 3))
    with pytest.raises(InvalidArgumentError, match=r"classification targets must be class labels"):
        Data.from_arrays(x, [1.66, 2.42, 1.0, 0.0], x, [0, 1, 2, 0])  # no silent truncation
    with pytest.raises(InvalidArgumentError, match=r"got values such as \[-1.0\]"):
        Data.from_arrays(x, [0, 1, -1, 2], x, [0, 1, 2, 0])
    with pytest.raises(InvalidArgumentError, match=r"binary targets must lie in \[0, 1\]"):
        Data.from_arrays(x, [0, 1, 2, 1], x, [0, 1, 1, 0], task="binary")
    soft = Data.from_arrays(x, [0.1, 0.9, 1, 0], x, [0, 1, 1, 0], task="binary").y_train
    assert soft.tolist() == pytest.approx([0.1, 0.9, 1.0, 0.0])  # soft labels are fine
    with pytest.raises(InvalidArgumentError, match=r"task must be one of .*got task='bogus'"):
        Data.from_arrays(x, [0, 1, 1, 0], x, [0, 1, 1, 0], task="bogus")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"x_val's examples must have x_train's shape"):
        Data.from_arrays(x, [0, 1, 1, 0], np.zeros((4, 5)), [0, 1, 1, 0])
    labels = Data.from_arrays(x, np.array([0.0, 1.0, 2.0, 1.0]), x, [0, 1, 1, 0]).y_train
    assert labels.dtype == torch.int64 and labels.tolist() == [0, 1, 2, 1]


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_binary_and_regression_tasks(tmp_path: Path, task: str) -> None:
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.preprocessing import StandardScaler

    x, y = (load_breast_cancer if task == "binary" else load_diabetes)(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    if task == "regression":
        y = (y - y.mean()) / y.std()
    data = Data.from_arrays(x[:300], y[:300], x[300:400], y[300:400], task=task)  # type: ignore[arg-type]
    trial = tunesmith.Tuner(
        "val_accuracy" if task == "binary" else "val_loss", seed=0, artifacts=tmp_path
    ).ask()
    torch.manual_seed(0)
    net = DenseNetwork(DenseSpec(x.shape[1], 1, depth=2, width=32))
    spec = TrainingSpec(OptimizerSpec(learning_rate=3e-3), batch_size=16)
    result = train(net, data, trial, spec, task=task, epochs=5, device=DEVICE)  # type: ignore[arg-type]
    assert set(result.history[0]) >= {"loss", "val_loss"}
    if task == "binary":
        assert result.value > 0.9  # breast cancer: chance is about 0.6
    else:
        assert result.value < 0.8  # standardized target: predicting the mean gives about 1
