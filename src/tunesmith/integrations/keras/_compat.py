"""Where tunesmith deliberately differs from keras_tuner, and the one-time warnings."""

from __future__ import annotations

import warnings

from tunesmith.space import SearchSpace


class KerasTunerDifferenceWarning(UserWarning):
    """A script relies on a keras_tuner behaviour that tunesmith deliberately changed."""


REVERSE_LOG = (
    "{name}: sampling='reverse_log' means 1 - value on a log scale in tunesmith (values "
    "crowd towards max_value as 1 - value shrinks, as β does near 1), not keras_tuner's "
    "mirrored log of [min_value, max_value]; max_value must be < 1. See "
    "docs/keras-compatibility.md."
)
NON_FINITE = (
    "trial {number}: {metric} was {value}. tunesmith fails a trial whose objective is not "
    "finite (it does not rank it), where keras_tuner would have scored it. Lower the "
    "learning rate or clip gradients if many trials diverge."
)


class OnceWarner:
    """Issues each kind of difference warning once per tuner."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def warn(self, key: str, message: str) -> None:
        if key in self._seen:
            return
        self._seen.add(key)
        warnings.warn(message, KerasTunerDifferenceWarning, stacklevel=4)

    def check_space(self, space: SearchSpace) -> None:
        """Warns once if a parameter samples on tunesmith's reverse_log scale."""
        for param in space:
            if getattr(param, "sampling", None) == "reverse_log":
                self.warn("reverse_log", REVERSE_LOG.format(name=f"{param.kind}({param.name!r})"))
                return
