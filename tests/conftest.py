"""Fixtures shared by the whole suite: fixed seeds, and storages of every kind."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import settings

from tunesmith.storage import InMemoryStorage, SQLStorage, Storage
from tunesmith.testing import PostgresServer, postgres_server

# Property tests draw the same examples on every run: CI is deterministic.
settings.register_profile("tunesmith", derandomize=True, deadline=None)
settings.load_profile("tunesmith")


@pytest.fixture(autouse=True)
def _fixed_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    random.seed(0)
    np.random.seed(0)
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.delenv("TUNESMITH_STORAGE", raising=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session (Debian's binaries, a temporary folder)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def storage_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A URL of each kind; memory means an InMemoryStorage."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/study.db"
    return request.getfixturevalue("postgres").create_database()  # type: ignore[no-any-return]


@pytest.fixture
def storage(storage_url: str) -> Iterator[Storage]:
    s: Storage = InMemoryStorage() if storage_url == "memory" else SQLStorage(storage_url)
    yield s
    s.close()
