"""SearchSpace: the ordered set of hyperparameter definitions of a study."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from tunesmith.exceptions import InvalidSpaceError
from tunesmith.space._params import Hyperparameter, Value, from_config


class SearchSpace:
    """An ordered set of definitions; it grows when define-by-run code meets a new name.

    The order is the order of definition, so a parent always comes before the parameters
    its conditions govern. ``encode`` and ``decode`` move whole configurations between
    values and the unit cube the oracles work in.

    Example:
        >>> from tunesmith.space import Float, Int, SearchSpace
        >>> space = SearchSpace([Float("lr", 1e-4, 1.0, sampling="log"), Int("units", 32, 256)])
        >>> space.decode({"lr": 0.5, "units": 0.0})
        {'lr': 0.01, 'units': 32}
    """

    def __init__(self, params: Iterable[Hyperparameter] = ()) -> None:
        self._params: dict[str, Hyperparameter] = {}
        for p in params:
            self.add(p)

    # -- the set ------------------------------------------------------------------------
    def add(self, param: Hyperparameter) -> Hyperparameter:
        """Adds ``param``; returns the existing definition if it is the same.

        Raises:
            InvalidSpaceError: the name is defined differently, or a condition names a
                parent that is not defined yet or a value the parent cannot take.
        """
        if not isinstance(param, Hyperparameter):
            raise InvalidSpaceError(
                f"SearchSpace: expected a hyperparameter definition, got {param!r}. "
                "Use Int, Float, Choice, Boolean or Fixed."
            )
        existing = self._params.get(param.name)
        if existing is not None:
            if existing != param:
                raise InvalidSpaceError(
                    f"{param.kind}({param.name!r}) is already defined as {existing!r}; "
                    f"got {param!r}. Give the new definition another name, or define it "
                    "the same way everywhere."
                )
            return existing
        for c in param.conditions:
            parent = self._params.get(c.parent)
            if parent is None:
                raise InvalidSpaceError(
                    f"{param.kind}({param.name!r}): its condition names parent "
                    f"{c.parent!r}, which is not defined. Define {c.parent!r} first."
                )
            for v in c.values:
                parent.validate(v, what=f"condition value for {param.name!r}")
        self._params[param.name] = param
        return param

    def merge(self, other: SearchSpace) -> bool:
        """Adds every definition of ``other``; returns True if anything was new."""
        before = len(self)
        for p in other:
            self.add(p)
        return len(self) != before

    def copy(self) -> SearchSpace:
        return SearchSpace(self._params.values())

    def __iter__(self) -> Iterator[Hyperparameter]:
        return iter(self._params.values())

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def __getitem__(self, name: str) -> Hyperparameter:
        try:
            return self._params[name]
        except KeyError:
            raise KeyError(
                f"no hyperparameter {name!r} in the space; defined: {list(self._params)}"
            ) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"SearchSpace({list(self)!r})"

    @property
    def names(self) -> list[str]:
        return list(self._params)

    @property
    def dimensions(self) -> list[Hyperparameter]:
        """The parameters that vary (all but Fixed), in order."""
        return [p for p in self if not p.is_fixed]

    # -- values ---------------------------------------------------------------------------
    def active_names(self, values: Mapping[str, Any]) -> list[str]:
        """The names active under ``values``: conditions met by active parents."""
        seen: dict[str, Any] = {}
        for p in self:
            if p.is_active(seen):
                seen[p.name] = values.get(p.name)
        return list(seen)

    def decode(self, point: Mapping[str, float]) -> dict[str, Value]:
        """Maps a unit-cube point to the active values; missing coordinates take 0.5."""
        values: dict[str, Value] = {}
        for p in self:
            if p.is_active(values):
                values[p.name] = p.from_unit(point.get(p.name, 0.5))
        return values

    def encode(self, values: Mapping[str, Any]) -> dict[str, float]:
        """Maps the active values to unit coordinates (inactive and unknown names left out)."""
        point: dict[str, float] = {}
        active: dict[str, Any] = {}
        for p in self:
            if p.is_active(active) and p.name in values:
                active[p.name] = values[p.name]
                point[p.name] = p.to_unit(values[p.name])
        return point

    def validate(self, values: Mapping[str, Any]) -> dict[str, Value]:
        """Checks a configuration given by hand (enqueued or told); returns it canonical.

        Names the space does not know are kept as given: define-by-run code may define them.
        """
        checked: dict[str, Value] = {}
        for name, value in values.items():
            checked[name] = self._params[name].validate(value) if name in self else value
        return checked

    def sample(self, rng: np.random.Generator) -> dict[str, float]:
        """A uniform point of the unit cube, one coordinate per dimension."""
        dims = self.dimensions
        return dict(zip((p.name for p in dims), rng.random(len(dims)).tolist(), strict=True))

    def defaults(self) -> dict[str, Value]:
        """The default configuration (each active parameter's default value)."""
        values: dict[str, Value] = {}
        for p in self:
            if p.is_active(values):
                values[p.name] = p.default_value
        return values

    # -- persistence ----------------------------------------------------------------------
    def to_config(self) -> list[dict[str, Any]]:
        return [p.to_config() for p in self]

    @classmethod
    def from_config(cls, config: Iterable[Mapping[str, Any]]) -> SearchSpace:
        return cls(from_config(c) for c in config)
