"""HyperParameters: the handle objective code calls to define and read hyperparameters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.space._params import (
    Boolean,
    Choice,
    Condition,
    Fixed,
    Float,
    Hyperparameter,
    Int,
    Value,
)
from tunesmith.space._space import SearchSpace

SampleNew = Callable[[Hyperparameter], float]


def _middle(param: Hyperparameter) -> float:
    return param.to_unit(param.default_value)


class HyperParameters:
    """Define-by-run access to one trial's values, with Keras Tuner's signatures.

    Calling ``hp.Float("lr", 1e-4, 1e-1, sampling="log")`` registers the definition in the
    study's space if it is new and returns this trial's value. A name met for the first
    time is given a value by ``sample_new`` (the oracle's choice for new names); a
    parameter whose conditions are not met returns None.

    Args:
        space: The study's space; new definitions are added to it.
        values: The trial's values so far; filled in as parameters are met.
        sample_new: Picks a unit coordinate for a parameter the trial has no value for;
            by default the parameter's default value.
        on_define: Called with the space each time a new name joins it (the study
            stores it at once, so other workers see the space early).

    Example:
        >>> from tunesmith.space import HyperParameters
        >>> hp = HyperParameters()
        >>> hp.Int("units", 32, 512, step=32, default=128)
        128
        >>> hp.values
        {'units': 128}
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        values: Mapping[str, Value] | None = None,
        *,
        sample_new: SampleNew | None = None,
        on_define: Callable[[SearchSpace], object] | None = None,
    ) -> None:
        self.space = space if space is not None else SearchSpace()
        self._on_define = on_define
        self._values: dict[str, Value] = dict(values or {})
        # Values given from outside (an enqueued configuration) are checked against each
        # definition as it is met: one outside it fails this trial, not the study.
        self._given = set(self._values)
        self._sample_new = sample_new or _middle
        self._scope: list[Condition] = []

    # -- definitions -----------------------------------------------------------------------
    def Int(  # noqa: N802 - Keras Tuner's spelling
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str = "linear",
        default: int | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Defines an integer (widths, depths). See :class:`tunesmith.space.Int`."""
        return self._get(
            Int(name, min_value, max_value, step, sampling, default),
            parent_name,
            parent_values,
        )

    def Float(  # noqa: N802
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
        default: float | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Defines a real number (log for rates, reverse_log for β). See :class:`Float`."""
        return self._get(
            Float(name, min_value, max_value, step, sampling, default),
            parent_name,
            parent_values,
        )

    def Choice(  # noqa: N802
        self,
        name: str,
        values: Iterable[Value],
        ordered: bool | None = None,
        default: Value | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Defines one of a list of values. See :class:`tunesmith.space.Choice`."""
        iterable = isinstance(values, Iterable) and not isinstance(values, str)
        given: Any = tuple(values) if iterable else values  # Choice refuses a non-list
        return self._get(Choice(name, given, ordered, default), parent_name, parent_values)

    def Boolean(  # noqa: N802
        self,
        name: str,
        default: bool = False,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Defines a switch. See :class:`tunesmith.space.Boolean`."""
        return self._get(Boolean(name, default=default), parent_name, parent_values)

    def Fixed(  # noqa: N802
        self,
        name: str,
        value: Value,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Records a value that does not vary. See :class:`tunesmith.space.Fixed`."""
        return self._get(Fixed(name, value), parent_name, parent_values)

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Makes the parameters defined inside active only when the parent takes a value.

        Example:
            >>> hp = HyperParameters()
            >>> opt = hp.Choice("optimizer", ["adam", "sgd"])
            >>> with hp.conditional_scope("optimizer", ["sgd"]):
            ...     momentum = hp.Float("momentum", 0.8, 0.99, sampling="reverse_log")
            >>> momentum is None  # adam is the default, so momentum is inactive
            True
        """
        if parent_name not in self.space:
            raise InvalidSpaceError(
                f"conditional_scope({parent_name!r}): the parent is not defined. "
                f"Define {parent_name!r} before the scope."
            )
        self._scope.append(Condition(parent_name, parent_values))
        try:
            yield
        finally:
            self._scope.pop()

    def _get(self, param: Hyperparameter, parent_name: str | None, parent_values: Any) -> Any:
        conditions = list(self._scope)
        if parent_name is not None:
            conditions.append(Condition(parent_name, parent_values))
        if conditions:
            param = param.with_conditions(conditions)
        is_new = param.name not in self.space
        param = self.space.add(param)
        if is_new and self._on_define is not None:
            self._on_define(self.space)
        if param.name in self._given:
            self._given.discard(param.name)
            try:
                self._values[param.name] = param.validate(self._values[param.name])
            except InvalidSpaceError as e:
                raise InvalidSpaceError(
                    f"{e} (the value this trial was given for {param.name!r}, e.g. by "
                    "enqueue; enqueue values inside the definition)"
                ) from None
        if not param.is_active(self._active_values()):
            return None
        if param.name not in self._values:
            self._values[param.name] = param.from_unit(self._sample_new(param))
        return self._values[param.name]

    def _active_values(self) -> dict[str, Value]:
        return {
            n: self._values[n] for n in self.space.active_names(self._values) if n in self._values
        }

    # -- reading ---------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Value]:
        """This trial's values of the active parameters met so far."""
        active = set(self.space.active_names(self._values))
        return {n: v for n, v in self._values.items() if n in active or n not in self.space}

    def get(self, name: str) -> Value:
        """The value of an already-defined parameter."""
        if name not in self._values:
            raise KeyError(
                f"hyperparameter {name!r} has no value in this trial; "
                f"known: {sorted(self._values)}. Define it with hp.Int/Float/Choice first."
            )
        return self._values[name]

    def __getitem__(self, name: str) -> Value:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __repr__(self) -> str:
        return f"HyperParameters({self.values!r})"
