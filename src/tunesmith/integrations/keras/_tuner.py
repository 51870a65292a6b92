"""Tuner: keras_tuner's tuner API, run by tunesmith's Tuner over a SQLite study."""

from __future__ import annotations

import copy
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras

from tunesmith._validate import as_int
from tunesmith.exceptions import InvalidArgumentError, TunesmithError
from tunesmith.execution import RunningTrial
from tunesmith.integrations.keras import _checkpoint
from tunesmith.integrations.keras._arguments import check_arguments
from tunesmith.integrations.keras._callback import BestSoFar, TrialCallback
from tunesmith.integrations.keras._compat import OnceWarner
from tunesmith.integrations.keras._declared import DeclaredFirst
from tunesmith.integrations.keras._hypermodel import HyperModel, as_hypermodel
from tunesmith.integrations.keras._results import OracleView, Trial, trial_id
from tunesmith.integrations.keras.oracles import OracleSpec
from tunesmith.oracles import CoarseToFine, Oracle
from tunesmith.space import HyperParameters, SearchSpace
from tunesmith.trial import Objective
from tunesmith.tuner import Tuner as Engine

#: Arguments keras_tuner accepts that have no meaning here; refused when set.
_UNSUPPORTED = {
    "distribution_strategy": "tunesmith runs trials in processes of their own; a "
    "tf.distribute strategy needs TensorFlow. Leave it out",
    "tuner_id": "workers coordinate through the study's storage, without chief/worker "
    "ids. Leave it out",
}


def coerce_objective(objective: Any) -> Objective:
    """keras_tuner's objective argument (a name, an Objective, a one-item list, or None
    for ``val_loss``) as tunesmith's Objective."""
    if objective is None:
        return Objective("val_loss", "min")
    if isinstance(objective, list | tuple):
        if len(objective) != 1:
            raise InvalidArgumentError(
                f"tuner: tunesmith optimizes one objective, got objective={objective!r}. "
                "Pick one metric, or sum them in HyperModel.fit and return the sum."
            )
        objective = objective[0]
    return Objective.coerce(objective)


class RunningView:
    """The trial handed to ``Tuner.run_trial``: keras_tuner's names over a running trial.

    Attributes:
        trial_id: The zero-padded trial number.
        hyperparameters: The trial's HyperParameters (define-by-run).
        trial: tunesmith's :class:`~tunesmith.RunningTrial` (``report``, ``directory``).
    """

    def __init__(self, trial: RunningTrial) -> None:
        self.trial = trial
        self.trial_id = trial_id(trial.number)
        self.hyperparameters = trial.hp
        self.status = "RUNNING"


class Tuner:
    """keras_tuner's Tuner: a hypermodel, an objective and a trial budget, on tunesmith.

    The study lives in SQLite at ``<directory>/<project_name>/tunesmith.db`` and each
    trial's files in ``<directory>/<project_name>/trial-<n>/``: run the script again and
    the search resumes (finished trials are kept; a trial whose process died is run again);
    ``overwrite=True`` starts afresh. Every epoch's logs are reported to the trial through a
    Keras callback, the best epoch's weights are kept in the trial's folder, and a trial's
    score is its objective's best epoch value (averaged over ``executions_per_trial``).

    Subclasses choose the engine (:class:`RandomSearch`, :class:`GridSearch`,
    :class:`BayesianOptimization`, :class:`Hyperband`); this class takes any tunesmith
    oracle through ``oracle=`` (default :class:`~tunesmith.oracles.CoarseToFine`).
    Override ``run_trial(trial, *args, **kwargs)`` for a training loop of your own: return
    the objective's value, a dict of metrics holding it, or a History.

    Args:
        hypermodel: A :class:`HyperModel`, or a function ``build(hp)`` returning a
            compiled model.
        objective: A metric name (its direction inferred), an :class:`Objective`, or None
            for ``val_loss``.
        max_trials: Trials the study should hold (a resumed study counts the trials it
            has).
        executions_per_trial: Models trained per trial; the score is their mean.
        hyperparameters: A :class:`HyperParameters` whose definitions are declared before
            the first trial and win over build's definitions of the same names.
        tune_new_entries: False fixes the parameters ``hyperparameters`` does not declare
            at the default of build's definition.
        allow_new_entries: False refuses, at the first build, parameters that
            ``hyperparameters`` does not declare.
        max_retries_per_trial: Times a trial whose fit raised is run again, in place.
        max_consecutive_failed_trials: The search stops after this many failed trials in
            a row.
        seed: The study's seed; trial ``n`` seeds Keras from it and ``n``.
        directory: Folder of the project (default: the working directory).
        project_name: The study's name and its folder (default ``"untitled_project"``).
        overwrite: Delete the project's folder first and start a fresh study.
        max_model_size: Models with more parameters fail their trial.
        optimizer, loss, metrics: When given, each model is compiled again with them.
        oracle: This class only (the subclasses choose their own): a ``kt.oracles`` oracle
            (``RandomSearchOracle(objective=..., max_trials=...)``), which then holds
            ``objective``, ``max_trials``, ``seed`` and ``hyperparameters`` (given to the
            tuner as well, they are refused), or a tunesmith oracle (default CoarseToFine).
        logger: Accepted and ignored (keras_tuner's cloud logger).

    Raises:
        InvalidArgumentError: a bad or unsupported argument.

    Example:
        >>> import tempfile
        >>> import keras
        >>> import tunesmith.keras as kt
        >>> def build(hp):
        ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        ...         hp.Int("units", 2, 8, step=2)), keras.layers.Dense(1)])
        ...     model.compile(optimizer="sgd", loss="mse")
        ...     return model
        >>> tuner = kt.RandomSearch(build, objective="loss", max_trials=2, seed=0,
        ...                         directory=tempfile.mkdtemp())
        >>> tuner.search_space_summary()  # doctest: +NORMALIZE_WHITESPACE
        Search space summary
        Default search space size: 1
        units (Int)
        {'default': 6, 'conditions': [], 'min_value': 2, 'max_value': 8, 'step': 2,
         'sampling': 'linear'}
    """

    #: The trial budget when max_trials is not given (keras_tuner's defaults).
    default_max_trials: int | None = 10

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = None,
        max_trials: int | None = None,
        executions_per_trial: int = 1,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_retries_per_trial: int = 0,
        max_consecutive_failed_trials: int = 3,
        seed: int | None = None,
        directory: str | Path | None = None,
        project_name: str | None = None,
        overwrite: bool = False,
        max_model_size: int | None = None,
        optimizer: Any = None,
        loss: Any = None,
        metrics: Any = None,
        oracle: Oracle | OracleSpec | None = None,
        logger: Any = None,
        **kwargs: Any,
    ) -> None:
        where = type(self).__name__
        if isinstance(oracle, OracleSpec):  # keras_tuner's kt.Tuner(oracle=...): its arguments
            given = {
                k: v
                for k, v in (
                    ("objective", objective),
                    ("max_trials", max_trials),
                    ("hyperparameters", hyperparameters),
                    ("seed", seed),
                )
                if v is not None
            }
            if given:
                raise InvalidArgumentError(
                    f"{where}: with oracle= these belong to the oracle, got "
                    f"{', '.join(f'{k}={v!r}' for k, v in given.items())} here as well. "
                    f"Give them to {type(oracle).__name__}(...) only."
                )
            arguments = oracle.tuner_arguments()
            objective, max_trials = arguments["objective"], arguments["max_trials"]
            hyperparameters = arguments["hyperparameters"]
            tune_new_entries = arguments["tune_new_entries"]
            allow_new_entries = arguments["allow_new_entries"]
            seed = arguments["seed"]
            max_retries_per_trial = arguments["max_retries_per_trial"]
            max_consecutive_failed_trials = arguments["max_consecutive_failed_trials"]
        for name, value in kwargs.items():
            if name not in _UNSUPPORTED:
                raise InvalidArgumentError(
                    f"{where}: unknown argument {name}={value!r}. See "
                    "docs/keras-compatibility.md for the arguments tunesmith.keras takes."
                )
            if value is not None:
                raise InvalidArgumentError(
                    f"{where}: {name} is not supported, got {name}={value!r}. "
                    f"{_UNSUPPORTED[name]}."
                )
        custom_loop = type(self).run_trial is not Tuner.run_trial
        if hypermodel is None and not custom_loop:
            raise InvalidArgumentError(
                f"{where}: hypermodel is required: a HyperModel or a function build(hp) "
                "(or override run_trial)."
            )
        for name, value in (
            ("executions_per_trial", executions_per_trial),
            ("max_consecutive_failed_trials", max_consecutive_failed_trials),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(
                    f"{where}: {name} must be a positive integer, got {name}={value!r}."
                )
        if (
            isinstance(max_retries_per_trial, bool)
            or not isinstance(max_retries_per_trial, int)
            or max_retries_per_trial < 0
        ):
            raise InvalidArgumentError(
                f"{where}: max_retries_per_trial must be an integer >= 0, "
                f"got max_retries_per_trial={max_retries_per_trial!r}."
            )
        check_arguments(
            where,
            max_trials=max_trials,
            seed=seed,
            hyperparameters=hyperparameters,
            max_model_size=max_model_size,
            directory=directory,
            project_name=project_name,
            flags={
                "overwrite": overwrite,
                "tune_new_entries": tune_new_entries,
                "allow_new_entries": allow_new_entries,
            },
        )
        self.hypermodel: HyperModel | None = (
            None if hypermodel is None else as_hypermodel(hypermodel, where)
        )
        self.objective = coerce_objective(objective)
        self.max_trials = max_trials if max_trials is not None else self.default_max_trials
        self.executions_per_trial = executions_per_trial
        self.allow_new_entries = allow_new_entries
        self.tune_new_entries = tune_new_entries
        self.max_retries_per_trial = max_retries_per_trial
        self.max_model_size = max_model_size
        self.compile_overrides = {
            k: v for k, v in (("optimizer", optimizer), ("loss", loss), ("metrics", metrics))
        }
        self.logger = logger
        engine_oracle, scheduler = self._engine_parts(oracle)  # before touching any file
        self.directory = Path(directory if directory is not None else ".")
        self.project_name = project_name or "untitled_project"
        self.project_dir = self.directory / self.project_name
        self._warner = OnceWarner()
        self._declared = hyperparameters.space.copy() if hyperparameters else SearchSpace()
        # Everything that can refuse runs before overwrite deletes a finished study.
        space = self._discover_space() if self.hypermodel is not None else self._declared
        if overwrite and self.project_dir.exists():
            shutil.rmtree(self.project_dir)
        self.project_dir.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {} if scheduler is None else {"scheduler": scheduler}
        self.engine = Engine(
            self.objective,
            oracle=engine_oracle,
            storage=f"sqlite:///{self.project_dir / 'tunesmith.db'}",
            study=self.project_name,
            space=space,
            seed=None if seed is None else int(seed),  # checked above; NumPy's too
            max_consecutive_failures=max_consecutive_failed_trials,
            artifacts=self.directory,
            **options,
        )
        self.oracle = OracleView(
            lambda: self.engine.trials,
            lambda: self.engine.storage.load_study(self.project_name).space,
            self.objective,
            self.max_trials,
        )

    # -- what subclasses choose ------------------------------------------------------------
    def _engine_parts(self, oracle: Oracle | OracleSpec | None) -> tuple[Oracle, Any]:
        """The tunesmith oracle and scheduler (None: every trial runs as fit decides)."""
        if isinstance(oracle, OracleSpec):
            return oracle.engine_parts()
        if oracle is not None and not isinstance(oracle, Oracle):
            raise InvalidArgumentError(
                f"Tuner: oracle must be a kt.oracles oracle or a tunesmith oracle, got "
                f"oracle={oracle!r}. Use e.g. kt.oracles.RandomSearchOracle(...) or "
                "tunesmith.oracles.CoarseToFine()."
            )
        return (oracle if oracle is not None else CoarseToFine()), None

    # -- the space -------------------------------------------------------------------------
    def _discover_space(self) -> SearchSpace:
        """Builds the model once with default values, as keras_tuner does, so the space is
        known (and summarized, and gridded) before the first trial."""
        hp = HyperParameters(self._declared.copy())
        self._build(hp)
        return hp.space

    def _view(self, hp: Any) -> Any:
        """The hp that build and fit see: the trial's, or one that applies
        ``hyperparameters=`` and ``tune_new_entries=False``."""
        if isinstance(hp, DeclaredFirst) or (len(self._declared) == 0 and self.tune_new_entries):
            return hp
        return DeclaredFirst(hp, self._declared, self.tune_new_entries)

    def _build(self, hp: HyperParameters) -> Any:
        if self.hypermodel is None:
            raise InvalidArgumentError(
                f"{type(self).__name__}: there is no hypermodel to build; give hypermodel=."
            )
        keras.backend.clear_session()
        hp = self._view(hp)
        model = self.hypermodel.build(hp)
        if model is None:
            raise InvalidArgumentError(
                f"{type(self.hypermodel).__name__}.build returned None; return the compiled "
                "model (`return model`)."
            )
        self._warner.check_space(hp.space)
        if not self.allow_new_entries:
            new = [n for n in hp.space.names if n not in self._declared]
            if new:
                raise InvalidArgumentError(
                    f"tuner: build defined {new}, which hyperparameters= does not declare, "
                    "and allow_new_entries=False. Declare them, or allow new entries."
                )
        if any(v is not None for v in self.compile_overrides.values()):
            model.compile(
                optimizer=self.compile_overrides["optimizer"] or model.optimizer,
                loss=self.compile_overrides["loss"] or model.loss,
                metrics=self.compile_overrides["metrics"],
            )
        return model

    def search_space_summary(self, extended: bool = False) -> None:
        """Prints the search space, one parameter and its definition per entry."""
        space = self.engine.storage.load_study(self.project_name).space
        print("Search space summary")
        print(f"Default search space size: {len(space)}")
        for param in space:
            config = param.to_config()
            kind = config.pop("type")
            name = config.pop("name")
            config.pop("conditions", None)
            config.pop("default", None)
            conditions = [c.to_config() for c in param.conditions]
            print(f"{name} ({kind})")
            print({"default": param.default_value, "conditions": conditions, **config})

    # -- the search ------------------------------------------------------------------------
    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Runs trials until the study holds ``max_trials`` (or the engine's schedule
        ends); the arguments are model.fit's, given to every trial's fit.

        Raises:
            TooManyFailedTrials: ``max_consecutive_failed_trials`` trials failed in a row.
        """
        verbose = fit_kwargs.get("verbose", 1)
        if "epochs" in fit_kwargs:  # a model trained for no epoch reports nothing to score
            fit_kwargs["epochs"] = as_int("search", "epochs", fit_kwargs["epochs"], 1)
        callbacks = fit_kwargs.get("callbacks") or []
        if not isinstance(callbacks, list | tuple):
            raise InvalidArgumentError(
                f"search: callbacks must be a list of Keras callbacks, got {callbacks!r}."
            )

        def objective(trial: RunningTrial) -> Any:
            keras.utils.set_random_seed(trial.seed % 2**32)
            result = self._run_with_retries(RunningView(trial), fit_args, fit_kwargs)
            return self._score(result) if hasattr(result, "history") else result

        self.engine.search(objective, max_trials=self.max_trials, progress=bool(verbose))

    def _run_with_retries(
        self, view: RunningView, fit_args: Sequence[Any], fit_kwargs: dict[str, Any]
    ) -> Any:
        for attempt in range(self.max_retries_per_trial + 1):
            try:
                return self.run_trial(view, *fit_args, **fit_kwargs)
            except TunesmithError:
                raise
            except Exception:
                if attempt == self.max_retries_per_trial:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def run_trial(self, trial: RunningView, *args: Any, **kwargs: Any) -> Any:
        """Builds and fits ``executions_per_trial`` models; returns the mean score.

        Override it for a custom loop: read ``trial.hyperparameters``, train, and return the
        objective's value (or a dict of metrics holding it, or a History).
        """
        running = trial.trial
        hp = self._view(trial.hyperparameters)
        best = BestSoFar(self.objective)
        budget = getattr(running, "budget", None)
        scores = []
        model = None
        for execution in range(self.executions_per_trial):
            model = self._build(hp)
            if self.max_model_size is not None and model.count_params() > self.max_model_size:
                raise ValueError(
                    f"the model has {model.count_params()} parameters, more than "
                    f"max_model_size={self.max_model_size}"
                )
            fit_kwargs = dict(kwargs)
            callback = TrialCallback(
                running,
                best,
                report=execution == 0,
                save_last=budget is not None,
                warner=self._warner,
            )
            user = [copy.deepcopy(c) for c in kwargs.get("callbacks") or []]
            fit_kwargs["callbacks"] = [*user, callback]
            if budget is not None:
                self._continue(running, model, fit_kwargs, budget)
            result = self.hypermodel.fit(hp, model, *args, **fit_kwargs)  # type: ignore[union-attr]
            score = math.nan if callback.diverged else self._score(result)
            if not math.isfinite(score):
                return score  # the trial fails; the warning said why
            scores.append(score)
        if best.step is not None:
            running.set_attr("best_step", best.step)
        elif model is not None and not _checkpoint.has_best(running.directory):
            _checkpoint.save_best(model, running.directory)  # fit did not pass callbacks on
        return sum(scores) / len(scores)

    def _continue(
        self, running: RunningTrial, model: Any, fit_kwargs: dict[str, Any], budget: Any
    ) -> None:
        """Sets a multi-fidelity trial's epochs, and restores the state it continues."""
        fit_kwargs["epochs"] = int(math.ceil(budget))
        parent_directory = getattr(running, "parent_directory", None)
        if parent_directory is not None:
            _checkpoint.restore_last(model, parent_directory)
            fit_kwargs["initial_epoch"] = int(getattr(running, "resume_step", 0))

    def _score(self, result: Any) -> float:
        """The objective's value from what fit returned: the best epoch of a History, a
        dict's entry, or a number."""
        name = self.objective.name
        history = getattr(result, "history", None)
        if isinstance(history, dict):
            if name not in history:
                raise InvalidArgumentError(
                    f"tuner: the objective {name!r} is not in the History fit returned "
                    f"(metrics: {', '.join(sorted(history)) or 'none'}). Pass "
                    "validation_data, or change objective=."
                )
            series = [float(v) for v in history[name]]
            if not series or not all(math.isfinite(v) for v in series):
                return math.nan
            return max(series) if self.objective.direction == "max" else min(series)
        if isinstance(result, dict):
            if name not in result:
                raise InvalidArgumentError(
                    f"tuner: fit returned a dict without the objective {name!r} "
                    f"(keys: {sorted(result)}). Include it, or change objective=."
                )
            return float(result[name])
        if result is None:
            raise InvalidArgumentError(
                "tuner: HyperModel.fit returned None. Return what model.fit returns "
                "(`return model.fit(*args, **kwargs)`), a dict of metrics, or the "
                "objective's value."
            )
        try:
            return float(result)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(
                f"tuner: HyperModel.fit returned {result!r}; return a History, a dict of "
                "metrics or a number."
            ) from e

    # -- results ---------------------------------------------------------------------------
    def get_trial_dir(self, trial_id: str) -> Path:
        """The folder of trial ``trial_id`` (``"03"``)."""
        return self.project_dir / f"trial-{int(trial_id)}"

    @property
    def remaining_trials(self) -> int | None:
        if self.max_trials is None:
            return None
        return max(0, self.max_trials - len(self.engine.trials))

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The values of the best ``num_trials`` trials, best first."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def load_model(self, trial: Trial) -> Any:
        """The model of ``trial`` (from ``oracle.get_best_trials``), built and loaded with
        its best epoch's weights.

        Raises:
            InvalidArgumentError: the trial's folder holds no weights (they were deleted).
        """
        folder = self.get_trial_dir(trial.trial_id)
        if not _checkpoint.has_best(folder):
            raise InvalidArgumentError(
                f"load_model: trial {trial.trial_id} has no saved weights in {folder}. "
                "Rebuild it with tuner.hypermodel.build(hp) and train it."
            )
        model = self._build(trial.hyperparameters)
        _checkpoint.load_best(model, folder)
        return model

    def get_best_models(self, num_models: int = 1) -> list[Any]:
        """The best ``num_models`` models, best first, each loaded with its best epoch's
        weights (see :meth:`load_model`)."""
        return [self.load_model(t) for t in self.oracle.get_best_trials(num_models)]

    def results_summary(self, num_trials: int = 10) -> None:
        """Prints the best ``num_trials`` trials, as keras_tuner does."""
        best = self.oracle.get_best_trials(num_trials)  # refuses a bad count first
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(f"Objective(name={self.objective.name!r}, direction={self.objective.direction!r})")
        for trial in best:
            print()
            trial.summary()
