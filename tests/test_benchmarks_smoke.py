"""Smoke test of the benchmark suite: ``benchmarks/run.py --quick`` runs end to end and writes its table.

Benchmarks never gate on speed: nothing here looks at a time. It asserts that the harness
still runs every section (a section that crashes is reported as "the section failed"), that
the header names the machine and the command, and that the hand-written baselines it compares
against agree with jax/finite differences (a benchmark against a wrong anchor is worthless).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def test_quick_suite_writes_every_section(tmp_path):
    # --threads 0: the child leaves every thread/BLAS environment variable as it found it
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--threads", "0", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("(a) Start-up", "(b) Derivation latency", "(c) Growth with n", "(d) Generated code",
                    "(e) Parsing"):
        assert f"## {heading}" in text
    assert "the section failed" not in text, text
    assert "**machine**" in text and "**BLAS**" in text and "benchmarks/run.py --quick" in text
    assert "Where we are slower than an anchor" in text


def _central_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _objective_value(key, data, variable):
    d = dict(data)
    if key in ("least_squares", "ridge", "logistic"):
        X, y, w = d["X"], d["y"], variable
        if key == "logistic":
            z = X @ w
            return float(np.sum(np.logaddexp(0.0, z) - y * z))
        r = y - X @ w
        return float(r @ r + (d["lambda"] * w @ w if key == "ridge" else 0.0))
    if key == "gaussian_mu":
        r = d["x"] - variable
        return float(-0.5 * r @ np.linalg.solve(d["Sigma"], r))
    if key == "gaussian_sigma":
        r = d["x"] - d["mu"]
        return float(-0.5 * r @ np.linalg.solve(variable, r) - 0.5 * np.linalg.slogdet(variable)[1])
    if key == "two_layer":
        r = d["W_2"] @ np.tanh(variable @ d["x"]) - d["y"]
        return float(r @ r)
    raise KeyError(key)


def _load_objectives():
    """benchmarks/objectives.py by file path (benchmarks/ is a folder of scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_bench_objectives", BENCH / "objectives.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


_objectives = _load_objectives()
OBJECTIVES, make_data = _objectives.OBJECTIVES, _objectives.make_data


@pytest.mark.parametrize("objective", OBJECTIVES, ids=lambda o: o.key)
def test_handwritten_anchor_matches_finite_differences(objective):
    data = make_data(objective.key, 6)
    var = data[objective.variable]
    f = lambda v: _objective_value(objective.key, data, v)  # noqa: E731
    expected = _central_gradient(f, var)  # entries perturbed independently: the unstructured gradient G
    got = objective.grad(data)
    if objective.unstructured_grad is not None:
        assert np.allclose(objective.unstructured_grad(data), expected, rtol=1e-6, atol=1e-6)
        expected = 2 * expected - np.diag(np.diag(expected))  # symmetric variable: Matrix Cookbook §2.8
    assert np.allclose(got, expected, rtol=1e-6, atol=1e-6)
    if objective.hess is not None:
        grad_of = lambda v: objective.grad({**data, objective.variable: v})  # noqa: E731
        H = np.stack([(grad_of(var + e) - grad_of(var - e)) / 2e-6 for e in np.eye(var.size) * 1e-6], axis=1)
        assert np.allclose(objective.hess(data), H, rtol=1e-5, atol=1e-5)
