"""Reliability across the three magics: one clear error per kind of mistake, no exception
but MfmlError on mutated input, the same output byte for byte in every process, and checks that
catch a wrong result."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import mfml_sym as ms

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

# (api, cell, keyword options, error class, text the message must contain, caret expected)
ERRORS = [
    ("derive", "f(x, y) = x^2 +* y", {}, ms.ParseError, "cannot read", True),
    ("derive", "f(x) = \\foo{x}", {}, ms.ParseError, "unknown command \\foo", True),
    ("derive", "f(x) = (x + 1", {}, ms.ParseError, "missing ')'", True),
    ("derive", "f(\\mathbf{x}) = \\mathbf{x}^\\top A + b", {}, ms.ShapeError, "cannot be added", True),
    ("derive", "f(x) = x^2", {"wrt": ["z"]}, ms.OptionError, "'z'", False),
    ("derive", "", {}, ms.ParseError, "empty", False),
    ("lagrange", "\\max_{x,y} x y \\quad \\text{s.t.} \\quad x^2 + y^2", {}, ms.ParseError, "relation", True),
    ("posterior", "x_i \\sim \\mathrm{Bernoulli}(\\theta),\\ i = 1, \\dots, N\n\\theta \\sim \\mathrm{Beta}(a, b)",
     {"data": {"x": [0, 1, 2]}}, ms.DataError, "2", False),
    ("posterior", "x_i \\sim \\mathrm{Poisson}(\\lambda),\\ i = 1, \\dots, N\n\\lambda \\sim \\mathrm{Gamma}(a, b)",
     {"data": {"x": [1, -3]}}, ms.DataError, "-3", False),
    ("derive", "f = __import__('os').system('true')", {}, ms.ParseError, "", True),
    ("derive", "f = x.__class__", {}, ms.ParseError, "", True),
]


@pytest.mark.parametrize("api, cell, options, error, words, caret", ERRORS,
                         ids=[f"{e[0]}-{e[3].__name__}-{i}" for i, e in enumerate(ERRORS)])
def test_each_kind_of_mistake_is_one_clear_error(api, cell, options, error, words, caret):
    with pytest.raises(error) as info:
        getattr(ms, api)(cell, **options).check()
    message = str(info.value)
    assert words in message
    if caret:
        lines = message.splitlines()
        assert any(set(l.strip()) == {"^"} for l in lines), message
        assert any(l.strip() and l.strip() in cell for l in lines[1:2]), message


def test_unknown_result_name_lists_what_there_is():
    d = ms.derive("f(x) = x^3", "derivative")
    with pytest.raises(ms.OptionError, match="derivative"):
        d["gradient"]


def test_mutated_cells_raise_nothing_but_mfml_errors():
    from fuzz import fuzz

    report = fuzz(inputs=40, seed=11, budget=3.0)
    assert report["bugs"] == [], report["bugs"][:3]
    assert sum(report["counts"].values()) == 40


CELLS_FOR_DETERMINISM = r'''
import mfml_sym as ms
cells = [
    ms.derive("f(x, y) = x^2 y + \\sin(x y)", "gradient", "hessian"),
    ms.derive("f(x, y) = \\exp(\\sin(x y) + x^3 y^2)\\cos(x + y^2)\\log(2 + x^2)", "hessian"),
    ms.derive("X \\in \\mathbb{R}^{N \\times D}\nL(\\mathbf{w}) = \\|\\mathbf{y} - X\\mathbf{w}\\|^2", "gradient", wrt="w"),
    ms.lagrange("\\max_{x,y}\\; x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1"),
    ms.posterior("x_i \\sim \\mathrm{Bernoulli}(\\theta),\\ i = 1, \\dots, N\n\\theta \\sim \\mathrm{Beta}(\\alpha, \\beta)"),
]
for d in cells:
    print(d.latex())
    print(d.text())
'''


@pytest.mark.slow
def test_same_cell_same_output_byte_for_byte_across_processes():
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", CELLS_FOR_DETERMINISM], capture_output=True, text=True,
                              env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


MUTANTS = {
    "none (control)": lambda r, v: r,
    "sign flip": lambda r, v: -r,
    "off by a factor": lambda r, v: r * sp.Rational(101, 100),
    "dropped constant": lambda r, v: r + sp.Rational(1, 1000),
    "variables swapped": lambda r, v: r.subs({v[0]: v[-1], v[-1]: v[0]}, simultaneous=True),
    "chain rule forgotten": lambda r, v: r.replace(sp.cos, lambda a: sp.cos(a) * 0 + sp.cos(v[0])),
}


@pytest.mark.parametrize("mutant", list(MUTANTS))
@pytest.mark.parametrize("operation", ["gradient", "hessian"])
def test_the_engine_check_catches_a_wrong_derivative(monkeypatch, mutant, operation):
    """Mutate what the differentiator hands to its check; the check must fail, with a counterexample."""
    from mfml_sym.calculus import derivatives

    original = derivatives._register

    def wrong_register(ctx, name, function, result, variables, what):
        mutated = result.applyfunc(lambda e: MUTANTS[mutant](e, list(variables))) if hasattr(result, "applyfunc") \
            else MUTANTS[mutant](result, list(variables))
        return original(ctx, name, function, mutated, variables, what)

    monkeypatch.setattr(derivatives, "_register", wrong_register)
    d = ms.derive("f(x, y) = x^2 y + \\sin(x y)", operation)
    report = d.check()
    if mutant == "none (control)":
        assert report.passed, "the unmutated result must pass: the harness itself is sound"
        return
    assert not report.passed, f"{mutant} of the {operation} passed its check"
    assert report.counterexample


def test_a_defect_inside_an_engine_reaches_the_user_as_one_mfml_error(monkeypatch):
    from mfml_sym.calculus import engine

    def broken(*args, **kwargs):
        raise TypeError("simulated defect")

    monkeypatch.setattr(engine, "_problem", broken)
    with pytest.raises(ms.UnsupportedError, match="internal TypeError: simulated defect") as info:
        ms.derive("f(x) = x^2")
    assert isinstance(info.value.__cause__, TypeError)
    assert "not a mistake in your input" in str(info.value)


def test_a_check_that_crashes_is_reported_failed_not_skipped():
    from mfml_sym.derivation import Derivation

    d = Derivation("crashing check")

    def crashing():
        raise ValueError("cannot evaluate")

    d.add_check(crashing)
    report = d.check()
    assert not report.passed and "failed to run" in report.method
    assert "FAILED" in d.text()


def test_a_check_that_runs_past_the_budget_is_reported_failed(monkeypatch):
    from mfml_sym.budget import settings
    from mfml_sym.derivation import Derivation

    monkeypatch.setattr(settings, "timeout", 0.2)
    d = Derivation("slow check")

    def forever():
        while True:
            pass

    d.add_check(forever)
    report = d.check()
    assert not report.passed and "ran past its time budget" in " ".join(report.details)
