"""A database of another schema version is refused with the way out."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tunesmith.exceptions import SchemaVersionError
from tunesmith.storage import SCHEMA_VERSION, SQLStorage, get_storage
from tunesmith.trial import Objective


@pytest.mark.parametrize(
    ("version", "fix"),
    [(SCHEMA_VERSION + 1, "Upgrade tunesmith"), (0, "This tunesmith has no upgrade path")],
)
def test_other_schema_version_is_refused(tmp_path: Path, version: int, fix: str) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    storage = SQLStorage(url)
    storage.create_study("s", Objective("loss"))
    storage.close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE tunesmith_schema SET version = :v"), {"v": version})
    engine.dispose()
    with pytest.raises(
        SchemaVersionError,
        match=f"uses storage schema {version}; this tunesmith reads schema "
        f"{SCHEMA_VERSION}. {fix}",
    ):
        SQLStorage(url)


def test_bad_url() -> None:
    from tunesmith.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="storage URL is not valid"):
        get_storage("sqlite//:nope://")


def test_storage_travels_by_url(tmp_path: Path) -> None:
    import pickle

    storage = SQLStorage(f"sqlite:///{tmp_path}/s.db")
    storage.create_study("s", Objective("loss"))
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.load_study("s").name == "s"
