"""Definitions: scales map exactly, grids round consistently, bad input is named."""

from __future__ import annotations

import math

import pytest

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.space import Boolean, Choice, Condition, Fixed, Float, Int, from_config


class TestScales:
    def test_log_is_uniform_in_log10(self) -> None:
        lr = Float("lr", 1e-4, 1.0, sampling="log")
        assert lr.from_unit(0.0) == pytest.approx(1e-4)
        assert lr.from_unit(0.25) == pytest.approx(1e-3)
        assert lr.from_unit(0.75) == pytest.approx(1e-1)
        assert lr.to_unit(1e-2) == pytest.approx(0.5)

    def test_reverse_log_is_log_of_one_minus_beta(self) -> None:
        beta = Float("beta", 0.9, 0.999, sampling="reverse_log")
        # 1 - beta log-uniform on [1e-3, 1e-1]: the middle of the unit interval is 0.99.
        assert beta.from_unit(0.5) == pytest.approx(0.99)
        assert beta.from_unit(0.0) == pytest.approx(0.9)
        assert beta.from_unit(1.0) == pytest.approx(0.999)
        assert beta.to_unit(0.99) == pytest.approx(0.5)

    def test_reverse_log_is_not_a_mirrored_log(self) -> None:
        # A mirrored log (min + max - logsample) would put 0.9 + 0.999 - 10**-1.5... elsewhere.
        beta = Float("beta", 0.9, 0.999, sampling="reverse_log")
        for u in (0.1, 0.3, 0.7, 0.9):
            r = math.log10(1 - 0.999) * u + math.log10(1 - 0.9) * (1 - u)
            assert beta.from_unit(u) == pytest.approx(1 - 10**r, rel=1e-12)

    def test_linear(self) -> None:
        width = Float("w", 50, 100)
        assert width.from_unit(0.3) == pytest.approx(65)
        assert width.to_unit(75) == pytest.approx(0.5)


class TestGrids:
    def test_int_values_get_equal_cells(self) -> None:
        p = Int("layers", 1, 4)
        assert [p.from_unit(u) for u in (0.0, 0.24, 0.26, 0.49, 0.51, 0.74, 0.76, 1.0)] == [
            1,
            1,
            2,
            2,
            3,
            3,
            4,
            4,
        ]

    def test_linear_step(self) -> None:
        p = Int("units", 32, 512, step=32)
        assert p.grid() == list(range(32, 513, 32))
        assert p.n_grid == 16

    def test_log_step_multiplies(self) -> None:
        assert Int("batch", 16, 256, step=2, sampling="log").grid() == [16, 32, 64, 128, 256]

    def test_reverse_log_step_divides_one_minus_value(self) -> None:
        grid = Float("beta", 0.9, 0.999, step=10, sampling="reverse_log").grid()
        assert grid == [0.9, 0.99, 0.999]

    def test_float_step_has_no_binary_noise(self) -> None:
        assert Float("x", 0.0, 1.0, step=0.1).grid()[3] == 0.3

    def test_step_larger_than_range_leaves_min(self) -> None:
        assert Int("x", 1, 3, step=10).grid() == [1]

    def test_unstepped_log_int_rounds_in_value(self) -> None:
        p = Int("units", 1, 1000, sampling="log")
        assert p.from_unit(0.0) == 1 and p.from_unit(1.0) == 1000
        for v in (1, 2, 37, 999, 1000):
            assert p.from_unit(p.to_unit(v)) == v

    def test_continuous_float_has_no_grid(self) -> None:
        assert Float("x", 0.0, 1.0).grid() is None
        assert Float("x", 2.0, 2.0).grid() == [2.0]


class TestChoices:
    def test_order_and_categorical(self) -> None:
        c = Choice("act", ["relu", "gelu", "selu"])
        assert c.is_categorical and not c.ordered
        assert [c.from_unit(u) for u in (0.0, 0.34, 0.99)] == ["relu", "gelu", "selu"]
        assert Choice("bs", [16, 32]).ordered and not Choice("bs", [16, 32]).is_categorical

    def test_boolean_and_fixed(self) -> None:
        b = Boolean("bn")
        assert b.grid() == [False, True] and b.is_categorical
        assert b.from_unit(b.to_unit(True)) is True
        f = Fixed("beta_2", 0.999)
        assert f.from_unit(0.1) == 0.999 and f.is_fixed

    def test_validate_keeps_bool_apart_from_int(self) -> None:
        with pytest.raises(InvalidSpaceError, match="must be one of"):
            Choice("x", [0, 1]).validate(True)
        assert Choice("x", [1.0, 2.0]).validate(2) == 2.0


class TestErrors:
    @pytest.mark.parametrize(
        ("make", "match"),
        [
            (
                lambda: Int("u", 10, 5),
                r"Int\('u'\): min_value must be <= max_value, got "
                r"min_value=10, max_value=5\. Swap",
            ),
            (
                lambda: Float("lr", 0.0, 1.0, sampling="log"),
                r"log sampling needs min_value > 0, got min_value=0\.0",
            ),
            (lambda: Float("lr", -1.0, 1.0, sampling="log"), "min_value > 0"),
            (
                lambda: Float("b", 0.9, 1.0, sampling="reverse_log"),
                r"Float\('b'\): reverse_log sampling needs max_value < 1, got max_value=1\.0\. "
                r"reverse_log samples 1 - value on a log scale; try max_value=0\.999\.",
            ),
            (lambda: Choice("a", []), r"values must not be empty, got values=\[\]"),
            (lambda: Choice("a", [1, "x"]), r"values must all be of one type, got values="),
            (lambda: Choice("a", [1, 1]), "values must be distinct"),
            (
                lambda: Float("x", 0, 1, sampling="cubic"),
                r"unknown sampling, got sampling='cubic'\. Use one of 'linear', 'log', "
                r"'reverse_log'",
            ),
            (lambda: Int("x", 1.5, 3), r"min_value must be an integer, got min_value=1\.5"),
            (lambda: Int("x", 1, 8, step=1, sampling="log"), "step is a multiplier"),
            (lambda: Float("x", 0, 1, step=-0.1), r"step must be > 0, got step=-0\.1"),
            (
                lambda: Float("x", 0, 1, default=2.0),
                r"default must lie in \[0\.0, 1\.0\], got default=2\.0",
            ),
            (lambda: Float("x", 0, math.inf), "max_value must be a finite number"),
            (lambda: Int("", 1, 2), "name must be a non-empty string"),
            (lambda: Choice("a", "abc"), "values must be a list"),
            (lambda: Float("x", 0, 1, sampling=None), r"got sampling=None\. Use one of"),
            (lambda: Condition("opt", None), r"Condition\('opt'\): values must be .*values=None"),
        ],
    )
    def test_bad_definitions_name_parameter_value_and_fix(self, make, match) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(InvalidSpaceError, match=match):
            make()

    def test_off_grid_value(self) -> None:
        with pytest.raises(InvalidSpaceError, match="must lie on the grid of step=32"):
            Int("u", 32, 512, step=32).validate(40)


def test_config_round_trip() -> None:
    params = [
        Int("u", 32, 512, step=32, default=64),
        Float("lr", 1e-4, 1e-1, sampling="log"),
        Float("b", 0.9, 0.999, sampling="reverse_log", conditions=[Condition("opt", ["sgd"])]),
        Choice("opt", ["adam", "sgd"], default="sgd"),
        Boolean("bn", default=True),
        Fixed("eps", 1e-8),
    ]
    for p in params:
        assert from_config(p.to_config()) == p
