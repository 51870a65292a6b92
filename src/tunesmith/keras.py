"""keras_tuner's API on tunesmith: ``import tunesmith.keras as kt``.

The same names as :mod:`tunesmith.integrations.keras`, which holds them; importing this
module without Keras raises MissingDependencyError naming ``tunesmith[keras]``.
"""

from tunesmith.integrations.keras import *  # noqa: F403
from tunesmith.integrations.keras import __all__ as __all__
