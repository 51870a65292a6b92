"""Trials per second with 1, 2 and 4 workers, tunesmith beside Optuna, same storages.

Each engine runs the same trivial objective (one float, returned at once) in separate
processes that share one study: tunesmith through ``Tuner.search(workers=N)``, Optuna
through N processes each running ``optimize`` on one RDB study (its documented way to
parallelize across processes); with one worker both run in this process. The wall time
includes starting the processes, for both.
A second table times a CPU-bound trial (``--busy`` seconds each) to show scaling.

Run: nice .venv/bin/python benchmarks/throughput/bench_throughput.py [--trials 200]
Needs: pip install optuna (the ``bench`` extra), and PostgreSQL's binaries for --postgres.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from tunesmith import Tuner
from tunesmith.oracles import RandomSearch
from tunesmith.testing import Busy, postgres_server


def trivial(trial):  # type: ignore[no-untyped-def]
    return trial.hp.Float("x", -1.0, 1.0) ** 2


def _optuna_worker(url: str, name: str, n: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(
        study_name=name, storage=url, sampler=optuna.samplers.RandomSampler()
    )
    study.optimize(lambda t: t.suggest_float("x", -1.0, 1.0) ** 2, n_trials=n)


def run_optuna(url: str, workers: int, trials: int, name: str) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study(study_name=name, storage=url)
    start = time.perf_counter()
    if workers == 1:  # in-process, as tunesmith runs one worker
        _optuna_worker(url, name, trials)
        return time.perf_counter() - start
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_optuna_worker, args=(url, name, trials // workers))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return time.perf_counter() - start


def run_tunesmith(url: str, workers: int, trials: int, name: str, fn=trivial) -> float:  # type: ignore[no-untyped-def]
    tuner = Tuner("loss", oracle=RandomSearch(), storage=url, study=name, seed=0)
    start = time.perf_counter()
    tuner.search(fn, max_trials=trials, workers=workers, progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--busy", type=float, default=1.0)
    parser.add_argument("--busy-trials", type=int, default=20)
    parser.add_argument("--only-busy", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (median kept)")
    parser.add_argument("--storages", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tunesmith-bench-"))
    rows = []
    kinds = list(args.storages)
    if args.only_busy:
        kinds = []
    server_cm = postgres_server() if "postgresql" in kinds else None
    server = server_cm.__enter__() if server_cm else None
    try:
        for kind in kinds:
            for w in args.workers:
                walls: dict[str, list[float]] = {"tunesmith": [], "optuna": []}
                for r in range(args.repeat):  # alternating, so drifting load hits both
                    for engine, run in (("tunesmith", run_tunesmith), ("optuna", run_optuna)):
                        if kind == "sqlite":
                            url = f"sqlite:///{tmp}/{engine}-{w}-{r}.db"
                        else:
                            url = server.create_database()
                        walls[engine].append(run(url, w, args.trials, f"{engine[0]}{w}"))
                ours = statistics.median(walls["tunesmith"])
                theirs = statistics.median(walls["optuna"])
                rows.append((kind, w, args.trials / ours, args.trials / theirs))
                print(
                    f"{kind:10s} workers={w}  tunesmith {args.trials / ours:7.1f} trials/s"
                    f"  optuna {args.trials / theirs:7.1f} trials/s  ratio "
                    f"{theirs / ours:5.2f}x",
                    flush=True,
                )
        print(f"\nCPU-bound trials ({args.busy:.1f} s each), tunesmith on SQLite:")
        base = None
        for w in (1, 2):
            wall = run_tunesmith(
                f"sqlite:///{tmp}/busy-{w}.db", w, args.busy_trials, f"b{w}", Busy(args.busy)
            )
            rate = args.busy_trials / wall
            base = base or rate
            print(f"  workers={w}: {rate:.2f} trials/s, speed-up {rate / base:.2f}x", flush=True)
    finally:
        if server_cm:
            server_cm.__exit__(None, None, None)
    print("\n| storage | workers | tunesmith trials/s | optuna trials/s | ratio |")
    print("|---|---|---|---|---|")
    for kind, w, a, b in rows:
        print(f"| {kind} | {w} | {a:.1f} | {b:.1f} | {a / b:.2f}x |")


if __name__ == "__main__":
    main()
