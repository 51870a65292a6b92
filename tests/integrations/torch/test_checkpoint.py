from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from tunesmith.integrations.torch import (
    Checkpoint,
    DenseNetwork,
    DenseSpec,
    LRSchedule,
    OptimizerSpec,
    TaskLoss,
    make_optimizer,
    make_scheduler,
)


def setup() -> tuple[DenseNetwork, torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    torch.manual_seed(0)
    net = DenseNetwork(DenseSpec(4, 3, depth=2, width=8, dropout=0.3))  # dropout draws RNG
    opt = make_optimizer(net.parameters(), OptimizerSpec())
    sched = make_scheduler(opt, LRSchedule(warmup_steps=3, decay="cosine", total_steps=20))
    return net, opt, sched


def run(net, opt, sched, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    losses = []
    for _ in range(n):
        x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))  # from the global RNG
        opt.zero_grad()
        loss = TaskLoss("classification")(net(x), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()) + np.random.rand() + random.random())
    return losses


def test_a_restored_run_continues_exactly(tmp_path: Path) -> None:
    net, opt, sched = setup()
    run(net, opt, sched, 5)
    ckpt = Checkpoint(tmp_path)
    ckpt.save(5, model=net, optimizer=opt, scheduler=sched, extra={"wait": 2})
    straight = run(net, opt, sched, 5)

    net2, opt2, sched2 = setup()  # fresh objects, other RNG position
    torch.manual_seed(123)
    restored = ckpt.restore(model=net2, optimizer=opt2, scheduler=sched2)
    assert restored.step == 5
    assert restored.extra == {"wait": 2}
    assert run(net2, opt2, sched2, 5) == straight  # model, Adam moments, schedule, RNGs


def test_keeps_the_newest_and_reports_the_latest(tmp_path: Path) -> None:
    net, opt, sched = setup()
    ckpt = Checkpoint(tmp_path / "trial-0", keep=2)
    assert ckpt.latest() is None
    for step in range(4):
        ckpt.save(step, model=net, optimizer=opt)
    assert ckpt.steps() == [2, 3]
    assert ckpt.latest() == 3
    assert not list((tmp_path / "trial-0").glob(".*tmp"))


def test_restore_a_chosen_step_and_the_best_model(tmp_path: Path) -> None:
    net, _, _ = setup()
    ckpt = Checkpoint(tmp_path, keep=3)
    ckpt.save(0, model=net)
    ckpt.save_best(net, step=0, value=0.75)
    with torch.no_grad():
        net.head.weight.add_(1.0)
    ckpt.save(1, model=net)
    other, _, _ = setup()
    assert ckpt.restore(model=other, step=0, rng=False).step == 0
    torch.testing.assert_close(other.head.weight, net.head.weight - 1.0)
    assert ckpt.load_best(net) == {"step": 0, "value": 0.75}
    torch.testing.assert_close(net.head.weight, other.head.weight)


def test_nothing_to_restore(tmp_path: Path) -> None:
    net, _, _ = setup()
    with pytest.raises(FileNotFoundError, match="no checkpoint in"):
        Checkpoint(tmp_path).restore(model=net)


def test_an_extra_that_would_not_load_back_is_refused_and_keeps_the_last_checkpoint(
    tmp_path: Path,
) -> None:
    from tunesmith.exceptions import InvalidArgumentError

    model = torch.nn.Linear(3, 2)
    ckpt = Checkpoint(tmp_path, keep=1)
    ckpt.save(0, model=model, extra={"best": 0.5})
    for bad in ({"where": Path("/x")}, {"best": np.float32(0.3)}, {"f": lambda: 1}):
        with pytest.raises(InvalidArgumentError, match=r"Checkpoint.save: extra must hold only"):
            ckpt.save(1, model=model, extra=bad)
    assert ckpt.steps() == [0]  # the good one is still there, and no stray temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-000000.pt"]
    assert ckpt.restore(model=model).extra == {"best": 0.5}


def test_another_models_checkpoint_is_refused_before_anything_is_loaded(tmp_path: Path) -> None:
    from tunesmith.exceptions import InvalidArgumentError

    ckpt = Checkpoint(tmp_path)
    ckpt.save(0, model=torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 3)))
    other = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 5))
    before = {k: v.clone() for k, v in other.state_dict().items()}
    with pytest.raises(InvalidArgumentError, match=r"1.weight: saved \(3, 8\), model \(5, 8\)"):
        ckpt.restore(model=other)
    # Not even the layer that fits was overwritten.
    assert all(torch.equal(before[k], v) for k, v in other.state_dict().items())

    model = torch.nn.Linear(2, 2)
    ckpt2 = Checkpoint(tmp_path / "b")
    ckpt2.save(0, model=model, optimizer=torch.optim.Adam(model.parameters()))
    odd = torch.optim.Adam([model.weight])  # over other parameters than the saved one
    kept = model.weight.detach().clone()
    with pytest.raises(InvalidArgumentError, match="an optimizer over other parameters"):
        ckpt2.restore(model=model, optimizer=odd)
    assert torch.equal(model.weight, kept)


def test_missing_checkpoints_and_bad_arguments_are_clear(tmp_path: Path) -> None:
    from tunesmith.exceptions import InvalidArgumentError

    ckpt = Checkpoint(tmp_path)
    model = torch.nn.Linear(2, 2)
    ckpt.save(3, model=model)
    with pytest.raises(
        FileNotFoundError, match=r"no checkpoint at step=7 .*saved steps are \[3\]"
    ):
        ckpt.restore(model=model, step=7)
    with pytest.raises(InvalidArgumentError, match=r"step must be an integer >= 0, got step='3'"):
        ckpt.restore(model=model, step="3")  # type: ignore[arg-type]
    assert ckpt.restore(model=model, step=np.int64(3)).step == 3  # NumPy integers are steps
    with pytest.raises(FileNotFoundError, match="no best model in"):
        ckpt.load_best(model)
    with pytest.raises(InvalidArgumentError, match=r"keep must be an integer >= 1, got keep=1.5"):
        Checkpoint(tmp_path, keep=1.5)  # type: ignore[arg-type]
