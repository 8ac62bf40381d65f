"""
Anomalies in a long series: an ECG
==================================

:class:`sk_tsgen.anomaly.WindowAnomalyDetector` finds anomalous time points in
one long series. It cuts the series into sliding windows of about one
heartbeat (300 samples, a window every 5 samples), fits a
:class:`sk_tsgen.DenseVAE` on them, and gives every sample the mean, over the
windows that contain it, of their ELBO per step: a log-density in the data's
units, so a drop of 1 means the stretch around that sample became ``e`` times
less likely under the model.

The data are the MIT-BIH ECG excerpt that ``sktime`` ships
(:func:`sk_tsgen.datasets.load_ecg`): 7500 samples of one lead, whose samples
6936 to 7287 are labelled anomalous. The detector learns the first 3700
samples, which are normal, and scores the rest. Its threshold comes from
``contamination``: the fraction of training samples that would be flagged.

The figure shows the scored stretch with the labelled anomaly shaded, and the
score of every sample under it, with the threshold. The same detector is an
sktime detector as :class:`sk_tsgen.sktime.WindowDetector`.

Run it as a script to write ``anomaly_long_series.png``::

    python examples/plot_anomaly_long_series.py [output.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.anomaly import WindowAnomalyDetector  # noqa: E402
from sk_tsgen.datasets import load_ecg  # noqa: E402

N_TRAIN = 3700


def main(output="anomaly_long_series.png", max_epochs=100, random_state=0):
    ecg = load_ecg()
    train, test = ecg.iloc[:N_TRAIN], ecg.iloc[N_TRAIN:]
    detector = WindowAnomalyDetector(
        DenseVAE(max_epochs=max_epochs, random_state=random_state),
        window_length=300,
        step=5,
        contamination=0.01,
    ).fit(train["ecg"])
    scores = detector.score_samples(test["ecg"])
    flagged = detector.predict(test["ecg"]) == -1
    labels = test["anomaly"].to_numpy() == 1
    roc_auc = roc_auc_score(labels, -scores)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    top.plot(test.index, test["ecg"], lw=0.6, color="tab:blue")
    bottom.plot(test.index, scores, lw=0.8, color="tab:green", label="score")
    bottom.axhline(detector.offset_, color="tab:red", lw=1, label="threshold")
    bottom.scatter(
        test.index[flagged], scores[flagged], s=4, color="tab:red", label="flagged"
    )
    anomaly = test.index[labels]
    for ax in (top, bottom):
        ax.axvspan(anomaly[0], anomaly[-1], color="orange", alpha=0.3)
    top.set_ylabel("ECG (mV)")
    top.set_title("MIT-BIH excerpt after the training stretch; labelled anomaly shaded")
    bottom.set_ylabel("log-density per sample")
    bottom.set_xlabel("sample")
    bottom.set_title(f"window ELBO per sample (ROC-AUC {roc_auc:.3f})")
    bottom.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)
    return {
        "roc_auc": roc_auc,
        "flagged_anomalous": float(flagged[labels].mean()),
        "flagged_normal": float(flagged[~labels].mean()),
    }


if __name__ == "__main__":
    result = main(*sys.argv[1:2])
    print(
        f"ROC-AUC {result['roc_auc']:.3f}; flagged: "
        f"{result['flagged_anomalous']:.0%} of the anomalous samples, "
        f"{result['flagged_normal']:.1%} of the others"
    )
