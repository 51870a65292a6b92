"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, a free loopback
port, stopped and removed at the end. Uses the server binaries of the machine (Debian's
``postgresql`` package); as root it runs them as the ``postgres`` user, since the server
refuses to run as root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tunesmith.exceptions import MissingDependencyError


def find_bindir() -> Path:
    """The folder of initdb and pg_ctl: ``pg_config --bindir``, else Debian's layout."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise MissingDependencyError(
        "no PostgreSQL server binaries (initdb, pg_ctl) found. Install them with: "
        "apt-get install postgresql"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A running server; ``create_database()`` gives each test an empty database."""

    def __init__(self, bindir: Path, root: Path, port: int, as_user: str | None) -> None:
        self.bindir, self.root, self.port, self._as_user = bindir, root, port, as_user

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if self._as_user:
            cmd = ["runuser", "-u", self._as_user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True)

    @property
    def base_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def create_database(self) -> str:
        """Creates an empty database and returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{self.base_url}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            self.bindir / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            self.root / "server.log",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                self.bindir / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "-w", "stop"
            )
        except subprocess.CalledProcessError:
            pass


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Starts a PostgreSQL server for the duration of the block.

    Example (needs the server binaries)::

        with postgres_server() as server:
            storage = SQLStorage(server.create_database())
    """
    bindir = find_bindir()
    as_user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="tunesmith-pg-"))
    if as_user:
        shutil.chown(root, user=as_user, group=as_user)
    server = PostgresServer(bindir, root, _free_port(), as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as e:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {e.stderr}\n{detail}") from e
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
