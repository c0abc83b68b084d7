"""The numeric check must catch wrong results: mutants of right answers fail it, and an engine
rule broken on purpose makes the derivation report FAILED instead of showing a wrong result."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matrix_cases import S, dim
from mfml_sym.matrix_calculus import Norm, derive_matrix, numpy_function, sigmoid
from mfml_sym.matrix_calculus.checks import derivative_check
from mfml_sym.problem import Definition, Problem, SymbolInfo

n, m, N, D = dim("n"), dim("m"), dim("N"), dim("D")
x, a = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("a", n, 1)
A, X = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("X", n, n)
W, b = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("b", m, 1)
Xd, y, w = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("y", N, 1), sp.MatrixSymbol("w", D, 1)
i_ = sp.Symbol("i", integer=True)


def _args(expr):
    syms = sorted(expr.free_symbols | expr.atoms(sp.MatrixSymbol), key=str)
    dims = {d for s in syms if isinstance(s, sp.MatrixSymbol) for d in s.shape}
    return {str(s): s for s in syms if s not in dims}


LOGREG = sp.Sum(sp.log(1 + sp.exp(S(Xd[i_ - 1, :] * w))) - y[i_ - 1, 0] * S(Xd[i_ - 1, :] * w), (i_, 1, N))

# (name, function, variable, a right result, wrong results)
MUTANTS = [
    ("xTAx", S(x.T * A * x), x, (A + A.T) * x, [2 * A * x, A * x, -(A + A.T) * x, (A + A.T) * x * sp.Rational(101, 100)]),
    ("log det", sp.log(sp.Determinant(X)), X, X.T.I, [X.I, -X.T.I, X.T]),
    ("sigmoid layer", Norm((W * x + b).applyfunc(sigmoid)) ** 2, W,
     2 * sp.HadamardProduct((W * x + b).applyfunc(sigmoid), (W * x + b).applyfunc(lambda t: sigmoid(t) * (1 - sigmoid(t)))) * x.T,
     [2 * (W * x + b).applyfunc(sigmoid) * x.T, sp.HadamardProduct((W * x + b).applyfunc(sigmoid), (W * x + b).applyfunc(lambda t: sigmoid(t) * (1 - sigmoid(t)))) * x.T]),
    ("logistic", LOGREG, w, Xd.T * ((Xd * w).applyfunc(sigmoid) - y),
     [Xd.T * ((Xd * w).applyfunc(sigmoid) + y), Xd.T * (Xd * w).applyfunc(sigmoid), -Xd.T * ((Xd * w).applyfunc(sigmoid) - y)]),
]


@pytest.mark.parametrize("case", MUTANTS, ids=[c[0] for c in MUTANTS])
def test_right_result_passes_and_mutants_fail(case):
    name, f, var, right, wrongs = case
    args = _args(f)
    kinds = {X: "wellcond"} if X in args.values() else {}
    ok = derivative_check(f, var, numpy_function(right, args), args, kinds, what="gradient")
    assert ok.passed, ok.summary()
    for wrong in wrongs:
        report = derivative_check(f, var, numpy_function(wrong, args), args, kinds, what="gradient")
        assert not report.passed, f"mutant {wrong} passed: {report.summary()}"
        assert report.counterexample is not None


def test_a_transposed_gradient_of_a_rectangular_matrix_fails():
    f = S(b.T * W * x)
    args = _args(f)
    report = derivative_check(f, W, numpy_function((b * x.T).T, args), args, {}, what="gradient")
    assert not report.passed


def test_a_broken_rule_is_reported_as_failed(monkeypatch):
    """Sabotage d(X⁻¹) (drop the minus sign): the derivation must say FAILED, not show it as right."""
    from mfml_sym.matrix_calculus import differential

    original = differential.Differential._d_matrix

    def broken(self, e):
        if isinstance(e, sp.Inverse):
            return e * self.d(e.arg) * e
        return original(self, e)

    monkeypatch.setattr(differential.Differential, "_d_matrix", broken)
    f = sp.Trace(A * X.I)
    problem = Problem(source="", symbols={s: SymbolInfo(s, s, "matrix", v, v.shape) for s, v in (("A", A), ("X", X))})
    d = derive_matrix(problem, Definition(line=1, text="", name="f", expr=f), ["gradient"], [X], {})
    report = d.check()
    assert not report.passed
    assert "FAILED" in report.summary()


def test_a_broken_elementwise_derivative_is_caught(monkeypatch):
    from mfml_sym.matrix_calculus import differential
    from mfml_sym.matrix_calculus.functions import Elementwise

    monkeypatch.setattr(differential, "elementwise_derivative", lambda node: Elementwise(sigmoid, node.arg))
    problem = Problem(source="", symbols={})
    d = derive_matrix(problem, Definition(line=1, text="", name="L", expr=LOGREG), ["gradient", "hessian"], [w], {})
    assert not d.check().passed
