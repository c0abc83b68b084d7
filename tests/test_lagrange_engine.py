"""The engine's parts: solving without losing solutions, budgets, duality, numpy, rendering, errors."""
from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from mfml_sym.errors import MfmlError, OptionError, UnsupportedError
from mfml_sym.optimize import lagrange, solve_problem
from mfml_sym.optimize.systems import solve_system

x, y, z, w1, w2, b = sp.symbols("x y z w1 w2 b", real=True)


@pytest.mark.parametrize("eqs, unknowns, count", [
    ([x**2 + y**2 - 1, x - y], [x, y], 2),
    ([x**2 + 1], [x], 0),                      # complex only: discarded
    ([x * y - 1, x + y], [x, y], 0),           # complex pair
    ([x**3 - x, y**2 - x], [x, y], 3),         # (0,0), (1,±1); x = -1 gives y complex
    ([x + y - 1, x + y - 2], [x, y], 0),       # Gröbner basis {1}
])
def test_solve_system_counts_real_solutions(eqs, unknowns, count):
    sol = solve_system(eqs, unknowns)
    assert len(sol.solutions) == count
    for s in sol.solutions:  # each is a true real solution
        for e in eqs:
            assert sp.simplify(e.subs(s)) == 0


def test_rational_powers_and_logs_become_polynomial():
    lam = sp.Symbol("lam", real=True)
    L = -x**sp.Rational(1, 3) * y**sp.Rational(2, 3) + lam * (x + y - 3)
    sol = solve_system([sp.diff(L, x), sp.diff(L, y), x + y - 3], [x, y, lam], positive={x, y})
    assert sol.complete and len(sol.solutions) == 1
    assert sol.solutions[0][x] == 1 and sol.solutions[0][y] == 2


def test_active_set_reasons_are_recorded():
    res = solve_problem("min", (x - 2)**2 + (y - 2)**2, [x, y], inequalities=[x + y - 2, -x])
    reasons = [s.rule for s in res.steps if getattr(s, "rule", "") and "active set" in str(getattr(s, "lhs", ""))]
    assert any("kept" in r for r in reasons)
    assert any("discarded" in r for r in reasons)
    assert res.optimum.point == {"x": 1, "y": 1}
    assert res.optimum.multipliers == {"mu_1": 2, "mu_2": 0}


def test_budget_returns_with_a_message():
    t0 = time.monotonic()
    res = solve_problem("min", x**7 * y**3 + z**5 * x - y**4 * z**3 + x * y * z, [x, y, z],
                        equalities=[x**6 + y**6 + z**6 + x**3 * y * z**2 - 1, x**5 - y**3 * z + 3 * x * y - 2],
                        timeout=2)
    elapsed = time.monotonic() - t0
    assert elapsed < 10
    assert res.status == "unknown" and res.optimum is None
    assert any("time budget" in w for w in res.warnings)
    assert any(c.numeric for c in res.candidates)  # something useful, clearly marked numeric


def test_svm_dual_against_scipy():
    """Hard-margin SVM dual g(mu) = sum mu - 1/2 ||sum mu_n y_n x_n||^2 on sum mu_n y_n = 0 (MML eq. (12.41))."""
    X = np.array([[2, 2], [0, 3], [0, 0], [1, -1]], dtype=float)
    Y = np.array([1, 1, -1, -1], dtype=float)
    ineqs = [1 - Y[n] * (X[n, 0] * w1 + X[n, 1] * w2 + b) for n in range(4)]
    res = solve_problem("min", (w1**2 + w2**2) / 2, [w1, w2, b], inequalities=[sp.nsimplify(g) for g in ineqs])
    dual = res.dual
    mus = dual["variables"]
    g = sp.lambdify([mus], dual["function"])
    gen = np.random.default_rng(0)
    for _ in range(5):  # agrees with the textbook dual on its domain
        m = gen.uniform(0, 1, 4)
        m[3] = m[0] + m[1] - m[2]  # sum mu_n y_n = 0
        ref = m.sum() - 0.5 * np.sum(((m * Y)[:, None] * X).sum(axis=0) ** 2)
        assert g(m) == pytest.approx(ref)
    r = minimize(lambda m: -g(m), np.full(4, 0.1), method="SLSQP", bounds=[(0, None)] * 4,
                 constraints=[{"type": "eq", "fun": lambda m: m @ Y}])
    assert -r.fun == pytest.approx(float(res.optimal_value), rel=1e-6)
    assert dual["strong_duality"] is True


def test_numpy_functions_of_the_result():
    s = sp.Symbol("s", positive=True)
    res = solve_problem("max", x * y * z, [x, y, z], equalities=[x + y + z - s], parameters={s: (0.5, 10)},
                        domains={x: "positive", y: "positive", z: "positive"})
    opt = res.numpy("optimal_point")
    assert np.allclose(opt(s=3.0), [1, 1, 1])
    assert res.numpy("optimal_value")(s=3.0) == pytest.approx(1.0)
    f = res.numpy("objective")
    assert f(x=1.0, y=2.0, z=3.0) == pytest.approx(6.0)
    cons = res.numpy("constraints")
    assert np.allclose(cons(x=1.0, y=1.0, z=1.0, s=3.0), [0.0])


def test_latex_renders_every_part():
    res = solve_problem("max", x * y, [x, y], equalities=[x**2 + y**2 - 1])
    tex = res.latex()
    assert r"\mathcal{L}" in tex and "stationarity" in tex and "Candidates" in tex
    assert tex.count(r"\\") > 10


def test_claimed_optimum_beaten_fails_loudly():
    """A wrong optimum injected into a result is caught by the numeric check."""
    from mfml_sym.optimize.checks import check_optimal

    res = solve_problem("max", x * y, [x, y], equalities=[x**2 + y**2 - 1], check=False)
    wrong = next(c for c in res.candidates if c.value == sp.Rational(-1, 2))  # a minimum, not the maximum
    res.optimal_points, res.optimum = [wrong], wrong
    report = check_optimal(res, 20)
    assert not report.passed and "FAILED" in report.summary()


@pytest.mark.parametrize("kwargs, error", [
    (dict(sense="sideways", objective=x, variables=[x]), OptionError),
    (dict(sense="min", objective=x, variables=[x], inequalities=[x - k for k in range(12)]), UnsupportedError),
])
def test_user_errors_are_mfml_errors(kwargs, error):
    with pytest.raises(error):
        solve_problem(**kwargs)


def test_lagrange_accepts_the_examples_dict_form():
    res = lagrange({"sense": "max", "objective": "x*y", "variables": [{"name": "x"}, {"name": "y"}],
                    "equalities": ["x**2 + y**2 - 1"]})
    assert res.status == "optimal" and res.optimal_value == sp.Rational(1, 2)
    with pytest.raises(MfmlError):
        lagrange({"sense": "max", "objective": "x*(", "variables": ["x"]})


LEAST_NORM = r"""\mathbf{x} \in \mathbb{R}^{n}
\min_{\mathbf{x}}\; \lVert \mathbf{x}\rVert^2 \quad\text{s.t.}\quad \mathbf{a}^{\top}\mathbf{x} = b"""
PCA = r"""\mathbf{w} \in \mathbb{R}^{n},\ S = S^\top
\max_{\mathbf{w}}\; \mathbf{w}^{\top} S \mathbf{w} \quad\text{s.t.}\quad \mathbf{w}^{\top}\mathbf{w} = 1"""


def test_matrix_form_least_norm_for_every_n():
    res = lagrange(LEAST_NORM)
    assert res.status == "optimal" and res.check().passed
    x_star = res.numpy("optimal_point")
    gen = np.random.default_rng(2)
    for dim in (2, 3, 6):
        a = gen.normal(size=dim)
        bv = float(gen.normal())
        reference = np.linalg.lstsq(a[None, :], np.array([bv]), rcond=None)[0]  # minimum-norm solution
        assert np.allclose(np.ravel(x_star(a=a, b=bv)), reference)


def test_matrix_form_pca_is_the_top_eigenvalue():
    res = lagrange(PCA)
    assert res.status == "optimal" and res.check().passed
    assert "lambda_max" in str(res.optimal_value)
    assert any("S \\mathbf{w}" in str(getattr(st, "lhs", "")) or "S*w" in str(getattr(st, "lhs", "")) for st in res.steps)
