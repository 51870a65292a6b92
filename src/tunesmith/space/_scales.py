"""Scales: the maps between a hyperparameter's value and the oracle's unit interval.

A scale is a monotone transform ``g`` with its exact inverse. A numeric parameter spreads
the unit interval uniformly over ``[g(low), g(high)]``, so

- ``linear``: ``g(x) = x`` (widths, depths);
- ``log``: ``g(x) = log10(x)``, so ``r`` uniform in ``[log10 min, log10 max]`` and
  ``x = 10**r`` (the learning rate);
- ``reverse_log``: ``g(x) = -log10(1 - x)``, so ``1 - x`` is log-uniform on
  ``[1 - max, 1 - min]`` (momentum-like β: the averaging window ``1 / (1 - β)``).

Oracles never see these: they work in ``[0, 1]`` and the parameter maps both ways.
"""

from __future__ import annotations

import abc
import decimal
import math
from typing import ClassVar, Literal

Sampling = Literal["linear", "log", "reverse_log"]


def _decimals(x: float) -> int:
    """Decimal places in the shortest repr of ``x`` (0.25 -> 2, 1e-05 -> 5), at most 15."""
    exponent = decimal.Decimal(repr(float(x))).as_tuple().exponent
    return min(15, max(0, -int(exponent)))


def _significant(x: float) -> float:
    """``x`` to 12 significant digits: removes the noise of products and powers."""
    return float(f"{x:.12g}")


class Scale(abc.ABC):
    """A monotone increasing transform and its inverse; stateless."""

    name: ClassVar[str]

    @abc.abstractmethod
    def forward(self, value: float) -> float:
        """Maps a value to the scale's uniform coordinate."""

    @abc.abstractmethod
    def inverse(self, coordinate: float) -> float:
        """Maps a uniform coordinate back to a value."""

    @abc.abstractmethod
    def domain_error(self, low: float, high: float) -> str | None:
        """Says what is wrong if ``[low, high]`` is outside the scale's domain, else None."""

    def step_forward(self, step: float) -> float:
        """The spacing in the uniform coordinate that a step of the parameter makes."""
        return step

    def grid_value(self, low: float, step: float, k: int) -> float:
        """The ``k``-th value of the grid that starts at ``low`` with ``step``, without the
        binary noise of repeated addition (0.1 * 3 gives 0.3, not 0.30000000000000004)."""
        return round(low + k * step, max(_decimals(low), _decimals(step)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class LinearScale(Scale):
    """``g(x) = x``; a step adds."""

    name = "linear"

    def forward(self, value: float) -> float:
        return value

    def inverse(self, coordinate: float) -> float:
        return coordinate

    def domain_error(self, low: float, high: float) -> str | None:
        return None


class LogScale(Scale):
    """``g(x) = log10 x``; a step multiplies (``step=2``: 1, 2, 4, 8, as in Keras Tuner)."""

    name = "log"

    def forward(self, value: float) -> float:
        return math.log10(value)

    def inverse(self, coordinate: float) -> float:
        return float(10.0**coordinate)

    def domain_error(self, low: float, high: float) -> str | None:
        if low <= 0:
            return (
                f"log sampling needs min_value > 0, got min_value={low!r}. "
                "Give a positive lower bound (e.g. 1e-5), or use sampling='linear'."
            )
        return None

    def step_forward(self, step: float) -> float:
        return math.log10(step)

    def grid_value(self, low: float, step: float, k: int) -> float:
        return _significant(low * step**k)


class ReverseLogScale(Scale):
    """``g(x) = -log10(1 - x)``: ``1 - x`` is log-uniform; a step divides ``1 - x``.

    ``step=10`` on ``[0.9, 0.999]`` gives 0.9, 0.99, 0.999.
    """

    name = "reverse_log"

    def forward(self, value: float) -> float:
        return -math.log10(1.0 - value)

    def inverse(self, coordinate: float) -> float:
        return float(1.0 - 10.0 ** (-coordinate))

    def domain_error(self, low: float, high: float) -> str | None:
        if high >= 1:
            return (
                f"reverse_log sampling needs max_value < 1, got max_value={high!r}. "
                "reverse_log samples 1 - value on a log scale; try max_value=0.999."
            )
        return None

    def step_forward(self, step: float) -> float:
        return math.log10(step)

    def grid_value(self, low: float, step: float, k: int) -> float:
        return 1.0 - _significant((1.0 - low) / step**k)


SCALES: dict[str, Scale] = {s.name: s for s in (LinearScale(), LogScale(), ReverseLogScale())}


def get_scale(sampling: str, where: str) -> Scale:
    """Returns the scale named ``sampling``; ``where`` names the parameter for the error."""
    try:
        return SCALES[sampling.lower()]
    except (KeyError, AttributeError):
        from tunesmith.exceptions import InvalidSpaceError

        raise InvalidSpaceError(
            f"{where}: unknown sampling, got sampling={sampling!r}. "
            f"Use one of {', '.join(repr(n) for n in SCALES)}."
        ) from None
