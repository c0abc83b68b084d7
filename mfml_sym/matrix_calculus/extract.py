"""Reading a derivative off a differential: df = tr(Gᵀ dX) ⇒ ∇_X f = G; dy = J dx ⇒ ∂y/∂x = J.

The differential is linear in ``dX``; walking its tree from the root with an adjoint ("seed")
moves every factor around ``dX`` to the other side, using only identities exact for all sizes:
tr(A dX B) = tr(B A dX) (cyclic trace), tr(Aᵀ) = tr(A), aᵀ(u ∘ v) = (a ∘ u)ᵀ v,
tr(diag(v) A) = vᵀ diagvec(A). (Magnus & Neudecker's first identification theorem;
Cookbook §2.) For a vector-valued differential dy = J dx the seed carries an extra column
index (it is Jᵀ restricted to the node), so the Jacobian needs no element-wise unrolling.
"""
from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from ..errors import UnsupportedError
from .functions import Diag, Scalar, is_matrix, madd, mmul

__all__ = ["gradient_from_differential", "jacobian_from_differential", "coefficient_of_scalar"]


def _prod(factors):
    factors = [f for f in factors if f is not None]
    if not factors:
        return None
    return mmul(*factors)


def _T(m):
    return None if m is None else m.T


def _scalar_of(m):
    """A 1 × 1 matrix expression as a scalar."""
    if m is None:
        return sp.S.One
    if not is_matrix(m):
        return m
    return Scalar(m)


def _nonlinear(e, dvar):
    raise UnsupportedError(f"the differential is not linear in {dvar}: {e}")


def _split_mul(args, dvar):
    hits = [i for i, a in enumerate(args) if a.has(dvar)]
    if len(hits) != 1:
        _nonlinear(sp.Mul(*args) if not any(is_matrix(a) for a in args) else args, dvar)
    return hits[0]


class _Adjoint:
    def __init__(self, dvar, vector_mode: bool) -> None:
        self.dvar = dvar
        self.vector = vector_mode
        self.parts: list = []

    def run(self, e, seed) -> None:
        if not e.has(self.dvar):
            return
        if e == self.dvar:
            self.parts.append(seed)
            return
        if isinstance(e, MatrixExpr):
            return self._matrix(e, seed)
        if isinstance(e, sp.Add):
            for a in e.args:
                self.run(a, seed)
            return
        if isinstance(e, sp.Mul):
            i = _split_mul(e.args, self.dvar)
            coeff = sp.Mul(*[a for j, a in enumerate(e.args) if j != i])
            return self.run(e.args[i], mmul(coeff, seed))
        if isinstance(e, MatrixElement):
            parent = e.parent
            if tuple(parent.shape) == (1, 1):
                return self.run(parent, seed)
            if self.vector:
                raise UnsupportedError(f"cannot take the Jacobian through the entry {e}")
            raise UnsupportedError(f"the derivative through the single entry {e} is not supported")
        if isinstance(e, sp.Trace):
            m = e.arg
            if self.vector:
                if tuple(m.shape) == (1, 1):
                    return self.run(m, seed)
                raise UnsupportedError(f"cannot take the Jacobian through the trace {e}")
            return self.run(m, mmul(seed, sp.Identity(m.shape[0])))
        _nonlinear(e, self.dvar)

    def _matrix(self, e, seed):
        v = self.vector
        if isinstance(e, sp.MatAdd):
            for a in e.args:
                self.run(a, seed)
            return
        if isinstance(e, sp.Transpose):
            if v or not is_matrix(seed):
                return self.run(e.arg, seed)
            return self.run(e.arg, seed.T)
        if isinstance(e, sp.MatMul):
            scalars = [a for a in e.args if not is_matrix(a)]
            mats = [a for a in e.args if is_matrix(a)]
            coeff = sp.Mul(*scalars)
            if coeff.has(self.dvar):
                # the scalar factor carries dX: seed it with ⟨seed, rest⟩
                if any(m.has(self.dvar) for m in mats):
                    _nonlinear(e, self.dvar)
                i = _split_mul(scalars, self.dvar)
                other = sp.Mul(*[a for j, a in enumerate(scalars) if j != i])
                rest = _prod(mats)
                if v:
                    return self.run(scalars[i], mmul(other, rest.T, seed))
                if is_matrix(seed):
                    inner = sp.Trace(seed.T * rest) if tuple(rest.shape) != (1, 1) else _scalar_of(seed.T * rest)
                else:
                    inner = seed * _scalar_of(rest)
                return self.run(scalars[i], mmul(other, inner))
            i = _split_mul(mats, self.dvar)
            F = mats[i]
            L, R = _prod(mats[:i]), _prod(mats[i + 1:])
            if not v:
                if is_matrix(seed):
                    new = _prod([_T(L), seed, _T(R)])
                else:
                    new = _prod([_T(L), _T(R)])
                    new = seed if new is None else mmul(seed, new)
                return self.run(F, mmul(coeff, new))
            return self._vector_product(F, L, R, coeff, seed)
        if isinstance(e, sp.HadamardProduct):
            i = _split_mul(e.args, self.dvar)
            others = [a for j, a in enumerate(e.args) if j != i]
            other = others[0] if len(others) == 1 else sp.HadamardProduct(*others)
            if tuple(e.shape) == (1, 1):
                return self.run(e.args[i], mmul(_scalar_of(other), seed))
            if v:
                column = other if other.shape[1] == 1 else other.T  # a row node keeps its seed as a column
                return self.run(e.args[i], mmul(Diag(column), seed))
            return self.run(e.args[i], sp.HadamardProduct(seed, other))
        if isinstance(e, Diag) and not v:
            return self.run(e.vector, DiagonalOf(seed))
        if isinstance(e, DiagonalOf) and not v:
            return self.run(e.arg, Diag(seed))
        _nonlinear(e, self.dvar)

    def _vector_product(self, F, L, R, coeff, seed):
        """Vector mode: node = coeff · L F R is a column (or 1 × 1); the seed is (∂y/∂node)ᵀ."""
        rows, cols = F.shape
        if isinstance(F, Diag):
            # L diag(v) r = L (v ∘ r) = L diag(r) v
            if R is None:
                raise UnsupportedError("diag(dx) must act on a vector")
            return self.run(F.vector, mmul(coeff, _prod([Diag(R), _T(L), seed])))
        if cols == 1 and rows != 1:
            new = _prod([_T(L), seed])
            scale = _scalar_of(R) if R is not None else sp.S.One
            return self.run(F, mmul(coeff, scale, new))
        if rows == 1 and cols != 1:
            # L (F R) = L (Rᵀ Fᵀ): the seed of Fᵀ is R Lᵀ seed
            return self.run(F, mmul(coeff, _prod([R, _T(L), seed])))
        if rows == 1 and cols == 1:
            M = _prod([L, R])
            return self.run(F, mmul(coeff, seed if M is None else mmul(M.T, seed)))
        raise UnsupportedError(f"the Jacobian through the matrix factor {F} needs index (tensor) form")


def gradient_from_differential(df, dvar):
    """G with df = tr(Gᵀ dX) (for a vector: df = gᵀ dx); G has the shape of dX."""
    walk = _Adjoint(dvar, vector_mode=False)
    walk.run(df, sp.S.One)
    if not walk.parts:
        return sp.ZeroMatrix(*dvar.shape)
    parts = []
    for p in walk.parts:
        if not is_matrix(p):  # a 1 × 1 variable seen as a scalar
            p = p * sp.Identity(1)
        parts.append(p)
    return madd(*parts)


def jacobian_from_differential(dy, dvar, out_rows):
    """J (m × n, numerator layout) with dy = J dx for a column y (m × 1) and a column x (n × 1)."""
    walk = _Adjoint(dvar, vector_mode=True)
    walk.run(dy, sp.Identity(out_rows))
    if not walk.parts:
        return sp.ZeroMatrix(out_rows, dvar.shape[0])
    return sp.Transpose(madd(*walk.parts))


def coefficient_of_scalar(dF, dt):
    """dF = F' dt ⇒ F' (for a scalar variable t; dF is linear in the symbol dt)."""
    if is_matrix(dF):
        return dF.subs(dt, 1)
    return sp.expand(dF).coeff(dt) if not dF.has(sp.MatrixSymbol) else dF.subs(dt, 1)
