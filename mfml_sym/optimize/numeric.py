"""Numeric side of constrained optimisation: scipy's SLSQP from many starts, projections, violations.

These are the independent truth against which exact results are checked (a claimed optimum that
a numeric optimiser beats is a FAILED check) and the fallback that supplies numeric candidates
when the symbolic solution set may be incomplete. Gradients are scipy's finite differences, so
nothing here relies on the symbolic derivatives being right.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from .model import OptimisationProblem

__all__ = ["NumericProblem", "multistart", "min_violation", "project"]

PENALTY = 1e12


@dataclass
class NumericProblem:
    """``F``, ``h`` and ``g`` of a problem as numpy functions at fixed parameter values."""

    problem: OptimisationProblem
    sample: dict

    def __post_init__(self) -> None:
        p = self.problem
        x = list(p.variables)
        sub = self.sample
        self._F = sp.lambdify([x], p.F.subs(sub), "numpy")
        self._h = [sp.lambdify([x], h.subs(sub), "numpy") for h in p.equalities]
        self._g = [sp.lambdify([x], g.subs(sub), "numpy") for g in p.inequalities]
        # one vectorised function per family for the optimiser's many calls
        self._hv = sp.lambdify([x], [h.subs(sub) for h in p.equalities], "numpy") if p.equalities else None
        self._gv = sp.lambdify([x], [g.subs(sub) for g in p.inequalities], "numpy") if p.inequalities else None
        self.positive = [i for i, v in enumerate(x) if v in p.positive]
        self.n = len(x)

    def F(self, x) -> float:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                v = complex(self._F(np.asarray(x, dtype=float)))
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                return PENALTY
        if not np.isfinite(v.real) or abs(v.imag) > 1e-9 * (1 + abs(v.real)):
            return PENALTY
        return v.real

    def _vals(self, fs, x):
        out = []
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for f in fs:
                try:
                    v = complex(f(np.asarray(x, dtype=float)))
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    v = complex(PENALTY)
                out.append(v.real if np.isfinite(v.real) and abs(v.imag) < 1e-9 * (1 + abs(v.real)) else PENALTY)
        return np.array(out, dtype=float)

    def _fast(self, fv, fs, x):
        if fv is None:
            return np.zeros(0)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = np.asarray(fv(np.asarray(x, dtype=float)), dtype=complex)
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                return self._vals(fs, x)
        bad = ~np.isfinite(out.real) | (np.abs(out.imag) > 1e-9 * (1 + np.abs(out.real)))
        res = out.real.astype(float)
        res[bad] = PENALTY
        return res

    def h(self, x) -> np.ndarray:
        return self._fast(self._hv, self._h, x)

    def g(self, x) -> np.ndarray:
        return self._fast(self._gv, self._g, x)

    def violation(self, x) -> float:
        """Largest constraint violation (equalities, inequalities, open domains) at ``x``."""
        x = np.asarray(x, dtype=float)
        v = 0.0
        if self._h:
            v = max(v, float(np.max(np.abs(self.h(x)))))
        if self._g:
            v = max(v, float(np.max(self.g(x), initial=0.0)))
        for i in self.positive:
            if x[i] <= 0:
                v = max(v, -x[i] + 1e-300)
        if self.F(x) >= PENALTY:
            v = max(v, 1.0)  # outside the objective's domain
        return v

    def constraints(self) -> list[dict]:
        cons = []
        if self._h:
            cons.append({"type": "eq", "fun": self.h})
        if self._g:
            cons.append({"type": "ineq", "fun": lambda x: -self.g(x)})
        return cons

    def bounds(self, box):
        lo, hi = box
        b = [(None, None)] * self.n
        for i in self.positive:
            b[i] = (1e-12, None)
        return b


def starting_points(np_problem: NumericProblem, box, count: int, seed: int, centre=None) -> np.ndarray:
    gen = np.random.default_rng(seed)
    lo, hi = box
    pts = gen.uniform(lo, hi, size=(count, np_problem.n))
    if centre is not None:
        c = np.asarray(centre, dtype=float)
        spread = np.maximum(1.0, np.abs(c)) * 0.5
        pts[: count // 2] = c + gen.normal(size=(count // 2, np_problem.n)) * spread
    for i in np_problem.positive:
        pts[:, i] = np.abs(pts[:, i]) + 1e-3 * max(1.0, abs(hi))
    return pts


def multistart(np_problem: NumericProblem, box, count: int = 20, seed: int = 11, centre=None,
               feas_tol: float = 1e-7):
    """Local minima of ``F`` found by SLSQP from ``count`` starts: list of (x, F, violation), best first."""
    found = []
    cons = np_problem.constraints()
    bounds = np_problem.bounds(box)
    for x0 in starting_points(np_problem, box, count, seed, centre):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = minimize(np_problem.F, x0, method="SLSQP", constraints=cons, bounds=bounds,
                               options={"maxiter": 300, "ftol": 1e-12})
            except (ValueError, np.linalg.LinAlgError, OverflowError):
                continue
        xv = np.asarray(res.x, dtype=float)
        if not np.all(np.isfinite(xv)):
            continue
        viol = np_problem.violation(xv)
        scale = 1.0 + float(np.max(np.abs(xv)))
        if viol <= feas_tol * scale:
            found.append((xv, np_problem.F(xv), viol))
    found.sort(key=lambda t: t[1])
    return found


def min_violation(np_problem: NumericProblem, box, count: int = 20, seed: int = 5):
    """Smallest total squared violation found from ``count`` starts (0 for a feasible problem)."""
    def phi(x):
        h = np_problem.h(x)
        g = np.maximum(np_problem.g(x), 0.0)
        return float(np.sum(h**2) + np.sum(g**2))

    best = (np.inf, None)
    for x0 in starting_points(np_problem, box, count, seed):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(phi, x0, method="BFGS", options={"gtol": 1e-12, "maxiter": 500})
        if res.fun < best[0]:
            best = (float(res.fun), np.asarray(res.x))
    return best


def project(np_problem: NumericProblem, target, x_start=None):
    """The feasible point nearest to ``target`` found by SLSQP (or None)."""
    target = np.asarray(target, dtype=float)
    x0 = target if x_start is None else np.asarray(x_start, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = minimize(lambda z: float(np.sum((z - target) ** 2)), x0, method="SLSQP",
                           constraints=np_problem.constraints(), bounds=np_problem.bounds((0, 1)),
                           options={"maxiter": 100, "ftol": 1e-13})
        except (ValueError, np.linalg.LinAlgError):
            return None
    x = np.asarray(res.x, dtype=float)
    if np_problem.violation(x) <= 1e-9 * (1 + np.max(np.abs(x))):
        return x
    return None


def numeric_multipliers(problem: OptimisationProblem, sample: dict, x: np.ndarray, tol: float = 1e-6):
    """Least-squares multipliers at ``x`` (active inequalities only), from finite-difference gradients."""
    npb = NumericProblem(problem, sample)

    def grad(f):
        g = np.zeros(len(x))
        for i in range(len(x)):
            h = 1e-6 * max(1.0, abs(x[i]))
            e = np.zeros(len(x))
            e[i] = h
            g[i] = (f(x + e) - f(x - e)) / (2 * h)
        return g

    gF = grad(npb.F)
    cols = [grad(lambda z, k=k: npb.h(z)[k]) for k in range(len(problem.equalities))]
    gvals = npb.g(x)
    active = [j for j, v in enumerate(gvals) if abs(v) <= tol * (1 + np.max(np.abs(x)))]
    cols += [grad(lambda z, j=j: npb.g(z)[j]) for j in active]
    if cols:
        A = np.array(cols).T
        coef, *_ = np.linalg.lstsq(A, -gF, rcond=None)
        residual = float(np.linalg.norm(A @ coef + gF))
    else:
        coef = np.zeros(0)
        residual = float(np.linalg.norm(gF))
    m = len(problem.equalities)
    lam = list(coef[:m])
    mu = [0.0] * len(problem.inequalities)
    for k, j in enumerate(active):
        mu[j] = float(coef[m + k])
    return lam, mu, active, residual


def repair(problem: OptimisationProblem, sample: dict, x, digits: int = 40):
    """Move ``x`` onto the equality constraints in high precision (minimum-norm Gauss-Newton, mpmath).

    A numeric optimiser's point satisfies the equalities only to ~1e-10; near a degenerate point
    (a cusp, tangent constraints) such a point can look better than the true optimum without any
    feasible point nearby. A counterexample is trusted only after this repair. Returns the
    repaired point as floats, or None when the iteration does not reach the constraints.
    """
    import mpmath

    x = np.asarray(x, dtype=float)
    if not problem.equalities:
        return x
    vars_ = list(problem.variables)
    hs = [h.subs(sample) for h in problem.equalities]
    J = sp.Matrix([[sp.diff(h, v) for v in vars_] for h in hs])
    fh = sp.lambdify(vars_, hs, "mpmath")
    fJ = sp.lambdify(vars_, J, "mpmath")
    with mpmath.workdps(digits):
        z = mpmath.matrix([mpmath.mpf(float(v)) for v in x])
        for _ in range(60):
            try:
                hv = mpmath.matrix(fh(*z))
                if mpmath.norm(hv) < mpmath.mpf(10) ** (-(digits - 8)):
                    return np.array([float(v) for v in z])
                Jv = mpmath.matrix(fJ(*z))
                JJt = Jv * Jv.T
                step = Jv.T * mpmath.lu_solve(JJt, hv)
            except (ZeroDivisionError, ValueError, TypeError):
                return None
            z = z - step
            if mpmath.norm(step) > 1e6 * (1 + mpmath.norm(z)):
                return None
        return None
