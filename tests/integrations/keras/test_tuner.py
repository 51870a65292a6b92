"""The front's rules: its differences from keras_tuner, its errors, its optional import."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import tunesmith.keras as kt
from tunesmith import TrialState
from tunesmith.exceptions import InvalidArgumentError

from .conftest import Arrays


def small_model(hp, loss="sparse_categorical_crossentropy"):
    model = keras.Sequential(
        [
            keras.Input((8, 8)),
            keras.layers.Flatten(),
            keras.layers.Dense(hp.Int("units", 4, 8, step=4), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def test_reverse_log_warns_once_that_it_means_one_minus_value(tmp_path: Path) -> None:
    def build(hp):
        hp.Float("beta_1", 0.9, 0.999, sampling="reverse_log")
        return small_model(hp)

    with pytest.warns(kt.KerasTunerDifferenceWarning, match=r"1 - value on a log scale"):
        tuner = kt.RandomSearch(build, objective="val_accuracy", directory=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tuner._build(kt.HyperParameters())  # the same tuner does not warn again


def test_non_finite_objective_fails_the_trial_and_warns_once(
    digits: Arrays, tmp_path: Path
) -> None:
    x_train, y_train, x_val, y_val = digits

    def diverging(y_true, y_pred):
        return keras.ops.mean(y_pred) * float("nan")

    tuner = kt.RandomSearch(
        lambda hp: small_model(hp, loss=diverging),
        objective="val_loss",
        max_trials=2,
        max_consecutive_failed_trials=3,
        directory=tmp_path,
    )
    with pytest.warns(kt.KerasTunerDifferenceWarning, match=r"fails a trial") as record:
        tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val), verbose=0)
    assert sum(w.category is kt.KerasTunerDifferenceWarning for w in record) == 1
    assert [t.state for t in tuner.engine.trials] == [TrialState.FAILED] * 2
    assert tuner.oracle.get_best_trials(1) == []


def test_objective_missing_from_the_logs_stops_the_search(digits: Arrays, tmp_path: Path) -> None:
    x_train, y_train, _, _ = digits
    tuner = kt.RandomSearch(small_model, objective="val_accuracy", directory=tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"'val_accuracy' is not among the metrics"):
        tuner.search(x_train, y_train, epochs=1, verbose=0)
    assert len(tuner.engine.trials) == 1


def test_executions_average_and_retries_rerun_a_failing_fit(
    digits: Arrays, tmp_path: Path
) -> None:
    x_train, y_train, x_val, y_val = digits

    class Flaky(kt.HyperModel):
        calls = 0

        def build(self, hp):
            return small_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError("a flaky data loader")
            return model.fit(*args, **kwargs)

    tuner = kt.RandomSearch(
        Flaky(),
        objective="val_accuracy",
        max_trials=1,
        executions_per_trial=2,
        max_retries_per_trial=1,
        directory=tmp_path,
    )
    tuner.search(x_train, y_train, epochs=1, validation_data=(x_val, y_val), verbose=0)
    (trial,) = tuner.engine.trials
    assert trial.state is TrialState.COMPLETED
    assert Flaky.calls == 3  # one failure, then two executions
    assert [r.step for r in trial.reports] == [0]  # the first execution reports


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distribution_strategy": object()}, r"distribution_strategy is not supported"),
        ({"colour": "blue"}, r"unknown argument colour='blue'"),
        ({"objective": ["val_loss", "val_accuracy"]}, r"optimizes one objective"),
        ({"executions_per_trial": 0}, r"executions_per_trial must be a positive integer"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        kt.RandomSearch(small_model, directory=tmp_path, **kwargs)


def test_allow_new_entries_false_refuses_undeclared_parameters(tmp_path: Path) -> None:
    declared = kt.HyperParameters()
    declared.Int("layers", 1, 2)
    with pytest.raises(InvalidArgumentError, match=r"build defined \['units'\]"):
        kt.RandomSearch(
            small_model, hyperparameters=declared, allow_new_entries=False, directory=tmp_path
        )


def test_declared_hyperparameters_win_and_new_entries_can_stay_fixed(
    digits: Arrays, tmp_path: Path
) -> None:
    x_train, y_train, x_val, y_val = digits

    def build(hp):
        hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
        hp.Choice("activation", ["relu", "tanh"])
        return small_model(hp)

    declared = kt.HyperParameters()
    declared.Fixed("learning_rate", 1e-3)
    declared.Choice("activation", ["tanh", "gelu"])
    tuner = kt.RandomSearch(
        build,
        objective="val_accuracy",
        max_trials=3,
        hyperparameters=declared,
        tune_new_entries=False,
        directory=tmp_path,
    )
    tuner.search(x_train, y_train, epochs=1, validation_data=(x_val, y_val), verbose=0)
    space = tuner.engine.storage.load_study("untitled_project").space
    assert space["learning_rate"].kind == "Fixed"
    assert space["units"].kind == "Fixed"  # not declared, not tuned: build's default
    trials = tuner.engine.trials
    assert [t.state for t in trials] == [TrialState.COMPLETED] * 3
    for t in trials:
        assert t.values["learning_rate"] == 1e-3
        assert t.values["units"] == space["units"].default_value
        assert t.values["activation"] in ("tanh", "gelu")


def test_hypermodel_fit_returning_none_is_explained(digits: Arrays, tmp_path: Path) -> None:
    x_train, y_train, x_val, y_val = digits

    class Forgetful(kt.HyperModel):
        def build(self, hp):
            return small_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            model.fit(*args, **kwargs)

    tuner = kt.RandomSearch(Forgetful(), objective="val_accuracy", directory=tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"return model\.fit\(\*args, \*\*kwargs\)"):
        tuner.search(x_train, y_train, epochs=1, validation_data=(x_val, y_val), verbose=0)


def test_bayesian_optimization_runs(digits: Arrays, tmp_path: Path) -> None:
    x_train, y_train, x_val, y_val = digits
    tuner = kt.BayesianOptimization(
        small_model,
        objective="val_accuracy",
        max_trials=3,
        num_initial_points=2,
        directory=tmp_path,
    )
    tuner.search(x_train, y_train, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert [t.state for t in tuner.engine.trials] == [TrialState.COMPLETED] * 3
    assert tuner.engine.study.settings["oracle"]["oracle"] == "BayesianOptimization"


def test_bayesian_optimization_refuses_keras_tuners_gp_knobs(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"beta is keras_tuner's Gaussian-process"):
        kt.BayesianOptimization(small_model, beta=3.0, directory=tmp_path)


def test_importing_without_keras_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['keras'] = None\n"
        "import tunesmith\n"
        "try:\n"
        "    import tunesmith.keras\n"
        "except tunesmith.exceptions.MissingDependencyError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install 'tunesmith[keras]'" in out


def test_public_names_are_sorted_and_the_same_in_both_homes() -> None:
    import tunesmith.integrations.keras as home

    assert list(kt.__all__) == sorted(kt.__all__)
    assert kt.__all__ == home.__all__
    assert all(getattr(kt, n) is getattr(home, n) for n in kt.__all__)


def test_hyperband_refuses_max_trials(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"max_trials is set by the brackets"):
        kt.Hyperband(small_model, max_epochs=3, max_trials=5, directory=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": "abc"}, "seed must be an integer >= 0, got seed='abc'"),
        ({"hyperparameters": {"u": 2}}, r"hyperparameters must be a kt.HyperParameters"),
        ({"max_trials": 0}, "max_trials must be an integer >= 1, got max_trials=0"),
        ({"max_model_size": "big"}, "max_model_size must be an integer >= 1"),
        ({"tune_new_entries": "no"}, "tune_new_entries must be True or False"),
        ({"project_name": "."}, r"project_name also names .*got project_name='\.'"),
    ],
)
def test_bad_arguments_are_refused_before_overwrite_deletes_anything(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    first = kt.RandomSearch(small_model, objective="val_accuracy", directory=tmp_path)
    trial = first.engine.ask()
    first.engine.tell(trial, 0.5)  # a finished trial worth keeping
    db = tmp_path / "untitled_project" / "tunesmith.db"
    with pytest.raises(InvalidArgumentError, match=message):
        kt.RandomSearch(
            small_model, objective="val_accuracy", directory=tmp_path, overwrite=True, **kwargs
        )
    assert db.is_file()
    again = kt.RandomSearch(small_model, objective="val_accuracy", directory=tmp_path)
    assert [t.value for t in again.engine.trials] == [0.5]
    with pytest.raises(
        InvalidArgumentError, match="num_trials must be an integer >= 1, got num_trials=-1"
    ):
        again.get_best_models(-1)


def test_oracle_specs_check_their_arguments_and_are_not_second_guessed(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidArgumentError, match="RandomSearchOracle: max_trials must be an integer >= 1"
    ):
        kt.oracles.RandomSearchOracle(max_trials=-1)
    with pytest.raises(InvalidArgumentError, match="seed must be an integer >= 0, got seed='x'"):
        kt.oracles.GridSearchOracle(seed="x")
    with pytest.raises(
        InvalidArgumentError, match="Hyperband: max_epochs must be an integer >= 1"
    ):
        kt.oracles.HyperbandOracle(max_epochs=0)
    with pytest.raises(
        InvalidArgumentError, match="Hyperband: max_epochs must be an integer >= 1"
    ):
        kt.Hyperband(small_model, objective="val_accuracy", max_epochs=0, directory=tmp_path)
    spec = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=7)
    with pytest.raises(
        InvalidArgumentError,
        match=r"these belong to the oracle, got objective='loss', max_trials=3",
    ):
        kt.Tuner(small_model, objective="loss", max_trials=3, oracle=spec, directory=tmp_path)


def test_search_names_a_bad_epochs(tmp_path: Path) -> None:
    tuner = kt.RandomSearch(small_model, objective="val_accuracy", directory=tmp_path)
    with pytest.raises(InvalidArgumentError, match="search: epochs must be an integer >= 1"):
        tuner.search(np.zeros((4, 8, 8)), np.zeros(4), epochs=0, validation_split=0.5)
    assert tuner.engine.trials == []
