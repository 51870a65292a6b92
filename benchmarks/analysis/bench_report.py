"""How long the study report takes for a large study (10,000 trials by default).

Generates a synthetic study (8 parameters on linear, log, reverse_log and categorical
scales; 10 reported steps per trial; completed, stopped, failed and running trials), then
times each stage: reading the study, the report's data (surrogate, importance, plot data),
the plotly figures and page, and writing it. With ``--peers`` and Optuna installed, the same
finished trials go into an Optuna study and its fANOVA importance and parallel-coordinates
HTML are timed too, and the ratios printed. Run:

    nice .venv/bin/python benchmarks/analysis/bench_report.py [--trials 10000] [--sqlite]
    nice .venv/bin/python benchmarks/analysis/bench_report.py --trials 1000 --peers

(``--peers`` needs ``pip install optuna``; its fANOVA on 10,000 trials did not finish within
20 minutes on a 2-core machine, so compare at 1,000.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from tunesmith import Boolean, Choice, Float, Int, Objective, SearchSpace
from tunesmith.analysis import load_snapshot, render_report, report_data
from tunesmith.storage import InMemoryStorage, SQLStorage, Storage
from tunesmith.trial import TrialState

SPACE = SearchSpace(
    [
        Float("learning_rate", 1e-5, 1e-1, sampling="log"),
        Float("beta_1", 0.8, 0.999, sampling="reverse_log"),
        Int("units", 16, 512, step=16),
        Choice("batch_size", [16, 32, 64, 128, 256]),
        Int("layers", 1, 6),
        Float("dropout", 0.0, 0.5),
        Choice("activation", ["relu", "gelu", "selu"]),
        Boolean("batch_norm"),
    ]
)


def fill(storage: Storage, n_trials: int, seed: int = 0) -> None:
    """A study whose loss depends mostly on the learning rate, then on β1."""
    storage.create_study("bench", Objective("val_loss"), SPACE)
    rng = np.random.default_rng(seed)
    for i in range(n_trials):
        values = SPACE.decode(SPACE.sample(rng))
        t = storage.create_trial("bench", values=values)
        floor = (np.log10(values["learning_rate"]) + 3) ** 2 / 4
        floor += 0.3 * (np.log10(1 - values["beta_1"]) + 2) ** 2 + 0.05 * rng.random()
        steps = 10 if i % 7 else 3  # every 7th trial stopped early
        for step in range(steps):
            storage.report("bench", t.number, step, float(floor + 2.0 / (step + 1)))
        if i >= n_trials - 4:
            continue  # still running
        if i % 50 == 49:
            storage.finish_trial("bench", t.number, TrialState.FAILED, error="diverged")
            continue
        state = TrialState.COMPLETED if i % 7 else TrialState.STOPPED
        storage.finish_trial("bench", t.number, state, value=float(floor + 2.0 / steps))


def optuna_peer(storage: Storage, tmp: Path) -> tuple[float, float, list[str]]:
    """Optuna's fANOVA importance and parallel-coordinates HTML on the same trials."""
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {
        "learning_rate": FloatDistribution(1e-5, 1e-1, log=True),
        "beta_1": FloatDistribution(0.8, 0.999),  # Optuna has no reverse_log
        "units": IntDistribution(16, 512, step=16),
        "batch_size": CategoricalDistribution([16, 32, 64, 128, 256]),
        "layers": IntDistribution(1, 6),
        "dropout": FloatDistribution(0.0, 0.5),
        "activation": CategoricalDistribution(["relu", "gelu", "selu"]),
        "batch_norm": CategoricalDistribution([False, True]),
    }
    study = optuna.create_study(direction="minimize")
    study.add_trials(
        [
            optuna.trial.create_trial(params=dict(t.values), distributions=dists, value=t.value)
            for t in storage.list_trials("bench")
            if t.has_value
        ]
    )
    t0 = time.perf_counter()
    scores = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
    )
    t_importance = time.perf_counter() - t0
    t0 = time.perf_counter()
    fig = optuna.visualization.plot_parallel_coordinate(study)
    fig.write_html(tmp / "optuna-parallel.html", include_plotlyjs=True)
    t_parallel = time.perf_counter() - t0
    return t_importance, t_parallel, list(scores)[:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite, not memory")
    parser.add_argument("--peers", action="store_true", help="time Optuna on the same trials")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        storage: Storage = SQLStorage(url) if args.sqlite else InMemoryStorage()
        t0 = time.perf_counter()
        fill(storage, args.trials)
        t_fill = time.perf_counter() - t0
        import plotly.io  # noqa: F401 - import time is not the report's
        import sklearn.ensemble  # noqa: F401

        t0 = time.perf_counter()
        snapshot = load_snapshot(storage, "bench")
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        data = report_data(snapshot)
        t_data = time.perf_counter() - t0
        t0 = time.perf_counter()
        page = render_report(data)
        t_render = time.perf_counter() - t0
        t0 = time.perf_counter()
        (Path(tmp) / "report.html").write_text(page, encoding="utf-8")
        t_write = time.perf_counter() - t0
        from tunesmith.analysis import importance, parallel_data
        from tunesmith.analysis.plots import plotly_backend

        t0 = time.perf_counter()
        ours = importance(snapshot)
        t_ours_importance = time.perf_counter() - t0
        t0 = time.perf_counter()
        plotly_backend.write_html(
            plotly_backend.parallel_figure(parallel_data(snapshot)), Path(tmp) / "parallel.html"
        )
        t_ours_parallel = time.perf_counter() - t0
        peer = optuna_peer(storage, Path(tmp)) if args.peers else None
    backend = "SQLite" if args.sqlite else "memory"
    print(f"{args.trials} trials ({backend}); generating them took {t_fill:.1f} s")
    print(f"  read study        {t_load:6.2f} s")
    print(f"  report data       {t_data:6.2f} s  (surrogate, importance x2, plot data)")
    print(f"  figures + page    {t_render:6.2f} s  ({len(page) / 1e6:.1f} MB of HTML)")
    print(f"  write             {t_write:6.2f} s")
    print(f"  report total      {t_data + t_render + t_write:6.2f} s (after reading)")
    top = list(data.importance.scores.items())[:3] if data.importance else []
    print("  top importance:", ", ".join(f"{n} {s:.1%}" for n, s in top))
    print(
        f"  fanova importance alone {t_ours_importance:6.2f} s; parallel HTML alone "
        f"{t_ours_parallel:6.2f} s"
    )
    if peer is not None:
        t_imp, t_par, their_top = peer
        print("Optuna on the same finished trials:")
        print(
            f"  fanova importance {t_imp:6.2f} s  ({t_imp / t_ours_importance:.1f}x ours)"
            f"  top: {', '.join(their_top)} (ours: {', '.join(ours.ranking[:3])})"
        )
        print(f"  parallel HTML     {t_par:6.2f} s  ({t_par / t_ours_parallel:.1f}x ours)")


if __name__ == "__main__":
    main()
