"""Every backend (memory, SQLite, PostgreSQL) passes the one storage contract."""

from __future__ import annotations

from tunesmith.testing import StorageContract


class TestStorage(StorageContract):
    """The `storage` fixture of conftest.py is parametrized over the backends."""
