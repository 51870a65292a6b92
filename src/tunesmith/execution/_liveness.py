"""Worker identity, heartbeats, and telling which workers died."""

from __future__ import annotations

import os
import socket
import threading
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
    """Writes a running trial's heartbeat every ``interval`` seconds from a daemon thread."""

    def __init__(self, storage: Storage, study: str, number: int, interval: float) -> None:
        self._storage, self._study, self._number = storage, study, number
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{number}", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._storage.heartbeat(self._study, self._number)
            except Exception:  # noqa: BLE001 - a missed beat must not kill the trial
                continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self._interval + 5)
