"""Partials, gradients, Hessians, Jacobians, directional and higher derivatives of scalar functions.

Truth is independent of the engine: central finite differences of the function itself (numpy),
and for second derivatives sympy's own ``hessian``.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfml_sym.calculus import derive
from mfml_sym.errors import OptionError
from mfml_sym.numeric.finite_differences import central_difference, relative_error

x, y, z, t = sp.symbols("x y z t", real=True)
a = sp.Symbol("a", positive=True)
r, phi = sp.Symbol("r", positive=True), sp.Symbol("phi", real=True)

TEXTBOOK = [
    (x**2 * y + sp.sin(x * y), [x, y]),  # DESIGN.md / SHOWCASE 1
    ((x + 2 * y**3) ** 2, [x, y]),  # MML Example 5.6
    (sp.exp(x * y**2) / (1 + x**2), [x, y]),
    (sp.log(1 + sp.exp(-x)), [x]),
    (sp.atan(y / (1 + x**2)) + sp.sqrt(1 + x**2 + y**2), [x, y]),
    (x * y * z + sp.cos(x - z) ** 3, [x, y, z]),
    (sp.tanh(x) * sp.asin(y / 3) - sp.log(a * x**2 + 1), [x, y]),
    (x**y, [x, y]),  # logarithmic differentiation (x > 0 sampled where real)
    (1 / (1 + sp.exp(-(x * y - 1))), [x, y]),  # the logistic sigmoid
]


def _rand_point(symbols, seed=0):
    gen = np.random.default_rng(seed)
    return {s: (gen.uniform(0.3, 1.5) if (s.is_positive or s == x) else gen.uniform(-1.5, 1.5)) for s in symbols}


@pytest.mark.parametrize("f, wrt", TEXTBOOK)
def test_gradient_matches_finite_differences_of_the_function(f, wrt):
    d = derive(f, "gradient", wrt=[str(v) for v in wrt])
    grad = d["gradient"]
    assert grad.shape == (len(wrt), 1)
    others = sorted(f.free_symbols - set(wrt), key=str)
    point = _rand_point(list(wrt) + others)
    fn = sp.lambdify(list(wrt) + others, f, "numpy")
    fd = central_difference(lambda v: fn(*v, *[point[o] for o in others]), np.array([point[v] for v in wrt]))
    got = np.array(grad.subs(point).evalf(), dtype=float).ravel()
    assert relative_error(got, fd) < 1e-7
    assert d.check().passed


@pytest.mark.parametrize("f, wrt", TEXTBOOK[:4])
def test_hessian_is_symmetric_and_equals_sympy(f, wrt):
    d = derive(f, "hessian", wrt=[str(v) for v in wrt])
    H = d["hessian"]
    assert H == H.T
    truth = sp.hessian(f, wrt)
    point = _rand_point(sorted(f.free_symbols, key=str), seed=1)
    assert relative_error(np.array(H.subs(point).evalf(), dtype=float),
                          np.array(truth.subs(point).evalf(), dtype=float)) < 1e-10
    assert d.check().passed


def test_jacobian_of_polar_coordinates_is_numerator_layout():
    f = sp.Matrix([r * sp.cos(phi), r * sp.sin(phi)])
    d = derive(f, wrt=["r", "phi"])
    J = d["jacobian"]
    assert J.shape == (2, 2)
    assert sp.simplify(J - sp.Matrix([[sp.cos(phi), -r * sp.sin(phi)], [sp.sin(phi), r * sp.cos(phi)]])) == sp.zeros(2, 2)
    fn = d.numpy("jacobian")
    out = fn(r=np.array([1.0, 2.0]), phi=np.array([0.3, -0.4]))
    assert out.shape == (2, 2, 2)  # points first, then the Jacobian
    assert np.allclose(out[1], [[np.cos(-0.4), -2 * np.sin(-0.4)], [np.sin(-0.4), 2 * np.cos(-0.4)]])
    assert d.check().passed


def test_default_operations_follow_the_function():
    assert "derivative" in derive(sp.sin(x) ** 2)
    assert "gradient" in derive(x * y)
    assert "jacobian" in derive(sp.Matrix([x * y, x + y]))


def test_directional_derivative_along_a_vector():
    f = x**2 * y + sp.exp(y)
    d = derive(f, "directional", along="1, 2")
    expected = 2 * x * y + 2 * (x**2 + sp.exp(y))
    assert sp.simplify(d["directional"] - expected) == 0
    assert d.check().passed


def test_higher_derivative_and_mixed_partials():
    d = derive(sp.sin(x) * sp.exp(2 * x), "derivative", order=3)
    assert sp.simplify(d["derivative"] - sp.diff(sp.sin(x) * sp.exp(2 * x), x, 3)) == 0
    assert d.check().passed
    d = derive(x**3 * y**2 + sp.cos(x * y), "partials", order=2)
    mixed = d["d2f/dydx"]
    assert sp.simplify(mixed - sp.diff(x**3 * y**2 + sp.cos(x * y), x, y)) == 0
    assert d.check().passed


def test_partials_named_and_checked():
    d = derive(x**2 * y + sp.sin(x * y), "partials")
    assert sp.simplify(d["df/dx"] - (2 * x * y + y * sp.cos(x * y))) == 0
    assert sp.simplify(d.partial("y") - (x**2 + x * sp.cos(x * y))) == 0
    assert len(d.reports) == 2 and all(r.passed for r in d.reports)


def test_row_layout_is_the_books_row_vector():
    d = derive(x * y**2, "gradient", layout="row")
    assert d["gradient"].shape == (1, 2)
    assert any("row" in n for n in d.notes)
    assert d.check().passed


@pytest.mark.parametrize("form", ["auto", "expand", "raw"])
def test_forms_keep_the_value(form):
    f = (x + y) ** 3 * sp.exp(x)
    d = derive(f, "gradient", form=form)
    truth = sp.Matrix([sp.diff(f, x), sp.diff(f, y)])
    assert sp.simplify(d["gradient"] - truth) == sp.zeros(2, 1)
    if form == "expand":
        assert d["gradient"][0] == sp.expand(d["gradient"][0])


def test_numpy_uses_names_as_written_and_broadcasts():
    x1, mu = sp.symbols("x_1 mu", real=True)
    f = (x1 - mu) ** 2 * sp.exp(mu)
    d = derive(f, "gradient", wrt=["x_1", "mu"])
    g = d.numpy("gradient")
    pts = np.linspace(-1, 1, 5)
    out = g(x_1=pts, mu=0.5)
    assert out.shape == (5, 2)
    assert np.allclose(out[:, 0], 2 * (pts - 0.5) * np.exp(0.5))


def test_wrt_is_resolved_against_the_problems_symbols():
    mu = sp.Symbol("mu", positive=True)
    d = derive(mu**2 * x, "derivative", wrt="mu")
    assert d["derivative"] != 0  # a fresh Symbol("mu") would give 0
    with pytest.raises(OptionError, match=r"no variable named 'nu'.*known: mu, x"):
        derive(mu**2 * x, "derivative", wrt="nu")


def test_unknown_operation_is_an_option_error():
    with pytest.raises(OptionError, match="unknown operation 'curl'"):
        derive(x * y, "curl")


def test_aliases():
    d = derive(x * y, "grad")
    assert "gradient" in d
    d = derive(sp.exp(x), "linearize", at=0)
    assert sp.expand(d["taylor"]) == 1 + x


@pytest.mark.slow
@pytest.mark.parametrize("f, wrt", TEXTBOOK[4:])
def test_hessian_of_longer_functions(f, wrt):
    test_hessian_is_symmetric_and_equals_sympy(f, wrt)
