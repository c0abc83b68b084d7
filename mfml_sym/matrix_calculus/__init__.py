"""Matrix calculus: exact, vectorised derivatives in vectors and matrices of symbolic size.

Our own engine of matrix differentials (:mod:`.differential`, Matrix Cookbook §2.2), read off
by the identification df = tr(Gᵀ dX) ⇒ ∇_X f = G (:mod:`.extract`), simplified towards the
book's notation (:mod:`.simplify`), sums over data vectorised (:mod:`.normalize`), evaluated by
generated numpy code that uses matrix operations (:mod:`.numpy_code`) and always checked against
central differences of the original function (:mod:`.checks`).

>>> import sympy as sp
>>> N, D = sp.symbols("N D", integer=True, positive=True)
>>> X, y, w = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("y", N, 1), sp.MatrixSymbol("w", D, 1)
>>> r = y - X * w
>>> gradient(r.T * r, w).result
2*X.T*(X*w - y)
"""
from __future__ import annotations

from typing import Any

from .engine import MatrixDerivative, differential_symbol
from .engine import gradient as _gradient
from .engine import hessian as _hessian
from .engine import jacobian as _jacobian
from .functions import Diag, Elementwise, LogSumExp, Norm, Softmax, elementwise, ones, sigmoid, softplus

__all__ = [
    "derive_matrix", "gradient", "jacobian", "hessian", "MatrixDerivative",
    "sigmoid", "softplus", "Elementwise", "elementwise", "Diag", "Softmax", "LogSumExp", "Norm", "ones",
    "to_engine_form", "numpy_function",
]


def to_engine_form(expr, **kwargs):
    """The engine's form of an input (elementwise functions, data sums vectorised)."""
    from .normalize import to_engine_form as convert

    return convert(expr, **kwargs)


def numpy_function(expr, arguments=None):
    """A numpy function of a matrix expression (matrix operations, keyword arguments)."""
    from .numpy_code import numpy_function as build

    return build(expr, arguments)


def gradient(expr, wrt, symmetric=(), structure: str = "none") -> MatrixDerivative:
    """∇ of a scalar matrix expression: ``.result`` (closed form) and ``.steps`` (differentials)."""
    return _gradient(to_engine_form(expr), wrt, symmetric=symmetric, structure=structure)


def jacobian(expr, wrt, symmetric=()) -> MatrixDerivative:
    """∂F/∂x in numerator layout (tensor results in differential form)."""
    return _jacobian(to_engine_form(expr), wrt, symmetric=symmetric)


def hessian(expr, wrt, symmetric=()) -> MatrixDerivative:
    """∇²f for a vector variable (closed form); a matrix variable gives d(∇f) (tensor form)."""
    return _hessian(to_engine_form(expr), wrt, symmetric=symmetric)


def derive_matrix(problem: Any, definition: Any, operations: list[str], wrt: list, options: dict | None = None):
    """Derive ``operations`` of ``definition`` w.r.t. ``wrt``; a checked :class:`Derivation`."""
    from .derive import derive_matrix as run

    return run(problem, definition, operations, wrt, options or {})
