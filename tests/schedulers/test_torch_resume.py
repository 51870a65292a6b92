"""A real, tiny PyTorch training: a configuration promoted rung by rung, resuming from its
parent's checkpoint, ends with the same weights as one uninterrupted run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sklearn.datasets import load_digits

from tunesmith import Fixed, Tuner
from tunesmith.oracles import RandomSearch
from tunesmith.schedulers import SuccessiveHalving

X, Y = load_digits(return_X_y=True)
X = torch.tensor(X[:240] / 16.0, dtype=torch.float32)
Y = torch.tensor(Y[:240])


def build(lr: float, seed: int):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 10)
    )
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    gen = torch.Generator().manual_seed(seed)
    return model, opt, sched, gen


def train_epoch(model, opt, sched, gen) -> None:  # type: ignore[no-untyped-def]
    model.train()
    order = torch.randperm(200, generator=gen)
    for i in range(0, 200, 20):
        idx = order[i : i + 20]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X[idx]), Y[idx]).backward()
        opt.step()
    sched.step()


def accuracy(model) -> float:  # type: ignore[no-untyped-def]
    model.eval()
    with torch.no_grad():
        return float((model(X[200:]).argmax(1) == Y[200:]).float().mean())


def objective(trial):  # type: ignore[no-untyped-def]
    model, opt, sched, gen = build(trial.hp.Float("lr", 1e-3, 1e-1, sampling="log"), trial.seed)
    if trial.parent_directory is not None:
        state = torch.load(trial.parent_directory / "checkpoint.pt", weights_only=False)
        assert state["epoch"] == trial.resume_step - 1
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    for epoch in range(trial.resume_step, trial.budget):
        train_epoch(model, opt, sched, gen)
        state = {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "generator": gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "epoch": epoch,
        }
        torch.save(state, trial.directory / "checkpoint.pt")
        trial.report(accuracy(model), step=epoch)
    return accuracy(model)


@pytest.mark.slow
def test_promotions_resume_exactly(tmp_path: Path) -> None:
    tuner = Tuner(
        "val_accuracy",
        oracle=RandomSearch(),
        scheduler=SuccessiveHalving(4, factor=2, n_configs=4),
        space=[Fixed("unused", 0)],
        seed=0,
        artifacts=tmp_path,
    )
    tuner.search(objective, progress=False)
    trials = {t.number: t for t in tuner.trials}
    top = next(t for t in trials.values() if t.budget == 4.0)
    assert [trials[top.parent].budget, trials[trials[top.parent].parent].budget] == [2.0, 1.0]

    # The same configuration, trained 4 epochs in one go from the same seed.
    model, opt, sched, gen = build(top.values["lr"], top.seed)
    for _ in range(4):
        train_epoch(model, opt, sched, gen)
    resumed = torch.load(tmp_path / "default" / f"trial-{top.number}" / "checkpoint.pt")
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(resumed["model"][name], tensor, rtol=0, atol=1e-6)
    assert top.value == pytest.approx(accuracy(model))
