"""Matrix differentials: ``d(f)`` of a matrix or scalar expression, linear in ``dX``.

The rules are the Matrix Cookbook's (Petersen & Pedersen, Nov 2012), §2.2 eqs. (33)-(45):
d(XY) = dX Y + X dY (37), d(X∘Y) = dX∘Y + X∘dY (38), d(X⁻¹) = −X⁻¹ dX X⁻¹ (40),
d det X = det X tr(X⁻¹ dX) (42), d log det X = tr(X⁻¹ dX) (43), d Xᵀ = (dX)ᵀ (44),
d tr X = tr dX (36); for an elementwise function d f(U) = f'(U) ∘ dU; for the softmax
d s = s ∘ dz − s (sᵀdz); d logsumexp(z) = softmax(z)ᵀ dz; d‖x‖ = xᵀdx / ‖x‖.
The result is a sympy expression in which each variable ``X`` is replaced linearly by its
differential symbol ``dX``; the cost is linear in the size of the expression tree and does
not depend on the (symbolic) dimensions.
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.matrices.expressions.diagonal import DiagonalOf

from ..errors import UnsupportedError
from .functions import Diag, Elementwise, LogSumExp, Norm, Scalar, Softmax, is_matrix, madd, mmul, ones

__all__ = ["Differential", "is_zero", "zero_like", "elementwise_derivative"]

RULES = {
    "sum": "sum rule d(A + B) = dA + dB",
    "product": "product rule d(XY) = dX Y + X dY (Cookbook eq. 37)",
    "hadamard": "d(X ⊙ Y) = dX ⊙ Y + X ⊙ dY (Cookbook eq. 38)",
    "inverse": "d(X⁻¹) = −X⁻¹ dX X⁻¹ (Cookbook eq. 40)",
    "det": "d det X = det X · tr(X⁻¹ dX) (Cookbook eq. 42)",
    "logdet": "d log det X = tr(X⁻¹ dX) (Cookbook eq. 43)",
    "transpose": "d(Xᵀ) = (dX)ᵀ (Cookbook eq. 44)",
    "trace": "d tr X = tr dX (Cookbook eq. 36)",
    "elementwise": "chain rule for an elementwise function: d f(U) = f′(U) ⊙ dU",
    "softmax": "d softmax(z) = s ⊙ dz − s sᵀdz, s = softmax(z)",
    "logsumexp": "d logsumexp(z) = softmax(z)ᵀ dz",
    "norm": "d‖x‖ = xᵀdx / ‖x‖",
    "chain": "chain rule for scalar functions",
    "power": "d(Xᵏ) = Σᵢ Xⁱ dX Xᵏ⁻¹⁻ⁱ",
}


def is_zero(e) -> bool:
    if e is None:
        return True
    if isinstance(e, sp.ZeroMatrix):
        return True
    if not is_matrix(e):
        return sp.sympify(e) == 0
    return False


def zero_like(e):
    return sp.ZeroMatrix(*e.shape) if is_matrix(e) else sp.S.Zero


def _sum(terms, like):
    terms = [t for t in terms if not is_zero(t)]
    if not terms:
        return zero_like(like)
    return madd(*terms)


def _mul(factors):
    return mmul(*factors)


def hadamard_polynomial(expr, symbol, matrix):
    """Turn a scalar polynomial in ``symbol`` into a Hadamard expression in ``matrix``.

    ``s(1 − s)`` with s ↦ σ(U) becomes ``σ(U) ∘ (1 − σ(U))``; constants become multiples of 1.
    """
    expr = sp.sympify(expr)
    if expr == symbol:
        return matrix
    if not expr.has(symbol):
        return expr * ones(*matrix.shape)
    if isinstance(expr, sp.Add):
        parts = [hadamard_polynomial(a, symbol, matrix) for a in expr.args]
        return _sum(parts, matrix)
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_independent(symbol, as_Add=False)
        factors = [hadamard_polynomial(a, symbol, matrix) for a in sp.Mul.make_args(rest)]
        prod = factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)
        return prod if coeff == 1 else coeff * prod
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and not expr.exp.has(symbol):
        return sp.HadamardPower(hadamard_polynomial(expr.base, symbol, matrix), expr.exp)
    raise ValueError("not a polynomial")


def elementwise_derivative(node: Elementwise):
    """f'(U) as a matrix expression, written with f(U) itself when f' is a polynomial in f."""
    (t,), body = node.function.variables, node.function.expr
    derivative = sp.diff(body, t)
    if derivative.is_Number:
        return derivative * ones(*node.shape)
    head = node.head()
    if head is not None:
        h = sp.Dummy("h")
        in_head = derivative.subs(body, h)
        if not in_head.has(t):
            try:
                return hadamard_polynomial(in_head, h, node)
            except ValueError:
                pass
    applied = {a for a in derivative.atoms(sp.Function) if a.args == (t,)}
    if len(applied) == 1:
        (g,) = applied
        h = sp.Dummy("h")
        in_g = derivative.subs(g, h)
        if not in_g.has(t):
            try:
                return hadamard_polynomial(in_g, h, Elementwise(g.func, node.arg))
            except ValueError:
                pass
    if derivative == 1 / t:
        return sp.HadamardPower(node.arg, -1)
    if isinstance(derivative, sp.Pow) and derivative.base == t and derivative.exp.is_Number:
        return sp.HadamardPower(node.arg, derivative.exp)
    if isinstance(derivative, sp.Mul):
        coeff, rest = derivative.as_independent(t, as_Add=False)
        if coeff != 1 and rest != t:
            inner = Elementwise(sp.Lambda(t, rest), node.arg)
            return coeff * elementwise_derivative_simple(inner)
    return Elementwise(sp.Lambda(t, derivative), node.arg)


def elementwise_derivative_simple(node: Elementwise):
    (t,), body = node.function.variables, node.function.expr
    if body == t:
        return node.arg
    if isinstance(body, sp.Function) and body.args == (t,):
        return Elementwise(body.func, node.arg)
    return node


class Differential:
    """Forward differentials with respect to ``variables`` (``{X: dX}``, scalar or matrix).

    ``rules`` collects the names of the rules used, in order, for the derivation steps.
    """

    def __init__(self, variables: dict[Any, Any]) -> None:
        self.variables = dict(variables)
        self.rules: list[str] = []
        self._memo: dict[Any, Any] = {}

    def _use(self, rule: str) -> None:
        if RULES[rule] not in self.rules:
            self.rules.append(RULES[rule])

    def depends(self, e) -> bool:
        return any(e.has(v) for v in self.variables)

    def __call__(self, e):
        return self.d(e)

    def d(self, e):
        if not isinstance(e, sp.Basic):
            return sp.S.Zero
        if not self.depends(e):
            return zero_like(e)
        if e in self._memo:
            return self._memo[e]
        out = self._d(e)
        self._memo[e] = out
        return out

    # -- the rules ---------------------------------------------------------------------------
    def _d(self, e):
        if e in self.variables:
            return self.variables[e]
        d = self.d
        if isinstance(e, MatrixExpr):
            return self._d_matrix(e)
        if isinstance(e, sp.MatrixBase):
            return e.applyfunc(d)
        if isinstance(e, sp.Add):
            return _sum([d(a) for a in e.args], e)
        if isinstance(e, sp.Mul):
            terms = []
            for i, a in enumerate(e.args):
                da = d(a)
                if not is_zero(da):
                    rest = [b for j, b in enumerate(e.args) if j != i]
                    terms.append(_mul(rest + [da]) if rest else da)
            return _sum(terms, e)
        if isinstance(e, sp.Pow):
            base, exponent = e.args
            if not self.depends(exponent):
                return exponent * base ** (exponent - 1) * d(base)
            self._use("chain")
            return e * (d(exponent) * sp.log(base) + exponent * d(base) / base)
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            self._use("logdet")
            X = e.args[0].arg
            return sp.Trace(X.I * d(X))
        if isinstance(e, sp.Abs) and isinstance(e.args[0], sp.Determinant):
            # d|det X| = |det X| tr(X⁻¹ dX) wherever det X ≠ 0
            self._use("det")
            X = e.args[0].arg
            return e * sp.Trace(X.I * d(X))
        if isinstance(e, sp.Determinant):
            self._use("det")
            X = e.arg
            return e * sp.Trace(X.I * d(X))
        if isinstance(e, sp.Trace):
            self._use("trace")
            return sp.Trace(d(e.arg))
        if isinstance(e, MatrixElement):
            dm = d(e.parent)
            if is_zero(dm):
                return sp.S.Zero
            return e.func(dm, e.i, e.j)
        if isinstance(e, LogSumExp):
            self._use("logsumexp")
            return Scalar(Softmax(e.arg).T * d(e.arg))
        if isinstance(e, Norm):
            self._use("norm")
            a = e.arg
            if a.shape[1] == 1:
                return Scalar(a.T * d(a)) / e
            return sp.Trace(a.T * d(a)) / e
        if isinstance(e, sp.Subs) and len(e.variables) == 1:
            # f′(u) written Subs(Derivative(f(ξ), ξ), ξ, u): its differential is f″(u) du
            (xi,), (point,) = e.variables, e.point
            self._use("chain")
            return sp.Subs(sp.diff(e.expr, xi), xi, point) * d(point)
        if isinstance(e, sp.Derivative):
            # f^{(k)}(u) of a user function: its differential is f^{(k+1)}(u) du
            if len(e.variable_count) == 1:
                (u, k), = e.variable_count
                if not self.depends(e.expr.xreplace({u: sp.Dummy()})):
                    self._use("chain")
                    return sp.Derivative(e.expr, (u, k + 1)) * d(u)
            raise UnsupportedError(f"cannot differentiate the unevaluated derivative {e}")
        if isinstance(e, sp.Function):
            self._use("chain")
            terms = []
            for i, a in enumerate(e.args):
                da = d(a)
                if is_zero(da):
                    continue
                if is_matrix(a):
                    raise UnsupportedError(f"cannot differentiate {e.func} applied to the matrix {a}")
                terms.append(e.fdiff(i + 1) * da)
            return _sum(terms, e)
        if isinstance(e, sp.Sum):
            raise UnsupportedError(
                f"the sum {e} could not be written in matrix form; write it with the data matrix"
            )
        raise UnsupportedError(f"no differential rule for {type(e).__name__}: {e}")

    def _d_matrix(self, e):
        d = self.d
        if isinstance(e, sp.MatAdd):
            self._use("sum")
            return _sum([d(a) for a in e.args], e)
        if isinstance(e, sp.MatMul):
            args = list(e.args)
            terms = []
            for i, a in enumerate(args):
                da = d(a)
                if is_zero(da):
                    continue
                self._use("product")
                terms.append(_mul(args[:i] + [da] + args[i + 1:]))
            return _sum(terms, e)
        if isinstance(e, sp.Transpose):
            self._use("transpose")
            return d(e.arg).T
        if isinstance(e, sp.Inverse):
            self._use("inverse")
            X = e.arg
            return mmul(-1, e, d(X), e)
        if isinstance(e, sp.MatPow):
            base, k = e.args
            if self.depends(k) or not k.is_Integer:
                raise UnsupportedError(f"matrix power {e} with a non-integer exponent")
            if k < 0:
                # X^{-m} = (X⁻¹)^m with d(X⁻¹) = −X⁻¹ dX X⁻¹ (Cookbook eq. 40)
                self._use("inverse")
                self._use("power")
                inv, m = sp.Inverse(base), int(-k)
                d_inv = -inv * d(base) * inv
                terms = [_mul([p for p in (inv ** i if i else None, d_inv, inv ** (m - 1 - i) if m - 1 - i else None)
                               if p is not None]) for i in range(m)]
                return _sum(terms, e)
            self._use("power")
            db = d(base)
            terms = [_mul([m for m in (base ** i if i else None, db, base ** (k - 1 - i) if k - 1 - i else None) if m is not None]) for i in range(int(k))]
            return _sum(terms, e)
        if isinstance(e, sp.HadamardProduct):
            self._use("hadamard")
            terms = []
            for i, a in enumerate(e.args):
                da = d(a)
                if is_zero(da):
                    continue
                rest = list(e.args[:i]) + [da] + list(e.args[i + 1:])
                terms.append(sp.HadamardProduct(*rest))
            return _sum(terms, e)
        if isinstance(e, sp.HadamardPower):
            base, p = e.args
            if self.depends(p):
                raise UnsupportedError(f"elementwise power {e} with a variable exponent")
            self._use("elementwise")
            if p == 2:
                return 2 * sp.HadamardProduct(base, d(base))
            return p * sp.HadamardProduct(sp.HadamardPower(base, p - 1), d(base))
        if isinstance(e, Elementwise):
            self._use("elementwise")
            return sp.HadamardProduct(elementwise_derivative(e), d(e.arg))
        if isinstance(e, Softmax):
            self._use("softmax")
            dz = d(e.arg)
            return sp.HadamardProduct(e, dz) - e * (e.T * dz)
        if isinstance(e, Diag):
            return Diag(d(e.vector))
        if isinstance(e, DiagonalOf):
            return DiagonalOf(d(e.arg))
        if isinstance(e, sp.KroneckerProduct):
            self._use("product")
            terms = []
            for i, a in enumerate(e.args):
                da = d(a)
                if not is_zero(da):
                    terms.append(sp.KroneckerProduct(*(list(e.args[:i]) + [da] + list(e.args[i + 1:]))))
            return _sum(terms, e)
        if isinstance(e, sp.MatrixSlice):
            return sp.MatrixSlice(d(e.parent), e.rowslice, e.colslice)
        if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixSymbol)):
            return sp.ZeroMatrix(*e.shape)
        raise UnsupportedError(f"no differential rule for the matrix expression {type(e).__name__}: {e}")
