"""Study: the record of one tuning effort, as the storage keeps it."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from tunesmith.space import SearchSpace
from tunesmith.trial import Objective


@dataclasses.dataclass(frozen=True)
class Study:
    """A named study: its objective, its space so far, and the settings it was made with.

    Attributes:
        name: Unique in the storage.
        objective: The metric and direction every trial is ranked by.
        space: The definitions met so far (it grows with define-by-run code).
        settings: Oracle, scheduler and seed settings, as plain JSON-able data.
        created_at: When the study was created, UTC.
    """

    name: str
    objective: Objective
    space: SearchSpace
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    created_at: datetime.datetime | None = None
