"""Argument checks shared by every public constructor, each with the house error shape:
``where: the rule, got name=value.``"""

from __future__ import annotations

import math
from typing import Any

from tunesmith.exceptions import InvalidArgumentError


def check_positive(where: str, name: str, value: Any, *, integer: bool = False) -> None:
    """Raises unless ``value`` is a finite number (an int if ``integer``) greater than 0."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value < math.inf:
        kind = "integer" if integer else "finite number"
        raise InvalidArgumentError(
            f"{where}: {name} must be a positive {kind}, got {name}={value!r}."
        )


def check_int_at_least(where: str, name: str, value: Any, low: int) -> None:
    """Raises unless ``value`` is an int of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgumentError(
            f"{where}: {name} must be an integer >= {low}, got {name}={value!r}."
        )
