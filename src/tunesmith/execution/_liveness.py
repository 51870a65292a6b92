"""Worker identity, heartbeats, and telling which workers died."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable

from tunesmith.storage import Storage


def new_worker_id() -> str:
    """``host:pid:random``: unique per worker, and readable in `tunesmith trials`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process whose parent died too may linger as a zombie (where nothing reaps
    # orphans, as in many containers): it answers signals, but it is dead.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def dead_local_workers(workers: Iterable[str | None]) -> set[str]:
    """Workers of this host whose process no longer exists (known dead at once, without
    waiting for their heartbeats to go stale)."""
    host = socket.gethostname()
    dead = set()
    for w in workers:
        if not w:
            continue
        parts = w.rsplit(":", 2)
        if len(parts) == 3 and parts[0] == host and parts[1].isdigit():
            pid = int(parts[1])
            if pid != os.getpid() and not _pid_alive(pid):
                dead.add(w)
    return dead


class Heartbeat:
    """Writes the heartbeat of each of a worker's running trials every ``interval``
    seconds, from one daemon thread per worker (not one per trial: starting and joining a
    thread per trial costs a short trial more than its heartbeats). The thread ends at the
    first beat it finds nothing to beat for, and starts again with the next trial.

    Example:
        >>> from tunesmith.storage import InMemoryStorage
        >>> from tunesmith.trial import Objective
        >>> storage = InMemoryStorage()
        >>> _ = storage.create_study("s", Objective("loss"))
        >>> number = storage.create_trial("s").number
        >>> beat = Heartbeat(storage, "s", interval=5.0)
        >>> beat.add(number)
        >>> beat.running
        [0]
        >>> beat.discard(number)
        >>> beat.running
        []
    """

    def __init__(self, storage: Storage, study: str, interval: float) -> None:
        self._storage, self._study = storage, study
        self._interval = interval
        self._numbers: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> list[int]:
        """The numbers of the trials it beats for."""
        with self._lock:
            return sorted(self._numbers)

    def add(self, number: int) -> None:
        """Beats for trial ``number`` from now until ``discard(number)``."""
        with self._lock:
            self._numbers.add(number)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
                self._thread.start()

    def discard(self, number: int) -> None:
        """Stops beating for trial ``number`` (a finished trial needs no heartbeat)."""
        with self._lock:
            self._numbers.discard(number)

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            with self._lock:
                numbers = sorted(self._numbers)
                if not numbers:
                    self._thread = None
                    return
            for number in numbers:
                try:
                    self._storage.heartbeat(self._study, number)
                except Exception:  # noqa: BLE001 - a missed beat must not kill the trial
                    continue
