"""A plain numeric interpreter of the engine's expressions: the independent side of every check.

``evaluate(expr, values)`` walks the sympy tree and computes it with numpy, node by node, with
sums over data points evaluated as loops over n (not vectorised) — so a numeric check compares
the derived result with the ORIGINAL function as written, through code that shares nothing
with the derivation or with the generated numpy function.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import UnsupportedError
from .functions import Diag, Elementwise, LogSumExp, Norm, Softmax, sigmoid, softplus

__all__ = ["evaluate", "scalar_function"]


def _expit(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


_NUMPY_FUNCS = {
    sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh, sp.sin: np.sin, sp.cos: np.cos,
    sp.tan: np.tan, sp.sinh: np.sinh, sp.cosh: np.cosh, sp.Abs: np.abs, sp.atan: np.arctan,
    sp.erf: None, sigmoid: _expit, softplus: lambda x: np.logaddexp(0.0, x),
    sp.sign: np.sign,
}

_LAMBDA_CACHE: dict = {}


def scalar_function(lam: sp.Lambda):
    """A numpy ufunc-like callable for a one-argument Lambda body (cached)."""
    if lam not in _LAMBDA_CACHE:
        (t,), body = lam.variables, lam.expr
        _LAMBDA_CACHE[lam] = lambda x: _scalar(body, {t: x})
    return _LAMBDA_CACHE[lam]


def _index(expr, values) -> int:
    """An integer index expression (n - 1, D - 1, ...) at the current values (fast paths first)."""
    if isinstance(expr, (int, np.integer)):
        return int(expr)
    if expr.is_Integer:
        return int(expr)
    if expr.is_Symbol:
        return int(values[expr])
    if expr.is_Add:
        return sum(_index(a, values) for a in expr.args)
    if expr.is_Mul:
        out = 1
        for a in expr.args:
            out *= _index(a, values)
        return out
    v = sp.sympify(expr).subs({k: int(v) for k, v in values.items() if isinstance(k, sp.Symbol) and np.ndim(v) == 0 and float(v).is_integer()})
    return int(v)


def _scalar(e, values):
    """Evaluate a scalar expression whose leaves are in ``values`` (arrays broadcast)."""
    if e in values:
        return values[e]
    if isinstance(e, sp.Number) or e in (sp.pi, sp.E):
        return float(e)
    if isinstance(e, sp.Symbol):
        raise UnsupportedError(f"no value for {e}")
    if isinstance(e, sp.Add):
        return sum(_scalar(a, values) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out = out * _scalar(a, values)
        return out
    if isinstance(e, sp.Pow):
        base = _scalar(e.base, values)
        return np.power(base, _scalar(e.exp, values))
    if isinstance(e, MatrixExpr) or isinstance(e, (MatrixElement, sp.Trace, sp.Determinant, LogSumExp, Norm, sp.Sum)):
        return evaluate(e, values)
    if isinstance(e, sp.Function):
        f = _NUMPY_FUNCS.get(e.func)
        if f is None:
            if e.func == sp.log and len(e.args) == 2:
                return np.log(_scalar(e.args[0], values)) / np.log(_scalar(e.args[1], values))
            raise UnsupportedError(f"no numeric value for the function {e.func}")
        return f(*[_scalar(a, values) for a in e.args])
    if isinstance(e, sp.Piecewise):
        raise UnsupportedError("piecewise expressions are not evaluated here")
    raise UnsupportedError(f"cannot evaluate {type(e).__name__}: {e}")


def evaluate(e: Any, values: dict) -> Any:
    """Numeric value of ``e``: matrices as 2-D arrays, scalars as floats.

    ``values`` maps MatrixSymbols to 2-D arrays, scalar Symbols (including dimensions and sum
    indices) to numbers.
    """
    ev = lambda a: evaluate(a, values)  # noqa: E731
    if e in values:
        v = values[e]
        return v
    if not isinstance(e, MatrixExpr) and not isinstance(e, sp.MatrixBase):
        if isinstance(e, MatrixElement):
            m = ev(e.parent)
            return float(m[_index(e.i, values), _index(e.j, values)])
        if isinstance(e, sp.Trace):
            return float(np.trace(ev(e.arg)))
        if isinstance(e, sp.Determinant):
            return float(np.linalg.det(ev(e.arg)))
        if isinstance(e, LogSumExp):
            z = ev(e.arg).ravel()
            m = z.max()
            return float(m + np.log(np.exp(z - m).sum()))
        if isinstance(e, Norm):
            return float(np.linalg.norm(ev(e.arg)))
        if isinstance(e, sp.Sum):
            body, *limits = e.args
            total = 0.0
            (i, lo, hi), rest = limits[0], limits[1:]
            inner = sp.Sum(body, *rest) if rest else body
            for k in range(_index(lo, values), _index(hi, values) + 1):
                total = total + evaluate(inner, {**values, i: k})
            return total
        return _scalar(e, values)
    if isinstance(e, sp.MatrixBase):
        return np.array([[evaluate(x, values) for x in row] for row in e.tolist()], dtype=float)
    if isinstance(e, sp.MatAdd):
        out = 0.0
        for a in e.args:
            out = out + ev(a)
        return out
    if isinstance(e, sp.MatMul):
        out = None
        coeff = 1.0
        for a in e.args:
            if isinstance(a, (MatrixExpr, sp.MatrixBase)):
                v = ev(a)
                out = v if out is None else out @ v
            else:
                coeff = coeff * evaluate(a, values)
        return coeff * out
    if isinstance(e, sp.Transpose):
        return ev(e.arg).T
    if isinstance(e, sp.Inverse):
        return np.linalg.inv(ev(e.arg))
    if isinstance(e, sp.MatPow):
        base, k = e.args
        return np.linalg.matrix_power(ev(base), int(k))
    if isinstance(e, sp.HadamardProduct):
        out = 1.0
        for a in e.args:
            out = out * ev(a)
        return out
    if isinstance(e, sp.HadamardPower):
        return np.power(ev(e.args[0]), evaluate(e.args[1], values))
    if isinstance(e, (Elementwise, ElementwiseApplyFunction)):
        fn = e.function
        if not isinstance(fn, sp.Lambda):
            t = sp.Dummy("t")
            fn = sp.Lambda(t, fn(t))
        return np.asarray(scalar_function(fn)(ev(e.expr if isinstance(e, ElementwiseApplyFunction) else e.arg)), dtype=float)
    if isinstance(e, Softmax):
        z = ev(e.arg)
        q = np.exp(z - z.max())
        return q / q.sum()
    if isinstance(e, (Diag, DiagMatrix)):
        return np.diag(ev(e.args[0]).ravel())
    if isinstance(e, DiagonalOf):
        return np.diagonal(ev(e.arg)).reshape(-1, 1).copy()
    if isinstance(e, sp.KroneckerProduct):
        out = ev(e.args[0])
        for a in e.args[1:]:
            out = np.kron(out, ev(a))
        return out
    if isinstance(e, sp.Identity):
        return np.eye(_index(e.shape[0], values))
    if isinstance(e, sp.ZeroMatrix):
        return np.zeros((_index(e.shape[0], values), _index(e.shape[1], values)))
    if isinstance(e, sp.OneMatrix):
        return np.ones((_index(e.shape[0], values), _index(e.shape[1], values)))
    if isinstance(e, sp.MatrixSlice):
        m = ev(e.parent)
        rs, cs = e.rowslice, e.colslice
        r = slice(_index(rs[0], values), _index(rs[1], values), _index(rs[2], values))
        c = slice(_index(cs[0], values), _index(cs[1], values), _index(cs[2], values))
        return m[r, c]
    if isinstance(e, sp.MatrixSymbol):
        raise UnsupportedError(f"no value given for {e}")
    raise UnsupportedError(f"cannot evaluate the matrix expression {type(e).__name__}")
