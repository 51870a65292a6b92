"""The main job: coarse-to-fine tuning of a neural network on scikit-learn's digits.

Tunes an MLP (Adam) on the 8x8 digits data set, stored in SQLite so that running it again
resumes the study. The space follows the notes: learning rate on a log scale, Adam's β1 as
1 - β1 on a log scale (reverse_log), width and depth on a linear scale.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import tunesmith
from tunesmith.oracles import CoarseToFine

OUT = Path(os.environ.get("TUNESMITH_DEMO_DIR", "demo-output"))
MAX_TRIALS = int(os.environ.get("TUNESMITH_DEMO_TRIALS", "40"))

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)


def objective(trial: tunesmith.RunningTrial) -> float:
    hp = trial.hp
    lr = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    beta_1 = hp.Float("beta_1", 0.8, 0.999, sampling="reverse_log")
    width = hp.Int("units", 16, 256, step=16)
    depth = hp.Int("layers", 1, 3)
    batch = hp.Choice("batch_size", [16, 32, 64, 128])
    alpha = hp.Float("l2", 1e-6, 1e-2, sampling="log")
    model = MLPClassifier(
        hidden_layer_sizes=(width,) * depth,
        learning_rate_init=lr,
        beta_1=beta_1,
        batch_size=batch,
        alpha=alpha,
        max_iter=30,
        early_stopping=True,
        random_state=trial.seed % 2**31,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    return float(model.score(X_val, y_val))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{OUT / 'digits.db'}"
    tuner = tunesmith.Tuner(
        "val_accuracy",
        oracle=CoarseToFine(n_coarse=15),
        storage=url,
        study="digits-mlp",
        seed=0,
    )
    best = tuner.search(objective, max_trials=MAX_TRIALS)
    if best is None:
        print("no trial finished with a value", file=sys.stderr)
        return 1
    print(f"\nbest trial {best.number}: val_accuracy = {best.value:.4f}")
    for name, value in best.values.items():
        print(f"  {name} = {value!r}")
    print(f"\nstudy stored in {url}; run again to resume, or inspect it with:")
    print(f"  tunesmith summary --storage {url} --study digits-mlp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
