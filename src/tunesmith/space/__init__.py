"""Search spaces: hyperparameter definitions, scales, conditions and the hp handle."""

from tunesmith.space._hyperparameters import HyperParameters
from tunesmith.space._params import (
    Boolean,
    Choice,
    Condition,
    Fixed,
    Float,
    Hyperparameter,
    Int,
    Value,
    from_config,
)
from tunesmith.space._scales import LinearScale, LogScale, ReverseLogScale, Sampling, Scale
from tunesmith.space._space import SearchSpace

__all__ = [
    "Boolean",
    "Choice",
    "Condition",
    "Fixed",
    "Float",
    "HyperParameters",
    "Hyperparameter",
    "Int",
    "LinearScale",
    "LogScale",
    "ReverseLogScale",
    "Sampling",
    "Scale",
    "SearchSpace",
    "Value",
    "from_config",
]
