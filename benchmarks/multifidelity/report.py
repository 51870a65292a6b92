"""Prints the multi-fidelity benchmark's table and ratios from results/*.json (see run.py).

.venv/bin/python benchmarks/multifidelity/report.py
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from methods import METHODS, OURS, PEERS  # noqa: E402

CHECKPOINTS = [25, 50, 100, 150, 200, 300, 400, 500, 600, 800, 1000]


def incumbent(evals: list[list[float]], budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Per epoch E = 1..budget: the best validation accuracy among the first E epochs trained,
    and the test accuracy of that same evaluation (flat after a method ran out)."""
    val = np.full(budget, np.nan)
    test = np.full(budget, np.nan)
    best_v, best_t = -np.inf, np.nan
    for e in range(budget):
        if e < len(evals) and evals[e][0] > best_v:
            best_v, best_t = evals[e]
        val[e], test[e] = best_v, best_t
    return val, test


def first_reach(curve: np.ndarray, target: float) -> int | None:
    hit = np.nonzero(curve >= target - 1e-12)[0]
    return int(hit[0]) + 1 if len(hit) else None


def reach(
    mean: dict[str, np.ndarray], ours: list[str], peers: list[str]
) -> tuple[str, float, int | None, dict[str, int | None]]:
    """The peer with the best final mean accuracy, that accuracy, the epochs the peer first
    reached it after, and the epochs each of ``ours`` first reached it after (None: never)."""
    best_peer = max(peers, key=lambda m: mean[m][-1])
    target = float(mean[best_peer][-1])
    got = {m: first_reach(mean[m], target) for m in ours}
    return best_peer, target, first_reach(mean[best_peer], target), got


def ratio(got: int | None, needed: int | None) -> float:
    """Our epochs over the best peer's (inf: never)."""
    return np.inf if got is None or needed is None else got / needed


def ratio_text(r: float) -> str:
    return f"{r:.2f}" if np.isfinite(r) else "never"


def bootstrap_ratios(
    curves: dict[str, np.ndarray], ours: list[str], peers: list[str], n: int
) -> dict[str, np.ndarray]:
    """The ratios over ``n`` resamples of the seeds, the same seeds for every method (the
    methods' curves are paired by seed)."""
    n_seeds = len(next(iter(curves.values())))
    rng = np.random.default_rng(0)
    out: dict[str, list[float]] = {m: [] for m in ours}
    for _ in range(n):
        pick = rng.integers(n_seeds, size=n_seeds)
        _, _, needed, got = reach(
            {k: c[pick].mean(axis=0) for k, c in curves.items()}, ours, peers
        )
        for m in ours:
            out[m].append(ratio(got[m], needed))
    return {m: np.array(v) for m, v in out.items()}


def plot(
    path: str,
    mean: dict[str, np.ndarray],
    sem: dict[str, np.ndarray],
    target: tuple[str, float, int | None],
    title: str,
) -> None:
    """The mean curves with a band of one standard error, and the best peer's final
    accuracy with a third of the epochs it needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for m, curve in mean.items():
        epochs = np.arange(1, len(curve) + 1)
        dashed = "--" if m in PEERS else "-"
        (line,) = ax.plot(epochs, curve, dashed, label=m, linewidth=1.4)
        ax.fill_between(epochs, curve - sem[m], curve + sem[m], color=line.get_color(), alpha=0.15)
    peer, level, needed = target
    ax.axhline(level, color="grey", linewidth=0.8)
    label = f"{peer}'s final {level:.4f}"
    if needed is not None:
        ax.axvline(needed / 3, color="grey", linewidth=0.8, linestyle=":")
        label += f"; a third of its {needed} epochs"
    ax.text(0.02, 0.02, label, transform=ax.transAxes, fontsize=8, color="dimgrey")
    ax.set_xlabel("epochs trained (all trials together)")
    ax.set_ylabel("best validation accuracy so far (mean over seeds)")
    low = min(float(c[len(c) // 10]) for c in mean.values())
    ax.set_ylim(low, None)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nplot written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(HERE / "results"), help="folder of results")
    parser.add_argument(
        "--seeds", type=int, nargs="*", help="only these seeds (default: those every method has)"
    )
    parser.add_argument("--methods", nargs="*", help="only these methods (default: all)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="resample the seeds N times for an interval on each ratio (all methods on the "
        "same seeds)",
    )
    parser.add_argument(
        "--plot", metavar="FILE", help="also draw the mean curves into FILE (.png)"
    )
    parser.add_argument(
        "--shorter",
        type=int,
        nargs="+",
        default=[],
        metavar="B",
        help="also print the ratios as they would be had every method been given only B "
        "epochs (a run's first B epochs do not depend on its budget)",
    )
    args = parser.parse_args()
    runs: dict[str, list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for path in sorted(Path(args.results).glob("*.json")):
        record = json.loads(path.read_text())
        if args.methods is None or record["method"] in args.methods:
            runs[record["method"]].append(record)
    if not runs:
        raise SystemExit("no results yet: run benchmarks/multifidelity/run.py --seed N first")
    wanted = (
        set(args.seeds)
        if args.seeds is not None
        else set.intersection(*({r["seed"] for r in rs} for rs in runs.values()))
    )
    kept = {m: [r for r in rs if r["seed"] in wanted] for m, rs in runs.items()}
    runs = defaultdict(list, {m: rs for m, rs in kept.items() if rs})
    budget = min(r["budget"] for rs in runs.values() for r in rs)
    methods = [m for m in METHODS if m in runs] + sorted(set(runs) - set(METHODS))
    mean_val: dict[str, np.ndarray] = {}
    per_seed: dict[str, np.ndarray] = {}  # seeds (in seed order) by epochs
    mean_test: dict[str, np.ndarray] = {}
    sem_val: dict[str, np.ndarray] = {}  # standard error of the mean over seeds
    for m in methods:
        curves = [incumbent(r["evals"], budget) for r in sorted(runs[m], key=lambda r: r["seed"])]
        vals = per_seed[m] = np.array([c[0] for c in curves])
        mean_val[m] = vals.mean(axis=0)
        sem_val[m] = (
            vals.std(axis=0, ddof=1) / np.sqrt(len(vals)) if len(vals) > 1 else 0 * vals[0]
        )
        mean_test[m] = np.mean([c[1] for c in curves], axis=0)
    seeds = {m: sorted(r["seed"] for r in runs[m]) for m in methods}
    first = runs[methods[0]][0]
    print(
        f"mnist1d MLP, {first['n_train']} training series, max_budget={first['max_budget']} "
        f"epochs, factor={first['factor']}, {budget} epochs per method; seeds {seeds[methods[0]]}"
    )
    uneven = {m: s for m, s in seeds.items() if s != seeds[methods[0]]}
    if uneven:
        print(f"(methods with other seeds: {uneven})")
    points = [c for c in CHECKPOINTS if c <= budget]
    w = max(16, *map(len, methods))  # the method column's width
    header = f"{'method':{w}s}" + "".join(f"{c:>8d}" for c in points) + "   test@end  seconds"
    print("\nbest validation accuracy (mean over seeds) after E epochs")
    print(header)
    for m in methods:
        secs = np.mean([r["seconds"] for r in runs[m]])
        row = "".join(f"{mean_val[m][c - 1]:8.4f}" for c in points)
        print(f"{m:{w}s}{row}   {mean_test[m][-1]:8.4f}  {secs:7.0f}")

    peers = [m for m in PEERS if m in methods]
    ours = [m for m in OURS if m in methods]
    if not peers or not ours:
        return
    best_peer, target, needed, got = reach(mean_val, ours, peers)
    print(f"\nbest peer: {best_peer}, final {target:.4f}, first reached after {needed} epochs")
    for m in ours:
        r = ratio_text(ratio(got[m], needed))
        print(f"  {m:{w}s} reaches it after {got[m]} epochs: ratio {r} (target <= 0.33)")
    print("\njudged by the test accuracy of each incumbent instead (validation still picks it)")
    for p in peers:
        _, final, took, at = reach(mean_test, ours, [p])
        for m in ours:
            r = ratio_text(ratio(at[m], took))
            print(
                f"  {m} reaches {p}'s final {final:.4f} ({took} epochs) after {at[m]}: ratio {r}"
            )
    if args.shorter:
        bad = [b for b in args.shorter if not 0 < b <= budget]
        if bad:
            raise SystemExit(
                f"--shorter: each B must lie in 1..{budget} (the runs' budget), got {bad}"
            )
        print("\nratio had every method been given B epochs (the best peer's final at B)")
        print(f"{'B':>6s}  {'best peer':{w}s}   final  epochs  " + "  ".join(ours))
        for b in sorted(set(args.shorter)):
            peer, final, took, at = reach({m: mean_val[m][:b] for m in methods}, ours, peers)
            row = "".join(f"  {ratio_text(ratio(at[m], took)):>{len(m)}s}" for m in ours)
            print(f"{b:6d}  {peer:{w}s}  {final:.4f}  {took!s:>6s}{row}")
    if args.bootstrap:
        if uneven:
            raise SystemExit("--bootstrap needs every method on the same seeds (pass --seeds)")
        boot = bootstrap_ratios({m: per_seed[m] for m in methods}, ours, peers, args.bootstrap)
        print(f"\nratio over {args.bootstrap} resamples of the seeds (the best peer chosen anew)")
        for m in ours:
            # Nearest-rank percentiles: a resample that never reaches the target (inf)
            # stays "never" instead of turning the interpolation into NaN.
            lo, mid, hi = (
                ratio_text(q) for q in np.percentile(boot[m], [5, 50, 95], method="nearest")
            )
            share = float(np.mean(boot[m] <= 1 / 3))
            print(
                f"  {m:{w}s} median {mid}, 90% interval {lo} to {hi}; "
                f"<= 1/3 in {share:.0%} of resamples"
            )
    if args.plot:
        plot(
            args.plot,
            mean_val,
            sem_val,
            (best_peer, target, needed),
            f"mnist1d MLP, {budget} epochs per method, mean of {len(per_seed[ours[0]])} seeds",
        )
    print("\nours minus peer at each checkpoint (positive: ours ahead)")
    print(f"{'':34s}" + "".join(f"{c:>8d}" for c in points))
    for m in ours:
        for p in peers:
            diff = [mean_val[m][c - 1] - mean_val[p][c - 1] for c in points]
            wins = all(d > 0 for d in diff)
            print(
                f"{m + ' - ' + p:34s}"
                + "".join(f"{d:+8.4f}" for d in diff)
                + f"   {'beats at every budget' if wins else 'not at every budget'}"
            )
    print(
        "\nstandard error of each difference (independent runs): "
        "a gap under about twice it is noise"
    )
    print(f"{'':34s}" + "".join(f"{c:>8d}" for c in points))
    for m in ours:
        for p in peers:
            se = [float(np.hypot(sem_val[m][c - 1], sem_val[p][c - 1])) for c in points]
            print(f"{m + ' - ' + p:34s}" + "".join(f"{e:8.4f}" for e in se))


if __name__ == "__main__":
    main()
