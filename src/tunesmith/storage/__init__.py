"""Storage backends: the only state workers share."""

from __future__ import annotations

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.storage._base import SCHEMA_VERSION, Storage
from tunesmith.storage._memory import InMemoryStorage
from tunesmith.storage._sql import SQLStorage

__all__ = ["InMemoryStorage", "SCHEMA_VERSION", "SQLStorage", "Storage", "get_storage"]


def get_storage(storage: Storage | str | None) -> Storage:
    """Turns a URL into a backend: None or ``"memory"`` → InMemoryStorage, a SQLAlchemy URL
    (``sqlite:///study.db``, ``postgresql://...``) → SQLStorage; a Storage passes through."""
    if storage is None or storage == "memory":
        return InMemoryStorage()
    if isinstance(storage, Storage):
        return storage
    if isinstance(storage, str) and "://" in storage:
        return SQLStorage(storage)
    raise InvalidArgumentError(
        f"storage must be a Storage, a URL or None, got storage={storage!r}. "
        "Write storage='sqlite:///study.db' (a file), or None to keep trials in memory."
    )
