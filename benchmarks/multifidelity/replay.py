"""Replays recorded learning curves through promotion rules: how EagerASHA's rule was chosen.

Every 27-epoch configuration that ``random`` trained in results/ (seeds 0-4) is a learning
curve (the validation accuracy after each epoch). A rule is replayed by drawing
configurations from these curves at random (as a random-search oracle would) and spending
400 epochs as the rule decides; a promotion continues the same curve. The mean incumbent
over many replays shows what the rule alone does, without an oracle's help and without
training anything.

.venv/bin/python benchmarks/multifidelity/replay.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
BUDGETS = (1, 3, 9, 27)
CHECKPOINTS = (25, 50, 100, 150, 200, 300, 400)
Curve = np.ndarray
Rule = Callable[[Callable[[], Curve], list[float], int], None]


def load_curves() -> np.ndarray:
    curves = []
    for path in sorted((HERE / "results").glob("random-seed[0-4].json")):
        val = [v for v, _ in json.loads(path.read_text())["evals"]]
        curves += [val[i : i + 27] for i in range(0, len(val) - 26, 27)]
    return np.array(curves)


def asynchronous(promotable: Callable[[int], int]) -> Rule:
    """ASHA's loop: from the top rung down, promote a trial among the best
    ``promotable(n)`` of its rung's ``n`` results that was not promoted yet; else start a
    new configuration at rung 0."""

    def rule(new: Callable[[], Curve], log: list[float], epochs: int) -> None:
        curves: list[Curve] = []
        rungs: list[list[tuple[float, int]]] = [[] for _ in BUDGETS]
        promoted: set[tuple[int, int]] = set()
        while len(log) < epochs:
            move = None
            for r in range(len(BUDGETS) - 2, -1, -1):
                best = sorted(rungs[r], key=lambda x: -x[0])[: promotable(len(rungs[r]))]
                move = next(((r, i) for _, i in best if (r, i) not in promoted), None)
                if move:
                    break
            if move is None:
                curves.append(new())
                r, i, start = -1, len(curves) - 1, 0
            else:
                r, i = move
                promoted.add(move)
                start = BUDGETS[r]
            log.extend(curves[i][start : BUDGETS[r + 1]])
            rungs[r + 1].append((curves[i][BUDGETS[r + 1] - 1], i))

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


def replay(rule: Rule, curves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    def new() -> Curve:
        return curves[rng.integers(len(curves))]

    log: list[float] = []
    rule(new, log, CHECKPOINTS[-1])
    best = np.maximum.accumulate(log[: CHECKPOINTS[-1]])
    return best[[c - 1 for c in CHECKPOINTS]]


def main() -> None:
    curves = load_curves()
    rules = {
        "hyperband (sync)": hyperband(),
        "ASHA: n // 3": asynchronous(lambda n: n // 3),
        "Optuna: max(n // 3, 1)": asynchronous(lambda n: max(n // 3, 1)),
        "EagerASHA (eager_after=2)": asynchronous(lambda n: max(n // 3, int(n >= 2))),
    }
    print(f"{len(curves)} recorded curves; mean incumbent over 2000 replays of 400 epochs")
    print(f"{'rule':26s}" + "".join(f"{c:>8d}" for c in CHECKPOINTS))
    for name, rule in rules.items():
        rng = np.random.default_rng(0)
        mean = np.mean([replay(rule, curves, rng) for _ in range(2000)], axis=0)
        print(f"{name:26s}" + "".join(f"{v:8.4f}" for v in mean))


if __name__ == "__main__":
    main()
