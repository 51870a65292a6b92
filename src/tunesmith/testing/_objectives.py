"""Small objectives for tests and benchmarks of the machinery (workers, storages, faults).

They live in the package, so worker processes and Dask workers import them by name.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any


@dataclasses.dataclass(frozen=True)
class Sleep:
    """``(x - 0.3)**2`` after sleeping ``seconds``: a trial that takes time but no CPU."""

    seconds: float = 0.0

    def __call__(self, trial: Any) -> float:
        x = trial.hp.Float("x", -1.0, 1.0)
        trial.report((x - 0.3) ** 2, step=0)
        if self.seconds:
            time.sleep(self.seconds)
        return float((x - 0.3) ** 2)


@dataclasses.dataclass(frozen=True)
class Busy:
    """Spins the CPU for about ``seconds`` (a CPU-bound trial), then returns ``x**2``."""

    seconds: float = 1.0

    def __call__(self, trial: Any) -> float:
        x = trial.hp.Float("x", -1.0, 1.0)
        end = time.process_time() + self.seconds
        acc = 0
        while time.process_time() < end:
            for i in range(10_000):
                acc ^= i
        return float(x * x)


@dataclasses.dataclass(frozen=True)
class Grid:
    """A discrete space of 10 x 4 x 5 = 200 configurations; returns a value per config."""

    seconds: float = 0.0

    def __call__(self, trial: Any) -> float:
        depth = trial.hp.Int("depth", 1, 10)
        act = trial.hp.Choice("activation", ["relu", "elu", "selu", "gelu"])
        width = trial.hp.Int("width", 16, 80, step=16)
        if self.seconds:
            time.sleep(self.seconds)
        return float(depth * 100 + ["relu", "elu", "selu", "gelu"].index(act) * 10 + width)


@dataclasses.dataclass(frozen=True)
class DeviceEcho:
    """Records the device the trial was told to use, returns 0.

    With ``barrier=n`` a trial first waits (up to a minute) until trials of ``n`` distinct
    workers have run, so a test sees every worker take part however slowly they start.
    """

    barrier: int = 0

    def __call__(self, trial: Any) -> float:
        trial.hp.Float("x", 0.0, 1.0)
        trial.set_attr("seen_device", trial.device)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = {t.worker for t in trial.storage.list_trials(trial.study)}
            if len(workers) >= self.barrier:
                break
            time.sleep(0.05)
        return 0.0
