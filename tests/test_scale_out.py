"""Grid searches and cross-validation over generators on joblib's dask and
ray backends, with worker processes (slow layer)."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from sk_tsgen import DenseVAE, RecurrentAutoencoder
from sk_tsgen.datasets import make_sines
from sk_tsgen.metrics import make_fidelity_scorer

pytestmark = pytest.mark.slow


def _search():
    """A grid search over two generators, judged by the MMD of their samples."""
    grid = {
        "generator": [
            DenseVAE(latent_dim=4, max_epochs=5, random_state=0),
            RecurrentAutoencoder(hidden_size=16, max_epochs=3, random_state=0),
        ]
    }
    return GridSearchCV(
        Pipeline([("generator", DenseVAE())]),
        grid,
        scoring=make_fidelity_scorer("mmd", random_state=0),
        cv=2,
        n_jobs=-1,
    )


def _run(X):
    search = _search().fit(X)
    cv = cross_validate(DenseVAE(max_epochs=5, random_state=0), X, cv=2, n_jobs=-1)
    return search.cv_results_["mean_test_score"], cv["test_score"]


@pytest.fixture(scope="module")
def serial():
    X = make_sines(200, n_timesteps=16, n_channels=2, random_state=0)
    with parallel_backend("sequential"):
        return X, _run(X)


def test_grid_search_on_a_dask_local_cluster_of_processes(serial):
    distributed = pytest.importorskip("dask.distributed")
    X, (search_scores, cv_scores) = serial
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        with distributed.get_task_stream(client) as stream, parallel_backend("dask"):
            scores = _run(X)
        workers = {task["worker"] for task in stream.data}
    assert len(pids) == 2 and __import__("os").getpid() not in pids
    assert len(stream.data) >= 6  # 4 search fits, 2 cross-validation fits
    assert len(workers) >= 1
    # the same seeds give the same scores in other processes
    np.testing.assert_allclose(scores[0], search_scores, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(scores[1], cv_scores, rtol=1e-5)


def test_grid_search_on_ray(serial):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    X, (search_scores, cv_scores) = serial
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with parallel_backend("ray"):
            scores = _run(X)
    finally:
        ray.shutdown()
    np.testing.assert_allclose(scores[0], search_scores, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(scores[1], cv_scores, rtol=1e-5)
