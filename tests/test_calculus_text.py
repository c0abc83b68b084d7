"""The engine read from cell text (LaTeX and sympy syntax), as the magic sends it: SHOWCASE 1 and 3."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfml_sym.numeric.finite_differences import central_difference, relative_error

from mfml_sym import derive


def test_showcase_gradient_and_hessian_with_rules():
    d = derive(r"f(x, y) = x^2 y + \sin(x y)", "gradient", "hessian")
    rules = " | ".join(getattr(s, "rule", "") for s in d.steps)
    for rule in ("sum rule", "power rule", "chain rule", "trigonometric rule"):
        assert rule in rules
    fn = lambda v: v[0] ** 2 * v[1] + np.sin(v[0] * v[1])  # noqa: E731
    point = np.array([0.3, -1.2])
    assert relative_error(d.numpy("gradient")(x=0.3, y=-1.2), central_difference(fn, point)) < 1e-8
    H = d.numpy("hessian")(x=0.3, y=-1.2)
    assert np.allclose(H, H.T)
    assert d.check().passed


def test_sympy_syntax_gives_the_same_gradient():
    a = derive("f = x**2*y + sin(x*y)", "gradient")
    b = derive(r"f(x, y) = x^2 y + \sin(x y)", "gradient")
    assert sp.simplify(a["gradient"] - b["gradient"]) == sp.zeros(2, 1)


def test_showcase_wrong_hand_derivation():
    d = derive("f(x) = \\log(1 + e^{-x})\nf'(x) = \\frac{1}{1 + e^{x}}", "check")
    (verdict,) = d.verdicts
    assert verdict.correct is False
    assert "sign" in verdict.diagnosis
    x0 = next(v for k, v in verdict.counterexample.items() if k == "x")
    assert abs(verdict.counterexample["yours"] - 1 / (1 + np.exp(x0))) < 1e-3
    assert abs(verdict.counterexample["correct"] + 1 / (1 + np.exp(x0))) < 1e-3
    assert any(n.startswith("✗ your f'(x) is wrong") for n in d.notes)
    assert d.check().passed


@pytest.mark.parametrize("cell, right", [
    ("f(x) = x^3\nf''(x) = 6x", True),
    ("f(x) = x^3\nf''(x) = 3x", False),
    ("f(x) = x^3\nf'(2) = 12", True),
    ("f(x) = x^3\nf'(2) = 11", False),
    ("f(x, y) = x^2 y\n\\nabla f = \\begin{bmatrix} 2 x y \\\\ x^2 \\end{bmatrix}", True),
    ("f(x, y) = x^2 y\n\\nabla f = \\begin{bmatrix} 2 x y \\\\ 2x \\end{bmatrix}", False),
    ("f(x) = \\sqrt{x^2}\nf'(x) = 1", False),
    ("x > 0\nf(x) = \\sqrt{x^2}\nf'(x) = 1", True),
])
def test_claims_from_text(cell, right):
    d = derive(cell)
    assert [v.correct for v in d.verdicts] == [right]
    if not right:
        assert d.verdicts[0].counterexample
    assert d.check().passed


def test_chain_rule_from_text():
    d = derive(r"f(x_1,x_2) = x_1^2 + 2x_2,\ x_1 = \sin t,\ x_2 = \cos t")
    t0 = 0.4
    assert abs(d.numpy("derivative")(t=t0) - (2 * np.sin(t0) * np.cos(t0) - 2 * np.sin(t0))) < 1e-12
    assert d.check().passed


_VEC = "\\mathbf{x} \\in \\mathbb{R}^n,\\ A \\in \\mathbb{R}^{n \\times n}\n"


@pytest.mark.parametrize("cell, right, diagnosis", [
    (_VEC + "f(\\mathbf{x}) = \\mathbf{x}^\\top \\mathbf{x}\n\\nabla f = 2 \\mathbf{x}", True, ""),
    (_VEC + "f(\\mathbf{x}) = \\mathbf{x}^\\top \\mathbf{x}\n\\nabla f = \\mathbf{x}", False, "factor 1/2"),
    (_VEC + "f(\\mathbf{x}) = \\mathbf{x}^\\top A \\mathbf{x}\n\\nabla f = (A + A^\\top) \\mathbf{x}", True, ""),
    (_VEC + "f(\\mathbf{x}) = \\mathbf{x}^\\top A \\mathbf{x}\n\\nabla f = 2 A \\mathbf{x}", False, "symmetric"),
])
def test_vector_claims_checked_numerically_at_random_sizes(cell, right, diagnosis):
    pytest.importorskip("mfml_sym.matrix_calculus.derive")
    d = derive(cell)
    (verdict,) = d.verdicts
    assert verdict.correct is right, verdict.message
    assert diagnosis in verdict.diagnosis
    if not right:
        # the counterexample is real: the two arrays differ
        assert not np.allclose(verdict.counterexample["yours"], verdict.counterexample["correct"])


@pytest.mark.parametrize("cell, slope", [
    ("x^2 + y^2 = 1", lambda x, y: -x / y),
    ("x^3 + y^3 = 6 x y", lambda x, y: (2 * y - x**2) / (y**2 - 2 * x)),  # folium of Descartes
    ("e^{x y} + y = 2", lambda x, y: -y * np.exp(x * y) / (x * np.exp(x * y) + 1)),
])
def test_implicit_differentiation(cell, slope):
    d = derive(cell)
    fn = d.numpy("derivative")
    for x0, y0 in [(0.3, 0.7), (-0.5, 1.1)]:
        assert abs(fn(x=x0, y=y0) - slope(x0, y0)) < 1e-10
    assert d.check().passed
    assert any("chain rule" in getattr(s, "rule", "") for s in d.steps)


def test_implicit_check_fails_on_a_wrong_slope():
    import sympy as sp

    from mfml_sym.calculus.implicit import _curve_check

    x, y = sp.symbols("x y", real=True)
    assert _curve_check(x**2 + y**2 - 1, x, y, x / y).passed is False
    assert _curve_check(x**2 + y**2 - 1, x, y, -x / y).passed is True


@pytest.mark.parametrize("cell, truth", [
    (r"f(x) = e^{g(x)},\ g(x) = x^2", lambda x: 2 * x * np.exp(x**2)),
    ("g(x) = x^2\nf(x) = \\sin(g(x))", lambda x: 2 * x * np.cos(x**2)),
    (r"h(x) = f(g(x)), f(u) = \log u, g(x) = 1 + x^2", lambda x: 2 * x / (1 + x**2)),
])
def test_functions_of_the_cell_are_composed(cell, truth):
    d = derive(cell)
    for x0 in (-0.7, 0.4):
        assert abs(d.numpy("derivative")(x=x0) - truth(x0)) < 1e-12
    assert d.check().passed


@pytest.mark.parametrize("typed, meant", [("W1", "W_1"), ("lam", "lambda")])
def test_wrt_accepts_the_spellings_numpy_code_uses(typed, meant):
    import mfml_sym as ms

    cell = "f(W_1, \\lambda) = \\lambda \\|W_1 \\mathbf{x}\\|^2"
    by_alias = ms.derive(cell, "gradient", wrt=typed)
    by_name = ms.derive(cell, "gradient", wrt=meant)
    assert str(by_alias["gradient"]) == str(by_name["gradient"])
    assert by_alias.check().passed
