"""Define-by-run access, conditions, and the space it grows."""

from __future__ import annotations

import pytest

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.space import Choice, Condition, Float, HyperParameters, Int, SearchSpace


def test_define_by_run_registers_and_returns_values() -> None:
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32, default=128) == 128
    assert hp.Float("lr", 1e-4, 1e-1, sampling="log") == pytest.approx(10**-2.5)
    assert hp.Boolean("bn") is False
    assert hp.Fixed("beta_2", 0.999) == 0.999
    assert hp.space.names == ["units", "lr", "bn", "beta_2"]
    assert hp["units"] == 128 and "lr" in hp


def test_given_values_are_returned_and_new_names_sampled() -> None:
    calls = []

    def sample_new(param):  # type: ignore[no-untyped-def]
        calls.append(param.name)
        return 1.0

    hp = HyperParameters(values={"units": 64}, sample_new=sample_new)
    assert hp.Int("units", 32, 512, step=32) == 64
    assert hp.Int("layers", 1, 4) == 4
    assert calls == ["layers"]


def test_same_definition_twice_is_fine_a_different_one_is_not() -> None:
    hp = HyperParameters()
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    with pytest.raises(InvalidSpaceError, match=r"Float\('lr'\) is already defined as"):
        hp.Float("lr", 1e-3, 1e-1, sampling="log")


def test_conditional_scope() -> None:
    hp = HyperParameters(values={"optimizer": "sgd"})
    hp.Choice("optimizer", ["adam", "sgd"])
    with hp.conditional_scope("optimizer", ["sgd"]):
        momentum = hp.Float("momentum", 0.8, 0.99, sampling="reverse_log")
    with hp.conditional_scope("optimizer", "adam"):
        beta_1 = hp.Float("beta_1", 0.8, 0.999, sampling="reverse_log")
    assert momentum is not None and beta_1 is None
    assert set(hp.values) == {"optimizer", "momentum"}
    assert hp.space["momentum"].conditions == (Condition("optimizer", ["sgd"]),)


def test_keras_tuner_parent_arguments() -> None:
    hp = HyperParameters(values={"model": "cnn"})
    hp.Choice("model", ["mlp", "cnn"])
    assert hp.Int("filters", 8, 64, parent_name="model", parent_values=["cnn"]) is not None
    assert hp.Int("units", 8, 64, parent_name="model", parent_values=["mlp"]) is None


def test_define_by_run_mistakes_are_clear_errors() -> None:
    hp = HyperParameters()
    with pytest.raises(
        InvalidSpaceError, match=r"Choice\('c'\): values must be a list, got values=5"
    ):
        hp.Choice("c", 5)  # type: ignore[arg-type]
    hp.Choice("o", ["sgd", "adam"])
    with pytest.raises(InvalidSpaceError, match=r"parent_name='o', parent_values=\['sgd'\]"):
        hp.Float("m", 0.0, 1.0, parent_name="o")  # parent_values forgotten


def test_given_values_are_checked_when_defined() -> None:
    hp = HyperParameters(values={"x": 5.0, "units": 64})
    assert hp.Int("units", 32, 128, step=32) == 64
    with pytest.raises(InvalidSpaceError, match=r"got value=5\.0.*given for 'x'"):
        hp.Float("x", 0.0, 1.0)


def test_scope_needs_a_defined_parent() -> None:
    hp = HyperParameters()
    with pytest.raises(InvalidSpaceError, match="the parent is not defined"):
        with hp.conditional_scope("optimizer", ["sgd"]):
            pass


def test_condition_values_must_be_parent_values() -> None:
    space = SearchSpace([Choice("opt", ["adam", "sgd"])])
    with pytest.raises(InvalidSpaceError, match="must be one of"):
        space.add(Float("m", 0.1, 0.9, conditions=[Condition("opt", ["rmsprop"])]))
    with pytest.raises(InvalidSpaceError, match="'ghost', which is not defined"):
        space.add(Float("m", 0.1, 0.9, conditions=[Condition("ghost", [1])]))


def test_space_decode_respects_nested_conditions() -> None:
    space = SearchSpace(
        [
            Choice("opt", ["adam", "sgd"]),
            Choice("nesterov", [False, True], conditions=[Condition("opt", ["sgd"])]),
            Float("m", 0.5, 0.9, conditions=[Condition("nesterov", [True])]),
            Int("units", 8, 16),
        ]
    )
    assert space.decode({"opt": 0.1, "nesterov": 0.9, "m": 0.0, "units": 0.0}) == {
        "opt": "adam",
        "units": 8,
    }
    decoded = space.decode({"opt": 0.9, "nesterov": 0.9, "m": 0.0, "units": 1.0})
    assert decoded == {"opt": "sgd", "nesterov": True, "m": 0.5, "units": 16}
    assert space.decode(space.encode(decoded)) == decoded
    assert space.defaults() == {"opt": "adam", "units": 12}


def test_space_validate_and_config() -> None:
    space = SearchSpace([Int("units", 8, 16), Float("lr", 1e-3, 1.0, sampling="log")])
    assert space.validate({"units": 9.0, "new": "x"}) == {"units": 9, "new": "x"}
    with pytest.raises(InvalidSpaceError, match=r"got value=1000"):
        space.validate({"units": 1000})
    assert SearchSpace.from_config(space.to_config()) == space
