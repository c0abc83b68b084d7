"""A plain numeric interpreter of the engine's expressions: the independent side of every check.

``evaluate(expr, values)`` computes the sympy tree with numpy, node by node, with sums over
data points evaluated as loops over n (never vectorised) — so a numeric check compares the
derived result with the ORIGINAL function as written, through code that shares nothing with
the derivation or with the generated numpy function. The tree is translated once into nested
Python closures (:func:`compile_numeric`), so the many evaluations of a finite-difference
check do not walk the sympy tree again.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from ..errors import UnsupportedError
from .functions import Diag, Elementwise, LogSumExp, Norm, Softmax, sigmoid, softplus

__all__ = ["evaluate", "compile_numeric"]


def _expit(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_NUMPY_FUNCS = {
    sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh, sp.sin: np.sin, sp.cos: np.cos,
    sp.tan: np.tan, sp.sinh: np.sinh, sp.cosh: np.cosh, sp.Abs: np.abs, sp.atan: np.arctan,
    sigmoid: _expit, softplus: lambda x: np.logaddexp(0.0, x), sp.sign: np.sign,
    sp.asin: np.arcsin, sp.acos: np.arccos,
}

Fn = Callable[[dict], Any]
_CACHE: dict = {}


def compile_numeric(e) -> Fn:
    """``values -> value`` for expression ``e`` (cached per expression)."""
    try:
        return _CACHE[e]
    except (KeyError, TypeError):
        pass
    fn = _compile(e)
    try:
        _CACHE[e] = fn
    except TypeError:
        pass
    return fn


def evaluate(e: Any, values: dict) -> Any:
    """Numeric value of ``e``: matrices as 2-D arrays, scalars as floats.

    ``values`` maps MatrixSymbols to 2-D arrays, scalar Symbols (including dimensions and sum
    indices) to numbers.
    """
    return compile_numeric(e)(values)


def _lookup(e, fallback: Fn) -> Fn:
    def fn(values):
        if e in values:
            return values[e]
        return fallback(values)
    return fn


def _index(e) -> Fn:
    """An integer index expression (n - 1, D - 1)."""
    e = sp.sympify(e)
    if e.is_Integer:
        k = int(e)
        return lambda values: k
    if e.is_Symbol:
        return lambda values: int(values[e])
    if e.is_Add:
        parts = [_index(a) for a in e.args]
        return lambda values: sum(p(values) for p in parts)
    if e.is_Mul:
        parts = [_index(a) for a in e.args]

        def mul(values):
            out = 1
            for p in parts:
                out *= p(values)
            return out
        return mul
    raise UnsupportedError(f"cannot evaluate the index {e}")


def _contraction(s: sp.Sum):
    """An index contraction (Σ_i X[n-1, i] w[i, 0]) as a matrix entry, by sympy's own converter
    (``convert_indexed_to_array``): evaluated with BLAS instead of a Python loop. None otherwise."""
    if not all(lo == 0 for _, lo, _ in s.limits):
        return None
    try:
        from sympy.tensor.array.expressions import convert_array_to_matrix, convert_indexed_to_array
        from sympy.tensor.array.expressions.array_expressions import _ArrayExpr

        form = convert_array_to_matrix(convert_indexed_to_array(s))
        if isinstance(form, MatrixElement) and not any(
                isinstance(a, (_ArrayExpr, sp.Sum)) for a in sp.preorder_traversal(form.parent)):
            return form
    except Exception:
        return None
    return None


def _compile(e) -> Fn:
    if isinstance(e, (sp.MatrixSymbol, sp.Symbol)):
        def leaf(values):
            try:
                return values[e]
            except KeyError:
                raise UnsupportedError(f"no value given for {e}") from None
        return leaf
    if isinstance(e, MatrixExpr):
        return _lookup(e, _compile_matrix(e))
    if isinstance(e, sp.MatrixBase):
        cells = [[compile_numeric(x) for x in row] for row in e.tolist()]
        return lambda values: np.array([[float(c(values)) for c in row] for row in cells])
    return _compile_scalar(e)


def _compile_scalar(e) -> Fn:
    if isinstance(e, sp.Number) or e in (sp.pi, sp.E):
        v = float(e)
        return lambda values: v
    if isinstance(e, MatrixElement):
        parent, i, j = compile_numeric(e.parent), _index(e.i), _index(e.j)
        return lambda values: float(parent(values)[i(values), j(values)])
    if isinstance(e, sp.Trace):
        a = compile_numeric(e.arg)
        return lambda values: float(np.trace(a(values)))
    if isinstance(e, sp.Determinant):
        a = compile_numeric(e.arg)
        return lambda values: float(np.linalg.det(a(values)))
    if isinstance(e, LogSumExp):
        a = compile_numeric(e.arg)

        def lse(values):
            z = a(values).ravel()
            m = z.max()
            return float(m + np.log(np.exp(z - m).sum()))
        return lse
    if isinstance(e, Norm):
        a = compile_numeric(e.arg)
        return lambda values: float(np.linalg.norm(a(values)))
    if isinstance(e, sp.Sum):
        form = _contraction(e)
        if form is not None:
            return compile_numeric(form)
        body, *limits = e.args
        (i, lo, hi), rest = limits[0], limits[1:]
        inner = compile_numeric(sp.Sum(body, *rest) if rest else body)
        lo_f, hi_f = _index(lo), _index(hi)

        def total(values):
            out = 0.0
            local = dict(values)
            for k in range(lo_f(values), hi_f(values) + 1):
                local[i] = k
                out = out + inner(local)
            return out
        return total
    if isinstance(e, sp.Add):
        parts = [compile_numeric(a) for a in e.args]
        return lambda values: sum(p(values) for p in parts)
    if isinstance(e, sp.Mul):
        parts = [compile_numeric(a) for a in e.args]

        def mul(values):
            out = 1.0
            for p in parts:
                out = out * p(values)
            return out
        return mul
    if isinstance(e, sp.Pow):
        base, exp = compile_numeric(e.base), compile_numeric(e.exp)
        return lambda values: np.power(base(values), exp(values))
    if isinstance(e, sp.Function):
        f = _NUMPY_FUNCS.get(e.func)
        if f is None and e.func == sp.log and len(e.args) == 2:
            a, b = compile_numeric(e.args[0]), compile_numeric(e.args[1])
            return lambda values: np.log(a(values)) / np.log(b(values))
        if f is None:
            raise UnsupportedError(f"no numeric value for the function {e.func}")
        args = [compile_numeric(a) for a in e.args]
        return lambda values: f(*[a(values) for a in args])
    raise UnsupportedError(f"cannot evaluate {type(e).__name__}: {e}")


def _elementwise(fn) -> Callable:
    if not isinstance(fn, sp.Lambda):
        t = sp.Dummy("t")
        fn = sp.Lambda(t, fn(t))
    (t,), body = fn.variables, fn.expr
    compiled = compile_numeric(body)
    return lambda x: compiled({t: x})


def _compile_matrix(e) -> Fn:
    c = compile_numeric
    if isinstance(e, sp.MatAdd):
        parts = [c(a) for a in e.args]

        def add(values):
            out = 0.0
            for p in parts:
                out = out + p(values)
            return out
        return add
    if isinstance(e, sp.MatMul):
        parts = [(isinstance(a, (MatrixExpr, sp.MatrixBase)), c(a)) for a in e.args]

        def mul(values):
            out, coeff = None, 1.0
            for is_mat, p in parts:
                v = p(values)
                if is_mat:
                    out = v if out is None else out @ v
                else:
                    coeff = coeff * v
            return coeff * out
        return mul
    if isinstance(e, sp.Transpose):
        a = c(e.arg)
        return lambda values: a(values).T
    if isinstance(e, sp.Inverse):
        a = c(e.arg)
        return lambda values: np.linalg.inv(a(values))
    if isinstance(e, sp.MatPow):
        a, k = c(e.args[0]), int(e.args[1])
        return lambda values: np.linalg.matrix_power(a(values), k)
    if isinstance(e, sp.HadamardProduct):
        parts = [c(a) for a in e.args]

        def had(values):
            out = 1.0
            for p in parts:
                out = out * p(values)
            return out
        return had
    if isinstance(e, sp.HadamardPower):
        a, k = c(e.args[0]), c(e.args[1])
        return lambda values: np.power(a(values), k(values))
    if isinstance(e, (Elementwise, ElementwiseApplyFunction)):
        f = _elementwise(e.function)
        a = c(e.expr if isinstance(e, ElementwiseApplyFunction) else e.arg)
        def apply(values):
            v = a(values)
            return np.asarray(f(v), dtype=float) * np.ones_like(v)  # constant bodies keep the shape
        return apply
    if isinstance(e, Softmax):
        a = c(e.arg)

        def softmax(values):
            z = a(values)
            q = np.exp(z - z.max())
            return q / q.sum()
        return softmax
    if isinstance(e, (Diag, DiagMatrix)):
        a = c(e.args[0])
        return lambda values: np.diag(a(values).ravel())
    if isinstance(e, DiagonalOf):
        a = c(e.arg)
        return lambda values: np.diagonal(a(values)).reshape(-1, 1).copy()
    if isinstance(e, sp.KroneckerProduct):
        parts = [c(a) for a in e.args]

        def kron(values):
            out = parts[0](values)
            for p in parts[1:]:
                out = np.kron(out, p(values))
            return out
        return kron
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
        r, k = _index(e.shape[0]), _index(e.shape[1])
        make = {sp.Identity: lambda values: np.eye(r(values)),
                sp.ZeroMatrix: lambda values: np.zeros((r(values), k(values))),
                sp.OneMatrix: lambda values: np.ones((r(values), k(values)))}
        for cls, fn in make.items():
            if isinstance(e, cls):
                return fn
    if isinstance(e, sp.MatrixSlice):
        parent = c(e.parent)
        (r0, r1, rs), (c0, c1, cs) = e.rowslice, e.colslice
        idx = [_index(v) for v in (r0, r1, rs, c0, c1, cs)]

        def sl(values):
            a, b, s_, d, f, g = (i(values) for i in idx)
            return parent(values)[a:b:s_, d:f:g]
        return sl
    raise UnsupportedError(f"cannot evaluate the matrix expression {type(e).__name__}")
