"""The TensorBoard export, read back by a real TensorBoard server over its HTTP API."""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tunesmith.analysis import export_tensorboard, load_snapshot
from tunesmith.storage import SQLStorage
from tunesmith.trial import TrialState

_STATUS = {
    TrialState.COMPLETED: "STATUS_SUCCESS",
    TrialState.STOPPED: "STATUS_SUCCESS",
    TrialState.FAILED: "STATUS_FAILURE",
    TrialState.RUNNING: "STATUS_UNKNOWN",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tensorboard_command() -> list[str]:
    exe = Path(sys.executable).parent / "tensorboard"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("tensorboard")
    return [found] if found else [sys.executable, "-m", "tensorboard.main"]


class _Server:
    def __init__(self, logdir: Path, log: Path) -> None:
        self.port = _free_port()
        self._log = open(log, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *_tensorboard_command(),
                "--logdir",
                str(logdir),
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
                "--load_fast=false",
                "--reload_interval=1",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def get(self, route: str, request: dict[str, Any]) -> Any:
        query = urllib.parse.urlencode({"request": json.dumps(request)})
        url = f"http://127.0.0.1:{self.port}/data/plugin/hparams/{route}?{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def session_groups(self, n_expected: int, deadline_s: float = 60.0) -> list[Any]:
        """Polls until TensorBoard has loaded every session (it loads in the background)."""
        request = {
            "experimentName": "",
            "startIndex": 0,
            "sliceSize": 10_000,
            "allowedStatuses": list(dict.fromkeys(_STATUS.values())),
            "colParams": [],
        }
        deadline = time.monotonic() + deadline_s
        groups: list[Any] = []
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tensorboard exited with {self.process.returncode}")
            try:
                groups = self.get("session_groups", request).get("sessionGroups", [])
            except (urllib.error.URLError, ConnectionError):
                groups = []
            if len(groups) >= n_expected:
                return groups
            time.sleep(0.5)
        raise TimeoutError(f"tensorboard served {len(groups)} of {n_expected} sessions")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.mark.slow
def test_tensorboard_serves_every_trial_with_its_hparams_and_metric(
    sqlite_study: str, tmp_path: Path
) -> None:
    storage = SQLStorage(sqlite_study)
    snapshot = load_snapshot(storage, "synthetic")
    storage.close()
    logdir = tmp_path / "tb"
    export = export_tensorboard(snapshot, logdir)
    assert export.n_trials == len(snapshot.trials) == 60
    assert export.metrics[0] == "final/val_loss"

    server = _Server(logdir, tmp_path / "tensorboard.log")
    try:
        groups = server.session_groups(len(snapshot.trials))
        experiment = server.get("experiment", {"experimentName": ""})
    finally:
        server.stop()

    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert infos["learning_rate"]["domainInterval"] == {"minValue": 1e-5, "maxValue": 0.1}
    assert "Logarithmic" in infos["learning_rate"]["description"]
    assert infos["1-beta_1"]["domainInterval"]["minValue"] == pytest.approx(0.001)
    assert infos["activation"]["domainDiscrete"] == ["relu", "gelu", "selu"]
    assert {m["name"]["tag"] for m in experiment["metricInfos"]} >= {
        "final/val_loss",
        "val_loss",
        "train_loss",
    }

    by_name = {g["name"]: g for g in groups}
    assert len(by_name) == len(snapshot.trials)
    for trial in snapshot.trials:
        group = by_name[f"trial-{trial.number:05d}"]
        hparams = group["hparams"]
        for name, value in trial.values.items():
            if isinstance(value, float):
                assert hparams[name] == pytest.approx(value)
            else:
                assert hparams[name] == value
        assert hparams["1-beta_1"] == pytest.approx(1 - trial.values["beta_1"])
        metrics = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
        assert group["sessions"][0]["status"] == _STATUS[trial.state]
        if trial.has_value:
            assert metrics["final/val_loss"] == pytest.approx(trial.value, rel=1e-6)
        else:
            assert "final/val_loss" not in metrics
        last = trial.reports[-1]
        assert metrics["val_loss"] == pytest.approx(last.value, rel=1e-6)
        assert not math.isnan(metrics["train_loss"])
