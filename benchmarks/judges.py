"""What the judges of the fidelity table can and cannot see, on one Sines set.

Fits the two baselines of ``benchmarks/fidelity.py`` on Sines (10,000 x 5 x 24),
samples 10,000 series from each, and prints one row per set:

* ``GRU 64 x 6000``: ``discriminative_score`` with a 64-unit GRU trained three
  times longer than the protocol's 2000 steps;
* ``HGB, first values``: the accuracy of ``HistGradientBoostingClassifier``
  telling real from synthetic series by the first value of each channel alone
  (real Sines start in [0.5, 0.55]); 0.5 is chance.

Usage::

    python benchmarks/judges.py
"""

import numpy as np
from fidelity import GENERATORS, N_SERIES
from sklearn.ensemble import HistGradientBoostingClassifier

from sk_tsgen.datasets import make_sines
from sk_tsgen.metrics import discriminative_score

SETS = ["Real data", "GaussianMixture (10, full)", "PCA (10) + Gaussian"]


def first_value_accuracy(real, synth):
    X = np.concatenate([real, synth])[:, :, 0]
    y = np.r_[np.ones(len(real)), np.zeros(len(synth))]
    judge = HistGradientBoostingClassifier(random_state=0).fit(X[::2], y[::2])
    return judge.score(X[1::2], y[1::2])


def main():
    real = make_sines(N_SERIES, random_state=0)
    print("| set | GRU 64 x 6000 | HGB, first values (accuracy) |")
    print("| --- | ---: | ---: |")
    for name in SETS:
        synth = np.asarray(
            GENERATORS[name](0).fit(real).sample(N_SERIES, random_state=10_000)
        )
        gru = discriminative_score(
            real,
            synth,
            hidden_size=64,
            n_iterations=6000,
            scaling=None,
            random_state=0,
        )
        print(f"| {name} | {gru:.3f} | {first_value_accuracy(real, synth):.3f} |")


if __name__ == "__main__":
    main()
