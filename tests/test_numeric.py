"""The numeric side: finite differences are a trustworthy truth, codegen matches sympy."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from mfml_sym.errors import OptionError
from mfml_sym.numeric.codegen import numpy_function
from mfml_sym.numeric.finite_differences import central_difference, relative_error

x, y = sp.symbols("x y", real=True)


@pytest.mark.parametrize(
    "f, df",
    [
        (lambda v: np.sin(v[0]) * v[1] ** 2, lambda v: np.array([np.cos(v[0]) * v[1] ** 2, 2 * np.sin(v[0]) * v[1]])),
        (lambda v: np.exp(v @ v), lambda v: 2 * v * np.exp(v @ v)),
        (lambda v: np.log(1 + np.exp(v[0] - v[1])), lambda v: np.array([1, -1]) / (1 + np.exp(v[1] - v[0]))),
    ],
)
def test_central_difference_matches_known_gradients(f, df):
    v = np.array([0.3, -0.7])
    assert relative_error(central_difference(f, v), df(v)) < 1e-9


def test_central_difference_layout_is_output_then_input():
    A = np.arange(6.0).reshape(2, 3)
    jac = central_difference(lambda v: A @ v, np.ones(3))
    assert jac.shape == (2, 3)
    assert relative_error(jac, A) < 1e-9
    grad_matrix = central_difference(lambda M: np.trace(M @ A), np.ones((3, 2)))
    assert grad_matrix.shape == (3, 2)
    assert relative_error(grad_matrix, A.T) < 1e-9


def test_relative_error_sees_a_wrong_sign():
    assert relative_error(np.array([1.0, -2.0]), np.array([1.0, 2.0])) > 1.0


@settings(max_examples=40, deadline=None)
@given(a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_generated_gradient_matches_finite_differences(a, b):
    f = x**2 * y + sp.sin(x * y)
    grad = numpy_function(sp.Matrix([f.diff(x), f.diff(y)]))
    value = numpy_function(f)
    fd = central_difference(lambda v: value(x=v[0], y=v[1]), np.array([a, b]))
    assert relative_error(grad(x=a, y=b), fd) < 1e-7


def test_codegen_broadcasts_over_points_and_names_arguments():
    g = numpy_function(sp.Matrix([x * y, sp.Integer(1)]))
    out = g(x=np.array([1.0, 2.0, 3.0]), y=2.0)
    assert out.shape == (3, 2)
    assert np.allclose(out[:, 0], [2, 4, 6]) and np.allclose(out[:, 1], 1)
    with pytest.raises(OptionError, match="keyword arguments x, y"):
        g(x=1.0)


def test_codegen_keeps_matrix_operations_and_reads_dimensions_from_arrays():
    n = sp.Symbol("n", integer=True, positive=True)
    A = sp.MatrixSymbol("A", n, n)
    v = sp.MatrixSymbol("x", n, 1)
    fn = numpy_function((A + A.T) * v + 2 * sp.Identity(n) * v)
    rng = np.random.default_rng(0)
    Am, xv = rng.normal(size=(4, 4)), rng.normal(size=4)
    out = fn(A=Am, x=xv)
    assert out.shape == (4,)
    assert np.allclose(out, (Am + Am.T) @ xv + 2 * xv)
    quad = numpy_function(v.T * A * v)
    assert np.isclose(quad(A=Am, x=xv), xv @ Am @ xv)
