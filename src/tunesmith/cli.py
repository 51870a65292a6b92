"""The ``tunesmith`` command: thin commands over the public API, no logic of their own."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console

from tunesmith import __version__
from tunesmith.analysis import (
    PLOT_KINDS,
    export_tensorboard,
    load_snapshot,
    summary_table,
    write_csv,
    write_plot,
    write_report,
)
from tunesmith.exceptions import TunesmithError
from tunesmith.storage import Storage, get_storage
from tunesmith.storage._sql import sqlite_file
from tunesmith.trial import TrialState

_storage_option = click.option(
    "--storage",
    required=True,
    envvar="TUNESMITH_STORAGE",
    help="Storage URL, e.g. sqlite:///study.db (or set TUNESMITH_STORAGE).",
)
_study_option = click.option("--study", required=True, help="The study's name.")


def _open(url: str) -> Storage:
    """The storage at ``url``. Every command reads a study that exists, so a SQLite file
    must exist already: a mistyped path would otherwise become a new, empty database."""
    db = sqlite_file(url)
    if db is not None and not db.is_file():
        raise click.ClickException(
            f"no SQLite database at {str(db)!r} (from --storage {url}). Check the path: "
            "sqlite:///rel/path.db is relative, sqlite:////abs/path.db absolute."
        )
    return get_storage(url)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TunesmithError as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="tunesmith")
def main() -> None:
    """tunesmith: hyperparameter tuning the way practitioners do it."""


@main.command()
@_storage_option
def studies(storage: str) -> None:
    """Lists the studies in a storage."""
    s = _open(storage)
    for study in s.list_studies():
        n = s.count_trials(study.name)
        click.echo(
            f"{study.name}\t{study.objective.name} ({study.objective.direction})\t{n} trials"
        )


@main.command()
@_storage_option
@_study_option
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write CSV here.")
@click.option("--failed", is_flag=True, help="Only failed trials, with their tracebacks.")
def trials(storage: str, study: str, csv_path: str | None, failed: bool) -> None:
    """Prints every trial of a study as CSV (or writes it to --csv)."""
    s = _open(storage)
    if failed:
        for t in s.list_trials(study, (TrialState.FAILED,)):
            click.echo(f"trial {t.number}: {t.error}")
            if t.traceback:
                click.echo(t.traceback)
        return
    text = write_csv(s, study, csv_path)
    if csv_path is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {s.count_trials(study)} trials to {csv_path}")


@main.command()
@_storage_option
@_study_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def best(storage: str, study: str, as_json: bool) -> None:
    """Prints the best trial's number, value and hyperparameters."""
    s = _open(storage)
    trial = s.best_trial(study)
    if trial is None:
        raise click.ClickException(
            f"study {study!r} has no completed trial with a finite value yet."
        )
    objective = s.load_study(study).objective
    if as_json:
        click.echo(
            json.dumps(
                {"number": trial.number, objective.name: trial.value, "values": dict(trial.values)}
            )
        )
        return
    click.echo(f"trial {trial.number}: {objective.name} = {trial.value:.6g}")
    for name, value in trial.values.items():
        click.echo(f"  {name} = {value!r}")


@main.command()
@_storage_option
@_study_option
@click.option(
    "-n",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many of the best trials to show.",
)
def summary(storage: str, study: str, n: int) -> None:
    """Prints the study's counts and its best trials."""
    Console().print(summary_table(_open(storage), study, n))


@main.command()
@_storage_option
@_study_option
@click.option(
    "--out", type=click.Path(dir_okay=False), help="The HTML file [default: STUDY-report.html]."
)
def report(storage: str, study: str, out: str | None) -> None:
    """Writes one HTML page: importance, the notes' tiers, every plot, the best trial."""
    path = write_report(_open(storage), study, out)
    click.echo(f"wrote {path}")


@main.command()
@click.argument("kind", type=click.Choice(PLOT_KINDS))
@_storage_option
@_study_option
@click.option("--out", type=click.Path(dir_okay=False), help="[default: STUDY-KIND.FORMAT]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "png"]),
    default=None,
    help="Interactive HTML (plotly) or PNG (matplotlib)  [default: from --out's "
    "extension, else html]",
)
def plot(kind: str, storage: str, study: str, out: str | None, fmt: str | None) -> None:
    """Writes one plot: parallel, importance, history, curves or contour."""
    if fmt is None:
        fmt = "png" if out is not None and out.lower().endswith(".png") else "html"
    path = write_plot(_open(storage), study, kind, out, format=fmt)  # type: ignore[arg-type]
    click.echo(f"wrote {path}")


@main.command()
@_storage_option
@_study_option
@click.option("--logdir", required=True, type=click.Path(file_okay=False), help="Write here.")
def tensorboard(storage: str, study: str, logdir: str) -> None:
    """Exports the study as TensorBoard HPARAMS data (then: tensorboard --logdir LOGDIR)."""
    export = export_tensorboard(load_snapshot(_open(storage), study), logdir)
    click.echo(f"wrote {export.n_trials} trials to {export.logdir}")


def _load(target: str, what: str) -> Any:
    """Imports ``module:attribute`` (the module may be a file path, like a script)."""
    import importlib
    import importlib.util
    from pathlib import Path

    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise click.BadParameter(
            f"{what} must be module:attribute, got {target!r}. Write e.g. train:objective."
        )
    if module_name.endswith(".py") or Path(module_name).is_file():
        if not Path(module_name).is_file():
            raise click.BadParameter(
                f"{what}: no file {module_name!r} (from {target!r}). Check the path; it is "
                "relative to the current folder."
            )
        spec = importlib.util.spec_from_file_location(Path(module_name).stem, module_name)
        if spec is None or spec.loader is None:
            raise click.BadParameter(f"{what}: cannot load {module_name!r}.")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, "")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name != module_name.split(".")[0] and e.name != module_name:
                raise  # the module exists but imports something missing: its own error
            raise click.BadParameter(
                f"{what}: no module {module_name!r} (from {target!r}). Run from the folder "
                "that holds it, or give the file: path/to/train.py:objective."
            ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise click.BadParameter(f"{what}: {module_name!r} has no {attr!r}.") from None


def _made(target: str, what: str, kind: type) -> Any:
    """Calls the class or factory ``target`` names and checks that it made a ``kind``."""
    factory = _load(target, what)
    made = factory() if callable(factory) else factory
    if not isinstance(made, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise click.BadParameter(
            f"{what}: {target!r} must name {article} {kind.__name__} (its class, or a function "
            f"returning one), got {made!r}. Point it at e.g. tunesmith.oracles:RandomSearch."
        )
    return made


@main.command()
@_storage_option
@_study_option
@click.argument("objective")
@click.option(
    "--max-trials",
    type=click.IntRange(min=1),
    help="Stop when the study holds this many trials.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds after which no new trial starts.",
)
@click.option("--device", help="The device this worker's trials run on, e.g. cuda:0.")
@click.option(
    "--oracle", "oracle_target", help="module:Class of the oracle; default: the study's own."
)
@click.option(
    "--scheduler",
    "scheduler_target",
    help="module:factory returning the scheduler; default: the study's own (another one is "
    "refused, as a Tuner refuses it).",
)
@click.option(
    "--artifacts",
    type=click.Path(file_okay=False),
    help="Folder for trial files (checkpoints); default: the one the study was created "
    "with, else beside the SQLite file.",
)
def worker(
    storage: str,
    study: str,
    objective: str,
    max_trials: int | None,
    timeout: float | None,
    device: str | None,
    oracle_target: str | None,
    scheduler_target: str | None,
    artifacts: str | None,
) -> None:
    """Joins a study as one more worker: runs OBJECTIVE (module:function) on its trials.

    Start any number, on any machines that reach the storage; they share the study's
    oracle and budget through the database.
    """
    import time

    from tunesmith import schedulers
    from tunesmith.execution import TrialRunner
    from tunesmith.execution._worker import work
    from tunesmith.oracles import Oracle, from_settings
    from tunesmith.tuner import artifacts_dir, check_same_scheduler

    s = _open(storage)
    record = s.load_study(study)
    oracle = (
        _made(oracle_target, "--oracle", Oracle)
        if oracle_target
        else from_settings(record.settings.get("oracle", {}))
    )
    fn = _load(objective, "OBJECTIVE")
    stored = record.settings.get("scheduler", {})
    if scheduler_target:
        scheduler = _made(scheduler_target, "--scheduler", schedulers.Scheduler)
        check_same_scheduler(study, stored, scheduler)  # a Tuner refuses another, too
    else:
        scheduler = schedulers.from_settings(stored)
    runner = TrialRunner(
        s,
        study,
        oracle,
        seed=int(record.settings.get("seed", 0)),
        device=device,
        max_retries=1,
        scheduler=scheduler,
        artifacts=artifacts_dir(s, study, artifacts, record.settings),
    )
    result = work(
        runner,
        fn,
        max_trials=max_trials,
        deadline=None if timeout is None else time.time() + timeout,
        max_consecutive_failures=5,
    )
    click.echo(f"worker {result.worker}: {result.n_trials} trials, {result.n_failed} failed")


@main.command(name="set")
@_storage_option
@_study_option
@click.option("--trial", "number", type=int, required=True, help="The running trial.")
@click.argument("changes", nargs=-1, required=True)
def set_(storage: str, study: str, number: int, changes: tuple[str, ...]) -> None:
    """Changes hyperparameters of a running trial (name=value ...) from its next step on.

    Only what its training loop declared changeable (learning rate, momentum, weight decay,
    dropout, batch size) and within the declared range; the change is kept in the trial's
    schedule.
    """
    from tunesmith.panda import parse_assignments, request_change

    request = request_change(_open(storage), study, number, parse_assignments(changes))
    shown = ", ".join(f"{k}={v!r}" for k, v in request["values"].items())
    click.echo(f"trial {number}: {shown} asked; applied at its next step boundary.")


@main.command()
@_storage_option
@_study_option
@click.option("--trial", "number", type=int, required=True, help="The trial to fork.")
@click.option("--step", type=int, required=True, help="The checkpointed step to start from.")
@click.argument("changes", nargs=-1)
def fork(storage: str, study: str, number: int, step: int, changes: tuple[str, ...]) -> None:
    """Queues a new trial that goes on from TRIAL's checkpoint at STEP, with name=value
    changes; a worker runs it (tunesmith babysit --run, tunesmith worker)."""
    from tunesmith.panda import fork_trial, parse_assignments

    t = fork_trial(_open(storage), study, number, step=step, values=parse_assignments(changes))
    changed = ", ".join(f"{k}={v!r}" for k, v in t.attrs["fork"]["changed"].items())
    click.echo(
        f"trial {t.number} forks trial {number} at step {step}"
        f"{' with ' + changed if changed else ''}; it waits for a worker: tunesmith babysit "
        f"--study {study} --run module:function"
    )


@main.command()
@_storage_option
@_study_option
@click.option("--trial", "number", type=int, help="The trial to watch [default: the newest].")
@click.option(
    "--run",
    "run_target",
    help="module:function: run a trial of this objective here while watching it (a queued "
    "fork or retry first, else a new one). Ctrl-C pauses it; --run again resumes it from "
    "its last checkpoint.",
)
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between refreshes.",
)
@click.option(
    "--once", is_flag=True, help="Print the view once and exit (with --run: at the end)."
)
def babysit(
    storage: str,
    study: str,
    number: int | None,
    run_target: str | None,
    interval: float,
    once: bool,
) -> None:
    """Watches one trial as it trains: curves so far, learning rate, changes, diagnostics,
    time left. Change it from another terminal with tunesmith set."""
    import threading
    import time

    from rich.live import Live

    from tunesmith.panda import render, watch_data

    s = _open(storage)
    thread = None
    if run_target is not None:
        if number is not None:
            raise click.UsageError("give --trial (to watch) or --run (to run one), not both.")
        fn = _load(run_target, "--run")
        from tunesmith.tuner import Tuner

        # the tuner's runner: the study's oracle and seed, and its trials' folder
        runner = Tuner(s.load_study(study).objective, storage=s, study=study).runner
        running = runner.start_trial()
        if running is None:  # pragma: no cover - start_trial without a limit always starts
            raise click.ClickException("no trial could start.")
        number = running.number

        def run() -> None:
            try:
                runner.finish(running, fn(running))
            except Exception as e:  # noqa: BLE001 - the objective's failure is the trial's
                runner.finish(running, error=e)

        thread = threading.Thread(target=run, name="babysit-trial", daemon=True)
        thread.start()
    elif number is None:
        trials = s.list_trials(study)
        if not trials:
            raise click.ClickException(f"study {study!r} has no trial yet; start one with --run.")
        running_ = [t for t in trials if t.state is TrialState.RUNNING]
        number = (running_ or trials)[-1].number
    if once:  # one frame: with --run, once the trial has ended
        if thread is not None:
            thread.join()
        Console().print(render(watch_data(s, study, number)))
        return
    with Live(render(watch_data(s, study, number)), auto_refresh=False) as live:
        while True:
            data = watch_data(s, study, number)
            live.update(render(data), refresh=True)
            if data.trial.state.is_finished and (thread is None or not thread.is_alive()):
                break
            time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
