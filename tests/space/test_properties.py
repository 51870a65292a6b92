"""Property tests: every sampled value is valid, maps round trip, and each scale's samples
follow its distribution."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from tunesmith.space import Choice, Float, Int

units = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def numeric_params(draw: st.DrawFn) -> Float | Int:
    sampling = draw(st.sampled_from(["linear", "log", "reverse_log"]))
    integer = draw(st.booleans())
    if sampling == "log":
        lo = draw(st.integers(1, 1000)) if integer else draw(st.floats(1e-8, 1e3))
        hi = lo + (draw(st.integers(0, 10**5)) if integer else draw(st.floats(0, 1e4)))
    elif sampling == "reverse_log":
        if integer:
            lo = draw(st.integers(-(10**4), 0))
            hi = draw(st.integers(lo, 0))
        else:
            lo = draw(st.floats(-10.0, 0.999999))
            hi = draw(st.floats(lo, 0.9999999))
    else:
        lo = draw(st.integers(-(10**5), 10**5)) if integer else draw(st.floats(-1e5, 1e5))
        hi = lo + (draw(st.integers(0, 10**5)) if integer else draw(st.floats(0, 1e5)))
    step = None
    if draw(st.booleans()) and not (integer and sampling == "reverse_log"):
        if sampling == "linear":
            step = draw(st.integers(1, 50)) if integer else draw(st.floats(1e-3, 1e3))
        else:
            step = draw(st.integers(2, 10)) if integer else draw(st.floats(1.01, 10.0))
    cls = Int if integer else Float
    return cls("p", lo, hi, step=step, sampling=sampling)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(numeric_params(), units)
def test_every_sampled_value_is_valid(param: Float | Int, u: float) -> None:
    value = param.from_unit(u)
    assert param.validate(value) == value
    assert param.min_value <= value <= param.max_value
    if isinstance(param, Int):
        assert isinstance(value, int)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(numeric_params(), units)
def test_decode_of_encode_is_identity(param: Float | Int, u: float) -> None:
    value = param.from_unit(u)
    back = param.from_unit(param.to_unit(value))
    if param.n_values is not None:
        assert back == value  # grids round trip exactly
    else:
        assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-9 * (abs(param.max_value) + 1))


@settings(max_examples=200)
@given(numeric_params())
def test_encoding_is_monotone(param: Float | Int) -> None:
    us = np.linspace(0, 1, 41)
    values = [param.from_unit(float(u)) for u in us]
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=8, unique=True), units)
def test_choice_round_trip(values: list[str], u: float) -> None:
    c = Choice("c", values)
    v = c.from_unit(u)
    assert v in values and c.from_unit(c.to_unit(v)) == v


def _sample(param: Float | Int, n: int = 4000) -> np.ndarray:
    rng = np.random.default_rng(123)
    return np.array([param.from_unit(u) for u in rng.random(n)], dtype=float)


def test_log_samples_are_log_uniform() -> None:
    values = _sample(Float("lr", 1e-4, 1.0, sampling="log"))
    r = np.log10(values)
    assert stats.kstest(r, stats.uniform(loc=-4, scale=4).cdf).pvalue > 0.01
    # The notes' point: uniform sampling would put 90% in [0.1, 1]; log puts 25% there.
    assert 0.2 < np.mean(values > 0.1) < 0.3


def test_reverse_log_samples_have_log_uniform_one_minus_beta() -> None:
    values = _sample(Float("beta", 0.9, 0.999, sampling="reverse_log"))
    r = np.log10(1 - values)
    assert stats.kstest(r, stats.uniform(loc=-3, scale=2).cdf).pvalue > 0.01
    # As much probability on [0.99, 0.999] as on [0.9, 0.99].
    assert abs(np.mean(values >= 0.99) - 0.5) < 0.03


def test_linear_samples_are_uniform() -> None:
    values = _sample(Float("units", 50, 100))
    assert stats.kstest(values, stats.uniform(loc=50, scale=50).cdf).pvalue > 0.01


def test_discrete_grids_sample_each_value_equally() -> None:
    rng = np.random.default_rng(123)
    for param in (
        Int("layers", 1, 5),
        Int("bs", 16, 256, step=2, sampling="log"),
        Choice("act", ["relu", "elu", "gelu"]),
    ):
        picks = [param.from_unit(u) for u in rng.random(6000)]
        counts = [picks.count(v) for v in param.grid()]
        assert sum(counts) == 6000
        assert stats.chisquare(counts).pvalue > 0.01


def test_unstepped_log_int_is_log_uniform_in_cells() -> None:
    values = _sample(Int("units", 1, 1024, sampling="log"), 6000)
    # P(value <= 31) = P(log10 x < log10 31.5) over [log10 0.5, log10 1024.5].
    expected = (math.log10(31.5) - math.log10(0.5)) / (math.log10(1024.5) - math.log10(0.5))
    assert abs(np.mean(values <= 31) - expected) < 0.03
