"""keras_tuner's getting-started flows, with only the import line changed."""

from __future__ import annotations

import keras
import pytest
from keras import layers

import tunesmith.keras as kt
from tunesmith import TrialState

from .conftest import Arrays


def build_model(hp):
    model = keras.Sequential()
    model.add(layers.Flatten())
    model.add(
        layers.Dense(
            units=hp.Int("units", min_value=16, max_value=64, step=16),
            activation=hp.Choice("activation", ["relu", "tanh"]),
        )
    )
    if hp.Boolean("dropout"):
        model.add(layers.Dropout(rate=0.25))
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("lr", min_value=1e-3, max_value=3e-2, sampling="log")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@pytest.fixture(scope="module")
def searched(digits: Arrays, tmp_path_factory: pytest.TempPathFactory) -> kt.Tuner:
    x_train, y_train, x_val, y_val = digits
    tuner = kt.RandomSearch(
        hypermodel=build_model,
        objective="val_accuracy",
        max_trials=3,
        executions_per_trial=1,
        overwrite=True,
        seed=1,
        directory=tmp_path_factory.mktemp("kt"),
        project_name="helloworld",
    )
    tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val), verbose=0)
    return tuner


class TestBuildFunction:
    """A functional build function under RandomSearch (the getting-started page)."""

    def test_every_trial_ran_and_reported_each_epoch(self, searched: kt.Tuner) -> None:
        trials = searched.engine.trials
        assert [t.state for t in trials] == [TrialState.COMPLETED] * 3
        for t in trials:
            assert [r.step for r in t.reports] == [0, 1]
            assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(t.reports[0].metrics)
            # the score is the best epoch's val_accuracy (keras_tuner's rule)
            assert t.value == max(r.metrics["val_accuracy"] for r in t.reports)

    def test_best_model_carries_its_best_epoch_weights(
        self, searched: kt.Tuner, digits: Arrays
    ) -> None:
        _, _, x_val, y_val = digits
        best = searched.oracle.get_best_trials(1)[0]
        (model,) = searched.get_best_models(num_models=1)
        _, accuracy = model.evaluate(x_val, y_val, verbose=0)
        assert accuracy == pytest.approx(best.score, abs=1e-6)
        assert best.status == "COMPLETED"
        assert best.metrics.get_best_value("val_accuracy") == best.score

    def test_best_hyperparameters_rebuild_the_model(self, searched: kt.Tuner) -> None:
        hps = searched.get_best_hyperparameters(5)
        assert len(hps) == 3
        best = searched.oracle.get_best_trials(3)
        scores = [t.score for t in best]
        assert scores == sorted(scores, reverse=True)
        # best first, each the hyperparameters of the trial in the same place
        assert [h.values for h in hps] == [t.hyperparameters.values for t in best]
        assert hps[0].values == searched.engine.best_trial.values
        model = searched.hypermodel.build(hps[0])
        assert model.layers[1].units == searched.engine.best_trial.values["units"]

    def test_summaries(self, searched: kt.Tuner, capsys: pytest.CaptureFixture[str]) -> None:
        searched.search_space_summary()
        searched.results_summary(num_trials=2)
        out = capsys.readouterr().out
        assert "Default search space size: 4" in out
        assert "units (Int)" in out and "lr (Float)" in out
        assert out.count("summary\nHyperparameters:") == 2
        assert "Objective(name='val_accuracy', direction='max')" in out

    def test_rerun_resumes_and_overwrite_starts_afresh(
        self, searched: kt.Tuner, digits: Arrays
    ) -> None:
        x_train, y_train, x_val, y_val = digits
        before = searched.engine.trials
        again = kt.RandomSearch(
            build_model,
            objective="val_accuracy",
            max_trials=4,
            directory=searched.directory,
            project_name="helloworld",
        )
        again.search(x_train, y_train, epochs=1, validation_data=(x_val, y_val), verbose=0)
        after = again.engine.trials
        assert [t.values for t in after[:3]] == [t.values for t in before]
        assert len(after) == 4
        fresh = kt.RandomSearch(
            build_model,
            objective="val_accuracy",
            directory=searched.directory,
            project_name="helloworld",
            overwrite=True,
        )
        assert fresh.engine.trials == []


class MyHyperModel(kt.HyperModel):
    """Tunes the batch size in fit, and a conditional layer in build."""

    def build(self, hp):
        model = keras.Sequential([keras.Input((8, 8)), layers.Flatten()])
        kind = hp.Choice("model_type", ["wide", "deep"])
        with hp.conditional_scope("model_type", ["wide"]):
            if kind == "wide":
                model.add(layers.Dense(hp.Choice("wide_units", [32]), activation="relu"))
        with hp.conditional_scope("model_type", ["deep"]):
            if kind == "deep":
                for _ in range(2):
                    model.add(layers.Dense(hp.Choice("deep_units", [8]), activation="relu"))
        model.add(layers.Dense(10, activation="softmax"))
        model.compile(
            optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 128]), **kwargs)


class BatchCounter(keras.callbacks.Callback):
    """Counts training batches of each fit (a copy goes to each trial)."""

    seen: list[int] = []

    def on_train_begin(self, logs=None):
        self.n = 0

    def on_train_batch_end(self, batch, logs=None):
        self.n += 1

    def on_train_end(self, logs=None):
        BatchCounter.seen.append(self.n)


def test_hypermodel_tunes_batch_size_and_conditional_layers(digits: Arrays, tmp_path) -> None:
    x_train, y_train, x_val, y_val = digits
    tuner = kt.GridSearch(
        MyHyperModel(), objective="val_accuracy", directory=tmp_path, project_name="grid"
    )
    BatchCounter.seen = []
    tuner.search(
        x_train,
        y_train,
        epochs=1,
        validation_data=(x_val, y_val),
        callbacks=[BatchCounter()],
        verbose=0,
    )
    trials = tuner.engine.trials
    assert all(t.state is TrialState.COMPLETED for t in trials)
    # the grid: two model types x two batch sizes, each once; inactive parameters absent
    configs = sorted((t.values["model_type"], t.values["batch_size"]) for t in trials)
    assert configs == [("deep", 16), ("deep", 128), ("wide", 16), ("wide", 128)]
    for t in trials:
        assert ("wide_units" in t.values) == (t.values["model_type"] == "wide")
        assert ("deep_units" in t.values) == (t.values["model_type"] == "deep")
    # the batch size really reached model.fit: 400 samples in 25 or 4 batches
    assert sorted(BatchCounter.seen) == [4, 4, 25, 25]
    deep = next(t for t in tuner.get_best_hyperparameters(4) if t["model_type"] == "deep")
    assert "wide_units" not in deep.values


class StartCounter(keras.callbacks.Callback):
    """Records the optimizer's step count when each fit begins."""

    seen: list[int] = []

    def on_train_begin(self, logs=None):
        StartCounter.seen.append(int(self.model.optimizer.iterations.numpy()))


class CustomLoop(kt.RandomSearch):
    """run_trial overridden with a training loop of one's own that returns a number."""

    def run_trial(self, trial, x):
        hp = trial.hyperparameters
        return (hp.Float("x", -1.0, 1.0) - x) ** 2


def test_run_trial_override_and_objective_object(tmp_path) -> None:
    tuner = CustomLoop(
        objective=kt.Objective("score", direction="min"),
        max_trials=12,
        seed=0,
        directory=tmp_path,
    )
    tuner.search(0.25)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min(t.value for t in tuner.engine.trials)
    assert abs(best.hyperparameters["x"] - 0.25) < 0.3
    assert best.trial_id == f"{best.record.number:02d}"


def test_hyperband_promotes_with_weights_and_optimizer_state(digits: Arrays, tmp_path) -> None:
    x_train, y_train, x_val, y_val = digits
    tuner = kt.Hyperband(
        build_model,
        objective="val_accuracy",
        max_epochs=3,
        factor=3,
        seed=0,
        directory=tmp_path,
        project_name="hb",
    )
    StartCounter.seen = []
    tuner.search(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        callbacks=[StartCounter()],
        verbose=0,
    )
    trials = tuner.engine.trials
    # a continued model starts with its parent's optimizer steps (Adam's moments with them)
    assert any(steps > 0 for steps in StartCounter.seen)
    assert sum(steps == 0 for steps in StartCounter.seen) == len(
        [t for t in trials if t.parent is None]
    )
    promoted = [t for t in trials if t.parent is not None]
    assert promoted, "a bracket with two rungs promotes one configuration"
    for t in promoted:
        parent = trials[t.parent]
        assert t.values == parent.values
        # it trained on from the parent's last epoch, not from scratch
        assert t.reports[0].step == parent.reports[-1].step + 1
        assert t.reports[-1].step + 1 == t.budget
    assert max(t.budget for t in trials) == 3
    (model,) = tuner.get_best_models(1)
    assert model.optimizer.iterations.numpy() > 0


class InterruptAt(keras.callbacks.Callback):
    """Interrupts the search (as Ctrl-C would) when the n-th fit of the run begins."""

    fits = 0

    def __init__(self, n: int | None) -> None:
        super().__init__()
        self.n = n

    def on_train_begin(self, logs=None):
        InterruptAt.fits += 1
        if InterruptAt.fits == self.n:
            raise KeyboardInterrupt


def test_hyperband_rerun_resumes_mid_bracket(digits: Arrays, tmp_path) -> None:
    x_train, y_train, x_val, y_val = digits

    def tuner():
        return kt.Hyperband(
            build_model,
            objective="val_accuracy",
            max_epochs=3,
            seed=0,
            directory=tmp_path,
            project_name="hb",
        )

    InterruptAt.fits = 0
    with pytest.raises(KeyboardInterrupt):
        tuner().search(
            x_train, y_train, validation_data=(x_val, y_val), callbacks=[InterruptAt(3)], verbose=0
        )
    first = tuner()
    before = [t for t in first.engine.trials if t.state is TrialState.COMPLETED]
    assert len(before) == 2
    first.search(x_train, y_train, validation_data=(x_val, y_val), verbose=0)
    after = first.engine.trials
    assert after[:2] == before  # kept as they were
    done = [t for t in after if t.state is TrialState.COMPLETED]
    # the whole schedule ran: 3 configurations at 1 epoch, 1 promoted to 3, 2 new at 3
    assert sorted(t.budget for t in done) == [1, 1, 1, 3, 3, 3]


class MyTuner(kt.Tuner):
    """keras_tuner's subclassing guide: the base Tuner, an oracle object, run_trial."""

    def run_trial(self, trial, target):
        return {"score": (trial.hyperparameters.Int("n", 0, 9) - target) ** 2}


def test_base_tuner_with_an_oracle_object(tmp_path) -> None:
    tuner = MyTuner(
        oracle=kt.oracles.GridSearchOracle(
            objective=kt.Objective("score", "min"), max_trials=20, seed=1
        ),
        directory=tmp_path,
        project_name="subclassed",
    )
    tuner.search(4)
    trials = tuner.engine.trials
    assert sorted(t.values["n"] for t in trials) == list(range(10))  # the grid, then done
    assert tuner.get_best_hyperparameters()[0]["n"] == 4
    assert tuner.engine.study.settings["oracle"]["oracle"] == "GridSearch"
    assert tuner.oracle.max_trials == 20
