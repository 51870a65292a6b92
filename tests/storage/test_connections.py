"""PostgreSQL connections: a pooled connection the server dropped is replaced, not used."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tunesmith.exceptions import StorageError
from tunesmith.execution import TrialRunner
from tunesmith.oracles import RandomSearch
from tunesmith.space import Int, SearchSpace
from tunesmith.storage import SQLStorage, _sql
from tunesmith.testing import PostgresServer
from tunesmith.trial import Objective, TrialState


def _drop_other_connections(url: str) -> int:
    engine = sa.create_engine(_sql.normalize_url(url))
    try:
        with engine.connect() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            conn.commit()
    finally:
        engine.dispose()
    return int(killed)


@pytest.fixture
def storage(postgres: PostgresServer) -> SQLStorage:
    storage = SQLStorage(postgres.create_database())
    storage.create_study("s", Objective("loss"))
    return storage


def test_an_idle_connection_the_server_dropped_is_replaced(
    storage: SQLStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sql, "PING_AFTER_IDLE", 0.0)
    assert _drop_other_connections(storage.url) == 1  # the storage's pooled connection
    assert storage.load_study("s").name == "s"
    assert storage.create_trial("s").number == 0
    storage.close()


def test_a_busy_connection_is_not_pinged(
    storage: SQLStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other side of the trade: within PING_AFTER_IDLE a connection is trusted, so a
    # drop in that window fails one verb (with the fix in the message), then heals.
    monkeypatch.setattr(_sql, "PING_AFTER_IDLE", 3600.0)
    _drop_other_connections(storage.url)
    with pytest.raises(StorageError, match="refused the operation.*Check that it is running"):
        storage.load_study("s")
    assert storage.load_study("s").name == "s"
    storage.close()


def test_a_finished_trial_survives_a_connection_dropped_while_it_ran(
    storage: SQLStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The drop comes inside the trusted window, so the finish's first try fails on it; the
    # runner tries once more on a new connection and the result is kept.
    monkeypatch.setattr(_sql, "PING_AFTER_IDLE", 3600.0)
    runner = TrialRunner(storage, "s", RandomSearch(), seed=0)
    running = runner.start_trial()
    x = running.hp.Float("x", 0.0, 1.0)
    _drop_other_connections(storage.url)
    done = runner.finish(running, x)
    assert done.state is TrialState.COMPLETED and done.value == x
    assert storage.get_trial("s", done.number) == done
    storage.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_snapshot_space_is_never_older_than_its_trials(
    kind: str, postgres: PostgresServer, tmp_path: Path
) -> None:
    # Another worker defines the space and finishes the discovering trial between the
    # snapshot's statements. Whatever the snapshot sees of the trial, the space it returns
    # must hold the definitions that trial used (a stale empty space made a worker repeat
    # a configuration of a finite grid).
    url = f"sqlite:///{tmp_path}/s.db" if kind == "sqlite" else postgres.create_database()
    reader, writer = SQLStorage(url), SQLStorage(url)
    seen_completed = 0
    statements: list[int] = []
    # The other worker acts after the snapshot's k-th statement, for every k in turn.
    for k in range(1, 8):
        name = f"s{k}"
        reader.create_study(name, Objective("loss"))
        first = writer.create_trial(name)
        reader.snapshot(name)  # ids cached, as in a worker's loop
        statements.clear()

        def _interleave(
            *_args: object, k: int = k, name: str = name, number: int = first.number
        ) -> None:
            statements.append(1)
            if len(statements) == k:
                writer.update_space(name, SearchSpace([Int("depth", 1, 3)]))
                done = TrialState.COMPLETED
                writer.finish_trial(name, number, done, value=1.0, values={"depth": 1})

        sa.event.listen(reader._engine, "before_cursor_execute", _interleave)
        try:
            study, trials = reader.snapshot(name)
        finally:
            sa.event.remove(reader._engine, "before_cursor_execute", _interleave)
        if len(statements) < k:
            break  # past the snapshot's last statement
        if trials[0].state is TrialState.COMPLETED:
            seen_completed += 1
            assert study.space.names == ["depth"], f"the other worker acted after statement {k}"
    # Some interleaving let the snapshot see the finished trial: the check above ran.
    assert seen_completed >= 1
    reader.close()
    writer.close()
