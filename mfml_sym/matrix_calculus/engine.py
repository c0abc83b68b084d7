"""Gradients, Jacobians and Hessians of matrix expressions, with their differential steps.

``gradient(f, X)``, ``jacobian(F, x)``, ``hessian(f, x)`` work on plain sympy objects (built
from MatrixSymbols, after :func:`~.normalize.to_engine_form`) and return a
:class:`MatrixDerivative`: the result (a closed, vectorised sympy expression valid for every
symbolic size), the differential it was read from, and the steps with their rules.

Layout (generalised numerator layout, as in ``examples/matrix_calculus.json``): the derivative
of F (shape S_F) by X (shape S_X) has shape S_F + S_X; a scalar's gradient has the shape of the
variable (column form — MML writes its transpose, a row). Results that are 3- or 4-way arrays
(a matrix by a matrix, the Hessian in a matrix variable) are given in differential form
``dF = L(dX)`` (index form: ∂F_ij/∂X_kl is the coefficient of dX_kl) and evaluated numerically
as the full array.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import UnsupportedError
from .differential import Differential, is_zero
from .extract import coefficient_of_scalar, gradient_from_differential, jacobian_from_differential
from .functions import DifferentialScalar, DifferentialSymbol, Scalar, is_matrix, is_scalar_matrix
from .simplify import simplify_matrix, transpose

__all__ = ["MatrixDerivative", "gradient", "jacobian", "hessian", "differential_symbol", "symmetrize"]

IDENTIFY_GRADIENT = "df = tr(Gᵀ dX) ⇒ ∇f = G (identification; cyclic trace)"
IDENTIFY_VECTOR = "df = gᵀ dx ⇒ ∇f = g (identification)"
IDENTIFY_JACOBIAN = "dy = J dx ⇒ ∂y/∂x = J (identification, numerator layout)"


@dataclass
class MatrixDerivative:
    """One derived object: ``result`` (closed form), or ``differential`` only (tensor form)."""

    kind: str  # "gradient", "jacobian", "hessian", "derivative"
    variable: Any
    result: Any
    differential: Any
    dvar: Any
    closed: bool = True
    steps: list = field(default_factory=list)  # (lhs, rhs, rule)
    rules: list = field(default_factory=list)
    convention: str = ""


def differential_symbol(v):
    """dX for a MatrixSymbol X (same shape), dt for a scalar t."""
    name = "d" + v.name
    if isinstance(v, sp.MatrixSymbol):
        return DifferentialSymbol(name, *v.shape)
    return DifferentialScalar(name, real=True)


def _as_scalar(f):
    if is_scalar_matrix(f):
        return Scalar(f)
    return f


def _is_scalar(f) -> bool:
    return not is_matrix(f) or is_scalar_matrix(f)


def symmetrize(G, convention: str, symmetric=()):
    """Gradient w.r.t. a symmetric matrix from the unstructured G (Cookbook §2.8)."""
    Gt = simplify_matrix(transpose(G, symmetric), symmetric)
    n = G.shape[0]
    if Gt == G:  # G symmetric already: the symmetric part is G, the Cookbook form 2G − I ∘ G
        return G if convention == "symmetric-part" else 2 * G - sp.HadamardProduct(sp.Identity(n), G)
    if convention == "symmetric-part":
        return sp.Rational(1, 2) * (G + Gt)
    return G + Gt - sp.HadamardProduct(sp.Identity(n), G)


def gradient(f, wrt, symmetric=(), structure: str = "none") -> MatrixDerivative:
    """∇_X f of a scalar f: df = tr(Gᵀ dX) ⇒ G (same shape as X); scalar t: df/dt.

    ``structure`` "cookbook" or "symmetric-part" gives the derivative w.r.t. a symmetric X.
    """
    f = _as_scalar(f)
    if is_matrix(f):
        raise UnsupportedError(f"the gradient needs a scalar function; this one is {f.shape[0]} x {f.shape[1]}")
    dv = differential_symbol(wrt)
    D = Differential({wrt: dv})
    df = D(f)
    df_s = simplify_matrix(df, symmetric, right=(dv,))
    steps = [(r"d f", df_s, "; ".join(D.rules))]
    if not isinstance(wrt, sp.MatrixSymbol):
        g = simplify_matrix(coefficient_of_scalar(df, dv), symmetric)
        steps.append((None, sp.Mul(g, dv, evaluate=False) if not is_matrix(g) else g * dv, "df = f′(t) dt"))
        return MatrixDerivative("gradient", wrt, g, df_s, dv, steps=steps, rules=D.rules)
    G = gradient_from_differential(df, dv)
    G = simplify_matrix(G, symmetric)
    if wrt.shape[1] == 1:
        steps.append((None, Scalar(G.T * dv) if not isinstance(G, sp.ZeroMatrix) else sp.S.Zero, IDENTIFY_VECTOR))
    else:
        steps.append((None, sp.Trace(transpose(G, symmetric) * dv) if not isinstance(G, sp.ZeroMatrix) else sp.S.Zero,
                      IDENTIFY_GRADIENT))
    convention = ""
    if structure in ("cookbook", "symmetric-part") and wrt.shape[0] == wrt.shape[1]:
        G_unstructured = G
        G = symmetrize(G, structure, symmetric)
        if structure == "cookbook":
            convention = "symmetric variable: ∇ = G + Gᵀ − I ∘ G (Matrix Cookbook §2.8)"
        else:
            convention = "symmetric variable: ∇ = ½(G + Gᵀ) (symmetric-part convention)"
        steps.append((r"G", G_unstructured, "G: the gradient with the entries of X independent"))
    return MatrixDerivative("gradient", wrt, G, df_s, dv, steps=steps, rules=D.rules, convention=convention)


def jacobian(F, wrt, symmetric=()) -> MatrixDerivative:
    """∂F/∂x: numerator layout for a vector F and vector x; scalar x: F'(t); else tensor form."""
    if _is_scalar(F) and isinstance(wrt, sp.MatrixSymbol):
        out = gradient(F, wrt, symmetric)
        out.kind = "jacobian"
        return out
    dv = differential_symbol(wrt)
    D = Differential({wrt: dv})
    dF = D(F)
    dF_s = simplify_matrix(dF, symmetric, right=(dv,))
    steps = [(r"d F", dF_s, "; ".join(D.rules))]
    if not isinstance(wrt, sp.MatrixSymbol):
        Fp = simplify_matrix(coefficient_of_scalar(dF, dv), symmetric)
        return MatrixDerivative("jacobian", wrt, Fp, dF_s, dv, steps=steps, rules=D.rules)
    if F.shape[1] == 1 and wrt.shape[1] == 1:
        try:
            J = jacobian_from_differential(dF, dv, F.shape[0])
        except UnsupportedError:
            J = None
        if J is not None:
            J = simplify_matrix(J, symmetric)
            steps.append((None, J * dv, IDENTIFY_JACOBIAN))
            return MatrixDerivative("jacobian", wrt, J, dF_s, dv, steps=steps, rules=D.rules)
    kron = kronecker_form(dF_s, dv, F.shape, symmetric)
    if kron is not None:
        steps.append((r"\operatorname{vec}(\mathrm{d}F)", _kron_latex(kron, dv), VEC_RULE))
    return MatrixDerivative("jacobian", wrt, dF_s, dF_s, dv, closed=False, steps=steps, rules=D.rules,
                            convention="∂F_I/∂X_J = the coefficient of dX_J in dF")


VEC_RULE = "vec(A dX B) = (Bᵀ ⊗ A) vec(dX) (Cookbook eq. 520): the Jacobian ∂vec F/∂vec X"


def _kron_latex(kron, dv) -> str:
    """(Σ Qᵀ ⊗ P) vec(dX) as LaTeX, bracketed (printers do not bracket ⊗ inside a product)."""
    try:
        from ..render.latex_printer import to_latex
    except ImportError:  # pragma: no cover
        to_latex = sp.latex
    return r"\left(" + to_latex(kron) + r"\right) " + to_latex(_vec_symbol(dv))


def _vec_symbol(dv):
    from .functions import Vec

    return Vec(dv)


def kronecker_form(dF, dv, out_shape, symmetric=()):
    """Σ c (Qᵀ ⊗ P) when dF = Σ c P dX Q (every term linear in dX, untransposed); else None."""
    from .simplify import _Simplifier

    simp = _Simplifier(symmetric)
    terms = simp._expand(dF) if isinstance(dF, sp.MatrixExpr) else None
    if not terms:
        return None
    parts = []
    for c, factors in terms:
        hits = [i for i, f in enumerate(factors) if f.has(dv)]
        if len(hits) != 1 or factors[hits[0]] != dv or c.has(dv):
            return None
        i = hits[0]
        P = _chain(factors[:i]) if i else sp.Identity(out_shape[0])
        Q = _chain(factors[i + 1:]) if i + 1 < len(factors) else sp.Identity(out_shape[1])
        term = sp.KroneckerProduct(transpose(Q, symmetric), P)
        parts.append(term if c == 1 else c * term)
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def _chain(factors):
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


def hessian(f, wrt, symmetric=(), grad: MatrixDerivative | None = None) -> MatrixDerivative:
    """∇²f: the Jacobian of the gradient (symmetric); a matrix variable gives the tensor form."""
    g = grad if grad is not None else gradient(f, wrt, symmetric)
    if not isinstance(wrt, sp.MatrixSymbol):
        h = gradient(g.result, wrt, symmetric) if not is_matrix(g.result) else jacobian(g.result, wrt, symmetric)
        h.kind = "hessian"
        return h
    dv = g.dvar
    D = Differential({wrt: dv})
    dG = D(g.result)
    dG_s = simplify_matrix(dG, symmetric, right=(dv,))
    steps = [(r"d(\nabla f)", dG_s, "; ".join(D.rules))]
    if wrt.shape[1] == 1:
        H = jacobian_from_differential(dG, dv, wrt.shape[0])
        H = simplify_matrix(H, symmetric)
        steps.append((None, H * dv, "d(∇f) = H dx (identification)"))
        return MatrixDerivative("hessian", wrt, H, dG_s, dv, steps=steps, rules=D.rules)
    kron = kronecker_form(dG_s, dv, g.result.shape, symmetric)
    if kron is not None:
        steps.append((r"\operatorname{vec}(\mathrm{d}\nabla f)", _kron_latex(kron, dv), VEC_RULE))
    return MatrixDerivative("hessian", wrt, dG_s, dG_s, dv, closed=False, steps=steps, rules=D.rules,
                            convention="∂²f/∂X_ij∂X_kl = the coefficient of dX_kl in d(∇f)_ij")
