"""Taylor polynomials, the chain rule through substitutions, backprop, stationary points, limits,
integrals, change of variables and the time budget.

Truth: finite differences, sympy's series (for Taylor), scipy's quadrature and optimiser.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

from mfml_sym.calculus import derive
from mfml_sym.numeric.finite_differences import central_difference
from mfml_sym.problem import Definition, ExpressionStatement, Point, Problem, Substitution, SymbolInfo

x, y, t, s = sp.symbols("x y t s", real=True)
x1, x2 = sp.symbols("x_1 x_2", real=True)


def _problem(body, name="f", args=None, substitutions=(), points=None):
    free = set(body.free_symbols)
    for target, expr in substitutions:
        free |= expr.free_symbols | {target}
    symbols = {str(v): SymbolInfo(str(v), sp.latex(v), "scalar", v) for v in sorted(free, key=str)}
    p = Problem(source="", symbols=symbols)
    p.statements.append(Definition(1, "", name=name, args=tuple(args or ()), expr=body))
    for target, expr in substitutions:
        p.statements.append(Substitution(2, "", target=target, expr=expr))
    if points:
        p.statements.append(Point(3, "", values=points))
    return p


# -- Taylor ----------------------------------------------------------------------------------

TAYLOR = [
    (sp.exp(x) * sp.sin(y), {x: 0, y: 0}, 3),
    (x * sp.exp(y) + sp.cos(x * y), {x: 1, y: 0}, 2),
    (x**2 + 2 * x * y + y**3, {x: 1, y: 2}, 3),
    (sp.log(1 + x**2 + y), {x: 0, y: 1}, 2),
    (sp.cos(x), {x: sp.pi / 3}, 5),
    (sp.sqrt(1 + x), {x: 0}, 4),
    (sp.atan(x * y) + x, {x: 1, y: 1}, 1),
]


@pytest.mark.parametrize("f, point, order", TAYLOR)
def test_taylor_polynomial_equals_sympy_series(f, point, order):
    variables = sorted(point, key=str)
    d = derive(_problem(f, points={sp.Symbol(f"{v}_0", real=True): val for v, val in point.items()}),
               "taylor", order=order)
    # truth: f(x0 + h δ) expanded in h to order k, h = 1 (independent: sympy's series)
    h = sp.Symbol("h")
    deltas = {v: sp.Symbol(f"d_{v}") for v in variables}
    g = f.subs({v: point[v] + h * deltas[v] for v in variables}, simultaneous=True)
    truth = sp.series(g, h, 0, order + 1).removeO().subs(h, 1)
    truth = truth.subs({deltas[v]: v - point[v] for v in variables}, simultaneous=True)
    assert sp.simplify(sp.expand(d["taylor"] - truth)) == 0
    report = d.check()
    assert report.passed, report.summary()
    fn = d.numpy("taylor")
    pt = {str(v): float(point[v]) + 0.1 for v in variables}
    assert np.isclose(fn(**pt), float(truth.subs({v: pt[str(v)] for v in variables})))


def test_taylor_order_two_shows_the_quadratic_form():
    d = derive(_problem(x * sp.exp(y) + sp.cos(x * y)), "taylor", order=2, at="x=1, y=0")
    text = " ".join(str(st.rhs) for st in d.steps if hasattr(st, "rhs"))
    assert r"\nabla f(\mathbf{x}_0)^\top" in text and r"H(\mathbf{x}_0)" in text
    assert any("remainder" in getattr(st, "rule", "") for st in d.steps)


def test_taylor_rate_check_catches_a_wrong_polynomial():
    from mfml_sym.calculus.taylor import taylor_rate_check

    f = sp.exp(x) * sp.sin(y)
    wrong = y + x * y  # missing the order-3 terms
    assert taylor_rate_check(f, wrong, [x, y], {x: 0, y: 0}, 3).passed is False
    assert taylor_rate_check(f, wrong, [x, y], {x: 0, y: 0}, 2).passed is True


def test_symbolic_expansion_point():
    a = sp.Symbol("a", real=True)
    d = derive(_problem(sp.exp(x)), "taylor", order=2, at={"x": a})
    assert sp.simplify(d["taylor"] - sp.exp(a) * (1 + (x - a) + (x - a) ** 2 / 2)) == 0
    assert d.check().passed


# -- chain rule and backprop ------------------------------------------------------------------

def test_total_derivative_written_as_the_sum_over_paths():
    p = _problem(sp.exp(x1 * x2**2), name="h", args=(t,),
                 substitutions=[(x1, t * sp.cos(t)), (x2, t * sp.sin(t))])
    d = derive(p)  # default: total derivative
    fn = d.numpy("derivative")
    composite = sp.lambdify([t], sp.exp(t * sp.cos(t) * (t * sp.sin(t)) ** 2))
    for t0 in (-0.8, 0.4, 1.3):
        fd = central_difference(lambda v: composite(v[0]), np.array([t0]))[0]
        assert abs(fn(t=t0) - fd) < 1e-7 * max(1, abs(fd))
    chain = [st for st in d.steps if "chain rule" in getattr(st, "rule", "")]
    assert chain and r"\frac{\partial h}{\partial x_1}" in chain[0].rhs
    assert d.check().passed


def test_chain_rule_with_two_inner_variables():
    # MML eq. 5.49: f(x1, x2), x1 = g1(s, t), x2 = g2(s, t)
    p = _problem(x1**2 + 2 * x2, substitutions=[(x1, s * sp.sin(t)), (x2, s + t**2)])
    d = derive(p, "total")
    g = d["gradient"]
    truth = sp.Matrix([sp.diff((s * sp.sin(t)) ** 2 + 2 * (s + t**2), v) for v in (s, t)])
    assert sp.simplify(g - truth) == sp.zeros(2, 1)
    assert d.check().passed


def test_backprop_of_mml_example_5_14():
    f = sp.sqrt(x**2 + sp.exp(x**2)) + sp.cos(x**2 + sp.exp(x**2))
    d = derive(f, "backprop")
    assert sp.simplify(d["backprop"] - sp.diff(f, x)) == 0
    headings = [getattr(st, "title", "") for st in d.steps]
    assert any("Forward pass" in h for h in headings) and any("Backward pass" in h for h in headings)
    # x^2 + e^{x^2} is used twice but named once
    defs = [st.rhs for st in d.steps if getattr(st, "rule", "") == "elementary operation"]
    assert len(defs) == len(set(defs))
    assert d.check().passed


# -- stationary points ------------------------------------------------------------------------

STATIONARY = [
    (x**3 - 3 * x + y**2, {(-1, 0): "saddle point", (1, 0): "minimum"}),
    (-(x**2) - y**2 + x * y, {(0, 0): "maximum"}),
    (x**2 - y**2, {(0, 0): "saddle point"}),
    (x**4 + y**4, {(0, 0): "degenerate"}),
]


@pytest.mark.parametrize("f, expected", STATIONARY)
def test_stationary_points_are_found_and_classified(f, expected):
    d = derive(f, "stationary")
    found = {tuple(int(v) for v in p.point.values()): p.kind for p in d.stationary_points}
    assert set(found) == set(expected)
    for point, kind in expected.items():
        assert found[point].startswith(kind)
    assert d.check().passed
    # independent: scipy's optimiser started near a minimum stays there
    from scipy.optimize import minimize

    fn = sp.lambdify([x, y], f)
    for point, kind in expected.items():
        if kind == "minimum":
            res = minimize(lambda v: fn(*v), np.array(point) + 0.05)
            assert np.allclose(res.x, point, atol=1e-4)


def test_non_polynomial_system_says_it_may_be_incomplete():
    d = derive(sp.sin(x) + y**2, "stationary")
    assert any("may not be all" in w for w in d.warnings)


# -- limits, integrals, change of variables ----------------------------------------------------

def _expression_problem(expr):
    p = Problem(source="")
    p.statements.append(ExpressionStatement(1, "", expr=expr))
    return p


@pytest.mark.parametrize("lim, value", [
    (sp.Limit(sp.sin(x) / x, x, 0), 1),
    (sp.Limit((1 + 1 / x) ** x, x, sp.oo), sp.E),
    (sp.Limit((sp.exp(x) - 1 - x) / x**2, x, 0), sp.Rational(1, 2)),
])
def test_limits(lim, value):
    d = derive(_expression_problem(lim), "limit")
    assert d["limit"] == value
    assert d.check().passed


def test_definite_integral_against_quadrature():
    from scipy.integrate import quad

    d = derive(_expression_problem(sp.Integral(x * sp.exp(-x), (x, 0, 2))), "integral")
    q = quad(lambda v: v * np.exp(-v), 0, 2)[0]
    assert abs(float(d["integral"]) - q) < 1e-10
    assert any("fundamental theorem" in getattr(st, "rule", "") for st in d.steps)
    assert d.check().passed


def test_antiderivative_rules_and_check():
    d = derive(_expression_problem(sp.Integral(x * sp.cos(x**2), x)), "integral")
    assert sp.simplify(sp.diff(d["integral"], x) - x * sp.cos(x**2)) == 0
    assert any("substitution" in getattr(st, "rule", "") for st in d.steps)
    assert d.check().passed


def test_change_of_variables_lognormal():
    p = _problem(sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi), name="p", substitutions=[(y, sp.exp(x))])
    d = derive(p, "change_of_variables", wrt="x")
    pos = sp.Symbol("y", positive=True)
    expected = sp.exp(-sp.log(pos) ** 2 / 2) / (pos * sp.sqrt(2 * sp.pi))
    assert sp.simplify(d["change_of_variables"].subs(y, pos) - expected) == 0
    assert d.check().passed


# -- the time budget ----------------------------------------------------------------------------

def test_tiny_budget_gives_a_partial_result_and_a_message_not_a_hang():
    f = sp.exp(sp.sin(x * y) ** 3 + sp.cos(x + y**2)) * sp.log(2 + x**4 + y**6) / (1 + sp.exp(x * y))
    start = time.monotonic()
    d = derive(f, "gradient", "hessian", "stationary", timeout=0.3)
    assert time.monotonic() - start < 10
    assert any("stopped" in w and "time budget" in w for w in d.warnings)
    for name in d.keys():  # whatever was derived in time is right
        assert name in ("gradient", "hessian", "stationary")


def test_change_of_variables_in_two_variables_linear_map():
    # y = A x with x ~ N(0, I): p_Y is N(0, A A^T) (independent truth: the Gaussian formula)
    y1, y2 = sp.symbols("y_1 y_2", real=True)
    pX = sp.exp(-(x1**2 + x2**2) / 2) / (2 * sp.pi)
    p = _problem(pX, name="p", args=(x1, x2), substitutions=[(y1, x1 + x2), (y2, x1 - 2 * x2)])
    d = derive(p, "change_of_variables")
    A = np.array([[1.0, 1.0], [1.0, -2.0]])
    S = A @ A.T
    fn = d.numpy("change_of_variables")
    for yv in ([0.3, -0.4], [1.2, 0.5]):
        yv = np.array(yv)
        truth = np.exp(-yv @ np.linalg.solve(S, yv) / 2) / (2 * np.pi * np.sqrt(np.linalg.det(S)))
        assert abs(fn(y_1=yv[0], y_2=yv[1]) - truth) < 1e-12
    assert d.check().passed


def test_zero_derivative_passes_its_check():
    p = _problem(x**2 + y**2, substitutions=[(x, sp.cos(t)), (y, sp.sin(t))])
    d = derive(p, "derivative", wrt="t")
    assert sp.simplify(d["derivative"]) == 0
    assert d.check().passed
