"""Argument checks shared by every public constructor, each with the house error shape:
``where: the rule, got name=value.``

``check_positive`` and ``check_int_at_least`` take Python numbers only; their callers (the
schedulers, the oracles, ``Tuner``) store the value in a study's settings as given. ``as_int``
and ``as_real`` also take NumPy numbers (and, for ``as_real``, 0-d arrays and tensors) and
return a Python ``int`` or ``float``, which the caller keeps: what reaches JSON attrs and
``weights_only`` checkpoints stays plain."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunesmith.exceptions import InvalidArgumentError


def check_positive(
    where: str, name: str, value: Any, *, integer: bool = False, finite: bool = True
) -> None:
    """Raises unless ``value`` is a number (an int if ``integer``) greater than 0, and finite
    unless ``finite`` is False."""
    kinds = (int,) if integer else (int, float)
    top = math.inf if finite else math.nan
    ok = isinstance(value, kinds) and not isinstance(value, bool) and value > 0
    if not ok or (finite and not value < top):
        kind = "integer" if integer else "finite number" if finite else "number"
        raise InvalidArgumentError(
            f"{where}: {name} must be a positive {kind}, got {name}={value!r}."
        )


def check_int_at_least(where: str, name: str, value: Any, low: int) -> None:
    """Raises unless ``value`` is an int of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgumentError(
            f"{where}: {name} must be an integer >= {low}, got {name}={value!r}."
        )


def as_int(where: str, name: str, value: Any, low: int, fix: str = "") -> int:
    """``value`` as an ``int`` (a Python or NumPy integer) of at least ``low``."""
    if (
        isinstance(value, bool | np.timedelta64)
        or not isinstance(value, numbers.Integral)
        or value < low
    ):
        raise InvalidArgumentError(
            f"{where}: {name} must be an integer >= {low}, got {name}={value!r}." + _then(fix)
        )
    return int(value)


def as_real(
    where: str,
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    fix: str = "",
) -> float:
    """``value`` as a finite ``float`` in the interval from ``low`` to ``high`` (open at an
    end when asked): a Python or NumPy number, or a 0-d array or tensor."""
    number = _real(value)
    inside = number is not None and math.isfinite(number)
    if inside:
        assert number is not None
        inside = (low < number if low_open else low <= number) and (
            number < high if high_open else number <= high
        )
    if not inside:
        bounds = ""
        if low > -math.inf and high < math.inf:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            bounds = f" in {left}{_bound(low)}, {_bound(high)}{right}"
        elif low > -math.inf:
            bounds = f" {'>' if low_open else '>='} {_bound(low)}"
        elif high < math.inf:
            bounds = f" {'<' if high_open else '<='} {_bound(high)}"
        raise InvalidArgumentError(
            f"{where}: {name} must be a finite number{bounds}, got {name}={value!r}." + _then(fix)
        )
    assert number is not None
    return number


def _real(value: Any) -> float | None:
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()  # a 0-d array or tensor: its Python scalar
    if isinstance(value, bool | np.bool_ | np.timedelta64) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:.6g}"


def _then(fix: str) -> str:
    return f" {fix}" if fix else ""


def as_list(where: str, name: str, value: Any, fix: str = "") -> list[Any]:
    """``value`` as a non-empty list: a sequence or a 1-d array, not a string (which would
    read as its letters), nor a set or generator (no order, or used up by the check)."""
    ordered = isinstance(value, Sequence) or getattr(value, "ndim", 0) == 1
    items: list[Any] = [] if isinstance(value, str | bytes) or not ordered else list(value)
    if not items:
        raise InvalidArgumentError(
            f"{where}: {name} must be a non-empty list, got {name}={value!r}." + _then(fix)
        )
    return items


def check_values(where: str, values: Any, example: str) -> None:
    """Raises unless ``values`` maps parameter names (strings) to values."""
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise InvalidArgumentError(
            f"{where}: values must map parameter names to values, got values={values!r}. "
            f"Write e.g. {example}."
        )
