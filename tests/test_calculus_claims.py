"""Verification of hand derivations: every wrong claim caught with a counterexample, every right one confirmed.

The counterexample is re-checked here with plain numpy: at the reported point the user's
expression really differs from the true derivative (computed by finite differences).
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfml_sym.calculus import derive, problem_from_expression
from mfml_sym.numeric.finite_differences import central_difference
from mfml_sym.problem import Claim

x, y = sp.symbols("x y", real=True)
p = sp.Symbol("p", positive=True)

# (function, claim kind, wrt, claimed, right?, diagnosis fragment)
TABLE = [
    (sp.log(1 + sp.exp(-x)), "derivative", (x,), -1 / (1 + sp.exp(x)), True, ""),
    (sp.log(1 + sp.exp(-x)), "derivative", (x,), 1 / (1 + sp.exp(x)), False, "sign"),
    (sp.sin(x) ** 2, "derivative", (x,), sp.sin(2 * x), True, ""),
    (sp.sin(x) ** 2, "derivative", (x,), 2 * sp.sin(x), False, ""),
    (sp.exp(3 * x), "derivative", (x,), sp.exp(3 * x), False, "constant factor 1/3"),
    (x**3 + 5, "derivative", (x,), 3 * x**2 + 1, False, "constant 1"),
    (x**2 * y + sp.sin(x * y), "partial", (y,), x**2 + x * sp.cos(x * y), True, ""),
    (x**2 * y + sp.sin(x * y), "partial", (y,), x**2 + sp.cos(x * y), False, ""),
    (x**2 * y, "partial", (x, y), 2 * x, True, ""),
    (sp.sqrt(x**2) * y, "partial", (x,), y, False, "x > 0"),
    (sp.log(p) * p, "derivative", (p,), sp.log(p) + 1, True, ""),
    (sp.exp(x * y), "gradient", (), sp.Matrix([[y * sp.exp(x * y), x * sp.exp(x * y)]]), True, ""),
    (sp.exp(x * y), "gradient", (), sp.Matrix([y * sp.exp(x * y), y * sp.exp(x * y)]), False, ""),
    (x**2 * y**3, "hessian", (), sp.Matrix([[2 * y**3, 6 * x * y**2], [6 * x * y**2, 6 * x**2 * y]]), True, ""),
    (x**2 * y**3, "hessian", (), sp.Matrix([[2 * y**3, 6 * x * y**2], [6 * x * y**2, 6 * x * y]]), False, ""),
]


def _problem(f, what, wrt, claimed):
    problem = problem_from_expression(f)
    problem.statements.append(Claim(2, "claim = ...", what=what, function="f", wrt=wrt, rhs=claimed))
    return problem


@pytest.mark.parametrize("f, what, wrt, claimed, right, diagnosis", TABLE)
def test_claims_are_confirmed_or_refuted(f, what, wrt, claimed, right, diagnosis):
    d = derive(_problem(f, what, wrt, claimed))
    (verdict,) = d.verdicts
    assert verdict.correct is right, verdict.message
    if right:
        assert any(n.startswith("✓") for n in d.notes)
        return
    assert any(n.startswith("✗ your") and "wrong" in n for n in d.notes)
    assert verdict.counterexample is not None
    assert diagnosis in (verdict.diagnosis + " " + verdict.message)
    # the counterexample is real: at that point the claimed value differs from finite differences of f
    point = {s: verdict.counterexample[str(s)] for s in f.free_symbols}
    yours = np.array(sp.Matrix([claimed]).subs(point).evalf() if not isinstance(claimed, sp.MatrixBase)
                     else claimed.subs(point).evalf(), dtype=float).ravel()
    truth = np.array(verdict.correct_value.subs(point).evalf() if isinstance(verdict.correct_value, sp.MatrixBase)
                     else [verdict.correct_value.subs(point).evalf()], dtype=float).ravel()
    assert np.max(np.abs(yours - truth)) > 1e-6
    if what in ("derivative", "partial") and len(wrt) == 1:
        v = wrt[0]
        fn = sp.lambdify([v], f.subs({s: point[s] for s in f.free_symbols if s != v}), "numpy")
        fd = central_difference(lambda a: fn(a[0]), np.array([point[v]]))
        assert abs(fd[0] - truth[0]) < 1e-6 * max(1, abs(truth[0]))


def test_wrong_claim_is_a_finding_not_a_failed_check():
    d = derive(_problem(sp.log(1 + sp.exp(-x)), "derivative", (x,), 1 / (1 + sp.exp(x))))
    assert d.verdicts[0].correct is False
    assert "derivative" in d  # the correct result is offered
    assert sp.simplify(d["derivative"] + 1 / (1 + sp.exp(x))) == 0
    assert d.check().passed  # our own result is right


def test_correct_expression_offered_with_the_showcase_wording():
    d = derive(_problem(sp.log(1 + sp.exp(-x)), "derivative", (x,), 1 / (1 + sp.exp(x))))
    note = next(n for n in d.notes if n.startswith("✗"))
    assert "yours =" in note and "correct =" in note and "differs by a sign" in note
