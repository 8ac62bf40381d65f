"""The example scripts run and produce what they promise."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dense_vae_demo_writes_its_figure(tmp_path):
    pytest.importorskip("matplotlib")
    demo = _load("plot_dense_vae_sines")
    out = tmp_path / "demo.png"
    result = demo.main(str(out), n_series=400, max_epochs=15, n_plot=60)
    assert out.stat().st_size > 10_000
    assert result["ranked"] >= 0.95
