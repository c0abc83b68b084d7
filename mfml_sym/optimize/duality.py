"""The Lagrange dual function in closed form for convex quadratic (or linear) problems.

``g(lambda, mu) = min_x L(x, lambda, mu)`` (MML eq. (7.27)). When ``L`` is quadratic in ``x``
with a constant positive semidefinite Hessian ``A`` (least squares, least norm, QPs, the hard-
margin SVM), stationarity ``A x = b(lambda, mu)`` is linear: for invertible ``A`` the minimiser is
``x = A^{-1} b``; otherwise the minimum is finite only when ``b`` lies in the range of ``A`` --
conditions on the multipliers that become constraints of the dual problem (the SVM's
``sum_n y_n alpha_n = 0``) -- and ``-oo`` elsewhere.
"""
from __future__ import annotations

import sympy as sp

from ..budget import bounded
from .model import LagrangeResult, OptimisationProblem

__all__ = ["dual_function"]


def dual_function(problem: OptimisationProblem, result: LagrangeResult) -> dict | None:
    """``{"variables", "function", "constraints", "value", "strong_duality"}`` or None."""
    x = list(problem.variables)
    lams, mus = result.multiplier_symbols
    L = sp.expand(result.lagrangian)
    try:
        poly = sp.Poly(L, *x)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 2:
        return None
    grad = [sp.diff(L, v) for v in x]
    A, b = sp.linear_eq_to_matrix(grad, x)  # A x = b
    if A.free_symbols & (set(lams) | set(mus)):
        return None
    conditions = []
    if A.det() != 0:
        xstar = A.LUsolve(b)
    else:
        # the range condition (I - A A^+) b = 0 and a particular minimiser A^+ b
        Ap = A.pinv()
        resid = (sp.eye(A.rows) - A * Ap) * b
        conditions = [sp.Eq(sp.simplify(r), 0) for r in resid if sp.simplify(r) != 0]
        xstar = Ap * b
    sub = dict(zip(x, xstar))
    g = bounded(sp.simplify, sp.expand(L.subs(sub)), seconds=2.0, fallback=sp.expand(L.subs(sub)))
    if conditions:
        # on the dual domain, eliminate what the conditions fix (keeps g in its usual form)
        g = sp.expand(g)
    out = {"variables": tuple(lams) + tuple(mus), "function": g,
           "constraints": conditions + [sp.Ge(m, 0) for m in mus], "value": None, "strong_duality": None}
    if result.optimum is not None and result.optimum.multipliers is not None:
        vals = {s: result.optimum.multipliers[str(s)] for s in out["variables"]}
        d = bounded(sp.simplify, g.subs(vals), seconds=2.0, fallback=g.subs(vals))
        out["value"] = d
        diff = bounded(sp.simplify, d - result.optimal_value if problem.sense == "min" else d + result.optimal_value,
                       seconds=2.0, fallback=None)
        out["strong_duality"] = diff == 0
    return out
