"""Replays recorded learning curves through promotion rules: how EagerASHA's rule was chosen.

Every 27-epoch configuration that ``random`` trained in results/ (seeds 0-4, or those given
with ``--seeds``) is a learning curve (the validation accuracy after each epoch). A rule is
replayed by drawing configurations from these curves at random (as a random-search oracle
would) and spending 400 epochs as the rule decides; a promotion continues the same curve.
The mean incumbent over many replays shows what the rule alone does, without an oracle's
help and without training anything.

.venv/bin/python benchmarks/multifidelity/replay.py                      # seeds 0-4: 70 curves
.venv/bin/python benchmarks/multifidelity/replay.py --seeds 0 1 2 3 4 5 6 7 8 9   # 140
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
BUDGETS = (1, 3, 9, 27)
CHECKPOINTS = (25, 50, 100, 150, 200, 300, 400)
Curve = np.ndarray
Rule = Callable[[Callable[[], Curve], list[float], int], None]


def load_curves(seeds: list[int]) -> np.ndarray:
    curves = []
    for seed in seeds:
        path = HERE / "results" / f"random-seed{seed}.json"
        val = [v for v, _ in json.loads(path.read_text())["evals"]]
        curves += [val[i : i + 27] for i in range(0, len(val) - 26, 27)]
    return np.array(curves)


def asynchronous(promotable: Callable[[int, int], int], first_bracket: bool = False) -> Rule:
    """ASHA's loop: from the top rung down, promote a trial among the best
    ``promotable(n, rung)`` of its rung's ``n`` results that was not promoted yet; else start a
    new configuration at rung 0. With ``first_bracket``, Hyperband's most exploratory
    bracket (27 configurations at 1 epoch, the best 9 to 3, 3 to 9, 1 to 27) runs first,
    synchronously, as Keras Tuner's does; its results seed the rungs."""

    def rule(new: Callable[[], Curve], log: list[float], epochs: int) -> None:
        curves: list[Curve] = []
        rungs: list[list[tuple[float, int]]] = [[] for _ in BUDGETS]
        promoted: set[tuple[int, int]] = set()

        def run(r: int, i: int) -> None:
            log.extend(curves[i][BUDGETS[r] if r >= 0 else 0 : BUDGETS[r + 1]])
            rungs[r + 1].append((curves[i][BUDGETS[r + 1] - 1], i))

        if first_bracket:
            alive = []
            for _ in range(27):
                curves.append(new())
                alive.append(len(curves) - 1)
                run(-1, alive[-1])
            for r, keep in enumerate((9, 3, 1)):
                alive = sorted(alive, key=lambda i: -curves[i][BUDGETS[r] - 1])[:keep]
                for i in alive:
                    promoted.add((r, i))
                    run(r, i)
        while len(log) < epochs:
            move = None
            for r in range(len(BUDGETS) - 2, -1, -1):
                best = sorted(rungs[r], key=lambda x: -x[0])[: promotable(len(rungs[r]), r)]
                move = next(((r, i) for _, i in best if (r, i) not in promoted), None)
                if move:
                    break
            if move is None:
                curves.append(new())
                r, i = -1, len(curves) - 1
            else:
                r, i = move
                promoted.add(move)
            run(r, i)

    return rule


def hyperband() -> Rule:
    """Synchronous Hyperband(27, factor=3), most exploratory bracket first."""
    brackets = [((27, 9, 3, 1), (1, 3, 9, 27)), ((12, 4, 1), (3, 9, 27))]
    brackets += [((6, 2), (9, 27)), ((4,), (27,))]

    def rule(new: Callable[[], Curve], log: list[float], epochs: int) -> None:
        while len(log) < epochs:
            for sizes, budgets in brackets:
                curves = [new() for _ in range(sizes[0])]
                alive, done = list(range(sizes[0])), 0
                for k, budget in enumerate(budgets):
                    for i in alive:
                        log.extend(curves[i][done:budget])
                    if k + 1 < len(budgets):
                        alive = sorted(alive, key=lambda i: -curves[i][budget - 1])
                        alive = alive[: sizes[k + 1]]
                    done = budget

    return rule


def eager(n: int, rung: int) -> int:
    """EagerASHA's rule (eager_after=2): the best of two or more goes on."""
    return max(n // 3, int(n >= 2))


def finish(n: int, rung: int) -> int:
    """ASHA(finish_after=2): the best of two or more at 9 epochs goes on to 27."""
    return max(n // 3, int(n >= 2 and rung == len(BUDGETS) - 2))


def replay(rule: Rule, curves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    def new() -> Curve:
        return curves[rng.integers(len(curves))]

    log: list[float] = []
    rule(new, log, CHECKPOINTS[-1])
    best = np.maximum.accumulate(log[: CHECKPOINTS[-1]])
    return best[[c - 1 for c in CHECKPOINTS]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument("--replays", type=int, default=2000)
    args = parser.parse_args()
    curves = load_curves(args.seeds)
    rules = {
        "hyperband (sync)": hyperband(),
        "ASHA: n // 3": asynchronous(lambda n, _: n // 3),
        "ASHA, finish_after=2": asynchronous(finish),
        "Optuna: max(n // 3, 1)": asynchronous(lambda n, _: max(n // 3, 1)),
        "EagerASHA (eager_after=2)": asynchronous(eager),
        "first bracket, then Eager": asynchronous(eager, first_bracket=True),
    }
    print(
        f"{len(curves)} recorded curves; mean incumbent over {args.replays} replays of "
        f"400 epochs (and its spread: the standard deviation of one run)"
    )
    print(f"{'rule':26s}" + "".join(f"{c:>8d}" for c in CHECKPOINTS) + "  sd@100")
    for name, rule in rules.items():
        rng = np.random.default_rng(0)
        runs = np.array([replay(rule, curves, rng) for _ in range(args.replays)])
        row = "".join(f"{v:8.4f}" for v in runs.mean(axis=0))
        print(f"{name:26s}{row}  {runs[:, CHECKPOINTS.index(100)].std():6.3f}")


if __name__ == "__main__":
    main()
