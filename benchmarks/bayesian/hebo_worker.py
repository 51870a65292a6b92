"""Runs HEBO in its own virtual environment; speaks JSON lines on stdin/stdout.

First line: {"space": [...HEBO DesignSpace params...], "seed": int}. Then {"cmd": "suggest"}
answers {"params": {...}}, and {"cmd": "observe", "y": float} records the last suggestion.
"""

import json
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from hebo.design_space.design_space import DesignSpace  # noqa: E402
from hebo.optimizers.hebo import HEBO  # noqa: E402


def main() -> None:
    # The protocol owns the real stdout; anything HEBO or its libraries print goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    torch.set_num_threads(1)
    setup = json.loads(sys.stdin.readline())
    np.random.seed(setup["seed"])
    torch.manual_seed(setup["seed"])
    space = DesignSpace().parse(setup["space"])
    opt = HEBO(space, rand_sample=None, scramble_seed=setup["seed"])
    print(json.dumps({"ok": True}), file=out, flush=True)
    last = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "suggest":
            last = opt.suggest(n_suggestions=1)
            row = last.iloc[0].to_dict()
            params = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            print(json.dumps({"params": params}), file=out, flush=True)
        else:
            opt.observe(last, np.array([[msg["y"]]]))
            print(json.dumps({"ok": True}), file=out, flush=True)


if __name__ == "__main__":
    pd.options.mode.chained_assignment = None
    main()
