"""Side-by-side benchmark of BayesianOptimization against its peers, in one process.

    nice .venv/bin/python benchmarks/bayesian/run.py synthetic --seeds 10 --trials 25,50,100
    nice .venv/bin/python benchmarks/bayesian/run.py real --seeds 5 --trials 15,30
    nice .venv/bin/python benchmarks/bayesian/run.py latency
    nice .venv/bin/python benchmarks/bayesian/run.py report    # tables from saved results

Results are appended to benchmarks/bayesian/results.jsonl (one line per method, problem and
seed), so a long run can be stopped and resumed, and the tables re-printed. Methods that
cannot run here (Optuna or HEBO missing, Keras Tuner without a backend) are skipped with a
note. Set OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from problems import PROBLEMS, REAL, SYNTHETIC, Problem  # noqa: E402

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results.jsonl"))


def load() -> list[dict]:
    """The recorded runs, one per (method, problem, seed): the longest when a run was redone
    at more trials (its prefix answers the shorter budgets)."""
    if not RESULTS.exists():
        return []
    runs: dict[tuple[str, str, int], dict] = {}
    for line in RESULTS.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            key = (r["method"], r["problem"], r["seed"])
            if key not in runs or len(r["losses"]) > len(runs[key]["losses"]):
                runs[key] = r
    return list(runs.values())


def run_suite(problems: list[Problem], methods: list[str], seeds: range, n_trials: int) -> None:
    from methods import available

    runners = available()
    done = {(r["method"], r["problem"], r["seed"]) for r in load() if len(r["losses"]) >= n_trials}
    for problem in problems:
        for seed in seeds:
            for name in methods:
                if name not in runners or (name, problem.name, seed) in done:
                    continue
                start = time.perf_counter()
                losses = runners[name](problem, n_trials, seed)
                seconds = time.perf_counter() - start
                record = {
                    "method": name,
                    "problem": problem.name,
                    "seed": seed,
                    "losses": [x if math.isfinite(x) else None for x in losses],
                    "seconds": seconds,
                }
                with RESULTS.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                best = min((x for x in losses if math.isfinite(x)), default=math.inf)
                print(
                    f"{problem.name:20s} seed {seed:2d} {name:15s} best {best:.6g} "
                    f"({seconds:.1f} s)",
                    flush=True,
                )


def regret(record: dict, k: int) -> float:
    problem = PROBLEMS[record["problem"]]
    seen = [x for x in record["losses"][:k] if x is not None]
    return (min(seen) if seen else math.inf) - problem.optimum


def report(
    problems: list[Problem], budgets: list[int], seeds: int, only: list[str] | None = None
) -> None:
    if not problems:
        return
    records = [r for r in load() if not only or r["method"] in only]
    methods = sorted({r["method"] for r in records})
    final = budgets[-1]
    mean_at: dict[tuple[str, str, int], float] = {}
    for problem in problems:
        print(f"\n{problem.name}: mean simple regret (± s.e.) over seeds < {seeds}")
        print(f"{'method':16s}" + "".join(f"{'@' + str(k):>22s}" for k in budgets) + "   s/run")
        for m in methods:
            rs = [r for r in records if r["method"] == m and r["problem"] == problem.name]
            rs = [r for r in rs if r["seed"] < seeds and len(r["losses"]) >= final]
            if not rs:
                continue
            cells = []
            for k in budgets:
                vals = [regret(r, k) for r in rs]
                mean = statistics.fmean(vals)
                se = statistics.stdev(vals) / math.sqrt(len(vals)) if len(vals) > 1 else 0.0
                mean_at[(m, problem.name, k)] = mean
                cells.append(f"{mean:12.4g} ± {se:<8.2g}")
            secs = statistics.fmean(r["seconds"] for r in rs)
            print(f"{m:16s}" + "".join(f"{c:>22s}" for c in cells) + f"{secs:8.1f}   n={len(rs)}")
    # Ranks at the final budget: 1 is best, ties share the mean rank.
    print(f"\nmean rank at {final} trials (1 = best), and ratio of regret to Optuna TPE")
    ranks: dict[str, list[float]] = {m: [] for m in methods}
    ratios: dict[str, list[str]] = {m: [] for m in methods}
    for problem in problems:
        scores = {m: mean_at.get((m, problem.name, final)) for m in methods}
        scores = {m: s for m, s in scores.items() if s is not None}
        if len(scores) < 2:
            continue
        ordered = sorted(scores.values())
        for m, s in scores.items():
            first = ordered.index(s) + 1
            ranks[m].append(first + (ordered.count(s) - 1) / 2)
            tpe = scores.get("optuna-TPE")
            if tpe is not None:
                ratios[m].append(f"{s / tpe:.2f}" if tpe > 0 else "-")
    header = " ".join(f"{p.name[:12]:>12s}" for p in problems)
    print(f"{'method':16s}{'mean rank':>10s}   ratio vs TPE per problem: {header}")
    for m in sorted(methods, key=lambda m: statistics.fmean(ranks[m]) if ranks[m] else 99):
        if ranks[m]:
            print(
                f"{m:16s}{statistics.fmean(ranks[m]):10.2f}   {'':26s}"
                + " ".join(f"{r:>12s}" for r in ratios[m])
            )


def latency(sizes: list[int], repeats: int) -> None:
    """Median suggest() time on a 10-parameter mixed space with n completed trials."""
    import numpy as np

    from tunesmith.oracles import BayesianOptimization
    from tunesmith.space import Boolean, Choice, Float, Int, SearchSpace
    from tunesmith.trial import Objective, Trial, TrialState

    space = SearchSpace(
        [
            Float("lr", 1e-5, 1e-1, sampling="log"),
            Float("weight_decay", 1e-6, 1e-2, sampling="log"),
            Float("momentum", 0.8, 0.999, sampling="reverse_log"),
            Float("dropout", 0.0, 0.5),
            Int("units", 16, 512, sampling="log"),
            Int("layers", 1, 6),
            Int("batch", 16, 256, step=2, sampling="log"),
            Choice("activation", ["relu", "gelu", "selu", "tanh"]),
            Choice("optimizer", ["adam", "sgd", "rmsprop"]),
            Boolean("batch_norm"),
        ]
    )
    rng = np.random.default_rng(0)

    def f(v: dict) -> float:
        return (
            (math.log10(v["lr"]) + 3) ** 2
            + (v["dropout"] - 0.2) ** 2
            + 0.1 * v["layers"]
            - 0.5 * (v["activation"] == "gelu")
            + rng.normal(0, 0.01)
        )

    trials = []
    for i in range(max(sizes) + repeats + 1):
        v = space.decode(space.sample(rng))
        trials.append(Trial(i, TrialState.COMPLETED, v, f(v)))
    objective = Objective("loss")
    print("suggest() latency, 10-parameter mixed space (ms); history grows by one per call")
    print("wall: elapsed time; cpu: this process's CPU time (robust to a busy machine)")
    print(
        f"{'trials':>8s}{'wall median':>13s}{'wall p90':>10s}{'cpu median':>12s}{'cold wall':>11s}"
    )
    oracle = BayesianOptimization()
    for n in sizes:
        cold = BayesianOptimization()
        start = time.perf_counter()
        cold.suggest(space, trials[:n], [], objective=objective, rng=np.random.default_rng(0))
        first = time.perf_counter() - start
        oracle.suggest(space, trials[:n], [], objective=objective, rng=np.random.default_rng(0))
        times, cpu = [], []
        for k in range(1, repeats + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            oracle.suggest(
                space, trials[: n + k], [], objective=objective, rng=np.random.default_rng(k)
            )
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        times.sort()
        print(
            f"{n:8d}{1e3 * statistics.median(times):13.1f}"
            f"{1e3 * times[int(0.9 * (len(times) - 1))]:10.1f}"
            f"{1e3 * statistics.median(cpu):12.1f}{1e3 * first:11.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("suite", choices=["synthetic", "real", "latency", "report"])
    parser.add_argument("--seeds", type=int, default=10, help="seeds below this")
    parser.add_argument(
        "--from-seed", type=int, default=0, help="run seeds from this one (split across processes)"
    )
    parser.add_argument("--trials", default="25,50,100", help="budgets; the last is run")
    parser.add_argument("--problems", default="", help="comma-separated names (default: all)")
    parser.add_argument("--methods", default="", help="comma-separated names (default: all)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    budgets = [int(x) for x in args.trials.split(",")]
    if args.suite == "latency":
        latency([100, 300, 1000], args.repeats)
        return
    if args.suite == "report":
        names = {r["problem"] for r in load()}
        if args.problems:
            names &= set(args.problems.split(","))
        problems = [p for p in SYNTHETIC + REAL if p.name in names]
        only = args.methods.split(",") if args.methods else None
        report([p for p in problems if p in SYNTHETIC], budgets, args.seeds, only)
        report([p for p in problems if p in REAL], budgets, args.seeds, only)
        return
    problems = SYNTHETIC if args.suite == "synthetic" else REAL
    if args.problems:
        problems = [PROBLEMS[n] for n in args.problems.split(",")]
    from methods import available

    methods = args.methods.split(",") if args.methods else list(available())
    run_suite(problems, methods, range(args.from_seed, args.seeds), budgets[-1])
    report(problems, budgets, args.seeds)


if __name__ == "__main__":
    main()
