"""The benchmark's methods, in report order; shared by run.py and report.py."""

#: tunesmith's multi-fidelity methods (``random`` is the full-budget baseline).
OURS = [
    "hyperband",
    "hyperband_model",
    "hyperband_bo",
    "asha_bo",
    "asha_finish_bo",
    "asha_brackets2_bo",
    "asha_brackets4_bo",
    "eager_asha",
    "eager_asha_bo",
    "eager_asha_random",
]
PEERS = ["optuna_hb", "optuna_sh", "kt_hyperband"]
TUNESMITH = ["random", *OURS]
METHODS = [*TUNESMITH, *PEERS]
