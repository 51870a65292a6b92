"""TensorBoard HPARAMS export: a study as an experiment TensorBoard's hparams plugin reads.

Layout under ``logdir`` (one event file per run, rewritten on each export)::

    logdir/                 the experiment: every hyperparameter with its domain, and the
                            metrics (the final objective first)
    logdir/trial-00042/     one session per trial: its hyperparameters, the objective and
                            other metrics per step, the final objective, and how it ended

TensorBoard's domains have no scale field, so a log or reverse_log parameter says so in its
description, and a reverse_log parameter ``beta_1`` gets a companion ``1-beta_1`` (its
``1 - value``), which reads well on the Parallel Coordinates view's Logarithmic axis. The
final objective is the tag ``final/<objective>``; per-step values keep their own names.
Statuses: completed and stopped trials succeeded (a stopped trial's value counts), failed
ones failed, running ones have no end yet.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from tunesmith.analysis._deps import require
from tunesmith.analysis._snapshot import Snapshot
from tunesmith.space import Hyperparameter
from tunesmith.trial import Trial, TrialState

_WHAT = "export_tensorboard"


@dataclasses.dataclass(frozen=True)
class TensorBoardExport:
    """What was written.

    Attributes:
        logdir: The folder to give ``tensorboard --logdir``.
        n_trials: Sessions written (one per trial).
        hparams: The hyperparameter names in the experiment.
        metrics: The metric tags in the experiment, the final objective first.
    """

    logdir: Path
    n_trials: int
    hparams: tuple[str, ...]
    metrics: tuple[str, ...]


def complement_name(name: str) -> str:
    """The companion hparam of a reverse_log parameter: ``1-<name>``."""
    return f"1-{name}"


def final_tag(objective: str) -> str:
    return f"final/{objective}"


class _Protos:
    """The protobuf modules, imported once TensorBoard is known to be installed."""

    def __init__(self) -> None:
        self.api = require("tensorboard.plugins.hparams.api_pb2", _WHAT)
        self.plugin_data = require("tensorboard.plugins.hparams.plugin_data_pb2", _WHAT)
        self.metadata = require("tensorboard.plugins.hparams.metadata", _WHAT)
        self.summary = require("tensorboard.compat.proto.summary_pb2", _WHAT)
        self.event = require("tensorboard.compat.proto.event_pb2", _WHAT)
        self.record = require("tensorboard.summary.writer.record_writer", _WHAT)
        self.struct = require("google.protobuf.struct_pb2", _WHAT)


def _hparam_infos(pb: _Protos, params: list[Hyperparameter]) -> list[Any]:
    api = pb.api
    infos = []
    for p in params:
        info = api.HParamInfo(name=p.name, display_name=p.name)
        sampling = getattr(p, "sampling", None)
        if sampling is not None:
            info.type = api.DATA_TYPE_FLOAT64
            info.domain_interval.min_value = float(p.min_value)  # type: ignore[attr-defined]
            info.domain_interval.max_value = float(p.max_value)  # type: ignore[attr-defined]
            info.description = {
                "log": "Sampled log-uniformly: set this axis to Logarithmic.",
                "reverse_log": f"1 - value is log-uniform: see {complement_name(p.name)}.",
            }.get(sampling, "Sampled uniformly (linear).")
        else:
            values = p.grid() or []
            first = values[0] if values else ""
            info.type = (
                api.DATA_TYPE_BOOL
                if isinstance(first, bool)
                else api.DATA_TYPE_STRING
                if isinstance(first, str)
                else api.DATA_TYPE_FLOAT64
            )
            info.domain_discrete.extend(values)
            info.description = "A choice among the listed values."
        infos.append(info)
        if sampling == "reverse_log":
            extra = api.HParamInfo(
                name=complement_name(p.name),
                display_name=complement_name(p.name),
                type=api.DATA_TYPE_FLOAT64,
                description=f"1 - {p.name}, log-uniform: set this axis to Logarithmic.",
            )
            extra.domain_interval.min_value = 1.0 - float(p.max_value)  # type: ignore[attr-defined]
            extra.domain_interval.max_value = 1.0 - float(p.min_value)  # type: ignore[attr-defined]
            infos.append(extra)
    return infos


def _session_hparams(trial: Trial, params: list[Hyperparameter]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in params:
        v = trial.values.get(p.name)
        if v is None:
            continue
        out[p.name] = v
        if getattr(p, "sampling", None) == "reverse_log":
            out[complement_name(p.name)] = 1.0 - float(v)
    return out


class _EventFile:
    def __init__(self, pb: _Protos, folder: Path, wall_time: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._pb = pb
        self._file = open(folder / f"events.out.tfevents.{int(wall_time):010d}.tunesmith", "wb")  # noqa: SIM115
        self._records = pb.record.RecordWriter(self._file)
        self.write(pb.event.Event(wall_time=wall_time, file_version="brain.Event:2"))

    def write(self, event: Any) -> None:
        self._records.write(event.SerializeToString())

    def summary(self, wall_time: float, step: int, summary: Any) -> None:
        self.write(self._pb.event.Event(wall_time=wall_time, step=step, summary=summary))

    def close(self) -> None:
        self._file.close()


def _plugin_summary(pb: _Protos, tag: str, data: Any) -> Any:
    summary = pb.summary.Summary()
    value = summary.value.add(tag=tag, metadata=pb.metadata.create_summary_metadata(data))
    value.tensor.CopyFrom(pb.metadata.NULL_TENSOR)
    return summary


def _scalar(pb: _Protos, tag: str, value: float) -> Any:
    return pb.summary.Summary(value=[pb.summary.Summary.Value(tag=tag, simple_value=value)])


def export_tensorboard(snapshot: Snapshot, logdir: str | Path) -> TensorBoardExport:
    """Writes a study as TensorBoard HPARAMS data (run ``tensorboard --logdir LOGDIR``).

    Args:
        snapshot: The study and its trials (running ones are written as running sessions).
        logdir: The folder to write into; the study's runs are rewritten, others kept.

    Returns:
        What was written.

    Raises:
        MissingDependencyError: tensorboard is not installed.
    """
    pb = _Protos()
    api, plugin_data = pb.api, pb.plugin_data
    root = Path(logdir)
    study = snapshot.study
    params = list(study.space)
    objective = study.objective.name
    metric_names = sorted(
        {m for t in snapshot.trials for r in t.reports for m in r.metrics} - {objective}
    )
    has_steps = any(r.value is not None for t in snapshot.trials for r in t.reports)
    tags = [final_tag(objective), *([objective] if has_steps else []), *metric_names]
    metric_infos = [
        api.MetricInfo(
            name=api.MetricName(tag=tag),
            display_name=f"{objective} (final)" if i == 0 else tag,
        )
        for i, tag in enumerate(tags)
    ]
    hparam_infos = _hparam_infos(pb, params)
    created = study.created_at.timestamp() if study.created_at else 0.0
    experiment = api.Experiment(
        description=f"tunesmith study {study.name!r}: {objective} ({study.objective.direction})",
        time_created_secs=created,
        hparam_infos=hparam_infos,
        metric_infos=metric_infos,
    )
    top = _EventFile(pb, root, created)
    top.summary(
        created,
        0,
        _plugin_summary(
            pb, pb.metadata.EXPERIMENT_TAG, plugin_data.HParamsPluginData(experiment=experiment)
        ),
    )
    top.close()
    for trial in snapshot.trials:
        _write_session(pb, root / f"trial-{trial.number:05d}", trial, params, objective)
    return TensorBoardExport(
        root, len(snapshot.trials), tuple(i.name for i in hparam_infos), tuple(tags)
    )


def _write_session(
    pb: _Protos, folder: Path, trial: Trial, params: list[Hyperparameter], objective: str
) -> None:
    plugin_data = pb.plugin_data
    start = trial.started_at.timestamp() if trial.started_at else 0.0
    end = trial.finished_at.timestamp() if trial.finished_at else start
    out = _EventFile(pb, folder, start)
    info = plugin_data.SessionStartInfo(group_name=folder.name, start_time_secs=start)
    for name, v in _session_hparams(trial, params).items():
        if isinstance(v, bool):
            info.hparams[name].bool_value = v
        elif isinstance(v, int | float):
            info.hparams[name].number_value = float(v)
        else:
            info.hparams[name].string_value = str(v)
    out.summary(
        start,
        0,
        _plugin_summary(
            pb,
            pb.metadata.SESSION_START_INFO_TAG,
            plugin_data.HParamsPluginData(session_start_info=info),
        ),
    )
    for r in trial.reports:
        if r.value is not None and math.isfinite(r.value):
            out.summary(start, r.step, _scalar(pb, objective, r.value))
        for name, v in r.metrics.items():
            if name != objective and math.isfinite(v):
                out.summary(start, r.step, _scalar(pb, name, v))
    if trial.has_value:
        out.summary(end, trial.last_step or 0, _scalar(pb, final_tag(objective), trial.value))  # type: ignore[arg-type]
    if trial.state.is_finished:
        status = (
            pb.api.STATUS_FAILURE if trial.state is TrialState.FAILED else pb.api.STATUS_SUCCESS
        )
        end_info = plugin_data.SessionEndInfo(status=status, end_time_secs=end)
        out.summary(
            end,
            trial.last_step or 0,
            _plugin_summary(
                pb,
                pb.metadata.SESSION_END_INFO_TAG,
                plugin_data.HParamsPluginData(session_end_info=end_info),
            ),
        )
    out.close()
