"""LocalWorkers: worker processes on this machine that survive a lost worker.

A process pool of the standard library breaks as a whole when one child dies (a SIGKILL,
the OOM killer). Here each worker is its own process: one that dies is started again,
and the trial it was running is failed and retried by the others (its process is gone,
which the survivors see at once)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue
import time
from collections.abc import Callable, Sequence
from typing import Any

from tunesmith.execution._worker import WorkerResult, run_worker


def _main(index: int, payload: bytes, results: Any) -> None:
    try:
        results.put((index, run_worker(payload), None))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which re-raises
        try:
            results.put((index, None, e))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            results.put((index, None, RuntimeError(f"{type(e).__name__}: {e}")))


@dataclasses.dataclass
class _Slot:
    payload: bytes
    process: Any
    restarts: int = 0
    result: WorkerResult | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None


class LocalWorkers:
    """Runs one spawned process per payload until each has returned.

    Args:
        payloads: One pickled WorkerSpec per worker.
        max_restarts: How many times one worker may be started again after dying.
    """

    def __init__(self, payloads: Sequence[bytes], *, max_restarts: int = 3) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._results = self._ctx.Queue()
        self._max_restarts = max_restarts
        self._slots = [_Slot(p, None) for p in payloads]

    def _start(self, index: int) -> None:
        slot = self._slots[index]
        slot.process = self._ctx.Process(
            target=_main,
            args=(index, slot.payload, self._results),
            daemon=True,
            name=f"tunesmith-worker-{index}",
        )
        slot.process.start()

    def run(
        self, *, poll: Callable[[], None] | None = None, interval: float = 0.25
    ) -> list[WorkerResult]:
        """Starts the workers and waits for all; calls ``poll`` every ``interval`` seconds.

        Raises:
            The first exception a worker raised (after all workers have ended).
        """
        for i in range(len(self._slots)):
            self._start(i)
        try:
            while not all(s.done for s in self._slots):
                self._collect(interval)
                for i, slot in enumerate(self._slots):
                    if slot.done or slot.process.is_alive():
                        continue
                    self._collect(0.5)  # a result may still be in flight
                    if slot.done:
                        continue
                    if slot.restarts >= self._max_restarts:
                        slot.error = RuntimeError(
                            f"worker {i} died {slot.restarts + 1} times (exit code "
                            f"{slot.process.exitcode}); not starting it again"
                        )
                        continue
                    slot.restarts += 1
                    self._start(i)
                if poll is not None:
                    poll()
        finally:
            for slot in self._slots:
                if slot.process is not None and slot.process.is_alive():
                    slot.process.terminate()
                    slot.process.join(5)
        errors = [s.error for s in self._slots if s.error is not None]
        if errors:
            raise errors[0]
        return [s.result for s in self._slots if s.result is not None]

    def _collect(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                index, result, error = self._results.get(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            except queue.Empty:
                return
            slot = self._slots[index]
            slot.result, slot.error = result, error
            slot.process.join(5)
            if time.monotonic() >= deadline:
                return
