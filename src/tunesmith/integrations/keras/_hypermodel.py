"""HyperModel: keras_tuner's class, a model builder with an overridable fit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.space import HyperParameters


class HyperModel:
    """Builds (and optionally fits) a Keras model from hyperparameters.

    Subclass it and write ``build(hp)``, returning a compiled model. Override
    ``fit(hp, model, *args, **kwargs)`` to tune what model.fit takes (the batch size, data
    preprocessing); ``args`` and ``kwargs`` are what ``tuner.search(...)`` was given, with
    the tuner's callbacks added to ``kwargs["callbacks"]``: pass them on to ``model.fit``.

    Args:
        name: A name for the record.
        tunable: Kept for keras_tuner's signature; tunesmith tunes every hypermodel.

    Example:
        >>> import tunesmith.keras as kt
        >>> class Wide(kt.HyperModel):
        ...     def build(self, hp):
        ...         return hp.Int("units", 8, 64, step=8)
        >>> Wide().build(kt.HyperParameters())
        40
    """

    def __init__(self, name: str | None = None, tunable: bool = True) -> None:
        self.name = name
        self.tunable = tunable

    def build(self, hp: HyperParameters) -> Any:
        """Returns a compiled Keras model for the values in ``hp``."""
        raise InvalidArgumentError(
            f"{type(self).__name__}.build: a HyperModel subclass must define build(self, hp) "
            "and return a compiled Keras model."
        )

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Trains ``model``; returns its History, a dict of metrics, or the objective's value.

        The default is ``model.fit(*args, **kwargs)``.
        """
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    """A build function as a HyperModel (``RandomSearch(build_model, ...)``)."""

    def __init__(self, build: Callable[[HyperParameters], Any]) -> None:
        super().__init__(name=getattr(build, "__name__", None))
        self._build = build

    def build(self, hp: HyperParameters) -> Any:
        return self._build(hp)


def as_hypermodel(hypermodel: Any, where: str) -> HyperModel:
    """A HyperModel from a HyperModel or a build function; anything else is refused."""
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return _FunctionHyperModel(hypermodel)
    raise InvalidArgumentError(
        f"{where}: hypermodel must be a HyperModel or a function build(hp) returning a "
        f"compiled model, got hypermodel={hypermodel!r}."
    )
