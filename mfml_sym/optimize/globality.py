"""Why a candidate is the *global* optimum -- or why there is none.

* **Convexity** (Boyd & Vandenberghe sec. 5.5.3): ``F`` convex, equalities affine, inequalities
  convex -> every KKT point is a global minimum. Convexity is read from the Hessians: constant
  Hessians are tested exactly; others entry-wise with sympy's sign assumptions (diagonal case),
  else at sampled points (then reported as not proven).
* **Compactness** (Weierstrass): a continuous objective on a nonempty compact set attains its
  optimum, so with a complete candidate list the best candidate value is the optimum. A set is
  recognised as bounded when some constraints have a positive definite leading form in some
  variables (an ellipsoid, a sphere) and the linear constraints bound the rest (an LP over the
  recession cone). An open domain ``x > 0`` is handled through its boundary faces ``x_i = 0``.
* **Unboundedness**: a feasible path along which ``F -> -oo``: the equalities are solved for some
  variables, the others run along rays ``t d``, and ``lim F(path(t))`` is computed exactly.
"""
from __future__ import annotations

import itertools

import numpy as np
import sympy as sp
from scipy.optimize import linprog

from ..budget import bounded, time_budget
from ..errors import BudgetExceeded
from .model import OptimisationProblem
from .sampling import numeric_value

__all__ = ["convexity", "bounded_closure", "face_values", "unbounded_path", "slater_point"]


def _nonneg(e) -> bool | None:
    e = sp.sympify(e)
    if e.is_nonnegative:
        return True
    if e.is_negative:
        return False
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp % 2 == 0 and e.base.is_real:
        return True
    if isinstance(e, sp.Mul):
        signs = [_nonneg(a) for a in e.args]
        if all(s is True for s in signs):
            return True
    if isinstance(e, sp.Add):
        if all(_nonneg(a) is True for a in e.args):
            return True
    return None


def _psd_exact(H: sp.Matrix) -> bool | None:
    """Positive semidefiniteness of a symmetric matrix without free variables (exact or numeric)."""
    if H.is_zero_matrix:
        return True
    if not H.free_symbols:
        eig = np.linalg.eigvalsh(np.array(H.evalf(), dtype=float))
        scale = max(1.0, float(np.abs(eig).max()))
        if np.all(eig >= -1e-12 * scale):
            # confirm exactly when cheap: sympy's test on a rational matrix
            res = bounded(lambda: H.is_positive_semidefinite, seconds=1.0, fallback=True)
            return bool(res) if res is not None else True
        return False
    return None


def _convex_expr(expr, variables, positive, samples, Z=None) -> tuple[bool | None, bool]:
    """(convex?, proven?) for ``expr`` in ``variables`` -- on the affine set with direction basis ``Z``."""
    H = sp.hessian(expr, variables)
    if Z is not None:
        H = Z.T * H * Z  # convexity along the affine feasible set only (second derivative on its directions)
    H = H.applyfunc(lambda e: sp.simplify(e) if sp.count_ops(e) < 60 else e)
    if not (H.free_symbols & set(variables)):
        verdicts = []
        for s in samples or [{}]:
            verdicts.append(_psd_exact(H.subs(s)) if H.free_symbols else _psd_exact(H))
        if all(v is True for v in verdicts):
            return True, not H.free_symbols
        if any(v is False for v in verdicts):
            return False, True
        return None, False
    # variable Hessian: diagonal with nonnegative entries (sympy signs, positive variables assumed)
    pos = {v: sp.Dummy(str(v), positive=True) for v in positive}
    Hp = H.xreplace(pos)
    if Hp.is_diagonal():
        if all(_nonneg(Hp[i, i]) is True for i in range(Hp.rows)):
            return True, True
    if Hp.rows == 2:
        a, b, d = Hp[0, 0], Hp[0, 1], Hp[1, 1]
        det = bounded(sp.simplify, a * d - b**2, seconds=2.0, fallback=None)
        if det is not None and _nonneg(a) and _nonneg(d) and _nonneg(det):
            return True, True
    # fall back to sampling the Hessian at random points of the box
    gen = np.random.default_rng(3)
    for s in (samples or [{}])[:2]:
        f = sp.lambdify(list(variables), H.subs(s), "numpy")
        for _ in range(30):
            pt = gen.uniform(-3, 3, size=len(variables))
            for i, v in enumerate(variables):
                if v in positive:
                    pt[i] = abs(pt[i]) + 1e-3
            with np.errstate(all="ignore"):
                try:
                    M = np.array(f(*pt), dtype=complex)
                except (ValueError, ZeroDivisionError, TypeError):
                    continue
            if not np.all(np.isfinite(M)) or np.abs(M.imag).max() > 1e-9:
                continue
            if np.linalg.eigvalsh(M.real).min() < -1e-9 * max(1.0, np.abs(M.real).max()):
                return False, False
    return None, False


def convexity(problem: OptimisationProblem, samples) -> tuple[bool, bool, str]:
    """(convex, proven, reason) for the minimisation form of the problem."""
    x = list(problem.variables)
    for h in problem.equalities:
        if any(sp.diff(h, v, w) != 0 for v in x for w in x):
            return False, True, f"the equality constraint {h} = 0 is not affine"
    Z = None
    if problem.equalities:
        A = sp.Matrix([[sp.diff(h, v) for v in x] for h in problem.equalities])
        basis = A.nullspace()
        if not basis:
            return True, True, "the equality constraints fix a single point: a convex problem"
        Z = sp.Matrix.hstack(*basis).applyfunc(sp.simplify)
    conv, proof = _convex_expr(problem.F, x, problem.positive, samples)
    if not (conv and proof) and Z is not None:
        conv_z, proof_z = _convex_expr(problem.F, x, problem.positive, samples, Z)
        if conv_z and (proof_z or not conv):
            conv, proof = conv_z, proof_z
        elif conv_z is False and conv is not True:
            conv, proof = False, proof_z
    if conv is not True:
        what = "convex" if problem.sense == "min" else "concave"
        return False, bool(proof), f"the objective is not {'shown ' if conv is None else ''}{what}"
    proven = proof
    for g in problem.inequalities:
        c, p = _convex_expr(g, x, problem.positive, samples)
        if not (c and p) and Z is not None:
            cz, pz = _convex_expr(g, x, problem.positive, samples, Z)
            if cz and (pz or not c):
                c, p = cz, pz
        if c is not True:
            return False, bool(p), f"the constraint {g} <= 0 is not {'shown ' if c is None else ''}convex"
        proven &= p
    where = " on the affine set of the equality constraints" if Z is not None else ""
    return True, proven, (f"convex problem: the objective (in minimisation form) and the inequality constraints "
                          f"are convex{where}, the equalities affine")


def _leading_form_pd(expr, variables):
    """Variables bounded by ``expr <= 0`` / ``expr = 0``: those in a positive definite leading form."""
    try:
        poly = sp.Poly(sp.expand(expr), *variables)
    except sp.PolynomialError:
        return set()
    deg = poly.total_degree()
    if deg < 2 or deg % 2:
        return set()
    top = [(m, c) for m, c in poly.terms() if sum(m) == deg]
    involved = {variables[i] for m, _ in top for i, e in enumerate(m) if e}
    if deg == 2:
        idx = [i for i, v in enumerate(variables) if v in involved]
        Q = sp.zeros(len(idx), len(idx))
        for m, c in top:
            nz = [i for i in idx if m[i]]
            if len(nz) == 1:
                k = idx.index(nz[0])
                Q[k, k] += c
            else:
                a, b = idx.index(nz[0]), idx.index(nz[1])
                Q[a, b] += c / 2
                Q[b, a] += c / 2
        if not Q.free_symbols:
            eig = np.linalg.eigvalsh(np.array(Q.evalf(), dtype=float))
            return involved if eig.min() > 1e-12 else set()
        if Q.is_diagonal() and all((Q[i, i]).is_positive for i in range(Q.rows)):
            return involved
        return set()
    # higher even degree: a sum of even powers of single variables with positive coefficients
    for m, c in top:
        if sum(1 for e in m if e) != 1 or not c.is_positive:
            return set()
    return involved


def bounded_closure(problem: OptimisationProblem, samples, sublevel: bool = False) -> bool:
    """True when the closure of the feasible set is bounded (see the module docstring).

    With ``sublevel`` the objective counts as a constraint ``F(x) <= F(x0)``: a coercive ``F`` (a
    positive definite leading form, such as a squared distance) bounds every sublevel set, so the
    minimum over a closed feasible set is attained.
    """
    x = list(problem.variables)
    cons = list(problem.equalities) + list(problem.inequalities)
    if sublevel:
        cons.append(problem.F)
    fixed: set = set()
    for c in cons:
        fixed |= _leading_form_pd(c, x)
    free = [v for v in x if v not in fixed]
    if not free:
        return True
    # recession cone of the linear constraints in the remaining variables
    A_eq, A_ub = [], []
    for kind, c in [("eq", h) for h in problem.equalities] + [("le", g) for g in problem.inequalities]:
        try:
            poly = sp.Poly(sp.expand(c), *x)
        except sp.PolynomialError:
            continue
        if poly.total_degree() != 1:
            continue
        for s in (samples or [{}])[:1]:
            row = [float(numeric_value(poly.coeff_monomial(v).subs(s) if hasattr(poly.coeff_monomial(v), "subs") else poly.coeff_monomial(v), {}).real) for v in x]
        (A_eq if kind == "eq" else A_ub).append(row)
    for v in problem.positive:
        row = [0.0] * len(x)
        row[x.index(v)] = -1.0
        A_ub.append(row)
    n = len(x)
    bounds = [(0.0, 0.0) if v in fixed else (-1.0, 1.0) for v in x]
    for v in free:
        i = x.index(v)
        for sgn in (1.0, -1.0):
            c = np.zeros(n)
            c[i] = -sgn
            res = linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=np.zeros(len(A_ub)) if A_ub else None,
                          A_eq=np.array(A_eq) if A_eq else None, b_eq=np.zeros(len(A_eq)) if A_eq else None,
                          bounds=bounds, method="highs")
            if res.status != 0 or -res.fun > 1e-9:
                return False
    return True


def face_values(problem: OptimisationProblem) -> list | None:
    """Sup of ``f`` over the boundary faces ``x_i = 0`` of the open domain, when each is a constant.

    Returns the list of face values (one per face), or None when some face is not constant.
    """
    pos = sorted(problem.positive, key=str)
    values = []
    for r in range(1, len(pos) + 1):
        for face in itertools.combinations(pos, r):
            f = problem.objective
            for v in face:
                g = f.subs(v, 0)
                if g.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
                    g = bounded(sp.limit, f, v, 0, "+", seconds=2.0, fallback=None)
                    if g is None:
                        return None
                f = g
            if f.free_symbols & set(problem.variables):
                return None
            values.append(f)
    return values


def _rays(k: int, positive_flags):
    dirs = []
    for i in range(k):
        for s in (1, -1):
            d = [0] * k
            d[i] = s
            dirs.append(d)
    for i, j in itertools.combinations(range(k), 2):
        for si, sj in itertools.product((1, -1), repeat=2):
            d = [0] * k
            d[i], d[j] = si, sj
            dirs.append(d)
    return [d for d in dirs if all(not (positive_flags[i] and d[i] < 0) for i in range(k))]


def unbounded_path(problem: OptimisationProblem, samples, seconds: float = 8.0, hint=None) -> dict | None:
    """A feasible path ``x(t)``, ``t -> +oo``, along which the objective goes to its bad infinity."""
    x = list(problem.variables)
    t = sp.Symbol("t", positive=True)
    param_free = not problem.parameters
    # the equalities, and optionally one inequality held active, are solved for some variables
    systems = [list(problem.equalities)]
    systems += [list(problem.equalities) + [g] for g in problem.inequalities if len(problem.equalities) + 1 <= len(x)]
    try:
        with time_budget(seconds, step="looking for a feasible path to infinity"):
            for cert in _paths(problem, systems, x, t, samples, param_free, hint):
                return cert
    except BudgetExceeded:
        return None
    except (NotImplementedError, ValueError, TypeError):
        return None
    return None


def _hint_direction(hint, idx):
    """A direction with small rational entries close to a far-away numeric point's free coordinates."""
    vals = np.array([hint[i] for i in idx], dtype=float)
    scale = np.max(np.abs(vals))
    if not np.isfinite(scale) or scale == 0:
        return None
    return [sp.nsimplify(round(v / scale, 2), rational=True) for v in vals]


def _paths(problem, systems, x, t, samples, param_free, hint=None):
    for eqs in systems:
        m = len(eqs)
        for dep in itertools.combinations(x, m):
            if m:
                try:
                    sols = sp.solve(eqs, list(dep), dict=True)
                except (NotImplementedError, ValueError, TypeError):
                    continue
            else:
                sols = [{}]
            for sol in sols:
                if set(sol) != set(dep):
                    continue
                free = [v for v in x if v not in dep]
                flags = [v in problem.positive for v in free]
                rays = _rays(len(free), flags)
                if hint is not None:
                    hd = _hint_direction(hint, [x.index(v) for v in free])
                    if hd is not None:
                        rays = [hd] + rays
                for d in rays:
                    for base in (0, 1):
                        path = {}
                        for v, di in zip(free, d):
                            start = 1 if (v in problem.positive or base) else 0
                            path[v] = start + di * t if di else sp.Integer(start)
                        full = {v: sp.simplify(sol[v].subs(path)) for v in dep}
                        full.update(path)
                        cert = _check_path(problem, full, t, samples, param_free)
                        if cert:
                            yield {"path": {str(v): full[v] for v in x}, "parameter": t,
                                   "direction": "t -> +oo", "limit": cert}


def _check_path(problem, path, t, samples, exact: bool):
    F = problem.F.subs(path)
    ts = [1e2, 1e3, 1e4, 1e5]
    for s in samples[:3] or [{}]:
        for tv in ts:
            vals = {**s, t: tv}
            for v, e in path.items():
                c = numeric_value(e, vals)
                if not np.isfinite(c.real) or abs(c.imag) > 1e-9 * (1 + abs(c.real)):
                    return None
                if v in problem.positive and c.real <= 0:
                    return None
            for g in problem.inequalities:
                c = numeric_value(g.subs(path), vals)
                if not c.real <= 1e-9 * (1 + abs(c.real)):
                    return None
        Fs = [numeric_value(F, {**s, t: tv}).real for tv in ts]
        if not all(np.isfinite(Fs)) or not all(b < a for a, b in zip(Fs, Fs[1:])) or Fs[-1] > Fs[0] - 10:
            return None
    lim = bounded(sp.limit, F, t, sp.oo, seconds=3.0, fallback=None)
    if lim == -sp.oo:
        return "exact"
    if lim is None or lim.has(sp.Limit):
        return "numeric" if not exact else None
    return None


def slater_point(problem: OptimisationProblem, sample) -> tuple[bool, float]:
    """(strictly feasible point found?, min over x of max_j g_j(x) found) -- Slater's condition."""
    from scipy.optimize import minimize

    from .numeric import NumericProblem, starting_points

    npb = NumericProblem(problem, sample)
    x = list(problem.variables)
    # refined Slater: affine inequalities need not hold strictly (B&V eq. (5.27))
    nonlinear = [j for j, g in enumerate(problem.inequalities)
                 if any(sp.diff(g, v, w) != 0 for v in x for w in x)]
    if not nonlinear:
        return True, -np.inf
    gsel = lambda z: npb.g(z)[nonlinear]  # noqa: E731
    best = np.inf
    n = npb.n
    cons = [{"type": "eq", "fun": npb.h}] if problem.equalities else []
    cons.append({"type": "ineq", "fun": lambda z: z[-1] - gsel(z[:-1])})
    linear = [j for j in range(len(problem.inequalities)) if j not in nonlinear]
    if linear:
        cons.append({"type": "ineq", "fun": lambda z: -npb.g(z[:-1])[linear]})
    for x0 in starting_points(npb, (-3, 3), 8, 1):
        z0 = np.append(x0, float(np.max(gsel(x0))) + 1.0)
        res = minimize(lambda z: z[-1], z0, method="SLSQP", constraints=cons,
                       bounds=[(None, None)] * n + [(-1.0, None)], options={"maxiter": 300})
        xs = res.x[:-1]
        if not np.all(np.isfinite(xs)):
            continue
        other = max([float(np.max(np.abs(npb.h(xs))))] if problem.equalities else [0.0])
        if linear:
            other = max(other, float(np.max(npb.g(xs)[linear])))
        if other < 1e-8:
            best = min(best, float(np.max(gsel(xs))))
    return best < -1e-7, best


def farkas_certificate(problem: OptimisationProblem) -> dict | None:
    """Exact proof that linear constraints ``A x = b, G x <= h`` have no solution (Farkas' lemma).

    Multipliers ``u`` (free) and ``v >= 0`` with ``A^T u + G^T v = 0`` and ``b^T u + h^T v < 0``: adding
    the constraints with these weights gives ``0 <= b^T u + h^T v < 0``. Found by an LP, then rounded to
    rationals and verified in exact arithmetic (so the proof does not rest on floating point).
    """
    x = list(problem.variables)
    if problem.parameters or problem.positive:
        return None
    rows = []
    for kind, c in [("eq", h) for h in problem.equalities] + [("le", g) for g in problem.inequalities]:
        try:
            poly = sp.Poly(sp.expand(c), *x)
        except sp.PolynomialError:
            return None
        if poly.total_degree() > 1:
            return None
        coeffs = [poly.coeff_monomial(v) for v in x]
        rhs = -poly.coeff_monomial(1)
        rows.append((kind, coeffs, rhs))
    if not rows:
        return None
    k = len(rows)
    M = np.array([[float(r[1][j]) for r in rows] for j in range(len(x))])  # columns = constraints
    rhs = np.array([float(r[2]) for r in rows])
    bounds = [(-1.0, 1.0) if r[0] == "eq" else (0.0, 1.0) for r in rows]
    res = linprog(rhs, A_eq=M, b_eq=np.zeros(len(x)), bounds=bounds, method="highs")
    if res.status != 0 or res.fun > -1e-9:
        return None
    weights = [sp.nsimplify(w, rational=True, tolerance=1e-9) for w in res.x]
    combo = [sum(weights[i] * rows[i][1][j] for i in range(k)) for j in range(len(x))]
    total = sum(weights[i] * rows[i][2] for i in range(k))
    if any(c != 0 for c in combo) or not total < 0:
        return None
    if any(w < 0 for w, r in zip(weights, rows) if r[0] == "le"):
        return None
    return {"weights": weights, "sum": total}
