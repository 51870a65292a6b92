"""SQLStorage: SQLite or PostgreSQL through SQLAlchemy Core.

Concurrency rests on the database's own transactions and locks:

- SQLite runs in WAL mode and opens every write transaction with ``BEGIN IMMEDIATE``, so
  writers queue on the database lock (``busy_timeout``) instead of failing mid-transaction.
- PostgreSQL numbers trials by bumping a counter on the study's row (the row lock orders
  concurrent creators) and claims waiting trials with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import datetime
import json
import time
import weakref

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy handler does the waiting
    fcntl = None  # type: ignore[assignment]
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tunesmith.exceptions import (
    DuplicatedStudyError,
    DuplicatedTrialError,
    InvalidArgumentError,
    SchemaVersionError,
    StorageError,
    StudyNotFoundError,
    TrialLimitReached,
    TrialNotFoundError,
)
from tunesmith.space import SearchSpace, Value
from tunesmith.storage import _checks
from tunesmith.storage import _schema as S
from tunesmith.storage import _statements as Q
from tunesmith.storage._base import SCHEMA_VERSION, Storage
from tunesmith.study import Study
from tunesmith.trial import Objective, Report, Trial, TrialState, utcnow

_UTC = datetime.UTC

#: A pooled PostgreSQL connection idle for longer than this is pinged before use (a
#: dropped one is replaced); one in steady use is not, which saves a round trip per verb.
PING_AFTER_IDLE = 1.0


def _to_db(t: datetime.datetime | None) -> datetime.datetime | None:
    return None if t is None else t.astimezone(_UTC).replace(tzinfo=None)


def _from_db(t: datetime.datetime | None) -> datetime.datetime | None:
    return None if t is None else t.replace(tzinfo=_UTC)


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names (None for another backend, in-memory SQLite,
    or a URL that does not parse)."""
    try:
        sa_url = sa.engine.make_url(normalize_url(url))
    except sa.exc.ArgumentError:
        return None
    db = sa_url.database
    if sa_url.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return None
    return Path(db)


def normalize_url(url: str) -> str:
    """Picks our drivers: psycopg 3 for PostgreSQL."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _ping_when_idle(engine: Engine) -> None:
    """Pings a pooled connection before use only if it sat idle for ``PING_AFTER_IDLE``
    seconds: a server restart or a dropped connection is caught the way ``pool_pre_ping``
    catches it, without a round trip per transaction in a busy worker."""

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["tunesmith_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("tunesmith_idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # noqa: BLE001 - any failure means: use a new connection
            raise sa.exc.DisconnectionError(f"stale pooled connection: {e}") from e


class SQLStorage(Storage):
    """Studies in a SQL database: ``sqlite:///path.db`` or ``postgresql://user@host/db``.

    Tables are created on first use; a database written with another schema version is
    refused with the command that fixes it. The storage can be pickled (it travels as its
    URL), so worker processes and Dask tasks open their own connections.

    Args:
        url: A SQLAlchemy URL.
        engine_kwargs: Passed to ``sqlalchemy.create_engine``.

    Example:
        >>> import tempfile, os
        >>> from tunesmith.storage import SQLStorage
        >>> from tunesmith.trial import Objective
        >>> path = os.path.join(tempfile.mkdtemp(), "study.db")
        >>> storage = SQLStorage(f"sqlite:///{path}")
        >>> storage.create_study("demo", Objective("val_accuracy")).objective.direction
        'max'
    """

    def __init__(self, url: str, *, engine_kwargs: Mapping[str, Any] | None = None) -> None:
        self.url = url
        self._engine_kwargs = dict(engine_kwargs or {})
        self._ids: dict[str, int] = {}
        self._engine = self._make_engine()
        self._check_schema()

    def _track(self, engine: Engine) -> Engine:
        # Pooled connections are closed when the storage is collected, not left to warn.
        weakref.finalize(self, engine.dispose)
        return engine

    # -- connection -------------------------------------------------------------------------
    def _make_engine(self) -> Engine:
        url = normalize_url(self.url)
        try:
            sa_url = sa.engine.make_url(url)
        except sa.exc.ArgumentError:
            raise InvalidArgumentError(
                f"storage URL is not valid, got url={self.url!r}. Write sqlite:///path/to.db "
                "or postgresql://user:password@host:port/database."
            ) from None
        kwargs = dict(self._engine_kwargs)
        backend = sa_url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise InvalidArgumentError(
                f"storage URL must name SQLite or PostgreSQL, got url={self._safe_url()!r} "
                f"({backend}). Write sqlite:///path/to.db or "
                "postgresql://user:password@host:port/database."
            )
        if backend == "sqlite" and sa_url.host:
            raise InvalidArgumentError(
                f"storage URL is not a SQLite file, got url={self.url!r}: "
                f"{sa_url.host!r} reads as a host. Write sqlite:///{sa_url.host} (three "
                "slashes before a relative path, four before an absolute one)."
            )
        db_file = sqlite_file(url)
        if db_file is not None and not db_file.parent.is_dir():
            raise InvalidArgumentError(
                f"storage URL names a file in a folder that does not exist, got "
                f"url={self.url!r} (no folder {str(db_file.parent)!r}). Create the folder, "
                "or check the path: sqlite:///rel/path.db is relative, sqlite:////abs/path.db "
                "absolute."
            )

        if backend == "sqlite":
            kwargs.setdefault("connect_args", {"timeout": 60})
            engine = sa.create_engine(url, **kwargs)
            self._is_sqlite = True
            db = sa_url.database
            self._lock_path = f"{db}.lock" if db and db != ":memory:" and fcntl else None

            @sa.event.listens_for(engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.close()

            @sa.event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                write = conn.info.get("tunesmith_write", True)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

            return self._track(engine)
        try:
            engine = sa.create_engine(url, **kwargs)
        except (ImportError, sa.exc.NoSuchModuleError) as e:
            raise InvalidArgumentError(
                f"storage URL needs a database driver that is not installed, got "
                f"url={self._safe_url()!r} ({e}). Use postgresql:// (tunesmith's psycopg 3), "
                "or install the driver the URL names."
            ) from e
        self._is_sqlite = False
        self._lock_path = None
        if "pool_pre_ping" not in kwargs:
            _ping_when_idle(engine)
        return self._track(engine)

    @contextmanager
    def _tx(self, *, write: bool = True, atomic: bool = True) -> Iterator[Connection]:
        """One transaction. On SQLite a write takes the database's write lock at once
        (BEGIN IMMEDIATE: no deadlock between upgrading readers); a read does not, and in
        WAL mode readers never wait for a writer.

        On PostgreSQL a read runs in autocommit: at its default isolation (READ COMMITTED)
        each statement sees a fresh snapshot even inside a transaction, so BEGIN and COMMIT
        would be two round trips for nothing. So does a write that is not ``atomic``: one
        whose single write statement is atomic on its own, followed at most by reads of
        rows that no longer change (the reports of a trial it just finished)."""
        try:
            with self._writer_turn(write), self._engine.connect() as conn:
                conn.info["tunesmith_write"] = write
                if not self._is_sqlite and not (write and atomic):
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                with conn.begin():
                    yield conn
        except sa.exc.OperationalError as e:
            raise StorageError(
                f"the database at {self._safe_url()} refused the operation: {e.orig}. "
                "Check that it is running and reachable, and that the URL is right."
            ) from e

    @contextmanager
    def _writer_turn(self, write: bool) -> Iterator[None]:
        """SQLite writers on one machine queue on an OS file lock before taking SQLite's:
        a waiter wakes the moment the lock is free, where SQLite's own busy handler sleeps
        in steps of up to 100 ms. SQLite's lock stays the one that guards the data."""
        path = self._lock_path if write else None
        if path is None:
            yield
            return
        with open(path, "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    @property
    def database_file(self) -> Path | None:
        """The SQLite file this storage keeps its studies in (None for PostgreSQL)."""
        return sqlite_file(self.url)

    def _safe_url(self) -> str:
        return sa.engine.make_url(normalize_url(self.url)).render_as_string(hide_password=True)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "engine_kwargs": self._engine_kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url = state["url"]
        self._engine_kwargs = state["engine_kwargs"]
        self._ids = {}
        self._engine = self._make_engine()

    def close(self) -> None:
        self._engine.dispose()

    # -- schema -----------------------------------------------------------------------------
    def _check_schema(self) -> None:
        with self._tx() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(S.schema_info.name):
                S.metadata.create_all(conn)
                conn.execute(sa.insert(S.schema_info).values(version=SCHEMA_VERSION))
                return
            found = conn.execute(sa.select(sa.func.max(S.schema_info.c.version))).scalar()
        if found != SCHEMA_VERSION:
            if found is not None and found > SCHEMA_VERSION:
                fix = "Upgrade tunesmith: pip install --upgrade tunesmith"
            else:
                fix = (
                    "This tunesmith has no upgrade path from it; export the trials with "
                    "an older tunesmith (tunesmith trials --csv) and start a new database"
                )
            raise SchemaVersionError(
                f"the database at {self._safe_url()} uses storage schema {found}; this "
                f"tunesmith reads schema {SCHEMA_VERSION}. {fix}."
            )

    # -- studies ----------------------------------------------------------------------------
    def _study_row(self, conn: Connection, name: str, *, lock: bool = False) -> Any:
        if lock and not self._is_sqlite:
            query = sa.select(S.studies).where(S.studies.c.name == name).with_for_update()
            row = conn.execute(query).first()
        else:
            row = conn.execute(Q.STUDY_BY_NAME, {"name": name}).first()
        if row is None:
            known = conn.execute(sa.select(S.studies.c.name).order_by(S.studies.c.id)).scalars()
            raise StudyNotFoundError(_checks.study_not_found(name, list(known)))
        return row

    def _study_id(self, conn: Connection, name: str) -> int:
        """The study's row id; remembered, since a study keeps its id for its life."""
        cached = self._ids.get(name)
        if cached is not None:
            return cached
        study_id = int(self._study_row(conn, name).id)
        self._ids[name] = study_id
        return study_id

    @staticmethod
    def _study(row: Any) -> Study:
        return Study(
            name=row.name,
            objective=Objective(row.objective_name, row.direction),
            space=SearchSpace.from_config(json.loads(row.space)),
            settings=json.loads(row.settings),
            created_at=_from_db(row.created_at),
        )

    def create_study(
        self,
        name: str,
        objective: Objective,
        space: SearchSpace | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Study:
        _checks.check_study_name(name)
        space = space or SearchSpace()
        try:
            with self._tx() as conn:
                conn.execute(
                    sa.insert(S.studies).values(
                        name=name,
                        objective_name=objective.name,
                        direction=objective.direction,
                        space=json.dumps(space.to_config()),
                        settings=json.dumps(dict(settings or {})),
                        created_at=_to_db(utcnow()),
                        n_trials=0,
                    )
                )
                return self._study(self._study_row(conn, name))
        except sa.exc.IntegrityError:
            raise DuplicatedStudyError(_checks.duplicated_study(name)) from None

    def load_study(self, name: str) -> Study:
        with self._tx(write=False) as conn:
            return self._study(self._study_row(conn, name))

    def snapshot(self, study: str, *, from_number: int = 0) -> tuple[Study, list[Trial]]:
        with self._tx(write=False) as conn:
            # Trials first: the study read after them holds every definition they used
            # (a PostgreSQL read sees each statement's latest commits, not one snapshot).
            trials = self._select_trials(conn, self._study_id(conn, study), from_number, None)
            return self._study(self._study_row(conn, study)), trials

    def list_studies(self) -> list[Study]:
        with self._tx(write=False) as conn:
            rows = conn.execute(sa.select(S.studies).order_by(S.studies.c.id)).all()
        return [self._study(r) for r in rows]

    def delete_study(self, name: str) -> None:
        with self._tx() as conn:
            row = self._study_row(conn, name)
            ids = sa.select(S.trials.c.id).where(S.trials.c.study_id == row.id)
            conn.execute(sa.delete(S.reports).where(S.reports.c.trial_id.in_(ids)))
            conn.execute(sa.delete(S.trials).where(S.trials.c.study_id == row.id))
            conn.execute(sa.delete(S.studies).where(S.studies.c.id == row.id))
        self._ids.pop(name, None)

    def update_space(self, study: str, space: SearchSpace) -> SearchSpace:
        with self._tx() as conn:
            row = self._study_row(conn, study, lock=True)
            merged = SearchSpace.from_config(json.loads(row.space))
            if merged.merge(space):
                conn.execute(
                    sa.update(S.studies)
                    .where(S.studies.c.id == row.id)
                    .values(space=json.dumps(merged.to_config()))
                )
            return merged

    # -- trials -----------------------------------------------------------------------------
    def create_trial(
        self,
        study: str,
        *,
        state: TrialState = TrialState.RUNNING,
        values: Mapping[str, Value] | None = None,
        seed: int | None = None,
        worker: str | None = None,
        parent: int | None = None,
        budget: float | None = None,
        attrs: Mapping[str, Any] | None = None,
        limit: int | None = None,
        unique: bool = False,
        slot: str | None = None,
    ) -> Trial:
        _checks.check_new_state(state)
        attrs = _checks.with_slot(_checks.json_attrs(attrs or {}), slot)
        try:
            # Without a slot, the insert is one statement (on PostgreSQL).
            with self._tx(atomic=slot is not None) as conn:
                study_id = self._study_id(conn, study)
                if slot is not None:  # under the study row's lock: checked and taken at once
                    self._study_row(conn, study, lock=True)
                    self._check_slot_free(conn, study_id, study, slot)
                record = self._insert_trial(
                    conn,
                    study_id,
                    state=state,
                    values=values,
                    seed=seed,
                    worker=worker,
                    parent=parent,
                    budget=budget,
                    attrs=attrs,
                    limit=limit,
                    config_key=_checks.config_hash(values or {}) if unique else None,
                )
                if record is None:
                    raise TrialLimitReached(_checks.limit_reached(study, limit or 0))
                return record
        except sa.exc.IntegrityError:
            raise DuplicatedTrialError(_checks.duplicated_trial(study, values or {})) from None

    def _insert_trial(
        self,
        conn: Connection,
        study_id: int,
        *,
        state: TrialState,
        values: Mapping[str, Value] | None,
        seed: int | None,
        worker: str | None,
        parent: int | None,
        budget: float | None,
        attrs: Mapping[str, Any],
        limit: int | None,
        config_key: str | None = None,
    ) -> Trial | None:
        """Inserts a trial with the next number and returns it as stored (without reading
        it back), or returns None if ``limit`` is reached."""
        # The count's UPDATE takes the study row's lock: concurrent creators queue there,
        # and the limit is checked against the count the previous one left.
        where = {"b_study_id": study_id, "b_limit": limit}
        now = _to_db(utcnow())
        running = state is TrialState.RUNNING
        params = json.dumps(dict(values or {}))
        stored_attrs = json.dumps(dict(attrs))
        row = {
            "study_id": study_id,
            "state": state.value,
            "params": params,
            "started_at": now if running else None,
            "heartbeat_at": now if running else None,
            "seed": seed,
            "worker": worker if running else None,
            "parent": parent,
            "budget": budget,
            "attrs": stored_attrs,
            "config_key": config_key,
        }
        if self._is_sqlite:
            count = conn.execute(Q.bump(limit is not None), where).scalar()
            if count is None:
                return None
            number = int(count) - 1
            conn.execute(Q.INSERT_TRIAL, {"number": number, **row})
        else:  # one statement, one round trip
            bound = {f"v_{k}": v for k, v in row.items()}
            inserted = conn.execute(Q.insert_counted(limit is not None), {**where, **bound})
            number_or_none = inserted.scalar()
            if number_or_none is None:
                return None
            number = int(number_or_none)
        return Trial(
            number=number,
            state=state,
            values=json.loads(params),
            started_at=_from_db(now) if running else None,
            heartbeat_at=_from_db(now) if running else None,
            seed=seed,
            worker=worker if running else None,
            parent=parent,
            budget=budget,
            attrs=json.loads(stored_attrs),
        )

    def _check_slot_free(self, conn: Connection, study_id: int, study: str, slot: str) -> None:
        rows = conn.execute(
            sa.select(S.trials).where(
                S.trials.c.study_id == study_id,
                S.trials.c.state != "failed",
                S.trials.c.attrs.contains(json.dumps(slot)),
            )
        ).all()
        holders = [Trial(r.number, TrialState(r.state), attrs=json.loads(r.attrs)) for r in rows]
        _checks.check_slot_free(study, slot, holders)

    def _trial_row(self, conn: Connection, study_id: int, study: str, number: int) -> Any:
        row = conn.execute(Q.TRIAL_BY_NUMBER, {"study_id": study_id, "number": number}).first()
        if row is None:
            raise TrialNotFoundError(_checks.trial_not_found(study, number))
        return row

    def _load_trial(self, conn: Connection, study_id: int, study: str, number: int) -> Trial:
        row = self._trial_row(conn, study_id, study, number)
        return self._trials(conn, [row])[0]

    def _trials(self, conn: Connection, rows: list[Any]) -> list[Trial]:
        by_trial: dict[int, list[Report]] = {r.id: [] for r in rows}
        if rows:
            if len(rows) < 500:
                reports = conn.execute(Q.REPORTS_OF, {"ids": list(by_trial)})
            else:
                reports = conn.execute(
                    sa.select(S.reports)
                    .where(
                        S.reports.c.trial_id.in_(
                            sa.select(S.trials.c.id).where(S.trials.c.study_id == rows[0].study_id)
                        )
                    )
                    .order_by(S.reports.c.trial_id, S.reports.c.step)
                )
            for rep in reports:
                if rep.trial_id in by_trial:
                    data = json.loads(rep.data)
                    by_trial[rep.trial_id].append(Report(rep.step, data["value"], data["metrics"]))
        return [
            Trial(
                number=r.number,
                state=TrialState(r.state),
                values=json.loads(r.params),
                value=r.value,
                reports=tuple(by_trial[r.id]),
                started_at=_from_db(r.started_at),
                finished_at=_from_db(r.finished_at),
                heartbeat_at=_from_db(r.heartbeat_at),
                error=r.error,
                traceback=r.traceback,
                seed=r.seed,
                worker=r.worker,
                parent=r.parent,
                budget=r.budget,
                attrs=json.loads(r.attrs),
            )
            for r in rows
        ]

    def claim_trial(self, study: str, worker: str) -> Trial | None:
        with self._tx() as conn:
            study_id = self._study_id(conn, study)
            query = (
                sa.select(S.trials.c.id, S.trials.c.number)
                .where(S.trials.c.study_id == study_id, S.trials.c.state == "waiting")
                .order_by(S.trials.c.number)
                .limit(1)
            )
            if not self._is_sqlite:
                query = query.with_for_update(skip_locked=True)
            row = conn.execute(query).first()
            if row is None:
                return None
            now = _to_db(utcnow())
            conn.execute(
                sa.update(S.trials)
                .where(S.trials.c.id == row.id)
                .values(state="running", worker=worker, started_at=now, heartbeat_at=now)
            )
            return self._load_trial(conn, study_id, study, row.number)

    def _update_running(
        self, conn: Connection, study: str, number: int, action: str, **values: Any
    ) -> Any:
        """Updates a RUNNING trial in one statement and returns its row as updated;
        explains why if it is not running."""
        study_id = self._study_id(conn, study)
        bound = {f"v_{k}": v for k, v in values.items()}
        row = conn.execute(
            Q.update_running(tuple(values)), {"b_study_id": study_id, "b_number": number, **bound}
        ).first()
        if row is None:
            row = self._trial_row(conn, study_id, study, number)
            _checks.check_running(study, self._trials(conn, [row])[0], action)
        return row

    def set_trial_values(
        self,
        study: str,
        number: int,
        values: Mapping[str, Value],
        seed: int | None = None,
        *,
        unique: bool = False,
    ) -> Trial:
        changes: dict[str, Any] = {"params": json.dumps(dict(values))}
        if seed is not None:
            changes["seed"] = seed
        # The key always follows the values: unique, or none at all.
        changes["config_key"] = _checks.config_hash(values) if unique else None
        try:
            with self._tx(atomic=False) as conn:
                row = self._update_running(conn, study, number, "set its values", **changes)
                return self._trials(conn, [row])[0]
        except sa.exc.IntegrityError:
            raise DuplicatedTrialError(_checks.duplicated_trial(study, values)) from None

    def set_trial_attrs(self, study: str, number: int, attrs: Mapping[str, Any]) -> Trial:
        attrs = _checks.json_attrs(attrs)
        return self._edit_attrs(study, number, lambda old: {**old, **attrs})

    def append_trial_attr(self, study: str, number: int, key: str, item: Any) -> Trial:
        return self._edit_attrs(study, number, lambda old: _checks.appended(old, key, item))

    def _edit_attrs(
        self, study: str, number: int, edit: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> Trial:
        """Rewrites a trial's attrs in one transaction, the row locked (PostgreSQL) or the
        database (SQLite's BEGIN IMMEDIATE) so that concurrent edits queue."""
        with self._tx() as conn:
            study_id = self._study_id(conn, study)
            query = sa.select(S.trials).where(
                S.trials.c.study_id == study_id, S.trials.c.number == number
            )
            if not self._is_sqlite:
                query = query.with_for_update()
            row = conn.execute(query).first()
            if row is None:
                raise TrialNotFoundError(_checks.trial_not_found(study, number))
            merged = edit(json.loads(row.attrs))
            conn.execute(
                sa.update(S.trials).where(S.trials.c.id == row.id).values(attrs=json.dumps(merged))
            )
            return self._load_trial(conn, study_id, study, number)

    def report(
        self,
        study: str,
        number: int,
        step: int,
        value: float | None,
        metrics: Mapping[str, float] | None = None,
    ) -> None:
        rep = _checks.make_report(step, value, metrics)
        data = json.dumps({"value": rep.value, "metrics": dict(rep.metrics)})
        with self._tx() as conn:
            trial_id = self._update_running(
                conn, study, number, "report", heartbeat_at=_to_db(utcnow())
            ).id
            conn.execute(
                sa.delete(S.reports).where(
                    S.reports.c.trial_id == trial_id, S.reports.c.step == rep.step
                )
            )
            conn.execute(sa.insert(S.reports).values(trial_id=trial_id, step=rep.step, data=data))

    def heartbeat(self, study: str, number: int) -> None:
        with self._tx(atomic=False) as conn:
            study_id = self._study_id(conn, study)
            conn.execute(
                sa.update(S.trials)
                .where(
                    S.trials.c.study_id == study_id,
                    S.trials.c.number == number,
                    S.trials.c.state == "running",
                )
                .values(heartbeat_at=_to_db(utcnow()))
            )

    def finish_trial(
        self,
        study: str,
        number: int,
        state: TrialState,
        *,
        value: float | None = None,
        values: Mapping[str, Value] | None = None,
        error: str | None = None,
        traceback: str | None = None,
    ) -> Trial:
        _checks.check_final_state(state, value)
        changes: dict[str, Any] = {} if values is None else {"params": json.dumps(dict(values))}
        if state is TrialState.FAILED:
            changes["config_key"] = None  # a failed configuration may be tried again
        with self._tx(atomic=False) as conn:
            row = self._update_running(
                conn,
                study,
                number,
                "finish it",
                **changes,
                state=state.value,
                value=value,
                error=error,
                traceback=traceback,
                finished_at=_to_db(utcnow()),
            )
            return self._trials(conn, [row])[0]

    def list_trials(
        self,
        study: str,
        states: Collection[TrialState] | None = None,
        *,
        from_number: int = 0,
    ) -> list[Trial]:
        with self._tx(write=False) as conn:
            return self._select_trials(conn, self._study_id(conn, study), from_number, states)

    def _select_trials(
        self,
        conn: Connection,
        study_id: int,
        from_number: int,
        states: Collection[TrialState] | None,
    ) -> list[Trial]:
        bound = {"study_id": study_id, "low": from_number}
        if states is None:
            return self._trials(conn, list(conn.execute(Q.TRIALS_FROM, bound).all()))
        query = Q.TRIALS_FROM.where(S.trials.c.state.in_([s.value for s in states]))
        return self._trials(conn, list(conn.execute(query, bound).all()))

    def get_trial(self, study: str, number: int) -> Trial:
        with self._tx(write=False) as conn:
            study_id = self._study_id(conn, study)
            return self._load_trial(conn, study_id, study, number)

    def count_trials(self, study: str, states: Collection[TrialState] | None = None) -> int:
        with self._tx(write=False) as conn:
            study_id = self._study_id(conn, study)
            query = sa.select(sa.func.count()).where(S.trials.c.study_id == study_id)
            if states is not None:
                query = query.where(S.trials.c.state.in_([s.value for s in states]))
            return int(conn.execute(query.select_from(S.trials)).scalar_one())

    def fail_stale_trials(
        self,
        study: str,
        *,
        stale_before: datetime.datetime,
        dead_workers: Collection[str] = (),
        max_retries: int = 0,
    ) -> list[int]:
        with self._tx() as conn:
            study_id = self._study_id(conn, study)
            query = sa.select(S.trials).where(
                S.trials.c.study_id == study_id, S.trials.c.state == "running"
            )
            if not self._is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            keys = {r.number: r.config_key for r in rows}
            failed = []
            for trial in self._trials(conn, list(rows)):
                if _checks.is_stale(trial, stale_before, dead_workers):
                    result = conn.execute(
                        sa.update(S.trials)
                        .where(
                            S.trials.c.study_id == study_id,
                            S.trials.c.number == trial.number,
                            S.trials.c.state == "running",
                        )
                        .values(
                            state="failed",
                            error=_checks.stale_error(trial),
                            finished_at=_to_db(utcnow()),
                            config_key=None,
                        )
                    )
                    if result.rowcount == 0:
                        continue  # another worker failed it first
                    failed.append(trial.number)
                    retry = _checks.retry_attrs(trial, max_retries)
                    if retry is not None:
                        self._insert_trial(
                            conn,
                            study_id,
                            state=TrialState.WAITING,
                            values=trial.values,
                            seed=None,
                            worker=None,
                            parent=trial.parent,
                            budget=trial.budget,
                            attrs={**trial.attrs, **retry},
                            limit=None,
                            config_key=keys[trial.number],
                        )
            return failed
