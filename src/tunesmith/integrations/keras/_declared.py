"""keras_tuner's ``hyperparameters=`` rules: declared definitions win, and with
``tune_new_entries=False`` the others keep their defaults."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tunesmith.space import Boolean, Choice, Float, HyperParameters, Int, SearchSpace, Value
from tunesmith.space import Hyperparameter as Definition


class DeclaredFirst:
    """The ``hp`` that build and fit see when the tuner was given ``hyperparameters``.

    A name declared there keeps its declared definition, whatever build writes (so
    ``hp.Fixed("learning_rate", 1e-3)`` pins a learning rate that build tunes). Any other
    name is tuned as build defines it, or, with ``tune_new_entries=False``, fixed at the
    default of build's definition. Everything else is the trial's ``hp``.

    Args:
        hp: The trial's HyperParameters.
        declared: The definitions of ``hyperparameters=``.
        tune_new_entries: Tune the names that are not declared.
    """

    def __init__(self, hp: HyperParameters, declared: SearchSpace, tune_new_entries: bool):
        self._hp = hp
        self._declared = declared
        self._tune_new = tune_new_entries

    def _define(self, new: Definition, parent_name: str | None, parent_values: Any) -> Any:
        parent = {"parent_name": parent_name, "parent_values": parent_values}
        if new.name in self._declared:
            config = self._declared[new.name].to_config()
            kind = config.pop("type")
            config.pop("conditions", None)
            return getattr(self._hp, kind)(**config, **parent)
        if not self._tune_new:
            return self._hp.Fixed(new.name, new.default_value, **parent)
        config = new.to_config()
        kind = config.pop("type")
        return getattr(self._hp, kind)(**config, **parent)

    def Int(  # noqa: N802 - keras_tuner's spelling
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
        new = Int(name, min_value, max_value, step, sampling, default)
        return self._define(new, parent_name, parent_values)

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
        new = Float(name, min_value, max_value, step, sampling, default)
        return self._define(new, parent_name, parent_values)

    def Choice(  # noqa: N802
        self,
        name: str,
        values: Any,
        ordered: bool | None = None,
        default: Value | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        new = Choice(name, tuple(values), ordered, default)
        return self._define(new, parent_name, parent_values)

    def Boolean(  # noqa: N802
        self,
        name: str,
        default: bool = False,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        return self._define(Boolean(name, default=default), parent_name, parent_values)

    def Fixed(  # noqa: N802
        self, name: str, value: Value, parent_name: str | None = None, parent_values: Any = None
    ) -> Any:
        if name in self._declared:
            return self._define(self._declared[name], parent_name, parent_values)
        return self._hp.Fixed(name, value, parent_name, parent_values)

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        with self._hp.conditional_scope(parent_name, parent_values):
            yield

    @property
    def values(self) -> dict[str, Value]:
        return self._hp.values

    def get(self, name: str) -> Value:
        return self._hp.get(name)

    def __getitem__(self, name: str) -> Value:
        return self._hp.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._hp

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hp, name)

    def __repr__(self) -> str:
        return repr(self._hp)
