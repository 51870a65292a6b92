"""Where an analysis writes: checked before anything is written, so a mistyped path never
replaces the study's own database or ends in a bare OS error."""

from __future__ import annotations

from pathlib import Path

from tunesmith.exceptions import InvalidArgumentError
from tunesmith.storage import Storage


def output_path(path: str | Path | None, default: str, storage: Storage, where: str) -> Path:
    """The file to write: ``path``, or ``default`` in the current folder.

    Raises:
        InvalidArgumentError: the path is a folder, its folder does not exist, or it is the
            storage's own SQLite file (or one of its companions).
    """
    out = Path(path) if path is not None else Path(default)
    if out.is_dir():
        raise InvalidArgumentError(
            f"{where}: the output must be a file, got {str(out)!r}, a folder. Name a file "
            f"in it, e.g. {str(out / default)!r}."
        )
    if not out.parent.is_dir():
        raise InvalidArgumentError(
            f"{where}: the output's folder does not exist, got {str(out)!r}. Create "
            f"{str(out.parent)!r} first, or write elsewhere."
        )
    db = getattr(storage, "database_file", None)
    if db is not None:
        target = out.resolve()
        own = {
            db.resolve(),
            *(db.resolve().with_name(db.name + s) for s in ("-wal", "-shm", ".lock")),
        }
        if target in own:
            raise InvalidArgumentError(
                f"{where}: the output {str(out)!r} is the storage's own database, and writing "
                "it would destroy every study in it. Write to another file, e.g. "
                f"{default!r}."
            )
    return out
