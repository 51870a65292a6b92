"""Hyperparameter definitions: Int, Float, Choice, Boolean, Fixed, and conditions.

A definition is a frozen record; a trial's values are a plain mapping kept elsewhere. Each
definition maps exactly both ways between its values and the unit interval the oracles
work in:

- continuous ``Float``: the scale spreads ``[0, 1]`` over ``[g(min), g(max)]``;
- a grid (``step`` given, or an ``Int``): every allowed value owns one cell of the unit
  interval and its encoding lies inside that cell, so ``decode(encode(v)) == v``. A stepped
  grid is uniform in the scale's own coordinate, so its ``n`` values get ``n`` equal cells;
  an unstepped ``Int`` spreads ``[min - 0.5, max + 0.5]`` through the scale and rounds.
- ``Choice`` / ``Boolean``: ``n`` equal cells, in the order the values were given.
"""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.space._scales import Scale, get_scale

Value = int | float | str | bool
_VALUE_TYPES = (bool, int, float, str)


def _type_name(value: object) -> str:
    return type(value).__name__


@dataclasses.dataclass(frozen=True)
class Condition:
    """Makes a parameter active only while ``parent`` takes one of ``values``.

    Example:
        >>> from tunesmith.space import Condition, Float
        >>> Float("momentum", 0.8, 0.99, conditions=[Condition("optimizer", ["sgd"])])
        Float('momentum', 0.8, 0.99, conditions=[Condition('optimizer', ['sgd'])])
    """

    parent: str
    values: tuple[Value, ...]

    def __init__(self, parent: str, values: Value | Iterable[Value]) -> None:
        if isinstance(values, _VALUE_TYPES):
            values = (values,)
        elif not isinstance(values, Iterable):
            raise InvalidSpaceError(
                f"Condition({parent!r}): values must be the parent's values under which the "
                f"parameter is active, got values={values!r}. Write e.g. "
                f"parent_name={parent!r}, parent_values=['sgd']."
            )
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "values", tuple(values))
        if not self.values:
            raise InvalidSpaceError(
                f"Condition({parent!r}): values must not be empty, got values=[]. "
                "Name the parent values under which the parameter is active."
            )

    def is_met(self, values: Mapping[str, Any]) -> bool:
        return self.parent in values and values[self.parent] in self.values

    def to_config(self) -> dict[str, Any]:
        return {"parent": self.parent, "values": list(self.values)}

    def __repr__(self) -> str:
        return f"Condition({self.parent!r}, {list(self.values)!r})"


class Hyperparameter(abc.ABC):
    """Base of the definitions. Subclasses are frozen dataclasses."""

    kind: ClassVar[str]
    name: str
    conditions: tuple[Condition, ...]

    @property
    @abc.abstractmethod
    def default_value(self) -> Value:
        """The value used when nothing else is known (the default, or a natural middle)."""

    @abc.abstractmethod
    def to_unit(self, value: Any) -> float:
        """Maps a valid value into ``[0, 1]``."""

    @abc.abstractmethod
    def from_unit(self, unit: float) -> Value:
        """Maps any point of ``[0, 1]`` to a valid value."""

    @abc.abstractmethod
    def validate(self, value: Any, what: str = "value") -> Value:
        """Returns ``value`` in canonical form, or raises InvalidSpaceError saying why."""

    @abc.abstractmethod
    def grid(self) -> list[Value] | None:
        """All values, in order, if there are finitely many; None for a continuum."""

    @property
    @abc.abstractmethod
    def n_values(self) -> int | None:
        """How many values there are (cheap, no list built); None for a continuum."""

    @abc.abstractmethod
    def _config(self) -> dict[str, Any]:
        """The definition's own fields, for ``to_config``."""

    @property
    def is_categorical(self) -> bool:
        """True when the values have no order (a model should not treat them as numbers)."""
        return False

    @property
    def is_fixed(self) -> bool:
        return False

    def is_active(self, values: Mapping[str, Any]) -> bool:
        """True when every condition holds for ``values`` (the active values so far)."""
        return all(c.is_met(values) for c in self.conditions)

    def to_config(self) -> dict[str, Any]:
        config = {"type": self.kind, "name": self.name, **self._config()}
        if self.conditions:
            config["conditions"] = [c.to_config() for c in self.conditions]
        return config

    def with_conditions(self, conditions: Sequence[Condition]) -> Hyperparameter:
        return dataclasses.replace(self, conditions=tuple(conditions))  # type: ignore[type-var]

    def _where(self) -> str:
        return f"{self.kind}({self.name!r})"

    def _invalid(self, message: str) -> InvalidSpaceError:
        return InvalidSpaceError(f"{self._where()}: {message}")

    def __repr__(self) -> str:
        config = self._config()
        parts = [repr(self.name)]
        parts += [repr(v) for k, v in config.items() if k in self._positional]
        parts += [
            f"{k}={v!r}"
            for k, v in config.items()
            if k not in self._positional and v != self._defaults.get(k)
        ]
        if self.conditions:
            parts.append(f"conditions={list(self.conditions)!r}")
        return f"{self.kind}({', '.join(parts)})"

    _positional: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}


def _check_name(kind: str, name: object) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidSpaceError(
            f"{kind}(name={name!r}): name must be a non-empty string. "
            "Give each hyperparameter a name, e.g. 'learning_rate'."
        )


def _check_conditions(where: str, conditions: Iterable[object]) -> tuple[Condition, ...]:
    items: list[Condition] = []
    for c in conditions:
        if not isinstance(c, Condition):
            raise InvalidSpaceError(
                f"{where}: conditions must be Condition objects, got {c!r}. "
                "Write Condition('parent', [values])."
            )
        items.append(c)
    return tuple(items)


@dataclasses.dataclass(frozen=True, repr=False)
class _Numeric(Hyperparameter):
    """Shared mapping of Int and Float."""

    name: str
    min_value: float
    max_value: float
    step: float | None = None
    sampling: str = "linear"
    default: float | None = None
    conditions: tuple[Condition, ...] = ()

    _positional: ClassVar[tuple[str, ...]] = ("min_value", "max_value")
    _defaults: ClassVar[dict[str, Any]] = {"step": None, "sampling": "linear", "default": None}

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)
        object.__setattr__(self, "conditions", _check_conditions(self._where(), self.conditions))
        scale = get_scale(self.sampling, self._where())  # the error shows the value given
        object.__setattr__(self, "sampling", self.sampling.lower())
        self._check_bounds()
        lo, hi = self.min_value, self.max_value
        if lo > hi:
            raise self._invalid(
                f"min_value must be <= max_value, got min_value={lo!r}, max_value={hi!r}. "
                "Swap the two bounds."
            )
        problem = scale.domain_error(lo, hi)
        if problem:
            raise self._invalid(problem)
        if self.step is not None:
            self._check_step(scale)
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_layout", self._make_layout(scale))
        if self.default is not None:
            object.__setattr__(self, "default", self.validate(self.default, what="default"))

    # -- checks ---------------------------------------------------------------------------
    def _check_bounds(self) -> None:
        for field in ("min_value", "max_value"):
            v = getattr(self, field)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self._invalid(
                    f"{field} must be a finite number, got {field}={v!r}. Give a number."
                )

    def _check_step(self, scale: Scale) -> None:
        step = self.step
        if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step):
            raise self._invalid(f"step must be a finite number, got step={step!r}.")
        if scale.name == "linear" and step <= 0:
            raise self._invalid(f"step must be > 0, got step={step!r}. Give a positive step.")
        if scale.name != "linear" and step <= 1:
            raise self._invalid(
                f"on a {scale.name} scale step is a multiplier and must be > 1, "
                f"got step={step!r}. For 1, 10, 100 write step=10."
            )

    # -- layout ---------------------------------------------------------------------------
    def _make_layout(self, scale: Scale) -> tuple[float, float, int | None]:
        """(low, width) in the scale's coordinate, and the number of grid cells if a grid."""
        g_lo, g_hi = scale.forward(self.min_value), scale.forward(self.max_value)
        if self.step is not None:
            s = scale.step_forward(self.step)
            n = int(math.floor((g_hi - g_lo) / s + 1e-9)) + 1
            return g_lo - s / 2, n * s, n
        if self._is_integer:
            lo = scale.forward(self.min_value - 0.5)
            return lo, scale.forward(self.max_value + 0.5) - lo, None
        return g_lo, g_hi - g_lo, None

    _is_integer: ClassVar[bool] = False

    @property
    def n_grid(self) -> int | None:
        """The number of grid values when ``step`` is given."""
        return self._layout[2]  # type: ignore[attr-defined,no-any-return]

    def _cast(self, value: float, *, on_grid: bool = False) -> Value:
        if self._is_integer:
            return int(round(value))
        if on_grid:  # the scale's grid value, kept inside the bounds
            value = min(max(value, self.min_value), self.max_value)
        return float(value)

    def to_unit(self, value: Any) -> float:
        value = self.validate(value)
        scale: Scale = self._scale  # type: ignore[attr-defined]
        g_lo, width, n = self._layout  # type: ignore[attr-defined]
        if n is not None:
            k = round((scale.forward(value) - scale.forward(self.min_value)) / (width / n))
            return float((min(max(k, 0), n - 1) + 0.5) / n)
        if width == 0:
            return 0.5
        return float(min(max((scale.forward(value) - g_lo) / width, 0.0), 1.0))

    def from_unit(self, unit: float) -> Value:
        unit = min(max(float(unit), 0.0), 1.0)
        scale: Scale = self._scale  # type: ignore[attr-defined]
        g_lo, width, n = self._layout  # type: ignore[attr-defined]
        if n is not None:
            k = min(int(unit * n), n - 1)
            value = scale.grid_value(self.min_value, self.step, k)  # type: ignore[arg-type]
            return self._cast(value, on_grid=True)
        x = scale.inverse(g_lo + unit * width)
        if self._is_integer:
            x = math.floor(x + 0.5)
        return self._cast(min(max(x, self.min_value), self.max_value))

    @property
    def n_values(self) -> int | None:
        if self.n_grid is not None:
            return self.n_grid
        if self._is_integer:
            return int(self.max_value - self.min_value) + 1
        return 1 if self.min_value == self.max_value else None

    def grid(self) -> list[Value] | None:
        n = self.n_grid
        if n is not None:
            return [self.from_unit((k + 0.5) / n) for k in range(n)]
        if self._is_integer:
            return list(range(int(self.min_value), int(self.max_value) + 1))
        if self.min_value == self.max_value:
            return [self._cast(self.min_value)]
        return None

    def validate(self, value: Any, what: str = "value") -> Value:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self._invalid(f"{what} must be a finite number, got {what}={value!r}.")
        if self._is_integer and value != int(value):
            raise self._invalid(f"{what} must be an integer, got {what}={value!r}.")
        span = abs(self.max_value - self.min_value) + abs(self.max_value)
        tol = 1e-9 * span
        if not (self.min_value - tol <= value <= self.max_value + tol):
            raise self._invalid(
                f"{what} must lie in [{self.min_value!r}, {self.max_value!r}], "
                f"got {what}={value!r}. Pick a value inside the range or widen it."
            )
        if self.n_grid is not None:
            scale: Scale = self._scale  # type: ignore[attr-defined]
            s = scale.step_forward(self.step)  # type: ignore[arg-type]
            k = (scale.forward(value) - scale.forward(self.min_value)) / s
            if abs(k - round(k)) > 1e-6:
                raise self._invalid(
                    f"{what} must lie on the grid of step={self.step!r} from "
                    f"min_value={self.min_value!r}, got {what}={value!r}. "
                    f"Nearby grid values: {self.from_unit(self.to_unit_unchecked(value))!r}."
                )
        return self._cast(value, on_grid=self.n_grid is not None)

    def to_unit_unchecked(self, value: float) -> float:
        scale: Scale = self._scale  # type: ignore[attr-defined]
        g_lo, width, _ = self._layout  # type: ignore[attr-defined]
        return 0.5 if width == 0 else min(max((scale.forward(value) - g_lo) / width, 0.0), 1.0)

    @property
    def default_value(self) -> Value:
        if self.default is not None:
            return self.default
        return self.from_unit(0.5)

    def _config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "step": self.step,
            "sampling": self.sampling,
            "default": self.default,
        }


@dataclasses.dataclass(frozen=True, repr=False)
class Int(_Numeric):
    """An integer in ``[min_value, max_value]`` (widths, depths, batch sizes).

    Args:
        name: The hyperparameter's name, unique in the space.
        min_value: Smallest value, included.
        max_value: Largest value, included.
        step: Distance between consecutive values; on a log scale a multiplier
            (``Int("batch", 16, 256, step=2, sampling="log")`` gives 16, 32, ..., 256).
        sampling: ``"linear"`` (default), ``"log"`` or ``"reverse_log"``.
        default: The value to start from; the middle of the range if None.

    Example:
        >>> from tunesmith.space import Int
        >>> Int("units", 32, 512, step=32).grid()[:3]
        [32, 64, 96]
    """

    kind: ClassVar[str] = "Int"
    _is_integer: ClassVar[bool] = True

    def _check_bounds(self) -> None:
        super()._check_bounds()
        for field in ("min_value", "max_value", "step"):
            v = getattr(self, field)
            if v is not None and v != int(v):
                raise self._invalid(
                    f"{field} must be an integer, got {field}={v!r}. "
                    "Use Float for a real-valued range."
                )
        if self.step is not None and self.sampling == "reverse_log":
            raise self._invalid(
                f"a reverse_log Int takes no step, got step={self.step!r}: its grid "
                "1 - (1 - min) / step**k is not made of integers. Drop step, or use Float."
            )
        object.__setattr__(self, "min_value", int(self.min_value))
        object.__setattr__(self, "max_value", int(self.max_value))
        if self.step is not None and not isinstance(self.step, bool):
            object.__setattr__(self, "step", int(self.step))


@dataclasses.dataclass(frozen=True, repr=False)
class Float(_Numeric):
    """A real number in ``[min_value, max_value]``.

    Args:
        name: The hyperparameter's name, unique in the space.
        min_value: Smallest value, included.
        max_value: Largest value, included.
        step: Makes the range a grid; on a log or reverse_log scale a multiplier.
        sampling: ``"linear"``, ``"log"`` (the learning rate) or ``"reverse_log"``
            (momentum-like β: ``1 - value`` is log-uniform).
        default: The value to start from; the middle of the range if None.

    Example:
        >>> from tunesmith.space import Float
        >>> beta = Float("beta_1", 0.9, 0.999, sampling="reverse_log")
        >>> round(beta.from_unit(0.5), 6)
        0.99
    """

    kind: ClassVar[str] = "Float"

    def _check_bounds(self) -> None:
        super()._check_bounds()
        object.__setattr__(self, "min_value", float(self.min_value))
        object.__setattr__(self, "max_value", float(self.max_value))


@dataclasses.dataclass(frozen=True, repr=False)
class Choice(Hyperparameter):
    """One of a list of values.

    Args:
        name: The hyperparameter's name, unique in the space.
        values: The values, all of one type (int, float, str or bool).
        ordered: Whether the values have an order a model may use; by default True for
            numbers, False otherwise.
        default: The value to start from; the first value if None.

    Example:
        >>> from tunesmith.space import Choice
        >>> Choice("activation", ["relu", "gelu", "selu"]).is_categorical
        True
    """

    kind: ClassVar[str] = "Choice"
    name: str
    values: tuple[Value, ...]
    ordered: bool | None = None
    default: Value | None = None
    conditions: tuple[Condition, ...] = ()

    _positional: ClassVar[tuple[str, ...]] = ("values",)
    _defaults: ClassVar[dict[str, Any]] = {"ordered": None, "default": None}

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)
        object.__setattr__(self, "conditions", _check_conditions(self._where(), self.conditions))
        if isinstance(self.values, str | bytes) or not isinstance(self.values, Iterable):
            raise self._invalid(
                f"values must be a list, got values={self.values!r}. Write values=[...]."
            )
        values = tuple(self.values)
        if not values:
            raise self._invalid(
                "values must not be empty, got values=[]. Give at least one value."
            )
        for v in values:
            if not isinstance(v, _VALUE_TYPES) or (isinstance(v, float) and not math.isfinite(v)):
                raise self._invalid(
                    f"values must be finite ints, floats, strings or booleans, got {v!r}."
                )
        types = {type(v) for v in values}
        if len(types) > 1:
            raise self._invalid(
                f"values must all be of one type, got values={list(values)!r} "
                f"(types {', '.join(sorted(t.__name__ for t in types))}). "
                "Make them one type, e.g. all floats or all strings."
            )
        if len(set(values)) != len(values):
            dup = [v for v in values if values.count(v) > 1][0]
            raise self._invalid(f"values must be distinct, got {dup!r} twice. Remove the repeat.")
        object.__setattr__(self, "values", values)
        numeric = isinstance(values[0], int | float) and not isinstance(values[0], bool)
        if self.ordered is None:
            object.__setattr__(self, "ordered", numeric)
        if self.default is not None:
            object.__setattr__(self, "default", self.validate(self.default, what="default"))

    @property
    def is_categorical(self) -> bool:
        return not self.ordered and len(self.values) > 1

    @property
    def default_value(self) -> Value:
        return self.values[0] if self.default is None else self.default

    def to_unit(self, value: Any) -> float:
        return (self.values.index(self.validate(value)) + 0.5) / len(self.values)

    def from_unit(self, unit: float) -> Value:
        n = len(self.values)
        return self.values[min(max(int(float(unit) * n), 0), n - 1)]

    def validate(self, value: Any, what: str = "value") -> Value:
        for v in self.values:
            if type(v) is type(value) and v == value:
                return v
        # Accept 3 for 3.0 and the like, but never True for 1.
        if not isinstance(value, bool):
            for v in self.values:
                if not isinstance(v, bool | str) and isinstance(value, int | float) and v == value:
                    return v
        raise self._invalid(
            f"{what} must be one of {list(self.values)!r}, got {what}={value!r}. "
            "Pick one of the listed values or add it to values."
        )

    def grid(self) -> list[Value] | None:
        return list(self.values)

    @property
    def n_values(self) -> int | None:
        return len(self.values)

    def _config(self) -> dict[str, Any]:
        return {"values": list(self.values), "ordered": self.ordered, "default": self.default}


@dataclasses.dataclass(frozen=True, repr=False)
class Boolean(Choice):
    """True or False (e.g. batch normalization on or off).

    Example:
        >>> from tunesmith.space import Boolean
        >>> Boolean("batch_norm").grid()
        [False, True]
    """

    kind: ClassVar[str] = "Boolean"
    values: tuple[Value, ...] = (False, True)
    ordered: bool | None = False
    default: Value | None = False

    _positional: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {"default": False}

    def __post_init__(self) -> None:
        if tuple(self.values) != (False, True):
            raise self._invalid("values are always [False, True]; use Choice for others.")
        super().__post_init__()

    @property
    def is_categorical(self) -> bool:
        return True

    def _config(self) -> dict[str, Any]:
        return {"default": self.default}


@dataclasses.dataclass(frozen=True, repr=False)
class Fixed(Hyperparameter):
    """A value that never changes; recorded with the trial so analysis sees it.

    Example:
        >>> from tunesmith.space import Fixed
        >>> Fixed("beta_2", 0.999).from_unit(0.3)
        0.999
    """

    kind: ClassVar[str] = "Fixed"
    name: str
    value: Value
    conditions: tuple[Condition, ...] = ()

    _positional: ClassVar[tuple[str, ...]] = ("value",)

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)
        object.__setattr__(self, "conditions", _check_conditions(self._where(), self.conditions))
        v = self.value
        if not isinstance(v, _VALUE_TYPES) or (isinstance(v, float) and not math.isfinite(v)):
            raise self._invalid(
                f"value must be a finite int, float, string or boolean, got value={v!r}."
            )

    @property
    def is_fixed(self) -> bool:
        return True

    @property
    def default_value(self) -> Value:
        return self.value

    def to_unit(self, value: Any) -> float:
        self.validate(value)
        return 0.5

    def from_unit(self, unit: float) -> Value:
        return self.value

    def validate(self, value: Any, what: str = "value") -> Value:
        if type(value) is type(self.value) and value == self.value:
            return self.value
        if not isinstance(value, bool) and isinstance(value, int | float) and value == self.value:
            return self.value
        raise self._invalid(f"{what} must be {self.value!r}, got {what}={value!r}.")

    def grid(self) -> list[Value] | None:
        return [self.value]

    @property
    def n_values(self) -> int | None:
        return 1

    def _config(self) -> dict[str, Any]:
        return {"value": self.value}


KINDS: dict[str, Any] = {k.kind: k for k in (Int, Float, Choice, Boolean, Fixed)}


def from_config(config: Mapping[str, Any]) -> Hyperparameter:
    """Rebuilds a definition from ``Hyperparameter.to_config()``."""
    config = dict(config)
    kind = config.pop("type")
    if kind not in KINDS:
        raise InvalidSpaceError(
            f"unknown hyperparameter type, got type={kind!r}. Use one of {sorted(KINDS)}."
        )
    conditions = tuple(Condition(c["parent"], c["values"]) for c in config.pop("conditions", ()))
    if kind == "Choice":
        config["values"] = tuple(config["values"])
    param: Hyperparameter = KINDS[kind](**config, conditions=conditions)
    return param
