"""Second-order classification of a KKT point: the Hessian of the Lagrangian on the tangent space.

At a KKT point ``x*`` with multipliers, let ``J`` be the Jacobian of the equality constraints and
of the active inequalities with positive multiplier, and ``Z`` a basis of its null space (the
tangent space). The reduced Hessian ``Z^T (grad^2_xx L) Z`` positive definite means a strict
local minimum of ``F``, negative definite a strict local maximum, indefinite a saddle (MML
sec. 7.2; equivalently the bordered-Hessian test). Zero eigenvalues leave the test
inconclusive. With parameters the test is done at sampled parameter values and must agree.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.linalg import null_space

from .model import Candidate, OptimisationProblem
from .sampling import numeric_value

__all__ = ["classify", "reduced_hessian_eigenvalues"]


def reduced_hessian_eigenvalues(problem: OptimisationProblem, lagr, cand: Candidate, lams, mus, sample: dict):
    """Eigenvalues of the Lagrangian's Hessian on the tangent space at ``cand`` (floats), or None."""
    x = list(problem.variables)
    values = {}
    for v in x:
        values[v] = cand.point[str(v)]
    for s in list(lams) + list(mus):
        values[s] = cand.multipliers[str(s)]
    H = sp.hessian(lagr, x)
    rows = list(problem.equalities)
    for j, (mu, g) in enumerate(zip(mus, problem.inequalities)):
        if j in cand.active:
            m = numeric_value(cand.multipliers[str(mu)], sample)
            if abs(m) > 1e-10:
                rows.append(g)
    try:
        Hn = np.array([[numeric_value(sp.sympify(e).subs(values), sample) for e in row] for row in H.tolist()])
        if rows:
            J = sp.Matrix([[sp.diff(c, v) for v in x] for c in rows])
            Jn = np.array([[numeric_value(sp.sympify(e).subs(values), sample) for e in row] for row in J.tolist()])
        else:
            Jn = np.zeros((0, len(x)), dtype=complex)
    except (TypeError, ValueError):
        return None
    if not (np.all(np.isfinite(Hn)) and np.all(np.isfinite(Jn))):
        return None
    if np.abs(Hn.imag).max(initial=0) > 1e-8 or np.abs(Jn.imag).max(initial=0) > 1e-8:
        return None
    Hn, Jn = Hn.real, Jn.real
    Z = null_space(Jn) if Jn.shape[0] else np.eye(len(x))
    if Z.shape[1] == 0:
        return np.array([])
    R = Z.T @ Hn @ Z
    return np.linalg.eigvalsh((R + R.T) / 2)


def _kind_of(eigs, scale: float) -> str:
    """'min'/'max'/'saddle'/'unknown' of F from reduced-Hessian eigenvalues."""
    if eigs is None:
        return "unknown"
    if eigs.size == 0:
        return "min"  # no feasible direction left: an isolated KKT point with positive multipliers
    tol = 1e-8 * max(1.0, scale)
    if np.all(eigs > tol):
        return "min"
    if np.all(eigs < -tol):
        return "max"
    if np.any(eigs > tol) and np.any(eigs < -tol):
        return "saddle"
    return "unknown"


def classify(problem: OptimisationProblem, lagr, cand: Candidate, lams, mus, samples) -> str:
    """'minimum', 'maximum', 'saddle' or 'unknown' for the user's objective ``f`` at ``cand``."""
    if cand.multipliers is None:
        return "unknown"
    if any(sp.sympify(v).free_symbols & set(problem.variables) for v in cand.point.values()):
        return "unknown"
    kinds = set()
    for s in samples[:3] or [{}]:
        eigs = reduced_hessian_eigenvalues(problem, lagr, cand, lams, mus, s)
        scale = float(np.abs(eigs).max(initial=1.0)) if eigs is not None else 1.0
        kinds.add(_kind_of(eigs, scale))
    if len(kinds) != 1:
        return "unknown"
    kind = kinds.pop()
    if kind == "min":
        return "minimum" if problem.sense == "min" else "maximum"
    if kind == "max":
        # a local maximum of F; for inequality-active points it may still not be a local max of F
        if any(j in cand.active for j in range(len(mus))):
            return "unknown"
        return "maximum" if problem.sense == "min" else "minimum"
    return kind
