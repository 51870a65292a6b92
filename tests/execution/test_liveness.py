"""Heartbeats: one thread per worker beats for each of its running trials."""

from __future__ import annotations

import threading
import time

from tunesmith.execution import Heartbeat
from tunesmith.storage import InMemoryStorage
from tunesmith.trial import Objective


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "heartbeat"]


def _until(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_one_thread_beats_for_every_running_trial_and_ends_when_none_runs() -> None:
    storage = InMemoryStorage()
    storage.create_study("s", Objective("loss"))
    first, second = storage.create_trial("s"), storage.create_trial("s")
    before = set(_threads())  # other tests' threads, which end on their own clock
    beat = Heartbeat(storage, "s", interval=0.02)
    beat.add(first.number)
    beat.add(second.number)
    (thread,) = set(_threads()) - before

    def beaten(trial) -> bool:  # type: ignore[no-untyped-def]
        return storage.get_trial("s", trial.number).heartbeat_at > trial.heartbeat_at

    assert _until(lambda: beaten(first) and beaten(second))
    beat.discard(first.number)
    time.sleep(0.05)  # a beat already under way may still land
    last = storage.get_trial("s", first.number).heartbeat_at
    time.sleep(0.1)
    assert storage.get_trial("s", first.number).heartbeat_at == last  # no longer beaten
    assert beat.running == [second.number]
    beat.discard(second.number)
    assert _until(lambda: not thread.is_alive())
    beat.add(second.number)  # a new trial starts the thread again
    (again,) = set(_threads()) - before - {thread}
    assert again.is_alive() and beat.running == [second.number]
    beat.discard(second.number)
