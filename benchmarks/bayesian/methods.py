"""The methods compared: tunesmith's oracles, Optuna's samplers, HEBO (in its own venv,
driven over a pipe) and Keras Tuner's Bayesian optimization oracle (if importable).

Each method is a function ``run(problem, n_trials, seed) -> list of losses`` in trial order
(a failed evaluation counts as +inf).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from problems import Param, Problem

Runner = Callable[[Problem, int, int], list[float]]
HERE = Path(__file__).resolve().parent
HEBO_PYTHON = Path(os.environ.get("HEBO_PYTHON", HERE.parents[1] / ".venv-hebo/bin/python"))


def _safe(loss: Callable[[Any], float], values: Any) -> float:
    try:
        value = float(loss(values))
    except Exception:  # noqa: BLE001 - a failed evaluation is data here
        return math.inf
    return value if math.isfinite(value) else math.inf


# -- tunesmith --------------------------------------------------------------------------------
def tunesmith_runner(make_oracle: Callable[[], Any]) -> Runner:
    def run(problem: Problem, n_trials: int, seed: int) -> list[float]:
        from tunesmith import Tuner

        def objective(trial: Any) -> float:
            values = {}
            for p in problem.params:
                if p.kind == "float":
                    values[p.name] = trial.hp.Float(
                        p.name, p.low, p.high, sampling="log" if p.log else "linear"
                    )
                elif p.kind == "int":
                    values[p.name] = trial.hp.Int(
                        p.name, int(p.low), int(p.high), sampling="log" if p.log else "linear"
                    )
                else:
                    values[p.name] = trial.hp.Choice(p.name, list(p.choices))
            return problem.loss(values)

        tuner = Tuner(
            "loss", oracle=make_oracle(), seed=seed, max_consecutive_failures=n_trials + 1
        )
        tuner.search(objective, max_trials=n_trials, progress=False)
        return [t.value if t.has_value else math.inf for t in tuner.trials][:n_trials]

    return run


# -- Optuna -----------------------------------------------------------------------------------
def optuna_runner(sampler_name: str) -> Runner:
    def run(problem: Problem, n_trials: int, seed: int) -> list[float]:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        sampler = getattr(optuna.samplers, sampler_name)(seed=seed)
        study = optuna.create_study(sampler=sampler)

        def objective(trial: Any) -> float:
            values = {}
            for p in problem.params:
                if p.kind == "float":
                    values[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
                elif p.kind == "int":
                    values[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
                else:
                    values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
            return _safe(problem.loss, values)

        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=n_trials)
        return [t.value if t.value is not None else math.inf for t in study.trials]

    return run


# -- HEBO, in its own virtual environment -----------------------------------------------------
def _hebo_space(params: tuple[Param, ...]) -> list[dict[str, Any]]:
    out = []
    for p in params:
        if p.kind == "cat":
            out.append({"name": p.name, "type": "cat", "categories": [str(c) for c in p.choices]})
        elif p.kind == "int":
            kind = "pow_int" if p.log else "int"
            out.append({"name": p.name, "type": kind, "lb": int(p.low), "ub": int(p.high)})
        else:
            kind = "pow" if p.log else "num"
            out.append({"name": p.name, "type": kind, "lb": p.low, "ub": p.high})
    return out


def hebo_run(problem: Problem, n_trials: int, seed: int) -> list[float]:
    proc = subprocess.Popen(
        [str(HEBO_PYTHON), str(HERE / "hebo_worker.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    by_name = {p.name: p for p in problem.params}

    def send(message: dict[str, Any]) -> dict[str, Any]:
        proc.stdin.write(json.dumps(message) + "\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("the HEBO worker died; run it by hand to see why")
        return json.loads(line)  # type: ignore[no-any-return]

    losses = []
    try:
        send({"space": _hebo_space(problem.params), "seed": seed})
        for _ in range(n_trials):
            raw = send({"cmd": "suggest"})["params"]
            values = {}
            for name, v in raw.items():
                p = by_name[name]
                if p.kind == "cat":
                    values[name] = next(c for c in p.choices if str(c) == v)
                elif p.kind == "int":
                    values[name] = int(round(v))
                else:
                    values[name] = float(min(max(v, p.low), p.high))
            loss = _safe(problem.loss, values)
            losses.append(loss)
            send({"cmd": "observe", "y": loss if math.isfinite(loss) else 1e10})
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return losses


# -- Keras Tuner ------------------------------------------------------------------------------
def keras_tuner_run(problem: Problem, n_trials: int, seed: int) -> list[float]:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras_tuner as kt

    hp = kt.HyperParameters()
    for p in problem.params:
        if p.kind == "float":
            hp.Float(p.name, p.low, p.high, sampling="log" if p.log else "linear")
        elif p.kind == "int":
            hp.Int(p.name, int(p.low), int(p.high), sampling="log" if p.log else "linear")
        else:
            hp.Choice(p.name, list(p.choices))
    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("loss", "min"),
        max_trials=n_trials,
        hyperparameters=hp,
        seed=seed,
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        oracle._set_project_dir(tmp, "kt")
        losses = []
        for i in range(n_trials):
            trial = oracle.create_trial(f"w{i}")
            if trial.status != "RUNNING":
                break
            loss = _safe(problem.loss, dict(trial.hyperparameters.values))
            oracle.update_trial(trial.trial_id, {"loss": loss if math.isfinite(loss) else 1e10})
            trial.status = "COMPLETED"
            oracle.end_trial(trial)
            losses.append(loss)
    return losses


def available() -> dict[str, Runner]:
    """Every method that runs here, by name."""
    from tunesmith.oracles import BayesianOptimization, CoarseToFine, RandomSearch

    methods: dict[str, Runner] = {
        "tunesmith-BO": tunesmith_runner(BayesianOptimization),
        "random": tunesmith_runner(RandomSearch),
        "coarse-to-fine": tunesmith_runner(CoarseToFine),
    }
    try:
        import optuna  # noqa: F401

        methods["optuna-TPE"] = optuna_runner("TPESampler")
        methods["optuna-GP"] = optuna_runner("GPSampler")
    except ImportError:
        print("optuna not installed: pip install 'tunesmith[bench]'", file=sys.stderr)
    if HEBO_PYTHON.exists():
        methods["HEBO"] = hebo_run
    else:
        print(f"HEBO skipped: no interpreter at {HEBO_PYTHON}", file=sys.stderr)
    try:
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras_tuner  # noqa: F401

        methods["kerastuner-BO"] = keras_tuner_run
    except Exception:  # noqa: BLE001 - any import failure means "not available here"
        print("Keras Tuner skipped: it does not import here", file=sys.stderr)
    return methods
